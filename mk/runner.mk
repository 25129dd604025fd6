PW_RUNNER_SRCS += runner/cli.c runner/cmd_later.c runner/cmd_run.c runner/cmd_store.c runner/cmd_fetch.c
