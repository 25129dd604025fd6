/* unpack.c - safe extraction with libarchive (contract in unpack.h): the
 * format choice and the writer.  The input side (fd reading, the
 * decompression thread and its queue) is in unpack_input.c, the pure path
 * checks in unpack_path.c.
 *
 * Shape: the archive's first bytes choose the path.
 *   zip        libarchive's seekable zip reader on the fd (so the central
 *              directory gives modes and symlinks, and data-descriptor
 *              entries work); a zip on a pipe is first copied into a
 *              memfd, capped at max_bytes;
 *   tar, .deb  two threads, like `tar -xf` with an external decompressor:
 *              a producer thread runs a "raw" libarchive reader with the
 *              gzip/xz/zstd/bzip2 filters (for a .deb, on the data.tar.*
 *              member of the outer ar, read through callbacks: no temp
 *              file) and hands the decompressed tar stream through a
 *              bounded queue to the calling thread, which parses tar
 *              headers and writes the tree.  A top-level .tar.xz is
 *              decoded with liblzma's multi-threaded decoder instead.
 *
 * Writing: every entry is created with openat/mkdirat/symlinkat/linkat
 * relative to a directory fd obtained by walking the entry's parent
 * components one by one with O_NOFOLLOW|O_DIRECTORY from the destination
 * (a small cache keeps the fds of the last parent chain, so sequential
 * archives do one openat per new directory).  openat2(RESOLVE_BENEATH|
 * RESOLVE_NO_SYMLINKS) would do the same in one call on Linux >= 5.6; the
 * component walk is kept because it also works where openat2 is filtered
 * by seccomp or missing, and it gives us the failing component for the
 * error message.  Nothing is ever removed or renamed, so a cached fd always
 * names the directory at its path.
 *
 * External programs are never run: only the filters libarchive implements
 * in-process are enabled, and a build of libarchive that would fall back to
 * a program for one of them is refused.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/unpack.h"
#include "unpack_input.h"

#define WALK_CACHE 64 /* cached directory fds (depth) */
#define QNAME PW_UNPACK_QNAME

/* --------------------------------------------------------------- writer */

struct walk {
	int root;
	unsigned depth;		/* cached components, <= WALK_CACHE */
	int fd[WALK_CACHE];	/* fd[i]: directory of components 0..i */
	size_t end[WALK_CACHE]; /* length of path through component i */
	char path[PW_UNPACK_PATH_MAX + 1];
};

struct writer {
	struct walk walk;
	const char *subdir;
	unsigned strip;
	uint64_t max_entries, max_bytes;
	uint64_t nentries, nbytes, extracted, written, matched;
	mode_t umask;
	struct pw_unpack_dirfixes fix;
	struct archive_entry *ent;
	char qname[QNAME];		    /* the current entry's name, quoted */
	char path[PW_UNPACK_PATH_MAX + 1];  /* its normalised path */
	char lpath[PW_UNPACK_PATH_MAX + 1]; /* a hardlink's normalised target */
	struct pw_err *e;
};

int pw_unpack_ent_err(struct pw_err *e, const char *qname, int code, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pw_err_set(e, code, "entry '%s': %s", qname, msg);
}

int pw_unpack_ent_sys(struct pw_err *e, const char *qname, int code, const char *what,
		      const char *path)
{
	char q[QNAME];

	pw_unpack_quote(path, strlen(path), q, sizeof(q));
	return pw_unpack_ent_err(e, qname, code, "cannot %s '%s': %s", what, q, strerror(code));
}

int pw_unpack_walk_fail(struct pw_err *e, const char *qname, int pfd, const char *name,
			const char *path, size_t len, int err)
{
	char q[QNAME];
	struct stat st;

	pw_unpack_quote(path, len, q, sizeof(q));
	if (err == ELOOP || err == ENOTDIR) {
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			return pw_unpack_ent_err(e, qname, EPERM, "parent '%s' is a symlink", q);
		return pw_unpack_ent_err(e, qname, EPERM, "parent '%s' is not a directory", q);
	}
	if (err == ENOENT)
		return pw_unpack_ent_err(e, qname, ENOENT, "parent '%s' does not exist", q);
	return pw_unpack_ent_err(e, qname, err, "cannot open directory '%s': %s", q, strerror(err));
}

void pw_unpack_dirfix_add(struct pw_unpack_dirfixes *l, const char *path, size_t len, mode_t mode,
			  struct timespec mtime)
{
	struct pw_unpack_dirfix *f;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 64;
		l->v = pw_xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	f = &l->v[l->n];
	f->path = pw_xmalloc(len + 1);
	memcpy(f->path, path, len);
	f->path[len] = '\0';
	f->mode = mode;
	f->mtime = mtime;
	f->seq = l->n++;
}

static int fix_cmp_first(const void *pa, const void *pb)
{
	const struct pw_unpack_dirfix *a = pa, *b = pb;
	int c = strcmp(b->path, a->path); /* descending: children first */

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int fix_cmp_last(const void *pa, const void *pb)
{
	const struct pw_unpack_dirfix *a = pa, *b = pb;
	int c = strcmp(b->path, a->path);

	if (c)
		return c;
	return a->seq > b->seq ? -1 : a->seq < b->seq;
}

void pw_unpack_dirfix_sort(struct pw_unpack_dirfixes *l, bool last_first)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), last_first ? fix_cmp_last : fix_cmp_first);
}

void pw_unpack_dirfix_release(struct pw_unpack_dirfixes *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

#define ent_err(w, code, ...) pw_unpack_ent_err((w)->e, (w)->qname, (code), __VA_ARGS__)
#define ent_sys(w, code, what, path) pw_unpack_ent_sys((w)->e, (w)->qname, (code), (what), (path))

static void walk_trim(struct walk *k, unsigned keep)
{
	while (k->depth > keep)
		close(k->fd[--k->depth]);
}

/* Open the directory named by path[0..plen) under the root, one component
 * at a time, never following a symlink; with @create, make missing
 * components (mode 0755, mtime 0, recorded for the final fix-up).  On
 * success *fd is the directory; *owned says the caller must close it (deep
 * paths past the cache). */
static int walk_to(struct writer *w, const char *path, size_t plen, bool create, int *fd,
		   bool *owned)
{
	struct walk *k = &w->walk;
	unsigned i = 0;
	size_t pos = 0;
	int cur, transient = -1;
	char name[PW_UNPACK_NAME_MAX + 1];

	*owned = false;
	/* Keep the cached components that are a prefix of this path. */
	while (i < k->depth && k->end[i] <= plen && memcmp(k->path, path, k->end[i]) == 0 &&
	       (k->end[i] == plen || path[k->end[i]] == '/'))
		i++;
	if (i > 0)
		pos = k->end[i - 1] + 1;
	cur = i > 0 ? k->fd[i - 1] : k->root;
	/* Deeper cached components stay cached unless we go elsewhere. */
	if (pos < plen)
		walk_trim(k, i);
	while (pos < plen) {
		const char *slash = memchr(path + pos, '/', plen - pos);
		size_t end = slash ? (size_t)(slash - path) : plen;
		int fd2;

		memcpy(name, path + pos, end - pos);
		name[end - pos] = '\0';
		fd2 = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd2 < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, name, 0755) < 0 && errno != EEXIST) {
				int err = errno;
				if (transient >= 0)
					close(transient);
				return ent_sys(w, err, "create directory", name);
			}
			pw_unpack_dirfix_add(&w->fix, path, end, 0755, (struct timespec){0, 0});
			fd2 = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd2 < 0) {
			int r = pw_unpack_walk_fail(w->e, w->qname, cur, name, path, end, errno);
			if (transient >= 0)
				close(transient);
			return r;
		}
		if (k->depth < WALK_CACHE && transient < 0) {
			memcpy(k->path + (k->depth ? k->end[k->depth - 1] : 0),
			       path + (k->depth ? k->end[k->depth - 1] : 0),
			       end - (k->depth ? k->end[k->depth - 1] : 0));
			k->fd[k->depth] = fd2;
			k->end[k->depth] = end;
			k->depth++;
		} else {
			if (transient >= 0)
				close(transient);
			transient = fd2;
		}
		cur = fd2;
		pos = end + 1;
	}
	*fd = cur;
	*owned = transient >= 0;
	return 0;
}

/* Split the normalised @path into parent and last component and open the
 * parent.  *name points into @path. */
static int open_parent(struct writer *w, const char *path, bool create, int *pfd, bool *owned,
		       const char **name)
{
	const char *slash = strrchr(path, '/');

	*name = slash ? slash + 1 : path;
	return walk_to(w, path, slash ? (size_t)(slash - path) : 0, create, pfd, owned);
}

/* Something already exists where the entry goes: say what. */
static int exists_err(struct writer *w, int pfd, const char *name)
{
	struct stat st;
	char q[QNAME];

	pw_unpack_quote(w->path, strlen(w->path), q, sizeof(q));
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ent_sys(w, errno, "stat", w->path);
	if (S_ISLNK(st.st_mode))
		return ent_err(w, EPERM, "would replace the symlink '%s'", q);
	if (S_ISDIR(st.st_mode))
		return ent_err(w, EPERM, "would replace the directory '%s'", q);
	return ent_err(w, EPERM, "duplicate entry: '%s' was already extracted", q);
}

struct timespec pw_unpack_entry_mtime(struct archive_entry *ent)
{
	struct timespec ts = {0, 0};

	if (archive_entry_mtime_is_set(ent)) {
		ts.tv_sec = archive_entry_mtime(ent);
		ts.tv_nsec = archive_entry_mtime_nsec(ent);
		if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			ts.tv_nsec = 0;
	}
	return ts;
}

/* Charge @n more bytes to *@nbytes (pw_unpack_write_data()). */
static int data_charge(uint64_t *nbytes, uint64_t max_bytes, uint64_t n, const char *qname,
		       struct pw_err *e)
{
	if (n > max_bytes - *nbytes) {
		*nbytes = max_bytes;
		return pw_err_set(e, EFBIG,
				  "entry '%s': unpacked size exceeds the limit of %llu bytes", qname,
				  (unsigned long long)max_bytes);
	}
	*nbytes += n;
	return 0;
}

static int add_bytes(struct writer *w, uint64_t n)
{
	return data_charge(&w->nbytes, w->max_bytes, n, w->qname, w->e);
}

static int data_sys(int code, const char *what, const char *path, const char *qname,
		    struct pw_err *e)
{
	char q[QNAME];

	pw_unpack_quote(path, strlen(path), q, sizeof(q));
	return pw_err_set(e, code, "entry '%s': cannot %s '%s': %s", qname, what, q,
			  strerror(code));
}

int pw_unpack_write_data(struct archive *a, struct archive_entry *ent, int fd, const char *qname,
			 const char *path, uint64_t *nbytes, uint64_t max_bytes, uint64_t *written,
			 struct pw_err *e)
{
	uint64_t size = 0; /* logical size so far (blocks may leave holes) */
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	for (;;) {
		r = archive_read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			return pw_err_set(e, EBADMSG, "entry '%s': corrupt data: %s", qname,
					  pw_unpack_la_msg(a));
		if (off < 0 || (uint64_t)off + len < (uint64_t)off)
			return pw_err_set(e, EBADMSG, "entry '%s': corrupt data: bad block offset",
					  qname);
		if ((uint64_t)off + len > size) {
			r = data_charge(nbytes, max_bytes, (uint64_t)off + len - size, qname, e);
			if (r < 0)
				return r;
			size = (uint64_t)off + len;
		}
		while (len > 0) {
			ssize_t n = pwrite(fd, buf, len, off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return data_sys(errno, "write", path, qname, e);
			buf = (const char *)buf + n;
			len -= (size_t)n;
			off += n;
		}
	}
	/* A sparse file may end in a hole. */
	if (archive_entry_size_is_set(ent) && archive_entry_size(ent) > 0 &&
	    (uint64_t)archive_entry_size(ent) > size) {
		uint64_t full = (uint64_t)archive_entry_size(ent);
		r = data_charge(nbytes, max_bytes, full - size, qname, e);
		if (r < 0)
			return r;
		if (ftruncate(fd, (off_t)full) < 0)
			return data_sys(errno, "truncate", path, qname, e);
		size = full;
	}
	*written += size;
	return 0;
}

static int put_file(struct writer *w, struct archive *a, int pfd, const char *name)
{
	mode_t mode = archive_entry_perm(w->ent) & 0777;
	struct timespec ts[2];
	int fd, r;

	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == EEXIST ? exists_err(w, pfd, name)
				       : ent_sys(w, errno, "create", w->path);
	r = pw_unpack_write_data(a, w->ent, fd, w->qname, w->path, &w->nbytes, w->max_bytes,
				 &w->written, w->e);
	if (r == 0 && (mode & w->umask) && fchmod(fd, mode) < 0)
		r = ent_sys(w, errno, "chmod", w->path);
	ts[0] = ts[1] = pw_unpack_entry_mtime(w->ent);
	if (r == 0 && futimens(fd, ts) < 0)
		r = ent_sys(w, errno, "set the mtime of", w->path);
	if (close(fd) < 0 && r == 0)
		r = ent_sys(w, errno, "close", w->path);
	return r;
}

static int put_dir(struct writer *w, int pfd, const char *name)
{
	mode_t mode = archive_entry_perm(w->ent) & 0777;
	struct stat st;

	/* 0700 at least until the fix-up pass, so we can fill it. */
	if (mkdirat(pfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return ent_sys(w, errno, "create directory", w->path);
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return ent_sys(w, errno, "stat", w->path);
		if (!S_ISDIR(st.st_mode))
			return exists_err(w, pfd, name);
	}
	pw_unpack_dirfix_add(&w->fix, w->path, strlen(w->path), mode, pw_unpack_entry_mtime(w->ent));
	return 0;
}

static int put_symlink(struct writer *w, int pfd, const char *name)
{
	const char *target = archive_entry_symlink(w->ent);
	struct timespec ts[2];
	struct pw_err why = PW_ERR_INIT;
	int r;

	if (!target)
		target = "";
	r = pw_unpack_link_target_check(target, strlen(target), &why);
	if (r < 0)
		return ent_err(w, -r, "%s", why.msg);
	if (symlinkat(target, pfd, name) < 0)
		return errno == EEXIST ? exists_err(w, pfd, name)
				       : ent_sys(w, errno, "create symlink", w->path);
	ts[0] = ts[1] = pw_unpack_entry_mtime(w->ent);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return ent_sys(w, errno, "set the mtime of", w->path);
	return 0;
}

/* Hardlink: the target must be a regular file already extracted in the
 * tree, found by the same safe walk. */
static int put_hardlink(struct writer *w, const char *target)
{
	struct pw_err why = PW_ERR_INIT;
	char q[QNAME];
	const char *tname, *name;
	struct stat st;
	int tfd = -1, pfd, r;
	bool owned;

	pw_unpack_quote(target, strlen(target), q, sizeof(q));
	r = pw_unpack_path(target, strlen(target), w->strip, w->subdir, w->lpath, &why);
	if (r < 0)
		return ent_err(w, EPERM, "hardlink target '%s': %s", q, why.msg);
	if (r == 0 || w->lpath[0] == '\0')
		return ent_err(w, EPERM, "hardlink target '%s' is outside the tree", q);
	r = open_parent(w, w->lpath, false, &pfd, &owned, &tname);
	if (r < 0) {
		/* keep the walk's reason ("parent 'l' is a symlink") */
		size_t skip = strlen(w->qname) + strlen("entry '': ");
		char reason[256] = "";

		if (w->e && strlen(w->e->msg) > skip)
			snprintf(reason, sizeof(reason), ": %s", w->e->msg + skip);
		return ent_err(w, EPERM, "hardlink target '%s' is not an extracted file%s", q,
			       reason);
	}
	if (fstatat(pfd, tname, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
		r = ent_err(w, EPERM, "hardlink target '%s' is not an extracted regular file", q);
		goto out;
	}
	/* The second walk may reuse the cache: keep our own fd to the target's dir. */
	tfd = owned ? pfd : fcntl(pfd, F_DUPFD_CLOEXEC, 3);
	owned = false;
	if (tfd < 0) {
		r = ent_sys(w, errno, "dup a descriptor for", w->lpath);
		goto out;
	}
	r = open_parent(w, w->path, true, &pfd, &owned, &name);
	if (r < 0)
		goto out;
	if (linkat(tfd, tname, pfd, name, 0) < 0)
		r = errno == EEXIST ? exists_err(w, pfd, name) : ent_sys(w, errno, "link", w->path);
out:
	if (owned)
		close(pfd);
	if (tfd >= 0)
		close(tfd);
	return r;
}

static int put_entry(struct writer *w, struct archive *a)
{
	struct pw_err why = PW_ERR_INIT;
	const char *raw = archive_entry_pathname(w->ent), *hl, *name;
	mode_t type = archive_entry_filetype(w->ent);
	int pfd, r;
	bool owned;

	if (!raw)
		raw = archive_entry_pathname_utf8(w->ent);
	if (!raw)
		raw = "";
	pw_unpack_quote(raw, strlen(raw), w->qname, sizeof(w->qname));
	if (++w->nentries > w->max_entries)
		return ent_err(w, E2BIG, "more than %llu entries",
			       (unsigned long long)w->max_entries);
	r = pw_unpack_path(raw, strlen(raw), w->strip, w->subdir, w->path, &why);
	if (r < 0)
		return ent_err(w, -r, "%s", why.msg);
	if (r == 0) {
		/* Skipped, but its data still counts against the cap. */
		if (archive_entry_size_is_set(w->ent) && archive_entry_size(w->ent) > 0)
			return add_bytes(w, (uint64_t)archive_entry_size(w->ent));
		return 0;
	}
	w->matched++;
	hl = archive_entry_hardlink(w->ent);
	if (w->path[0] == '\0') {
		/* "./" or the subdir itself: the destination, left as it is. */
		if (type == AE_IFDIR && !hl)
			return 0;
		return ent_err(w, EPERM, "a non-directory cannot be the root of the tree");
	}
	if (hl) {
		r = put_hardlink(w, hl);
		goto done;
	}
	switch (type) {
	case AE_IFREG:
	case AE_IFDIR:
	case AE_IFLNK:
		break;
	case AE_IFCHR:
		return ent_err(w, EPERM, "character device not allowed");
	case AE_IFBLK:
		return ent_err(w, EPERM, "block device not allowed");
	case AE_IFIFO:
		return ent_err(w, EPERM, "fifo not allowed");
	case AE_IFSOCK:
		return ent_err(w, EPERM, "socket not allowed");
	default:
		return ent_err(w, EPERM, "unsupported entry type 0%o", (unsigned)type);
	}
	r = open_parent(w, w->path, true, &pfd, &owned, &name);
	if (r < 0)
		return r;
	if (type == AE_IFREG)
		r = put_file(w, a, pfd, name);
	else if (type == AE_IFDIR)
		r = put_dir(w, pfd, name);
	else
		r = put_symlink(w, pfd, name);
	if (owned)
		close(pfd);
done:
	if (r == 0)
		w->extracted++;
	return r;
}

/* Directory modes and mtimes, applied last (deepest first) so that filling
 * a directory neither needs its final mode nor changes its final mtime. */
static int apply_fixes(struct writer *w)
{
	size_t i;
	int r = 0;

	pw_unpack_dirfix_sort(&w->fix, false);
	for (i = 0; i < w->fix.n && r == 0; i++) {
		struct pw_unpack_dirfix *f = &w->fix.v[i];
		struct timespec ts[2] = {f->mtime, f->mtime};
		const char *name;
		int pfd, fd;
		bool owned;

		pw_unpack_quote(f->path, strlen(f->path), w->qname, sizeof(w->qname));
		r = open_parent(w, f->path, false, &pfd, &owned, &name);
		if (r < 0)
			break;
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			r = ent_sys(w, errno, "open directory", f->path);
		else if (fchmod(fd, f->mode) < 0)
			r = ent_sys(w, errno, "chmod", f->path);
		else if (futimens(fd, ts) < 0)
			r = ent_sys(w, errno, "set the mtime of", f->path);
		if (fd >= 0)
			close(fd);
		if (owned)
			close(pfd);
	}
	return r;
}

static int extract_all(struct writer *w, struct archive *a)
{
	int r;

	for (;;) {
		r = archive_read_next_header(a, &w->ent);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN) {
			int err = archive_errno(a);
			if (err == ENOMEM)
				return pw_err_set(w->e, ENOMEM, "out of memory");
			if (w->nentries == 0)
				return pw_err_set(w->e, EBADMSG,
						  "not a tar, zip or .deb archive: %s",
						  pw_unpack_la_msg(a));
			return pw_err_set(w->e, EBADMSG, "corrupt archive after entry '%s': %s",
					  w->qname, pw_unpack_la_msg(a));
		}
		r = put_entry(w, a);
		if (r < 0)
			return r;
	}
}

static void writer_release(struct writer *w)
{
	walk_trim(&w->walk, 0);
	pw_unpack_dirfix_release(&w->fix);
}

enum kind { KIND_TAR, KIND_ZIP, KIND_DEB };

static enum kind sniff(const struct pw_unpack_src *s)
{
	if (s->pre >= 4 && s->buf[0] == 'P' && s->buf[1] == 'K' &&
	    ((s->buf[2] == 3 && s->buf[3] == 4) || (s->buf[2] == 5 && s->buf[3] == 6)))
		return KIND_ZIP;
	if (s->pre >= 8 && !memcmp(s->buf, "!<arch>\n", 8))
		return KIND_DEB;
	return KIND_TAR;
}

int pw_unpack_fd(int archive_fd, int dest_dirfd, const struct pw_unpack_opts *opts,
		 struct pw_unpack_stats *stats, struct pw_err *e)
{
	struct pw_err why = PW_ERR_INIT;
	char subdir[PW_UNPACK_PATH_MAX + 1];
	struct writer w;
	struct pw_unpack_src s = {.fd = -1, .buf = NULL};
	struct pw_unpack_pipe q;
	struct archive *a = NULL;
	pthread_t th;
	bool threaded = false;
	enum kind kind;
	int r, pr, spool_fd = -1;
	locale_t utf8 = (locale_t)0, old_locale = (locale_t)0;

	memset(&w, 0, sizeof(w));
	w.walk.root = dest_dirfd;
	w.e = e;
	w.strip = opts->strip;
	w.max_entries = opts->max_entries ? opts->max_entries : PW_UNPACK_DEFAULT_MAX_ENTRIES;
	w.max_bytes = opts->max_bytes ? opts->max_bytes : PW_UNPACK_DEFAULT_MAX_BYTES;
	if (opts->subdir) {
		r = pw_unpack_path(opts->subdir, strlen(opts->subdir), 0, NULL, subdir, &why);
		if (r < 0)
			return pw_err_set(e, EINVAL, "bad subdir '%s': %s", opts->subdir, why.msg);
		if (subdir[0])
			w.subdir = subdir;
	}
	/* The umask is process-wide; read it back at once.  pinwheel does not
	 * create files in other threads meanwhile. */
	w.umask = umask(022);
	umask(w.umask);

	/* Entry names are bytes; libarchive's zip reader converts names
	 * flagged UTF-8 to the thread's locale and drops them when that
	 * fails, as it does for anything non-ASCII in the "C" locale.  A
	 * UTF-8 LC_CTYPE for this thread alone makes that an identity.  (The
	 * tar reader keeps pax UTF-8 names as they are; the conversion costs
	 * time there, so it is left alone.) */
	r = pw_unpack_src_init(&s, archive_fd, e);
	if (r < 0)
		goto out;
	kind = sniff(&s);
	utf8 = kind == KIND_ZIP ? newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0) : (locale_t)0;
	if (utf8)
		old_locale = uselocale(utf8);
	if (s.pre == 0) {
		r = pw_err_set(e, EBADMSG, "empty input: not an archive");
		goto out;
	}
	a = archive_read_new();
	if (!a) {
		r = pw_err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	if (kind == KIND_ZIP) {
		if (!s.seekable) {
			r = pw_unpack_src_spool(&s, w.max_bytes, &spool_fd, e);
			if (r < 0)
				goto out;
		}
		pr = archive_read_support_format_zip_seekable(a);
		if (pr != ARCHIVE_OK || pw_unpack_src_open(a, &s, true) != ARCHIVE_OK) {
			r = pw_err_set(e, EBADMSG, "corrupt zip archive: %s", pw_unpack_la_msg(a));
			goto out;
		}
	} else {
		pw_unpack_pipe_init(&q, &s, kind == KIND_DEB,
				    kind == KIND_TAR && s.pre >= 6 &&
					!memcmp(s.buf,
						"\xfd"
						"7zXZ\0",
						6));
		pr = pthread_create(&th, NULL, pw_unpack_pipe_main, &q);
		if (pr != 0) {
			pw_unpack_pipe_release(&q);
			r = pw_err_sys(e, pr, "cannot start the decompression thread");
			goto out;
		}
		threaded = true;
		archive_read_support_format_tar(a);
		archive_read_set_callback_data(a, &q);
		archive_read_set_read_callback(a, pw_unpack_pipe_read);
		if (archive_read_open1(a) != ARCHIVE_OK) {
			r = pw_err_set(e, EBADMSG, "not a tar, zip or .deb archive: %s",
				       pw_unpack_la_msg(a));
			goto out;
		}
	}
	r = extract_all(&w, a);
	if (r == 0 && w.subdir && w.matched == 0)
		r = pw_err_set(e, ENOENT, "no entry under subdir '%s'", w.subdir);
	if (r == 0)
		r = apply_fixes(&w);
out:
	if (threaded) {
		pw_unpack_pipe_stop(&q);
		pthread_join(th, NULL);
		/* The producer's own error explains a tar reader failure best. */
		if (r == -EBADMSG && q.err < 0) {
			r = q.err;
			if (e)
				*e = q.perr;
		}
		pw_unpack_pipe_release(&q);
	}
	if (a)
		archive_read_free(a);
	free(s.buf);
	if (spool_fd >= 0)
		close(spool_fd);
	if (utf8) {
		uselocale(old_locale);
		freelocale(utf8);
	}
	if (r == 0 && stats) {
		stats->entries = w.extracted;
		stats->bytes = w.written;
	}
	writer_release(&w);
	return r;
}

char *pw_unpack_opts_key(const struct pw_unpack_opts *opts)
{
	char sub[PW_UNPACK_PATH_MAX + 1];
	const char *s = opts->subdir ? opts->subdir : "";

	if (opts->subdir &&
	    pw_unpack_path(opts->subdir, strlen(opts->subdir), 0, NULL, sub, NULL) == 1)
		s = sub;
	return pw_xasprintf("strip=%u;subdir=%s", opts->strip, s);
}
