/* cli.h - the command-line layer (runner/).  Only this layer prints and
 * exits.  Each command lives in runner/cmd_NAME.c and has the signature
 * below; argv[0] is the command name.  Commands return an exit status
 * (PW_EXIT_OK, PW_EXIT_FAIL, PW_EXIT_USAGE; `run` returns the child's).
 */
#ifndef PINWHEEL_CLI_H
#define PINWHEEL_CLI_H

#include "pinwheel/common.h"
#include "pinwheel/log.h"

struct pw_ctx {
	const char *store_opt; /* --store as given, or NULL */
	bool json;
	int verbosity;         /* -1 quiet, 0, 1 verbose, 2 debug */
	enum pw_color color;
};

/* Resolve the store directory: --store, $PINWHEEL_STORE,
 * $XDG_CACHE_HOME/pinwheel, ~/.cache/pinwheel.  Caller frees. NULL when
 * none can be determined (no HOME). */
char *pw_ctx_store_dir(const struct pw_ctx *ctx);

/* If argv[*i] is a global option (--store DIR, --store=DIR, --json, -q, -v,
 * --color=WHEN, --quiet, --verbose), consume it (advancing *i past its
 * argument) and return 1; return 0 if it is not one; return -1 after
 * printing a usage error. */
int pw_global_opt(struct pw_ctx *ctx, int argc, char **argv, int *i);

/* For commands: fetch the argument of option argv[*i] ("--opt VAL" or
 * "--opt=VAL").  Returns NULL when argv[*i] is not @name; sets *missing when
 * @name matched but has no value. */
const char *pw_opt_arg(const char *name, int argc, char **argv, int *i, bool *missing);

/* Print "pinwheel: CMD: MSG" plus a hint to --help and return PW_EXIT_USAGE. */
int pw_usage_error(const char *cmd, const char *fmt, ...) PW_PRINTF(2, 3);
/* True when argv[i] is -h or --help. */
bool pw_is_help(const char *arg);

/* Say the command is not built yet; exit 2. */
int pw_not_built(const char *cmd);

#define PW_COMMANDS(X)                                                         \
	X(lock)                                                                \
	X(fetch)                                                               \
	X(build)                                                               \
	X(verify)                                                              \
	X(plan)                                                                \
	X(audit)                                                               \
	X(repair)                                                              \
	X(inspect)                                                             \
	X(run)                                                                 \
	X(store)

#define PW_DECLARE_CMD(name) int pw_cmd_##name(struct pw_ctx *ctx, int argc, char **argv);
PW_COMMANDS(PW_DECLARE_CMD)
#undef PW_DECLARE_CMD

/* Each command's one-paragraph help text, printed by `CMD --help`. */
#define PW_DECLARE_HELP(name) extern const char pw_help_##name[];
PW_COMMANDS(PW_DECLARE_HELP)
#undef PW_DECLARE_HELP

#endif
