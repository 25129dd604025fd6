/* sandbox-int.h - shared between the files of sandbox/ only.
 *
 * The child side (everything named sb_child_* or called between clone and
 * exec) never prints: it returns -errno and leaves a step name in
 * struct sb_ctx, and the caller reports it through the pipe and _exit()s.
 *
 * Memory.  pid 1 (init) is a copy of pinwheel (clone3 without CLONE_VM),
 * never a sharer of its memory: the command may hold capabilities in the
 * sandbox's user namespace (--uid 0), which owns init, and a process that
 * shared pinwheel's address space would let it write code into the host
 * side through /proc/1/mem.  init makes itself non-dumpable (sb_seal_init)
 * before the command can exec: its /proc/1/{mem,fd,root,environ,...} then
 * need CAP_SYS_PTRACE in the user namespace pinwheel runs in, which nothing
 * in the sandbox has, whatever its uid.  The command is cloned from init
 * with CLONE_VM, on a stack of its own that init maps, and runs beside init
 * until it execs: it makes only system calls and writes only its own
 * context (struct sb_early).
 */
#ifndef PINWHEEL_SANDBOX_INT_H
#define PINWHEEL_SANDBOX_INT_H

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/utsname.h>

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
	int sync_rd;   /* parent -> child: "go" (EOF: the parent died) */
	int report_wr; /* child -> parent: struct sb_msg */
	uid_t host_uid; /* our euid and egid outside, for init's id maps */
	gid_t host_gid;
	/* Top of the stack the command is cloned onto with CLONE_VM (NULL:
	 * plain fork), mapped by init (ns.c). */
	void *cmd_stack;
	/* A socket pair (-1: none) on which the command hands init the
	 * listener of a supervised seccomp program: init's end, the
	 * command's end (exec.c). */
	int lst_rd, lst_wr;
	char step[SB_STEP_MAX]; /* the failing step, set by child helpers */
};

/* child.c, the leaf every other file of the child side uses. */
/* Map ids in our own (new) user namespace: "IN OUT 1" in uid_map, then
 * setgroups "deny", then "IN OUT 1" in gid_map; a failure names the step
 * as "write <whose>uid_map". */
int sb_map_self(struct sb_ctx *c, const char *whose, unsigned in_uid, unsigned out_uid,
		unsigned in_gid, unsigned out_gid);
/* init: PR_SET_DUMPABLE 0, so that nothing in the sandbox can reach it
 * through /proc or ptrace (see Memory above).  Called before the command
 * may exec (and after init's last use of /proc/PID of the command, which
 * a non-dumpable init could no longer open).  0 or -errno with c->step. */
int sb_seal_init(struct sb_ctx *c);
/* Record the failing step (printf-style) and return -err. */
int sb_step(struct sb_ctx *c, int err, const char *fmt, ...) PW_PRINTF(3, 4);
/* Send FAIL for c->step and _exit(code). */
__attribute__((noreturn)) void sb_child_fail(struct sb_ctx *c, int err, int code);

/* host.c: what the sandbox reads of the host to explain a refusal (used
 * by ns.c and emulate.c): a sysctl under /proc/sys by name ("user/max_user_namespaces";
 * 0 or -errno) and uname(2).  A pointer, so that unit tests can play
 * another host (tests/unit/test_sandbox_host.c). */
struct sb_host {
	int (*sysctl)(const char *name, long *v);
	int (*uname)(struct utsname *u);
};
extern const struct sb_host *sb_host;
/* Why user namespaces are refused here, as "cause; fix", or NULL. */
const char *sb_userns_cause(void);
/* The same for the errno of the namespace-creating clone, and for a step
 * that failed in the sandbox (only the first privileged steps' EPERM). */
const char *sb_explain_clone(int err);
const char *sb_explain_step(const char *step, int err);

/* mounts.c: compose the root, /proc, /dev, /tmp, binds; pivot_root.  Must
 * run as pid 1 of the new pid namespace, after it has written the id maps. */
int sb_child_mounts(struct sb_ctx *c);

/* net.c: a new network namespace for the calling process, with "lo" up
 * (one rtnetlink message).  0 or -errno with c->step. */
int sb_net_setup(struct sb_ctx *c);
/* Its two halves: unshare(CLONE_NEWNET); bring "lo" up in ours. */
int sb_net_new(struct sb_ctx *c);
int sb_net_lo_up(struct sb_ctx *c);

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
/* The early start of the command (every run but --emulate's): init starts
 * it (pid 2) before it builds the mounts; meanwhile the command makes the
 * network namespace (unless --net), says so ("n" on ready), locks itself
 * down (rlimits, caps, no_new_privs, seccomp) and waits for the go.
 * sb_early_go() waits for the "n", moves init into that network namespace,
 * brings lo up and sends the go (the root is ready): the command chdirs
 * and execs as soon as its own filter is installed.
 * sb_early_start() returns the pid or -errno; sb_early_go() 0, -ECHILD when
 * the command failed (it reported why) or -errno with c->step. */
struct sb_early {
	struct sb_ctx ctx; /* the command's own copy (its failing step) */
	int ready_rd, ready_wr, go_rd, go_wr;
};
pid_t sb_early_start(struct sb_ctx *c, struct sb_early *x);
int sb_early_go(struct sb_ctx *c, struct sb_early *x, pid_t cmd);
/* init: the socket pair of c->lst_rd/lst_wr when the seccomp program is
 * supervised (else both stay -1); 0 or -errno with c->step. */
int sb_listener_pair(struct sb_ctx *c);
/* pid 1: start the command (unless @cmd already runs), forward signals,
 * supervise its seccomp notifications, reap; never returns. */
__attribute__((noreturn)) void sb_child_init(struct sb_ctx *c, pid_t cmd);

#endif
