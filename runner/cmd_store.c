/* cmd_store.c - `pinwheel store add|ls|verify|gc`. */
#include <limits.h>
#include <string.h>

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pinwheel/actions.h"
#include "pinwheel/compile_cache.h"
#include "pinwheel/bundle.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/progress.h"
#include "pinwheel/cli.h"
#include "pinwheel/fetch_ui.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"
#include "pinwheel/roots.h"
#include "pinwheel/store.h"
#include "pinwheel/log.h"

static bool sha256_ok(const char *s)
{
	return pw_sha256_hex_valid(s);
}

static bool subdir_ok(const char *s)
{
	return *s && s[0] != '/' && !strstr(s, "..");
}

#define STRIP_UNSET UINT_MAX

struct add_args {
	const char *src, *sha256, *subdir;
	uint64_t size;
	unsigned strip; /* STRIP_UNSET: not given */
	bool unpack;
};

static const struct pw_opt add_opts[] = {
    {.name = NULL,
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct add_args, src),
     .meta = "URL or FILE"},
    {.name = "--sha256",
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct add_args, sha256),
     .meta = "HEX",
     .what = "64 lowercase hex digits",
     .check = sha256_ok,
     .help = "expected sha256 (64 lowercase hex digits)"},
    {.name = "--size",
     .kind = PW_ARG_UINT,
     PW_OPT_AT(struct add_args, size),
     .meta = "N",
     .what = "a number of bytes",
     .help = "expected size in bytes (also caps a download)"},
    {.name = "--unpack",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct add_args, unpack),
     .help = "make the unpacked tree too"},
    {.name = "--strip",
     .kind = PW_ARG_UINT,
     PW_OPT_AT(struct add_args, strip),
     .meta = "N",
     .max = 64,
     .help = "with --unpack: leading path components to drop"},
    {.name = "--subdir",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct add_args, subdir),
     .meta = "P",
     .what = "a relative path without '..'",
     .check = subdir_ok,
     .help = "with --unpack: only entries under P (after --strip)"},
};

static const struct pw_cli_cmd cli_add = {
    .name = "store add", .opts = add_opts, .nopts = PW_ARRAY_SIZE(add_opts)};
static const struct pw_cli_cmd cli_ls = {.name = "store ls"};
static const struct pw_cli_cmd cli_verify = {.name = "store verify"};

/* gc's operands: more lock files after a --keep ("--keep A B"). */
static int more_keep(const struct pw_opt *o, void *keep, const char *const *v, struct pw_err *e)
{
	(void)o;
	if (!((struct pw_strv *)keep)->n)
		return pw_err_set(e, EINVAL, "unexpected argument '%s'", v[0]);
	pw_strv_push(keep, v[0]);
	return 0;
}

struct gc_args {
	struct pw_strv keep;
	bool no_wait;
	unsigned cc_days; /* the compile cache's entries unused this long go */
};
#define GC_CC_DAYS 30

static const struct pw_opt gc_opts[] = {
    {.name = NULL,
     .kind = PW_ARG_CALL,
     PW_OPT_AT(struct gc_args, keep),
     .call = more_keep,
     .nargs = 1,
     .meta = "LOCKFILE"},
    {.name = "--keep",
     .kind = PW_ARG_LIST,
     PW_OPT_AT(struct gc_args, keep),
     .meta = "LOCKFILE...",
     .what = "a lock file",
     .help = "pinwheel.lock files whose artifacts are kept (--keep A B and --keep A --keep B "
	     "both work)"},
    {.name = "--no-wait",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct gc_args, no_wait),
     .help = "when another process uses the store, name it and exit 1 instead of waiting"},
    {.name = "--compile-cache-days",
     .kind = PW_ARG_UINT,
     .meta = "N",
     PW_OPT_AT(struct gc_args, cc_days),
     .min = 0,
     .max = 36500,
     .what = "a number of days",
     .help = "remove the compile cache's objects no build used for N days (default 30; 0: "
	     "all of them)"},
};

static const struct pw_cli_cmd cli_gc = {
    .name = "store gc", .opts = gc_opts, .nopts = PW_ARRAY_SIZE(gc_opts)};

struct export_args {
	const char *dir;
	struct pw_strv locks;
	const char *out;
};

static const struct pw_opt export_opts[] = {
    PW_OPT_PROJECT_DIR(struct export_args, dir),
    {.name = "--lock",
     .kind = PW_ARG_LIST,
     PW_OPT_AT(struct export_args, locks),
     .meta = "LOCKFILE",
     .what = "a lock file",
     .help = "export the artifacts of this lock (repeatable; default: DIR/pinwheel.lock)"},
    {.name = "--out",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct export_args, out),
     .meta = "FILE",
     .what = "a file name",
     .help = "the archive to write (default: stdout, when it is not a terminal)"},
    PW_OPT_DOC("--json", "with --out: {\"event\": \"export\", \"artifacts\", \"bytes\", \"path\"}"),
};

static const struct pw_cli_cmd cli_export = {
    .name = "store export", .opts = export_opts, .nopts = PW_ARRAY_SIZE(export_opts)};

struct import_args {
	const char *file;
};

static const struct pw_opt import_opts[] = {
    {.name = NULL,
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct import_args, file),
     .meta = "FILE"},
    PW_OPT_DOC("--json", "one {\"event\": \"import\", \"sha256\", \"name\", \"kind\", \"size\", "
			 "\"status\"} per member (imported, present or refused with \"error\"), then "
			 "{\"event\": \"imported\"} with the counts"),
};

static const struct pw_cli_cmd cli_import = {
    .name = "store import", .opts = import_opts, .nopts = PW_ARRAY_SIZE(import_opts)};

static const struct pw_cli_cmd *const store_subs[] = {&cli_add,	   &cli_ls,	&cli_verify,
						      &cli_gc,	   &cli_export, &cli_import};

static const struct pw_opt store_opts[] = {
    PW_OPT_DOC("--json", "one JSON object per line on stdout"),
};

const struct pw_cli_cmd pw_cli_store = {
    .name = "store",
    .opts = store_opts,
    .nopts = PW_ARRAY_SIZE(store_opts),
    .subs = store_subs,
    .nsubs = PW_ARRAY_SIZE(store_subs),
    .flags = PW_OPTS_STOP_OPERAND,
    .usage = "usage: pinwheel store add URL|FILE --sha256 HEX [--size N]\n"
	     "                          [--unpack [--strip N] [--subdir P]]\n"
	     "       pinwheel store ls\n"
	     "       pinwheel store verify\n"
	     "       pinwheel store gc --keep LOCKFILE... [--no-wait] [--compile-cache-days N]\n"
	     "       pinwheel store export [DIR] [--lock LOCKFILE]... [--out FILE]\n"
	     "       pinwheel store import FILE\n\n"
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
	     "           temp files; the compile cache's objects no build used for 30 days\n"
	     "           (--compile-cache-days), and Zig caches of roots no lock keeps.\n"
	     "           gc takes the store for itself: it waits until no\n"
	     "           other pinwheel process uses the store (fetch, build, lock, run)\n"
	     "           and commands started meanwhile wait for it\n"
	     "  export   write every artifact the given locks pin (default DIR/pinwheel.lock)\n"
	     "           into one uncompressed tar with an index (pinwheel-bundle.json):\n"
	     "           the same blobs give the same bytes.  Artifacts only: derived trees\n"
	     "           (roots, CPython built from source) are rebuilt from them.  Every\n"
	     "           artifact must be in the store (run 'pinwheel fetch' first)\n"
	     "  import   put every blob of an exported archive into the store, each verified\n"
	     "           against its sha256 as it is stored (the index is not trusted); a\n"
	     "           member whose content differs is refused and named (exit 1); a\n"
	     "           truncated or malformed archive stores nothing\n",
    .epilogue = "exit status: 0 success, 1 failure (fetch, mismatch, damage), 2 usage error\n",
};

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
	struct add_args a = {.size = PW_STORE_SIZE_UNKNOWN, .strip = STRIP_UNSET};
	struct pw_unpack_opts uo = {0, NULL, 0, 0};
	struct pw_err e = PW_ERR_INIT;
	bool cached = false;
	const char *src, *sha;
	struct pw_store *s;
	int r, st = PW_EXIT_FAIL;

	r = pw_cli_parse(ctx, &cli_add, &a, argc, argv, NULL);
	if (r != PW_CLI_GO)
		return r;
	if ((a.strip != STRIP_UNSET || a.subdir) && !a.unpack)
		return pw_usage_error("store add", "--strip and --subdir need --unpack");
	src = a.src;
	sha = a.sha256;
	uo.strip = a.strip == STRIP_UNSET ? 0 : a.strip;
	uo.subdir = a.subdir;

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
					   .size = a.size,
					   .unpack = a.unpack ? &uo : NULL};
		struct pw_fetch_opts o;
		bool json = ctx->json;

		pw_fetch_opts_init(&o);
		o.jobs = 1;
		ctx->json = false; /* the add event below replaces the fetch event */
		st = pw_fetch_ui_run(ctx, NULL, s, &it, 1, &o);
		ctx->json = json;
		if (st == PW_EXIT_OK)
			print_added(ctx, a.unpack ? "tree" : "blob", sha, it.path, it.cached);
		pw_fetch_item_release(&it);
		goto out;
	}
	r = pw_store_add_file(s, src, sha, a.size, &cached, &e);
	if (r < 0) {
		pw_error("store add: %s", e.msg);
		goto out;
	}
	if (a.unpack) {
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

static int cmd_ls(struct pw_ctx *ctx, int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_store *s;
	int r;

	r = pw_cli_parse(ctx, &cli_ls, NULL, argc, argv, NULL);
	if (r != PW_CLI_GO)
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

	r = pw_cli_parse(ctx, &cli_verify, NULL, argc, argv, NULL);
	if (r != PW_CLI_GO)
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
		char zid[PW_SHA256_HEX];
		bool zig;

		if (pw_roots_plan(NULL, lf, &lf->roots[k], PW_ROOTS_IDS, &p, &e) < 0) {
			pw_debug("store gc: %s", e.msg);
			continue;
		}
		/* the root's warmed Zig cache (compile_cache.h), named by the
		 * trees of its zig layer */
		zig = pw_cc_zig_warm_id(&p, zid);
		for (size_t t = 0; t < p.n; t++) {
			if (g->nblobs + g->ntrees + 2 > *cap) {
				*cap = *cap ? *cap * 2 : 64;
				g->keep_blobs = pw_xrealloc(g->keep_blobs, *cap * sizeof(char *));
				g->keep_trees = pw_xrealloc(g->keep_trees, *cap * sizeof(char *));
			}
			g->keep_trees[g->ntrees++] = steal_pointer(&p.trees[t].id);
		}
		if (zig) /* room: the loop leaves one slot free */
			g->keep_trees[g->ntrees++] = pw_xstrdup(zid);
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
	struct gc_args args = {PW_STRV_INIT, false, GC_CC_DAYS};
	unsigned cc_removed = 0;
	uint64_t cc_freed = 0;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *storedir = NULL;
	size_t i, j, cap = 0;
	unsigned removed_tmp = 0;
	int r, st;

	st = pw_cli_parse(ctx, &cli_gc, &args, argc, argv, NULL);
	if (st != PW_CLI_GO)
		goto out;
	st = PW_EXIT_FAIL;
	if (args.keep.n == 0) {
		st = pw_usage_error("store gc", "give at least one --keep LOCKFILE (what to keep)");
		goto out;
	}
	storedir = pw_ctx_store_dir(ctx);
	for (i = 0; i < args.keep.n; i++) {
		struct pw_lockset lf = PW_LOCKSET_INIT;
		if (pw_lock_load(args.keep.v[i], &lf, &e) < 0 ||
		    pw_lock_check_blobs(args.keep.v[i], &lf, storedir, &e) < 0) {
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
	if (!g.s && errno == EBUSY && !args.no_wait) {
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
	if (r == 0)
		r = pw_cc_gc(storedir, args.cc_days, &cc_removed, &cc_freed, &e);
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
		pw_format_bytes(cc_freed, freed, sizeof(freed));
		pw_info("removed %u compile cache objects (%s) unused for %u days", cc_removed,
			freed, args.cc_days);
	}
	st = g.err ? PW_EXIT_FAIL : PW_EXIT_OK;
out:
	for (i = 0; i < g.nblobs; i++)
		free(g.keep_blobs[i]);
	for (i = 0; i < g.ntrees; i++)
		free(g.keep_trees[i]);
	free(g.keep_blobs);
	free(g.keep_trees);
	pw_strv_release(&args.keep);
	return st;
}

/* ---- export / import (toolchains/store/bundle.c) ---- */

struct bundle_ui {
	const struct pw_ctx *ctx;
	struct pw_progress *p;
	const char *path;
	unsigned imported, present, refused;
	uint64_t bytes;
};

static void bundle_progress(void *ud, const char *name, size_t i, size_t n, uint64_t done,
			    uint64_t size)
{
	struct bundle_ui *u = ud;
	struct pw_progress_row row = {i, name, done, size};
	struct pw_progress_row sum = {SIZE_MAX, "total", 0, 0};

	pw_progress_update(u->p, &row, 1, &sum, i, n, false);
}

/* Append the artifacts of @lf to @items (duplicates dropped later). */
static void collect(struct pw_bundle_item **items, size_t *n, const struct pw_lockset *lf)
{
	*items = pw_xrealloc(*items, (*n + lf->n + 1) * sizeof(**items));
	for (size_t i = 0; i < lf->n; i++) {
		const struct pw_artifact *a = &lf->artifacts[i];
		struct pw_bundle_item *it = &(*items)[(*n)++];

		memcpy(it->sha256, a->sha256, PW_SHA256_HEX);
		it->size = a->size;
		it->kind = a->kind ? a->kind : "";
		it->name = a->name;
		it->url = a->nurls ? a->urls[0] : "";
	}
}

/* Sort by digest, then kind, name and url: of one digest pinned under
 * several names the index names the first in that order (the same bytes
 * whatever the order of the locks). */
static int cmp_item_sha(const void *x, const void *y)
{
	const struct pw_bundle_item *a = x, *b = y;
	int c = strcmp(a->sha256, b->sha256);

	if (!c)
		c = strcmp(a->kind, b->kind);
	if (!c)
		c = strcmp(a->name, b->name);
	if (!c)
		c = strcmp(a->url, b->url);
	return c;
}

static size_t uniq_items(struct pw_bundle_item *items, size_t n)
{
	size_t k = 0;

	if (n > 1)
		qsort(items, n, sizeof(*items), cmp_item_sha);
	for (size_t i = 0; i < n; i++)
		if (!k || strcmp(items[k - 1].sha256, items[i].sha256) != 0)
			items[k++] = items[i];
	return k;
}

/* Write to a temp file beside @out, rename it into place when complete. */
static int export_to(struct pw_store *s, struct pw_bundle_item *items, size_t n, const char *out,
		     struct bundle_ui *u, struct pw_err *e)
{
	_cleanup_free_ char *tmp = NULL, *dcopy = NULL;
	int fd, r;

	if (!strcmp(out, "-"))
		return pw_bundle_write(s, items, n, STDOUT_FILENO, "stdout", bundle_progress, u,
				       e);
	tmp = pw_xasprintf("%s.XXXXXX", out);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not create a file beside '%s'", out);
	r = pw_bundle_write(s, items, n, fd, out, bundle_progress, u, e);
	if (r == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = pw_err_sys(e, errno, "could not write '%s'", tmp);
	if (close(fd) < 0 && r == 0)
		r = pw_err_sys(e, errno, "could not write '%s'", tmp);
	if (r == 0 && rename(tmp, out) < 0)
		r = pw_err_sys(e, errno, "could not rename '%s' to '%s'", tmp, out);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	dcopy = pw_xstrdup(out);
	if (pw_fsync_dir(dirname(dcopy)) < 0)
		return pw_err_sys(e, errno, "could not sync the directory of '%s'", out);
	return 0;
}

static int cmd_export(struct pw_ctx *ctx, int argc, char **argv)
{
	struct export_args a = {NULL, PW_STRV_INIT, NULL};
	struct pw_lockset *sets = NULL;
	struct pw_bundle_item *items = NULL;
	struct bundle_ui u = {.ctx = ctx};
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *storedir = NULL, *deflock = NULL;
	struct pw_store *s = NULL;
	size_t i, n = 0, nsets = 0, missing = 0;
	const char *out;
	int st;

	st = pw_cli_parse(ctx, &cli_export, &a, argc, argv, NULL);
	if (st != PW_CLI_GO)
		goto out;
	st = PW_EXIT_USAGE;
	if (a.dir && a.locks.n) {
		pw_usage_error("store export", "give DIR or --lock, not both");
		goto out;
	}
	out = a.out ? a.out : "-";
	if (!strcmp(out, "-") && isatty(STDOUT_FILENO)) {
		pw_usage_error("store export", "stdout is a terminal: give --out FILE");
		goto out;
	}
	if (!a.locks.n) {
		deflock = pw_path_join(a.dir ? a.dir : ".", PW_LOCK_FILE);
		pw_strv_push(&a.locks, deflock);
	}
	storedir = pw_ctx_store_dir(ctx);
	sets = pw_xcalloc(a.locks.n, sizeof(*sets));
	for (i = 0; i < a.locks.n; i++, nsets++) {
		sets[i] = (struct pw_lockset)PW_LOCKSET_INIT;
		if (pw_lock_load(a.locks.v[i], &sets[i], &e) < 0 ||
		    pw_lock_check_blobs(a.locks.v[i], &sets[i], storedir, &e) < 0) {
			pw_error("store export: %s", e.msg);
			nsets++;
			goto out;
		}
		collect(&items, &n, &sets[i]);
	}
	n = uniq_items(items, n);
	st = PW_EXIT_FAIL;
	s = open_store(ctx);
	if (!s)
		goto out;
	for (i = 0; i < n; i++)
		if (!pw_store_has_blob(s, items[i].sha256)) {
			pw_error("store export: '%s' (sha256 %s) is not in the store", items[i].name,
				 items[i].sha256);
			missing++;
		}
	if (missing) {
		pw_error("store export: %zu artifacts missing: run 'pinwheel fetch' first; nothing "
			 "written",
			 missing);
		goto out;
	}
	u.p = pw_progress_new(1);
	if (export_to(s, items, n, out, &u, &e) < 0) {
		pw_progress_free(u.p);
		pw_error("store export: %s", e.msg);
		goto out;
	}
	pw_progress_free(u.p);
	for (i = 0; i < n; i++)
		u.bytes += items[i].size;
	if (ctx->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:s}", "event", "export", "artifacts",
				      (json_int_t)n, "bytes", (json_int_t)u.bytes, "path", out);
		if (strcmp(out, "-") != 0) {
			pw_json_print_line(j);
		}
		json_decref(j);
	} else {
		char b[16];
		pw_format_bytes(u.bytes, b, sizeof(b));
		pw_info("exported %zu artifacts (%s) to '%s'", n, b,
			strcmp(out, "-") ? out : "stdout");
	}
	st = PW_EXIT_OK;
out:
	if (s)
		pw_store_close(s);
	for (i = 0; i < nsets; i++)
		pw_lockset_release(&sets[i]);
	free(sets);
	free(items);
	pw_strv_release(&a.locks);
	return st;
}

static void import_each(void *ud, const struct pw_bundle_member *m)
{
	struct bundle_ui *u = ud;

	if (m->status == PW_BUNDLE_IMPORTED) {
		u->imported++;
		u->bytes += m->size;
	} else if (m->status == PW_BUNDLE_PRESENT) {
		u->present++;
	} else {
		u->refused++;
		pw_error("store import: '%s': member 'blobs/sha256/%s' ('%s'): %s; not imported",
			 u->path, m->sha256, m->name, m->error);
	}
	if (u->ctx->json) {
		static const char *const names[] = {"imported", "present", "refused"};
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "event", "import", "sha256",
				      m->sha256, "name", m->name, "kind", m->kind, "size",
				      (json_int_t)m->size, "status", names[m->status]);
		if (m->error)
			json_object_set_new(j, "error", json_string(m->error));
		pw_json_print_line(j);
		json_decref(j);
	}
}

static int cmd_import(struct pw_ctx *ctx, int argc, char **argv)
{
	struct import_args a = {NULL};
	struct bundle_ui u = {.ctx = ctx};
	struct pw_err e = PW_ERR_INIT;
	struct pw_store *s;
	int r;

	r = pw_cli_parse(ctx, &cli_import, &a, argc, argv, NULL);
	if (r != PW_CLI_GO)
		return r;
	u.path = a.file;
	s = open_store(ctx);
	if (!s)
		return PW_EXIT_FAIL;
	u.p = pw_progress_new(1);
	r = pw_bundle_import(s, a.file, import_each, bundle_progress, &u, &e);
	pw_progress_free(u.p);
	pw_store_close(s);
	if (r < 0 && !u.refused) {
		pw_error("store import: %s", e.msg);
		return PW_EXIT_FAIL;
	}
	if (ctx->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I}", "event", "imported", "imported",
				      (json_int_t)u.imported, "present", (json_int_t)u.present,
				      "refused", (json_int_t)u.refused, "bytes", (json_int_t)u.bytes);
		pw_json_print_line(j);
		json_decref(j);
	} else {
		char b[16];
		pw_format_bytes(u.bytes, b, sizeof(b));
		pw_info("imported %u artifacts (%s), %u already in the store, %u refused",
			u.imported, b, u.present, u.refused);
	}
	return r < 0 ? PW_EXIT_FAIL : PW_EXIT_OK;
}

int pw_cmd_store(struct pw_ctx *ctx, int argc, char **argv)
{
	int i, r;

	/* Global options may come before the subcommand too. */
	r = pw_cli_parse(ctx, &pw_cli_store, NULL, argc, argv, &i);
	if (r != PW_CLI_GO)
		return r;
	if (i < 0)
		return pw_usage_error("store",
				      "missing subcommand (add, ls, verify, gc, export or import)");
	if (!strcmp(argv[i], "add"))
		return cmd_add(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "ls"))
		return cmd_ls(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "verify"))
		return cmd_verify(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "gc"))
		return cmd_gc(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "export"))
		return cmd_export(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "import"))
		return cmd_import(ctx, argc - i, argv + i);
	return pw_usage_error(
	    "store", "unknown subcommand '%s' (expected add, ls, verify, gc, export or import)",
	    argv[i]);
}
