/* test_lock.c - unit tests of the minimal pinwheel.lock reader: the shape,
 * every kind of error with its file:line:col, and ownership on failure.
 * The reader fills a lockset (artifact.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/lock.h"

#define H "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static int parse(const char *text, struct pw_lockset *lf, struct pw_err *e)
{
	return pw_lock_parse("x.lock", text, strlen(text), lf, e);
}

static void test_valid(void **state)
{
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	const char *text =
		"{\"artifacts\": [\n"
		" {\"name\": \"a\", \"kind\": \"deb\", \"urls\": [\"https://mirror.example/a.deb\",\n"
		"   \"http://mirror.example/a.deb\", \"file:///srv/a.deb\"], \"sha256\": \"" H "\",\n"
		"  \"size\": 1234, \"unpack\": {\"strip\": 2, \"subdir\": \"usr/lib\"}},\n"
		" {\"size\": 0, \"sha256\": \"" H2 "\", \"urls\": [\"https://mirror.example/b\"], \"name\": \"b\"}\n"
		"], \"version\": 1}\n";

	(void)state;
	assert_int_equal(parse(text, &lf, &e), 0);
	assert_int_equal(lf.n, 2);
	assert_string_equal(lf.artifacts[0].name, "a");
	assert_string_equal(lf.artifacts[0].kind, "deb");
	assert_int_equal(lf.artifacts[0].nurls, 3);
	assert_string_equal(lf.artifacts[0].urls[2], "file:///srv/a.deb");
	assert_string_equal(lf.artifacts[0].sha256, H);
	assert_int_equal(lf.artifacts[0].size, 1234);
	assert_true(lf.artifacts[0].has_unpack);
	assert_int_equal(lf.artifacts[0].unpack.strip, 2);
	assert_string_equal(lf.artifacts[0].unpack.subdir, "usr/lib");
	assert_string_equal(lf.artifacts[1].kind, "");
	assert_false(lf.artifacts[1].has_unpack);
	assert_null(lf.artifacts[1].unpack.subdir);
	assert_int_equal(lf.artifacts[1].size, 0);
	/* where each object starts, for the messages of later checks */
	assert_int_equal(lf.artifacts[0].line, 2);
	assert_int_equal(lf.artifacts[0].col, 2);
	assert_int_equal(lf.artifacts[1].line, 5);
	assert_int_equal(lf.artifacts[1].col, 2);
	assert_null(lf.pinwheel);
	assert_string_equal(lf.config_digest, "");
	pw_lockset_release(&lf);
	assert_null(lf.artifacts);
	assert_int_equal(lf.n, 0);
}

/* The lockset keeps urls and needed_by as pw_lockset_add() does: urls
 * unique (first seen first), needed_by sorted and unique. */
static void test_lists(void **state)
{
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	const char *text =
		"{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"urls\": [\"https://m.example/2\",\n"
		" \"https://m.example/1\", \"https://m.example/2\"], \"sha256\": \"" H "\", \"size\": 1,\n"
		" \"needed_by\": [\"t2\", \"t1\", \"t2\"]}]}";

	(void)state;
	assert_int_equal(parse(text, &lf, &e), 0);
	assert_int_equal(lf.artifacts[0].nurls, 2);
	assert_string_equal(lf.artifacts[0].urls[0], "https://m.example/2");
	assert_string_equal(lf.artifacts[0].urls[1], "https://m.example/1");
	assert_int_equal(lf.artifacts[0].nneeded, 2);
	assert_string_equal(lf.artifacts[0].needed_by[0], "t1");
	assert_string_equal(lf.artifacts[0].needed_by[1], "t2");
	/* the index finds what the reader appended */
	assert_non_null(pw_lockset_find_url(&lf, "", "a", "https://m.example/1"));
	assert_ptr_equal(pw_lockset_find_sha(&lf, H), &lf.artifacts[0]);
	pw_lockset_release(&lf);
}

struct bad {
	const char *text;
	const char *msg;
};

static void test_errors(void **state)
{
	static const struct bad cases[] = {
		{ "[]", "x.lock:1:1: expected an object with 'version' and 'artifacts'" },
		{ "{\"artifacts\": []}", "x.lock:1:1: missing 'version'" },
		{ "{\"version\": 1}", "x.lock:1:1: missing 'artifacts'" },
		{ "{\"version\": \"1\", \"artifacts\": []}", "x.lock:1:2: 'version' must be 1" },
		{ "{\"version\": 1,\n  \"artifacts\": {}}", "x.lock:2:3: 'artifacts' must be an array" },
		{ "{\"version\": 1, \"artifacts\": [], \"x\": 1}",
		  "x.lock:1:33: unknown key 'x' (expected version, pinwheel, config_digest, artifacts, roots or no_old_root)" },
		{ "{\"version\": 1, \"artifacts\": [1]}", "x.lock:1:16: artifacts[0]: expected an object" },
		{ "{\"version\": 1, \"artifacts\": [\n{\"name\": \"a\",\n \"urls\": [\"https://m.example/a\"],\n"
		  " \"sha256\": \"" H "\",\n \"size\": 1, \"bogus\": true}]}",
		  "x.lock:5:13: artifacts[0]: unknown key 'bogus' (expected name, kind, version, package, urls, sha256, size, unpack, needed_by or snapshot)" },
		{ "{\"version\": 1, \"artifacts\": [\n{\"name\": \"a\", \"kind\": \"file\",\n \"urls\": [\"https://m.example/a\"],\n"
		  " \"sha256\": \"" H "\", \"size\": 1,\n \"snapshot\": {\"archive\": \"debian\", \"date\": \"20231114T221320Z\", \"path\": \"pool/a\"}}]}",
		  "x.lock:5:2: artifacts[0]: 'snapshot' is for artifacts of kind \"deb\" or \"archive\" only" },
		{ "{\"version\": 1, \"artifacts\": [\n{\"name\": \"a\", \"kind\": \"deb\",\n \"urls\": [\"https://m.example/a\"],\n"
		  " \"sha256\": \"" H "\", \"size\": 1,\n \"snapshot\": {\"archive\": \"debian\", \"path\": \"pool/a\"}}]}",
		  "x.lock:5:2: artifacts[0]: 'snapshot' needs archive, date and path" },
		{ "{\"version\": 1, \"artifacts\": [\n{\"name\": \"a\", \"kind\": \"deb\",\n \"urls\": [\"https://m.example/a\"],\n"
		  " \"sha256\": \"" H "\", \"size\": 1,\n \"snapshot\": {\"archive\": \"debian\", \"date\": \"20231114T221320Z\", \"path\": \"../a\"}}]}",
		  "x.lock:5:64: artifacts[0]: 'snapshot.path' must be a relative path without '.' or '..' components" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"\"}]}",
		  "x.lock:1:31: artifacts[0]: 'name' must be a non-empty string" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\"}]}", "x.lock:1:30: artifacts[0]: missing 'urls'" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"urls\": []}]}",
		  "x.lock:1:44: artifacts[0]: 'urls' must be a non-empty array of urls" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"urls\": [\"https://\"]}]}",
		  "x.lock:1:44: artifacts[0]: 'urls[0]' must be an http://, https:// or file:// url" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"urls\": [\"file:///a\"], \"sha256\": \"AB\"}]}",
		  "x.lock:1:67: artifacts[0]: 'sha256' must be 64 lowercase hex digits" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"urls\": [\"file:///a\"], \"sha256\": \"" H "\"}]}",
		  "x.lock:1:30: artifacts[0]: missing 'size'" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"size\": -1}]}",
		  "x.lock:1:44: artifacts[0]: 'size' must be a non-negative integer" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"unpack\": {\"strip\": 65}}]}",
		  "x.lock:1:55: artifacts[0]: 'unpack.strip' must be an integer from 0 to 64" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"unpack\": {\"subdir\": \"a/../b\"}}]}",
		  "x.lock:1:55: artifacts[0]: 'unpack.subdir' must be a relative path without '.' or '..' components" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"unpack\": {\"mode\": 1}}]}",
		  "x.lock:1:55: artifacts[0]: unknown key 'unpack.mode' (expected strip or subdir)" },
		{ "{\"version\": 1, \"artifacts\": [{\"name\": \"a\", \"unpack\": []}]}",
		  "x.lock:1:44: artifacts[0]: 'unpack' must be an object" },
		/* a key named like a string value elsewhere: positions count keys only */
		{ "{\"version\": 1, \"artifacts\": [{\"kind\": \"name\", \"name\": 3}]}",
		  "x.lock:1:47: artifacts[0]: 'name' must be a non-empty string" },
		/* escapes inside strings do not confuse the scanner */
		{ "{\"version\": 1, \"artifacts\": [{\"kind\": \"a\\\"b:\", \"x\\u0041\": 3}]}",
		  "x.lock:1:48: artifacts[0]: unknown key 'xA' (expected name, kind, version, package, urls, sha256, size, unpack, needed_by or snapshot)" },
	};

	(void)state;
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		struct pw_lockset lf = PW_LOCKSET_INIT;
		struct pw_err e = PW_ERR_INIT;

		if (parse(cases[i].text, &lf, &e) != -EINVAL || strcmp(e.msg, cases[i].msg) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, e.msg, cases[i].msg);
		assert_null(lf.artifacts);
		assert_int_equal(lf.n, 0);
	}
}

static void test_json_errors(void **state)
{
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(parse("{\"version\": 1,\n \"artifacts\": [}", &lf, &e), -EINVAL);
	assert_true(strncmp(e.msg, "x.lock:2:", 9) == 0);
	assert_int_equal(parse("{\"version\": 1, \"version\": 1, \"artifacts\": []}", &lf, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "duplicate object key"));
	assert_int_equal(pw_lock_load("/nonexistent/pinwheel.lock", &lf, &e), -ENOENT);
	assert_string_equal(e.msg, "could not read '/nonexistent/pinwheel.lock': No such file or directory");
}

/* One artifact object on a line of its own: "A(name, kind, sha, size)". */
#define A(n, k, sha, size)                                                                         \
	"  {\"name\": \"" n "\", \"kind\": \"" k "\", \"urls\": [\"https://mirror.example/" n   \
	"\"], \"sha256\": \"" sha "\", \"size\": " #size "}"

/* What no writer produces: refused with the position of the later entry. */
static void test_consistency(void **state)
{
	static const struct bad cases[] = {
		{ "{\"version\": 1, \"artifacts\": [\n" A("a", "archive", H, 10) ",\n"
		  A("b", "archive", H2, 5) ",\n" A("a", "archive", H, 10) "]}",
		  "x.lock:4:3: artifacts[2]: 'a' is listed again (artifacts[0] has the same kind, "
		  "sha256 and unpack options): expected each artifact once" },
		{ "{\"version\": 1, \"artifacts\": [\n" A("a", "archive", H, 10) ",\n"
		  A("b", "deb", H, 11) "]}",
		  "x.lock:3:3: artifacts[1] 'b': size 11, but artifacts[0] 'a' pins the same sha256 "
		  "with size 10: expected one size per sha256" },
		/* the earliest problem in the file wins */
		{ "{\"version\": 1, \"artifacts\": [\n" A("z", "archive", H2, 1) ",\n"
		  A("a", "archive", H, 10) ",\n" A("z", "archive", H2, 2) ",\n"
		  A("a", "archive", H, 10) "]}",
		  "x.lock:4:3: artifacts[2] 'z': size 2, but artifacts[0] 'z' pins the same sha256 "
		  "with size 1: expected one size per sha256" },
		{ "{\"version\": 1, \"artifacts\": [\n" A("a", "tarball", H, 10) "]}",
		  "x.lock:2:17: artifacts[0]: unknown kind 'tarball' (expected archive, deb, wheel, "
		  "sdist, crate, oci-config, oci-layer or file)" },
		{ "{\"version\": 1, \"artifacts\": [" A("a", "archive", H, 10) "],\n"
		  "\"roots\": {\"t\": {\"layers\": [{\"name\": \"x\", \"how\": \"nix\", \"dest\": \"/\", "
		  "\"artifacts\": [\"" H "\"]}]}}}",
		  "x.lock:2:42: roots.t.layers[0]: unknown how 'nix' (expected unpack, debian-root, "
		  "pypi-install, zig, cargo-vendor, oci-image, emulator, debian-cross or cpython)" },
	};
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		if (parse(cases[i].text, &lf, &e) != -EINVAL || strcmp(e.msg, cases[i].msg) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, e.msg, cases[i].msg);
		assert_null(lf.artifacts);
	}
	/* the same content under two names (or with other unpack options) is fine */
	assert_int_equal(parse("{\"version\": 1, \"artifacts\": [\n" A("a", "archive", H, 10)
			       ",\n" A("b", "file", H, 10) "]}",
			       &lf, &e),
			 0);
	pw_lockset_release(&lf);
}

/* A "pypi-install" layer's build_requires (the wheels its sdists are
 * built with): read, kept through the writer, copied by a relock's reuse,
 * part of the layers' digest; a digest the artifacts lack is refused. */
/* A .deb's snapshot coordinates: written, read back, and of two for one
 * pin the earliest kept whatever the order of adding. */
static void test_snapshot(void **state)
{
	char *urls[1] = {(char *)"https://m.example/debian/pool/main/h/hello.deb"};
	struct pw_artifact a = {.kind = (char *)"deb", .name = (char *)"hello", .urls = urls,
				.nurls = 1, .sha256 = H, .size = 3,
				.snap_archive = (char *)"debian",
				.snap_date = (char *)"20261206T081432Z",
				.snap_path = (char *)"pool/main/h/hello.deb"};
	struct pw_artifact b = a;
	const char *dates[2] = {"20261206T081432Z", "20261101T000000Z"};

	(void)state;
	b.snap_date = (char *)dates[1];
	for (int order = 0; order < 2; order++) {
		struct pw_lockset ls = PW_LOCKSET_INIT, back = PW_LOCKSET_INIT;
		struct pw_err e = PW_ERR_INIT;
		size_t len;
		char *text;

		pw_lockset_add(&ls, order ? &b : &a, "t1");
		pw_lockset_add(&ls, order ? &a : &b, "t2");
		assert_int_equal(ls.n, 1);
		assert_string_equal(ls.artifacts[0].snap_date, "20261101T000000Z");
		text = pw_lock_render(&ls, H2, &len);
		assert_non_null(strstr(text, "\"snapshot\": {\n        \"archive\": \"debian\",\n"
					     "        \"date\": \"20261101T000000Z\",\n"
					     "        \"path\": \"pool/main/h/hello.deb\"\n      }"));
		if (pw_lock_parse("x.lock", text, len, &back, &e) != 0)
			fail_msg("%s", e.msg);
		assert_string_equal(back.artifacts[0].snap_archive, "debian");
		assert_string_equal(back.artifacts[0].snap_date, "20261101T000000Z");
		assert_string_equal(back.artifacts[0].snap_path, "pool/main/h/hello.deb");
		free(text);
		pw_lockset_release(&back);
		pw_lockset_release(&ls);
	}
}

static void test_build_requires(void **state)
{
	static const char *const text =
	    "{\"version\": 1, \"artifacts\": [\n"
	    " {\"name\": \"sdonly\", \"kind\": \"sdist\", \"version\": \"0.1\", "
	    "\"urls\": [\"https://m.example/sdonly-0.1.tar.gz\"], \"sha256\": \"" H "\", "
	    "\"size\": 10, \"needed_by\": [\"t\"]},\n"
	    " {\"name\": \"tinyback\", \"kind\": \"wheel\", \"version\": \"1.0\", "
	    "\"urls\": [\"https://m.example/tinyback-1.0-py3-none-any.whl\"], \"sha256\": \"" H2
	    "\", "
	    "\"size\": 20, \"needed_by\": [\"t\"]}],\n"
	    "\"roots\": {\"t\": {\"layers\": [{\"name\": \"test-requires\", \"how\": "
	    "\"pypi-install\", "
	    "\"dest\": \"/\", \"artifacts\": [\"" H "\"], \"build_requires\": [\"" H2 "\"]}]}}}";
	struct pw_lockset lf = PW_LOCKSET_INIT, again = PW_LOCKSET_INIT, reused = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	char with[PW_SHA256_HEX], without[PW_SHA256_HEX];
	const struct pw_layer *l;
	char *out, *bad;
	size_t len;

	(void)state;
	assert_int_equal(parse(text, &lf, &e), 0);
	l = &lf.roots[0].layers[0];
	assert_int_equal(l->n, 1);
	assert_int_equal(l->nbuild, 1);
	assert_string_equal(l->build[0], H2);
	assert_string_equal(pw_lockset_find_sha(&lf, H)->kind, "sdist");
	out = pw_lock_render(&lf, H, &len);
	assert_non_null(strstr(out, "\"build_requires\": [\n            \"" H2 "\"\n          ]"));
	assert_int_equal(pw_lock_parse("y.lock", out, len, &again, &e), 0);
	assert_int_equal(again.roots[0].layers[0].nbuild, 1);
	assert_string_equal(again.roots[0].layers[0].build[0], H2);
	free(out);
	assert_int_equal(
	    pw_lockset_reuse_layer(&lf, "t", "test-requires", "test.requires", &reused, &e), 0);
	assert_int_equal(reused.n, 2); /* the sdist and its build requirement */
	assert_int_equal(reused.roots[0].layers[0].nbuild, 1);
	pw_lockset_layers_digest(&reused, "t", with);
	pw_lockset_set_layer_build(&reused, "t", NULL, 0);
	pw_lockset_layers_digest(&reused, "t", without);
	assert_string_not_equal(with, without);
	pw_lockset_release(&reused);
	pw_lockset_release(&again);
	pw_lockset_release(&lf);

	bad = strdup(text);
	memcpy(strstr(bad, "\"build_requires\": [\"") + 20, "1", 1); /* H2 -> a digest not pinned */
	assert_int_equal(parse(bad, &lf, &e), -EINVAL);
	assert_string_equal(e.msg,
			    "x.lock:4:173: roots.t.layers[0]: build_requires: artifact "
			    "13b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
			    "is not in 'artifacts'");
	free(bad);
	assert_null(lf.artifacts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),	cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_errors),	cmocka_unit_test(test_json_errors),
	    cmocka_unit_test(test_consistency), cmocka_unit_test(test_build_requires),
	    cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
