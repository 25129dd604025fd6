/* cli.h - the command-line layer (runner/).  Only this layer prints and
 * exits.  Each command lives in runner/cmd_NAME.c and has the signature
 * below; argv[0] is the command name.  Commands return an exit status
 * (PW_EXIT_OK, PW_EXIT_FAIL, PW_EXIT_USAGE; `run` returns the child's).
 * What a command accepts is one table (opts.h) in its cmd_NAME.c, read by
 * pw_cli_parse() and printed by pw_cli_help().
 */
#ifndef PINWHEEL_CLI_H
#define PINWHEEL_CLI_H

#include "pinwheel/common.h"
#include "pinwheel/log.h"
#include "pinwheel/opts.h"

struct pw_ctx {
	const char *store_opt; /* --store as given, or NULL */
	bool json;
	bool events;    /* --events: progress as JSON Lines on stderr */
	int verbosity; /* -1 quiet, 0, 1 verbose, 2 debug */
	enum pw_color color;
};

/* Resolve the store directory: --store, $PINWHEEL_STORE,
 * $XDG_CACHE_HOME/pinwheel, ~/.cache/pinwheel.  Caller frees. NULL when
 * none can be determined (no HOME). */
char *pw_ctx_store_dir(const struct pw_ctx *ctx);

/* The global options --store DIR, --json, --events, -q/--quiet, -v/--verbose, -vv
 * and --color WHEN, parsed into a struct pw_ctx before the command's name
 * (main.c) and among the command's own options (pw_cli_parse()). */
extern const struct pw_opt pw_global_opts[];
extern const size_t pw_nglobal_opts;

/* A command's interface: the table of its options and operands (opts.h),
 * and the hand-written parts of its --help around the generated option
 * list.  Each runner/cmd_NAME.c defines pw_cli_NAME beside its parser. */
struct pw_cli_cmd {
	const char *name;  /* "build", "store gc": errors are "pinwheel: NAME: ..." */
	const char *usage; /* "usage: pinwheel NAME ...\n" and the prose before
			    * the options, ending in a newline */
	const struct pw_opt *opts;
	size_t nopts;
	const char *epilogue; /* after the options (environment, exit status), or NULL */
	/* store: its subcommands, whose options its --help lists too */
	const struct pw_cli_cmd *const *subs;
	size_t nsubs;
	unsigned flags; /* PW_OPTS_STOP_* */
};

#define PW_CLI_GO (-1)

/* Parse a command's argv (argv[0] is its name) by @cmd's table into
 * @args and the global options into @ctx.  -h or --help anywhere before
 * "--" prints the help instead.  Returns PW_CLI_GO when the command should
 * go on (with *next as pw_opts_parse() says, when @next is not NULL), or
 * the status to exit with: PW_EXIT_OK after the help, PW_EXIT_USAGE after
 * printing the usage error.  @args' lists are the caller's to release
 * either way. */
int pw_cli_parse(struct pw_ctx *ctx, const struct pw_cli_cmd *cmd, void *args, int argc,
		 char **argv, int *next);

/* Print @cmd's --help on stdout: usage and prose, options, epilogue. */
void pw_cli_help(const struct pw_cli_cmd *cmd);

/* Print "pinwheel: CMD: MSG" plus a hint to --help and return PW_EXIT_USAGE
 * (@cmd NULL: "pinwheel: MSG" and a hint to 'pinwheel --help'). */
int pw_usage_error(const char *cmd, const char *fmt, ...) PW_PRINTF(2, 3);

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
	X(store)                                                               \
	X(init)                                                                \
	X(attest)

#define PW_DECLARE_CMD(name) int pw_cmd_##name(struct pw_ctx *ctx, int argc, char **argv);
PW_COMMANDS(PW_DECLARE_CMD)
#undef PW_DECLARE_CMD

/* The work of `pinwheel lock` (write @lockpath for @c, keeping the pins of
 * the lock there unless @upgrade; @jobs targets at once, 0: one per CPU)
 * and of `pinwheel fetch` (every artifact and root of DIR's lock into the
 * store), for `build`, which makes a
 * missing lock first.  With @embedded, fetch prints nothing on stdout
 * (the caller's) and no JSON.  They print their errors; return the exit
 * status. */
struct pw_config;
int pw_lock_project(struct pw_ctx *ctx, const struct pw_config *c, const char *lockpath,
		    bool upgrade, unsigned jobs);
int pw_fetch_project(struct pw_ctx *ctx, const char *dir, bool offline, unsigned jobs,
		     bool embedded);

/* Each command's interface (options, operands, --help). */
#define PW_DECLARE_CLI(name) extern const struct pw_cli_cmd pw_cli_##name;
PW_COMMANDS(PW_DECLARE_CLI)
#undef PW_DECLARE_CLI

#endif
