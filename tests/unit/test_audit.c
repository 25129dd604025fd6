/* test_audit.c - unit tests of runner/wheel/elf.c, policy.c and audit.c.  The
 * ELF fixtures are built here with the host's cc in a temp directory
 * (nothing binary is checked in): an "extension" exporting PyInit_x that
 * calls versioned glibc functions, needs libpwdep.so.1 and carries a
 * RUNPATH; the library itself; one linked to a fake libpython. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <elf.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "pinwheel/audit.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"

static char tmp[] = "/tmp/pw-audit-XXXXXX";
static struct pw_policy_set *builtin;

static void sh(const char *fmt, ...) PW_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "fixture command failed: %s\n", cmd);
		abort();
	}
}

static void write_text(const char *name, const char *text)
{
	char *p = pw_xasprintf("%s/%s", tmp, name);

	assert_int_equal(pw_write_file_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

static int setup(void **state)
{
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	if (!mkdtemp(tmp))
		return -1;
	write_text("dep.c", "int pwdep(int x) { return x + 1; }\n");
	write_text("ext.c", "#include <pthread.h>\n#include <string.h>\n"
			    "int pwdep(int);\n"
			    "static void *run(void *a) { return a; }\n"
			    "int go(char *d, const char *s, unsigned n) {\n"
			    "  pthread_t t; memcpy(d, s, n);\n"
			    "  if (pthread_create(&t, 0, run, 0)) return -1;\n"
			    "  pthread_join(t, 0); return pwdep(n); }\n"
			    "void *PyInit_x(void) { return 0; }\n");
	write_text("usez.c", "#include <zlib.h>\n"
			     "int unz(unsigned char *d, unsigned long *dn, const unsigned char *s,"
			     " unsigned long *sn) { return uncompress2(d, dn, s, sn); }\n"
			     "void *PyInit_z(void) { return 0; }\n");
	write_text("py.c", "int Py_IsInitialized(void) { return 1; }\n");
	write_text("usepy.c",
		   "int Py_IsInitialized(void);\n"
		   "void *PyInit_y(void) { return (void *)(long)Py_IsInitialized(); }\n");
	sh("cd %s && cc -shared -fPIC -o libpwdep.so.1 -Wl,-soname,libpwdep.so.1 dep.c && "
	   "cc -shared -fPIC -o x.so ext.c -L. -l:libpwdep.so.1 -pthread "
	   "-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../x.libs' && "
	   "cc -shared -fPIC -o rp.so ext.c -L. -l:libpwdep.so.1 -pthread "
	   "-Wl,--disable-new-dtags,-rpath,/opt/pw && "
	   "cc -shared -fPIC -o libpython3.99.so.1.0 -Wl,-soname,libpython3.99.so.1.0 py.c && "
	   "cc -shared -fPIC -o y.so usepy.c -L. -l:libpython3.99.so.1.0 && "
	   "cc -shared -fPIC -o z.so usez.c -lz",
	   tmp);
#ifdef __x86_64__
	write_text("isa.c", "double sq(const double *a, int n) { double s = 0;"
			    " for (int i = 0; i < n; i++) s += a[i] * a[i]; return s; }\n");
	sh("cd %s && cc -O2 -shared -fPIC -march=x86-64-v3 -mneeded -o isa.so isa.c", tmp);
#endif
	return pw_policies_load(NULL, &builtin, &e) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pw_policies_free(builtin);
	return pw_rm_rf(tmp);
}

static void read_elf(const char *name, struct pw_elf_info *info)
{
	struct pw_buf b = PW_BUF_INIT(64 << 20);
	struct pw_err e = PW_ERR_INIT;
	char *p = pw_xasprintf("%s/%s", tmp, name);

	assert_int_equal(pw_read_file(p, &b), 0);
	assert_int_equal(pw_elf_read(b.buf, b.len, name, info, &e), 0);
	pw_buf_release(&b);
	free(p);
}

static bool has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static const struct pw_elf_verneed *vn_of(const struct pw_elf_info *i, const char *file)
{
	for (size_t k = 0; k < i->nvn; k++)
		if (!strcmp(i->vn[k].file, file))
			return &i->vn[k];
	return NULL;
}

static bool glibc_at_least(int major, int minor)
{
	int a = 0, b = 0;

	return sscanf(gnu_get_libc_version(), "%d.%d", &a, &b) == 2 &&
	       (a > major || (a == major && b >= minor));
}

static void test_elf_facts(void **state)
{
	struct pw_elf_info i;
	const struct pw_elf_verneed *libc;

	(void)state;
	read_elf("x.so", &i);
	assert_true(i.is_shared);
	assert_int_equal(i.elfclass, sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32);
#ifdef __x86_64__
	assert_int_equal(i.machine, EM_X86_64);
	assert_string_equal(i.arch, "x86_64");
#elif defined(__aarch64__)
	assert_int_equal(i.machine, EM_AARCH64);
	assert_string_equal(i.arch, "aarch64");
#endif
	assert_null(i.soname);
	assert_true(has(i.needed, i.nneeded, "libpwdep.so.1"));
	assert_true(has(i.needed, i.nneeded, "libc.so.6"));
	assert_string_equal(i.runpath, "$ORIGIN/../x.libs");
	assert_null(i.rpath);
	assert_int_equal(i.npyinit, 1);
	assert_string_equal(i.pyinit[0], "x");
	libc = vn_of(&i, "libc.so.6");
	assert_non_null(libc);
	for (size_t k = 1; k < libc->n; k++) /* sorted, unique */
		assert_true(strcmp(libc->versions[k - 1], libc->versions[k]) < 0);
	assert_true(has(libc->versions, libc->n, "GLIBC_2.2.5") ||
		    has(libc->versions, libc->n, "GLIBC_2.17") ||
		    has(libc->versions, libc->n, "GLIBC_2.0"));
#ifdef __x86_64__
	assert_true(has(libc->versions, libc->n, "GLIBC_2.14")); /* memcpy */
#endif
	if (glibc_at_least(2, 34)) /* libpthread merged into libc */
		assert_true(has(libc->versions, libc->n, "GLIBC_2.34"));
	for (size_t k = 0; k < i.nvn; k++) /* the loader is skipped */
		assert_true(strncmp(i.vn[k].file, "ld-linux", 8));
	pw_elf_info_release(&i);

	read_elf("libpwdep.so.1", &i);
	assert_string_equal(i.soname, "libpwdep.so.1");
	assert_int_equal(i.npyinit, 0);
	pw_elf_info_release(&i);

	read_elf("rp.so", &i);
	assert_string_equal(i.rpath, "/opt/pw");
	assert_null(i.runpath);
	pw_elf_info_release(&i);
}

static void test_elf_not_elf(void **state)
{
	struct pw_buf b = PW_BUF_INIT(64 << 20);
	struct pw_err e = PW_ERR_INIT;
	struct pw_elf_info i;
	char *p = pw_xasprintf("%s/x.so", tmp);

	(void)state;
	assert_int_equal(pw_elf_read("#!/bin/sh\necho hello world\n", 27, "s", &i, &e), -ENOEXEC);
	assert_non_null(strstr(e.msg, "'s'"));
	assert_int_equal(pw_read_file(p, &b), 0);
	/* every truncation fails cleanly or reads what is there, never crashes */
	for (size_t n = 0; n < b.len; n += n < 256 ? 1 : 997) {
		pw_err_clear(&e);
		if (pw_elf_read(b.buf, n, "x.so", &i, &e) == 0)
			pw_elf_info_release(&i);
		else
			assert_true(e.msg[0] != 0);
	}
	pw_buf_release(&b);
	free(p);
}

static void test_policy_membership(void **state)
{
	char *tags[2];

	(void)state;
	/* real data: aarch64 manylinux2014 lists GLIBC 2.0, 2.17, 2.18 only:
	 * 2.5 is below the maximum but not in the set, so it does not fit */
	for (size_t i = 0; pw_policy_name(builtin, i); i++) {
		if (strcmp(pw_policy_name(builtin, i), "manylinux_2_17"))
			continue;
		assert_int_equal(pw_policy_allows_version(builtin, i, "aarch64", "GLIBC_2.17"), 1);
		assert_int_equal(pw_policy_allows_version(builtin, i, "aarch64", "GLIBC_2.5"), 0);
		assert_int_equal(pw_policy_allows_version(builtin, i, "x86_64", "GLIBC_2.5"), 1);
		assert_int_equal(pw_policy_allows_version(builtin, i, "x86_64", "GLIBC_2.18"), 0);
		assert_int_equal(pw_policy_allows_version(builtin, i, "x86_64", "GLIBC_PRIVATE"),
				 0);
		assert_int_equal(pw_policy_allows_version(builtin, i, "x86_64", "OPENSSL_3.0.0"),
				 -1);
		assert_int_equal(pw_policy_allows_version(builtin, i, "x86_64", "GLIBCXX_3.4.19"),
				 1);
		assert_int_equal(pw_policy_allows_version(builtin, i, "x86_64", "GLIBCXX_3.4.20"),
				 0);
		assert_true(pw_policy_allows_lib(builtin, i, "x86_64", "libstdc++.so.6"));
		assert_false(pw_policy_allows_lib(builtin, i, "x86_64", "libssl.so.3"));
		assert_false(pw_policy_has_arch(builtin, i, "loongarch64"));
	}
	/* the most compatible first */
	assert_string_equal(pw_policy_name(builtin, 0), "manylinux_2_5");
	assert_int_equal(pw_policy_tags(builtin, "manylinux2014", "x86_64", tags), 2);
	assert_string_equal(tags[0], "manylinux_2_17_x86_64");
	assert_string_equal(tags[1], "manylinux2014_x86_64");
	free(tags[0]);
	free(tags[1]);
	assert_int_equal(pw_policy_tags(builtin, "manylinux_2_28_aarch64", "aarch64", tags), 1);
	assert_string_equal(tags[0], "manylinux_2_28_aarch64");
	assert_null(tags[1]);
	free(tags[0]);
	assert_int_equal(pw_policy_tags(builtin, "manylinux1", "aarch64", tags), -EINVAL);
	assert_int_equal(pw_policy_tags(builtin, "manylinux_2_99", "x86_64", tags), -EINVAL);
	assert_int_equal(pw_policy_tags(builtin, "manylinux2014_x86_64", "i686", tags), -EINVAL);
}

static void test_policy_dir_errors(void **state)
{
	struct pw_policy_set *p = NULL;
	struct pw_err e = PW_ERR_INIT;
	char *dir = pw_xasprintf("%s/pol", tmp);

	(void)state;
	assert_int_equal(pw_mkdir_p(dir, 0755), 0);
	write_text("pol/a.json",
		   "{\"name\": \"manylinux_2_17\", \"glibc\": \"2.17\", \"priority\": 80,"
		   " \"libraries\": [\"libc.so.6\"], \"arches\": {\"x86_64\":"
		   " {\"versions\": {\"GLIBC\": [\"2.2.5\", \"2.17\"]}}}}\n");
	assert_int_equal(pw_policies_load(dir, &p, &e), 0);
	assert_int_equal(pw_policy_allows_version(p, 0, "x86_64", "GLIBC_2.14"), 0);
	pw_policies_free(p);
	write_text("pol/b.json",
		   "{\"name\": \"manylinux_2_28\", \"glibc\": \"2.28\", \"priority\": 80,"
		   " \"libraries\": [], \"arches\": {\"x86_64\": {\"versions\": {}}}}\n");
	assert_int_equal(pw_policies_load(dir, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "b.json"));
	assert_non_null(strstr(e.msg, "priority"));
	write_text("pol/b.json",
		   "{\"name\": \"manylinux_2_28\", \"glibc\": \"2.28\", \"priority\": 64,"
		   " \"libraries\": [], \"arches\": {\"sparc\": {\"versions\": {}}}}\n");
	assert_int_equal(pw_policies_load(dir, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'sparc'"));
	write_text("pol/b.json",
		   "{\"name\": \"manylinux_2_28\", \"glibc\": \"2.27\", \"priority\": 64,"
		   " \"libraries\": [], \"arches\": {\"x86_64\": {\"versions\": {}}}}\n");
	assert_int_equal(pw_policies_load(dir, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'glibc'"));
	write_text(
	    "pol/b.json",
	    "{\"name\": \"manylinux_2_28\", \"glibc\": \"2.28\", \"priority\": 64,"
	    " \"libraries\": [\"a\", \"a\"], \"arches\": {\"x86_64\": {\"versions\": {}}}}\n");
	assert_int_equal(pw_policies_load(dir, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "twice"));
	write_text("pol/b.json", "{\"name\": \"manylinux_2_28\",");
	assert_int_equal(pw_policies_load(dir, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "b.json:"));
	assert_null(p);
	free(dir);
}

/* Make the unpacked wheel @name (under tmp) with the members given as
 * pairs "member path", "fixture file" (NULL fixture: WHEEL text follows). */
static int make_wheel(const char *name, bool purelib, const char *const *members, size_t n)
{
	char *dir = pw_xasprintf("%s/%s", tmp, name);
	char *di = pw_xasprintf("%s/w.dist-info", dir);
	int fd;

	(void)pw_rm_rf(dir);
	assert_int_equal(pw_mkdir_p(di, 0755), 0);
	free(di);
	di = pw_xasprintf("%s/w.dist-info/WHEEL", name);
	write_text(di, purelib ? "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
			       : "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n");
	free(di);
	for (size_t i = 0; i < n; i += 2) {
		char *dst = pw_xasprintf("%s/%s", dir, members[i]);

		sh("mkdir -p \"$(dirname '%s')\" && cp '%s/%s' '%s'", dst, tmp, members[i + 1],
		   dst);
		free(dst);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	free(dir);
	return fd;
}

static bool has_reason(const struct pw_audit_result *r, const char *policy, const char *lib,
		       const char *version)
{
	for (size_t i = 0; i < r->nreasons; i++) {
		const struct pw_audit_reason *re = &r->reasons[i];

		if (!strcmp(re->policy, policy) && !strcmp(re->library, lib) &&
		    ((!version && !re->version) ||
		     (version && re->version && !strcmp(version, re->version))))
			return true;
	}
	return false;
}

static bool has_error(const struct pw_audit_result *r, const char *what)
{
	for (size_t i = 0; i < r->nerrors; i++)
		if (strstr(r->errors[i], what))
			return true;
	return false;
}

static void test_audit_libraries(void **state)
{
	static const char *const ext_only[] = {"x/x.so", "x.so"};
	static const char *const ext_dep[] = {"x/x.so", "x.so", "x.libs/libpwdep.so.1",
					      "libpwdep.so.1"};
	struct pw_audit_result r;
	struct pw_err e = PW_ERR_INIT;
	json_t *j;
	int fd;

	(void)state;
	/* libpwdep.so.1 is neither allowed nor inside: no policy fits */
	fd = make_wheel("w1", false, ext_only, 2);
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w1", &r, &e), 0);
	close(fd);
	assert_true(r.has_elf);
	assert_int_equal(r.nerrors, 0);
	assert_null(r.best_policy);
	assert_non_null(r.arch);
	assert_true(!strncmp(r.platform, "linux_", 6));
	assert_int_equal(r.nexternals, 1);
	assert_string_equal(r.externals[0], "libpwdep.so.1");
	assert_true(has_reason(&r, "manylinux_2_5", "libpwdep.so.1", NULL));
	assert_int_equal(r.nelfs, 1);
	assert_true(r.elfs[0].is_extension);
	j = pw_audit_result_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "platform")), r.platform);
	assert_true(json_is_null(json_object_get(j, "policy")));
	json_decref(j);
	pw_audit_result_release(&r);

	/* vendored: the glibc versions decide */
	fd = make_wheel("w2", false, ext_dep, 4);
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w2", &r, &e), 0);
	close(fd);
	assert_int_equal(r.nerrors, 0);
	assert_int_equal(r.nexternals, 0);
	assert_int_equal(r.nelfs, 2);
	assert_non_null(r.best_policy);
	if (glibc_at_least(2, 34)) {
		/* pthread_create@GLIBC_2.34 */
		assert_string_equal(r.best_policy, "manylinux_2_34");
		assert_true(has_reason(&r, "manylinux_2_17", "libc.so.6", "GLIBC_2.34"));
		assert_true(has_reason(&r, "manylinux_2_31", "libc.so.6", "GLIBC_2.34"));
		assert_false(has_reason(&r, "manylinux_2_34", "libc.so.6", "GLIBC_2.34"));
	}
	assert_true(!strncmp(r.platform, "manylinux_", 10));
	assert_string_equal(r.best_tags[0], r.platform);
	pw_audit_result_release(&r);
}

/* A machine other than the host's, little-endian e_machine low byte. */
static unsigned other_machine(void)
{
#ifdef __x86_64__
	return EM_AARCH64 & 0xff;
#else
	return EM_X86_64 & 0xff;
#endif
}

static void test_audit_fatal(void **state)
{
	static const char *const py[] = {"y/y.so", "y.so"};
	static const char *const ext_dep[] = {"x/x.so", "x.so", "x.libs/libpwdep.so.1",
					      "libpwdep.so.1"};
	static const char *const data_purelib[] = {"w-1.data/purelib/x.so", "x.so"};
	struct pw_audit_result r;
	struct pw_err e = PW_ERR_INIT;
	char *wname, *alien;
	int fd;

	(void)state;
	fd = make_wheel("w3", false, py, 2);
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w3", &r, &e), 0);
	close(fd);
	assert_true(has_error(&r, "libpython3.99.so.1.0"));
	assert_null(r.best_policy);
	pw_audit_result_release(&r);

	fd = make_wheel("w4", true, ext_dep, 4);
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w4", &r, &e), 0);
	close(fd);
	assert_true(r.purelib);
	assert_true(has_error(&r, "purelib"));
	pw_audit_result_release(&r);

	fd = make_wheel("w5", false, data_purelib, 2);
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w5", &r, &e), 0);
	close(fd);
	assert_true(has_error(&r, "purelib"));
	pw_audit_result_release(&r);

	/* the file name claims another architecture */
#ifdef __x86_64__
	wname = pw_xstrdup("w-1.0-cp311-cp311-manylinux_2_17_aarch64.whl");
#else
	wname = pw_xstrdup("w-1.0-cp311-cp311-manylinux_2_17_x86_64.whl");
#endif
	fd = make_wheel(wname, false, ext_dep, 4);
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, wname, &r, &e), 0);
	close(fd);
	assert_true(has_error(&r, "does not match the ELF machine"));
	assert_null(r.best_policy);
	pw_audit_result_release(&r);
	free(wname);

	/* mixed machines: a copy of x.so with another e_machine */
	alien = pw_xasprintf("%s/alien.so", tmp);
	sh("cp '%s/x.so' '%s' && printf '\\%03o\\000' | dd of='%s' bs=1 seek=18 conv=notrunc "
	   "status=none",
	   tmp, alien, other_machine(), alien);
	{
		static const char *const mixed[] = {
		    "x/x.so",	    "x.so", "x/alien.so", "alien.so", "x.libs/libpwdep.so.1",
		    "libpwdep.so.1"};

		fd = make_wheel("w6", false, mixed, 6);
		assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w6", &r, &e), 0);
		close(fd);
		assert_true(has_error(&r, "alien.so"));
		assert_null(r.best_policy);
		pw_audit_result_release(&r);
	}
	free(alien);
}

/* uncompress2 from the system's libz is refused up to manylinux_2_31 */
static void test_audit_refused_symbol(void **state)
{
	static const char *const z[] = {"z/z.so", "z.so"};
	struct pw_audit_result r;
	struct pw_err e = PW_ERR_INIT;
	struct pw_elf_info i;
	int fd;

	(void)state;
	read_elf("z.so", &i);
	assert_true(has(i.needed, i.nneeded, "libz.so.1"));
	assert_true(has(i.undefined, i.nundefined, "uncompress2"));
	assert_false(has(i.undefined, i.nundefined, "PyInit_z")); /* defined */
	pw_elf_info_release(&i);
	assert_true(pw_policy_refuses_symbol(builtin, 0, "libz.so.1", "uncompress2"));
	assert_false(pw_policy_refuses_symbol(builtin, 0, "libz.so.1", "uncompress"));
	assert_false(pw_policy_refuses_symbol(builtin, 0, "libfoo.so.1", "uncompress2"));

	fd = make_wheel("w8", false, z, 2);
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w8", &r, &e), 0);
	close(fd);
	assert_int_equal(r.nerrors, 0);
	for (size_t k = 0; k < r.nreasons; k++)
		if (r.reasons[k].symbol) {
			assert_string_equal(r.reasons[k].symbol, "uncompress2");
			assert_string_equal(r.reasons[k].library, "libz.so.1");
			assert_null(r.reasons[k].version);
		}
	{
		bool seen = false;

		for (size_t k = 0; k < r.nreasons; k++)
			seen |=
			    r.reasons[k].symbol && !strcmp(r.reasons[k].policy, "manylinux_2_31");
		assert_true(seen);
	}
	{
		unsigned major = 0, minor = 0;

		assert_non_null(r.best_policy);
		assert_int_equal(sscanf(r.best_policy, "manylinux_%u_%u", &major, &minor), 2);
		assert_true(major == 2 && minor >= 34);
	}
	pw_audit_result_release(&r);
}

/* An x86_64 object that needs x86-64-v3 (GNU property note): no manylinux
 * policy fits, as auditwheel decides too. */
static void test_audit_isa(void **state)
{
#ifdef __x86_64__
	static const char *const isa[] = {"x/isa.so", "isa.so"};
	struct pw_audit_result r;
	struct pw_err e = PW_ERR_INIT;
	struct pw_elf_info i;
	int fd;

	(void)state;
	read_elf("isa.so", &i);
	assert_int_equal(i.x86_isa_level, 3);
	pw_elf_info_release(&i);
	read_elf("x.so", &i);
	assert_int_equal(i.x86_isa_level, 0);
	pw_elf_info_release(&i);
	fd = make_wheel("w9", false, isa, 2);
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w9", &r, &e), 0);
	close(fd);
	assert_int_equal(r.nerrors, 0);
	assert_null(r.best_policy);
	assert_string_equal(r.platform, "linux_x86_64");
	assert_true(r.nreasons > 0);
	assert_string_equal(r.reasons[0].isa, "x86-64-v3");
	assert_string_equal(r.reasons[0].library, "");
	pw_audit_result_release(&r);
#else
	(void)state;
#endif
}

static void test_audit_pure(void **state)
{
	struct pw_audit_result r;
	struct pw_err e = PW_ERR_INIT;
	int fd;

	(void)state;
	fd = make_wheel("w7", true, NULL, 0);
	write_text("w7/mod.py", "print('hi')\n");
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w7/", &r, &e), 0);
	close(fd);
	assert_string_equal(r.wheel, "w7");
	assert_false(r.has_elf);
	assert_int_equal(r.nerrors, 0);
	assert_null(r.platform);
	pw_audit_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_elf_facts),
	    cmocka_unit_test(test_elf_not_elf),
	    cmocka_unit_test(test_policy_membership),
	    cmocka_unit_test(test_policy_dir_errors),
	    cmocka_unit_test(test_audit_libraries),
	    cmocka_unit_test(test_audit_fatal),
	    cmocka_unit_test(test_audit_refused_symbol),
	    cmocka_unit_test(test_audit_isa),
	    cmocka_unit_test(test_audit_pure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
