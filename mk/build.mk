# pinwheel build: orchestration, source export, PEP 517, smoke test, manifest.
PW_RUNNER_SRCS += runner/build.c runner/source.c runner/pep517.c runner/smoke.c runner/manifest.c
UNIT_TESTS += tests/unit/test_build.c
# The wheel pipeline (wheel.h, audit.h, repair.h) is built on other
# branches; until all three are merged, build.c hands the backend's wheel on
# unaudited.
ifneq ($(wildcard runner/wheel_pack.c)$(wildcard runner/audit.c)$(wildcard runner/repair.c),)
ifneq ($(and $(wildcard runner/wheel_pack.c),$(wildcard runner/audit.c),$(wildcard runner/repair.c)),)
$(BUILD)/runner/build.o: ALL_CFLAGS += -DPW_HAVE_PIPELINE
endif
endif
