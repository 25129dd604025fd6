# toolchains/: the provider framework (the lockset, the tools a provider runs
# in a target's root at lock time).  May use sandbox/ and lib/.  The store
# is mk/store.mk, each provider folder has its own mk/PROVIDER.mk.
PW_TOOLCHAIN_SRCS += toolchains/artifact.c toolchains/lockstep.c
PW_TOOLCHAIN_SRCS += toolchains/target.c toolchains/provider.c toolchains/roots.c
UNIT_TESTS += tests/unit/test_roots.c
