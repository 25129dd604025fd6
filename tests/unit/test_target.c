/* test_target.c - unit tests of toolchains/target.c and the per-arch
 * tables of the foreign path (toolchains/debian/emulator.c): every Linux
 * architecture cibuildwheel builds is a platform, with its Debian
 * architecture, its qemu, its cross triplets and, for i686, the 32-bit
 * execution domain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/emulator.h"
#include "pinwheel/target.h"

static void test_platforms(void **state)
{
	static const char *const want[][3] = {
	    {"manylinux_x86_64", "x86_64", "amd64"}, {"manylinux_aarch64", "aarch64", "arm64"},
	    {"manylinux_i686", "i686", "i386"},	     {"manylinux_ppc64le", "ppc64le", "ppc64el"},
	    {"manylinux_s390x", "s390x", "s390x"},   {"manylinux_armv7l", "armv7l", "armhf"},
	};
	size_t n = 0;

	(void)state;
	for (const struct pw_platform *p = pw_platforms; p->name; p++, n++) {
		const char *arch = NULL, *deb = NULL;

		assert_true(n < sizeof(want) / sizeof(want[0]));
		assert_string_equal(p->name, want[n][0]);
		assert_true(pw_platform_info(p->name, &arch, &deb));
		assert_string_equal(arch, want[n][1]);
		assert_string_equal(deb, want[n][2]);
	}
	assert_int_equal(n, 6);
	assert_false(pw_platform_info("manylinux_riscv64", NULL, NULL));
	assert_null(pw_platform_find("manylinux_ppc64"));
}

static void test_emulation(void **state)
{
	(void)state;
	assert_string_equal(pw_emulator_arch("armv7l"), "arm");
	assert_string_equal(pw_emulator_arch("ppc64le"), "ppc64le");
	assert_string_equal(pw_emulator_arch("s390x"), "s390x");
	assert_string_equal(pw_emulator_arch("i686"), "i386");
	assert_false(pw_linux32_needed(NULL));
	assert_false(pw_linux32_needed("armv7l")); /* qemu-arm says armv7l itself */
	if (!strcmp(pw_host_arch(), "x86_64")) {
		assert_true(pw_emulator_needed("ppc64le"));
		assert_true(pw_emulator_needed("s390x"));
		assert_true(pw_emulator_needed("armv7l"));
		assert_false(pw_emulator_needed("i686"));
		assert_true(pw_linux32_needed("i686"));
		assert_false(pw_linux32_needed("x86_64"));
	}
}

static void free_env(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void test_cross(void **state)
{
	char **v = NULL;
	size_t n;

	(void)state;
	assert_string_equal(pw_cross_gnu_triplet("ppc64le"), "powerpc64le-linux-gnu");
	assert_string_equal(pw_cross_rust_target("ppc64le"), "powerpc64le-unknown-linux-gnu");
	assert_string_equal(pw_cross_gnu_triplet("s390x"), "s390x-linux-gnu");
	assert_string_equal(pw_cross_rust_target("s390x"), "s390x-unknown-linux-gnu");
	assert_string_equal(pw_cross_gnu_triplet("armv7l"), "arm-linux-gnueabihf");
	assert_string_equal(pw_cross_rust_target("armv7l"), "armv7-unknown-linux-gnueabihf");
	/* i686 builds with the i386 root's own gcc, natively */
	assert_null(pw_cross_gnu_triplet("i686"));
	assert_int_equal(pw_cross_env("i686", "3.11", &v), 0);
	assert_null(v);

	n = pw_cross_env("armv7l", "3.11", &v);
	assert_int_equal(n, 5);
	assert_string_equal(v[0], "CC=arm-linux-gnueabihf-gcc");
	assert_string_equal(v[1], "CXX=arm-linux-gnueabihf-g++");
	assert_string_equal(v[2], "CARGO_BUILD_TARGET=armv7-unknown-linux-gnueabihf");
	assert_string_equal(
	    v[3], "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc");
	assert_string_equal(v[4], "PYO3_CROSS_LIB_DIR=/usr/lib/python3.11");
	free_env(v, n);
	n = pw_cross_env("ppc64le", NULL, &v);
	assert_int_equal(n, 4);
	assert_string_equal(
	    v[3], "CARGO_TARGET_POWERPC64LE_UNKNOWN_LINUX_GNU_LINKER=powerpc64le-linux-gnu-gcc");
	free_env(v, n);
	n = pw_cross_env("s390x", NULL, &v);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "CC=s390x-linux-gnu-gcc");
	free_env(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_platforms),
	    cmocka_unit_test(test_emulation),
	    cmocka_unit_test(test_cross),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
