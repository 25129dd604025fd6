/* cmd_repair.c - `pinwheel repair` (not built yet: true help text, exit 2). */
#include "pinwheel/cli.h"

#define NOT_YET "\nnot built yet in this version: the command exits with status 2.\n"

const char pw_help_repair[] =
	"usage: pinwheel repair WHEEL [--plat TAG] [-w DIR]\n\n"
	"Vendor disallowed libraries into the wheel and retag it.\n" NOT_YET;

int pw_cmd_repair(struct pw_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	for (int i = 1; i < argc; i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_repair, stdout);
			return PW_EXIT_OK;
		}
	return pw_not_built("repair");
}
