/* debian.c - the Debian provider: suite + arch + mirror + package names ->
 * a sorted list of pinned .debs (docs/debian.md).
 *
 * Steps of pw_debian_lock(): choose the mirror (given, or from the apt
 * configuration), GET dists/SUITE/InRelease, verify it with gpgv (or,
 * only when the caller allows it, take it unverified), parse its SHA256
 * list, GET each component's Packages index in the first compression the
 * mirror has (xz, gz, plain), check its size and sha256 against the
 * InRelease, decompress, index, resolve.  With a store, each Packages
 * index checked so is kept there as the blob of its sha256, and taken from
 * there when the InRelease names it again (the next target of the same
 * suite and architecture, the next lock: the InRelease is always fetched,
 * so a moved suite gets its new indexes).  Nothing else is written but a
 * temp file for gpgv; a failure leaves no trace.
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "pinwheel/buf.h"
#include "pinwheel/debian.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/store.h"

void pw_debian_lock_release(struct pw_debian_lock *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].package);
		free(l->v[i].version);
		free(l->v[i].arch);
		free(l->v[i].url);
		free(l->v[i].snap_archive);
		free(l->v[i].snap_date);
		free(l->v[i].snap_path);
	}
	free(l->v);
	free(l->mirror);
	free(l->verified_by);
	memset(l, 0, sizeof(*l));
}

/* Write @b to a new temp file; its path in *path (caller unlinks, frees). */
static int temp_file(const struct pw_buf *b, char **path, struct pw_err *e)
{
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *p =
	    pw_xasprintf("%s/pinwheel-inrelease.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkostemp(p, O_CLOEXEC), r;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not create a temp file like '%s'", p);
	r = pw_write_all(fd, b->buf, b->len);
	close(fd);
	if (r < 0) {
		unlink(p);
		return pw_err_sys(e, -r, "could not write '%s'", p);
	}
	*path = steal_pointer(&p);
	return 0;
}

/* Mirror and keyring to use (caller frees both). */
static int pick_source(const struct pw_debian_opts *o, char **mirror, char **keyring,
		       struct pw_err *e)
{
	struct pw_apt_sources src;
	char *signed_by = NULL;
	int r;

	*mirror = *keyring = NULL;
	if (o->mirror) {
		size_t n = strlen(o->mirror);
		while (n > 1 && o->mirror[n - 1] == '/')
			n--;
		*mirror = pw_xasprintf("%.*s", (int)n, o->mirror);
	} else {
		r = pw_apt_sources_read(o->apt_root ? o->apt_root : "/", &src, e);
		if (r < 0)
			return r;
		r = pw_apt_pick_mirror(&src, o->suite, o->arch, mirror, &signed_by, e);
		pw_apt_sources_release(&src);
		if (r < 0)
			return r;
	}
	if (o->keyring) {
		*keyring = pw_xstrdup(o->keyring);
	} else if (signed_by && strstr(signed_by, "BEGIN PGP")) {
		free(signed_by);
		free(*mirror);
		*mirror = NULL;
		return pw_err_set(e, ENOTSUP,
				  "apt source for '%s' has an inline Signed-By key, which pinwheel "
				  "cannot use: give a keyring file",
				  o->suite);
	} else if (signed_by && signed_by[0] == '/') {
		/* Signed-By may list several files; gpgv takes the first. */
		*keyring = pw_xasprintf("%.*s", (int)strcspn(signed_by, " \t\n,"), signed_by);
	} else {
		/* Absent, or fingerprints only: the Debian archive keyring. */
		*keyring = pw_xstrdup(PW_DEB_DEFAULT_KEYRING);
	}
	free(signed_by);
	return 0;
}

static int get_release(const struct pw_debian_opts *o, const char *mirror, const char *keyring,
		       struct pw_deb_release *rel, char **verified_by, struct pw_err *e)
{
	_cleanup_free_ char *url = pw_xasprintf("%s/dists/%s/InRelease", mirror, o->suite);
	_cleanup_free_ char *tmp = NULL;
	struct pw_buf raw = PW_BUF_INIT(PW_DEB_MAX_RELEASE), body = PW_BUF_INIT(PW_DEB_MAX_RELEASE);
	bool have_key = access(keyring, R_OK) == 0;
	long code;
	int r;

	*verified_by = NULL;
	r = pw_deb_http_get(url, &raw, &code, e);
	if (r == -ENOENT)
		pw_err_set(e, ENOENT, "suite '%s' not found on mirror '%s' (%s)", o->suite, mirror,
			   e->msg);
	else if (r == -EHOSTUNREACH)
		pw_err_prefix(e, "mirror down");
	if (r < 0)
		goto out;
	if (have_key) {
		r = temp_file(&raw, &tmp, e);
		if (r < 0)
			goto out;
		r = pw_deb_inrelease_verify(tmp, url, keyring, &body, e);
		unlink(tmp);
		if (r < 0)
			goto out;
		*verified_by = pw_xstrdup(keyring);
	} else if (o->allow_unverified) {
		r = pw_deb_clearsigned_body(raw.buf, raw.len, &body, e);
		if (r < 0) {
			pw_err_prefix(e, "'%s'", url);
			goto out;
		}
	} else {
		r = pw_err_set(
		    e, ENOKEY,
		    "cannot verify '%s': keyring '%s' is not available (install "
		    "debian-archive-keyring, give a keyring, or allow unverified indexes)",
		    url, keyring);
		goto out;
	}
	r = pw_deb_release_parse(url, body.buf, body.len, rel, e);
out:
	pw_buf_release(&raw);
	pw_buf_release(&body);
	return r;
}

static bool has_word(char **v, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], w))
			return true;
	return false;
}

/* The index @f from the store into @raw: true when the store has it (the
 * blob's name is the sha256 the signed InRelease gives for it). */
static bool index_from_store(struct pw_store *store, const struct pw_deb_release_file *f,
			     struct pw_buf *raw)
{
	_cleanup_free_ char *p = NULL;

	if (!store || !pw_store_has_blob(store, f->sha256))
		return false;
	p = pw_store_blob_path(store, f->sha256);
	pw_buf_reset(raw);
	if (pw_read_file(p, raw) < 0 || raw->len != f->size) {
		pw_buf_reset(raw);
		return false;
	}
	return true;
}

/* Keep the index @raw (checked against the InRelease: sha256 @hex) in the
 * store for the next lock, or the next target of this one.  A cache: a
 * failure only costs a download later. */
static void index_to_store(struct pw_store *store, const char *hex, const struct pw_buf *raw)
{
	struct pw_store_ins ins;
	struct pw_err e = PW_ERR_INIT;
	int r;

	if (!store)
		return;
	r = pw_store_ins_begin(store, hex, raw->len, true, false, &ins, &e);
	if (r != 0)
		return; /* present already (1), or no room: no cache */
	if (pw_store_ins_write(&ins, raw->buf, raw->len, &e) < 0) {
		pw_store_ins_abort(&ins, false);
		return;
	}
	pw_store_ins_commit(&ins, &e);
}

/* Fetch (or take from the store), check and index component @comp's
 * Packages. */
static int load_packages(struct pw_store *store, const struct pw_debian_opts *o, const char *mirror,
			 const struct pw_deb_release *rel, const char *comp,
			 struct pw_deb_index *ix, struct pw_err *e)
{
	static const char *const exts[] = {".xz", ".gz", ""};
	struct pw_buf raw = PW_BUF_INIT(PW_DEB_MAX_INDEX), text = PW_BUF_INIT(PW_DEB_MAX_INDEX);
	bool listed = false, cached;
	size_t i;
	int r = -ENOENT;

	for (i = 0; i < PW_ARRAY_SIZE(exts); i++) {
		_cleanup_free_ char *path =
		    pw_xasprintf("%s/binary-%s/Packages%s", comp, o->arch, exts[i]);
		_cleanup_free_ char *url = pw_xasprintf("%s/dists/%s/%s", mirror, o->suite, path);
		const struct pw_deb_release_file *f = pw_deb_release_find(rel, path);
		char hex[PW_SHA256_HEX];
		long code;

		if (!f)
			continue;
		listed = true;
		raw.max = f->size + 1;
		cached = index_from_store(store, f, &raw);
		r = cached ? 0 : pw_deb_http_get(url, &raw, &code, e);
		if (r == -ENOENT)
			continue; /* mirrors often lack some compressions */
		if (r == -E2BIG || (r == 0 && raw.len != f->size)) {
			r = pw_err_set(
			    e, EBADMSG, "'%s': size mismatch: InRelease says %llu bytes, got %s",
			    url, (unsigned long long)f->size, r == -E2BIG ? "more" : "fewer");
			goto out;
		}
		if (r == -EHOSTUNREACH)
			pw_err_prefix(e, "mirror down");
		if (r < 0)
			goto out;
		pw_sha256_mem(raw.buf, raw.len, hex);
		if (strcmp(hex, f->sha256)) {
			r = pw_err_set(e, EBADMSG,
				       "'%s': digest mismatch: InRelease says sha256 %s, got %s",
				       url, f->sha256, hex);
			goto out;
		}
		if (!cached)
			index_to_store(store, hex, &raw);
		r = pw_deb_decompress_mem(raw.buf, raw.len, &text, e);
		if (r < 0) {
			pw_err_prefix(e, "'%s'", url);
			goto out;
		}
		r = pw_deb_index_add_packages(ix, url, comp, text.buf, text.len, e);
		goto out;
	}
	if (!listed)
		r = pw_err_set(e, ENOENT, "InRelease of '%s' lists no Packages index for %s/%s",
			       o->suite, comp, o->arch);
	else
		r = pw_err_set(e, ENOENT,
			       "mirror '%s' has none of the Packages indexes of %s/%s for '%s'",
			       mirror, comp, o->arch, o->suite);
out:
	pw_buf_release(&raw);
	pw_buf_release(&text);
	return r;
}

/* mirror + "/" + @path with bytes outside [A-Za-z0-9._~+/-] percent-encoded
 * (pool file names may hold ':' and others).  Caller frees. */
static char *pool_url(const char *mirror, const char *path)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	const char *s;

	pw_buf_addf(&b, "%s/", mirror);
	for (s = path; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("._~+/-", c))
			pw_buf_add(&b, s, 1);
		else
			pw_buf_addf(&b, "%%%02X", c);
	}
	return pw_buf_detach(&b, NULL);
}

/* The snapshot archive a mirror url mirrors: its last path component when
 * that names a Debian archive ("debian", "debian-security",
 * "debian-ports", ...), else "debian".  Caller frees. */
static char *snapshot_archive(const char *mirror)
{
	const char *p = strstr(mirror, "://"), *end, *seg;

	p = p ? strchr(p + 3, '/') : NULL;
	if (!p)
		return pw_xstrdup("debian");
	end = p + strlen(p);
	while (end > p && end[-1] == '/')
		end--;
	seg = end;
	while (seg > p && seg[-1] != '/')
		seg--;
	if (end - seg >= 6 && !strncmp(seg, "debian", 6) &&
	    strspn(seg, "abcdefghijklmnopqrstuvwxyz0123456789.-") >= (size_t)(end - seg))
		return pw_xasprintf("%.*s", (int)(end - seg), seg);
	return pw_xstrdup("debian");
}

/* Now as a snapshot timestamp: for a Release file without a Date. */
static char *snapshot_now(void)
{
	char ts[17];
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm) != 16)
		return pw_xstrdup("19700101T000000Z");
	return pw_xstrdup(ts);
}

int pw_debian_lock(struct pw_store *store, const struct pw_debian_opts *o,
		   struct pw_debian_lock *out, struct pw_err *e)
{
	static const char *const main_only[] = {"main"};
	const char *const *comps = o->ncomponents ? o->components : main_only;
	size_t ncomps = o->ncomponents ? o->ncomponents : 1, i;
	_cleanup_free_ char *mirror = NULL, *keyring = NULL, *where = NULL;
	struct pw_deb_release rel = {0};
	struct pw_deb_selection sel = {0};
	struct pw_deb_resolve_opts ro;
	struct pw_deb_index *ix = NULL;
	char *verified_by = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (!o->suite || !o->arch || !*o->suite || !*o->arch || strchr(o->suite, '/') ||
	    strchr(o->arch, '/'))
		return pw_err_set(e, EINVAL, "a Debian root needs a suite and an architecture");
	r = pick_source(o, &mirror, &keyring, e);
	if (r < 0)
		return r;
	r = get_release(o, mirror, keyring, &rel, &verified_by, e);
	if (r < 0)
		goto out;
	if (rel.narches && !has_word(rel.arches, rel.narches, o->arch)) {
		r = pw_err_set(e, ENOENT, "suite '%s' on '%s' has no architecture '%s'", o->suite,
			       mirror, o->arch);
		goto out;
	}
	{
		struct pw_buf w = PW_BUF_INIT(4096);
		pw_buf_addf(&w, "%s/", o->suite);
		for (i = 0; i < ncomps; i++)
			pw_buf_addf(&w, "%s%s", i ? "," : "", comps[i]);
		pw_buf_addf(&w, " %s", o->arch);
		where = pw_buf_detach(&w, NULL);
	}
	ix = pw_deb_index_new(o->arch, where);
	for (i = 0; i < ncomps; i++) {
		if (rel.ncomponents && !has_word(rel.components, rel.ncomponents, comps[i])) {
			r = pw_err_set(e, ENOENT, "suite '%s' has no component '%s'", o->suite,
				       comps[i]);
			goto out;
		}
		r = load_packages(store, o, mirror, &rel, comps[i], ix, e);
		if (r < 0)
			goto out;
	}
	ro.names = o->packages;
	ro.nnames = o->npackages;
	ro.with_required = !o->no_required;
	r = pw_deb_resolve(ix, &ro, &sel, e);
	if (r < 0)
		goto out;
	out->v = pw_xcalloc(sel.n + 1, sizeof(*out->v));
	{
		_cleanup_free_ char *sarch = snapshot_archive(mirror);
		_cleanup_free_ char *sdate = rel.date ? pw_xstrdup(rel.date) : snapshot_now();

		for (i = 0; i < sel.n; i++) {
			out->v[i].snap_archive = pw_xstrdup(sarch);
			out->v[i].snap_date = pw_xstrdup(sdate);
			out->v[i].snap_path = pw_xstrdup(sel.v[i]->filename);
		}
	}
	for (i = 0; i < sel.n; i++) {
		const struct pw_deb_pkg *k = sel.v[i];
		struct pw_deb_artifact *a = &out->v[i];

		a->package = pw_xstrdup(k->name);
		a->version = pw_xstrdup(k->version);
		a->arch = pw_xstrdup(k->arch);
		a->url = pool_url(mirror, k->filename);
		snprintf(a->sha256, sizeof(a->sha256), "%s", k->sha256);
		a->size = k->size;
	}
	out->n = sel.n;
	out->mirror = steal_pointer(&mirror);
	out->verified_by = steal_pointer(&verified_by);
	r = 0;
out:
	free(verified_by);
	pw_deb_selection_release(&sel);
	pw_deb_index_free(ix);
	pw_deb_release_release(&rel);
	return r;
}

int pw_debian_fetch(struct pw_store *store, const struct pw_deb_artifact *a, size_t n,
		    struct pw_err *e)
{
	struct pw_fetch_item *items = pw_xcalloc(n + 1, sizeof(*items));
	const char **urls = pw_xcalloc(n + 1, sizeof(*urls));
	struct pw_fetch_opts fo;
	size_t i;
	int r;

	pw_fetch_opts_init(&fo);
	for (i = 0; i < n; i++) {
		urls[i] = a[i].url;
		items[i].name = a[i].package;
		items[i].urls = &urls[i];
		items[i].nurls = 1;
		items[i].sha256 = a[i].sha256;
		items[i].size = a[i].size;
	}
	r = pw_fetch_run(store, items, n, &fo, e);
	if (r == -EIO)
		for (i = 0; i < n; i++)
			if (items[i].state == PW_FETCH_FAILED) {
				*e = items[i].err;
				r = -(items[i].err.code ? items[i].err.code : EIO);
				break;
			}
	for (i = 0; i < n; i++)
		pw_fetch_item_release(&items[i]);
	free(items);
	free(urls);
	return r;
}

/* ---- source packages: the upstream tarball (pw_debian_source_orig()) ---- */

void pw_deb_source_release(struct pw_deb_source *s)
{
	free(s->package);
	free(s->version);
	free(s->upstream);
	free(s->file);
	free(s->url);
	free(s->snap_archive);
	free(s->snap_date);
	free(s->snap_path);
	memset(s, 0, sizeof(*s));
}

/* The upstream version of an orig tarball's name "PKG_UPSTREAM.orig.tar.EXT"
 * (caller frees), or NULL when @file is not one of @pkg's. */
static char *orig_upstream(const char *pkg, const char *file)
{
	static const char *const exts[] = {".orig.tar.xz", ".orig.tar.gz", ".orig.tar.bz2"};
	size_t lp = strlen(pkg), lf = strlen(file);

	if (lf <= lp + 1 || strncmp(file, pkg, lp) || file[lp] != '_')
		return NULL;
	for (size_t i = 0; i < PW_ARRAY_SIZE(exts); i++) {
		size_t le = strlen(exts[i]);

		if (lf > lp + 1 + le && !strcmp(file + lf - le, exts[i]))
			return pw_xasprintf("%.*s", (int)(lf - le - lp - 1), file + lp + 1);
	}
	return NULL;
}

/* From the Checksums-Sha256 field of @pkg's stanza: the orig tarball's
 * line "SHA SIZE NAME" into @out (file, upstream, sha256, size).  0, or
 * -ENOENT when the stanza lists none. */
static int orig_line(const char *pkg, const char *sums, struct pw_deb_source *out)
{
	const char *line = sums;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char sha[65], name[256];
		unsigned long long size;
		_cleanup_free_ char *l = pw_xasprintf("%.*s", (int)len, line);

		if (sscanf(l, "%64s %llu %255s", sha, &size, name) == 3 &&
		    pw_sha256_hex_valid(sha)) {
			char *up = orig_upstream(pkg, name);

			if (up) {
				out->upstream = up;
				out->file = pw_xstrdup(name);
				memcpy(out->sha256, sha, sizeof(out->sha256));
				out->size = size;
				return 0;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static int cmp_source(const void *pa, const void *pb)
{
	const struct pw_deb_source *a = pa, *b = pb;

	return pw_deb_version_cmp(b->version, a->version); /* newest first */
}

static void sources_free(struct pw_deb_source *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pw_deb_source_release(&v[i]);
	free(v);
}

int pw_debian_source_origs(const struct pw_debian_opts *o, const char *package,
			   struct pw_deb_source **outv, size_t *nout, struct pw_err *e)
{
	static const char *const exts[] = {".xz", ".gz", ""};
	_cleanup_free_ char *mirror = NULL, *keyring = NULL, *verified_by = NULL;
	struct pw_deb_release rel = {0};
	struct pw_buf raw = PW_BUF_INIT(PW_DEB_MAX_INDEX), text = PW_BUF_INIT(PW_DEB_MAX_INDEX);
	struct pw_deb_stanza st = {0};
	struct pw_deb_parser ps;
	struct pw_deb_source *v = NULL;
	_cleanup_free_ char *url = NULL;
	size_t n = 0;
	bool listed = false;
	int r;

	*outv = NULL;
	*nout = 0;
	if (!o->suite || !*o->suite || strchr(o->suite, '/') || !o->arch)
		return pw_err_set(e, EINVAL, "a Debian source package needs a suite");
	r = pick_source(o, &mirror, &keyring, e);
	if (r < 0)
		return r;
	r = get_release(o, mirror, keyring, &rel, &verified_by, e);
	if (r < 0)
		goto out;
	r = -ENOENT;
	for (size_t i = 0; i < PW_ARRAY_SIZE(exts) && r == -ENOENT; i++) {
		_cleanup_free_ char *path = pw_xasprintf("main/source/Sources%s", exts[i]);
		const struct pw_deb_release_file *f = pw_deb_release_find(&rel, path);
		char hex[PW_SHA256_HEX];
		long code;

		if (!f)
			continue;
		listed = true;
		free(url);
		url = pw_xasprintf("%s/dists/%s/%s", mirror, o->suite, path);
		raw.max = f->size + 1;
		r = pw_deb_http_get(url, &raw, &code, e);
		if (r == -ENOENT)
			continue;
		if (r == -EHOSTUNREACH)
			pw_err_prefix(e, "mirror down");
		if (r < 0)
			goto out;
		pw_sha256_mem(raw.buf, raw.len, hex);
		if (raw.len != f->size || strcmp(hex, f->sha256)) {
			r = pw_err_set(
			    e, EBADMSG,
			    "'%s': digest mismatch: InRelease says sha256 %s (%llu bytes), "
			    "got %s (%zu bytes)",
			    url, f->sha256, (unsigned long long)f->size, hex, raw.len);
			goto out;
		}
		r = pw_deb_decompress_mem(raw.buf, raw.len, &text, e);
		if (r < 0) {
			pw_err_prefix(e, "'%s'", url);
			goto out;
		}
	}
	if (r == -ENOENT) {
		r = pw_err_set(e, ENOENT, "%s of '%s' on '%s' has no Sources index of main",
			       listed ? "the mirror" : "InRelease", o->suite, mirror);
		goto out;
	}
	/* every stanza of @package that lists an orig tarball */
	pw_deb_parser_init(&ps, url, text.buf, text.len);
	while ((r = pw_deb_parser_next(&ps, &st, e)) == 1) {
		const char *name = pw_deb_stanza_get(&st, "Package");
		const char *ver = pw_deb_stanza_get(&st, "Version");
		const char *d = pw_deb_stanza_get(&st, "Directory");
		const char *sums = pw_deb_stanza_get(&st, "Checksums-Sha256");
		struct pw_deb_source cand = {0};

		if (!name || strcmp(name, package) || !ver || !d || !sums)
			continue;
		if (orig_line(package, sums, &cand) < 0 || strstr(d, "..") || d[0] == '/') {
			pw_deb_source_release(&cand);
			continue;
		}
		cand.package = pw_xstrdup(package);
		cand.version = pw_xstrdup(ver);
		{
			char *path = pw_xasprintf("%s/%s", d, cand.file);

			cand.url = pool_url(mirror, path);
			cand.snap_archive = snapshot_archive(mirror);
			cand.snap_date = rel.date ? pw_xstrdup(rel.date) : snapshot_now();
			cand.snap_path = path;
		}
		v = pw_xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = cand;
	}
	if (r < 0)
		goto out;
	if (!n) {
		r = pw_err_set(e, ENOENT, "no source package '%s' with an upstream tarball in '%s'",
			       package, url);
		goto out;
	}
	qsort(v, n, sizeof(*v), cmp_source);
	*outv = steal_pointer(&v);
	*nout = n;
	r = 0;
out:
	sources_free(v, v ? n : 0);
	pw_deb_stanza_release(&st);
	pw_deb_release_release(&rel);
	pw_buf_release(&raw);
	pw_buf_release(&text);
	return r;
}

int pw_debian_source_orig(const struct pw_debian_opts *o, const char *package,
			  struct pw_deb_source *out, struct pw_err *e)
{
	struct pw_deb_source *v;
	size_t n;
	int r = pw_debian_source_origs(o, package, &v, &n, e);

	memset(out, 0, sizeof(*out));
	if (r < 0)
		return r;
	*out = v[0];
	memset(&v[0], 0, sizeof(v[0]));
	sources_free(v, n);
	return 0;
}
