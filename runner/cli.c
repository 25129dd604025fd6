/* cli.c - shared option handling for the commands. */
#include <string.h>

#include "pinwheel/cli.h"

char *pw_ctx_store_dir(const struct pw_ctx *ctx)
{
	const char *s;

	if (ctx->store_opt && *ctx->store_opt)
		return pw_xstrdup(ctx->store_opt);
	s = getenv("PINWHEEL_STORE");
	if (s && *s)
		return pw_xstrdup(s);
	s = getenv("XDG_CACHE_HOME");
	if (s && *s == '/')
		return pw_xasprintf("%s/pinwheel", s);
	s = getenv("HOME");
	if (s && *s == '/')
		return pw_xasprintf("%s/.cache/pinwheel", s);
	return NULL;
}

const char *pw_opt_arg(const char *name, int argc, char **argv, int *i, bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	*missing = false;
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

int pw_global_opt(struct pw_ctx *ctx, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	bool missing;

	if ((v = pw_opt_arg("--store", argc, argv, i, &missing)) || missing) {
		if (missing) {
			pw_error("option '--store' needs a directory");
			return -1;
		}
		ctx->store_opt = v;
		return 1;
	}
	if (!strcmp(a, "--json")) {
		ctx->json = true;
	} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
		ctx->verbosity = -1;
	} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
		ctx->verbosity = ctx->verbosity < 0 ? 1 : ctx->verbosity + 1;
	} else if (!strcmp(a, "-vv")) {
		ctx->verbosity = 2;
	} else if ((v = pw_opt_arg("--color", argc, argv, i, &missing)) || missing) {
		if (v && !strcmp(v, "auto"))
			ctx->color = PW_COLOR_AUTO;
		else if (v && !strcmp(v, "always"))
			ctx->color = PW_COLOR_ALWAYS;
		else if (v && !strcmp(v, "never"))
			ctx->color = PW_COLOR_NEVER;
		else {
			pw_error("option '--color' expects auto, always or never, got '%s'", v ? v : "");
			return -1;
		}
	} else {
		return 0;
	}
	pw_log_setup(ctx->verbosity, ctx->color, ctx->json);
	return 1;
}

bool pw_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int pw_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pw_error("%s: %s", cmd, msg);
	fprintf(stderr, "see 'pinwheel %s --help'\n", cmd);
	return PW_EXIT_USAGE;
}

int pw_not_built(const char *cmd)
{
	pw_error("%s: not built yet in pinwheel %s", cmd, PW_VERSION);
	return PW_EXIT_USAGE;
}
