# The action cache (toolchains/actions.c), `build --shard`/`--no-cache`,
# `plan --format github|json` (issue 6).  The HTTP remote it calls is
# toolchains/remote_cache.c (mk/remote.mk).
PW_TOOLCHAIN_SRCS += toolchains/actions.c
UNIT_TESTS += tests/unit/test_actions.c
