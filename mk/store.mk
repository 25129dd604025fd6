# toolchains/store/: the content-addressed store and what fills it: blobs
# and trees (store*.c), the fetcher (fetch.c, libcurl), the safe unpacker
# (unpack*.c, libarchive), tree hashes, derived trees, the action cache and
# its HTTP remote.  Knows nothing of providers.
PW_TOOLCHAIN_SRCS += toolchains/store/store.c toolchains/store/store_tree.c \
	toolchains/store/store_admin.c toolchains/store/fetch.c
PW_TOOLCHAIN_SRCS += toolchains/store/unpack.c toolchains/store/unpack_path.c \
	toolchains/store/unpack_input.c
PW_TOOLCHAIN_SRCS += toolchains/store/treehash.c toolchains/store/derived.c
PW_TOOLCHAIN_SRCS += toolchains/store/actions.c toolchains/store/remote_cache.c \
	toolchains/store/bundle.c
UNIT_TESTS += tests/unit/test_store.c tests/unit/test_unpack.c tests/unit/test_treehash.c
UNIT_TESTS += tests/unit/test_actions.c tests/unit/test_remote.c
TEST_HELPERS += tests/helpers/pw-unpack.c tests/helpers/pw-remote.c
FUZZ_TARGETS += tests/fuzz/fuzz_unpack_path.c tests/fuzz/fuzz_unpack.c tests/fuzz/fuzz_bundle.c
# liblzma directly, for multi-threaded xz decoding (see toolchains/store/unpack.c).
PKGS += liblzma
BIN_PKGS += liblzma
