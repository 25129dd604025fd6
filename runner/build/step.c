/* step.c - a step of `pinwheel build` in the sandbox of a target root
 * (the fixed environment, the config's limits, the output taken as
 * untrusted), and the sdist step (runner/build/build_int.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "build_int.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/pypi.h"
#include "pinwheel/untrusted.h"
#include "pinwheel/wheel.h"

double pw_build_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The python of root @p of target @ti (see pw_build_python()). */
static char *python_of(const struct build *b, size_t ti, const struct pw_root_plan *p)
{
	const struct pw_target *t = &b->c.targets[ti];
	char version[16];
	char *py;

	if (t->py->pypy) /* Debian's pypy3: /usr/bin/pypy3.N */
		return pw_python_exe("/usr/bin", t->py->version);
	/* an image with the manylinux layout: /opt/python/cp3X-cp3X/bin/python */
	snprintf(version, sizeof(version), "3.%u", t->py->minor);
	py = pw_roots_python(b->store, p, version, t->py->freethreaded);
	if (py)
		return py;
	return pw_xasprintf("python3.%u%s", t->py->minor, t->py->freethreaded ? "t" : "");
}

char *pw_build_python(const struct build *b, size_t ti)
{
	return python_of(b, ti, &b->plans[ti]);
}

char *pw_build_old_python(const struct build *b, size_t ti)
{
	return python_of(b, ti, &b->oplans[ti]);
}

/* The plan of @ti's root as a build step sees it (into @q, whose trees
 * array the caller frees; the trees themselves are borrowed from
 * b->plans[ti]): without the layers only the smoke test needs
 * (test.requires: "test-requires"), so build_wheel never sees a test
 * dependency and a change to one changes no build step's root. */
static void build_plan(const struct build *b, size_t ti, struct pw_root_plan *q)
{
	const struct pw_root_plan *p = &b->plans[ti];
	size_t n = 0;

	*q = *p;
	q->trees = pw_xcalloc(p->n + 1, sizeof(*q->trees));
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->trees[i].layer, PW_TEST_LAYER))
			q->trees[n++] = p->trees[i]; /* borrowed: q is never released */
	q->n = n;
}

void pw_build_root_id(const struct build *b, size_t ti, char id[PW_SHA256_HEX])
{
	struct pw_root_plan q;

	build_plan(b, ti, &q);
	pw_root_plan_id(&q, id);
	free(q.trees);
}

/* The root of @ti for a build step (build_plan()); the smoke test gets
 * the whole root. */
static void root_spec(struct build *b, size_t ti, bool test, struct pw_sandbox_spec *s)
{
	struct pw_root_plan q;

	if (test) {
		pw_roots_to_spec(b->store, &b->plans[ti], s);
		return;
	}
	build_plan(b, ti, &q);
	pw_roots_to_spec(b->store, &q, s);
	free(q.trees);
}

enum spec_kind { SPEC_BUILD, SPEC_PLAIN, SPEC_TEST, SPEC_OLD };

static void spec_of(struct build *b, size_t ti, enum spec_kind kind, struct pw_sandbox_spec *s);

void pw_build_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s)
{
	spec_of(b, ti, SPEC_BUILD, s);
}

void pw_build_plain_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s)
{
	spec_of(b, ti, SPEC_PLAIN, s);
}

void pw_build_test_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s)
{
	spec_of(b, ti, SPEC_TEST, s);
}

void pw_build_old_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s)
{
	spec_of(b, ti, SPEC_OLD, s);
}

static void spec_of(struct build *b, size_t ti, enum spec_kind kind, struct pw_sandbox_spec *s)
{
	const struct pw_limits *l = &b->c.limits;
	struct pw_err e = PW_ERR_INIT;
	char sde[32];

	const struct before_all *ba = pw_build_before_all_of(b, ti);

	pw_sandbox_spec_init(s);
	if (kind == SPEC_OLD) {
		/* the old root as the lock has it: no before_all layer (the
		 * hook prepares the build root, it never ran there) */
		pw_roots_to_spec(b->store, &b->oplans[ti], s);
		pw_sandbox_spec_add_env(s, "PINWHEEL_SMOKE_ANY_PLATFORM=1", false, &e);
	} else {
		/* the root's before_all layer on top of all (layers[0]) */
		if (ba && ba->path && kind != SPEC_PLAIN)
			pw_sandbox_spec_add_layer(s, ba->path);
		root_spec(b, ti, kind == SPEC_TEST, s);
	}
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
	/* Reproducible by default: what a build step cannot control itself
	 * (docs/security.md, "Reproducibility") */
	s->no_aslr = true;
	/* What cibuildwheel sets, and what projects test to fail loudly
	 * instead of falling back to pure Python. */
	pw_sandbox_spec_add_env(s, "CIBUILDWHEEL=1", false, &e);
	pw_sandbox_spec_add_env(s, "PINWHEEL=1", false, &e);
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
		if (!strcmp(b->c.env[i].name, "SOURCE_DATE_EPOCH"))
			continue; /* the build's own, b->sde */
		_cleanup_free_ char *kv =
		    pw_xasprintf("%s=%s", b->c.env[i].name, b->c.env[i].value);

		pw_sandbox_spec_add_env(s, kv, false, &e);
	}
}

int pw_build_bind(struct pw_sandbox_spec *s, enum pw_bind_kind k, const char *src,
		  const char *dst, struct pw_err *e)
{
	_cleanup_free_ char *arg = pw_xasprintf("%s:%s", src, dst);

	return pw_sandbox_spec_add_bind(s, k, arg, e);
}

int pw_build_step(const struct pw_sandbox_spec *s, char *const *argv, int logfd,
		  const char *what, struct pw_err *e)
{
	struct pw_sandbox_result res;
	int saved1 = -1, saved2 = -1, r;
	double t0 = pw_build_now();

	dprintf(logfd, "\n==== pinwheel: %s\n", what);
	pw_build_progress(what);
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
		pw_build_now() - t0);
	return r;
}

int pw_build_step_output(const char *dir, const char *shown, const char *suffix, uint64_t max,
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

int pw_build_sha256_file(const char *path, char hex[PW_SHA256_HEX], uint64_t *size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return pw_sha256_fd(fd, hex, size);
}

int pw_build_open_log(struct build *b, const char *name, struct pw_err *e)
{
	_cleanup_free_ char *p = pw_xasprintf("%s/%s.log", b->logs, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return pw_err_sys(e, errno, "log '%s'", p);
	return fd;
}

/* ---- the sdist step ---- */

int pw_build_sdist(struct build *b, size_t ti, int logfd, struct pw_err *e)
{
	struct pw_sandbox_spec s;
	_cleanup_free_ char *outdir = pw_path_join(b->work, "sdist-out"), *name = NULL,
			    *shown = NULL, *outp = NULL;
	_cleanup_close_ int fd = -1;
	char **argv = NULL;
	const char *drop[8];
	size_t ndrop = 0;
	int r;

	if (mkdir(outdir, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", outdir);
	dprintf(logfd, "pinwheel %s: sdist of '%s' in the root of %s\nsource tree %s\n",
		PW_VERSION, b->projdir, b->c.targets[ti].id, b->src.tree);
	if (b->git_view)
		dprintf(logfd, "the repository: /src/.git (a clone, HEAD at %s)%s%s\n",
			b->src.commit, b->repo_dir ? ", the project at /src/" : "",
			b->repo_dir ? b->src.subdir : "");
	pw_build_spec(b, ti, &s);
	if (b->repo_dir) {
		/* the project where it sits in its repository */
		_cleanup_free_ char *at = pw_xasprintf("/src/%s", b->src.subdir);

		s.cwd = pw_xstrdup(at);
		r = pw_build_bind(&s, PW_BIND_RW, b->repo_dir, "/src", e);
		if (r == 0)
			r = pw_build_bind(&s, PW_BIND_RW, b->src_dir, at, e);
	} else {
		s.cwd = pw_xstrdup("/src");
		r = pw_build_bind(&s, PW_BIND_RW, b->src_dir, "/src", e);
	}
	if (r == 0)
		r = pw_build_bind(&s, PW_BIND_RW, outdir, "/out", e);
	/* The clone belongs to the outer user, which the sandbox may map to
	 * another uid: git would call it of "dubious ownership". */
	if (r == 0 && b->git_view)
		r = pw_sandbox_spec_add_env(&s, "GIT_CONFIG_COUNT=1", false, e) < 0 ||
			    pw_sandbox_spec_add_env(&s, "GIT_CONFIG_KEY_0=safe.directory", false, e) < 0 ||
			    pw_sandbox_spec_add_env(&s, "GIT_CONFIG_VALUE_0=/src", false, e) < 0
			? -EINVAL
			: 0;
	if (r == 0) {
		_cleanup_free_ char *py = pw_build_python(b, ti);

		argv = pw_pep517_argv(py, "build_sdist", "/out", &b->pep, b->c.config_settings);
		r = pw_build_step(&s, argv, logfd, "build_sdist", e);
	}
	pw_sandbox_spec_release(&s);
	pw_strv_free(argv);
	if (r < 0)
		return r;
	/* Read only through the checked fd; what reaches sdist_dir is a file
	 * of ours written from it. */
	fd = pw_build_step_output(outdir, "/out", ".tar.gz", PW_SDIST_MAX_SIZE, &name, e);
	if (fd < 0)
		return fd;
	if (strlen(name) >= sizeof(b->sdist))
		return pw_err_set(e, ENAMETOOLONG, "sdist name '%s' too long", name);
	shown = pw_path_join("/out", name);
	outp = pw_path_join(b->sdist_dir, name);
	/* pinwheel's own files the repository tracks (not PKG-INFO: that one
	 * is the backend's now) never stay in the sdist */
	for (char **p = b->src.hidden; p && *p && ndrop < PW_ARRAY_SIZE(drop) - 1; p++)
		if (strcmp(*p, "PKG-INFO"))
			drop[ndrop++] = *p;
	drop[ndrop] = NULL;
	r = pw_sdist_normalize_drop(fd, shown, outp, b->sde, ndrop ? drop : NULL, e);
	if (r < 0) {
		/* the log says why the step that ended "ok" gave no sdist */
		dprintf(logfd, "==== pinwheel: normalise the sdist: %s\n", e->msg);
		return r;
	}
	snprintf(b->sdist, sizeof(b->sdist), "%s", name);
	r = pw_build_sha256_file(outp, b->sdist_sha, NULL);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s'", outp);
	return 0;
}
