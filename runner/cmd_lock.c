/* cmd_lock.c - `pinwheel lock [DIR] [--check]`: resolve DIR/pinwheel.json
 * into DIR/pinwheel.lock through the providers (include/pinwheel/
 * provider.h), or check that the lock is fresh. */
#include <string.h>
#include <unistd.h>

#include "pinwheel/cli.h"
#include "pinwheel/config.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fetch_ui.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"
#include "pinwheel/provider.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/session.h"
#include "pinwheel/store.h"

struct args {
	const char *dir;
	bool check;
	bool upgrade;
};

static const struct pw_opt lock_opts[] = {
    PW_OPT_PROJECT_DIR(struct args, dir),
    {.name = "--check",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct args, check),
     .help = "write nothing: recompute the lock without the network where possible and exit 1 "
	     "when pinwheel.lock is missing or stale, naming what changed"},
    {.name = "--upgrade",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct args, upgrade),
     .help = "ignore the pins of the existing lock: resolve every Debian base, Python "
	     "requirement, crate and archive again"},
    PW_OPT_DOC("--json", "print a summary object on stdout"),
    PW_OPT_DOC("--events",
	       "JSON Lines on stderr: \"resolve\" per block of each target (start, then done "
	       "or failed), \"download\" per artifact of a root a tool runs in, \"compose\" "
	       "per such root, then \"done\" (docs/cli.md)"),
};

const struct pw_cli_cmd pw_cli_lock = {
    .name = "lock",
    .opts = lock_opts,
    .nopts = PW_ARRAY_SIZE(lock_opts),
    .usage = "usage: pinwheel lock [DIR] [--check | --upgrade]\n\n"
	     "Resolve every input named by DIR/pinwheel.json (DIR defaults to .; without\n"
	     "one, DIR/pyproject.toml's [tool.pinwheel] over what zero config derives\n"
	     "from it): base roots, interpreters, build requirements (with what the\n"
	     "project's backend adds at its get_requires_for_build_* hooks, asked\n"
	     "offline in the root), Rust toolchain, crates, test requirements (an sdist\n"
	     "where a project has no fitting wheel) and extra archives, for every target\n"
	     "of the matrix, to artifacts pinned by sha256 and size, and write\n"
	     "DIR/pinwheel.lock (atomically; untouched when nothing\n"
	     "changed).  Pins already in the lock are kept while the config still asks for\n"
	     "the same thing, so relocking gives identical bytes: a Debian base or a list\n"
	     "of Python pins whose part of pinwheel.json is unchanged keeps its layer as\n"
	     "it is, even when the mirror or the index has moved on; changing one relocks\n"
	     "only that part (and what is resolved in it).  An archive given\n"
	     "without sha256 or size is downloaded once through the store.  Build\n"
	     "requirements are resolved by the target root's own pip in the sandbox, so\n"
	     "the root's base is fetched into the store and built first; pip's own\n"
	     "configuration (PIP_INDEX_URL, pip.conf) picks the index.\n",
    .epilogue = "docs/config.md describes pinwheel.json, docs/lock.md the lock.\n\n"
		"exit status: 0 written (or fresh with --check), 1 resolution failed (or\n"
		"stale with --check), 2 usage error or a bad pinwheel.json\n",
};

/* pw_provider_ctx.ui of `pinwheel lock`. */
struct lock_ui {
	struct pw_ctx *ctx;
	struct pw_seccomp_prog *prog;
};

/* pw_provider_ctx.fetch: the artifacts of a root a provider runs a tool
 * in (the base's .debs can be hundreds of MiB): with the progress display
 * on a terminal, else quietly (lock prints nothing per artifact). */
static int fetch_root(struct pw_provider_ctx *pc, const char *target, struct pw_store *s,
		      struct pw_fetch_item *items, size_t n, struct pw_fetch_opts *o,
		      struct pw_err *e)
{
	const struct lock_ui *ui = pc->ui;
	const struct pw_ctx *ctx = ui ? ui->ctx : NULL;
	struct pw_ctx quiet;

	if (ctx && !ctx->json && ctx->verbosity >= 0 && isatty(STDERR_FILENO))
		pw_info("lock: fetching the root of %s to run its tools", target);
	else if (!ctx || !pw_log_events())
		return pw_fetch_run(s, items, n, o, e);
	/* lock's stdout is its --json summary alone: no artifact objects */
	quiet = *ctx;
	quiet.json = false;
	return pw_fetch_ui_run(&quiet, target, s, items, n, o) == PW_EXIT_OK ? 0 : -EIO;
}

/* pw_provider_ctx.seccomp: the "lock" profile (build's, with the network),
 * compiled once per `pinwheel lock` (session.h caches it in the store). */
static int lock_seccomp(struct pw_provider_ctx *pc, const struct pw_seccomp_prog **prog,
			struct pw_err *e)
{
	struct lock_ui *ui = pc->ui;

	if (!ui->prog) {
		int r = pw_seccomp_for_store(pc->store_dir, "lock", true, &ui->prog, e);

		if (r < 0)
			return pw_err_prefix(e, "seccomp");
	}
	*prog = ui->prog;
	return 0;
}

/* pw_provider_ctx.compose: said on a terminal or with -v, and as an event. */
static void compose(struct pw_provider_ctx *pc, const char *target, size_t nlayers,
		    const struct pw_root_plan *done)
{
	(void)pc;
	if (!done && (pw_log_verbosity() >= 1 || pw_log_progress_enabled()))
		pw_info("lock: composing the root of %s (%zu layers) to run its tools", target,
			nlayers);
	pw_fetch_ui_compose_event("lock", target, nlayers, done, NULL);
}

/* pw_provider_ctx.note: one line on stderr. */
static void note(struct pw_provider_ctx *pc, const char *msg)
{
	(void)pc;
	pw_info("%s", msg);
}

static double mono(void)
{
	return pw_fetch_ui_now();
}

/* --events: {"event": "resolve", "status": "start"|"done"|"failed",
 * "target", "block", "provider", "index", "of"}, "ms" when it ended,
 * "error" when it failed. */
static void resolve_event(const struct pw_block *b, const struct pw_target_info *ti,
			  const char *block, size_t i, size_t n, int r, double t0,
			  const struct pw_err *e)
{
	json_t *j;

	if (!pw_log_events())
		return;
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "event", "resolve", "status",
		      t0 == 0 ? "start" : r == 0 ? "done" : "failed", "target", ti->id, "block",
		      block, "provider", b->provider->name, "index", (json_int_t)(i + 1), "of",
		      (json_int_t)n);
	if (j && t0 != 0)
		json_object_set_new(j, "ms", json_integer(pw_fetch_ui_ms(t0)));
	if (j && r < 0)
		json_object_set_new(j, "error", json_string(e->msg));
	pw_json_event(j);
}

/* One block of one target, said as it starts on a terminal (or with -v):
 * "lock: [2/3] cp313-manylinux_x86_64: build_requires (pypi)", and with
 * the seconds it took when it ends; a lock of a cold store is minutes of
 * resolving and downloading that would otherwise be silent.  With
 * --events, a "resolve" event at both ends. */
static int lock_block(struct pw_provider_ctx *pc, const struct pw_block *b,
		      const struct pw_target_info *ti, size_t i, size_t n, struct pw_lockset *ls,
		      struct pw_err *e)
{
	bool say = pw_log_verbosity() >= 1 || pw_log_progress_enabled();
	const char *place = b->key->place == PW_PLACE_BASE   ? "base."
			    : b->key->place == PW_PLACE_TEST ? "test."
							     : "";
	char block[64];
	double t0 = mono();
	int r;

	snprintf(block, sizeof(block), "%s%s", place, b->key->key);
	if (say)
		pw_info("lock: [%zu/%zu] %s: %s (%s)", i + 1, n, ti->id, block, b->provider->name);
	resolve_event(b, ti, block, i, n, 0, 0, e);
	r = pw_block_lock(pc, b, ti, ls, e);
	resolve_event(b, ti, block, i, n, r, t0, e);
	if (say && r == 0 && mono() - t0 >= 1.0)
		pw_info("lock: [%zu/%zu] %s: %s done (%.0f s)", i + 1, n, ti->id, b->key->key,
			mono() - t0);
	return r;
}

/* The old root of target @t (config.h, docs/config.md "test.old_root"), a
 * root of its own in the lock ("ID-SUITE"): its base (an older Debian
 * suite with the target's CPython built from source there), then what the
 * smoke test needs (test.requires and the project's dependencies,
 * resolved by that root's pip).  A
 * defaulted old root whose CPython has no tarball the mirror serves
 * (-ENOPKG) is dropped: one warning, and the lock records why
 * ("no_old_root"), so build and plan say so without the network; offline
 * (lock --check) the prior lock's record stands. */
static int resolve_old(const struct pw_config *c, const struct pw_target *t,
		       const struct pw_target_info *ti, size_t i, struct pw_provider_ctx *pc,
		       struct pw_lockset *ls, struct pw_err *e)
{
	struct pw_target_info oi = *ti;
	const char *why = t->old_default ? pw_lockset_no_old_root(pc->prior, t->id) : NULL;
	int r;

	if (pc->offline && why) {
		pw_lockset_set_no_old_root(ls, t->id, why);
		return 0;
	}
	oi.id = t->old_id;
	pw_lockset_root(ls, t->old_id);
	r = lock_block(pc, &t->old_base, &oi, i, c->ntargets, ls, e);
	/* test.requires and the project's dependencies (config.h old_blocks) */
	for (size_t j = 0; j < c->nold_blocks && r == 0; j++)
		r = lock_block(pc, &c->old_blocks[j], &oi, i, c->ntargets, ls, e);
	if (r == -ENOPKG && t->old_default) {
		pw_warn("lock: %s: no old root %s: %s", t->id, t->old_suite, e->msg);
		pw_lockset_drop_target(ls, t->old_id);
		pw_lockset_set_no_old_root(ls, t->id, e->msg);
		pw_err_clear(e);
		r = 0;
	}
	return r;
}

/* Resolve every target of @c into @ls: for each target, the provider of
 * each block of the config, in root order (enum pw_stage: the base first;
 * blocks of one stage in the config's order).  0 or -errno with e->msg. */
static int resolve(const struct pw_config *c, struct pw_provider_ctx *pc, struct pw_lockset *ls,
		   struct pw_err *e)
{
	struct pw_target_info ti;
	int r = 0;

	for (size_t i = 0; i < c->ntargets && r == 0; i++) {
		const struct pw_target *t = &c->targets[i];

		pw_target_info(c, t, &ti);
		pw_lockset_root(ls, t->id);
		for (int stage = 0; stage < PW_STAGE_N && r == 0; stage++) {
			if (t->py->base.key->stage == (enum pw_stage)stage)
				r = lock_block(pc, &t->py->base, &ti, i, c->ntargets, ls, e);
			for (size_t j = 0; j < c->nblocks && r == 0; j++)
				if (c->blocks[j].key->stage == (enum pw_stage)stage)
					r = lock_block(pc, &c->blocks[j], &ti, i, c->ntargets, ls,
						       e);
		}
		if (r == 0 && t->old_id)
			r = resolve_old(c, t, &ti, i, pc, ls, e);
	}
	return r;
}

static bool has_art(const struct pw_lockset *ls, const struct pw_artifact *a)
{
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->artifacts[i].kind, a->kind) &&
		    !strcmp(ls->artifacts[i].name, a->name) &&
		    !strcmp(ls->artifacts[i].sha256, a->sha256))
			return true;
	return false;
}

static bool has_root(const struct pw_lockset *ls, const char *target)
{
	for (size_t i = 0; i < ls->nroots; i++)
		if (!strcmp(ls->roots[i].target, target))
			return true;
	return false;
}

/* Tell what differs between the lock on disk and the one we would write. */
static size_t explain(const struct pw_lockset *old, const struct pw_lockset *new,
		      const char *digest)
{
	size_t i, n = 0;

	if (strcmp(old->config_digest, digest)) {
		pw_error("lock: pinwheel.json changed since pinwheel.lock was written");
		n++;
	}
	if (!old->pinwheel || strcmp(old->pinwheel, PW_VERSION)) {
		pw_error("lock: pinwheel.lock was written by pinwheel %s, this is %s",
			 old->pinwheel ? old->pinwheel : "(unknown)", PW_VERSION);
		n++;
	}
	for (i = 0; i < new->nroots; i++)
		if (!has_root(old, new->roots[i].target) && ++n)
			pw_error("lock: target '%s' is new", new->roots[i].target);
	for (i = 0; i < old->nroots; i++)
		if (!has_root(new, old->roots[i].target) && ++n)
			pw_error("lock: target '%s' is gone", old->roots[i].target);
	for (i = 0; i < new->n; i++)
		if (!has_art(old, &new->artifacts[i]) && ++n)
			pw_error("lock: %s '%s' (%.12s) is new", new->artifacts[i].kind,
				 new->artifacts[i].name, new->artifacts[i].sha256);
	for (i = 0; i < old->n; i++)
		if (!has_art(new, &old->artifacts[i]) && ++n)
			pw_error("lock: %s '%s' (%.12s) is no longer needed",
				 old->artifacts[i].kind, old->artifacts[i].name,
				 old->artifacts[i].sha256);
	if (!n) {
		pw_error("lock: pinwheel.lock differs from what 'pinwheel lock' would write "
			 "(edited by hand?)");
		n++;
	}
	return n;
}

static void summary(const char *status, const char *path, const struct pw_config *c,
		    const struct pw_lockset *ls, const char *lock_sha, const char *reason)
{
	json_t *o = json_object();

	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "lock", json_string(path));
	json_object_set_new(o, "targets", json_integer((json_int_t)c->ntargets));
	json_object_set_new(o, "artifacts", json_integer((json_int_t)(ls ? ls->n : 0)));
	json_object_set_new(o, "config_digest", json_string(c->lock_digest));
	if (lock_sha)
		json_object_set_new(o, "lock_sha256", json_string(lock_sha));
	if (reason)
		json_object_set_new(o, "reason", json_string(reason));
	pw_json_print_line(o);
	json_decref(o);
}

static int check(struct pw_ctx *ctx, const struct pw_config *c, const char *lockpath)
{
	struct pw_lockset old = PW_LOCKSET_INIT, new = PW_LOCKSET_INIT;
	struct lock_ui ui = {.ctx = ctx};
	struct pw_provider_ctx pc = {.offline = true, .project_dir = c->dir, .ui = &ui};
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *bytes = NULL, *storedir = NULL;
	char sha[PW_SHA256_HEX];
	double t0 = mono();
	size_t len;
	int r, st = PW_EXIT_FAIL;

	r = pw_lock_read(lockpath, &b, &e);
	if (r < 0) {
		if (r == -ENOENT)
			pw_error("lock: '%s' is stale: it does not exist", lockpath);
		else
			pw_error("lock: '%s' is stale: %s", lockpath, e.msg);
		if (ctx->json)
			summary("stale", lockpath, c, NULL, NULL, r == -ENOENT ? "missing" : e.msg);
		goto out;
	}
	pw_sha256_mem(b.buf, b.len, sha);
	storedir = pw_ctx_store_dir(ctx);
	if (pw_lock_parse(lockpath, b.buf, b.len, &old, &e) < 0 ||
	    pw_lock_check_blobs(lockpath, &old, storedir, &e) < 0) {
		pw_error("lock: '%s' is stale: it is not a valid lock: %s", lockpath, e.msg);
		if (ctx->json)
			summary("stale", lockpath, c, NULL, sha, "invalid");
		goto out;
	}
	pc.prior = &old;
	r = resolve(c, &pc, &new, &e);
	if (r == -ENOSYS && !strcmp(old.config_digest, c->lock_digest)) {
		/* A provider cannot recompute offline yet: the digest decides. */
		pw_debug("lock: %s", e.msg);
		pw_info("'%s' is fresh (the config digest matches)", lockpath);
		if (ctx->json)
			summary("fresh", lockpath, c, &old, sha, NULL);
		st = PW_EXIT_OK;
		goto out;
	}
	if (r < 0) {
		if (strcmp(old.config_digest, c->lock_digest))
			pw_error("lock: '%s' is stale: pinwheel.json changed since it was written",
				 lockpath);
		else
			pw_error("lock: '%s' is stale", lockpath);
		pw_error("lock: %s", e.msg);
		if (ctx->json)
			summary("stale", lockpath, c, NULL, sha, e.msg);
		goto out;
	}
	bytes = pw_lock_render(&new, c->lock_digest, &len);
	if (len == b.len && !memcmp(bytes, b.buf, len)) {
		pw_info("'%s' is fresh", lockpath);
		if (ctx->json)
			summary("fresh", lockpath, c, &new, sha, NULL);
		st = PW_EXIT_OK;
		goto out;
	}
	pw_error("lock: '%s' is stale:", lockpath);
	explain(&old, &new, c->lock_digest);
	if (ctx->json)
		summary("stale", lockpath, c, &new, sha, "changed");
out:
	pw_fetch_ui_done_event("lock", st == PW_EXIT_OK ? "fresh" : "stale", t0);
	pw_buf_release(&b);
	pw_lockset_release(&old);
	pw_lockset_release(&new);
	return st;
}

int pw_lock_project(struct pw_ctx *ctx, const struct pw_config *c, const char *lockpath,
		    bool upgrade)
{
	struct pw_lockset old = PW_LOCKSET_INIT, new = PW_LOCKSET_INIT;
	struct lock_ui ui = {.ctx = ctx};
	struct pw_provider_ctx pc = {.project_dir = c->dir,
				     .ui = &ui,
				     .note = note,
				     .fetch = fetch_root,
				     .seccomp = lock_seccomp,
				     .compose = compose};
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *bytes = NULL, *storedir = NULL;
	char sha[PW_SHA256_HEX];
	const char *status = "failed";
	double t0 = mono();
	size_t len;
	int r, st = PW_EXIT_FAIL;

	storedir = pw_ctx_store_dir(ctx);
	r = pw_lock_read(lockpath, &b, &e);
	if (r == 0) {
		if (upgrade) {
			pw_debug("lock: --upgrade: not reusing the pins of '%s'", lockpath);
		} else if (pw_lock_parse(lockpath, b.buf, b.len, &old, &e) == 0 &&
			   pw_lock_check_blobs(lockpath, &old, storedir, &e) == 0) {
			pc.prior = &old;
		} else {
			pw_lockset_release(&old);
			pw_warn("ignoring the pins of the existing lock: %s", e.msg);
		}
	} else if (r != -ENOENT) {
		pw_error("lock: %s", e.msg);
		goto out;
	}
	pc.store_dir = storedir;
	r = resolve(c, &pc, &new, &e);
	if (r < 0) {
		pw_error("lock: %s", e.msg);
		if (ctx->json)
			summary("failed", lockpath, c, NULL, NULL, e.msg);
		goto out;
	}
	bytes = pw_lock_render(&new, c->lock_digest, &len);
	pw_sha256_mem(bytes, len, sha);
	if (len == b.len && !memcmp(bytes, b.buf, len)) {
		pw_info("'%s' is up to date (%zu targets, %zu artifacts)", lockpath, c->ntargets,
			new.n);
		if (ctx->json)
			summary("unchanged", lockpath, c, &new, sha, NULL);
		status = "unchanged";
		st = PW_EXIT_OK;
		goto out;
	}
	r = pw_write_file_atomic(lockpath, bytes, len, 0644);
	if (r < 0) {
		pw_error("lock: could not write '%s': %s", lockpath, strerror(-r));
		goto out;
	}
	pw_info("wrote '%s' (%zu targets, %zu artifacts)", lockpath, c->ntargets, new.n);
	if (ctx->json)
		summary("written", lockpath, c, &new, sha, NULL);
	status = "written";
	st = PW_EXIT_OK;
out:
	pw_fetch_ui_done_event("lock", status, t0);
	if (pc.store)
		pw_store_close(pc.store);
	pw_seccomp_prog_free(ui.prog);
	pw_buf_release(&b);
	pw_lockset_release(&old);
	pw_lockset_release(&new);
	return st;
}

int pw_cmd_lock(struct pw_ctx *ctx, int argc, char **argv)
{
	struct args a = {NULL, false, false};
	struct pw_config c;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *lockpath = NULL;
	int st;

	st = pw_cli_parse(ctx, &pw_cli_lock, &a, argc, argv, NULL);
	if (st != PW_CLI_GO)
		return st;
	if (a.check && a.upgrade)
		return pw_usage_error("lock", "--check and --upgrade exclude each other");
	if (pw_config_load(a.dir ? a.dir : ".", &c, &e) < 0) {
		pw_error("lock: %s", e.msg);
		return PW_EXIT_USAGE;
	}
	lockpath =
	    strcmp(c.dir, ".") ? pw_path_join(c.dir, PW_LOCK_FILE) : pw_xstrdup(PW_LOCK_FILE);
	st = a.check ? check(ctx, &c, lockpath) : pw_lock_project(ctx, &c, lockpath, a.upgrade);
	pw_config_release(&c);
	return st;
}
