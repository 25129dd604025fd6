/* cmd_build.c - `pinwheel build`: parse the options and hand over to
 * runner/build/build.c (include/pinwheel/build.h). */
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/actions.h"
#include "pinwheel/build.h"
#include "pinwheel/cli.h"
#include "pinwheel/config.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"

struct build_args {
	const char *dir, *out, *cache_url;
	struct pw_strv only, skip;
	unsigned jobs;
	bool no_cache, no_cache_write, no_action_cache, no_compile_cache, stats, locked;
	struct pw_opt_shard shard;
	uint64_t sde;
};

static const struct pw_opt build_opts[] = {
    { .name = NULL, .kind = PW_ARG_STR, PW_OPT_AT(struct build_args, dir), .meta = "DIR|SDIST" },
    PW_OPT_ONLY(struct build_args, only, "build only target ID (repeatable)"),
    PW_OPT_SKIP(struct build_args, skip, "leave out targets matching GLOB (repeatable)"),
    PW_OPT_JOBS(struct build_args, jobs,
		"build N targets at once (default: the CPUs, at most the targets to build); every "
		"build step sees the same job count whatever N is"),
    PW_OPT_OUT(struct build_args, out, "output directory (default DIR/wheelhouse)"),
    PW_OPT_NO_CACHE(struct build_args, no_cache,
		    "build every target even when cached, and run before_all again; every "
		    "compile runs too (the results are still recorded)"),
    {.name = "--no-cache-write",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct build_args, no_cache_write),
     .help = "neither use nor record the action cache nor the compile cache (what 'pinwheel "
	     "verify' runs its second build with)"},
    {.name = "--no-action-cache",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct build_args, no_action_cache),
     .help = "as --no-cache (every target built, before_all run again), but compiles "
	     "still come from the compile cache: the whole pipeline runs, the compilers "
	     "only on a miss"},
    {.name = "--no-compile-cache",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct build_args, no_compile_cache),
     .help = "compile without the store's compile cache (as the config's \"compile_cache\": "
	     "false does; docs/compile-cache.md)"},
    {.name = "--stats",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct build_args, stats),
     .help = "after the summary, a table of each target's compile cache hits, misses, "
	     "uncacheable compiles and damaged entries compiled again, C and C++ objects "
	     "and Rust crates"},
    PW_OPT_SHARD(struct build_args, shard,
		 "build only shard K of N (1 <= K <= N): the selected targets in matrix order "
		 "dealt round-robin; shard 1 also writes the sdist ('pinwheel plan --shard K/N' "
		 "shows the slice)"),
    PW_OPT_CACHE_URL(struct build_args, cache_url,
		     "share the action cache through an HTTP cache (bazel-remote's protocol; "
		     "default $PINWHEEL_CACHE_URL, '' for none)"),
    {.name = "--locked",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct build_args, locked),
     .help = "use pinwheel.lock as it is (for CI): a missing or stale lock is an error (exit 2) "
	     "instead of being written first"},
    {.name = "--release-epoch",
     .kind = PW_ARG_UINT,
     .flags = PW_OPT_HIDDEN,
     PW_OPT_AT(struct build_args, sde),
     .meta = "N",
     .min = 1,
     .max = INT64_MAX,
     .help = "SOURCE_DATE_EPOCH of the release being rebuilt (what 'pinwheel verify --against' "
	     "passes from the manifest), over the source's and the config's"},
    PW_OPT_DOC("--json", "print one JSON document instead of the table"),
};

const struct pw_cli_cmd pw_cli_build = {
    .name = "build",
    .opts = build_opts,
    .nopts = PW_ARRAY_SIZE(build_opts),
    .usage = "usage: pinwheel build [DIR|SDIST] [--only ID]... [--skip GLOB]... [--jobs N]\n"
	     "                      [--out DIR] [--no-cache] [--no-action-cache]\n"
	     "                      [--no-compile-cache] [--stats]\n"
	     "                      [--shard K/N] [--cache-url URL] [--locked]\n\n"
	     "Build the wheels of every target of DIR's config (DIR defaults to .):\n"
	     "pinwheel.json, or pyproject.toml's [tool.pinwheel] over what zero config\n"
	     "derives from pyproject.toml (docs/config.md).  Offline, each target in its\n"
	     "sandboxed root from pinwheel.lock: export the source\n"
	     "(git ls-files in a git checkout), build the sdist once (PEP 517 build_sdist)\n"
	     "and normalise it, then per target build the wheel from the unpacked sdist\n"
	     "(PEP 517 build_wheel), audit it, repair it when it needs libraries outside\n"
	     "its manylinux policy, retag and repack it deterministically, and smoke-test\n"
	     "it in a fresh sandbox (install, import every extension, the config's test\n"
	     "command), and again in the target's old root when it has one (bullseye\n"
	     "with its CPython built for bullseye, cross-compiled for aarch64 and run\n"
	     "under qemu; by default for a manylinux floor: test.old_root).  Writes OUT/*.whl, the sdist, OUT/pinwheel-manifest.json (in-toto\n"
	     "+ SLSA provenance) and OUT/logs/ID.log.  Never touches the network but\n"
	     "for the shared cache of --cache-url, and when pinwheel.lock is missing\n"
	     "or stale (the config changed): then it is written first, as 'pinwheel lock'\n"
	     "does, and its artifacts fetched, with a line saying so (--locked refuses).\n"
	     "SDIST, a NAME-VERSION.tar.gz file, is built with the config of the current\n"
	     "directory: its wheels come from it, copied unchanged to OUT, with no\n"
	     "build_sdist.  A directory without git holding PKG-INFO (an unpacked sdist)\n"
	     "is its own sdist: packed as it is, with no build_sdist.  In a git checkout\n"
	     "whose top is DIR, build_sdist sees a clone of the repository at /src/.git\n"
	     "when the root has git (docs/build.md).\n"
	     "A target (and the sdist) whose action key is in the store's action cache\n"
	     "is not rebuilt: its wheel and log come from the store and the summary says\n"
	     "\"cached\" (docs/cache.md).  The config's before_all runs once per root\n"
	     "before its first step, and what it writes to the root is kept as a cached\n"
	     "layer of that root (docs/config.md).  C and C++ compiles through the\n"
	     "manylinux floor's compiler are looked up in the store's compile cache by\n"
	     "content (the root, the arguments, the preprocessed input): a hit is the\n"
	     "same object a compile gives, checked by its sha256 (docs/compile-cache.md).\n"
	     "cargo's library crates are looked up the same way (rustc's content, the\n"
	     "arguments, every file and crate the compile reads), shared by targets\n"
	     "with the same rustc, whatever their Python version.\n",
    .epilogue = "exit status: 0 every target built and passed its smoke test; 1 a target\n"
		"failed (the others are still built) or a root is not fetched; 2 usage or\n"
		"configuration error, no or a stale pinwheel.lock with --locked; 130/143 stopped by\n"
		"SIGINT/SIGTERM (workers killed, no temp files left in OUT).\n",
};

/* The build options from the parsed arguments; 0 or the usage error's
 * exit status. */
static int build_opts_from(const struct build_args *a, struct pw_build_opts *o)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->dir = a->dir ? a->dir : ".";
	/* an sdist file: the config is the current directory's */
	if (a->dir && stat(a->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		size_t l = strlen(a->dir);

		if (!S_ISREG(st.st_mode) || l < 7 || strcmp(a->dir + l - 7, ".tar.gz"))
			return pw_usage_error("build",
					      "'%s': expected a project directory or an sdist "
					      "(NAME-VERSION.tar.gz)",
					      a->dir);
		o->sdist = a->dir;
		o->dir = ".";
	}
	o->only = a->only.v;
	o->nonly = a->only.n;
	o->skip = a->skip.v;
	o->nskip = a->skip.n;
	o->jobs = a->jobs;
	o->out = a->out;
	o->no_cache = a->no_cache || a->no_cache_write || a->no_action_cache;
	o->compile_cache_on = a->no_action_cache && !a->no_cache && !a->no_cache_write;
	o->no_cache_write = a->no_cache_write;
	o->no_compile_cache = a->no_compile_cache;
	o->stats = a->stats;
	o->sde = a->sde;
	o->shard_k = a->shard.k;
	o->shard_n = a->shard.n;
	o->cache_url = pw_remote_pick_url(a->cache_url);
	if (o->cache_url) { /* a malformed URL is a usage error, before any work */
		struct pw_err e = PW_ERR_INIT;
		struct pw_remote *rm = pw_remote_open(o->cache_url, &e);

		if (!rm)
			return pw_usage_error("build", "%s", e.msg);
		pw_remote_close(rm);
	}
	return 0;
}

/* A missing or stale pinwheel.lock: written and fetched first (as `uv
 * run` locks), or refused with --locked.  PW_EXIT_OK to go on building,
 * else the exit status.  What is not a config or a lock is left for the
 * build to report. */
static int ensure_lock(struct pw_ctx *ctx, const char *dir, bool locked)
{
	struct pw_lockset ls = PW_LOCKSET_INIT;
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	struct pw_err e = PW_ERR_INIT;
	struct pw_ctx own = *ctx;
	_cleanup_free_ char *lockpath = NULL;
	struct pw_config c;
	bool missing, stale = false;
	int r, st = PW_EXIT_OK;

	if (pw_config_load(dir, &c, &e) < 0)
		return PW_EXIT_OK;
	lockpath =
	    strcmp(c.dir, ".") ? pw_path_join(c.dir, PW_LOCK_FILE) : pw_xstrdup(PW_LOCK_FILE);
	r = pw_lock_read(lockpath, &b, &e);
	missing = r == -ENOENT;
	if (r == 0 && pw_lock_parse(lockpath, b.buf, b.len, &ls, &e) == 0)
		stale = strcmp(ls.config_digest, c.lock_digest) != 0;
	if ((missing || stale) && locked) {
		if (missing)
			pw_error("build: no '%s' (--locked): run 'pinwheel lock' and keep the lock "
				 "with the project",
				 lockpath);
		else
			pw_error("build: '%s' is stale: the config changed since it was written "
				 "(--locked): run 'pinwheel lock'",
				 lockpath);
		st = PW_EXIT_USAGE;
	} else if (missing || stale) {
		if (missing)
			pw_info("build: no '%s': writing it first ('pinwheel lock'), then fetching",
				lockpath);
		else
			pw_info("build: '%s' is stale (the config changed): locking again "
				"('pinwheel lock'), then fetching",
				lockpath);
		own.json = false; /* stdout carries the build's own document */
		st = pw_lock_project(&own, &c, lockpath, false, 0);
		if (st == PW_EXIT_OK)
			st = pw_fetch_project(&own, c.dir, false, 8, true);
	}
	pw_lockset_release(&ls);
	pw_buf_release(&b);
	pw_config_release(&c);
	return st;
}

int pw_cmd_build(struct pw_ctx *ctx, int argc, char **argv)
{
	struct build_args a;
	struct pw_build_opts o;
	char *store;
	int st;

	memset(&a, 0, sizeof(a));
	st = pw_cli_parse(ctx, &pw_cli_build, &a, argc, argv, NULL);
	if (st != PW_CLI_GO)
		goto out;
	st = build_opts_from(&a, &o);
	if (st)
		goto out;
	st = ensure_lock(ctx, o.dir, a.locked);
	if (st)
		goto out;
	store = pw_ctx_store_dir(ctx);
	o.store_dir = store;
	st = pw_build_run(&o);
	free(store);
out:
	pw_strv_release(&a.only);
	pw_strv_release(&a.skip);
	return st;
}
