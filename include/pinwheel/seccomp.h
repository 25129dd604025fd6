/* seccomp.h - seccomp profiles (sandbox/): load a JSON profile, compile it
 * with libseccomp to a BPF program once, install it in a child.
 *
 * A profile is data under profiles/seccomp/ (format in docs/seccomp.md,
 * schema in profiles/schema/seccomp-profile.schema.json).  Built-in profiles
 * ("build", "lock") are embedded in the binary; a name containing a '/' or
 * ending in ".json" is a path.  Compilation happens in the parent; the child
 * only calls pw_seccomp_install() between fork and exec (no allocation,
 * async-signal-safe).  This module knows nothing of pinwheel beyond lib/.
 *
 * Ownership: every struct pw_seccomp_prog returned is the caller's and is
 * freed with pw_seccomp_prog_free().  Compiled programs are cached per
 * process (keyed by the sha256 of the profile bytes, the options, the
 * libseccomp version and the native architecture) and, when
 * opts->cache_dir is set, on disk there as KEY.bpf.
 *
 * Errors: pointer functions return NULL with errno set, actions return 0 or
 * -errno; e->msg is one line naming the file, the field (JSON path such as
 * "syscalls[3].names[1]") and what was expected.
 */
#ifndef PINWHEEL_SECCOMP_H
#define PINWHEEL_SECCOMP_H

#include "pinwheel/common.h"

struct pw_seccomp_prog; /* opaque: a compiled BPF program */

struct pw_seccomp_opts {
	bool allow_net;        /* with --net: inet sockets allowed ("unless": "net" rules dropped) */
	const char *cache_dir; /* where compiled programs may be cached, or NULL */
};

/* Where a program came from (for tests and benchmarks). */
enum pw_seccomp_source {
	PW_SECCOMP_COMPILED,   /* parsed and compiled by libseccomp now */
	PW_SECCOMP_MEM_CACHE,  /* copied from this process's cache */
	PW_SECCOMP_DISK_CACHE, /* read back from opts->cache_dir */
};

/* Load and compile @name_or_path ("none" is not valid here: the caller
 * skips seccomp).  Returns NULL with errno set and e->msg naming the file,
 * field and what was expected (EINVAL for a bad profile, ENOENT for an
 * unknown built-in name).  Caller frees with pw_seccomp_prog_free(). */
struct pw_seccomp_prog *pw_seccomp_compile(const char *name_or_path,
					   const struct pw_seccomp_opts *opts,
					   struct pw_err *e);
/* The same from profile bytes in memory; @name is used in messages and
 * plays no part in the cache key. */
struct pw_seccomp_prog *pw_seccomp_compile_mem(const char *name, const char *data, size_t n,
					       const struct pw_seccomp_opts *opts,
					       struct pw_err *e);
void pw_seccomp_prog_free(struct pw_seccomp_prog *p);

/* In the child: PR_SET_NO_NEW_PRIVS and install the filter.  0 or -errno.
 * Async-signal-safe: no allocation, no locks. */
int pw_seccomp_install(const struct pw_seccomp_prog *p);

/* Supervised programs.  On ABIs where socket(2) and socketpair(2) also go
 * through a multiplexer with its arguments in memory (i386's socketcall),
 * a profile's conditions on them cannot be compared by the filter; the
 * program then hands those calls to a supervisor (SECCOMP_RET_USER_NOTIF),
 * which reads the arguments, decides with this same program what the
 * direct call would get, and makes the socket itself for the caller
 * (docs/seccomp.md, "Multiplexed socket calls").
 *
 * pw_seccomp_prog_supervised(): whether @p has such a part.
 * pw_seccomp_install_listen(): pw_seccomp_install() that, for a supervised
 * program, asks the kernel for a listener; its fd (close-on-exec) lands in
 * *listener, else -1 (not supervised, or the kernel gives none: another
 * filter of ours has one; the supervised calls then fail with ENOSYS).
 * Async-signal-safe.
 * pw_seccomp_supervise(): answer one notification read from @listener by
 * a process running under @p.  0 when answered (or the caller is gone),
 * -errno when the listener is unusable (stop supervising).  Allocates
 * nothing; single-threaded use.
 * pw_seccomp_prog_eval(): what @p returns for @data (a struct
 * seccomp_data), as the kernel would run it: SECCOMP_RET_* action | data. */
bool pw_seccomp_prog_supervised(const struct pw_seccomp_prog *p);
int pw_seccomp_install_listen(const struct pw_seccomp_prog *p, int *listener);
int pw_seccomp_supervise(const struct pw_seccomp_prog *p, int listener);
uint32_t pw_seccomp_prog_eval(const struct pw_seccomp_prog *p, const void *data);

/* Parse and check a profile without compiling it (every syscall name is
 * resolved on the native architecture).  0 or -EINVAL with @e filled. */
int pw_seccomp_profile_check(const char *name, const char *data, size_t n, struct pw_err *e);

/* The program's instructions (struct sock_filter, 8 bytes each) and their
 * count; valid while @p lives. */
const void *pw_seccomp_prog_insns(const struct pw_seccomp_prog *p, size_t *count);
enum pw_seccomp_source pw_seccomp_prog_source(const struct pw_seccomp_prog *p);

/* Built-in profiles: the @i-th name (NULL past the end), and the embedded
 * bytes of @name (NULL with errno ENOENT when there is none). */
const char *pw_seccomp_builtin_name(size_t i);
const char *pw_seccomp_builtin(const char *name, size_t *len);

/* Drop the per-process cache (tests, benchmarks).  Not thread-safe against
 * concurrent pw_seccomp_compile() callers. */
void pw_seccomp_cache_clear(void);

#endif
