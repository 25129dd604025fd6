/* wheel_zip.c - the wheel reader: central directory (zip64 understood),
 * member checks, inflate with size and CRC-32 checks, safe unpack.
 *
 * Only the central directory is trusted for sizes and CRCs (a local header
 * written with a data descriptor carries zeros); the local header is read
 * for its name and extra lengths, and its name must match the central one.
 * Every size is checked against the file before anything is read.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/wheel.h"
#include "wheel_int.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define EOCD_LEN 22
#define LOC64_LEN 20
#define EOCD64_LEN 56
#define CENTRAL_LEN 46
#define LOCAL_LEN 30
#define MAX_COMMENT 0xffff
/* Deflate cannot do better than about 1032:1; a declared size beyond this
 * is a lie (or a bomb) and is refused before inflating anything. */
#define DEFLATE_MAX_RATIO 1100u

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* pread exactly @n bytes at @off; -EIO on a short file. */
static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = PW_TEMP_FAILURE_RETRY(pread(fd, p, n, (off_t)off));
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

bool pw_wheel_name_safe(const char *name, size_t len, const char **why)
{
	size_t i, start = 0;

	if (len == 0) {
		*why = "empty name";
		return false;
	}
	if (name[0] == '/') {
		*why = "absolute path";
		return false;
	}
	for (i = 0; i < len; i++) {
		if (name[i] == '\0') {
			*why = "NUL in name";
			return false;
		}
		if (name[i] == '\\') {
			*why = "backslash in name";
			return false;
		}
	}
	if (len >= 2 && name[1] == ':') {
		*why = "drive letter in name";
		return false;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		size_t n = i - start;
		if (n == 2 && name[start] == '.' && name[start + 1] == '.') {
			*why = "path leaves the wheel";
			return false;
		}
		/* an empty component is allowed only as the trailing slash of
		 * a directory entry */
		if ((n == 0 && i != len) || (n == 1 && name[start] == '.')) {
			*why = "empty or '.' path component";
			return false;
		}
		if (n > 255) {
			*why = "path component too long";
			return false;
		}
		start = i + 1;
	}
	if (len > 4095) {
		*why = "path too long";
		return false;
	}
	return true;
}

static void member_release(struct pw_wheel_member *m) { free(m->name); }

void pw_wheel_close(struct pw_wheel *w)
{
	size_t i;

	if (w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->n; i++)
		member_release(&w->m[i]);
	free(w->m);
	free(w->path);
	w->fd = -1;
	w->m = NULL;
	w->n = 0;
	w->path = NULL;
}

/* Locate the end of central directory; fill *cd_off, *cd_size, *count. */
static int find_cd(struct pw_wheel *w, uint64_t *cd_off, uint64_t *cd_size, uint64_t *count,
		   struct pw_err *e)
{
	unsigned char *tail, *p;
	size_t tlen;
	uint64_t base, eocd = 0;
	bool found = false;
	int r;

	if (w->file_size < EOCD_LEN)
		return pw_err_set(e, EBADMSG, "%s: not a zip file (too short)", w->path);
	tlen = (size_t)(w->file_size < EOCD_LEN + MAX_COMMENT ? w->file_size : EOCD_LEN + MAX_COMMENT);
	base = w->file_size - tlen;
	tail = pw_xmalloc(tlen);
	r = pread_all(w->fd, tail, tlen, base);
	if (r < 0) {
		free(tail);
		return pw_err_sys(e, -r, "%s: read", w->path);
	}
	for (p = tail + tlen - EOCD_LEN;; p--) {
		if (le32(p) == SIG_EOCD && (size_t)(p - tail) + EOCD_LEN + le16(p + 20) == tlen) {
			found = true;
			break;
		}
		if (p == tail)
			break;
	}
	if (!found) {
		free(tail);
		return pw_err_set(e, EBADMSG, "%s: not a zip file (no end of central directory)",
				  w->path);
	}
	eocd = base + (uint64_t)(p - tail);
	if (le16(p + 4) != 0 || le16(p + 6) != 0 || le16(p + 8) != le16(p + 10)) {
		free(tail);
		return pw_err_set(e, EBADMSG, "%s: multi-disk zip files are not wheels", w->path);
	}
	*count = le16(p + 10);
	*cd_size = le32(p + 12);
	*cd_off = le32(p + 16);
	free(tail);

	if (*count == 0xffff || *cd_size == 0xffffffffu || *cd_off == 0xffffffffu) {
		unsigned char loc[LOC64_LEN], rec[EOCD64_LEN];
		uint64_t roff;

		if (eocd < LOC64_LEN)
			return pw_err_set(e, EBADMSG, "%s: zip64 locator missing", w->path);
		r = pread_all(w->fd, loc, sizeof(loc), eocd - LOC64_LEN);
		if (r < 0)
			return pw_err_sys(e, -r, "%s: read", w->path);
		if (le32(loc) != SIG_LOC64)
			return pw_err_set(e, EBADMSG, "%s: zip64 locator missing", w->path);
		roff = le64(loc + 8);
		if (roff > w->file_size || w->file_size - roff < EOCD64_LEN)
			return pw_err_set(e, EBADMSG, "%s: zip64 end record outside the file",
					  w->path);
		r = pread_all(w->fd, rec, sizeof(rec), roff);
		if (r < 0)
			return pw_err_sys(e, -r, "%s: read", w->path);
		if (le32(rec) != SIG_EOCD64)
			return pw_err_set(e, EBADMSG, "%s: bad zip64 end record", w->path);
		if (le32(rec + 16) != 0 || le32(rec + 20) != 0 || le64(rec + 24) != le64(rec + 32))
			return pw_err_set(e, EBADMSG, "%s: multi-disk zip files are not wheels",
					  w->path);
		*count = le64(rec + 32);
		*cd_size = le64(rec + 40);
		*cd_off = le64(rec + 48);
		eocd = roff;
	}
	if (*cd_off > eocd || *cd_size > eocd - *cd_off)
		return pw_err_set(e, EBADMSG, "%s: central directory outside the file", w->path);
	if (*count > PW_WHEEL_MAX_MEMBERS)
		return pw_err_set(e, E2BIG, "%s: %llu members, at most %d allowed", w->path,
				  (unsigned long long)*count, PW_WHEEL_MAX_MEMBERS);
	if (*count * CENTRAL_LEN > *cd_size)
		return pw_err_set(e, EBADMSG, "%s: central directory too small for %llu members",
				  w->path, (unsigned long long)*count);
	return 0;
}

/* Apply the zip64 extra field (id 1) to the 0xffffffff fields of @m. */
static int zip64_extra(const unsigned char *x, size_t xlen, struct pw_wheel_member *m,
		       bool need_size, bool need_csize, bool need_off)
{
	while (xlen >= 4) {
		uint16_t id = le16(x), len = le16(x + 2);
		if ((size_t)len + 4 > xlen)
			return -EBADMSG;
		if (id == 1) {
			const unsigned char *q = x + 4;
			size_t left = len;
			if (need_size) {
				if (left < 8)
					return -EBADMSG;
				m->size = le64(q), q += 8, left -= 8;
			}
			if (need_csize) {
				if (left < 8)
					return -EBADMSG;
				m->csize = le64(q), q += 8, left -= 8;
			}
			if (need_off) {
				if (left < 8)
					return -EBADMSG;
				m->offset = le64(q);
			}
			return 0;
		}
		x += 4 + len;
		xlen -= 4 + (size_t)len;
	}
	return need_size || need_csize || need_off ? -EBADMSG : 0;
}

struct dname {
	char *name; /* without a trailing '/' */
	bool dir;
};

static int cmp_dname(const void *a, const void *b)
{
	return strcmp(((const struct dname *)a)->name, ((const struct dname *)b)->name);
}

/* No two members may name the same path ("a" and "a/" included), and no
 * file may be the parent of another member.  Sorted names, then a binary
 * search for each parent of each member: O(n log n) in the members (times
 * the path depth), whatever the names. */
static int check_dups(struct pw_wheel *w, struct pw_err *e)
{
	struct dname *v = pw_xcalloc(w->n ? w->n : 1, sizeof(*v));
	size_t i;
	int r = 0;

	for (i = 0; i < w->n; i++) {
		size_t l = strlen(w->m[i].name);
		v[i].name = pw_xstrdup(w->m[i].name);
		v[i].dir = w->m[i].is_dir;
		if (l && v[i].name[l - 1] == '/')
			v[i].name[l - 1] = '\0';
	}
	qsort(v, w->n, sizeof(*v), cmp_dname);
	for (i = 1; i < w->n && r == 0; i++)
		if (strcmp(v[i - 1].name, v[i].name) == 0)
			r = pw_err_set(e, EPERM, "%s: member '%s': duplicate name", w->path,
				       v[i].name);
	for (i = 0; i < w->n && r == 0; i++) {
		/* a copy: truncating v[i] itself would break the order */
		char *copy = pw_xstrdup(v[i].name), *s;
		for (s = strchr(copy, '/'); s && r == 0; s = strchr(s + 1, '/')) {
			struct dname key = { copy, false }, *hit;
			*s = '\0';
			hit = bsearch(&key, v, w->n, sizeof(*v), cmp_dname);
			if (hit && !hit->dir)
				r = pw_err_set(e, EPERM, "%s: member '%s': parent '%s' is a file",
					       w->path, v[i].name, copy);
			*s = '/';
		}
		free(copy);
	}
	for (i = 0; i < w->n; i++)
		free(v[i].name);
	free(v);
	return r;
}

static int parse_central(struct pw_wheel *w, const unsigned char *cd, uint64_t cd_size,
			 uint64_t count, struct pw_err *e)
{
	const unsigned char *p = cd, *end = cd + cd_size;
	uint64_t i;

	w->m = pw_xcalloc(count ? count : 1, sizeof(*w->m));
	for (i = 0; i < count; i++) {
		struct pw_wheel_member *m = &w->m[i];
		uint16_t made, flags, nlen, xlen, clen;
		uint32_t ext;
		const char *why;

		if ((size_t)(end - p) < CENTRAL_LEN || le32(p) != SIG_CENTRAL)
			return pw_err_set(e, EBADMSG, "%s: central directory entry %llu is corrupt",
					  w->path, (unsigned long long)i);
		made = le16(p + 4);
		flags = le16(p + 8);
		m->method = le16(p + 10);
		m->crc32 = le32(p + 16);
		m->csize = le32(p + 20);
		m->size = le32(p + 24);
		nlen = le16(p + 28);
		xlen = le16(p + 30);
		clen = le16(p + 32);
		ext = le32(p + 38);
		m->offset = le32(p + 42);
		if ((size_t)(end - p) - CENTRAL_LEN < (size_t)nlen + xlen + clen)
			return pw_err_set(e, EBADMSG, "%s: central directory entry %llu is corrupt",
					  w->path, (unsigned long long)i);
		m->name = pw_xmalloc((size_t)nlen + 1);
		memcpy(m->name, p + CENTRAL_LEN, nlen);
		m->name[nlen] = '\0';
		w->n = i + 1;
		if (!pw_wheel_name_safe((const char *)p + CENTRAL_LEN, nlen, &why)) {
			/* print the name up to any NUL it carries */
			return pw_err_set(e, EPERM, "%s: member '%s': %s", w->path, m->name, why);
		}
		if (zip64_extra(p + CENTRAL_LEN + nlen, xlen, m, m->size == 0xffffffffu,
				m->csize == 0xffffffffu, m->offset == 0xffffffffu) < 0)
			return pw_err_set(e, EBADMSG, "%s: member '%s': bad zip64 extra field",
					  w->path, m->name);
		m->is_dir = m->name[nlen - 1] == '/';
		m->mode = (made >> 8) == 3 ? ext >> 16 : 0;
		if (flags & 1)
			return pw_err_set(e, EPERM, "%s: member '%s': encrypted", w->path, m->name);
		if (m->method != 0 && m->method != 8)
			return pw_err_set(e, EINVAL,
					  "%s: member '%s': compression method %u, expected 0 or 8",
					  w->path, m->name, m->method);
		if (m->size > PW_WHEEL_MAX_MEMBER_SIZE)
			return pw_err_set(e, EFBIG, "%s: member '%s': declared size %llu over %llu",
					  w->path, m->name, (unsigned long long)m->size,
					  (unsigned long long)PW_WHEEL_MAX_MEMBER_SIZE);
		if ((m->method == 0 && m->size != m->csize) ||
		    (m->method == 8 && m->size / DEFLATE_MAX_RATIO > m->csize + 1))
			return pw_err_set(e, EFBIG,
					  "%s: member '%s': declared size %llu impossible from %llu "
					  "compressed bytes",
					  w->path, m->name, (unsigned long long)m->size,
					  (unsigned long long)m->csize);
		if (m->offset > w->file_size || w->file_size - m->offset < LOCAL_LEN + m->csize)
			return pw_err_set(e, EBADMSG, "%s: member '%s': data outside the file",
					  w->path, m->name);
		if (m->is_dir && m->size != 0)
			return pw_err_set(e, EBADMSG, "%s: member '%s': directory with data",
					  w->path, m->name);
		p += CENTRAL_LEN + nlen + xlen + clen;
	}
	return check_dups(w, e);
}

/* Read the central directory of the wheel open at @fd, which @w owns from
 * here on (closed by pw_wheel_close(), on error too). */
static int open_fd_owned(int fd, const char *name, struct pw_wheel *w, struct pw_err *e)
{
	uint64_t cd_off = 0, cd_size = 0, count = 0;
	unsigned char *cd = NULL;
	struct stat st;
	int r;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->path = pw_xstrdup(name);
	if (fstat(w->fd, &st) < 0) {
		r = pw_err_sys(e, errno, "could not stat '%s'", name);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = pw_err_set(e, EINVAL, "%s: not a regular file", name);
		goto out;
	}
	w->file_size = (uint64_t)st.st_size;
	r = find_cd(w, &cd_off, &cd_size, &count, e);
	if (r < 0)
		goto out;
	cd = pw_xmalloc(cd_size ? cd_size : 1);
	r = pread_all(w->fd, cd, cd_size, cd_off);
	if (r < 0) {
		r = pw_err_sys(e, -r, "%s: read", name);
		goto out;
	}
	r = parse_central(w, cd, cd_size, count, e);
out:
	free(cd);
	if (r < 0)
		pw_wheel_close(w);
	return r;
}

int pw_wheel_open(const char *path, struct pw_wheel *w, struct pw_err *e)
{
	int fd = PW_TEMP_FAILURE_RETRY(open(path, O_RDONLY | O_CLOEXEC));

	if (fd < 0) {
		memset(w, 0, sizeof(*w));
		w->fd = -1;
		return pw_err_sys(e, errno, "could not open '%s'", path);
	}
	return open_fd_owned(fd, path, w, e);
}

int pw_wheel_open_fd(int fd, const char *name, struct pw_wheel *w, struct pw_err *e)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (dup < 0) {
		memset(w, 0, sizeof(*w));
		w->fd = -1;
		return pw_err_sys(e, errno, "could not open '%s'", name);
	}
	return open_fd_owned(dup, name, w, e);
}

ssize_t pw_wheel_find(const struct pw_wheel *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->m[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

int pw_wheel_stream(const struct pw_wheel *w, size_t i, pw_wheel_sink_fn *sink, void *ctx,
		    struct pw_err *e)
{
	const struct pw_wheel_member *m = &w->m[i];
	unsigned char hdr[LOCAL_LEN], *in = NULL, *outb = NULL;
	const size_t chunk = 1 << 16;
	size_t inlen, outlen; /* buffer sizes: small members get small buffers */
	uint64_t data_off, left, got = 0;
	uLong crc = crc32(0, Z_NULL, 0);
	z_stream z;
	bool zinit = false;
	char *lname = NULL;
	int r, zr = Z_OK;

	r = pread_all(w->fd, hdr, sizeof(hdr), m->offset);
	if (r < 0)
		return pw_err_sys(e, -r, "%s: member '%s': read", w->path, m->name);
	if (le32(hdr) != SIG_LOCAL)
		return pw_err_set(e, EBADMSG, "%s: member '%s': bad local header", w->path,
				  m->name);
	data_off = m->offset + LOCAL_LEN + le16(hdr + 26) + le16(hdr + 28);
	if (data_off > w->file_size || w->file_size - data_off < m->csize)
		return pw_err_set(e, EBADMSG, "%s: member '%s': data outside the file", w->path,
				  m->name);
	if (le16(hdr + 26) != strlen(m->name) || le16(hdr + 6) & 1)
		return pw_err_set(e, EBADMSG, "%s: member '%s': local header does not match",
				  w->path, m->name);
	lname = pw_xmalloc(strlen(m->name) + 1);
	r = pread_all(w->fd, lname, strlen(m->name), m->offset + LOCAL_LEN);
	if (r < 0) {
		r = pw_err_sys(e, -r, "%s: member '%s': read", w->path, m->name);
		goto out;
	}
	if (memcmp(lname, m->name, strlen(m->name)) != 0) {
		r = pw_err_set(e, EBADMSG, "%s: member '%s': local header names another file",
			       w->path, m->name);
		goto out;
	}
	inlen = m->csize < chunk ? (size_t)m->csize + 1 : chunk;
	outlen = m->size < chunk ? (size_t)m->size + 1 : chunk;
	in = pw_xmalloc(inlen);
	outb = pw_xmalloc(outlen);
	if (m->method == 8) {
		memset(&z, 0, sizeof(z));
		if (inflateInit2(&z, -MAX_WBITS) != Z_OK) {
			r = pw_err_set(e, ENOMEM, "%s: member '%s': inflateInit failed", w->path,
				       m->name);
			goto out;
		}
		zinit = true;
	}
	left = m->csize;
	while (left > 0 || (zinit && zr != Z_STREAM_END)) {
		size_t n = left < inlen ? (size_t)left : inlen;
		if (n == 0) {
			r = pw_err_set(e, EBADMSG, "%s: member '%s': truncated deflate data",
				       w->path, m->name);
			goto out;
		}
		r = pread_all(w->fd, in, n, data_off);
		if (r < 0) {
			r = pw_err_sys(e, -r, "%s: member '%s': read", w->path, m->name);
			goto out;
		}
		data_off += n;
		left -= n;
		if (!zinit) {
			got += n;
			crc = crc32(crc, in, (uInt)n);
			r = sink(ctx, in, n);
			if (r < 0)
				goto sink_failed;
			continue;
		}
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			size_t produced;
			z.next_out = outb;
			z.avail_out = (uInt)outlen;
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				r = pw_err_set(e, EBADMSG, "%s: member '%s': corrupt deflate data",
					       w->path, m->name);
				goto out;
			}
			produced = outlen - z.avail_out;
			got += produced;
			if (got > m->size) {
				r = pw_err_set(e, EBADMSG,
					       "%s: member '%s': inflates past its declared size %llu",
					       w->path, m->name, (unsigned long long)m->size);
				goto out;
			}
			crc = crc32(crc, outb, (uInt)produced);
			if (produced) {
				r = sink(ctx, outb, produced);
				if (r < 0)
					goto sink_failed;
			}
			if (zr == Z_BUF_ERROR && produced == 0)
				break;
		} while (zr != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
		if (zr == Z_STREAM_END && (z.avail_in > 0 || left > 0)) {
			r = pw_err_set(e, EBADMSG, "%s: member '%s': data after the deflate stream",
				       w->path, m->name);
			goto out;
		}
	}
	if (got != m->size) {
		r = pw_err_set(e, EBADMSG, "%s: member '%s': %llu bytes, declared %llu", w->path,
			       m->name, (unsigned long long)got, (unsigned long long)m->size);
		goto out;
	}
	if ((uint32_t)crc != m->crc32) {
		r = pw_err_set(e, EBADMSG, "%s: member '%s': CRC-32 mismatch (%08x, expected %08x)",
			       w->path, m->name, (unsigned)crc, (unsigned)m->crc32);
		goto out;
	}
	r = 0;
	goto out;
sink_failed:
	r = r == -E2BIG ? pw_err_set(e, E2BIG, "%s: member '%s': larger than allowed here",
				     w->path, m->name)
			: pw_err_sys(e, -r, "%s: member '%s': write", w->path, m->name);
out:
	if (zinit)
		inflateEnd(&z);
	free(lname);
	free(in);
	free(outb);
	return r;
}

static int sink_buf(void *ctx, const void *p, size_t n)
{
	return pw_buf_add(ctx, p, n);
}

int pw_wheel_read(const struct pw_wheel *w, size_t i, struct pw_buf *out, struct pw_err *e)
{
	const struct pw_wheel_member *m = &w->m[i];
	size_t len0 = out->len;
	int r;

	if (m->size > out->max - out->len)
		return pw_err_set(e, E2BIG, "%s: member '%s': %llu bytes, more than allowed here",
				  w->path, m->name, (unsigned long long)m->size);
	r = pw_wheel_stream(w, i, sink_buf, out, e);
	if (r < 0) {
		out->len = len0;
		out->buf[len0] = '\0';
	}
	return r;
}

/* Open (creating when missing) the directory chain of @path's parent under
 * @dirfd, never following symlinks.  Returns an fd (caller closes) or -errno. */
static int open_parent(int dirfd, const char *path, bool include_last)
{
	char comp[256];
	const char *p = path, *s;
	int fd = -1, cur = dirfd;

	for (;;) {
		size_t n;
		int nfd;

		s = strchr(p, '/');
		if (!s && !include_last)
			break;
		n = s ? (size_t)(s - p) : strlen(p);
		if (n == 0)
			break;
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
			int err = errno;
			if (fd >= 0)
				close(fd);
			return -err;
		}
		nfd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int err = errno == ELOOP ? EPERM : errno;
			if (fd >= 0)
				close(fd);
			return -err;
		}
		if (fd >= 0)
			close(fd);
		fd = cur = nfd;
		if (!s)
			break;
		p = s + 1;
	}
	if (fd < 0) {
		fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
	}
	return fd;
}

static int sink_fd(void *ctx, const void *p, size_t n)
{
	return pw_write_all(*(int *)ctx, p, n);
}

int pw_wheel_unpack(const struct pw_wheel *w, int dirfd, struct pw_err *e)
{
	size_t i;
	int r;

	for (i = 0; i < w->n; i++) {
		const struct pw_wheel_member *m = &w->m[i];
		const char *base;
		mode_t mode;
		int pfd, fd;

		/* no type bits (some writers store bare permissions): the
		 * trailing slash decides; a symlink or device is refused */
		if ((m->mode & S_IFMT) && !S_ISREG(m->mode) && !S_ISDIR(m->mode))
			return pw_err_set(e, EPERM, "%s: member '%s': not a regular file (mode %o)",
					  w->path, m->name, m->mode);
		if (m->is_dir) {
			pfd = open_parent(dirfd, m->name, true);
			if (pfd < 0)
				return pw_err_sys(e, -pfd, "%s: member '%s': mkdir", w->path,
						  m->name);
			close(pfd);
			continue;
		}
		pfd = open_parent(dirfd, m->name, false);
		if (pfd < 0)
			return pw_err_sys(e, -pfd, "%s: member '%s': mkdir", w->path, m->name);
		base = strrchr(m->name, '/');
		base = base ? base + 1 : m->name;
		mode = (m->mode & 0111) ? 0755 : 0644;
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = pw_err_sys(e, errno, "%s: member '%s': create", w->path, m->name);
			close(pfd);
			return r;
		}
		close(pfd);
		r = pw_wheel_stream(w, i, sink_fd, &fd, e);
		if (r == 0 && fchmod(fd, mode) < 0)
			r = pw_err_sys(e, errno, "%s: member '%s': chmod", w->path, m->name);
		if (close(fd) < 0 && r == 0)
			r = pw_err_sys(e, errno, "%s: member '%s': close", w->path, m->name);
		if (r < 0)
			return r;
	}
	return 0;
}
