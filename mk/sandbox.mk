# sandbox/: knows nothing else of pinwheel (only lib/).
PW_SANDBOX_SRCS += sandbox/seccomp.c
