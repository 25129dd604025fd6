# Target roots (issue 4): the Debian provider wired into `lock`, layers and
# root ids at `fetch`, `run --target`.
PW_TOOLCHAIN_SRCS += toolchains/provider_debian.c
PW_RUNNER_SRCS += runner/roots.c
UNIT_TESTS += tests/unit/test_roots.c
