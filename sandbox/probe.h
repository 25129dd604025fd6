/* probe.h - start-up timing probes of sandbox/, compiled only into a debug
 * build (make BUILD=build-probe CFLAGS="-O2 -g -DSB_PROBE"); the default
 * build has none of this.  pw_sandbox_run() maps one shared page before the
 * clone, every process of the sandbox stamps CLOCK_MONOTONIC into its slot,
 * and the parent prints each as microseconds since pw_sandbox_run() was
 * entered, to stderr, when PINWHEEL_SB_PROBE is set. */
#ifndef PINWHEEL_SANDBOX_PROBE_H
#define PINWHEEL_SANDBOX_PROBE_H

#ifdef SB_PROBE
#include <stdint.h>
#include <time.h>

enum sb_probe_point {
	SBP_START,	 /* parent: pw_sandbox_run entered */
	SBP_CLONE,	 /* parent: before the clone */
	SBP_CLONED,	 /* parent: the clone returned */
	SBP_GO,		 /* parent: child released */
	SBP_C_START,	 /* init: running */
	SBP_C_CMD,	 /* init: the command's process started */
	SBP_C_MAPS,	 /* init: hostname set, id maps written */
	SBP_C_CAPTURE,	 /* init: mounts private, host fds captured */
	SBP_C_ROOT,	 /* init: root composed */
	SBP_C_PROC,	 /* init: /proc */
	SBP_C_DEV,	 /* init: /dev */
	SBP_C_TMP,	 /* init: /tmp, binds, /etc */
	SBP_C_PIVOT,	 /* init: pivot_root, old root detached */
	SBP_C_GO,	 /* init: the parent's go read */
	SBP_C_NETJOIN,	 /* init: the command's network namespace joined, lo up */
	SBP_C_RELEASE,	 /* init: the command ready and released */
	SBP_CMD_FORKED,	 /* command: running */
	SBP_CMD_NET,	 /* command: network namespace made */
	SBP_CMD_CAPS,	 /* command: rlimits, caps dropped */
	SBP_CMD_SECCOMP, /* command: filter installed (then waits for the go) */
	SBP_I_REAPED,	 /* init: command reaped */
	SBP_STATUS,	 /* parent: status received */
	SBP_DONE,	 /* parent: returning */
	SBP_N
};

extern uint64_t *sb_probe_t;

static inline void sb_probe(enum sb_probe_point p)
{
	struct timespec ts;

	if (!sb_probe_t)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sb_probe_t[p] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#define SB_PROBE_AT(p) sb_probe(p)
#else
#define SB_PROBE_AT(p) ((void)0)
#endif

#endif
