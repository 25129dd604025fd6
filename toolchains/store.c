/* store.c - the content-addressed store: blobs by sha256, trees by (blob,
 * unpack options), atomic insertion under per-key flock locks.  The
 * protocol is described in include/pinwheel/store.h and docs/store.md. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <jansson.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/store.h"
#include "pinwheel/treehash.h"

struct pw_store {
	char *dir;
	int rootfd;
	int blobsfd; /* blobs/sha256 */
	int treesfd;
	int tmpfd;
	int locksfd;
};

#define PART_SUFFIX ".part"
#define TREE_PREFIX "tree-"
#define TREE_JSON_MAX (1u << 20)
#define SYNC_CHUNK (8u << 20)
#define WBUF_SIZE (256u << 10)

/* Open @name under @dirfd as a directory, creating it when missing. */
static int open_subdir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

struct pw_store *pw_store_open(const char *dir, struct pw_err *e)
{
	struct pw_store *s = pw_xcalloc(1, sizeof(*s));
	const char *what = dir;
	int blobs = -1, r;

	s->rootfd = s->blobsfd = s->treesfd = s->tmpfd = s->locksfd = -1;
	s->dir = pw_xstrdup(dir);
	s->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0 && errno == ENOENT) {
		r = pw_mkdir_p(dir, 0755);
		if (r < 0) {
			errno = -r;
			goto fail;
		}
		s->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->rootfd < 0)
		goto fail;
	{ /* absolute, so printed paths work from anywhere */
		char *abs = realpath(dir, NULL);
		if (abs) {
			free(s->dir);
			s->dir = abs;
		}
	}
	what = "blobs";
	blobs = open_subdir(s->rootfd, "blobs");
	if (blobs < 0)
		goto fail;
	what = "blobs/sha256";
	s->blobsfd = open_subdir(blobs, "sha256");
	if (s->blobsfd < 0)
		goto fail;
	close(blobs);
	blobs = -1;
	what = "trees";
	s->treesfd = open_subdir(s->rootfd, "trees");
	if (s->treesfd < 0)
		goto fail;
	what = "tmp";
	s->tmpfd = open_subdir(s->rootfd, "tmp");
	if (s->tmpfd < 0)
		goto fail;
	what = "locks";
	s->locksfd = open_subdir(s->rootfd, "locks");
	if (s->locksfd < 0)
		goto fail;
	return s;
fail:
	r = errno;
	if (what == dir)
		pw_err_sys(e, r, "could not open the store '%s'", dir);
	else
		pw_err_sys(e, r, "could not open '%s' in the store '%s'", what, dir);
	if (blobs >= 0)
		close(blobs);
	pw_store_close(s);
	errno = r;
	return NULL;
}

void pw_store_close(struct pw_store *s)
{
	if (!s)
		return;
	pw_closep(&s->rootfd);
	pw_closep(&s->blobsfd);
	pw_closep(&s->treesfd);
	pw_closep(&s->tmpfd);
	pw_closep(&s->locksfd);
	free(s->dir);
	free(s);
}

const char *pw_store_dir(const struct pw_store *s)
{
	return s->dir;
}

char *pw_store_blob_path(const struct pw_store *s, const char *hex)
{
	return pw_xasprintf("%s/blobs/sha256/%s", s->dir, hex);
}

bool pw_store_has_blob(const struct pw_store *s, const char *hex)
{
	struct stat st;

	return fstatat(s->blobsfd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* ---- locks ---- */

int pw_store_lock(struct pw_store *s, const char *key, bool wait, struct pw_err *e)
{
	struct stat a, b;
	int fd, r;

	for (;;) {
		fd = openat(s->locksfd, key, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return pw_err_sys(e, errno, "could not open lock 'locks/%s' in '%s'", key,
					  s->dir);
		r = (int)PW_TEMP_FAILURE_RETRY(flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)));
		if (r < 0) {
			r = errno;
			close(fd);
			if (r == EWOULDBLOCK)
				return -EWOULDBLOCK;
			return pw_err_sys(e, r, "could not lock 'locks/%s' in '%s'", key, s->dir);
		}
		/* gc may have removed the file between our open and flock:
		 * then we hold a lock nobody else will see; take it again. */
		if (fstat(fd, &a) < 0) {
			r = errno;
			close(fd);
			return pw_err_sys(e, r, "could not stat lock 'locks/%s'", key);
		}
		if (fstatat(s->locksfd, key, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
}

void pw_store_unlock(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd); /* closing the only fd releases the flock */
}

/* ---- blob insertion ---- */

static void part_name(const char *hex, char out[PW_SHA256_HEX + sizeof(PART_SUFFIX)])
{
	snprintf(out, PW_SHA256_HEX + sizeof(PART_SUFFIX), "%s%s", hex, PART_SUFFIX);
}

/* Hash the first @n bytes of @fd into @h. */
static int hash_prefix(int fd, uint64_t n, struct pw_sha256 *h)
{
	static __thread unsigned char buf[1 << 16];
	uint64_t off = 0;

	while (off < n) {
		size_t want = n - off < sizeof(buf) ? (size_t)(n - off) : sizeof(buf);
		ssize_t got = PW_TEMP_FAILURE_RETRY(pread(fd, buf, want, (off_t)off));
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EIO;
		pw_sha256_update(h, buf, (size_t)got);
		off += (uint64_t)got;
	}
	return 0;
}

int pw_store_ins_restart(struct pw_store_ins *ins, struct pw_err *e)
{
	int r;

	ins->wlen = 0;
	if (ftruncate(ins->fd, 0) < 0 || lseek(ins->fd, 0, SEEK_SET) < 0)
		return pw_err_sys(e, errno, "could not truncate 'tmp/%s%s'", ins->sha256,
				  PART_SUFFIX);
	pw_sha256_release(&ins->h);
	r = pw_sha256_init(&ins->h);
	if (r < 0)
		return pw_err_sys(e, -r, "could not start sha256");
	ins->have = 0;
	ins->synced = 0;
	return 0;
}

int pw_store_ins_begin(struct pw_store *s, const char *hex, uint64_t size, bool wait, bool resume,
		       struct pw_store_ins *ins, struct pw_err *e)
{
	char part[PW_SHA256_HEX + sizeof(PART_SUFFIX)];
	struct stat st;
	int r;

	memset(ins, 0, sizeof(*ins));
	ins->fd = ins->lockfd = -1;
	if (!pw_sha256_hex_valid(hex))
		return pw_err_set(e, EINVAL, "'%s' is not a sha256 (64 lowercase hex digits)", hex);
	ins->store = s;
	ins->size = size;
	snprintf(ins->sha256, sizeof(ins->sha256), "%s", hex);
	r = pw_store_lock(s, hex, wait, e);
	if (r < 0)
		return r;
	ins->lockfd = r;
	if (pw_store_has_blob(s, hex)) {
		pw_store_unlock(steal_fd(&ins->lockfd));
		return 1;
	}
	part_name(hex, part);
	ins->fd = openat(s->tmpfd, part, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (ins->fd < 0 || fstat(ins->fd, &st) < 0) {
		r = pw_err_sys(e, errno, "could not open 'tmp/%s' in '%s'", part, s->dir);
		goto fail;
	}
	r = pw_sha256_init(&ins->h);
	if (r < 0) {
		pw_err_sys(e, -r, "could not start sha256");
		goto fail;
	}
	ins->have = (uint64_t)st.st_size;
	ins->synced = ins->have;
	if (resume && ins->have > 0 && (size == PW_STORE_SIZE_UNKNOWN || ins->have <= size)) {
		if (hash_prefix(ins->fd, ins->have, &ins->h) < 0 ||
		    lseek(ins->fd, (off_t)ins->have, SEEK_SET) < 0)
			r = pw_store_ins_restart(ins, e);
	} else if (ins->have > 0) {
		r = pw_store_ins_restart(ins, e);
	}
	if (r < 0)
		goto fail;
	return 0;
fail:
	pw_store_ins_abort(ins, false);
	return r;
}

/* Write out the gathered bytes. */
static int ins_flush(struct pw_store_ins *ins)
{
	uint64_t on_disk;
	int r;

	if (ins->wlen == 0)
		return 0;
	r = pw_write_all(ins->fd, ins->wbuf, ins->wlen);
	if (r < 0)
		return r;
	ins->wlen = 0;
	/* Start writeback every few MiB so the fsync at commit has little
	 * left to do and the disk works while the network does.  Advisory:
	 * failures are ignored (the fsync at commit reports real errors). */
	on_disk = ins->have;
	if (on_disk - ins->synced >= SYNC_CHUNK) {
		sync_file_range(ins->fd, (off64_t)ins->synced, (off64_t)(on_disk - ins->synced),
				SYNC_FILE_RANGE_WRITE);
		ins->synced = on_disk;
	}
	return 0;
}

int pw_store_ins_flush(struct pw_store_ins *ins, struct pw_err *e)
{
	int r = ins_flush(ins);

	if (r < 0)
		return pw_err_sys(e, -r, "could not write 'tmp/%s%s' in '%s'", ins->sha256,
				  PART_SUFFIX, ins->store->dir);
	return 0;
}

int pw_store_ins_write(struct pw_store_ins *ins, const void *data, size_t n, struct pw_err *e)
{
	int r = 0;

	if (ins->size != PW_STORE_SIZE_UNKNOWN && (n > ins->size || ins->have > ins->size - n))
		return pw_err_set(e, EFBIG, "more than the pinned %llu bytes",
				  (unsigned long long)ins->size);
	if (!ins->wbuf)
		ins->wbuf = pw_xmalloc(WBUF_SIZE);
	if (ins->wlen + n > WBUF_SIZE)
		r = ins_flush(ins);
	if (r == 0 && n >= WBUF_SIZE)
		r = pw_write_all(ins->fd, data, n);
	else if (r == 0)
		memcpy(ins->wbuf + ins->wlen, data, n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not write 'tmp/%s%s' in '%s'", ins->sha256,
				  PART_SUFFIX, ins->store->dir);
	if (n < WBUF_SIZE)
		ins->wlen += n;
	pw_sha256_update(&ins->h, data, n);
	ins->have += n;
	return 0;
}

void pw_store_ins_abort(struct pw_store_ins *ins, bool keep_partial)
{
	char part[PW_SHA256_HEX + sizeof(PART_SUFFIX)];

	if (ins->fd >= 0) {
		if (keep_partial && ins_flush(ins) < 0)
			keep_partial = false; /* a partial file with a hole is no use */
		close(ins->fd);
		ins->fd = -1;
		if (!keep_partial) {
			part_name(ins->sha256, part);
			unlinkat(ins->store->tmpfd, part, 0);
		}
	}
	free(ins->wbuf);
	ins->wbuf = NULL;
	ins->wlen = 0;
	pw_sha256_release(&ins->h);
	pw_store_unlock(steal_fd(&ins->lockfd));
}

int pw_store_ins_commit(struct pw_store_ins *ins, struct pw_err *e)
{
	char part[PW_SHA256_HEX + sizeof(PART_SUFFIX)], got[PW_SHA256_HEX];
	struct pw_store *s = ins->store;
	int r;

	r = pw_sha256_final(&ins->h, NULL, got);
	if (r < 0) {
		pw_err_sys(e, -r, "could not finish sha256");
		goto fail;
	}
	if (ins->size != PW_STORE_SIZE_UNKNOWN && ins->have != ins->size) {
		r = pw_err_set(e, EBADMSG,
			       "size mismatch: expected %llu bytes, got %llu (sha256 %s)",
			       (unsigned long long)ins->size, (unsigned long long)ins->have, got);
		goto fail;
	}
	if (strcmp(got, ins->sha256) != 0) {
		r = pw_err_set(e, EBADMSG, "sha256 mismatch: expected %s, got %s", ins->sha256,
			       got);
		goto fail;
	}
	part_name(ins->sha256, part);
	r = ins_flush(ins);
	if (r < 0) {
		pw_err_sys(e, -r, "could not write 'tmp/%s' in '%s'", part, s->dir);
		goto fail;
	}
	if (fsync(ins->fd) < 0 || fchmod(ins->fd, 0444) < 0) {
		r = pw_err_sys(e, errno, "could not sync 'tmp/%s' in '%s'", part, s->dir);
		goto fail;
	}
	if (renameat(s->tmpfd, part, s->blobsfd, ins->sha256) < 0) {
		r = pw_err_sys(e, errno, "could not rename 'tmp/%s' into 'blobs/sha256' in '%s'",
			       part, s->dir);
		goto fail;
	}
	if (fsync(s->blobsfd) < 0) {
		/* The blob is complete and verified; only durability of the
		 * directory entry is in doubt.  Report it all the same. */
		r = pw_err_sys(e, errno, "could not sync 'blobs/sha256' in '%s'", s->dir);
		pw_store_ins_abort(ins, true);
		return r;
	}
	pw_store_ins_abort(ins, true); /* nothing left to remove */
	return 0;
fail:
	pw_store_ins_abort(ins, false);
	return r;
}

/* Copy all of @src into the insertion with copy_file_range (a reflink or an
 * in-kernel copy), then hash what landed in the temp file -- the bytes
 * that will be stored.  Returns 0, -errno, or 1 when copy_file_range is not
 * available for this pair of files (nothing copied: use read/write). */
static int copy_range(int src, struct pw_store_ins *ins, const char *path, struct pw_err *e)
{
	uint64_t cap = ins->size == PW_STORE_SIZE_UNKNOWN ? UINT64_MAX : ins->size;
	uint64_t total = 0;
	int r;

	for (;;) {
		size_t want = 1u << 30;
		ssize_t n = copy_file_range(src, NULL, ins->fd, NULL, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && total == 0 &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
		     errno == EBADF))
			return 1;
		if (n < 0)
			return pw_err_sys(e, errno, "could not copy '%s'", path);
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > cap)
			return pw_err_set(e, EFBIG, "'%s': more than the expected %llu bytes", path,
					  (unsigned long long)cap);
	}
	r = hash_prefix(ins->fd, total, &ins->h);
	if (r < 0)
		return pw_err_sys(e, -r, "could not read back 'tmp/%s%s'", ins->sha256,
				  PART_SUFFIX);
	ins->have = total;
	return 0;
}

int pw_store_add_file(struct pw_store *s, const char *path, const char *hex, uint64_t size,
		      bool *cached, struct pw_err *e)
{
	static __thread unsigned char buf[1 << 18];
	_cleanup_close_ int fd = -1;
	struct pw_store_ins ins;
	struct stat st;
	int r;

	*cached = false;
	if (!pw_sha256_hex_valid(hex))
		return pw_err_set(e, EINVAL, "'%s' is not a sha256 (64 lowercase hex digits)", hex);
	if (pw_store_has_blob(s, hex)) {
		*cached = true; /* trust the store: it verified at insertion */
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return pw_err_sys(e, errno, "could not open '%s'", path);
	if (!S_ISREG(st.st_mode))
		return pw_err_set(e, EINVAL, "'%s': not a regular file", path);
	if (size != PW_STORE_SIZE_UNKNOWN && (uint64_t)st.st_size != size)
		return pw_err_set(e, EBADMSG, "'%s': size mismatch: expected %llu bytes, got %llu",
				  path, (unsigned long long)size, (unsigned long long)st.st_size);
	r = pw_store_ins_begin(s, hex, size, true, false, &ins, e);
	if (r == 1) {
		*cached = true;
		return 0;
	}
	if (r < 0)
		return r;
	r = copy_range(fd, &ins, path, e);
	if (r == 1) /* no copy_file_range here: copy through a buffer */
		r = 0;
	else
		goto copied;
	for (;;) {
		ssize_t n = PW_TEMP_FAILURE_RETRY(read(fd, buf, sizeof(buf)));
		if (n < 0) {
			r = pw_err_sys(e, errno, "could not read '%s'", path);
			break;
		}
		if (n == 0)
			break;
		r = pw_store_ins_write(&ins, buf, (size_t)n, e);
		if (r < 0) {
			pw_err_prefix(e, "'%s'", path);
			break;
		}
	}
copied:
	if (r < 0) {
		pw_store_ins_abort(&ins, false);
		return r;
	}
	r = pw_store_ins_commit(&ins, e);
	if (r < 0)
		pw_err_prefix(e, "'%s'", path);
	return r;
}

/* ---- trees ---- */

char *pw_store_tree_id(const char *blob_hex, const struct pw_unpack_opts *o)
{
	_cleanup_free_ char *key = pw_unpack_opts_key(o);
	_cleanup_free_ char *s = pw_xasprintf("blob=%s;%s;v1", blob_hex, key);
	char hex[PW_SHA256_HEX];

	pw_sha256_mem(s, strlen(s), hex);
	return pw_xstrdup(hex);
}

char *pw_store_tree_path(const struct pw_store *s, const char *treeid)
{
	return pw_xasprintf("%s/trees/%s", s->dir, treeid);
}

bool pw_store_has_tree(const struct pw_store *s, const char *treeid)
{
	struct stat st;

	return fstatat(s->treesfd, treeid, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in the directory @fd (sorted, without . and ..).  Caller frees
 * each and the array.  Does not consume @fd. */
static int list_dir(int fd, char ***names, size_t *n)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	if (dup < 0)
		return -errno;
	d = fdopendir(dup);
	if (!d) {
		int r = -errno;
		close(dup);
		return r;
	}
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = pw_xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*n)++] = pw_xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int digest_dir(int dfd, struct pw_sha256 *h, uint64_t *bytes, int depth, struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, i;
	int r;

	if (depth > 256)
		return pw_err_set(e, ELOOP, "tree deeper than 256 levels");
	r = list_dir(dfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list a tree directory");
	for (i = 0; i < n && r == 0; i++) {
		struct pw_buf line = PW_BUF_INIT(1 << 16);
		struct stat st;
		unsigned mode;

		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "could not stat '%s'", names[i]);
			break;
		}
		mode = (unsigned)(st.st_mode & 07777);
		if (S_ISDIR(st.st_mode)) {
			int cfd =
			    openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", names[i]);
				break;
			}
			pw_buf_addf(&line, "d %o %zu:%s\n", mode, strlen(names[i]), names[i]);
			pw_sha256_update(h, line.buf, line.len);
			r = digest_dir(cfd, h, bytes, depth + 1, e);
			close(cfd);
			if (r < 0)
				pw_err_prefix(e, "'%s'", names[i]);
			pw_sha256_update(h, "u\n", 2);
		} else if (S_ISREG(st.st_mode)) {
			char fh[PW_SHA256_HEX];
			uint64_t sz = 0;
			int ffd = openat(dfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (ffd < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", names[i]);
				break;
			}
			r = pw_sha256_fd(ffd, fh, &sz);
			close(ffd);
			if (r < 0) {
				pw_err_sys(e, -r, "could not read '%s'", names[i]);
				break;
			}
			*bytes += sz;
			pw_buf_addf(&line, "f %o %llu %s %zu:%s\n", mode, (unsigned long long)sz,
				    fh, strlen(names[i]), names[i]);
			pw_sha256_update(h, line.buf, line.len);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t tl = readlinkat(dfd, names[i], target, sizeof(target));
			if (tl < 0) {
				r = pw_err_sys(e, errno, "could not read link '%s'", names[i]);
				break;
			}
			pw_buf_addf(&line, "l %zu:%s %zd:", strlen(names[i]), names[i], tl);
			pw_buf_add(&line, target, (size_t)tl);
			pw_buf_adds(&line, "\n");
			pw_sha256_update(h, line.buf, line.len);
		} else {
			pw_buf_addf(&line, "o %o %zu:%s\n", (unsigned)st.st_mode, strlen(names[i]),
				    names[i]);
			pw_sha256_update(h, line.buf, line.len);
		}
		pw_buf_release(&line);
	}
	free_names(names, n);
	return r;
}

int pw_store_tree_digest_at(int dirfd, const char *name, char hex[PW_SHA256_HEX], uint64_t *bytes,
			    struct pw_err *e)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct pw_sha256 h;
	uint64_t total = 0;
	int r;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not open tree '%s'", name);
	r = pw_sha256_init(&h);
	if (r < 0)
		return pw_err_sys(e, -r, "could not start sha256");
	pw_sha256_update(&h, "pinwheel-tree-v1\n", 17);
	r = digest_dir(fd, &h, &total, 0, e);
	if (r == 0)
		r = pw_sha256_final(&h, NULL, hex);
	pw_sha256_release(&h);
	if (r == 0 && bytes)
		*bytes = total;
	return r;
}

/* Remove every temp entry belonging to @key ("tree-<id>"): the caller holds
 * the key's lock, so any such entry is stale. */
static void remove_stale_tmp(struct pw_store *s, const char *key)
{
	size_t klen = strlen(key), n = 0, i;
	char **names = NULL;

	if (list_dir(s->tmpfd, &names, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		if (!strncmp(names[i], key, klen) && names[i][klen] == '.')
			pw_rm_rf_at(s->tmpfd, names[i]);
	free_names(names, n);
}

/* Write trees/<id>.json through a temp file under tmp/ (removed as stale
 * under the tree's lock should we be killed). */
static int write_tree_json(struct pw_store *s, const char *id, const char *blob,
			   const struct pw_unpack_opts *o, const char *digest, const char *thash,
			   uint64_t bytes, struct pw_err *e)
{
	_cleanup_free_ char *key = pw_unpack_opts_key(o);
	_cleanup_free_ char *tmp = pw_xasprintf(TREE_PREFIX "%s.json", id);
	_cleanup_free_ char *dst = pw_xasprintf("%s.json", id);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	json_t *j;
	int r;

	j = json_pack("{s:i, s:s, s:s, s:{s:i, s:s?}, s:s, s:s, s:I}", "version", 1, "blob", blob,
		      "options", key, "unpack", "strip", (int)o->strip, "subdir", o->subdir,
		      "digest", digest, "tree_hash", thash, "size", (json_int_t)bytes);
	if (!j)
		return pw_err_set(e, ENOMEM, "could not build the tree record");
	text = pw_json_dumps(j, true);
	json_decref(j);
	fd = openat(s->tmpfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not create 'tmp/%s' in '%s'", tmp, s->dir);
	r = pw_write_all(fd, text, strlen(text));
	if (r == 0)
		r = pw_write_all(fd, "\n", 1);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(s->tmpfd, tmp, s->treesfd, dst) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(s->tmpfd, tmp, 0);
		return pw_err_sys(e, -r, "could not write 'trees/%s' in '%s'", dst, s->dir);
	}
	return 0;
}

int pw_store_make_tree(struct pw_store *s, const char *hex, const struct pw_unpack_opts *o,
		       char **path, bool *cached, struct pw_err *e)
{
	_cleanup_free_ char *id = pw_store_tree_id(hex, o);
	_cleanup_free_ char *key = pw_xasprintf(TREE_PREFIX "%s", id);
	_cleanup_free_ char *tmpl = NULL;
	char digest[PW_SHA256_HEX], thash[PW_SHA256_HEX];
	const char *name = NULL;
	int lockfd = -1, blobfd = -1, dfd = -1, r;
	uint64_t bytes = 0;

	if (path)
		*path = NULL;
	*cached = false;
	*cached = true;
	if (pw_store_has_tree(s, id))
		goto found;
	r = pw_store_lock(s, key, true, e);
	if (r < 0)
		return r;
	lockfd = r;
	if (pw_store_has_tree(s, id))
		goto found;
	*cached = false;
	remove_stale_tmp(s, key);
	blobfd = openat(s->blobsfd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (blobfd < 0) {
		r = pw_err_sys(e, errno, "blob %s is not in the store '%s'", hex, s->dir);
		goto out;
	}
	tmpl = pw_xasprintf("%s/tmp/" TREE_PREFIX "%s.XXXXXX", s->dir, id);
	if (!mkdtemp(tmpl)) {
		r = pw_err_sys(e, errno, "could not create a temp dir in '%s/tmp'", s->dir);
		goto out;
	}
	name = strrchr(tmpl, '/') + 1;
	dfd = openat(s->tmpfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		r = pw_err_sys(e, errno, "could not open 'tmp/%s' in '%s'", name, s->dir);
		goto out;
	}
	r = pw_unpack_fd(blobfd, dfd, o, NULL, e);
	if (r < 0) {
		pw_err_prefix(e, "could not unpack blob %s", hex);
		goto out;
	}
	r = pw_make_readonly_at(s->tmpfd, name);
	if (r < 0) {
		pw_err_sys(e, -r, "could not make 'tmp/%s' read-only", name);
		goto out;
	}
	r = pw_store_tree_digest_at(s->tmpfd, name, digest, &bytes, e);
	if (r == 0)
		r = pw_tree_hash_at(s->tmpfd, name, thash, NULL, e);
	if (r < 0)
		goto out;
	r = write_tree_json(s, id, hex, o, digest, thash, bytes, e);
	if (r < 0)
		goto out;
	/* Moving a directory to another parent updates its "..": it must be
	 * writable for the rename, read-only right after. */
	if (syncfs(dfd) < 0 || fchmod(dfd, 0755) < 0 ||
	    renameat(s->tmpfd, name, s->treesfd, id) < 0) {
		r = pw_err_sys(e, errno, "could not move the tree into 'trees/%s' in '%s'", id,
			       s->dir);
		goto out;
	}
	name = NULL;
	if (fchmod(dfd, 0555) < 0 || fsync(s->treesfd) < 0) {
		r = pw_err_sys(e, errno, "could not seal 'trees/%s' in '%s'", id, s->dir);
		goto out;
	}
found:
	if (path)
		*path = pw_store_tree_path(s, id);
	r = 0;
out:
	if (r < 0 && name)
		pw_rm_rf_at(s->tmpfd, name);
	pw_closep(&dfd);
	pw_closep(&blobfd);
	pw_store_unlock(lockfd);
	return r;
}

/* ---- tree hash (toolchains/treehash.c; docs/archives.md) ---- */

/* Check a tree against the "tree_hash" of its record: 0 when they agree
 * or the record has none (made before tree hashes), -EBADMSG otherwise. */
static int verify_tree_hash(struct pw_store *s, const char *id, struct pw_err *e)
{
	_cleanup_free_ char *name = pw_xasprintf("%s.json", id);
	struct pw_buf b = PW_BUF_INIT(TREE_JSON_MAX);
	_cleanup_close_ int fd = openat(s->treesfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char got[PW_SHA256_HEX], want[PW_SHA256_HEX] = "";
	json_t *j = NULL, *v;
	int r = 0;

	if (fd >= 0 && pw_read_fd(fd, &b) == 0 && (j = json_loadb(b.buf, b.len, 0, NULL))) {
		v = json_object_get(j, "tree_hash");
		if (json_is_string(v) && pw_sha256_hex_valid(json_string_value(v)))
			snprintf(want, sizeof(want), "%s", json_string_value(v));
	}
	json_decref(j);
	pw_buf_release(&b);
	if (!want[0])
		return 0;
	r = pw_tree_hash_at(s->treesfd, id, got, NULL, e);
	if (r < 0)
		return pw_err_prefix(e, "tree %s", id);
	if (strcmp(got, want) != 0)
		return pw_err_set(e, EBADMSG, "tree %s: tree hash %s, recorded %s", id, got, want);
	return 0;
}

/* ---- iteration, verify, remove, clean ---- */

static void load_tree_record(struct pw_store *s, const char *id, struct pw_store_entry *en,
			     char **opts, char *digest)
{
	_cleanup_free_ char *name = pw_xasprintf("%s.json", id);
	struct pw_buf b = PW_BUF_INIT(TREE_JSON_MAX);
	_cleanup_close_ int fd = openat(s->treesfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	json_t *j = NULL, *v;

	*opts = NULL;
	digest[0] = '\0';
	if (fd < 0 || pw_read_fd(fd, &b) < 0)
		goto out;
	j = json_loadb(b.buf, b.len, 0, NULL);
	if (!j)
		goto out;
	v = json_object_get(j, "blob");
	if (json_is_string(v) && pw_sha256_hex_valid(json_string_value(v)))
		snprintf(en->blob, sizeof(en->blob), "%s", json_string_value(v));
	v = json_object_get(j, "options");
	if (json_is_string(v))
		*opts = pw_xstrdup(json_string_value(v));
	v = json_object_get(j, "digest");
	if (json_is_string(v) && pw_sha256_hex_valid(json_string_value(v)))
		snprintf(digest, PW_SHA256_HEX, "%s", json_string_value(v));
	v = json_object_get(j, "size");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		en->size = (uint64_t)json_integer_value(v);
out:
	json_decref(j);
	pw_buf_release(&b);
}

int pw_store_foreach(struct pw_store *s, int (*fn)(void *ud, const struct pw_store_entry *en),
		     void *ud, struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, i;
	int r;

	r = list_dir(s->blobsfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'blobs/sha256' in '%s'", s->dir);
	for (i = 0; i < n && r == 0; i++) {
		struct pw_store_entry en = {.kind = PW_STORE_BLOB, .opts_key = ""};
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (!pw_sha256_hex_valid(names[i]) ||
		    fstatat(s->blobsfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(en.id, sizeof(en.id), "%s", names[i]);
		path = pw_store_blob_path(s, names[i]);
		en.path = path;
		en.size = (uint64_t)st.st_size;
		r = fn(ud, &en);
	}
	free_names(names, n);
	if (r != 0)
		return r;
	r = list_dir(s->treesfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'trees' in '%s'", s->dir);
	for (i = 0; i < n && r == 0; i++) {
		struct pw_store_entry en = {.kind = PW_STORE_TREE, .opts_key = ""};
		_cleanup_free_ char *path = NULL, *opts = NULL;
		char digest[PW_SHA256_HEX];

		if (!pw_sha256_hex_valid(names[i]) || !pw_store_has_tree(s, names[i]))
			continue;
		snprintf(en.id, sizeof(en.id), "%s", names[i]);
		path = pw_store_tree_path(s, names[i]);
		en.path = path;
		load_tree_record(s, names[i], &en, &opts, digest);
		if (opts)
			en.opts_key = opts;
		r = fn(ud, &en);
	}
	free_names(names, n);
	return r;
}

int pw_store_verify_entry(struct pw_store *s, const struct pw_store_entry *en, struct pw_err *e)
{
	char got[PW_SHA256_HEX], want[PW_SHA256_HEX];
	uint64_t size = 0;
	int r;

	if (en->kind == PW_STORE_BLOB) {
		_cleanup_close_ int fd =
		    openat(s->blobsfd, en->id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return pw_err_sys(e, errno, "blob %s: could not open", en->id);
		r = pw_sha256_fd(fd, got, &size);
		if (r < 0)
			return pw_err_sys(e, -r, "blob %s: could not read", en->id);
		if (strcmp(got, en->id) != 0)
			return pw_err_set(e, EBADMSG, "blob %s: content hashes to %s", en->id, got);
		return 0;
	} else {
		struct pw_store_entry tmp = *en;
		_cleanup_free_ char *opts = NULL;

		load_tree_record(s, en->id, &tmp, &opts, want);
		if (!want[0])
			return pw_err_set(
			    e, EBADMSG, "tree %s: its record 'trees/%s.json' is missing or damaged",
			    en->id, en->id);
		r = pw_store_tree_digest_at(s->treesfd, en->id, got, &size, e);
		if (r < 0)
			return pw_err_prefix(e, "tree %s", en->id);
		if (strcmp(got, want) != 0)
			return pw_err_set(e, EBADMSG, "tree %s: content digest %s, recorded %s",
					  en->id, got, want);
		return verify_tree_hash(s, en->id, e);
	}
}

int pw_store_remove_entry(struct pw_store *s, const struct pw_store_entry *en, struct pw_err *e)
{
	_cleanup_free_ char *key = NULL, *json = NULL, *tmpname = NULL;
	int lockfd, r = 0;

	key =
	    en->kind == PW_STORE_BLOB ? pw_xstrdup(en->id) : pw_xasprintf(TREE_PREFIX "%s", en->id);
	lockfd = pw_store_lock(s, key, false, e);
	if (lockfd == -EWOULDBLOCK)
		return pw_err_set(e, EBUSY, "%s %s is in use",
				  en->kind == PW_STORE_BLOB ? "blob" : "tree", en->id);
	if (lockfd < 0)
		return lockfd;
	if (en->kind == PW_STORE_BLOB) {
		if (unlinkat(s->blobsfd, en->id, 0) < 0 && errno != ENOENT)
			r = pw_err_sys(e, errno, "could not remove blob %s", en->id);
		goto out;
	}
	/* Take the tree out of trees/ in one rename, then delete it at leisure
	 * under tmp/ (a kill meanwhile leaves a stale temp entry, not half a
	 * tree). */
	tmpname = pw_xasprintf(TREE_PREFIX "%s.rm", en->id);
	pw_rm_rf_at(s->tmpfd, tmpname);
	if (fchmodat(s->treesfd, en->id, 0755, 0) < 0 && errno != ENOENT) {
		r = pw_err_sys(e, errno, "could not remove tree %s", en->id);
		goto out;
	}
	if (renameat(s->treesfd, en->id, s->tmpfd, tmpname) < 0 && errno != ENOENT) {
		r = pw_err_sys(e, errno, "could not remove tree %s", en->id);
		goto out;
	}
	json = pw_xasprintf("%s.json", en->id);
	if (unlinkat(s->treesfd, json, 0) < 0 && errno != ENOENT) {
		r = pw_err_sys(e, errno, "could not remove 'trees/%s'", json);
		goto out;
	}
	r = pw_rm_rf_at(s->tmpfd, tmpname);
	if (r < 0)
		pw_err_sys(e, -r, "could not remove 'tmp/%s'", tmpname);
out:
	pw_store_unlock(lockfd);
	return r;
}

/* The lock key protecting temp entry @name, or NULL for a foreign name. */
static char *tmp_key(const char *name)
{
	size_t len = strlen(name);
	const char *dot;

	if (len == 64 + strlen(PART_SUFFIX) && !strcmp(name + 64, PART_SUFFIX))
		return pw_xasprintf("%.64s", name);
	if (!strncmp(name, TREE_PREFIX, strlen(TREE_PREFIX)) &&
	    (dot = strchr(name + strlen(TREE_PREFIX), '.')) != NULL &&
	    dot - name == (ptrdiff_t)(strlen(TREE_PREFIX) + 64))
		return pw_xasprintf("%.*s", (int)(dot - name), name);
	return NULL;
}

int pw_store_clean(struct pw_store *s, unsigned *removed, struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, i;
	unsigned count = 0;
	int r;

	r = list_dir(s->tmpfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'tmp' in '%s'", s->dir);
	for (i = 0; i < n; i++) {
		_cleanup_free_ char *key = tmp_key(names[i]);
		int lockfd = -1;

		if (key) {
			lockfd = pw_store_lock(s, key, false, NULL);
			if (lockfd < 0)
				continue; /* in use (or unlockable): not stale */
		}
		r = pw_rm_rf_at(s->tmpfd, names[i]);
		pw_store_unlock(lockfd);
		if (r < 0) {
			free_names(names, n);
			return pw_err_sys(e, -r, "could not remove 'tmp/%s' in '%s'", names[i],
					  s->dir);
		}
		count++;
	}
	free_names(names, n);
	/* Records without their tree (killed between the two renames). */
	r = list_dir(s->treesfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'trees' in '%s'", s->dir);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		_cleanup_free_ char *id = NULL, *key = NULL;
		int lockfd;

		if (len != 64 + 5 || strcmp(names[i] + 64, ".json") != 0)
			continue;
		id = pw_xasprintf("%.64s", names[i]);
		if (pw_store_has_tree(s, id))
			continue;
		key = pw_xasprintf(TREE_PREFIX "%s", id);
		lockfd = pw_store_lock(s, key, false, NULL);
		if (lockfd < 0)
			continue;
		if (!pw_store_has_tree(s, id))
			unlinkat(s->treesfd, names[i], 0);
		pw_store_unlock(lockfd);
	}
	free_names(names, n);
	/* Lock files nobody holds: safe to remove (see pw_store_lock). */
	r = list_dir(s->locksfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'locks' in '%s'", s->dir);
	for (i = 0; i < n; i++) {
		int lockfd = pw_store_lock(s, names[i], false, NULL);
		if (lockfd < 0)
			continue;
		unlinkat(s->locksfd, names[i], 0);
		pw_store_unlock(lockfd);
	}
	free_names(names, n);
	if (removed)
		*removed = count;
	return 0;
}
