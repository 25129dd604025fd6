/* test_syslibs.c - unit tests of the unversioned-import check: which
 * undefined symbols pw_elf_read() finds without a version, the versioned
 * definitions pw_elf_read_defs() reads from .gnu.version_d, the oldest
 * version pw_syslibs_lookup() gives from a root's glibc, and the audit's
 * verdict with them (runner/wheel/elf.c, syslibs.c, audit.c).
 *
 * The fixtures are built here with the host's cc in a temp directory: a
 * fake glibc in a root directory (libc.so.6 with GLIBC_2.2.5 .. GLIBC_2.32
 * and GLIBC_PRIVATE definitions, a compat version and a default one of the
 * same symbol, the loader it needs, a libm.so.6 found through the root's
 * ld.so.conf include, libc.so.6 a symlink to libc-2.99.so) and
 * "extensions" linked with -nostdlib, so that their imports carry no
 * version, as with a linker whose glibc stubs lack a function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "pinwheel/audit.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sandbox.h"

static char tmp[] = "/tmp/pw-syslibs-XXXXXX";
static struct pw_policy_set *builtin;

static void sh(const char *fmt, ...) PW_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[8192];
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
	sh("mkdir -p %s/sysroot/etc/ld.so.conf.d", tmp);
	write_text("ld.map", "GLIBC_2.3 { global: pw_ldfn; local: *; };\n");
	write_text("ld.c", "int pw_ldfn(void) { return 3; }\n");
	write_text("libc.map", "GLIBC_2.2.5 { global: pw_old; };\n"
			       "GLIBC_2.25 { global: pw_getrandom; } GLIBC_2.2.5;\n"
			       "GLIBC_2.30 { } GLIBC_2.25;\n"
			       "GLIBC_2.32 { global: pw_sigmask; } GLIBC_2.30;\n"
			       "GLIBC_PRIVATE { global: pw_priv; local: *; };\n");
	/* pw_both: a compat GLIBC_2.2.5 and the default GLIBC_2.30 */
	write_text("libc.c", "int pw_old(void) { return 1; }\n"
			     "int pw_getrandom(void) { return 25; }\n"
			     "int pw_sigmask(void) { return 32; }\n"
			     "int pw_priv(void) { return -1; }\n"
			     "int pw_both_old(void) { return 5; }\n"
			     "int pw_both_new(void) { return 30; }\n"
			     "__asm__(\".symver pw_both_old,pw_both@GLIBC_2.2.5\");\n"
			     "__asm__(\".symver pw_both_new,pw_both@@GLIBC_2.30\");\n"
			     "int pw_plain(void) { return 0; }\n");
	write_text("libm.map", "GLIBC_2.2.5 { global: pw_sin; };\n"
			       "GLIBC_2.29 { global: pw_exp; } GLIBC_2.2.5;\n");
	write_text("libm.c", "int pw_sin(void) { return 0; }\nint pw_exp(void) { return 0; }\n");
	write_text("ext.c", "extern int pw_old(void), pw_both(void), pw_getrandom(void),"
			    " pw_exp(void), pw_priv(void), PyLong_Check(void);\n"
			    "extern int pw_sigmask(void) __attribute__((weak));\n"
			    "int PyInit_ext(void) { return pw_old() + pw_both() + pw_getrandom()"
			    " + pw_exp() + pw_priv() + PyLong_Check()"
			    " + (pw_sigmask ? pw_sigmask() : 0); }\n");
	write_text("weak.c", "extern int pw_sigmask(void) __attribute__((weak));\n"
			     "int PyInit_weak(void) { return pw_sigmask ? pw_sigmask() : 0; }\n");
	write_text("sysroot/etc/ld.so.conf", "# the fixture's\ninclude /etc/ld.so.conf.d/*.conf\n");
	write_text("sysroot/etc/ld.so.conf.d/glibc.conf", "/opt/glibc\n");
	sh("cd %s && mkdir -p sysroot/usr/lib sysroot/opt/glibc sysroot/lib empty && "
	   "cc -shared -fPIC -nostdlib -o sysroot/usr/lib/ld-pw.so.1 -Wl,-soname,ld-pw.so.1 "
	   "-Wl,--version-script=ld.map ld.c && "
	   "cc -shared -fPIC -nostdlib -o sysroot/lib/libc-2.99.so -Wl,-soname,libc.so.6 "
	   "-Wl,--version-script=libc.map libc.c -Lsysroot/usr/lib -Wl,--no-as-needed -l:ld-pw.so.1 && "
	   "ln -s libc-2.99.so sysroot/lib/libc.so.6 && "
	   "cc -shared -fPIC -nostdlib -o sysroot/opt/glibc/libm.so.6 -Wl,-soname,libm.so.6 "
	   "-Wl,--version-script=libm.map libm.c && "
	   "cc -shared -fPIC -nostdlib -o ext.so ext.c && "
	   "cc -shared -fPIC -nostdlib -o weak.so weak.c && "
	   "cc -shared -fPIC -o versioned.so weak.c -Lsysroot/lib -Wl,--no-as-needed -l:libc.so.6",
	   tmp);
	return pw_policies_load(NULL, &builtin, &e) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pw_policies_free(builtin);
	return pw_rm_rf(tmp);
}

static void read_file(const char *name, struct pw_buf *b)
{
	char *p = pw_xasprintf("%s/%s", tmp, name);

	assert_int_equal(pw_read_file(p, b), 0);
	free(p);
}

static void read_elf(const char *name, struct pw_elf_info *info)
{
	struct pw_buf b = PW_BUF_INIT(64 << 20);
	struct pw_err e = PW_ERR_INIT;

	read_file(name, &b);
	assert_int_equal(pw_elf_read(b.buf, b.len, name, info, &e), 0);
	pw_buf_release(&b);
}

static bool has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static struct pw_syslibs *open_root(const char *sub, const char *what)
{
	struct pw_sandbox_spec s;
	struct pw_syslibs *sys = NULL;
	struct pw_err e = PW_ERR_INIT;
	char *dir = pw_xasprintf("%s/%s", tmp, sub);

	pw_sandbox_spec_init(&s);
	pw_sandbox_spec_add_layer(&s, dir);
	assert_int_equal(pw_syslibs_open(&s, what, &sys, &e), 0);
	pw_sandbox_spec_release(&s);
	free(dir);
	return sys;
}

/* Which imports carry no version: -nostdlib gives none a version; a
 * library linked against the fixture libc versions its import. */
static void test_elf_unversioned(void **state)
{
	struct pw_elf_info i;

	(void)state;
	read_elf("ext.so", &i);
	assert_true(has(i.unversioned, i.nunversioned, "pw_getrandom"));
	assert_true(has(i.unversioned, i.nunversioned, "PyLong_Check"));
	assert_false(has(i.unversioned, i.nunversioned, "pw_sigmask")); /* weak */
	assert_true(has(i.unversioned_weak, i.nunversioned_weak, "pw_sigmask"));
	assert_false(has(i.unversioned, i.nunversioned, "PyInit_ext")); /* defined */
	assert_int_equal(i.nunversioned_weak, 1);
	pw_elf_info_release(&i);

	read_elf("versioned.so", &i);
	/* the versioned weak reference (cc's startup files add unversioned
	 * weak ones: __gmon_start__, ...) */
	assert_false(has(i.unversioned_weak, i.nunversioned_weak, "pw_sigmask"));
	assert_false(has(i.unversioned, i.nunversioned, "pw_sigmask"));
	assert_int_equal(i.nvn, 1);
	assert_string_equal(i.vn[0].file, "libc.so.6");
	assert_string_equal(i.vn[0].versions[0], "GLIBC_2.32");
	pw_elf_info_release(&i);
}

static const char *def_version(const struct pw_elf_def *d, size_t n, const char *sym, size_t k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].symbol, sym) && k-- == 0)
			return d[i].version;
	return NULL;
}

static void test_elf_defs(void **state)
{
	struct pw_buf b = PW_BUF_INIT(64 << 20);
	struct pw_err e = PW_ERR_INIT;
	struct pw_elf_def *d;
	size_t n;

	(void)state;
	read_file("sysroot/lib/libc-2.99.so", &b);
	assert_int_equal(pw_elf_read_defs(b.buf, b.len, "libc.so.6", &d, &n, &e), 0);
	assert_string_equal(def_version(d, n, "pw_old", 0), "GLIBC_2.2.5");
	assert_string_equal(def_version(d, n, "pw_sigmask", 0), "GLIBC_2.32");
	assert_string_equal(def_version(d, n, "pw_priv", 0), "GLIBC_PRIVATE");
	/* both versions, the hidden compat one included, sorted by name */
	assert_string_equal(def_version(d, n, "pw_both", 0), "GLIBC_2.2.5");
	assert_string_equal(def_version(d, n, "pw_both", 1), "GLIBC_2.30");
	assert_null(def_version(d, n, "pw_both", 2));
	/* local (not in the version script) and the base version: absent */
	assert_null(def_version(d, n, "pw_plain", 0));
	assert_null(def_version(d, n, "libc.so.6", 0));
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(d[i - 1].symbol, d[i].symbol) <= 0);
	pw_elf_defs_free(d, n);
	/* an object without .gnu.version_d defines nothing versioned */
	pw_buf_reset(&b);
	read_file("ext.so", &b);
	assert_int_equal(pw_elf_read_defs(b.buf, b.len, "ext.so", &d, &n, &e), 0);
	assert_int_equal(n, 0);
	pw_elf_defs_free(d, n);
	assert_int_equal(pw_elf_read_defs("hello", 5, "t.txt", &d, &n, &e), -ENOEXEC);
	assert_string_equal(e.msg, "'t.txt': not an ELF file");
	pw_buf_release(&b);
}

static void test_lookup(void **state)
{
	struct pw_syslibs *sys = open_root("sysroot", "the test root");
	struct pw_err e = PW_ERR_INIT;
	struct pw_elf_info i;
	const char *lib = NULL, *ver = NULL, *arch;

	(void)state;
	read_elf("ext.so", &i);
	arch = i.arch;
	assert_non_null(arch);
	assert_string_equal(pw_syslibs_what(sys), "the test root");
	assert_int_equal(pw_syslibs_lookup(sys, arch, "pw_getrandom", &lib, &ver, &e), 1);
	assert_string_equal(lib, "libc.so.6");
	assert_string_equal(ver, "GLIBC_2.25");
	/* the oldest of a compat and a default version */
	assert_int_equal(pw_syslibs_lookup(sys, arch, "pw_both", &lib, &ver, &e), 1);
	assert_string_equal(ver, "GLIBC_2.2.5");
	/* libm.so.6 through ld.so.conf's include, the loader libc needs */
	assert_int_equal(pw_syslibs_lookup(sys, arch, "pw_exp", &lib, &ver, &e), 1);
	assert_string_equal(lib, "libm.so.6");
	assert_string_equal(ver, "GLIBC_2.29");
	assert_int_equal(pw_syslibs_lookup(sys, arch, "pw_ldfn", &lib, &ver, &e), 1);
	assert_string_equal(lib, "ld-pw.so.1");
	assert_string_equal(ver, "GLIBC_2.3");
	/* not a GLIBC_<number> version, not defined: not glibc's */
	assert_int_equal(pw_syslibs_lookup(sys, arch, "pw_priv", &lib, &ver, &e), 0);
	assert_int_equal(pw_syslibs_lookup(sys, arch, "PyLong_Check", &lib, &ver, &e), 0);
	/* no libc.so.6 of another architecture in the root */
	assert_int_equal(
	    pw_syslibs_lookup(sys, strcmp(arch, "s390x") ? "s390x" : "x86_64", "x", &lib, &ver, &e),
	    -ENOENT);
	assert_non_null(strstr(e.msg, "no libc.so.6 for "));
	assert_non_null(strstr(e.msg, " in the test root: libc.so.6: not found in the root's "
				      "library path (/opt/glibc, "));
	pw_elf_info_release(&i);
	pw_syslibs_free(sys);
}

static int make_wheel(const char *dir, const char *so)
{
	sh("cd %s && rm -rf %s && mkdir -p %s/x-1.dist-info && "
	   "printf 'Wheel-Version: 1.0\\nRoot-Is-Purelib: false\\n' >%s/x-1.dist-info/WHEEL && "
	   "cp %s %s/",
	   tmp, dir, dir, dir, so, dir);
	{
		char *p = pw_xasprintf("%s/%s", tmp, dir);
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		free(p);
		assert_true(fd >= 0);
		return fd;
	}
}

static const struct pw_audit_reason *reason(const struct pw_audit_result *r, const char *policy,
					    const char *symbol)
{
	for (size_t i = 0; i < r->nreasons; i++)
		if (!strcmp(r->reasons[i].policy, policy) && r->reasons[i].symbol &&
		    !strcmp(r->reasons[i].symbol, symbol))
			return &r->reasons[i];
	return NULL;
}

static void test_audit_unversioned(void **state)
{
	struct pw_syslibs *sys = open_root("sysroot", "the test root");
	struct pw_audit_result r;
	struct pw_err e = PW_ERR_INIT;
	const struct pw_audit_reason *re;
	char *phrase;
	json_t *j;
	int fd;

	(void)state;
	/* without a root only the wheel is read: nothing is versioned */
	fd = make_wheel("w1", "ext.so");
	assert_int_equal(pw_audit_dir(builtin, NULL, fd, "w1", &r, &e), 0);
	assert_non_null(r.best_policy);
	assert_null(r.root);
	assert_null(reason(&r, "manylinux_2_17", "pw_getrandom"));
	pw_audit_result_release(&r);

	/* with it: pw_exp (GLIBC_2.29) keeps it out of 2_28, pw_getrandom
	 * (2.25) out of 2_24; the weak pw_sigmask (2.32) out of nothing */
	assert_int_equal(pw_audit_dir(builtin, sys, fd, "w1", &r, &e), 0);
	close(fd);
	assert_string_equal(r.root, "the test root");
	if (!strcmp(r.arch, "x86_64") || !strcmp(r.arch, "i686"))
		assert_string_equal(r.best_policy, "manylinux_2_31");
	re = reason(&r, "manylinux_2_17", "pw_getrandom");
	assert_non_null(re);
	assert_true(re->unversioned);
	assert_string_equal(re->library, "libc.so.6");
	assert_string_equal(re->version, "GLIBC_2.25");
	assert_string_equal(re->member, "ext.so");
	assert_non_null(reason(&r, "manylinux_2_28", "pw_exp"));
	assert_null(reason(&r, "manylinux_2_28", "pw_getrandom"));
	assert_null(reason(&r, "manylinux_2_28", "pw_sigmask"));
	assert_null(reason(&r, "manylinux_2_17", "pw_both"));
	assert_null(reason(&r, "manylinux_2_17", "pw_old"));
	phrase = pw_audit_unversioned_phrase(builtin, r.arch, re);
	assert_string_equal(phrase, "'ext.so' calls pw_getrandom, which libc.so.6 has only since "
				    "GLIBC_2.25 (manylinux_2_17 allows up to GLIBC_2.17)");
	free(phrase);
	/* --json: the reason's kind and the member's glibc imports */
	j = pw_audit_result_json(&r);
	{
		json_t *rs = json_object_get(j, "reasons"), *x;
		json_t *imp = json_object_get(json_array_get(json_object_get(j, "elfs"), 0),
					      "glibc_unversioned");
		size_t k;
		bool found = false;

		json_array_foreach(rs, k, x) {
			const char *sym = json_string_value(json_object_get(x, "symbol"));

			if (!sym || strcmp(sym, "pw_getrandom"))
				continue;
			assert_string_equal(json_string_value(json_object_get(x, "kind")),
					    "unversioned");
			found = true;
		}
		assert_true(found);
		/* pw_both, pw_exp, pw_getrandom, pw_old, pw_sigmask (weak) */
		assert_int_equal(json_array_size(imp), 5);
		x = json_array_get(imp, 4);
		assert_string_equal(json_string_value(json_object_get(x, "symbol")), "pw_sigmask");
		assert_string_equal(json_string_value(json_object_get(x, "since")), "GLIBC_2.32");
		assert_true(json_is_true(json_object_get(x, "weak")));
		assert_string_equal(json_string_value(json_object_get(j, "glibc_root")),
				    "the test root");
	}
	json_decref(j);
	pw_audit_result_release(&r);

	/* a weak reference alone: the most compatible policy */
	fd = make_wheel("w2", "weak.so");
	assert_int_equal(pw_audit_dir(builtin, sys, fd, "w2", &r, &e), 0);
	close(fd);
	assert_int_equal(r.nreasons, 0);
	assert_int_equal(r.elfs[0].nimports, 1);
	assert_true(r.elfs[0].imports[0].weak);
	pw_audit_result_release(&r);
	pw_syslibs_free(sys);

	/* a root without libc.so.6: the audit fails, naming it */
	sys = open_root("empty", "--root empty");
	fd = make_wheel("w3", "ext.so");
	assert_int_equal(pw_audit_dir(builtin, sys, fd, "w3", &r, &e), -ENOENT);
	close(fd);
	assert_true(!strncmp(e.msg, "w3: no libc.so.6 for ", 21));
	pw_syslibs_free(sys);
}

static void test_policy_max_version(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; pw_policy_name(builtin, i); i++)
		if (!strcmp(pw_policy_name(builtin, i), "manylinux_2_17"))
			break;
	assert_non_null(pw_policy_name(builtin, i));
	assert_string_equal(pw_policy_max_version(builtin, i, "x86_64", "GLIBC"), "2.17");
	assert_string_equal(pw_policy_max_version(builtin, i, "aarch64", "GLIBC"), "2.18");
	assert_null(pw_policy_max_version(builtin, i, "x86_64", "OPENSSL"));
	assert_null(pw_policy_max_version(builtin, i, "no-such-arch", "GLIBC"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_elf_unversioned),   cmocka_unit_test(test_elf_defs),
	    cmocka_unit_test(test_lookup),	      cmocka_unit_test(test_audit_unversioned),
	    cmocka_unit_test(test_policy_max_version),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
