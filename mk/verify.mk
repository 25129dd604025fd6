# pinwheel verify (issue 6): rebuild under varied conditions, compare, explain.
PW_RUNNER_SRCS += runner/verify.c runner/diffexplain.c runner/cmd_verify.c runner/against.c
UNIT_TESTS += tests/unit/test_verify.c
FUZZ_TARGETS += tests/fuzz/fuzz_archive_diff.c
