/* exec.c - the environment, pid 1 of the sandbox, and the exec of the
 * command.
 *
 * pid 1 forks the command, then waits for signals: SIGCHLD (reap every
 * child; when the command itself exits, report its wait status to the
 * parent and exit, which makes the kernel kill whatever is left in the pid
 * namespace), and the signals the parent forwards (sent on to every process
 * of the sandbox with kill(-1, sig)).
 *
 * The command's process: rlimits, a new session, umask 022, ASLR off when
 * asked, chdir, no capabilities (unless --uid 0), no_new_privs, the
 * seccomp filter last,
 * then execve with the
 * fixed environment.  A failure before execve is reported through the
 * pipe (step + errno) with exit status 125, 126 (not executable) or 127
 * (not found).
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/seccomp.h"
#include "probe.h"
#include "sandbox-int.h"

static void env_put(char ***env, size_t *n, char *kv)
{
	size_t i, k = strcspn(kv, "=");

	for (i = 0; i < *n; i++)
		if (!strncmp((*env)[i], kv, k + 1)) {
			free((*env)[i]);
			(*env)[i] = kv;
			return;
		}
	*env = pw_xrealloc(*env, (*n + 2) * sizeof(**env));
	(*env)[(*n)++] = kv;
	(*env)[*n] = NULL;
}

char **sb_build_env(const struct pw_sandbox_spec *s)
{
	char **env = pw_xcalloc(1, sizeof(*env));
	size_t n = 0, i;

	env_put(&env, &n, pw_xstrdup("PATH=" PW_SANDBOX_PATH));
	env_put(&env, &n, pw_xstrdup("HOME=/tmp/home"));
	env_put(&env, &n, pw_xstrdup("TZ=UTC"));
	env_put(&env, &n, pw_xstrdup("LC_ALL=C.UTF-8"));
	if (s->source_date_epoch)
		env_put(&env, &n, pw_xasprintf("SOURCE_DATE_EPOCH=%s", s->source_date_epoch));
	for (i = 0; i < s->n_env; i++)
		env_put(&env, &n, pw_xstrdup(s->env[i]));
	return env;
}

void sb_free_env(char **env)
{
	size_t i;

	if (!env)
		return;
	for (i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

static const char *env_get(char **env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static int drop_caps(struct sb_ctx *c)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	int cap;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return sb_step(c, errno, "clear ambient capabilities");
	if (c->spec->uid == 0) {
		/* root-in-namespace keeps its namespace capabilities but two:
		 * CAP_SETFCAP (file capabilities written in a namespace whose
		 * root is the host's root hold on the host: a --bind of host
		 * root's would carry them out) and CAP_FSETID (setgid files
		 * of a foreign group; setuid kept across writes). */
		static const int keep_out[] = {CAP_SETFCAP, CAP_FSETID};

		if (syscall(SYS_capget, &h, d) < 0)
			return sb_step(c, errno, "read capabilities");
		for (size_t i = 0; i < PW_ARRAY_SIZE(keep_out); i++) {
			cap = keep_out[i];
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return sb_step(c, errno, "drop capability %d", cap);
			d[cap / 32].effective &= ~(1u << (cap % 32));
			d[cap / 32].permitted &= ~(1u << (cap % 32));
			d[cap / 32].inheritable &= ~(1u << (cap % 32));
		}
		if (syscall(SYS_capset, &h, d) < 0)
			return sb_step(c, errno, "drop capabilities");
		return 0;
	}
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return sb_step(c, errno, "drop capability %d", cap);
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0)
		return sb_step(c, errno, "drop capabilities");
	return 0;
}

int sb_listener_pair(struct sb_ctx *c)
{
	int sv[2];

	if (!c->spec->seccomp || !pw_seccomp_prog_supervised(c->spec->seccomp))
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sb_step(c, errno, "socket pair for the seccomp listener");
	c->lst_rd = sv[0];
	c->lst_wr = sv[1];
	return 0;
}

/* The command: hand init the listener @fd (-1: none, a message without a
 * descriptor), then close our ends. */
static int send_listener(struct sb_ctx *c, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = {(void *)"l", 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.b;
		m.msg_controllen = sizeof(u.b);
		CMSG_FIRSTHDR(&m)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&m)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&m)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&m)), &fd, sizeof(int));
	}
	n = PW_TEMP_FAILURE_RETRY(sendmsg(c->lst_wr, &m, MSG_NOSIGNAL));
	if (fd >= 0)
		close(fd);
	close(c->lst_wr);
	close(c->lst_rd);
	return n == 1 ? 0 : sb_step(c, n < 0 ? errno : EPIPE, "hand the seccomp listener to init");
}

/* init: the listener the command sent, or -1 (none, or the command died
 * before it could send one). */
static int recv_listener(struct sb_ctx *c)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	char byte;
	struct iovec iov = {&byte, 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			   .msg_controllen = sizeof(u.b)};
	struct cmsghdr *h;
	int fd = -1;

	if (c->lst_rd < 0)
		return -1;
	if (PW_TEMP_FAILURE_RETRY(recvmsg(c->lst_rd, &m, MSG_CMSG_CLOEXEC)) == 1 &&
	    (h = CMSG_FIRSTHDR(&m)) && h->cmsg_level == SOL_SOCKET &&
	    h->cmsg_type == SCM_RIGHTS && h->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(h), sizeof(int));
	close(c->lst_rd);
	c->lst_rd = -1;
	return fd;
}

/* init, once the command runs: no effective capabilities any more (it
 * needs none to reap and forward signals), so that what it makes for the
 * command (the supervised sockets) carries no more privilege than the
 * command's own.  The permitted set stays: reading a --uid 0 command's
 * memory needs it. */
static void init_drop_effective(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) == 0) {
		d[0].effective = d[1].effective = 0;
		(void)syscall(SYS_capset, &h, d);
	}
}

/* execve, searching PATH of the sandbox environment for a bare name.
 * Returns the errno that decides 126/127. */
static int exec_command(struct sb_ctx *c)
{
	const char *cmd = c->argv[0], *path, *p;
	char full[PATH_MAX];
	int err = ENOENT;
	bool seen_eacces = false;

	if (strchr(cmd, '/')) {
		execve(cmd, c->argv, c->envp);
		return errno;
	}
	path = env_get(c->envp, "PATH");
	if (!path)
		path = PW_SANDBOX_PATH;
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t n = (size_t)(end - p);

		if (n + strlen(cmd) + 2 <= sizeof(full)) {
			if (n == 0)
				snprintf(full, sizeof(full), "%s", cmd);
			else
				snprintf(full, sizeof(full), "%.*s/%s", (int)n, p, cmd);
			execve(full, c->argv, c->envp);
			err = errno;
			if (err == EACCES)
				seen_eacces = true;
			else if (err != ENOENT && err != ENOTDIR)
				return err;
		}
		if (!*end)
			break;
		p = end;
	}
	return seen_eacces ? EACCES : ENOENT;
}

/* With --emulate the outer namespace maps uid 0 (binfmt_misc's files belong
 * to the namespace's root, so init must be that root to register); the
 * command then gets its own uid in a nested user namespace that maps it
 * onto the same host uid.  user.max_user_namespaces=1 outside allows just
 * this one. */
static int enter_inner_userns(struct sb_ctx *c)
{
	if (unshare(CLONE_NEWUSER) < 0)
		return sb_step(c, errno, "create the command's user namespace");
	return sb_map_self(c, "the command's ", (unsigned)c->spec->uid, 0, (unsigned)c->spec->gid, 0);
}

/* The command's own set-up up to the filter: rlimits, umask, ASLR, no
 * capabilities (unless --uid 0), no_new_privs, seccomp.  Returns on
 * success only. */
static void command_lockdown(struct sb_ctx *c)
{
	const struct pw_sandbox_spec *s = c->spec;
	int err, r;

	if ((r = sb_child_rlimits(c)) < 0)
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	/* A session of its own, without a controlling terminal: the caller's
	 * terminal (which stdin, stdout or stderr may still be) is then not
	 * ours, so TIOCSTI on it fails in the kernel too (EPERM), and the
	 * terminal's signals go to pinwheel, which forwards them. */
	if (setsid() < 0) {
		err = errno;
		sb_step(c, err, "start a new session");
		sb_child_fail(c, err, PW_SANDBOX_EXIT_SETUP);
	}
	umask(022);
	/* Before the filter, which denies personality() but the query and
	 * the plain domains. */
	if (s->no_aslr || s->linux32) {
		int cur = personality(0xffffffff);
		unsigned long want = (unsigned long)cur;

		if (s->linux32)
			want = (want & ~(unsigned long)PER_MASK) | PER_LINUX32;
		if (s->no_aslr)
			want |= ADDR_NO_RANDOMIZE;
		if (cur < 0 || personality(want) < 0) {
			err = errno;
			sb_step(c, err,
				s->linux32 ? "set the 32-bit execution domain (PER_LINUX32)"
					   : "turn address space randomisation off");
			sb_child_fail(c, err, PW_SANDBOX_EXIT_SETUP);
		}
	}
	if ((r = drop_caps(c)) < 0)
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	SB_PROBE_AT(SBP_CMD_CAPS);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err = errno;
		sb_step(c, err, "set no_new_privs");
		sb_child_fail(c, err, PW_SANDBOX_EXIT_SETUP);
	}
	if (s->seccomp) {
		int lst = -1;

		if ((r = pw_seccomp_install_listen(s->seccomp, &lst)) < 0) {
			sb_step(c, -r, "install the seccomp filter");
			sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
		}
		if (c->lst_wr >= 0 && (r = send_listener(c, lst)) < 0)
			sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	}
	SB_PROBE_AT(SBP_CMD_SECCOMP);
}

/* chdir and exec, under the filter. */
__attribute__((noreturn)) static void command_exec(struct sb_ctx *c)
{
	const char *cwd = c->spec->cwd ? c->spec->cwd : "/tmp/home";
	int err;

	if (chdir(cwd) < 0) {
		err = errno;
		sb_step(c, err, "chdir '%s'", cwd);
		sb_child_fail(c, err, PW_SANDBOX_EXIT_SETUP);
	}
	err = exec_command(c);
	sb_step(c, err, "exec '%s'", c->argv[0]);
	sb_child_fail(c, err, err == ENOENT ? PW_SANDBOX_EXIT_NOTFOUND : PW_SANDBOX_EXIT_NOEXEC);
}

/* The late start (--emulate): forked by init once the root is built. */
__attribute__((noreturn)) static void command_main(struct sb_ctx *c)
{
	sigset_t none;
	int r;

	SB_PROBE_AT(SBP_CMD_FORKED);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Our copy of init's memory inherited its non-dumpable mark, which
	 * would make our own /proc/self/uid_map the host root's; nothing else
	 * of the sandbox runs before we exec. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
		r = sb_step(c, errno, "make the command dumpable");
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	}
	if (c->spec->uid != 0 && (r = enter_inner_userns(c)) < 0)
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	command_lockdown(c);
	command_exec(c);
}

/* The early start: pid 2, started by init before the mounts, makes the
 * network namespace and locks itself down while init builds the root (and
 * then joins the namespace and brings lo up), then waits for init's go
 * (the root is ready) and execs. */
static int early_entry(void *arg)
{
	struct sb_early *x = arg;
	struct sb_ctx *c = &x->ctx;
	sigset_t none;
	ssize_t n;
	char g;
	int r;

	SB_PROBE_AT(SBP_CMD_FORKED);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close(x->ready_rd);
	close(x->go_wr);
	if (!c->spec->net && (r = sb_net_new(c)) < 0)
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	SB_PROBE_AT(SBP_CMD_NET);
	/* "n": init may join the namespace (and bring lo up) meanwhile */
	if (write(x->ready_wr, "n", 1) != 1)
		_exit(PW_SANDBOX_EXIT_SETUP);
	close(x->ready_wr);
	/* init does not wait for the rest: its go (usually in the pipe by
	 * the time the filter is installed) only says the root is ready. */
	command_lockdown(c);
	n = PW_TEMP_FAILURE_RETRY(read(x->go_rd, &g, 1));
	if (n != 1)
		_exit(PW_SANDBOX_EXIT_SETUP); /* init is gone */
	close(x->go_rd);
	command_exec(c);
}

/* The signals init waits for (sigwaitinfo); blocked in init from before
 * the command starts, so that its SIGCHLD cannot be lost. */
static void init_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
}

pid_t sb_early_start(struct sb_ctx *c, struct sb_early *x)
{
	sigset_t set;
	int rp[2], gp[2];
	pid_t pid;

	if (pipe2(rp, O_CLOEXEC) < 0)
		return sb_step(c, errno, "pipe");
	if (pipe2(gp, O_CLOEXEC) < 0) {
		int err = errno;

		close(rp[0]);
		close(rp[1]);
		return sb_step(c, err, "pipe");
	}
	init_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	x->ctx = *c;
	x->ready_rd = rp[0];
	x->ready_wr = rp[1];
	x->go_rd = gp[0];
	x->go_wr = gp[1];
	/* Sharing our memory, on its own stack, running beside us (it only
	 * makes system calls and writes its own context); or a plain fork. */
	if (c->cmd_stack)
		pid = clone(early_entry, c->cmd_stack, CLONE_VM | SIGCHLD, x);
	else if ((pid = fork()) == 0) {
		early_entry(x);
		_exit(PW_SANDBOX_EXIT_SETUP);
	}
	if (pid < 0)
		pid = sb_step(c, errno, "start the command");
	/* Our copies of its ends (x is shared with it: left unchanged). */
	close(x->ready_wr);
	close(x->go_rd);
	if (c->lst_wr >= 0) {
		close(c->lst_wr);
		c->lst_wr = -1;
	}
	if (pid < 0) {
		close(x->ready_rd);
		close(x->go_wr);
	}
	return pid;
}

int sb_early_go(struct sb_ctx *c, struct sb_early *x, pid_t cmd)
{
	sigset_t pipe_set;
	char path[64], b;
	ssize_t n;
	int fd, r = 0;

	/* "n": its network namespace is made.  EOF: it failed (and reported
	 * why) or died. */
	n = PW_TEMP_FAILURE_RETRY(read(x->ready_rd, &b, 1));
	if (n == 1 && !c->spec->net) {
		/* init joins the command's network namespace (no process of the
		 * sandbox stays in the host's) and brings lo up there, while the
		 * command locks itself down. */
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)cmd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			r = sb_step(c, errno, "join the network namespace");
		if (fd >= 0)
			close(fd);
		if (r == 0)
			r = sb_net_lo_up(c);
		SB_PROBE_AT(SBP_C_NETJOIN);
	}
	close(x->ready_rd);
	if (r == 0 && n != 1)
		r = -ECHILD;
	/* The go: the root is ready.  The command execs once its own filter
	 * is installed, without another round trip; if it is gone, the write
	 * fails (EPIPE, SIGPIPE blocked) and its report says why. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, NULL);
	if (r == 0)
		r = sb_seal_init(c);
	if (r == 0 && write(x->go_wr, "g", 1) != 1)
		r = errno == EPIPE ? -ECHILD : sb_step(c, errno, "release the command");
	close(x->go_wr);
	return r;
}

void sb_child_init(struct sb_ctx *c, pid_t cmd)
{
	struct sb_msg m;
	sigset_t set;
	int cmd_status = 0, listener, sigfd = -1;
	bool cmd_done = false, lowest;

	init_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* The late start (--emulate): the command makes a user namespace
	 * first, a plain fork. */
	if (cmd == 0) {
		int r = sb_seal_init(c);

		if (r < 0)
			sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
		cmd = fork();
		if (cmd < 0) {
			r = sb_step(c, errno, "fork the command");
			sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
		}
		if (cmd == 0)
			command_main(c);
		if (c->lst_wr >= 0) {
			close(c->lst_wr);
			c->lst_wr = -1;
		}
	}
	init_drop_effective();
	listener = recv_listener(c);
	if (listener >= 0)
		sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	for (;;) {
		siginfo_t si;
		int sig, st;
		pid_t p;

		/* Reap first: the command may be gone already. */
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == cmd) {
				cmd_done = true;
				cmd_status = st;
			}
		if (cmd_done)
			break;
		if (sigfd < 0) {
			sig = sigwaitinfo(&set, &si);
			if (sig > 0 && sig != SIGCHLD)
				kill(-1, sig);
			continue;
		}
		/* Supervising: signals through a signalfd beside the listener. */
		{
			struct pollfd pf[2] = {{sigfd, POLLIN, 0}, {listener, POLLIN, 0}};
			struct signalfd_siginfo ssi;

			if (poll(pf, listener >= 0 ? 2 : 1, -1) < 0)
				continue;
			if (listener >= 0 && (pf[1].revents & POLLIN) &&
			    pw_seccomp_supervise(c->spec->seccomp, listener) < 0)
				pf[1].revents |= POLLERR;
			if (listener >= 0 && (pf[1].revents & (POLLERR | POLLHUP | POLLNVAL))) {
				close(listener); /* its callers now get ENOSYS */
				listener = -1;
			}
			while (read(sigfd, &ssi, sizeof(ssi)) == sizeof(ssi))
				if (ssi.ssi_signo != SIGCHLD)
					kill(-1, (int)ssi.ssi_signo);
		}
	}
	SB_PROBE_AT(SBP_I_REAPED);
	/* The command is gone: end what it left behind and reap all of it
	 * here, so that nothing of the sandbox runs any more when the parent
	 * reads the status, and RUSAGE_CHILDREN covers every process. */
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
	memset(&m, 0, sizeof(m));
	m.type = SB_MSG_STATUS;
	m.wstatus = cmd_status;
	getrusage(RUSAGE_CHILDREN, &m.ru);
	lowest = c->spec->no_teardown_wait;
	(void)!write(c->report_wr, &m, sizeof(m));
	if (lowest) {
		/* Nobody waits for the rest of our exit (the kernel unmounting
		 * the root, freeing the namespaces and our copy of the
		 * parent's address space): at the lowest priority, so that it
		 * does not hold up the next sandbox's start.  Lowering needs no
		 * privilege. */
		struct sched_param sp = {.sched_priority = 0};

		(void)sched_setscheduler(0, SCHED_OTHER, &sp);
		(void)setpriority(PRIO_PROCESS, 0, 19);
	}
	_exit(0);
}
