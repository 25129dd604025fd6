/* config.c - load and validate pinwheel.json, expand the target matrix (see
 * include/pinwheel/config.h and docs/config.md).
 *
 * jansson parses (and rejects duplicate keys); lib/jpos.c gives each key
 * and value its line:column, walked in parallel with the DOM.  Validation
 * stops at the first problem; everything allocated so far is released by
 * pw_config_release(), so the walkers below may return early. */
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/config.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jpos.h"
#include "pinwheel/json.h"
#include "pinwheel/oci.h"

#define PW_CONFIG_MAX_GLOBS 1000 /* each is matched against every target */

struct platform {
	const char *name, *arch, *debian_arch;
};

/* Canonical platform order (the matrix is sorted by it). */
static const struct platform platforms[] = {
    {"manylinux_x86_64", "x86_64", "amd64"},
    {"manylinux_aarch64", "aarch64", "arm64"},
    {"manylinux_i686", "i686", "i386"},
};

/* Variables whose value pinwheel fixes in every sandbox (DESIGN.md 2.4). */
static const char *const reserved_env[] = {
    "HOME", "LANG", "LC_ALL", "PWD", "SOURCE_DATE_EPOCH", "TZ", "USER",
};

struct ld {
	const char *name; /* file name for messages */
	struct pw_config *c;
	struct pw_err *e;
};

/* Fail at @p (its key when @key, else the value) for @field. */
static int fail(struct ld *l, const struct pw_jpos *p, bool key, const char *field, const char *fmt,
		...) PW_PRINTF(5, 6);
static int fail(struct ld *l, const struct pw_jpos *p, bool key, const char *field, const char *fmt,
		...)
{
	char msg[400];
	va_list ap;
	int line = p ? (key ? p->kline : p->line) : 1, col = p ? (key ? p->kcol : p->col) : 1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (field && *field)
		return pw_err_set(l->e, EINVAL, "%s:%d:%d: %s: %s", l->name, line, col, field, msg);
	return pw_err_set(l->e, EINVAL, "%s:%d:%d: %s", l->name, line, col, msg);
}

static const char *type_name(json_t *v)
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

static int wrong_type(struct ld *l, const struct pw_jpos *p, const char *field, const char *want,
		      json_t *v)
{
	return fail(l, p, true, field, "expected %s, got %s", want, type_name(v));
}

/* Every key of @obj must be in @allowed. */
static int check_keys(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
		      const char *const *allowed, size_t n)
{
	char list[300] = "";
	const char *k, *dym;
	size_t i = 0, j, len;
	void *it;

	for (it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), i++) {
		k = json_object_iter_key(it);
		for (j = 0; j < n; j++)
			if (!strcmp(k, allowed[j]))
				break;
		if (j < n)
			continue;
		dym = pw_did_you_mean(k, allowed, n);
		if (dym)
			return fail(l, pw_jpos_elem(p, i), true, field,
				    "unknown key '%s' (did you mean '%s'?)", k, dym);
		for (j = 0; j < n; j++) {
			len = strlen(list);
			snprintf(list + len, sizeof(list) - len, "%s%s", j ? ", " : "", allowed[j]);
		}
		return fail(l, pw_jpos_elem(p, i), true, field,
			    "unknown key '%s' (expected one of: %s)", k, list);
	}
	return 0;
}

static char *subfield(const char *field, const char *key)
{
	return *field ? pw_xasprintf("%s.%s", field, key) : pw_xstrdup(key);
}

static char *elemfield(const char *field, size_t i)
{
	return pw_xasprintf("%s[%zu]", field, i);
}

static bool relpath_ok(const char *p)
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

static bool abspath_ok(const char *p)
{
	return p[0] == '/' && (!p[1] || relpath_ok(p + 1));
}

static bool url_ok(const char *u)
{
	return (!strncmp(u, "http://", 7) && u[7]) || (!strncmp(u, "https://", 8) && u[8]) ||
	       (!strncmp(u, "file://", 7) && u[7]);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_dup(const void *a, const void *b, void *ud)
{
	char *const *v = ud;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x], v[y]);

	return c ? c : (x > y) - (x < y);
}

/* The first index i of @v (@n strings) whose string appears at some j < i,
 * or SIZE_MAX; n log n, as the lists come from untrusted files. */
static size_t first_dup(char *const *v, size_t n)
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

/* A string member; *out stays NULL when absent and !@required. */
static int get_str(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
		   const char *key, bool required, char **out)
{
	_cleanup_free_ char *f = subfield(field, key);
	const struct pw_jpos *kp;
	json_t *v;

	kp = pw_jpos_member(obj, p, key, &v);
	if (!v) {
		if (required)
			return fail(l, p, true, field, "missing '%s'", key);
		return 0;
	}
	if (!json_is_string(v))
		return wrong_type(l, kp, f, "a string", v);
	if (!*json_string_value(v))
		return fail(l, kp, true, f, "must not be empty");
	*out = pw_xstrdup(json_string_value(v));
	return 0;
}

/* An array of non-empty strings; each is checked by @check (may be NULL),
 * which returns a description of what was expected or NULL when fine. */
static int get_strv(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
		    const char *key, bool required, const char *(*check)(const char *), char ***out,
		    size_t *nout)
{
	_cleanup_free_ char *f = subfield(field, key);
	const struct pw_jpos *kp;
	const char *what;
	json_t *v, *x;
	size_t i, j;

	kp = pw_jpos_member(obj, p, key, &v);
	if (!v) {
		if (required)
			return fail(l, p, true, field, "missing '%s'", key);
		return 0;
	}
	if (!json_is_array(v))
		return wrong_type(l, kp, f, "an array of strings", v);
	if (required && json_array_size(v) == 0)
		return fail(l, kp, true, f, "must not be empty");
	*out = pw_xcalloc(json_array_size(v) + 1, sizeof(**out));
	for (i = 0; i < json_array_size(v); i++) {
		_cleanup_free_ char *ef = elemfield(f, i);
		x = json_array_get(v, i);
		if (!json_is_string(x))
			return fail(l, pw_jpos_elem(kp, i), false, ef, "expected a string, got %s",
				    type_name(x));
		if (!*json_string_value(x))
			return fail(l, pw_jpos_elem(kp, i), false, ef, "must not be empty");
		if (check && (what = check(json_string_value(x))))
			return fail(l, pw_jpos_elem(kp, i), false, ef, "expected %s, got '%s'",
				    what, json_string_value(x));
		(*out)[(*nout)++] = pw_xstrdup(json_string_value(x));
	}
	j = first_dup(*out, *nout);
	if (j != SIZE_MAX) {
		_cleanup_free_ char *ef = elemfield(f, j);
		return fail(l, pw_jpos_elem(kp, j), false, ef, "'%s' is listed twice", (*out)[j]);
	}
	return 0;
}

static const char *check_url(const char *s)
{
	return url_ok(s) ? NULL : "an http://, https:// or file:// url";
}

static const char *check_glob(const char *s)
{
	return strlen(s) < 200 ? NULL : "a target-id glob";
}

static const char *check_package(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("+-.:", *c)))
			return "a Debian package name (lowercase letters, digits, + - . and an "
			       "optional :arch)";
	return NULL;
}

bool pw_platform_info(const char *name, const char **arch, const char **debian_arch)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(platforms); i++)
		if (!strcmp(name, platforms[i].name)) {
			if (arch)
				*arch = platforms[i].arch;
			if (debian_arch)
				*debian_arch = platforms[i].debian_arch;
			return true;
		}
	return false;
}

static size_t platform_index(const char *name)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(platforms); i++)
		if (!strcmp(name, platforms[i].name))
			return i;
	return PW_ARRAY_SIZE(platforms);
}

static int platform_value(struct ld *l, const struct pw_jpos *p, const char *field, const char *s)
{
	const char *names[PW_ARRAY_SIZE(platforms)], *dym;

	if (pw_platform_info(s, NULL, NULL))
		return 0;
	for (size_t i = 0; i < PW_ARRAY_SIZE(platforms); i++)
		names[i] = platforms[i].name;
	dym = pw_did_you_mean(s, names, PW_ARRAY_SIZE(names));
	if (dym)
		return fail(l, p, false, field, "unknown platform '%s' (did you mean '%s'?)", s,
			    dym);
	return fail(l, p, false, field,
		    "unknown platform '%s' (expected manylinux_x86_64, manylinux_aarch64 or "
		    "manylinux_i686)",
		    s);
}

int pw_python_tag(const char *version, char tag[PW_PYTAG_MAX], unsigned *minor, bool *ft)
{
	const char *s = version;
	unsigned m = 0;
	size_t digits = 0;

	if (strncmp(s, "3.", 2) != 0)
		return -EINVAL;
	s += 2;
	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return -EINVAL; /* no leading zeros */
	while (*s >= '0' && *s <= '9' && digits < 3) {
		m = m * 10 + (unsigned)(*s - '0');
		s++;
		digits++;
	}
	if (!digits || m < 6 || m > 99)
		return -EINVAL;
	*ft = false;
	if (*s == 't') {
		*ft = true;
		s++;
	}
	if (*s)
		return -EINVAL;
	*minor = m;
	snprintf(tag, PW_PYTAG_MAX, "cp3%u%s", m, *ft ? "t" : "");
	return 0;
}

/* PEP 508 name: letters, digits, and . _ - inside. */
static bool pin_name_ok(const char *s, size_t n)
{
	if (!n || n > 200)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && !((i > 0 && i + 1 < n) && strchr("._-", c)))
			return false;
	}
	return true;
}

/* An exact PEP 440 version: starts with a digit, then digits, letters and
 * . ! + _ - (no wildcard, no range, no spaces). */
static bool pin_version_ok(const char *s)
{
	if (!(*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(".!+_-", *s)))
			return false;
	return true;
}

int pw_pin_parse(const char *s, struct pw_pin *out, struct pw_err *e)
{
	const char *eq = strstr(s, "==");

	out->name = out->version = NULL;
	if (!eq || eq[2] == '=')
		return pw_err_set(e, EINVAL, "'%s' is not an exact pin: expected name==version", s);
	if (!pin_name_ok(s, (size_t)(eq - s)))
		return pw_err_set(e, EINVAL,
				  "'%s': the name must be a PyPI project name (letters, digits, . "
				  "_ -), without extras or spaces",
				  s);
	if (!pin_version_ok(eq + 2))
		return pw_err_set(e, EINVAL,
				  "'%s' is not an exact pin: the version must be exact (like "
				  "2.1.3), without wildcards, ranges or markers",
				  s);
	out->name = pw_xasprintf("%.*s", (int)(eq - s), s);
	out->version = pw_xstrdup(eq + 2);
	return 0;
}

/* PyPI normalised name: lowercase, runs of . _ - become one -. */
/* @out has room for strlen(@s) + 1 bytes (it may be @s itself). */
static void norm_name(const char *s, char *out)
{
	size_t o = 0;

	for (; *s; s++) {
		if (strchr("._-", *s)) {
			if (o && out[o - 1] == '-')
				continue;
			out[o++] = '-';
		} else {
			out[o++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
		}
	}
	out[o] = '\0';
}

static int get_pins(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
		    const char *key, struct pw_pypi_spec *out)
{
	_cleanup_free_ char *f = subfield(field, key);
	const struct pw_jpos *kp;
	struct pw_err pe = PW_ERR_INIT;
	json_t *v, *x;
	char **norm;
	size_t i, j;

	kp = pw_jpos_member(obj, p, key, &v);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return wrong_type(l, kp, f, "an array of pins like \"numpy==2.3.5\"", v);
	out->pins = pw_xcalloc(json_array_size(v) + 1, sizeof(*out->pins));
	for (i = 0; i < json_array_size(v); i++) {
		_cleanup_free_ char *ef = elemfield(f, i);
		x = json_array_get(v, i);
		if (!json_is_string(x))
			return fail(l, pw_jpos_elem(kp, i), false, ef,
				    "expected a pin like \"numpy==2.3.5\", got %s", type_name(x));
		if (pw_pin_parse(json_string_value(x), &out->pins[i], &pe) < 0)
			return fail(l, pw_jpos_elem(kp, i), false, ef, "%s", pe.msg);
		out->n++;
	}
	norm = pw_xcalloc(out->n + 1, sizeof(*norm));
	for (i = 0; i < out->n; i++) {
		norm[i] = pw_xstrdup(out->pins[i].name);
		norm_name(out->pins[i].name, norm[i]);
	}
	j = first_dup(norm, out->n);
	strv_free(norm, out->n);
	if (j != SIZE_MAX) {
		_cleanup_free_ char *ef = elemfield(f, j);
		return fail(l, pw_jpos_elem(kp, j), false, ef, "'%s' is pinned twice",
			    out->pins[j].name);
	}
	return 0;
}

static void pins_release(struct pw_pypi_spec *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->pins[i].name);
		free(s->pins[i].version);
	}
	free(s->pins);
	s->pins = NULL;
	s->n = 0;
}

/* Sizes: an integer (bytes) or a string like "4G". */
static int get_size(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
		    const char *key, uint64_t *out)
{
	_cleanup_free_ char *f = subfield(field, key);
	const struct pw_jpos *kp = pw_jpos_member(obj, p, key, &(json_t *){NULL});
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && pw_parse_size(json_string_value(v), out) == 0 && *out > 0)
		return 0;
	if (json_is_string(v))
		return fail(l, kp, true, f, "expected a size like \"512M\" or \"4G\", got '%s'",
			    json_string_value(v));
	return wrong_type(l, kp, f, "a size like \"4G\" or a number of bytes", v);
}

/* Durations: an integer (seconds) or a string "90s", "30m", "2h". */
static int get_duration(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
			const char *key, uint64_t *out)
{
	_cleanup_free_ char *f = subfield(field, key);
	const struct pw_jpos *kp = pw_jpos_member(obj, p, key, &(json_t *){NULL});
	json_t *v = json_object_get(obj, key);
	char num[32];
	uint64_t n, mul = 1;
	size_t len;

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return wrong_type(l, kp, f, "a duration like \"30m\" or a number of seconds", v);
	len = strlen(json_string_value(v));
	if (len > 1 && len < sizeof(num)) {
		memcpy(num, json_string_value(v), len + 1);
		switch (num[len - 1]) {
		case 's':
			mul = 1;
			num[--len] = '\0';
			break;
		case 'm':
			mul = 60;
			num[--len] = '\0';
			break;
		case 'h':
			mul = 3600;
			num[--len] = '\0';
			break;
		default:
			break;
		}
		if (pw_parse_u64(num, &n) == 0 && n > 0 && n <= UINT64_MAX / mul) {
			*out = n * mul;
			return 0;
		}
	}
	return fail(l, kp, true, f, "expected a duration like \"90s\", \"30m\" or \"2h\", got '%s'",
		    json_string_value(v));
}

static int get_count(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
		     const char *key, uint64_t max, uint64_t *out)
{
	_cleanup_free_ char *f = subfield(field, key);
	const struct pw_jpos *kp = pw_jpos_member(obj, p, key, &(json_t *){NULL});
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    (uint64_t)json_integer_value(v) > max)
		return fail(l, kp, true, f, "expected an integer from 1 to %llu",
			    (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static const char *url_basename(const char *url)
{
	const char *end = url + strcspn(url, "?#"), *s = end;

	while (s > url && s[-1] != '/')
		s--;
	return s;
}

static void archive_spec_release(struct pw_archive_spec *a)
{
	free((char *)a->field);
	free(a->name);
	strv_free(a->urls, a->nurls);
	free((char *)a->unpack.subdir);
	free(a->dest);
	strv_free(a->platforms, a->nplatforms);
}

static int parse_archive(struct ld *l, json_t *o, const struct pw_jpos *p, const char *field,
			 struct pw_archive_spec *a)
{
	static const char *const keys[] = {"name",  "url",    "urls", "sha256",	  "size",
					   "strip", "subdir", "dest", "platforms"};
	const struct pw_jpos *kp;
	char *url = NULL;
	json_t *v;
	int r;

	a->field = pw_xstrdup(field);
	a->size = PW_SIZE_UNKNOWN;
	if (!json_is_object(o))
		return wrong_type(l, p, field, "an object with 'url' and optional 'sha256'", o);
	r = check_keys(l, o, p, field, keys, PW_ARRAY_SIZE(keys));
	if (r < 0)
		return r;
	r = get_str(l, o, p, field, "url", false, &url);
	if (r < 0)
		return r;
	r = get_strv(l, o, p, field, "urls", false, check_url, &a->urls, &a->nurls);
	if (r < 0) {
		free(url);
		return r;
	}
	if (url && a->urls) {
		free(url);
		kp = pw_jpos_member(o, p, "urls", &v);
		return fail(l, kp, true, field, "give either 'url' or 'urls', not both");
	}
	if (url) {
		if (!url_ok(url)) {
			kp = pw_jpos_member(o, p, "url", &v);
			r = fail(l, kp, true, field,
				 "'url' must be an http://, https:// or file:// url, got '%s'",
				 url);
			free(url);
			return r;
		}
		a->urls = pw_xcalloc(1, sizeof(*a->urls));
		a->urls[a->nurls++] = url;
	}
	if (!a->nurls)
		return fail(l, p, false, field, "missing 'url'");
	r = get_str(l, o, p, field, "name", false, &a->name);
	if (r < 0)
		return r;
	if (!a->name) {
		a->name = pw_xstrdup(url_basename(a->urls[0]));
		if (!*a->name)
			return fail(l, p, false, field, "give a 'name': the url ends with '/'");
	}
	kp = pw_jpos_member(o, p, "sha256", &v);
	if (v) {
		if (!json_is_string(v) || !pw_sha256_hex_valid(json_string_value(v)))
			return fail(l, kp, true, field, "'sha256' must be 64 lowercase hex digits");
		snprintf(a->sha256, sizeof(a->sha256), "%s", json_string_value(v));
	}
	kp = pw_jpos_member(o, p, "size", &v);
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return fail(l, kp, true, field,
				    "'size' must be a non-negative integer (bytes)");
		a->size = (uint64_t)json_integer_value(v);
	}
	kp = pw_jpos_member(o, p, "strip", &v);
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 64)
			return fail(l, kp, true, field, "'strip' must be an integer from 0 to 64");
		a->unpack.strip = (unsigned)json_integer_value(v);
		a->has_unpack = true;
	}
	kp = pw_jpos_member(o, p, "subdir", &v);
	if (v) {
		if (!json_is_string(v) || !relpath_ok(json_string_value(v)))
			return fail(l, kp, true, field,
				    "'subdir' must be a relative path without '..' components");
		a->unpack.subdir = pw_xstrdup(json_string_value(v));
		a->has_unpack = true;
	}
	kp = pw_jpos_member(o, p, "dest", &v);
	if (v) {
		if (!json_is_string(v) || !abspath_ok(json_string_value(v)))
			return fail(
			    l, kp, true, field,
			    "'dest' must be an absolute path in the root without '..' components");
	}
	a->dest = pw_xstrdup(v ? json_string_value(v) : "/");
	r = get_strv(l, o, p, field, "platforms", false, NULL, &a->platforms, &a->nplatforms);
	if (r < 0)
		return r;
	kp = pw_jpos_member(o, p, "platforms", &v);
	for (size_t i = 0; i < a->nplatforms; i++) {
		_cleanup_free_ char *ef = pw_xasprintf("%s.platforms[%zu]", field, i);
		r = platform_value(l, pw_jpos_elem(kp, i), ef, a->platforms[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "archive": {...} or "archives": [{...}, ...] in @o. */
static int parse_archives(struct ld *l, json_t *o, const struct pw_jpos *p, const char *field,
			  const char *key, struct pw_archive_spec **out, size_t *nout)
{
	_cleanup_free_ char *f = subfield(field, key);
	const struct pw_jpos *kp = pw_jpos_member(o, p, key, &(json_t *){NULL});
	json_t *v = json_object_get(o, key);
	size_t i;
	int r;

	if (!v)
		return 0;
	if (!strcmp(key, "archive")) {
		*out = pw_xcalloc(1, sizeof(**out));
		*nout = 1;
		return parse_archive(l, v, kp, f, &(*out)[0]);
	}
	if (!json_is_array(v))
		return wrong_type(l, kp, f, "an array of archives", v);
	*out = pw_xcalloc(json_array_size(v) + 1, sizeof(**out));
	for (i = 0; i < json_array_size(v); i++) {
		_cleanup_free_ char *ef = elemfield(f, i);
		(*nout)++;
		r = parse_archive(l, json_array_get(v, i), pw_jpos_elem(kp, i), ef, &(*out)[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_base(struct ld *l, json_t *o, const struct pw_jpos *p, const char *field,
		      struct pw_python *py)
{
	static const char *const keys[] = {"debian", "archive", "archives", "oci"};
	static const char *const dkeys[] = {"suite", "packages", "mirror", "keyring"};
	_cleanup_free_ char *df = subfield(field, "debian");
	const struct pw_jpos *kp;
	json_t *v;
	int r, kinds = 0;

	if (!json_is_object(o))
		return wrong_type(l, p, field, "an object with one of 'debian', 'archive', 'oci'",
				  o);
	r = check_keys(l, o, p, field, keys, PW_ARRAY_SIZE(keys));
	if (r < 0)
		return r;
	kinds = (json_object_get(o, "debian") != NULL) + (json_object_get(o, "archive") != NULL) +
		(json_object_get(o, "archives") != NULL) + (json_object_get(o, "oci") != NULL);
	if (kinds != 1)
		return fail(l, p, false, field,
			    "give exactly one of 'debian', 'archive', 'archives' or 'oci'");
	kp = pw_jpos_member(o, p, "debian", &v);
	if (v) {
		py->base = PW_BASE_DEBIAN;
		py->debian.field = pw_xstrdup(df);
		if (!json_is_object(v))
			return wrong_type(l, kp, df, "an object with 'suite' and 'packages'", v);
		r = check_keys(l, v, kp, df, dkeys, PW_ARRAY_SIZE(dkeys));
		if (r < 0)
			return r;
		r = get_str(l, v, kp, df, "suite", true, &py->debian.suite);
		if (r < 0)
			return r;
		if (check_package(py->debian.suite)) {
			const struct pw_jpos *sp =
			    pw_jpos_member(v, kp, "suite", &(json_t *){NULL});
			return fail(l, sp, true, df,
				    "'suite' must be a suite or codename like \"bookworm\"");
		}
		r = get_strv(l, v, kp, df, "packages", true, check_package, &py->debian.packages,
			     &py->debian.npackages);
		if (r < 0)
			return r;
		r = get_str(l, v, kp, df, "mirror", false, &py->debian.mirror);
		if (r < 0)
			return r;
		if (py->debian.mirror && !url_ok(py->debian.mirror)) {
			const struct pw_jpos *mp =
			    pw_jpos_member(v, kp, "mirror", &(json_t *){NULL});
			return fail(l, mp, true, df,
				    "'mirror' must be an http://, https:// or file:// url");
		}
		r = get_str(l, v, kp, df, "keyring", false, &py->debian.keyring);
		if (r < 0)
			return r;
		if (py->debian.keyring && !py->debian.keyring[0]) {
			const struct pw_jpos *kr =
			    pw_jpos_member(v, kp, "keyring", &(json_t *){NULL});
			return fail(l, kr, true, df,
				    "'keyring' must be the path of an OpenPGP keyring file");
		}
		return 0;
	}
	kp = pw_jpos_member(o, p, "oci", &v);
	if (v) {
		_cleanup_free_ char *of = subfield(field, "oci");
		py->base = PW_BASE_OCI;
		py->oci.field = pw_xstrdup(of);
		struct pw_oci_ref ref;
		struct pw_err re = PW_ERR_INIT;
		if (!json_is_string(v))
			return fail(l, kp, true, of,
				    "expected an image reference, like "
				    "\"registry.example/pypa/manylinux_2_28_x86_64:latest\"");
		if (pw_oci_ref_parse(json_string_value(v), &ref, &re) < 0)
			return fail(l, kp, true, of, "%s", re.msg);
		pw_oci_ref_release(&ref);
		py->oci.image = pw_xstrdup(json_string_value(v));
		return 0;
	}
	py->base = PW_BASE_ARCHIVE;
	r = parse_archives(l, o, p, field, json_object_get(o, "archive") ? "archive" : "archives",
			   &py->archives, &py->narchives);
	if (r < 0)
		return r;
	if (!py->narchives)
		return fail(l, p, false, field, "'archives' must not be empty");
	for (size_t i = 0; i < py->narchives; i++)
		py->archives[i].python_base = true;
	return 0;
}

static int cmp_python(const void *pa, const void *pb)
{
	const struct pw_python *a = pa, *b = pb;

	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	return (int)a->freethreaded - (int)b->freethreaded;
}

static int parse_pythons(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	static const char *const keys[] = {"base"};
	struct pw_config *c = l->c;
	const struct pw_jpos *kp, *vp;
	const char *k;
	json_t *o, *v;
	size_t i = 0;
	void *it;
	int r;

	kp = pw_jpos_member(root, rp, "python", &o);
	if (!o)
		return fail(l, rp, false, "",
			    "missing 'python' (the Python versions to build for)");
	if (!json_is_object(o))
		return wrong_type(l, kp, "python",
				  "an object keyed by Python version like \"3.13\"", o);
	if (json_object_size(o) == 0)
		return fail(l, kp, true, "python", "must name at least one Python version");
	c->pythons = pw_xcalloc(json_object_size(o), sizeof(*c->pythons));
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		struct pw_python *py = &c->pythons[c->npythons++];
		char tag[PW_PYTAG_MAX];
		_cleanup_free_ char *bf = NULL;
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		vp = pw_jpos_elem(kp, i);
		py->field = pw_xasprintf("python.%s", k);
		py->version = pw_xstrdup(k);
		if (pw_python_tag(k, tag, &py->minor, &py->freethreaded) < 0)
			return fail(l, vp, true, "python",
				    "'%s' is not a Python version: expected \"3.N\" (like "
				    "\"3.13\", or \"3.13t\" for free-threaded)",
				    k);
		py->tag = pw_xstrdup(tag);
		for (size_t j = 0; j + 1 < c->npythons; j++)
			if (!strcmp(c->pythons[j].tag, py->tag))
				return fail(l, vp, true, "python",
					    "'%s' names the same Python as '%s'", k,
					    c->pythons[j].version);
		if (!json_is_object(v))
			return wrong_type(l, vp, py->field, "an object with 'base'", v);
		r = check_keys(l, v, vp, py->field, keys, PW_ARRAY_SIZE(keys));
		if (r < 0)
			return r;
		bf = subfield(py->field, "base");
		{
			json_t *b;
			const struct pw_jpos *bp = pw_jpos_member(v, vp, "base", &b);
			if (!b)
				return fail(l, vp, true, py->field, "missing 'base'");
			r = parse_base(l, b, bp, bf, py);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_rust(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	static const char *const keys[] = {"from", "archive", "archives"};
	struct pw_config *c = l->c;
	const struct pw_jpos *kp;
	char *from = NULL;
	json_t *o;
	int r, n;

	kp = pw_jpos_member(root, rp, "rust", &o);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return wrong_type(l, kp, "rust", "an object with 'from' or 'archives'", o);
	r = check_keys(l, o, kp, "rust", keys, PW_ARRAY_SIZE(keys));
	if (r < 0)
		return r;
	n = (json_object_get(o, "from") != NULL) + (json_object_get(o, "archive") != NULL) +
	    (json_object_get(o, "archives") != NULL);
	if (n != 1)
		return fail(l, kp, true, "rust", "give exactly one of 'from' or 'archives'");
	r = get_str(l, o, kp, "rust", "from", false, &from);
	if (r < 0)
		return r;
	if (from) {
		bool ok = !strcmp(from, "base");
		free(from);
		if (!ok)
			return fail(l, pw_jpos_member(o, kp, "from", &(json_t *){NULL}), true,
				    "rust.from",
				    "expected \"base\" (rustc and cargo come with the base root)");
		c->rust = PW_RUST_BASE;
		return 0;
	}
	c->rust = PW_RUST_ARCHIVE;
	r = parse_archives(l, o, kp, "rust", json_object_get(o, "archive") ? "archive" : "archives",
			   &c->rust_archives, &c->nrust_archives);
	if (r < 0)
		return r;
	if (!c->nrust_archives)
		return fail(l, kp, true, "rust", "'archives' must not be empty");
	return 0;
}

static int parse_env(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	struct pw_config *c = l->c;
	const struct pw_jpos *kp;
	const char *k;
	json_t *o, *v;
	size_t i = 0, j;
	void *it;

	kp = pw_jpos_member(root, rp, "env", &o);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return wrong_type(l, kp, "env", "an object of NAME: \"value\"", o);
	c->env = pw_xcalloc(json_object_size(o) + 1, sizeof(*c->env));
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		const struct pw_jpos *vp = pw_jpos_elem(kp, i);
		_cleanup_free_ char *f = NULL;
		bool ok = true;
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		f = pw_xasprintf("env.%s", k);
		if (!*k || (k[0] >= '0' && k[0] <= '9'))
			ok = false;
		for (const char *s = k; *s; s++)
			if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			      (*s >= '0' && *s <= '9') || *s == '_'))
				ok = false;
		if (!ok)
			return fail(l, vp, true, "env",
				    "'%s' is not a variable name (letters, digits and _, not "
				    "starting with a digit)",
				    k);
		for (j = 0; j < PW_ARRAY_SIZE(reserved_env); j++)
			if (!strcmp(k, reserved_env[j]))
				return fail(
				    l, vp, true, f,
				    "is fixed by pinwheel in every sandbox and cannot be set");
		if (!json_is_string(v))
			return wrong_type(l, vp, f, "a string", v);
		c->env[c->nenv].name = pw_xstrdup(k);
		c->env[c->nenv].value = pw_xstrdup(json_string_value(v));
		c->nenv++;
	}
	return 0;
}

static int cmp_env(const void *a, const void *b)
{
	return strcmp(((const struct pw_env_var *)a)->name, ((const struct pw_env_var *)b)->name);
}

static int parse_limits(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	static const char *const keys[] = {"memory", "tmpfs", "timeout", "pids", "cpus", "nofile"};
	struct pw_limits *lm = &l->c->limits;
	const struct pw_jpos *kp;
	json_t *o;
	int r;

	kp = pw_jpos_member(root, rp, "limits", &o);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return wrong_type(l, kp, "limits", "an object", o);
	r = check_keys(l, o, kp, "limits", keys, PW_ARRAY_SIZE(keys));
	if (!r)
		r = get_size(l, o, kp, "limits", "memory", &lm->memory);
	if (!r)
		r = get_size(l, o, kp, "limits", "tmpfs", &lm->tmpfs);
	if (!r)
		r = get_duration(l, o, kp, "limits", "timeout", &lm->timeout);
	if (!r)
		r = get_count(l, o, kp, "limits", "pids", 1u << 22, &lm->pids);
	if (!r)
		r = get_count(l, o, kp, "limits", "cpus", 4096, &lm->cpus);
	if (!r)
		r = get_count(l, o, kp, "limits", "nofile", 1u << 20, &lm->nofile);
	return r;
}

static int parse_test(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	static const char *const keys[] = {"command", "requires"};
	struct pw_config *c = l->c;
	const struct pw_jpos *kp;
	json_t *o;
	int r;

	kp = pw_jpos_member(root, rp, "test", &o);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return wrong_type(l, kp, "test", "an object with 'command'", o);
	r = check_keys(l, o, kp, "test", keys, PW_ARRAY_SIZE(keys));
	if (!r)
		r = get_str(l, o, kp, "test", "command", true, &c->test_command);
	if (!r)
		r = get_pins(l, o, kp, "test", "requires", &c->test_requires);
	return r;
}

static int parse_crates(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	static const char *const keys[] = {"cargo_lock"};
	struct pw_config *c = l->c;
	const struct pw_jpos *kp;
	json_t *o;
	int r;

	kp = pw_jpos_member(root, rp, "crates", &o);
	if (!o)
		return 0;
	c->has_crates = true;
	c->crates.field = pw_xstrdup("crates");
	if (!json_is_object(o))
		return wrong_type(l, kp, "crates", "an object with 'cargo_lock'", o);
	r = check_keys(l, o, kp, "crates", keys, PW_ARRAY_SIZE(keys));
	if (!r)
		r = get_str(l, o, kp, "crates", "cargo_lock", false, &c->crates.cargo_lock);
	if (r < 0)
		return r;
	if (!c->crates.cargo_lock)
		c->crates.cargo_lock = pw_xstrdup("Cargo.lock");
	if (!relpath_ok(c->crates.cargo_lock))
		return fail(l, pw_jpos_member(o, kp, "cargo_lock", &(json_t *){NULL}), true,
			    "crates.cargo_lock", "must be a relative path inside the project");
	return 0;
}

static int cmp_target(const void *pa, const void *pb)
{
	const struct pw_target *a = pa, *b = pb;
	int c = cmp_python(a->py, b->py);

	if (c)
		return c;
	return (int)platform_index(a->platform) - (int)platform_index(b->platform);
}

static bool glob_any(char *const *globs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(globs[i], id, 0) == 0)
			return true;
	return false;
}

/* Each glob of @key must match some target of the full matrix. */
static int globs_match(struct ld *l, json_t *root, const struct pw_jpos *rp, const char *key,
		       char *const *globs, size_t n, char *const *ids, size_t nids)
{
	const struct pw_jpos *kp = pw_jpos_member(root, rp, key, &(json_t *){NULL});

	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < nids; j++)
			if (fnmatch(globs[i], ids[j], 0) == 0)
				break;
		if (j == nids) {
			_cleanup_free_ char *f = pw_xasprintf("%s[%zu]", key, i);
			const char *dym = pw_did_you_mean(globs[i], (const char *const *)ids, nids);
			if (dym)
				return fail(l, pw_jpos_elem(kp, i), false, f,
					    "'%s' matches no target (did you mean '%s'?)", globs[i],
					    dym);
			return fail(l, pw_jpos_elem(kp, i), false, f, "'%s' matches no target",
				    globs[i]);
		}
	}
	return 0;
}

static int expand(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	struct pw_config *c = l->c;
	size_t nall = c->npythons * c->nplatforms, i, j;
	char **ids = pw_xcalloc(nall + 1, sizeof(*ids));
	int r;

	for (i = 0; i < c->npythons; i++)
		for (j = 0; j < c->nplatforms; j++)
			ids[i * c->nplatforms + j] =
			    pw_xasprintf("%s-%s", c->pythons[i].tag, c->platforms[j]);
	r = globs_match(l, root, rp, "exclude", c->exclude, c->nexclude, ids, nall);
	if (!r)
		r = globs_match(l, root, rp, "optional", c->optional, c->noptional, ids, nall);
	if (r < 0)
		goto out;
	c->targets = pw_xcalloc(nall + 1, sizeof(*c->targets));
	for (i = 0; i < nall; i++) {
		struct pw_target *t;
		if (glob_any(c->exclude, c->nexclude, ids[i]))
			continue;
		t = &c->targets[c->ntargets++];
		t->id = steal_pointer(&ids[i]);
		t->py = &c->pythons[i / c->nplatforms];
		t->platform = platforms[platform_index(c->platforms[i % c->nplatforms])].name;
		pw_platform_info(t->platform, &t->arch, &t->debian_arch);
		t->optional = glob_any(c->optional, c->noptional, t->id);
	}
	if (!c->ntargets) {
		r = fail(l, pw_jpos_member(root, rp, "exclude", &(json_t *){NULL}), true, "exclude",
			 "every target is excluded");
		goto out;
	}
	qsort(c->targets, c->ntargets, sizeof(*c->targets), cmp_target);
out:
	strv_free(ids, nall);
	return r;
}

/* Python entries hold pointers used by targets: sort them before expanding. */
static void sort_pythons(struct pw_config *c)
{
	qsort(c->pythons, c->npythons, sizeof(*c->pythons), cmp_python);
}

static int parse_root(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	static const char *const keys[] = {
	    "$schema",	      "version", "project",  "python", "platforms", "exclude", "optional",
	    "build_requires", "rust",	 "archives", "crates", "env",	    "test",    "limits",
	    "foreign"};
	struct pw_config *c = l->c;
	const struct pw_jpos *kp;
	json_t *v;
	int r;

	if (!json_is_object(root))
		return fail(l, rp, false, "", "expected an object (see docs/config.md), got %s",
			    type_name(root));
	r = check_keys(l, root, rp, "", keys, PW_ARRAY_SIZE(keys));
	if (r < 0)
		return r;
	kp = pw_jpos_member(root, rp, "version", &v);
	if (!v)
		return fail(l, rp, false, "", "missing 'version' (this pinwheel reads version 1)");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return fail(l, kp, true, "version", "expected 1");
	kp = pw_jpos_member(root, rp, "$schema", &v);
	if (v && !json_is_string(v))
		return wrong_type(l, kp, "$schema", "a string", v);
	r = get_str(l, root, rp, "", "project", false, &c->project);
	if (r < 0)
		return r;
	if (!c->project)
		c->project = pw_xstrdup(".");
	else if (strcmp(c->project, ".") && !relpath_ok(c->project))
		return fail(l, pw_jpos_member(root, rp, "project", &v), true, "project",
			    "must be a relative path inside the config's directory (no '..', not "
			    "absolute)");
	r = parse_pythons(l, root, rp);
	if (r < 0)
		return r;
	r = get_strv(l, root, rp, "", "platforms", true, NULL, &c->platforms, &c->nplatforms);
	if (r < 0)
		return r;
	kp = pw_jpos_member(root, rp, "platforms", &v);
	for (size_t i = 0; i < c->nplatforms; i++) {
		_cleanup_free_ char *f = pw_xasprintf("platforms[%zu]", i);
		r = platform_value(l, pw_jpos_elem(kp, i), f, c->platforms[i]);
		if (r < 0)
			return r;
	}
	r = get_strv(l, root, rp, "", "exclude", false, check_glob, &c->exclude, &c->nexclude);
	if (!r)
		r = get_strv(l, root, rp, "", "optional", false, check_glob, &c->optional,
			     &c->noptional);
	if (!r && (c->nexclude > PW_CONFIG_MAX_GLOBS || c->noptional > PW_CONFIG_MAX_GLOBS)) {
		const char *k = c->nexclude > PW_CONFIG_MAX_GLOBS ? "exclude" : "optional";
		return fail(l, pw_jpos_member(root, rp, k, &v), true, k, "at most %d globs",
			    PW_CONFIG_MAX_GLOBS);
	}
	if (!r) {
		c->build_requires.field = pw_xstrdup("build_requires");
		r = get_pins(l, root, rp, "", "build_requires", &c->build_requires);
	}
	if (!r)
		r = parse_rust(l, root, rp);
	if (!r)
		r = parse_archives(l, root, rp, "", "archives", &c->archives, &c->narchives);
	if (!r)
		r = parse_crates(l, root, rp);
	if (!r)
		r = parse_env(l, root, rp);
	if (!r)
		r = parse_test(l, root, rp);
	if (!r)
		r = parse_limits(l, root, rp);
	if (!r) {
		_cleanup_free_ char *f = NULL;

		r = get_str(l, root, rp, "", "foreign", false, &f);
		if (!r && f && strcmp(f, "cross") && strcmp(f, "emulate"))
			return fail(l, pw_jpos_member(root, rp, "foreign", &v), true, "foreign",
				    "expected \"cross\" or \"emulate\", got \"%s\"", f);
		c->foreign_emulate = f && !strcmp(f, "emulate");
	}
	if (r < 0)
		return r;
	if (!c->test_requires.field)
		c->test_requires.field = pw_xstrdup("test.requires");
	if (c->nenv)
		qsort(c->env, c->nenv, sizeof(*c->env), cmp_env);
	sort_pythons(c);
	return expand(l, root, rp);
}

int pw_config_parse(const char *name, const char *dir, const char *data, size_t n,
		    struct pw_config *c, struct pw_err *e)
{
	struct ld l = {name, c, e};
	struct pw_jpos *pos = NULL;
	json_t *root;
	char *canon;
	int r;

	memset(c, 0, sizeof(*c));
	if (n > PW_JSON_MAX_FILE)
		return pw_err_set(e, E2BIG, "'%s': larger than %u bytes", name, PW_JSON_MAX_FILE);
	root = pw_json_load_mem(name, data, n, e);
	if (!root)
		return -EINVAL;
	pos = pw_jpos_scan(data, n);
	if (!pos) {
		json_decref(root);
		return pw_err_set(e, EINVAL, "%s:1:1: could not scan the document", name);
	}
	c->path = pw_xstrdup(name);
	c->dir = pw_xstrdup(dir ? dir : ".");
	r = parse_root(&l, root, pos);
	if (r == 0) {
		canon = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
		if (!canon) {
			fprintf(stderr, "pinwheel: out of memory\n");
			abort();
		}
		pw_sha256_mem(canon, strlen(canon), c->digest);
		free(canon);
	}
	pw_jpos_free(pos);
	json_decref(root);
	if (r < 0)
		pw_config_release(c);
	return r;
}

int pw_config_load(const char *path, struct pw_config *c, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	_cleanup_free_ char *file = NULL, *dir = NULL;
	const char *slash;
	struct stat st;
	int r;

	memset(c, 0, sizeof(*c));
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		/* a file: its directory is the project's base */
		file = pw_xstrdup(path);
		slash = strrchr(path, '/');
		if (!slash)
			dir = pw_xstrdup(".");
		else if (slash == path)
			dir = pw_xstrdup("/");
		else
			dir = pw_xasprintf("%.*s", (int)(slash - path), path);
	} else {
		file = pw_path_join(path, PW_CONFIG_FILE);
		dir = pw_xstrdup(path);
	}
	r = pw_read_file(file, &b);
	if (r < 0) {
		if (r == -E2BIG)
			pw_err_set(e, E2BIG, "'%s': larger than %u bytes", file, PW_JSON_MAX_FILE);
		else
			pw_err_sys(e, -r, "could not read '%s'", file);
		pw_buf_release(&b);
		return r;
	}
	r = pw_config_parse(file, dir, b.buf, b.len, c, e);
	pw_buf_release(&b);
	return r;
}

static void python_release(struct pw_python *py)
{
	free(py->version);
	free(py->tag);
	free(py->field);
	free((char *)py->debian.field);
	free(py->debian.suite);
	strv_free(py->debian.packages, py->debian.npackages);
	free(py->debian.mirror);
	free(py->debian.keyring);
	for (size_t i = 0; i < py->narchives; i++)
		archive_spec_release(&py->archives[i]);
	free(py->archives);
	free((char *)py->oci.field);
	free(py->oci.image);
}

void pw_config_release(struct pw_config *c)
{
	size_t i;

	free(c->path);
	free(c->dir);
	free(c->project);
	for (i = 0; i < c->npythons; i++)
		python_release(&c->pythons[i]);
	free(c->pythons);
	strv_free(c->platforms, c->nplatforms);
	strv_free(c->exclude, c->nexclude);
	strv_free(c->optional, c->noptional);
	pins_release(&c->build_requires);
	free((char *)c->build_requires.field);
	for (i = 0; i < c->nrust_archives; i++)
		archive_spec_release(&c->rust_archives[i]);
	free(c->rust_archives);
	for (i = 0; i < c->narchives; i++)
		archive_spec_release(&c->archives[i]);
	free(c->archives);
	free((char *)c->crates.field);
	free(c->crates.cargo_lock);
	for (i = 0; i < c->nenv; i++) {
		free(c->env[i].name);
		free(c->env[i].value);
	}
	free(c->env);
	free(c->test_command);
	pins_release(&c->test_requires);
	free((char *)c->test_requires.field);
	for (i = 0; i < c->ntargets; i++)
		free(c->targets[i].id);
	free(c->targets);
	memset(c, 0, sizeof(*c));
}

int pw_config_select(const struct pw_config *c, const char *const *only, size_t nonly,
		     const char *const *skip, size_t nskip, bool *sel, struct pw_err *e)
{
	const char **ids = pw_xcalloc(c->ntargets + 1, sizeof(*ids));
	size_t i, j;
	int n = 0;

	for (i = 0; i < c->ntargets; i++)
		ids[i] = c->targets[i].id;
	for (j = 0; j < nonly; j++) {
		for (i = 0; i < c->ntargets; i++)
			if (!strcmp(only[j], ids[i]))
				break;
		if (i == c->ntargets) {
			const char *dym = pw_did_you_mean(only[j], ids, c->ntargets);
			int r;
			if (dym)
				r = pw_err_set(e, EINVAL,
					       "--only '%s' names no target (did you mean '%s'?)",
					       only[j], dym);
			else
				r = pw_err_set(e, EINVAL, "--only '%s' names no target of '%s'",
					       only[j], c->path);
			free(ids);
			return r;
		}
	}
	for (i = 0; i < c->ntargets; i++) {
		bool on = nonly == 0;
		for (j = 0; j < nonly && !on; j++)
			on = !strcmp(only[j], ids[i]);
		for (j = 0; j < nskip && on; j++)
			if (fnmatch(skip[j], ids[i], 0) == 0)
				on = false;
		sel[i] = on;
		n += on;
	}
	free(ids);
	return n;
}

void pw_target_info(const struct pw_target *t, struct pw_target_info *out)
{
	out->id = t->id;
	out->python = t->py->version;
	out->python_tag = t->py->tag;
	out->platform = t->platform;
	out->arch = t->arch;
	out->debian_arch = t->debian_arch;
}
