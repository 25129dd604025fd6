/* test_oldroot.c - "test.old_root" (docs/config.md): which targets get an
 * old root (by default: those with a floor), its id and suite, the base
 * the lock resolves for it (the target's CPython from its own suite's
 * tarball, built slim in the old suite), what its pip resolves, the
 * lock's record of a dropped one, and that it reaches the test's digest
 * but not the build's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/config.h"
#include "pinwheel/cpython.h"
#include "pinwheel/debian.h"
#include "pinwheel/lock.h"
#include "pinwheel/pypi.h"
#include "pinwheel/target.h"

/* A config of one Python on @suite (@extra: more of the base's debian
 * object), @platforms, "manylinux" @ml and "test" @test. */
static void load(struct pw_config *c, const char *suite, const char *extra, const char *platforms,
		 const char *ml, const char *test)
{
	char text[2048];
	struct pw_err e = PW_ERR_INIT;
	int r;

	snprintf(
	    text, sizeof(text),
	    "{\"version\": 1, \"python\": {\"3.13\": {\"base\": {\"debian\": {\"suite\": \"%s\", "
	    "\"packages\": [\"python3-dev\"]%s}}}}, \"platforms\": [%s], \"manylinux\": %s%s%s}",
	    suite, extra, platforms, ml, test ? ", \"test\": " : "", test ? test : "");
	r = pw_config_parse("p.json", ".", text, strlen(text), c, &e);
	if (r < 0)
		print_error("%s\n", e.msg);
	assert_int_equal(r, 0);
}

static const struct pw_debian_spec *old_spec(const struct pw_target *t)
{
	assert_ptr_equal(t->old_base.provider, &pw_provider_debian);
	return t->old_base.spec;
}

static void test_default(void **state)
{
	struct pw_config c;
	const struct pw_debian_spec *d;

	(void)state;
	/* no floor: the tag is the root's glibc, no old root unless asked */
	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"native\"", NULL);
	assert_null(c.targets[0].old_id);
	assert_null(c.targets[0].old_base.provider);
	pw_config_release(&c);

	if (strcmp(pw_host_arch(), "x86_64"))
		skip();
	/* a floor: bullseye by default, its interpreter slim */
	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"", NULL);
	assert_string_equal(c.targets[0].old_id, "cp313-manylinux_x86_64-bullseye");
	assert_string_equal(c.targets[0].old_suite, "bullseye");
	assert_true(c.targets[0].old_default);
	d = old_spec(&c.targets[0]);
	assert_string_equal(d->suite, "bullseye");
	assert_int_equal(d->npackages, 2);
	assert_string_equal(d->packages[0], "build-essential");
	assert_string_equal(d->packages[1], "ca-certificates");
	assert_non_null(d->cpython);
	/* the tarball of the suite that carries 3.13, built on bullseye */
	assert_string_equal(d->cpython->source_suite, "trixie");
	assert_string_equal(d->cpython->field, "test.old_root.cpython");
	assert_int_equal(d->cpython->nconfigure, 11);
	assert_string_equal(d->cpython->configure[0], "--disable-test-modules");
	assert_string_equal(d->cpython->configure[1], "OPT=-DNDEBUG -O1");
	assert_int_equal(d->cpython->npackages, 3);
	assert_string_equal(d->cpython->packages[0], "build-essential");
	assert_string_equal(d->cpython->packages[1], "zlib1g-dev");
	assert_string_equal(d->cpython->packages[2], "libssl-dev");
	pw_config_release(&c);

	/* zero "manylinux": the default floor is "2014", so the default old root */
	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"", "{\"command\": \"true\"}");
	assert_non_null(c.targets[0].old_id);
	pw_config_release(&c);

	/* given: not the default (the lock fails instead of dropping it) */
	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"", "{\"old_root\": \"bullseye\"}");
	assert_string_equal(c.targets[0].old_id, "cp313-manylinux_x86_64-bullseye");
	assert_false(c.targets[0].old_default);
	pw_config_release(&c);

	/* a bullseye target is in the old root already */
	load(&c, "bullseye", "", "\"manylinux_x86_64\"", "\"2014\"", NULL);
	assert_null(c.targets[0].old_id);
	pw_config_release(&c);
	load(&c, "bullseye", "", "\"manylinux_x86_64\"", "\"2014\"", "{\"old_root\": \"bullseye\"}");
	assert_null(c.targets[0].old_id);
	pw_config_release(&c);

	/* i686 runs here, but is not this machine's architecture: only when
	 * asked for */
	load(&c, "trixie", "", "\"manylinux_i686\"", "\"2014\"", NULL);
	assert_null(c.targets[0].old_id);
	pw_config_release(&c);
	load(&c, "trixie", "", "\"manylinux_i686\"", "\"2014\"", "{\"old_root\": \"bullseye\"}");
	assert_string_equal(c.targets[0].old_id, "cp313-manylinux_i686-bullseye");
	pw_config_release(&c);
}

static void test_off_and_explicit(void **state)
{
	struct pw_config c;
	const struct pw_debian_spec *d;

	(void)state;
	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"", "{\"old_root\": false}");
	assert_true(c.old_root_off);
	assert_null(c.targets[0].old_id);
	pw_config_release(&c);

	/* asked for: also without a floor */
	load(&c, "sid", "", "\"manylinux_x86_64\"", "\"native\"", "{\"old_root\": \"bookworm\"}");
	assert_string_equal(c.targets[0].old_id, "cp313-manylinux_x86_64-bookworm");
	d = old_spec(&c.targets[0]);
	assert_string_equal(d->cpython->source_suite, "sid");
	pw_config_release(&c);

	/* the base's own cpython member is the old root's default */
	load(&c, "trixie",
	     ", \"cpython\": {\"source_suite\": \"sid\", \"configure\": [\"OPT=-O1\"]}",
	     "\"manylinux_x86_64\"", "\"2014\"", "{\"old_root\": \"bullseye\"}");
	d = old_spec(&c.targets[0]);
	assert_string_equal(d->cpython->source_suite, "sid");
	assert_int_equal(d->cpython->nconfigure, 1);
	assert_string_equal(d->cpython->configure[0], "OPT=-O1");
	pw_config_release(&c);

	/* ... unless the old root says how */
	load(&c, "trixie", ", \"cpython\": {\"configure\": [\"OPT=-O1\"]}", "\"manylinux_x86_64\"",
	     "\"2014\"",
	     "{\"old_root\": {\"suite\": \"bullseye\", \"packages\": [\"dash\"], \"cpython\": "
	     "{\"packages\": [\"gcc\"]}}}");
	d = old_spec(&c.targets[0]);
	assert_int_equal(d->npackages, 1);
	assert_string_equal(d->packages[0], "dash");
	assert_int_equal(d->cpython->nconfigure, 11); /* the slim default */
	assert_int_equal(d->cpython->npackages, 1);
	assert_string_equal(d->cpython->source_suite, "trixie");
	pw_config_release(&c);

	/* "configure": [] is the full build */
	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"",
	     "{\"old_root\": {\"suite\": \"bullseye\", \"cpython\": {\"configure\": []}}}");
	d = old_spec(&c.targets[0]);
	assert_int_equal(d->cpython->nconfigure, 0);
	assert_int_equal(d->cpython->npackages, 3);
	pw_config_release(&c);
}

/* Foreign targets: their interpreter is cross-compiled here (cpython.h),
 * so an aarch64 floor target gets the default old root, and any foreign
 * architecture with a cross compiler one that is asked for; armv7l gets
 * none by default. */
static void test_foreign_cross(void **state)
{
	struct pw_config c;

	(void)state;
	if (strcmp(pw_host_arch(), "x86_64"))
		skip();
	load(&c, "trixie", "", "\"manylinux_x86_64\", \"manylinux_aarch64\", \"manylinux_armv7l\"",
	     "\"2014\"", "{\"old_root\": \"bullseye\"}");
	assert_int_equal(c.ntargets, 3);
	assert_string_equal(c.targets[0].id, "cp313-manylinux_x86_64");
	assert_non_null(c.targets[0].old_id);
	assert_string_equal(c.targets[1].id, "cp313-manylinux_aarch64");
	assert_string_equal(c.targets[1].old_id, "cp313-manylinux_aarch64-bullseye");
	assert_false(c.targets[1].old_default);
	assert_string_equal(c.targets[2].id, "cp313-manylinux_armv7l");
	assert_non_null(c.targets[2].old_id);
	pw_config_release(&c);
	/* by default: aarch64, not armv7l */
	load(&c, "trixie", "", "\"manylinux_x86_64\", \"manylinux_aarch64\", \"manylinux_armv7l\"",
	     "\"2014\"", NULL);
	assert_non_null(c.targets[0].old_id);
	assert_string_equal(c.targets[1].old_id, "cp313-manylinux_aarch64-bullseye");
	assert_true(c.targets[1].old_default);
	assert_null(c.targets[2].old_id);
	pw_config_release(&c);
}

/* The old root's pip resolves test.requires and the project's static
 * [project].dependencies (direct references left out); none when they
 * are dynamic; the list reaches the lock's digest. */
static void test_old_requires(void **state)
{
	char dir[] = "/tmp/test_oldroot.XXXXXX", path[64], text[1024];
	const char *test = "{\"requires\": [\"six==1.17.0\"]}";
	const struct pw_pypi_spec *ps;
	struct pw_config c, d;
	struct pw_err e = PW_ERR_INIT;
	FILE *f;

	(void)state;
	if (strcmp(pw_host_arch(), "x86_64"))
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pyproject.toml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[project]\nname = \"p\"\nversion = \"1\"\n"
	      "dependencies = [\"numpy>=2\", \"six==1.17.0\", \"x @ "
	      "https://mirror.example/x.whl\"]\n",
	      f);
	fclose(f);
	snprintf(text, sizeof(text),
		 "{\"version\": 1, \"python\": {\"3.13\": {\"base\": {\"debian\": {\"suite\": "
		 "\"trixie\", \"packages\": [\"python3-dev\"]}}}}, \"platforms\": "
		 "[\"manylinux_x86_64\"], \"test\": %s}",
		 test);
	assert_int_equal(pw_config_parse("p.json", dir, text, strlen(text), &c, &e), 0);
	assert_int_equal(c.nold_blocks, 1);
	ps = c.old_blocks[0].spec;
	assert_string_equal(ps->field, "test.requires");
	assert_int_equal(ps->n, 2); /* six==1.17.0 (test.requires), numpy>=2 */
	assert_string_equal(ps->pins[0].name, "six");
	assert_string_equal(ps->pins[1].name, "numpy");

	/* dynamic: only test.requires */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[project]\nname = \"p\"\ndynamic = [\"version\", \"dependencies\"]\n", f);
	fclose(f);
	assert_int_equal(pw_config_parse("p.json", dir, text, strlen(text), &d, &e), 0);
	assert_int_equal(d.nold_blocks, 1);
	assert_int_equal(((const struct pw_pypi_spec *)d.old_blocks[0].spec)->n, 1);
	assert_string_not_equal(c.lock_digest, d.lock_digest);
	pw_config_release(&c);
	pw_config_release(&d);

	/* no old root: nothing */
	snprintf(text, sizeof(text),
		 "{\"version\": 1, \"python\": {\"3.13\": {\"base\": {\"debian\": {\"suite\": "
		 "\"trixie\", \"packages\": [\"python3-dev\"]}}}}, \"platforms\": "
		 "[\"manylinux_x86_64\"], \"test\": {\"old_root\": false}}");
	assert_int_equal(pw_config_parse("p.json", dir, text, strlen(text), &c, &e), 0);
	assert_int_equal(c.nold_blocks, 0);
	pw_config_release(&c);
	unlink(path);
	rmdir(dir);
}

/* The lock's record of a dropped old root: set, replaced, found; the
 * old root's target forgotten (its root, its artifacts unless another
 * target needs them); written as "no_old_root" and read back. */
static void test_lock_no_old_root(void **state)
{
	struct pw_lockset ls = PW_LOCKSET_INIT, back = PW_LOCKSET_INIT;
	struct pw_artifact a;
	struct pw_err e = PW_ERR_INIT;
	char *urls[] = {(char *)"https://mirror.example/a.deb"};
	char *text;
	size_t len;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.kind = (char *)"deb";
	a.name = (char *)"shared";
	a.urls = urls;
	a.nurls = 1;
	memset(a.sha256, 'a', 64);
	a.size = 1;
	pw_lockset_add(&ls, &a, "t-x");
	pw_lockset_add(&ls, &a, "t-x-bullseye");
	a.name = (char *)"only-old";
	memset(a.sha256, 'b', 64);
	pw_lockset_add(&ls, &a, "t-x-bullseye");
	pw_lockset_root(&ls, "t-x");
	pw_lockset_root(&ls, "t-x-bullseye");
	pw_lockset_drop_target(&ls, "t-x-bullseye");
	assert_int_equal(ls.nroots, 1);
	assert_string_equal(ls.roots[0].target, "t-x");
	assert_int_equal(ls.n, 1);
	assert_string_equal(ls.artifacts[0].name, "shared");
	assert_int_equal(ls.artifacts[0].nneeded, 1);
	assert_string_equal(ls.artifacts[0].needed_by[0], "t-x");

	assert_null(pw_lockset_no_old_root(&ls, "t-x"));
	assert_null(pw_lockset_no_old_root(NULL, "t-x"));
	pw_lockset_set_no_old_root(&ls, "t-x", "first");
	pw_lockset_set_no_old_root(&ls, "t-x",
				   "the mirror serves no upstream tarball of python3.14");
	assert_int_equal(ls.nnoold, 1);
	text = pw_lock_render(
	    &ls, "0000000000000000000000000000000000000000000000000000000000000000", &len);
	assert_non_null(strstr(text, "\"no_old_root\": {\n    \"t-x\": \"the mirror serves no "
				     "upstream tarball of python3.14\"\n  }"));
	assert_int_equal(pw_lock_parse("pinwheel.lock", text, len, &back, &e), 0);
	assert_string_equal(pw_lockset_no_old_root(&back, "t-x"),
			    "the mirror serves no upstream tarball of python3.14");
	free(text);
	pw_lockset_release(&back);
	pw_lockset_release(&ls);

	/* a reason must be a string */
	text = (char *)"{\"version\": 1, \"artifacts\": [], \"no_old_root\": {\"t-x\": 1}}";
	assert_int_equal(pw_lock_parse("pinwheel.lock", text, strlen(text), &back, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no_old_root.t-x: expected the reason (a string)"));
	pw_lockset_release(&back);
}

/* The old root reaches the test's key (digest) and the lock, never the
 * wheel's (build_digest). */
static void test_digests(void **state)
{
	struct pw_config a, b;

	(void)state;
	load(&a, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"", "{\"old_root\": false}");
	load(&b, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"", "{\"old_root\": \"bullseye\"}");
	assert_string_equal(a.targets[0].build_digest, b.targets[0].build_digest);
	assert_string_not_equal(a.targets[0].digest, b.targets[0].digest);
	assert_string_not_equal(a.lock_digest, b.lock_digest);
	pw_config_release(&a);
	pw_config_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default),
	    cmocka_unit_test(test_off_and_explicit),
	    cmocka_unit_test(test_foreign_cross),
	    cmocka_unit_test(test_digests),
	    cmocka_unit_test(test_old_requires),
	    cmocka_unit_test(test_lock_no_old_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
