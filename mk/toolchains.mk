# toolchains/: the provider framework: the lockset (artifact.c), the
# provider interface and its table (provider.c), target roots (roots.c),
# platforms and the host (target.c), the tools a provider runs in a
# target's root at lock time (lockstep.c).  May use sandbox/ and lib/.  The
# store is mk/store.mk; each provider folder has its own mk/PROVIDER.mk.
PW_TOOLCHAIN_SRCS += toolchains/artifact.c toolchains/provider.c toolchains/roots.c \
	toolchains/target.c toolchains/lockstep.c
UNIT_TESTS += tests/unit/test_roots.c tests/unit/test_target.c
# the provider table against the schemas that repeat it
UNIT_TESTS += tests/unit/test_provider.c
