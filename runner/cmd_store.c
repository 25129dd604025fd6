/* cmd_store.c - `pinwheel store` (placeholder until toolchains/store lands). */
#include "pinwheel/cli.h"

const char pw_help_store[] =
	"usage: pinwheel store add URL|FILE --sha256 HEX [--size N] [--unpack [--strip N] [--subdir P]]\n"
	"       pinwheel store ls | verify | gc --keep LOCKFILE...\n\n"
	"Manage the content-addressed store.\n"
	"\nnot built yet in this version: the command exits with status 2.\n";

int pw_cmd_store(struct pw_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	for (int i = 1; i < argc; i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_store, stdout);
			return PW_EXIT_OK;
		}
	return pw_not_built("store");
}
