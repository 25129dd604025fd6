# toolchains/crates/: the project's Cargo.lock pinned and vendored for
# offline cargo (cargo_lock.c, crates.c; docs/archives.md).
PW_TOOLCHAIN_SRCS += toolchains/crates/cargo_lock.c toolchains/crates/crates.c \
	toolchains/crates/provider_crates.c
UNIT_TESTS += tests/unit/test_crates.c
