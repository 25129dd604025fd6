# toolchains/oci/: OCI images as base roots: references, the registry client,
# local sources, the lock provider (oci_ref.c, oci_registry.c, oci_source.c,
# provider_oci.c) and the image's layers applied into one tree (oci_config.c,
# oci_apply.c).
PW_TOOLCHAIN_SRCS += toolchains/oci/oci_ref.c toolchains/oci/oci_registry.c \
	toolchains/oci/oci_source.c toolchains/oci/provider_oci.c
PW_TOOLCHAIN_SRCS += toolchains/oci/oci_config.c toolchains/oci/oci_apply.c
UNIT_TESTS += tests/unit/test_oci_ref.c tests/unit/test_oci_apply.c
TEST_HELPERS += tests/helpers/pw-oci-apply.c
FUZZ_TARGETS += tests/fuzz/fuzz_oci_manifest.c tests/fuzz/fuzz_oci_config.c \
	tests/fuzz/fuzz_oci_apply.c
