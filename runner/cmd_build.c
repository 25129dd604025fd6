/* cmd_build.c - `pinwheel build`: parse the options and hand over to
 * runner/build/build.c (include/pinwheel/build.h). */
#include <string.h>

#include "pinwheel/actions.h"
#include "pinwheel/build.h"
#include "pinwheel/cli.h"

const char pw_help_build[] =
    "usage: pinwheel build [DIR] [--only ID]... [--skip GLOB]... [--jobs N]\n"
    "                      [--out DIR] [--no-cache] [--shard K/N]\n"
    "                      [--cache-url URL]\n\n"
    "Build the wheels of every target of DIR/pinwheel.json (DIR defaults to .)\n"
    "offline, each in its sandboxed root from pinwheel.lock: export the source\n"
    "(git ls-files in a git checkout), build the sdist once (PEP 517 build_sdist)\n"
    "and normalise it, then per target build the wheel from the unpacked sdist\n"
    "(PEP 517 build_wheel), audit it, repair it when it needs libraries outside\n"
    "its manylinux policy, retag and repack it deterministically, and smoke-test\n"
    "it in a fresh sandbox (install, import every extension, the config's test\n"
    "command).  Writes OUT/*.whl, the sdist, OUT/pinwheel-manifest.json (in-toto\n"
    "+ SLSA provenance) and OUT/logs/ID.log.  Never touches the network but\n"
    "for the shared cache of --cache-url.\n"
    "A target (and the sdist) whose action key is in the store's action cache\n"
    "is not rebuilt: its wheel and log come from the store and the summary says\n"
    "\"cached\" (docs/cache.md).\n"
    "\noptions:\n"
    "  --only ID      build only target ID (repeatable)\n"
    "  --skip GLOB    leave out targets matching GLOB (repeatable)\n"
    "  --jobs N       build N targets at once (default: the CPUs, at most the\n"
    "                 targets to build); every build step sees the same job\n"
    "                 count whatever N is\n"
    "  --out DIR      output directory (default DIR/wheelhouse)\n"
    "  --no-cache     build every target even when cached (the results are\n"
    "                 still recorded)\n"
    "  --no-cache-write  neither use nor record the action cache (what\n"
    "                 'pinwheel verify' runs its second build with)\n"
    "  --shard K/N    build only shard K of N (1 <= K <= N): the selected targets\n"
    "                 in matrix order dealt round-robin; shard 1 also writes the\n"
    "                 sdist ('pinwheel plan --shard K/N' shows the slice)\n"
    "  --cache-url URL  share the action cache through an HTTP cache (bazel-remote's\n"
    "                 protocol; default $PINWHEEL_CACHE_URL, '' for none)\n"
    "  --json         print one JSON document instead of the table\n"
    "\nexit status: 0 every target built and passed its smoke test; 1 a target\n"
    "failed (the others are still built) or a root is not fetched; 2 usage or\n"
    "configuration error, no or a stale pinwheel.lock; 130/143 stopped by\n"
    "SIGINT/SIGTERM (workers killed, no temp files left in OUT).\n";

int pw_cmd_build(struct pw_ctx *ctx, int argc, char **argv)
{
	struct pw_build_opts o;
	const char **only = pw_xcalloc((size_t)argc + 1, sizeof(char *));
	const char **skip = pw_xcalloc((size_t)argc + 1, sizeof(char *));
	char *store = NULL;
	bool cache_url_set = false;
	int st = PW_EXIT_USAGE, i, r;

	memset(&o, 0, sizeof(o));
	o.only = only;
	o.skip = skip;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;
		uint64_t n;

		if (pw_is_help(a)) {
			fputs(pw_help_build, stdout);
			st = PW_EXIT_OK;
			goto out;
		}
		r = pw_global_opt(ctx, argc, argv, &i);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		if ((v = pw_opt_arg("--only", argc, argv, &i, &missing)) || missing) {
			if (missing) {
				st = pw_usage_error("build", "option '--only' needs a target id");
				goto out;
			}
			only[o.nonly++] = v;
		} else if ((v = pw_opt_arg("--skip", argc, argv, &i, &missing)) || missing) {
			if (missing) {
				st = pw_usage_error("build", "option '--skip' needs a glob");
				goto out;
			}
			skip[o.nskip++] = v;
		} else if ((v = pw_opt_arg("--jobs", argc, argv, &i, &missing)) || missing) {
			if (missing || pw_parse_u64(v, &n) < 0 || n == 0 || n > 64) {
				st = pw_usage_error("build",
						    "--jobs '%s': expected a number from 1 to 64",
						    v ? v : "");
				goto out;
			}
			o.jobs = (unsigned)n;
		} else if ((v = pw_opt_arg("--cache-url", argc, argv, &i, &missing)) || missing) {
			if (missing) {
				st = pw_usage_error("build", "option '--cache-url' needs a URL");
				goto out;
			}
			o.cache_url = v;
			cache_url_set = true;
		} else if ((v = pw_opt_arg("--out", argc, argv, &i, &missing)) || missing) {
			if (missing) {
				st = pw_usage_error("build", "option '--out' needs a directory");
				goto out;
			}
			o.out = v;
		} else if (!strcmp(a, "--no-cache")) {
			o.no_cache = true;
		} else if (!strcmp(a, "--no-cache-write")) {
			o.no_cache = o.no_cache_write = true;
		} else if ((v = pw_opt_arg("--shard", argc, argv, &i, &missing)) || missing) {
			if (missing || pw_shard_parse(v, &o.shard_k, &o.shard_n) < 0) {
				st = pw_usage_error("build",
						    "--shard '%s': expected K/N with 1 <= K <= N",
						    v ? v : "");
				goto out;
			}
		} else if (a[0] == '-' && a[1]) {
			st = pw_usage_error("build", "unknown option '%s'", a);
			goto out;
		} else if (o.dir) {
			st = pw_usage_error("build", "one project DIR only, got '%s' and '%s'", o.dir,
					    a);
			goto out;
		} else {
			o.dir = a;
		}
	}
	if (!o.dir)
		o.dir = ".";
	o.cache_url = pw_remote_pick_url(cache_url_set ? o.cache_url : NULL);
	if (o.cache_url) { /* a malformed URL is a usage error, before any work */
		struct pw_err e = PW_ERR_INIT;
		struct pw_remote *rm = pw_remote_open(o.cache_url, &e);

		if (!rm) {
			st = pw_usage_error("build", "%s", e.msg);
			goto out;
		}
		pw_remote_close(rm);
	}
	store = pw_ctx_store_dir(ctx);
	o.store_dir = store;
	st = pw_build_run(&o);
out:
	free(store);
	free(only);
	free(skip);
	return st;
}
