# pinwheel build: orchestration, source export, PEP 517, smoke test, manifest.
PW_RUNNER_SRCS += runner/build.c runner/source.c runner/pep517.c runner/smoke.c runner/manifest.c
UNIT_TESTS += tests/unit/test_build.c
TEST_HELPERS += tests/helpers/pw-rootplan.c
# Parts of the wheel pipeline come from other branches (wheel, audit,
# repair); build.c uses each one once it is merged.  Target-specific
# ALL_CFLAGS survive CFLAGS given on the command line (make asan).
BUILD_PIPELINE_DEFS := $(if $(and $(wildcard runner/wheel_pack.c),$(wildcard runner/audit.c)),-DPW_HAVE_PIPELINE) \
	$(if $(wildcard runner/repair.c),-DPW_HAVE_REPAIR) \
	$(if $(shell grep -l pw_sdist_normalize runner/sdist.c runner/wheel_*.c 2>/dev/null | grep -v wheel_int),-DPW_HAVE_SDIST)
$(BUILD)/runner/build.o: ALL_CFLAGS += $(BUILD_PIPELINE_DEFS)
# (after merging one of those branches: touch runner/build.c)
FUZZ_TARGETS += tests/fuzz/fuzz_pyproject.c
