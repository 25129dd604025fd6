# Target roots: lock layers -> store trees -> root id -> sandbox spec.
PW_RUNNER_SRCS += runner/roots.c
UNIT_TESTS += tests/unit/test_roots.c
