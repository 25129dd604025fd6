# toolchains/: store, fetch, unpack, providers.  May use sandbox/ and lib/.
PW_TOOLCHAIN_SRCS += toolchains/unpack.c
