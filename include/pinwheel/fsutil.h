/* fsutil.h - small, checked file-system helpers.
 *
 * All return 0 or -errno unless stated.  Every fd opened here is O_CLOEXEC.
 * EINTR is retried.  Writes loop to completion.
 */
#ifndef PINWHEEL_FSUTIL_H
#define PINWHEEL_FSUTIL_H

#include <sys/types.h>

#include "pinwheel/buf.h"
#include "pinwheel/common.h"

int pw_write_all(int fd, const void *data, size_t n);
/* Copy what remains of @in to @out (EINTR retried).  0 or -errno. */
int pw_copy_fd(int in, int out);
/* Read the whole of fd into b (bounded by b->max: -E2BIG past it). */
int pw_read_fd(int fd, struct pw_buf *b);
int pw_read_file(const char *path, struct pw_buf *b);
/* mkdir -p with @mode for created components. */
int pw_mkdir_p(const char *path, mode_t mode);
/* fsync the directory containing @path (or @path when it is a directory). */
int pw_fsync_dir(const char *dirpath);
/* Write data to path atomically: temp file beside it, fsync, rename, fsync
 * the directory. */
int pw_write_file_atomic(const char *path, const void *data, size_t n, mode_t mode);
/* Recursively remove @name under @dirfd, first making directories writable
 * (trees in the store are read-only).  Never follows symlinks.  ENOENT is
 * not an error. */
int pw_rm_rf_at(int dirfd, const char *name);
int pw_rm_rf(const char *path);
/* Recursively chmod a tree read-only (dirs 0555, files a-w), never following
 * symlinks.  Setuid, setgid and sticky bits are cleared too: a store tree
 * may hold what a sandboxed step wrote (a pip-installed layer), and no
 * such bit of its ever reaches the host. */
int pw_make_readonly_at(int dirfd, const char *name);
/* The names in the directory @fd, without "." and "..", sorted bytewise
 * (strcmp).  Does not consume @fd.  On success the caller frees with
 * pw_free_names(); on error nothing is left allocated. */
int pw_list_dir_sorted(int fd, char ***names, size_t *n);
void pw_free_names(char **names, size_t n);
/* Join two path parts with exactly one slash. Caller frees. */
char *pw_path_join(const char *a, const char *b);

#endif
