/* cmd_verify.c - `pinwheel verify`: parse the options and hand over to
 * runner/verify.c (include/pinwheel/verify.h). */
#include <string.h>

#include "pinwheel/cli.h"
#include "pinwheel/verify.h"

struct verify_args {
	const char *dir, *out, *cache_url, *sdist, *manifest, *report;
	struct pw_strv only, skip, against;
	unsigned jobs;
	bool keep, no_cache;
};

/* The operands: DIR, or after --against more wheels ("--against A B"). */
static int verify_operand(const struct pw_opt *o, void *args, const char *const *v,
			  struct pw_err *e)
{
	struct verify_args *a = args;

	(void)o;
	if (a->against.n) {
		pw_strv_push(&a->against, v[0]);
		return 0;
	}
	if (a->dir)
		return pw_err_set(e, EINVAL, "one DIR only, got '%s' and '%s'", a->dir, v[0]);
	a->dir = v[0];
	return 0;
}

static const struct pw_opt verify_opts[] = {
    {.name = NULL, .kind = PW_ARG_CALL, .call = verify_operand, .nargs = 1, .meta = "DIR"},
    PW_OPT_ONLY(struct verify_args, only, "verify only target ID (repeatable)"),
    PW_OPT_SKIP(struct verify_args, skip, "leave out targets matching GLOB (repeatable)"),
    PW_OPT_JOBS(struct verify_args, jobs,
		"build A's --jobs (default: build's; with --against: the rebuild's); build B uses "
		"another count (N+1, or one "
		"more than the CPUs; 1 when that passes the limit)"),
    PW_OPT_OUT(struct verify_args, out, "output directory of build A (default DIR/wheelhouse)"),
    {.name = "--keep",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct verify_args, keep),
     .help = "keep build B's tree (copy and output) and say where"},
    PW_OPT_NO_CACHE(struct verify_args, no_cache,
		    "build A even when cached (B never reads nor writes the action cache)"),
    PW_OPT_CACHE_URL(struct verify_args, cache_url,
		     "build A's remote action cache (as for build: default $PINWHEEL_CACHE_URL); "
		     "B never reads nor writes one"),
    PW_OPT_DOC("--json", "print verify.json (with --against: the report) instead of the table"),
    PW_OPT_HEADING("Verifying published wheels:"),
    {.name = "--against",
     .kind = PW_ARG_LIST,
     PW_OPT_AT(struct verify_args, against),
     .meta = "WHEEL|URL...",
     .what = "a wheel file or URL",
     .help = "compare these published wheels with a fresh rebuild of the targets they were "
	     "built for instead (--against A B and --against A --against B both work; give DIR "
	     "before it); an URL (http, https, file) needs --manifest: it is downloaded and "
	     "checked against the sha256 of its subject"},
    {.name = "--sdist",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct verify_args, sdist),
     .meta = "FILE",
     .what = "an sdist file",
     .help = "with --against: rebuild from this published sdist (NAME-VERSION.tar.gz) with DIR's "
	     "config and lock, as the release was built"},
    {.name = "--manifest",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct verify_args, manifest),
     .meta = "FILE",
     .what = "a pinwheel-manifest.json",
     .help = "with --against: the published pinwheel-manifest.json; its lock must be DIR's and "
	     "every published wheel one of its subjects"},
    {.name = "--report",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct verify_args, report),
     .meta = "FILE",
     .what = "a file",
     .help = "with --against: also write the JSON report to FILE (temp file, then rename)"},
};

const struct pw_cli_cmd pw_cli_verify = {
    .name = "verify",
    .opts = verify_opts,
    .nopts = PW_ARRAY_SIZE(verify_opts),
    .usage = "usage: pinwheel verify [DIR] [--only ID]... [--skip GLOB]... [--jobs N]\n"
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
	     "variations and the result to the byproducts of OUT/pinwheel-manifest.json.\n\n"
	     "       pinwheel verify [DIR] --against WHEEL|URL... [--sdist FILE]\n"
	     "                       [--manifest FILE] [--report FILE] [--jobs N]\n\n"
	     "Audit published wheels: rebuild the targets they were built for (each wheel's\n"
	     "tags name a target of DIR's lock) fresh, from the published sdist when given,\n"
	     "compare each published wheel byte for byte with its rebuild and explain every\n"
	     "difference as above.  The report names every input by sha256.\n",
    .epilogue = "exit status: 0 every target reproducible and free of leaks (--against: every\n"
		"published wheel matched); 1 a target differs, leaks or failed to build\n"
		"(--against: a wheel differs, matches no target, was not rebuilt, or the\n"
		"manifest disagrees); 2 usage or configuration error.\n",
};

int pw_cmd_verify(struct pw_ctx *ctx, int argc, char **argv)
{
	struct verify_args a;
	struct pw_verify_opts o;
	char *store = NULL;
	int st;

	memset(&a, 0, sizeof(a));
	st = pw_cli_parse(ctx, &pw_cli_verify, &a, argc, argv, NULL);
	if (st != PW_CLI_GO)
		goto out;
	store = pw_ctx_store_dir(ctx);
	if (!store) {
		st = pw_usage_error("verify", "no store: give --store DIR or set HOME");
		goto out;
	}
	if (!a.against.n && (a.sdist || a.manifest || a.report)) {
		st = pw_usage_error("verify", "%s needs --against",
				    a.sdist ? "--sdist" : a.manifest ? "--manifest" : "--report");
		goto out;
	}
	if (a.against.n) {
		struct pw_against_opts ao;

		if (a.only.n || a.skip.n || a.out || a.keep || a.no_cache || a.cache_url) {
			st = pw_usage_error("verify",
					    "--against rebuilds the targets of the wheels given: "
					    "--only, --skip, --out, --keep, --no-cache and "
					    "--cache-url do not apply");
			goto out;
		}
		memset(&ao, 0, sizeof(ao));
		ao.dir = a.dir ? a.dir : ".";
		ao.wheels = a.against.v;
		ao.nwheels = a.against.n;
		ao.sdist = a.sdist;
		ao.manifest = a.manifest;
		ao.report = a.report;
		ao.store_dir = store;
		ao.jobs = a.jobs;
		st = pw_against_run(&ao);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.dir = a.dir ? a.dir : ".";
	o.only = a.only.v;
	o.nonly = a.only.n;
	o.skip = a.skip.v;
	o.nskip = a.skip.n;
	o.jobs = a.jobs;
	o.out = a.out;
	o.keep = a.keep;
	o.no_cache = a.no_cache;
	o.cache_url = a.cache_url;
	o.store_dir = store;
	o.verbosity = ctx->verbosity;
	st = pw_verify_run(&o);
out:
	free(store);
	pw_strv_release(&a.only);
	pw_strv_release(&a.skip);
	pw_strv_release(&a.against);
	return st;
}
