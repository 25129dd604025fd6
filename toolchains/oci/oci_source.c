/* oci_source.c - from a reference to the manifest, config and layers of
 * one platform (pw_oci_resolve(), include/pinwheel/oci.h), over any
 * source of manifests: a registry (oci_registry.c) or a local OCI image
 * layout directory (here).
 *
 * Every content-addressed body is hashed and compared with the digest it
 * was asked by; an index is narrowed to the target's platform; the config
 * is read to check that the image really is for that platform. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/libload.h"
#include "pinwheel/store.h"
#include "oci_priv.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

static bool digest_ok(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && pw_sha256_hex_valid(s + 7);
}

/* Does @body hash to @digest?  Else -EBADMSG naming both. */
static int check_digest(const char *name, const char *what, const char *digest,
			const struct pw_buf *body, struct pw_err *e)
{
	char hex[PW_SHA256_HEX];

	pw_sha256_mem(body->buf, body->len, hex);
	if (strcmp(hex, digest + 7))
		return pw_err_set(e, EBADMSG, "%s: the %s received for %s hashes to sha256:%s",
				  name, what, digest, hex);
	return 0;
}

/* "index", "manifest", or NULL: from mediaType, else the Content-Type,
 * else the shape. */
static const char *kind_of(json_t *j, const char *ctype)
{
	const char *mt = json_string_value(json_object_get(j, "mediaType"));

	if (!mt && ctype)
		mt = ctype;
	if (mt && (!strncmp(mt, MT_OCI_INDEX, strlen(MT_OCI_INDEX)) ||
		   !strncmp(mt, MT_DOCKER_LIST, strlen(MT_DOCKER_LIST))))
		return "index";
	if (mt && (!strncmp(mt, MT_OCI_MANIFEST, strlen(MT_OCI_MANIFEST)) ||
		   !strncmp(mt, MT_DOCKER_MANIFEST, strlen(MT_DOCKER_MANIFEST))))
		return "manifest";
	if (json_is_array(json_object_get(j, "manifests")))
		return "index";
	if (json_is_array(json_object_get(j, "layers")))
		return "manifest";
	return NULL;
}

/* "os/arch[/variant]" of a platform object or config, or NULL. */
static char *platform_of(json_t *p)
{
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	const char *var = json_string_value(json_object_get(p, "variant"));

	if (!os || !arch || !*os || !*arch)
		return NULL;
	return var && *var ? pw_xasprintf("%s/%s/%s", os, arch, var)
			   : pw_xasprintf("%s/%s", os, arch);
}

/* Does the platform @have serve @want?  os and architecture equal; a
 * variant @want names may be absent from @have (arm64 images often omit
 * "v8"), a variant @have names must be the one wanted. */
static bool platform_match(const char *have, const char *want)
{
	size_t hn = strlen(have), wn = strlen(want);
	const char *hv, *wv;

	if (!strcmp(have, want))
		return true;
	hv = strchr(strchr(have, '/') ? strchr(have, '/') + 1 : have, '/');
	wv = strchr(strchr(want, '/') ? strchr(want, '/') + 1 : want, '/');
	if (!hv && wv)
		return (size_t)(wv - want) == hn && !strncmp(have, want, hn);
	(void)wn;
	return false;
}

/* Is @p one of the ", "-separated items of @list? */
static bool listed(const char *list, const char *p)
{
	size_t n = strlen(p);

	for (const char *s = list; (s = strstr(s, p)) != NULL; s++)
		if ((s == list || s[-1] == ' ') && (s[n] == ',' || s[n] == '\0'))
			return true;
	return false;
}

/* Pick the entry for @platform from the index @j. */
static int pick(const char *name, const char *idx_digest, json_t *j, const char *platform,
		char **digest, uint64_t *size, struct pw_err *e)
{
	json_t *ms = json_object_get(j, "manifests"), *m;
	struct pw_buf seen = PW_BUF_INIT(2048);
	size_t i;

	if (!json_is_array(ms))
		return pw_err_set(e, EPROTO, "%s: the index %s has no 'manifests' array", name,
				  idx_digest ? idx_digest : "");
	json_array_foreach(ms, i, m)
	{
		_cleanup_free_ char *p = platform_of(json_object_get(m, "platform"));
		const char *d = json_string_value(json_object_get(m, "digest"));
		json_t *sz = json_object_get(m, "size");

		if (!p || !strcmp(p, "unknown/unknown"))
			continue; /* attestations and the like */
		if (platform_match(p, platform)) {
			if (!digest_ok(d) || !json_is_integer(sz) || json_integer_value(sz) < 0) {
				pw_buf_release(&seen);
				return pw_err_set(e, EPROTO,
						  "%s: the index entry for %s needs a sha256 "
						  "'digest' and a 'size'",
						  name, p);
			}
			*digest = pw_xstrdup(d);
			*size = (uint64_t)json_integer_value(sz);
			pw_buf_release(&seen);
			return 0;
		}
		if (!listed(seen.buf, p))
			pw_buf_addf(&seen, "%s%s", seen.len ? ", " : "", p);
	}
	pw_err_set(e, ENOENT, "%s: the image index%s%s has no manifest for %s (it has: %s)", name,
		   idx_digest ? " " : "", idx_digest ? idx_digest : "", platform,
		   seen.len ? seen.buf : "none");
	pw_buf_release(&seen);
	return -ENOENT;
}

/* The layer media types we can apply. */
static bool layer_type_ok(const char *mt)
{
	return !mt || !strncmp(mt, "application/vnd.oci.image.layer.v1.tar", 38) ||
	       !strncmp(mt, "application/vnd.docker.image.rootfs.diff.tar", 44);
}

static int read_descriptor(const char *name, const char *what, json_t *d, char **digest,
			   uint64_t *size, struct pw_err *e)
{
	const char *dg = json_string_value(json_object_get(d, "digest"));
	json_t *sz = json_object_get(d, "size");

	if (!json_is_object(d) || !digest_ok(dg) || !json_is_integer(sz) ||
	    json_integer_value(sz) < 0)
		return pw_err_set(e, EPROTO,
				  "%s: the manifest's %s needs a sha256 'digest' and a 'size'", name,
				  what);
	*digest = pw_xstrdup(dg);
	*size = (uint64_t)json_integer_value(sz);
	return 0;
}

static int read_manifest(const char *name, json_t *j, struct pw_oci_image *img,
			 struct pw_err *e)
{
	json_t *layers = json_object_get(j, "layers"), *l;
	size_t i;
	int r;

	r = read_descriptor(name, "config", json_object_get(j, "config"), &img->config_digest,
			    &img->config_size, e);
	if (r < 0)
		return r;
	if (!json_is_array(layers) || json_array_size(layers) == 0)
		return pw_err_set(e, EPROTO, "%s: the manifest %s has no layers", name,
				  img->manifest_digest);
	if (json_array_size(layers) > 1024)
		return pw_err_set(e, EPROTO, "%s: the manifest %s has more than 1024 layers", name,
				  img->manifest_digest);
	img->layers = pw_xcalloc(json_array_size(layers), sizeof(*img->layers));
	img->layer_sizes = pw_xcalloc(json_array_size(layers), sizeof(*img->layer_sizes));
	json_array_foreach(layers, i, l)
	{
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		_cleanup_free_ char *what = pw_xasprintf("layers[%zu]", i);

		if (!layer_type_ok(mt))
			return pw_err_set(e, EPROTO,
					  "%s: layers[%zu] has media type '%s' (expected a tar, "
					  "tar+gzip or tar+zstd layer)",
					  name, i, mt);
		r = read_descriptor(name, what, l, &img->layers[i], &img->layer_sizes[i], e);
		if (r < 0)
			return r;
		img->nlayers++;
	}
	return 0;
}

/* Get @ref through @g, check it against @want (a digest, or NULL: the
 * body's digest is the pin) and parse it. */
static int get_json(struct oci_getter *g, const char *ref, const char *want, json_t **out,
		    char **digest, char **ctype, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(OCI_MANIFEST_MAX);
	char hex[PW_SHA256_HEX];
	bool addressed = true;
	int r;

	r = g->manifest(g, ref, &b, ctype, &addressed, e);
	if (r < 0)
		goto out;
	if (want) {
		r = check_digest(g->name, "manifest", want, &b, e);
		if (r < 0)
			goto out;
	}
	pw_sha256_mem(b.buf, b.len, hex);
	*digest = addressed ? pw_xasprintf("sha256:%s", hex) : NULL;
	*out = pw_json_load_mem(g->name, b.buf, b.len, e);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		free(*digest);
		*digest = NULL;
		r = pw_err_set(e, EPROTO, "%s: the manifest %s is not a JSON object", g->name,
			       ref ? ref : "index");
	}
out:
	pw_buf_release(&b);
	return r;
}

static int check_config(struct oci_getter *g, struct pw_oci_image *img, const char *platform,
			struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(OCI_CONFIG_MAX);
	_cleanup_free_ char *have = NULL;
	json_t *j = NULL;
	int r;

	if (img->config_size > OCI_CONFIG_MAX)
		return pw_err_set(e, EFBIG, "%s: the config %s is larger than %u bytes", g->name,
				  img->config_digest, OCI_CONFIG_MAX);
	r = g->blob(g, img->config_digest, &b, e);
	if (r < 0)
		goto out;
	r = check_digest(g->name, "config", img->config_digest, &b, e);
	if (r < 0)
		goto out;
	if (b.len != img->config_size) {
		r = pw_err_set(e, EBADMSG, "%s: the config %s has %zu bytes, the manifest says %llu",
			       g->name, img->config_digest, b.len,
			       (unsigned long long)img->config_size);
		goto out;
	}
	j = pw_json_load_mem(img->config_digest, b.buf, b.len, e);
	if (!j) {
		r = pw_err_prefix(e, "%s", g->name);
		goto out;
	}
	have = platform_of(j);
	if (!have || !platform_match(have, platform)) {
		r = pw_err_set(e, ENOENT, "%s: the image %s is for %s, not %s", g->name,
			       img->manifest_digest, have ? have : "an unnamed platform", platform);
		goto out;
	}
	if (!img->platform)
		img->platform = steal_pointer(&have);
	r = 0;
out:
	json_decref(j);
	pw_buf_release(&b);
	return r;
}

int oci_resolve_with(struct oci_getter *g, const struct pw_oci_ref *r, const char *platform,
		     struct pw_oci_image *img, struct pw_err *e)
{
	const char *ref = r->digest ? r->digest : r->tag;
	_cleanup_free_ char *digest = NULL, *ctype = NULL;
	const char *kind;
	json_t *j = NULL;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = get_json(g, ref, r->digest, &j, &digest, &ctype, e);
	if (ret < 0)
		return ret;
	kind = kind_of(j, ctype);
	if (kind && !strcmp(kind, "index")) {
		uint64_t size = 0;
		_cleanup_free_ char *md = NULL, *mctype = NULL;
		img->index_digest = steal_pointer(&digest);
		ret = pick(g->name, img->index_digest, j, platform, &md, &size, e);
		json_decref(j);
		j = NULL;
		if (ret < 0)
			goto out;
		ret = get_json(g, md, md, &j, &img->manifest_digest, &mctype, e);
		if (ret < 0)
			goto out;
		kind = kind_of(j, mctype);
		if (!kind || strcmp(kind, "manifest")) {
			ret = pw_err_set(e, EPROTO,
					 "%s: %s in the index is not an image manifest (nested "
					 "indexes are not followed)",
					 g->name, md);
			goto out;
		}
	} else if (kind) {
		if (!digest) {
			ret = pw_err_set(e, EPROTO, "%s: the top index is a manifest", g->name);
			goto out;
		}
		img->manifest_digest = steal_pointer(&digest);
	} else {
		ret = pw_err_set(e, EPROTO,
				 "%s: %s is neither an image index nor an image manifest (media "
				 "type '%s')",
				 g->name, ref ? ref : "the index",
				 json_string_value(json_object_get(j, "mediaType"))
				     ? json_string_value(json_object_get(j, "mediaType"))
				     : ctype ? ctype : "none");
		goto out;
	}
	ret = read_manifest(g->name, j, img, e);
	if (ret < 0)
		goto out;
	ret = check_config(g, img, platform, e);
out:
	json_decref(j);
	if (ret < 0)
		pw_oci_image_release(img);
	return ret;
}

/* ---- OCI image layout directories ---- */

struct layout {
	struct oci_getter g;
	char *dir;
	char *name;
};

static int read_capped(const char *name, const char *path, struct pw_buf *out, struct pw_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (fd < 0)
		return pw_err_sys(e, errno, "%s: could not open '%s'", name, path);
	r = pw_read_fd(fd, out);
	close(fd);
	if (r == -E2BIG)
		return pw_err_set(e, E2BIG, "%s: '%s' is larger than %zu bytes", name, path,
				  out->max);
	if (r < 0)
		return pw_err_set(e, -r, "%s: could not read '%s': %s", name, path, strerror(-r));
	return 0;
}

static int layout_blob(struct oci_getter *g, const char *digest, struct pw_buf *out,
		       struct pw_err *e)
{
	struct layout *l = (struct layout *)g;
	_cleanup_free_ char *path = NULL;

	if (!digest_ok(digest))
		return pw_err_set(e, EINVAL, "%s: '%s' is not a sha256 digest", g->name, digest);
	path = pw_xasprintf("%s/blobs/sha256/%s", l->dir, digest + 7);
	return read_capped(g->name, path, out, e);
}

static int layout_manifest(struct oci_getter *g, const char *ref, struct pw_buf *out,
			   char **ctype, bool *addressed, struct pw_err *e)
{
	struct layout *l = (struct layout *)g;
	_cleanup_free_ char *path = pw_xasprintf("%s/index.json", l->dir);
	struct pw_buf b = PW_BUF_INIT(OCI_MANIFEST_MAX);
	json_t *j = NULL, *ms, *m;
	size_t i;
	int r;

	*ctype = NULL;
	*addressed = true;
	if (ref && digest_ok(ref))
		return layout_blob(g, ref, out, e);
	r = read_capped(g->name, path, ref ? &b : out, e);
	if (r < 0)
		return r;
	if (!ref) { /* the layout's own index: not content-addressed */
		*addressed = false;
		return 0;
	}
	j = pw_json_load_mem(path, b.buf, b.len, e);
	pw_buf_release(&b);
	if (!j)
		return -EPROTO;
	ms = json_object_get(j, "manifests");
	json_array_foreach(ms, i, m)
	{
		const char *name = json_string_value(json_object_get(
		    json_object_get(m, "annotations"), "org.opencontainers.image.ref.name"));
		const char *d = json_string_value(json_object_get(m, "digest"));
		if (name && !strcmp(name, ref) && digest_ok(d)) {
			_cleanup_free_ char *dd = pw_xstrdup(d);
			json_decref(j);
			r = layout_blob(g, dd, out, e);
			if (r == 0)
				r = check_digest(g->name, "manifest", dd, out, e);
			return r;
		}
	}
	json_decref(j);
	return pw_err_set(e, ENOENT, "%s: no manifest tagged '%s' in '%s'", g->name, ref, path);
}

static void layout_free(struct oci_getter *g)
{
	struct layout *l = (struct layout *)g;

	free(l->dir);
	free(l->name);
	free(l);
}

static struct oci_getter *layout_getter(const struct pw_oci_ref *r, struct pw_err *e)
{
	_cleanup_free_ char *marker = pw_xasprintf("%s/oci-layout", r->path);
	struct pw_buf b = PW_BUF_INIT(4096);
	struct layout *l;
	json_t *j;

	l = pw_xcalloc(1, sizeof(*l));
	l->dir = pw_xstrdup(r->path);
	l->name = pw_oci_ref_format(r);
	l->g.name = l->name;
	l->g.manifest = layout_manifest;
	l->g.blob = layout_blob;
	l->g.free = layout_free;
	if (read_capped(l->name, marker, &b, e) < 0) {
		pw_err_prefix(e, "not an OCI image layout");
		goto fail;
	}
	j = pw_json_load_mem(marker, b.buf, b.len, e);
	pw_buf_release(&b);
	if (!j || !json_is_string(json_object_get(j, "imageLayoutVersion"))) {
		json_decref(j);
		pw_err_set(e, EPROTO, "%s: '%s' has no 'imageLayoutVersion'", l->name, marker);
		goto fail;
	}
	json_decref(j);
	return &l->g;
fail:
	pw_buf_release(&b);
	layout_free(&l->g);
	errno = e->code;
	return NULL;
}


/* ---- docker save archives ----
 *
 * manifest.json lists the images: [{"Config": MEMBER, "RepoTags":
 * ["name:tag"], "Layers": [MEMBER...]}] (Docker >= 25 adds an OCI layout
 * in the same tar; its manifest.json names blobs/sha256/... members).  The
 * archive holds no manifest blob of the legacy kind, so the manifest
 * pinned is a synthesized OCI manifest (compact JSON with sorted keys)
 * over the config and the layer members' digests: the same archive always
 * gives the same digests.  Blob urls are "docker-archive:ABSFILE#MEMBER";
 * `fetch` copies the member into the store (pw_oci_archive_import()). */

struct member {
	const char *name;	    /* borrowed from the manifest JSON */
	char sha[PW_SHA256_HEX]; /* "" until seen */
	uint64_t size;
	struct pw_buf *keep;	    /* the content, for the config */
};

static struct archive *archive_open_file(const char *path, int *fdp, struct pw_err *e)
{
	struct archive *a;
	int fd;

	if (pw_libarchive_load(e) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pw_err_sys(e, errno, "could not open '%s'", path);
		return NULL;
	}
	a = archive_read_new();
	if (!a || archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		pw_err_set(e, EPROTO, "'%s': not a tar archive%s%s", path, a ? ": " : "",
			   a && archive_error_string(a) ? archive_error_string(a) : "");
		if (a)
			archive_read_free(a);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return a;
}

/* Visit the archive's regular members: @fn gets each name and a reader;
 * it returns 1 to stop, 0 to go on, -errno to fail. */
static int archive_walk(const char *path, int (*fn)(void *ud, const char *name,
						     struct archive *a, struct pw_err *e),
			void *ud, struct pw_err *e)
{
	struct archive_entry *en;
	struct archive *a;
	int fd = -1, r = 0, ar;

	a = archive_open_file(path, &fd, e);
	if (!a)
		return -(e->code ? e->code : EIO);
	while ((ar = archive_read_next_header(a, &en)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(en);
		if (!name || archive_entry_filetype(en) != AE_IFREG)
			continue;
		if (!strncmp(name, "./", 2))
			name += 2;
		r = fn(ud, name, a, e);
		if (r != 0)
			break;
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = pw_err_set(e, EPROTO, "'%s': %s", path,
			       archive_error_string(a) ? archive_error_string(a) : "bad tar");
	archive_read_free(a);
	close(fd);
	return r < 0 ? r : 0;
}

struct want_one {
	const char *name;
	struct pw_buf *out;
	bool found;
	const char *path;
};

static int read_member(struct archive *a, const char *path, const char *name, struct pw_buf *out,
		       struct pw_sha256 *h, uint64_t *size, struct pw_err *e)
{
	char buf[64 * 1024];
	la_ssize_t n;

	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		if (out && pw_buf_add(out, buf, (size_t)n) < 0)
			return pw_err_set(e, E2BIG, "'%s': member '%s' is larger than %zu bytes",
					  path, name, out->max);
		if (h)
			pw_sha256_update(h, buf, (size_t)n);
		if (size)
			*size += (uint64_t)n;
	}
	if (n < 0)
		return pw_err_set(e, EPROTO, "'%s': member '%s': %s", path, name,
				  archive_error_string(a) ? archive_error_string(a) : "read error");
	return 0;
}

static int take_one(void *ud, const char *name, struct archive *a, struct pw_err *e)
{
	struct want_one *w = ud;
	int r;

	if (strcmp(name, w->name))
		return 0;
	r = read_member(a, w->path, name, w->out, NULL, NULL, e);
	if (r < 0)
		return r;
	w->found = true;
	return 1;
}

struct hash_all {
	struct member *m;
	size_t n;
	const char *path;
};

static int hash_members(void *ud, const char *name, struct archive *a, struct pw_err *e)
{
	struct hash_all *w = ud;

	for (size_t i = 0; i < w->n; i++) {
		struct member *m = &w->m[i];
		struct pw_sha256 h;
		int r;

		if (strcmp(m->name, name) || m->sha[0])
			continue;
		if (pw_sha256_init(&h) < 0)
			return pw_err_set(e, EIO, "sha256 is not available");
		m->size = 0;
		r = read_member(a, w->path, name, m->keep, &h, &m->size, e);
		if (r < 0) {
			pw_sha256_release(&h);
			return r;
		}
		r = pw_sha256_final(&h, NULL, m->sha);
		pw_sha256_release(&h);
		if (r < 0)
			return pw_err_set(e, EIO, "sha256 failed");
		for (size_t j = i + 1; j < w->n; j++) /* the same member twice */
			if (!strcmp(w->m[j].name, name)) {
				memcpy(w->m[j].sha, m->sha, sizeof(m->sha));
				w->m[j].size = m->size;
			}
		return 0;
	}
	return 0;
}

/* The manifest.json entry for @r (its tag, or the only one). */
static json_t *archive_entry_for(const struct pw_oci_ref *r, json_t *list, const char *name,
				 struct pw_err *e)
{
	_cleanup_free_ char *want = r->tag ? pw_xasprintf("%s:%s", r->repo, r->tag) : NULL;
	struct pw_buf seen = PW_BUF_INIT(2048);
	json_t *m, *t, *found = NULL;
	size_t i, j;

	if (!json_is_array(list) || json_array_size(list) == 0) {
		pw_err_set(e, EPROTO, "%s: manifest.json lists no image", name);
		return NULL;
	}
	if (!want && json_array_size(list) == 1)
		return json_array_get(list, 0);
	json_array_foreach(list, i, m)
	{
		json_array_foreach(json_object_get(m, "RepoTags"), j, t)
		{
			const char *s = json_string_value(t);
			if (!s)
				continue;
			if (want && !strcmp(s, want))
				found = m;
			pw_buf_addf(&seen, "%s%s", seen.len ? ", " : "", s);
		}
	}
	if (!found)
		pw_err_set(e, ENOENT, "%s: %s (it has: %s)", name,
			   want ? "no image tagged so in the archive"
				: "the archive holds several images: name one as FILE:NAME:TAG",
			   seen.len ? seen.buf : "no tags");
	pw_buf_release(&seen);
	return found;
}

static int archive_resolve(const struct pw_oci_ref *r, const char *platform,
			   struct pw_oci_image *img, struct pw_err *e)
{
	_cleanup_free_ char *name = pw_oci_ref_format(r);
	struct pw_buf mj = PW_BUF_INIT(OCI_MANIFEST_MAX), cfg = PW_BUF_INIT(OCI_CONFIG_MAX);
	struct want_one w1 = {"manifest.json", &mj, false, r->path};
	struct member *m = NULL;
	struct hash_all ha;
	json_t *list = NULL, *ent, *layers, *man = NULL, *cj = NULL, *ls;
	_cleanup_free_ char *have = NULL, *mbytes = NULL;
	char hex[PW_SHA256_HEX];
	size_t n, i;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = archive_walk(r->path, take_one, &w1, e);
	if (ret < 0)
		goto out;
	if (!w1.found) {
		ret = pw_err_set(e, EPROTO, "%s: the archive has no manifest.json (not a docker "
					    "save archive)",
				 name);
		goto out;
	}
	list = pw_json_load_mem("manifest.json", mj.buf, mj.len, e);
	if (!list) {
		ret = pw_err_prefix(e, "%s", name);
		goto out;
	}
	ent = archive_entry_for(r, list, name, e);
	if (!ent) {
		ret = -e->code;
		goto out;
	}
	layers = json_object_get(ent, "Layers");
	if (!json_is_string(json_object_get(ent, "Config")) || !json_is_array(layers) ||
	    json_array_size(layers) == 0 || json_array_size(layers) > 1024) {
		ret = pw_err_set(e, EPROTO, "%s: manifest.json: an image needs 'Config' and "
					    "'Layers'",
				 name);
		goto out;
	}
	n = json_array_size(layers) + 1;
	m = pw_xcalloc(n, sizeof(*m));
	m[0].name = json_string_value(json_object_get(ent, "Config"));
	m[0].keep = &cfg;
	for (i = 1; i < n; i++) {
		m[i].name = json_string_value(json_array_get(layers, i - 1));
		if (!m[i].name || strchr(m[i].name, '#')) {
			ret = pw_err_set(e, EPROTO, "%s: manifest.json: Layers[%zu] is not a member "
						    "name",
					 name, i - 1);
			goto out;
		}
	}
	ha.m = m;
	ha.n = n;
	ha.path = r->path;
	ret = archive_walk(r->path, hash_members, &ha, e);
	if (ret < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (!m[i].sha[0]) {
			ret = pw_err_set(e, EPROTO, "%s: the archive has no member '%s'", name,
					 m[i].name);
			goto out;
		}
	cj = pw_json_load_mem(m[0].name, cfg.buf, cfg.len, e);
	have = cj ? platform_of(cj) : NULL;
	if (!have || !platform_match(have, platform)) {
		ret = pw_err_set(e, ENOENT, "%s: the image is for %s, not %s", name,
				 have ? have : "an unnamed platform", platform);
		goto out;
	}
	man = json_object();
	ls = json_array();
	json_object_set_new(man, "schemaVersion", json_integer(2));
	json_object_set_new(man, "mediaType", json_string(MT_OCI_MANIFEST));
	json_object_set_new(man, "config",
			    json_pack("{s:s, s:s+, s:I}", "mediaType",
				      "application/vnd.oci.image.config.v1+json", "digest", "sha256:",
				      m[0].sha, "size", (json_int_t)m[0].size));
	img->members = pw_xcalloc(n + 1, sizeof(*img->members));
	for (i = 0; i < n; i++)
		img->members[i] = pw_xstrdup(m[i].name);
	img->config_digest = pw_xasprintf("sha256:%s", m[0].sha);
	img->config_size = m[0].size;
	img->layers = pw_xcalloc(n, sizeof(*img->layers));
	img->layer_sizes = pw_xcalloc(n, sizeof(*img->layer_sizes));
	for (i = 1; i < n; i++) {
		json_array_append_new(ls, json_pack("{s:s, s:s+, s:I}", "mediaType",
						    "application/vnd.oci.image.layer.v1.tar",
						    "digest", "sha256:", m[i].sha, "size",
						    (json_int_t)m[i].size));
		img->layers[img->nlayers] = pw_xasprintf("sha256:%s", m[i].sha);
		img->layer_sizes[img->nlayers++] = m[i].size;
	}
	json_object_set_new(man, "layers", ls);
	mbytes = json_dumps(man, JSON_COMPACT | JSON_SORT_KEYS);
	pw_sha256_mem(mbytes, strlen(mbytes), hex);
	img->manifest_digest = pw_xasprintf("sha256:%s", hex);
	img->platform = steal_pointer(&have);
	ret = 0;
out:
	json_decref(man);
	json_decref(cj);
	json_decref(list);
	free(m);
	pw_buf_release(&mj);
	pw_buf_release(&cfg);
	if (ret < 0)
		pw_oci_image_release(img);
	return ret;
}


struct import {
	const char *member;
	struct pw_store_ins *ins;
	bool found;
	const char *path;
};

static int import_member(void *ud, const char *name, struct archive *a, struct pw_err *e)
{
	struct import *im = ud;
	char buf[64 * 1024];
	la_ssize_t n;
	int r;

	if (strcmp(name, im->member))
		return 0;
	im->found = true;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		r = pw_store_ins_write(im->ins, buf, (size_t)n, e);
		if (r < 0)
			return r;
	}
	if (n < 0)
		return pw_err_set(e, EPROTO, "member '%s': %s", name,
				  archive_error_string(a) ? archive_error_string(a) : "read error");
	return 1;
}

int pw_oci_archive_import(struct pw_store *s, const char *archive, const char *member,
			  const char *sha256, uint64_t size, struct pw_err *e)
{
	struct pw_store_ins ins;
	struct import im = {member, &ins, false, archive};
	int r;

	r = pw_store_ins_begin(s, sha256, size, true, false, &ins, e);
	if (r == 1)
		return 0;
	if (r < 0)
		return r;
	r = archive_walk(archive, import_member, &im, e);
	if (r == 0 && !im.found)
		r = pw_err_set(e, ENOENT, "'%s' has no member '%s'", archive, member);
	if (r < 0) {
		pw_store_ins_abort(&ins, false);
		return r;
	}
	r = pw_store_ins_commit(&ins, e);
	if (r < 0)
		return pw_err_prefix(e, "docker-archive:%s#%s", archive, member);
	return 0;
}

int pw_oci_resolve(const struct pw_oci_ref *r, const char *platform, struct pw_oci_image *img,
		   struct pw_err *e)
{
	struct oci_getter *g;
	int ret;

	memset(img, 0, sizeof(*img));
	switch (r->source) {
	case PW_OCI_REGISTRY:
		g = oci_registry_getter(r, e);
		break;
	case PW_OCI_LAYOUT:
		g = layout_getter(r, e);
		break;
	default:
		return archive_resolve(r, platform, img, e);
	}
	if (!g)
		return -(e->code ? e->code : EIO);
	ret = oci_resolve_with(g, r, platform, img, e);
	g->free(g);
	return ret;
}
