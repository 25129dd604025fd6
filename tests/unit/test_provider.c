/* test_provider.c - the provider table and the data files that repeat it:
 * the lock schema's artifact kinds and layer hows are exactly the table's
 * (plus the lock format's own: kinds "archive" and "file", how "unpack"),
 * and every config key a provider owns is a property of the config
 * schema.  A new provider that forgets the schemas fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "pinwheel/provider.h"

static json_t *load(const char *rel)
{
	char path[4096];
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", PW_SRCDIR, rel);
	j = json_load_file(path, 0, &je);
	if (!j)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	return j;
}

/* The first member @key of an object anywhere under @j that has an
 * "enum" (the schema's "kind" and "how"). */
static json_t *find_enum(json_t *j, const char *key)
{
	const char *k;
	json_t *v, *r;
	size_t i;

	if (json_is_object(j)) {
		v = json_object_get(j, key);
		if (json_is_object(v) && json_is_array(json_object_get(v, "enum")))
			return json_object_get(v, "enum");
		json_object_foreach(j, k, v)
			if ((r = find_enum(v, key)))
				return r;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if ((r = find_enum(v, key)))
				return r;
	}
	return NULL;
}

/* Is @name a member of some "properties" object anywhere under @j? */
static bool has_property(json_t *j, const char *name)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		v = json_object_get(j, "properties");
		if (json_is_object(v) && json_object_get(v, name))
			return true;
		json_object_foreach(j, k, v)
			if (has_property(v, name))
				return true;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (has_property(v, name))
				return true;
	}
	return false;
}

static bool in_enum(json_t *e, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(e, i, v)
		if (!strcmp(json_string_value(v), s))
			return true;
	return false;
}

/* Every string of @e is in @have (n), and every one of @have in @e. */
static void same_set(json_t *e, const char *const *have, size_t n, const char *what)
{
	json_t *v;
	size_t i, j;

	for (i = 0; i < n; i++)
		if (!in_enum(e, have[i]))
			fail_msg("%s \"%s\" of the provider table is not in the lock schema", what,
				 have[i]);
	json_array_foreach(e, i, v) {
		for (j = 0; j < n && strcmp(have[j], json_string_value(v)); j++)
			;
		if (j == n)
			fail_msg("%s \"%s\" of the lock schema is no provider's", what,
				 json_string_value(v));
	}
}

static void test_lock_schema(void **state)
{
	json_t *s = load("profiles/schema/pinwheel.lock.schema.json");
	json_t *kinds = find_enum(s, "kind"), *hows = find_enum(s, "how");
	const char *k[64] = {"archive", "file"}, *h[64] = {"unpack"};
	size_t nk = 2, nh = 1;

	(void)state;
	assert_non_null(kinds);
	assert_non_null(hows);
	for (const struct pw_provider *const *p = pw_providers; *p; p++) {
		for (const char *const *x = (*p)->kinds; x && *x; x++) {
			size_t i;

			for (i = 0; i < nk && strcmp(k[i], *x); i++)
				;
			if (i == nk && nk < 64)
				k[nk++] = *x;
		}
		for (size_t i = 0; i < (*p)->nhows && nh < 64; i++)
			h[nh++] = (*p)->hows[i].how;
	}
	same_set(kinds, k, nk, "artifact kind");
	same_set(hows, h, nh, "layer how");
	json_decref(s);
}

static void test_config_schema(void **state)
{
	json_t *s = load("profiles/schema/pinwheel.schema.json");
	size_t n = 0;

	(void)state;
	for (const struct pw_provider *const *p = pw_providers; *p; p++)
		for (size_t i = 0; i < (*p)->nkeys; i++, n++)
			if (!has_property(s, (*p)->keys[i].key))
				fail_msg("key \"%s\" of provider %s is not in the config schema",
					 (*p)->keys[i].key, (*p)->name);
	assert_true(n >= 6); /* debian, oci, archive(s), build_requires, crates, ... */
	assert_false(has_property(s, "no-such-key"));
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lock_schema),
	    cmocka_unit_test(test_config_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
