/* test_sandbox_host.c - unit tests of how the sandbox explains a refusal,
 * through the injectable host probe (struct sb_host in sandbox-int.h):
 * user namespaces restricted by AppArmor, disabled by
 * user.max_user_namespaces=0 or kernel.unprivileged_userns_clone=0, which
 * steps' EPERM point at that cause, and the "--emulate needs Linux 6.7"
 * message for older kernels.  None of these hosts can be made for real on
 * the test machine (no AppArmor, a 6.x kernel). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../sandbox/sandbox-int.h"

/* The fake host: sysctl values by name (absent: -ENOENT) and uname. */
static struct {
	long apparmor, max_userns, userns_clone; /* -1: the sysctl does not exist */
	const char *release, *machine;
} fake;

static int fake_sysctl(const char *name, long *v)
{
	long x = -1;

	if (!strcmp(name, "kernel/apparmor_restrict_unprivileged_userns"))
		x = fake.apparmor;
	else if (!strcmp(name, "user/max_user_namespaces"))
		x = fake.max_userns;
	else if (!strcmp(name, "kernel/unprivileged_userns_clone"))
		x = fake.userns_clone;
	if (x < 0)
		return -ENOENT;
	*v = x;
	return 0;
}

static int fake_uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->sysname, sizeof(u->sysname), "Linux");
	snprintf(u->release, sizeof(u->release), "%s", fake.release);
	snprintf(u->machine, sizeof(u->machine), "%s", fake.machine);
	return 0;
}

static const struct sb_host fake_host = {fake_sysctl, fake_uname};

static int setup(void **state)
{
	(void)state;
	fake.apparmor = -1;
	fake.max_userns = 15000;
	fake.userns_clone = -1;
	fake.release = "6.18.0";
	fake.machine = "x86_64";
	sb_host = &fake_host;
	return 0;
}

static void test_no_cause(void **state)
{
	(void)state;
	assert_null(sb_userns_cause());
	fake.apparmor = 0;
	fake.userns_clone = 1;
	assert_null(sb_userns_cause());
	assert_null(sb_explain_clone(EPERM));
	assert_null(sb_explain_step("sethostname", EPERM));
}

static void test_apparmor(void **state)
{
	const char *why;

	(void)state;
	fake.apparmor = 1;
	why = sb_userns_cause();
	assert_non_null(why);
	assert_string_equal(why, "unprivileged user namespaces are restricted by AppArmor "
				 "(kernel.apparmor_restrict_unprivileged_userns=1); allow them "
				 "with 'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' "
				 "or an AppArmor profile that grants 'userns' to pinwheel");
	/* AppArmor lets the namespace be made but without capabilities: the
	 * first privileged steps inside fail with EPERM */
	assert_ptr_equal(sb_explain_step("sethostname", EPERM), why);
	assert_ptr_equal(sb_explain_step("create the network namespace", EPERM), why);
	assert_ptr_equal(sb_explain_step("bring up lo", EPERM), why);
	assert_ptr_equal(sb_explain_step("make mounts private", EPERM), why);
	/* other errnos, and later steps, have other causes */
	assert_null(sb_explain_step("sethostname", EINVAL));
	assert_null(sb_explain_step("pivot_root", EPERM));
	assert_null(sb_explain_step("exec '/bin/true'", EPERM));
	/* it wins over the other causes */
	fake.max_userns = 0;
	assert_ptr_equal(sb_userns_cause(), why);
}

static void test_disabled(void **state)
{
	(void)state;
	fake.max_userns = 0;
	assert_string_equal(sb_explain_clone(ENOSPC),
			    "user namespaces are disabled (user.max_user_namespaces=0); enable "
			    "them with 'sysctl -w user.max_user_namespaces=15000'");
	assert_null(sb_explain_clone(ENOMEM));
	fake.max_userns = 15000;
	fake.userns_clone = 0;
	assert_string_equal(sb_explain_clone(EPERM),
			    "unprivileged user namespaces are disabled "
			    "(kernel.unprivileged_userns_clone=0); enable them with "
			    "'sysctl -w kernel.unprivileged_userns_clone=1'");
}

static int emulate_check(const char *arch, struct pw_err *e)
{
	struct pw_sandbox_spec s;
	int r;

	pw_sandbox_spec_init(&s);
	s.emulate_arch = strdup(arch);
	s.emulate_qemu = strdup("/usr/bin/qemu-aarch64-static");
	memset(e, 0, sizeof(*e));
	r = sb_emulate_check(&s, e);
	pw_sandbox_spec_release(&s);
	return r;
}

static void test_emulate_kernel(void **state)
{
	static const char *const old[] = {"6.6.30-amd64", "6.1.0-27-amd64", "5.15.0-generic",
					  "4.19.0", "garbage"};
	static const char *const ok[] = {"6.7.0", "6.7", "6.10.1-arch1", "6.18.0", "7.0.0"};
	struct pw_err e;
	char want[256];

	(void)state;
	for (size_t i = 0; i < PW_ARRAY_SIZE(old); i++) {
		fake.release = old[i];
		assert_int_equal(emulate_check("aarch64", &e), -ENOTSUP);
		snprintf(want, sizeof(want),
			 "--emulate needs Linux 6.7 or later (binfmt_misc in a user namespace); "
			 "this kernel is %s",
			 old[i]);
		assert_string_equal(e.msg, want);
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(ok); i++) {
		fake.release = ok[i];
		assert_int_equal(emulate_check("aarch64", &e), 0);
	}
}

static void test_emulate_native(void **state)
{
	struct pw_err e;

	(void)state;
	assert_int_equal(emulate_check("i386", &e), -EINVAL);
	assert_string_equal(e.msg, "--emulate 'i386': this machine runs i386 binaries natively");
	fake.machine = "aarch64";
	assert_int_equal(emulate_check("aarch64", &e), -EINVAL);
	assert_int_equal(emulate_check("x86_64", &e), 0);
	assert_int_equal(emulate_check("vax", &e), -EINVAL);
	assert_string_equal(e.msg, "--emulate 'vax': unknown architecture");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_no_cause, setup),
	    cmocka_unit_test_setup(test_apparmor, setup),
	    cmocka_unit_test_setup(test_disabled, setup),
	    cmocka_unit_test_setup(test_emulate_kernel, setup),
	    cmocka_unit_test_setup(test_emulate_native, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
