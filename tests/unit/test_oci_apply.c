/* test_oci_apply.c - unit tests of the apply half of oci.h: image config
 * parsing (OCI and Docker shapes, strict types, errors naming the field),
 * the tree id, the manylinux interpreter lookup inside a tree, and the
 * image Env replay of roots.h (pw_roots_to_spec()). The layers themselves
 * are tested end to end by tests/t6101-oci-apply.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/oci.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/store.h"

#define H64 "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

static int parse(const char *json, struct pw_oci_config *c, struct pw_err *e)
{
	return pw_oci_config_parse("cfg", json, strlen(json), c, e);
}

static void test_config_oci(void **state)
{
	struct pw_oci_config c;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(
	    parse("{\"architecture\": \"arm64\", \"variant\": \"v8\", \"os\": \"linux\","
		  " \"config\": {\"Env\": [\"PATH=/opt/toolset/bin:/usr/bin\","
		  " \"AUDITWHEEL_PLAT=manylinux_2_28_aarch64\", \"EMPTY=\"],"
		  " \"WorkingDir\": \"/\", \"User\": \"0:0\", \"Cmd\": [\"/bin/bash\"]},"
		  " \"rootfs\": {\"type\": \"layers\", \"diff_ids\": [\"sha256:" H64 "\","
		  " \"sha256:" H64 "\"]}, \"history\": [{\"created_by\": \"x\"}]}",
		  &c, &e),
	    0);
	assert_string_equal(c.os, "linux");
	assert_string_equal(c.arch, "arm64");
	assert_string_equal(c.variant, "v8");
	assert_string_equal(c.workdir, "/");
	assert_string_equal(c.user, "0:0");
	assert_string_equal(c.env[0], "PATH=/opt/toolset/bin:/usr/bin");
	assert_string_equal(c.env[2], "EMPTY=");
	assert_null(c.env[3]);
	assert_int_equal(c.ndiff, 2);
	assert_string_equal(c.diff_ids[1], "sha256:" H64);
	assert_null(c.diff_ids[2]);
	pw_oci_config_release(&c);
}

static void test_config_docker(void **state)
{
	struct pw_oci_config c;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	/* Docker writes null for empty lists and leaves config out at times */
	assert_int_equal(parse("{\"architecture\": \"amd64\", \"os\": \"linux\", \"config\":"
			       " {\"Env\": null, \"Cmd\": null, \"WorkingDir\": null},"
			       " \"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}}",
			       &c, &e),
			 0);
	assert_null(c.env);
	assert_null(c.workdir);
	assert_null(c.user);
	assert_null(c.variant);
	assert_int_equal(c.ndiff, 0);
	assert_non_null(c.diff_ids);
	pw_oci_config_release(&c);
	assert_int_equal(parse("{\"architecture\": \"amd64\", \"os\": \"linux\","
			       " \"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}}",
			       &c, &e),
			 0);
	pw_oci_config_release(&c);
}

static void expect_err(const char *json, const char *msg)
{
	struct pw_oci_config c;
	struct pw_err e = PW_ERR_INIT;

	assert_int_equal(parse(json, &c, &e), -EINVAL);
	assert_string_equal(e.msg, msg);
	assert_null(c.os);
	assert_null(c.env);
	assert_null(c.diff_ids);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_err("[]", "image config 'cfg': expected a JSON object");
	expect_err("{\"architecture\": \"amd64\", \"rootfs\": {}}",
		   "image config 'cfg': field 'os': expected a string like \"linux\"");
	expect_err("{\"os\": \"linux\", \"architecture\": 64}",
		   "image config 'cfg': field 'architecture': expected a string");
	expect_err("{\"os\": \"linux\", \"architecture\": \"amd64\"}",
		   "image config 'cfg': field 'rootfs': expected an object");
	expect_err("{\"os\": \"linux\", \"architecture\": \"amd64\", \"rootfs\": {\"type\": "
		   "\"tarballs\", \"diff_ids\": []}}",
		   "image config 'cfg': field 'rootfs.type': expected \"layers\"");
	expect_err("{\"os\": \"linux\", \"architecture\": \"amd64\", \"rootfs\": {\"type\": "
		   "\"layers\", \"diff_ids\": [\"sha256:" H64 "\", \"sha512:00\"]}}",
		   "image config 'cfg': field 'rootfs.diff_ids[1]': expected "
		   "\"sha256:<64 lowercase hex>\"");
	expect_err("{\"os\": \"linux\", \"architecture\": \"amd64\", \"config\": {\"Env\": "
		   "[\"=x\"]}, \"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}}",
		   "image config 'cfg': field 'config.Env[0]': expected a string \"NAME=VALUE\"");
	expect_err("{\"os\": \"linux\", \"architecture\": \"amd64\", \"config\": {\"Env\": "
		   "\"PATH=/bin\"}, \"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}}",
		   "image config 'cfg': field 'config.Env': expected an array of \"NAME=VALUE\" "
		   "strings");
	expect_err("{\"os\": \"linux\", \"architecture\": \"amd64\", \"config\": {\"User\": 0},"
		   " \"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}}",
		   "image config 'cfg': field 'config.User': expected a string");
	expect_err("{\"os\": \"linux\", \"architecture\": \"amd64\", \"config\": [],"
		   " \"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}}",
		   "image config 'cfg': field 'config': expected an object");
}

static void test_tree_id(void **state)
{
	const char *layers[] = {"bb", "cc"};
	char *a = pw_oci_tree_id("aa", layers, 2), *b = pw_oci_tree_id("aa", layers, 1);
	char want[PW_SHA256_HEX];
	const char *s = "pinwheel-oci-tree;v1\naa\nbb\ncc\n";

	(void)state;
	pw_sha256_mem(s, strlen(s), want);
	assert_string_equal(a, want);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* A tree laid out like a manylinux image, with an absolute symlink that
 * must resolve inside it. */
static char *make_image_tree(void)
{
	char tmpl[] = "/tmp/test_oci.XXXXXX";
	char *d = pw_xstrdup(mkdtemp(tmpl));
	_cleanup_free_ char *p1 = pw_xasprintf("%s/opt/_internal/cpython-3.13.1/bin", d);
	_cleanup_free_ char *p2 = pw_xasprintf("%s/opt/python", d);
	_cleanup_free_ char *f = pw_xasprintf("%s/python3.13", p1);
	_cleanup_free_ char *l1 = pw_xasprintf("%s/python", p1);
	_cleanup_free_ char *l2 = pw_xasprintf("%s/cp313-cp313", p2);
	_cleanup_free_ char *l3 = pw_xasprintf("%s/cp312-cp312", p2);
	int fd;

	assert_int_equal(pw_mkdir_p(p1, 0755), 0);
	assert_int_equal(pw_mkdir_p(p2, 0755), 0);
	fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink("python3.13", l1), 0);
	assert_int_equal(symlink("/opt/_internal/cpython-3.13.1", l2), 0);
	/* points at the host's /usr when followed outside the tree */
	assert_int_equal(symlink("/usr", l3), 0);
	return d;
}

static void test_python(void **state)
{
	_cleanup_free_ char *d = make_image_tree();
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *py;

	(void)state;
	assert_true(fd >= 0);
	py = pw_oci_python(fd, "3.13", false);
	assert_string_equal(py, "/opt/python/cp313-cp313/bin/python");
	free(py);
	assert_null(pw_oci_python(fd, "3.13", true));
	assert_null(pw_oci_python(fd, "3.12", false)); /* never the host's */
	assert_null(pw_oci_python(fd, "3.x", false));
	assert_null(pw_oci_python(fd, "2.7", false));
	close(fd);
	pw_rm_rf(d);
}

static void test_roots_env_python(void **state)
{
	char tmpl[] = "/tmp/test_oci_store.XXXXXX";
	_cleanup_free_ char *sdir = pw_xstrdup(mkdtemp(tmpl)), *img = make_image_tree(), *tp = NULL;
	static char e0[] = "PATH=/opt/rh/bin:/usr/bin", e1[] = "HOME=/root",
		    e2[] = "LC_ALL=en_US.UTF-8", e3[] = "LANG=en_US.UTF-8", e4[] = "LC_CTYPE=x",
		    e5[] = "TZ=Europe/Paris", e6[] = "SOURCE_DATE_EPOCH=1",
		    e7[] = "AUDITWHEEL_PLAT=m";
	char *env[] = {e0, e1, e2, e3, e4, e5, e6, e7, NULL};
	struct pw_root_tree trees[] = {{.id = (char *)"0123", .dest = (char *)"/", .layer = "img", .how = "oci-image"}};
	struct pw_root_plan p = {"cp313-manylinux_x86_64", {0}, trees, 1, 0, env};
	struct pw_err e = PW_ERR_INIT;
	struct pw_sandbox_spec s;
	struct pw_store *st;
	char *py;

	(void)state;
	st = pw_store_open(sdir, &e);
	assert_non_null(st);
	tp = pw_store_tree_path(st, "0123");
	assert_int_equal(rename(img, tp), 0);
	pw_sandbox_spec_init(&s);
	assert_int_equal(pw_sandbox_spec_add_env(&s, "PATH=/mine", false, &e), 0);
	pw_roots_to_spec(st, &p, &s);
	assert_int_equal(s.n_env, 3);
	assert_string_equal(s.env[0], "PATH=/opt/rh/bin:/usr/bin");
	assert_string_equal(s.env[1], "AUDITWHEEL_PLAT=m");
	assert_string_equal(s.env[2], "PATH=/mine"); /* later wins */
	assert_int_equal(s.n_layers, 1);
	pw_sandbox_spec_release(&s);
	py = pw_roots_python(st, &p, "3.13", false);
	assert_string_equal(py, "/opt/python/cp313-cp313/bin/python");
	free(py);
	assert_null(pw_roots_python(st, &p, "3.14", false));
	pw_store_close(st);
	pw_rm_rf(sdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_oci),	  cmocka_unit_test(test_config_docker),
	    cmocka_unit_test(test_config_errors), cmocka_unit_test(test_tree_id),
	    cmocka_unit_test(test_python),	  cmocka_unit_test(test_roots_env_python),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
