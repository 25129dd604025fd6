# The Debian base-root provider (issue 4): toolchains/deb_*.c, apt_sources.c, debian.c.
PW_TOOLCHAIN_SRCS += toolchains/deb_version.c toolchains/deb_control.c
PW_TOOLCHAIN_SRCS += toolchains/apt_sources.c toolchains/deb_release.c toolchains/deb_resolve.c toolchains/deb_root.c toolchains/debian.c
TEST_HELPERS += tests/helpers/pw-debian.c
UNIT_TESTS += tests/unit/test_debian.c
FUZZ_TARGETS += tests/fuzz/fuzz_deb_control.c
