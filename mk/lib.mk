PW_LIB_SRCS += lib/err.c lib/buf.c lib/hash.c lib/fsutil.c lib/log.c lib/json.c lib/libload.c lib/workdir.c lib/child.c lib/sys.c
# syscall(2) wrappers for what glibc 2.17 (the manylinux2014 floor) lacks.
UNIT_TESTS += tests/unit/test_sys.c
# A TOML reader (Cargo.lock, cargo's config, pyproject.toml) and the
# [build-system] table of pyproject.toml.
PW_LIB_SRCS += lib/toml.c lib/pyproject.c
UNIT_TESTS += tests/unit/test_toml.c
FUZZ_TARGETS += tests/fuzz/fuzz_toml.c
