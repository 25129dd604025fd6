# The shared HTTP action cache (issue 6): toolchains/remote_cache.c.
PW_TOOLCHAIN_SRCS += toolchains/remote_cache.c
TEST_HELPERS += tests/helpers/pw-remote.c
UNIT_TESTS += tests/unit/test_remote.c
