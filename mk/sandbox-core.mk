# sandbox/ core: namespaces, mounts, limits, exec, emulation (seccomp.c is
# listed in mk/sandbox.mk).
PW_SANDBOX_SRCS += sandbox/spec.c sandbox/child.c sandbox/host.c sandbox/ns.c sandbox/mounts.c \
		   sandbox/net.c sandbox/limits.c sandbox/emulate.c sandbox/exec.c
UNIT_TESTS += tests/unit/test_sandbox_spec.c tests/unit/test_sandbox_host.c
TEST_HELPERS += tests/helpers/sbprobe.c tests/helpers/sbthreads.c
