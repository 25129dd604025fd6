/* untrusted.c - taking a file from a directory a sandbox could write (see
 * untrusted.h for the rules). */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/untrusted.h"

#define OPENAT2_TRIES 8 /* EAGAIN: a rename elsewhere raced the resolution */

const char *pw_file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "an unknown kind of file";
	}
}

/* openat2() of @name beneath @dirfd without following any symlink, on the
 * way or at the end.  Without openat2 (before Linux 5.6) only a single
 * component can be opened safely: openat() with O_NOFOLLOW.  -1 + errno. */
static int open_nofollow(int dirfd, const char *name, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
		       RESOLVE_NO_XDEV,
	};
	long fd = -1;

	for (int i = 0; i < OPENAT2_TRIES; i++) {
		fd = PW_TEMP_FAILURE_RETRY(syscall(SYS_openat2, dirfd, name, &how, sizeof(how)));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd < 0 && errno == ENOSYS) {
		if (strchr(name, '/')) {
			errno = ENOSYS;
			return -1;
		}
		fd = PW_TEMP_FAILURE_RETRY(openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC));
	}
	return (int)fd;
}

/* Open @name for reading as a file (@want S_IFREG) or a directory
 * (S_IFDIR) after looking at it through O_PATH. */
static int open_checked(int dirfd, const char *name, const char *shown, mode_t want,
			uint64_t max, struct stat *out, struct pw_err *e)
{
	const char *expected = want == S_IFDIR ? "a directory" : "a regular file";
	_cleanup_close_ int pfd = -1, fd = -1;
	struct stat st, st2;
	int flags;

	if (!shown)
		shown = name;
	pfd = open_nofollow(dirfd, name, O_PATH);
	if (pfd < 0) {
		if (errno == ELOOP)
			return pw_err_set(e, ELOOP, "'%s': a directory on its way is a symbolic link",
					  shown);
		if (errno == EXDEV)
			return pw_err_set(e, EXDEV, "'%s' leaves its directory", shown);
		return pw_err_sys(e, errno, "could not open '%s'", shown);
	}
	if (fstat(pfd, &st) < 0)
		return pw_err_sys(e, errno, "could not stat '%s'", shown);
	if ((st.st_mode & S_IFMT) != want) {
		int code = S_ISLNK(st.st_mode)	? ELOOP
			   : S_ISDIR(st.st_mode) ? EISDIR
			   : S_ISREG(st.st_mode) ? ENOTDIR
						 : EINVAL;

		return pw_err_set(e, code, "'%s' is %s, expected %s", shown,
				  pw_file_kind(st.st_mode), expected);
	}
	if (st.st_uid != geteuid())
		return pw_err_set(e, EPERM, "'%s' belongs to uid %u, expected uid %u (this process)",
				  shown, (unsigned)st.st_uid, (unsigned)geteuid());
	if (want == S_IFREG && (uint64_t)st.st_size > max)
		return pw_err_set(e, EFBIG, "'%s' is %llu bytes, more than the %llu allowed", shown,
				  (unsigned long long)st.st_size, (unsigned long long)max);
	/* Now it may be opened: a regular file or a directory cannot block
	 * an open, and O_NONBLOCK covers a swap since the look. */
	flags = want == S_IFDIR ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY;
	fd = open_nofollow(dirfd, name, flags);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", shown);
	if (fstat(fd, &st2) < 0)
		return pw_err_sys(e, errno, "could not stat '%s'", shown);
	if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino ||
	    (st2.st_mode & S_IFMT) != want || st2.st_uid != st.st_uid ||
	    (want == S_IFREG && (uint64_t)st2.st_size > max))
		return pw_err_set(e, ESTALE, "'%s' changed while it was being opened", shown);
	if (want == S_IFREG) {
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			return pw_err_sys(e, errno, "could not open '%s'", shown);
	}
	if (out)
		*out = st2;
	return steal_fd(&fd);
}

int pw_untrusted_open(int dirfd, const char *name, const char *shown, uint64_t max,
		      struct stat *st, struct pw_err *e)
{
	return open_checked(dirfd, name, shown, S_IFREG, max, st, e);
}

int pw_untrusted_opendir(int dirfd, const char *name, const char *shown, struct pw_err *e)
{
	return open_checked(dirfd, name, shown, S_IFDIR, 0, NULL, e);
}

int pw_untrusted_read(int dirfd, const char *name, const char *shown, struct pw_buf *b,
		      struct pw_err *e)
{
	_cleanup_close_ int fd = pw_untrusted_open(dirfd, name, shown, b->max - b->len, NULL, e);
	int r;

	if (fd < 0)
		return fd;
	r = pw_read_fd(fd, b);
	if (r == -E2BIG)
		return pw_err_set(e, EFBIG, "'%s' grew past %zu bytes", shown ? shown : name,
				  b->max);
	return r < 0 ? pw_err_sys(e, -r, "could not read '%s'", shown ? shown : name) : 0;
}
