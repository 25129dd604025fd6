/* fsutil.c - checked file-system helpers. */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"

int pw_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int pw_copy_fd(int in, int out)
{
	char buf[1 << 16];

	for (;;) {
		ssize_t n = PW_TEMP_FAILURE_RETRY(read(in, buf, sizeof(buf)));
		int r;

		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		r = pw_write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

int pw_read_fd(int fd, struct pw_buf *b)
{
	char tmp[65536];

	for (;;) {
		ssize_t n = PW_TEMP_FAILURE_RETRY(read(fd, tmp, sizeof(tmp)));
		int r;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		r = pw_buf_add(b, tmp, (size_t)n);
		if (r < 0)
			return r;
	}
}

int pw_read_file(const char *path, struct pw_buf *b)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return pw_read_fd(fd, b);
}

int pw_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = pw_xstrdup(path);
	char *s;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return -errno;
			*s = c;
			if (c == '\0')
				break;
		}
	}
	{
		struct stat st;
		if (stat(path, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	return 0;
}

int pw_fsync_dir(const char *dirpath)
{
	_cleanup_close_ int fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

char *pw_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	while (la > 0 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	return pw_xasprintf("%.*s/%s", (int)la, a, b);
}

int pw_write_file_atomic(const char *path, const void *data, size_t n, mode_t mode)
{
	_cleanup_free_ char *tmp = pw_xasprintf("%s.tmp.%ld", path, (long)getpid());
	_cleanup_free_ char *dir = pw_xstrdup(path);
	int fd, r;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	r = pw_write_all(fd, data, n);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return pw_fsync_dir(dirname(dir));
}

static int rm_rf_fd(int pfd, const char *name, int depth)
{
	struct stat st;
	int fd, r = 0;
	DIR *d;
	struct dirent *de;

	if (depth > 4096)
		return -ELOOP;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	if ((st.st_mode & 0700) != 0700)
		fchmodat(pfd, name, st.st_mode | 0700, 0);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = rm_rf_fd(dirfd(d), de->d_name, depth + 1);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (unlinkat(pfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int pw_rm_rf_at(int dirfd, const char *name)
{
	return rm_rf_fd(dirfd, name, 0);
}

int pw_rm_rf(const char *path)
{
	return rm_rf_fd(AT_FDCWD, path, 0);
}

static int ro_fd(int pfd, const char *name, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (depth > 4096)
		return -ELOOP;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return 0;
	if (!S_ISDIR(st.st_mode)) {
		if (fchmodat(pfd, name, st.st_mode & 0555, 0) < 0)
			return -errno;
		return 0;
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = ro_fd(dirfd(d), de->d_name, depth + 1);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r == 0 && fchmodat(pfd, name, 0555, 0) < 0)
		r = -errno;
	return r;
}

int pw_make_readonly_at(int dirfd, const char *name)
{
	return ro_fd(dirfd, name, 0);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pw_list_dir_sorted(int fd, char ***names, size_t *n)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int r;

	*names = NULL;
	*n = 0;
	if (dup < 0)
		return -errno;
	d = fdopendir(dup);
	if (!d) {
		r = -errno;
		close(dup);
		return r;
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = pw_xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*n)++] = pw_xstrdup(de->d_name);
	}
	r = errno ? -errno : 0;
	closedir(d);
	if (r < 0) {
		pw_free_names(*names, *n);
		*names = NULL;
		*n = 0;
		return r;
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return 0;
}

void pw_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
