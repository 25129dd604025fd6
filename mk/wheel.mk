# runner/wheel/: the wheel library and the wheel pipeline (issue 5; one
# module since issue 16).  Wheel files: reader, names/tags/RECORD,
# deterministic packer, sdist normalisation (wheel.h); the ELF audit and the
# manylinux policies (audit.h); repair, which vendors disallowed libraries
# with the root's patchelf (repair.h); the pipeline build and repair share,
# and what the smoke test imports (pipeline.h).  The commands that use them
# (cmd_audit.c, cmd_inspect.c, cmd_repair.c) are listed in mk/runner.mk.
PW_RUNNER_SRCS += runner/wheel/wheel_zip.c runner/wheel/wheel_meta.c runner/wheel/wheel_pack.c \
	runner/wheel/sdist.c
PW_RUNNER_SRCS += runner/wheel/elf.c runner/wheel/policy.c runner/wheel/audit.c
PW_RUNNER_SRCS += runner/wheel/rootfs.c runner/wheel/syslibs.c runner/wheel/repair.c
PW_RUNNER_SRCS += runner/wheel/pipeline.c runner/wheel/smoke.c

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

UNIT_TESTS += tests/unit/test_wheel.c tests/unit/test_audit.c tests/unit/test_syslibs.c \
	tests/unit/test_repair.c \
	tests/unit/test_pipeline.c
TEST_HELPERS += tests/helpers/pw-wheel.c
FUZZ_TARGETS += tests/fuzz/fuzz_wheel_zip.c tests/fuzz/fuzz_elf.c
