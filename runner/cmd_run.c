/* cmd_run.c - `pinwheel run`: one command in the sandbox (placeholder until
 * sandbox/ lands). */
#include <string.h>

#include "pinwheel/cli.h"

const char pw_help_run[] =
	"usage: pinwheel run [SANDBOX OPTIONS] -- CMD [ARGS]...\n\n"
	"Run one command in a rootless namespace + seccomp sandbox.\n"
	"\nnot built yet in this version: the command exits with status 2.\n";

int pw_cmd_run(struct pw_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_run, stdout);
			return PW_EXIT_OK;
		}
	return pw_not_built("run");
}
