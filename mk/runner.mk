PW_RUNNER_SRCS += runner/cli.c runner/cmd_build.c runner/cmd_audit.c runner/cmd_repair.c runner/cmd_inspect.c runner/cmd_run.c runner/cmd_store.c runner/cmd_fetch.c
# The declarative option tables of the commands (include/pinwheel/opts.h).
PW_RUNNER_SRCS += runner/opts.c
UNIT_TESTS += tests/unit/test_opts.c
