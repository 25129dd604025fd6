# OCI registry client, local image sources, the OCI lock provider (issue 7).
PW_TOOLCHAIN_SRCS += toolchains/oci_ref.c toolchains/oci_registry.c toolchains/oci_source.c \
	toolchains/provider_oci.c
UNIT_TESTS += tests/unit/test_oci_ref.c
FUZZ_TARGETS += tests/fuzz/fuzz_oci_manifest.c
