/* lock.c - the minimal pinwheel.lock reader (see include/pinwheel/lock.h).
 *
 * jansson keeps no positions for decoded values, so errors are placed by a
 * small scanner over the raw text: the checks below walk the document in
 * order (jansson keeps objects in insertion order) and count every key and
 * every object they meet; the Nth key (or object) of the walk is the Nth
 * key token (or '{') of the text. */
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"

struct walk {
	const char *name;
	const char *data;
	size_t n;
	size_t keys;	/* keys met so far */
	size_t objects; /* objects met so far */
	struct pw_err *e;
};

/* Position (1-based line and column) of the @target-th key token, or of the
 * @target-th '{' when !@key.  0:0 when not found. */
static void find_pos(const char *d, size_t n, bool key, size_t target, int *line, int *col)
{
	size_t i = 0, kcount = 0, ocount = 0;
	int ln = 1, cl = 1;

	*line = *col = 0;
	while (i < n) {
		char c = d[i];
		if (c == '"') {
			int sl = ln, sc = cl;
			size_t j = i + 1;
			while (j < n && d[j] != '"') {
				if (d[j] == '\\' && j + 1 < n)
					j++;
				j++;
			}
			cl += (int)(j + 1 - i);
			i = j + 1;
			j = i;
			while (j < n &&
			       (d[j] == ' ' || d[j] == '\t' || d[j] == '\r' || d[j] == '\n'))
				j++;
			if (j < n && d[j] == ':') {
				if (key && kcount == target) {
					*line = sl;
					*col = sc;
					return;
				}
				kcount++;
			}
			continue;
		}
		if (c == '{') {
			if (!key && ocount == target) {
				*line = ln;
				*col = cl;
				return;
			}
			ocount++;
		}
		if (c == '\n') {
			ln++;
			cl = 1;
		} else {
			cl++;
		}
		i++;
	}
}

/* Fail at the key most recently met (w->keys - 1). */
static int fail_key(struct walk *w, const char *fmt, ...) PW_PRINTF(2, 3);
static int fail_key(struct walk *w, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	find_pos(w->data, w->n, true, w->keys ? w->keys - 1 : 0, &line, &col);
	return pw_err_set(w->e, EINVAL, "%s:%d:%d: %s", w->name, line, col, msg);
}

/* Fail at the object most recently entered (index @obj). */
static int fail_obj(struct walk *w, size_t obj, const char *fmt, ...) PW_PRINTF(3, 4);
static int fail_obj(struct walk *w, size_t obj, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	find_pos(w->data, w->n, false, obj, &line, &col);
	return pw_err_set(w->e, EINVAL, "%s:%d:%d: %s", w->name, line, col, msg);
}

static bool url_ok(const char *u)
{
	return (!strncmp(u, "http://", 7) && u[7]) || (!strncmp(u, "https://", 8) && u[8]) ||
	       (!strncmp(u, "file://", 7) && u[7]);
}

static bool subdir_ok(const char *p)
{
	const char *c = p;

	if (!*p || *p == '/')
		return false;
	while (*c) {
		const char *end = strchr(c, '/');
		size_t len = end ? (size_t)(end - c) : strlen(c);
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += len;
		if (*c == '/')
			c++;
	}
	return true;
}

static int parse_unpack(struct walk *w, const char *where, json_t *o, struct pw_lock_artifact *a)
{
	const char *k;
	json_t *v;
	void *it;

	if (!json_is_object(o))
		return fail_key(w, "%s: 'unpack' must be an object", where);
	w->objects++;
	a->has_unpack = true;
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		w->keys++;
		if (!strcmp(k, "strip")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 64)
				return fail_key(
				    w, "%s: 'unpack.strip' must be an integer from 0 to 64", where);
			a->unpack.strip = (unsigned)json_integer_value(v);
		} else if (!strcmp(k, "subdir")) {
			if (!json_is_string(v) || !subdir_ok(json_string_value(v)))
				return fail_key(w,
						"%s: 'unpack.subdir' must be a relative path "
						"without '.' or '..' components",
						where);
			a->unpack.subdir = pw_xstrdup(json_string_value(v));
		} else {
			return fail_key(w, "%s: unknown key 'unpack.%s' (expected strip or subdir)",
					where, k);
		}
	}
	return 0;
}

static int parse_artifact(struct walk *w, size_t idx, json_t *o, struct pw_lock_artifact *a)
{
	char where[64];
	size_t obj = w->objects, i;
	const char *k;
	json_t *v;
	void *it;
	int r;

	snprintf(where, sizeof(where), "artifacts[%zu]", idx);
	w->objects++;
	a->kind = pw_xstrdup("");
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		w->keys++;
		if (!strcmp(k, "name")) {
			if (!json_is_string(v) || !*json_string_value(v))
				return fail_key(w, "%s: 'name' must be a non-empty string", where);
			a->name = pw_xstrdup(json_string_value(v));
		} else if (!strcmp(k, "kind")) {
			if (!json_is_string(v))
				return fail_key(w, "%s: 'kind' must be a string", where);
			free(a->kind);
			a->kind = pw_xstrdup(json_string_value(v));
		} else if (!strcmp(k, "urls")) {
			if (!json_is_array(v) || json_array_size(v) == 0)
				return fail_key(w, "%s: 'urls' must be a non-empty array of urls",
						where);
			a->urls = pw_xcalloc(json_array_size(v), sizeof(*a->urls));
			for (i = 0; i < json_array_size(v); i++) {
				json_t *u = json_array_get(v, i);
				if (!json_is_string(u) || !url_ok(json_string_value(u)))
					return fail_key(w,
							"%s: 'urls[%zu]' must be an http://, "
							"https:// or file:// url",
							where, i);
				a->urls[a->nurls++] = pw_xstrdup(json_string_value(u));
			}
		} else if (!strcmp(k, "sha256")) {
			if (!json_is_string(v) || !pw_sha256_hex_valid(json_string_value(v)))
				return fail_key(w, "%s: 'sha256' must be 64 lowercase hex digits",
						where);
			snprintf(a->sha256, sizeof(a->sha256), "%s", json_string_value(v));
		} else if (!strcmp(k, "size")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return fail_key(w, "%s: 'size' must be a non-negative integer",
						where);
			a->size = (uint64_t)json_integer_value(v);
		} else if (!strcmp(k, "unpack")) {
			r = parse_unpack(w, where, v, a);
			if (r < 0)
				return r;
		} else {
			return fail_key(w,
					"%s: unknown key '%s' (expected name, kind, urls, sha256, "
					"size or unpack)",
					where, k);
		}
	}
	if (!a->name)
		return fail_obj(w, obj, "%s: missing 'name'", where);
	if (!a->urls)
		return fail_obj(w, obj, "%s: missing 'urls'", where);
	if (!a->sha256[0])
		return fail_obj(w, obj, "%s: missing 'sha256'", where);
	if (!json_is_integer(json_object_get(o, "size")))
		return fail_obj(w, obj, "%s: missing 'size'", where);
	return 0;
}

static void artifact_release(struct pw_lock_artifact *a)
{
	free(a->name);
	free(a->kind);
	for (size_t i = 0; i < a->nurls; i++)
		free(a->urls[i]);
	free(a->urls);
	free((char *)a->unpack.subdir);
	memset(a, 0, sizeof(*a));
}

void pw_lockfile_release(struct pw_lockfile *lf)
{
	for (size_t i = 0; i < lf->n; i++)
		artifact_release(&lf->artifacts[i]);
	free(lf->artifacts);
	lf->artifacts = NULL;
	lf->n = 0;
}

int pw_lockfile_parse(const char *name, const char *data, size_t n, struct pw_lockfile *lf,
		      struct pw_err *e)
{
	struct walk w = {name, data, n, 0, 0, e};
	bool have_version = false, have_artifacts = false;
	json_t *root, *v, *arr = NULL;
	const char *k;
	size_t i;
	void *it;
	int r = 0;

	lf->artifacts = NULL;
	lf->n = 0;
	if (n > PW_JSON_MAX_FILE)
		return pw_err_set(e, E2BIG, "'%s': larger than %u bytes", name, PW_JSON_MAX_FILE);
	root = pw_json_load_mem(name, data, n, e);
	if (!root)
		return -EINVAL;
	if (!json_is_object(root)) {
		r = pw_err_set(e, EINVAL,
			       "%s:1:1: expected an object with 'version' and 'artifacts'", name);
		goto out;
	}
	w.objects++;
	for (it = json_object_iter(root); it; it = json_object_iter_next(root, it)) {
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		w.keys++;
		if (!strcmp(k, "version")) {
			if (!json_is_integer(v) || json_integer_value(v) != 1) {
				r = fail_key(&w, "'version' must be 1");
				goto out;
			}
			have_version = true;
		} else if (!strcmp(k, "artifacts")) {
			if (!json_is_array(v)) {
				r = fail_key(&w, "'artifacts' must be an array");
				goto out;
			}
			have_artifacts = true;
			arr = v;
			lf->artifacts = pw_xcalloc(json_array_size(v), sizeof(*lf->artifacts));
			for (i = 0; i < json_array_size(v); i++) {
				json_t *o = json_array_get(v, i);
				if (!json_is_object(o)) {
					r = fail_key(&w, "artifacts[%zu]: expected an object", i);
					goto out;
				}
				lf->n++;
				r = parse_artifact(&w, i, o, &lf->artifacts[i]);
				if (r < 0)
					goto out;
			}
		} else {
			r = fail_key(&w, "unknown key '%s' (expected version or artifacts)", k);
			goto out;
		}
	}
	(void)arr;
	if (!have_version)
		r = fail_obj(&w, 0, "missing 'version'");
	else if (!have_artifacts)
		r = fail_obj(&w, 0, "missing 'artifacts'");
out:
	json_decref(root);
	if (r < 0)
		pw_lockfile_release(lf);
	return r;
}

int pw_lockfile_load(const char *path, struct pw_lockfile *lf, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	int r;

	lf->artifacts = NULL;
	lf->n = 0;
	r = pw_read_file(path, &b);
	if (r < 0) {
		if (r == -E2BIG)
			pw_err_set(e, E2BIG, "'%s': larger than %u bytes", path, PW_JSON_MAX_FILE);
		else
			pw_err_sys(e, -r, "could not read '%s'", path);
		pw_buf_release(&b);
		return r;
	}
	r = pw_lockfile_parse(path, b.buf, b.len, lf, e);
	pw_buf_release(&b);
	return r;
}
