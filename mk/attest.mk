# Signed attestations (issue 17): base64, DSSE's PAE and ed25519 over
# libcrypto (lib/attest.c), `pinwheel attest sign|verify` (runner/cmd_attest.c).
PW_LIB_SRCS += lib/attest.c
PW_RUNNER_SRCS += runner/cmd_attest.c
UNIT_TESTS += tests/unit/test_attest.c
FUZZ_TARGETS += tests/fuzz/fuzz_base64.c
