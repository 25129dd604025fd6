/* provider_archive.c - the "archive" provider (include/pinwheel/
 * provider.h, archive.h): the keys of pinwheel.json that name archives,
 * each pinned by pw_provide_archive() (archive.c), and what a root with a
 * standalone Python at PW_PYTHON_MOUNT needs (layout.h). */
#include <string.h>

#include "pinwheel/archive.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/layout.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/target.h"

/* Each archive of the key, in the config's order. */
static int lock_archives(struct pw_provider_ctx *pc, const void *spec,
			 const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	const struct pw_archives_spec *s = spec;
	int r = 0;

	for (size_t i = 0; r == 0 && i < s->n; i++)
		r = pw_provide_archive(pc, &s->v[i], t, out, e);
	return r;
}

/* A standalone Python at PW_PYTHON_MOUNT (layout.h): its recorded
 * CC=clang is not the root's compiler; its bin goes first on PATH.
 * Before the caller's variables, which win. */
static void python_root_env(const struct pw_root_plan *p, struct pw_sandbox_spec *s)
{
	static const char *const env[] = {"PATH=" PW_PYTHON_MOUNT "/bin:" PW_SANDBOX_PATH, "CC=cc",
					  "CXX=c++"};
	char **v;

	if (!pw_roots_has_python_mount(p))
		return;
	v = pw_xcalloc(PW_ARRAY_SIZE(env) + 1, sizeof(*v));
	for (size_t i = 0; i < PW_ARRAY_SIZE(env); i++)
		v[i] = pw_xstrdup(env[i]);
	pw_roots_prepend_env(s, v, PW_ARRAY_SIZE(env));
}

/* ---- the config ---- */

static const char *url_basename(const char *url)
{
	const char *end = url + strcspn(url, "?#"), *s = end;

	while (s > url && s[-1] != '/')
		s--;
	return s;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
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

static void spec_free(void *p)
{
	struct pw_archives_spec *s = p;

	for (size_t i = 0; i < s->n; i++)
		archive_spec_release(&s->v[i]);
	free(s->v);
	free(s);
}

static const char *check_url(const char *s)
{
	return pw_jcheck_url_ok(s) ? NULL : "an http://, https:// or file:// url";
}

static int parse_archive(const struct pw_jcheck *l, json_t *o, const struct pw_jpos *p,
			 const char *field, struct pw_archive_spec *a)
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
		return pw_jcheck_type(l, p, field, "an object with 'url' and optional 'sha256'", o);
	r = pw_jcheck_keys(l, o, p, field, keys, PW_ARRAY_SIZE(keys));
	if (r < 0)
		return r;
	r = pw_jcheck_str(l, o, p, field, "url", false, &url);
	if (r < 0)
		return r;
	r = pw_jcheck_strv(l, o, p, field, "urls", false, check_url, &a->urls, &a->nurls);
	if (r < 0) {
		free(url);
		return r;
	}
	if (url && a->urls) {
		free(url);
		kp = pw_jpos_member(o, p, "urls", &v);
		return pw_jcheck_fail(l, kp, true, field, "give either 'url' or 'urls', not both");
	}
	if (url) {
		if (!pw_jcheck_url_ok(url)) {
			kp = pw_jpos_member(o, p, "url", &v);
			r = pw_jcheck_fail(
			    l, kp, true, field,
			    "'url' must be an http://, https:// or file:// url, got '%s'", url);
			free(url);
			return r;
		}
		a->urls = pw_xcalloc(1, sizeof(*a->urls));
		a->urls[a->nurls++] = url;
	}
	if (!a->nurls)
		return pw_jcheck_fail(l, p, false, field, "missing 'url'");
	r = pw_jcheck_str(l, o, p, field, "name", false, &a->name);
	if (r < 0)
		return r;
	if (!a->name) {
		a->name = pw_xstrdup(url_basename(a->urls[0]));
		if (!*a->name)
			return pw_jcheck_fail(l, p, false, field,
					      "give a 'name': the url ends with '/'");
	}
	kp = pw_jpos_member(o, p, "sha256", &v);
	if (v) {
		if (!json_is_string(v) || !pw_sha256_hex_valid(json_string_value(v)))
			return pw_jcheck_fail(l, kp, true, field,
					      "'sha256' must be 64 lowercase hex digits");
		snprintf(a->sha256, sizeof(a->sha256), "%s", json_string_value(v));
	}
	kp = pw_jpos_member(o, p, "size", &v);
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return pw_jcheck_fail(l, kp, true, field,
					      "'size' must be a non-negative integer (bytes)");
		a->size = (uint64_t)json_integer_value(v);
	}
	kp = pw_jpos_member(o, p, "strip", &v);
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 64)
			return pw_jcheck_fail(l, kp, true, field,
					      "'strip' must be an integer from 0 to 64");
		a->unpack.strip = (unsigned)json_integer_value(v);
		a->has_unpack = true;
	}
	kp = pw_jpos_member(o, p, "subdir", &v);
	if (v) {
		if (!json_is_string(v) || !pw_jcheck_relpath_ok(json_string_value(v)))
			return pw_jcheck_fail(
			    l, kp, true, field,
			    "'subdir' must be a relative path without '..' components");
		a->unpack.subdir = pw_xstrdup(json_string_value(v));
		a->has_unpack = true;
	}
	kp = pw_jpos_member(o, p, "dest", &v);
	if (v) {
		if (!json_is_string(v) || !pw_jcheck_abspath_ok(json_string_value(v)))
			return pw_jcheck_fail(
			    l, kp, true, field,
			    "'dest' must be an absolute path in the root without '..' components");
	}
	a->dest = pw_xstrdup(v ? json_string_value(v) : "/");
	r = pw_jcheck_strv(l, o, p, field, "platforms", false, NULL, &a->platforms, &a->nplatforms);
	if (r < 0)
		return r;
	kp = pw_jpos_member(o, p, "platforms", &v);
	for (size_t i = 0; i < a->nplatforms; i++) {
		_cleanup_free_ char *ef = pw_xasprintf("%s.platforms[%zu]", field, i);
		r = pw_platform_check(l, pw_jpos_elem(kp, i), ef, a->platforms[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "archive": {...} or "archives": [{...}, ...] in @o. */
static int parse_archives(const struct pw_jcheck *l, json_t *o, const struct pw_jpos *p,
			  const char *field, const char *key, struct pw_archive_spec **out,
			  size_t *nout)
{
	_cleanup_free_ char *f = pw_jcheck_field(field, key);
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
		return pw_jcheck_type(l, kp, f, "an array of archives", v);
	*out = pw_xcalloc(json_array_size(v) + 1, sizeof(**out));
	for (i = 0; i < json_array_size(v); i++) {
		_cleanup_free_ char *ef = pw_jcheck_elem(f, i);
		(*nout)++;
		r = parse_archive(l, json_array_get(v, i), pw_jpos_elem(kp, i), ef, &(*out)[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The top-level "archives": extra trees in every root. */
static int parse_extra(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		       const char *field, const char *key, void **spec)
{
	struct pw_archives_spec *s = pw_xcalloc(1, sizeof(*s));

	*spec = s;
	return parse_archives(j, obj, p, field, key, &s->v, &s->n);
}

/* python.VERSION.base.archive(s): a Python base. */
static int parse_base(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		      const char *field, const char *key, void **spec)
{
	struct pw_archives_spec *s = pw_xcalloc(1, sizeof(*s));
	int r;

	*spec = s;
	r = parse_archives(j, obj, p, field, key, &s->v, &s->n);
	if (r < 0)
		return r;
	if (!s->n)
		return pw_jcheck_fail(j, p, false, field, "'archives' must not be empty");
	for (size_t i = 0; i < s->n; i++)
		s->v[i].python_base = true;
	return 0;
}

/* "rust": {"from": "base"} (nothing to pin) or its dist archives. */
static int parse_rust(const struct pw_jcheck *l, json_t *root, const struct pw_jpos *rp,
		      const char *field, const char *key, void **spec)
{
	static const char *const keys[] = {"from", "archive", "archives"};
	struct pw_archives_spec *s = pw_xcalloc(1, sizeof(*s));
	_cleanup_free_ char *f = pw_jcheck_field(field, key), *ff = pw_jcheck_field(f, "from");
	const struct pw_jpos *kp;
	char *from = NULL;
	json_t *o;
	int r, n;

	*spec = s;
	kp = pw_jpos_member(root, rp, key, &o);
	if (!json_is_object(o))
		return pw_jcheck_type(l, kp, f, "an object with 'from' or 'archives'", o);
	r = pw_jcheck_keys(l, o, kp, f, keys, PW_ARRAY_SIZE(keys));
	if (r < 0)
		return r;
	n = (json_object_get(o, "from") != NULL) + (json_object_get(o, "archive") != NULL) +
	    (json_object_get(o, "archives") != NULL);
	if (n != 1)
		return pw_jcheck_fail(l, kp, true, f, "give exactly one of 'from' or 'archives'");
	r = pw_jcheck_str(l, o, kp, f, "from", false, &from);
	if (r < 0)
		return r;
	if (from) {
		bool ok = !strcmp(from, "base");
		free(from);
		if (!ok)
			return pw_jcheck_fail(
			    l, pw_jpos_member(o, kp, "from", &(json_t *){NULL}), true, ff,
			    "expected \"base\" (rustc and cargo come with the base "
			    "root)");
		return 0;
	}
	r = parse_archives(l, o, kp, f, json_object_get(o, "archive") ? "archive" : "archives",
			   &s->v, &s->n);
	if (r < 0)
		return r;
	if (!s->n)
		return pw_jcheck_fail(l, kp, true, f, "'archives' must not be empty");
	return 0;
}

static const struct pw_provider_key keys[] = {
    {PW_PLACE_BASE, "archive", PW_STAGE_BASE, parse_base},
    {PW_PLACE_BASE, "archives", PW_STAGE_BASE, parse_base},
    {PW_PLACE_TOP, "rust", PW_STAGE_TOOLCHAIN, parse_rust},
    {PW_PLACE_TOP, "archives", PW_STAGE_EXTRA, parse_extra},
};

/* Its artifacts are of the lock format's own kind "archive", laid by
 * "unpack" layers (provider.h). */
const struct pw_provider pw_provider_archive = {
    .name = "archive",
    .keys = keys,
    .nkeys = PW_ARRAY_SIZE(keys),
    .spec_free = spec_free,
    .lock = lock_archives,
    .root_env = python_root_env,
};
