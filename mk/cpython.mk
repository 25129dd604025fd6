# toolchains/cpython/: CPython built from a pinned source archive in the
# sandbox, cached as a store tree (docs/debian.md, CPython from source).
PW_TOOLCHAIN_SRCS += toolchains/cpython/cpython.c
