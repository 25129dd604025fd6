# pinwheel.json, pinwheel.lock, `pinwheel lock` and `pinwheel plan`, the
# provider interface and the archive provider (issue 4, config part).
PW_LIB_SRCS += lib/jpos.c
PW_TOOLCHAIN_SRCS += toolchains/artifact.c toolchains/archive.c
PW_RUNNER_SRCS += runner/config.c
PW_RUNNER_SRCS += runner/cmd_lock.c runner/cmd_plan.c
UNIT_TESTS += tests/unit/test_config.c
UNIT_TESTS += tests/unit/test_lockfile.c
FUZZ_TARGETS += tests/fuzz/fuzz_config.c
