# The action cache (toolchains/actions.c), `build --shard`/`--no-cache`,
# `plan --format github|json` (issue 6).  remote_stub.c holds weak
# stand-ins for toolchains/remote_cache.c (branch `remote`) until it lands.
PW_TOOLCHAIN_SRCS += toolchains/actions.c $(if $(wildcard toolchains/remote_cache.c),,toolchains/remote_stub.c)
UNIT_TESTS += tests/unit/test_actions.c
