/* build.c - `pinwheel build` orchestration: config and lock, the source
 * export, the sdist, one worker process per target (PEP 517 build_wheel in
 * the target's sandbox, the wheel pipeline, the smoke test), the summary
 * and the manifest.  docs/build.md describes the flow for users. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "pinwheel/actions.h"
#include "pinwheel/build.h"
#include "pinwheel/buf.h"
#include "pinwheel/child.h"
#include "pinwheel/cli.h"
#include "pinwheel/config.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/store.h"
#include "pinwheel/unpack.h"
#include "pinwheel/untrusted.h"
#include "pinwheel/wheel.h"
#include "pinwheel/workdir.h"
#ifdef PW_HAVE_PIPELINE
#include "pinwheel/audit.h"
#endif
#ifdef PW_HAVE_REPAIR
#include "pinwheel/repair.h"
#endif

#define BUILD_JOBS "2" /* the job count every build step sees, whatever the host */
#define RESULT_MAX 65536

/* What one target produced (filled by its worker, sent to the parent). */
struct target_result {
	const struct pw_target *t;
	bool done, ok;
	char wheel[256];
	char tag[160];
	uint64_t size;
	char sha256[PW_SHA256_HEX];
	char smoke[16]; /* "passed", "failed", "-" */
	double secs;
	char error[512];
	bool cached;			 /* materialised from the action cache */
	char key[PW_SHA256_HEX];	 /* its action key */
	char rejected[512];		 /* why the cache's wheel was refused ("" if not) */
};

struct build {
	const struct pw_build_opts *o;
	struct pw_config c;
	struct pw_lockset lf;
	struct pw_store *store;
	struct pw_seccomp_prog *prog;
	struct pw_root_plan *plans; /* per target (NULL entries: not selected) */
	bool *sel;
	char *projdir; /* the project's sources */
	char *out;     /* OUT (absolute) */
	char *logs;    /* OUT/logs */
	char *work;    /* OUT/.pinwheel-build.XXXXXX */
	char *src_dir; /* WORK/source: the exported source */
	char *version; /* what SETUPTOOLS_SCM_PRETEND_VERSION gets (or NULL) */
	int64_t sde;
	struct pw_source src;
	struct pw_pep517 pep;
	char sdist[256]; /* file name in sdist_dir */
	char sdist_sha[PW_SHA256_HEX];
	char *sdist_dir;     /* OUT, or WORK/sdist for shards after the first */
	size_t sdist_ti;     /* the target whose root builds the sdist */
	bool sdist_cached;
	struct pw_ac *ac;
	size_t nsel; /* selected targets (after --shard) */
};

/* In a worker: where step names go for the parent's live display. */
static int progress_fd = -1;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *config_env(const struct pw_config *c, const char *name)
{
	for (size_t i = 0; i < c->nenv; i++)
		if (!strcmp(c->env[i].name, name))
			return c->env[i].value;
	return NULL;
}

static char *python_of(const struct build *b, size_t ti)
{
	const struct pw_target *t = &b->c.targets[ti];
	char version[16];
	char *py;

	/* an image with the manylinux layout: /opt/python/cp3X-cp3X/bin/python */
	snprintf(version, sizeof(version), "3.%u", t->py->minor);
	py = pw_roots_python(b->store, &b->plans[ti], version, t->py->freethreaded);
	if (py)
		return py;
	return pw_xasprintf("python3.%u%s", t->py->minor, t->py->freethreaded ? "t" : "");
}

/* The sandbox of @t's root for a build step: layers and read-only binds
 * of the root, the fixed environment, the limits of the config. */
static void base_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s)
{
	const struct pw_limits *l = &b->c.limits;
	struct pw_err e = PW_ERR_INIT;
	char sde[32];

	pw_sandbox_spec_init(s);
	pw_roots_to_spec(b->store, &b->plans[ti], s);
	snprintf(sde, sizeof(sde), "%lld", (long long)b->sde);
	s->source_date_epoch = pw_xstrdup(sde);
	s->seccomp = b->prog;
	if (l->memory)
		s->memory = l->memory;
	if (l->tmpfs)
		s->tmp_size = l->tmpfs;
	if (l->timeout)
		s->timeout_ms = l->timeout * 1000;
	if (l->pids)
		s->pids = l->pids;
	if (l->nofile)
		s->nofile = l->nofile;
	pw_sandbox_spec_add_env(s, "PYTHONHASHSEED=0", false, &e);
	pw_sandbox_spec_add_env(s, "PYTHONDONTWRITEBYTECODE=1", false, &e);
	pw_sandbox_spec_add_env(s, "PIP_NO_INDEX=1", false, &e);
	pw_sandbox_spec_add_env(s, "PIP_DISABLE_PIP_VERSION_CHECK=1", false, &e);
	pw_sandbox_spec_add_env(s, "CARGO_HOME=/cargo", false, &e);
	pw_sandbox_spec_add_env(s, "CARGO_INCREMENTAL=0", false, &e);
	pw_sandbox_spec_add_env(s, "CARGO_NET_OFFLINE=true", false, &e);
	pw_sandbox_spec_add_env(s, "CARGO_BUILD_JOBS=" BUILD_JOBS, false, &e);
	pw_sandbox_spec_add_env(s, "CMAKE_BUILD_PARALLEL_LEVEL=" BUILD_JOBS, false, &e);
	pw_sandbox_spec_add_env(s, "MAX_JOBS=" BUILD_JOBS, false, &e);
	if (b->version) {
		_cleanup_free_ char *v = pw_xasprintf("SETUPTOOLS_SCM_PRETEND_VERSION=%s", b->version);

		pw_sandbox_spec_add_env(s, v, false, &e);
	}
	for (size_t i = 0; i < b->c.nenv; i++) {
		_cleanup_free_ char *kv =
		    pw_xasprintf("%s=%s", b->c.env[i].name, b->c.env[i].value);

		pw_sandbox_spec_add_env(s, kv, false, &e);
	}
}

static int add_bind(struct pw_sandbox_spec *s, enum pw_bind_kind k, const char *src,
		    const char *dst, struct pw_err *e)
{
	_cleanup_free_ char *arg = pw_xasprintf("%s:%s", src, dst);

	return pw_sandbox_spec_add_bind(s, k, arg, e);
}

/* Run @argv in @s with stdout and stderr on @logfd.  0 when it exited 0,
 * else -EIO (or the set-up error) with e saying how it ended. */
static int run_step(const struct pw_sandbox_spec *s, char *const *argv, int logfd,
		    const char *what, struct pw_err *e)
{
	struct pw_sandbox_result res;
	int saved1 = -1, saved2 = -1, r;
	double t0 = now_s();

	dprintf(logfd, "\n==== pinwheel: %s\n", what);
	if (progress_fd >= 0)
		dprintf(progress_fd, "S %s\n", what);
	saved1 = fcntl(1, F_DUPFD_CLOEXEC, 3);
	saved2 = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (saved1 < 0 || saved2 < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0) {
		r = pw_err_sys(e, errno, "%s: redirect output to the log", what);
		goto out;
	}
	memset(&res, 0, sizeof(res));
	r = pw_sandbox_run(s, argv, &res, e);
	if (r < 0) {
		pw_err_prefix(e, "%s", what);
		goto out;
	}
	if (res.exited && res.exit_code == 0)
		goto out;
	if (res.limit != PW_LIMIT_NONE)
		r = pw_err_set(e, EIO, "%s: stopped by the %s limit", what,
			       pw_limit_name(res.limit));
	else if (res.exited)
		r = pw_err_set(e, EIO, "%s failed (exit status %d)", what, res.exit_code);
	else
		r = pw_err_set(e, EIO, "%s killed by signal %d", what, res.signal);
out:
	if (saved1 >= 0) {
		dup2(saved1, 1);
		close(saved1);
	}
	if (saved2 >= 0) {
		dup2(saved2, 2);
		close(saved2);
	}
	dprintf(logfd, "==== pinwheel: %s: %s (%.2f s)\n", what, r < 0 ? e->msg : "ok",
		now_s() - t0);
	return r;
}

/* The one file of the step's output directory @dir (@shown inside the
 * sandbox, "/out") ending with @suffix, opened as untrusted.h says (never
 * through a symlink, only a regular file of ours of at most @max bytes,
 * nothing that could block): its fd, and its name in *name (caller
 * frees).  -errno with e naming what was found. */
static int step_output(const char *dir, const char *shown, const char *suffix, uint64_t max,
		       char **name, struct pw_err *e)
{
	/* @dir itself is ours: the sandbox sees it as a mount point, which
	 * it can neither remove nor replace */
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *found = NULL, *where = NULL;
	char **names = NULL;
	size_t n = 0, i, k = 0, sl = strlen(suffix);
	int r;

	*name = NULL;
	if (fd < 0 || (r = pw_list_dir_sorted(fd, &names, &n)) < 0)
		return pw_err_sys(e, fd < 0 ? errno : -r, "'%s'", dir);
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]);

		if (l > sl && !strcmp(names[i] + l - sl, suffix) && names[i][0] != '.') {
			k++;
			free(found);
			found = pw_xstrdup(names[i]);
		}
	}
	pw_free_names(names, n);
	if (k != 1)
		return pw_err_set(e, ENOENT, "the backend left %zu '*%s' files, expected one", k,
				  suffix);
	where = pw_path_join(shown, found);
	r = pw_untrusted_open(fd, found, where, max, NULL, e);
	if (r >= 0)
		*name = steal_pointer(&found);
	return r;
}

static int sha256_file(const char *path, char hex[PW_SHA256_HEX], uint64_t *size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return pw_sha256_fd(fd, hex, size);
}

static int open_log(struct build *b, const char *name, struct pw_err *e)
{
	_cleanup_free_ char *p = pw_xasprintf("%s/%s.log", b->logs, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return pw_err_sys(e, errno, "log '%s'", p);
	return fd;
}

/* ---- the sdist ---- */

static int build_sdist(struct build *b, size_t ti, int logfd, struct pw_err *e)
{
	struct pw_sandbox_spec s;
	_cleanup_free_ char *outdir = pw_path_join(b->work, "sdist-out"), *name = NULL,
			    *shown = NULL, *outp = NULL;
	_cleanup_close_ int fd = -1;
	char **argv = NULL;
	int r;

	if (mkdir(outdir, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", outdir);
	dprintf(logfd, "pinwheel %s: sdist of '%s' in the root of %s\nsource tree %s\n",
		PW_VERSION, b->projdir, b->c.targets[ti].id, b->src.tree);
	base_spec(b, ti, &s);
	s.cwd = pw_xstrdup("/src");
	r = add_bind(&s, PW_BIND_RW, b->src_dir, "/src", e);
	if (r == 0)
		r = add_bind(&s, PW_BIND_RW, outdir, "/out", e);
	if (r == 0) {
		_cleanup_free_ char *py = python_of(b, ti);

		argv = pw_pep517_argv(py, "build_sdist", "/out", &b->pep);
		r = run_step(&s, argv, logfd, "build_sdist", e);
	}
	pw_sandbox_spec_release(&s);
	pw_strv_free(argv);
	if (r < 0)
		return r;
	/* Read only through the checked fd; what reaches sdist_dir is a file
	 * of ours written from it. */
	fd = step_output(outdir, "/out", ".tar.gz", PW_SDIST_MAX_SIZE, &name, e);
	if (fd < 0)
		return fd;
	if (strlen(name) >= sizeof(b->sdist))
		return pw_err_set(e, ENAMETOOLONG, "sdist name '%s' too long", name);
	shown = pw_path_join("/out", name);
	outp = pw_path_join(b->sdist_dir, name);
#ifdef PW_HAVE_SDIST
	r = pw_sdist_normalize_fd(fd, shown, outp, b->sde, e);
#else
	r = pw_untrusted_copy(fd, outp, e);
#endif
	if (r < 0)
		return r;
	snprintf(b->sdist, sizeof(b->sdist), "%s", name);
	r = sha256_file(outp, b->sdist_sha, NULL);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s'", outp);
	return 0;
}

/* ---- one target (in its worker process) ---- */

#ifdef PW_HAVE_PIPELINE
/* Vendor the external libraries of the unpacked wheel at @udir (audit @a,
 * redone afterwards). */
static int repair(struct build *b, size_t ti, const struct pw_policy_set *pol, const char *udir,
		  int ufd, const char *name, struct pw_audit_result *a, int logfd,
		  struct pw_err *e)
{
#ifdef PW_HAVE_REPAIR
	struct pw_repair_opts ro = {.policies = pol, .arch = b->c.targets[ti].arch};
	struct pw_repair_result rr = {0};
	struct pw_sandbox_spec s;
	int r;

	dprintf(logfd, "==== pinwheel: repair: %zu external libraries\n", a->nexternals);
	base_spec(b, ti, &s);
	ro.root = &s;
	r = pw_repair_dir(&ro, udir, a, &rr, e);
	pw_sandbox_spec_release(&s);
	for (size_t i = 0; r == 0 && i < rr.nvendored; i++)
		dprintf(logfd, "vendored %s\n", rr.vendored[i]);
	pw_repair_result_release(&rr);
	if (r < 0)
		return r;
	pw_audit_result_release(a);
	return pw_audit_dir(pol, ufd, name, a, e);
#else
	(void)b;
	(void)ti;
	(void)pol;
	(void)udir;
	(void)ufd;
	(void)name;
	(void)logfd;
	return pw_err_set(e, ENOTSUP, "audit: '%s' needs '%s', which repair would vendor, "
			  "and repair is not part of this build", a->wheel ? a->wheel : "wheel",
			  a->externals[0]);
#endif
}

/* Unpack, audit, repair, retag and pack the backend's wheel, open at
 * @fd and named @in, into @outdir; the packed name goes to r->wheel and the
 * extension modules to *mods (NULL-ended). */
static int pipeline(struct build *b, size_t ti, int fd, const char *in, const char *tdir,
		    const char *outdir, struct target_result *res, char ***mods, int logfd,
		    struct pw_err *e)
{
	struct pw_policy_set *pol = NULL;
	struct pw_wheel w = {0};
	struct pw_wheel_name wn = {0};
	struct pw_audit_result a = {0}, a2 = {0};
	_cleanup_free_ char *udir = pw_path_join(tdir, "unpacked"), *distinfo = NULL,
			    *name = NULL, *outp = NULL, *plat = NULL;
	_cleanup_close_ int ufd = -1;
	size_t i, nm = 0;
	int r;

	r = pw_policies_load(NULL, &pol, e);
	if (r < 0)
		return r;
	if (mkdir(udir, 0755) < 0) {
		r = pw_err_sys(e, errno, "'%s'", udir);
		goto out;
	}
	ufd = open(udir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0) {
		r = pw_err_sys(e, errno, "'%s'", udir);
		goto out;
	}
	r = pw_wheel_open_fd(fd, in, &w, e);
	if (r == 0)
		r = pw_wheel_unpack(&w, ufd, e);
	pw_wheel_close(&w);
	if (r == 0)
		r = pw_wheel_name_parse(in, &wn, e);
	if (r < 0)
		goto out;
	distinfo = pw_wheel_dir_distinfo(ufd, e);
	if (!distinfo) {
		r = -errno;
		goto out;
	}
	r = pw_audit_dir(pol, ufd, wn.dist, &a, e);
	if (r < 0)
		goto out;
	if (a.nerrors) {
		r = pw_err_set(e, EINVAL, "audit: %s", a.errors[0]);
		goto out;
	}
	if (a.nexternals) {
		r = repair(b, ti, pol, udir, ufd, wn.dist, &a, logfd, e);
		if (r < 0)
			goto out;
	}
	if (a.has_elf) {
		const char *plats[2] = {a.best_tags[0] ? a.best_tags[0] : a.platform,
					a.best_tags[0] ? a.best_tags[1] : NULL};
		size_t np = plats[1] ? 2 : 1;

		r = pw_wheel_dir_retag(ufd, distinfo, plats, np, e);
		if (r < 0)
			goto out;
		plat = np == 2 ? pw_xasprintf("%s.%s", plats[0], plats[1]) : pw_xstrdup(plats[0]);
		free(wn.platform);
		wn.platform = pw_xstrdup(plat);
	}
	name = pw_wheel_name_format(&wn);
	outp = pw_path_join(outdir, name);
	{
		struct pw_wheel_pack_opts po = {.source_date_epoch = b->sde};

		r = pw_wheel_pack(ufd, distinfo, outp, &po, e);
		if (r < 0)
			goto out;
	}
	r = pw_audit_wheel(pol, outp, &a2, e);
	if (r < 0)
		goto out;
	if (a.has_elf && (!a2.platform || !a.platform || strcmp(a2.platform, a.platform))) {
		r = pw_err_set(e, EPROTO, "re-audit of '%s' gives '%s', expected '%s'", name,
			       a2.platform ? a2.platform : "none", a.platform);
		goto out;
	}
	snprintf(res->wheel, sizeof(res->wheel), "%s", name);
	snprintf(res->tag, sizeof(res->tag), "%s", a.has_elf ? a.platform : "any");
	*mods = pw_xcalloc(a2.nelfs + 1, sizeof(char *));
	for (i = 0; i < a2.nelfs; i++) {
		const struct pw_audit_ext *x = &a2.elfs[i];

		for (size_t k = 0; x->is_extension && k < x->elf.npyinit; k++) {
			char *m = pw_smoke_module_name(x->member, x->elf.pyinit[k]);

			if (m) {
				(*mods)[nm++] = m;
				break;
			}
		}
	}
	dprintf(logfd, "==== pinwheel: audit: %s, %zu extension modules\n", res->tag, nm);
	r = 0;
out:
	pw_audit_result_release(&a);
	pw_audit_result_release(&a2);
	pw_wheel_name_release(&wn);
	pw_policies_free(pol);
	return r;
}
#else
/* Without the wheel pipeline (branches wheel, audit, repair): a copy of
 * the wheel as the backend made it. */
static int pipeline(struct build *b, size_t ti, int fd, const char *in, const char *tdir,
		    const char *outdir, struct target_result *res, char ***mods, int logfd,
		    struct pw_err *e)
{
	const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
	_cleanup_free_ char *outp = pw_path_join(outdir, base);
	int r;

	(void)b;
	(void)ti;
	(void)tdir;
	dprintf(logfd, "==== pinwheel: the wheel pipeline is not part of this build\n");
	r = pw_untrusted_copy(fd, outp, e);
	if (r < 0)
		return r;
	snprintf(res->wheel, sizeof(res->wheel), "%s", base);
	snprintf(res->tag, sizeof(res->tag), "unaudited");
	*mods = pw_xcalloc(1, sizeof(char *));
	return 0;
}
#endif

static int smoke(struct build *b, size_t ti, const char *wheeldir, const char *wheel,
		 char **mods, int logfd, struct pw_err *e)
{
	struct pw_sandbox_spec s;
	_cleanup_free_ char *py = python_of(b, ti),
			    *inwhl = pw_xasprintf("/wheelhouse/%s", wheel);
	char **argv = NULL;
	int r;

	base_spec(b, ti, &s);
	r = add_bind(&s, PW_BIND_RO, wheeldir, "/wheelhouse", e);
	if (r == 0) {
		argv = pw_smoke_argv(py, inwhl, mods, b->c.test_command);
		r = run_step(&s, argv, logfd, "smoke test", e);
	}
	pw_strv_free(argv);
	pw_sandbox_spec_release(&s);
	return r;
}

/* Is the wheel open at @fd, named @name, what `pinwheel inspect` calls
 * consistent: its name parses, and RECORD lists every member with its
 * sha256 and size and nothing that is missing?  0, or -errno with e naming
 * it and the first problem (-EBADMSG for a RECORD problem). */
static int check_wheel(int fd, const char *name, struct pw_err *e)
{
	struct pw_buf probs = PW_BUF_INIT(1 << 16);
	struct pw_wheel_name wn = {0};
	struct pw_wheel w;
	int r;

	r = pw_wheel_name_parse(name, &wn, e);
	pw_wheel_name_release(&wn);
	if (r == 0)
		r = pw_wheel_open_fd(fd, name, &w, e);
	if (r == 0) {
		r = pw_wheel_record_check(&w, &probs, e);
		pw_wheel_close(&w);
	}
	if (r > 0)
		r = pw_err_set(e, EBADMSG, "wheel '%s': RECORD: %.*s", name,
			       (int)strcspn(probs.buf, "\n"), probs.buf);
	pw_buf_release(&probs);
	return r;
}

/* Every wheel enters OUT here, built or from the action cache: @path, a
 * file of ours in WORK, must pass check_wheel() (*bad set when it does
 * not: the wheel stays where it is); its sha256 and size go to @res, then
 * it is renamed to OUT/@name. */
static int publish_wheel(struct build *b, const char *path, const char *name,
			 struct target_result *res, bool *bad, struct pw_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *dst = NULL;
	int r;

	*bad = false;
	if (fd < 0)
		return pw_err_sys(e, errno, "'%s'", path);
	r = check_wheel(fd, name, e);
	if (r < 0) {
		*bad = true;
		return r;
	}
	r = lseek(fd, 0, SEEK_SET) < 0 ? -errno : pw_sha256_fd(fd, res->sha256, &res->size);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s'", path);
	dst = pw_path_join(b->out, name);
	if (rename(path, dst) < 0)
		return pw_err_sys(e, errno, "could not rename '%s' to '%s'", path, dst);
	return 0;
}

static int build_target(struct build *b, size_t ti, struct target_result *res, int logfd,
			struct pw_err *e)
{
	const struct pw_target *t = &b->c.targets[ti];
	_cleanup_free_ char *tdir = pw_path_join(b->work, t->id), *src = NULL, *out = NULL,
			    *cargo = NULL, *final = NULL, *sdist = NULL, *py = NULL,
			    *whl = NULL, *shown = NULL, *whlp = NULL;
	struct pw_unpack_opts uo = {.strip = 1};
	struct pw_sandbox_spec s;
	char **argv = NULL, **mods = NULL;
	_cleanup_close_ int sfd = -1, dfd = -1, wfd = -1;
	bool bad;
	int r;

	src = pw_path_join(tdir, "src");
	out = pw_path_join(tdir, "out");
	cargo = pw_path_join(tdir, "cargo");
	final = pw_path_join(tdir, "final");
	if (mkdir(tdir, 0755) < 0 || mkdir(src, 0755) < 0 || mkdir(out, 0755) < 0 ||
	    mkdir(cargo, 0755) < 0 || mkdir(final, 0755) < 0)
		return pw_err_sys(e, errno, "work directory '%s'", tdir);
	dprintf(logfd, "pinwheel %s: %s from %s\nroot %s\nversion %s, SOURCE_DATE_EPOCH %lld\n",
		PW_VERSION, t->id, b->sdist, b->plans[ti].id, b->version ? b->version : "(backend's)",
		(long long)b->sde);
	/* Wheels are built from the unpacked sdist, as pip does. */
	sdist = pw_path_join(b->sdist_dir, b->sdist);
	sfd = open(sdist, O_RDONLY | O_CLOEXEC);
	dfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || dfd < 0)
		return pw_err_sys(e, errno, "'%s'", sfd < 0 ? sdist : src);
	r = pw_unpack_fd(sfd, dfd, &uo, NULL, e);
	if (r < 0)
		return pw_err_prefix(e, "unpack '%s'", b->sdist);
	r = pw_providers_step_prepare(&b->plans[ti], src, cargo, e);
	if (r < 0)
		return r;
	base_spec(b, ti, &s);
	s.cwd = pw_xstrdup("/src");
	r = add_bind(&s, PW_BIND_RW, src, "/src", e);
	if (r == 0)
		r = add_bind(&s, PW_BIND_RW, out, "/out", e);
	if (r == 0)
		r = add_bind(&s, PW_BIND_RW, cargo, "/cargo", e);
	if (r == 0) {
		py = python_of(b, ti);
		argv = pw_pep517_argv(py, "build_wheel", "/out", &b->pep);
		r = run_step(&s, argv, logfd, "build_wheel", e);
	}
	pw_strv_free(argv);
	pw_sandbox_spec_release(&s);
	if (r < 0)
		return r;
	/* The backend's wheel is read only through the checked fd; what goes
	 * on is the pipeline's own repacked file. */
	wfd = step_output(out, "/out", ".whl", PW_WHEEL_MAX_FILE, &whl, e);
	if (wfd < 0)
		return wfd;
	shown = pw_path_join("/out", whl);
	if (progress_fd >= 0)
		dprintf(progress_fd, "S audit, tag, repack\n");
	r = pipeline(b, ti, wfd, shown, tdir, final, res, &mods, logfd, e);
	if (r < 0)
		return r;
	r = smoke(b, ti, final, res->wheel, mods, logfd, e);
	pw_strv_free(mods);
	if (r < 0) {
		snprintf(res->smoke, sizeof(res->smoke), "failed");
		return r;
	}
	snprintf(res->smoke, sizeof(res->smoke), "passed");
	whlp = pw_path_join(final, res->wheel);
	return publish_wheel(b, whlp, res->wheel, res, &bad, e);
}

/* ---- workers ---- */

/* A job is a target index, or SDIST_JOB(b) for the sdist. */
#define SDIST_JOB(b) ((b)->c.ntargets)

static const char *job_name(const struct build *b, size_t job)
{
	return job == SDIST_JOB(b) ? "sdist" : b->c.targets[job].id;
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* The worker: build job @job, write its result record to @fd. */
static void worker(struct build *b, size_t job, int fd)
{
	struct target_result res;
	struct pw_err e = PW_ERR_INIT;
	json_t *j;
	char *txt;
	double t0 = now_s();
	int logfd, r;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	memset(&res, 0, sizeof(res));
	snprintf(res.smoke, sizeof(res.smoke), "-");
	progress_fd = fd;
	logfd = open_log(b, job_name(b, job), &e);
	if (logfd < 0) {
		r = logfd;
	} else if (job == SDIST_JOB(b)) {
		r = build_sdist(b, b->sdist_ti, logfd, &e);
		snprintf(res.wheel, sizeof(res.wheel), "%s", b->sdist);
		memcpy(res.sha256, b->sdist_sha, PW_SHA256_HEX);
	} else {
		r = build_target(b, job, &res, logfd, &e);
	}
	if (logfd >= 0 && r < 0)
		dprintf(logfd, "\npinwheel: %s: %s\n", job_name(b, job), e.msg);
	j = json_pack("{s:b,s:s,s:s,s:I,s:s,s:s,s:f,s:s}", "ok", r == 0, "wheel", res.wheel,
		      "tag", res.tag, "size", (json_int_t)res.size, "sha256", res.sha256,
		      "smoke", res.smoke, "secs", now_s() - t0, "error", r < 0 ? e.msg : "");
	txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (txt) {
		pw_write_all(fd, "R ", 2);
		pw_write_all(fd, txt, strlen(txt));
		pw_write_all(fd, "\n", 1);
	}
	free(txt);
	json_decref(j);
	if (logfd >= 0)
		close(logfd);
}

/* The worker's messages: "S STEP" lines while it works, one "R JSON" line
 * at the end. */
static void read_result(struct target_result *res, const char *txt, size_t n)
{
	const char *r = NULL;
	json_t *j;
	const char *s;

	for (const char *p = txt, *end = txt + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (end - p > 2 && !strncmp(p, "R ", 2))
			r = p + 2;
		p = nl ? nl + 1 : end;
	}
	j = r ? json_loadb(r, (size_t)(txt + n - r), JSON_DISABLE_EOF_CHECK, NULL) : NULL;

	res->done = true;
	if (!j) {
		snprintf(res->error, sizeof(res->error), "the worker ended without a result");
		snprintf(res->smoke, sizeof(res->smoke), "-");
		return;
	}
	res->ok = json_is_true(json_object_get(j, "ok"));
#define S(k, f)                                                                                    \
	if ((s = json_string_value(json_object_get(j, k))))                                        \
	snprintf(res->f, sizeof(res->f), "%s", s)
	S("wheel", wheel);
	S("tag", tag);
	S("sha256", sha256);
	S("smoke", smoke);
	S("error", error);
#undef S
	res->size = (uint64_t)json_integer_value(json_object_get(j, "size"));
	res->secs = json_real_value(json_object_get(j, "secs"));
	json_decref(j);
}

struct slot {
	pid_t pid;
	int fd;
	size_t job;
	double t0;
	char step[80];
	struct pw_buf buf;
};

/* The live display on a TTY: one redrawn line per running job (name,
 * step, elapsed) below the lines already printed. */
struct live {
	bool on;
	unsigned drawn;
};

static void live_clear(struct live *lv)
{
	if (!lv->on || !lv->drawn)
		return;
	fprintf(stderr, "\033[%uA\033[J", lv->drawn);
	lv->drawn = 0;
}

static void live_draw(struct live *lv, const struct build *b, const struct slot *slots,
		      size_t nslots)
{
	double now = now_s();

	if (!lv->on)
		return;
	live_clear(lv);
	for (size_t k = 0; k < nslots; k++) {
		if (slots[k].pid < 0)
			continue;
		fprintf(stderr, "\033[K  %-28s %-22.22s %5.0fs\n", job_name(b, slots[k].job),
			slots[k].step[0] ? slots[k].step : "starting", now - slots[k].t0);
		lv->drawn++;
	}
	fflush(stderr);
}

/* The last "S STEP" of @s's buffer becomes its step. */
static void take_step(struct slot *s)
{
	const char *buf = s->buf.buf, *last = NULL;
	size_t i = 0;

	while (i < s->buf.len) {
		const char *nl = memchr(buf + i, '\n', s->buf.len - i);

		if (!nl)
			break;
		if (!strncmp(buf + i, "S ", 2))
			last = buf + i + 2;
		i = (size_t)(nl - buf) + 1;
	}
	if (last) {
		const char *nl = strchr(last, '\n');

		snprintf(s->step, sizeof(s->step), "%.*s", (int)(nl - last), last);
	}
}

static void kill_workers(struct slot *slots, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (slots[k].pid > 0)
			kill(slots[k].pid, SIGKILL);
	for (size_t k = 0; k < n; k++) {
		if (slots[k].pid <= 0)
			continue;
		while (waitpid(slots[k].pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(slots[k].fd);
		pw_buf_release(&slots[k].buf);
		slots[k].pid = -1;
	}
}

/* Run @jobs, @width at a time, each in a forked worker; results into
 * res[job].  -EINTR when a signal stopped them (the workers are dead). */
static int run_jobs(struct build *b, const size_t *jobs, size_t njobs, size_t width,
		    struct target_result *res)
{
	struct slot *slots;
	struct live lv = {.on = pw_log_progress_enabled()};
	size_t next = 0, running = 0, ndone = 0;
	pid_t parent = getpid();
	int ret = 0;

	if (width > njobs)
		width = njobs;
	if (width == 0)
		return 0;
	if (width > 64)
		width = 64;
	slots = pw_xcalloc(width, sizeof(*slots));
	for (size_t k = 0; k < width; k++)
		slots[k].pid = -1;
	fflush(stdout);
	fflush(stderr);
	for (;;) {
		struct pollfd pfd[64];
		size_t np = 0;
		bool redraw = false;

		for (size_t k = 0; k < width && next < njobs && !got_signal; k++) {
			size_t job = jobs[next];
			int p[2];
			pid_t pid;

			if (slots[k].pid >= 0)
				continue;
			if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
				snprintf(res[job].error, sizeof(res[job].error),
					 "could not start a worker: %s", strerror(errno));
				res[job].done = true;
				next++;
				continue;
			}
			if (pid == 0) {
				/* a kill -9 of pinwheel kills the worker, whose
				 * death kills its sandbox (child.h) */
				if (pw_child_die_with_parent(parent) < 0)
					_exit(127);
				close(p[0]);
				worker(b, job, p[1]);
				_exit(0);
			}
			close(p[1]);
			if (!lv.on)
				pw_info("building %s (log: %s/%s.log)", job_name(b, job), b->logs,
					job_name(b, job));
			slots[k] = (struct slot){pid, p[0], job, now_s(), "", PW_BUF_INIT(RESULT_MAX)};
			running++;
			next++;
			redraw = true;
		}
		if (got_signal) {
			live_clear(&lv);
			kill_workers(slots, width);
			ret = -EINTR;
			break;
		}
		if (!running)
			break;
		if (redraw)
			live_draw(&lv, b, slots, width);
		for (size_t k = 0; k < width; k++)
			if (slots[k].pid >= 0)
				pfd[np++] = (struct pollfd){.fd = slots[k].fd, .events = POLLIN};
		if (poll(pfd, np, lv.on ? 1000 : -1) < 0 && errno != EINTR)
			break;
		if (got_signal)
			continue;
		redraw = lv.on;
		for (size_t k = 0, q = 0; k < width; k++) {
			struct slot *s = &slots[k];
			struct target_result *rs;
			char tmp[1024];
			ssize_t n;

			if (s->pid < 0)
				continue;
			if (!(pfd[q++].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(s->fd, tmp, sizeof(tmp));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n > 0) {
				size_t before = s->buf.len;

				pw_buf_add(&s->buf, tmp, (size_t)n);
				take_step(s);
				if (!lv.on && pw_log_verbosity() > 0 && s->step[0] &&
				    memmem(s->buf.buf + before, s->buf.len - before, "S ", 2))
					pw_info("  %s: %s", job_name(b, s->job), s->step);
				continue;
			}
			/* EOF: the worker is done. */
			while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(s->fd);
			rs = &res[s->job];
			read_result(rs, s->buf.buf, s->buf.len);
			pw_buf_release(&s->buf);
			ndone++;
			live_clear(&lv);
			if (rs->ok)
				pw_info("[%zu/%zu] %s: ok (%.0f s)", ndone, njobs, job_name(b, s->job),
					rs->secs);
			else
				pw_error("build: %s: %s (log: %s/%s.log)", job_name(b, s->job),
					 rs->error, b->logs, job_name(b, s->job));
			s->pid = -1;
			running--;
		}
		if (redraw)
			live_draw(&lv, b, slots, width);
	}
	live_clear(&lv);
	free(slots);
	return ret;
}

/* ---- the action cache ---- */

/* The parts every action's key shares: the root that runs it, the source,
 * the config, the version and SOURCE_DATE_EPOCH, every variable the steps
 * see, pinwheel and its deflate. */
static void key_common(struct build *b, size_t ti, struct pw_ac_key *k)
{
	struct pw_sandbox_spec s;
	char sde[32];

	pw_ac_key_add(k, "pinwheel", PW_VERSION);
#ifdef PW_HAVE_PIPELINE
	pw_ac_key_add(k, "deflate", pw_wheel_deflate_id());
#endif
	pw_ac_key_add(k, "root", b->plans[ti].id);
	pw_ac_key_add(k, "source", b->src.tree);
	pw_ac_key_add(k, "config", b->c.digest);
	pw_ac_key_add(k, "version", b->version ? b->version : "");
	snprintf(sde, sizeof(sde), "%lld", (long long)b->sde);
	pw_ac_key_add(k, "SOURCE_DATE_EPOCH", sde);
	base_spec(b, ti, &s);
	for (size_t i = 0; i < s.n_env; i++)
		pw_ac_key_add(k, "env", s.env[i]);
	pw_sandbox_spec_release(&s);
}

static void sdist_key(struct build *b, char hex[PW_SHA256_HEX])
{
	struct pw_ac_key k;

	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "action", "sdist");
	key_common(b, b->sdist_ti, &k);
	pw_ac_key_final(&k, hex);
}

static void target_key(struct build *b, size_t ti, char hex[PW_SHA256_HEX])
{
	struct pw_ac_key k;

	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "action", "wheel");
	pw_ac_key_add(&k, "target", b->c.targets[ti].id);
	key_common(b, ti, &k);
	pw_ac_key_add(&k, "sdist", b->sdist_sha);
	pw_ac_key_final(&k, hex);
}

/* Materialise output @i of @rec as @dest (through WORK, then one rename,
 * so OUT never holds half a file). */
static int take_output(struct build *b, const struct pw_ac_record *rec, size_t i,
		       const char *dest, struct pw_err *e)
{
	_cleanup_free_ char *tmp = pw_xasprintf("%s/cached-%s", b->work, rec->outputs[i].name);
	int r = pw_ac_materialize(b->ac, rec, i, tmp, e);

	if (r == 0 && rename(tmp, dest) < 0)
		r = pw_err_sys(e, errno, "could not rename '%s' to '%s'", tmp, dest);
	return r;
}

/* The log of a hit: a first line saying where it came from, then the
 * original build's log. */
static int take_log(struct build *b, const struct pw_ac_record *rec, size_t i,
		    const char *name, struct pw_err *e)
{
	_cleanup_free_ char *orig = pw_xasprintf("%s/cached-%s", b->work, rec->outputs[i].name),
			    *tmp = pw_xasprintf("%s/log-%s.log", b->work, name),
			    *dest = pw_xasprintf("%s/%s.log", b->logs, name);
	struct pw_buf in = PW_BUF_INIT(1u << 30);
	_cleanup_close_ int fd = -1;
	int r;

	r = pw_ac_materialize(b->ac, rec, i, orig, e);
	if (r < 0)
		return r;
	r = pw_read_file(orig, &in);
	if (r < 0) {
		pw_buf_release(&in);
		return pw_err_sys(e, -r, "could not read '%s'", orig);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		pw_buf_release(&in);
		return pw_err_sys(e, errno, "could not create '%s'", tmp);
	}
	dprintf(fd, "pinwheel %s: %s taken from the action cache (key %s); the log of the "
		"build that made it follows\n", PW_VERSION, name, rec->key);
	r = pw_write_all(fd, in.buf, in.len);
	pw_buf_release(&in);
	unlink(orig);
	if (r < 0)
		return pw_err_sys(e, -r, "could not write '%s'", tmp);
	if (rename(tmp, dest) < 0)
		return pw_err_sys(e, errno, "could not rename '%s' to '%s'", tmp, dest);
	return 0;
}

/* Look the sdist up: true on a hit (materialised into sdist_dir). */
static bool sdist_from_cache(struct build *b, char key[PW_SHA256_HEX])
{
	struct pw_ac_record rec;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *dest = NULL;
	int r;

	sdist_key(b, key);
	if (b->o->no_cache)
		return false;
	r = pw_ac_get(b->ac, key, &rec, NULL, &e);
	if (r < 0) {
		if (e.msg[0])
			pw_warn("%s", e.msg);
		return false;
	}
	if (rec.n != 2 || strlen(rec.outputs[0].name) >= sizeof(b->sdist)) {
		pw_ac_record_release(&rec);
		return false;
	}
	dest = pw_path_join(b->sdist_dir, rec.outputs[0].name);
	r = take_output(b, &rec, 0, dest, &e);
	if (r == 0)
		r = take_log(b, &rec, 1, "sdist", &e);
	if (r == 0) {
		snprintf(b->sdist, sizeof(b->sdist), "%s", rec.outputs[0].name);
		memcpy(b->sdist_sha, rec.outputs[0].sha256, PW_SHA256_HEX);
	} else {
		pw_warn("action cache: %s: rebuilding", e.msg);
		unlink(dest);
	}
	pw_ac_record_release(&rec);
	return r == 0;
}

/* Look target @ti up: true on a hit (wheel in OUT, its log in logs/). */
static bool target_from_cache(struct build *b, size_t ti, struct target_result *res)
{
	struct pw_ac_record rec;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *tmp = NULL;
	const char *s;
	double t0 = now_s();
	int r;

	target_key(b, ti, res->key);
	if (b->o->no_cache)
		return false;
	r = pw_ac_get(b->ac, res->key, &rec, NULL, &e);
	if (r < 0) {
		if (e.msg[0])
			pw_warn("%s", e.msg);
		return false;
	}
	if (rec.n != 2 || strlen(rec.outputs[0].name) >= sizeof(res->wheel)) {
		pw_ac_record_release(&rec);
		return false;
	}
	/* The wheel goes to OUT through the same check as a built one: its
	 * bytes match the record's digest (pw_ac_materialize) and its RECORD
	 * its members (publish_wheel).  A wheel that fails costs the record. */
	tmp = pw_xasprintf("%s/cached-%s", b->work, rec.outputs[0].name);
	r = pw_ac_materialize(b->ac, &rec, 0, tmp, &e);
	if (r == 0)
		r = take_log(b, &rec, 1, b->c.targets[ti].id, &e);
	if (r == 0) {
		bool bad;

		r = publish_wheel(b, tmp, rec.outputs[0].name, res, &bad, &e);
		if (bad) {
			struct pw_err de = PW_ERR_INIT;

			snprintf(res->rejected, sizeof(res->rejected), "%s", e.msg);
			if (pw_ac_drop(b->ac, res->key, &de) < 0)
				pw_warn("action cache: %s", de.msg);
			pw_err_prefix(&e, "the cached wheel of %s is rejected", b->c.targets[ti].id);
		}
	}
	if (r < 0) {
		pw_warn("action cache: %s: rebuilding %s", e.msg, b->c.targets[ti].id);
		unlink(tmp);
		pw_ac_record_release(&rec);
		return false;
	}
	res->done = res->ok = res->cached = true;
	snprintf(res->wheel, sizeof(res->wheel), "%s", rec.outputs[0].name);
	s = json_string_value(json_object_get(rec.meta, "tag"));
	snprintf(res->tag, sizeof(res->tag), "%s", s ? s : "?");
	s = json_string_value(json_object_get(rec.meta, "smoke"));
	snprintf(res->smoke, sizeof(res->smoke), "%s", s ? s : "passed");
	res->secs = now_s() - t0;
	pw_ac_record_release(&rec);
	return true;
}

/* The log of a target whose cached wheel was rejected says so (after
 * what its rebuild wrote). */
static void note_rejected(struct build *b, size_t ti, const struct target_result *res)
{
	_cleanup_free_ char *p = pw_xasprintf("%s/%s.log", b->logs, b->c.targets[ti].id);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		dprintf(fd, "\n==== pinwheel: this build replaced the action cache's wheel, which "
			"was rejected: %s\n", res->rejected);
}

/* Record a fresh result: @files (the output and its log) under @key. */
static void cache_put(struct build *b, const char *key, const char *target, const char *file,
		      const char *logname, json_t *meta)
{
	char *names[2];
	struct pw_ac_output outs[2];
	struct pw_ac_record rec;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *fpath = NULL, *lpath = NULL;
	const char *paths[2];
	int r;

	if (b->o->no_cache_write) {
		json_decref(meta);
		return;
	}
	memset(outs, 0, sizeof(outs));
	memset(&rec, 0, sizeof(rec));
	names[0] = pw_xstrdup(file);
	names[1] = pw_xasprintf("%s.log", logname);
	fpath = pw_path_join(file == b->sdist ? b->sdist_dir : b->out, file);
	lpath = pw_xasprintf("%s/%s.log", b->logs, logname);
	paths[0] = fpath;
	paths[1] = lpath;
	outs[0].name = names[0];
	outs[1].name = names[1];
	memcpy(rec.key, key, PW_SHA256_HEX);
	rec.target = pw_xstrdup(target);
	rec.outputs = outs;
	rec.n = 2;
	rec.meta = meta;
	r = pw_ac_put(b->ac, &rec, paths, &e);
	if (r < 0)
		pw_warn("action cache: could not record %s: %s", target, e.msg);
	else if (e.msg[0])
		pw_warn("%s", e.msg);
	free(names[0]);
	free(names[1]);
	free(rec.target);
	json_decref(rec.meta);
}

/* ---- set-up, summary, manifest ---- */

int pw_shard_parse(const char *s, unsigned *k, unsigned *n)
{
	uint64_t a, c;
	const char *slash = strchr(s, '/');
	_cleanup_free_ char *head = NULL;

	if (!slash)
		return -EINVAL;
	head = pw_xasprintf("%.*s", (int)(slash - s), s);
	if (pw_parse_u64(head, &a) < 0 || pw_parse_u64(slash + 1, &c) < 0 || a < 1 || c < 1 ||
	    a > c || c > 4096)
		return -EINVAL;
	*k = (unsigned)a;
	*n = (unsigned)c;
	return 0;
}

size_t pw_shard_select(bool *sel, size_t n, unsigned k, unsigned nshards)
{
	size_t pos = 0, kept = 0;

	for (size_t i = 0; i < n; i++) {
		if (!sel[i])
			continue;
		sel[i] = pos % nshards == k - 1;
		kept += sel[i];
		pos++;
	}
	return kept;
}

static int prepare(struct build *b, struct pw_err *e, int *status)
{
	const struct pw_build_opts *o = b->o;
	_cleanup_free_ char *lockpath = NULL, *storedir = NULL, *cache = NULL;
	struct pw_seccomp_opts so = {0};
	int r, nsel;

	*status = PW_EXIT_USAGE;
	r = pw_config_load(o->dir, &b->c, e);
	if (r < 0)
		return r;
	lockpath = pw_path_join(b->c.dir, PW_LOCK_FILE);
	r = pw_lock_load(lockpath, &b->lf, e);
	if (r == -ENOENT)
		return pw_err_set(e, ENOENT, "no '%s': run 'pinwheel lock' first", lockpath);
	if (r < 0)
		return r;
	if (strcmp(b->lf.config_digest, b->c.digest))
		return pw_err_set(e, ESTALE,
				  "'%s' is stale: pinwheel.json changed since it was written; run "
				  "'pinwheel lock'",
				  lockpath);
	b->sel = pw_xcalloc(b->c.ntargets + 1, sizeof(bool));
	nsel = pw_config_select(&b->c, o->only, o->nonly, o->skip, o->nskip, b->sel, e);
	if (nsel < 0)
		return nsel;
	if (nsel == 0)
		return pw_err_set(e, ENOENT, "no target selected");
	/* The sdist comes from the first selected target's root in every
	 * shard, so all shards build wheels from the same sdist. */
	while (!b->sel[b->sdist_ti])
		b->sdist_ti++;
	b->nsel = (size_t)nsel;
	if (o->shard_n) {
		b->nsel = pw_shard_select(b->sel, b->c.ntargets, o->shard_k, o->shard_n);
		if (!b->nsel) {
			*status = PW_EXIT_OK;
			return 0;
		}
	}
	storedir = o->store_dir ? pw_xstrdup(o->store_dir) : NULL;
	if (!storedir)
		return pw_err_set(e, EINVAL, "no store directory: use --store or $PINWHEEL_STORE");
	b->store = pw_store_open(storedir, e);
	if (!b->store)
		return -errno;
	r = pw_lock_check_blobs(lockpath, &b->lf, pw_store_dir(b->store), e);
	if (r < 0)
		return r;
	*status = PW_EXIT_FAIL;
	b->plans = pw_xcalloc(b->c.ntargets + 1, sizeof(*b->plans));
	for (size_t i = 0; i < b->c.ntargets; i++) {
		const struct pw_root *root;

		if (!b->sel[i] && i != b->sdist_ti)
			continue;
		root = pw_lockset_find_root(&b->lf, b->c.targets[i].id);
		if (!root) {
			*status = PW_EXIT_USAGE;
			return pw_err_set(e, ENOENT,
					  "target '%s' is not in '%s': run 'pinwheel lock'",
					  b->c.targets[i].id, lockpath);
		}
		r = pw_roots_plan(b->store, &b->lf, root, PW_ROOTS_CHECK, &b->plans[i], e);
		if (r == -ENOENT)
			return pw_err_prefix(e, "run 'pinwheel fetch' first");
		if (r == 0) /* a foreign target: every step under its own qemu */
			r = pw_roots_check_emulation(&b->plans[i], e);
		if (r < 0)
			return r;
	}
	b->ac = pw_ac_open(b->store, o->cache_url, e);
	if (!b->ac)
		return -errno;
	cache = pw_path_join(storedir, "cache/seccomp");
	so.cache_dir = cache;
	b->prog = pw_seccomp_compile("build", &so, e);
	if (!b->prog)
		return -errno;
	*status = 0;
	return 0;
}

static bool sdist_in_out(const struct build *b)
{
	return !strcmp(b->sdist_dir, b->out);
}

static void print_table(struct build *b, struct target_result *res)
{
	pw_out("\n%-26s %-8s %-9s %-10s %-12s %-7s %s\n", "target", "status", "smoke", "size",
	       "sha256", "time", "wheel (tag)");
	for (size_t i = 0; i < b->c.ntargets; i++) {
		char sz[24] = "-";

		if (!b->sel[i])
			continue;
		if (res[i].ok)
			pw_format_bytes(res[i].size, sz, sizeof(sz));
		pw_out("%-26s %-8s %-9s %-10s %-12.12s %5.0fs  %s%s%s%s\n", b->c.targets[i].id,
		       res[i].cached ? "cached" : res[i].ok ? "ok" : "FAILED", res[i].smoke, sz,
		       res[i].ok ? res[i].sha256 : "-", res[i].secs,
		       res[i].ok ? res[i].wheel : res[i].error, res[i].ok ? " (" : "",
		       res[i].ok ? res[i].tag : "", res[i].ok ? ")" : "");
	}
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && res[i].rejected[0])
			pw_out("%-26s the action cache's wheel was rejected (%s)\n",
			       b->c.targets[i].id, res[i].rejected);
	if (b->sdist[0])
		pw_out("%-26s %-8s %-9s %-10s %-12.12s %7s  %s%s\n", "sdist",
		       b->sdist_cached ? "cached" : "ok", "-", "", b->sdist_sha, "", b->sdist,
		       sdist_in_out(b) ? "" : " (not in OUT: shard 1 writes it)");
}

static void print_json(struct build *b, struct target_result *res, bool ok)
{
	json_t *j = json_object(), *ts = json_array();

	for (size_t i = 0; i < b->c.ntargets; i++) {
		_cleanup_free_ char *log = NULL;

		if (!b->sel[i])
			continue;
		log = pw_xasprintf("%s/%s.log", b->logs, b->c.targets[i].id);
		json_array_append_new(
		    ts, json_pack("{s:s,s:b,s:b,s:s?,s:s?,s:I,s:s?,s:s,s:f,s:s?,s:s,s:s?}",
				  "target", b->c.targets[i].id, "ok", res[i].ok, "cached",
				  res[i].cached, "wheel", res[i].ok ? res[i].wheel : NULL, "tag",
				  res[i].ok ? res[i].tag : NULL, "size", (json_int_t)res[i].size,
				  "sha256", res[i].ok ? res[i].sha256 : NULL, "smoke",
				  res[i].smoke, "seconds", res[i].secs, "error",
				  res[i].ok ? NULL : res[i].error, "log", log, "cache_rejected",
				  res[i].rejected[0] ? res[i].rejected : NULL));
	}
	json_object_set_new(j, "ok", json_boolean(ok));
	json_object_set_new(j, "out", json_string(b->out));
	json_object_set_new(j, "targets", ts);
	if (b->sdist[0])
		json_object_set_new(j, "sdist",
				    json_pack("{s:s,s:s,s:b,s:b}", "file", b->sdist, "sha256",
					      b->sdist_sha, "cached", b->sdist_cached, "in_out",
					      sdist_in_out(b)));
	if (b->o->shard_n)
		json_object_set_new(j, "shard", json_pack("{s:i,s:i}", "k", (int)b->o->shard_k,
							  "n", (int)b->o->shard_n));
	if (b->version)
		json_object_set_new(j, "version", json_string(b->version));
	json_object_set_new(j, "source_tree", json_string(b->src.tree));
	json_object_set_new(j, "manifest", json_string("pinwheel-manifest.json"));
	pw_json_print(j, true);
	json_decref(j);
}

static int write_manifest(struct build *b, struct target_result *res, struct pw_err *e)
{
	struct pw_manifest m = {0};
	_cleanup_free_ char *path = pw_path_join(b->out, "pinwheel-manifest.json"),
			    *lockpath = pw_path_join(b->c.dir, PW_LOCK_FILE), *uri = NULL;
	char locksha[PW_SHA256_HEX];
	const char **targets;
	int r;

	m.subjects = pw_xcalloc(b->c.ntargets + 2, sizeof(*m.subjects));
	m.deps = pw_xcalloc(b->lf.n + 1, sizeof(*m.deps));
	targets = pw_xcalloc(b->c.ntargets + 1, sizeof(*targets));
	for (size_t i = 0; i < b->c.ntargets; i++) {
		if (!b->sel[i])
			continue;
		targets[m.ntargets++] = b->c.targets[i].id;
		if (!res[i].ok)
			continue;
		m.subjects[m.nsubjects].name = res[i].wheel;
		memcpy(m.subjects[m.nsubjects++].sha256, res[i].sha256, PW_SHA256_HEX);
	}
	if (b->sdist[0] && sdist_in_out(b)) {
		m.subjects[m.nsubjects].name = b->sdist;
		memcpy(m.subjects[m.nsubjects++].sha256, b->sdist_sha, PW_SHA256_HEX);
	}
	for (size_t i = 0; i < b->lf.n; i++) {
		m.deps[m.ndeps].uri = b->lf.artifacts[i].nurls ? b->lf.artifacts[i].urls[0] : "";
		m.deps[m.ndeps].name = b->lf.artifacts[i].name;
		memcpy(m.deps[m.ndeps++].sha256, b->lf.artifacts[i].sha256, PW_SHA256_HEX);
	}
	if (b->src.commit)
		uri = pw_xasprintf("git+commit:%s", b->src.commit);
	m.source_uri = uri;
	m.source_tree = b->src.tree;
	m.version = b->version;
	m.config_digest = b->c.digest;
	if (sha256_file(lockpath, locksha, NULL) == 0)
		m.lock_sha256 = locksha;
	m.targets = targets;
	m.sde = b->sde;
#ifdef PW_HAVE_PIPELINE
	m.deflate_id = pw_wheel_deflate_id();
#endif
	r = pw_manifest_write(&m, path, e);
	free(m.subjects);
	free(m.deps);
	free(targets);
	return r;
}

static void build_release(struct build *b)
{
	if (b->work)
		pw_rm_rf(b->work);
	for (size_t i = 0; b->plans && i < b->c.ntargets; i++)
		pw_root_plan_release(&b->plans[i]);
	free(b->plans);
	free(b->sel);
	pw_seccomp_prog_free(b->prog);
	pw_ac_close(b->ac);
	if (b->store)
		pw_store_close(b->store);
	pw_source_release(&b->src);
	free(b->src_dir);
	pw_pep517_release(&b->pep);
	free(b->projdir);
	free(b->out);
	free(b->logs);
	free(b->work);
	free(b->sdist_dir);
	free(b->version);
	pw_lockset_release(&b->lf);
	pw_config_release(&b->c);
}

static unsigned cpu_count(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* Export the source and settle version and SOURCE_DATE_EPOCH. */
static int export_source(struct build *b, struct pw_err *e)
{
	const char *cv;
	uint64_t v;

	b->src_dir = pw_path_join(b->work, "source");
	if (mkdir(b->src_dir, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", b->src_dir);
	if (pw_source_export(b->projdir, b->src_dir, b->out, &b->src, e) < 0)
		return e->code ? -e->code : pw_err_sys(e, errno, "export '%s'", b->projdir);
	cv = config_env(&b->c, "SETUPTOOLS_SCM_PRETEND_VERSION");
	b->version = pw_xstrdup(cv ? cv : b->src.version ? b->src.version : "");
	if (!*b->version) {
		free(b->version);
		b->version = NULL;
	}
	cv = config_env(&b->c, "SOURCE_DATE_EPOCH");
	b->sde = b->src.sde >= 0 ? b->src.sde : PW_SDE_DEFAULT;
	if (cv && pw_parse_u64(cv, &v) == 0 && v < INT64_MAX)
		b->sde = (int64_t)v;
	return 0;
}

/* The sdist: from the cache or built by a worker (then recorded). */
static int make_sdist(struct build *b, struct target_result *res)
{
	char key[PW_SHA256_HEX];
	size_t job = SDIST_JOB(b);
	json_t *meta;

	if (sdist_from_cache(b, key)) {
		b->sdist_cached = true;
		pw_info("sdist: %s (cached)", b->sdist);
		return 0;
	}
	pw_info("sdist: build_sdist of %s in the root of %s", b->pep.backend,
		b->c.targets[b->sdist_ti].id);
	if (run_jobs(b, &job, 1, 1, res) < 0)
		return -EINTR;
	if (!res[job].ok)
		return -EIO; /* run_jobs() said why */
	snprintf(b->sdist, sizeof(b->sdist), "%s", res[job].wheel);
	memcpy(b->sdist_sha, res[job].sha256, PW_SHA256_HEX);
	meta = json_pack("{s:s,s:f}", "root_target", b->c.targets[b->sdist_ti].id, "seconds",
			 res[job].secs);
	cache_put(b, key, "sdist", b->sdist, "sdist", meta);
	return 0;
}

int pw_build_run(const struct pw_build_opts *o)
{
	struct build b;
	struct pw_err e = PW_ERR_INIT;
	struct target_result *res = NULL;
	struct sigaction sa, old_int, old_term;
	struct pw_workdir wd = PW_WORKDIR_INIT;
	size_t *jobs = NULL, njobs = 0, width;
	unsigned ncpu = cpu_count();
	bool ok = true;
	int status, r;

	memset(&b, 0, sizeof(b));
	b.o = o;
	got_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	r = prepare(&b, &e, &status);
	if (r < 0) {
		pw_error("build: %s", e.msg);
		goto out;
	}
	if (!b.nsel) {
		pw_info("shard %u/%u has no targets: nothing to build", o->shard_k, o->shard_n);
		if (pw_log_json()) {
			json_t *j = json_pack("{s:b,s:[],s:{s:i,s:i}}", "ok", true, "targets",
					      "shard", "k", (int)o->shard_k, "n", (int)o->shard_n);
			if (j)
				pw_json_print(j, true);
			json_decref(j);
		}
		goto out;
	}
	status = PW_EXIT_FAIL;
	b.projdir = pw_path_join(b.c.dir, b.c.project);
	b.out = o->out ? pw_xstrdup(o->out) : pw_path_join(b.projdir, "wheelhouse");
	b.logs = pw_path_join(b.out, "logs");
	r = pw_mkdir_p(b.logs, 0755);
	if (r < 0) {
		pw_error("build: '%s': %s", b.logs, strerror(-r));
		goto out;
	}
	{
		char *abs = realpath(b.out, NULL);

		if (abs) {
			free(b.out);
			b.out = abs;
			free(b.logs);
			b.logs = pw_path_join(b.out, "logs");
		}
	}
	/* Locked while this run lives (workers share the lock), so the next
	 * run into OUT removes it if we are killed, and never while we run. */
	r = pw_workdir_make(&wd, b.out, ".pinwheel-build.", false);
	if (r < 0) {
		pw_error("build: could not make a work directory in '%s': %s", b.out, strerror(-r));
		goto out;
	}
	b.work = steal_pointer(&wd.path);
	/* Shards after the first build the sdist for their wheels but leave
	 * it out of OUT (shard 1 writes it). */
	if (o->shard_n && o->shard_k > 1) {
		b.sdist_dir = pw_path_join(b.work, "sdist");
		if (mkdir(b.sdist_dir, 0755) < 0) {
			pw_error("build: '%s': %s", b.sdist_dir, strerror(errno));
			goto out;
		}
	} else {
		b.sdist_dir = pw_xstrdup(b.out);
	}
	if (export_source(&b, &e) < 0) {
		pw_error("build: %s", e.msg);
		goto out;
	}
	pw_info("source: %s (%llu files, tree %.16s), version %s, SOURCE_DATE_EPOCH %lld",
		b.src.is_git ? "git ls-files" : "directory", (unsigned long long)b.src.files,
		b.src.tree, b.version ? b.version : "from the backend", (long long)b.sde);
	if (o->shard_n)
		pw_info("shard %u/%u: %zu of the selected targets", o->shard_k, o->shard_n, b.nsel);
	r = pw_pep517_read(b.src_dir, &b.pep, &e);
	if (r < 0) {
		pw_error("build: %s", e.msg);
		status = PW_EXIT_USAGE;
		goto out;
	}
	res = pw_xcalloc(b.c.ntargets + 2, sizeof(*res));
	if (make_sdist(&b, res) < 0)
		goto out;
	jobs = pw_xcalloc(b.c.ntargets + 1, sizeof(*jobs));
	for (size_t i = 0; i < b.c.ntargets && !got_signal; i++) {
		if (!b.sel[i])
			continue;
		snprintf(res[i].smoke, sizeof(res[i].smoke), "-");
		if (target_from_cache(&b, i, &res[i]))
			pw_info("%s: cached (%s)", b.c.targets[i].id, res[i].wheel);
		else
			jobs[njobs++] = i;
	}
	width = o->jobs ? o->jobs : ncpu;
	if (o->jobs > ncpu && njobs > ncpu)
		pw_warn("--jobs %u is more than the %u CPUs here: targets will compete for them",
			o->jobs, ncpu);
	if (width > njobs)
		width = njobs;
	if (njobs && !got_signal)
		pw_info("building %zu target%s, %zu at a time (each step sees %s jobs)", njobs,
			njobs == 1 ? "" : "s", width, BUILD_JOBS);
	if (!got_signal && run_jobs(&b, jobs, njobs, width, res) < 0)
		goto out;
	for (size_t k = 0; k < njobs && !got_signal; k++) {
		size_t i = jobs[k];
		json_t *meta;

		if (res[i].rejected[0])
			note_rejected(&b, i, &res[i]);
		if (!res[i].ok)
			continue;
		meta = json_pack("{s:s,s:s,s:f}", "tag", res[i].tag, "smoke", res[i].smoke,
				 "seconds", res[i].secs);
		cache_put(&b, res[i].key, b.c.targets[i].id, res[i].wheel, b.c.targets[i].id,
			  meta);
	}
	if (got_signal)
		goto out;
	for (size_t i = 0; i < b.c.ntargets; i++)
		if (b.sel[i] && !res[i].ok)
			ok = false;
	if (write_manifest(&b, res, &e) < 0) {
		pw_error("build: %s", e.msg);
		ok = false;
	}
	if (pw_log_json())
		print_json(&b, res, ok);
	else if (pw_log_verbosity() >= 0)
		print_table(&b, res);
	status = ok ? PW_EXIT_OK : PW_EXIT_FAIL;
out:
	free(jobs);
	free(res);
	build_release(&b); /* removes the work directory, then: */
	pw_workdir_release(&wd, false);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (got_signal) {
		pw_error("build: stopped by %s: workers killed, their temp files removed",
			 got_signal == SIGINT ? "SIGINT" : "SIGTERM");
		status = 128 + got_signal;
	}
	return status;
}
