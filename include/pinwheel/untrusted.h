/* untrusted.h - taking a file from a directory a sandbox could write
 * (lib/untrusted.c).
 *
 * A build step leaves its outputs (the backend's wheel in /out, the sdist
 * in sdist-out, a tree patchelf edited, pip's report and log) in a host
 * directory bound into its sandbox.  Whatever a name there claims to be,
 * it may be a symbolic link to the user's private files, a FIFO that
 * blocks whoever opens it, a socket, a device node (anyone may make the
 * 0:0 character device overlayfs uses for whiteouts), a directory, or a
 * file of someone else.  The host side takes such a file only through
 * these functions, which:
 *
 *   - resolve the name relative to a directory fd without following any
 *     symbolic link, on the way or at the end, and without leaving that
 *     directory or its mount (openat2 RESOLVE_NO_SYMLINKS |
 *     RESOLVE_BENEATH | RESOLVE_NO_XDEV);
 *   - look at the last component through an O_PATH descriptor first, so a
 *     FIFO, socket or device is named and refused without being opened;
 *   - accept only a regular file (a directory for pw_untrusted_opendir())
 *     owned by this process's effective uid and, for files, of at most
 *     @max bytes;
 *   - then open it O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW, check
 *     that it is the same inode, and clear O_NONBLOCK.
 *
 * The caller reads only through the descriptor it gets, and never renames
 * or links the untrusted name into OUT or the store: what it publishes is
 * a file of its own, written from the checked descriptor (a repacked
 * wheel, a normalised sdist), so what is published is
 * exactly what was checked and has modes we chose (never S_ISUID, S_ISGID
 * or the sticky bit).
 *
 * Refusals are one line naming the file as the caller shows it (@shown,
 * e.g. "/out/tiny-1.0-py3-none-any.whl"; @name when NULL) and what was
 * found, with these codes:
 *   -ELOOP   "'S' is a symbolic link, expected a regular file" (or "a
 *            directory" for pw_untrusted_opendir()); "'S': a directory on
 *            its way is a symbolic link" for one on the way
 *   -EISDIR  "'S' is a directory, expected a regular file"
 *   -ENOTDIR "'S' is a regular file, expected a directory"
 *   -EINVAL  "'S' is a FIFO|a socket|a character device|a block device,
 *            expected ..."
 *   -EPERM   "'S' belongs to uid U, expected uid V (this process)"
 *   -EFBIG   "'S' is N bytes, more than the M allowed"
 *   -ESTALE  "'S' changed while it was being opened"
 *   -EXDEV   "'S' leaves its directory" (an absolute name, "..", another
 *            mount)
 *   -ENOENT and other errnos from the system, as "could not open 'S': ..."
 *
 * Ownership: the returned descriptor is the caller's (O_CLOEXEC).
 * Nothing here prints.
 */
#ifndef PINWHEEL_UNTRUSTED_H
#define PINWHEEL_UNTRUSTED_H

#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/common.h"

/* "a regular file", "a directory", "a symbolic link", "a FIFO", "a socket",
 * "a character device", "a block device" or "an unknown kind of file" for
 * the type bits of @mode (static storage). */
const char *pw_file_kind(mode_t mode);

/* Open the regular file @name (a relative path, at most PATH_MAX) under
 * the directory @dirfd for reading, as described above.  Returns the fd
 * (blocking, at offset 0) or -errno with @e filled; *st (may be NULL) gets
 * its fstat. */
int pw_untrusted_open(int dirfd, const char *name, const char *shown, uint64_t max,
		      struct stat *st, struct pw_err *e);

/* The same for the directory @name ("." for @dirfd itself): an
 * O_RDONLY | O_DIRECTORY fd, or -errno with @e filled. */
int pw_untrusted_opendir(int dirfd, const char *name, const char *shown, struct pw_err *e);

/* Read all of the regular file @name under @dirfd, opened as
 * pw_untrusted_open() says, into @b (appended; more than b->max bytes is
 * -EFBIG).  0 or -errno with @e filled. */
int pw_untrusted_read(int dirfd, const char *name, const char *shown, struct pw_buf *b,
		      struct pw_err *e);

#endif
