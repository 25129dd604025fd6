/* test_sandbox_spec.c - unit tests of sandbox/spec.c: bind, tmpfs, symlink
 * and env argument parsing, the checks, and the status JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sandbox.h"

static void test_defaults(void **state)
{
	struct pw_sandbox_spec s;

	(void)state;
	pw_sandbox_spec_init(&s);
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.nofile, 65536);
	assert_true(s.fsize >= (1ULL << 30)); /* not nsjail's 1 MiB */
	assert_int_equal(s.pids, PW_SANDBOX_DEFAULT_PIDS);
	assert_false(s.net);
	assert_int_equal(pw_sandbox_spec_check(&s, NULL), 0);
	pw_sandbox_spec_release(&s);
}

static void test_binds(void **state)
{
	struct pw_sandbox_spec s;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	pw_sandbox_spec_init(&s);
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_RO, "/usr:/usr", &e), 0);
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_RW, "/a:b/c:/out", &e), 0);
	assert_string_equal(s.binds[1].src, "/a:b/c");
	assert_string_equal(s.binds[1].dst, "/out");
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_TMPFS, "/scratch:64M", &e), 0);
	assert_string_equal(s.binds[2].dst, "/scratch");
	assert_int_equal(s.binds[2].size, 64u << 20);
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_TMPFS, "/plain", &e), 0);
	assert_int_equal(s.binds[3].size, 0);
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_SYMLINK, "usr/bin:/bin", &e), 0);
	assert_string_equal(s.binds[4].src, "usr/bin");
	assert_int_equal(s.n_binds, 5);

	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_RO, "/usr", &e), -EINVAL);
	assert_string_equal(e.msg, "--ro-bind '/usr': expected SRC:DST");
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_RW, "rel:/x", &e), -EINVAL);
	assert_string_equal(e.msg, "--bind 'rel:/x': the source must be an absolute path");
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_RO, "/a:/x/../etc", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "without '.' or '..'"));
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_RO, "/a:/", &e), -EINVAL);
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_RO, "/a:rel", &e), -EINVAL);
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_TMPFS, "/t:lots", &e), -EINVAL);
	assert_string_equal(e.msg, "--tmpfs '/t:lots': expected DST[:SIZE] with SIZE like 64M");
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_TMPFS, "/t:0", &e), -EINVAL);
	assert_int_equal(s.n_binds, 5);
	pw_sandbox_spec_release(&s);
	assert_int_equal(s.n_binds, 0);
}

static void test_env(void **state)
{
	struct pw_sandbox_spec s;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	pw_sandbox_spec_init(&s);
	assert_int_equal(pw_sandbox_spec_add_env(&s, "A=1", false, &e), 0);
	assert_int_equal(pw_sandbox_spec_add_env(&s, "B=x=y", false, &e), 0);
	assert_int_equal(pw_sandbox_spec_add_env(&s, "A=2", false, &e), 0);
	assert_int_equal(s.n_env, 2);
	assert_string_equal(s.env[0], "A=2");
	assert_string_equal(s.env[1], "B=x=y");
	assert_int_equal(pw_sandbox_spec_add_env(&s, "novalue", false, &e), -EINVAL);
	assert_string_equal(e.msg, "--env 'novalue': expected NAME=VALUE");
	assert_int_equal(pw_sandbox_spec_add_env(&s, "1A=x", false, &e), -EINVAL);
	assert_int_equal(pw_sandbox_spec_add_env(&s, "=x", false, &e), -EINVAL);
	setenv("PW_TEST_PASS", "v", 1);
	unsetenv("PW_TEST_UNSET");
	assert_int_equal(pw_sandbox_spec_add_env(&s, "PW_TEST_PASS", true, &e), 0);
	assert_int_equal(pw_sandbox_spec_add_env(&s, "PW_TEST_UNSET", true, &e), 0);
	assert_int_equal(s.n_env, 3);
	assert_string_equal(s.env[2], "PW_TEST_PASS=v");
	assert_int_equal(pw_sandbox_spec_add_env(&s, "A=B", true, &e), -EINVAL);
	pw_sandbox_spec_release(&s);
}

static void test_check(void **state)
{
	struct pw_sandbox_spec s;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	pw_sandbox_spec_init(&s);
	pw_sandbox_spec_add_layer(&s, "rel");
	assert_int_equal(pw_sandbox_spec_check(&s, &e), -EINVAL);
	assert_string_equal(e.msg, "--layer 'rel': expected an absolute path");
	pw_sandbox_spec_release(&s);

	s.cwd = strdup("tmp");
	assert_int_equal(pw_sandbox_spec_check(&s, &e), -EINVAL);
	assert_string_equal(e.msg, "--cwd 'tmp': expected an absolute path");
	pw_sandbox_spec_release(&s);

	s.emulate_arch = strdup("vax");
	s.emulate_qemu = strdup("/q");
	assert_int_equal(pw_sandbox_spec_check(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "--emulate 'vax': unknown architecture"));
	free(s.emulate_arch);
	s.emulate_arch = strdup("aarch64");
	assert_int_equal(pw_sandbox_spec_check(&s, &e), 0);
	free(s.emulate_qemu);
	s.emulate_qemu = strdup("qemu");
	assert_int_equal(pw_sandbox_spec_check(&s, &e), -EINVAL);
	pw_sandbox_spec_release(&s);

	s.source_date_epoch = strdup("12x");
	assert_int_equal(pw_sandbox_spec_check(&s, &e), -EINVAL);
	pw_sandbox_spec_release(&s);
}

static void test_run_errors(void **state)
{
	struct pw_sandbox_spec s;
	struct pw_sandbox_result res;
	struct pw_err e = PW_ERR_INIT;
	char *none[] = { NULL };

	(void)state;
	pw_sandbox_spec_init(&s);
	assert_int_equal(pw_sandbox_run(&s, none, &res, &e), -EINVAL);
	assert_int_equal(res.status, PW_SANDBOX_EXIT_SETUP);
	assert_string_equal(e.msg, "no command given");
	pw_sandbox_spec_release(&s);
}

static void test_status_json(void **state)
{
	struct pw_sandbox_result r;
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	struct pw_err e = PW_ERR_INIT;
	char dir[] = "/tmp/pwunit.XXXXXX", *path;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = pw_path_join(dir, "st.json");
	memset(&r, 0, sizeof(r));
	r.exited = false;
	r.signal = 9;
	r.status = 137;
	r.limit = PW_LIMIT_TIMEOUT;
	r.wall_us = 1500;
	r.max_rss_kib = 42;
	assert_int_equal(pw_sandbox_result_write_json(&r, path, &e), 0);
	assert_int_equal(pw_read_file(path, &b), 0);
	assert_non_null(strstr(b.buf, "\"exit_code\": null"));
	assert_non_null(strstr(b.buf, "\"signal\": 9"));
	assert_non_null(strstr(b.buf, "\"limit\": \"timeout\""));
	assert_non_null(strstr(b.buf, "\"wall_ms\": 1.500"));
	assert_non_null(strstr(b.buf, "\"max_rss_kib\": 42"));
	pw_buf_release(&b);
	r.exited = true;
	r.exit_code = 3;
	r.limit = PW_LIMIT_NONE;
	assert_int_equal(pw_sandbox_result_write_json(&r, path, &e), 0);
	assert_int_equal(pw_read_file(path, &b), 0);
	assert_non_null(strstr(b.buf, "\"exit_code\": 3,"));
	assert_non_null(strstr(b.buf, "\"limit\": null"));
	pw_buf_release(&b);
	assert_int_equal(pw_rm_rf(dir), 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_binds),
		cmocka_unit_test(test_env),        cmocka_unit_test(test_check),
		cmocka_unit_test(test_run_errors), cmocka_unit_test(test_status_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
