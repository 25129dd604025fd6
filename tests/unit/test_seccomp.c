/* test_seccomp.c - unit tests of sandbox/seccomp.c: profile errors, the
 * compiled program's verdicts (run through the module's classic-BPF
 * interpreter, pw_seccomp_prog_eval(), for every ABI, so no privilege is
 * needed to prove what the kernel would decide; the interpreter has its
 * own test here, and t2008 checks it agrees with the kernel), the socket
 * demux section, the caches and the installer. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/seccomp.h"
#include "../../sandbox/seccomp-int.h"

#define X32_BIT 0x40000000u
#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))

static struct pw_seccomp_prog *compile_or_die(const char *name, bool net, const char *cache)
{
	struct pw_seccomp_opts o = {.allow_net = net, .cache_dir = cache};
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *p = pw_seccomp_compile(name, &o, &e);

	if (!p)
		fail_msg("compile %s: %s", name, e.msg);
	return p;
}

static uint32_t verdict(const struct pw_seccomp_prog *p, uint32_t arch, uint32_t nr, uint64_t a0,
			uint64_t a1, uint64_t a2)
{
	struct seccomp_data d = {.nr = (int)nr, .arch = arch, .args = {a0, a1, a2}};

	return pw_seccomp_prog_eval(p, &d);
}

#define X64 AUDIT_ARCH_X86_64
#define I386 AUDIT_ARCH_I386

static void test_build_profile_verdicts(void **state)
{
	struct pw_seccomp_prog *p = compile_or_die("build", false, NULL);

	(void)state;
	/* native x86_64 */
	assert_int_equal(verdict(p, X64, SYS_getpid, 0, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_ptrace, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_keyctl, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_bpf, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_mount, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_clone3, 0, 0, 0), ERRNO(ENOSYS));
	assert_int_equal(verdict(p, X64, SYS_io_uring_setup, 0, 0, 0), ERRNO(ENOSYS));
	assert_int_equal(verdict(p, X64, SYS_fsopen, 0, 0, 0), ERRNO(ENOSYS));
	assert_int_equal(verdict(p, X64, SYS_clone, 0x11 /* SIGCHLD */, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_clone, 0x003d0f00 /* pthread */, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_clone, 0x11 | 0x10000000 /* NEWUSER */, 0, 0),
			 ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_clone, 0x11 | 0x00020000 /* NEWNS */, 0, 0),
			 ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_clone, 0x11 | 0x40000000 /* NEWNET */, 0, 0),
			 ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_ioctl, 0, 0x5401 /* TCGETS */, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_ioctl, 0, 0x5412, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_ioctl, 0, 0xffffffff00005412ULL, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_ioctl, 0, 0x541C, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_chmod, 0, 0755, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_chmod, 0, 04755, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_fchmod, 0, 02700, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_fchmodat, 0, 0, 01777), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_fchmodat, 0, 0, 06755), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, 452 /* fchmodat2 */, 0, 0, 04755), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_socket, 1, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_socket, 16, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_socket, 2, 0, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(verdict(p, X64, SYS_socket, 10, 0, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(verdict(p, X64, SYS_socket, 0, 0, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(verdict(p, X64, SYS_socket, 17, 0, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(verdict(p, X64, SYS_socket, 0x100000002ULL, 0, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(verdict(p, X64, SYS_personality, 0, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_personality, 8, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_personality, 0xffffffff, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_personality, 6, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_personality, 0x0040000, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_personality, 0xfffffffe, 0, 0), ERRNO(EPERM));
	/* the kernel reads 32 bits of it: high bits neither help nor hurt */
	assert_int_equal(verdict(p, X64, SYS_personality, 0x100000006ULL, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_personality, 0xffffffff00000000ULL, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_personality, 0x100000008ULL, 0, 0), ALLOW);
	/* every value with one or two bits set, or clear, and every cyclic run
	 * of ones: denied unless 0, PER_LINUX32 (8) or the query */
	for (unsigned a = 0; a < 32; a++)
		for (unsigned b = 0; b < 32; b++) {
			uint32_t run = 0, v[4];

			for (unsigned k = 0; k <= b; k++)
				run |= 1u << ((a + k) % 32);
			v[0] = (1u << a) | (1u << b);
			v[1] = ~v[0];
			v[2] = run;
			v[3] = run | 8u;
			for (unsigned k = 0; k < 4; k++) {
				bool ok = v[k] == 0 || v[k] == 8 || v[k] == 0xffffffffu;

				if (verdict(p, X64, SYS_personality, v[k], 0, 0) !=
				    (ok ? ALLOW : ERRNO(EPERM)))
					fail_msg("personality(0x%08x) on x86_64", v[k]);
				if (verdict(p, I386, 136, v[k], 0, 0) != (ok ? ALLOW : ERRNO(EPERM)))
					fail_msg("personality(0x%08x) on i386", v[k]);
			}
		}
	/* i386 through int 0x80: i386 numbers */
	assert_int_equal(verdict(p, I386, 20 /* getpid */, 0, 0, 0), ALLOW);
	assert_int_equal(verdict(p, I386, 288 /* keyctl */, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, I386, 26 /* ptrace */, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, I386, 88 /* reboot */, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, I386, 435 /* clone3 */, 0, 0, 0), ERRNO(ENOSYS));
	assert_int_equal(verdict(p, I386, 120 /* clone */, 0x10000000, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, I386, 120 /* clone */, 0x11, 0, 0), ALLOW);
	assert_int_equal(verdict(p, I386, 54 /* ioctl */, 0, 0x5412, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, I386, 15 /* chmod */, 0, 04755, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, I386, 136 /* personality */, 8, 0, 0), ALLOW);
	assert_int_equal(verdict(p, I386, 136 /* personality */, 6, 0, 0), ERRNO(EPERM));
	/* x32 (x86_64 audit arch, numbers with the x32 bit): killed */
	assert_int_equal(verdict(p, X64, X32_BIT | 39 /* getpid */, 0, 0, 0),
			 SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(p, X64, X32_BIT | 250 /* keyctl */, 0, 0, 0),
			 SECCOMP_RET_KILL_PROCESS);
	/* any other ABI is killed */
	assert_int_equal(verdict(p, AUDIT_ARCH_AARCH64, 20, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
	pw_seccomp_prog_free(p);
}

/* The build profile's rules with x32 filtered too ("compat_arches":
 * "filter"): names resolved with the x32 bit, int arguments truncated. */
static void test_x32_filtered(void **state)
{
	char path[4096], *text, *at;
	size_t n;
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *p;
	const char *old = "{ \"x86\": \"filter\", \"x32\": \"kill\" }";

	(void)state;
	snprintf(path, sizeof(path), "%s/profiles/seccomp/build.json", PW_SRCDIR);
	assert_int_equal(pw_read_file(path, &b), 0);
	text = b.buf;
	n = b.len;
	at = strstr(text, old);
	assert_non_null(at);
	memcpy(at, "\"filter\"", 8);
	memset(at + 8, ' ', strlen(old) - 8);
	p = pw_seccomp_compile_mem("build-x32.json", text, n, NULL, &e);
	if (!p)
		fail_msg("%s", e.msg);
	assert_int_equal(verdict(p, X64, X32_BIT | 39 /* getpid */, 0, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, X32_BIT | 250 /* keyctl */, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, X32_BIT | 521 /* ptrace */, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, X32_BIT | 41 /* socket */, 2, 0, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(verdict(p, X64, X32_BIT | 41 /* socket */, 1, 0, 0), ALLOW);
	/* the kernel truncates int arguments: high bits do not help on x32 */
	assert_int_equal(verdict(p, X64, X32_BIT | 41, 0x100000002ULL, 0, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(verdict(p, X64, X32_BIT | 514 /* ioctl */, 0, 0x100005412ULL, 0),
			 ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, X32_BIT | 135 /* personality */, 0x100000006ULL, 0, 0),
			 ERRNO(EPERM));
	/* i386 stays filtered as in the build profile */
	assert_int_equal(verdict(p, I386, 288 /* keyctl */, 0, 0, 0), ERRNO(EPERM));
	pw_seccomp_prog_free(p);
	pw_buf_release(&b);
}

static void test_net_and_lock(void **state)
{
	struct pw_seccomp_prog *net = compile_or_die("build", true, NULL);
	struct pw_seccomp_prog *lock = compile_or_die("lock", false, NULL);
	size_t n1, n2;
	const void *i1 = pw_seccomp_prog_insns(net, &n1), *i2 = pw_seccomp_prog_insns(lock, &n2);

	(void)state;
	assert_int_equal(verdict(net, X64, SYS_socket, 2, 0, 0), ALLOW);
	assert_int_equal(verdict(net, X64, SYS_socket, 10, 0, 0), ALLOW);
	assert_int_equal(verdict(net, X64, SYS_ptrace, 0, 0, 0), ERRNO(EPERM));
	/* lock is build without its "unless": "net" rules */
	assert_int_equal(n1, n2);
	assert_memory_equal(i1, i2, n1 * sizeof(struct sock_filter));
	pw_seccomp_prog_free(net);
	pw_seccomp_prog_free(lock);
}

/* not_in against a reference, on the 64-bit and the 32-bit ABI. */
static void test_not_in_expansion(void **state)
{
	static const char prof[] =
	    "{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"personality\"],"
	    "\"action\":\"errno\",\"errno\":\"EPERM\",\"args\":[{\"index\":0,\"op\":\"not_in\","
	    "\"value\":[0,3,4,1000,\"0x7fffffff\",\"0xffffffff\",\"0x100000005\"]}]}]}";
	static const uint64_t allowed[] = {0, 3, 4, 1000, 0x7fffffff, 0xffffffff, 0x100000005ULL};
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *p =
	    pw_seccomp_compile_mem("t.json", prof, sizeof(prof) - 1, NULL, &e);
	uint64_t seed = 42;

	(void)state;
	if (!p)
		fail_msg("%s", e.msg);
	for (int i = 0; i < 20000; i++) {
		uint64_t v;
		bool ok = false;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		switch (i % 4) {
		case 0:
			v = seed >> (seed & 63);
			break;
		case 1:
			v = allowed[i / 4 % 7] + (seed & 3) - 1;
			break;
		case 2:
			v = seed & 0xffffffffULL;
			break;
		default:
			v = seed;
			break;
		}
		for (size_t k = 0; k < PW_ARRAY_SIZE(allowed); k++)
			ok |= v == allowed[k];
		if (verdict(p, X64, SYS_personality, v, 0, 0) != (ok ? ALLOW : ERRNO(EPERM)))
			fail_msg("x86_64 personality(0x%llx): wrong verdict",
				 (unsigned long long)v);
		/* i386 sees the low 32 bits only */
		v &= 0xffffffffULL;
		ok = false;
		for (size_t k = 0; k < PW_ARRAY_SIZE(allowed); k++)
			ok |= v == allowed[k];
		if (verdict(p, I386, 136, v, 0, 0) != (ok ? ALLOW : ERRNO(EPERM)))
			fail_msg("i386 personality(0x%llx): wrong verdict", (unsigned long long)v);
	}
	pw_seccomp_prog_free(p);
}

static void test_actions_and_compat_kill(void **state)
{
	static const char prof[] =
	    "{\"default_action\":\"allow\",\"compat_arches\":\"kill\",\"syscalls\":["
	    "{\"names\":[\"getppid\"],\"action\":\"kill\"},"
	    "{\"names\":[\"getuid\"],\"action\":\"log\"},"
	    "{\"names\":[\"getgid\"],\"action\":\"errno\",\"errno\":13},"
	    "{\"names\":[\"kill\"],\"action\":\"errno\",\"errno\":\"EACCES\",\"args\":["
	    "{\"index\":0,\"op\":\"le\",\"value\":1},{\"index\":1,\"op\":\"in\",\"value\":[9,15]}]}"
	    "]}";
	static const char deny[] =
	    "{\"default_action\":\"errno\",\"default_errno\":\"ENOSYS\",\"syscalls\":["
	    "{\"names\":[\"read\",\"write\",\"exit_group\"],\"action\":\"allow\"}]}";
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *p =
	    pw_seccomp_compile_mem("t.json", prof, sizeof(prof) - 1, NULL, &e);

	(void)state;
	if (!p)
		fail_msg("%s", e.msg);
	assert_int_equal(verdict(p, X64, SYS_getppid, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(p, X64, SYS_getuid, 0, 0, 0), SECCOMP_RET_LOG);
	assert_int_equal(verdict(p, X64, SYS_getgid, 0, 0, 0), ERRNO(13));
	assert_int_equal(verdict(p, X64, SYS_kill, 1, 9, 0), ERRNO(EACCES));
	assert_int_equal(verdict(p, X64, SYS_kill, 0, 15, 0), ERRNO(EACCES));
	assert_int_equal(verdict(p, X64, SYS_kill, 2, 9, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_kill, 1, 10, 0), ALLOW);
	/* compat ABIs killed outright, so int 0x80 is no way around */
	assert_int_equal(verdict(p, I386, 20, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(p, X64, X32_BIT | 39, 0, 0, 0), SECCOMP_RET_KILL_PROCESS);
	pw_seccomp_prog_free(p);

	p = pw_seccomp_compile_mem("deny.json", deny, sizeof(deny) - 1, NULL, &e);
	if (!p)
		fail_msg("%s", e.msg);
	assert_int_equal(verdict(p, X64, SYS_read, 0, 0, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_getpid, 0, 0, 0), ERRNO(ENOSYS));
	assert_int_equal(verdict(p, I386, 3 /* read */, 0, 0, 0), ALLOW);
	assert_int_equal(verdict(p, I386, 20, 0, 0, 0), ERRNO(ENOSYS));
	pw_seccomp_prog_free(p);
}

/* Each bad profile and the exact one-line message it gives. */
static void test_profile_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\",\"foo\"],\"action\":"
	     "\"kill\"}]}",
	     "t.json: syscalls[0].names[1]: unknown syscall 'foo' on x86_64"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[],\"frob\":1}",
	     "t.json: (top level): unknown key 'frob'"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"extra\":true}]}",
	     "t.json: syscalls[0]: unknown key 'extra'"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"eq\",\"value\":1,\"x\":2}]}]}",
	     "t.json: syscalls[0].args[0]: unknown key 'x'"},
	    {"{\"default_action\":\"deny\",\"syscalls\":[]}",
	     "t.json: default_action: unknown action 'deny' (expected allow, log, errno or kill)"},
	    {"{\"syscalls\":[]}",
	     "t.json: default_action: expected one of allow, log, errno, kill"},
	    {"{\"default_action\":\"allow\"}", "t.json: syscalls: expected an array of rules"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"errno\"}]}",
	     "t.json: syscalls[0].errno: action errno needs an errno (a name such as \"EPERM\" or "
	     "a number)"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"errno\",\"errno\":\"EWHAT\"}]}",
	     "t.json: syscalls[0].errno: unknown errno name 'EWHAT'"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"errno\":1}]}",
	     "t.json: syscalls[0].errno: only allowed with action errno"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"allow\"}]}",
	     "t.json: syscalls[0]: the action is the default action, so the rule has no effect"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[],\"action\":\"kill\"}]}",
	     "t.json: syscalls[0].names: expected a non-empty array of syscall names"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":6,\"op\":\"eq\",\"value\":1}]}]}",
	     "t.json: syscalls[0].args[0].index: expected an argument index from 0 to 5"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"eq\",\"value\":1},{\"index\":0,\"op\":"
	     "\"ne\",\"value\":2}]}]}",
	     "t.json: syscalls[0].args[1]: argument 0 already has a condition in this rule (write "
	     "a second rule)"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"in\",\"value\":[1]},{\"index\":1,\"op\":"
	     "\"any_bits\",\"value\":2}]}]}",
	     "t.json: syscalls[0].args[1]: at most one any_bits, in or not_in condition per rule"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"masked_eq\",\"value\":1}]}]}",
	     "t.json: syscalls[0].args[0].mask: masked_eq needs a mask"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"masked_eq\",\"mask\":1,\"value\":3}]}]}",
	     "t.json: syscalls[0].args[0].value: value has bits outside the mask, so it can never "
	     "match"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"eq\",\"value\":\"AF_FOO\"}]}]}",
	     "t.json: syscalls[0].args[0].value: unknown constant 'AF_FOO' (expected a number or a "
	     "name listed in docs/seccomp.md)"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"like\",\"value\":1}]}]}",
	     "t.json: syscalls[0].args[0].op: unknown op 'like' (expected eq, ne, lt, le, gt, ge, "
	     "masked_eq, any_bits, in or not_in)"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"not_in\",\"value\":[]}]}]}",
	     "t.json: syscalls[0].args[0].value: not_in expects a non-empty array of values"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"eq\",\"value\":-1}]}]}",
	     "t.json: syscalls[0].args[0].value: expected a number >= 0, got -1"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"args\":[{\"index\":0,\"op\":\"eq\",\"value\":\"0x1g\"}]}]}",
	     "t.json: syscalls[0].args[0].value: '0x1g' is not a 64-bit number"},
	    {"{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	     "\"kill\",\"unless\":\"offline\"}]}",
	     "t.json: syscalls[0].unless: expected \"net\""},
	    {"{\"default_action\":\"allow\",\"compat_arches\":\"ignore\",\"syscalls\":[]}",
	     "t.json: compat_arches: expected \"filter\" or \"kill\""},
	    {"{\"default_action\":\"allow\",\"compat_arches\":[\"x32\"],\"syscalls\":[]}",
	     "t.json: compat_arches: expected \"filter\", \"kill\" or an object such as "
	     "{\"x32\": \"kill\"}"},
	    {"{\"default_action\":\"allow\",\"compat_arches\":{\"x86_64\":\"kill\"},"
	     "\"syscalls\":[]}",
	     "t.json: compat_arches.x86_64: expected a compat ABI: x86, x32, arm, s390 or ppc"},
	    {"{\"default_action\":\"allow\",\"compat_arches\":{\"x32\":\"drop\"},"
	     "\"syscalls\":[]}",
	     "t.json: compat_arches.x32: expected \"filter\" or \"kill\""},
	    {"[]", "t.json: (top level): expected an object"},
	    {"{\"default_action\":\"allow\",\n \"syscalls\": [,]}",
	     "t.json:2:15: unexpected token near ','"},
	};
	(void)state;
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		struct pw_err e = PW_ERR_INIT;
		struct pw_seccomp_prog *p;
		char got[600];
		unsigned line, col;
		int off = 0;
		int r = pw_seccomp_profile_check("t.json", cases[i].json, strlen(cases[i].json), &e);
		/* positions are checked in test_error_positions: drop them */
		if (sscanf(e.msg, "t.json:%u:%u: %n", &line, &col, &off) == 2 && off > 0 &&
		    strncmp(cases[i].msg, "t.json:", 7) == 0 && cases[i].msg[7] == ' ')
			snprintf(got, sizeof(got), "t.json: %s", e.msg + off);
		else
			snprintf(got, sizeof(got), "%s", e.msg);
		if (r != -EINVAL || strcmp(got, cases[i].msg))
			fail_msg("case %zu: r=%d msg '%s', wanted '%s'", i, r, e.msg, cases[i].msg);
		errno = 0;
		p = pw_seccomp_compile_mem("t.json", cases[i].json, strlen(cases[i].json), NULL, &e);
		assert_null(p);
		assert_int_equal(errno, EINVAL);
	}
}

/* FILE:LINE:COL points at the offending element, or at the object that
 * lacks a required member. */
static void test_error_positions(void **state)
{
	static const struct {
		const char *rule, *msg;
	} cases[] = {
	    {"    { \"names\": [\"read\", \"foo\"], \"action\": \"kill\" }",
	     "t.json:4:25: syscalls[0].names[1]: unknown syscall 'foo' on x86_64"},
	    {"    { \"names\": [\"read\"], \"action\": \"kill\", \"bogus\": 1 }",
	     "t.json:4:44: syscalls[0]: unknown key 'bogus'"},
	    {"    { \"names\": [\"read\"], \"action\": \"errno\" }",
	     "t.json:4:5: syscalls[0].errno: action errno needs an errno (a name such as "
	     "\"EPERM\" or a number)"},
	    {"    { \"names\": [\"read\"], \"action\": \"kill\",\n"
	     "      \"args\": [ { \"index\": 0, \"op\": \"eq\", \"value\": \"AF_NOPE\" } ] }",
	     "t.json:5:52: syscalls[0].args[0].value: unknown constant 'AF_NOPE' (expected a "
	     "number or a name listed in docs/seccomp.md)"},
	};

	(void)state;
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		struct pw_err e = PW_ERR_INIT;
		char *text = pw_xasprintf("{\n  \"default_action\": \"allow\",\n  \"syscalls\": [\n%s\n  ]\n}\n",
					  cases[i].rule);
		assert_int_equal(pw_seccomp_profile_check("t.json", text, strlen(text), &e), -EINVAL);
		if (strcmp(e.msg, cases[i].msg))
			fail_msg("case %zu: '%s', wanted '%s'", i, e.msg, cases[i].msg);
		free(text);
	}
	{
		/* the top level and a key there */
		static const char t[] = "{\"default_action\":\"allow\",\"syscalls\":[],\"frob\":1}";
		struct pw_err e = PW_ERR_INIT;
		assert_int_equal(pw_seccomp_profile_check("t.json", t, strlen(t), &e), -EINVAL);
		assert_string_equal(e.msg, "t.json:1:41: (top level): unknown key 'frob'");
	}
}

static void test_builtins_and_names(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	size_t len;

	(void)state;
	assert_string_equal(pw_seccomp_builtin_name(0), "build");
	assert_string_equal(pw_seccomp_builtin_name(1), "lock");
	assert_null(pw_seccomp_builtin_name(2));
	assert_non_null(pw_seccomp_builtin("build", &len));
	assert_int_equal(
	    pw_seccomp_profile_check("build", pw_seccomp_builtin("build", &len), len, &e), 0);
	assert_null(pw_seccomp_builtin("nope", &len));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(pw_seccomp_compile("nope", NULL, &e));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(e.msg, "unknown seccomp profile 'nope' (built-in: build, lock; a path "
				   "needs a '/' or a .json suffix)");
	assert_null(pw_seccomp_compile("./missing.json", NULL, &e));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(
	    e.msg, "could not read seccomp profile './missing.json': No such file or directory");
}

static char *tmpdir(void)
{
	char *d = pw_xstrdup("/tmp/pw-seccomp-test.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void test_caches(void **state)
{
	_cleanup_free_ char *dir = tmpdir();
	_cleanup_free_ char *cache = pw_path_join(dir, "cache");
	struct pw_seccomp_prog *a, *b, *c;
	size_t na, nb;
	const void *ia, *ib;
	char path[512];
	int fd, nfiles = 0;

	(void)state;
	pw_seccomp_cache_clear();
	a = compile_or_die("build", false, cache);
	assert_int_equal(pw_seccomp_prog_source(a), PW_SECCOMP_COMPILED);
	b = compile_or_die("build", false, cache);
	assert_int_equal(pw_seccomp_prog_source(b), PW_SECCOMP_MEM_CACHE);
	pw_seccomp_prog_free(b);
	/* another option is another program */
	b = compile_or_die("build", true, cache);
	assert_int_equal(pw_seccomp_prog_source(b), PW_SECCOMP_COMPILED);
	pw_seccomp_prog_free(b);

	/* a new process (here: an empty memory cache) reads the disk */
	pw_seccomp_cache_clear();
	b = compile_or_die("build", false, cache);
	assert_int_equal(pw_seccomp_prog_source(b), PW_SECCOMP_DISK_CACHE);
	ia = pw_seccomp_prog_insns(a, &na);
	ib = pw_seccomp_prog_insns(b, &nb);
	assert_int_equal(na, nb);
	assert_memory_equal(ia, ib, na * sizeof(struct sock_filter));
	pw_seccomp_prog_free(b);

	/* corrupt every cached file: not a whole number of instructions */
	{
		char cmd[600];
		FILE *f;
		snprintf(cmd, sizeof(cmd), "ls '%s'", cache);
		f = popen(cmd, "r");
		assert_non_null(f);
		while (fgets(path, sizeof(path), f)) {
			char full[1024];
			path[strcspn(path, "\n")] = 0;
			assert_true(strlen(path) > 64 + 4);
			assert_string_equal(path + strlen(path) - 4, ".bpf");
			snprintf(full, sizeof(full), "%s/%s", cache, path);
			fd = open(full, O_WRONLY | O_APPEND | O_CLOEXEC);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, "xyz", 3), 3);
			close(fd);
			nfiles++;
		}
		pclose(f);
	}
	assert_int_equal(nfiles, 2);
	pw_seccomp_cache_clear();
	c = compile_or_die("build", false, cache);
	assert_int_equal(pw_seccomp_prog_source(c), PW_SECCOMP_COMPILED);
	pw_seccomp_prog_free(c);
	/* ... and rewritten */
	pw_seccomp_cache_clear();
	c = compile_or_die("build", false, cache);
	assert_int_equal(pw_seccomp_prog_source(c), PW_SECCOMP_DISK_CACHE);
	pw_seccomp_prog_free(c);

	/* a cache directory that cannot be made only costs time */
	pw_seccomp_cache_clear();
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/cache", dir);
	c = compile_or_die("build", false, path);
	assert_int_equal(pw_seccomp_prog_source(c), PW_SECCOMP_COMPILED);
	pw_seccomp_prog_free(c);

	pw_seccomp_prog_free(a);
	pw_seccomp_cache_clear();
	assert_int_equal(pw_rm_rf(dir), 0);
}

static void test_cache_not_writable_by_others(void **state)
{
	_cleanup_free_ char *dir = tmpdir();
	struct pw_seccomp_prog *p;
	char cmd[600];

	(void)state;
	pw_seccomp_cache_clear();
	p = compile_or_die("build", false, dir);
	pw_seccomp_prog_free(p);
	snprintf(cmd, sizeof(cmd), "chmod g+w '%s'/*.bpf", dir);
	assert_int_equal(system(cmd), 0);
	pw_seccomp_cache_clear();
	p = compile_or_die("build", false, dir);
	assert_int_equal(pw_seccomp_prog_source(p), PW_SECCOMP_COMPILED);
	pw_seccomp_prog_free(p);
	pw_seccomp_cache_clear();
	assert_int_equal(pw_rm_rf(dir), 0);
}


/* A built-in profile's cache file is named by the SHA-256 of its bytes
 * (computed when the binary was built), so the digest embedded at build
 * time must agree with lib/hash.c on the embedded bytes. */
static void test_builtin_digest(void **state)
{
	char dir[] = "/tmp/pwsc-digest.XXXXXX", hex[PW_SHA256_HEX];
	struct pw_seccomp_prog *p;
	const char *data;
	struct dirent *de;
	size_t len = 0;
	int found = 0;
	DIR *d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	data = pw_seccomp_builtin("build", &len);
	assert_non_null(data);
	pw_sha256_mem(data, len, hex);
	pw_seccomp_cache_clear();
	p = compile_or_die("build", false, dir);
	pw_seccomp_prog_free(p);
	pw_seccomp_cache_clear();
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, hex, 64) && de->d_name[64] == '-')
			found++;
	closedir(d);
	assert_int_equal(found, 1);
	assert_int_equal(pw_rm_rf(dir), 0);
}

/* Install in a child and check the kernel agrees with the interpreter. */
static void test_install(void **state)
{
	struct pw_seccomp_prog *p = compile_or_die("build", false, NULL);
	int st;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int r = pw_seccomp_install(p);
		if (r < 0)
			_exit(10);
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			_exit(11);
		if (syscall(SYS_keyctl, 0x7fffffff, 0, 0, 0, 0) != -1 || errno != EPERM)
			_exit(12);
		if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
			_exit(13);
		if (syscall(SYS_socket, 2, 0xfff, 0) != -1 || errno != EAFNOSUPPORT)
			_exit(14);
		if (syscall(SYS_socket, 1, 0xfff, 0) != -1 || errno != EINVAL)
			_exit(15);
		if (getpid() <= 0)
			_exit(16);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	pw_seccomp_prog_free(p);
}

/* The interpreter itself, on hand-made programs: every class it runs. */
static void test_bpf_interpreter(void **state)
{
	struct seccomp_data d = {.nr = 7, .arch = 0xc000003e, .args = {0x1234, 5}};
	struct sock_filter alu[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 3),	 /* 10 */
	    BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 6),	 /* 60 */
	    BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 4),	 /* 56 */
	    BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 7),	 /* 8 */
	    BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 4),	 /* 128 */
	    BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 1),	 /* 64 */
	    BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 3),	 /* 67 */
	    BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 1),	 /* 66 */
	    BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 40),	 /* 26 */
	    BPF_STMT(BPF_ST, 3),
	    BPF_STMT(BPF_LDX | BPF_W | BPF_MEM, 3),
	    BPF_STMT(BPF_LD | BPF_IMM, 0),
	    BPF_STMT(BPF_MISC | BPF_TXA, 0),
	    BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_filter jumps[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args)),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1000, 0, 4),
	    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x1233, 0, 3),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x1235, 1, 0),
	    BPF_STMT(BPF_JMP | BPF_JA, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LDX | BPF_IMM, 0x1234),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
	    BPF_STMT(BPF_RET | BPF_K, ALLOW),
	};
	struct sock_filter bad_load[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, sizeof(struct seccomp_data)),
	    BPF_STMT(BPF_RET | BPF_K, ALLOW),
	};
	struct sock_filter no_ret[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
	};

	(void)state;
	assert_int_equal(pw_sc_bpf_run(alu, PW_ARRAY_SIZE(alu), &d), 26);
	/* 0x1234: jset, jgt, not jge, ja, jeq x */
	assert_int_equal(pw_sc_bpf_run(jumps, PW_ARRAY_SIZE(jumps), &d), ERRNO(EPERM));
	d.args[0] = 0x1236; /* jset, jgt, jge */
	assert_int_equal(pw_sc_bpf_run(jumps, PW_ARRAY_SIZE(jumps), &d), SECCOMP_RET_KILL_PROCESS);
	d.args[0] = 0x1000; /* jset, not jgt, not jeq x */
	assert_int_equal(pw_sc_bpf_run(jumps, PW_ARRAY_SIZE(jumps), &d), ALLOW);
	d.args[0] = 0x0234; /* not jset */
	assert_int_equal(pw_sc_bpf_run(jumps, PW_ARRAY_SIZE(jumps), &d), ALLOW);
	/* malformed programs fail closed */
	assert_int_equal(pw_sc_bpf_run(bad_load, 2, &d), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(pw_sc_bpf_run(no_ret, 1, &d), SECCOMP_RET_KILL_PROCESS);
}

/* i386 sockets: the direct calls decided in BPF by family, socketcall's
 * SYS_SOCKET and SYS_SOCKETPAIR handed to the supervisor, the rest of
 * socketcall and the native calls as before. */
static void test_demux_i386(void **state)
{
	struct pw_seccomp_prog *p = compile_or_die("build", false, NULL);
	struct pw_seccomp_prog *net = compile_or_die("build", true, NULL);

	(void)state;
	assert_true(pw_seccomp_prog_supervised(p));
	assert_false(pw_seccomp_prog_supervised(net));
	for (uint64_t fam = 0; fam < 64; fam++) {
		uint32_t want = fam == 1 || fam == 16 ? ALLOW : ERRNO(EAFNOSUPPORT);

		if (verdict(p, I386, 359 /* socket */, fam, 1, 0) != want)
			fail_msg("i386 socket(%u)", (unsigned)fam);
		if (verdict(p, I386, 360 /* socketpair */, fam, 1, 0) != want)
			fail_msg("i386 socketpair(%u)", (unsigned)fam);
		if (verdict(p, X64, SYS_socketpair, fam, 1, 0) != want)
			fail_msg("socketpair(%u)", (unsigned)fam);
		if (verdict(net, I386, 359, fam, 1, 0) != ALLOW)
			fail_msg("--net: i386 socket(%u)", (unsigned)fam);
	}
	/* high bits of the family do not help (the kernel reads an int) */
	assert_int_equal(verdict(p, I386, 359, 0x100000001ULL, 1, 0), ALLOW);
	assert_int_equal(verdict(p, I386, 359, 0xffffffff00000028ULL, 1, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(verdict(p, I386, 102 /* socketcall */, 1 /* SYS_SOCKET */, 0x1000, 0),
			 SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(p, I386, 102, 8 /* SYS_SOCKETPAIR */, 0x1000, 0),
			 SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(p, I386, 102, 3 /* SYS_CONNECT */, 0x1000, 0), ALLOW);
	assert_int_equal(verdict(p, I386, 102, 9 /* SYS_SEND */, 0x1000, 0), ALLOW);
	assert_int_equal(verdict(net, I386, 102, 1, 0x1000, 0), ALLOW);
	/* the section leaves the rest alone */
	assert_int_equal(verdict(p, I386, 20 /* getpid */, 0, 0, 0), ALLOW);
	assert_int_equal(verdict(p, I386, 288 /* keyctl */, 0, 0, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_socket, 40 /* AF_VSOCK */, 1, 0),
			 ERRNO(EAFNOSUPPORT));
	pw_seccomp_prog_free(p);
	pw_seccomp_prog_free(net);
}

/* setuid modes through open, openat, creat, mknod, mknodat; openat2. */
static void test_setuid_creation(void **state)
{
	struct pw_seccomp_prog *p = compile_or_die("build", false, NULL);

	(void)state;
	assert_int_equal(verdict(p, X64, SYS_open, 0, O_WRONLY | O_CREAT, 0644), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_open, 0, O_WRONLY | O_CREAT, 04755), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_open, 0, O_WRONLY | O_CREAT, 02755), ERRNO(EPERM));
	/* the flags are not compared (the kernel ignores the mode without
	 * O_CREAT and libc passes 0 then): a setuid mode is refused anyway */
	assert_int_equal(verdict(p, X64, SYS_open, 0, O_RDONLY, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_open, 0, O_RDONLY, 04755), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_open, 0, O_WRONLY | O_TMPFILE, 04755), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_creat, 0, 04755, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_creat, 0, 0755, 0), ALLOW);
	assert_int_equal(verdict(p, X64, SYS_mknod, 0, S_IFREG | 04755, 0), ERRNO(EPERM));
	assert_int_equal(verdict(p, X64, SYS_mknod, 0, S_IFIFO | 0644, 0), ALLOW);
	{
		struct seccomp_data d = {.nr = SYS_openat, .arch = X64,
					 .args = {AT_FDCWD, 0, O_WRONLY | O_CREAT, 06755}};

		assert_int_equal(pw_seccomp_prog_eval(p, &d), ERRNO(EPERM));
		d.args[3] = 0644;
		assert_int_equal(pw_seccomp_prog_eval(p, &d), ALLOW);
		d.nr = SYS_mknodat;
		d.args[2] = S_IFREG | 04755;
		assert_int_equal(pw_seccomp_prog_eval(p, &d), ERRNO(EPERM));
	}
	assert_int_equal(verdict(p, X64, 437 /* openat2 */, 0, 0, 0), ERRNO(ENOSYS));
	assert_int_equal(verdict(p, I386, 5 /* open */, 0, O_WRONLY | O_CREAT, 04755),
			 ERRNO(EPERM));
	assert_int_equal(verdict(p, I386, 14 /* mknod */, 0, S_IFREG | 02755, 0), ERRNO(EPERM));
	pw_seccomp_prog_free(p);
}

/* The section for an ABI with 64-bit arguments (s390x, ppc64), which this
 * machine cannot run: generated directly and run on boundary values
 * against each comparison's meaning. */
static void test_demux_wide(void **state)
{
	static const enum scmp_compare ops[] = {SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT,
						SCMP_CMP_LE, SCMP_CMP_GT, SCMP_CMP_GE,
						SCMP_CMP_MASKED_EQ};
	static const uint64_t pts[] = {0,
				       1,
				       0xffffffffULL,
				       0x100000000ULL,
				       0x100000001ULL,
				       0x1fffffffeULL,
				       0x1ffffffffULL,
				       0x200000000ULL,
				       0x7fffffff00000000ULL,
				       0xffffffffffffffffULL,
				       0x123456789abcdef0ULL};
	const struct pw_sc_demux *s390x = pw_sc_demux_find(SCMP_ARCH_S390X);

	(void)state;
	assert_non_null(s390x);
	assert_int_equal(s390x->word, 8);
	for (size_t o = 0; o < PW_ARRAY_SIZE(ops); o++)
		for (size_t v = 0; v < PW_ARRAY_SIZE(pts); v++) {
			struct pw_sc_demux_rule rule = {.which = 0, .action = ERRNO(EACCES), .n = 1};
			struct pw_sc_demux_plan plan = {s390x, &rule, 1};
			struct pw_buf b = PW_BUF_INIT(1 << 16);
			uint64_t mask = 0xffff0000ffff0000ULL;

			rule.c[0].arg = 1;
			rule.c[0].op = ops[o];
			rule.c[0].datum_a = ops[o] == SCMP_CMP_MASKED_EQ ? mask : pts[v];
			rule.c[0].datum_b = ops[o] == SCMP_CMP_MASKED_EQ ? pts[v] & mask : 0;
			/* then "return ALLOW" standing for libseccomp's program */
			assert_int_equal(pw_sc_demux_gen(&plan, 1, &b), 0);
			{
				struct sock_filter ret = BPF_STMT(BPF_RET | BPF_K, ALLOW);

				assert_int_equal(pw_buf_add(&b, &ret, sizeof(ret)), 0);
			}
			for (size_t x = 0; x < PW_ARRAY_SIZE(pts); x++) {
				struct seccomp_data d = {.nr = 359, .arch = SCMP_ARCH_S390X,
							 .args = {2, pts[x]}};
				uint64_t a = pts[x], k = pts[v];
				bool m;
				uint32_t got;

				switch (ops[o]) {
				case SCMP_CMP_EQ: m = a == k; break;
				case SCMP_CMP_NE: m = a != k; break;
				case SCMP_CMP_LT: m = a < k; break;
				case SCMP_CMP_LE: m = a <= k; break;
				case SCMP_CMP_GT: m = a > k; break;
				case SCMP_CMP_GE: m = a >= k; break;
				default: m = (a & mask) == (k & mask); break;
				}
				got = pw_sc_bpf_run((const void *)b.buf,
						    b.len / sizeof(struct sock_filter), &d);
				if (got != (m ? ERRNO(EACCES) : ALLOW))
					fail_msg("op %d value 0x%llx arg 0x%llx: got 0x%x", (int)ops[o],
						 (unsigned long long)k, (unsigned long long)a, got);
				/* socketcall(SYS_SOCKET) goes to the supervisor */
				d.nr = 102;
				d.args[0] = 1;
				assert_int_equal(pw_sc_bpf_run((const void *)b.buf,
							       b.len / sizeof(struct sock_filter),
							       &d),
						 SECCOMP_RET_USER_NOTIF);
			}
			pw_buf_release(&b);
		}
}

/* A condition on a multiplexed call the section cannot handle is an
 * error, not a rule silently dropped on that ABI. */
static void test_demux_refuses_others(void **state)
{
	static const char prof[] =
	    "{\"default_action\":\"allow\",\"syscalls\":[{\"names\":[\"connect\"],"
	    "\"action\":\"errno\",\"errno\":\"EPERM\",\"args\":[{\"index\":2,\"op\":\"eq\","
	    "\"value\":16}]}]}";
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *p =
	    pw_seccomp_compile_mem("c.json", prof, sizeof(prof) - 1, NULL, &e);

	(void)state;
	assert_null(p);
	assert_string_equal(e.msg, "c.json:1:49: syscalls[0].names[0]: conditions on 'connect' "
				   "cannot be checked on x86, where it goes through a multiplexer "
				   "(only socket and socketpair can)");
}

/* A profile libseccomp 2.5 never finishes compiling (two rules comparing
 * values above 32 bits on one argument and sharing a range comparison on a
 * lower one): one error line after the compiler's CPU limit, not a hang
 * (the fuzzer found it). */
static void test_compile_bounded(void **state)
{
	static const char prof[] =
	    "{\"default_action\":\"allow\",\"compat_arches\":\"kill\",\"syscalls\":["
	    "{\"names\":[\"personality\"],\"action\":\"errno\",\"errno\":\"EPERM\",\"args\":["
	    "{\"index\":1,\"op\":\"eq\",\"value\":\"0x100000000\"},{\"index\":0,\"op\":\"le\","
	    "\"value\":1}]},"
	    "{\"names\":[\"personality\"],\"action\":\"errno\",\"errno\":\"EPERM\",\"args\":["
	    "{\"index\":1,\"op\":\"eq\",\"value\":\"0x200000000\"},{\"index\":0,\"op\":\"le\","
	    "\"value\":1}]}]}";
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *p =
	    pw_seccomp_compile_mem("loop.json", prof, sizeof(prof) - 1, NULL, &e);

	(void)state;
	assert_null(p);
	assert_int_equal(errno, ETIME);
	assert_non_null(strstr(e.msg, "loop.json: libseccomp did not finish compiling it within"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bpf_interpreter),
	    cmocka_unit_test(test_build_profile_verdicts),
	    cmocka_unit_test(test_demux_i386),
	    cmocka_unit_test(test_setuid_creation),
	    cmocka_unit_test(test_demux_wide),
	    cmocka_unit_test(test_demux_refuses_others),
	    cmocka_unit_test(test_compile_bounded),
	    cmocka_unit_test(test_x32_filtered),
	    cmocka_unit_test(test_net_and_lock),
	    cmocka_unit_test(test_not_in_expansion),
	    cmocka_unit_test(test_actions_and_compat_kill),
	    cmocka_unit_test(test_profile_errors),
	    cmocka_unit_test(test_error_positions),
	    cmocka_unit_test(test_builtins_and_names),
	    cmocka_unit_test(test_caches),
	    cmocka_unit_test(test_cache_not_writable_by_others),
	    cmocka_unit_test(test_builtin_digest),
	    cmocka_unit_test(test_install),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
