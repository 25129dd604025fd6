# Crates vendoring, known archive layouts and tree content hashes (issue 4,
# archives part): toolchains/treehash.c, toml.c, cargo_lock.c, crates.c,
# layouts.c, derived.c.
PW_TOOLCHAIN_SRCS += toolchains/treehash.c
UNIT_TESTS += tests/unit/test_treehash.c
PW_TOOLCHAIN_SRCS += toolchains/toml.c
UNIT_TESTS += tests/unit/test_toml.c
FUZZ_TARGETS += tests/fuzz/fuzz_toml.c
PW_TOOLCHAIN_SRCS += toolchains/cargo_lock.c
PW_TOOLCHAIN_SRCS += toolchains/derived.c toolchains/crates.c
PW_TOOLCHAIN_SRCS += toolchains/layouts.c
TEST_HELPERS += tests/helpers/pw-archives.c
UNIT_TESTS += tests/unit/test_crates.c
UNIT_TESTS += tests/unit/test_layouts.c
