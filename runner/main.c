/* main.c - `pinwheel` entry point: global options, then one command. */
#include <string.h>

#include "pinwheel/cli.h"

struct command {
	const char *name;
	int (*fn)(struct pw_ctx *, int, char **);
	const char *summary;
};

static const struct command commands[] = {
    {"lock", pw_cmd_lock, "resolve the config into pinwheel.lock"},
    {"fetch", pw_cmd_fetch, "make every locked artifact present in the store"},
    {"build", pw_cmd_build, "build the wheels of every target in its sandbox"},
    {"verify", pw_cmd_verify, "rebuild under varied conditions and compare bytes"},
    {"plan", pw_cmd_plan, "print the target matrix for CI fan-out"},
    {"audit", pw_cmd_audit, "best manylinux tag of a wheel and the reasons"},
    {"repair", pw_cmd_repair, "vendor disallowed libraries into a wheel, retag"},
    {"inspect", pw_cmd_inspect, "contents, extensions, tags and RECORD check"},
    {"run", pw_cmd_run, "run one command in a sandbox"},
    {"store", pw_cmd_store, "add, list, verify, collect, export and import store entries"},
    {"init", pw_cmd_init, "write a pinwheel.json of what zero config would do"},
    {"attest", pw_cmd_attest, "sign a build's manifest (DSSE, in-toto), verify such a signature"},
};

/* What only `pinwheel` itself takes, before the command's name. */
struct main_args {
	bool version, help;
};

static const struct pw_opt main_opts[] = {
    {.name = "--version",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct main_args, version),
     .help = "print the version"},
    {.name = "--help",
     .alias = "-h",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct main_args, help),
     .help = "this text; 'pinwheel COMMAND --help' for a command"},
};

static void usage(FILE *f)
{
	struct pw_buf b = PW_BUF_INIT(1u << 20);
	size_t i, col = pw_opts_help_col(pw_global_opts, pw_nglobal_opts);

	pw_buf_adds(&b, "usage: pinwheel [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
			"Hermetic, rootless, reproducible builds of manylinux wheels.\n\n"
			"commands:\n");
	for (i = 0; i < PW_ARRAY_SIZE(commands); i++)
		pw_buf_addf(&b, "  %-8s %s\n", commands[i].name, commands[i].summary);
	pw_buf_adds(&b, "\nglobal options (before or after the command name):\n");
	if (pw_opts_help_col(main_opts, PW_ARRAY_SIZE(main_opts)) > col)
		col = pw_opts_help_col(main_opts, PW_ARRAY_SIZE(main_opts));
	pw_opts_help(&b, pw_global_opts, pw_nglobal_opts, col);
	pw_opts_help(&b, main_opts, PW_ARRAY_SIZE(main_opts), col);
	pw_buf_adds(&b, "\nexit status: 0 success, 1 the work failed, 2 usage or configuration "
			"error\n");
	fputs(b.buf, f);
	pw_buf_release(&b);
}

int main(int argc, char **argv)
{
	struct pw_ctx ctx = {
	    .store_opt = NULL, .json = false, .verbosity = 0, .color = PW_COLOR_AUTO};
	struct main_args ma = {false, false};
	const struct pw_optset sets[] = {
	    {pw_global_opts, pw_nglobal_opts, &ctx},
	    {main_opts, PW_ARRAY_SIZE(main_opts), &ma},
	};
	struct pw_err e = PW_ERR_INIT;
	int i, r;
	size_t c;

	pw_log_setup(0, PW_COLOR_AUTO, false);
	r = pw_opts_parse(sets, PW_ARRAY_SIZE(sets), PW_OPTS_STOP_OPERAND, argc, argv, &i, &e);
	pw_log_setup(ctx.verbosity, ctx.color, ctx.json);
	pw_log_set_events(ctx.events);
	/* Left to right: --help or --version before a bad option wins. */
	if (ma.help) {
		usage(stdout);
		return PW_EXIT_OK;
	}
	if (ma.version) {
		printf("pinwheel %s\n", PW_VERSION);
		return PW_EXIT_OK;
	}
	if (r < 0)
		return pw_usage_error(NULL, "%s", e.msg);
	if (i < 0) {
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	for (c = 0; c < PW_ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].fn(&ctx, argc - i, argv + i);
	pw_error("'%s' is not a pinwheel command", argv[i]);
	fprintf(stderr, "see 'pinwheel --help'\n");
	return PW_EXIT_USAGE;
}
