/* cmd_inspect.c - `pinwheel inspect` (not built yet: true help text, exit 2). */
#include "pinwheel/cli.h"

#define NOT_YET "\nnot built yet in this version: the command exits with status 2.\n"

const char pw_help_inspect[] =
	"usage: pinwheel inspect WHEEL [--json]\n\n"
	"Show a wheel's contents, extensions and tags, and check its RECORD.\n" NOT_YET;

int pw_cmd_inspect(struct pw_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	for (int i = 1; i < argc; i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_inspect, stdout);
			return PW_EXIT_OK;
		}
	return pw_not_built("inspect");
}
