/* test_oci_ref.c - unit tests of toolchains/oci/oci_ref.c: image references,
 * blob urls, platforms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/oci.h"
#include "../../toolchains/oci/oci_priv.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_registry_refs(void **state)
{
	struct pw_oci_ref r;
	struct pw_err e = PW_ERR_INIT;
	char *s;

	(void)state;
	assert_int_equal(pw_oci_ref_parse("registry.example/pypa/manylinux_2_28_x86_64:2025.01", &r,
					  &e),
			 0);
	assert_int_equal(r.source, PW_OCI_REGISTRY);
	assert_string_equal(r.registry, "registry.example");
	assert_string_equal(r.repo, "pypa/manylinux_2_28_x86_64");
	assert_string_equal(r.tag, "2025.01");
	assert_null(r.digest);
	s = pw_oci_blob_url(&r, "sha256:" D64);
	assert_string_equal(s, "https://registry.example/v2/pypa/manylinux_2_28_x86_64/blobs/"
			       "sha256:" D64);
	free(s);
	pw_oci_ref_release(&r);

	assert_int_equal(pw_oci_ref_parse("127.0.0.1:5000/a/b-c.d_e:v1@sha256:" D64, &r, &e), 0);
	assert_string_equal(r.registry, "127.0.0.1:5000");
	assert_string_equal(r.repo, "a/b-c.d_e");
	assert_string_equal(r.tag, "v1");
	assert_string_equal(r.digest, "sha256:" D64);
	s = pw_oci_blob_url(&r, "sha256:" D64);
	assert_string_equal(s, "http://127.0.0.1:5000/v2/a/b-c.d_e/blobs/sha256:" D64);
	free(s);
	s = pw_oci_ref_format(&r);
	assert_string_equal(s, "127.0.0.1:5000/a/b-c.d_e:v1@sha256:" D64);
	free(s);
	pw_oci_ref_release(&r);

	assert_int_equal(pw_oci_ref_parse("localhost/x@sha256:" D64, &r, &e), 0);
	assert_string_equal(r.registry, "localhost");
	assert_null(r.tag);
	pw_oci_ref_release(&r);
}

static void test_bad_refs(void **state)
{
	static const char *const bad[] = {
	    "python:3.12",
	    "library/python:3.12",
	    "https://registry.example/a:b",
	    "registry.example/a",
	    "registry.example/A:b",
	    "registry.example/a:b@sha256:123",
	    "registry.example/a//b:c",
	    "registry.example/a:-x",
	    "registry.example:99999/a:b",
	    "registry.example/a/:b",
	    "",
	    "docker-archive:",
	    "docker-archive:f.tar:onlyname",
	    "oci-layout:",
	};
	struct pw_oci_ref r;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pw_oci_ref_parse(bad[i], &r, &e) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_null(r.registry);
	}
	pw_oci_ref_parse("python:3.12", &r, &e);
	assert_non_null(strstr(e.msg, "must name its registry"));
}

static void test_local_refs(void **state)
{
	struct pw_oci_ref r;
	struct pw_err e = PW_ERR_INIT;
	char *s;

	(void)state;
	assert_int_equal(pw_oci_ref_parse("oci-layout:/srv/img:v2", &r, &e), 0);
	assert_int_equal(r.source, PW_OCI_LAYOUT);
	assert_string_equal(r.path, "/srv/img");
	assert_string_equal(r.tag, "v2");
	s = pw_oci_blob_url(&r, "sha256:" D64);
	assert_string_equal(s, "file:///srv/img/blobs/sha256/" D64);
	free(s);
	pw_oci_ref_release(&r);

	assert_int_equal(pw_oci_ref_parse("oci-layout:img@sha256:" D64, &r, &e), 0);
	assert_string_equal(r.path, "img");
	assert_string_equal(r.digest, "sha256:" D64);
	pw_oci_ref_release(&r);

	assert_int_equal(pw_oci_ref_parse("oci-layout:/a:b/c", &r, &e), 0);
	assert_string_equal(r.path, "/a:b/c");
	assert_null(r.tag);
	pw_oci_ref_release(&r);

	assert_int_equal(pw_oci_ref_parse("docker-archive:/t/img.tar:reg.example/x:1", &r, &e), 0);
	assert_int_equal(r.source, PW_OCI_ARCHIVE);
	assert_string_equal(r.path, "/t/img.tar");
	assert_string_equal(r.repo, "reg.example/x");
	assert_string_equal(r.tag, "1");
	pw_oci_ref_release(&r);
}

static void test_blob_url_parse(void **state)
{
	char *o = NULL, *rp = NULL;

	(void)state;
	assert_true(pw_oci_blob_url_parse("http://127.0.0.1:5000/v2/a/b/blobs/sha256:" D64, &o,
					  &rp));
	assert_string_equal(o, "http://127.0.0.1:5000");
	assert_string_equal(rp, "a/b");
	free(o);
	free(rp);
	assert_false(pw_oci_blob_url_parse("file:///x/blobs/sha256/" D64, &o, &rp));
	assert_false(pw_oci_blob_url_parse("https://h/v2/a/blobs/sha256:12", &o, &rp));
	assert_false(pw_oci_blob_url_parse("https://h/x/v2/a/blobs/sha256:" D64, &o, &rp));
	assert_string_equal(pw_oci_platform("aarch64"), "linux/arm64/v8");
	assert_string_equal(pw_oci_platform("x86_64"), "linux/amd64");
	assert_null(pw_oci_platform("mips"));
}

static void test_challenge(void **state)
{
	const char *c = "realm=\"https://auth.example/token\",service=\"registry.example\","
			"scope=\"repository:a/b:pull,push\", error=insufficient_scope";
	char *v;

	(void)state;
	v = oci_challenge_param(c, "realm");
	assert_string_equal(v, "https://auth.example/token");
	free(v);
	v = oci_challenge_param(c, "SCOPE");
	assert_string_equal(v, "repository:a/b:pull,push");
	free(v);
	v = oci_challenge_param(c, "error");
	assert_string_equal(v, "insufficient_scope");
	free(v);
	assert_null(oci_challenge_param(c, "service2"));
	assert_null(oci_challenge_param("realm", "realm"));
	v = oci_challenge_param("a=\"x\\\"y\"", "a");
	assert_string_equal(v, "x\"y");
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry_refs),
	    cmocka_unit_test(test_bad_refs),
	    cmocka_unit_test(test_local_refs),
	    cmocka_unit_test(test_blob_url_parse),
	    cmocka_unit_test(test_challenge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
