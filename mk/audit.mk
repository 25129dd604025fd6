# The ELF audit and manylinux policies (issue 5): runner/elf.c, policy.c,
# audit.c and `pinwheel audit`.
PW_RUNNER_SRCS += runner/elf.c runner/policy.c runner/audit.c

# The policies (profiles/manylinux/*.json) are embedded as the seccomp
# profiles are (mk/embed-profiles.sh).  A pattern rule (not the default goal)
# whose stem is shorter than that of mk/sandbox.mk's, so make prefers it.
MANYLINUX_PROFILES := $(sort $(wildcard profiles/manylinux/*.json))
MANYLINUX_GEN := $(BUILD)/gen/manylinux_profiles.c
PW_RUNNER_SRCS += $(MANYLINUX_GEN)
$(BUILD)/gen/manylinux%profiles.c: $(MANYLINUX_PROFILES) mk/embed-profiles.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)EMBED_KIND=manylinux sh mk/embed-profiles.sh $(MANYLINUX_PROFILES) >$@.tmp && mv $@.tmp $@

UNIT_TESTS += tests/unit/test_audit.c
FUZZ_TARGETS += tests/fuzz/fuzz_elf.c
