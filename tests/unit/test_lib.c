/* test_lib.c - unit tests of lib/: buffers, errors, hashing, parsing,
 * fs helpers, JSON loading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/workdir.h"

static void test_buf_cap(void **state)
{
	struct pw_buf b = PW_BUF_INIT(8);

	(void)state;
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(pw_buf_adds(&b, "abcd"), 0);
	assert_int_equal(pw_buf_addf(&b, "%d", 123), 0);
	assert_string_equal(b.buf, "abcd123");
	assert_int_equal(pw_buf_adds(&b, "xy"), -E2BIG);
	assert_string_equal(b.buf, "abcd123");
	assert_int_equal(pw_buf_adds(&b, "z"), 0);
	assert_int_equal(b.len, 8);
	pw_buf_release(&b);
	assert_int_equal(b.len, 0);
}

static void test_buf_detach(void **state)
{
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	size_t len;
	char *s;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(pw_buf_adds(&b, "0123456789"), 0);
	s = pw_buf_detach(&b, &len);
	assert_int_equal(len, 10000);
	assert_int_equal(strlen(s), 10000);
	assert_string_equal(b.buf, "");
	free(s);
}

static void test_sha256(void **state)
{
	char hex[PW_SHA256_HEX];

	(void)state;
	pw_sha256_mem("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(pw_sha256_hex_valid(hex));
	assert_false(pw_sha256_hex_valid("BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_false(pw_sha256_hex_valid("ba78"));
	pw_sha256_mem("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(pw_parse_size("10", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(pw_parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(pw_parse_size("2g", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(pw_parse_size("", &v), -EINVAL);
	assert_int_equal(pw_parse_size("-1", &v), -EINVAL);
	assert_int_equal(pw_parse_size("1.5M", &v), -EINVAL);
	assert_int_equal(pw_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(pw_parse_size("17179869184G", &v), -ERANGE);
}

static void test_err(void **state)
{
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(pw_err_set(&e, EINVAL, "bad '%s'", "x"), -EINVAL);
	assert_string_equal(e.msg, "bad 'x'");
	assert_int_equal(pw_err_prefix(&e, "reading '%s'", "f"), -EINVAL);
	assert_string_equal(e.msg, "reading 'f': bad 'x'");
	assert_int_equal(pw_err_sys(&e, ENOENT, "open 'y'"), -ENOENT);
	assert_string_equal(e.msg, "open 'y': No such file or directory");
}

static void test_fs_atomic_and_rm(void **state)
{
	char dir[] = "/tmp/pwunit.XXXXXX";
	struct pw_buf b = PW_BUF_INIT(100);
	char *p, *q;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = pw_path_join(dir, "a/b/c");
	assert_int_equal(pw_mkdir_p(p, 0755), 0);
	q = pw_path_join(p, "f");
	assert_int_equal(pw_write_file_atomic(q, "hello", 5, 0644), 0);
	assert_int_equal(pw_read_file(q, &b), 0);
	assert_string_equal(b.buf, "hello");
	free(q);
	assert_int_equal(pw_make_readonly_at(AT_FDCWD, dir), 0);
	assert_int_equal(pw_rm_rf(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	free(p);
	pw_buf_release(&b);
}

/* A run's work directory is kept while its lock is held and swept once it
 * is free; marked_only spares directories without the mark; names that
 * are not PREFIX + six characters are never touched. */
static void test_workdir(void **state)
{
	char parent[] = "/tmp/pwunit.XXXXXX";
	struct pw_workdir w = PW_WORKDIR_INIT, w2 = PW_WORKDIR_INIT;
	unsigned n = 99;
	char *p, *q;

	(void)state;
	assert_non_null(mkdtemp(parent));
	assert_int_equal(pw_workdir_make(&w, parent, ".run.", false), 0);
	assert_true(strncmp(w.path, parent, strlen(parent)) == 0);
	p = pw_path_join(w.path, PW_WORKDIR_MARK);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	/* live: the lock is held (by another open file of this process) */
	assert_int_equal(pw_workdir_sweep(parent, ".run.", false, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(access(w.path, F_OK), 0);
	/* a second run beside it: the first is kept */
	assert_int_equal(pw_workdir_make(&w2, parent, ".run.", false), 0);
	assert_int_equal(access(w.path, F_OK), 0);
	assert_int_equal(pw_workdir_release(&w2, true), 0);
	/* dead (its lock released, the directory left as by a kill -9) */
	p = pw_xstrdup(w.path);
	assert_int_equal(pw_workdir_release(&w, false), 0);
	assert_null(w.path);
	assert_int_equal(pw_workdir_sweep(parent, ".run.", true, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	/* without the mark: only an unmarked sweep removes it */
	p = pw_path_join(parent, ".run.abc123");
	q = pw_path_join(parent, ".run.abc1234");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(mkdir(q, 0755), 0);
	assert_int_equal(pw_workdir_sweep(parent, ".run.", true, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pw_workdir_sweep(parent, ".run.", false, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(access(q, F_OK), 0); /* not a name of ours */
	assert_int_equal(pw_workdir_sweep("/nonexistent/pwunit", ".run.", false, &n), 0);
	free(p);
	free(q);
	assert_int_equal(pw_rm_rf(parent), 0);
}

static void test_path_join(void **state)
{
	char *p;

	(void)state;
	p = pw_path_join("/a/", "/b");
	assert_string_equal(p, "/a/b");
	free(p);
	p = pw_path_join("/", "b");
	assert_string_equal(p, "/b");
	free(p);
}

static void test_json_errors(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	json_t *j;

	(void)state;
	j = pw_json_load_mem("x.json", "{\n  \"a\": 1,\n  \"a\": 2\n}", 22, &e);
	assert_null(j);
	assert_non_null(strstr(e.msg, "x.json:3:"));
	j = pw_json_load_mem("y.json", "{\"b\": [1, 2]}", 13, &e);
	assert_non_null(j);
	json_decref(j);
	j = pw_json_load_file("/nonexistent/z.json", &e);
	assert_null(j);
	assert_string_equal(e.msg, "could not read '/nonexistent/z.json': No such file or directory");
}

/* Terminal escapes in strings from outside come out as \xNN. */
static void check_esc(const char *in, size_t n, unsigned flags, const char *want)
{
	struct pw_buf b = PW_BUF_INIT(4096);

	pw_buf_add_escaped(&b, in, n, flags);
	assert_string_equal(b.buf, want);
	pw_buf_release(&b);
}

#define E(lit, flags, want) check_esc(lit, sizeof(lit) - 1, flags, want)

static void test_escape_terminal(void **state)
{
	(void)state;
	E("plain name-1.0.whl", 0, "plain name-1.0.whl");
	/* CSI and OSC sequences, BEL, DEL, NUL */
	E("a\033[2Jb", 0, "a\\x1b[2Jb");
	E("\033]0;title\007x", 0, "\\x1b]0;title\\x07x");
	E("d\177e", 0, "d\\x7fe");
	E("n\0n", 0, "n\\x00n");
	/* one-line messages escape newline and tab; pw_out keeps them */
	E("a\nb\tc\r", 0, "a\\x0ab\\x09c\\x0d");
	E("a\nb\tc\r", PW_ESC_KEEP_NL, "a\nb\tc\\x0d");
	/* C1 CSI, raw and as UTF-8; valid UTF-8 kept */
	E("x\x9b" "31m", 0, "x\\x9b31m");
	E("x\xc2\x9b" "31m", 0, "x\\xc2\\x9b31m");
	E("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d", 0,
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d");
	/* bidi override (U+202E) and isolate (U+2066) */
	E("a\xe2\x80\xae" "b", 0, "a\\xe2\\x80\\xaeb");
	E("\xe2\x81\xa6", 0, "\\xe2\\x81\\xa6");
	/* not UTF-8: overlong, surrogate, truncated, stray continuation */
	E("\xc0\xaf", 0, "\\xc0\\xaf");
	E("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");
	E("\xe2\x82", 0, "\\xe2\\x82");
	E("\x80z", 0, "\\x80z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_err),
		cmocka_unit_test(test_fs_atomic_and_rm),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_workdir),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_escape_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
