/* verify.c - `pinwheel verify` (include/pinwheel/verify.h, docs/verify.md).
 *
 * Build A is `pinwheel build` run by this executable as it would be run
 * by hand, writing OUT.  Build B is a fresh build of a copy of the project
 * (another path, another depth, entries created in reverse order) by a
 * child that first enters its own user, mount and uts namespaces (and a
 * time namespace when the kernel has one), maps itself to another uid,
 * binds the store at another path, sets another host name, umask, TZ,
 * locale, PATH, HOME, job count, a single CPU and no ASLR, clears the
 * environment and fills it with noise.  Then the wheels and the sdist of
 * both are compared byte for byte, differences explained
 * (runner/diffexplain.c) and every output scanned for strings of the
 * outer world.  Everything B needs lives in one temp directory removed on
 * every exit (kept with --keep).
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "pinwheel/build.h"
#include "pinwheel/child.h"
#include "pinwheel/cli.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "pinwheel/hash.h"
#include "pinwheel/json.h"
#include "pinwheel/verify.h"
#include "pinwheel/workdir.h"
#include "pinwheel/log.h"
#include "pinwheel/opts.h"

#define B_UID 4242 /* build B's uid inside its user namespace */
#define B_UMASK_ALT 077
#define B_TZ "Asia/Kathmandu"
#define B_LANG "tr_TR.UTF-8"
#define B_DOMAIN "pwverify.invalid"
#define B_CLOCK_SHIFT (10 * 86400) /* seconds added to B's monotonic and boot clocks */
#define CHILD_OUT_MAX (64u << 20)

extern char **environ;

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rand_hex(char *out, size_t nbytes)
{
	unsigned char r[32];
	size_t got = 0;

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	while (got < nbytes) {
		ssize_t n = pw_sys_getrandom(r + got, nbytes - got, 0);

		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	for (; got < nbytes; got++) /* getrandom failed: time and pid */
		r[got] = (unsigned char)(time(NULL) >> (got % 4 * 8) ^ getpid() ^ got);
	pw_hex_encode(r, nbytes, out);
}

/* ---- the copy of the project for build B ---- */

struct copy_ctx {
	const char *skip_abs[2]; /* absolute paths not copied (A's OUT, the temp dir) */
	const char *projdir;	 /* A's project dir (its build artefacts are skipped) */
	const char *root;	 /* the copy's root */
};

static bool artefact(const char *name)
{
	static const char *const names[] = {"build", "dist", "target", "wheelhouse",
					    ".tox",  ".nox", ".venv"};

	for (size_t i = 0; i < PW_ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return !strncmp(name, "build-", 6);
}

/* Copy the directory @sfd (at absolute @spath) into @dfd, creating entries
 * in reverse bytewise order.  Regular files keep their permission bits,
 * symlinks their target; nothing else is copied. */
static int copy_tree(const struct copy_ctx *c, int sfd, const char *spath, int dfd,
		     struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, i;
	bool top = !strcmp(spath, c->root) || !strcmp(spath, c->projdir);
	int r;

	r = pw_list_dir_sorted(sfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list '%s'", spath);
	for (i = n; r == 0 && i-- > 0;) {
		const char *nm = names[i];
		_cleanup_free_ char *sp = pw_path_join(spath, nm);
		struct stat st;

		if (!strcmp(nm, "__pycache__") || (top && artefact(nm)) ||
		    (c->skip_abs[0] && !strcmp(sp, c->skip_abs[0])) ||
		    (c->skip_abs[1] && !strcmp(sp, c->skip_abs[1])))
			continue;
		if (fstatat(sfd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "could not stat '%s'", sp);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int s2, d2;

			if (mkdirat(dfd, nm, 0700) < 0) {
				r = pw_err_sys(e, errno, "could not create a copy of '%s'", sp);
				break;
			}
			s2 = openat(sfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				r = pw_err_sys(e, errno, "could not open '%s'", sp);
			else
				r = copy_tree(c, s2, sp, d2, e);
			if (r == 0 && fchmod(d2, st.st_mode & 07777) < 0)
				r = pw_err_sys(e, errno,
					       "could not set the mode of the copy of '%s'", sp);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISLNK(st.st_mode)) {
			char tgt[4096];
			ssize_t l = readlinkat(sfd, nm, tgt, sizeof(tgt) - 1);

			if (l < 0) {
				r = pw_err_sys(e, errno, "could not read the link '%s'", sp);
				break;
			}
			tgt[l] = 0;
			if (symlinkat(tgt, dfd, nm) < 0)
				r = pw_err_sys(e, errno, "could not copy the link '%s'", sp);
		} else if (S_ISREG(st.st_mode)) {
			int in = openat(sfd, nm, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out;
			char buf[65536];
			ssize_t got;

			if (in < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", sp);
				break;
			}
			out = openat(dfd, nm, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				     0600);
			if (out < 0) {
				r = pw_err_sys(e, errno, "could not create the copy of '%s'", sp);
				close(in);
				break;
			}
			while ((got = read(in, buf, sizeof(buf))) != 0) {
				if (got < 0 && errno == EINTR)
					continue;
				if (got < 0) {
					r = pw_err_sys(e, errno, "could not read '%s'", sp);
					break;
				}
				if (pw_write_all(out, buf, (size_t)got) < 0) {
					r = pw_err_sys(e, errno, "could not write the copy of '%s'",
						       sp);
					break;
				}
			}
			if (r == 0 && fchmod(out, st.st_mode & 07777) < 0)
				r = pw_err_sys(e, errno,
					       "could not set the mode of the copy of '%s'", sp);
			close(in);
			close(out);
		}
	}
	pw_free_names(names, n);
	return r;
}

/* ---- running pinwheel build ---- */

struct varied {
	char *home, *store, *hostname, *path_env;
	unsigned jobs;
	mode_t umask;
	int cpu; /* the one CPU of B, -1 when not varied */
};

struct child {
	char **argv;
	char **envp; /* NULL: inherit */
	const char *cwd;
	const char *errfile;
	const struct varied *v; /* NULL for build A */
	const char *real_store;
	/* results */
	struct pw_buf out;
	int status;
	bool timens;
	double secs;
};

static void child_fail(int fd, const char *what)
{
	char msg[300];
	int n = snprintf(msg, sizeof(msg), "E %s: %s\n", what, strerror(errno));

	if (n > 0)
		(void)!write(fd, msg, (size_t)n);
	_exit(127);
}

static void write_proc(int sfd, const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		child_fail(sfd, file);
	close(fd);
}

/* In build B's child, before exec: the namespaces and the rest of the
 * varied conditions.  Errors go to @sfd as "E what: why" and end the
 * child; "T 1" says the time namespace is in place. */
static void enter_variation(const struct child *c, int sfd)
{
	const struct varied *v = c->v;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWUSER) < 0)
		child_fail(sfd, "create a user namespace");
	write_proc(sfd, "/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%d %u 1\n", B_UID, (unsigned)uid);
	write_proc(sfd, "/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "%d %u 1\n", B_UID, (unsigned)gid);
	write_proc(sfd, "/proc/self/gid_map", map);
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0)
		child_fail(sfd, "create mount and uts namespaces");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(sfd, "make the mounts private");
	if (mount(c->real_store, v->store, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail(sfd, "bind the store at its second path");
	if (sethostname(v->hostname, strlen(v->hostname)) < 0)
		child_fail(sfd, "set the host name");
	if (setdomainname(B_DOMAIN, strlen(B_DOMAIN)) < 0)
		child_fail(sfd, "set the domain name");
	if (unshare(CLONE_NEWTIME) == 0) {
		char off[96];

		snprintf(off, sizeof(off), "monotonic %d 0\nboottime %d 0\n", B_CLOCK_SHIFT,
			 B_CLOCK_SHIFT);
		write_proc(sfd, "/proc/self/timens_offsets", off);
		(void)!write(sfd, "T 1\n", 4);
	}
	if (v->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(v->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			child_fail(sfd, "restrict build B to one CPU");
	}
	if (personality(ADDR_NO_RANDOMIZE) < 0)
		child_fail(sfd, "turn address space randomisation off");
	umask(v->umask);
}

/* @n bytes of build's stderr: all of it to @errfd (the error file),
 * complete lines that report a finished target or the sdist ("[k/N] ...")
 * to our progress, naming the build. */
static void forward_messages(const struct child *c, int errfd, struct pw_buf *line,
			     const char *buf, size_t n)
{
	size_t from = 0;

	(void)!pw_write_all(errfd, buf, n);
	pw_buf_add(line, buf, n);
	for (;;) {
		const char *nl = memchr(line->buf + from, '\n', line->len - from);
		const char *l = line->buf + from;

		if (!nl)
			break;
		if (*l == '[' || !strncmp(l, "pinwheel: [", 11))
			pw_info("verify: build %s: %.*s", c->v ? "B" : "A", (int)(nl - l), l);
		from = (size_t)(nl - line->buf) + 1;
	}
	if (from) {
		memmove(line->buf, line->buf + from, line->len - from);
		line->len -= from;
	}
}

static int run_child(struct child *c, struct pw_err *e)
{
	int opipe[2] = {-1, -1}, spipe[2] = {-1, -1}, epipe[2] = {-1, -1}, errfd, r = 0;
	double t0 = now_s();
	struct pw_buf st = PW_BUF_INIT(4096), line = PW_BUF_INIT(4096);
	pid_t pid, parent;

	pw_buf_init(&c->out, CHILD_OUT_MAX);
	errfd = open(c->errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (errfd < 0)
		return pw_err_sys(e, errno, "could not create '%s'", c->errfile);
	if (pipe2(opipe, O_CLOEXEC) < 0 || pipe2(spipe, O_CLOEXEC) < 0 ||
	    pipe2(epipe, O_CLOEXEC) < 0) {
		r = pw_err_sys(e, errno, "could not create a pipe");
		goto out;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		r = pw_err_sys(e, errno, "could not fork");
		goto out;
	}
	if (pid == 0) {
		/* a kill -9 of verify ends the build (and, through its own
		 * workers' death signal, everything the build started) */
		if (pw_child_die_with_parent(parent) < 0)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (dup2(opipe[1], 1) < 0 || dup2(epipe[1], 2) < 0)
			child_fail(spipe[1], "redirect the output");
		if (c->v)
			enter_variation(c, spipe[1]);
		/* again: set-up may have changed our credentials, which clears it */
		if (pw_child_die_with_parent(parent) < 0)
			_exit(127);
		if (chdir(c->cwd) < 0)
			child_fail(spipe[1], "enter the project directory");
		if (c->envp)
			execve("/proc/self/exe", c->argv, c->envp);
		else
			execv("/proc/self/exe", c->argv);
		child_fail(spipe[1], "run pinwheel build");
	}
	close(opipe[1]);
	close(spipe[1]);
	close(epipe[1]);
	opipe[1] = spipe[1] = epipe[1] = -1;
	/* The status lines end at exec (close-on-exec), the output and the
	 * messages at exit.  The messages go to the error file; build's
	 * per-target lines ("[k/N] ID: ok") are shown as they come. */
	for (;;) {
		struct pollfd pfd[3] = {{spipe[0], POLLIN, 0}, {opipe[0], POLLIN, 0},
					{epipe[0], POLLIN, 0}};
		char buf[65536];
		int open_fds = 0;

		for (int i = 0; i < 3; i++)
			open_fds += pfd[i].fd >= 0;
		if (!open_fds)
			break;
		if (poll(pfd, 3, -1) < 0) {
			if (errno != EINTR) {
				r = pw_err_sys(e, errno, "could not wait for pinwheel build");
				break;
			}
			if (got_signal)
				kill(pid, SIGTERM);
			continue;
		}
		for (int i = 0; i < 3; i++) {
			int *fd = i == 0 ? &spipe[0] : i == 1 ? &opipe[0] : &epipe[0];
			ssize_t n;

			if (*fd < 0 || !pfd[i].revents)
				continue;
			n = read(*fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			if (i == 0)
				pw_buf_add(&st, buf, (size_t)n);
			else if (i == 1)
				pw_buf_add(&c->out, buf, (size_t)n);
			else
				forward_messages(c, errfd, &line, buf, (size_t)n);
		}
	}
	while (waitpid(pid, &c->status, 0) < 0) {
		if (errno != EINTR) {
			r = pw_err_sys(e, errno, "could not wait for pinwheel build");
			goto out;
		}
	}
	c->timens = strstr(st.buf, "T 1\n") != NULL;
	{
		const char *E = strstr(st.buf, "E ");

		if (E) {
			r = pw_err_set(e, EPERM, "build B: could not %.*s",
				       (int)strcspn(E + 2, "\n"), E + 2);
			goto out;
		}
	}
out:
	c->secs = now_s() - t0;
	pw_buf_release(&st);
	pw_buf_release(&line);
	for (int i = 0; i < 2; i++) {
		if (opipe[i] >= 0)
			close(opipe[i]);
		if (spipe[i] >= 0)
			close(spipe[i]);
		if (epipe[i] >= 0)
			close(epipe[i]);
	}
	close(errfd);
	return r;
}

/* ---- the command ---- */

struct side {
	json_t *res; /* build's --json document */
	char *dir, *root, *out, *home, *store, *hostname;
	double secs;
};

struct vctx {
	const struct pw_verify_opts *o;
	char *tmp;
	int tmp_lock; /* the flock of tmp while we run (workdir.h), or -1 */
	char canary[40];
	struct side a, b;
	struct varied v;
	struct child ca, cb;
	json_t *variations;
};

static char *git_root(const char *dir)
{
	char *d = pw_xstrdup(dir);

	for (;;) {
		_cleanup_free_ char *g = pw_path_join(d, ".git");
		char *slash;

		if (access(g, F_OK) == 0)
			return d;
		slash = strrchr(d, '/');
		if (!slash || slash == d)
			break;
		*slash = 0;
	}
	free(d);
	return NULL;
}

static void add_var(json_t *vars, const char *name, const char *a, const char *b, const char *how)
{
	json_array_append_new(
	    vars, json_pack("{s:s,s:s,s:s,s:s}", "name", name, "a", a, "b", b, "how", how));
}

static char **argv_build(struct vctx *x, bool is_b)
{
	const struct pw_verify_opts *o = x->o;
	char **v = pw_xcalloc(16 + 2 * (o->nonly + o->nskip), sizeof(char *));
	size_t k = 0;
	char jobs[16];

	snprintf(jobs, sizeof(jobs), "%u", is_b ? x->v.jobs : o->jobs);
	v[k++] = pw_xstrdup("pinwheel");
	v[k++] = pw_xstrdup("--store");
	v[k++] = pw_xstrdup(is_b ? x->b.store : x->a.store);
	v[k++] = pw_xstrdup("--color=never");
	v[k++] = pw_xstrdup("--json");
	v[k++] = pw_xstrdup("build");
	v[k++] = pw_xstrdup(is_b ? x->b.dir : x->a.dir);
	v[k++] = pw_xstrdup("--out");
	v[k++] = pw_xstrdup(is_b ? x->b.out : x->a.out);
	if (is_b || o->jobs) { /* A without --jobs: build's default */
		v[k++] = pw_xstrdup("--jobs");
		v[k++] = pw_xstrdup(jobs);
	}
	/* Build B neither uses nor writes the action cache. */
	if (is_b)
		v[k++] = pw_xstrdup("--no-cache-write");
	else if (o->no_cache)
		v[k++] = pw_xstrdup("--no-cache");
	/* nor a remote one, whatever the environment says; A's as given */
	if (is_b || o->cache_url) {
		v[k++] = pw_xstrdup("--cache-url");
		v[k++] = pw_xstrdup(is_b ? "" : o->cache_url);
	}
	for (size_t i = 0; i < o->nonly; i++) {
		v[k++] = pw_xstrdup("--only");
		v[k++] = pw_xstrdup(o->only[i]);
	}
	for (size_t i = 0; i < o->nskip; i++) {
		v[k++] = pw_xstrdup("--skip");
		v[k++] = pw_xstrdup(o->skip[i]);
	}
	return v;
}

/* Build B's environment: nothing of ours but PATH (reversed, with a
 * directory that does not exist first), plus noise and the canary. */
static char **env_b(struct vctx *x)
{
	char **v = pw_xcalloc(32, sizeof(char *));
	size_t k = 0;
	char r[17];

	v[k++] = pw_xasprintf("PATH=%s", x->v.path_env);
	v[k++] = pw_xasprintf("HOME=%s", x->b.home);
	v[k++] = pw_xstrdup("USER=pwverify");
	v[k++] = pw_xstrdup("LOGNAME=pwverify");
	v[k++] = pw_xstrdup("TZ=" B_TZ);
	v[k++] = pw_xstrdup("LANG=" B_LANG);
	v[k++] = pw_xstrdup("LC_ALL=" B_LANG);
	v[k++] = pw_xstrdup("LANGUAGE=tr");
	v[k++] = pw_xasprintf("PINWHEEL_VERIFY_CANARY=%s", x->canary);
	v[k++] = pw_xstrdup("CFLAGS=-O0 -g3 -DPINWHEEL_VERIFY_NOISE");
	v[k++] = pw_xstrdup("PYTHONPATH=/nonexistent/pinwheel-verify");
	v[k++] = pw_xstrdup("SOURCE_DATE_EPOCH=1");
	v[k++] = pw_xstrdup("MAKEFLAGS=-j7");
	for (int i = 0; i < 5; i++) {
		rand_hex(r, 8);
		v[k++] = pw_xasprintf("PWV_NOISE_%.6s=%s", r + 10 - 6 - 4, r);
	}
	return v;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* PATH reversed with a missing directory first. */
static char *path_b(const char *path, const char *tmp)
{
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	char *copy = pw_xstrdup(path ? path : "/usr/bin:/bin"), *s;

	pw_buf_addf(&b, "%s/no-such-dir", tmp);
	while ((s = strrchr(copy, ':'))) {
		pw_buf_addf(&b, ":%s", s + 1);
		*s = 0;
	}
	pw_buf_addf(&b, ":%s", copy);
	free(copy);
	return pw_buf_detach(&b, NULL);
}

static int first_cpu(int *count)
{
	cpu_set_t set;
	int first = -1;

	*count = 0;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			if (first < 0)
				first = i;
			(*count)++;
		}
	return first;
}

static int setup(struct vctx *x, struct pw_err *e)
{
	const struct pw_verify_opts *o = x->o;
	const char *tmpdir = getenv("TMPDIR");
	_cleanup_free_ char *rel = NULL, *copyparent = NULL;
	struct utsname u;
	char r[17];
	int ncpu;

	x->a.dir = realpath(o->dir, NULL);
	if (!x->a.dir)
		return pw_err_sys(e, errno, "project directory '%s'", o->dir);
	x->a.root = git_root(x->a.dir);
	if (x->a.root && strcmp(x->a.root, x->a.dir)) {
		/* A project inside the work tree's build artefacts (e.g.
		 * build/demo/hybrid, which git does not track and the copy
		 * skips) is copied by itself, as build exports it. */
		const char *under = x->a.dir + strlen(x->a.root) + 1;
		_cleanup_free_ char *first = pw_xasprintf("%.*s", (int)strcspn(under, "/"), under);

		if (artefact(first)) {
			free(x->a.root);
			x->a.root = NULL;
		}
	}
	if (!x->a.root)
		x->a.root = pw_xstrdup(x->a.dir);
	if (o->out) {
		if (pw_mkdir_p(o->out, 0755) < 0)
			return pw_err_sys(e, errno, "could not create '%s'", o->out);
		x->a.out = realpath(o->out, NULL);
		if (!x->a.out)
			return pw_err_sys(e, errno, "output directory '%s'", o->out);
	} else {
		x->a.out = pw_path_join(x->a.dir, "wheelhouse");
	}
	if (o->store_dir[0] == '/') {
		x->a.store = pw_xstrdup(o->store_dir);
	} else { /* build A runs in the project directory */
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)))
			return pw_err_sys(e, errno, "could not get the current directory");
		x->a.store = pw_path_join(cwd, o->store_dir);
	}
	x->a.home = pw_xstrdup(getenv("HOME") ? getenv("HOME") : "");
	x->a.hostname = pw_xstrdup(uname(&u) == 0 ? u.nodename : "");
	rand_hex(x->canary, 12);
	memmove(x->canary + 10, x->canary, 25);
	memcpy(x->canary, "pwcanary-", 9);
	x->canary[9] = 'x';

	if (!tmpdir || tmpdir[0] != '/')
		tmpdir = "/tmp";
	{ /* locked while we run: a later verify removes it if we are killed */
		struct pw_workdir wd;
		int err = pw_workdir_make(&wd, tmpdir, "pinwheel-verify.", true);

		if (err < 0)
			return pw_err_sys(e, -err, "could not create a temp directory in '%s'",
					  tmpdir);
		x->tmp = steal_pointer(&wd.path);
		x->tmp_lock = wd.fd;
	}
	rand_hex(r, 4);
	/* The copy sits deeper than A's and under another name. */
	copyparent = pw_xasprintf("%s/b/deeper/still/deeper", x->tmp);
	x->b.root = pw_xasprintf("%s/checkout-%s", copyparent, r);
	rel = pw_xstrdup(x->a.dir + strlen(x->a.root));
	x->b.dir = pw_xasprintf("%s%s", x->b.root, rel);
	if (!strncmp(x->a.out, x->a.dir, strlen(x->a.dir)) && x->a.out[strlen(x->a.dir)] == '/')
		x->b.out = pw_xasprintf("%s%s", x->b.dir, x->a.out + strlen(x->a.dir));
	else
		x->b.out = pw_xasprintf("%s/b/out", x->tmp);
	x->b.home = pw_xasprintf("%s/b/home-%s", x->tmp, r);
	x->b.store = pw_xasprintf("%s/b/st/pinwheel-store", x->tmp);
	x->b.hostname = pw_xasprintf("pwverify-%s", r);
	if (pw_mkdir_p(copyparent, 0755) < 0 || pw_mkdir_p(x->b.home, 0755) < 0 ||
	    pw_mkdir_p(x->b.store, 0755) < 0)
		return pw_err_sys(e, errno, "could not create directories under '%s'", x->tmp);
	/* Another count than A's: N+1, or more than build's default (at
	 * most the CPUs). */
	x->v.cpu = first_cpu(&ncpu);
	x->v.jobs = o->jobs ? o->jobs + 1 : (unsigned)(ncpu > 0 ? ncpu : 1) + 1;
	if (x->v.jobs > PW_JOBS_MAX)
		x->v.jobs = 1;
	{
		mode_t m = umask(022);

		umask(m);
		x->v.umask = m == B_UMASK_ALT ? 022 : B_UMASK_ALT;
	}
	x->v.path_env = path_b(getenv("PATH"), x->tmp);
	if (ncpu < 2)
		x->v.cpu = -1;
	return 0;
}

/* After build A: the store exists; B binds its real path. */
static int resolve_store(struct vctx *x, struct pw_err *e)
{
	char *rs = realpath(x->a.store, NULL);

	if (!rs)
		return pw_err_sys(e, errno, "store '%s'", x->a.store);
	free(x->a.store);
	x->a.store = rs;
	return 0;
}

static json_t *variation_matrix(struct vctx *x)
{
	json_t *v = json_array();
	char a[256], b[256];
	mode_t m = umask(022);
	struct utsname u;
	int ncpu;

	umask(m);
	add_var(v, "build path", x->a.dir, x->b.dir,
		"a copy of the checkout at another path and depth");
	add_var(v, "file ordering", "the checkout as it is",
		"every directory's entries created in reverse bytewise order",
		"the copy is written in reverse order, so readdir order differs");
	snprintf(a, sizeof(a), "%03o", (unsigned)m);
	snprintf(b, sizeof(b), "%03o", (unsigned)x->v.umask);
	add_var(v, "umask", a, b, "umask() in build B's process");
	add_var(v, "timezone", getenv("TZ") ? getenv("TZ") : "(unset)", B_TZ, "TZ");
	snprintf(a, sizeof(a), "LANG=%s LC_ALL=%s", getenv("LANG") ? getenv("LANG") : "(unset)",
		 getenv("LC_ALL") ? getenv("LC_ALL") : "(unset)");
	add_var(v, "locale", a, "LANG=LC_ALL=" B_LANG " LANGUAGE=tr", "LANG, LC_ALL, LANGUAGE");
	add_var(v, "environment", "inherited, plus PINWHEEL_VERIFY_CANARY",
		"cleared, then noise (CFLAGS, PYTHONPATH, SOURCE_DATE_EPOCH=1, MAKEFLAGS, random "
		"variables) and PINWHEEL_VERIFY_CANARY",
		"the environment build B is started with");
	add_var(v, "canary", x->canary, x->canary,
		"the same value in both environments, looked for in every output");
	add_var(v, "exec path", getenv("PATH") ? getenv("PATH") : "(unset)", x->v.path_env,
		"PATH reversed, a missing directory first");
	add_var(v, "home", x->a.home, x->b.home, "HOME, USER, LOGNAME");
	if (x->o->jobs)
		snprintf(a, sizeof(a), "%u", x->o->jobs);
	else
		snprintf(a, sizeof(a), "build's default (the CPUs, at most the targets)");
	snprintf(b, sizeof(b), "%u", x->v.jobs);
	add_var(v, "jobs", a, b, "build --jobs");
	add_var(v, "store path", x->a.store, x->b.store,
		"the same store bound at a second path in build B's mount namespace");
	snprintf(a, sizeof(a), "uid %u gid %u", (unsigned)geteuid(), (unsigned)getegid());
	snprintf(b, sizeof(b), "uid %d gid %d in a user namespace (uid %u outside)", B_UID, B_UID,
		 (unsigned)geteuid());
	add_var(v, "user/group", a, b, "a user namespace mapping one uid and gid");
	add_var(v, "host name", x->a.hostname, x->b.hostname, "a uts namespace");
	{
		struct utsname un;

		add_var(v, "domain name", uname(&un) == 0 ? un.domainname : "?", B_DOMAIN,
			"setdomainname() in build B's uts namespace");
	}
	add_var(v, "time", "the wall clock",
		x->cb.timens ? "the wall clock, started later; CLOCK_MONOTONIC and CLOCK_BOOTTIME "
			       "shifted by 10 days (time namespace)"
			     : "the wall clock, started later (no time namespace on this kernel)",
		"CLOCK_REALTIME cannot be changed without privileges: steps see "
		"SOURCE_DATE_EPOCH, not a changed clock");
	first_cpu(&ncpu);
	snprintf(a, sizeof(a), "%d CPUs", ncpu);
	if (x->v.cpu >= 0)
		snprintf(b, sizeof(b), "1 CPU (cpu %d)", x->v.cpu);
	else
		snprintf(b, sizeof(b), "%d CPUs (not varied: only one available)", ncpu);
	add_var(v, "num_cpus", a, b, "sched_setaffinity()");
	add_var(v, "aslr", "as the host", "off", "personality(ADDR_NO_RANDOMIZE)");
	add_var(v, "kernel", uname(&u) == 0 ? u.release : "?", uname(&u) == 0 ? u.release : "?",
		"not varied: one kernel for both builds");
	return v;
}

static int hex_file(const char *path, char hex[PW_SHA256_HEX])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = pw_sha256_fd(fd, hex, NULL);
	close(fd);
	return r;
}

static size_t needles_of(struct vctx *x, struct pw_leak_needle *n)
{
	static const char *const fixed[] = {"/",    "/tmp",	    "/tmp/home", "/src",
					    "/out", "/nonexistent", "/cargo"};
	size_t k = 0;

#define NEEDLE(w, val)                                                                             \
	do {                                                                                       \
		bool skip_ = !(val) || strlen(val) < 4;                                            \
		for (size_t f_ = 0; !skip_ && f_ < PW_ARRAY_SIZE(fixed); f_++)                     \
			skip_ = !strcmp((val), fixed[f_]);                                         \
		if (!skip_) {                                                                      \
			n[k].what = (w);                                                           \
			n[k].value = (val);                                                        \
			k++;                                                                       \
		}                                                                                  \
	} while (0)
	NEEDLE("checkout path (A)", x->a.dir);
	if (strcmp(x->a.root, x->a.dir))
		NEEDLE("checkout root (A)", x->a.root);
	NEEDLE("checkout path (B)", x->b.dir);
	NEEDLE("temp directory (B)", x->tmp);
	NEEDLE("home (A)", x->a.home);
	NEEDLE("store path (A)", x->a.store);
	if (strcmp(x->o->store_dir, x->a.store))
		NEEDLE("store path (A, as given)", x->o->store_dir);
	if (strcmp(x->a.hostname, "localhost") && strcmp(x->a.hostname, "pinwheel"))
		NEEDLE("host name (A)", x->a.hostname);
	NEEDLE("host name (B)", x->b.hostname);
	NEEDLE("canary", x->canary);
#undef NEEDLE
	return k;
}

static void scan(struct vctx *x, const char *build, const struct pw_archive *ar, json_t *leaks)
{
	struct pw_leak_needle n[16];
	size_t k = needles_of(x, n);
	json_t *found = json_array(), *it;
	size_t i;

	for (i = 0; i < ar->n; i++) {
		_cleanup_free_ char *label = pw_xasprintf("%s (member name)", ar->m[i].name);

		pw_leak_scan(label, ar->m[i].name, strlen(ar->m[i].name), n, k, found);
		if (ar->m[i].data)
			pw_leak_scan(ar->m[i].name, ar->m[i].data, ar->m[i].len, n, k, found);
	}
	json_array_foreach(found, i, it)
	{
		json_object_set_new(it, "build", json_string(build));
		json_array_append(leaks, it);
	}
	json_decref(found);
}

/* Compare one output of A (@fa in OUT) with B's (@fb): a JSON object with
 * status, digests, differences and leaks. */
static json_t *compare(struct vctx *x, const char *fa, const char *fb)
{
	_cleanup_free_ char *pa = fa ? pw_path_join(x->a.out, fa) : NULL;
	_cleanup_free_ char *pb = fb ? pw_path_join(x->b.out, fb) : NULL;
	char ha[PW_SHA256_HEX] = "", hb[PW_SHA256_HEX] = "";
	struct pw_archive A, B;
	struct pw_err e = PW_ERR_INIT;
	json_t *j = json_object(), *diffs = json_array(), *leaks = json_array();
	const char *status;
	bool ra = false, rb = false;

	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	json_object_set_new(j, "file_a", fa ? json_string(fa) : json_null());
	json_object_set_new(j, "file_b", fb ? json_string(fb) : json_null());
	if (!pa || !pb || hex_file(pa, ha) < 0 || hex_file(pb, hb) < 0) {
		status = "failed";
		json_object_set_new(j, "error",
				    json_string(!pa   ? "build A did not produce it"
						: !pb ? "build B did not produce it"
						      : "an output could not be read"));
		goto out;
	}
	json_object_set_new(j, "sha256_a", json_string(ha));
	json_object_set_new(j, "sha256_b", json_string(hb));
	ra = pw_archive_read(pa, &A, &e) == 0;
	if (!ra)
		json_object_set_new(j, "error", json_string(e.msg));
	rb = pw_archive_read(pb, &B, &e) == 0;
	if (!rb)
		json_object_set_new(j, "error", json_string(e.msg));
	if (ra)
		scan(x, "A", &A, leaks);
	if (rb)
		scan(x, "B", &B, leaks);
	if (strcmp(fa, fb))
		json_array_append_new(diffs, json_pack("{s:n,s:s,s:s}", "member", "kind", "name",
						       "detail", "the file names differ"));
	if (strcmp(ha, hb) && ra && rb) {
		json_t *d = pw_archive_diff(&A, &B);

		json_array_extend(diffs, d);
		json_decref(d);
	}
	if (strcmp(ha, hb) && !json_array_size(diffs))
		json_array_append_new(
		    diffs, json_pack("{s:n,s:s,s:s}", "member", "kind", "archive", "detail",
				     "the members are the same: the archives differ in "
				     "compression or headers outside the members"));
	status = strcmp(ha, hb) || strcmp(fa, fb) ? "differs"
		 : json_array_size(leaks)	  ? "leaks"
						  : "reproducible";
out:
	json_object_set_new(j, "status", json_string(status));
	json_object_set_new(j, "differences", diffs);
	json_object_set_new(j, "leaks", leaks);
	pw_archive_release(&A);
	pw_archive_release(&B);
	return j;
}

static json_t *find_target(json_t *res, const char *id)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(res, "targets"), i, t)
	{
		const char *tid = json_string_value(json_object_get(t, "target"));

		if (tid && !strcmp(tid, id))
			return t;
	}
	return NULL;
}

static const char *wheel_of(json_t *res, const char *id)
{
	json_t *t = res ? find_target(res, id) : NULL;

	return t && json_is_true(json_object_get(t, "ok"))
		   ? json_string_value(json_object_get(t, "wheel"))
		   : NULL;
}

static void print_indented(const char *text, const char *pre)
{
	while (*text) {
		size_t l = strcspn(text, "\n");

		pw_out("%s%.*s\n", pre, (int)l, text);
		text += l + (text[l] == '\n');
	}
}

void pw_verify_print_differences(json_t *diffs)
{
	json_t *d;
	size_t i, shown = 0;

	json_array_foreach(diffs, i, d)
	{
		const char *m = json_string_value(json_object_get(d, "member"));
		json_t *secs = json_object_get(d, "sections"), *s;
		size_t k;

		if (shown++ == 20) {
			pw_out("  ... %zu more differences in the JSON report\n",
			       json_array_size(diffs) - 20);
			break;
		}
		pw_out("  %s %s: %s\n", json_string_value(json_object_get(d, "kind")),
		       m ? m : "(archive)", json_string_value(json_object_get(d, "detail")));
		json_array_foreach(secs, k, s)
		{
			json_int_t off = json_integer_value(json_object_get(s, "offset"));

			pw_out("    ELF section %s: size %lld vs %lld",
			       json_string_value(json_object_get(s, "name")),
			       (long long)json_integer_value(json_object_get(s, "size_a")),
			       (long long)json_integer_value(json_object_get(s, "size_b")));
			if (off >= 0)
				pw_out(", first difference at offset 0x%llx",
				       (unsigned long long)off);
			pw_out("\n");
		}
		if (json_object_get(d, "diff"))
			print_indented(json_string_value(json_object_get(d, "diff")), "    ");
	}
}

static void print_entry(const char *label, json_t *r)
{
	json_t *l;
	size_t i;
	const char *sa = json_string_value(json_object_get(r, "sha256_a"));
	const char *sb = json_string_value(json_object_get(r, "sha256_b"));
	const char *st = json_string_value(json_object_get(r, "status"));

	pw_out("%-26s %-13s %-12.12s %-12.12s\n", label,
	       !strcmp(st, "reproducible") ? st
	       : !strcmp(st, "differs")	   ? "DIFFERS"
	       : !strcmp(st, "leaks")	   ? "LEAKS"
					   : "FAILED",
	       sa ? sa : "-", sb ? sb : "-");
	if (json_object_get(r, "error"))
		pw_out("  %s\n", json_string_value(json_object_get(r, "error")));
	pw_verify_print_differences(json_object_get(r, "differences"));
	json_array_foreach(json_object_get(r, "leaks"), i, l)
	    pw_out("  leak (build %s): %s: %s '%s' at offset %lld (found %lld)\n",
		   json_string_value(json_object_get(l, "build")),
		   json_string_value(json_object_get(l, "member")),
		   json_string_value(json_object_get(l, "what")),
		   json_string_value(json_object_get(l, "value")),
		   (long long)json_integer_value(json_object_get(l, "offset")),
		   (long long)json_integer_value(json_object_get(l, "count")));
}

static json_t *parse_build_json(const struct child *c, const char *which)
{
	const char *s = c->out.buf;
	json_t *j;

	if (!c->out.len)
		return NULL;
	j = json_loadb(s, c->out.len, 0, NULL);
	if (!j)
		pw_warn("build %s printed no JSON result", which);
	return j;
}

/* Repeat the error lines build @which wrote to @file. */
static void show_errors(const char *file, const char *which)
{
	struct pw_buf b = PW_BUF_INIT(1 << 20);

	if (pw_read_file(file, &b) == 0 && b.len) {
		const char *p = b.buf;

		while (*p) {
			size_t l = strcspn(p, "\n");

			/* Only build's error and warning lines, not its progress. */
			if (l > 10 && !strncmp(p, "pinwheel: ", 10))
				pw_error("build %s: %.*s", which, (int)(l - 10), p + 10);
			p += l + (p[l] == '\n');
		}
	}
	pw_buf_release(&b);
}

static json_t *byproducts(json_t *doc, const char *vhex)
{
	json_t *res = json_array(), *t, *all_out = json_array();
	size_t i;
	bool all = true;

	/* The sdist first (as a pseudo-target "sdist"), then the wheels. */
	json_array_append_new(
	    all_out, json_pack("{s:s,s:O}", "target", "sdist", "r", json_object_get(doc, "sdist")));
	json_array_foreach(json_object_get(doc, "targets"), i, t) json_array_append_new(
	    all_out, json_pack("{s:O,s:O}", "target", json_object_get(t, "target"), "r", t));
	json_array_foreach(all_out, i, t)
	{
		json_t *tt = t;
		const char *st;

		t = json_object_get(tt, "r");
		st = json_string_value(json_object_get(t, "status"));
		all = all && (!strcmp(st, "reproducible") || !strcmp(st, "leaks"));
		json_array_append_new(res,
				      json_pack("{s:O,s:O?,s:O?,s:O?,s:s}", "target",
						json_object_get(tt, "target"), "file",
						json_object_get(t, "file_a"), "sha256_a",
						json_object_get(t, "sha256_a"), "sha256_b",
						json_object_get(t, "sha256_b"), "statement",
						!strcmp(st, "reproducible") || !strcmp(st, "leaks")
						    ? "rebuilt and matched"
						    : "rebuilt and did not match"));
		t = tt;
	}
	json_decref(all_out);
	return json_pack("[{s:s,s:s,s:{s:s}},{s:s,s:{s:O}},{s:s,s:{s:s,s:o}}]", "name",
			 "verify.json", "mediaType", "application/json", "digest", "sha256", vhex,
			 "name", "pinwheel-verify-variations", "annotations", "variations",
			 json_object_get(doc, "variations"), "name", "pinwheel-verify-result",
			 "annotations", "statement",
			 all ? "rebuilt and matched" : "rebuilt and did not match", "targets", res);
}

/* Build A: `pinwheel build` as the user runs it (it may come from the
 * action cache), our environment plus the canary.  PW_EXIT_OK, or the
 * status verify ends with. */
static int build_a(struct vctx *x, struct pw_err *e)
{
	size_t n = 0;

	pw_info("verify: build A: pinwheel build as usual into '%s'", x->a.out);
	x->ca.argv = argv_build(x, false);
	x->ca.cwd = x->a.dir;
	x->ca.errfile = pw_path_join(x->tmp, "a.err");
	while (environ[n])
		n++;
	x->ca.envp = pw_xcalloc(n + 2, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		x->ca.envp[i] = pw_xstrdup(environ[i]);
	x->ca.envp[n] = pw_xasprintf("PINWHEEL_VERIFY_CANARY=%s", x->canary);
	if (run_child(&x->ca, e) < 0 || got_signal) {
		pw_error("verify: build A: %s", got_signal ? "interrupted" : e->msg);
		return PW_EXIT_FAIL;
	}
	if (WIFEXITED(x->ca.status) && WEXITSTATUS(x->ca.status) == PW_EXIT_USAGE) {
		show_errors(x->ca.errfile, "A");
		return PW_EXIT_USAGE;
	}
	x->a.res = parse_build_json(&x->ca, "A");
	if (!x->a.res) {
		show_errors(x->ca.errfile, "A");
		pw_error("verify: build A failed (%s)",
			 WIFEXITED(x->ca.status) ? "no result" : "killed");
		return PW_EXIT_FAIL;
	}
	if (!WIFEXITED(x->ca.status) || WEXITSTATUS(x->ca.status) != 0)
		show_errors(x->ca.errfile, "A");
	pw_info("verify: build A: done in %.1f s", x->ca.secs);
	return PW_EXIT_OK;
}

/* B's copy of the checkout, at another path, made in reverse order. */
static int copy_checkout(struct vctx *x, struct pw_err *e)
{
	struct copy_ctx cc = {{x->a.out, x->tmp}, x->a.dir, x->a.root};
	int sfd = open(x->a.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dfd, r;

	pw_info("verify: build B: copying the checkout to '%s' in reverse order", x->b.root);
	if (sfd < 0 || mkdir(x->b.root, 0755) < 0) {
		r = pw_err_sys(e, errno, "could not copy '%s'", x->a.root);
		if (sfd >= 0)
			close(sfd);
		return r;
	}
	dfd = open(x->b.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? pw_err_sys(e, errno, "could not open '%s'", x->b.root)
		    : copy_tree(&cc, sfd, x->a.root, dfd, e);
	close(sfd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* Build B: always fresh, in its own namespaces under varied conditions.
 * PW_EXIT_OK when it ran (its result may still be missing: compared as
 * failed), else PW_EXIT_FAIL. */
static int build_b(struct vctx *x, char ***envb, struct pw_err *e)
{
	if (resolve_store(x, e) < 0 || copy_checkout(x, e) < 0) {
		pw_error("verify: %s", e->msg);
		return PW_EXIT_FAIL;
	}
	pw_info("verify: build B: varied conditions (user, mount, uts and time namespaces; "
		"umask %03o, TZ, locale, environment, --jobs %u, store path, host name)",
		(unsigned)x->v.umask, x->v.jobs);
	x->cb.argv = argv_build(x, true);
	x->cb.envp = *envb = env_b(x);
	x->cb.cwd = x->b.dir;
	x->cb.errfile = pw_path_join(x->tmp, "b.err");
	x->cb.v = &x->v;
	x->cb.real_store = x->a.store;
	x->v.home = x->b.home;
	x->v.store = x->b.store;
	x->v.hostname = x->b.hostname;
	if (run_child(&x->cb, e) < 0 || got_signal) {
		pw_error("verify: %s", got_signal ? "build B: interrupted" : e->msg);
		return PW_EXIT_FAIL;
	}
	x->b.res = parse_build_json(&x->cb, "B");
	if (!x->b.res || !WIFEXITED(x->cb.status) || WEXITSTATUS(x->cb.status) != 0)
		show_errors(x->cb.errfile, "B");
	if (x->b.res)
		pw_info("verify: build B: done in %.1f s", x->cb.secs);
	return PW_EXIT_OK;
}

struct tally {
	size_t rep, diff, leak, fail;
};

static void count(struct tally *n, const json_t *c)
{
	const char *s = json_string_value(json_object_get(c, "status"));

	if (!strcmp(s, "reproducible"))
		n->rep++;
	else if (!strcmp(s, "differs"))
		n->diff++;
	else if (!strcmp(s, "leaks"))
		n->leak++;
	else
		n->fail++;
}

/* Compare the sdist and every target of A with B's and scan both for
 * leaks: verify.json's document (new reference), *n the counts. */
static json_t *compare_all(struct vctx *x, struct tally *n)
{
	json_t *doc = json_object(), *targets = json_array(), *sd, *t;
	const char *fa = json_string_value(json_object_get(json_object_get(x->a.res, "sdist"), "file")),
		   *fb = x->b.res ? json_string_value(json_object_get(
				       json_object_get(x->b.res, "sdist"), "file"))
				 : NULL;
	size_t i;

	pw_info("verify: comparing the outputs and scanning them for leaks");
	sd = compare(x, fa, fb);
	count(n, sd);
	json_array_foreach(json_object_get(x->a.res, "targets"), i, t)
	{
		const char *id = json_string_value(json_object_get(t, "target"));
		json_t *c = compare(x, wheel_of(x->a.res, id), wheel_of(x->b.res, id));

		json_object_set_new(c, "target", json_string(id));
		json_array_append_new(targets, c);
		count(n, c);
	}
	x->variations = variation_matrix(x);
	json_object_set_new(doc, "ok", json_boolean(!n->diff && !n->leak && !n->fail));
	json_object_set_new(doc, "project", json_string(x->a.dir));
	json_object_set_new(doc, "out", json_string(x->a.out));
	json_object_set_new(doc, "sdist", sd);
	json_object_set_new(doc, "targets", targets);
	json_object_set_new(doc, "variations", x->variations);
	json_object_set_new(doc, "seconds",
			    json_pack("{s:f,s:f}", "a", x->ca.secs, "b", x->cb.secs));
	json_object_set_new(doc, "kept", x->o->keep ? json_string(x->tmp) : json_null());
	return doc;
}

/* OUT/verify.json, and its digest among the manifest's byproducts. */
static int write_results(struct vctx *x, json_t *doc, struct pw_err *e)
{
	_cleanup_free_ char *vp = pw_path_join(x->a.out, "verify.json");
	_cleanup_free_ char *mp = pw_path_join(x->a.out, "pinwheel-manifest.json");
	char vh[PW_SHA256_HEX];
	json_t *bp;
	int r;

	if ((r = pw_json_dump_file(vp, doc, e)) < 0)
		return r;
	if (hex_file(vp, vh) < 0 || access(mp, F_OK) < 0)
		return 0;
	bp = byproducts(doc, vh);
	r = pw_manifest_add_byproducts(mp, bp, e);
	json_decref(bp);
	return r;
}

static void print_results(struct vctx *x, json_t *doc, const struct tally *n)
{
	json_t *t;
	size_t i;

	if (pw_log_json()) {
		pw_json_print(doc, true);
		return;
	}
	pw_out("%-26s %-13s %-12s %-12s\n", "target", "result", "sha256 (A)", "sha256 (B)");
	print_entry("sdist", json_object_get(doc, "sdist"));
	json_array_foreach(json_object_get(doc, "targets"), i, t)
	    print_entry(json_string_value(json_object_get(t, "target")), t);
	pw_out("\n%zu reproducible, %zu differ, %zu leak, %zu failed; build A %.1f s, "
	       "build B %.1f s; %s/verify.json\n",
	       n->rep, n->diff, n->leak, n->fail, x->ca.secs, x->cb.secs, x->a.out);
	if (x->o->keep)
		pw_out("build B's tree is kept in '%s' (its output: '%s')\n", x->tmp, x->b.out);
}

/* The temp tree: removed, or kept for the user (then no later run may
 * sweep it), and everything the context owns. */
static void vctx_release(struct vctx *x, int st)
{
	if (x->tmp && (!x->o->keep || st == PW_EXIT_USAGE) && pw_rm_rf(x->tmp) < 0)
		pw_warn("could not remove '%s'", x->tmp);
	else if (x->tmp && x->o->keep) {
		_cleanup_free_ char *mark = pw_path_join(x->tmp, PW_WORKDIR_MARK);

		if (unlink(mark) < 0 && errno != ENOENT)
			pw_warn("could not remove '%s': %s", mark, strerror(errno));
	}
	pw_closep(&x->tmp_lock);
	json_decref(x->a.res);
	json_decref(x->b.res);
	strv_free(x->ca.argv);
	strv_free(x->cb.argv);
	strv_free(x->ca.envp);
	free((char *)x->ca.errfile);
	free((char *)x->cb.errfile);
	pw_buf_release(&x->ca.out);
	pw_buf_release(&x->cb.out);
	free(x->a.dir);
	free(x->a.root);
	free(x->a.out);
	free(x->a.home);
	free(x->a.store);
	free(x->a.hostname);
	free(x->b.dir);
	free(x->b.root);
	free(x->b.out);
	free(x->b.home);
	free(x->b.store);
	free(x->b.hostname);
	free(x->v.path_env);
	free(x->tmp);
}

int pw_verify_run(const struct pw_verify_opts *o)
{
	struct vctx x;
	struct pw_err e = PW_ERR_INIT;
	struct sigaction sa, old[3];
	static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	struct tally n = {0, 0, 0, 0};
	json_t *doc = NULL;
	char **envb = NULL;
	int st;

	memset(&x, 0, sizeof(x));
	x.tmp_lock = -1;
	x.o = o;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (setup(&x, &e) < 0) {
		pw_error("verify: %s", e.msg);
		st = PW_EXIT_FAIL;
		goto out;
	}
	st = build_a(&x, &e);
	if (st == PW_EXIT_OK)
		st = build_b(&x, &envb, &e);
	if (st != PW_EXIT_OK)
		goto out;
	doc = compare_all(&x, &n);
	if (write_results(&x, doc, &e) < 0) {
		pw_error("verify: %s", e.msg);
		st = PW_EXIT_FAIL;
		goto out;
	}
	print_results(&x, doc, &n);
	fflush(stdout);
	st = n.diff || n.leak || n.fail ? PW_EXIT_FAIL : PW_EXIT_OK;
out:
	vctx_release(&x, st);
	strv_free(envb);
	json_decref(doc);
	for (size_t i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (got_signal)
		st = 128 + got_signal;
	return st;
}
