/* opts.h - declarative command-line options (runner/opts.c).
 *
 * A command says what it accepts in one table of struct pw_opt: each
 * option (long name, optional short alias), each operand (an entry without
 * a name), and for each the kind of argument, where the value goes (an
 * offset into the command's own args struct) and its --help line.
 * pw_opts_parse() walks argv against the tables and pw_opts_help() prints
 * the option list from the same entries, so parsing, validation and help
 * cannot drift apart, and every command words its usage errors alike:
 *
 *   unknown option '--frob'
 *   option '--out' needs a directory              (the value is missing)
 *   --jobs expects a number from 1 to 64, got '0' (the value is wrong)
 *   one DIR only, got 'a' and 'b'                 (an operand too many)
 *   unexpected argument 'x'                       (no operand expected)
 *   no WHEEL given, missing --sha256              (PW_OPT_REQUIRED)
 *
 * Options several commands take have one definition each below
 * (PW_OPT_JOBS, PW_OPT_ONLY, ...): the same name, kind, range and wording
 * of errors everywhere; only the help text is the command's.
 *
 * Rules of the parser: "--name VALUE" and "--name=VALUE" (also "-w VALUE",
 * "-w=VALUE"); an option without a value given "=VALUE" is unknown; "-"
 * is an operand; "--" ends the options (the rest are operands, or with
 * PW_OPTS_STOP_DASHDASH the rest is not parsed).  A value is taken as it
 * is, even when it starts with '-'.  A later value overrides an earlier
 * one, except PW_ARG_LIST, which collects them.
 *
 * Ownership: tables are static data.  String values point into argv (not
 * copied).  PW_ARG_LIST appends to a struct pw_strv the caller releases
 * with pw_strv_release(), also after a failed parse.
 * Errors: pw_opts_parse() returns 0 or -EINVAL with the message (without
 * the command's name) in a caller-owned struct pw_err; nothing here prints.
 */
#ifndef PINWHEEL_OPTS_H
#define PINWHEEL_OPTS_H

#include <stddef.h>

#include "pinwheel/buf.h"
#include "pinwheel/common.h"

/* Strings collected from argv (not copied).  @v is NULL while empty, else
 * NULL-terminated. */
struct pw_strv {
	const char **v;
	size_t n;
};
#define PW_STRV_INIT { NULL, 0 }
void pw_strv_push(struct pw_strv *l, const char *s);
void pw_strv_release(struct pw_strv *l); /* frees the array, back to empty */

/* The value of --shard K/N (n == 0: not given). */
struct pw_opt_shard {
	unsigned k, n;
};

/* The kind of argument an entry takes, and the field it is stored in. */
enum pw_arg_kind {
	PW_ARG_NONE,	/* a flag: sets a bool */
	PW_ARG_STR,	/* a string: const char * (optionally tested by .check) */
	PW_ARG_LIST,	/* a repeatable string: appended to a struct pw_strv */
	PW_ARG_UINT,	/* a decimal number in [.min, .max] (.max 0: what the
			 * field holds): an unsigned field of 1, 2, 4 or 8 bytes */
	PW_ARG_SIZE,	/* bytes with an optional K, M or G suffix: uint64_t */
	PW_ARG_ENUM,	/* one of .words: the word's index into an int */
	PW_ARG_CALL,	/* .nargs values (0 to 2) handed to .call */
	PW_ARG_SECTION, /* no option: a heading (.help) in the --help list */
};

enum {
	PW_OPT_REQUIRED = 1u << 0, /* absent after parsing is a usage error */
	PW_OPT_HIDDEN = 1u << 1,   /* parsed, not listed by --help (-vv) */
	PW_OPT_DOC = 1u << 2,	   /* listed by --help, not parsed: what a
				    * global option means for this command */
};

struct pw_opt {
	const char *name;  /* "--jobs"; NULL: an operand (or a section) */
	const char *alias; /* "-w", or NULL */
	enum pw_arg_kind kind;
	unsigned flags;		      /* PW_OPT_* */
	size_t off, size;	      /* the field: see PW_OPT_AT() */
	const char *meta;	      /* the value in --help ("N", "DIR"); an operand's
				       * name in errors ("WHEEL", "URL or FILE") */
	const char *what;	      /* what a value must be, in errors: "a target id";
				       * UINT, SIZE and ENUM say it themselves when NULL */
	uint64_t min, max;	      /* PW_ARG_UINT */
	const char *const *words;     /* PW_ARG_ENUM, NULL-terminated */
	bool (*check)(const char *v); /* PW_ARG_STR and PW_ARG_LIST: valid? */
	/* PW_ARG_CALL: @field is the entry's field (the args struct itself
	 * for an entry without PW_OPT_AT()), @v its .nargs values.  Returns
	 * 0, or -EINVAL with @e filled, or -EINVAL with @e empty for the
	 * usual "--x expects WHAT, got 'V'". */
	int (*call)(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e);
	unsigned nargs;
	const char *help; /* one paragraph, wrapped by pw_opts_help(); "\n"
			   * starts a new line */
};

/* Where an entry's value goes: field @f of the args struct @T. */
#define PW_OPT_AT(T, f) .off = offsetof(T, f), .size = sizeof(((T *)0)->f)

/* --jobs N: how many at once (targets for build and verify, transfers for
 * fetch), the same range everywhere. */
#define PW_JOBS_MAX 64

/* Shared definitions: T is the args struct, f the field, h the help. */
#define PW_OPT_JOBS(T, f, h) /* unsigned */ \
	{ .name = "--jobs", .kind = PW_ARG_UINT, PW_OPT_AT(T, f), .meta = "N", \
	  .min = 1, .max = PW_JOBS_MAX, .help = (h) }
#define PW_OPT_ONLY(T, f, h) /* struct pw_strv */ \
	{ .name = "--only", .kind = PW_ARG_LIST, PW_OPT_AT(T, f), .meta = "ID", \
	  .what = "a target id", .help = (h) }
#define PW_OPT_SKIP(T, f, h) /* struct pw_strv */ \
	{ .name = "--skip", .kind = PW_ARG_LIST, PW_OPT_AT(T, f), .meta = "GLOB", \
	  .what = "a glob", .help = (h) }
#define PW_OPT_SHARD(T, f, h) /* struct pw_opt_shard */ \
	{ .name = "--shard", .kind = PW_ARG_CALL, PW_OPT_AT(T, f), .meta = "K/N", \
	  .nargs = 1, .what = "K/N with 1 <= K <= N", .call = pw_opt_shard_call, .help = (h) }
#define PW_OPT_OUT(T, f, h) /* const char * */ \
	{ .name = "--out", .kind = PW_ARG_STR, PW_OPT_AT(T, f), .meta = "DIR", \
	  .what = "a directory", .help = (h) }
#define PW_OPT_NO_CACHE(T, f, h) /* bool */ \
	{ .name = "--no-cache", .kind = PW_ARG_NONE, PW_OPT_AT(T, f), .help = (h) }
#define PW_OPT_CACHE_URL(T, f, h) /* const char * */ \
	{ .name = "--cache-url", .kind = PW_ARG_STR, PW_OPT_AT(T, f), .meta = "URL", \
	  .what = "a URL", .help = (h) }
#define PW_OPT_OFFLINE(T, f, h) /* bool */ \
	{ .name = "--offline", .kind = PW_ARG_NONE, PW_OPT_AT(T, f), .help = (h) }
#define PW_OPT_TARGET(T, f, h) /* const char * */ \
	{ .name = "--target", .kind = PW_ARG_STR, PW_OPT_AT(T, f), .meta = "ID", \
	  .what = "a target id", .help = (h) }
#define PW_OPT_POLICIES(T, f, h) /* const char * */ \
	{ .name = "--policies", .kind = PW_ARG_STR, PW_OPT_AT(T, f), .meta = "DIR", \
	  .what = "a directory", .help = (h) }
/* The operand [DIR] of the commands that work on a project. */
#define PW_OPT_PROJECT_DIR(T, f) /* const char * */ \
	{ .name = NULL, .kind = PW_ARG_STR, PW_OPT_AT(T, f), .meta = "DIR" }
/* A global option (cli.h) described in a command's --help in its words. */
#define PW_OPT_DOC(n, h) \
	{ .name = (n), .kind = PW_ARG_NONE, .flags = PW_OPT_DOC, .help = (h) }
/* A heading in the --help list. */
#define PW_OPT_HEADING(h) { .name = NULL, .kind = PW_ARG_SECTION, .help = (h) }

/* PW_OPT_SHARD's .call (runner/cli.c): pw_shard_parse() into a struct
 * pw_opt_shard. */
int pw_opt_shard_call(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e);

/* One table and the struct its offsets point into. */
struct pw_optset {
	const struct pw_opt *opts;
	size_t n;
	void *base;
};

enum {
	/* "--" ends the parsing; *next is the index after it (run: the
	 * command), -1 when there was no "--" */
	PW_OPTS_STOP_DASHDASH = 1u << 0,
	/* the first operand ends the parsing; *next is its index (main: the
	 * command's name), -1 when there was none */
	PW_OPTS_STOP_OPERAND = 1u << 1,
};

/* Parse argv[1..argc-1] against @sets (an option goes to the first table
 * that names it; operands to the operand entries in table order: a
 * PW_ARG_STR entry takes one, a PW_ARG_LIST or PW_ARG_CALL entry every
 * one that reaches it), then check PW_OPT_REQUIRED entries.  *next as
 * @flags say (else -1).  Returns 0 or -EINVAL with @e set; fields set
 * before the error keep their values. */
int pw_opts_parse(const struct pw_optset *sets, size_t nsets, unsigned flags, int argc,
		  char *const *argv, int *next, struct pw_err *e);

/* True when -h or --help comes before any "--" in argv[1..]. */
bool pw_opts_wants_help(int argc, char *const *argv);

/* The column the help texts of @opts start at: past the widest
 * "  -w, --name META  ", at most 25. */
size_t pw_opts_help_col(const struct pw_opt *opts, size_t n);
/* Append the list of @opts to @b, one entry "  -w, --name META  help"
 * wrapped at 79 columns with the help at @col (0: pw_opts_help_col()),
 * sections as "\nHEADING\n".  Operands and hidden entries are left out. */
void pw_opts_help(struct pw_buf *b, const struct pw_opt *opts, size_t n, size_t col);

/* Check a table for the mistakes a compiler cannot see (a field of the
 * wrong size for its kind, a range the field cannot hold, a value kind
 * without .what ...).  0 or -EINVAL naming the entry.  The unit tests run
 * it over every command's table. */
int pw_opts_check(const struct pw_opt *opts, size_t n, struct pw_err *e);

#endif
