# pinwheel build: orchestration, source export, PEP 517, manifest.
PW_RUNNER_SRCS += runner/build.c runner/source.c runner/pep517.c runner/manifest.c
UNIT_TESTS += tests/unit/test_build.c
TEST_HELPERS += tests/helpers/pw-rootplan.c
FUZZ_TARGETS += tests/fuzz/fuzz_pyproject.c
