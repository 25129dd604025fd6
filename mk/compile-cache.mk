# runner/build/compile_cache.c: the compilation cache of pinwheel build
# (compile_cache.h, docs/compile-cache.md).
PW_RUNNER_SRCS += runner/build/compile_cache.c
UNIT_TESTS += tests/unit/test_ccache.c
UNIT_TESTS += tests/unit/test_rcache.c
