/* main.c - `pinwheel` entry point: global options, then one command. */
#include <string.h>

#include "pinwheel/cli.h"

struct command {
	const char *name;
	int (*fn)(struct pw_ctx *, int, char **);
	const char *help;
	const char *summary;
};

static const struct command commands[] = {
	{ "lock", pw_cmd_lock, pw_help_lock, "resolve pinwheel.json into pinwheel.lock" },
	{ "fetch", pw_cmd_fetch, pw_help_fetch, "make every locked artifact present in the store" },
	{ "build", pw_cmd_build, pw_help_build, "build the wheels of every target in its sandbox" },
	{ "verify", pw_cmd_verify, pw_help_verify, "rebuild under varied conditions and compare bytes" },
	{ "plan", pw_cmd_plan, pw_help_plan, "print the target matrix for CI fan-out" },
	{ "audit", pw_cmd_audit, pw_help_audit, "best manylinux tag of a wheel and the reasons" },
	{ "repair", pw_cmd_repair, pw_help_repair, "vendor disallowed libraries into a wheel, retag" },
	{ "inspect", pw_cmd_inspect, pw_help_inspect, "contents, extensions, tags and RECORD check" },
	{ "run", pw_cmd_run, pw_help_run, "run one command in a sandbox" },
	{ "store", pw_cmd_store, pw_help_store, "add, list, verify and collect store entries" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pinwheel [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		   "Hermetic, rootless, reproducible builds of manylinux wheels.\n\n"
		   "commands:\n");
	for (i = 0; i < PW_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nglobal options (before or after the command name):\n"
		   "  --store DIR          the store (else $PINWHEEL_STORE, else $XDG_CACHE_HOME/pinwheel,\n"
		   "                       else ~/.cache/pinwheel)\n"
		   "  --json               machine-readable output on stdout\n"
		   "  -q, --quiet          only errors\n"
		   "  -v, --verbose        more detail (repeat for debug)\n"
		   "  --color=WHEN         auto, always or never\n"
		   "  --version            print the version\n"
		   "  -h, --help           this text; 'pinwheel COMMAND --help' for a command\n\n"
		   "exit status: 0 success, 1 the work failed, 2 usage or configuration error\n");
}

int main(int argc, char **argv)
{
	struct pw_ctx ctx = { .store_opt = NULL, .json = false, .verbosity = 0,
			      .color = PW_COLOR_AUTO };
	int i, r;
	size_t c;

	pw_log_setup(0, PW_COLOR_AUTO, false);
	for (i = 1; i < argc; i++) {
		if (pw_is_help(argv[i])) {
			usage(stdout);
			return PW_EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("pinwheel %s\n", PW_VERSION);
			return PW_EXIT_OK;
		}
		r = pw_global_opt(&ctx, argc, argv, &i);
		if (r < 0)
			return PW_EXIT_USAGE;
		if (r == 0)
			break;
	}
	if (i >= argc) {
		usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (argv[i][0] == '-') {
		pw_error("unknown option '%s'", argv[i]);
		fprintf(stderr, "see 'pinwheel --help'\n");
		return PW_EXIT_USAGE;
	}
	for (c = 0; c < PW_ARRAY_SIZE(commands); c++) {
		if (strcmp(argv[i], commands[c].name) != 0)
			continue;
		if (i + 1 < argc && pw_is_help(argv[i + 1])) {
			fputs(commands[c].help, stdout);
			return PW_EXIT_OK;
		}
		return commands[c].fn(&ctx, argc - i, argv + i);
	}
	pw_error("'%s' is not a pinwheel command", argv[i]);
	fprintf(stderr, "see 'pinwheel --help'\n");
	return PW_EXIT_USAGE;
}
