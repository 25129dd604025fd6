/* cmd_store.c - `pinwheel store add|ls|verify|gc`. */
#include <string.h>

#include "pinwheel/actions.h"
#include "pinwheel/cli.h"
#include "pinwheel/fetch_ui.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"
#include "pinwheel/roots.h"
#include "pinwheel/store.h"
#include "pinwheel/log.h"

const char pw_help_store[] =
    "usage: pinwheel store add URL|FILE --sha256 HEX [--size N]\n"
    "                          [--unpack [--strip N] [--subdir P]]\n"
    "       pinwheel store ls\n"
    "       pinwheel store verify\n"
    "       pinwheel store gc --keep LOCKFILE... [--no-wait]\n\n"
    "Manage the content-addressed store (--store DIR, else $PINWHEEL_STORE, else\n"
    "$XDG_CACHE_HOME/pinwheel, else ~/.cache/pinwheel).\n\n"
    "  add      put a blob in the store and print its path.  URL is http://, https://\n"
    "           or file://; anything else is a local FILE (copied, then hashed).  The\n"
    "           content must hash to --sha256 (and be --size bytes when given); a\n"
    "           mismatch stores nothing.  When the blob is already present nothing is\n"
    "           read or fetched.  --unpack also makes the unpacked tree (dropping\n"
    "           --strip leading path components, keeping only --subdir) and prints\n"
    "           the tree's path instead.\n"
    "  ls       list entries: kind, size in bytes, id (and for trees, blob and options);\n"
    "           then the action records: ac KEY TARGET N outputs\n"
    "  verify   rehash every blob and tree; name damaged entries (exit 1); remove\n"
    "           stale temp files of killed processes\n"
    "  gc       remove every blob and tree no given lock file references (its\n"
    "           artifacts, their trees, its targets' root trees) and no action\n"
    "           record in ac/ names (cached wheels, sdists, logs), and stale\n"
    "           temp files.  gc takes the store for itself: it waits until no\n"
    "           other pinwheel process uses the store (fetch, build, lock, run)\n"
    "           and commands started meanwhile wait for it\n\n"
    "options:\n"
    "  --sha256 HEX     expected sha256 (64 lowercase hex digits)\n"
    "  --size N         expected size in bytes (also caps a download)\n"
    "  --unpack         make the unpacked tree too\n"
    "  --strip N        with --unpack: leading path components to drop\n"
    "  --subdir P       with --unpack: only entries under P (after --strip)\n"
    "  --keep LOCKFILE...  with gc: pinwheel.lock files whose artifacts are kept\n"
    "                   (--keep A B and --keep A --keep B both work)\n"
    "  --no-wait        with gc: when another process uses the store, name it\n"
    "                   and exit 1 instead of waiting\n"
    "  --json           one JSON object per line on stdout\n\n"
    "exit status: 0 success, 1 failure (fetch, mismatch, damage), 2 usage error\n";

static struct pw_store *open_store(const struct pw_ctx *ctx)
{
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *dir = pw_ctx_store_dir(ctx);
	struct pw_store *s;

	if (!dir) {
		pw_error("store: no store directory: use --store, $PINWHEEL_STORE or set HOME");
		return NULL;
	}
	s = pw_store_open(dir, &e);
	if (!s)
		pw_error("store: %s", e.msg);
	return s;
}

static bool is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "file://", 7);
}

static int print_added(const struct pw_ctx *ctx, const char *kind, const char *sha256,
		       const char *path, bool cached)
{
	if (ctx->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:b}", "event", "add", "kind", kind,
				      "sha256", sha256, "path", path, "cached", cached);
		if (j) {
			pw_json_print_line(j);
			json_decref(j);
		}
	} else {
		pw_out("%s\n", path);
	}
	return PW_EXIT_OK;
}

static int cmd_add(struct pw_ctx *ctx, int argc, char **argv)
{
	const char *src = NULL, *sha = NULL, *size_s = NULL, *strip_s = NULL, *subdir = NULL, *v;
	struct pw_unpack_opts uo = {0, NULL, 0, 0};
	uint64_t size = PW_STORE_SIZE_UNKNOWN, strip = 0;
	struct pw_err e = PW_ERR_INIT;
	bool unpack = false, cached = false, missing;
	struct pw_store *s;
	int i, r, st = PW_EXIT_FAIL;

	for (i = 1; i < argc; i++) {
		r = pw_global_opt(ctx, argc, argv, &i);
		if (r < 0)
			return PW_EXIT_USAGE;
		if (r > 0)
			continue;
		if ((v = pw_opt_arg("--sha256", argc, argv, &i, &missing)) || missing)
			sha = v;
		else if ((v = pw_opt_arg("--size", argc, argv, &i, &missing)) || missing)
			size_s = v;
		else if ((v = pw_opt_arg("--strip", argc, argv, &i, &missing)) || missing)
			strip_s = v;
		else if ((v = pw_opt_arg("--subdir", argc, argv, &i, &missing)) || missing)
			subdir = v;
		else if (!strcmp(argv[i], "--unpack"))
			unpack = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return pw_usage_error("store add", "unknown option '%s'", argv[i]);
		else if (src)
			return pw_usage_error(
			    "store add", "one URL or FILE only, got '%s' and '%s'", src, argv[i]);
		else
			src = argv[i];
		if (missing)
			return pw_usage_error("store add", "option '%s' needs a value", argv[i]);
	}
	if (!src)
		return pw_usage_error("store add", "missing URL or FILE");
	if (!sha)
		return pw_usage_error("store add", "missing --sha256");
	if (!pw_sha256_hex_valid(sha))
		return pw_usage_error("store add",
				      "--sha256 expects 64 lowercase hex digits, got '%s'", sha);
	if (size_s && pw_parse_u64(size_s, &size) < 0)
		return pw_usage_error("store add", "--size expects a number of bytes, got '%s'",
				      size_s);
	if (strip_s && (pw_parse_u64(strip_s, &strip) < 0 || strip > 64))
		return pw_usage_error("store add",
				      "--strip expects a number from 0 to 64, got '%s'", strip_s);
	if ((strip_s || subdir) && !unpack)
		return pw_usage_error("store add", "--strip and --subdir need --unpack");
	if (subdir && (!*subdir || subdir[0] == '/' || strstr(subdir, "..")))
		return pw_usage_error(
		    "store add", "--subdir expects a relative path without '..', got '%s'", subdir);
	uo.strip = (unsigned)strip;
	uo.subdir = subdir;

	s = open_store(ctx);
	if (!s)
		return PW_EXIT_FAIL;
	if (is_url(src)) {
		const char *urls[1] = {src};
		const char *base = strrchr(src, '/');
		struct pw_fetch_item it = {.name = base && base[1] ? base + 1 : src,
					   .urls = urls,
					   .nurls = 1,
					   .sha256 = sha,
					   .size = size,
					   .unpack = unpack ? &uo : NULL};
		struct pw_fetch_opts o;
		bool json = ctx->json;

		pw_fetch_opts_init(&o);
		o.jobs = 1;
		ctx->json = false; /* the add event below replaces the fetch event */
		st = pw_fetch_ui_run(ctx, s, &it, 1, &o);
		ctx->json = json;
		if (st == PW_EXIT_OK)
			print_added(ctx, unpack ? "tree" : "blob", sha, it.path, it.cached);
		pw_fetch_item_release(&it);
		goto out;
	}
	r = pw_store_add_file(s, src, sha, size, &cached, &e);
	if (r < 0) {
		pw_error("store add: %s", e.msg);
		goto out;
	}
	if (unpack) {
		_cleanup_free_ char *path = NULL;
		bool tcached = false;
		r = pw_store_make_tree(s, sha, &uo, &path, &tcached, &e);
		if (r < 0) {
			pw_error("store add: '%s': %s", src, e.msg);
			goto out;
		}
		st = print_added(ctx, "tree", sha, path, cached && tcached);
	} else {
		_cleanup_free_ char *path = pw_store_blob_path(s, sha);
		st = print_added(ctx, "blob", sha, path, cached);
	}
out:
	pw_store_close(s);
	return st;
}

static int ls_one(void *ud, const struct pw_store_entry *en)
{
	const struct pw_ctx *ctx = ud;

	if (ctx->json) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:s}", "kind",
				      en->kind == PW_STORE_BLOB ? "blob" : "tree", "id", en->id,
				      "size", (json_int_t)en->size, "path", en->path);
		if (j && en->kind == PW_STORE_TREE) {
			json_object_set_new(j, "blob", json_string(en->blob));
			json_object_set_new(j, "options", json_string(en->opts_key));
		}
		if (j) {
			pw_json_print_line(j);
			json_decref(j);
		}
	} else if (en->kind == PW_STORE_BLOB) {
		pw_out("blob %12llu %s\n", (unsigned long long)en->size, en->id);
	} else {
		pw_out("tree %12llu %s blob=%s %s\n", (unsigned long long)en->size, en->id,
		       en->blob[0] ? en->blob : "?", en->opts_key);
	}
	return 0;
}

/* An action record (docs/cache.md): "ac KEY TARGET N outputs". */
static int ls_ac_one(void *ud, const struct pw_ac_record *rec)
{
	const struct pw_ctx *ctx = ud;

	if (ctx->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "kind", "ac", "id", rec->key,
				      "target", rec->target, "outputs", (json_int_t)rec->n);
		if (j) {
			pw_json_print_line(j);
			json_decref(j);
		}
	} else {
		pw_out("ac %s %s %zu outputs\n", rec->key, rec->target, rec->n);
	}
	return 0;
}

/* Parse only global options; anything else is a usage error. */
static int only_globals(struct pw_ctx *ctx, const char *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int r = pw_global_opt(ctx, argc, argv, &i);
		if (r < 0)
			return PW_EXIT_USAGE;
		if (r == 0)
			return pw_usage_error(cmd, "unexpected argument '%s'", argv[i]);
	}
	return PW_EXIT_OK;
}

static int cmd_ls(struct pw_ctx *ctx, int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_store *s;
	int r;

	r = only_globals(ctx, "store ls", argc, argv);
	if (r != PW_EXIT_OK)
		return r;
	s = open_store(ctx);
	if (!s)
		return PW_EXIT_FAIL;
	r = pw_store_foreach(s, ls_one, ctx, &e);
	if (r == 0)
		r = pw_ac_foreach(s, ls_ac_one, ctx, NULL, &e);
	pw_store_close(s);
	if (r < 0) {
		pw_error("store ls: %s", e.msg);
		return PW_EXIT_FAIL;
	}
	return PW_EXIT_OK;
}

struct verify_state {
	const struct pw_ctx *ctx;
	struct pw_store *s;
	unsigned checked, damaged;
};

static int verify_one(void *ud, const struct pw_store_entry *en)
{
	struct verify_state *vs = ud;
	struct pw_err e = PW_ERR_INIT;
	int r = pw_store_verify_entry(vs->s, en, &e);

	vs->checked++;
	if (r < 0) {
		vs->damaged++;
		pw_error("damaged: %s", e.msg);
	}
	if (vs->ctx->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b}", "event", "verify", "kind",
				      en->kind == PW_STORE_BLOB ? "blob" : "tree", "id", en->id,
				      "ok", r == 0);
		if (j && r < 0)
			json_object_set_new(j, "error", json_string(e.msg));
		if (j) {
			pw_json_print_line(j);
			json_decref(j);
		}
	}
	return 0;
}

/* A record is fine when it parses (pw_ac_foreach); one whose blobs are
 * gone is only a cache miss, said at debug level. */
static int verify_ac_one(void *ud, const struct pw_ac_record *rec)
{
	struct verify_state *vs = ud;

	vs->checked++;
	for (size_t i = 0; i < rec->n; i++)
		if (!pw_store_has_blob(vs->s, rec->outputs[i].sha256))
			pw_debug("action %s: blob %s is gone (a cache miss)", rec->key,
				 rec->outputs[i].sha256);
	return 0;
}

static int cmd_verify(struct pw_ctx *ctx, int argc, char **argv)
{
	struct verify_state vs = {.ctx = ctx};
	struct pw_err e = PW_ERR_INIT;
	unsigned removed = 0;
	int r;

	r = only_globals(ctx, "store verify", argc, argv);
	if (r != PW_EXIT_OK)
		return r;
	vs.s = open_store(ctx);
	if (!vs.s)
		return PW_EXIT_FAIL;
	r = pw_store_clean(vs.s, &removed, &e);
	if (r == 0)
		r = pw_store_foreach(vs.s, verify_one, &vs, &e);
	if (r == 0) {
		unsigned bad = 0;

		r = pw_ac_foreach(vs.s, verify_ac_one, &vs, &bad, &e);
		if (bad)
			pw_error("damaged: %u action records in 'ac/' do not parse", bad);
		vs.damaged += bad;
	}
	pw_store_close(vs.s);
	if (r < 0) {
		pw_error("store verify: %s", e.msg);
		return PW_EXIT_FAIL;
	}
	if (!ctx->json)
		pw_info("verified %u entries: %u damaged, %u stale temp entries removed",
			vs.checked, vs.damaged, removed);
	return vs.damaged ? PW_EXIT_FAIL : PW_EXIT_OK;
}

struct gc_state {
	const struct pw_ctx *ctx;
	struct pw_store *s;
	char **keep_blobs, **keep_trees;
	size_t nblobs, ntrees;
	unsigned removed, busy;
	uint64_t freed;
	int err;
};

static bool in_set(char **set, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i], id))
			return true;
	return false;
}

static int gc_one(void *ud, const struct pw_store_entry *en)
{
	struct gc_state *g = ud;
	struct pw_err e = PW_ERR_INIT;
	const char *kind = en->kind == PW_STORE_BLOB ? "blob" : "tree";
	int r;

	if (en->kind == PW_STORE_BLOB ? in_set(g->keep_blobs, g->nblobs, en->id)
				      : in_set(g->keep_trees, g->ntrees, en->id))
		return 0;
	r = pw_store_remove_entry(g->s, en, &e);
	if (r == -EBUSY) {
		g->busy++;
		pw_debug("kept %s %s: in use", kind, en->id);
		return 0;
	}
	if (r < 0) {
		pw_error("store gc: %s", e.msg);
		g->err = 1;
		return 0;
	}
	g->removed++;
	g->freed += en->size;
	if (g->ctx->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "event", "removed", "kind", kind,
				      "id", en->id, "size", (json_int_t)en->size);
		if (j) {
			pw_json_print_line(j);
			json_decref(j);
		}
	} else {
		pw_debug("removed %s %s", kind, en->id);
	}
	return 0;
}

/* Keep the trees of each target's root too (toolchains/roots.c: the merged
 * Debian root, the trees of "unpack" layers).  A root whose layers this
 * pinwheel cannot build keeps only what its artifacts keep. */
static void keep_root_trees(struct gc_state *g, const struct pw_lockset *lf, size_t *cap)
{
	for (size_t k = 0; k < lf->nroots; k++) {
		struct pw_root_plan p;
		struct pw_err e = PW_ERR_INIT;

		if (pw_roots_plan(NULL, lf, &lf->roots[k], PW_ROOTS_IDS, &p, &e) < 0) {
			pw_debug("store gc: %s", e.msg);
			continue;
		}
		for (size_t t = 0; t < p.n; t++) {
			if (g->nblobs + g->ntrees + 2 > *cap) {
				*cap = *cap ? *cap * 2 : 64;
				g->keep_blobs = pw_xrealloc(g->keep_blobs, *cap * sizeof(char *));
				g->keep_trees = pw_xrealloc(g->keep_trees, *cap * sizeof(char *));
			}
			g->keep_trees[g->ntrees++] = steal_pointer(&p.trees[t].id);
		}
		pw_root_plan_release(&p);
	}
}

/* Keep the blobs an action record names (the action cache's outputs). */
struct gc_ac {
	struct gc_state *g;
	size_t *cap;
};

static int keep_ac_blobs(void *ud, const struct pw_ac_record *rec)
{
	struct gc_ac *ga = ud;
	struct gc_state *g = ga->g;

	for (size_t i = 0; i < rec->n; i++) {
		if (g->nblobs + g->ntrees + 2 > *ga->cap) {
			*ga->cap = *ga->cap ? *ga->cap * 2 : 64;
			g->keep_blobs = pw_xrealloc(g->keep_blobs, *ga->cap * sizeof(char *));
			g->keep_trees = pw_xrealloc(g->keep_trees, *ga->cap * sizeof(char *));
		}
		g->keep_blobs[g->nblobs++] = pw_xstrdup(rec->outputs[i].sha256);
	}
	return 0;
}

static int cmd_gc(struct pw_ctx *ctx, int argc, char **argv)
{
	struct gc_state g = {.ctx = ctx};
	struct pw_err e = PW_ERR_INIT;
	const char **locks = pw_xcalloc((size_t)argc, sizeof(*locks));
	_cleanup_free_ char *storedir = NULL;
	size_t nlocks = 0, i, j, cap = 0;
	unsigned removed_tmp = 0;
	bool missing, no_wait = false;
	const char *v;
	int r, st = PW_EXIT_FAIL;

	for (int a = 1; a < argc; a++) {
		r = pw_global_opt(ctx, argc, argv, &a);
		if (r < 0) {
			st = PW_EXIT_USAGE;
			goto out;
		}
		if (r > 0)
			continue;
		if ((v = pw_opt_arg("--keep", argc, argv, &a, &missing)) || missing) {
			if (missing) {
				st =
				    pw_usage_error("store gc", "option '--keep' needs a lock file");
				goto out;
			}
			locks[nlocks++] = v;
		} else if (!strcmp(argv[a], "--no-wait")) {
			no_wait = true;
		} else if (nlocks > 0 && argv[a][0] != '-') {
			locks[nlocks++] = argv[a]; /* --keep A B ... */
		} else {
			st = pw_usage_error("store gc", "unexpected argument '%s'", argv[a]);
			goto out;
		}
	}
	if (nlocks == 0) {
		st = pw_usage_error("store gc", "give at least one --keep LOCKFILE (what to keep)");
		goto out;
	}
	storedir = pw_ctx_store_dir(ctx);
	for (i = 0; i < nlocks; i++) {
		struct pw_lockset lf = PW_LOCKSET_INIT;
		if (pw_lock_load(locks[i], &lf, &e) < 0 ||
		    pw_lock_check_blobs(locks[i], &lf, storedir, &e) < 0) {
			pw_error("store gc: %s", e.msg);
			pw_lockset_release(&lf);
			st = PW_EXIT_USAGE;
			goto out;
		}
		for (j = 0; j < lf.n; j++) {
			struct pw_artifact *a = &lf.artifacts[j];
			if (g.nblobs + g.ntrees + 2 > cap) {
				cap = cap ? cap * 2 : 64;
				g.keep_blobs = pw_xrealloc(g.keep_blobs, cap * sizeof(char *));
				g.keep_trees = pw_xrealloc(g.keep_trees, cap * sizeof(char *));
			}
			g.keep_blobs[g.nblobs++] = pw_xstrdup(a->sha256);
			if (a->has_unpack)
				g.keep_trees[g.ntrees++] = pw_store_tree_id(a->sha256, &a->unpack);
		}
		keep_root_trees(&g, &lf, &cap);
		pw_lockset_release(&lf);
	}
	if (!storedir) {
		pw_error("store gc: no store directory: use --store, $PINWHEEL_STORE or set HOME");
		goto out;
	}
	/* The store for ourselves: nobody else creates or uses entries while
	 * we decide what is unused (docs/store.md, "The store-wide lock"). */
	g.s = pw_store_open_exclusive(storedir, false, &e);
	if (!g.s && errno == EBUSY && !no_wait) {
		pw_info("store gc: waiting: %s", e.msg);
		pw_err_clear(&e);
		g.s = pw_store_open_exclusive(storedir, true, &e);
	}
	if (!g.s) {
		pw_error("store gc: %s%s", e.msg,
			 errno == EBUSY ? " (--no-wait: not waiting)" : "");
		goto out;
	}
	r = pw_store_clean(g.s, &removed_tmp, &e);
	if (r == 0) {
		struct gc_ac ga = {&g, &cap};

		r = pw_ac_foreach(g.s, keep_ac_blobs, &ga, NULL, &e);
	}
	if (r == 0)
		r = pw_store_foreach(g.s, gc_one, &g, &e);
	pw_store_close(g.s);
	if (r < 0) {
		pw_error("store gc: %s", e.msg);
		goto out;
	}
	if (!ctx->json) {
		char freed[16];
		pw_format_bytes(g.freed, freed, sizeof(freed));
		pw_info("removed %u entries (%s), %u stale temp entries%s", g.removed, freed,
			removed_tmp, g.busy ? "; some entries in use were kept" : "");
	}
	st = g.err ? PW_EXIT_FAIL : PW_EXIT_OK;
out:
	for (i = 0; i < g.nblobs; i++)
		free(g.keep_blobs[i]);
	for (i = 0; i < g.ntrees; i++)
		free(g.keep_trees[i]);
	free(g.keep_blobs);
	free(g.keep_trees);
	free(locks);
	return st;
}

int pw_cmd_store(struct pw_ctx *ctx, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_store, stdout);
			return PW_EXIT_OK;
		}
	/* Global options may come before the subcommand too. */
	for (i = 1; i < argc; i++) {
		int r = pw_global_opt(ctx, argc, argv, &i);
		if (r < 0)
			return PW_EXIT_USAGE;
		if (r == 0)
			break;
	}
	if (i >= argc)
		return pw_usage_error("store", "missing subcommand (add, ls, verify or gc)");
	if (!strcmp(argv[i], "add"))
		return cmd_add(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "ls"))
		return cmd_ls(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "verify"))
		return cmd_verify(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "gc"))
		return cmd_gc(ctx, argc - i, argv + i);
	return pw_usage_error("store", "unknown subcommand '%s' (expected add, ls, verify or gc)",
			      argv[i]);
}
