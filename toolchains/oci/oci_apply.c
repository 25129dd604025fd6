/* oci_apply.c - an image's layers applied in order into one directory
 * (include/pinwheel/oci.h, docs/oci.md "Layers and roots").
 *
 * Input: each layer blob is read by the unpacker's input side
 * (unpack_input.h): a producer thread decompresses it (libarchive's "raw"
 * reader: gzip, zstd or no filter, chosen from the bytes) into a bounded
 * queue; the tar reader in this thread takes the queue's slots through
 * hash_read(), which hashes every byte handed over, and whatever the tar
 * reader leaves after the end-of-archive blocks is drained and hashed
 * too, so the sha256 of the whole uncompressed stream is compared with
 * the config's diff_id in one pass over the blob.
 *
 * Writing follows the overlay semantics of the image spec's layer
 * changesets, with the unpacker's hostile-archive rules (unpack_path.c for
 * the names; every path walked one component at a time with O_NOFOLLOW,
 * never through a symlink):
 *   - an entry replaces what the layers below had at its path (a directory
 *     over a directory merges; anything else removes the old entry, a whole
 *     tree if it was a directory); a second entry for a path in the SAME
 *     layer is refused as a duplicate, as pw_unpack_fd() does;
 *   - "DIR/.wh.NAME" removes NAME as the layers below had it;
 *     "DIR/.wh..wh..opq" removes everything the layers below had in DIR.
 *     Both keep what the same layer puts there, in whatever order the
 *     layer lists it: the paths this layer wrote (and their parents) are
 *     kept in a set, and a removal descends into them instead of deleting
 *     them.  Whiteout files are never written; other ".wh..wh." names
 *     (aufs bookkeeping) are ignored; a whiteout of "", "." or "..", or a
 *     ".wh." name used as a directory, is refused;
 *   - hard links may point at files of this layer or of the layers below;
 *   - device nodes, fifos and sockets are skipped and counted (they still
 *     hide the lower entry at their path); setuid/setgid/sticky bits are
 *     dropped; ownership is the caller's.
 * Directory modes and mtimes are applied at the very end, deepest first,
 * the last layer's word for each path winning.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/libload.h"
#include "pinwheel/oci.h"
#include "pinwheel/unpack.h"
#include "../store/unpack_input.h"

#define QNAME PW_UNPACK_QNAME
#define WH ".wh."
#define WH_OPQ ".wh..wh..opq"

/* ------------------------------------------------------------ path set */

/* The paths one layer wrote, and their parents: open addressing. */
struct pset {
	char **slot;
	size_t cap, n;
};

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

static char **pset_find(const struct pset *s, const char *p, size_t n)
{
	size_t i = (size_t)fnv(p, n) & (s->cap - 1);

	for (;; i = (i + 1) & (s->cap - 1))
		if (!s->slot[i] || (strlen(s->slot[i]) == n && !memcmp(s->slot[i], p, n)))
			return &s->slot[i];
}

static bool pset_has(const struct pset *s, const char *p, size_t n)
{
	return s->cap && *pset_find(s, p, n) != NULL;
}

/* Add p[0..n); false when it was there already. */
static bool pset_add(struct pset *s, const char *p, size_t n)
{
	char **slot;

	if (2 * (s->n + 1) > s->cap) {
		struct pset g = {pw_xcalloc(s->cap ? 2 * s->cap : 1024, sizeof(char *)),
				 s->cap ? 2 * s->cap : 1024, s->n};

		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				*pset_find(&g, s->slot[i], strlen(s->slot[i])) = s->slot[i];
		free(s->slot);
		*s = g;
	}
	slot = pset_find(s, p, n);
	if (*slot)
		return false;
	*slot = pw_xmalloc(n + 1);
	memcpy(*slot, p, n);
	(*slot)[n] = '\0';
	s->n++;
	return true;
}

static void pset_release(struct pset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------- applier */

struct applier {
	int root;
	int cfd;		/* cached directory (path cpath), or -1 */
	size_t clen;
	char cpath[PW_UNPACK_PATH_MAX + 1];
	struct pset layer; /* what the current layer wrote */
	struct pw_unpack_dirfixes fix;
	uint64_t nentries, nbytes, max_entries, max_bytes;
	struct pw_oci_apply_stats st;
	mode_t umask;
	struct archive_entry *ent;
	char qname[QNAME];
	char path[PW_UNPACK_PATH_MAX + 1];
	char lpath[PW_UNPACK_PATH_MAX + 1];
	struct pw_err *e;
};

#define ent_err(w, code, ...) pw_unpack_ent_err((w)->e, (w)->qname, (code), __VA_ARGS__)
#define ent_sys(w, code, what, path) pw_unpack_ent_sys((w)->e, (w)->qname, (code), (what), (path))

static void uncache(struct applier *w)
{
	if (w->cfd >= 0)
		close(w->cfd);
	w->cfd = -1;
}

/* Record that this layer wrote path[0..n), and so its parents. */
static void mark(struct applier *w, const char *path, size_t n)
{
	while (n > 0 && pset_add(&w->layer, path, n)) {
		const char *slash = memrchr(path, '/', n);
		n = slash ? (size_t)(slash - path) : 0;
	}
}

/* Open the directory path[0..plen) one component at a time, never
 * following a symlink; with @create, missing components are made (mode
 * 0755, mtime 0, and they count as written by this layer).  *fd is
 * borrowed (the root or the one cached directory): valid until the next
 * call or the next removal. */
static int open_dir(struct applier *w, const char *path, size_t plen, bool create, int *fd)
{
	char name[PW_UNPACK_NAME_MAX + 1];
	size_t pos = 0;
	int cur = w->root;

	if (plen == 0) {
		*fd = w->root;
		return 0;
	}
	if (w->cfd >= 0 && w->clen == plen && !memcmp(w->cpath, path, plen)) {
		*fd = w->cfd;
		return 0;
	}
	uncache(w);
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
				if (cur != w->root)
					close(cur);
				return ent_sys(w, err, "create directory", name);
			}
			pw_unpack_dirfix_add(&w->fix, path, end, 0755, (struct timespec){0, 0});
			mark(w, path, end);
			fd2 = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd2 < 0) {
			int r = pw_unpack_walk_fail(w->e, w->qname, cur, name, path, end, errno);
			if (cur != w->root)
				close(cur);
			return r;
		}
		if (cur != w->root)
			close(cur);
		cur = fd2;
		pos = end + 1;
	}
	w->cfd = cur;
	w->clen = plen;
	memcpy(w->cpath, path, plen);
	*fd = cur;
	return 0;
}

static int open_parent(struct applier *w, const char *path, bool create, int *pfd,
		       const char **name)
{
	const char *slash = strrchr(path, '/');

	*name = slash ? slash + 1 : path;
	return open_dir(w, path, slash ? (size_t)(slash - path) : 0, create, pfd);
}

static int lower_children(struct applier *w, int fd, const char *path, size_t plen,
			  unsigned depth);

/* Remove what the layers below have at @path (entry @name of @pfd),
 * keeping what this layer wrote: a path of this layer that is a
 * directory is descended into. */
static int remove_lower(struct applier *w, int pfd, const char *name, const char *path,
			size_t plen, unsigned depth)
{
	struct stat st;
	int fd, r;

	if (depth > 4096)
		return ent_err(w, ELOOP, "directories nested too deep");
	if (!pset_has(&w->layer, path, plen)) {
		r = pw_rm_rf_at(pfd, name);
		uncache(w); /* it may have been under what is gone */
		if (r < 0)
			return ent_sys(w, -r, "remove", path);
		return 0;
	}
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : ent_sys(w, errno, "stat", path);
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ent_sys(w, errno, "open directory", path);
	return lower_children(w, fd, path, plen, depth);
}

/* remove_lower() for each entry of the directory @fd (taken) at @path. */
static int lower_children(struct applier *w, int fd, const char *path, size_t plen,
			  unsigned depth)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, a = 0, i;
	DIR *d;
	int r = 0;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return ent_sys(w, errno, "read directory", plen ? path : ".");
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == a) {
			a = a ? 2 * a : 16;
			names = pw_xrealloc(names, a * sizeof(*names));
		}
		names[n++] = pw_xstrdup(de->d_name);
	}
	for (i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *sub = plen ? pw_xasprintf("%.*s/%s", (int)plen, path, names[i])
						: pw_xstrdup(names[i]);

		r = remove_lower(w, dirfd(d), names[i], sub, strlen(sub), depth + 1);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

/* ".wh.NAME" or ".wh..wh..opq" at w->path (its last component @base). */
static int put_whiteout(struct applier *w, const char *base)
{
	const char *target = base + strlen(WH), *name;
	size_t dlen = (size_t)(base - w->path) - (base > w->path ? 1 : 0);
	_cleanup_free_ char *tpath = NULL;
	int pfd, fd, r;

	if (!strcmp(base, WH_OPQ)) {
		/* the directory is this layer's; what the layers below had in
		 * it goes */
		w->st.whiteouts++;
		r = open_dir(w, w->path, dlen, true, &pfd);
		if (r < 0)
			return r;
		mark(w, w->path, dlen);
		fd = fcntl(pfd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return ent_sys(w, errno, "dup a descriptor for", w->path);
		return lower_children(w, fd, w->path, dlen, 0);
	}
	if (!strncmp(base, WH WH, 2 * strlen(WH)))
		return 0; /* aufs bookkeeping (".wh..wh.plnk"): not part of the image */
	if (!target[0] || !strcmp(target, ".") || !strcmp(target, ".."))
		return ent_err(w, EPERM, "whiteout of '%s' is not a name in the directory", target);
	w->st.whiteouts++;
	r = open_dir(w, w->path, dlen, false, &pfd);
	if (r == -ENOENT) {
		pw_err_clear(w->e);
		return 0; /* nothing below to remove */
	}
	if (r < 0)
		return r;
	tpath = dlen ? pw_xasprintf("%.*s/%s", (int)dlen, w->path, target) : pw_xstrdup(target);
	name = strrchr(tpath, '/') ? strrchr(tpath, '/') + 1 : tpath;
	return remove_lower(w, pfd, name, tpath, strlen(tpath), 0);
}

/* Make room at w->path (entry @name of @pfd) for an entry that is a
 * directory (@dir) or not.  *merge: a directory is already there and
 * stays. */
static int make_room(struct applier *w, int pfd, const char *name, bool dir, bool *merge)
{
	struct stat st;
	char q[QNAME];
	size_t plen = strlen(w->path);
	int r;

	*merge = false;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return ent_sys(w, errno, "stat", w->path);
	}
	if (dir && S_ISDIR(st.st_mode)) {
		*merge = true;
		return 0;
	}
	pw_unpack_quote(w->path, plen, q, sizeof(q));
	if (pset_has(&w->layer, w->path, plen)) {
		if (S_ISLNK(st.st_mode))
			return ent_err(w, EPERM, "would replace the symlink '%s'", q);
		if (S_ISDIR(st.st_mode))
			return ent_err(w, EPERM, "would replace the directory '%s'", q);
		return ent_err(w, EPERM, "duplicate entry: '%s' was already extracted", q);
	}
	/* a lower layer's entry: the upper one replaces it */
	if (S_ISDIR(st.st_mode)) {
		int keep = dup(pfd); /* pfd may be the cached fd */

		if (keep < 0)
			return ent_sys(w, errno, "dup a descriptor for", w->path);
		uncache(w);
		r = pw_rm_rf_at(keep, name);
		close(keep);
		if (r < 0)
			return ent_sys(w, -r, "remove", w->path);
		return 1; /* pfd is gone: reopen */
	}
	if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
		return ent_sys(w, errno, "remove", w->path);
	return 0;
}

static int put_file(struct applier *w, struct archive *a, int pfd, const char *name)
{
	mode_t mode = archive_entry_perm(w->ent) & 0777;
	struct timespec ts[2];
	int fd, r;

	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return ent_sys(w, errno, "create", w->path);
	r = pw_unpack_write_data(a, w->ent, fd, w->qname, w->path, &w->nbytes, w->max_bytes,
				 &w->st.bytes, w->e);
	if (r == 0 && (mode & w->umask) && fchmod(fd, mode) < 0)
		r = ent_sys(w, errno, "chmod", w->path);
	ts[0] = ts[1] = pw_unpack_entry_mtime(w->ent);
	if (r == 0 && futimens(fd, ts) < 0)
		r = ent_sys(w, errno, "set the mtime of", w->path);
	if (close(fd) < 0 && r == 0)
		r = ent_sys(w, errno, "close", w->path);
	return r;
}

static int put_symlink(struct applier *w, int pfd, const char *name)
{
	const char *target = archive_entry_symlink(w->ent);
	struct pw_err why = PW_ERR_INIT;
	struct timespec ts[2];
	int r;

	if (!target)
		target = "";
	r = pw_unpack_link_target_check(target, strlen(target), &why);
	if (r < 0)
		return ent_err(w, -r, "%s", why.msg);
	if (symlinkat(target, pfd, name) < 0)
		return ent_sys(w, errno, "create symlink", w->path);
	ts[0] = ts[1] = pw_unpack_entry_mtime(w->ent);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return ent_sys(w, errno, "set the mtime of", w->path);
	return 0;
}

/* The hard link's target: a regular file already in the tree (this layer
 * or one below), found by the same safe walk.  *tfd is the caller's. */
static int link_target(struct applier *w, const char *target, int *tfd, const char **tname)
{
	struct pw_err why = PW_ERR_INIT;
	struct stat st;
	char q[QNAME];
	int pfd, r;

	pw_unpack_quote(target, strlen(target), q, sizeof(q));
	r = pw_unpack_path(target, strlen(target), 0, NULL, w->lpath, &why);
	if (r < 0)
		return ent_err(w, EPERM, "hardlink target '%s': %s", q, why.msg);
	if (w->lpath[0] == '\0')
		return ent_err(w, EPERM, "hardlink target '%s' is outside the tree", q);
	r = open_parent(w, w->lpath, false, &pfd, tname);
	if (r < 0 ||
	    (fstatat(pfd, *tname, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)))
		return ent_err(w, EPERM, "hardlink target '%s' is not a regular file in the image",
			       q);
	*tfd = fcntl(pfd, F_DUPFD_CLOEXEC, 3);
	if (*tfd < 0)
		return ent_sys(w, errno, "dup a descriptor for", w->lpath);
	return 0;
}

static int put_entry(struct applier *w, struct archive *a)
{
	struct pw_err why = PW_ERR_INIT;
	const char *raw = archive_entry_pathname(w->ent), *hl, *base, *name, *tname = NULL;
	mode_t type = archive_entry_filetype(w->ent);
	bool merge = false;
	int pfd, tfd = -1, r;
	size_t plen;

	if (!raw)
		raw = archive_entry_pathname_utf8(w->ent);
	if (!raw)
		raw = "";
	pw_unpack_quote(raw, strlen(raw), w->qname, sizeof(w->qname));
	if (++w->nentries > w->max_entries)
		return ent_err(w, E2BIG, "more than %llu entries",
			       (unsigned long long)w->max_entries);
	r = pw_unpack_path(raw, strlen(raw), 0, NULL, w->path, &why);
	if (r < 0)
		return ent_err(w, -r, "%s", why.msg);
	hl = archive_entry_hardlink(w->ent);
	if (w->path[0] == '\0') {
		if (type == AE_IFDIR && !hl)
			return 0; /* the root itself */
		return ent_err(w, EPERM, "a non-directory cannot be the root of the tree");
	}
	plen = strlen(w->path);
	base = strrchr(w->path, '/') ? strrchr(w->path, '/') + 1 : w->path;
	/* ".wh." names only as the last component */
	for (const char *p = w->path; p < base; p = strchr(p, '/') + 1)
		if (!strncmp(p, WH, strlen(WH)))
			return ent_err(w, EPERM, "whiteout '%.*s' used as a directory",
				       (int)strcspn(p, "/"), p);
	if (!strncmp(base, WH, strlen(WH)))
		return put_whiteout(w, base);
	if (hl) {
		r = link_target(w, hl, &tfd, &tname);
		if (r < 0)
			return r;
	} else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
		if (type != AE_IFCHR && type != AE_IFBLK && type != AE_IFIFO && type != AE_IFSOCK)
			return ent_err(w, EPERM, "unsupported entry type 0%o", (unsigned)type);
		w->st.skipped_nodes++;
	}
	do {
		r = open_parent(w, w->path, true, &pfd, &name);
		if (r == 0)
			r = make_room(w, pfd, name, !hl && type == AE_IFDIR, &merge);
	} while (r == 1);
	if (r < 0)
		goto out;
	mark(w, w->path, plen);
	if (hl) {
		if (linkat(tfd, tname, pfd, name, 0) < 0)
			r = ent_sys(w, errno, "link", w->path);
	} else if (type == AE_IFREG) {
		r = put_file(w, a, pfd, name);
	} else if (type == AE_IFDIR) {
		if (!merge && mkdirat(pfd, name, 0700) < 0)
			r = ent_sys(w, errno, "create directory", w->path);
		else
			pw_unpack_dirfix_add(&w->fix, w->path, plen, archive_entry_perm(w->ent) & 0777,
				pw_unpack_entry_mtime(w->ent));
	} else if (type == AE_IFLNK) {
		r = put_symlink(w, pfd, name);
	} else {
		goto out; /* a skipped node: the lower entry is gone, nothing new */
	}
	if (r == 0)
		w->st.entries++;
out:
	if (tfd >= 0)
		close(tfd);
	return r;
}

/* Directory modes and mtimes, deepest first, the last layer's word for a
 * path; a path that is no longer a directory is left alone. */
static int apply_fixes(struct applier *w)
{
	size_t i;
	int r = 0;

	pw_unpack_dirfix_sort(&w->fix, true);
	for (i = 0; i < w->fix.n && r == 0; i++) {
		struct pw_unpack_dirfix *f = &w->fix.v[i];
		struct timespec ts[2] = {f->mtime, f->mtime};
		const char *name;
		int pfd, fd;

		if (i > 0 && !strcmp(f->path, w->fix.v[i - 1].path))
			continue;
		pw_unpack_quote(f->path, strlen(f->path), w->qname, sizeof(w->qname));
		r = open_parent(w, f->path, false, &pfd, &name);
		if (r == -ENOENT || r == -EPERM) {
			/* a parent was removed or replaced by a later layer */
			pw_err_clear(w->e);
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
			continue;
		if (fd < 0)
			r = ent_sys(w, errno, "open directory", f->path);
		else if (fchmod(fd, f->mode) < 0)
			r = ent_sys(w, errno, "chmod", f->path);
		else if (futimens(fd, ts) < 0)
			r = ent_sys(w, errno, "set the mtime of", f->path);
		if (fd >= 0)
			close(fd);
	}
	return r;
}

/* ------------------------------------------------------- one layer */

struct hashread {
	struct pw_unpack_pipe *q;
	struct pw_sha256 h;
	uint64_t n;
};

static la_ssize_t hash_read(struct archive *a, void *p, const void **buf)
{
	struct hashread *hr = p;
	la_ssize_t n = pw_unpack_pipe_read(a, hr->q, buf);

	if (n > 0) {
		pw_sha256_update(&hr->h, *buf, (size_t)n);
		hr->n += (uint64_t)n;
	}
	return n;
}

static int read_layer(struct applier *w, struct archive *a, struct hashread *hr)
{
	const void *rest;
	la_ssize_t n;
	int r;

	if (archive_read_open1(a) != ARCHIVE_OK)
		return pw_err_set(w->e, EBADMSG, "not a tar archive: %s", pw_unpack_la_msg(a));
	for (;;) {
		r = archive_read_next_header(a, &w->ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (archive_errno(a) == ENOMEM)
				return pw_err_set(w->e, ENOMEM, "out of memory");
			if (w->nentries == 0)
				return pw_err_set(w->e, EBADMSG, "not a tar archive: %s",
						  pw_unpack_la_msg(a));
			return pw_err_set(w->e, EBADMSG, "corrupt archive after entry '%s': %s",
					  w->qname, pw_unpack_la_msg(a));
		}
		r = put_entry(w, a);
		if (r < 0)
			return r;
	}
	/* the end-of-archive blocks and any padding count for the diff_id */
	while ((n = hash_read(a, hr, &rest)) > 0)
		;
	if (n < 0)
		return pw_err_set(w->e, EBADMSG, "corrupt archive: %s", pw_unpack_la_msg(a));
	return 0;
}

static int apply_layer(struct applier *w, const char *path, const char *diff_id)
{
	struct pw_unpack_src s = {.fd = -1, .buf = NULL};
	struct hashread hr = {0};
	struct pw_unpack_pipe q;
	struct archive *a = NULL;
	unsigned char raw[PW_SHA256_LEN];
	char hex[PW_SHA256_HEX];
	bool threaded = false, whole = false;
	pthread_t th;
	int fd, r, pr;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pw_err_sys(w->e, errno, "cannot open the blob");
	r = pw_sha256_init(&hr.h);
	if (r < 0) {
		pw_err_set(w->e, -r, "cannot start sha256");
		goto out;
	}
	r = pw_unpack_src_init(&s, fd, w->e);
	if (r < 0)
		goto out;
	if (s.pre == 0) {
		r = pw_err_set(w->e, EBADMSG, "empty blob: not a layer");
		goto out;
	}
	pw_unpack_pipe_init(&q, &s, false, false);
	pr = pthread_create(&th, NULL, pw_unpack_pipe_main, &q);
	if (pr != 0) {
		pw_unpack_pipe_release(&q);
		r = pw_err_sys(w->e, pr, "cannot start the decompression thread");
		goto out;
	}
	threaded = true;
	hr.q = &q;
	a = archive_read_new();
	if (!a) {
		r = pw_err_set(w->e, ENOMEM, "out of memory");
		goto out;
	}
	archive_read_support_format_tar(a);
	archive_read_set_callback_data(a, &hr);
	archive_read_set_read_callback(a, hash_read);
	r = read_layer(w, a, &hr);
	/* A layer that fails a rule may be a damaged one: read the rest, so
	 * that a corrupt or substituted blob is reported as that. */
	whole = r == 0;
	if (r < 0 && r != -ENOMEM) {
		const void *rest;
		la_ssize_t n;

		while ((n = hash_read(a, &hr, &rest)) > 0)
			;
		whole = n == 0;
	}
out:
	if (threaded) {
		pw_unpack_pipe_stop(&q);
		pthread_join(th, NULL);
		/* the producer's own error explains a failure best */
		if (r < 0 && r != -ENOMEM && q.err < 0) {
			r = q.err;
			whole = false;
			if (w->e)
				*w->e = q.perr;
		}
		pw_unpack_pipe_release(&q);
	}
	if (a)
		archive_read_free(a);
	if (whole) {
		int h = pw_sha256_final(&hr.h, raw, hex);

		if (h < 0)
			r = pw_err_set(w->e, -h, "cannot finish sha256");
		else if (strcmp(hex, diff_id + 7))
			r = pw_err_set(w->e, EBADMSG,
				       "uncompressed layer has sha256:%s, the config's diff_id is %s",
				       hex, diff_id);
	}
	pw_sha256_release(&hr.h);
	free(s.buf);
	close(fd);
	return r;
}

/* Empty @dirfd again after a failure. */
static void empty_dir(int dirfd)
{
	struct dirent *de;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			pw_rm_rf_at(dirfd, de->d_name);
	closedir(d);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int pw_oci_apply_counted(int dirfd, const struct pw_oci_config *c, const char *const *paths,
			 size_t n, struct pw_oci_apply_stats *st, struct pw_err *e)
{
	struct applier w;
	size_t i;
	int r;

	if (n != c->ndiff)
		return pw_err_set(e, EINVAL, "the image has %zu layers but its config lists %zu "
					     "diff_ids",
				  n, c->ndiff);
	r = pw_libarchive_load(e);
	if (r < 0)
		return r;
	memset(&w, 0, sizeof(w));
	w.root = dirfd;
	w.cfd = -1;
	w.e = e;
	w.max_entries = PW_UNPACK_DEFAULT_MAX_ENTRIES;
	w.max_bytes = PW_UNPACK_DEFAULT_MAX_BYTES;
	w.umask = umask(022);
	umask(w.umask);
	for (i = 0; i < n && r == 0; i++) {
		r = apply_layer(&w, paths[i], c->diff_ids[i]);
		pset_release(&w.layer);
		if (r < 0)
			pw_err_prefix(e, "layer %zu of %zu ('%s')", i + 1, n, base_name(paths[i]));
	}
	if (r == 0) {
		r = apply_fixes(&w);
		if (r < 0)
			pw_err_prefix(e, "applying the image");
	}
	uncache(&w);
	pw_unpack_dirfix_release(&w.fix);
	if (r < 0)
		empty_dir(dirfd);
	else if (st)
		*st = w.st;
	return r;
}

int pw_oci_apply(int dirfd, const struct pw_oci_config *c, const char *const *paths, size_t n,
		 struct pw_err *e)
{
	return pw_oci_apply_counted(dirfd, c, paths, n, NULL, e);
}
