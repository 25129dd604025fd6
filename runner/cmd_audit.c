/* cmd_audit.c - `pinwheel audit` (not built yet: true help text, exit 2). */
#include "pinwheel/cli.h"

#define NOT_YET "\nnot built yet in this version: the command exits with status 2.\n"

const char pw_help_audit[] =
	"usage: pinwheel audit WHEEL... [--json]\n\n"
	"Report the best manylinux tag each wheel can carry and why.\n" NOT_YET;

int pw_cmd_audit(struct pw_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	for (int i = 1; i < argc; i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_audit, stdout);
			return PW_EXIT_OK;
		}
	return pw_not_built("audit");
}
