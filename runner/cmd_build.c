/* cmd_build.c - `pinwheel build` (not built yet: true help text, exit 2). */
#include "pinwheel/cli.h"

#define NOT_YET "\nnot built yet in this version: the command exits with status 2.\n"

const char pw_help_build[] =
	"usage: pinwheel build [DIR] [--only ID]... [--skip GLOB]... [--jobs N]\n"
	"                      [--shard K/N] [--out DIR]\n\n"
	"Build the wheels of every target offline in its sandboxed root, audit,\n"
	"tag, repair, repack and smoke-test them, and write a provenance manifest.\n" NOT_YET;

int pw_cmd_build(struct pw_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	for (int i = 1; i < argc; i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_build, stdout);
			return PW_EXIT_OK;
		}
	return pw_not_built("build");
}
