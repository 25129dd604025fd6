/* seccomp.h - seccomp profiles (sandbox/): load a JSON profile, compile it
 * with libseccomp to a BPF program once, install it in a child.
 *
 * A profile is data under profiles/seccomp/ (format in docs/security.md).
 * Built-in profiles ("build", ...) are embedded in the binary; any other
 * name is taken as a path.  Compilation happens in the parent; the child
 * only calls pw_seccomp_install() between fork and exec (no allocation,
 * async-signal-safe).  This module knows nothing of pinwheel beyond lib/.
 */
#ifndef PINWHEEL_SECCOMP_H
#define PINWHEEL_SECCOMP_H

#include "pinwheel/common.h"

struct pw_seccomp_prog; /* opaque: a compiled BPF program */

struct pw_seccomp_opts {
	bool allow_net;        /* with --net: inet sockets allowed */
	const char *cache_dir; /* where compiled programs may be cached, or NULL */
};

/* Load and compile @name_or_path ("none" is not valid here: the caller
 * skips seccomp).  Returns NULL with errno set and e->msg naming the file,
 * field and what was expected. Caller frees with pw_seccomp_prog_free(). */
struct pw_seccomp_prog *pw_seccomp_compile(const char *name_or_path,
					   const struct pw_seccomp_opts *opts,
					   struct pw_err *e);
void pw_seccomp_prog_free(struct pw_seccomp_prog *p);

/* In the child: PR_SET_NO_NEW_PRIVS and install the filter.  0 or -errno.
 * Async-signal-safe. */
int pw_seccomp_install(const struct pw_seccomp_prog *p);

#endif
