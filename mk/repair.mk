# Repair (issue 5): vendor disallowed libraries with the root's patchelf.
PW_RUNNER_SRCS += runner/repair.c
UNIT_TESTS += tests/unit/test_repair.c
