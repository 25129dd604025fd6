# OCI image roots, the apply half (issue 7): image configs, layers applied
# with whiteouts, the "oci-image" roots builder (runner/roots.c).
PW_TOOLCHAIN_SRCS += toolchains/oci_config.c toolchains/oci_apply.c
UNIT_TESTS += tests/unit/test_oci_apply.c
TEST_HELPERS += tests/helpers/pw-oci-apply.c
FUZZ_TARGETS += tests/fuzz/fuzz_oci_config.c
