/* test_sys.c - unit tests of lib/sys.c: the syscall(2) wrappers behave as
 * glibc's functions of the same names (a result, or -1 with errno). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/sys.h"

static void test_memfd_and_copy(void **state)
{
	char got[8] = {0};
	int64_t in_off = 0;
	int a, b;

	(void)state;
	a = pw_sys_memfd_create("t-a", MFD_CLOEXEC);
	b = pw_sys_memfd_create("t-b", MFD_CLOEXEC);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(fcntl(a, F_GETFD), FD_CLOEXEC);
	assert_int_equal(write(a, "hello", 5), 5);
	assert_int_equal(pw_sys_copy_file_range(a, &in_off, b, NULL, 5, 0), 5);
	assert_int_equal(in_off, 5);
	assert_int_equal(pread(b, got, sizeof(got), 0), 5);
	assert_string_equal(got, "hello");
	/* errors come back as -1 and errno, as glibc's do */
	assert_int_equal(pw_sys_copy_file_range(a, NULL, b, NULL, 5, 1u << 30), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pw_sys_memfd_create("t-c", 0x80000000u), -1);
	assert_int_equal(errno, EINVAL);
	close(a);
	close(b);
}

static void test_getrandom(void **state)
{
	unsigned char r[64], zero[64] = {0};

	(void)state;
	memset(r, 0, sizeof(r));
	assert_int_equal(pw_sys_getrandom(r, sizeof(r), 0), 64);
	assert_memory_not_equal(r, zero, sizeof(r));
	assert_int_equal(pw_sys_getrandom(r, sizeof(r), 0x4000u), -1);
	assert_int_equal(errno, EINVAL);
}

/* The mount API: only the argument checks a test can reach without
 * mounting (the sandbox tests, t20xx, mount through these wrappers). */
static void test_mount_api_errors(void **state)
{
	struct mount_attr attr;

	(void)state;
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY; /* an empty change returns 0 before the path */
	assert_int_equal(pw_sys_open_tree(-1, "relative", OPEN_TREE_CLOEXEC), -1);
	assert_int_equal(errno, EBADF);
	/* without CAP_SYS_ADMIN the capability check comes first */
	assert_int_equal(pw_sys_mount_setattr(-1, "relative", 0, &attr, sizeof(attr)), -1);
	assert_int_equal(errno, geteuid() == 0 ? EBADF : EPERM);
	assert_int_equal(pw_sys_fsopen("pinwheel-no-such-fs", FSOPEN_CLOEXEC), -1);
	assert_int_equal(errno, geteuid() == 0 ? ENODEV : EPERM);
}

static void test_explicit_bzero(void **state)
{
	char s[16] = "secret password";
	char zero[16] = {0};

	(void)state;
	pw_explicit_bzero(s, sizeof(s));
	assert_memory_equal(s, zero, sizeof(s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memfd_and_copy),
	    cmocka_unit_test(test_getrandom),
	    cmocka_unit_test(test_mount_api_errors),
	    cmocka_unit_test(test_explicit_bzero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
