/* cmd_verify.c - `pinwheel verify`: parse the options and hand over to
 * runner/verify.c (include/pinwheel/verify.h). */
#include <string.h>

#include "pinwheel/cli.h"
#include "pinwheel/verify.h"

const char pw_help_verify[] =
    "usage: pinwheel verify [DIR] [--only ID]... [--skip GLOB]... [--jobs N]\n"
    "                       [--out DIR] [--keep] [--no-cache] [--cache-url URL]\n\n"
    "Build each target twice and compare the wheels and the sdist byte for byte.\n"
    "Build A is `pinwheel build` as usual (writing OUT); build B is a fresh build\n"
    "of a copy of the project under varied outer conditions: another checkout\n"
    "path and depth, files created in reverse order, another umask, TZ, locale,\n"
    "PATH, HOME, a cleared environment with noise, another --jobs, the store at\n"
    "another path, another uid and host name (user, mount and uts namespaces),\n"
    "shifted monotonic clocks (time namespace), one CPU, no ASLR.  Differences\n"
    "are explained: archive members added, removed, changed, reordered or with\n"
    "other metadata; ELF sections that differ; unified diffs of text members.\n"
    "Every output is scanned for the checkout paths, home, store paths, host\n"
    "names and a canary placed in the environment: a leak fails verify even\n"
    "when both builds leak the same.  Writes OUT/verify.json and adds the\n"
    "variations and the result to the byproducts of OUT/pinwheel-manifest.json.\n"
    "\noptions:\n"
    "  --only ID      verify only target ID (repeatable)\n"
    "  --skip GLOB    leave out targets matching GLOB (repeatable)\n"
    "  --jobs N       build A's --jobs (default: build's); build B uses another\n"
    "                 count (N+1, or one more than the CPUs)\n"
    "  --out DIR      output directory of build A (default DIR/wheelhouse)\n"
    "  --keep         keep build B's tree (copy and output) and say where\n"
    "  --no-cache     build A even when cached (B never reads nor writes the\n"
    "                 action cache)\n"
    "  --cache-url URL  build A's remote action cache (as for build: default\n"
    "                 $PINWHEEL_CACHE_URL); B never reads nor writes one\n"
    "  --json         print verify.json instead of the table\n"
    "\nexit status: 0 every target reproducible and free of leaks; 1 a target\n"
    "differs, leaks or failed to build; 2 usage or configuration error.\n";

int pw_cmd_verify(struct pw_ctx *ctx, int argc, char **argv)
{
	struct pw_verify_opts o;
	const char **only = pw_xcalloc((size_t)argc + 1, sizeof(char *));
	const char **skip = pw_xcalloc((size_t)argc + 1, sizeof(char *));
	char *store = NULL;
	int st = PW_EXIT_USAGE, i, r;

	memset(&o, 0, sizeof(o));
	o.only = only;
	o.skip = skip;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;
		uint64_t n;

		if (pw_is_help(a)) {
			fputs(pw_help_verify, stdout);
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
				st = pw_usage_error("verify", "option '--only' needs a target id");
				goto out;
			}
			only[o.nonly++] = v;
		} else if ((v = pw_opt_arg("--skip", argc, argv, &i, &missing)) || missing) {
			if (missing) {
				st = pw_usage_error("verify", "option '--skip' needs a glob");
				goto out;
			}
			skip[o.nskip++] = v;
		} else if ((v = pw_opt_arg("--jobs", argc, argv, &i, &missing)) || missing) {
			if (missing || pw_parse_u64(v, &n) < 0 || n == 0 || n > 63) {
				st = pw_usage_error("verify",
						    "--jobs '%s': expected a number from 1 to 63",
						    v ? v : "");
				goto out;
			}
			o.jobs = (unsigned)n;
		} else if ((v = pw_opt_arg("--out", argc, argv, &i, &missing)) || missing) {
			if (missing) {
				st = pw_usage_error("verify", "option '--out' needs a directory");
				goto out;
			}
			o.out = v;
		} else if (!strcmp(a, "--keep")) {
			o.keep = true;
		} else if (!strcmp(a, "--no-cache")) {
			o.no_cache = true;
		} else if ((v = pw_opt_arg("--cache-url", argc, argv, &i, &missing)) || missing) {
			if (missing) {
				st = pw_usage_error("verify", "option '--cache-url' needs a URL");
				goto out;
			}
			o.cache_url = v;
		} else if (a[0] == '-' && a[1]) {
			st = pw_usage_error("verify", "unknown option '%s'", a);
			goto out;
		} else if (o.dir) {
			st = pw_usage_error("verify", "one project DIR only, got '%s' and '%s'",
					    o.dir, a);
			goto out;
		} else {
			o.dir = a;
		}
	}
	if (!o.dir)
		o.dir = ".";
	store = pw_ctx_store_dir(ctx);
	if (!store) {
		st = pw_usage_error("verify", "no store: give --store DIR or set HOME");
		goto out;
	}
	o.store_dir = store;
	o.verbosity = ctx->verbosity;
	st = pw_verify_run(&o);
out:
	free(store);
	free(only);
	free(skip);
	return st;
}
