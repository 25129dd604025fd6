/* ns.c - pw_sandbox_run(): clone into new namespaces, release the child
 * through the sync pipe (it writes its own id maps), then wait, enforce
 * --timeout and forward signals.
 *
 * Process structure.  pinwheel (the parent) clones one child with the
 * namespace flags at once (user, mount, pid, ipc, uts, cgroup; the network
 * namespace is made by the command's process, see net.c).  That child is
 * pid 1 of the new pid namespace: it starts the command's process, builds
 * the root meanwhile, lets the command exec and stays as its init
 * (sb_child_init in exec.c).  Why this shape:
 *  - the sandbox dies with everything in it when its init dies (the kernel
 *    kills the rest of a pid namespace), so daemonized grandchildren cannot
 *    escape --timeout or the death of pinwheel;
 *  - init sets PR_SET_PDEATHSIG(SIGKILL) first and reads the sync pipe
 *    before it lets the command exec: if pinwheel died before (or while)
 *    the child started, the read sees EOF and the child exits, closing the
 *    start-up race of PDEATHSIG (bubblewrap#633); the "parent thread"
 *    caveat of PDEATHSIG (bubblewrap#692) does not apply: the thread that
 *    cloned init waits here until init has reported (and, unless
 *    no_teardown_wait, until it is reaped);
 *  - the parent keeps the timeout: it is the process that must survive to
 *    report, and SIGKILL of init from outside cannot be ignored or delayed
 *    by anything inside.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

#include "pinwheel/fsutil.h"
#include "probe.h"
#include "sandbox-int.h"

#ifdef SB_PROBE
#include <stdio.h>
uint64_t *sb_probe_t;
static const char *const probe_names[SBP_N] = {
    "start",   "clone",	 "cloned",   "go",	   "c_start",	"c_cmd",    "c_maps",	"c_capture",
    "c_root",  "c_proc",	 "c_dev",    "c_tmp",	   "c_pivot",	"c_go",	    "c_netjoin", "c_release",
    "cmd_forked", "cmd_net", "cmd_caps", "cmd_seccomp", "i_reaped", "status", "done"};

static void probe_start(void)
{
	if (getenv("PINWHEEL_SB_PROBE")) {
		sb_probe_t =
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (sb_probe_t == MAP_FAILED)
			sb_probe_t = NULL;
	}
	SB_PROBE_AT(SBP_START);
}

static void probe_report(void)
{
	if (!sb_probe_t)
		return;
	/* microseconds since pw_sandbox_run() was entered */
	for (int i = 1; i < SBP_N; i++)
		fprintf(stderr, "probe %-12s %8.1f\n", probe_names[i],
			sb_probe_t[i] ? (double)(int64_t)(sb_probe_t[i] - sb_probe_t[0]) / 1000.0
				      : -1.0);
	munmap(sb_probe_t, 4096);
	sb_probe_t = NULL;
}
#endif

#define SB_CLONE_FLAGS                                                                             \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

/* init is a copy of us (clone3 without CLONE_VM: see sandbox-int.h for
 * why it must not share our memory).  The command is cloned from init with
 * CLONE_VM onto a stack of its own and runs beside it until it execs (it
 * only makes system calls), except under AddressSanitizer, which cannot
 * follow instrumented code onto a stack it did not make: there the
 * command is a plain fork of init. */
#if defined(__SANITIZE_ADDRESS__)
#define SB_CMD_CLONE_VM 0
#else
#define SB_CMD_CLONE_VM 1
#endif
/* The command's stack (untouched pages cost nothing), with a guard page
 * below; init maps it in its own copy of our memory. */
#define SB_STACK_SIZE (256u << 10)

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* init maps its own ids: one line mapping our host euid (and egid, after
 * setgroups "deny"), which the creator of a user namespace may write from
 * inside it without privileges in the parent namespace, as `unshare -r`
 * does.  No wait for the parent, which may not even be on a CPU yet.
 * --emulate: init is the namespace's root, see exec.c. */
static int write_id_maps(struct sb_ctx *c)
{
	const struct pw_sandbox_spec *s = c->spec;

	return sb_map_self(c, "", s->emulate_arch ? 0 : (unsigned)s->uid, (unsigned)c->host_uid,
			   s->emulate_arch ? 0 : (unsigned)s->gid, (unsigned)c->host_gid);
}

/* Close every fd >= 3 but the two the child keeps. */
static void close_other_fds(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		syscall(SYS_close_range, 3u, (unsigned)lo - 1, 0u);
	if (hi > lo + 1)
		syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0u);
	syscall(SYS_close_range, (unsigned)hi + 1, ~0u, 0u);
}

/* The command's stack for a CLONE_VM start from init (NULL: the command
 * is a plain fork).  Mapped in init's own copy of our memory. */
static void *map_cmd_stack(void)
{
	char *p;

	if (!SB_CMD_CLONE_VM)
		return NULL;
	p = mmap(NULL, SB_STACK_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p, 4096, PROT_NONE) < 0) {
		munmap(p, SB_STACK_SIZE);
		return NULL;
	}
	return p + SB_STACK_SIZE;
}

/* The parent's go: a byte, or EOF when it died before it could send it
 * (PDEATHSIG, set before this read, covers every later death). */
static void read_go(struct sb_ctx *c)
{
	ssize_t n;
	char go;

	n = PW_TEMP_FAILURE_RETRY(read(c->sync_rd, &go, 1));
	if (n != 1)
		_exit(PW_SANDBOX_EXIT_SETUP);
	close(c->sync_rd);
}

/* In the clone: build the sandbox; before the command may exec, make sure
 * the parent is there to watch it. */
__attribute__((noreturn)) static void child_main(struct sb_ctx *c, int sync_wr, int report_rd,
						 const sigset_t *oldmask)
{
	struct sb_early early;
	pid_t cmd = 0;
	/* As host root the parent puts us in a pids cgroup before the go: the
	 * command must start after that to be counted in it. */
	bool late_cmd = !c->spec->emulate_arch && c->spec->pids_required && c->host_uid == 0;
	const char *hn;
	int r;

	SB_PROBE_AT(SBP_C_START);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		r = sb_step(c, errno, "set the parent-death signal");
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	}
	close(sync_wr);
	close(report_rd);
	close_other_fds(c->sync_rd, c->report_wr);
	c->cmd_stack = map_cmd_stack();
	if ((r = sb_listener_pair(c)) < 0)
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	/* The parent does not wait for anything of ours before its go, nor
	 * we for its go before the last step: the command (pid 2) starts
	 * first, and makes the network namespace and installs its filter
	 * while we map our ids and build the root (exec.c); capabilities in
	 * the new user namespace are ours from the start.  --emulate keeps
	 * the old order: its command needs the finished /proc first. */
	if (!c->spec->emulate_arch && !late_cmd) {
		cmd = sb_early_start(c, &early);
		if (cmd < 0)
			sb_child_fail(c, -cmd, PW_SANDBOX_EXIT_SETUP);
		SB_PROBE_AT(SBP_C_CMD);
	}
	hn = c->spec->hostname ? c->spec->hostname : "pinwheel";
	if (sethostname(hn, strlen(hn)) < 0) {
		r = sb_step(c, errno, "sethostname");
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	}
	/* The new uts namespace starts with the caller's NIS domain name:
	 * the kernel's default instead ("(none)", what a fresh boot has). */
	if (setdomainname("(none)", 6) < 0) {
		r = sb_step(c, errno, "setdomainname");
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	}
	if ((r = write_id_maps(c)) < 0)
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	SB_PROBE_AT(SBP_C_MAPS);
	if (late_cmd) {
		read_go(c);
		SB_PROBE_AT(SBP_C_GO);
		cmd = sb_early_start(c, &early);
		if (cmd < 0)
			sb_child_fail(c, -cmd, PW_SANDBOX_EXIT_SETUP);
	}
	if (c->spec->emulate_arch && !c->spec->net && (r = sb_net_setup(c)) < 0)
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	if ((r = sb_child_mounts(c)) < 0)
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	/* PDEATHSIG is set: from now on pinwheel's death kills us (and the
	 * command with the pid namespace).  If it died before, its end of the
	 * pipe is closed and we read EOF: nothing of the sandbox has run. */
	if (!late_cmd) {
		read_go(c);
		SB_PROBE_AT(SBP_C_GO);
	}
	if (cmd > 0 && (r = sb_early_go(c, &early, cmd)) < 0) {
		if (r == -ECHILD) /* the command said why, or died */
			_exit(PW_SANDBOX_EXIT_SETUP);
		sb_child_fail(c, -r, PW_SANDBOX_EXIT_SETUP);
	}
	SB_PROBE_AT(SBP_C_RELEASE);
	sb_child_init(c, cmd);
}

static pid_t do_clone(unsigned long flags, int *pidfd)
{
	struct clone_args ca;
	long r;

	memset(&ca, 0, sizeof(ca));
	ca.flags = flags | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r < 0 && errno == ENOSYS) {
		/* clone3 filtered by an outer seccomp policy: plain clone, then
		 * a pidfd for our own unreaped child (its pid cannot be reused). */
		r = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
		if (r > 0)
			*pidfd = (int)syscall(SYS_pidfd_open, (pid_t)r, 0);
	}
	return (pid_t)r;
}

struct waiter {
	pid_t pid;
	int pidfd, sigfd, timerfd, report_rd;
	bool reaped, report_eof, got_status, got_fail, term_sent, kill_sent;
	int init_wstatus;
	struct rusage ru;
	struct sb_msg status, fail;
	enum pw_limit limit;
};

static void arm_timer(int tfd, uint64_t ms)
{
	struct itimerspec it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)(ms / 1000);
	it.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (it.it_value.tv_sec == 0 && it.it_value.tv_nsec == 0)
		it.it_value.tv_nsec = 1;
	timerfd_settime(tfd, 0, &it, NULL);
}

static void send_init(struct waiter *w, int sig)
{
	if (w->reaped)
		return;
	if (w->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, w->pidfd, sig, NULL, 0);
	else
		kill(w->pid, sig);
}

static void drain_report(struct waiter *w)
{
	struct sb_msg m;
	ssize_t n;

	for (;;) {
		n = read(w->report_rd, &m, sizeof(m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: more later */
		if (n == 0) {
			w->report_eof = true;
			return;
		}
		if ((size_t)n != sizeof(m))
			continue;
		m.step[sizeof(m.step) - 1] = '\0';
		if (m.type == SB_MSG_FAIL && !w->got_fail) {
			w->fail = m;
			w->got_fail = true;
		} else if (m.type == SB_MSG_STATUS) {
			SB_PROBE_AT(SBP_STATUS);
			w->status = m;
			w->got_status = true;
		}
	}
}

static void wait_loop(struct waiter *w, const struct pw_sandbox_spec *s)
{
	struct pollfd pf[4];

	if (s->timeout_ms)
		arm_timer(w->timerfd, s->timeout_ms);
	while (!w->reaped || !w->report_eof) {
		struct signalfd_siginfo si;
		int n;

		pf[0] = (struct pollfd){w->report_eof ? -1 : w->report_rd, POLLIN, 0};
		pf[1] = (struct pollfd){w->sigfd, POLLIN, 0};
		pf[2] = (struct pollfd){w->timerfd, POLLIN, 0};
		/* The pidfd turns readable when init has exited: reaping does
		 * not depend on which thread SIGCHLD is delivered to. */
		pf[3] = (struct pollfd){w->reaped ? -1 : w->pidfd, POLLIN, 0};
		n = poll(pf, 4, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Cannot wait properly: end the sandbox, reap it. */
			send_init(w, SIGKILL);
			if (!w->reaped && wait4(w->pid, &w->init_wstatus, 0, &w->ru) == w->pid)
				w->reaped = true;
			break;
		}
		if (pf[0].revents)
			drain_report(w);
		/* The status is init's last message, written after it reaped
		 * everything else (an earlier failure report is read first:
		 * one pipe, in order). */
		if (s->no_teardown_wait && w->got_status && !w->got_fail)
			break;
		if (pf[2].revents & POLLIN) {
			uint64_t ticks;

			(void)!read(w->timerfd, &ticks, sizeof(ticks));
			if (!w->term_sent) {
				w->term_sent = true;
				w->limit = PW_LIMIT_TIMEOUT;
				send_init(w, SIGTERM);
				arm_timer(w->timerfd, s->grace_ms);
			} else if (!w->kill_sent) {
				w->kill_sent = true;
				send_init(w, SIGKILL);
			}
		}
		while (pf[1].revents & POLLIN && read(w->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				send_init(w, (int)si.ssi_signo);
				continue;
			}
		}
		if (!w->reaped) {
			pid_t p = wait4(w->pid, &w->init_wstatus, WNOHANG, &w->ru);

			if (p == w->pid)
				w->reaped = true;
			else if (p < 0 && errno != EINTR)
				w->reaped = true;
		}
		if (w->reaped && !w->report_eof) {
			/* Every writer is gone once init and the command are:
			 * read what is left, then EOF. */
			int fl = fcntl(w->report_rd, F_GETFL);

			fcntl(w->report_rd, F_SETFL, fl & ~O_NONBLOCK);
			drain_report(w);
		}
	}
}

static void fill_result(struct waiter *w, const struct pw_sandbox_spec *s,
			struct pw_sandbox_result *res)
{
	int st = w->got_status ? w->status.wstatus : w->init_wstatus;
	/* init's report covers the command and everything it left behind;
	 * without one (init killed), init's own figures from wait4. */
	const struct rusage *ru = w->got_status ? &w->status.ru : &w->ru;

	res->user_us = (uint64_t)ru->ru_utime.tv_sec * 1000000u + (uint64_t)ru->ru_utime.tv_usec;
	res->sys_us = (uint64_t)ru->ru_stime.tv_sec * 1000000u + (uint64_t)ru->ru_stime.tv_usec;
	res->max_rss_kib = (uint64_t)ru->ru_maxrss;
	if (WIFEXITED(st)) {
		res->exited = true;
		res->exit_code = WEXITSTATUS(st);
		res->status = res->exit_code;
	} else {
		res->exited = false;
		res->signal = WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;
		res->status = 128 + res->signal;
	}
	res->limit = w->limit;
	if (res->limit == PW_LIMIT_NONE && !res->exited) {
		if (res->signal == SIGXFSZ)
			res->limit = PW_LIMIT_FSIZE;
		else if (res->signal == SIGXCPU ||
			 (res->signal == SIGKILL && s->cpu_s &&
			  res->user_us + res->sys_us >= s->cpu_s * 1000000u))
			res->limit = PW_LIMIT_CPU;
	}
}

/* A set-up step failed in the sandbox: its exit code and one line. */
static int report_fail(const struct waiter *w, struct pw_sandbox_result *res, struct pw_err *e)
{
	int err = w->fail.err > 0 ? w->fail.err : EIO;
	const char *why = sb_explain_step(w->fail.step, err);

	res->exit_code = res->status = w->fail.code;
	res->exited = true;
	return why ? pw_err_set(e, err, "%s: %s: %s", w->fail.step, strerror(err), why)
		   : pw_err_sys(e, err, "%s", w->fail.step);
}

/* Clone init into the new namespaces (it never returns here).  0, or
 * -errno with the cause and its fix when the kernel refuses. */
static int start_init(struct sb_ctx *c, struct waiter *w, int sync_wr, int report_rd,
		      const sigset_t *oldmask, struct pw_err *e)
{
	SB_PROBE_AT(SBP_CLONE);
	w->pid = do_clone(SB_CLONE_FLAGS, &w->pidfd); /* CLONE_NEWNET: see net.c */
	if (w->pid < 0) {
		int err = errno;
		const char *why = sb_explain_clone(err);

		return why ? pw_err_set(e, err, "create namespaces: %s: %s", strerror(err), why)
			   : pw_err_sys(e, err, "create namespaces");
	}
	if (w->pid == 0) /* init */
		child_main(c, sync_wr, report_rd, oldmask);
	SB_PROBE_AT(SBP_CLONED);
	return 0;
}

/* The parent's part before its go (as host root, the pids cgroup), then
 * the go on @sync_wr (which it closes).  0 or -errno; init is killed and
 * reaped on a cgroup failure, killed on a failed go. */
static int release_init(const struct pw_sandbox_spec *s, struct waiter *w, int sync_wr,
			char **cgroup, struct pw_err *e)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	int r = 0;

	if (s->pids_required && geteuid() == 0)
		r = sb_cgroup_setup(w->pid, s->pids, s->pids_required, cgroup, e);
	if (r < 0) {
		send_init(w, SIGKILL);
		close(sync_wr);
		(void)wait4(w->pid, NULL, 0, NULL);
		w->reaped = true;
		return r;
	}
	/* the child may have died: no SIGPIPE for us */
	sigaction(SIGPIPE, &ign, &old_pipe);
	r = pw_write_all(sync_wr, "g", 1);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(sync_wr);
	if (r < 0) {
		r = pw_err_sys(e, -r, "release the sandbox");
		send_init(w, SIGKILL);
	}
	SB_PROBE_AT(SBP_GO);
	return r;
}

int pw_sandbox_run(const struct pw_sandbox_spec *s, char *const argv[],
		   struct pw_sandbox_result *res, struct pw_err *e)
{
	struct sb_ctx c;
	struct waiter w;
	sigset_t set, oldmask;
	int sync_p[2] = {-1, -1}, rep_p[2] = {-1, -1};
	char *cgroup = NULL;
	uint64_t t0 = now_us();
	int r;

#ifdef SB_PROBE
	probe_start();
#endif
	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	w.pidfd = w.sigfd = w.timerfd = w.report_rd = -1;
	res->exit_code = res->status = PW_SANDBOX_EXIT_SETUP;
	if (!argv || !argv[0] || !argv[0][0])
		return pw_err_set(e, EINVAL, "no command given");
	r = pw_sandbox_spec_check(s, e);
	if (r < 0)
		return r;
	if (s->emulate_arch && (r = sb_emulate_check(s, e)) < 0)
		return r;

	memset(&c, 0, sizeof(c));
	c.spec = s;
	c.argv = argv;
	c.host_uid = geteuid();
	c.host_gid = getegid();
	c.envp = sb_build_env(s);
	c.lst_rd = c.lst_wr = -1;
	if (pipe2(sync_p, O_CLOEXEC) < 0 || pipe2(rep_p, O_CLOEXEC) < 0) {
		r = pw_err_sys(e, errno, "pipe");
		goto out;
	}
	c.sync_rd = sync_p[0];
	c.report_wr = rep_p[1];
	w.report_rd = rep_p[0];
	fcntl(w.report_rd, F_SETFL, O_NONBLOCK);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	w.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	w.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (w.sigfd < 0 || w.timerfd < 0) {
		r = pw_err_sys(e, errno, "signalfd");
		goto out_mask;
	}
	r = start_init(&c, &w, sync_p[1], rep_p[0], &oldmask, e);
	if (r < 0)
		goto out_mask;
	close(sync_p[0]);
	close(rep_p[1]);
	sync_p[0] = rep_p[1] = -1;
	r = release_init(s, &w, sync_p[1], &cgroup, e);
	sync_p[1] = -1;
	if (r < 0 && w.reaped)
		goto out_mask;

	wait_loop(&w, s);
	SB_PROBE_AT(SBP_DONE);
	res->wall_us = now_us() - t0;
	fill_result(&w, s, res);
	if (w.got_fail) {
		r = report_fail(&w, res, e);
	} else if (!w.got_status && !w.limit && w.reaped && WIFEXITED(w.init_wstatus) &&
		   WEXITSTATUS(w.init_wstatus) == PW_SANDBOX_EXIT_SETUP) {
		r = pw_err_set(e, EIO, "the sandbox exited during set-up");
	}

out_mask:
	if (cgroup)
		sb_cgroup_remove(cgroup);
	if (w.sigfd >= 0) {
		/* Consume what arrived after the loop, so that unblocking does
		 * not deliver a signal meant for the (finished) sandbox. */
		struct signalfd_siginfo si;

		while (read(w.sigfd, &si, sizeof(si)) == sizeof(si))
			;
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
out:
	if (w.sigfd >= 0)
		close(w.sigfd);
	if (w.timerfd >= 0)
		close(w.timerfd);
	if (w.pidfd >= 0)
		close(w.pidfd);
	for (int i = 0; i < 2; i++) {
		if (sync_p[i] >= 0)
			close(sync_p[i]);
		if (rep_p[i] >= 0)
			close(rep_p[i]);
	}
	sb_free_env(c.envp);
#ifdef SB_PROBE
	probe_report();
#endif
	return r;
}
