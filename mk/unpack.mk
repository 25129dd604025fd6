# The safe unpacker (toolchains/unpack.c is listed in mk/toolchains.mk).
PW_TOOLCHAIN_SRCS += toolchains/unpack_path.c toolchains/unpack_input.c
UNIT_TESTS += tests/unit/test_unpack.c
TEST_HELPERS += tests/helpers/pw-unpack.c
FUZZ_TARGETS += tests/fuzz/fuzz_unpack_path.c tests/fuzz/fuzz_unpack.c
# liblzma directly, for multi-threaded xz decoding (see toolchains/unpack.c).
PKGS += liblzma
BIN_PKGS += liblzma
