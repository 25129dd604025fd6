/* build.c - `pinwheel build` orchestration: config and lock, the source
 * export, the sdist, one worker process per target (PEP 517 build_wheel in
 * the target's sandbox, the wheel pipeline, the smoke test), the summary
 * and the manifest.  docs/build.md describes the flow for users. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "pinwheel/build.h"
#include "pinwheel/buf.h"
#include "pinwheel/cli.h"
#include "pinwheel/config.h"
#include "pinwheel/crates.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/store.h"
#include "pinwheel/unpack.h"
#ifdef PW_HAVE_PIPELINE
#include "pinwheel/audit.h"
#include "pinwheel/wheel.h"
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
};

struct build {
	const struct pw_build_opts *o;
	struct pw_config c;
	struct pw_lockfile lf;
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
	char sdist[256]; /* file name in OUT */
	char sdist_sha[PW_SHA256_HEX];
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

static char *python_of(const struct pw_target *t)
{
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

/* The one file in @dir ending with @suffix.  Caller frees the name. */
static char *single_output(const char *dir, const char *suffix, struct pw_err *e)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL, *found = NULL;
	size_t n = 0, i, k = 0, sl = strlen(suffix);

	if (fd < 0 || pw_list_dir_sorted(fd, &names, &n) < 0) {
		pw_err_sys(e, errno, "'%s'", dir);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]);

		if (l > sl && !strcmp(names[i] + l - sl, suffix) && names[i][0] != '.') {
			k++;
			free(found);
			found = pw_xstrdup(names[i]);
		}
	}
	pw_free_names(names, n);
	if (k != 1) {
		pw_err_set(e, ENOENT, "the backend left %zu '*%s' files, expected one", k, suffix);
		free(found);
		errno = ENOENT;
		return NULL;
	}
	return found;
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

static int build_sdist(struct build *b, size_t ti, struct pw_err *e)
{
	struct pw_sandbox_spec s;
	_cleanup_free_ char *outdir = pw_path_join(b->work, "sdist-out"), *name = NULL,
			    *in = NULL, *outp = NULL;
	char **argv = NULL;
	_cleanup_close_ int logfd = -1;
	int r;

	logfd = open_log(b, "sdist", e);
	if (logfd < 0)
		return logfd;
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
		_cleanup_free_ char *py = python_of(&b->c.targets[ti]);

		argv = pw_pep517_argv(py, "build_sdist", "/out", &b->pep);
		r = run_step(&s, argv, logfd, "build_sdist", e);
	}
	pw_sandbox_spec_release(&s);
	pw_strv_free(argv);
	if (r < 0)
		return r;
	name = single_output(outdir, ".tar.gz", e);
	if (!name)
		return -ENOENT;
	if (strlen(name) >= sizeof(b->sdist))
		return pw_err_set(e, ENAMETOOLONG, "sdist name '%s' too long", name);
	in = pw_path_join(outdir, name);
	outp = pw_path_join(b->out, name);
#ifdef PW_HAVE_SDIST
	r = pw_sdist_normalize(in, outp, b->sde, e);
#else
	r = rename(in, outp) < 0 ? pw_err_sys(e, errno, "'%s'", outp) : 0;
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

/* The cargo configuration: crates-io replaced by the vendored crates of
 * the root, when it has them. */
static int cargo_home(struct build *b, size_t ti, const char *srcdir, const char *home,
		      struct pw_err *e)
{
	const struct pw_root_plan *p = &b->plans[ti];
	struct pw_cargo_lock l = {0};
	_cleanup_free_ char *lock = pw_path_join(srcdir, "Cargo.lock"), *cfg = NULL,
			    *path = NULL;
	bool vendored = false;
	int r;

	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->trees[i].dest, PW_CRATES_DEST))
			vendored = true;
	if (!vendored)
		return 0;
	if (access(lock, F_OK) == 0) {
		r = pw_cargo_lock_load(lock, &l, e);
		if (r < 0)
			return r;
	}
	cfg = pw_crates_cargo_config(&l, PW_CRATES_DEST);
	pw_cargo_lock_release(&l);
	path = pw_path_join(home, "config.toml");
	r = pw_write_file_atomic(path, cfg, strlen(cfg), 0644);
	return r < 0 ? pw_err_sys(e, -r, "'%s'", path) : 0;
}

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

/* Unpack, audit, repair, retag and pack the backend's wheel @in into
 * @outdir; the packed name goes to r->wheel and the extension modules to
 * *mods (NULL-ended). */
static int pipeline(struct build *b, size_t ti, const char *in, const char *tdir,
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
	r = pw_wheel_open(in, &w, e);
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
/* Without the wheel pipeline (branches wheel, audit, repair): the wheel as
 * the backend made it. */
static int pipeline(struct build *b, size_t ti, const char *in, const char *tdir,
		    const char *outdir, struct target_result *res, char ***mods, int logfd,
		    struct pw_err *e)
{
	const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
	_cleanup_free_ char *outp = pw_path_join(outdir, base);

	(void)b;
	(void)ti;
	(void)tdir;
	dprintf(logfd, "==== pinwheel: the wheel pipeline is not part of this build\n");
	if (rename(in, outp) < 0)
		return pw_err_sys(e, errno, "'%s'", outp);
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
	_cleanup_free_ char *py = python_of(&b->c.targets[ti]),
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

static int build_target(struct build *b, size_t ti, struct target_result *res, int logfd,
			struct pw_err *e)
{
	const struct pw_target *t = &b->c.targets[ti];
	_cleanup_free_ char *tdir = pw_path_join(b->work, t->id), *src = NULL, *out = NULL,
			    *cargo = NULL, *final = NULL, *sdist = NULL, *py = NULL,
			    *whl = NULL, *whlp = NULL, *dst = NULL;
	struct pw_unpack_opts uo = {.strip = 1};
	struct pw_sandbox_spec s;
	char **argv = NULL, **mods = NULL;
	_cleanup_close_ int sfd = -1, dfd = -1;
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
	sdist = pw_path_join(b->out, b->sdist);
	sfd = open(sdist, O_RDONLY | O_CLOEXEC);
	dfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || dfd < 0)
		return pw_err_sys(e, errno, "'%s'", sfd < 0 ? sdist : src);
	r = pw_unpack_fd(sfd, dfd, &uo, NULL, e);
	if (r < 0)
		return pw_err_prefix(e, "unpack '%s'", b->sdist);
	r = cargo_home(b, ti, src, cargo, e);
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
		py = python_of(t);
		argv = pw_pep517_argv(py, "build_wheel", "/out", &b->pep);
		r = run_step(&s, argv, logfd, "build_wheel", e);
	}
	pw_strv_free(argv);
	pw_sandbox_spec_release(&s);
	if (r < 0)
		return r;
	whl = single_output(out, ".whl", e);
	if (!whl)
		return -ENOENT;
	whlp = pw_path_join(out, whl);
	if (progress_fd >= 0)
		dprintf(progress_fd, "S audit, tag, repack\n");
	r = pipeline(b, ti, whlp, tdir, final, res, &mods, logfd, e);
	if (r < 0)
		return r;
	r = smoke(b, ti, final, res->wheel, mods, logfd, e);
	pw_strv_free(mods);
	if (r < 0) {
		snprintf(res->smoke, sizeof(res->smoke), "failed");
		return r;
	}
	snprintf(res->smoke, sizeof(res->smoke), "passed");
	free(whlp);
	whlp = pw_path_join(final, res->wheel);
	r = sha256_file(whlp, res->sha256, &res->size);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s'", whlp);
	dst = pw_path_join(b->out, res->wheel);
	if (rename(whlp, dst) < 0)
		return pw_err_sys(e, errno, "'%s'", dst);
	return 0;
}

/* The worker: build target @ti, write its result record to @fd. */
static void worker(struct build *b, size_t ti, int fd)
{
	struct target_result res;
	struct pw_err e = PW_ERR_INIT;
	json_t *j;
	char *txt;
	double t0 = now_s();
	int logfd, r;

	memset(&res, 0, sizeof(res));
	snprintf(res.smoke, sizeof(res.smoke), "-");
	progress_fd = fd;
	logfd = open_log(b, b->c.targets[ti].id, &e);
	r = logfd < 0 ? logfd : build_target(b, ti, &res, logfd, &e);
	if (logfd >= 0 && r < 0)
		dprintf(logfd, "\npinwheel: %s: %s\n", b->c.targets[ti].id, e.msg);
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

/* On a TTY, a line per step as workers report them (complete "S STEP"
 * lines that arrived after byte @from of @buf). */
static void show_steps(struct build *b, size_t ti, const struct pw_buf *buf, size_t from)
{
	size_t i = from;

	if (!pw_log_progress_enabled())
		return;
	while (i > 0 && buf->buf[i - 1] != '\n')
		i--;
	while (i < buf->len) {
		const char *nl = memchr(buf->buf + i, '\n', buf->len - i);

		if (!nl)
			break;
		if (!strncmp(buf->buf + i, "S ", 2) && (size_t)(nl - buf->buf) >= from)
			pw_info("  %s: %.*s", b->c.targets[ti].id, (int)(nl - buf->buf - i - 2),
				buf->buf + i + 2);
		i = (size_t)(nl - buf->buf) + 1;
	}
}

/* Fork a worker per selected target, at most o->jobs at a time. */
static void run_workers(struct build *b, struct target_result *res)
{
	struct slot {
		pid_t pid;
		int fd;
		size_t ti;
		struct pw_buf buf;
	} *slots;
	size_t next = 0, running = 0, nsel = 0, ndone = 0, jobs = b->o->jobs ? b->o->jobs : 1;

	for (size_t i = 0; i < b->c.ntargets; i++)
		nsel += b->sel[i];
	slots = pw_xcalloc(jobs, sizeof(*slots));
	for (size_t k = 0; k < jobs; k++)
		slots[k].pid = -1;
	fflush(stdout);
	fflush(stderr);
	for (;;) {
		struct pollfd pfd[64];
		size_t np = 0;

		for (size_t k = 0; k < jobs && k < 64; k++) {
			int p[2];
			pid_t pid;

			if (slots[k].pid >= 0)
				continue;
			while (next < b->c.ntargets && !b->sel[next])
				next++;
			if (next >= b->c.ntargets)
				break;
			if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
				snprintf(res[next].error, sizeof(res[next].error),
					 "could not start a worker: %s", strerror(errno));
				res[next].done = true;
				next++;
				continue;
			}
			if (pid == 0) {
				close(p[0]);
				worker(b, next, p[1]);
				_exit(0);
			}
			close(p[1]);
			pw_info("building %s (log: %s/%s.log)", b->c.targets[next].id, b->logs,
				b->c.targets[next].id);
			slots[k] = (struct slot){pid, p[0], next, PW_BUF_INIT(RESULT_MAX)};
			running++;
			next++;
		}
		if (!running)
			break;
		for (size_t k = 0; k < jobs && k < 64; k++)
			if (slots[k].pid >= 0)
				pfd[np++] = (struct pollfd){.fd = slots[k].fd, .events = POLLIN};
		if (poll(pfd, np, -1) < 0 && errno != EINTR)
			break;
		for (size_t k = 0; k < jobs && k < 64; k++) {
			char tmp[1024];
			ssize_t n;

			if (slots[k].pid < 0)
				continue;
			n = read(slots[k].fd, tmp, sizeof(tmp));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n > 0) {
				size_t before = slots[k].buf.len;

				pw_buf_add(&slots[k].buf, tmp, (size_t)n);
				show_steps(b, slots[k].ti, &slots[k].buf, before);
				continue;
			}
			/* EOF: the worker is done. */
			while (waitpid(slots[k].pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(slots[k].fd);
			read_result(&res[slots[k].ti], slots[k].buf.buf, slots[k].buf.len);
			pw_buf_release(&slots[k].buf);
			ndone++;
			if (res[slots[k].ti].ok)
				pw_info("[%zu/%zu] %s: ok", ndone, nsel, b->c.targets[slots[k].ti].id);
			else
				pw_error("build: %s: %s (log: %s/%s.log)",
					 b->c.targets[slots[k].ti].id, res[slots[k].ti].error,
					 b->logs, b->c.targets[slots[k].ti].id);
			slots[k].pid = -1;
			running--;
		}
	}
	free(slots);
}

/* ---- set-up, summary, manifest ---- */

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
	r = pw_lockfile_load(lockpath, &b->lf, e);
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
	storedir = o->store_dir ? pw_xstrdup(o->store_dir) : NULL;
	if (!storedir)
		return pw_err_set(e, EINVAL, "no store directory: use --store or $PINWHEEL_STORE");
	b->store = pw_store_open(storedir, e);
	if (!b->store)
		return -errno;
	*status = PW_EXIT_FAIL;
	b->plans = pw_xcalloc(b->c.ntargets + 1, sizeof(*b->plans));
	for (size_t i = 0; i < b->c.ntargets; i++) {
		const struct pw_root *root;

		if (!b->sel[i])
			continue;
		root = pw_roots_find(&b->lf, b->c.targets[i].id);
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
	cache = pw_path_join(storedir, "cache/seccomp");
	so.cache_dir = cache;
	b->prog = pw_seccomp_compile("build", &so, e);
	if (!b->prog)
		return -errno;
	*status = 0;
	return 0;
}

static void print_table(struct build *b, struct target_result *res)
{
	printf("\n%-26s %-8s %-9s %-10s %-12s %-7s %s\n", "target", "status", "smoke", "size",
	       "sha256", "time", "wheel (tag)");
	for (size_t i = 0; i < b->c.ntargets; i++) {
		char sz[24] = "-";

		if (!b->sel[i])
			continue;
		if (res[i].ok)
			pw_format_bytes(res[i].size, sz, sizeof(sz));
		printf("%-26s %-8s %-9s %-10s %-12.12s %5.0fs  %s%s%s%s\n", b->c.targets[i].id,
		       res[i].ok ? "ok" : "FAILED", res[i].smoke, sz,
		       res[i].ok ? res[i].sha256 : "-", res[i].secs,
		       res[i].ok ? res[i].wheel : res[i].error, res[i].ok ? " (" : "",
		       res[i].ok ? res[i].tag : "", res[i].ok ? ")" : "");
	}
	if (b->sdist[0])
		printf("%-26s %-8s %-9s %-10s %-12.12s %7s  %s\n", "sdist", "ok", "-", "",
		       b->sdist_sha, "", b->sdist);
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
		    ts, json_pack("{s:s,s:b,s:s?,s:s?,s:I,s:s?,s:s,s:f,s:s?,s:s}", "target",
				  b->c.targets[i].id, "ok", res[i].ok,
				  "wheel", res[i].ok ? res[i].wheel : NULL, "tag",
				  res[i].ok ? res[i].tag : NULL, "size", (json_int_t)res[i].size,
				  "sha256", res[i].ok ? res[i].sha256 : NULL, "smoke",
				  res[i].smoke, "seconds", res[i].secs, "error",
				  res[i].ok ? NULL : res[i].error, "log", log));
	}
	json_object_set_new(j, "ok", json_boolean(ok));
	json_object_set_new(j, "out", json_string(b->out));
	json_object_set_new(j, "targets", ts);
	if (b->sdist[0])
		json_object_set_new(j, "sdist", json_pack("{s:s,s:s}", "file", b->sdist,
							  "sha256", b->sdist_sha));
	if (b->version)
		json_object_set_new(j, "version", json_string(b->version));
	json_object_set_new(j, "source_tree", json_string(b->src.tree));
	json_object_set_new(j, "manifest", json_string("pinwheel-manifest.json"));
	{
		char *s = pw_json_dumps(j, true);

		fputs(s, stdout);
		free(s);
	}
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
	if (b->sdist[0]) {
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
	if (b->store)
		pw_store_close(b->store);
	pw_source_release(&b->src);
	free(b->src_dir);
	pw_pep517_release(&b->pep);
	free(b->projdir);
	free(b->out);
	free(b->logs);
	free(b->work);
	free(b->version);
	pw_lockfile_release(&b->lf);
	pw_config_release(&b->c);
}

int pw_build_run(const struct pw_build_opts *o)
{
	struct build b;
	struct pw_err e = PW_ERR_INIT;
	struct target_result *res = NULL;
	const char *cv;
	size_t first = 0;
	bool ok = true;
	int status, r;

	memset(&b, 0, sizeof(b));
	b.o = o;
	r = prepare(&b, &e, &status);
	if (r < 0) {
		pw_error("build: %s", e.msg);
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
	b.work = pw_path_join(b.out, ".pinwheel-build.XXXXXX");
	if (!mkdtemp(b.work)) {
		pw_error("build: '%s': %s", b.work, strerror(errno));
		free(b.work);
		b.work = NULL;
		goto out;
	}
	b.src_dir = pw_path_join(b.work, "source");
	if (mkdir(b.src_dir, 0755) < 0 ||
	    pw_source_export(b.projdir, b.src_dir, b.out, &b.src, &e) < 0) {
		pw_error("build: %s", e.code ? e.msg : strerror(errno));
		goto out;
	}
	cv = config_env(&b.c, "SETUPTOOLS_SCM_PRETEND_VERSION");
	b.version = pw_xstrdup(cv ? cv : b.src.version ? b.src.version : "");
	if (!*b.version) {
		free(b.version);
		b.version = NULL;
	}
	cv = config_env(&b.c, "SOURCE_DATE_EPOCH");
	{
		uint64_t v;

		b.sde = b.src.sde >= 0 ? b.src.sde : PW_SDE_DEFAULT;
		if (cv && pw_parse_u64(cv, &v) == 0 && v < INT64_MAX)
			b.sde = (int64_t)v;
	}
	pw_info("source: %s (%llu files, tree %.16s), version %s, SOURCE_DATE_EPOCH %lld",
		b.src.is_git ? "git ls-files" : "directory", (unsigned long long)b.src.files,
		b.src.tree, b.version ? b.version : "from the backend", (long long)b.sde);
	r = pw_pep517_read(b.src_dir, &b.pep, &e);
	if (r < 0) {
		pw_error("build: %s", e.msg);
		status = PW_EXIT_USAGE;
		goto out;
	}
	while (!b.sel[first])
		first++;
	pw_info("sdist: build_sdist of %s in the root of %s", b.pep.backend, b.c.targets[first].id);
	r = build_sdist(&b, first, &e);
	if (r < 0) {
		pw_error("build: sdist: %s (log: %s/sdist.log)", e.msg, b.logs);
		goto out;
	}
	res = pw_xcalloc(b.c.ntargets + 1, sizeof(*res));
	run_workers(&b, res);
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
	free(res);
	build_release(&b);
	return status;
}
