# toolchains/debian/: Debian base roots (deb_*.c, apt_sources.c, debian.c,
# provider_debian.c) and the qemu-user and cross layers of foreign targets
# (emulator.c, docs/foreign.md).
PW_TOOLCHAIN_SRCS += toolchains/debian/deb_version.c toolchains/debian/deb_control.c \
	toolchains/debian/apt_sources.c toolchains/debian/deb_release.c \
	toolchains/debian/deb_resolve.c toolchains/debian/deb_root.c toolchains/debian/debian.c \
	toolchains/debian/provider_debian.c toolchains/debian/emulator.c
TEST_HELPERS += tests/helpers/pw-debian.c
UNIT_TESTS += tests/unit/test_debian.c tests/unit/test_emulator.c
FUZZ_TARGETS += tests/fuzz/fuzz_deb_control.c
