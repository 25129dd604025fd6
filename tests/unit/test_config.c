/* test_config.c - pinwheel.json: every error message (position, field,
 * did-you-mean), value checks, matrix expansion and target selection,
 * the canonical digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/archive.h"
#include "pinwheel/buf.h"
#include "pinwheel/config.h"
#include "pinwheel/debian.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jpos.h"
#include "pinwheel/pypi.h"
#include "pinwheel/zig.h"

#define BASE_DEB "{\"debian\": {\"suite\": \"trixie\", \"packages\": [\"python3-dev\"]}}"

/* Parse @text; return the error message ("" on success). */
static const char *load(const char *text, struct pw_config *c)
{
	static struct pw_err e;
	int r;

	pw_err_clear(&e);
	r = pw_config_parse("p.json", ".", text, strlen(text), c, &e);
	if (r == 0)
		return "";
	assert_int_equal(r, -EINVAL);
	assert_null(c->targets);
	assert_null(c->pythons);
	return e.msg;
}

static int mismatches;

/* Compare, report every mismatch of a test function (not just the first);
 * each test ends with assert_int_equal(mismatches, 0). */
static void expect_err(const char *text, const char *want)
{
	struct pw_config c;
	const char *got = load(text, &c);

	if (strcmp(got, want)) {
		print_error("got:  %s\nwant: %s\n", got, want);
		mismatches++;
	}
}

static void test_minimal(void **state)
{
	struct pw_config c;

	(void)state;
	assert_string_equal(load("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}},"
				 " \"platforms\": [\"manylinux_x86_64\"]}", &c), "");
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0].id, "cp313-manylinux_x86_64");
	assert_string_equal(c.targets[0].arch, "x86_64");
	assert_string_equal(c.targets[0].debian_arch, "amd64");
	assert_string_equal(c.project, ".");
	assert_ptr_equal(c.pythons[0].base.provider, &pw_provider_debian);
	{
		const struct pw_debian_spec *d = c.pythons[0].base.spec;

		assert_string_equal(d->suite, "trixie");
		assert_string_equal(d->field, "python.3.13.base.debian");
	}
	/* no "rust", no requirements: the default manylinux floor alone */
	assert_int_equal(c.nblocks, 1);
	assert_ptr_equal(c.blocks[0].provider, &pw_provider_zig);
	assert_int_equal(pw_zig_blocks_floor(c.blocks, c.nblocks, "manylinux_x86_64"), 17);
	assert_int_equal(pw_zig_blocks_floor(c.blocks, c.nblocks, "manylinux_aarch64"), 17);
	/* ... except where Zig's glibc starts later: ppc64le from 2.19, so the
	 * oldest policy it meets, 2_24 */
	assert_int_equal(pw_zig_blocks_floor(c.blocks, c.nblocks, "manylinux_ppc64le"), 24);
	assert_int_equal(pw_zig_blocks_floor(c.blocks, c.nblocks, "manylinux_s390x"), 17);
	assert_true(pw_sha256_hex_valid(c.digest));
	pw_config_release(&c);
	/* a "2014" the user wrote stays 2014 on ppc64le (the lock refuses it) */
	assert_string_equal(load("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}},"
				 " \"platforms\": [\"manylinux_ppc64le\"], \"manylinux\": \"2014\"}",
				 &c),
			    "");
	assert_int_equal(pw_zig_blocks_floor(c.blocks, c.nblocks, "manylinux_ppc64le"), 17);
	pw_config_release(&c);
	/* "native" is still there */
	assert_string_equal(load("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}},"
				 " \"platforms\": [\"manylinux_x86_64\"], \"manylinux\": \"native\"}",
				 &c),
			    "");
	assert_int_equal(c.nblocks, 1);
	assert_int_equal(pw_zig_blocks_floor(c.blocks, c.nblocks, "manylinux_x86_64"), 0);
	pw_config_release(&c);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_err("{\"version\": 1, \"pyhton\": {}}",
		   "p.json:1:16: unknown key 'pyhton' (did you mean 'python'?)");
	expect_err("{\n  \"version\": 1,\n  \"python\": {\"3.13\": {\"base\": {\"debain\": {}}}},\n"
		   "  \"platforms\": [\"manylinux_x86_64\"]\n}",
		   "p.json:3:32: python.3.13.base: unknown key 'debain' (did you mean 'debian'?)");
	expect_err("{\"version\": 1, \"zzzzzzzz\": 1}",
		   "p.json:1:16: unknown key 'zzzzzzzz' (expected one of: $schema, version, project, python, "
		   "platforms, exclude, optional, pure, compile_cache, abi3_reuse, build_requires, manylinux, "
		   "rust, "
		   "archives, crates, env, before_all, before_build, config_settings, test, limits, foreign)");
	expect_err("{\"version\": 1,\n\"python\": {\"3.13\": {\"base\": {\"debian\": {\"suite\": \"trixie\","
		   " \"packages\": [\"a\"], \"mirorr\": \"x\"}}}}}",
		   "p.json:2:79: python.3.13.base.debian: unknown key 'mirorr' (did you mean 'mirror'?)");
	/* columns count characters, as jansson's do */
	expect_err("{\"version\": 1, \"project\": \"\xc3\xa9\xc3\xa9\", \"limit\": {}}",
		   "p.json:1:33: unknown key 'limit' (did you mean 'limits'?)");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}},"
		   " \"platforms\": [\"manylinux_x86_64\"], \"limits\": {\"memroy\": \"1G\"}}",
		   "p.json:1:154: limits: unknown key 'memroy' (did you mean 'memory'?)");
	assert_int_equal(mismatches, 0);
}

static void test_types(void **state)
{
	(void)state;
	expect_err("[1]", "p.json:1:1: expected an object (see docs/config.md), got an array");
	expect_err("{\"python\": {}}", "p.json:1:1: missing 'version' (this pinwheel reads version 1)");
	expect_err("{\"version\": 2}", "p.json:1:2: version: expected 1");
	expect_err("{\"version\": 1}", "p.json:1:1: missing 'python' (the Python versions to build for)");
	expect_err("{\"version\": 1, \"python\": []}",
		   "p.json:1:16: python: expected an object keyed by Python version like \"3.13\", got an array");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": {\"debian\": {\"suite\": \"trixie\","
		   " \"packages\": 5}}}}}",
		   "p.json:1:75: python.3.13.base.debian.packages: expected an array of strings, got an integer");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": {\"debian\": {\"suite\": \"trixie\","
		   " \"packages\": [\"ok\", true]}}}}}",
		   "p.json:1:94: python.3.13.base.debian.packages[1]: expected a string, got a boolean");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": {\"debian\": {\"suite\": \"trixie\","
		   " \"packages\": [\"Bad_Name\"]}}}}}",
		   "p.json:1:88: python.3.13.base.debian.packages[0]: expected a Debian package name "
		   "(lowercase letters, digits, + - . and an optional :arch), got 'Bad_Name'");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": {\"debian\": {\"suite\": \"trixie\","
		   " \"packages\": [\"a\", \"b\", \"b\", \"a\"]}}}}}",
		   "p.json:1:98: python.3.13.base.debian.packages[2]: 'b' is listed twice");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": {}}}}",
		   "p.json:1:44: python.3.13.base: give exactly one of 'debian', 'archive', 'archives' or 'oci'");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {}}}", "p.json:1:27: python.3.13: missing 'base'");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}}}",
		   "p.json:1:1: missing 'platforms'");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}}, \"platforms\": []}",
		   "p.json:1:108: platforms: must not be empty");
	expect_err("{\"version\": 1, \"project\": \"../x\"}",
		   "p.json:1:16: project: must be a relative path inside the config's directory (no '..', not absolute)");
	assert_int_equal(mismatches, 0);
}

static void test_values(void **state)
{
	const char *pre = "{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}}, "
			  "\"platforms\": [\"manylinux_x86_64\"], ";
	char buf[1024];

	(void)state;
	expect_err("{\"version\": 1, \"python\": {\"313\": {}}}",
		   "p.json:1:27: python: '313' is not a Python version: expected \"3.N\" (like \"3.13\", or \"3.13t\" for free-threaded) or \"pypy3.N\"");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}, \"3.013\": {}}}",
		   "p.json:1:107: python: '3.013' is not a Python version: expected \"3.N\" (like \"3.13\", or \"3.13t\" for free-threaded) or \"pypy3.N\"");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}}, \"platforms\": [\"manylinux_x86-64\"]}",
		   "p.json:1:122: platforms[0]: unknown platform 'manylinux_x86-64' (did you mean 'manylinux_x86_64'?)");
	expect_err("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}}, \"platforms\": [\"windows\"]}",
		   "p.json:1:122: platforms[0]: unknown platform 'windows' (expected manylinux_x86_64, manylinux_aarch64, manylinux_i686, manylinux_ppc64le, manylinux_s390x or manylinux_armv7l)");
#define CASE(tail, want)                                                       \
	snprintf(buf, sizeof(buf), "%s%s}", pre, tail);                        \
	expect_err(buf, want)
	/* requirements: ranges are fine (the lock pins them), not URLs or nonsense */
	CASE("\"build_requires\": [\"numpy >> 2\"]",
	     "p.json:1:162: build_requires[0]: 'numpy >> 2' is not a requirement: expected "
	     "name[extras], version specifiers like >=1.2,<2 and an optional '; marker'");
	CASE("\"build_requires\": [\"numpy @ file:///n.whl\"]",
	     "p.json:1:162: build_requires[0]: 'numpy @ file:///n.whl': a direct reference (name @ "
	     "url) cannot be pinned from an index: give a version range");
	CASE("\"build_requires\": [\"numpy[x]==2\", \"numpy>=1\"]",
	     "p.json:1:177: build_requires[1]: 'numpy' is pinned twice");
	CASE("\"build_requires\": [\"Cython==3.1.8\", \"cython==3.1.7\"]",
	     "p.json:1:179: build_requires[1]: 'cython' is pinned twice");
	CASE("\"build_requires\": \"numpy==2\"",
	     "p.json:1:143: build_requires: expected an array of requirements like \"numpy==2.3.5\" "
	     "or \"numpy>=2\", got a string");
	CASE("\"limits\": {\"memory\": \"4X\"}",
	     "p.json:1:154: limits.memory: expected a size like \"512M\" or \"4G\", got '4X'");
	CASE("\"limits\": {\"timeout\": \"soon\"}",
	     "p.json:1:154: limits.timeout: expected a duration like \"90s\", \"30m\" or \"2h\", got 'soon'");
	CASE("\"limits\": {\"cpus\": 0}", "p.json:1:154: limits.cpus: expected an integer from 1 to 4096");
	CASE("\"exclude\": [\"cp31-*\"]", "p.json:1:155: exclude[0]: 'cp31-*' matches no target");
	CASE("\"exclude\": [\"cp313-manylinux_x86_65\"]",
	     "p.json:1:155: exclude[0]: 'cp313-manylinux_x86_65' matches no target (did you mean 'cp313-manylinux_x86_64'?)");
	CASE("\"exclude\": [\"*\"]", "p.json:1:143: exclude: every target is excluded");
	CASE("\"env\": {\"TZ\": \"x\"}", "p.json:1:151: env.TZ: is fixed by pinwheel in every sandbox and cannot be set");
	CASE("\"env\": {\"SOURCE_DATE_EPOCH\": \"1\"}",
	     "p.json:1:151: env.SOURCE_DATE_EPOCH: '1' is not seconds since 1970 between 315532800 "
	     "(1980-01-01) and 4354819199 (2107-12-31), as a wheel's zip times need");
	CASE("\"env\": {\"SOURCE_DATE_EPOCH\": \"soon\"}",
	     "p.json:1:151: env.SOURCE_DATE_EPOCH: 'soon' is not seconds since 1970 between 315532800 "
	     "(1980-01-01) and 4354819199 (2107-12-31), as a wheel's zip times need");
	CASE("\"env\": {\"A-B\": \"x\"}",
	     "p.json:1:151: env: 'A-B' is not a variable name (letters, digits and _, not starting with a digit)");
	CASE("\"env\": {\"A\": 1}", "p.json:1:151: env.A: expected a string, got an integer");
	CASE("\"archives\": [{\"url\": \"ftp://x/y\"}]",
	     "p.json:1:157: archives[0]: 'url' must be an http://, https:// or file:// url, got 'ftp://x/y'");
	CASE("\"archives\": [{\"url\": \"https://mirror.example/a.tgz\", \"sha256\": \"ABC\"}]",
	     "p.json:1:196: archives[0]: 'sha256' must be 64 lowercase hex digits");
	CASE("\"archives\": [{\"url\": \"https://mirror.example/a.tgz\", \"subdir\": \"../x\"}]",
	     "p.json:1:196: archives[0]: 'subdir' must be a relative path without '..' components");
	CASE("\"archives\": [{\"url\": \"https://mirror.example/a.tgz\", \"platforms\": [\"manylinux_arm64\"]}]",
	     "p.json:1:210: archives[0].platforms[0]: unknown platform 'manylinux_arm64' (did you mean 'manylinux_aarch64'?)");
	CASE("\"archives\": [{\"sha256\": \"x\"}]", "p.json:1:156: archives[0]: missing 'url'");
	CASE("\"rust\": {\"from\": \"rustup\"}",
	     "p.json:1:152: rust.from: expected \"base\" (rustc and cargo come with the base root)");
	CASE("\"rust\": {}", "p.json:1:143: rust: give exactly one of 'from' or 'archives'");
	CASE("\"test\": {\"requires\": [\"pytest\"], \"command\": 1}", "p.json:1:176: test.command: expected a string, got an integer");
	CASE("\"foreign\": \"native\"",
	     "p.json:1:143: foreign: expected \"cross\" or \"emulate\", got \"native\"");
	CASE("\"pure\": \"yes\"", "p.json:1:143: pure: expected true or false, got a string");
#undef CASE
	assert_int_equal(mismatches, 0);
}

static void test_matrix(void **state)
{
	const char *text =
		"{\"version\": 1,\n"
		" \"python\": {\"3.14\": {\"base\": " BASE_DEB "},\n"
		"            \"3.9\": {\"base\": {\"archive\": {\"url\": \"https://mirror.example/py/cpython-3.9.tar.gz\", \"strip\": 1}}},\n"
		"            \"3.13t\": {\"base\": " BASE_DEB "},\n"
		"            \"3.10\": {\"base\": " BASE_DEB "}},\n"
		" \"platforms\": [\"manylinux_aarch64\", \"manylinux_x86_64\"],\n"
		" \"exclude\": [\"cp39-manylinux_aarch64\"],\n"
		" \"optional\": [\"*aarch64\"]}";
	static const char *const want[] = {
		"cp39-manylinux_x86_64",   "cp310-manylinux_x86_64",  "cp310-manylinux_aarch64",
		"cp313t-manylinux_x86_64", "cp313t-manylinux_aarch64", "cp314-manylinux_x86_64",
		"cp314-manylinux_aarch64",
	};
	const char *only[] = { "cp314-manylinux_x86_64", "cp310-manylinux_aarch64" };
	const char *skip[] = { "cp310-*" };
	const char *bad[] = { "cp314-manylinux_x86-64" };
	struct pw_err e = PW_ERR_INIT;
	struct pw_config c;
	bool sel[16];

	(void)state;
	assert_string_equal(load(text, &c), "");
	assert_int_equal(c.ntargets, PW_ARRAY_SIZE(want));
	for (size_t i = 0; i < c.ntargets; i++)
		assert_string_equal(c.targets[i].id, want[i]);
	assert_false(c.targets[0].optional);
	assert_true(c.targets[2].optional);
	assert_true(c.targets[3].py->freethreaded);
	assert_ptr_equal(c.targets[0].py->base.provider, &pw_provider_archive);
	{
		const struct pw_archives_spec *a = c.targets[0].py->base.spec;

		assert_int_equal(a->v[0].unpack.strip, 1);
		assert_string_equal(a->v[0].name, "cpython-3.9.tar.gz");
		assert_int_equal(a->v[0].size, PW_SIZE_UNKNOWN);
		assert_true(a->v[0].python_base);
	}
	/* selection */
	assert_int_equal(pw_config_select(&c, NULL, 0, NULL, 0, sel, &e), 7);
	assert_int_equal(pw_config_select(&c, only, 2, NULL, 0, sel, &e), 2);
	assert_true(sel[2] && sel[5] && !sel[0] && !sel[6]);
	assert_int_equal(pw_config_select(&c, only, 2, skip, 1, sel, &e), 1);
	assert_true(sel[5] && !sel[2]);
	assert_int_equal(pw_config_select(&c, NULL, 0, skip, 1, sel, &e), 5);
	assert_int_equal(pw_config_select(&c, bad, 1, NULL, 0, sel, &e), -EINVAL);
	assert_string_equal(e.msg, "--only 'cp314-manylinux_x86-64' names no target (did you mean 'cp314-manylinux_x86_64'?)");
	pw_config_release(&c);
}

static void test_digest(void **state)
{
	struct pw_config a, b, d;

	(void)state;
	assert_string_equal(load("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}},"
				 " \"platforms\": [\"manylinux_x86_64\"]}", &a), "");
	assert_string_equal(load("{\n  \"platforms\": [\"manylinux_x86_64\"],\n  \"python\": {\"3.13\": {\"base\": "
				 BASE_DEB "}},\n  \"version\": 1\n}\n", &b), "");
	assert_string_equal(load("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}},"
				 " \"platforms\": [\"manylinux_aarch64\"]}", &d), "");
	assert_string_equal(a.digest, b.digest);
	assert_string_not_equal(a.digest, d.digest);
	pw_config_release(&a);
	pw_config_release(&b);
	pw_config_release(&d);
}

/* The digests of what reaches the lock and each target: editing the
 * steps' env, limits or the smoke test's command keeps the lock fresh;
 * adding a platform or a Python keeps every existing target's digest (its
 * action keys); anything a target uses changes its digest; the "test"
 * table changes no build_digest (the sdist's and the wheels' keys). */
#define CFG(py, plat, extra)                                                                    \
	"{\"version\": 1, \"python\": {" py "}, \"platforms\": [" plat "]" extra "}"
#define PY13 "\"3.13\": {\"base\": " BASE_DEB "}"
#define PY14 "\"3.14\": {\"base\": {\"debian\": {\"suite\": \"sid\", \"packages\": [\"x\"]}}}"
#define X86 "\"manylinux_x86_64\""
#define ARM "\"manylinux_aarch64\""

static void test_part_digests(void **state)
{
	static const char *const texts[] = {
	    CFG(PY13, X86, ""),
	    CFG(PY13, X86, ", \"env\": {\"A\": \"1\"}, \"limits\": {\"pids\": 64}"),
	    CFG(PY13, X86, ", \"test\": {\"command\": \"python -c 1\"}"),
	    CFG(PY13 ", " PY14, X86 ", " ARM, ""),
	    CFG(PY13, X86, ", \"build_requires\": [\"setuptools==80.0.0\"]"),
	    CFG(PY13, X86, ", \"optional\": [\"cp313-*\"]"),
	    CFG(PY13, X86, ", \"test\": {\"requires\": [\"bar==1.0\"], \"skip\": [\"x.*\"]}"),
	};
	struct pw_config c[PW_ARRAY_SIZE(texts)];
	size_t i;

	(void)state;
	for (i = 0; i < PW_ARRAY_SIZE(texts); i++)
		assert_string_equal(load(texts[i], &c[i]), "");
	/* env, limits, test.command: the lock stays fresh, the target's
	 * actions do not */
	assert_string_equal(c[0].lock_digest, c[1].lock_digest);
	assert_string_equal(c[0].lock_digest, c[2].lock_digest);
	assert_string_not_equal(c[0].digest, c[1].digest);
	assert_string_not_equal(c[0].targets[0].digest, c[1].targets[0].digest);
	assert_string_not_equal(c[0].targets[0].digest, c[2].targets[0].digest);
	/* another Python and another platform: cp313-manylinux_x86_64 keeps
	 * its digest; the lock does not */
	assert_int_equal(c[3].ntargets, 4);
	for (i = 0; i < c[3].ntargets; i++)
		if (!strcmp(c[3].targets[i].id, "cp313-manylinux_x86_64"))
			break;
	assert_true(i < c[3].ntargets);
	assert_string_equal(c[0].targets[0].digest, c[3].targets[i].digest);
	assert_string_not_equal(c[0].lock_digest, c[3].lock_digest);
	for (size_t j = 0; j < c[3].ntargets; j++)
		if (j != i)
			assert_string_not_equal(c[3].targets[i].digest, c[3].targets[j].digest);
	/* what the lock resolves changes both */
	assert_string_not_equal(c[0].lock_digest, c[4].lock_digest);
	assert_string_not_equal(c[0].targets[0].digest, c[4].targets[0].digest);
	/* a selection glob: the lock (what is locked), not the target */
	assert_string_not_equal(c[0].lock_digest, c[5].lock_digest);
	assert_string_equal(c[0].targets[0].digest, c[5].targets[0].digest);
	/* the test table: the smoke test's action, not the build's (the
	 * sdist's and the wheel's keys use build_digest); env and limits
	 * reach both */
	assert_string_equal(c[0].targets[0].build_digest, c[2].targets[0].build_digest);
	assert_string_equal(c[0].targets[0].build_digest, c[6].targets[0].build_digest);
	assert_string_not_equal(c[0].targets[0].digest, c[6].targets[0].digest);
	assert_string_not_equal(c[0].lock_digest, c[6].lock_digest);
	assert_string_not_equal(c[0].targets[0].build_digest, c[1].targets[0].build_digest);
	assert_string_not_equal(c[0].targets[0].build_digest, c[4].targets[0].build_digest);
	assert_string_equal(c[0].targets[0].build_digest, c[5].targets[0].build_digest);
	assert_string_equal(c[0].targets[0].build_digest, c[3].targets[i].build_digest);
	for (i = 0; i < PW_ARRAY_SIZE(texts); i++)
		pw_config_release(&c[i]);
}

/* "test" without "command": the smoke test's imports only (zero config
 * gives test.requires alone, the project's runtime dependencies). */
static void test_test_requires_only(void **state)
{
	struct pw_config c;

	(void)state;
	assert_string_equal(load("{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}},"
				 " \"platforms\": [\"manylinux_x86_64\"], \"test\": {\"requires\": "
				 "[\"rapidfuzz>=3.9.0,<4.0.0\"]}}", &c), "");
	assert_null(c.test_command);
	pw_config_release(&c);
}

/* "test.extras": the project's dependencies and the named optional ones
 * join test.requires (not the project itself); an unknown extra is one
 * positioned line naming the pyproject.toml. */
static void test_test_extras(void **state)
{
	char dir[] = "/tmp/pw-test-extras.XXXXXX";
	_cleanup_free_ char *pj = NULL, *pp = NULL, *want = NULL;
	struct pw_err e = PW_ERR_INIT;
	struct pw_config c;
	const struct pw_pypi_spec *spec = NULL;
	struct pw_buf got = PW_BUF_INIT(4096);
	static const char proj[] =
	    "[project]\nname = \"My_Pkg\"\ndependencies = [\"numpy>=2\"]\n"
	    "[project.optional-dependencies]\ntest = [\"pytest>=8\", \"numpy>=2\", "
	    "\"my-pkg[extra]\"]\nextra = [\"attrs\"]\n";

	(void)state;
	assert_non_null(mkdtemp(dir));
	pj = pw_path_join(dir, "pinwheel.json");
	pp = pw_path_join(dir, "pyproject.toml");
	assert_int_equal(pw_write_file_atomic(pp, proj, strlen(proj), 0644), 0);
#define EXTRAS_CFG(x)                                                                         \
	"{\"version\": 1, \"python\": {\"3.13\": {\"base\": " BASE_DEB "}}, "            \
	"\"platforms\": [\"manylinux_x86_64\"], \"test\": {\"extras\": [" x "]}}"
	assert_int_equal(pw_write_file_atomic(pj, EXTRAS_CFG("\"test\""),
					      strlen(EXTRAS_CFG("\"test\"")), 0644), 0);
	assert_int_equal(pw_config_load(dir, &c, &e), 0);
	for (size_t i = 0; i < c.nblocks; i++)
		if (c.blocks[i].key->place == PW_PLACE_TEST)
			spec = c.blocks[i].spec;
	assert_non_null(spec);
	for (size_t i = 0; i < spec->n; i++)
		pw_buf_addf(&got, "%s;", spec->pins[i].req);
	assert_string_equal(got.buf, "numpy>=2;pytest>=8;");
	pw_buf_release(&got);
	pw_config_release(&c);
	assert_int_equal(pw_write_file_atomic(pj, EXTRAS_CFG("\"tests\""),
					      strlen(EXTRAS_CFG("\"tests\"")), 0644), 0);
	assert_int_equal(pw_config_load(dir, &c, &e), -EINVAL);
	want = pw_xasprintf("%s:1:163: test.extras[0]: 'tests' is not in "
			    "[project.optional-dependencies] of '%s'", pj, pp);
	assert_string_equal(e.msg, want);
	pw_rm_rf(dir);
}

static void test_helpers(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_pin p;
	char tag[PW_PYTAG_MAX];
	unsigned minor;
	bool ft;
	const char *cands[] = { "debian", "archive", "archives", "oci" };

	(void)state;
	assert_int_equal(pw_python_tag("3.13", tag, &minor, &ft), 0);
	assert_string_equal(tag, "cp313");
	assert_int_equal(minor, 13);
	assert_int_equal(pw_python_tag("3.14t", tag, &minor, &ft), 0);
	assert_string_equal(tag, "cp314t");
	assert_true(ft);
	assert_int_equal(pw_python_tag("3.9", tag, &minor, &ft), 0);
	assert_string_equal(tag, "cp39");
	assert_int_equal(pw_python_tag("pypy3.11", tag, &minor, &ft), 0);
	assert_string_equal(tag, "pp311");
	assert_false(ft);
	assert_int_equal(pw_python_tag("pypy3.11t", tag, &minor, &ft), -EINVAL);
	assert_int_equal(pw_python_tag("2.7", tag, &minor, &ft), -EINVAL);
	assert_int_equal(pw_python_tag("3", tag, &minor, &ft), -EINVAL);
	assert_int_equal(pw_python_tag("3.", tag, &minor, &ft), -EINVAL);
	assert_int_equal(pw_python_tag("3.13.1", tag, &minor, &ft), -EINVAL);
	assert_int_equal(pw_python_tag("3.1000", tag, &minor, &ft), -EINVAL);
	assert_int_equal(pw_python_tag("3.5", tag, &minor, &ft), -EINVAL);
	assert_int_equal(pw_pin_parse("setuptools_scm==10.3.4", &p, &e), 0);
	assert_string_equal(p.name, "setuptools_scm");
	assert_string_equal(p.version, "10.3.4");
	free(p.name);
	free(p.version);
	assert_int_equal(pw_pin_parse("a==1!2.0.post1+local", &p, &e), 0);
	free(p.name);
	free(p.version);
	assert_int_equal(pw_pin_parse("numpy", &p, &e), -EINVAL);
	assert_int_equal(pw_pin_parse("==1", &p, &e), -EINVAL);
	assert_int_equal(pw_pin_parse("x==", &p, &e), -EINVAL);
	assert_int_equal(pw_pin_parse("x ==1", &p, &e), -EINVAL);
	assert_int_equal(pw_pin_parse("x==1; python_version>'3'", &p, &e), -EINVAL);
	assert_int_equal(pw_levenshtein("kitten", "sitting"), 3);
	assert_int_equal(pw_levenshtein("", "abc"), 3);
	assert_int_equal(pw_levenshtein("same", "same"), 0);
	assert_string_equal(pw_did_you_mean("debain", cands, 4), "debian");
	assert_string_equal(pw_did_you_mean("archiv", cands, 4), "archive");
	assert_null(pw_did_you_mean("zzzzzz", cands, 4));
}

static void test_jpos(void **state)
{
	const char *t = "{\"a\": [1, {\"b\": 2}],\n \"c\": \"\\\"}\"}";
	struct pw_jpos *p = pw_jpos_scan(t, strlen(t));

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->n, 2);
	assert_int_equal(p->kids[0].kline, 1);
	assert_int_equal(p->kids[0].kcol, 2);
	assert_int_equal(p->kids[0].col, 7);
	assert_int_equal(p->kids[0].n, 2);
	assert_int_equal(p->kids[0].kids[1].kids[0].kcol, 12);
	assert_int_equal(p->kids[1].kline, 2);
	assert_int_equal(p->kids[1].kcol, 2);
	pw_jpos_free(p);
	assert_null(pw_jpos_scan("{\"a\" 1}", 7));
	assert_null(pw_jpos_scan("[1,", 3));
	assert_null(pw_jpos_scan("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal), cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_types),   cmocka_unit_test(test_values),
		cmocka_unit_test(test_matrix),  cmocka_unit_test(test_digest),
		cmocka_unit_test(test_part_digests),
		cmocka_unit_test(test_test_requires_only),
		cmocka_unit_test(test_test_extras),
		cmocka_unit_test(test_helpers), cmocka_unit_test(test_jpos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
