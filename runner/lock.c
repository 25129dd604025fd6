/* lock.c - pinwheel.lock reader and writer (see include/pinwheel/lock.h).
 *
 * Reader: jansson parses (rejecting duplicate keys), lib/jpos.c gives each
 * key its line:column, walked in parallel with the DOM, into a lockset
 * (artifact.h), which owns whatever the walk has filled when it stops.
 * Writer: builds a jansson DOM in the documented key order (jansson keeps
 * insertion order) and dumps it with a 2-space indent. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/cpython.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jpos.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"

struct rd {
	const char *name;
	struct pw_err *e;
};

static int fail(struct rd *w, const struct pw_jpos *p, bool key, const char *fmt, ...)
    PW_PRINTF(4, 5);
static int fail(struct rd *w, const struct pw_jpos *p, bool key, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pw_err_set(w->e, EINVAL, "%s:%d:%d: %s", w->name, p ? (key ? p->kline : p->line) : 1,
			  p ? (key ? p->kcol : p->col) : 1, msg);
}

static bool url_ok(const char *u)
{
	return (!strncmp(u, "http://", 7) && u[7]) || (!strncmp(u, "https://", 8) && u[8]) ||
	       (!strncmp(u, "file://", 7) && u[7]) ||
	       (!strncmp(u, "docker-archive:/", 16) && strchr(u, '#')); /* docs/oci.md */
}

static bool relpath_ok(const char *p)
{
	const char *c = p;

	if (!*p || *p == '/')
		return false;
	while (*c) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += len;
		if (*c == '/')
			c++;
	}
	return true;
}

static bool target_id_ok(const char *s)
{
	if (!*s || strlen(s) > 100)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return false;
	return true;
}

/* The array @v of member @key, each string accepted by @ok (described by
 * @expect); *out allocated.  Errors point at the key, as all of this
 * reader's do. */
static int read_strv(struct rd *w, const struct pw_jpos *p, json_t *v, const char *where,
		     const char *key, bool (*ok)(const char *), const char *expect, bool nonempty,
		     char ***out, size_t *n)
{
	if (!json_is_array(v) || (nonempty && json_array_size(v) == 0))
		return fail(w, p, true, "%s: '%s' must be a%s array", where, key,
			    nonempty ? " non-empty" : "n");
	*out = pw_xcalloc(json_array_size(v) + 1, sizeof(**out));
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *s = json_array_get(v, i);
		if (!json_is_string(s) || !ok(json_string_value(s)))
			return fail(w, p, true, "%s: '%s[%zu]' must be %s", where, key, i, expect);
		(*out)[(*n)++] = pw_xstrdup(json_string_value(s));
	}
	return 0;
}

static int parse_unpack(struct rd *w, const char *where, json_t *o, const struct pw_jpos *p,
			bool *has, struct pw_unpack_opts *u)
{
	const char *k;
	json_t *v;
	size_t i = 0;
	void *it;

	if (!json_is_object(o))
		return fail(w, p, true, "%s: 'unpack' must be an object", where);
	*has = true;
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		const struct pw_jpos *kp = pw_jpos_elem(p, i);
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (!strcmp(k, "strip")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 64)
				return fail(w, kp, true,
					    "%s: 'unpack.strip' must be an integer from 0 to 64",
					    where);
			u->strip = (unsigned)json_integer_value(v);
		} else if (!strcmp(k, "subdir")) {
			if (!json_is_string(v) || !relpath_ok(json_string_value(v)))
				return fail(w, kp, true,
					    "%s: 'unpack.subdir' must be a relative path without "
					    "'.' or '..' components",
					    where);
			free((char *)u->subdir);
			u->subdir = pw_xstrdup(json_string_value(v));
		} else {
			return fail(w, kp, true,
				    "%s: unknown key 'unpack.%s' (expected strip or subdir)", where,
				    k);
		}
	}
	return 0;
}

static bool snap_archive_ok(const char *s)
{
	return *s && strlen(s) <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == strlen(s);
}

/* "YYYYMMDDTHHMMSSZ" */
static bool snap_date_ok(const char *s)
{
	return strlen(s) == 16 && strspn(s, "0123456789") == 8 && s[8] == 'T' &&
	       strspn(s + 9, "0123456789") == 6 && s[15] == 'Z';
}

static int parse_snapshot(struct rd *w, const char *where, json_t *o, const struct pw_jpos *p,
			  struct pw_artifact *a)
{
	const char *k;
	json_t *v;
	size_t i = 0;
	void *it;

	if (!json_is_object(o))
		return fail(w, p, true, "%s: 'snapshot' must be an object", where);
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		const struct pw_jpos *kp = pw_jpos_elem(p, i);
		const char *sv;
		char **dst;

		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		sv = json_is_string(v) ? json_string_value(v) : NULL;
		if (!strcmp(k, "archive")) {
			if (!sv || !snap_archive_ok(sv))
				return fail(w, kp, true,
					    "%s: 'snapshot.archive' must be an archive name like "
					    "\"debian\" (lowercase letters, digits, '.', '-')",
					    where);
			dst = &a->snap_archive;
		} else if (!strcmp(k, "date")) {
			if (!sv || !snap_date_ok(sv))
				return fail(w, kp, true,
					    "%s: 'snapshot.date' must be a timestamp like "
					    "\"20261206T081432Z\"",
					    where);
			dst = &a->snap_date;
		} else if (!strcmp(k, "path")) {
			if (!sv || !relpath_ok(sv))
				return fail(w, kp, true,
					    "%s: 'snapshot.path' must be a relative path without "
					    "'.' or '..' components",
					    where);
			dst = &a->snap_path;
		} else {
			return fail(w, kp, true,
				    "%s: unknown key 'snapshot.%s' (expected archive, date or path)",
				    where, k);
		}
		free(*dst);
		*dst = pw_xstrdup(sv);
	}
	if (!a->snap_archive || !a->snap_date || !a->snap_path)
		return fail(w, p, true, "%s: 'snapshot' needs archive, date and path", where);
	return 0;
}

/* Fill @a (zeroed by the caller, released by it on error). */
static int parse_artifact(struct rd *w, size_t idx, json_t *o, const struct pw_jpos *p,
			  struct pw_artifact *a)
{
	static const char *const keys[] = {"name", "kind",   "version",	  "package",
					   "urls", "sha256", "size",	  "unpack",
					   "needed_by", "snapshot"};
	const struct pw_jpos *snap_p = NULL;
	char where[64];
	const char *k, *dym;
	const struct pw_jpos *kind_p = NULL;
	json_t *v;
	size_t i = 0;
	void *it;
	int r;

	snprintf(where, sizeof(where), "artifacts[%zu]", idx);
	a->kind = pw_xstrdup("");
	a->line = p ? p->line : 1;
	a->col = p ? p->col : 1;
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		const struct pw_jpos *kp = pw_jpos_elem(p, i);
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (!strcmp(k, "name")) {
			if (!json_is_string(v) || !*json_string_value(v))
				return fail(w, kp, true, "%s: 'name' must be a non-empty string",
					    where);
			a->name = pw_xstrdup(json_string_value(v));
		} else if (!strcmp(k, "kind")) {
			if (!json_is_string(v))
				return fail(w, kp, true, "%s: 'kind' must be a string", where);
			kind_p = kp;
			free(a->kind);
			a->kind = pw_xstrdup(json_string_value(v));
		} else if (!strcmp(k, "version") || !strcmp(k, "package")) {
			if (!json_is_string(v) || !*json_string_value(v))
				return fail(w, kp, true, "%s: '%s' must be a non-empty string",
					    where, k);
			if (k[0] == 'v')
				a->version = pw_xstrdup(json_string_value(v));
			else
				a->package = pw_xstrdup(json_string_value(v));
		} else if (!strcmp(k, "urls")) {
			if (!json_is_array(v) || json_array_size(v) == 0)
				return fail(w, kp, true,
					    "%s: 'urls' must be a non-empty array of urls", where);
			a->urls = pw_xcalloc(json_array_size(v), sizeof(*a->urls));
			for (size_t j = 0; j < json_array_size(v); j++) {
				json_t *u = json_array_get(v, j);
				if (!json_is_string(u) || !url_ok(json_string_value(u)))
					return fail(w, kp, true,
						    "%s: 'urls[%zu]' must be an http://, https:// "
						    "or file:// url",
						    where, j);
				a->urls[a->nurls++] = pw_xstrdup(json_string_value(u));
			}
		} else if (!strcmp(k, "sha256")) {
			if (!json_is_string(v) || !pw_sha256_hex_valid(json_string_value(v)))
				return fail(w, kp, true,
					    "%s: 'sha256' must be 64 lowercase hex digits", where);
			snprintf(a->sha256, sizeof(a->sha256), "%s", json_string_value(v));
		} else if (!strcmp(k, "size")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return fail(w, kp, true,
					    "%s: 'size' must be a non-negative integer", where);
			a->size = (uint64_t)json_integer_value(v);
		} else if (!strcmp(k, "unpack")) {
			r = parse_unpack(w, where, v, kp, &a->has_unpack, &a->unpack);
			if (r < 0)
				return r;
		} else if (!strcmp(k, "needed_by")) {
			r = read_strv(w, kp, v, where, "needed_by", target_id_ok,
				      "a target id like cp313-manylinux_x86_64", false,
				      &a->needed_by, &a->nneeded);
			if (r < 0)
				return r;
		} else if (!strcmp(k, "snapshot")) {
			snap_p = kp;
			r = parse_snapshot(w, where, v, kp, a);
			if (r < 0)
				return r;
		} else {
			dym = pw_did_you_mean(k, keys, PW_ARRAY_SIZE(keys));
			if (dym)
				return fail(w, kp, true,
					    "%s: unknown key '%s' (did you mean '%s'?)", where, k,
					    dym);
			return fail(w, kp, true,
				    "%s: unknown key '%s' (expected name, kind, version, package, "
				    "urls, sha256, size, unpack, needed_by or snapshot)",
				    where, k);
		}
	}
	if (snap_p && strcmp(a->kind, "deb") != 0 && strcmp(a->kind, "archive") != 0)
		return fail(w, snap_p, true,
			    "%s: 'snapshot' is for artifacts of kind \"deb\" or \"archive\" only",
			    where);
	if (!a->name)
		return fail(w, p, false, "%s: missing 'name'", where);
	if (!a->urls)
		return fail(w, p, false, "%s: missing 'urls'", where);
	if (!a->sha256[0])
		return fail(w, p, false, "%s: missing 'sha256'", where);
	if (!json_is_integer(json_object_get(o, "size")))
		return fail(w, p, false, "%s: missing 'size'", where);
	if (kind_p && !pw_artifact_kind_known(a->kind)) {
		/* after the shape: a value is judged once the keys are right */
		char kinds[256];

		pw_artifact_kinds_list(kinds, sizeof(kinds));
		return fail(w, kind_p, true, "%s: unknown kind '%s' (expected %s)", where, a->kind,
			    kinds);
	}
	return 0;
}

static bool oci_digest_ok(const char *s)
{
	return !strncmp(s, "sha256:", 7) && pw_sha256_hex_valid(s + 7);
}

/* A layer's "oci": {"reference", "index" (optional), "manifest",
 * "platform"}. */
static int parse_layer_oci(struct rd *w, const char *where, json_t *o, const struct pw_jpos *p,
			   struct pw_layer *l)
{
	struct pw_layer_oci *oc;
	const char *k;
	json_t *v;
	size_t i = 0;
	void *it;

	if (!json_is_object(o))
		return fail(w, p, true, "%s: 'oci' must be an object", where);
	oc = l->oci = pw_xcalloc(1, sizeof(*l->oci));
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		const struct pw_jpos *kp = pw_jpos_elem(p, i);
		char **dst;
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (!strcmp(k, "reference"))
			dst = &oc->reference;
		else if (!strcmp(k, "index"))
			dst = &oc->index;
		else if (!strcmp(k, "manifest"))
			dst = &oc->manifest;
		else if (!strcmp(k, "platform"))
			dst = &oc->platform;
		else
			return fail(w, kp, true,
				    "%s.oci: unknown key '%s' (expected reference, index, "
				    "manifest or platform)",
				    where, k);
		if (!json_is_string(v) || !*json_string_value(v))
			return fail(w, kp, true, "%s.oci: '%s' must be a non-empty string", where,
				    k);
		if ((dst == &oc->index || dst == &oc->manifest) &&
		    !oci_digest_ok(json_string_value(v)))
			return fail(w, kp, true,
				    "%s.oci: '%s' must be 'sha256:' and 64 lowercase hex digits",
				    where, k);
		free(*dst);
		*dst = pw_xstrdup(json_string_value(v));
	}
	if (!oc->reference || !oc->manifest || !oc->platform)
		return fail(w, p, false, "%s.oci: needs reference, manifest and platform", where);
	return 0;
}

/* A layer's "generated": {"path", "text"}: a file the lock made for the
 * project's sources (a Cargo.lock), at most PW_LAYER_FILE_MAX bytes. */
#define PW_LAYER_FILE_MAX (8u << 20)
static int parse_layer_generated(struct rd *w, const char *where, json_t *o,
				 const struct pw_jpos *p, struct pw_layer *l)
{
	json_t *path = json_object_get(o, "path"), *text = json_object_get(o, "text");
	const char *k;
	json_t *v;
	size_t i = 0;
	void *it;

	if (!json_is_object(o))
		return fail(w, p, true, "%s: 'generated' must be an object", where);
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (strcmp(k, "path") && strcmp(k, "text"))
			return fail(w, pw_jpos_elem(p, i), true,
				    "%s.generated: unknown key '%s' (expected path and text)",
				    where, k);
		if (!json_is_string(v))
			return fail(w, pw_jpos_elem(p, i), true,
				    "%s.generated: '%s' must be a string", where, k);
	}
	if (!path || !text)
		return fail(w, p, false, "%s.generated: needs path and text", where);
	if (!relpath_ok(json_string_value(path)))
		return fail(w, p, true,
			    "%s.generated: 'path' must be a relative path inside the project "
			    "(no '.', '..' or leading '/')",
			    where);
	if (json_string_length(text) > PW_LAYER_FILE_MAX ||
	    strlen(json_string_value(text)) != json_string_length(text))
		return fail(w, p, true, "%s.generated: 'text' must be text of at most %u MiB",
			    where, PW_LAYER_FILE_MAX >> 20);
	l->generated = pw_xcalloc(1, sizeof(*l->generated));
	l->generated->path = pw_xstrdup(json_string_value(path));
	l->generated->text = pw_xstrdup(json_string_value(text));
	return 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Is @sha one of @shas (@n sorted digests)? */
static bool has_artifact(const char *const *shas, size_t n, const char *sha)
{
	return n && bsearch(&sha, shas, n, sizeof(*shas), cmp_strp) != NULL;
}

static bool dest_ok(const char *s)
{
	return s[0] == '/' && (!s[1] || relpath_ok(s + 1));
}

static int parse_layer(struct rd *w, const char *const *shas, size_t nshas, const char *where,
		       json_t *o, const struct pw_jpos *p, struct pw_layer *l)
{
	const char *k;
	json_t *v;
	size_t i = 0;
	void *it;
	int r;

	if (!json_is_object(o))
		return fail(w, p, false, "%s: expected an object", where);
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		const struct pw_jpos *kp = pw_jpos_elem(p, i);
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (!strcmp(k, "name") || !strcmp(k, "how") || !strcmp(k, "dest")) {
			char **dst = k[0] == 'n' ? &l->name : k[0] == 'h' ? &l->how : &l->dest;
			if (!json_is_string(v) || !*json_string_value(v))
				return fail(w, kp, true, "%s: '%s' must be a non-empty string",
					    where, k);
			if (k[0] == 'd' && !dest_ok(json_string_value(v)))
				return fail(
				    w, kp, true,
				    "%s: 'dest' must be an absolute path without '.' or '..'",
				    where);
			if (k[0] == 'h' && !pw_roots_known_how(json_string_value(v))) {
				char hows[256];

				pw_roots_list_hows(hows, sizeof(hows));
				return fail(w, kp, true, "%s: unknown how '%s' (expected %s)",
					    where, json_string_value(v), hows);
			}
			*dst = pw_xstrdup(json_string_value(v));
		} else if (!strcmp(k, "artifacts")) {
			r = read_strv(w, kp, v, where, "artifacts", pw_sha256_hex_valid,
				      "64 lowercase hex digits", true, &l->artifacts, &l->n);
			if (r < 0)
				return r;
			for (size_t j = 0; j < l->n; j++)
				if (!has_artifact(shas, nshas, l->artifacts[j]))
					return fail(w, kp, true,
						    "%s: artifact %s is not in 'artifacts'", where,
						    l->artifacts[j]);
		} else if (!strcmp(k, "build_requires") && !l->build) {
			r = read_strv(w, kp, v, where, "build_requires", pw_sha256_hex_valid,
				      "64 lowercase hex digits", true, &l->build, &l->nbuild);
			if (r < 0)
				return r;
			for (size_t j = 0; j < l->nbuild; j++)
				if (!has_artifact(shas, nshas, l->build[j]))
					return fail(w, kp, true,
						    "%s: build_requires: artifact %s is not in "
						    "'artifacts'",
						    where, l->build[j]);
		} else if (!strcmp(k, "configure") && !l->configure) {
			r = read_strv(w, kp, v, where, "configure", pw_cpython_arg_ok,
				      "an option \"--NAME[=VALUE]\" or a variable \"NAME=VALUE\"",
				      true, &l->configure, &l->nconfigure);
			if (r < 0)
				return r;
		} else if (!strcmp(k, "unpack")) {
			r = parse_unpack(w, where, v, kp, &l->has_unpack, &l->unpack);
			if (r < 0)
				return r;
		} else if (!strcmp(k, "input")) {
			if (!json_is_string(v) || !pw_sha256_hex_valid(json_string_value(v)))
				return fail(w, kp, true,
					    "%s: 'input' must be 64 lowercase hex digits", where);
			free(l->input);
			l->input = pw_xstrdup(json_string_value(v));
		} else if (!strcmp(k, "oci") && !l->oci) {
			r = parse_layer_oci(w, where, v, kp, l);
			if (r < 0)
				return r;
		} else if (!strcmp(k, "generated") && !l->generated) {
			r = parse_layer_generated(w, where, v, kp, l);
			if (r < 0)
				return r;
		} else {
			return fail(w, kp, true,
				    "%s: unknown key '%s' (expected name, how, dest, artifacts, "
				    "build_requires, configure, unpack, input, oci or generated)",
				    where, k);
		}
	}
	if (!l->name || !l->how || !l->dest || !l->artifacts)
		return fail(w, p, false, "%s: a layer needs name, how, dest and artifacts", where);
	return 0;
}

static int parse_roots_in(struct rd *w, struct pw_lockset *ls, const char *const *shas, json_t *o,
			  const struct pw_jpos *p)
{
	const char *k;
	json_t *v, *layers;
	size_t i = 0;
	void *it;
	int r;

	ls->roots = pw_xcalloc(json_object_size(o) + 1, sizeof(*ls->roots));
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		const struct pw_jpos *rp = pw_jpos_elem(p, i), *lp;
		struct pw_root *root = &ls->roots[ls->nroots++];
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		root->target = pw_xstrdup(k);
		if (!target_id_ok(k))
			return fail(w, rp, true, "roots: '%s' is not a target id", k);
		if (!json_is_object(v) || json_object_size(v) != 1 ||
		    !json_is_array(json_object_get(v, "layers")))
			return fail(w, rp, true,
				    "roots.%s: expected an object with only 'layers' (an array)",
				    k);
		lp = pw_jpos_member(v, rp, "layers", &layers);
		root->layers = pw_xcalloc(json_array_size(layers) + 1, sizeof(*root->layers));
		for (size_t j = 0; j < json_array_size(layers); j++) {
			_cleanup_free_ char *where = pw_xasprintf("roots.%s.layers[%zu]", k, j);
			root->n++;
			r = parse_layer(w, shas, ls->n, where, json_array_get(layers, j),
					pw_jpos_elem(lp, j), &root->layers[j]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Roots come after the artifacts, which their layers name: the digests
 * are sorted once so each reference is a binary search. */
static int parse_roots(struct rd *w, struct pw_lockset *ls, json_t *o, const struct pw_jpos *p)
{
	const char **shas;
	int r;

	if (!json_is_object(o))
		return fail(w, p, true, "'roots' must be an object keyed by target id");
	shas = pw_xcalloc(ls->n + 1, sizeof(*shas));
	for (size_t i = 0; i < ls->n; i++)
		shas[i] = ls->artifacts[i].sha256;
	if (ls->n)
		qsort(shas, ls->n, sizeof(*shas), cmp_strp);
	r = parse_roots_in(w, ls, shas, o, p);
	free(shas);
	return r;
}

/* "no_old_root": {TARGET: REASON}: the targets whose defaulted old root
 * the lock dropped (docs/lock.md). */
static int parse_no_old_root(struct rd *w, struct pw_lockset *ls, json_t *o,
			     const struct pw_jpos *p)
{
	const char *k;
	size_t i = 0;
	void *it;

	if (!json_is_object(o))
		return fail(w, p, true, "'no_old_root' must be an object keyed by target id");
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		json_t *v = json_object_iter_value(it);

		k = json_object_iter_key(it);
		if (!target_id_ok(k))
			return fail(w, pw_jpos_elem(p, i), true,
				    "no_old_root: '%s' is not a target id", k);
		if (!json_is_string(v) || !*json_string_value(v))
			return fail(w, pw_jpos_elem(p, i), true,
				    "no_old_root.%s: expected the reason (a string)", k);
		pw_lockset_set_no_old_root(ls, k, json_string_value(v));
	}
	return 0;
}

static int parse_top(struct rd *w, struct pw_lockset *ls, json_t *root, const struct pw_jpos *p)
{
	static const char *const keys[] = {"version",	"pinwheel", "config_digest",
					   "artifacts", "roots",    "no_old_root"};
	bool have_version = false, have_artifacts = false;
	json_t *v, *roots = NULL;
	const struct pw_jpos *roots_p = NULL;
	const char *k, *dym;
	size_t i = 0;
	void *it;
	int r;

	if (!json_is_object(root))
		return fail(w, p, false, "expected an object with 'version' and 'artifacts'");
	for (it = json_object_iter(root); it; it = json_object_iter_next(root, it), i++) {
		const struct pw_jpos *kp = pw_jpos_elem(p, i);
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (!strcmp(k, "version")) {
			if (!json_is_integer(v) || json_integer_value(v) != 1)
				return fail(w, kp, true, "'version' must be 1");
			have_version = true;
		} else if (!strcmp(k, "pinwheel")) {
			if (!json_is_string(v) || !*json_string_value(v))
				return fail(w, kp, true, "'pinwheel' must be a version string");
			free(ls->pinwheel);
			ls->pinwheel = pw_xstrdup(json_string_value(v));
		} else if (!strcmp(k, "config_digest")) {
			if (!json_is_string(v) || !pw_sha256_hex_valid(json_string_value(v)))
				return fail(w, kp, true,
					    "'config_digest' must be 64 lowercase hex digits");
			snprintf(ls->config_digest, sizeof(ls->config_digest), "%s",
				 json_string_value(v));
		} else if (!strcmp(k, "artifacts")) {
			if (!json_is_array(v))
				return fail(w, kp, true, "'artifacts' must be an array");
			have_artifacts = true;
			for (size_t j = 0; j < json_array_size(v); j++) {
				json_t *o = json_array_get(v, j);
				struct pw_artifact a;

				if (!json_is_object(o))
					return fail(w, kp, true,
						    "artifacts[%zu]: expected an object", j);
				memset(&a, 0, sizeof(a));
				r = parse_artifact(w, j, o, pw_jpos_elem(kp, j), &a);
				if (r < 0) {
					pw_artifact_release(&a);
					return r;
				}
				pw_lockset_append(ls, &a);
			}
		} else if (!strcmp(k, "roots")) {
			roots = v; /* after the artifacts, which layers refer to */
			roots_p = kp;
		} else if (!strcmp(k, "no_old_root")) {
			r = parse_no_old_root(w, ls, v, kp);
			if (r < 0)
				return r;
		} else {
			dym = pw_did_you_mean(k, keys, PW_ARRAY_SIZE(keys));
			if (dym)
				return fail(w, kp, true, "unknown key '%s' (did you mean '%s'?)", k,
					    dym);
			return fail(w, kp, true,
				    "unknown key '%s' (expected version, pinwheel, config_digest, "
				    "artifacts, roots or no_old_root)",
				    k);
		}
	}
	if (!have_version)
		return fail(w, p, false, "missing 'version'");
	if (!have_artifacts)
		return fail(w, p, false, "missing 'artifacts'");
	return roots ? parse_roots(w, ls, roots, roots_p) : 0;
}

static int cmp_unpack(const struct pw_artifact *x, const struct pw_artifact *y)
{
	if (x->has_unpack != y->has_unpack)
		return x->has_unpack ? 1 : -1;
	if (x->unpack.strip != y->unpack.strip)
		return x->unpack.strip < y->unpack.strip ? -1 : 1;
	return strcmp(x->unpack.subdir ? x->unpack.subdir : "",
		      y->unpack.subdir ? y->unpack.subdir : "");
}

/* The writer's merge key: kind, name, sha256 and unpack options. */
static int cmp_key(const struct pw_artifact *x, const struct pw_artifact *y)
{
	int c = strcmp(x->sha256, y->sha256);

	if (!c)
		c = strcmp(x->kind, y->kind);
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = cmp_unpack(x, y);
	return c;
}

/* Order of artifact indices for check_pins(): by key, then by place in
 * the file. */
static int cmp_pin(const void *a, const void *b, void *ud)
{
	const struct pw_lockset *ls = ud;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = cmp_key(&ls->artifacts[i], &ls->artifacts[j]);

	return c ? c : i < j ? -1 : i > j;
}

/* What no writer produces: one artifact listed twice (the writer merges
 * equal kind, name, sha256 and unpack options into one entry) or one
 * sha256 pinned with two sizes.  Of several problems, the one whose
 * offending artifact comes first in the file is reported. */
static int check_pins(struct rd *w, const struct pw_lockset *ls)
{
	const struct pw_artifact *A = ls->artifacts;
	size_t *ord, bad = SIZE_MAX, other = 0, first = 0;
	bool dup = false;
	struct pw_jpos at = {0};

	if (ls->n < 2)
		return 0;
	ord = pw_xcalloc(ls->n, sizeof(*ord));
	for (size_t i = 0; i < ls->n; i++)
		ord[i] = i;
	qsort_r(ord, ls->n, sizeof(*ord), cmp_pin, (void *)ls);
	for (size_t k = 0; k < ls->n; k++) {
		size_t i = ord[k];

		if (k == 0 || strcmp(A[i].sha256, A[ord[k - 1]].sha256)) {
			/* a new sha256: its earliest artifact in the file */
			first = i;
			for (size_t m = k + 1; m < ls->n && !strcmp(A[ord[m]].sha256, A[i].sha256);
			     m++)
				if (ord[m] < first)
					first = ord[m];
		}
		if (A[i].size != A[first].size && i < bad) {
			bad = i;
			other = first;
			dup = false;
		} else if (k > 0 && !cmp_key(&A[ord[k - 1]], &A[i]) && i < bad) {
			bad = i;
			other = ord[k - 1];
			dup = true;
		}
	}
	free(ord);
	if (bad == SIZE_MAX)
		return 0;
	at.line = at.kline = A[bad].line;
	at.col = at.kcol = A[bad].col;
	if (dup)
		return fail(w, &at, false,
			    "artifacts[%zu]: '%s' is listed again (artifacts[%zu] has the same "
			    "kind, sha256 and unpack options): expected each artifact once",
			    bad, A[bad].name, other);
	return fail(w, &at, false,
		    "artifacts[%zu] '%s': size %llu, but artifacts[%zu] '%s' pins the same sha256 "
		    "with size %llu: expected one size per sha256",
		    bad, A[bad].name, (unsigned long long)A[bad].size, other, A[other].name,
		    (unsigned long long)A[other].size);
}

int pw_lock_parse(const char *name, const char *data, size_t n, struct pw_lockset *ls,
		  struct pw_err *e)
{
	struct rd w = {name, e};
	struct pw_jpos *pos;
	json_t *root;
	int r;

	*ls = (struct pw_lockset)PW_LOCKSET_INIT;
	if (n > PW_JSON_MAX_FILE)
		return pw_err_set(e, E2BIG, "'%s': larger than %u bytes", name, PW_JSON_MAX_FILE);
	root = pw_json_load_mem(name, data, n, e);
	if (!root)
		return -EINVAL;
	pos = pw_jpos_scan(data, n);
	if (!pos)
		r = pw_err_set(e, EINVAL, "%s:1:1: could not scan the document", name);
	else
		r = parse_top(&w, ls, root, pos);
	if (r == 0)
		r = check_pins(&w, ls);
	pw_jpos_free(pos);
	json_decref(root);
	if (r < 0)
		pw_lockset_release(ls);
	return r;
}

int pw_lock_read(const char *path, struct pw_buf *b, struct pw_err *e)
{
	struct stat st;
	int r;

	r = pw_read_file(path, b);
	if (r == -E2BIG) {
		/* say how large: the reader stopped at the limit */
		if (stat(path, &st) == 0)
			return pw_err_set(e, E2BIG,
					  "'%s': %llu bytes, more than the %u MiB a lock file may "
					  "have",
					  path, (unsigned long long)st.st_size,
					  PW_JSON_MAX_FILE >> 20);
		return pw_err_set(e, E2BIG, "'%s': more than the %u MiB a lock file may have",
				  path, PW_JSON_MAX_FILE >> 20);
	}
	if (r < 0)
		return pw_err_sys(e, -r, "could not read '%s'", path);
	return 0;
}

int pw_lock_load(const char *path, struct pw_lockset *ls, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	int r;

	*ls = (struct pw_lockset)PW_LOCKSET_INIT;
	r = pw_lock_read(path, &b, e);
	if (r == 0)
		r = pw_lock_parse(path, b.buf, b.len, ls, e);
	pw_buf_release(&b);
	return r;
}

int pw_lock_check_blobs(const char *path, const struct pw_lockset *ls, const char *store_dir,
			struct pw_err *e)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *blobs = NULL;

	if (!store_dir)
		return 0;
	blobs = pw_path_join(store_dir, "blobs/sha256");
	dfd = open(blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0; /* no store (yet): nothing to compare with */
	for (size_t i = 0; i < ls->n; i++) {
		const struct pw_artifact *a = &ls->artifacts[i];
		struct stat st;

		if (fstatat(dfd, a->sha256, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((uint64_t)st.st_size != a->size)
			return pw_err_set(e, EINVAL,
					  "%s:%d:%d: artifacts[%zu] '%s': size %llu, but its blob "
					  "in the store (sha256 %.12s...) has %llu bytes: expected "
					  "the size of the content the sha256 names",
					  path, a->line, a->col, i, a->name,
					  (unsigned long long)a->size, a->sha256,
					  (unsigned long long)st.st_size);
	}
	return 0;
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *unpack_json(const struct pw_unpack_opts *o)
{
	json_t *u = json_object();

	json_object_set_new(u, "strip", json_integer(o->strip));
	if (o->subdir)
		json_object_set_new(u, "subdir", json_string(o->subdir));
	return u;
}

static json_t *artifact_json(const struct pw_artifact *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(a->name));
	json_object_set_new(o, "kind", json_string(a->kind));
	if (a->package)
		json_object_set_new(o, "package", json_string(a->package));
	if (a->version)
		json_object_set_new(o, "version", json_string(a->version));
	json_object_set_new(o, "urls", strv_json(a->urls, a->nurls));
	json_object_set_new(o, "sha256", json_string(a->sha256));
	json_object_set_new(o, "size", json_integer((json_int_t)a->size));
	if (a->has_unpack)
		json_object_set_new(o, "unpack", unpack_json(&a->unpack));
	json_object_set_new(o, "needed_by", strv_json(a->needed_by, a->nneeded));
	if (a->snap_path && a->snap_archive && a->snap_date)
		json_object_set_new(o, "snapshot",
				    json_pack("{s:s, s:s, s:s}", "archive", a->snap_archive, "date",
					      a->snap_date, "path", a->snap_path));
	return o;
}

char *pw_lock_render(struct pw_lockset *ls, const char *config_digest, size_t *len)
{
	json_t *root = json_object(), *arts = json_array(), *roots = json_object();
	char *s, *out;
	size_t i, j;

	pw_lockset_sort(ls);
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "pinwheel", json_string(PW_VERSION));
	json_object_set_new(root, "config_digest", json_string(config_digest));
	for (i = 0; i < ls->n; i++)
		json_array_append_new(arts, artifact_json(&ls->artifacts[i]));
	json_object_set_new(root, "artifacts", arts);
	for (i = 0; i < ls->nroots; i++) {
		json_t *r = json_object(), *layers = json_array();
		for (j = 0; j < ls->roots[i].n; j++) {
			const struct pw_layer *l = &ls->roots[i].layers[j];
			json_t *lo = json_object();
			json_object_set_new(lo, "name", json_string(l->name));
			json_object_set_new(lo, "how", json_string(l->how));
			json_object_set_new(lo, "dest", json_string(l->dest));
			json_object_set_new(lo, "artifacts", strv_json(l->artifacts, l->n));
			if (l->nbuild)
				json_object_set_new(lo, "build_requires",
						    strv_json(l->build, l->nbuild));
			if (l->nconfigure)
				json_object_set_new(lo, "configure",
						    strv_json(l->configure, l->nconfigure));
			if (l->has_unpack)
				json_object_set_new(lo, "unpack", unpack_json(&l->unpack));
			if (l->input)
				json_object_set_new(lo, "input", json_string(l->input));
			if (l->oci) {
				json_t *oc = json_object();
				json_object_set_new(oc, "reference",
						    json_string(l->oci->reference));
				if (l->oci->index)
					json_object_set_new(oc, "index",
							    json_string(l->oci->index));
				json_object_set_new(oc, "manifest", json_string(l->oci->manifest));
				json_object_set_new(oc, "platform", json_string(l->oci->platform));
				json_object_set_new(lo, "oci", oc);
			}
			if (l->generated) {
				json_t *g = json_object();
				json_object_set_new(g, "path", json_string(l->generated->path));
				json_object_set_new(g, "text", json_string(l->generated->text));
				json_object_set_new(lo, "generated", g);
			}
			json_array_append_new(layers, lo);
		}
		json_object_set_new(r, "layers", layers);
		json_object_set_new(roots, ls->roots[i].target, r);
	}
	json_object_set_new(root, "roots", roots);
	if (ls->nnoold) {
		json_t *no = json_object();

		for (i = 0; i < ls->nnoold; i++)
			json_object_set_new(no, ls->noold[i].target,
					    json_string(ls->noold[i].reason));
		json_object_set_new(root, "no_old_root", no);
	}
	s = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	if (!s) {
		fprintf(stderr, "pinwheel: out of memory rendering the lock\n");
		abort();
	}
	out = pw_xasprintf("%s\n", s);
	free(s);
	*len = strlen(out);
	return out;
}
