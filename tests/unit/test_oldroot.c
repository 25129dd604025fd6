/* test_oldroot.c - "test.old_root" (docs/config.md): which targets get an
 * old root, its id and suite, the base the lock resolves for it (the
 * target's CPython from its own suite's tarball, built in the old suite),
 * and that it reaches the test's digest but not the build's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/config.h"
#include "pinwheel/cpython.h"
#include "pinwheel/debian.h"

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

static void test_opt_in(void **state)
{
	struct pw_config c;
	const struct pw_debian_spec *d;

	(void)state;
	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"native\"", NULL);
	assert_null(c.targets[0].old_id);
	assert_null(c.targets[0].old_base.provider);
	pw_config_release(&c);

	/* opt-in: a floor alone gets none */
	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"", NULL);
	assert_null(c.targets[0].old_id);
	assert_null(c.targets[0].old_base.provider);
	pw_config_release(&c);

	load(&c, "trixie", "", "\"manylinux_x86_64\"", "\"2014\"", "{\"old_root\": \"bullseye\"}");
	assert_string_equal(c.targets[0].old_id, "cp313-manylinux_x86_64-bullseye");
	assert_string_equal(c.targets[0].old_suite, "bullseye");
	d = old_spec(&c.targets[0]);
	assert_string_equal(d->suite, "bullseye");
	assert_int_equal(d->npackages, 2);
	assert_string_equal(d->packages[0], "build-essential");
	assert_string_equal(d->packages[1], "ca-certificates");
	assert_non_null(d->cpython);
	/* the tarball of the suite that carries 3.13, built on bullseye */
	assert_string_equal(d->cpython->source_suite, "trixie");
	assert_null(d->cpython->packages); /* the default build dependencies */
	assert_string_equal(d->cpython->field, "test.old_root.cpython");
	pw_config_release(&c);

	/* a bullseye target is in the old root already */
	load(&c, "bullseye", "", "\"manylinux_x86_64\"", "\"2014\"", "{\"old_root\": \"bullseye\"}");
	assert_null(c.targets[0].old_id);
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
	assert_int_equal(d->cpython->nconfigure, 0);
	assert_int_equal(d->cpython->npackages, 1);
	assert_string_equal(d->cpython->source_suite, "trixie");
	pw_config_release(&c);
}

static void test_foreign_none(void **state)
{
	struct pw_config c;

	(void)state;
	if (strcmp(pw_host_arch(), "x86_64"))
		skip();
	load(&c, "trixie", "", "\"manylinux_x86_64\", \"manylinux_aarch64\"", "\"2014\"",
	     "{\"old_root\": \"bullseye\"}");
	assert_int_equal(c.ntargets, 2);
	assert_string_equal(c.targets[0].id, "cp313-manylinux_x86_64");
	assert_non_null(c.targets[0].old_id);
	assert_string_equal(c.targets[1].id, "cp313-manylinux_aarch64");
	assert_null(c.targets[1].old_id); /* its interpreter would build under qemu */
	pw_config_release(&c);
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
	    cmocka_unit_test(test_opt_in),
	    cmocka_unit_test(test_off_and_explicit),
	    cmocka_unit_test(test_foreign_none),
	    cmocka_unit_test(test_digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
