# Taking files from directories a sandbox could write (issue 13: symlinks,
# FIFOs and devices in place of a build step's outputs).
PW_LIB_SRCS += lib/untrusted.c
UNIT_TESTS += tests/unit/test_untrusted.c
