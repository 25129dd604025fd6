/* bundle.c - export a lock's blobs into one tar and import them back
 * (bundle.h has the format and the trust rules). */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pinwheel/bundle.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/libload.h"

#define BLOB_PREFIX "blobs/sha256/"
#define INDEX_MAX (16u << 20) /* the index of a lock of ~100k artifacts */
#define CHUNK (256u << 10)

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct pw_bundle_item *)a)->sha256,
		      ((const struct pw_bundle_item *)b)->sha256);
}

struct wout {
	int fd;
	int err;
};

static la_ssize_t write_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
	struct wout *w = ud;

	(void)a;
	if (pw_write_all(w->fd, buf, n) < 0) {
		w->err = errno;
		return -1;
	}
	return (la_ssize_t)n;
}

static struct archive_entry *member(const char *name, uint64_t size)
{
	struct archive_entry *en = archive_entry_new();

	if (!en)
		abort();
	archive_entry_set_pathname(en, name);
	archive_entry_set_mtime(en, 0, 0);
	archive_entry_set_uid(en, 0);
	archive_entry_set_gid(en, 0);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0444);
	archive_entry_set_size(en, (la_int64_t)size);
	return en;
}

static char *index_json(const struct pw_bundle_item *items, size_t n, size_t *len)
{
	json_t *arr = json_array(), *j;
	char *s;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:s, s:s}", "sha256",
						     items[i].sha256, "size",
						     (json_int_t)items[i].size, "kind",
						     items[i].kind ? items[i].kind : "", "name",
						     items[i].name, "url",
						     items[i].url ? items[i].url : ""));
	j = json_pack("{s:s, s:i, s:o}", "format", "pinwheel-bundle", "version", 1, "artifacts",
		      arr);
	s = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(j);
	if (!s)
		abort();
	*len = strlen(s);
	return s;
}

/* Copy the blob of @it into the open archive, hashing it on the way. */
static int write_blob(struct pw_store *s, struct archive *a, struct wout *w,
		      const struct pw_bundle_item *it, size_t i, size_t n, const char *out,
		      pw_bundle_progress_fn *progress, void *ud, struct pw_err *e)
{
	_cleanup_free_ char *path = pw_store_blob_path(s, it->sha256);
	_cleanup_free_ char *name = pw_xasprintf(BLOB_PREFIX "%s", it->sha256);
	_cleanup_free_ unsigned char *buf = NULL;
	struct archive_entry *en = NULL;
	struct pw_sha256 h;
	unsigned char raw[PW_SHA256_LEN];
	char got[PW_SHA256_HEX];
	uint64_t done = 0;
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pw_err_sys(e, errno, "'%s' (sha256 %s) is not in the store", it->name,
				  it->sha256);
	if (fstat(fd, &st) < 0) {
		r = pw_err_sys(e, errno, "could not stat '%s'", path);
		goto out_close;
	}
	if (pw_sha256_init(&h) < 0) {
		r = pw_err_set(e, ENOMEM, "sha256: libcrypto unavailable");
		goto out_close;
	}
	en = member(name, (uint64_t)st.st_size);
	if (archive_write_header(a, en) != ARCHIVE_OK) {
		r = w->err ? pw_err_sys(e, w->err, "could not write '%s'", out)
			   : pw_err_set(e, EIO, "'%s': member '%s': %s", out, name,
					archive_error_string(a));
		goto out_hash;
	}
	buf = pw_xmalloc(CHUNK);
	for (;;) {
		ssize_t k = read(fd, buf, CHUNK);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = pw_err_sys(e, errno, "could not read '%s'", path);
			goto out_hash;
		}
		if (k == 0)
			break;
		pw_sha256_update(&h, buf, (size_t)k);
		if (archive_write_data(a, buf, (size_t)k) != k) {
			r = w->err ? pw_err_sys(e, w->err, "could not write '%s'", out)
				   : pw_err_set(e, EIO, "'%s': member '%s': %s", out, name,
						archive_error_string(a));
			goto out_hash;
		}
		done += (uint64_t)k;
		if (progress)
			progress(ud, it->name, i, n, done, (uint64_t)st.st_size);
	}
	if (done != (uint64_t)st.st_size) {
		r = pw_err_set(e, EIO, "'%s' changed while it was read", path);
		goto out_hash;
	}
	if (pw_sha256_final(&h, raw, got) < 0)
		r = pw_err_set(e, EIO, "sha256 of '%s' failed", path);
	else if (strcmp(got, it->sha256) != 0)
		r = pw_err_set(e, EBADMSG,
			       "blob '%s' in the store is damaged (its content hashes to %s): run "
			       "'pinwheel store verify'",
			       it->sha256, got);
out_hash:
	pw_sha256_release(&h);
out_close:
	if (en)
		archive_entry_free(en);
	close(fd);
	return r;
}

int pw_bundle_write(struct pw_store *s, struct pw_bundle_item *items, size_t n, int fd,
		    const char *out, pw_bundle_progress_fn *progress, void *ud,
		    struct pw_err *e)
{
	struct wout w = {fd, 0};
	struct archive *a;
	struct archive_entry *en;
	_cleanup_free_ char *idx = NULL;
	size_t len;
	int r;

	r = pw_libarchive_load(e);
	if (r < 0)
		return r;
	if (n > 1)
		qsort(items, n, sizeof(*items), cmp_item);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(items[i - 1].sha256, items[i].sha256))
			return pw_err_set(e, EINVAL, "sha256 %s listed twice", items[i].sha256);
	a = archive_write_new();
	if (!a)
		return pw_err_set(e, ENOMEM, "libarchive unavailable");
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_open(a, &w, NULL, write_cb, NULL) != ARCHIVE_OK) {
		r = pw_err_set(e, EIO, "'%s': %s", out, archive_error_string(a));
		goto out;
	}
	idx = index_json(items, n, &len);
	en = member(PW_BUNDLE_INDEX, len);
	if (archive_write_header(a, en) != ARCHIVE_OK ||
	    archive_write_data(a, idx, len) != (la_ssize_t)len) {
		archive_entry_free(en);
		r = w.err ? pw_err_sys(e, w.err, "could not write '%s'", out)
			  : pw_err_set(e, EIO, "'%s': %s", out, archive_error_string(a));
		goto out;
	}
	archive_entry_free(en);
	for (size_t i = 0; i < n; i++) {
		r = write_blob(s, a, &w, &items[i], i, n, out, progress, ud, e);
		if (r < 0)
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		r = w.err ? pw_err_sys(e, w.err, "could not write '%s'", out)
			  : pw_err_set(e, EIO, "'%s': %s", out, archive_error_string(a));
out:
	archive_write_free(a);
	return r;
}

/* ---- import ---- */

struct idx_ent {
	char sha256[PW_SHA256_HEX];
	char *name, *kind;
	uint64_t size;
	bool seen;
};

struct idx {
	struct idx_ent *v;
	size_t n;
};

static void idx_release(struct idx *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->v[i].name);
		free(x->v[i].kind);
	}
	free(x->v);
	x->v = NULL;
	x->n = 0;
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct idx_ent *)a)->sha256, ((const struct idx_ent *)b)->sha256);
}

static struct idx_ent *idx_find(struct idx *x, const char *hex)
{
	struct idx_ent key;

	memcpy(key.sha256, hex, PW_SHA256_HEX);
	return x->n ? bsearch(&key, x->v, x->n, sizeof(*x->v), cmp_ent) : NULL;
}

static int parse_index(const char *path, const char *data, size_t len, struct idx *x,
		       struct pw_err *e)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je), *arr, *a;
	const char *fmt = NULL;
	size_t i;
	int r = 0;

	if (!j)
		return pw_err_set(e, EBADMSG, "'%s': member '" PW_BUNDLE_INDEX "': %d:%d: %s",
				  path, je.line, je.column, je.text);
	if (json_unpack(j, "{s:s, s:o}", "format", &fmt, "artifacts", &arr) < 0 ||
	    strcmp(fmt, "pinwheel-bundle") != 0 || !json_is_array(arr) ||
	    json_integer_value(json_object_get(j, "version")) != 1) {
		r = pw_err_set(e, EBADMSG,
			       "'%s': member '" PW_BUNDLE_INDEX "' is not a pinwheel bundle index "
			       "(expected format \"pinwheel-bundle\", version 1, artifacts)",
			       path);
		goto out;
	}
	x->v = pw_xcalloc(json_array_size(arr) + 1, sizeof(*x->v));
	json_array_foreach(arr, i, a) {
		const char *sha = NULL, *name = "", *kind = "";
		json_int_t size = -1;

		if (json_unpack(a, "{s:s, s:I, s?s, s?s}", "sha256", &sha, "size", &size, "name",
				&name, "kind", &kind) < 0 ||
		    !pw_sha256_hex_valid(sha) || size < 0) {
			r = pw_err_set(e, EBADMSG,
				       "'%s': member '" PW_BUNDLE_INDEX "': artifacts[%zu]: expected "
				       "sha256 (64 lowercase hex) and size (bytes)",
				       path, i);
			goto out;
		}
		memcpy(x->v[x->n].sha256, sha, PW_SHA256_HEX);
		x->v[x->n].size = (uint64_t)size;
		x->v[x->n].name = pw_xstrdup(name);
		x->v[x->n].kind = pw_xstrdup(kind);
		x->n++;
	}
	if (x->n > 1)
		qsort(x->v, x->n, sizeof(*x->v), cmp_ent);
	for (i = 1; i < x->n; i++)
		if (!strcmp(x->v[i - 1].sha256, x->v[i].sha256)) {
			r = pw_err_set(e, EBADMSG,
				       "'%s': member '" PW_BUNDLE_INDEX "' lists sha256 %s twice",
				       path, x->v[i].sha256);
			goto out;
		}
out:
	json_decref(j);
	return r;
}

static struct archive *open_reader(int fd, const char *path, struct pw_err *e)
{
	struct archive *a;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		pw_err_sys(e, errno, "could not seek '%s'", path);
		return NULL;
	}
	a = archive_read_new();
	if (!a) {
		pw_err_set(e, ENOMEM, "libarchive unavailable");
		return NULL;
	}
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		pw_err_set(e, EBADMSG, "'%s': not a tar archive: %s", path, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* The hex digest a member name "blobs/sha256/<hex>" names, or NULL. */
static const char *member_hex(const char *name)
{
	if (!name || strncmp(name, BLOB_PREFIX, strlen(BLOB_PREFIX)) != 0)
		return NULL;
	name += strlen(BLOB_PREFIX);
	return pw_sha256_hex_valid(name) ? name : NULL;
}

/* Pass 1: the index, then every header (data skipped): a complete archive
 * of regular members whose names the index lists, each once, and every
 * index entry present.  Fills @x. */
static int check_archive(int fd, const char *path, struct idx *x, struct pw_err *e)
{
	struct archive *a = open_reader(fd, path, e);
	struct archive_entry *en;
	struct pw_buf b;
	bool first = true;
	int ar, r = 0;

	if (!a)
		return -EBADMSG;
	pw_buf_init(&b, INDEX_MAX);
	while ((ar = archive_read_next_header(a, &en)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(en);
		const char *hex = member_hex(name);
		struct idx_ent *ie;

		if (archive_entry_filetype(en) != AE_IFREG) {
			r = pw_err_set(e, EBADMSG, "'%s': member '%s' is not a regular file", path,
				       name ? name : "?");
			goto out;
		}
		if (first) {
			char chunk[8192];
			la_ssize_t k;

			if (!name || strcmp(name, PW_BUNDLE_INDEX) != 0) {
				r = pw_err_set(e, EBADMSG,
					       "'%s': not a pinwheel bundle (its first member is "
					       "'%s', expected '" PW_BUNDLE_INDEX "')",
					       path, name ? name : "?");
				goto out;
			}
			while ((k = archive_read_data(a, chunk, sizeof(chunk))) > 0)
				if (pw_buf_add(&b, chunk, (size_t)k) < 0) {
					r = pw_err_set(e, EFBIG,
						       "'%s': member '" PW_BUNDLE_INDEX
						       "' is larger than %u bytes",
						       path, INDEX_MAX);
					goto out;
				}
			if (k < 0) {
				r = pw_err_set(e, EBADMSG, "'%s': truncated or corrupt archive: %s",
					       path, archive_error_string(a));
				goto out;
			}
			r = parse_index(path, b.buf, b.len, x, e);
			if (r < 0)
				goto out;
			first = false;
			continue;
		}
		ie = hex ? idx_find(x, hex) : NULL;
		if (!ie || ie->seen) {
			r = pw_err_set(e, EBADMSG, "'%s': member '%s' %s", path, name ? name : "?",
				       !hex  ? "is not a blob (expected blobs/sha256/<hex>)"
				       : !ie ? "is not named by the index"
					     : "appears twice");
			goto out;
		}
		ie->seen = true;
	}
	if (ar != ARCHIVE_EOF) {
		r = pw_err_set(e, EBADMSG, "'%s': truncated or corrupt archive: %s", path,
			       archive_error_string(a));
		goto out;
	}
	if (first) {
		r = pw_err_set(e, EBADMSG, "'%s': an empty archive (no " PW_BUNDLE_INDEX ")", path);
		goto out;
	}
	for (size_t i = 0; i < x->n; i++)
		if (!x->v[i].seen) {
			r = pw_err_set(e, EBADMSG,
				       "'%s': truncated archive: member '" BLOB_PREFIX
				       "%s' ('%s') named by its index is missing",
				       path, x->v[i].sha256, x->v[i].name);
			goto out;
		}
out:
	pw_buf_release(&b);
	archive_read_free(a);
	return r;
}

/* Stream the current member's data into the store.  Returns 0 (stored or
 * present: m->status says which; refused is 0 too, with m->error), or
 * -errno when the archive itself fails. */
static int import_member(struct pw_store *s, struct archive *a, const char *path,
			 struct pw_bundle_member *m, uint64_t size, size_t i, size_t n,
			 pw_bundle_progress_fn *progress, void *ud, unsigned char *buf,
			 struct pw_err *me, struct pw_err *e)
{
	struct pw_store_ins ins;
	uint64_t done = 0;
	la_ssize_t k;
	int r;

	r = pw_store_ins_begin(s, m->sha256, size, true, false, &ins, me);
	if (r == 1) {
		m->status = PW_BUNDLE_PRESENT;
		return 0;
	}
	if (r < 0)
		return pw_err_set(e, -r, "'%s': member '" BLOB_PREFIX "%s': %s", path, m->sha256,
				  me->msg);
	while ((k = archive_read_data(a, buf, CHUNK)) > 0) {
		r = pw_store_ins_write(&ins, buf, (size_t)k, me);
		if (r < 0) {
			pw_store_ins_abort(&ins, false);
			return pw_err_set(e, -r, "'%s': member '" BLOB_PREFIX "%s': %s", path,
					  m->sha256, me->msg);
		}
		done += (uint64_t)k;
		if (progress)
			progress(ud, m->name, i, n, done, size);
	}
	if (k < 0) {
		pw_store_ins_abort(&ins, false);
		return pw_err_set(e, EBADMSG, "'%s': member '" BLOB_PREFIX "%s': %s", path,
				  m->sha256, archive_error_string(a));
	}
	r = pw_store_ins_commit(&ins, me);
	if (r == -EBADMSG) {
		m->status = PW_BUNDLE_REFUSED;
		m->error = me->msg;
		return 0;
	}
	if (r < 0)
		return pw_err_set(e, -r, "'%s': member '" BLOB_PREFIX "%s': %s", path, m->sha256,
				  me->msg);
	m->status = PW_BUNDLE_IMPORTED;
	return 0;
}

int pw_bundle_import(struct pw_store *s, const char *path,
		     void (*each)(void *ud, const struct pw_bundle_member *m),
		     pw_bundle_progress_fn *progress, void *ud, struct pw_err *e)
{
	struct idx x = {NULL, 0};
	struct archive *a = NULL;
	struct archive_entry *en;
	_cleanup_free_ unsigned char *buf = NULL;
	unsigned refused = 0;
	size_t i = 0;
	int fd, ar, r;

	r = pw_libarchive_load(e);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", path);
	r = check_archive(fd, path, &x, e);
	if (r < 0)
		goto out;
	a = open_reader(fd, path, e);
	if (!a) {
		r = -EBADMSG;
		goto out;
	}
	buf = pw_xmalloc(CHUNK);
	while ((ar = archive_read_next_header(a, &en)) == ARCHIVE_OK) {
		const char *hex = member_hex(archive_entry_pathname(en));
		struct idx_ent *ie = hex ? idx_find(&x, hex) : NULL;
		struct pw_bundle_member m = {0};
		struct pw_err me = PW_ERR_INIT;

		if (!ie) /* the index (pass 1 allowed nothing else) */
			continue;
		m.sha256 = ie->sha256;
		m.name = ie->name;
		m.kind = ie->kind;
		m.size = (uint64_t)archive_entry_size(en);
		r = import_member(s, a, path, &m, m.size, i++, x.n, progress, ud, buf, &me, e);
		if (r < 0)
			goto out;
		if (m.status == PW_BUNDLE_REFUSED)
			refused++;
		if (each)
			each(ud, &m);
	}
	if (ar != ARCHIVE_EOF) {
		r = pw_err_set(e, EBADMSG, "'%s': truncated or corrupt archive: %s", path,
			       archive_error_string(a));
		goto out;
	}
	if (refused)
		r = pw_err_set(e, EBADMSG, "'%s': %u members refused", path, refused);
out:
	if (a)
		archive_read_free(a);
	idx_release(&x);
	close(fd);
	return r;
}
