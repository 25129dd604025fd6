/* child.h - processes pinwheel starts die with it (lib/child.c).
 *
 * Every process pinwheel forks -- build workers, verify's two builds, git,
 * gpgv -- calls pw_child_die_with_parent() first thing after fork(), with
 * the parent's pid saved before the fork.  It asks the kernel for SIGKILL
 * when the parent dies (PR_SET_PDEATHSIG), then checks that the parent
 * has not died already (the signal is not sent for a death before the
 * call: the classic race).  Sandboxes have the same guarantee from their
 * init (sandbox/ns.c), and the kernel ends a pid namespace with its init,
 * so a `kill -9` of pinwheel ends everything it started.
 *
 * The death signal is tied to the parent *thread*: pinwheel forks these
 * from its main thread, which lives as long as the process.  It survives
 * execve() of an ordinary program (not of a set-user-ID one).
 *
 * Only async-signal-safe calls: usable between fork and exec.
 */
#ifndef PINWHEEL_CHILD_H
#define PINWHEEL_CHILD_H

#include <sys/types.h>

/* 0, or -errno: -ESRCH when @parent is gone already (the caller then
 * _exit()s at once), or prctl's error. */
int pw_child_die_with_parent(pid_t parent);

#endif
