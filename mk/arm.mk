# Foreign architectures (issue 6): qemu-user from the store for aarch64
# targets (toolchains/emulator.c, the "emulator" layer in runner/roots.c).
PW_TOOLCHAIN_SRCS += toolchains/emulator.c
