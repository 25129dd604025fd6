/* sdist.c - pw_sdist_normalize(): rewrite an sdist so that the same
 * members give the same bytes (see wheel.h).
 *
 * The input is read whole (capped: sdists are small) with libarchive,
 * every path checked with the unpacker's checker, members sorted, then
 * written with libarchive's pax_restricted writer (plain ustar unless a
 * name needs pax) into our own gzip framing: zlib raw deflate at level 9
 * behind a fixed 10-byte header (no name, mtime 0, XFL 2, OS 3), CRC-32
 * and size after.  The tar goes straight from libarchive's write callback
 * into deflate and out to a temp file beside @out, renamed at the end.
 *
 * Hard links become regular files with their target's content (their
 * order in a sorted archive could otherwise put a link before its target);
 * symlinks are kept when their target stays inside the tree.
 */
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/libload.h"
#include "pinwheel/unpack.h"
#include "pinwheel/wheel.h"

#define SDIST_MAX_IN PW_SDIST_MAX_SIZE /* compressed input */
#define SDIST_MAX_DATA (2ull << 30)    /* all member data */
#define SDIST_MAX_ENTRIES 200000

enum skind { SK_FILE, SK_DIR, SK_SYMLINK };

struct sent {
	char *path; /* normalised, no trailing slash */
	enum skind kind;
	bool exec;
	char *data; /* file content or symlink target */
	size_t len;
};

struct gzout {
	int fd;
	z_stream z;
	uLong crc;
	uint64_t isize;
	unsigned char buf[1 << 16];
	int err; /* positive errno once a write failed */
};

static int gz_write_out(struct gzout *g, int flush)
{
	int zr;

	do {
		g->z.next_out = g->buf;
		g->z.avail_out = sizeof(g->buf);
		zr = deflate(&g->z, flush);
		if (zr == Z_STREAM_ERROR)
			return -EIO;
		if (sizeof(g->buf) - g->z.avail_out) {
			int r = pw_write_all(g->fd, g->buf, sizeof(g->buf) - g->z.avail_out);
			if (r < 0)
				return r;
		}
	} while (g->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static la_ssize_t gz_cb(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct gzout *g = ctx;
	int r;

	(void)a;
	g->crc = crc32(g->crc, buf, (uInt)n);
	g->isize += n;
	g->z.next_in = (Bytef *)(uintptr_t)buf;
	g->z.avail_in = (uInt)n;
	r = gz_write_out(g, Z_NO_FLUSH);
	if (r < 0) {
		g->err = -r;
		return -1;
	}
	return (la_ssize_t)n;
}

static void sents_free(struct sent *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].data);
	}
	free(v);
}

static int cmp_sent(const void *a, const void *b)
{
	return strcmp(((const struct sent *)a)->path, ((const struct sent *)b)->path);
}

static struct sent *find_sent(struct sent *v, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].path, path))
			return &v[i];
	return NULL;
}

/* Does the symlink at @path with @target stay inside the tree? */
static bool link_inside(const char *path, const char *target)
{
	int depth = 0;
	const char *p, *s;

	if (target[0] == '/')
		return false;
	for (p = path; (s = strchr(p, '/')); p = s + 1)
		depth++; /* directories above the link */
	for (p = target; *p; p = *s ? s + 1 : s) {
		s = strchrnul(p, '/');
		if (s - p == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (s - p && !(s - p == 1 && p[0] == '.')) {
			depth++;
		}
	}
	return true;
}

/* Read every entry of the archive in @data into *v (sorted). */
/* The entries read so far. */
struct sents {
	struct sent *v;
	size_t n, cap;
	uint64_t total; /* bytes of data */
};

/* Entry @s (quoted @q in messages) is a hard link to @hl: a regular file
 * with the content of the file before it that @hl names. */
static int take_hardlink(struct sents *l, struct sent *s, const char *hl, const char *in,
			 const char *q, struct pw_err *e)
{
	char tpath[PW_UNPACK_PATH_MAX + 1];
	struct pw_err pe = PW_ERR_INIT;
	struct sent *t;
	int k;

	k = pw_unpack_path(hl, strlen(hl), 0, NULL, tpath, &pe);
	t = k > 0 ? find_sent(l->v, l->n, tpath) : NULL;
	if (!t || t == s || t->kind != SK_FILE)
		return pw_err_set(e, EPERM, "'%s': entry '%s': hard link to '%s' outside "
					    "the files before it", in, q, hl);
	s->kind = SK_FILE;
	s->exec = t->exec;
	s->len = t->len;
	l->total += t->len;
	if (l->total > SDIST_MAX_DATA)
		return pw_err_set(e, EFBIG, "'%s': more than %llu bytes of data", in,
				  (unsigned long long)SDIST_MAX_DATA);
	s->data = pw_xmalloc(t->len ? t->len : 1);
	memcpy(s->data, t->data, t->len);
	return 0;
}

/* Entry @s (quoted @q in messages) is a regular file: read its content. */
static int take_file(struct archive *a, struct archive_entry *en, struct sents *l,
		     struct sent *s, const char *in, const char *q, struct pw_err *e)
{
	la_int64_t sz = archive_entry_size(en);
	struct pw_buf b = PW_BUF_INIT(SDIST_MAX_DATA - l->total);
	char chunk[1 << 16];
	la_ssize_t got;

	s->kind = SK_FILE;
	if (sz < 0 || (uint64_t)sz > SDIST_MAX_DATA - l->total)
		return pw_err_set(e, EFBIG, "'%s': entry '%s': too large", in, q);
	while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0)
		if (pw_buf_add(&b, chunk, (size_t)got) < 0) {
			pw_buf_release(&b);
			return pw_err_set(e, EFBIG, "'%s': more than %llu bytes of data", in,
					  (unsigned long long)SDIST_MAX_DATA);
		}
	if (got < 0) {
		pw_buf_release(&b);
		return pw_err_set(e, EBADMSG, "'%s': entry '%s': %s", in, q,
				  archive_error_string(a));
	}
	l->total += b.len;
	s->data = pw_buf_detach(&b, &s->len);
	return 0;
}

static int fill_entry(struct archive *a, struct archive_entry *en, struct sents *l,
		      struct sent *s, const char *in, const char *q, struct pw_err *e);

static const char *kind_name(enum skind k)
{
	return k == SK_DIR ? "directory" : k == SK_SYMLINK ? "symlink" : "file";
}

/* A second entry for the path of @prev (quoted @q): the later one wins,
 * as it does when tar, Python's tarfile or pip extract the archive, so
 * the normalised sdist unpacks to the same tree as the backend's did
 * (backends add a PKG-INFO of their own after the project's).  A
 * directory and a non-directory under one name would not extract to one
 * tree: refused. */
static int replace_entry(struct archive *a, struct archive_entry *en, struct sents *l,
			 struct sent *prev, const char *in, const char *q, struct pw_err *e)
{
	struct sent t = {.path = pw_xstrdup(prev->path)};
	uint64_t total = l->total;
	int r;

	r = fill_entry(a, en, l, &t, in, q, e);
	if (r == 0 && (t.kind == SK_DIR) != (prev->kind == SK_DIR))
		r = pw_err_set(e, EPERM, "'%s': entry '%s' appears twice, as a %s and as a %s",
			       in, q, kind_name(prev->kind), kind_name(t.kind));
	if (r < 0) {
		l->total = total;
		free(t.path);
		free(t.data);
		return r;
	}
	l->total -= prev->kind == SK_FILE ? prev->len : 0;
	free(prev->path);
	free(prev->data);
	*prev = t;
	return 0;
}

/* Add the entry whose header is @en (its path checked as the unpacker
 * does; a second entry for a path replaces the first) to @l. */
static int add_entry(struct archive *a, struct archive_entry *en, struct sents *l,
		     const char *in, struct pw_err *e)
{
	const char *raw = archive_entry_pathname(en);
	char path[PW_UNPACK_PATH_MAX + 1];
	struct pw_err pe = PW_ERR_INIT;
	struct sent *s, *prev;
	char q[128];
	int k;

	if (!raw)
		raw = "";
	pw_unpack_quote(raw, strlen(raw), q, sizeof(q));
	k = pw_unpack_path(raw, strlen(raw), 0, NULL, path, &pe);
	if (k < 0)
		return pw_err_set(e, -k, "'%s': entry '%s': %s", in, q, pe.msg);
	if (path[0] == '\0')
		return 0; /* "./" itself */
	if (l->n == SDIST_MAX_ENTRIES)
		return pw_err_set(e, E2BIG, "'%s': more than %d entries", in, SDIST_MAX_ENTRIES);
	prev = find_sent(l->v, l->n, path);
	if (prev)
		return replace_entry(a, en, l, prev, in, q, e);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = pw_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	s = &l->v[l->n];
	memset(s, 0, sizeof(*s));
	s->path = pw_xstrdup(path);
	l->n++;
	return fill_entry(a, en, l, s, in, q, e);
}

/* Fill @s (its path set, the rest zero) from the header @en and its data. */
static int fill_entry(struct archive *a, struct archive_entry *en, struct sents *l,
		      struct sent *s, const char *in, const char *q, struct pw_err *e)
{
	const char *hl = archive_entry_hardlink(en);
	mode_t type = archive_entry_filetype(en);
	struct pw_err pe = PW_ERR_INIT;
	const char *path = s->path;

	s->exec = (archive_entry_perm(en) & 0111) != 0;
	if (hl)
		return take_hardlink(l, s, hl, in, q, e);
	if (type == AE_IFDIR) {
		s->kind = SK_DIR;
	} else if (type == AE_IFLNK) {
		const char *tg = archive_entry_symlink(en);

		if (!tg || pw_unpack_link_target_check(tg, strlen(tg), &pe) < 0 ||
		    !link_inside(path, tg))
			return pw_err_set(e, EPERM, "'%s': entry '%s': symlink leaves the tree", in,
					  q);
		s->kind = SK_SYMLINK;
		s->data = pw_xstrdup(tg);
		s->len = strlen(tg);
	} else if (type == AE_IFREG) {
		return take_file(a, en, l, s, in, q, e);
	} else {
		return pw_err_set(e, EPERM, "'%s': entry '%s': not a file, directory or link", in,
				  q);
	}
	return 0;
}

/* A member below a non-directory would not extract. */
static int check_parents(struct sent *v, size_t n, const char *in, struct pw_err *e)
{
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(v[i].path, '/');
		struct sent *p;
		char *parent;

		if (!slash)
			continue;
		parent = strndup(v[i].path, (size_t)(slash - v[i].path));
		if (!parent)
			abort();
		p = find_sent(v, n, parent);
		free(parent);
		if (p && p->kind != SK_DIR)
			return pw_err_set(e, EPERM, "'%s': entry '%s': parent is not a directory",
					  in, v[i].path);
	}
	return 0;
}

/* Read every entry of the archive in @data into *out (sorted). */
static int read_entries(const char *in, const void *data, size_t size, struct sent **out,
			size_t *nout, struct pw_err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *en;
	struct sents l = {0};
	int r = 0, ar;

	*out = NULL;
	*nout = 0;
	if (!a)
		return pw_err_set(e, ENOMEM, "libarchive unavailable");
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK) {
		r = pw_err_set(e, EBADMSG, "'%s': not a tar archive: %s", in,
			       archive_error_string(a));
		goto out;
	}
	while ((ar = archive_read_next_header(a, &en)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
		r = add_entry(a, en, &l, in, e);
		if (r < 0)
			goto out;
	}
	if (ar != ARCHIVE_EOF) {
		r = pw_err_set(e, EBADMSG, "'%s': corrupt archive: %s", in, archive_error_string(a));
		goto out;
	}
	r = check_parents(l.v, l.n, in, e);
	if (r < 0)
		goto out;
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_sent);
	*out = steal_pointer(&l.v);
	*nout = l.n;
	l.n = 0;
out:
	sents_free(l.v, l.n);
	archive_read_free(a);
	return r;
}

static int write_tar(struct gzout *g, struct sent *v, size_t n, int64_t sde, const char *out,
		     struct pw_err *e)
{
	struct archive *a = archive_write_new();
	struct archive_entry *en = NULL;
	size_t i;
	int r = 0;

	if (!a)
		return pw_err_set(e, ENOMEM, "libarchive unavailable");
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_open(a, g, NULL, gz_cb, NULL) != ARCHIVE_OK) {
		r = pw_err_set(e, EIO, "'%s': %s", out, archive_error_string(a));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct sent *s = &v[i];
		char *name = s->kind == SK_DIR ? pw_xasprintf("%s/", s->path) : NULL;

		en = archive_entry_new();
		if (!en)
			abort();
		archive_entry_set_pathname(en, name ? name : s->path);
		free(name);
		archive_entry_set_mtime(en, (time_t)sde, 0);
		archive_entry_set_uid(en, 0);
		archive_entry_set_gid(en, 0);
		if (s->kind == SK_DIR) {
			archive_entry_set_filetype(en, AE_IFDIR);
			archive_entry_set_perm(en, 0755);
			archive_entry_set_size(en, 0);
		} else if (s->kind == SK_SYMLINK) {
			archive_entry_set_filetype(en, AE_IFLNK);
			archive_entry_set_perm(en, 0777);
			archive_entry_set_symlink(en, s->data);
			archive_entry_set_size(en, 0);
		} else {
			archive_entry_set_filetype(en, AE_IFREG);
			archive_entry_set_perm(en, s->exec ? 0755 : 0644);
			archive_entry_set_size(en, (la_int64_t)s->len);
		}
		if (archive_write_header(a, en) < ARCHIVE_WARN ||
		    (s->kind == SK_FILE && s->len &&
		     archive_write_data(a, s->data, s->len) != (la_ssize_t)s->len)) {
			r = g->err ? pw_err_sys(e, g->err, "could not write '%s'", out)
				   : pw_err_set(e, EIO, "'%s': entry '%s': %s", out, s->path,
						archive_error_string(a));
			goto out;
		}
		archive_entry_free(en);
		en = NULL;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		r = g->err ? pw_err_sys(e, g->err, "could not write '%s'", out)
			   : pw_err_set(e, EIO, "'%s': %s", out, archive_error_string(a));
out:
	if (en)
		archive_entry_free(en);
	archive_write_free(a);
	return r;
}

static int normalize(int fd, const char *in, const char *out, int64_t sde,
		     const char *const *drop, struct pw_err *e);
static int write_sdist(struct sent *v, size_t n, const char *out, int64_t sde, struct pw_err *e);

/* Names are bytes, in practice UTF-8.  libarchive converts them through
 * the locale: in the C locale a non-ASCII name cannot be converted, the pax
 * writer then marks it hdrcharset=BINARY (which GNU tar warns about) and
 * some paths even hand it a NULL name.  So the work runs under a
 * thread-local C.UTF-8 locale where bytes pass through unchanged. */
int pw_sdist_normalize_fd(int fd, const char *in, const char *out, int64_t sde,
			  struct pw_err *e)
{
	return pw_sdist_normalize_drop(fd, in, out, sde, NULL, e);
}

int pw_sdist_normalize_drop(int fd, const char *in, const char *out, int64_t sde,
			    const char *const *drop, struct pw_err *e)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old = (locale_t)0;
	int r;

	if (utf8)
		old = uselocale(utf8);
	r = normalize(fd, in, out, sde, drop, e);
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
	return r;
}

int pw_sdist_normalize(const char *in, const char *out, int64_t sde, struct pw_err *e)
{
	_cleanup_close_ int fd = PW_TEMP_FAILURE_RETRY(open(in, O_RDONLY | O_CLOEXEC));

	if (fd < 0)
		return pw_err_sys(e, errno, "could not read '%s'", in);
	return pw_sdist_normalize_fd(fd, in, out, sde, e);
}

/* Is @path ("TOP/REL...") one of @drop (REL) or below one? */
static bool dropped(const char *path, const char *const *drop)
{
	const char *rel = strchr(path, '/');

	for (; rel && drop && *drop; drop++) {
		size_t l = strlen(*drop);

		if (!strncmp(rel + 1, *drop, l) && (rel[1 + l] == '\0' || rel[1 + l] == '/'))
			return true;
	}
	return false;
}

static int normalize(int fd, const char *in, const char *out, int64_t sde,
		     const char *const *drop, struct pw_err *e)
{
	struct pw_buf raw = PW_BUF_INIT(SDIST_MAX_IN);
	struct sent *v = NULL;
	size_t n = 0;
	int r;

	if (sde < 0)
		sde = 0;
	r = pw_libarchive_load(e);
	if (r < 0)
		return r;
	r = lseek(fd, 0, SEEK_SET) < 0 ? -errno : pw_read_fd(fd, &raw);
	if (r < 0) {
		r = r == -E2BIG ? pw_err_set(e, EFBIG, "'%s': larger than %llu bytes", in,
					     (unsigned long long)SDIST_MAX_IN)
				: pw_err_sys(e, -r, "could not read '%s'", in);
		goto out;
	}
	r = read_entries(in, raw.buf, raw.len, &v, &n, e);
	pw_buf_release(&raw);
	if (r == 0 && drop) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			if (dropped(v[i].path, drop)) {
				free(v[i].path);
				free(v[i].data);
			} else {
				v[k++] = v[i];
			}
		}
		n = k;
	}
	if (r == 0)
		r = write_sdist(v, n, out, sde, e);
out:
	sents_free(v, n);
	pw_buf_release(&raw);
	return r;
}

/* Write the sorted entries @v as the sdist @out (temp file beside it,
 * renamed at the end). */
static int write_sdist(struct sent *v, size_t n, const char *out, int64_t sde, struct pw_err *e)
{
	static const unsigned char gzhdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3 };
	struct gzout *g = NULL;
	const char *slash;
	char *tmp = NULL;
	unsigned char trailer[8];
	int r;

	slash = strrchr(out, '/');
	tmp = slash ? pw_xasprintf("%.*s/.%s.XXXXXX", (int)(slash - out), out, slash + 1)
		    : pw_xasprintf(".%s.XXXXXX", out);
	g = pw_xcalloc(1, sizeof(*g));
	g->fd = mkostemp(tmp, O_CLOEXEC);
	if (g->fd < 0) {
		r = pw_err_sys(e, errno, "could not create a temp file beside '%s'", out);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (deflateInit2(&g->z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		r = pw_err_set(e, ENOMEM, "deflateInit failed");
		goto out;
	}
	g->crc = crc32(0, Z_NULL, 0);
	r = pw_write_all(g->fd, gzhdr, sizeof(gzhdr));
	if (r < 0) {
		r = pw_err_sys(e, -r, "could not write '%s'", out);
		goto out_z;
	}
	r = write_tar(g, v, n, sde, out, e);
	if (r < 0)
		goto out_z;
	g->z.avail_in = 0;
	r = gz_write_out(g, Z_FINISH);
	trailer[0] = (unsigned char)g->crc;
	trailer[1] = (unsigned char)(g->crc >> 8);
	trailer[2] = (unsigned char)(g->crc >> 16);
	trailer[3] = (unsigned char)(g->crc >> 24);
	trailer[4] = (unsigned char)g->isize;
	trailer[5] = (unsigned char)(g->isize >> 8);
	trailer[6] = (unsigned char)(g->isize >> 16);
	trailer[7] = (unsigned char)(g->isize >> 24);
	if (r == 0)
		r = pw_write_all(g->fd, trailer, sizeof(trailer));
	if (r == 0 && (fchmod(g->fd, 0644) < 0 || fsync(g->fd) < 0))
		r = -errno;
	if (r == 0) {
		r = close(g->fd) < 0 ? -errno : 0;
		g->fd = -1;
	}
	if (r == 0 && rename(tmp, out) < 0)
		r = -errno;
	if (r < 0) {
		r = pw_err_sys(e, -r, "could not write '%s'", out);
		goto out_z;
	}
	free(tmp);
	tmp = NULL;
out_z:
	deflateEnd(&g->z);
out:
	if (g && g->fd >= 0)
		close(g->fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(g);
	return r;
}

/* The entries under @rel ("" for the top) of the directory @fd, named
 * PREFIX/REL in the sdist, into @l. */
static int dir_entries(int fd, const char *rel, const char *prefix, struct sents *l,
		       const char *in, int depth, struct pw_err *e)
{
	_cleanup_close_ int dfd = -1;
	char **names = NULL;
	size_t n = 0, i;
	int r;

	if (depth > 256)
		return pw_err_set(e, ELOOP, "'%s/%s': too deep", in, rel);
	dfd = openat(fd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return pw_err_sys(e, errno, "'%s/%s'", in, rel);
	r = pw_list_dir_sorted(dfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s/%s': read directory", in, rel);
	for (i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *sub = *rel ? pw_xasprintf("%s/%s", rel, names[i])
						: pw_xstrdup(names[i]);
		struct stat st;
		struct sent *s;

		if (fstatat(fd, sub, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "'%s/%s'", in, sub);
			break;
		}
		if (l->n == SDIST_MAX_ENTRIES) {
			r = pw_err_set(e, E2BIG, "'%s': more than %d entries", in, SDIST_MAX_ENTRIES);
			break;
		}
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->v = pw_xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		s = &l->v[l->n];
		memset(s, 0, sizeof(*s));
		s->path = pw_xasprintf("%s/%s", prefix, sub);
		l->n++;
		s->exec = (st.st_mode & 0111) != 0;
		if (S_ISDIR(st.st_mode)) {
			s->kind = SK_DIR;
			r = dir_entries(fd, sub, prefix, l, in, depth + 1, e);
		} else if (S_ISLNK(st.st_mode)) {
			char tg[PATH_MAX];
			ssize_t k = readlinkat(fd, sub, tg, sizeof(tg) - 1);

			if (k < 0) {
				r = pw_err_sys(e, errno, "'%s/%s': readlink", in, sub);
				break;
			}
			tg[k] = '\0';
			if (!link_inside(sub, tg)) {
				r = pw_err_set(e, EPERM, "'%s/%s': symlink leaves the tree", in, sub);
				break;
			}
			s->kind = SK_SYMLINK;
			s->data = pw_xstrdup(tg);
			s->len = (size_t)k;
		} else if (S_ISREG(st.st_mode)) {
			_cleanup_close_ int ffd = openat(fd, sub, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			struct pw_buf b = PW_BUF_INIT(SDIST_MAX_DATA - l->total);

			s->kind = SK_FILE;
			if (ffd < 0 || (r = pw_read_fd(ffd, &b)) < 0) {
				r = ffd < 0 ? -errno : r;
				pw_buf_release(&b);
				r = r == -E2BIG ? pw_err_set(e, EFBIG, "'%s': more than %llu bytes of data",
							     in, (unsigned long long)SDIST_MAX_DATA)
						: pw_err_sys(e, -r, "'%s/%s'", in, sub);
				break;
			}
			l->total += b.len;
			s->data = pw_buf_detach(&b, &s->len);
		} else {
			r = pw_err_set(e, EPERM, "'%s/%s': not a file, directory or link", in, sub);
		}
	}
	pw_free_names(names, n);
	return r < 0 ? r : 0;
}

static int from_dir(const char *dir, const char *prefix, const char *out, int64_t sde,
		    struct pw_err *e)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct sents l = {0};
	struct sent *top;
	int r;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not read '%s'", dir);
	if (sde < 0)
		sde = 0;
	if (!*prefix || strchr(prefix, '/') || !strcmp(prefix, ".") || !strcmp(prefix, ".."))
		return pw_err_set(e, EINVAL, "sdist directory name '%s': expected NAME-VERSION",
				  prefix);
	r = pw_libarchive_load(e);
	if (r < 0)
		return r;
	l.v = pw_xcalloc(1, sizeof(*l.v));
	l.cap = 1;
	l.n = 1;
	top = &l.v[0];
	top->path = pw_xstrdup(prefix);
	top->kind = SK_DIR;
	r = dir_entries(fd, "", prefix, &l, dir, 0, e);
	if (r == 0) {
		qsort(l.v, l.n, sizeof(*l.v), cmp_sent);
		r = write_sdist(l.v, l.n, out, sde, e);
	}
	sents_free(l.v, l.n);
	return r;
}

int pw_sdist_from_dir(const char *dir, const char *prefix, const char *out, int64_t sde,
		      struct pw_err *e)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old = (locale_t)0;
	int r;

	if (utf8)
		old = uselocale(utf8);
	r = from_dir(dir, prefix, out, sde, e);
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
	return r;
}
