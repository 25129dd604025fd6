# Wheel files (issue 5): reader, names/tags/RECORD, deterministic packer,
# sdist normalisation, `pinwheel inspect` (runner/cmd_inspect.c is listed
# in mk/runner.mk).
PW_RUNNER_SRCS += runner/wheel_zip.c runner/wheel_meta.c runner/wheel_pack.c runner/sdist.c
UNIT_TESTS += tests/unit/test_wheel.c
TEST_HELPERS += tests/helpers/pw-wheel.c
FUZZ_TARGETS += tests/fuzz/fuzz_wheel_zip.c
# The wheel pipeline that build and repair share: unpack, audit, repair,
# retag, pack, audit again (include/pinwheel/pipeline.h).
PW_RUNNER_SRCS += runner/pipeline.c
