/* test_layouts.c - layout detection, the standalone Python description and
 * the Rust dist merge on trees built here (including hostile ones). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/layout.h"
#include "pinwheel/store.h"

static char root[64];

static void put(const char *rel, const char *content, mode_t mode)
{
	char *p = pw_path_join(root, rel), *dir = pw_xstrdup(p);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(pw_mkdir_p(dir, 0755), 0);
	assert_int_equal(pw_write_file_atomic(p, content, strlen(content), mode), 0);
	free(dir);
	free(p);
}

static void lnk(const char *rel, const char *target)
{
	char *p = pw_path_join(root, rel);

	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/pw-layouts.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pw_rm_rf(root);
	return 0;
}

static enum pw_layout detect(const char *name)
{
	struct pw_err e = PW_ERR_INIT;
	char *p = pw_path_join(root, name);
	enum pw_layout l;

	assert_int_equal(pw_layout_detect_at(AT_FDCWD, p, &l, &e), 0);
	free(p);
	return l;
}

static void test_detect(void **state)
{
	(void)state;
	put("plain/x/y", "1", 0644);
	assert_int_equal(detect("plain"), PW_LAYOUT_PLAIN);
	put("full/python/PYTHON.json", "{}", 0644);
	put("full/python/install/bin/python3.12", "", 0755);
	assert_int_equal(detect("full"), PW_LAYOUT_PYTHON_FULL);
	put("io/python/bin/python3.11", "", 0755);
	lnk("io/python/bin/python3", "python3.11");
	put("io/python/lib/python3.11/os.py", "", 0644);
	assert_int_equal(detect("io"), PW_LAYOUT_PYTHON_INSTALL_ONLY);
	put("rust/rust-1.0-x/components", "rustc\n", 0644);
	assert_int_equal(detect("rust"), PW_LAYOUT_RUST_DIST);
	put("rust2/a/components", "rustc\n", 0644);
	put("rust2/b", "", 0644);
	assert_int_equal(detect("rust2"), PW_LAYOUT_PLAIN); /* not one top dir */
	assert_string_equal(pw_layout_name(PW_LAYOUT_RUST_DIST), "rust-dist");
}

static int describe(const char *name, struct pw_python_desc *d, struct pw_err *e)
{
	char *p = pw_path_join(root, name);
	int r = pw_python_describe_at(AT_FDCWD, p, d, e);

	free(p);
	return r;
}

static void test_python(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_python_desc d;

	(void)state;
	put("p/python/PYTHON.json",
	    "{\"python_version\": \"3.13.1\", \"python_exe\": \"install/bin/python3.13\"}", 0644);
	put("p/python/install/bin/python3.13", "", 0755);
	assert_int_equal(describe("p", &d, &e), 0);
	assert_string_equal(d.mount, "/install");
	assert_string_equal(d.subdir, "python/install");
	assert_string_equal(d.python, "bin/python3.13");
	assert_string_equal(d.version, "3.13.1");
	assert_string_equal(d.cc, "cc");
	assert_string_equal(d.cxx, "c++");
	pw_python_desc_release(&d);

	/* python_exe names a file the archive does not have */
	put("p/python/PYTHON.json",
	    "{\"python_version\": \"3.13.1\", \"python_exe\": \"install/bin/python9\"}", 0644);
	assert_int_equal(describe("p", &d, &e), -EBADMSG);
	assert_non_null(
	    strstr(e.msg, "\"python_exe\" 'install/bin/python9' is not in the archive"));
	/* through a symlink in the tree: refused, not followed */
	put("p/python/PYTHON.json",
	    "{\"python_version\": \"3.13.1\", \"python_exe\": \"install/esc/passwd\"}", 0644);
	lnk("p/python/install/esc", "/etc");
	assert_int_equal(describe("p", &d, &e), -EBADMSG);
	put("p/python/PYTHON.json",
	    "{\"python_version\": \"3 13\", \"python_exe\": \"install/bin/python3.13\"}", 0644);
	assert_int_equal(describe("p", &d, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "\"python_version\" must be a version"));
	put("p/python/PYTHON.json", "{", 0644);
	assert_int_equal(describe("p", &d, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "python/PYTHON.json:"));

	put("np/x", "", 0644);
	assert_int_equal(describe("np", &d, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "not a standalone Python archive"));
}

static int merge(struct pw_store *s, const char *name, const char *const *c, size_t n, char **path,
		 struct pw_err *e)
{
	char *p = pw_path_join(root, name);
	bool cached;
	int r = pw_rust_dist_merge(s, AT_FDCWD, p, "0000", c, n, path, &cached, e);

	free(p);
	return r;
}

static void test_rust(void **state)
{
	static const char *const only_rustc[] = {"rustc"};
	static const char *const missing[] = {"clippy"};
	struct pw_err e = PW_ERR_INIT;
	char *sdir = pw_path_join(root, "store"), *path = NULL, *p;
	struct pw_store *s;
	struct stat st;

	(void)state;
	s = pw_store_open(sdir, &e);
	assert_non_null(s);
	put("r/rust-1-x/components", "rustc\ncargo\nrust-std-x\n", 0644);
	put("r/rust-1-x/rustc/manifest.in", "file:bin/rustc\n", 0644);
	put("r/rust-1-x/rustc/bin/rustc", "#!/bin/sh\n", 0755);
	put("r/rust-1-x/cargo/manifest.in", "file:bin/cargo\n", 0644);
	put("r/rust-1-x/cargo/bin/cargo", "#!/bin/sh\n", 0755);
	put("r/rust-1-x/rust-std-x/manifest.in", "dir:lib/rustlib/x\n", 0644);
	put("r/rust-1-x/rust-std-x/lib/rustlib/x/lib/libstd.rlib", "std", 0644);

	assert_int_equal(merge(s, "r", only_rustc, 1, &path, &e), 0);
	p = pw_path_join(path, "bin/rustc");
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_mode & 0100);
	free(p);
	p = pw_path_join(path, "bin/cargo");
	assert_int_not_equal(stat(p, &st), 0);
	free(p);
	free(path);
	path = NULL;

	assert_int_equal(merge(s, "r", missing, 1, NULL, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "no component 'clippy' in 'components'"));

	/* the default set needs a rust-std */
	put("r/rust-1-x/components", "rustc\ncargo\n", 0644);
	assert_int_equal(merge(s, "r", NULL, 0, NULL, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "no 'rust-std-<triple>' component"));
	put("r/rust-1-x/components", "rustc\ncargo\nrust-std-x\n", 0644);

	/* a bad manifest line */
	put("r/rust-1-x/cargo/manifest.in", "bogus\n", 0644);
	assert_int_equal(merge(s, "r", NULL, 0, NULL, &e), -EBADMSG);
	assert_non_null(
	    strstr(e.msg, "'cargo/manifest.in' line 1: expected 'file:PATH' or 'dir:PATH'"));

	/* a manifest path through a symlink the archive made: never followed */
	put("r/rust-1-x/cargo/manifest.in", "file:etc/passwd\n", 0644);
	lnk("r/rust-1-x/cargo/etc", "/etc");
	assert_true(merge(s, "r", NULL, 0, NULL, &e) < 0);
	assert_non_null(strstr(e.msg, "component 'cargo': manifest names 'etc/passwd'"));

	/* a components entry with a slash */
	put("r/rust-1-x/components", "rustc\n../x\n", 0644);
	assert_int_equal(merge(s, "r", NULL, 0, NULL, &e), -EBADMSG);
	if (!strstr(e.msg, "bad component name '../x'"))
		print_error("msg: %s\n", e.msg);
	assert_non_null(strstr(e.msg, "bad component name '../x'"));

	pw_store_close(s);
	free(sdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_python, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rust, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
