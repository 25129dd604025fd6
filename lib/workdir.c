/* workdir.c - temp directories of runs, locked while their run lives
 * (include/pinwheel/workdir.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/workdir.h"

#define SUFFIX_LEN 6 /* mkdtemp's XXXXXX */

static bool is_ours(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (strncmp(name, prefix, pl) || strlen(name) != pl + SUFFIX_LEN)
		return false;
	for (const char *c = name + pl; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9')))
			return false;
	return true;
}

/* Does @name under @dirfd still name the directory open as @fd? */
static bool same_dir(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Remove @name under @pfd when it is a dead run's directory.  1 when
 * removed, 0 when kept (live, foreign, not ours), -errno when removal
 * failed. */
static int sweep_one(int pfd, const char *name, bool marked_only)
{
	_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid())
		return 0;
	if (marked_only && faccessat(fd, PW_WORKDIR_MARK, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (PW_TEMP_FAILURE_RETRY(flock(fd, LOCK_EX | LOCK_NB)) < 0)
		return 0; /* its run is alive (or it cannot be locked: leave it) */
	if (!same_dir(pfd, name, fd))
		return 0; /* removed or replaced meanwhile */
	return pw_rm_rf_at(pfd, name) < 0 ? -errno : 1;
}

int pw_workdir_sweep(const char *parent, const char *prefix, bool marked_only, unsigned *removed)
{
	_cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	unsigned count = 0;
	int r;

	if (removed)
		*removed = 0;
	if (pfd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = pw_list_dir_sorted(pfd, &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		int k;

		if (!is_ours(names[i], prefix))
			continue;
		k = sweep_one(pfd, names[i], marked_only);
		if (k < 0 && r == 0)
			r = k;
		count += k > 0;
	}
	pw_free_names(names, n);
	if (removed)
		*removed = count;
	return r;
}

int pw_workdir_make(struct pw_workdir *w, const char *parent, const char *prefix,
		    bool marked_only)
{
	_cleanup_close_ int pfd = -1;
	int r;

	w->path = NULL;
	w->fd = -1;
	(void)pw_workdir_sweep(parent, prefix, marked_only, NULL);
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	for (int tries = 0; tries < 100; tries++) {
		_cleanup_free_ char *path = pw_xasprintf("%s/%sXXXXXX", parent, prefix);
		_cleanup_close_ int fd = -1, mfd = -1;
		const char *base;

		if (!mkdtemp(path))
			return -errno;
		base = strrchr(path, '/') + 1;
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue; /* swept already */
		if (fd < 0)
			return -errno;
		mfd = openat(fd, PW_WORKDIR_MARK,
			     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (mfd < 0 && errno != ENOENT) {
			r = -errno;
			(void)pw_rm_rf_at(pfd, base);
			return r;
		}
		if (PW_TEMP_FAILURE_RETRY(flock(fd, LOCK_EX)) < 0) {
			r = -errno;
			(void)pw_rm_rf_at(pfd, base);
			return r;
		}
		/* a sweeper may have taken it between mkdtemp and flock */
		if (mfd < 0 || !same_dir(pfd, base, fd))
			continue;
		w->path = steal_pointer(&path);
		w->fd = steal_fd(&fd);
		return 0;
	}
	return -EAGAIN;
}

int pw_workdir_release(struct pw_workdir *w, bool remove)
{
	int r = 0;

	if (w->path && remove)
		r = pw_rm_rf(w->path);
	pw_closep(&w->fd);
	w->fd = -1;
	free(w->path);
	w->path = NULL;
	return r;
}
