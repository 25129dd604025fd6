/* build.c - `pinwheel build` (include/pinwheel/build.h): config and lock,
 * the output and work directories, the source export, the sdist, the
 * targets (from the action cache or built by workers), the summary and
 * the manifest.  The parts are in runner/build/ (build_int.h lists them);
 * docs/build.md describes the flow for users. */
#include <sched.h>
#include <string.h>
#include <sys/stat.h>

#include "build_int.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/target.h"
#include "pinwheel/wheel.h"
#include "pinwheel/workdir.h"

static const char *config_env(const struct pw_config *c, const char *name)
{
	for (size_t i = 0; i < c->nenv; i++)
		if (!strcmp(c->env[i].name, name))
			return c->env[i].value;
	return NULL;
}

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

/* The root the sdist is built in, the same in every shard (so all shards
 * build wheels from the same sdist): the first selected target that runs
 * natively here, else the first native target of the config whose root
 * is fetched, else the first selected (emulated) one.  Never an emulated
 * root when a native one is at hand: qemu is slow, and the sdist would
 * depend on which targets were selected. */
static void pick_sdist_root(struct build *b, const bool *sel)
{
	struct pw_err e = PW_ERR_INIT;
	size_t i;

	for (i = 0; i < b->c.ntargets; i++)
		if (sel[i] && !pw_emulator_needed(b->c.targets[i].arch)) {
			b->sdist_ti = i;
			return;
		}
	for (i = 0; i < b->c.ntargets; i++) {
		struct pw_root_plan p;

		if (pw_emulator_needed(b->c.targets[i].arch) ||
		    !pw_session_find(&b->ss, b->c.targets[i].id))
			continue;
		memset(&p, 0, sizeof(p));
		if (b->ss.store && pw_session_target(&b->ss, b->c.targets[i].id, &p, &e) == 0) {
			pw_root_plan_release(&p);
			b->sdist_ti = i;
			return;
		}
	}
	for (b->sdist_ti = 0; !sel[b->sdist_ti]; b->sdist_ti++)
		;
}

/* Load the config and the lock, select the targets (and the shard), check
 * their roots are fetched, open the store and the action cache, compile
 * the seccomp profile (the target session: session.h).  0, or -errno with
 * e saying why and *status the exit status; b->nsel 0 for a shard without
 * targets. */
static int prepare(struct build *b, struct pw_err *e, int *status)
{
	const struct pw_build_opts *o = b->o;
	_cleanup_free_ bool *sel0 = NULL;
	int r, nsel;

	*status = PW_EXIT_USAGE;
	r = pw_config_load(o->dir, &b->c, e);
	if (r < 0)
		return r;
	r = pw_session_open(&b->ss, b->c.dir, NULL, PW_SESSION_NO_STORE, e);
	if (r < 0)
		return r;
	if (strcmp(b->ss.lock.config_digest, b->c.lock_digest))
		return pw_err_set(e, ESTALE,
				  "'%s' is stale: pinwheel.json changed since it was written; run "
				  "'pinwheel lock'",
				  b->ss.lockpath);
	b->sel = pw_xcalloc(b->c.ntargets + 1, sizeof(bool));
	b->retest = pw_xcalloc(b->c.ntargets + 1, sizeof(*b->retest));
	nsel = pw_config_select(&b->c, o->only, o->nonly, o->skip, o->nskip, b->sel, e);
	if (nsel < 0)
		return nsel;
	if (nsel == 0)
		return pw_err_set(e, ENOENT, "no target selected");
	sel0 = pw_xcalloc(b->c.ntargets + 1, sizeof(bool));
	memcpy(sel0, b->sel, b->c.ntargets * sizeof(bool));
	b->nsel = (size_t)nsel;
	if (o->shard_n) {
		b->nsel = pw_shard_select(b->sel, b->c.ntargets, o->shard_k, o->shard_n);
		if (!b->nsel) {
			*status = PW_EXIT_OK;
			return 0;
		}
	}
	r = pw_session_store(&b->ss, o->store_dir, e);
	if (r < 0)
		return r;
	b->store = b->ss.store;
	pick_sdist_root(b, sel0);
	*status = PW_EXIT_FAIL;
	b->plans = pw_xcalloc(b->c.ntargets + 1, sizeof(*b->plans));
	b->oplans = pw_xcalloc(b->c.ntargets + 1, sizeof(*b->oplans));
	for (size_t i = 0; i < b->c.ntargets; i++) {
		if (!b->sel[i] && i != b->sdist_ti)
			continue;
		if (!pw_session_find(&b->ss, b->c.targets[i].id)) {
			*status = PW_EXIT_USAGE;
			return pw_err_set(e, ENOENT,
					  "target '%s' is not in '%s': run 'pinwheel lock'",
					  b->c.targets[i].id, b->ss.lockpath);
		}
		r = pw_session_target(&b->ss, b->c.targets[i].id, &b->plans[i], e);
		if (r < 0)
			return r;
		/* the old root of its smoke test (docs/config.md, "test.old_root") */
		if (!b->sel[i] || !b->c.targets[i].old_id)
			continue;
		/* a defaulted old root the lock dropped: the summary says why */
		if (b->c.targets[i].old_default &&
		    pw_lockset_no_old_root(&b->ss.lock, b->c.targets[i].id))
			continue;
		if (!pw_session_find(&b->ss, b->c.targets[i].old_id)) {
			*status = PW_EXIT_USAGE;
			return pw_err_set(e, ENOENT,
					  "the old root '%s' of target '%s' is not in '%s': run "
					  "'pinwheel lock'",
					  b->c.targets[i].old_id, b->c.targets[i].id,
					  b->ss.lockpath);
		}
		r = pw_session_target(&b->ss, b->c.targets[i].old_id, &b->oplans[i], e);
		if (r < 0)
			return r;
	}
	b->ac = pw_ac_open(b->store, o->cache_url, e);
	if (!b->ac)
		return -errno;
	r = pw_session_seccomp(&b->ss, "build", false, &b->prog, e);
	if (r < 0)
		return r;
	*status = 0;
	return 0;
}

static void build_release(struct build *b)
{
	if (b->work)
		pw_rm_rf(b->work);
	for (size_t i = 0; b->plans && i < b->c.ntargets; i++)
		pw_root_plan_release(&b->plans[i]);
	free(b->plans);
	for (size_t i = 0; b->oplans && i < b->c.ntargets; i++)
		pw_root_plan_release(&b->oplans[i]);
	free(b->oplans);
	free(b->sel);
	for (size_t i = 0; b->retest && i < b->c.ntargets; i++) {
		free(b->retest[i].dir);
		free(b->retest[i].wheel);
		pw_strv_free(b->retest[i].mods);
	}
	free(b->retest);
	pw_ac_close(b->ac);
	pw_build_before_all_release(b);
	pw_source_release(&b->src);
	free(b->src_dir);
	free(b->repo_dir);
	pw_pep517_release(&b->pep);
	free(b->projdir);
	free(b->out);
	free(b->logs);
	free(b->work);
	free(b->cc_dir);
	free(b->cc_bin);
	free(b->abi3_from);
	free(b->sdist_dir);
	free(b->version);
	pw_session_close(&b->ss);
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

/* Does the root of target @ti have git (/usr/bin/git in one of its
 * layers at "/")? */
static bool root_has_git(const struct build *b, size_t ti)
{
	const struct pw_root_plan *p = &b->plans[ti];

	for (size_t i = 0; i < p->n; i++) {
		_cleanup_free_ char *tree = NULL, *git = NULL;
		struct stat st;

		if (strcmp(p->trees[i].dest, "/"))
			continue;
		tree = pw_store_tree_path(b->store, p->trees[i].id);
		git = pw_path_join(tree, "usr/bin/git");
		if (tree && lstat(git, &st) == 0 && S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

/* The sdist given as the operand, copied unchanged into sdist_dir (its
 * sha256 is then the one the index has). */
static int take_sdist(struct build *b, struct pw_err *e)
{
	const char *base = strrchr(b->o->sdist, '/');
	struct pw_buf data = PW_BUF_INIT(PW_SDIST_MAX_SIZE);
	_cleanup_free_ char *dest = NULL;
	int r;

	base = base ? base + 1 : b->o->sdist;
	if (strlen(base) >= sizeof(b->sdist))
		return pw_err_set(e, ENAMETOOLONG, "sdist name '%s' too long", base);
	r = pw_read_file(b->o->sdist, &data);
	if (r < 0) {
		pw_buf_release(&data);
		return pw_err_sys(e, r == -E2BIG ? EFBIG : -r, "sdist '%s'", b->o->sdist);
	}
	dest = pw_path_join(b->sdist_dir, base);
	r = pw_write_file_atomic(dest, data.buf, data.len, 0644);
	if (r == 0)
		pw_sha256_mem(data.buf, data.len, b->sdist_sha);
	pw_buf_release(&data);
	if (r < 0)
		return pw_err_sys(e, -r, "could not write '%s'", dest);
	snprintf(b->sdist, sizeof(b->sdist), "%s", base);
	return 0;
}

/* The sdist of an unpacked sdist: the directory itself, packed as
 * NAME-VERSION.tar.gz (PEP 625's name: lower case, runs of "-_." one
 * "_") the way pw_sdist_normalize() writes. */
static int pack_unpacked(struct build *b, struct pw_err *e)
{
	_cleanup_free_ char *name = pw_xstrdup(b->src.name), *prefix = NULL, *file = NULL,
			    *dest = NULL;
	char *w = name;
	int r;

	for (const char *c = b->src.name; *c; c++) {
		if (*c == '-' || *c == '_' || *c == '.') {
			if (w == name || w[-1] != '_')
				*w++ = '_';
		} else {
			*w++ = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
		}
	}
	*w = '\0';
	prefix = pw_xasprintf("%s-%s", name, b->src.version);
	file = pw_xasprintf("%s.tar.gz", prefix);
	if (strlen(file) >= sizeof(b->sdist))
		return pw_err_set(e, ENAMETOOLONG, "sdist name '%s' too long", file);
	dest = pw_path_join(b->sdist_dir, file);
	r = pw_sdist_from_dir(b->src_dir, prefix, dest, b->sde, e);
	if (r < 0)
		return pw_err_prefix(e, "'%s' (an unpacked sdist: PKG-INFO)", b->projdir);
	r = pw_build_sha256_file(dest, b->sdist_sha, NULL);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s'", dest);
	snprintf(b->sdist, sizeof(b->sdist), "%s", file);
	return 0;
}

/* Export the source (or unpack the given sdist), settle version and
 * SOURCE_DATE_EPOCH, and give a git source its repository when the
 * sdist's root can use it (docs/build.md, "The source"). */
static int export_source(struct build *b, struct pw_err *e)
{
	/* pinwheel's own files; pyproject.toml (a config of zero config or
	 * [tool.pinwheel]) is the project's */
	const char *skip[] = {b->out, b->ss.lockpath,
			      b->c.source == PW_CONFIG_JSON ? b->c.path : NULL, NULL};
	const char *cv;
	uint64_t v;
	int r;

	b->src_dir = pw_path_join(b->work, "source");
	if (mkdir(b->src_dir, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", b->src_dir);
	if (b->o->sdist)
		r = pw_source_unpack(b->o->sdist, b->src_dir, &b->src, e);
	else
		r = pw_source_export(b->projdir, b->src_dir, skip, &b->src, e);
	if (r < 0)
		return e->code ? -e->code : pw_err_sys(e, errno, "export '%s'", b->projdir);
	/* The backend computes the version from the repository when it can
	 * see one; else pinwheel's setuptools_scm-like one (never with a
	 * local segment); the config's SETUPTOOLS_SCM_PRETEND_VERSION wins. */
	b->git_view = b->src.kind == PW_SOURCE_GIT && b->src.toplevel && b->src.commit &&
		      root_has_git(b, b->sdist_ti);
	cv = config_env(&b->c, "SETUPTOOLS_SCM_PRETEND_VERSION");
	if (cv && *cv)
		b->version = pw_xstrdup(cv);
	else if (b->src.kind == PW_SOURCE_GIT && !b->git_view && b->src.version)
		b->version = pw_xstrdup(b->src.version);
	cv = config_env(&b->c, "SOURCE_DATE_EPOCH");
	b->sde = b->src.sde >= 0 ? b->src.sde : PW_SDE_DEFAULT;
	if (cv && pw_parse_u64(cv, &v) == 0 && v < INT64_MAX)
		b->sde = (int64_t)v;
	if (b->o->sde) /* a release rebuilt with its own (verify --against) */
		b->sde = (int64_t)b->o->sde;
	if (b->src.kind == PW_SOURCE_SDIST)
		return take_sdist(b, e);
	if (b->git_view && *b->src.subdir) {
		b->repo_dir = pw_path_join(b->work, "repository");
		if (mkdir(b->repo_dir, 0755) < 0)
			return pw_err_sys(e, errno, "'%s'", b->repo_dir);
		return pw_source_git_view(&b->src, b->repo_dir, e);
	}
	if (b->git_view)
		return pw_source_git_view(&b->src, b->src_dir, e);
	return 0;
}

/* The sdist: from the cache or built by a worker (then recorded). */
static int make_sdist(struct build *b, struct target_result *res)
{
	char key[PW_SHA256_HEX];
	size_t job = SDIST_JOB(b);
	json_t *meta;
	char *sdist;

	if (b->src.kind == PW_SOURCE_SDIST) {
		pw_info("sdist: %s (given: copied unchanged, no build_sdist)", b->sdist);
		return 0;
	}
	if (b->src.kind == PW_SOURCE_UNPACKED) {
		struct pw_err e = PW_ERR_INIT;

		if (pack_unpacked(b, &e) < 0) {
			pw_error("build: %s", e.msg);
			return -EIO;
		}
		pw_info("sdist: %s (the unpacked sdist itself: no build_sdist)", b->sdist);
		return 0;
	}
	if (pw_build_sdist_cached(b, key)) {
		b->sdist_cached = true;
		pw_info("sdist: %s (cached)", b->sdist);
		return 0;
	}
	pw_info("sdist: build_sdist of %s in the root of %s", b->pep.backend,
		b->c.targets[b->sdist_ti].id);
	if (pw_build_run_jobs(b, &job, 1, 1, res) < 0)
		return -EINTR;
	if (!res[job].ok)
		return -EIO; /* pw_build_run_jobs() said why */
	snprintf(b->sdist, sizeof(b->sdist), "%s", res[job].wheel);
	memcpy(b->sdist_sha, res[job].sha256, PW_SHA256_HEX);
	meta = json_pack("{s:s,s:f}", "root_target", b->c.targets[b->sdist_ti].id, "seconds",
			 res[job].secs);
	sdist = pw_path_join(b->sdist_dir, b->sdist);
	pw_build_cache_put(b, key, "sdist", sdist, "sdist", meta);
	free(sdist);
	return 0;
}

static const char *source_what(const struct build *b)
{
	switch (b->src.kind) {
	case PW_SOURCE_GIT:
		return b->git_view ? "git ls-files, with the repository" : "git ls-files";
	case PW_SOURCE_UNPACKED:
		return "unpacked sdist";
	case PW_SOURCE_SDIST:
		return "sdist";
	default:
		return "directory";
	}
}

/* A shard without targets says so (and --json prints its document). */
static void empty_shard(const struct pw_build_opts *o)
{
	pw_info("shard %u/%u has no targets: nothing to build", o->shard_k, o->shard_n);
	if (pw_log_json()) {
		json_t *j = json_pack("{s:b,s:[],s:{s:i,s:i}}", "ok", true, "targets", "shard",
				      "k", (int)o->shard_k, "n", (int)o->shard_n);
		if (j)
			pw_json_print(j, true);
		json_decref(j);
	}
}

/* OUT (absolute), OUT/logs, the work directory in OUT (@wd, locked while
 * this run lives: workers share the lock, so the next run into OUT removes
 * it if we are killed, and never while we run) and where the sdist goes.
 * Prints why it could not. */
static int open_out(struct build *b, struct pw_workdir *wd)
{
	const struct pw_build_opts *o = b->o;
	char *abs;
	int r;

	b->projdir = pw_path_join(b->c.dir, b->c.project);
	b->out = o->out ? pw_xstrdup(o->out) : pw_path_join(b->projdir, "wheelhouse");
	b->logs = pw_path_join(b->out, "logs");
	r = pw_mkdir_p(b->logs, 0755);
	if (r < 0) {
		pw_error("build: '%s': %s", b->logs, strerror(-r));
		return r;
	}
	abs = realpath(b->out, NULL);
	if (abs) {
		free(b->out);
		b->out = abs;
		free(b->logs);
		b->logs = pw_path_join(b->out, "logs");
	}
	r = pw_workdir_make(wd, b->out, ".pinwheel-build.", false);
	if (r < 0) {
		pw_error("build: could not make a work directory in '%s': %s", b->out, strerror(-r));
		return r;
	}
	b->work = steal_pointer(&wd->path);
	/* Shards after the first build the sdist for their wheels but leave
	 * it out of OUT (shard 1 writes it). */
	if (o->shard_n && o->shard_k > 1) {
		b->sdist_dir = pw_path_join(b->work, "sdist");
		if (mkdir(b->sdist_dir, 0755) < 0) {
			r = -errno;
			pw_error("build: '%s': %s", b->sdist_dir, strerror(errno));
			return r;
		}
	} else {
		b->sdist_dir = pw_xstrdup(b->out);
	}
	return 0;
}

/* Target @ti: failed with its root's hook, a hit of the action cache, or
 * queued in @jobs (*nretest counts the cached wheels only tested). */
static void queue_target(struct build *b, size_t ti, struct target_result *res, size_t *jobs,
			 size_t *njobs, size_t *nretest)
{
	const struct before_all *ba = pw_build_before_all_of(b, ti);

	if (ba && ba->error[0]) {
		/* its root's hook failed (reported then): not built */
		res[ti].done = true;
		snprintf(res[ti].error, sizeof(res[ti].error), "%.400s (logs/%.90s.log)", ba->error,
			 ba->name);
		return;
	}
	switch (pw_build_target_cached(b, ti, &res[ti])) {
	case PW_HIT_FULL:
		pw_info("%s: cached (%s)", b->c.targets[ti].id, res[ti].wheel);
		break;
	case PW_HIT_RETEST:
		pw_info("%s: wheel cached (%s), its smoke test runs again", b->c.targets[ti].id,
			res[ti].wheel);
		(*nretest)++;
		jobs[(*njobs)++] = ti;
		break;
	default:
		jobs[(*njobs)++] = ti;
	}
}

/* Run @jobs (@nretest of them only smoke tests) and record what they
 * made.  -EINTR when a signal stopped them. */
static int run_targets(struct build *b, struct target_result *res, size_t *jobs, size_t njobs,
		       size_t nretest)
{
	const struct pw_build_opts *o = b->o;
	unsigned ncpu = cpu_count();
	size_t width;

	/* Zig's cache of the roots that build, once per Zig and target */
	if (njobs > nretest && !pw_build_stopped())
		pw_build_cc_zig_phase(b, res);
	width = o->jobs ? o->jobs : ncpu;
	if (o->jobs > ncpu && njobs > ncpu)
		pw_warn("--jobs %u is more than the %u CPUs here: targets will compete for them",
			o->jobs, ncpu);
	if (width > njobs)
		width = njobs;
	if (njobs > nretest && !pw_build_stopped())
		pw_info("building %zu target%s%s, %zu at a time (each step sees %s jobs)",
			njobs - nretest, njobs - nretest == 1 ? "" : "s",
			nretest ? " and testing the cached or reused wheels" : "", width,
			BUILD_JOBS);
	else if (njobs && !pw_build_stopped())
		pw_info("testing %zu cached or reused wheel%s, %zu at a time", njobs,
			njobs == 1 ? "" : "s", width);
	if (!pw_build_stopped() && pw_build_run_jobs(b, jobs, njobs, width, res) < 0)
		return -EINTR;
	pw_build_cache_record(b, jobs, njobs, res);
	return pw_build_stopped() ? -EINTR : 0;
}

/* Every selected target: a hit of the action cache, or built by the
 * workers and then recorded; a target whose wheel is a hit but whose
 * smoke test is not is tested by a worker (docs/cache.md).  A target
 * waiting for the abi3 wheel of a lower CPython of its platform (abi3.c)
 * is looked at once the first round ended: it takes that wheel and runs
 * its smoke test, or builds its own in a second round.  -EINTR when a
 * signal stopped it. */
static int build_targets(struct build *b, struct target_result *res)
{
	size_t *jobs = pw_xcalloc(b->c.ntargets + 1, sizeof(*jobs)), njobs = 0, nretest = 0,
	       nwait = pw_build_abi3_plan(b);
	int r;

	for (size_t i = 0; i < b->c.ntargets && !pw_build_stopped(); i++) {
		if (!b->sel[i])
			continue;
		snprintf(res[i].smoke, sizeof(res[i].smoke), "-");
		if (b->abi3_from[i] == BA_NONE)
			queue_target(b, i, res, jobs, &njobs, &nretest);
	}
	r = run_targets(b, res, jobs, njobs, nretest);
	njobs = nretest = 0;
	for (size_t i = 0; r == 0 && nwait && i < b->c.ntargets && !pw_build_stopped(); i++) {
		if (!b->sel[i] || b->abi3_from[i] == BA_NONE)
			continue;
		switch (pw_build_abi3_resolve(b, i, res)) {
		case PW_HIT_FULL:
			break;
		case PW_HIT_RETEST:
			nretest++;
			jobs[njobs++] = i;
			break;
		default:
			queue_target(b, i, res, jobs, &njobs, &nretest);
		}
	}
	if (r == 0 && njobs)
		r = run_targets(b, res, jobs, njobs, nretest);
	free(jobs);
	return r;
}

/* The manifest and the summary: the exit status. */
static int finish(struct build *b, struct target_result *res)
{
	struct pw_err e = PW_ERR_INIT;
	bool ok = true;

	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && !res[i].ok)
			ok = false;
	if (pw_build_write_manifest(b, res, &e) < 0) {
		pw_error("build: %s", e.msg);
		ok = false;
	}
	if (pw_log_json())
		pw_build_print_json(b, res, ok);
	else if (pw_log_verbosity() >= 0)
		pw_build_print_table(b, res);
	if (b->o->stats && !pw_log_json())
		pw_build_print_stats(b, res);
	return ok ? PW_EXIT_OK : PW_EXIT_FAIL;
}

int pw_build_run(const struct pw_build_opts *o)
{
	struct build b;
	struct pw_err e = PW_ERR_INIT;
	struct target_result *res = NULL;
	struct sigaction old[2];
	struct pw_workdir wd = PW_WORKDIR_INIT;
	int status, r, sig;

	memset(&b, 0, sizeof(b));
	b.o = o;
	pw_build_trap_signals(old);
	r = prepare(&b, &e, &status);
	if (r < 0) {
		pw_error("build: %s", e.msg);
		goto out;
	}
	if (!b.nsel) {
		empty_shard(o);
		goto out;
	}
	status = PW_EXIT_FAIL;
	if (open_out(&b, &wd) < 0)
		goto out;
	if (export_source(&b, &e) < 0) {
		pw_error("build: %s", e.msg);
		goto out;
	}
	/* the compile cache: off when asked, compiling everything (but still
	 * recording) with --no-cache, looked up with --no-action-cache */
	b.cc_mode = o->no_compile_cache || o->no_cache_write || b.c.no_compile_cache ? PW_CC_OFF
		    : o->no_cache && !o->compile_cache_on			      ? PW_CC_WRITE
										      : PW_CC_ON;
	if (pw_build_cc_setup(&b, &e) < 0) {
		pw_error("build: %s", e.msg);
		goto out;
	}
	pw_info("source: %s (%llu files, tree %.16s), version %s, SOURCE_DATE_EPOCH %lld",
		source_what(&b), (unsigned long long)b.src.files, b.src.tree,
		b.version ? b.version : b.git_view ? "from the backend (it sees the repository)"
						   : "from the backend",
		(long long)b.sde);
	if (o->shard_n)
		pw_info("shard %u/%u: %zu of the selected targets", o->shard_k, o->shard_n, b.nsel);
	r = pw_pep517_read(b.src_dir, &b.pep, &e);
	if (r < 0) {
		pw_error("build: %s", e.msg);
		status = PW_EXIT_USAGE;
		goto out;
	}
	res = pw_xcalloc(BUILD_NRES(&b), sizeof(*res));
	if (pw_build_before_all_phase(&b, res) < 0)
		goto out;
	if (pw_build_before_all_sdist_failed(&b, res)) {
		status = finish(&b, res);
		goto out;
	}
	if (make_sdist(&b, res) < 0 || build_targets(&b, res) < 0)
		goto out;
	status = finish(&b, res);
out:
	free(res);
	build_release(&b); /* removes the work directory, then: */
	pw_workdir_release(&wd, false);
	pw_build_untrap_signals(old);
	sig = pw_build_stopped();
	if (sig) {
		pw_error("build: stopped by %s: workers killed, their temp files removed",
			 sig == SIGINT ? "SIGINT" : "SIGTERM");
		status = 128 + sig;
	}
	return status;
}
