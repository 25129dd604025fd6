# The progress display of `pinwheel fetch` (and of lock and store): the
# table in lib/progress.c, the CLI's use of it in runner/fetch_ui.c.
PW_LIB_SRCS += lib/progress.c
PW_RUNNER_SRCS += runner/fetch_ui.c
UNIT_TESTS += tests/unit/test_progress.c
