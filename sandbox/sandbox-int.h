/* sandbox-int.h - shared between the files of sandbox/ only.
 *
 * The child side (everything named sb_child_* or called between clone and
 * exec) never prints: it returns -errno and leaves a step name in
 * struct sb_ctx, and the caller reports it through the pipe and _exit()s.
 *
 * Memory.  Outside ASan builds, pid 1 (init) is cloned with CLONE_VM: it
 * shares pinwheel's address space (no page tables to copy at the clone, no
 * copy to tear down when it exits), on its own stack, the way posix_spawn
 * runs its child.  The command is cloned from init with CLONE_VM |
 * CLONE_VFORK (init sleeps until it execs).  That is safe because, while
 * init runs, the parent only waits (poll, read, wait4: no allocation, no
 * stdio) until init is reaped, and init and the command never run glibc
 * code at the same time as each other.  errno is shared with the parent
 * thread (same TLS): the parent reads it only right after its own failed
 * calls, which happen before init is released or after it is gone.
 */
#ifndef PINWHEEL_SANDBOX_INT_H
#define PINWHEEL_SANDBOX_INT_H

#include <sys/resource.h>
#include <sys/types.h>

#include "pinwheel/sandbox.h"

#define SB_STEP_MAX 320

/* One message on the report pipe (< PIPE_BUF, so writes are atomic). */
struct sb_msg {
	int type;    /* SB_MSG_FAIL or SB_MSG_STATUS */
	int err;     /* positive errno for FAIL */
	int code;    /* exit code for FAIL (125/126/127) */
	int wstatus; /* the command's wait status for STATUS */
	/* STATUS: getrusage(RUSAGE_CHILDREN) of init once every other process
	 * of the sandbox is reaped (the command and all it left behind). */
	struct rusage ru;
	char step[SB_STEP_MAX];
};
enum { SB_MSG_FAIL = 1, SB_MSG_STATUS = 2 };

/* Everything the child needs, prepared by the parent before clone. */
struct sb_ctx {
	const struct pw_sandbox_spec *spec;
	char *const *argv;
	char **envp;   /* NULL-terminated, owned by the parent */
	int sync_rd;   /* parent -> child: "maps written, go" */
	int report_wr; /* child -> parent: struct sb_msg */
	uid_t host_uid;
	/* Top of the stack the command is cloned onto with CLONE_VM|CLONE_VFORK
	 * (NULL: plain fork), mapped by the parent (ns.c). */
	void *cmd_stack;
	void *net_stack; /* top of the network thread's stack, NULL: no thread */
	int last_pid_fd; /* the sandbox's kernel/ns_last_pid, or -1 (net.c) */
	char step[SB_STEP_MAX]; /* the failing step, set by child helpers */
};

/* Record the failing step (printf-style) and return -err. */
int sb_step(struct sb_ctx *c, int err, const char *fmt, ...) PW_PRINTF(3, 4);
/* Send FAIL for c->step and _exit(code). */
__attribute__((noreturn)) void sb_child_fail(struct sb_ctx *c, int err, int code);

/* mounts.c: compose the root, /proc, /dev, /tmp, binds; pivot_root.  Must
 * run as pid 1 of the new pid namespace, after the id maps are written. */
int sb_child_mounts(struct sb_ctx *c);

/* net.c: a new network namespace with "lo" up (one rtnetlink message),
 * made by a thread of init (c->net_stack) while init builds the mounts, or
 * by init itself without one.  sb_net_start() starts it, sb_net_join()
 * waits for it and moves init into the namespace; both return 0 or -errno
 * with c->step naming the step that failed. */
struct sb_net {
	pid_t tid; /* the thread's, zeroed by the kernel when it ends */
	pid_t tid0; /* the same, kept */
	int err;   /* its result */
	int nsfd;  /* the new namespace */
	struct sb_ctx ctx; /* its own copy, for its failing step */
};
int sb_net_start(struct sb_ctx *c, struct sb_net *n);
int sb_net_join(struct sb_ctx *c, struct sb_net *n);

/* emulate.c: register qemu for c->spec->emulate_arch in a binfmt_misc
 * instance mounted at @procfd's sys/fs/binfmt_misc.  @qemu_fd is an O_PATH
 * fd of the interpreter, opened before the host view was covered. */
int sb_child_emulate(struct sb_ctx *c, int procfd, int qemu_fd);
/* Parent side: 0 when the running kernel can do it, else -ENOTSUP with e. */
int sb_emulate_check(const struct pw_sandbox_spec *s, struct pw_err *e);

/* limits.c */
int sb_child_rlimits(struct sb_ctx *c);
/* Host root only (RLIMIT_NPROC never applies to uid 0): put @pid in a new
 * pids cgroup limited to @max.  *path receives the cgroup dir (caller
 * frees, removes with sb_cgroup_remove()); NULL and 0 when no pids cgroup
 * is available and @required is false. */
int sb_cgroup_setup(pid_t pid, uint64_t max, bool required, char **path, struct pw_err *e);
void sb_cgroup_remove(char *path);

/* exec.c */
char **sb_build_env(const struct pw_sandbox_spec *s); /* caller frees with sb_free_env */
void sb_free_env(char **env);
/* pid 1: fork the command, forward signals, reap; never returns. */
__attribute__((noreturn)) void sb_child_init(struct sb_ctx *c);

#endif
