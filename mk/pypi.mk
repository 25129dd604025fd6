# toolchains/pypi/: build and test requirements as PyPI wheels, resolved by
# the root's own pip (docs/pypi.md).
PW_TOOLCHAIN_SRCS += toolchains/pypi/pypi.c toolchains/pypi/hooks.c \
	toolchains/pypi/provider_pypi.c toolchains/pypi/sdist_reqs.c
TEST_HELPERS += tests/helpers/pw-pypi.c
UNIT_TESTS += tests/unit/test_pypi.c
FUZZ_TARGETS += tests/fuzz/fuzz_pypi_report.c
