/* test_verify.c - unit tests of runner/diffexplain.c: unified diffs,
 * text detection, leak scanning, archive reading and explanations, ELF
 * section differences; and of runner/against.c: wheel tags to targets. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/verify.h"

static void test_udiff(void **state)
{
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	const char *x = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
		   *y = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n";

	(void)state;
	assert_int_equal(pw_unified_diff(x, strlen(x), x, strlen(x), "f", 50, &b), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(pw_unified_diff(x, strlen(x), y, strlen(y), "f", 50, &b), 0);
	assert_string_equal(b.buf,
			    "--- a/f\n+++ b/f\n"
			    "@@ -2,9 +2,10 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n+11\n");
	pw_buf_reset(&b);
	/* Two far-apart changes are two hunks. */
	{
		const char *p = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n",
			   *q = "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\n";

		assert_int_equal(pw_unified_diff(p, strlen(p), q, strlen(q), "g", 50, &b), 0);
		assert_string_equal(b.buf, "--- a/g\n+++ b/g\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n"
					   "@@ -9,4 +9,4 @@\n i\n j\n k\n-l\n+L\n");
	}
	pw_buf_reset(&b);
	/* Empty to something; bounded output. */
	assert_int_equal(pw_unified_diff("", 0, "a\nb\nc\n", 6, "h", 2, &b), 0);
	assert_string_equal(b.buf, "--- a/h\n+++ b/h\n@@ -0,0 +1,3 @@\n+a\n... (2 more lines)\n");
	pw_buf_release(&b);
}

static void test_text(void **state)
{
	(void)state;
	assert_true(pw_is_text("hello\n", 6));
	assert_true(pw_is_text("gr\xc3\xbc\xc3\x9f", 6));
	assert_false(pw_is_text("a\0b", 3));
	assert_false(pw_is_text("\xc3", 1));
	assert_false(pw_is_text("\xff\xfe", 2));
	assert_false(pw_is_text("\x7f"
				"ELF\x02\x01\x01\x00",
				8));
}

static void test_leaks(void **state)
{
	struct pw_leak_needle n[] = {{"home", "/root"}, {"canary", "pwcanary-1"}};
	json_t *l = json_array(), *j;
	const char *d = "x=/rootfs y=/root/z w=/root\npwcanary-1";

	(void)state;
	pw_leak_scan("m.txt", d, strlen(d), n, 2, l);
	assert_int_equal(json_array_size(l), 2);
	j = json_array_get(l, 0);
	assert_string_equal(json_string_value(json_object_get(j, "what")), "home");
	assert_int_equal(json_integer_value(json_object_get(j, "offset")), 12);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
	j = json_array_get(l, 1);
	assert_string_equal(json_string_value(json_object_get(j, "member")), "m.txt");
	assert_int_equal(json_integer_value(json_object_get(j, "offset")), 28);
	json_decref(l);
	l = json_array();
	pw_leak_scan("m", "/rootx", 6, n, 2, l);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
}

/* Archives are made by the host's python3 (test only). */
static void py(const char *script)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("python3", "python3", "-c", script, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_archives(void **state)
{
	char dir[] = "/tmp/test_verify.XXXXXX", cmd[2048];
	_cleanup_free_ char *za = NULL, *zb = NULL, *ta = NULL, *tb = NULL;
	struct pw_archive a, b;
	struct pw_err e = PW_ERR_INIT;
	json_t *d, *x;
	size_t i;
	int kinds[6] = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	za = pw_path_join(dir, "a.whl");
	zb = pw_path_join(dir, "b.whl");
	ta = pw_path_join(dir, "a.tar.gz");
	tb = pw_path_join(dir, "b.tar.gz");
	snprintf(
	    cmd, sizeof(cmd),
	    "import zipfile, tarfile, io\n"
	    "def z(p, items):\n"
	    "  with zipfile.ZipFile(p, 'w') as f:\n"
	    "    for n, d, t in items:\n"
	    "      i = zipfile.ZipInfo(n, t); i.external_attr = 0o100644 << 16; f.writestr(i, d)\n"
	    "T = (2020, 1, 1, 0, 0, 0)\n"
	    "z('%s', [('p/a.txt', 'one\\ntwo\\n', T), ('p/gone', 'x', T), ('p/t', 'same', T), "
	    "('p/s', 's', T)])\n"
	    "z('%s', [('p/a.txt', 'one\\n2\\n', T), ('p/new', 'y', T), ('p/s', 's', T), ('p/t', "
	    "'same', (2021, 1, 1, 0, 0, 0))])\n"
	    "def t(p, name, data):\n"
	    "  with tarfile.open(p, 'w:gz', format=tarfile.PAX_FORMAT) as f:\n"
	    "    i = tarfile.TarInfo(name); i.size = len(data); f.addfile(i, io.BytesIO(data))\n"
	    "t('%s', 'q-1/' + 'L' * 150, b'abc\\n')\n"
	    "t('%s', 'q-1/' + 'L' * 150, b'abd\\n')\n",
	    za, zb, ta, tb);
	py(cmd);

	assert_int_equal(pw_archive_read(za, &a, &e), 0);
	assert_true(a.is_zip);
	assert_int_equal(a.n, 4);
	assert_int_equal(pw_archive_read(zb, &b, &e), 0);
	d = pw_archive_diff(&a, &b);
	json_array_foreach(d, i, x)
	{
		const char *k = json_string_value(json_object_get(x, "kind"));
		const char *m = json_string_value(json_object_get(x, "member"));

		if (!strcmp(k, "removed")) {
			assert_string_equal(m, "p/gone");
			kinds[0]++;
		} else if (!strcmp(k, "added")) {
			assert_string_equal(m, "p/new");
			kinds[1]++;
		} else if (!strcmp(k, "changed")) {
			assert_string_equal(m, "p/a.txt");
			assert_non_null(strstr(json_string_value(json_object_get(x, "diff")),
					       "@@ -1,2 +1,2 @@\n one\n-two\n+2\n"));
			kinds[2]++;
		} else if (!strcmp(k, "order")) {
			assert_non_null(strstr(json_string_value(json_object_get(x, "detail")),
					       "'p/t' in A where B has 'p/s'"));
			kinds[3]++;
		} else if (!strcmp(k, "metadata")) {
			assert_string_equal(m, "p/t");
			assert_non_null(strstr(json_string_value(json_object_get(x, "detail")),
					       "DOS date/time"));
			kinds[4]++;
		} else {
			kinds[5]++;
		}
	}
	assert_int_equal(kinds[0], 1);
	assert_int_equal(kinds[1], 1);
	assert_int_equal(kinds[2], 1);
	assert_int_equal(kinds[3], 1);
	assert_int_equal(kinds[4], 1);
	assert_int_equal(kinds[5], 0);
	json_decref(d);
	d = pw_archive_diff(&a, &a);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	pw_archive_release(&a);
	pw_archive_release(&b);

	assert_int_equal(pw_archive_read(ta, &a, &e), 0);
	assert_false(a.is_zip);
	assert_int_equal(a.n, 1);
	assert_int_equal(strlen(a.m[0].name), 154); /* the pax path */
	assert_int_equal(pw_archive_read(tb, &b, &e), 0);
	d = pw_archive_diff(&a, &b);
	assert_int_equal(json_array_size(d), 1);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(d, 0), "diff")),
			       "-abc\n+abd\n"));
	json_decref(d);
	pw_archive_release(&a);
	pw_archive_release(&b);

	assert_int_equal(pw_archive_read(dir, &a, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a zip or gzip file"));
	assert_int_equal(pw_rm_rf(dir), 0);
}

static void test_elf(void **state)
{
	struct pw_buf a = PW_BUF_INIT(64 << 20), b = PW_BUF_INIT(64 << 20);
	json_t *d, *s;
	size_t i;
	bool found = false;
	long off = -1;

	(void)state;
	assert_int_equal(pw_read_file("/proc/self/exe", &a), 0);
	assert_int_equal(pw_buf_add(&b, a.buf, a.len), 0);
	d = pw_elf_diff(a.buf, a.len, b.buf, b.len);
	assert_non_null(d);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	/* Change one byte of a string in .rodata. */
	{
		char *p = memmem(b.buf, b.len, "Change one byte here", 20);

		assert_non_null(p);
		p[7] = 'X';
		off = p - b.buf;
	}
	d = pw_elf_diff(a.buf, a.len, b.buf, b.len);
	json_array_foreach(d, i, s) if (!strcmp(json_string_value(json_object_get(s, "name")),
						".rodata")) found = true;
	assert_true(found);
	assert_int_equal(json_array_size(d), 1);
	assert_true(off > 0);
	json_decref(d);
	assert_null(pw_elf_diff("abc", 3, b.buf, b.len));
	assert_int_equal(errno, EINVAL);
	pw_buf_release(&a);
	pw_buf_release(&b);
}

static void test_wheel_target(void **state)
{
	static const char *const t[] = {"cp311-manylinux_x86_64", "cp312-manylinux_x86_64",
					"cp312-manylinux_aarch64", "cp312-musllinux_x86_64"};

	(void)state;
	assert_string_equal(
	    pw_wheel_target_of("a-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
			       t, 4),
	    "cp312-manylinux_x86_64");
	assert_string_equal(pw_wheel_target_of("dir/a-1.0-cp312-cp312-manylinux_2_28_aarch64.whl",
					       t, 4),
			    "cp312-manylinux_aarch64");
	assert_string_equal(pw_wheel_target_of("a-1.0-cp312-cp312-musllinux_1_2_x86_64.whl", t, 4),
			    "cp312-musllinux_x86_64");
	assert_string_equal(pw_wheel_target_of("a-1.0-1build-cp311-cp311-linux_x86_64.whl", t, 4),
			    "cp311-manylinux_x86_64");
	{ /* free-threaded: the ABI tag picks cp313t, and only it */
		static const char *const ft[] = {"cp313-manylinux_x86_64",
						 "cp313t-manylinux_x86_64"};

		assert_string_equal(
		    pw_wheel_target_of("a-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl", ft, 2),
		    "cp313t-manylinux_x86_64");
		assert_string_equal(
		    pw_wheel_target_of("a-1.0-cp313-cp313-manylinux_2_17_x86_64.whl", ft, 2),
		    "cp313-manylinux_x86_64");
		assert_null(
		    pw_wheel_target_of("a-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl", ft, 1));
	}
	/* generic wheels: the first target that fits the platform */
	assert_string_equal(pw_wheel_target_of("a-1.0-py3-none-any.whl", t, 4),
			    "cp311-manylinux_x86_64");
	assert_string_equal(pw_wheel_target_of("a-1.0-cp39-abi3-manylinux_2_17_aarch64.whl", t, 4),
			    "cp312-manylinux_aarch64");
	/* no target */
	assert_null(pw_wheel_target_of("a-1.0-cp313-cp313-manylinux_2_17_x86_64.whl", t, 4));
	assert_null(pw_wheel_target_of("a-1.0-cp311-cp311-musllinux_1_2_aarch64.whl", t, 4));
	assert_null(pw_wheel_target_of("a-1.0-cp311-cp311-win_amd64.whl", t, 4));
	assert_null(pw_wheel_target_of("a-1.0.tar.gz", t, 4));
	assert_null(pw_wheel_target_of("a-cp311-manylinux_x86_64.whl", t, 4));
	assert_null(pw_wheel_target_of("a-1.0-py3-none-any.whl", t, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udiff), cmocka_unit_test(test_text),
	    cmocka_unit_test(test_leaks), cmocka_unit_test(test_archives),
	    cmocka_unit_test(test_elf), cmocka_unit_test(test_wheel_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
