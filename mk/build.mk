# runner/build/: pinwheel build (build.h; the parts share
# runner/build/build_int.h): orchestration, workers, the action cache, the
# sdist and target steps, the summary and manifest; source export, PEP 517.
PW_RUNNER_SRCS += runner/build/build.c runner/build/workers.c runner/build/action_cache.c \
	runner/build/step.c runner/build/target.c runner/build/report.c \
	runner/build/before_all.c runner/build/abi3.c
PW_RUNNER_SRCS += runner/build/source.c runner/build/pep517.c runner/build/manifest.c
UNIT_TESTS += tests/unit/test_build.c
TEST_HELPERS += tests/helpers/pw-rootplan.c
FUZZ_TARGETS += tests/fuzz/fuzz_pyproject.c
