/* test_debian.c - unit tests of the Debian provider's pure parts: dpkg
 * version order, the deb822 parser, apt sources and mirror choice, Release
 * parsing, clear-signed bodies, and the resolver on in-memory indexes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/buf.h"
#include "pinwheel/debian.h"

/* ---- versions ---- */

static int sgn(int x)
{
	return x < 0 ? -1 : x > 0;
}

static void test_version_cmp(void **state)
{
	/* a, b, sign of cmp(a, b); each also checked reversed.  Checked
	 * against `dpkg --compare-versions` when written. */
	static const struct {
		const char *a, *b;
		int want;
	} v[] = {
	    {"1.0", "1.0", 0},
	    {"1.0", "1.1", -1},
	    {"1.10", "1.9", 1},
	    {"1.001", "1.1", 0},
	    {"0:1.0", "1.0", 0},
	    {"1:0.1", "2.0", 1},
	    {"0:1.1", "1:1.0", -1},
	    {"1.0", "1.0-0", 0},
	    {"1.2-3", "1.2-10", -1},
	    {"2.36-9+deb12u4", "2.36-9", 1},
	    /* '~' sorts before everything, even the end */
	    {"1.0~rc1", "1.0", -1},
	    {"1.0~~", "1.0~~a", -1},
	    {"1.0~~a", "1.0~", -1},
	    {"1.0~", "1.0", -1},
	    {"1.0", "1.0a", -1},
	    {"2.0~rc2-1", "2.0~rc1", 1},
	    /* letters before non-letters */
	    {"1.0a", "1.0+", -1},
	    {"1.0a", "1.0.", -1},
	    {"1.0+", "1.0.", -1},
	    {"1.0Z", "1.0a", -1},
	    {"7.6p2-4", "7.6-0", 1},
	    {"1.0.3-3", "1.0-1", 1},
	    {"1.3", "1.2.2-2", 1},
	    {"0-pre", "0-pre", 0},
	    {"0-pre", "0-pree", -1},
	    {"1.1.6r2-2", "1.1.6r-1", 1},
	    {"2.6b2-1", "2.6b-2", 1},
	    {"98.1p5-1", "98.1-pre2-b6-2", -1},
	    {"0.4a6-2", "0.4-1", 1},
	    {"1:3.0.5-2", "1:3.0.5.1", -1},
	    {"4:12.2.0-3", "12.2.0-14", 1},
	    {"3.11.2-6+deb12u2", "3.11.2-6", 1},
	    {"1.2.3-1~bpo12+1", "1.2.3-1", -1},
	    {"10:1", "9:99", 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < PW_ARRAY_SIZE(v); i++) {
		if (sgn(pw_deb_version_cmp(v[i].a, v[i].b)) != v[i].want ||
		    sgn(pw_deb_version_cmp(v[i].b, v[i].a)) != -v[i].want)
			fail_msg("cmp('%s', '%s') wrong, want %d", v[i].a, v[i].b, v[i].want);
	}
}

static void test_version_valid(void **state)
{
	(void)state;
	assert_true(pw_deb_version_valid("1.0"));
	assert_true(pw_deb_version_valid("1:2.3-4"));
	assert_true(pw_deb_version_valid("2.0~rc1+dfsg-1.1"));
	assert_true(pw_deb_version_valid("1.2-3-4")); /* '-' in upstream with a revision */
	assert_true(pw_deb_version_valid("1:2:3"));   /* ':' in upstream with an epoch */
	assert_false(pw_deb_version_valid(""));
	assert_false(pw_deb_version_valid("a1.0"));
	assert_false(pw_deb_version_valid(":1.0"));
	assert_false(pw_deb_version_valid("x:1.0"));
	assert_false(pw_deb_version_valid("1.0-"));
	assert_false(pw_deb_version_valid("1.0 1"));
	assert_false(pw_deb_version_valid("1.0-a_b"));
	assert_true(pw_deb_version_satisfies("2.0", PW_DEB_GE, "2.0~rc1"));
	assert_false(pw_deb_version_satisfies("2.0", PW_DEB_GT, "2.0"));
	assert_true(pw_deb_version_satisfies("1.9", PW_DEB_LT, "2.0"));
	assert_true(pw_deb_version_satisfies("2.0", PW_DEB_LE, "2.0"));
	assert_true(pw_deb_version_satisfies("2.0", PW_DEB_EQ, "0:2.0-0"));
	assert_true(pw_deb_version_satisfies("anything", PW_DEB_ANY, NULL));
}

/* ---- deb822 ---- */

static void test_control(void **state)
{
	static const char text[] = "# comment\n"
				   "Package: foo\n"
				   "Description: short\n"
				   " long line one\n"
				   " .\n"
				   "\tlong line two\n"
				   "depends: a,\n"
				   "  b\n"
				   "\n\n"
				   "Package: bar\r\n"
				   "Empty:\n";
	struct pw_deb_parser p;
	struct pw_deb_stanza st = {0};
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	pw_deb_parser_init(&p, "t", text, sizeof(text) - 1);
	assert_int_equal(pw_deb_parser_next(&p, &st, &e), 1);
	assert_int_equal(st.line, 2);
	assert_string_equal(pw_deb_stanza_get(&st, "package"), "foo");
	assert_string_equal(pw_deb_stanza_get(&st, "Description"),
			    "short\nlong line one\n\nlong line two");
	assert_string_equal(pw_deb_stanza_get(&st, "Depends"), "a,\nb");
	assert_null(pw_deb_stanza_get(&st, "Version"));
	assert_int_equal(pw_deb_parser_next(&p, &st, &e), 1);
	assert_string_equal(pw_deb_stanza_get(&st, "Package"), "bar");
	assert_string_equal(pw_deb_stanza_get(&st, "Empty"), "");
	assert_int_equal(pw_deb_parser_next(&p, &st, &e), 0);
	pw_deb_stanza_release(&st);
}

static void expect_bad(const char *text, const char *msg)
{
	struct pw_deb_parser p;
	struct pw_deb_stanza st = {0};
	struct pw_err e = PW_ERR_INIT;

	pw_deb_parser_init(&p, "f", text, strlen(text));
	assert_int_equal(pw_deb_parser_next(&p, &st, &e), -EBADMSG);
	assert_string_equal(e.msg, msg);
	assert_int_equal(st.n, 0);
}

static void test_control_bad(void **state)
{
	(void)state;
	expect_bad(" continued\n", "f:1: continuation line outside a field");
	expect_bad("A: 1\nno colon\n", "f:2: line without ':'");
	expect_bad("A: 1\n: x\n", "f:2: bad field name");
	expect_bad("A: 1\na: 2\n", "f:2: duplicate field 'a'");
}

static void test_control_caps(void **state)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	struct pw_deb_parser p;
	struct pw_deb_stanza st = {0};
	struct pw_err e = PW_ERR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i <= PW_DEB_MAX_FIELDS; i++)
		pw_buf_addf(&b, "F%zu: x\n", i);
	pw_deb_parser_init(&p, "f", b.buf, b.len);
	assert_int_equal(pw_deb_parser_next(&p, &st, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "too many fields"));
	pw_buf_reset(&b);
	pw_buf_adds(&b, "A: x\n");
	for (i = 0; i < PW_DEB_MAX_VALUE / 64 + 2; i++)
		pw_buf_addf(&b, " %063zu\n", i);
	pw_deb_parser_init(&p, "f", b.buf, b.len);
	assert_int_equal(pw_deb_parser_next(&p, &st, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "too long"));
	pw_buf_release(&b);
}

/* ---- apt sources ---- */

static void test_sources(void **state)
{
	static const char list[] =
	    "# comment\n"
	    "deb-src http://mirror.example/debian bookworm main\n"
	    "deb [arch=arm64 signed-by=/k/arm.gpg] http://mirror.example/ports bookworm main\n"
	    "deb [ arch=amd64,i386 signed-by=/k/a.gpg ] http://mirror.example/debian/ bookworm "
	    "main contrib # x\n";
	static const char deb822[] = "Types: deb deb-src\n"
				     "URIs: https://mirror.example/debian\n"
				     "Suites: trixie trixie-updates\n"
				     "Components: main\n"
				     "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
				     "\n"
				     "Types: deb\n"
				     "URIs: https://mirror.example/off\n"
				     "Suites: sid\n"
				     "Enabled: no\n"
				     "\n"
				     "Types: deb\n"
				     "URIs: https://mirror.example/debian-security\n"
				     "Suites: trixie-security\n";
	struct pw_apt_sources s = {0};
	struct pw_err e = PW_ERR_INIT;
	char *m, *k;

	(void)state;
	assert_int_equal(pw_apt_sources_parse("l", list, sizeof(list) - 1, false, &s, &e), 0);
	assert_int_equal(pw_apt_sources_parse("s", deb822, sizeof(deb822) - 1, true, &s, &e), 0);
	assert_int_equal(s.n, 6);
	assert_false(s.v[0].deb);
	assert_int_equal(s.v[2].narches, 2);
	assert_string_equal(s.v[2].arches[1], "i386");
	assert_int_equal(s.v[2].ncomponents, 2);
	assert_string_equal(s.v[2].signed_by, "/k/a.gpg");
	assert_false(s.v[4].enabled);
	/* exact suite, arch filter */
	assert_int_equal(pw_apt_pick_mirror(&s, "bookworm", "amd64", &m, &k, &e), 0);
	assert_string_equal(m, "http://mirror.example/debian");
	assert_string_equal(k, "/k/a.gpg");
	free(m), free(k);
	assert_int_equal(pw_apt_pick_mirror(&s, "bookworm", "arm64", &m, &k, &e), 0);
	assert_string_equal(m, "http://mirror.example/ports");
	free(m), free(k);
	assert_int_equal(pw_apt_pick_mirror(&s, "trixie", "arm64", &m, &k, &e), 0);
	assert_string_equal(m, "https://mirror.example/debian");
	free(m), free(k);
	/* not served (sid is disabled): the first Debian mirror, not -security */
	assert_int_equal(pw_apt_pick_mirror(&s, "sid", "s390x", &m, &k, &e), 0);
	assert_string_equal(m, "https://mirror.example/debian");
	free(m), free(k);
	pw_apt_sources_release(&s);

	assert_int_equal(
	    pw_apt_sources_parse("b", "deb [arch=amd64 http://x y\n", 27, false, &s, &e), -EINVAL);
	assert_string_equal(e.msg, "b:1: option 'http://x': expected key=value");
	assert_int_equal(pw_apt_sources_parse("b", "deb http://x\n", 13, false, &s, &e), -EINVAL);
	assert_string_equal(e.msg, "b:1: expected a URI and a suite");
	assert_int_equal(pw_apt_sources_parse("c", "URIs: x\n", 8, true, &s, &e), -EINVAL);
	assert_string_equal(e.msg, "c:1: entry needs Types, URIs and Suites");
	assert_int_equal(pw_apt_pick_mirror(&s, "bookworm", "amd64", &m, &k, &e), -ENOENT);
	pw_apt_sources_release(&s);
}

/* ---- Release ---- */

static void test_release(void **state)
{
	static const char signed_text[] = "-----BEGIN PGP SIGNED MESSAGE-----\n"
					  "Hash: SHA512\n"
					  "\n"
					  "Suite: stable\n"
					  "Codename: bookworm\n"
					  "Architectures: amd64 arm64\n"
					  "Components: main contrib\n"
					  "SHA256:\n"
					  " 0123456789abcdef0123456789abcdef0123456789abcdef0123456"
					  "789abcdef 42 main/binary-amd64/Packages.xz\n"
					  "- -dash escaped: x\n"
					  "-----BEGIN PGP SIGNATURE-----\n"
					  "\n"
					  "xyz\n"
					  "-----END PGP SIGNATURE-----\n";
	struct pw_buf body = PW_BUF_INIT(1 << 20);
	struct pw_deb_release r;
	struct pw_err e = PW_ERR_INIT;
	const struct pw_deb_release_file *f;

	(void)state;
	assert_int_equal(pw_deb_clearsigned_body(signed_text, sizeof(signed_text) - 1, &body, &e),
			 0);
	assert_null(strstr(body.buf, "Hash:"));
	assert_non_null(strstr(body.buf, "\n-dash escaped: x\n"));
	assert_null(strstr(body.buf, "SIGNATURE"));
	assert_int_equal(pw_deb_release_parse("R", body.buf, body.len, &r, &e), 0);
	assert_string_equal(r.codename, "bookworm");
	assert_int_equal(r.narches, 2);
	assert_int_equal(r.ncomponents, 2);
	f = pw_deb_release_find(&r, "main/binary-amd64/Packages.xz");
	assert_non_null(f);
	assert_int_equal(f->size, 42);
	assert_null(pw_deb_release_find(&r, "main/binary-amd64/Packages"));
	pw_deb_release_release(&r);
	assert_int_equal(pw_deb_release_parse("R", "SHA256:\n bad 1 x\n", 17, &r, &e), -EBADMSG);
	assert_string_equal(e.msg, "R: field 'SHA256': bad line 'bad 1 x'");
	assert_int_equal(pw_deb_release_parse("R", "Suite: x\n", 9, &r, &e), -EBADMSG);
	pw_buf_release(&body);
}

/* ---- resolver ---- */

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define PKG(name, ver, arch, extra)                                                                \
	"Package: " name "\nVersion: " ver "\nArchitecture: " arch "\n" extra                      \
	"Filename: pool/" name ".deb\nSize: 1\nSHA256: " SHA "\n\n"

static const char index_text[] = PKG("libc6", "2.36-9", "amd64",
				     "Multi-Arch: same\nPriority: required\n")
    PKG("dash", "0.5.12-2", "amd64",
	"Essential: yes\nPriority: required\nPre-Depends: libc6 (>= 2.34)\n")
	PKG("gcc", "4:12.2.0-3", "amd64",
	    "Depends: cpp (= 4:12.2.0-3), libc6\n") PKG("cpp", "4:12.2.0-3", "amd64", "")
	    PKG("cpp", "4:11.3.0-1", "amd64", "") PKG("mawk", "1.3.4", "amd64", "Provides: awk\n")
		PKG("gawk", "5.2.1", "amd64", "Provides: awk\n") PKG("perl", "5.36.0-7", "amd64",
								     "Multi-Arch: allowed\n")
		    PKG("python3", "3.11.2-1", "amd64", "Multi-Arch: no\n")
			PKG("tool", "1", "all", "Depends: perl:any, awk, gawk | mawk\n")
			    PKG("alt", "1", "all", "Depends: nothere | mawk (>= 1), libc6:amd64\n")
				PKG("pyany", "1", "all", "Depends: python3:any\n") PKG(
				    "vprov", "1", "all", "Provides: vthing (= 2.0)\n")
				    PKG("vplain", "1", "all", "Provides: vthing\n") PKG(
					"wantsv", "1", "all", "Depends: vthing (>= 1.5)\n")
					PKG("chain1", "1", "amd64", "Depends: chain2 (>= 2)\n") PKG(
					    "chain2", "2", "amd64", "Depends: chain3 | chain4\n")
					    PKG("native", "1", "amd64",
						"Depends: libc6:native, dash:i386\n")
						PKG("restricted", "1", "all",
						    "Depends: libc6 [amd64], nothere [!amd64]\n")
						    PKG("armpkg", "1", "arm64", "");

static struct pw_deb_index *make_index(void)
{
	struct pw_deb_index *ix = pw_deb_index_new("amd64", "test/main amd64");
	struct pw_err e = PW_ERR_INIT;

	assert_int_equal(
	    pw_deb_index_add_packages(ix, "P", "main", index_text, sizeof(index_text) - 1, &e), 0);
	return ix;
}

/* Resolve @names (comma-separated) and return "name=version ..." or
 * "ERR: message". Caller frees. */
static char *resolve(struct pw_deb_index *ix, const char *names, bool req)
{
	const char *v[16];
	char *copy = strdup(names), *save = NULL, *t;
	struct pw_deb_resolve_opts o = {v, 0, req};
	struct pw_deb_selection s;
	struct pw_err e = PW_ERR_INIT;
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	size_t i;

	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		v[o.nnames++] = t;
	if (pw_deb_resolve(ix, &o, &s, &e) < 0) {
		pw_buf_addf(&b, "ERR: %s", e.msg);
	} else {
		for (i = 0; i < s.n; i++)
			pw_buf_addf(&b, "%s%s=%s", i ? " " : "", s.v[i]->name, s.v[i]->version);
		pw_deb_selection_release(&s);
	}
	free(copy);
	return pw_buf_detach(&b, NULL);
}

#define EXPECT(ix, names, req, want)                                                               \
	do {                                                                                       \
		char *got_ = resolve(ix, names, req);                                              \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

/* A Release Date as a snapshot timestamp (docs/debian.md "Snapshots"). */
static void test_snapshot_date(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
	    {"Tue, 14 Nov 2023 22:13:20 UTC", "20231114T221320Z"},
	    {"Sat, 06 Dec 2026 08:14:32 GMT", "20261206T081432Z"},
	    {"6 Dec 2026 08:14:32 +0200", "20261206T061432Z"},
	    {"Thu, 31 Dec 2026 23:30:00 -0100", "20270101T003000Z"},
	};
	static const char *const bad[] = {"", "2026-12-06", "Sat, 06 Foo 2026 08:14:32 UTC",
					  "Sat, 06 Dec 2026 08:14:32 CET",
					  "Sat, 06 Dec 2026 25:14:32 UTC",
					  "Sat, 06 Dec 2026 08:14:32 UTC trailing"};
	char ts[17];

	(void)state;
	for (size_t i = 0; i < PW_ARRAY_SIZE(ok); i++) {
		assert_int_equal(pw_deb_date_to_snapshot(ok[i].in, ts), 0);
		assert_string_equal(ts, ok[i].out);
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(bad); i++)
		if (pw_deb_date_to_snapshot(bad[i], ts) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
}

static void test_resolve(void **state)
{
	struct pw_deb_index *ix = make_index();

	(void)state;
	assert_int_equal(pw_deb_index_count(ix), 19); /* armpkg left out */
	/* versioned: the highest cpp satisfying (= ...) */
	EXPECT(ix, "gcc", false, "cpp=4:12.2.0-3 gcc=4:12.2.0-3 libc6=2.36-9");
	/* required/essential set added */
	EXPECT(ix, "cpp", true, "cpp=4:12.2.0-3 dash=0.5.12-2 libc6=2.36-9");
	/* a requested version */
	EXPECT(ix, "cpp (= 4:11.3.0-1)", false, "cpp=4:11.3.0-1");
	/* virtual awk: first provider by name is gawk; then "gawk | mawk" is
	 * already satisfied; perl:any by Multi-Arch: allowed */
	EXPECT(ix, "tool", false, "gawk=5.2.1 perl=5.36.0-7 tool=1");
	/* alternatives: the first that can be satisfied; explicit native arch */
	EXPECT(ix, "alt", false, "alt=1 libc6=2.36-9 mawk=1.3.4");
	/* a selected package satisfies both the virtual and "gawk | mawk" */
	EXPECT(ix, "mawk,tool", false, "mawk=1.3.4 perl=5.36.0-7 tool=1");
	/* versioned provides */
	EXPECT(ix, "wantsv", false, "vprov=1 wantsv=1");
	/* a virtual package requested directly */
	EXPECT(ix, "vthing", false, "vplain=1");
	/* [arch] restrictions */
	EXPECT(ix, "restricted", false, "libc6=2.36-9 restricted=1");
	/* failures */
	EXPECT(ix, "pyany", false,
	       "ERR: pyany (requested) -> python3:any: 'python3' (Multi-Arch: no) cannot satisfy "
	       "'python3:any'");
	EXPECT(ix, "chain1", false,
	       "ERR: chain1 (requested) -> chain2 (>= 2) -> chain3 | chain4: no package 'chain3' "
	       "in test/main amd64; "
	       "no package 'chain4' in test/main amd64");
	EXPECT(ix, "native", false,
	       "ERR: native (requested) -> dash:i386: 'dash' (Multi-Arch: no) cannot satisfy "
	       "'dash:i386'");
	EXPECT(ix, "nope", false, "ERR: unknown package 'nope' in test/main amd64");
	EXPECT(ix, "armpkg", false, "ERR: unknown package 'armpkg' in test/main amd64");
	EXPECT(ix, "cpp (= 4:11.3.0-1),gcc", false,
	       "ERR: gcc (requested) -> cpp (= 4:12.2.0-3): 'cpp' 4:11.3.0-1 is selected, wanted "
	       "'cpp (= 4:12.2.0-3)'");
	EXPECT(ix, "cpp (= 9)", false,
	       "ERR: cpp (= 9) (requested): 'cpp' has version 4:12.2.0-3, wanted 'cpp (= 9)'");
	EXPECT(ix, "a b", false,
	       "ERR: bad package request 'a b': expected NAME or NAME (OP VERSION)");
	pw_deb_index_free(ix);
}

static void test_index_bad(void **state)
{
	struct pw_deb_index *ix = pw_deb_index_new("amd64", "w");
	struct pw_err e = PW_ERR_INIT;
	static const char t1[] = "Package: x\nVersion: 1\nArchitecture: amd64\n\n";
	static const char t2[] = PKG("x", "1", "amd64", "Depends: a (>= )\n");
	static const char t3[] = PKG("x", "v1", "amd64", "");

	(void)state;
	assert_int_equal(pw_deb_index_add_packages(ix, "P", "main", t1, sizeof(t1) - 1, &e),
			 -EBADMSG);
	assert_string_equal(
	    e.msg, "P:1: stanza needs Package, Version, Architecture, Filename, SHA256 and Size");
	assert_int_equal(pw_deb_index_add_packages(ix, "P", "main", t2, sizeof(t2) - 1, &e),
			 -EINVAL);
	assert_string_equal(e.msg, "P:1: package 'x': malformed field 'Depends'");
	assert_int_equal(pw_deb_index_add_packages(ix, "P", "main", t3, sizeof(t3) - 1, &e),
			 -EBADMSG);
	assert_string_equal(e.msg, "P:1: package 'x': bad version 'v1'");
	pw_deb_index_free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_cmp),	 cmocka_unit_test(test_version_valid),
	    cmocka_unit_test(test_control),	 cmocka_unit_test(test_control_bad),
	    cmocka_unit_test(test_control_caps), cmocka_unit_test(test_sources),
	    cmocka_unit_test(test_release),	 cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_index_bad),	 cmocka_unit_test(test_snapshot_date),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
