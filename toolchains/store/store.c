/* store.c - the content-addressed store: opening, locks, atomic blob
 * insertion (temp + hash + fsync + rename), local files.  Trees live in
 * store_tree.c, iteration and upkeep in store_admin.c; the protocol is
 * described in include/pinwheel/store.h and docs/store.md. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "pinwheel/seccomp.h"
#include "store_priv.h"

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

/* The processes holding the flock on @fd, from /proc/locks, as "pid N
 * (CMD ARG)" joined by ", " into @out (empty when none can be named: the
 * file system shows other device numbers there, or /proc is not ours). */
static void lock_holders(int fd, char *out, size_t outsz)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[256], want[64];
	struct stat st;
	size_t len = 0;
	unsigned named = 0;

	out[0] = '\0';
	if (fstat(fd, &st) < 0)
		return;
	snprintf(want, sizeof(want), " %02x:%02x:%llu ", major(st.st_dev), minor(st.st_dev),
		 (unsigned long long)st.st_ino);
	f = fopen("/proc/locks", "re");
	while (f && fgets(line, sizeof(line), f) && len + 1 < outsz) {
		char path[64], cmd[300] = "";
		long pid;
		const char *p;
		int cfd, k;

		/* "1: FLOCK  ADVISORY  READ  1234 08:01:5678 0 EOF"; waiters
		 * ("1: -> FLOCK ...") do not hold it */
		if (strstr(line, "->") || !strstr(line, "FLOCK") || !strstr(line, want))
			continue;
		p = strstr(line, want);
		while (p > line && p[-1] == ' ')
			p--;
		while (p > line && p[-1] >= '0' && p[-1] <= '9')
			p--;
		pid = strtol(p, NULL, 10);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		cfd = open(path, O_RDONLY | O_CLOEXEC);
		if (cfd >= 0) {
			char raw[256];
			ssize_t n = PW_TEMP_FAILURE_RETRY(read(cfd, raw, sizeof(raw) - 1));

			close(cfd);
			if (n > 0) {
				/* the program's base name and its first argument */
				const char *argv0 = raw, *base, *arg1 = "";
				size_t l0;

				raw[n] = '\0';
				l0 = strlen(argv0);
				base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
				if ((ssize_t)l0 + 1 < n)
					arg1 = argv0 + l0 + 1;
				snprintf(cmd, sizeof(cmd), "%s%s%s", base, *arg1 ? " " : "", arg1);
			}
		}
		k = snprintf(out + len, outsz - len, "%spid %ld%s%s%s", named ? ", " : "", pid,
			     cmd[0] ? " (" : "", cmd, cmd[0] ? ")" : "");
		if (k < 0 || (size_t)k >= outsz - len) {
			out[len] = '\0';
			break;
		}
		len += (size_t)k;
		named++;
	}
}

/* Take the store-wide lock: shared for every use, exclusive for gc.  A
 * store we may not write to (another user's, read-only media) has its
 * lock file opened read-only; when even that is impossible we go on
 * without it (we cannot change such a store, and its owner's gc is not
 * ours to hold off). */
static int take_use_lock(struct pw_store *s, bool exclusive, bool wait, struct pw_err *e)
{
	char who[512];
	int r;

	s->usefd = openat(s->rootfd, STORE_USE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			  0644);
	if (s->usefd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
		s->usefd = openat(s->rootfd, STORE_USE_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (s->usefd < 0) {
		if (!exclusive && (errno == EACCES || errno == EROFS || errno == ENOENT))
			return 0;
		return pw_err_sys(e, errno, "could not open '%s' in the store '%s'",
				  STORE_USE_LOCK, s->dir);
	}
	r = (int)PW_TEMP_FAILURE_RETRY(
	    flock(s->usefd, (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)));
	if (r == 0)
		return 0;
	r = errno;
	if (r != EWOULDBLOCK)
		return pw_err_sys(e, r, "could not lock '%s' in the store '%s'", STORE_USE_LOCK,
				  s->dir);
	lock_holders(s->usefd, who, sizeof(who));
	return pw_err_set(e, EBUSY, "the store '%s' is in use by %s", s->dir,
			  who[0] ? who : "another process");
}

static struct pw_store *store_open(const char *dir, bool exclusive, bool wait, struct pw_err *e)
{
	struct pw_store *s = pw_xcalloc(1, sizeof(*s));
	const char *what = dir;
	int blobs = -1, r;

	s->rootfd = s->blobsfd = s->treesfd = s->tmpfd = s->locksfd = s->usefd = -1;
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
	r = take_use_lock(s, exclusive, wait, e);
	if (r < 0) {
		pw_store_close(s);
		errno = -r;
		return NULL;
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

struct pw_store *pw_store_open(const char *dir, struct pw_err *e)
{
	return store_open(dir, false, true, e);
}

struct pw_store *pw_store_open_exclusive(const char *dir, bool wait, struct pw_err *e)
{
	return store_open(dir, true, wait, e);
}

void pw_store_close(struct pw_store *s)
{
	if (!s)
		return;
	pw_closep(&s->usefd);
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
	enum { BUFSZ = 1 << 16 };
	_cleanup_free_ unsigned char *buf = pw_xmalloc(BUFSZ); /* not TLS: see lib/hash.c */
	uint64_t off = 0;

	while (off < n) {
		size_t want = n - off < BUFSZ ? (size_t)(n - off) : BUFSZ;
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
		ssize_t n = pw_sys_copy_file_range(src, NULL, ins->fd, NULL, want, 0);
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
	enum { BUFSZ = 1 << 18 };
	_cleanup_free_ unsigned char *buf = NULL; /* not TLS: see lib/hash.c */
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
	if (r == 1) { /* no copy_file_range here: copy through a buffer */
		r = 0;
		buf = pw_xmalloc(BUFSZ);
	} else {
		goto copied;
	}
	for (;;) {
		ssize_t n = PW_TEMP_FAILURE_RETRY(read(fd, buf, BUFSZ));
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



int pw_seccomp_for_store(const char *store_dir, const char *profile, bool net,
			 struct pw_seccomp_prog **prog, struct pw_err *e)
{
	_cleanup_free_ char *cache = store_dir ? pw_path_join(store_dir, "cache/seccomp") : NULL;
	struct pw_seccomp_opts so = {.allow_net = net, .cache_dir = cache};

	*prog = NULL;
	if (!profile || !strcmp(profile, "none"))
		return 0;
	*prog = pw_seccomp_compile(profile, &so, e);
	return *prog ? 0 : -errno;
}

int pw_store_move_entries(const char *from, int todirfd, struct pw_err *e)
{
	int fd = open(from, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *d;
	DIR *dir;
	int r = 0;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", from);
	dir = fdopendir(fd);
	if (!dir) {
		r = pw_err_sys(e, errno, "could not read '%s'", from);
		close(fd);
		return r;
	}
	while (r == 0 && (errno = 0, d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (renameat(fd, d->d_name, todirfd, d->d_name) < 0)
			r = pw_err_sys(e, errno, "could not move '%s/%s' into the tree", from,
				       d->d_name);
	}
	if (r == 0 && errno)
		r = pw_err_sys(e, errno, "could not read '%s'", from);
	closedir(dir);
	return r;
}
