/* cmd_later.c - commands of the CLI contract that are not built yet.  Each
 * has its true help text and says plainly that it is not built (exit 2).
 * A command moves out of this file into runner/cmd_NAME.c when it lands. */
#include "pinwheel/cli.h"

#define NOT_YET "\nnot built yet in this version: the command exits with status 2.\n"

const char pw_help_verify[] =
	"usage: pinwheel verify [DIR] [--only ID]...\n\n"
	"Build each target twice under varied outer conditions and compare the\n"
	"wheels byte for byte.\n" NOT_YET;

#define LATER(name)                                                            \
	int pw_cmd_##name(struct pw_ctx *ctx, int argc, char **argv)           \
	{                                                                      \
		(void)ctx;                                                     \
		for (int i = 1; i < argc; i++)                                 \
			if (pw_is_help(argv[i])) {                             \
				fputs(pw_help_##name, stdout);                 \
				return PW_EXIT_OK;                             \
			}                                                      \
		return pw_not_built(#name);                                    \
	}

LATER(verify)
