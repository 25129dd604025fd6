/* cli.c - what every command shares: the global options, the parse and
 * --help of a command's table (include/pinwheel/cli.h), usage errors. */
#include <string.h>

#include "pinwheel/build.h"
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

/* -q, -v and -vv, into ctx->verbosity. */
static int set_quiet(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e)
{
	(void)o, (void)v, (void)e;
	*(int *)field = -1;
	return 0;
}

static int set_verbose(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e)
{
	int *verbosity = field;

	(void)o, (void)v, (void)e;
	*verbosity = *verbosity < 0 ? 1 : *verbosity + 1;
	return 0;
}

static int set_debug(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e)
{
	(void)o, (void)v, (void)e;
	*(int *)field = 2;
	return 0;
}

/* The order of enum pw_color. */
static const char *const color_words[] = {"auto", "always", "never", NULL};

const struct pw_opt pw_global_opts[] = {
    {.name = "--store",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct pw_ctx, store_opt),
     .meta = "DIR",
     .what = "a directory",
     .help = "the store (else $PINWHEEL_STORE, else $XDG_CACHE_HOME/pinwheel, else "
	     "~/.cache/pinwheel)"},
    {.name = "--json",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct pw_ctx, json),
     .help = "machine-readable output on stdout"},
    {.name = "--events",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct pw_ctx, events),
     .help = "lock and fetch (also within build) say what they do as JSON Lines on stderr, "
	     "one object per line, instead of the progress display (docs/cli.md)"},
    {.name = "--quiet",
     .alias = "-q",
     .kind = PW_ARG_CALL,
     PW_OPT_AT(struct pw_ctx, verbosity),
     .call = set_quiet,
     .help = "only errors"},
    {.name = "--verbose",
     .alias = "-v",
     .kind = PW_ARG_CALL,
     PW_OPT_AT(struct pw_ctx, verbosity),
     .call = set_verbose,
     .help = "more detail (repeat for debug)"},
    {.name = "-vv",
     .kind = PW_ARG_CALL,
     .flags = PW_OPT_HIDDEN,
     PW_OPT_AT(struct pw_ctx, verbosity),
     .call = set_debug},
    {.name = "--color",
     .kind = PW_ARG_ENUM,
     PW_OPT_AT(struct pw_ctx, color),
     .meta = "WHEN",
     .words = color_words,
     .help = "colour on stderr: auto (a terminal without NO_COLOR), always or never"},
};
const size_t pw_nglobal_opts = PW_ARRAY_SIZE(pw_global_opts);

int pw_opt_shard_call(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e)
{
	struct pw_opt_shard *s = field;

	(void)o, (void)e;
	return pw_shard_parse(v[0], &s->k, &s->n);
}

int pw_cli_parse(struct pw_ctx *ctx, const struct pw_cli_cmd *cmd, void *args, int argc,
		 char **argv, int *next)
{
	const struct pw_optset sets[] = {
	    {pw_global_opts, pw_nglobal_opts, ctx},
	    {cmd->opts, cmd->nopts, args},
	};
	struct pw_err e = PW_ERR_INIT;
	int r, stop;

	if (pw_opts_wants_help(argc, argv)) {
		pw_cli_help(cmd);
		return PW_EXIT_OK;
	}
	r = pw_opts_parse(sets, PW_ARRAY_SIZE(sets), cmd->flags, argc, argv, &stop, &e);
	pw_log_setup(ctx->verbosity, ctx->color, ctx->json);
	pw_log_set_events(ctx->events);
	if (r < 0)
		return pw_usage_error(cmd->name, "%s", e.msg);
	if (next)
		*next = stop;
	return PW_CLI_GO;
}

void pw_cli_help(const struct pw_cli_cmd *cmd)
{
	struct pw_buf b = PW_BUF_INIT(1u << 20);
	const struct pw_opt *first = NULL;

	pw_buf_adds(&b, cmd->usage);
	/* "options:" unless the list opens with a heading of its own */
	for (size_t i = 0; i < cmd->nopts && !first; i++)
		if (cmd->opts[i].kind == PW_ARG_SECTION ||
		    (cmd->opts[i].name && !(cmd->opts[i].flags & PW_OPT_HIDDEN)))
			first = &cmd->opts[i];
	if (first) {
		if (first->kind != PW_ARG_SECTION)
			pw_buf_adds(&b, "\noptions:\n");
		pw_opts_help(&b, cmd->opts, cmd->nopts, 0);
	}
	for (size_t s = 0; s < cmd->nsubs; s++) {
		const struct pw_cli_cmd *sub = cmd->subs[s];
		const char *word = strrchr(sub->name, ' ');

		if (!sub->nopts)
			continue;
		pw_buf_addf(&b, "\n%s options:\n", word ? word + 1 : sub->name);
		pw_opts_help(&b, sub->opts, sub->nopts, 0);
	}
	if (cmd->epilogue)
		pw_buf_addf(&b, "\n%s", cmd->epilogue);
	fputs(b.buf, stdout);
	pw_buf_release(&b);
}

int pw_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd) {
		pw_error("%s: %s", cmd, msg);
		fprintf(stderr, "see 'pinwheel %s --help'\n", cmd);
	} else {
		pw_error("%s", msg);
		fprintf(stderr, "see 'pinwheel --help'\n");
	}
	return PW_EXIT_USAGE;
}
