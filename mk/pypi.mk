# The PyPI build-requirements provider (issue 4): toolchains/pypi.c.
PW_TOOLCHAIN_SRCS += toolchains/pypi.c toolchains/lockstep.c
TEST_HELPERS += tests/helpers/pw-pypi.c
UNIT_TESTS += tests/unit/test_pypi.c
FUZZ_TARGETS += tests/fuzz/fuzz_pypi_report.c
