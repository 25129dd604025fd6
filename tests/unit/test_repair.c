/* test_repair.c - unit tests of runner/wheel/repair.c: which patchelf versions
 * are refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/repair.h"

static void test_patchelf_versions(void **state)
{
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(pw_repair_patchelf_check("patchelf 0.18.0\n", &e), 0);
	assert_int_equal(pw_repair_patchelf_check("patchelf 0.17.2\n", &e), 0);
	assert_int_equal(pw_repair_patchelf_check("patchelf 0.15.0", &e), 0);
	assert_int_equal(pw_repair_patchelf_check("patchelf 0.14.5", &e), 0);
	assert_int_equal(pw_repair_patchelf_check("patchelf 1.0", &e), 0);
	assert_int_equal(pw_repair_patchelf_check("patchelf 0.14.3\n", &e), -EPERM);
	assert_non_null(strstr(e.msg, "patchelf 0.14.3 in the root is refused"));
	assert_int_equal(pw_repair_patchelf_check("patchelf 0.9", &e), -EPERM);
	assert_int_equal(pw_repair_patchelf_check("patchelf 0.17.0", &e), -EPERM);
	assert_non_null(strstr(e.msg, "manylinux#1421"));
	assert_int_equal(pw_repair_patchelf_check("something else", &e), -EINVAL);
	assert_int_equal(pw_repair_patchelf_check("", &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_patchelf_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
