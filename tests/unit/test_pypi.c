/* test_pypi.c - unit tests of the PyPI provider's pure parts: pip's report
 * parser, wheel file names, name normalisation, the layer id, and the
 * store's derived-tree helper it commits layers with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/pypi.h"
#include "pinwheel/store.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* The shape pip 23 writes (trimmed: metadata has many more keys). */
static const char report[] =
    "{\"version\": \"1\", \"pip_version\": \"23.0.1\", \"install\": [\n"
    " {\"download_info\": {\"url\": \"https://mirror.example/files/setuptools_rust-1.5.2-"
    "py3-none-any.whl\", \"archive_info\": {\"hash\": \"sha256=" SHA_A "\", \"hashes\": "
    "{\"sha256\": \"" SHA_A "\"}}}, \"is_direct\": false, \"requested\": true,\n"
    "  \"metadata\": {\"metadata_version\": \"2.1\", \"name\": \"setuptools-rust\", "
    "\"version\": \"1.5.2\", \"requires_dist\": [\"semantic-version>=2.8.2\"]}},\n"
    " {\"download_info\": {\"url\": \"https://mirror.example/files/semantic_version-2.10.0-"
    "py2.py3-none-any.whl#sha256=" SHA_B "\", \"archive_info\": {\"hash\": \"sha256=" SHA_B
    "\"}}, \"is_direct\": false, \"requested\": false,\n"
    "  \"metadata\": {\"name\": \"semantic_version\", \"version\": \"2.10.0\"}},\n"
    " {\"download_info\": {\"url\": \"https://mirror.example/files/Cython-0.29.36-cp311-"
    "cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl\", \"archive_info\": {\"hashes\": "
    "{\"sha256\": \"" SHA_C "\"}}}, \"is_direct\": false, \"requested\": true,\n"
    "  \"metadata\": {\"name\": \"Cython\", \"version\": \"0.29.36\"}}\n"
    "], \"environment\": {\"implementation_name\": \"cpython\"}}\n";

static int parse(const char *text, struct pw_artifact **a, size_t *n, struct pw_err *e)
{
	return pw_pypi_parse_report(text, strlen(text), "report.json", a, n, e);
}

static void test_report_ok(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(parse(report, &a, &n, &e), 0);
	assert_int_equal(n, 3);
	/* Sorted by normalised name: cython, semantic-version, setuptools-rust. */
	assert_string_equal(a[0].name, "Cython");
	assert_string_equal(a[0].version, "0.29.36");
	assert_string_equal(a[0].sha256, SHA_C);
	assert_string_equal(a[0].kind, "wheel");
	assert_string_equal(a[1].name, "semantic_version");
	/* Upper-case hex in the report is recorded in lower case. */
	assert_string_equal(a[1].sha256,
			    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_string_equal(a[2].name, "setuptools-rust");
	assert_string_equal(a[2].version, "1.5.2");
	assert_string_equal(a[2].sha256, SHA_A);
	assert_int_equal(a[2].nurls, 1);
	assert_string_equal(a[2].urls[0],
			    "https://mirror.example/files/setuptools_rust-1.5.2-py3-none-any.whl");
	assert_true(a[2].size == PW_SIZE_UNKNOWN);
	pw_pypi_artifacts_free(a, n);
}

static void test_report_empty(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 7;

	(void)state;
	assert_int_equal(parse("{\"version\": \"1\", \"install\": []}", &a, &n, &e), 0);
	assert_int_equal(n, 0);
	pw_pypi_artifacts_free(a, n);
}

/* pip 22.2/22.3 write "version": "0" with archive_info's "hash" */
static void test_report_version_0(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 0;
	const char *t = "{\"version\": \"0\", \"install\": [{\"download_info\": {\"url\": "
			"\"https://mirror.example/six-1.17.0-py2.py3-none-any.whl\", \"archive_info\": "
			"{\"hash\": \"sha256=" SHA_B "\"}}, \"metadata\": {\"name\": \"six\", "
			"\"version\": \"1.17.0\"}}]}";

	(void)state;
	assert_int_equal(parse(t, &a, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].name, "six");
	assert_int_equal(strcasecmp(a[0].sha256, SHA_B), 0); /* lowercased */
	pw_pypi_artifacts_free(a, n);
}

static void test_report_missing_hash(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 0;
	const char *t = "{\"version\": \"1\", \"install\": [{\"download_info\": {\"url\": "
			"\"https://mirror.example/f/foo-1.0-py3-none-any.whl\", \"archive_info\": "
			"{}}, \"metadata\": {\"name\": \"foo\", \"version\": \"1.0\"}}]}";

	(void)state;
	assert_int_equal(parse(t, &a, &n, &e), -EINVAL);
	assert_null(a);
	assert_string_equal(e.msg, "report.json: 'foo' 1.0: expected a sha256 in "
				   "download_info.archive_info");
}

static void test_report_md5_only(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 0;
	const char *t = "{\"version\": \"1\", \"install\": [{\"download_info\": {\"url\": "
			"\"https://mirror.example/f/foo-1.0-py3-none-any.whl\", \"archive_info\": "
			"{\"hash\": \"md5=00112233445566778899aabbccddeeff\"}}, "
			"\"metadata\": {\"name\": \"foo\", \"version\": \"1.0\"}}]}";

	(void)state;
	assert_int_equal(parse(t, &a, &n, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'foo' 1.0: expected a sha256"));
}

static void test_report_sdist(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 0;
	const char *t =
	    "{\"version\": \"1\", \"install\": [{\"download_info\": {\"url\": "
	    "\"https://mirror.example/f/bar-2.0.tar.gz\", \"archive_info\": {\"hashes\": "
	    "{\"sha256\": \"" SHA_A "\"}}}, \"metadata\": {\"name\": \"bar\", "
	    "\"version\": \"2.0\"}}]}";

	(void)state;
	assert_int_equal(parse(t, &a, &n, &e), -ENOENT);
	assert_string_equal(e.msg, "'bar' 2.0 has no wheel for this target (pip chose "
				   "'https://mirror.example/f/bar-2.0.tar.gz')");
	/* allowed (test requirements): an artifact of kind "sdist" */
	assert_int_equal(
	    pw_pypi_parse_report_ex(t, strlen(t), "report.json", PW_PYPI_SDISTS, &a, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].kind, "sdist");
	assert_string_equal(a[0].name, "bar");
	assert_string_equal(a[0].version, "2.0");
	assert_string_equal(a[0].sha256, SHA_A);
	assert_string_equal(a[0].urls[0], "https://mirror.example/f/bar-2.0.tar.gz");
	pw_pypi_artifacts_free(a, n);
}

static void test_sdist_filename(void **state)
{
	char *f;

	(void)state;
	f = pw_pypi_sdist_filename("https://mirror.example/f/foo_bar-1.0.tar.gz#sha256=00");
	assert_string_equal(f, "foo_bar-1.0.tar.gz");
	free(f);
	f = pw_pypi_sdist_filename("https://mirror.example/f/old%2Done-0.1.zip");
	assert_string_equal(f, "old-one-0.1.zip");
	free(f);
	assert_null(pw_pypi_sdist_filename("https://mirror.example/f/foo-1.0-py3-none-any.whl"));
	assert_null(pw_pypi_sdist_filename("https://mirror.example/f/foo-1.0.tar.bz2"));
	assert_null(pw_pypi_sdist_filename("https://mirror.example/f/.tar.gz"));
	assert_null(pw_pypi_wheel_filename("https://mirror.example/f/foo-1.0.tar.gz"));
}

/* A ustar archive of one regular file @name with @text, at @path. */
static void write_tar(const char *path, const char *name, const char *text)
{
	char hdr[512], pad[1536];
	size_t len = strlen(text);
	unsigned sum = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	memset(hdr, 0, sizeof(hdr));
	memset(pad, 0, sizeof(pad));
	snprintf(hdr, 100, "%s", name);
	snprintf(hdr + 100, 8, "%07o", 0644);
	snprintf(hdr + 108, 8, "%07o", 0);
	snprintf(hdr + 116, 8, "%07o", 0);
	snprintf(hdr + 124, 12, "%011o", (unsigned)len);
	snprintf(hdr + 136, 12, "%011o", 0);
	hdr[156] = '0';
	memcpy(hdr + 257, "ustar", 6);
	memcpy(hdr + 263, "00", 2);
	memset(hdr + 148, ' ', 8);
	for (size_t i = 0; i < sizeof(hdr); i++)
		sum += (unsigned char)hdr[i];
	snprintf(hdr + 148, 8, "%06o", sum);
	assert_int_equal(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(write(fd, pad, 512 - len % 512 + 1024), (ssize_t)(512 - len % 512 + 1024));
	close(fd);
}

static void check_reqs(const char *path, const char *shown, int want, const char *const *reqs,
		       size_t nreqs, const char *msg)
{
	struct pw_err e = PW_ERR_INIT;
	char **v = NULL;
	size_t n = 99;

	assert_int_equal(pw_pypi_sdist_build_requires(path, shown, &v, &n, &e), want);
	if (want < 0) {
		assert_string_equal(e.msg, msg);
		assert_null(v);
		return;
	}
	assert_int_equal(n, nreqs);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i], reqs[i]);
		free(v[i]);
	}
	free(v);
}

/* [build-system].requires of an sdist, the legacy default without one,
 * and the errors. */
static void test_sdist_build_requires(void **state)
{
	static const char *const two[] = {"tinyback==1.0", "setuptools>=61"};
	static const char *const legacy[] = {"setuptools>=40.8.0", "wheel"};
	char dir[] = "/tmp/test_pypi.XXXXXX", *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = pw_path_join(dir, "s.tar");
	write_tar(p, "x-1.0/pyproject.toml",
		  "[project]\nname = \"x\"\n[build-system]\nrequires = [\"tinyback==1.0\", "
		  "\"setuptools>=61\"]\nbuild-backend = \"tinyback\"\n");
	check_reqs(p, "x-1.0.tar.gz", 0, two, 2, NULL);
	write_tar(p, "x-1.0/pyproject.toml", "[build-system]\nrequires = []\n");
	check_reqs(p, "x-1.0.tar.gz", 0, NULL, 0, NULL);
	write_tar(p, "x-1.0/pyproject.toml", "[tool.black]\nline-length = 99\n");
	check_reqs(p, "x-1.0.tar.gz", 0, legacy, 2, NULL);
	write_tar(p, "x-1.0/setup.py", "from setuptools import setup; setup()\n");
	check_reqs(p, "x-1.0.tar.gz", 0, legacy, 2, NULL);
	/* a pyproject.toml deeper down is not the sdist's */
	write_tar(p, "x-1.0/sub/pyproject.toml", "[build-system]\nrequires = [\"a\"]\n");
	check_reqs(p, "x-1.0.tar.gz", 0, legacy, 2, NULL);
	write_tar(p, "x-1.0/pyproject.toml", "[build-system]\nbuild-backend = \"b\"\n");
	check_reqs(p, "x-1.0.tar.gz", -EINVAL, NULL, 0,
		   "x-1.0.tar.gz: pyproject.toml: [build-system] needs 'requires', an array of "
		   "requirements (PEP 518)");
	write_tar(p, "x-1.0/pyproject.toml", "[build-system]\nrequires = [\"a\",\n  3]\n");
	check_reqs(p, "x-1.0.tar.gz", -EINVAL, NULL, 0,
		   "x-1.0.tar.gz: pyproject.toml:3:3: build-system.requires[1]: expected a string");
	assert_int_equal(pw_write_file_atomic(p, "not an archive", 14, 0644), 0);
	check_reqs(p, "x-1.0.tar.gz", -EBADMSG, NULL, 0,
		   "'x-1.0.tar.gz': not an sdist archive: Unrecognized archive format");
	unlink(p);
	free(p);
	rmdir(dir);
}

static void test_report_vcs(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 0;
	const char *t = "{\"version\": \"1\", \"install\": [{\"download_info\": {\"url\": "
			"\"https://mirror.example/r/baz.whl\", \"vcs_info\": {\"vcs\": \"git\"}}, "
			"\"metadata\": {\"name\": \"baz\", \"version\": \"1\"}}]}";

	(void)state;
	assert_int_equal(parse(t, &a, &n, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "'baz' 1 has no wheel for this target"));
}

static void test_report_credentials(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 0;
	const char *t = "{\"version\": \"1\", \"install\": [{\"download_info\": {\"url\": "
			"\"https://user:secret@mirror.example/f/foo-1.0-py3-none-any.whl\", "
			"\"archive_info\": {\"hashes\": {\"sha256\": \"" SHA_A "\"}}}, "
			"\"metadata\": {\"name\": \"foo\", \"version\": \"1.0\"}}]}";

	(void)state;
	assert_int_equal(parse(t, &a, &n, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'foo' 1.0: the wheel url carries credentials"));
	assert_null(strstr(e.msg, "secret"));
}

static void test_report_bad_shape(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(parse("{\"version\": \"2\", \"install\": []}", &a, &n, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "report.json: expected a pip installation report"));
	assert_int_equal(parse("{\"version\": \"1\"}", &a, &n, &e), -EINVAL);
	assert_string_equal(e.msg, "report.json: expected an \"install\" array");
	assert_int_equal(
	    parse("{\"version\": \"1\", \"install\": [{\"metadata\": {}}]}", &a, &n, &e), -EINVAL);
	assert_string_equal(e.msg, "report.json: install[0]: expected metadata.name and "
				   "metadata.version strings");
	assert_int_equal(parse("{\"version\": ", &a, &n, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "report.json"));
	assert_int_equal(
	    parse("{\"version\": \"1\", \"install\": [{\"metadata\": {\"name\": \"x\", "
		  "\"version\": \"1\"}, \"download_info\": {}}]}",
		  &a, &n, &e),
	    -EINVAL);
	assert_string_equal(e.msg, "report.json: 'x' 1: expected a download_info.url string");
}

static void test_wheel_filename(void **state)
{
	char *s;

	(void)state;
	s = pw_pypi_wheel_filename("https://mirror.example/a/b/foo-1.0-py3-none-any.whl#sha256=x");
	assert_string_equal(s, "foo-1.0-py3-none-any.whl");
	free(s);
	s = pw_pypi_wheel_filename("https://mirror.example/a/foo%2B1-1.0-py3-none-any.whl?x=1");
	assert_string_equal(s, "foo+1-1.0-py3-none-any.whl");
	free(s);
	errno = 0;
	assert_null(pw_pypi_wheel_filename("https://mirror.example/a/foo-1.0.tar.gz"));
	assert_int_equal(errno, EINVAL);
	assert_null(pw_pypi_wheel_filename("https://mirror.example/a/..%2Fx.whl"));
	assert_null(pw_pypi_wheel_filename("https://mirror.example/a/%2E.whl"));
	assert_null(pw_pypi_wheel_filename("https://mirror.example/a/x%00y.whl"));
	assert_null(pw_pypi_wheel_filename("https://mirror.example/"));
	assert_null(pw_pypi_wheel_filename(".whl"));
}

static void test_normalize(void **state)
{
	char *s;

	(void)state;
	s = pw_pypi_normalize("Foo_Bar.baz--Qux");
	assert_string_equal(s, "foo-bar-baz-qux");
	free(s);
	s = pw_pypi_normalize("cython");
	assert_string_equal(s, "cython");
	free(s);
}

static void test_layer_id(void **state)
{
	struct pw_artifact w[2];
	char *a, *b, *c;

	(void)state;
	memset(w, 0, sizeof(w));
	memcpy(w[0].sha256, SHA_A, PW_SHA256_HEX);
	memcpy(w[1].sha256, SHA_C, PW_SHA256_HEX);
	a = pw_pypi_layer_id("root1", w, 2, NULL, 0);
	memcpy(w[0].sha256, SHA_C, PW_SHA256_HEX);
	memcpy(w[1].sha256, SHA_A, PW_SHA256_HEX);
	b = pw_pypi_layer_id("root1", w, 2, NULL, 0);
	c = pw_pypi_layer_id("root2", w, 2, NULL, 0);
	assert_string_equal(a, b); /* order of the wheels does not matter */
	assert_string_not_equal(a, c);
	{
		/* an sdist's build requirements count (and without any, the
		 * id a layer of wheels always had) */
		char *d = pw_pypi_layer_id("root1", w, 1, &w[1], 1);
		char *f = pw_pypi_layer_id("root1", w, 1, NULL, 0);
		char *g = pw_pypi_layer_id("root1", w, 2, NULL, 0);

		assert_string_not_equal(d, f);
		assert_string_not_equal(d, g); /* installed is not built with */
		free(d);
		free(f);
		free(g);
	}
	assert_true(pw_sha256_hex_valid(a));
	assert_string_equal(pw_pypi_layer_how(), "pypi-install");
	free(a);
	free(b);
	free(c);
}

static void test_lockset_add(void **state)
{
	struct pw_lockset ls = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	struct pw_root *r;
	size_t n = 0;

	(void)state;
	assert_int_equal(parse(report, &a, &n, &e), 0);
	pw_pypi_lockset_add(&ls, "cp311-manylinux_x86_64", "build-requires", a, n);
	pw_pypi_lockset_add(&ls, "cp312-manylinux_x86_64", "build-requires", a, n);
	assert_int_equal(ls.n, 3); /* merged: the same wheels for both targets */
	assert_int_equal(ls.artifacts[0].nneeded, 2);
	assert_int_equal(ls.nroots, 2);
	r = pw_lockset_root(&ls, "cp311-manylinux_x86_64");
	assert_int_equal(r->n, 1);
	assert_string_equal(r->layers[0].how, "pypi-install");
	assert_string_equal(r->layers[0].name, "build-requires");
	assert_string_equal(r->layers[0].dest, "/");
	assert_int_equal(r->layers[0].n, 3);
	assert_string_equal(r->layers[0].artifacts[0], SHA_C);
	pw_lockset_release(&ls);
	pw_pypi_artifacts_free(a, n);
}

/* The store's derived-tree helper: begin, fill, commit; found again;
 * abort leaves nothing; verify accepts the record. */
int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_report_ok),
	    cmocka_unit_test(test_report_empty),
	    cmocka_unit_test(test_report_version_0),
	    cmocka_unit_test(test_report_missing_hash),
	    cmocka_unit_test(test_report_md5_only),
	    cmocka_unit_test(test_report_sdist),
	    cmocka_unit_test(test_sdist_filename),
	    cmocka_unit_test(test_sdist_build_requires),
	    cmocka_unit_test(test_report_vcs),
	    cmocka_unit_test(test_report_credentials),
	    cmocka_unit_test(test_report_bad_shape),
	    cmocka_unit_test(test_wheel_filename),
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_layer_id),
	    cmocka_unit_test(test_lockset_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
