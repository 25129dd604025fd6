# The store, the fetcher, `pinwheel store` and `pinwheel fetch` (issue 2).
PW_LIB_SRCS += lib/progress.c
PW_TOOLCHAIN_SRCS += toolchains/store.c toolchains/store_tree.c toolchains/store_admin.c toolchains/fetch.c
PW_RUNNER_SRCS += runner/lock.c runner/fetch_ui.c
UNIT_TESTS += tests/unit/test_store.c tests/unit/test_lock.c tests/unit/test_progress.c
FUZZ_TARGETS += tests/fuzz/fuzz_lock.c
