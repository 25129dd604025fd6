/* cmd_fetch.c - `pinwheel fetch` (placeholder until toolchains/fetch lands). */
#include "pinwheel/cli.h"

const char pw_help_fetch[] =
	"usage: pinwheel fetch [DIR] [--offline] [--jobs N]\n\n"
	"Make every artifact of DIR/pinwheel.lock present in the store.\n"
	"\nnot built yet in this version: the command exits with status 2.\n";

int pw_cmd_fetch(struct pw_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	for (int i = 1; i < argc; i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_fetch, stdout);
			return PW_EXIT_OK;
		}
	return pw_not_built("fetch");
}
