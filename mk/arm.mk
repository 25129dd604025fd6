# Foreign architectures (issue 6): qemu-user from the store for aarch64
# targets and the cross fast path (toolchains/emulator.c; the "emulator"
# and "debian-cross" layers in runner/roots.c; docs/foreign.md).
PW_TOOLCHAIN_SRCS += toolchains/emulator.c
UNIT_TESTS += tests/unit/test_emulator.c
