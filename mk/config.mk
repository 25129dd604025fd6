# pinwheel.json and pinwheel.lock: the readers and the writer (runner/config.c,
# runner/lock.c), `pinwheel lock` and `pinwheel plan`.
PW_LIB_SRCS += lib/jpos.c lib/jcheck.c
PW_RUNNER_SRCS += runner/config.c runner/lock.c
# The config of a project with only a pyproject.toml, [tool.pinwheel] (zeroconf.h).
PW_RUNNER_SRCS += runner/zeroconf.c runner/cmd_init.c
UNIT_TESTS += tests/unit/test_zeroconf.c
# "open this target": the lock, the store, a root, its sandbox (session.h).
PW_RUNNER_SRCS += runner/session.c
PW_RUNNER_SRCS += runner/cmd_lock.c runner/cmd_plan.c
UNIT_TESTS += tests/unit/test_config.c
UNIT_TESTS += tests/unit/test_lock.c tests/unit/test_lockfile.c tests/unit/test_lockjobs.c
FUZZ_TARGETS += tests/fuzz/fuzz_config.c tests/fuzz/fuzz_lock.c
UNIT_TESTS += tests/unit/test_oldroot.c
