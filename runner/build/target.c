/* target.c - the target step of `pinwheel build`, in the target's worker
 * (runner/build/build_int.h): the sdist unpacked, PEP 517 build_wheel in
 * the target root's sandbox, the wheel pipeline (pipeline.h), the smoke
 * test in a fresh sandbox, and the one way into OUT. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "build_int.h"
#include "pinwheel/audit.h"
#include "pinwheel/debian.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/pipeline.h"
#include "pinwheel/provider.h"
#include "pinwheel/unpack.h"
#include "pinwheel/wheel.h"
#include "pinwheel/zig.h"

/* The target root the repair vendors from: the sandbox of a build step. */
struct target_root {
	struct build *b;
	size_t ti;
};

static int target_root(void *arg, const char *arch, struct pw_sandbox_spec *s, struct pw_err *e)
{
	struct target_root *tr = arg;

	(void)arch;
	(void)e;
	pw_build_spec(tr->b, tr->ti, s);
	return 0;
}

/* Every target is a platform target: a wheel without extension modules
 * is what a backend gives when its C extensions were skipped (setuptools'
 * optional extensions, a project falling back to pure Python without
 * Python.h), unless the config says the project is pure.  -EINVAL with e
 * naming the wheel's tags and the likely cause. */
static int pure_refused(const struct build *b, size_t ti, const char *wheel, struct pw_err *e)
{
	const struct pw_target *t = &b->c.targets[ti];
	struct pw_wheel_name wn = {0};
	_cleanup_free_ char *tags = NULL;
	char dev[32] = "pypy3-dev";

	if (!t->py->pypy)
		snprintf(dev, sizeof(dev), "python3.%u-dev", t->py->minor);
	if (pw_wheel_name_parse(wheel, &wn, e) == 0)
		tags = pw_xasprintf("%s-%s-%s", wn.python, wn.abi, wn.platform);
	pw_wheel_name_release(&wn);
	return pw_err_set(e, EINVAL,
			  "the backend built a pure wheel (%s) for a platform target: its C "
			  "extensions were skipped (see the log); is %s (Python.h) in "
			  "the root? set \"pure\": true if the project is pure Python",
			  tags ? tags : wheel, dev);
}

/* The wheel pipeline (pipeline.h) on the backend's wheel, open at @fd and
 * named @in: the packed wheel into @outdir, its name and tag into @res,
 * the extension modules into *mods (NULL-ended). */
static int pipeline(struct build *b, size_t ti, int fd, const char *in, const char *tdir,
		    const char *outdir, struct target_result *res, char ***mods, int logfd,
		    struct pw_err *e)
{
	struct target_root tr = {b, ti};
	_cleanup_free_ char *udir = pw_path_join(tdir, "unpacked");
	struct pw_pipeline_opts po = {.dir = udir,
				      .out_dir = outdir,
				      .source_date_epoch = b->sde,
				      .name_by_dist = true,
				      .arch = b->c.targets[ti].arch,
				      .root = target_root,
				      .root_arg = &tr,
				      .logfd = logfd};
	struct pw_pipeline_result pr = {0};
	struct pw_policy_set *pol = NULL;
	struct pw_syslibs *sys = NULL;
	struct pw_wheel w;
	int r;

	unsigned floor = pw_zig_blocks_floor(b->c.blocks, b->c.nblocks, b->c.targets[ti].platform);
	char plat[32];

	/* the config's manylinux floor (zig.h) is the policy the wheel must
	 * fit and is tagged with, as PyPI's wheels are */
	if (floor && !b->c.pure) {
		snprintf(plat, sizeof(plat), "manylinux_2_%u", floor);
		po.plat = plat;
	}
	r = pw_policies_load(NULL, &pol, e);
	if (r < 0)
		return r;
	po.policies = pol;
	/* the target root's glibc: unversioned imports of functions newer
	 * than the floor (zig's stubs lack them) are found there */
	{
		struct pw_sandbox_spec s;

		pw_build_spec(b, ti, &s);
		r = pw_syslibs_open(&s, "the target root", &sys, e);
		pw_sandbox_spec_release(&s);
		if (r < 0) {
			pw_policies_free(pol);
			return r;
		}
	}
	po.syslibs = sys;
	r = pw_wheel_open_fd(fd, in, &w, e);
	if (r == 0) {
		r = pw_pipeline_run(&po, &w, &pr, e);
		pw_wheel_close(&w);
	}
	pw_policies_free(pol);
	pw_syslibs_free(sys);
	if (r < 0)
		return pr.failed == PW_PIPELINE_REFUSED ? pw_err_prefix(e, "audit") : r;
	if (!strcmp(pr.tag, "any") && !b->c.pure) {
		r = pure_refused(b, ti, pr.wheel, e);
		pw_pipeline_result_release(&pr);
		return r;
	}
	snprintf(res->wheel, sizeof(res->wheel), "%s", pr.wheel);
	snprintf(res->tag, sizeof(res->tag), "%s", pr.tag);
	*mods = steal_pointer(&pr.modules);
	pw_pipeline_result_release(&pr);
	return 0;
}

/* The smoke test of the wheel @wheel in @wheeldir in one root of @ti:
 * its own (@old false: the whole root, test.requires' layer too), or its
 * old root (docs/config.md, "test.old_root").  The step is "smoke test",
 * or "smoke test in the old root SUITE" (the log's step line and the
 * error name the root). */
static int smoke_in(struct build *b, size_t ti, bool old, const char *wheeldir, const char *wheel,
		    char **mods, int logfd, struct pw_err *e)
{
	const struct pw_target *t = &b->c.targets[ti];
	struct pw_sandbox_spec s;
	_cleanup_free_ char *py = old ? pw_build_old_python(b, ti) : pw_build_python(b, ti),
			    *inwhl = pw_xasprintf("/wheelhouse/%s", wheel),
			    *what =
				old ? pw_xasprintf("smoke test in the old root %s", t->old_suite)
				    : pw_xstrdup("smoke test");
	char **argv = NULL;
	int r;

	if (old)
		pw_build_old_spec(b, ti, &s);
	else
		pw_build_test_spec(b, ti, &s);
	r = pw_build_bind(&s, PW_BIND_RO, wheeldir, "/wheelhouse", e);
	/* the project's sources for "{project}" in the test command */
	if (r == 0 && b->src_dir)
		r = pw_build_bind(&s, PW_BIND_RO, b->src_dir, PW_SMOKE_PROJECT, e);
	if (r == 0) {
		argv = pw_smoke_argv(py, inwhl, mods, b->c.test_command, b->c.test_skip,
				     b->c.ntest_skip);
		r = pw_build_step(&s, argv, logfd, what, e);
	}
	pw_strv_free(argv);
	pw_sandbox_spec_release(&s);
	return r;
}

/* The name of @ti's own root in reports: its Debian suite, else "own". */
static const char *own_root_name(const struct build *b, size_t ti)
{
	const char *suite = pw_debian_block_suite(&b->c.targets[ti].py->base);

	return suite ? suite : "own";
}

/* The smoke test in every root of @ti: its own, then its old root when it
 * has one.  res->smoke_roots names those it passed in, res->failed_root
 * the one it failed in. */
static int smoke(struct build *b, size_t ti, const char *wheeldir, const char *wheel, char **mods,
		 int logfd, struct target_result *res, struct pw_err *e)
{
	const struct pw_target *t = &b->c.targets[ti];
	int r;

	res->smoke_roots[0] = res->failed_root[0] = '\0';
	r = smoke_in(b, ti, false, wheeldir, wheel, mods, logfd, e);
	if (r < 0) {
		snprintf(res->failed_root, sizeof(res->failed_root), "%s", own_root_name(b, ti));
		return r;
	}
	snprintf(res->smoke_roots, sizeof(res->smoke_roots), "%s", own_root_name(b, ti));
	if (!t->old_id || !b->oplans[ti].id[0])
		return 0;
	r = smoke_in(b, ti, true, wheeldir, wheel, mods, logfd, e);
	if (r < 0) {
		snprintf(res->failed_root, sizeof(res->failed_root), "%s", t->old_suite);
		return r;
	}
	snprintf(res->smoke_roots + strlen(res->smoke_roots),
		 sizeof(res->smoke_roots) - strlen(res->smoke_roots), " %s", t->old_suite);
	return 0;
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

int pw_build_check_wheel(const char *path, const char *name, struct pw_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return pw_err_sys(e, errno, "'%s'", path);
	return check_wheel(fd, name, e);
}

int pw_build_publish(struct build *b, const char *path, const char *name,
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

/* A wheel that failed its smoke test is kept for inspection in
 * OUT/failed/ (one rename of pinwheel's own repacked file: never half
 * there); OUT itself only ever gets wheels that passed.  @e (the smoke
 * test's failure) is extended with where it is. */
static void keep_failed(struct build *b, const char *dir, const char *name, int logfd,
			struct target_result *res, struct pw_err *e)
{
	_cleanup_free_ char *fdir = pw_path_join(b->out, "failed"), *src = pw_path_join(dir, name),
			    *dst = pw_path_join(fdir, name);
	char why[sizeof(e->msg)];

	if ((mkdir(fdir, 0755) < 0 && errno != EEXIST) || rename(src, dst) < 0) {
		dprintf(logfd, "pinwheel: could not keep the failed wheel in '%s': %s\n", fdir,
			strerror(errno));
		return;
	}
	dprintf(logfd, "pinwheel: the wheel that failed its smoke test is kept as '%s'\n", dst);
	res->kept = true;
	snprintf(why, sizeof(why), "%s", e->msg);
	pw_err_set(e, e->code > 0 ? e->code : EIO, "%s; the wheel is kept in failed/%s", why,
		   name);
}

/* PEP 517 build_wheel in the root of @ti: the unpacked sdist at /src, the
 * wheel into /out, CARGO_HOME at /cargo, the compile cache when it is on. */
static int build_wheel(struct build *b, size_t ti, const char *tdir, const char *src,
		       const char *out, const char *cargo, struct target_result *res, int logfd,
		       struct pw_err *e)
{
	struct pw_sandbox_spec s;
	_cleanup_free_ char *py = NULL;
	char **argv = NULL;
	int r;

	pw_build_spec(b, ti, &s);
	s.cwd = pw_xstrdup("/src");
	r = pw_build_bind(&s, PW_BIND_RW, src, "/src", e);
	if (r == 0)
		r = pw_build_bind(&s, PW_BIND_RW, out, "/out", e);
	if (r == 0)
		r = pw_build_bind(&s, PW_BIND_RW, cargo, "/cargo", e);
	/* the compile cache: for before_build's compiles too */
	if (r == 0)
		r = pw_build_cc_spec(b, ti, tdir, &s, e);
	if (r == 0)
		r = pw_build_cc_zig_spec(b, ti, tdir, &s, res, logfd, e);
	/* the config's before_build, in the same sandbox and sources */
	if (r == 0 && b->c.before_build) {
		char *hook[] = {(char *)"/bin/sh", (char *)"-c", b->c.before_build, NULL};

		r = pw_build_step(&s, hook, logfd, "before_build", e);
	}
	if (r == 0) {
		py = pw_build_python(b, ti);
		argv = pw_pep517_argv(py, "build_wheel", "/out", &b->pep, b->c.config_settings);
		r = pw_build_step(&s, argv, logfd, "build_wheel", e);
	}
	pw_strv_free(argv);
	pw_sandbox_spec_release(&s);
	return r;
}

/* @tdir/modules.json: the wheel's extension modules, for the parent's
 * record of the wheel action (a smoke test run again later needs them). */
static int write_modules(const char *tdir, char *const *mods, struct pw_err *e)
{
	_cleanup_free_ char *p = pw_path_join(tdir, PW_BUILD_MODULES_FILE);
	json_t *a = json_array();
	int r = 0;

	for (size_t i = 0; mods && mods[i]; i++)
		json_array_append_new(a, json_string(mods[i]));
	if (json_dump_file(a, p, JSON_COMPACT) < 0)
		r = pw_err_set(e, EIO, "could not write '%s'", p);
	json_decref(a);
	return r;
}

int pw_build_retest(struct build *b, size_t ti, struct target_result *res, int logfd,
		    struct pw_err *e)
{
	const struct retest *rt = &b->retest[ti];
	const char *from = pw_build_abi3_from(b, ti);
	_cleanup_free_ char *whlp = pw_path_join(rt->dir, rt->wheel);
	bool bad;
	int r;

	if (from)
		dprintf(logfd,
			"pinwheel %s: %s reused abi3 wheel from %s: %s (built by its key %s); "
			"build_wheel does not run here, its smoke test does (test key %s)\nroot "
			"%s\n",
			PW_VERSION, b->c.targets[ti].id, from, rt->wheel, rt->key, rt->test_key,
			b->plans[ti].id);
	else
		dprintf(logfd,
			"pinwheel %s: %s: the wheel %s taken from the action cache (key %s); only "
			"its smoke test runs, none passed yet for this test config and root (test "
			"key %s)\nroot %s\n",
			PW_VERSION, b->c.targets[ti].id, rt->wheel, rt->key, rt->test_key,
			b->plans[ti].id);
	snprintf(res->wheel, sizeof(res->wheel), "%s", rt->wheel);
	snprintf(res->tag, sizeof(res->tag), "%s", rt->tag);
	r = smoke(b, ti, rt->dir, rt->wheel, rt->mods, logfd, res, e);
	if (r < 0) {
		snprintf(res->smoke, sizeof(res->smoke), "failed");
		keep_failed(b, rt->dir, rt->wheel, logfd, res, e);
		return r;
	}
	snprintf(res->smoke, sizeof(res->smoke), "passed");
	if (from) {
		/* the wheel is in OUT already (its builder put it there): the
		 * link goes, its digest is the report's */
		r = pw_build_sha256_file(whlp, res->sha256, &res->size);
		if (r < 0)
			return pw_err_sys(e, -r, "'%s'", whlp);
		unlink(whlp);
		return 0;
	}
	return pw_build_publish(b, whlp, rt->wheel, res, &bad, e);
}

int pw_build_target(struct build *b, size_t ti, struct target_result *res, int logfd,
		    struct pw_err *e)
{
	const struct pw_target *t = &b->c.targets[ti];
	_cleanup_free_ char *tdir = pw_path_join(b->work, t->id), *src = NULL, *out = NULL,
			    *cargo = NULL, *final = NULL, *sdist = NULL, *whl = NULL,
			    *shown = NULL, *whlp = NULL;
	struct pw_unpack_opts uo = {.strip = 1};
	char **mods = NULL;
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
	r = build_wheel(b, ti, tdir, src, out, cargo, res, logfd, e);
	pw_build_cc_collect(b, tdir, res, logfd);
	if (r < 0)
		return r;
	/* The backend's wheel is read only through the checked fd; what goes
	 * on is the pipeline's own repacked file. */
	wfd = pw_build_step_output(out, "/out", ".whl", PW_WHEEL_MAX_FILE, &whl, e);
	if (wfd < 0)
		return wfd;
	shown = pw_path_join("/out", whl);
	pw_build_progress("audit, tag, repack");
	r = pipeline(b, ti, wfd, shown, tdir, final, res, &mods, logfd, e);
	if (r < 0)
		return r;
	r = write_modules(tdir, mods, e);
	if (r == 0)
		r = smoke(b, ti, final, res->wheel, mods, logfd, res, e);
	pw_strv_free(mods);
	if (r < 0) {
		snprintf(res->smoke, sizeof(res->smoke), "failed");
		keep_failed(b, final, res->wheel, logfd, res, e);
		return r;
	}
	snprintf(res->smoke, sizeof(res->smoke), "passed");
	whlp = pw_path_join(final, res->wheel);
	return pw_build_publish(b, whlp, res->wheel, res, &bad, e);
}
