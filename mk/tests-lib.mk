# Unit tests (cmocka, one binary per file), helper programs for the
# integration scripts, and libFuzzer targets.
UNIT_TESTS += tests/unit/test_lib.c
TEST_HELPERS +=
FUZZ_TARGETS += tests/fuzz/fuzz_json.c
