/* test_lockfile.c - the pinwheel.lock writer (stable bytes, order
 * independence, merging) and the reader of the full format (round trip,
 * errors with positions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/lock.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define DIGEST "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

struct spec {
	const char *kind, *name, *sha, *url, *target;
	int strip; /* -1: no unpack */
};

static const struct spec specs[] = {
	{ "deb", "libc6", SHA_B, "https://mirror.example/libc6.deb", "cp313-manylinux_x86_64", -1 },
	{ "archive", "cpython", SHA_A, "https://mirror.example/py.tgz", "cp313-manylinux_x86_64", 1 },
	{ "archive", "cpython", SHA_A, "https://mirror.example/py.tgz", "cp311-manylinux_x86_64", 1 },
	{ "archive", "cpython", SHA_A, "https://mirror.example/py.tgz", "cp311-manylinux_x86_64", 2 },
	{ "archive", "cpython", SHA_C, "https://mirror.example/py2.tgz", "cp311-manylinux_x86_64", -1 },
	{ "archive", "aaa", SHA_C, "https://mirror.example/aaa.tgz", "cp311-manylinux_x86_64", -1 },
};

static void add(struct pw_lockset *ls, const struct spec *s)
{
	struct pw_artifact a;
	char *urls[1] = { (char *)s->url };
	const char *sha = s->sha;

	memset(&a, 0, sizeof(a));
	a.kind = (char *)s->kind;
	a.name = (char *)s->name;
	a.urls = urls;
	a.nurls = 1;
	memcpy(a.sha256, s->sha, PW_SHA256_HEX);
	a.size = 42;
	if (!strcmp(s->kind, "deb")) {
		a.version = (char *)"2.36-9";
		a.package = (char *)"libc6";
	}
	if (s->strip >= 0) {
		a.has_unpack = true;
		a.unpack.strip = (unsigned)s->strip;
		a.unpack.subdir = "python";
	}
	pw_lockset_add(ls, &a, s->target);
	pw_lockset_add_layer(ls, s->target, s->name, "unpack", "/", &sha, 1, a.has_unpack ? &a.unpack : NULL);
}

/* Build a lockset with the specs in the order given by @perm.  Roots are
 * created in a fixed order first, as `pinwheel lock` does (matrix order). */
static char *render(const size_t *perm, size_t *len)
{
	struct pw_lockset ls = PW_LOCKSET_INIT;
	char *s;

	pw_lockset_root(&ls, "cp311-manylinux_x86_64");
	pw_lockset_root(&ls, "cp313-manylinux_x86_64");
	for (size_t i = 0; i < PW_ARRAY_SIZE(specs); i++)
		add(&ls, &specs[perm[i]]);
	s = pw_lock_render(&ls, DIGEST, len);
	pw_lockset_release(&ls);
	return s;
}

static void test_stable(void **state)
{
	static const size_t p1[] = { 0, 1, 2, 3, 4, 5 }, p2[] = { 5, 4, 3, 2, 1, 0 },
			    p3[] = { 2, 0, 5, 1, 4, 3 };
	size_t l1, l2, l3, l4;
	char *a = render(p1, &l1), *b = render(p1, &l2), *c = render(p2, &l3), *d = render(p3, &l4);

	(void)state;
	assert_int_equal(l1, l2);
	assert_memory_equal(a, b, l1);
	/* artifacts and needed_by do not depend on the order of resolution;
	 * layers keep their own order per root, so compare the artifact part */
	assert_non_null(strstr(a, "\"roots\""));
	assert_int_equal(strstr(a, "\"roots\"") - a, strstr(c, "\"roots\"") - c);
	assert_memory_equal(a, c, (size_t)(strstr(a, "\"roots\"") - a));
	assert_memory_equal(a, d, (size_t)(strstr(a, "\"roots\"") - a));
	/* sorted by kind, then name, then sha256, then unpack */
	assert_true(strstr(a, "\"aaa\"") < strstr(a, "\"cpython\""));
	assert_true(strstr(a, "\"cpython\"") < strstr(a, "\"libc6\""));
	assert_true(strstr(a, "\"strip\": 1") < strstr(a, "\"strip\": 2"));
	assert_int_equal(a[l1 - 1], '\n');
	assert_non_null(strstr(a, "{\n  \"version\": 1,\n  \"pinwheel\": \"" PW_VERSION "\",\n  \"config_digest\": \"" DIGEST "\",\n  \"artifacts\": ["));
	free(a);
	free(b);
	free(c);
	free(d);
}

static void test_merge(void **state)
{
	static const size_t p1[] = { 0, 1, 2, 3, 4, 5 };
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	size_t len;
	char *s = render(p1, &len);

	(void)state;
	assert_int_equal(pw_lock_parse("x.lock", s, len, &lf, &e), 0);
	/* specs 1 and 2 merge (same kind, name, sha256, unpack); 3 differs by strip */
	assert_int_equal(lf.n, 5);
	assert_string_equal(lf.artifacts[1].name, "cpython");
	assert_int_equal(lf.artifacts[1].nneeded, 2);
	assert_string_equal(lf.artifacts[1].needed_by[0], "cp311-manylinux_x86_64");
	assert_string_equal(lf.artifacts[1].needed_by[1], "cp313-manylinux_x86_64");
	assert_int_equal(lf.artifacts[1].unpack.strip, 1);
	assert_int_equal(lf.artifacts[2].unpack.strip, 2);
	assert_string_equal(lf.artifacts[3].sha256, SHA_C);
	assert_false(lf.artifacts[3].has_unpack);
	assert_string_equal(lf.artifacts[4].kind, "deb");
	assert_string_equal(lf.artifacts[4].version, "2.36-9");
	assert_string_equal(lf.artifacts[4].package, "libc6");
	assert_string_equal(lf.config_digest, DIGEST);
	assert_string_equal(lf.pinwheel, PW_VERSION);
	assert_int_equal(lf.nroots, 2);
	assert_string_equal(lf.roots[0].target, "cp311-manylinux_x86_64");
	assert_int_equal(lf.roots[0].n, 4);
	assert_true(lf.roots[0].layers[0].has_unpack);
	assert_string_equal(lf.roots[0].layers[0].unpack.subdir, "python");
	assert_false(lf.roots[0].layers[2].has_unpack);
	pw_lockset_release(&lf);
	free(s);
}

static void test_roundtrip(void **state)
{
	static const size_t p1[] = { 0, 1, 2, 3, 4, 5 };
	struct pw_lockset ls = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	size_t len, len2;
	char *s = render(p1, &len), *t;

	(void)state;
	assert_int_equal(pw_lock_parse("x.lock", s, len, &ls, &e), 0);
	t = pw_lock_render(&ls, ls.config_digest, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(s, t, len);
	pw_lockset_release(&ls);
	free(s);
	free(t);
}

static void test_reuse_layer(void **state)
{
	static const size_t p1[] = { 0, 1, 2, 3, 4, 5 };
	struct pw_lockset prior = PW_LOCKSET_INIT, out = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	size_t len;
	char *s = render(p1, &len);

	(void)state;
	assert_int_equal(pw_lock_parse("x.lock", s, len, &prior, &e), 0);
	assert_int_equal(pw_lockset_reuse_layer(&prior, "cp313-manylinux_x86_64", "libc6", "f", &out, &e), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.artifacts[0].package, "libc6");
	assert_int_equal(out.artifacts[0].nneeded, 1);
	assert_int_equal(out.nroots, 1);
	assert_string_equal(out.roots[0].layers[0].name, "libc6");
	assert_int_equal(pw_lockset_reuse_layer(&prior, "cp313-manylinux_x86_64", "nope", "python.3.13.base.debian",
						&out, &e),
			 -ENOENT);
	assert_string_equal(e.msg, "python.3.13.base.debian: pinwheel.lock has no layer 'nope' for cp313-manylinux_x86_64");
	pw_lockset_release(&prior);
	pw_lockset_release(&out);
	free(s);
}

static const char *parse_err(const char *text)
{
	static struct pw_err e;
	struct pw_lockset lf = PW_LOCKSET_INIT;

	pw_err_clear(&e);
	if (pw_lock_parse("x.lock", text, strlen(text), &lf, &e) == 0) {
		pw_lockset_release(&lf);
		return "";
	}
	assert_null(lf.artifacts);
	assert_null(lf.roots);
	return e.msg;
}

#define ART "{\"name\": \"a\", \"urls\": [\"https://mirror.example/a\"], \"sha256\": \"" SHA_A "\", \"size\": 1"

static int mismatches;

static void expect(const char *got, const char *want)
{
	if (strcmp(got, want)) {
		print_error("got:  %s\nwant: %s\n", got, want);
		mismatches++;
	}
}

static void test_reader_errors(void **state)
{
	(void)state;
	/* the minimal shape stays valid */
	expect(parse_err("{\"version\": 1, \"artifacts\": [" ART "}]}"), "");
	expect(parse_err("{\"version\": 1, \"artifacts\": [], \"vresion\": 1}"),
			    "x.lock:1:33: unknown key 'vresion' (did you mean 'version'?)");
	expect(parse_err("{\"version\": 1,\n \"artifacts\": [" ART ", \"neded_by\": []}]}"),
			    "x.lock:2:157: artifacts[0]: unknown key 'neded_by' (did you mean 'needed_by'?)");
	expect(parse_err("{\"version\": 1, \"artifacts\": [" ART ", \"needed_by\": [\"Bad Id\"]}]}"),
			    "x.lock:1:171: artifacts[0]: 'needed_by[0]' must be a target id like cp313-manylinux_x86_64");
	expect(parse_err("{\"version\": 1, \"artifacts\": [" ART "}], \"config_digest\": \"x\"}"),
			    "x.lock:1:173: 'config_digest' must be 64 lowercase hex digits");
	expect(
		parse_err("{\"version\": 1, \"artifacts\": [" ART "}],\n \"roots\": {\"cp313-manylinux_x86_64\": {\"layers\": "
			  "[{\"name\": \"a\", \"how\": \"unpack\", \"dest\": \"/\", \"artifacts\": [\"" SHA_B "\"]}]}}}"),
		"x.lock:2:94: roots.cp313-manylinux_x86_64.layers[0]: artifact " SHA_B " is not in 'artifacts'");
	expect(
		parse_err("{\"version\": 1, \"artifacts\": [" ART "}],\n \"roots\": {\"cp313-manylinux_x86_64\": {\"layers\": "
			  "[{\"name\": \"a\", \"how\": \"unpack\", \"dest\": \"rel\", \"artifacts\": [\"" SHA_A "\"]}]}}}"),
		"x.lock:2:81: roots.cp313-manylinux_x86_64.layers[0]: 'dest' must be an absolute path without '.' or '..'");
	expect(
		parse_err("{\"version\": 1, \"artifacts\": [" ART "}],\n \"roots\": {\"cp313-manylinux_x86_64\": {\"layers\": "
			  "[{\"name\": \"a\", \"how\": \"unpack\", \"dest\": \"/\"}]}}}"),
		"x.lock:2:50: roots.cp313-manylinux_x86_64.layers[0]: a layer needs name, how, dest and artifacts");
	expect(parse_err("{\"version\": 1, \"artifacts\": [], \"roots\": {\"x\": {}}}"),
			    "x.lock:1:43: roots.x: expected an object with only 'layers' (an array)");
	expect(parse_err("{\"version\": 1, \"artifacts\": [{\"name\": \"a\"}]}"),
			    "x.lock:1:30: artifacts[0]: missing 'urls'");
	assert_int_equal(mismatches, 0);
}

/* A layer's input digest survives render and parse, is copied by
 * reuse_layer, and decides pw_lockset_layer_unchanged(). */
static void test_layer_input(void **state)
{
	static const size_t p1[] = { 0, 1, 2, 3, 4, 5 };
	struct pw_lockset ls = PW_LOCKSET_INIT, prior = PW_LOCKSET_INIT, out = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	char d1[PW_SHA256_HEX], d2[PW_SHA256_HEX];
	size_t len, len2;
	char *s, *t;

	(void)state;
	pw_lockset_root(&ls, "cp311-manylinux_x86_64");
	pw_lockset_root(&ls, "cp313-manylinux_x86_64");
	for (size_t i = 0; i < PW_ARRAY_SIZE(specs); i++)
		add(&ls, &specs[p1[i]]);
	pw_lockset_layers_digest(&ls, "cp313-manylinux_x86_64", d1);
	pw_lockset_set_layer_input(&ls, "cp313-manylinux_x86_64", SHA_C);
	s = pw_lock_render(&ls, DIGEST, &len);
	assert_non_null(strstr(s, "\"input\": \"" SHA_C "\""));
	assert_int_equal(pw_lock_parse("x.lock", s, len, &prior, &e), 0);
	t = pw_lock_render(&prior, prior.config_digest, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(s, t, len);
	assert_true(pw_lockset_layer_unchanged(&prior, "cp313-manylinux_x86_64", "cpython", SHA_C));
	assert_false(pw_lockset_layer_unchanged(&prior, "cp313-manylinux_x86_64", "cpython", SHA_B));
	assert_false(pw_lockset_layer_unchanged(&prior, "cp313-manylinux_x86_64", "libc6", SHA_C));
	assert_false(pw_lockset_layer_unchanged(NULL, "cp313-manylinux_x86_64", "cpython", SHA_C));
	assert_int_equal(pw_lockset_reuse_layer(&prior, "cp313-manylinux_x86_64", "cpython", "f", &out, &e), 0);
	assert_string_equal(out.roots[0].layers[0].input, SHA_C);
	/* the digest of the layers covers their artifacts */
	pw_lockset_layers_digest(&prior, "cp313-manylinux_x86_64", d2);
	assert_string_equal(d1, d2);
	pw_lockset_layers_digest(&prior, "cp311-manylinux_x86_64", d2);
	assert_string_not_equal(d1, d2);
	expect(parse_err("{\"version\": 1, \"artifacts\": [" ART "}],\n \"roots\": {\"cp313-manylinux_x86_64\": {\"layers\": "
			 "[{\"name\": \"a\", \"how\": \"unpack\", \"dest\": \"/\", \"artifacts\": [\"" SHA_A
			 "\"], \"input\": \"x\"}]}}}"),
	       "x.lock:2:177: roots.cp313-manylinux_x86_64.layers[0]: 'input' must be 64 lowercase hex digits");
	assert_int_equal(mismatches, 0);
	pw_lockset_release(&ls);
	pw_lockset_release(&prior);
	pw_lockset_release(&out);
	free(s);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_reuse_layer),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_layer_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
