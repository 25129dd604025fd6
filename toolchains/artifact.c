/* artifact.c - the lockset: pinned artifacts and target roots (see
 * include/pinwheel/artifact.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pinwheel/artifact.h"
#include "pinwheel/buf.h"

static char **strv_dup(char *const *v, size_t n)
{
	char **r = pw_xcalloc(n ? n : 1, sizeof(*r));

	for (size_t i = 0; i < n; i++)
		r[i] = pw_xstrdup(v[i]);
	return r;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Add @s to the sorted, unique set @v. */
static void strset_add(char ***v, size_t *n, const char *s)
{
	if (strv_has(*v, *n, s))
		return;
	*v = pw_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = pw_xstrdup(s);
	pw_sort_strings(*v, *n);
}

static void strv_add(char ***v, size_t *n, const char *s)
{
	*v = pw_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = pw_xstrdup(s);
}

static bool snap_before(const struct pw_artifact *a, const struct pw_artifact *d);

static char *xstrdup_or_null(const char *s)
{
	return s ? pw_xstrdup(s) : NULL;
}

void pw_artifact_release(struct pw_artifact *a)
{
	free(a->kind);
	free(a->name);
	free(a->version);
	free(a->package);
	strv_free(a->urls, a->nurls);
	free((char *)a->unpack.subdir);
	strv_free(a->needed_by, a->nneeded);
	free(a->snap_archive);
	free(a->snap_date);
	free(a->snap_path);
	memset(a, 0, sizeof(*a));
}

/* Does @a's snapshot come before @d's (none: last)?  (date, archive, path) */
static bool snap_before(const struct pw_artifact *a, const struct pw_artifact *d)
{
	int c;

	if (!d->snap_path)
		return true;
	c = strcmp(a->snap_date, d->snap_date);
	if (!c)
		c = strcmp(a->snap_archive, d->snap_archive);
	if (!c)
		c = strcmp(a->snap_path, d->snap_path);
	return c < 0;
}

static bool fetch_url_ok(const char *v)
{
	return v && (!strncmp(v, "http://", 7) || !strncmp(v, "https://", 8) ||
		     !strncmp(v, "file://", 7));
}

const char *pw_snapshot_base(void)
{
	const char *v = getenv("PINWHEEL_SNAPSHOT");

	return fetch_url_ok(v) ? v : NULL;
}

const char *pw_blob_mirror_base(void)
{
	const char *v = getenv("PINWHEEL_BLOB_MIRROR");

	return fetch_url_ok(v) ? v : NULL;
}

char *pw_artifact_blob_url(const struct pw_artifact *a, const char *base)
{
	size_t blen;

	if (!base || !*base)
		return NULL;
	blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	return pw_xasprintf("%.*s/blobs/sha256/%s", (int)blen, base, a->sha256);
}

char *pw_artifact_snapshot_url(const struct pw_artifact *a, const char *base,
			       unsigned days_later)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX);
	struct tm tm = {0};
	char date[17];
	const char *end;
	size_t blen;
	time_t t;

	if (!base || !*base || !a->snap_archive || !a->snap_date || !a->snap_path)
		return NULL;
	end = strptime(a->snap_date, "%Y%m%dT%H%M%SZ", &tm);
	if (!end || *end)
		return NULL;
	t = timegm(&tm) + (time_t)days_later * 86400;
	if (!gmtime_r(&t, &tm) || strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm) != 16)
		return NULL;
	blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	pw_buf_addf(&b, "%.*s/archive/%s/%s/", (int)blen, base, a->snap_archive, date);
	for (const char *p = a->snap_path; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("._~+/-", c))
			pw_buf_add(&b, p, 1);
		else
			pw_buf_addf(&b, "%%%02X", c);
	}
	return pw_buf_detach(&b, NULL);
}

static void layer_release(struct pw_layer *l)
{
	free((char *)l->unpack.subdir);
	free(l->name);
	free(l->how);
	free(l->dest);
	free(l->input);
	strv_free(l->artifacts, l->n);
	strv_free(l->build, l->nbuild);
	strv_free(l->configure, l->nconfigure);
	if (l->oci)
		pw_layer_oci_release(l->oci);
	free(l->oci);
	if (l->generated) {
		free(l->generated->path);
		free(l->generated->text);
	}
	free(l->generated);
}

void pw_layer_oci_release(struct pw_layer_oci *o)
{
	free(o->reference);
	free(o->index);
	free(o->manifest);
	free(o->platform);
	memset(o, 0, sizeof(*o));
}

void pw_lockset_release(struct pw_lockset *ls)
{
	size_t i, j;

	for (i = 0; i < ls->n; i++)
		pw_artifact_release(&ls->artifacts[i]);
	free(ls->artifacts);
	for (i = 0; i < ls->nroots; i++) {
		for (j = 0; j < ls->roots[i].n; j++)
			layer_release(&ls->roots[i].layers[j]);
		free(ls->roots[i].layers);
		free(ls->roots[i].target);
	}
	free(ls->roots);
	free(ls->index);
	free(ls->pinwheel);
	for (i = 0; i < ls->nnoold; i++) {
		free(ls->noold[i].target);
		free(ls->noold[i].reason);
	}
	free(ls->noold);
	memset(ls, 0, sizeof(*ls));
}

/* The index maps (kind, name) to artifact positions + 1 (0: empty slot),
 * so adding and finding stay linear in the number of artifacts. */
static size_t key_hash(const char *kind, const char *name)
{
	size_t h = 1469598103934665603ull;

	for (const char *p = kind; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

static void index_put(struct pw_lockset *ls, size_t i)
{
	size_t m = ls->index_cap - 1,
	       h = key_hash(ls->artifacts[i].kind, ls->artifacts[i].name) & m;

	while (ls->index[h])
		h = (h + 1) & m;
	ls->index[h] = i + 1;
}

static void index_rebuild(struct pw_lockset *ls)
{
	size_t cap = 64;

	while (cap < ls->n * 2 + 2)
		cap *= 2;
	free(ls->index);
	ls->index = pw_xcalloc(cap, sizeof(*ls->index));
	ls->index_cap = cap;
	for (size_t i = 0; i < ls->n; i++)
		index_put(ls, i);
}

/* Call @fn on each artifact with @kind and @name until it returns true;
 * returns that artifact or NULL. */
static struct pw_artifact *index_find(const struct pw_lockset *ls, const char *kind,
				      const char *name,
				      bool (*fn)(const struct pw_artifact *, const void *),
				      const void *ud)
{
	size_t m, h;

	if (!ls->index_cap)
		return NULL;
	m = ls->index_cap - 1;
	for (h = key_hash(kind, name) & m; ls->index[h]; h = (h + 1) & m) {
		struct pw_artifact *c = &ls->artifacts[ls->index[h] - 1];
		if (!strcmp(c->kind, kind) && !strcmp(c->name, name) && fn(c, ud))
			return c;
	}
	return NULL;
}

static bool same_pin(const struct pw_artifact *c, const void *ud)
{
	const struct pw_artifact *a = ud;

	return !strcmp(c->sha256, a->sha256) &&
	       pw_artifact_same_unpack(c->has_unpack, &c->unpack, a->has_unpack, &a->unpack);
}

static bool has_url(const struct pw_artifact *c, const void *ud)
{
	return strv_has(c->urls, c->nurls, ud);
}

struct pw_artifact *pw_lockset_add(struct pw_lockset *ls, const struct pw_artifact *a,
				   const char *target)
{
	struct pw_artifact *d;
	size_t i;

	if (ls->index_cap < ls->n * 2 + 2)
		index_rebuild(ls);
	d = index_find(ls, a->kind, a->name, same_pin, a);
	if (!d) {
		if (ls->n == ls->alloc) {
			ls->alloc = ls->alloc ? ls->alloc * 2 : 8;
			ls->artifacts =
			    pw_xrealloc(ls->artifacts, ls->alloc * sizeof(*ls->artifacts));
		}
		d = &ls->artifacts[ls->n++];
		memset(d, 0, sizeof(*d));
		d->kind = pw_xstrdup(a->kind);
		d->name = pw_xstrdup(a->name);
		d->version = xstrdup_or_null(a->version);
		d->package = xstrdup_or_null(a->package);
		memcpy(d->sha256, a->sha256, sizeof(d->sha256));
		d->size = a->size;
		d->has_unpack = a->has_unpack;
		d->unpack = a->unpack;
		d->unpack.subdir = xstrdup_or_null(a->unpack.subdir);
		d->urls = strv_dup(NULL, 0);
		d->needed_by = strv_dup(NULL, 0);
		index_put(ls, ls->n - 1);
	}
	if (a->snap_path && a->snap_archive && a->snap_date && snap_before(a, d)) {
		free(d->snap_archive);
		free(d->snap_date);
		free(d->snap_path);
		d->snap_archive = pw_xstrdup(a->snap_archive);
		d->snap_date = pw_xstrdup(a->snap_date);
		d->snap_path = pw_xstrdup(a->snap_path);
	}
	for (i = 0; i < a->nurls; i++)
		if (!strv_has(d->urls, d->nurls, a->urls[i]))
			strv_add(&d->urls, &d->nurls, a->urls[i]);
	for (i = 0; i < a->nneeded; i++)
		strset_add(&d->needed_by, &d->nneeded, a->needed_by[i]);
	if (target)
		strset_add(&d->needed_by, &d->nneeded, target);
	return d;
}

static int cmp_at(const void *a, const void *b, void *ud)
{
	char *const *v = ud;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x], v[y]);

	return c ? c : (x > y) - (x < y);
}

/* Drop the later copies of strings repeated in @v (first seen first); n
 * log n, as the lists come from files. */
static void strv_uniq(char **v, size_t *n)
{
	size_t *ix, k = 0;
	bool *drop;

	if (*n < 2)
		return;
	ix = pw_xcalloc(*n, sizeof(*ix));
	drop = pw_xcalloc(*n, sizeof(*drop));
	for (size_t i = 0; i < *n; i++)
		ix[i] = i;
	qsort_r(ix, *n, sizeof(*ix), cmp_at, v);
	for (size_t i = 1; i < *n; i++)
		drop[ix[i]] = !strcmp(v[ix[i]], v[ix[i - 1]]);
	for (size_t i = 0; i < *n; i++) {
		if (drop[i])
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*n = k;
	free(drop);
	free(ix);
}

void pw_lockset_append(struct pw_lockset *ls, struct pw_artifact *a)
{
	if (ls->index_cap < (ls->n + 1) * 2 + 2)
		index_rebuild(ls);
	if (ls->n == ls->alloc) {
		ls->alloc = ls->alloc ? ls->alloc * 2 : 8;
		ls->artifacts = pw_xrealloc(ls->artifacts, ls->alloc * sizeof(*ls->artifacts));
	}
	if (!a->urls)
		a->urls = strv_dup(NULL, 0);
	if (!a->needed_by)
		a->needed_by = strv_dup(NULL, 0);
	strv_uniq(a->urls, &a->nurls);
	strv_uniq(a->needed_by, &a->nneeded);
	pw_sort_strings(a->needed_by, a->nneeded);
	ls->artifacts[ls->n++] = *a;
	memset(a, 0, sizeof(*a));
	index_put(ls, ls->n - 1);
}

const struct pw_root *pw_lockset_find_root(const struct pw_lockset *ls, const char *target)
{
	for (size_t i = 0; i < ls->nroots; i++)
		if (!strcmp(ls->roots[i].target, target))
			return &ls->roots[i];
	return NULL;
}

const struct pw_artifact *pw_lockset_find_sha(const struct pw_lockset *ls, const char *sha)
{
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->artifacts[i].sha256, sha))
			return &ls->artifacts[i];
	return NULL;
}

struct pw_root *pw_lockset_root(struct pw_lockset *ls, const char *target)
{
	struct pw_root *r;

	for (size_t i = 0; i < ls->nroots; i++)
		if (!strcmp(ls->roots[i].target, target))
			return &ls->roots[i];
	ls->roots = pw_xrealloc(ls->roots, (ls->nroots + 1) * sizeof(*ls->roots));
	r = &ls->roots[ls->nroots++];
	memset(r, 0, sizeof(*r));
	r->target = pw_xstrdup(target);
	return r;
}

void pw_lockset_merge(struct pw_lockset *dst, struct pw_lockset *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		pw_lockset_add(dst, &src->artifacts[i], NULL);
	for (i = 0; i < src->nroots; i++) {
		struct pw_root *r = pw_lockset_root(dst, src->roots[i].target);

		r->layers =
		    pw_xrealloc(r->layers, (r->n + src->roots[i].n + 1) * sizeof(*r->layers));
		memcpy(r->layers + r->n, src->roots[i].layers,
		       src->roots[i].n * sizeof(*r->layers));
		r->n += src->roots[i].n;
		free(src->roots[i].layers);
		src->roots[i].layers = NULL;
		src->roots[i].n = 0;
	}
	for (i = 0; i < src->nnoold; i++)
		pw_lockset_set_no_old_root(dst, src->noold[i].target, src->noold[i].reason);
	pw_lockset_release(src);
}

bool pw_artifact_same_unpack(bool ha, const struct pw_unpack_opts *a, bool hb,
			     const struct pw_unpack_opts *b)
{
	if (ha != hb)
		return false;
	if (!ha)
		return true;
	if (a->strip != b->strip || !a->subdir != !b->subdir)
		return false;
	return !a->subdir || !strcmp(a->subdir, b->subdir);
}

void pw_lockset_add_layer(struct pw_lockset *ls, const char *target, const char *name,
			  const char *how, const char *dest, const char *const *shas, size_t n,
			  const struct pw_unpack_opts *unpack)
{
	struct pw_root *r = pw_lockset_root(ls, target);
	struct pw_layer *l;

	r->layers = pw_xrealloc(r->layers, (r->n + 1) * sizeof(*r->layers));
	l = &r->layers[r->n++];
	l->name = pw_xstrdup(name);
	l->how = pw_xstrdup(how);
	l->dest = pw_xstrdup(dest);
	l->artifacts = strv_dup((char *const *)shas, n);
	l->n = n;
	l->has_unpack = unpack != NULL;
	memset(&l->unpack, 0, sizeof(l->unpack));
	if (unpack) {
		l->unpack.strip = unpack->strip;
		l->unpack.subdir = xstrdup_or_null(unpack->subdir);
	}
	l->input = NULL;
	l->oci = NULL;
	l->generated = NULL;
	l->build = NULL;
	l->nbuild = 0;
	l->configure = NULL;
	l->nconfigure = 0;
}

void pw_lockset_set_layer_build(struct pw_lockset *ls, const char *target, const char *const *shas,
				size_t n)
{
	struct pw_root *r = pw_lockset_root(ls, target);
	struct pw_layer *l;

	if (!r->n)
		return;
	l = &r->layers[r->n - 1];
	strv_free(l->build, l->nbuild);
	l->build = n ? strv_dup((char *const *)shas, n) : NULL;
	l->nbuild = n;
}

void pw_lockset_set_layer_configure(struct pw_lockset *ls, const char *target,
				    const char *const *args, size_t n)
{
	struct pw_root *r = pw_lockset_root(ls, target);
	struct pw_layer *l;

	if (!r->n)
		return;
	l = &r->layers[r->n - 1];
	strv_free(l->configure, l->nconfigure);
	l->configure = n ? strv_dup((char *const *)args, n) : NULL;
	l->nconfigure = n;
}

void pw_lockset_set_layer_input(struct pw_lockset *ls, const char *target, const char *input)
{
	struct pw_root *r = pw_lockset_root(ls, target);

	if (!r->n)
		return;
	free(r->layers[r->n - 1].input);
	r->layers[r->n - 1].input = xstrdup_or_null(input);
}

void pw_lockset_set_layer_oci(struct pw_lockset *ls, const char *target,
			      const struct pw_layer_oci *oci)
{
	struct pw_root *r = pw_lockset_root(ls, target);
	struct pw_layer *l;

	if (!r->n)
		return;
	l = &r->layers[r->n - 1];
	if (l->oci)
		pw_layer_oci_release(l->oci);
	free(l->oci);
	l->oci = NULL;
	if (!oci)
		return;
	l->oci = pw_xcalloc(1, sizeof(*l->oci));
	l->oci->reference = xstrdup_or_null(oci->reference);
	l->oci->index = xstrdup_or_null(oci->index);
	l->oci->manifest = xstrdup_or_null(oci->manifest);
	l->oci->platform = xstrdup_or_null(oci->platform);
}

void pw_lockset_set_layer_generated(struct pw_lockset *ls, const char *target,
				    const struct pw_layer_file *f)
{
	struct pw_root *r = pw_lockset_root(ls, target);
	struct pw_layer *l;

	if (!r->n)
		return;
	l = &r->layers[r->n - 1];
	if (l->generated) {
		free(l->generated->path);
		free(l->generated->text);
	}
	free(l->generated);
	l->generated = NULL;
	if (!f)
		return;
	l->generated = pw_xcalloc(1, sizeof(*l->generated));
	l->generated->path = pw_xstrdup(f->path);
	l->generated->text = pw_xstrdup(f->text);
}

const struct pw_layer *pw_lockset_find_layer(const struct pw_lockset *ls, const char *target,
					     const char *name)
{
	for (size_t i = 0; ls && i < ls->nroots; i++) {
		if (strcmp(ls->roots[i].target, target))
			continue;
		for (size_t j = 0; j < ls->roots[i].n; j++)
			if (!strcmp(ls->roots[i].layers[j].name, name))
				return &ls->roots[i].layers[j];
	}
	return NULL;
}

bool pw_lockset_layer_unchanged(const struct pw_lockset *prior, const char *target,
				const char *name, const char *input)
{
	const struct pw_layer *l = pw_lockset_find_layer(prior, target, name);

	return l && l->input && input && !strcmp(l->input, input);
}

void pw_lockset_layers_digest(const struct pw_lockset *ls, const char *target,
			      char hex[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_adds(&b, "pinwheel-layers;v1\n");
	for (size_t i = 0; i < ls->nroots; i++) {
		if (strcmp(ls->roots[i].target, target))
			continue;
		for (size_t j = 0; j < ls->roots[i].n; j++) {
			const struct pw_layer *l = &ls->roots[i].layers[j];
			pw_buf_addf(&b, "%s %s %s", l->name, l->how, l->dest);
			for (size_t k = 0; k < l->n; k++)
				pw_buf_addf(&b, " %s", l->artifacts[k]);
			if (l->nbuild) /* a layer without keeps its digest */
				pw_buf_adds(&b, " build");
			for (size_t k = 0; k < l->nbuild; k++)
				pw_buf_addf(&b, " %s", l->build[k]);
			if (l->nconfigure) /* likewise */
				pw_buf_adds(&b, " configure");
			for (size_t k = 0; k < l->nconfigure; k++)
				pw_buf_addf(&b, " %s", l->configure[k]);
			pw_buf_adds(&b, "\n");
		}
	}
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
}

static int cmp_artifact(const void *pa, const void *pb)
{
	const struct pw_artifact *a = pa, *b = pb;
	int c = strcmp(a->kind, b->kind);

	if (!c)
		c = strcmp(a->name, b->name);
	if (!c)
		c = strcmp(a->sha256, b->sha256);
	if (!c)
		c = (int)a->has_unpack - (int)b->has_unpack;
	if (!c && a->has_unpack)
		c = a->unpack.strip < b->unpack.strip ? -1 : a->unpack.strip > b->unpack.strip;
	if (!c && a->has_unpack)
		c = strcmp(a->unpack.subdir ? a->unpack.subdir : "",
			   b->unpack.subdir ? b->unpack.subdir : "");
	return c;
}

void pw_lockset_sort(struct pw_lockset *ls)
{
	if (ls->n)
		qsort(ls->artifacts, ls->n, sizeof(*ls->artifacts), cmp_artifact);
	if (ls->index_cap)
		index_rebuild(ls);
}

const struct pw_artifact *pw_lockset_find_url(const struct pw_lockset *ls, const char *kind,
					      const char *name, const char *url)
{
	return ls ? index_find(ls, kind, name, has_url, url) : NULL;
}

/* Copy the artifacts of @prior that @l names in @shas (@n) into @out,
 * needed by @target. */
static int reuse_artifacts(const struct pw_lockset *prior, const struct pw_layer *l,
			   char *const *shas, size_t n, const char *target, const char *field,
			   struct pw_lockset *out, struct pw_err *e)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct pw_artifact *a = NULL;
		for (j = 0; !a && j < prior->n; j++)
			if (!strcmp(prior->artifacts[j].sha256, shas[i]) &&
			    pw_artifact_same_unpack(prior->artifacts[j].has_unpack,
						    &prior->artifacts[j].unpack, l->has_unpack,
						    &l->unpack))
				a = &prior->artifacts[j];
		for (j = 0; !a && j < prior->n; j++)
			if (!strcmp(prior->artifacts[j].sha256, shas[i]))
				a = &prior->artifacts[j];
		if (!a)
			return pw_err_set(e, ENOENT,
					  "%s: pinwheel.lock names artifact %s but lacks it", field,
					  shas[i]);
		struct pw_artifact copy = *a;
		copy.needed_by = NULL;
		copy.nneeded = 0;
		pw_lockset_add(out, &copy, target);
	}
	return 0;
}

int pw_lockset_reuse_layer(const struct pw_lockset *prior, const char *target, const char *layer,
			   const char *field, struct pw_lockset *out, struct pw_err *e)
{
	const struct pw_layer *l = NULL;
	size_t i, j;
	int r;

	for (i = 0; prior && !l && i < prior->nroots; i++) {
		if (strcmp(prior->roots[i].target, target))
			continue;
		for (j = 0; !l && j < prior->roots[i].n; j++)
			if (!strcmp(prior->roots[i].layers[j].name, layer))
				l = &prior->roots[i].layers[j];
	}
	if (!l)
		return pw_err_set(e, ENOENT, "%s: pinwheel.lock has no layer '%s' for %s", field,
				  layer, target);
	r = reuse_artifacts(prior, l, l->artifacts, l->n, target, field, out, e);
	if (r == 0)
		r = reuse_artifacts(prior, l, l->build, l->nbuild, target, field, out, e);
	if (r < 0)
		return r;
	pw_lockset_add_layer(out, target, l->name, l->how, l->dest,
			     (const char *const *)l->artifacts, l->n,
			     l->has_unpack ? &l->unpack : NULL);
	pw_lockset_set_layer_input(out, target, l->input);
	pw_lockset_set_layer_oci(out, target, l->oci);
	pw_lockset_set_layer_generated(out, target, l->generated);
	pw_lockset_set_layer_build(out, target, (const char *const *)l->build, l->nbuild);
	pw_lockset_set_layer_configure(out, target, (const char *const *)l->configure,
				       l->nconfigure);
	return 0;
}

void pw_lockset_set_no_old_root(struct pw_lockset *ls, const char *target, const char *reason)
{
	struct pw_no_old_root *n = NULL;

	for (size_t i = 0; i < ls->nnoold && !n; i++)
		if (!strcmp(ls->noold[i].target, target))
			n = &ls->noold[i];
	if (!n) {
		ls->noold = pw_xrealloc(ls->noold, (ls->nnoold + 1) * sizeof(*ls->noold));
		n = &ls->noold[ls->nnoold++];
		n->target = pw_xstrdup(target);
		n->reason = NULL;
	}
	free(n->reason);
	n->reason = pw_xstrdup(reason);
}

const char *pw_lockset_no_old_root(const struct pw_lockset *ls, const char *target)
{
	for (size_t i = 0; ls && i < ls->nnoold; i++)
		if (!strcmp(ls->noold[i].target, target))
			return ls->noold[i].reason;
	return NULL;
}

void pw_lockset_drop_target(struct pw_lockset *ls, const char *target)
{
	size_t i, j, k;

	for (i = 0; i < ls->nroots; i++) {
		if (strcmp(ls->roots[i].target, target))
			continue;
		for (j = 0; j < ls->roots[i].n; j++)
			layer_release(&ls->roots[i].layers[j]);
		free(ls->roots[i].layers);
		free(ls->roots[i].target);
		memmove(&ls->roots[i], &ls->roots[i + 1],
			(ls->nroots - i - 1) * sizeof(*ls->roots));
		ls->nroots--;
		break;
	}
	for (i = k = 0; i < ls->n; i++) {
		struct pw_artifact *a = &ls->artifacts[i];

		for (j = 0; j < a->nneeded; j++) {
			if (strcmp(a->needed_by[j], target))
				continue;
			free(a->needed_by[j]);
			memmove(&a->needed_by[j], &a->needed_by[j + 1],
				(a->nneeded - j - 1) * sizeof(*a->needed_by));
			a->nneeded--;
			if (!a->nneeded) /* needed by nobody now */
				pw_artifact_release(a);
			break;
		}
		if (a->kind)
			ls->artifacts[k++] = *a;
	}
	ls->n = k;
	if (ls->index_cap)
		index_rebuild(ls);
}
