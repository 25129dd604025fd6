/* test_emulator.c - unit tests of toolchains/debian/emulator.c: which targets need
 * qemu here, and the variables of the cross fast path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/emulator.h"

static void test_needed(void **state)
{
	(void)state;
	assert_false(pw_emulator_needed(pw_host_arch()));
	assert_false(pw_emulator_needed(NULL));
	if (!strcmp(pw_host_arch(), "x86_64")) {
		assert_string_equal(pw_host_debian_arch(), "amd64");
		assert_true(pw_emulator_needed("aarch64"));
		assert_false(pw_emulator_needed("i686")); /* runs natively */
	}
	assert_string_equal(pw_emulator_arch("i686"), "i386");
	assert_string_equal(pw_emulator_arch("aarch64"), "aarch64");
}

static void test_cross_env(void **state)
{
	char **v = NULL;
	size_t n;

	(void)state;
	assert_string_equal(pw_cross_gnu_triplet("aarch64"), "aarch64-linux-gnu");
	assert_string_equal(pw_cross_rust_target("aarch64"), "aarch64-unknown-linux-gnu");
	assert_null(pw_cross_gnu_triplet("x86_64"));
	assert_int_equal(pw_cross_env("x86_64", "3.11", &v), 0);
	assert_null(v);
	n = pw_cross_env("aarch64", "3.13t", &v);
	assert_int_equal(n, 5);
	assert_string_equal(v[0], "CC=aarch64-linux-gnu-gcc");
	assert_string_equal(v[1], "CXX=aarch64-linux-gnu-g++");
	assert_string_equal(v[2], "CARGO_BUILD_TARGET=aarch64-unknown-linux-gnu");
	assert_string_equal(v[3],
			    "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc");
	assert_string_equal(v[4], "PYO3_CROSS_LIB_DIR=/usr/lib/python3.13t");
	assert_null(v[5]);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	n = pw_cross_env("aarch64", NULL, &v); /* no Python: no PyO3 dir */
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_needed),
	    cmocka_unit_test(test_cross_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
