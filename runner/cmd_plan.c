/* cmd_plan.c - `pinwheel plan [DIR] [--format text|json|github]`: print the
 * target matrix of DIR/pinwheel.json, for people and for CI fan-out. */
#include <string.h>

#include "pinwheel/build.h"
#include "pinwheel/cli.h"
#include "pinwheel/config.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"

static const char *const plan_formats[] = {"text", "json", "github", NULL};

struct plan_args {
	const char *dir;
	int format; /* index in plan_formats, -1: --json's or text */
	struct pw_strv only, skip;
	struct pw_opt_shard shard;
};

static const struct pw_opt plan_opts[] = {
    PW_OPT_PROJECT_DIR(struct plan_args, dir),
    {.name = "--format",
     .kind = PW_ARG_ENUM,
     PW_OPT_AT(struct plan_args, format),
     .meta = "FORMAT",
     .words = plan_formats,
     .help = "text: one target id a line, nothing else (the default)\n"
	     "json: an array of target objects (id, python, python_tag, platform, arch, base, "
	     "optional, lock: the sha256 of pinwheel.lock or null when it is missing or stale, "
	     "old_root: the suite of its old root or null, no_old_root: why the lock left its "
	     "default old root out, or null)\n"
	     "github: a GitHub Actions strategy.matrix: {\"include\": [{\"target\": ID, ..., "
	     "\"lock\": sha256 of pinwheel.lock}]}; needs a current pinwheel.lock"},
    PW_OPT_ONLY(struct plan_args, only, "only this target (repeatable)"),
    PW_OPT_SKIP(struct plan_args, skip, "leave out targets matching the glob (repeatable)"),
    PW_OPT_SHARD(struct plan_args, shard, "only the targets 'pinwheel build --shard K/N' builds"),
    PW_OPT_DOC("--json", "same as --format json"),
};

const struct pw_cli_cmd pw_cli_plan = {
    .name = "plan",
    .opts = plan_opts,
    .nopts = PW_ARRAY_SIZE(plan_opts),
    .usage = "usage: pinwheel plan [DIR] [--format text|json|github] [--only ID]... [--skip "
	     "GLOB]...\n"
	     "                     [--shard K/N]\n\n"
	     "Print the target matrix of DIR/pinwheel.json (DIR defaults to .), sorted by\n"
	     "Python version then platform, for CI fan-out.\n",
    .epilogue = "exit status: 0 printed (also an empty shard), 1 no target selected, 2 usage\n"
		"error, a bad pinwheel.json, or (--format github) a missing or stale\n"
		"pinwheel.lock\n",
};

/* Why @t has no old root: the lock dropped its defaulted one
 * (docs/config.md, "test.old_root"); NULL when it has one or none was
 * due. */
static const char *no_old_root(const struct pw_target *t, const struct pw_lockset *lf)
{
	return t->old_default ? pw_lockset_no_old_root(lf, t->id) : NULL;
}

static json_t *target_json(const struct pw_target *t, bool github, const char *lock_sha,
			   const struct pw_lockset *lf)
{
	const char *why = no_old_root(t, lf);

	json_t *o = json_object();

	json_object_set_new(o, github ? "target" : "id", json_string(t->id));
	json_object_set_new(o, "python", json_string(t->py->version));
	json_object_set_new(o, "python_tag", json_string(t->py->tag));
	json_object_set_new(o, "platform", json_string(t->platform));
	json_object_set_new(o, "arch", json_string(t->arch));
	json_object_set_new(o, "base", json_string(t->py->base.provider->name));
	if (t->py->base.provider->describe)
		t->py->base.provider->describe(t->py->base.spec, o);
	json_object_set_new(o, "optional", json_boolean(t->optional));
	json_object_set_new(o, "lock", lock_sha ? json_string(lock_sha) : json_null());
	if (github) /* the matrix: what a job needs to run */
		return o;
	json_object_set_new(o, "old_root",
			    t->old_id && !why ? json_string(t->old_suite) : json_null());
	json_object_set_new(o, "no_old_root", why ? json_string(why) : json_null());
	return o;
}

/* DIR/pinwheel.lock into @lf when it is there, valid and current (its
 * config digest is @c's); 0, or -1 (nothing said: the text format's ids
 * do not need a lock). */
static int read_lock(const struct pw_config *c, struct pw_lockset *lf)
{
	_cleanup_free_ char *lockpath = pw_path_join(c->dir, PW_LOCK_FILE);
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	struct pw_err e = PW_ERR_INIT;
	int r = pw_lock_read(lockpath, &b, &e);

	if (r == 0)
		r = pw_lock_parse(lockpath, b.buf, b.len, lf, &e);
	pw_buf_release(&b);
	if (r == 0 && strcmp(lf->config_digest, c->lock_digest))
		r = -ESTALE;
	if (r < 0)
		pw_lockset_release(lf);
	return r < 0 ? -1 : 0;
}

int pw_cmd_plan(struct pw_ctx *ctx, int argc, char **argv)
{
	struct plan_args a = {.dir = NULL, .format = -1};
	const char *format;
	size_t i;
	struct pw_err e = PW_ERR_INIT;
	struct pw_config c;
	struct pw_lockset lf = PW_LOCKSET_INIT;
	bool *sel = NULL;
	int r, st;

	st = pw_cli_parse(ctx, &pw_cli_plan, &a, argc, argv, NULL);
	if (st != PW_CLI_GO)
		goto out_args;
	st = PW_EXIT_USAGE;
	format = a.format >= 0 ? plan_formats[a.format] : ctx->json ? "json" : "text";
	if (pw_config_load(a.dir ? a.dir : ".", &c, &e) < 0) {
		pw_error("plan: %s", e.msg);
		goto out_args;
	}
	sel = pw_xcalloc(c.ntargets + 1, sizeof(*sel));
	r = pw_config_select(&c, a.only.v, a.only.n, a.skip.v, a.skip.n, sel, &e);
	if (r < 0) {
		pw_error("plan: %s", e.msg);
		goto out;
	}
	if (r == 0) {
		pw_error("plan: no target selected");
		st = PW_EXIT_FAIL;
		goto out;
	}
	if (a.shard.n && pw_shard_select(sel, c.ntargets, a.shard.k, a.shard.n) == 0)
		pw_info("shard %u/%u has no targets", a.shard.k, a.shard.n);
	if (!strcmp(format, "text")) {
		struct pw_buf opt = PW_BUF_INIT(1u << 20);

		/* where the matrix comes from, when it is not pinwheel.json */
		if (c.source == PW_CONFIG_ZERO)
			pw_info("config: derived from '%s' (zero config; 'pinwheel init' writes "
				"it out)",
				c.path);
		else if (c.source == PW_CONFIG_TOOL)
			pw_info("config: [tool.pinwheel] of '%s' over what zero config derives",
				c.path);

		for (i = 0; i < c.ntargets; i++) {
			if (!sel[i])
				continue;
			pw_out("%s\n", c.targets[i].id);
			if (c.targets[i].optional)
				pw_buf_addf(&opt, "%s%s", opt.len ? ", " : "", c.targets[i].id);
		}
		/* stdout stays one id per line (`pinwheel plan > order.txt`) */
		if (opt.len)
			pw_info("optional (may be left out): %s", opt.buf);
		pw_buf_release(&opt);
		/* an old root the lock dropped (a current lock's word) */
		if (read_lock(&c, &lf) == 0)
			for (i = 0; i < c.ntargets; i++)
				if (sel[i] && no_old_root(&c.targets[i], &lf))
					pw_info("%s: no old root: %s", c.targets[i].id,
						no_old_root(&c.targets[i], &lf));
	} else {
		bool github = !strcmp(format, "github");
		_cleanup_free_ char *lockpath = pw_path_join(c.dir, PW_LOCK_FILE);
		struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
		char sha[PW_SHA256_HEX], why[600] = "", *s;
		struct pw_err le = PW_ERR_INIT;
		json_t *arr = json_array(), *top;
		bool have_lock = false;

		r = pw_lock_read(lockpath, &b, &le);
		if (r == 0) {
			_cleanup_free_ char *storedir = pw_ctx_store_dir(ctx);

			pw_sha256_mem(b.buf, b.len, sha);
			if (pw_lock_parse(lockpath, b.buf, b.len, &lf, &le) < 0 ||
			    pw_lock_check_blobs(lockpath, &lf, storedir, &le) < 0)
				snprintf(why, sizeof(why), "%s", le.msg);
			else if (strcmp(lf.config_digest, c.lock_digest))
				snprintf(why, sizeof(why),
					 "'%s' is stale: pinwheel.json changed since it was "
					 "written; run 'pinwheel lock'",
					 lockpath);
			else
				have_lock = true;
			if (!have_lock)
				pw_lockset_release(&lf);
		} else if (r == -ENOENT) {
			snprintf(why, sizeof(why), "no '%s': run 'pinwheel lock' first", lockpath);
		} else {
			snprintf(why, sizeof(why), "%s", le.msg);
		}
		pw_buf_release(&b);
		if (!have_lock && !github)
			pw_warn("plan: %s (\"lock\" is null)", why);
		if (!have_lock && github) {
			pw_error("plan: %s", why);
			json_decref(arr);
			st = PW_EXIT_USAGE;
			goto out;
		}
		for (i = 0; i < c.ntargets; i++)
			if (sel[i])
				json_array_append_new(arr,
						      target_json(&c.targets[i], github,
								  have_lock ? sha : NULL, &lf));
		if (github) {
			top = json_object();
			json_object_set_new(top, "include", arr);
		} else {
			top = arr;
		}
		s = json_dumps(top, JSON_COMPACT);
		json_decref(top);
		if (!s) {
			pw_error("plan: out of memory");
			st = PW_EXIT_FAIL;
			goto out;
		}
		pw_json_print_text(s);
		free(s);
	}
	fflush(stdout);
	st = PW_EXIT_OK;
out:
	free(sel);
	pw_lockset_release(&lf);
	pw_config_release(&c);
out_args:
	pw_strv_release(&a.only);
	pw_strv_release(&a.skip);
	return st;
}
