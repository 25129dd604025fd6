/* test_opts.c - unit tests of the declarative option parser (opts.h):
 * every kind of argument, the usage errors word for word, "--", operands,
 * the --help layout, and every command's table: well formed, and options
 * several commands take agree (one --jobs range everywhere). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/buf.h"
#include "pinwheel/cli.h"
#include "pinwheel/opts.h"

struct args {
	bool flag;
	const char *str, *dir;
	struct pw_strv list, rest;
	uint8_t small;
	unsigned mid;
	uint64_t big, size;
	int color;
	const char *pair[2];
};

static const char *const colors[] = {"red", "green", "blue", NULL};

static bool no_x(const char *v)
{
	return !strchr(v, 'x');
}

static int pair(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e)
{
	const char **p = field;

	(void)o;
	if (!strcmp(v[0], "own"))
		return pw_err_set(e, EINVAL, "'%s' is mine to refuse", v[1]);
	if (!strcmp(v[0], "bad"))
		return -EINVAL;
	p[0] = v[0];
	p[1] = v[1];
	return 0;
}

static const struct pw_opt table[] = {
    {.name = NULL, .kind = PW_ARG_STR, PW_OPT_AT(struct args, dir), .meta = "DIR"},
    {.name = "--flag",
     .alias = "-f",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct args, flag),
     .help = "a flag"},
    {.name = "--str",
     .alias = "-s",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct args, str),
     .meta = "S",
     .what = "a string without x",
     .check = no_x,
     .help = "a string"},
    {.name = "--list",
     .kind = PW_ARG_LIST,
     PW_OPT_AT(struct args, list),
     .meta = "L",
     .what = "an item",
     .help = "repeatable"},
    {.name = "--small",
     .kind = PW_ARG_UINT,
     PW_OPT_AT(struct args, small),
     .meta = "N",
     .help = "a byte"},
    PW_OPT_JOBS(struct args, mid, "jobs"),
    {.name = "--big",
     .kind = PW_ARG_UINT,
     PW_OPT_AT(struct args, big),
     .meta = "N",
     .what = "a number",
     .help = "any number"},
    {.name = "--size",
     .kind = PW_ARG_SIZE,
     PW_OPT_AT(struct args, size),
     .meta = "BYTES",
     .help = "a size"},
    {.name = "--color",
     .kind = PW_ARG_ENUM,
     PW_OPT_AT(struct args, color),
     .words = colors,
     .help = "a colour"},
    {.name = "--pair",
     .kind = PW_ARG_CALL,
     PW_OPT_AT(struct args, pair),
     .call = pair,
     .nargs = 2,
     .meta = "A B",
     .what = "A and B",
     .help = "two values"},
};

/* "cmd" and the words of @cmdline (split at spaces) into @argv, which
 * points into a static buffer; returns argc. */
static int split(const char *cmdline, char **argv)
{
	static char buf[512];
	int argc = 0;

	snprintf(buf, sizeof(buf), "cmd %s", cmdline);
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return argc;
}

/* Parse @cmdline against the table. */
static int parse(const char *cmdline, unsigned flags, struct args *a, int *next, struct pw_err *e)
{
	char *argv[32];
	int argc = split(cmdline, argv), n;
	const struct pw_optset set = {table, PW_ARRAY_SIZE(table), a};

	memset(a, 0, sizeof(*a));
	pw_err_clear(e);
	return pw_opts_parse(&set, 1, flags, argc, argv, next ? next : &n, e);
}

static void test_kinds(void **state)
{
	struct args a;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(parse("-f --str=abc --list a --list=b --small 255 --jobs 64 "
			       "--big 18446744073709551615 --size 64M --color blue --pair p q d",
			       0, &a, NULL, &e),
			 0);
	assert_true(a.flag);
	assert_string_equal(a.str, "abc");
	assert_int_equal(a.list.n, 2);
	assert_string_equal(a.list.v[1], "b");
	assert_null(a.list.v[2]);
	assert_int_equal(a.small, 255);
	assert_int_equal(a.mid, 64);
	assert_true(a.big == UINT64_MAX);
	assert_true(a.size == 64u << 20);
	assert_int_equal(a.color, 2);
	assert_string_equal(a.pair[0], "p");
	assert_string_equal(a.pair[1], "q");
	assert_string_equal(a.dir, "d");
	pw_strv_release(&a.list);
	assert_null(a.list.v);
	/* a later value wins; a value may start with '-'; "-" is an operand */
	assert_int_equal(parse("-s one -s -two -", 0, &a, NULL, &e), 0);
	assert_string_equal(a.str, "-two");
	assert_string_equal(a.dir, "-");
}

static void expect_error(const char *cmdline, const char *msg)
{
	struct args a;
	struct pw_err e = PW_ERR_INIT;

	assert_int_equal(parse(cmdline, 0, &a, NULL, &e), -EINVAL);
	assert_string_equal(e.msg, msg);
	pw_strv_release(&a.list);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("--frob", "unknown option '--frob'");
	expect_error("--flag=1", "unknown option '--flag=1'");
	expect_error("--pair=a b", "unknown option '--pair=a'");
	expect_error("--str", "option '--str' needs a string without x");
	expect_error("-s", "option '-s' needs a string without x");
	expect_error("--pair a", "option '--pair' needs A and B");
	expect_error("--str xx", "--str expects a string without x, got 'xx'");
	expect_error("-s=xx", "-s expects a string without x, got 'xx'");
	expect_error("--small 256", "--small expects a number from 0 to 255, got '256'");
	expect_error("--jobs 0", "--jobs expects a number from 1 to 64, got '0'");
	expect_error("--jobs=65", "--jobs expects a number from 1 to 64, got '65'");
	expect_error("--jobs", "option '--jobs' needs a number from 1 to 64");
	expect_error("--jobs -1", "--jobs expects a number from 1 to 64, got '-1'");
	expect_error("--big 1k", "--big expects a number, got '1k'");
	expect_error("--size 1P",
		     "--size expects a size in bytes (K, M, G suffixes allowed), got '1P'");
	expect_error("--color pink", "--color expects red, green or blue, got 'pink'");
	expect_error("--pair bad x", "--pair expects A and B, got 'bad'");
	expect_error("--pair own x", "'x' is mine to refuse");
	expect_error("a b", "one DIR only, got 'a' and 'b'");
}

static void test_dashdash(void **state)
{
	struct args a;
	struct pw_err e = PW_ERR_INIT;
	int next;

	(void)state;
	/* "--" ends the options: the rest are operands */
	assert_int_equal(parse("-f -- --str", 0, &a, &next, &e), 0);
	assert_string_equal(a.dir, "--str");
	assert_int_equal(next, -1);
	/* ... or ends the parsing */
	assert_int_equal(parse("-f -- --str x", PW_OPTS_STOP_DASHDASH, &a, &next, &e), 0);
	assert_null(a.dir);
	assert_int_equal(next, 3);
	assert_int_equal(parse("-f", PW_OPTS_STOP_DASHDASH, &a, &next, &e), 0);
	assert_int_equal(next, -1);
	/* the first operand ends the parsing */
	assert_int_equal(parse("-f name --frob", PW_OPTS_STOP_OPERAND, &a, &next, &e), 0);
	assert_int_equal(next, 2);
	assert_null(a.dir);
}

struct req {
	const char *wheel, *dir, *sha;
	struct pw_strv more;
};

static int more(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e)
{
	(void)o, (void)e;
	pw_strv_push(field, v[0]);
	return 0;
}

static const struct pw_opt req_table[] = {
    {.name = NULL,
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct req, wheel),
     .meta = "WHEEL"},
    {.name = NULL, .kind = PW_ARG_STR, PW_OPT_AT(struct req, dir), .meta = "DIR"},
    {.name = "--sha256",
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct req, sha),
     .meta = "HEX",
     .what = "a digest",
     .help = "the digest"},
};

static const struct pw_opt more_table[] = {
    {.name = NULL, .kind = PW_ARG_STR, PW_OPT_AT(struct req, wheel), .meta = "WHEEL"},
    {.name = NULL,
     .kind = PW_ARG_CALL,
     PW_OPT_AT(struct req, more),
     .call = more,
     .nargs = 1,
     .meta = "MORE"},
};

static int parse_req(const struct pw_opt *t, size_t n, const char *cmdline, struct req *r,
		     struct pw_err *e)
{
	const struct pw_optset set = {t, n, r};
	char *argv[32];
	int argc = split(cmdline, argv), next;

	memset(r, 0, sizeof(*r));
	pw_err_clear(e);
	return pw_opts_parse(&set, 1, 0, argc, argv, &next, e);
}

static void test_operands(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct req r;

	(void)state;
	assert_int_equal(parse_req(req_table, 3, "", &r, &e), -EINVAL);
	assert_string_equal(e.msg, "no WHEEL given");
	assert_int_equal(parse_req(req_table, 3, "w", &r, &e), -EINVAL);
	assert_string_equal(e.msg, "missing --sha256");
	assert_int_equal(parse_req(req_table, 3, "w --sha256 h d x", &r, &e), -EINVAL);
	assert_string_equal(e.msg, "unexpected argument 'x'");
	assert_int_equal(parse_req(req_table, 3, "w --sha256 h d", &r, &e), 0);
	assert_string_equal(r.wheel, "w");
	assert_string_equal(r.dir, "d");
	assert_string_equal(r.sha, "h");
	assert_int_equal(parse_req(more_table, 2, "w a b", &r, &e), 0);
	assert_int_equal(r.more.n, 2);
	assert_string_equal(r.more.v[1], "b");
	pw_strv_release(&r.more);
	assert_int_equal(parse_req(NULL, 0, "w", &r, &e), -EINVAL);
	assert_string_equal(e.msg, "unexpected argument 'w'");
}

static void test_wants_help(void **state)
{
	char *argv[32];

	(void)state;
	assert_true(pw_opts_wants_help(split("--out -h", argv), argv));
	assert_true(pw_opts_wants_help(split("--help", argv), argv));
	assert_false(pw_opts_wants_help(split("-- --help", argv), argv));
	assert_false(pw_opts_wants_help(split("--helpful -hh", argv), argv));
}

static void test_help(void **state)
{
	static const struct pw_opt t[] = {
	    {.name = NULL, .kind = PW_ARG_STR, .off = 0, .size = sizeof(char *), .meta = "DIR"},
	    {.name = "--wheel-dir",
	     .alias = "-w",
	     .kind = PW_ARG_STR,
	     .off = 0,
	     .size = sizeof(char *),
	     .meta = "DIR",
	     .what = "a directory",
	     .help = "where the wheels go, a text long enough to be wrapped at the seventy-ninth "
		     "column\nand a line of its own"},
	    {.name = "-vv",
	     .kind = PW_ARG_NONE,
	     .flags = PW_OPT_HIDDEN,
	     .off = 0,
	     .size = sizeof(bool)},
	    PW_OPT_HEADING("more:"),
	    {.name = "--color",
	     .kind = PW_ARG_ENUM,
	     .off = 0,
	     .size = sizeof(int),
	     .words = colors,
	     .help = "a colour"},
	    {.name = "--a-very-long-option-name",
	     .kind = PW_ARG_NONE,
	     .off = 0,
	     .size = sizeof(bool),
	     .help = "overflows"},
	};
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(pw_opts_check(t, PW_ARRAY_SIZE(t), &e), 0);
	assert_int_equal(pw_opts_help_col(t, PW_ARRAY_SIZE(t)), 25);
	pw_opts_help(&b, t, 2, 0);
	assert_string_equal(
	    b.buf,
	    "  -w, --wheel-dir DIR  where the wheels go, a text long enough to be wrapped at\n"
	    "                       the seventy-ninth column\n"
	    "                       and a line of its own\n");
	pw_buf_reset(&b);
	pw_opts_help(&b, t + 2, 4, 0);
	assert_string_equal(b.buf, "\nmore:\n"
				   "  --color red|green|blue  a colour\n"
				   "  --a-very-long-option-name  overflows\n");
	pw_buf_release(&b);
}

static void test_check(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	static const struct pw_opt wrong_size[] = {
	    {.name = "--n",
	     .kind = PW_ARG_UINT,
	     PW_OPT_AT(struct args, small),
	     .max = 256,
	     .help = "x"},
	};
	static const struct pw_opt no_what[] = {
	    {.name = "--s", .kind = PW_ARG_STR, PW_OPT_AT(struct args, str), .help = "x"},
	};
	static const struct pw_opt flag_size[] = {
	    {.name = "--f", .kind = PW_ARG_NONE, PW_OPT_AT(struct args, mid), .help = "x"},
	};
	static const struct pw_opt twice[] = {
	    {.name = "--f", .kind = PW_ARG_NONE, PW_OPT_AT(struct args, flag), .help = "x"},
	    {.name = "--f", .kind = PW_ARG_NONE, PW_OPT_AT(struct args, flag), .help = "y"},
	};

	(void)state;
	assert_int_equal(pw_opts_check(table, PW_ARRAY_SIZE(table), &e), 0);
	assert_int_equal(pw_opts_check(wrong_size, 1, &e), -EINVAL);
	assert_int_equal(pw_opts_check(no_what, 1, &e), -EINVAL);
	assert_int_equal(pw_opts_check(flag_size, 1, &e), -EINVAL);
	assert_int_equal(pw_opts_check(twice, 2, &e), -EINVAL);
}

/* Every command's table, its subcommands' and the global one. */
static const struct pw_cli_cmd *const cmds[] = {
#define X(name) &pw_cli_##name,
    PW_COMMANDS(X)
#undef X
};

static void check_table(const char *name, const struct pw_opt *t, size_t n)
{
	struct pw_err e = PW_ERR_INIT;

	if (pw_opts_check(t, n, &e) < 0)
		fail_msg("%s: %s", name, e.msg);
	/* a global option may only be described (PW_OPT_DOC) */
	for (size_t i = 0; t != pw_global_opts && i < n; i++)
		for (size_t g = 0; t[i].name && g < pw_nglobal_opts; g++)
			if (!strcmp(t[i].name, pw_global_opts[g].name) &&
			    !(t[i].flags & PW_OPT_DOC))
				fail_msg("%s: %s shadows the global option", name, t[i].name);
}

static void test_command_tables(void **state)
{
	(void)state;
	check_table("global", pw_global_opts, pw_nglobal_opts);
	for (size_t c = 0; c < PW_ARRAY_SIZE(cmds); c++) {
		check_table(cmds[c]->name, cmds[c]->opts, cmds[c]->nopts);
		assert_non_null(strstr(cmds[c]->usage, "usage: pinwheel "));
		for (size_t s = 0; s < cmds[c]->nsubs; s++)
			check_table(cmds[c]->subs[s]->name, cmds[c]->subs[s]->opts,
				    cmds[c]->subs[s]->nopts);
	}
}

/* An option two commands take is the same option: kind, value, range. */
static void test_shared_options(void **state)
{
	const struct pw_opt *all[256];
	size_t n = 0;

	(void)state;
	for (size_t c = 0; c < PW_ARRAY_SIZE(cmds); c++)
		for (size_t i = 0; i < cmds[c]->nopts && n < 256; i++)
			if (cmds[c]->opts[i].name && !(cmds[c]->opts[i].flags & PW_OPT_DOC))
				all[n++] = &cmds[c]->opts[i];
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(all[i]->name, "--jobs"))
			assert_true(all[i]->min == 1 && all[i]->max == PW_JOBS_MAX);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(all[i]->name, all[j]->name))
				continue;
			if (all[i]->kind != all[j]->kind || all[i]->min != all[j]->min ||
			    all[i]->max != all[j]->max || all[i]->call != all[j]->call ||
			    strcmp(all[i]->meta ? all[i]->meta : "",
				   all[j]->meta ? all[j]->meta : "") ||
			    strcmp(all[i]->what ? all[i]->what : "",
				   all[j]->what ? all[j]->what : ""))
				fail_msg("%s differs between two commands", all[i]->name);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),	   cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_dashdash),	   cmocka_unit_test(test_operands),
	    cmocka_unit_test(test_wants_help),	   cmocka_unit_test(test_help),
	    cmocka_unit_test(test_check),	   cmocka_unit_test(test_command_tables),
	    cmocka_unit_test(test_shared_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
