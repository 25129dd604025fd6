# sandbox/: knows nothing else of pinwheel (only lib/).
PW_SANDBOX_SRCS += sandbox/seccomp.c sandbox/seccomp-profile.c sandbox/seccomp-demux.c \
	sandbox/seccomp-notify.c

# seccomp: the built-in profiles are embedded into a generated C file, so an
# installed pinwheel needs no data directory.
SECCOMP_PROFILES := $(sort $(wildcard profiles/seccomp/*.json))
SECCOMP_GEN := $(BUILD)/gen/seccomp_profiles.c
PW_SANDBOX_SRCS += $(SECCOMP_GEN)
# (a pattern rule, so that it does not become the default goal)
$(BUILD)/gen/%_profiles.c: $(SECCOMP_PROFILES) mk/embed-profiles.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)sh mk/embed-profiles.sh $(SECCOMP_PROFILES) >$@.tmp && mv $@.tmp $@

UNIT_TESTS += tests/unit/test_seccomp.c
TEST_HELPERS += tests/helpers/sysprobe.c
FUZZ_TARGETS += tests/fuzz/fuzz_seccomp_profile.c
