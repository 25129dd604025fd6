/* sandbox.h - run one command in a rootless namespace sandbox (sandbox/).
 *
 * Ownership: struct pw_sandbox_spec is plain data.  pw_sandbox_spec_init()
 * sets the defaults; the pw_sandbox_spec_add_*() helpers copy their string
 * arguments (the spec owns the copies); pw_sandbox_spec_release() frees
 * them.  The seccomp program is borrowed: the caller compiles it with
 * pw_seccomp_compile() and frees it after pw_sandbox_run() returns.
 *
 * Errors: actions return 0 or -errno and fill the caller's struct pw_err
 * with one line naming the step that failed ("pivot_root: Operation not
 * permitted").  pw_sandbox_run() returns 0 when the command was started
 * (whatever its exit status; see struct pw_sandbox_result) and -errno when
 * the sandbox could not be set up; result->exit_code then holds 125 (setup
 * failed), 126 (command not executable) or 127 (command not found).
 *
 * The child reports set-up failures to the parent through a pipe and
 * _exit()s; nothing here prints.  This module knows nothing of pinwheel
 * beyond lib/.
 */
#ifndef PINWHEEL_SANDBOX_H
#define PINWHEEL_SANDBOX_H

#include <sys/types.h>

#include "pinwheel/common.h"

struct pw_seccomp_prog;

enum {
	PW_SANDBOX_EXIT_SETUP = 125,   /* the sandbox could not be set up */
	PW_SANDBOX_EXIT_NOEXEC = 126,  /* the command is not executable */
	PW_SANDBOX_EXIT_NOTFOUND = 127 /* the command was not found */
};

/* Defaults, chosen for compilers (not nsjail's NOFILE=32 / FSIZE=1 MiB). */
#define PW_SANDBOX_DEFAULT_UID 1000
#define PW_SANDBOX_DEFAULT_GID 1000
#define PW_SANDBOX_DEFAULT_PIDS 4096
#define PW_SANDBOX_DEFAULT_NOFILE 65536
#define PW_SANDBOX_DEFAULT_FSIZE (64ULL << 30)
#define PW_SANDBOX_DEFAULT_TMP_SIZE (4ULL << 30)
#define PW_SANDBOX_DEFAULT_GRACE_MS 2000
#define PW_SANDBOX_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

enum pw_bind_kind {
	PW_BIND_RO,	/* --ro-bind SRC:DST, read-only, recursive */
	PW_BIND_RW,	/* --bind SRC:DST, writable, recursive */
	PW_BIND_TMPFS,	/* --tmpfs DST[:SIZE] */
	PW_BIND_SYMLINK /* --symlink TARGET:LINK */
};

/* One mount (or symlink) in the order given; @src is NULL for a tmpfs and
 * the link target for a symlink; @size is the tmpfs size (0: default). */
struct pw_bind {
	enum pw_bind_kind kind;
	char *src;
	char *dst;
	uint64_t size;
};

/* Which limit ended the command, when it can be known. */
enum pw_limit {
	PW_LIMIT_NONE = 0,
	PW_LIMIT_TIMEOUT, /* --timeout fired */
	PW_LIMIT_CPU,	  /* SIGXCPU, or SIGKILL after the RLIMIT_CPU hard limit */
	PW_LIMIT_FSIZE	  /* SIGXFSZ */
};

struct pw_sandbox_spec {
	char **layers; /* read-only layer dirs, first is on top */
	size_t n_layers;
	struct pw_bind *binds; /* binds, tmpfs and symlinks, in order */
	size_t n_binds;
	char **env; /* "K=V" added after the baseline (later wins) */
	size_t n_env;
	char *cwd;		 /* inside the sandbox; NULL: /tmp/home */
	char *hostname;		 /* NULL: "pinwheel" */
	char *source_date_epoch; /* NULL: SOURCE_DATE_EPOCH not set */
	uid_t uid;		 /* inside; 0 maps to root-in-namespace */
	gid_t gid;
	bool net; /* share the host network (lock steps only) */
	/* Address-space layout randomisation off for the command and what it
	 * runs (personality(ADDR_NO_RANDOMIZE), as `setarch -R`): stack, heap
	 * and mmap addresses are then the same from run to run, which some
	 * generators leak into their output (Cython's C).  Inherited across
	 * fork and exec (no_new_privs: no set-id exec clears it); the command
	 * may turn it back on itself with personality(PER_LINUX). */
	bool no_aslr;
	/* The 32-bit execution domain (personality(PER_LINUX32), as
	 * `setarch i686`/`linux32`): uname(2) reports "i686" instead of
	 * "x86_64", so a 32-bit root's tools (sysconfig, pip's platform
	 * tags, configure scripts) see the machine they build for, as in the
	 * manylinux i686 images.  Inherited across fork and exec; the
	 * filter's personality rule keeps PER_LINUX32 allowed.  Meaningful on
	 * x86_64 (and other 64-bit machines with a 32-bit compat ABI). */
	bool linux32;
	/* Read-only root: one layer is a bind of it, several an overlay without
	 * upper; the mount points must exist in the layers.  Default: writable
	 * root (overlay with a tmpfs upper that vanishes at exit). */
	bool ro_root;
	/* Writable root whose changes are kept: a host directory of the
	 * caller's holding two empty directories on its file system, "upper"
	 * and "work", which become the overlay's upper and work dirs (instead
	 * of the tmpfs ones that vanish), so after the run CAPTURE/upper holds
	 * what the command created or changed in the root, in overlayfs's
	 * format (a removed file is a 0:0 character device, a directory
	 * removed and made again carries the xattr user.overlay.opaque).  /tmp
	 * and the binds are not part of it.  Needs layers and !ro_root; the
	 * file system must support user xattrs and RENAME_WHITEOUT (ext4,
	 * xfs, btrfs, tmpfs).  NULL: none. */
	char *capture_dir;
	uint64_t tmp_size; /* /tmp tmpfs size in bytes */
	/* Limits; 0 means "none" except where a default is stated. */
	uint64_t timeout_ms;		       /* wall clock: SIGTERM, grace, SIGKILL of all */
	uint64_t grace_ms;		       /* default PW_SANDBOX_DEFAULT_GRACE_MS */
	uint64_t memory;		       /* RLIMIT_AS and RLIMIT_DATA */
	uint64_t pids;			       /* RLIMIT_NPROC (a pids cgroup for host root) */
	bool pids_required;		       /* host root: fail without a pids cgroup */
	uint64_t fsize;			       /* RLIMIT_FSIZE, default 64 GiB */
	uint64_t cpu_s;			       /* RLIMIT_CPU in seconds */
	uint64_t nofile;		       /* RLIMIT_NOFILE, default 65536 (capped at hard) */
	const struct pw_seccomp_prog *seccomp; /* borrowed; NULL: no filter */
	char *emulate_arch;		       /* --emulate ARCH QEMU, or NULL */
	char *emulate_qemu;		       /* host path of the static qemu-user binary */
	/* Return as soon as init has reported the command's status (by then
	 * init has killed and reaped every other process of the sandbox), not
	 * after init itself has exited: its exit is where the kernel unmounts
	 * the root and frees the namespaces (0.2-2 ms here, most of it an
	 * expedited RCU grace period), and init is left an unreaped child
	 * whose stacks stay mapped.  For a caller that exits right after
	 * (`pinwheel run`); a setup failure is waited for as usual. */
	bool no_teardown_wait;
};

struct pw_sandbox_result {
	bool exited;	     /* true: exit_code valid; false: killed by signal */
	int exit_code;	     /* the command's, or 125/126/127 on setup failure */
	int signal;	     /* when !exited */
	int status;	     /* what `pinwheel run` exits with (128+N for N) */
	enum pw_limit limit; /* the limit that fired, if known */
	uint64_t wall_us, user_us, sys_us;
	uint64_t max_rss_kib; /* the largest RSS of any process of the sandbox */
};

void pw_sandbox_spec_init(struct pw_sandbox_spec *s);
void pw_sandbox_spec_release(struct pw_sandbox_spec *s);

void pw_sandbox_spec_add_layer(struct pw_sandbox_spec *s, const char *dir);
/* "SRC:DST" for binds, "DST[:SIZE]" for tmpfs, "TARGET:LINK" for
 * symlinks.  Returns 0 or -EINVAL with e naming the argument and what was
 * expected (DST must be absolute, SIZE a size like 64M). */
int pw_sandbox_spec_add_bind(struct pw_sandbox_spec *s, enum pw_bind_kind kind, const char *arg,
			     struct pw_err *e);
/* "K=V" or, with @pass, the name of a variable of our environment (unset
 * variables are skipped).  -EINVAL for an empty or malformed name. */
int pw_sandbox_spec_add_env(struct pw_sandbox_spec *s, const char *arg, bool pass,
			    struct pw_err *e);
/* Check the whole spec (paths absolute, no '..' in destinations, emulation
 * arch known).  0 or -EINVAL with e naming the field. */
int pw_sandbox_spec_check(const struct pw_sandbox_spec *s, struct pw_err *e);

/* Run argv[0] (searched in the sandbox PATH when it has no '/') in a new
 * sandbox and wait for it.  See the contract at the top.  When it returns,
 * every process of the sandbox is gone and reaped (but init, still
 * exiting, with spec->no_teardown_wait).
 *
 * Signals.  SIGINT, SIGTERM, SIGHUP, SIGQUIT received meanwhile are
 * forwarded to every process of the sandbox.  It blocks those and SIGCHLD
 * in the calling thread while it runs (they are read through a signalfd)
 * and restores the mask before it returns.
 *
 * Memory.  The sandbox's init and the command (until it execs) share the
 * caller's address space (CLONE_VM, as posix_spawn does; not in ASan
 * builds), on stacks of their own that this call maps and unmaps; the
 * calling thread only waits meanwhile, and init uses its TLS.
 *
 * Threads (for `build --jobs`).  Several threads may each run a sandbox at
 * the same time: every call has its own pipes, pidfd, signalfd, stacks
 * and init, and reaping goes through the pidfd, not through SIGCHLD (which
 * the kernel may deliver to any thread).  What is process-wide: a signal
 * sent to the process (not to a thread) is read by one signalfd only, so
 * it reaches one sandbox; a multi-threaded caller that wants ^C to end
 * every sandbox blocks those signals in all its threads, reads them itself
 * and ends the runs (e.g. with their timeouts).  Other threads must not
 * call wait(-1)/waitpid(-1) (they would reap a sandbox's init), nor change
 * the disposition of SIGCHLD to SIG_IGN. */
int pw_sandbox_run(const struct pw_sandbox_spec *s, char *const argv[],
		   struct pw_sandbox_result *res, struct pw_err *e);

/* Write @res as JSON to @path atomically.  0 or -errno. */
int pw_sandbox_result_write_json(const struct pw_sandbox_result *res, const char *path,
				 struct pw_err *e);
const char *pw_limit_name(enum pw_limit l);

/* Names of the architectures --emulate knows ("aarch64", ...), NULL ended. */
extern const char *const pw_emulate_arches[];

#endif
