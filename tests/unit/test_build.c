/* test_build.c - unit tests of the pure parts of `pinwheel build`: the
 * setuptools_scm-like version, module names for the smoke test, the
 * [build-system] reader, the abi3 tags and whom an abi3 wheel serves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/build.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/pipeline.h"

static void version_is(const char *desc, const char *want)
{
	struct pw_err e = PW_ERR_INIT;
	char *v = NULL;

	assert_int_equal(pw_scm_version(desc, &v, &e), 0);
	assert_string_equal(v, want);
	free(v);
}

static void test_scm_version(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	char *v = NULL;

	(void)state;
	version_is("v1.2.3-0-gabcdef0", "1.2.3");
	version_is("1.2.3-4-gabcdef0", "1.2.4.dev4");
	version_is("v2.0-12-g1234567", "2.1.dev12");
	assert_int_equal(pw_scm_version("vfoo-1-gabc", &v, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "release version"));
	assert_int_equal(pw_scm_version("nohash", &v, &e), -EINVAL);
	assert_int_equal(pw_scm_version("v1-x-gabc", &v, &e), -EINVAL);
	assert_null(v);
}

static void test_module_name(void **state)
{
	char *m;

	(void)state;
	m = pw_smoke_module_name("hybrid/_core.cpython-311-x86_64-linux-gnu.so", "_core");
	assert_string_equal(m, "hybrid._core");
	free(m);
	m = pw_smoke_module_name("a/b/c.abi3.so", "c");
	assert_string_equal(m, "a.b.c");
	free(m);
	m = pw_smoke_module_name("top.so", "top");
	assert_string_equal(m, "top");
	free(m);
	assert_null(pw_smoke_module_name("x-1.0.data/purelib/y.so", "y"));
	assert_null(pw_smoke_module_name("a/y.so", "bad-name"));
}

static void write_pyproject(const char *dir, const char *text)
{
	char *p = pw_path_join(dir, "pyproject.toml");

	assert_int_equal(pw_write_file_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

static void test_pep517_read(void **state)
{
	char tmpl[] = "/tmp/test_build.XXXXXX";
	char *d = mkdtemp(tmpl);
	struct pw_pep517 p;
	struct pw_err e = PW_ERR_INIT;
	char **argv;

	(void)state;
	assert_non_null(d);
	/* no pyproject.toml: the legacy backend */
	assert_int_equal(pw_pep517_read(d, &p, &e), 0);
	assert_string_equal(p.backend, "setuptools.build_meta:__legacy__");
	assert_true(p.from_default);
	pw_pep517_release(&p);
	/* inline tables elsewhere do not matter */
	write_pyproject(d, "[project]\nname = \"x\"\nauthors = [{ name = \"a\" }]\n\n"
			   "[build-system]\nrequires = [\n  \"mybackend\",\n]\n"
			   "build-backend = \"backend:inner\"\nbackend-path = [\"_build\"]\n"
			   "\n[tool.x]\ny = { z = 1 }\n");
	assert_int_equal(pw_pep517_read(d, &p, &e), 0);
	assert_string_equal(p.backend, "backend:inner");
	assert_string_equal(p.path[0], "_build");
	assert_null(p.path[1]);
	argv = pw_pep517_argv("python3.13", "build_wheel", "/out", &p, NULL);
	assert_string_equal(argv[0], "python3.13");
	assert_string_equal(argv[3], "build_wheel");
	assert_string_equal(argv[5], "backend:inner");
	assert_string_equal(argv[6], "{}");
	assert_string_equal(argv[7], "_build");
	assert_null(argv[8]);
	pw_strv_free(argv);
	/* the config's settings, as given */
	argv = pw_pep517_argv("python3.13", "build_sdist", "/out", &p, "{\"a\":\"b\"}");
	assert_string_equal(argv[6], "{\"a\":\"b\"}");
	assert_non_null(strstr(argv[2], "'" PW_PEP517_BUILD_DIR "'"));
	pw_strv_free(argv);
	pw_pep517_release(&p);
	/* a backend path leaving the project */
	write_pyproject(d, "[build-system]\nbuild-backend = \"b\"\nbackend-path = [\"../up\"]\n");
	assert_int_equal(pw_pep517_read(d, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "backend-path[0]"));
	/* a table without build-backend */
	write_pyproject(d, "[build-system]\nrequires = [\"setuptools\"]\n");
	assert_int_equal(pw_pep517_read(d, &p, &e), 0);
	assert_string_equal(p.backend, "setuptools.build_meta:__legacy__");
	pw_pep517_release(&p);
	assert_int_equal(pw_rm_rf(d), 0);
}

static void test_abi3(void **state)
{
	char *ok[] = {(char *)"cp311-abi3-manylinux_2_17_x86_64",
		      (char *)"cp311-abi3-manylinux2014_x86_64", NULL};
	char *lie[] = {(char *)"cp311-cp311-manylinux_2_17_x86_64", NULL};
	char *other[] = {(char *)"cp312-abi3-manylinux_2_17_x86_64", NULL};
	char *none[] = {NULL};
	unsigned m = 0;

	(void)state;
	assert_int_equal(pw_abi3_floor("cp311", "abi3", ok, &m), 0);
	assert_int_equal(m, 11);
	assert_int_equal(pw_abi3_floor("cp312", "abi3", other, &m), 0);
	assert_int_equal(m, 12);
	/* the name says abi3, WHEEL does not (and the other way round) */
	assert_int_equal(pw_abi3_floor("cp311", "abi3", lie, &m), -EINVAL);
	assert_int_equal(pw_abi3_floor("cp311", "cp311", ok, &m), -EINVAL);
	/* name and WHEEL of two floors; no Tag line; compressed or not cp3 */
	assert_int_equal(pw_abi3_floor("cp311", "abi3", other, &m), -EINVAL);
	assert_int_equal(pw_abi3_floor("cp311", "abi3", none, &m), -EINVAL);
	assert_int_equal(pw_abi3_floor("cp311.cp312", "abi3", ok, &m), -EINVAL);
	assert_int_equal(pw_abi3_floor("pp311", "abi3", ok, &m), -EINVAL);
	assert_int_equal(pw_abi3_floor("cp3", "abi3", ok, &m), -EINVAL);
	/* whom cp311-abi3 serves: CPython 3.11 and later, not free-threaded,
	 * not PyPy; cp312-abi3 does not serve 3.11 */
	assert_true(pw_abi3_covers(11, "cp311"));
	assert_true(pw_abi3_covers(11, "cp313"));
	assert_true(pw_abi3_covers(11, "cp315"));
	assert_false(pw_abi3_covers(12, "cp311"));
	assert_false(pw_abi3_covers(11, "cp313t"));
	assert_false(pw_abi3_covers(11, "pp311"));
	assert_false(pw_abi3_covers(9, "cp39t"));
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_abi3_declared(void **state)
{
	char dir[] = "/tmp/test_abi3.XXXXXX", why[128], p[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/pyproject.toml", dir);
	write_text(p, "[project]\nname = \"x\"\n");
	assert_false(pw_abi3_declared(dir, why, sizeof(why)));
	assert_string_equal(why, "");
	snprintf(p, sizeof(p), "%s/Cargo.toml", dir);
	write_text(p, "[dependencies]\npyo3 = { version = \"0.22\", features = [\"abi3-py38\"] }\n");
	assert_true(pw_abi3_declared(dir, why, sizeof(why)));
	assert_string_equal(why, "Cargo.toml: abi3");
	unlink(p);
	snprintf(p, sizeof(p), "%s/setup.cfg", dir);
	write_text(p, "[bdist_wheel]\npy_limited_api = cp311\n");
	assert_true(pw_abi3_declared(dir, why, sizeof(why)));
	assert_string_equal(why, "setup.cfg: py_limited_api");
	unlink(p);
	/* never through a symlink */
	snprintf(p, sizeof(p), "%s/real.txt", dir);
	write_text(p, "py_limited_api\n");
	snprintf(p, sizeof(p), "%s/setup.py", dir);
	assert_int_equal(symlink("real.txt", p), 0);
	assert_false(pw_abi3_declared(dir, why, sizeof(why)));
	unlink(p);
	snprintf(p, sizeof(p), "%s/real.txt", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/pyproject.toml", dir);
	write_text(p, "[tool.scikit-build]\nwheel.py-api = \"cp312\"\n");
	assert_true(pw_abi3_declared(dir, why, sizeof(why)));
	assert_string_equal(why, "pyproject.toml: py-api");
	unlink(p);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scm_version),
	    cmocka_unit_test(test_module_name),
	    cmocka_unit_test(test_pep517_read),
	    cmocka_unit_test(test_abi3),
	    cmocka_unit_test(test_abi3_declared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
