/* jcheck.c - member-by-member checks of a JSON document with one-line
 * messages (see include/pinwheel/jcheck.h). */
#include <stdarg.h>
#include <string.h>

#include "pinwheel/jcheck.h"

int pw_jcheck_fail(const struct pw_jcheck *j, const struct pw_jpos *p, bool key, const char *field,
		   const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	int line = p ? (key ? p->kline : p->line) : 1, col = p ? (key ? p->kcol : p->col) : 1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (field && *field)
		return pw_err_set(j->e, EINVAL, "%s:%d:%d: %s: %s", j->name, line, col, field, msg);
	return pw_err_set(j->e, EINVAL, "%s:%d:%d: %s", j->name, line, col, msg);
}

const char *pw_jcheck_type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

int pw_jcheck_type(const struct pw_jcheck *j, const struct pw_jpos *p, const char *field,
		   const char *want, json_t *v)
{
	return pw_jcheck_fail(j, p, true, field, "expected %s, got %s", want,
			      pw_jcheck_type_name(v));
}

int pw_jcheck_keys(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		   const char *field, const char *const *allowed, size_t n)
{
	char list[300] = "";
	const char *k, *dym;
	size_t i = 0, m, len;
	void *it;

	for (it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), i++) {
		k = json_object_iter_key(it);
		for (m = 0; m < n; m++)
			if (!strcmp(k, allowed[m]))
				break;
		if (m < n)
			continue;
		dym = pw_did_you_mean(k, allowed, n);
		if (dym)
			return pw_jcheck_fail(j, pw_jpos_elem(p, i), true, field,
					      "unknown key '%s' (did you mean '%s'?)", k, dym);
		for (m = 0; m < n; m++) {
			len = strlen(list);
			snprintf(list + len, sizeof(list) - len, "%s%s", m ? ", " : "", allowed[m]);
		}
		return pw_jcheck_fail(j, pw_jpos_elem(p, i), true, field,
				      "unknown key '%s' (expected one of: %s)", k, list);
	}
	return 0;
}

char *pw_jcheck_field(const char *field, const char *key)
{
	return *field ? pw_xasprintf("%s.%s", field, key) : pw_xstrdup(key);
}

char *pw_jcheck_elem(const char *field, size_t i)
{
	return pw_xasprintf("%s[%zu]", field, i);
}

bool pw_jcheck_relpath_ok(const char *p)
{
	const char *c = p;

	if (!*p || *p == '/')
		return false;
	while (*c) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += len;
		if (*c == '/')
			c++;
	}
	return true;
}

bool pw_jcheck_abspath_ok(const char *p)
{
	return p[0] == '/' && (!p[1] || pw_jcheck_relpath_ok(p + 1));
}

bool pw_jcheck_url_ok(const char *u)
{
	return (!strncmp(u, "http://", 7) && u[7]) || (!strncmp(u, "https://", 8) && u[8]) ||
	       (!strncmp(u, "file://", 7) && u[7]);
}

static int cmp_dup(const void *a, const void *b, void *ud)
{
	char *const *v = ud;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x], v[y]);

	return c ? c : (x > y) - (x < y);
}

size_t pw_jcheck_first_dup(char *const *v, size_t n)
{
	size_t *ix = pw_xcalloc(n + 1, sizeof(*ix)), best = SIZE_MAX;

	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), cmp_dup, (void *)v);
	for (size_t i = 1; i < n; i++) /* every later member of a group repeats */
		if (!strcmp(v[ix[i]], v[ix[i - 1]]) && ix[i] < best)
			best = ix[i];
	free(ix);
	return best;
}

int pw_jcheck_str(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		  const char *field, const char *key, bool required, char **out)
{
	_cleanup_free_ char *f = pw_jcheck_field(field, key);
	const struct pw_jpos *kp;
	json_t *v;

	kp = pw_jpos_member(obj, p, key, &v);
	if (!v) {
		if (required)
			return pw_jcheck_fail(j, p, true, field, "missing '%s'", key);
		return 0;
	}
	if (!json_is_string(v))
		return pw_jcheck_type(j, kp, f, "a string", v);
	if (!*json_string_value(v))
		return pw_jcheck_fail(j, kp, true, f, "must not be empty");
	*out = pw_xstrdup(json_string_value(v));
	return 0;
}

int pw_jcheck_strv(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		   const char *field, const char *key, bool required,
		   const char *(*check)(const char *), char ***out, size_t *nout)
{
	_cleanup_free_ char *f = pw_jcheck_field(field, key);
	const struct pw_jpos *kp;
	const char *what;
	json_t *v, *x;
	size_t i, m;

	kp = pw_jpos_member(obj, p, key, &v);
	if (!v) {
		if (required)
			return pw_jcheck_fail(j, p, true, field, "missing '%s'", key);
		return 0;
	}
	if (!json_is_array(v))
		return pw_jcheck_type(j, kp, f, "an array of strings", v);
	if (required && json_array_size(v) == 0)
		return pw_jcheck_fail(j, kp, true, f, "must not be empty");
	*out = pw_xcalloc(json_array_size(v) + 1, sizeof(**out));
	for (i = 0; i < json_array_size(v); i++) {
		_cleanup_free_ char *ef = pw_jcheck_elem(f, i);
		x = json_array_get(v, i);
		if (!json_is_string(x))
			return pw_jcheck_fail(j, pw_jpos_elem(kp, i), false, ef,
					      "expected a string, got %s", pw_jcheck_type_name(x));
		if (!*json_string_value(x))
			return pw_jcheck_fail(j, pw_jpos_elem(kp, i), false, ef,
					      "must not be empty");
		if (check && (what = check(json_string_value(x))))
			return pw_jcheck_fail(j, pw_jpos_elem(kp, i), false, ef,
					      "expected %s, got '%s'", what, json_string_value(x));
		(*out)[(*nout)++] = pw_xstrdup(json_string_value(x));
	}
	m = pw_jcheck_first_dup(*out, *nout);
	if (m != SIZE_MAX) {
		_cleanup_free_ char *ef = pw_jcheck_elem(f, m);
		return pw_jcheck_fail(j, pw_jpos_elem(kp, m), false, ef, "'%s' is listed twice",
				      (*out)[m]);
	}
	return 0;
}
