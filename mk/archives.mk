# toolchains/archives/: generic url + sha256 archives (archive.c) and the
# known layouts of toolchain archives: standalone Pythons, Rust dist
# tarballs (layouts.c).  tests/helpers/pw-archives.c also drives crates.
PW_TOOLCHAIN_SRCS += toolchains/archives/archive.c toolchains/archives/provider_archive.c \
	toolchains/archives/layouts.c
TEST_HELPERS += tests/helpers/pw-archives.c
UNIT_TESTS += tests/unit/test_layouts.c
