/* sys.h - system calls that glibc 2.17 (the manylinux2014 floor) does not
 * wrap.
 *
 * pinwheel is compiled against glibc 2.17's headers and symbol versions for
 * its own wheel (docs/dist.md, "The floor"), and glibc added wrappers for
 * these calls later: memfd_create, copy_file_range (2.27), getrandom
 * (2.25), and the new mount API fsopen, fsconfig, fsmount, move_mount,
 * open_tree, mount_setattr (2.36).  Each pw_sys_NAME() here is the
 * syscall(2) itself, with the arguments and results of glibc's NAME():
 * -1 with errno set on failure (ENOSYS on a kernel without the call),
 * nothing allocated, no retry on EINTR (the caller decides, as with
 * glibc's).  Use these, never glibc's names: a call to glibc's would not
 * compile under the floor, and where it compiles it would need a newer
 * glibc at run time.  pw_explicit_bzero() below is the one library
 * function of that kind (no system call).  tests/t6012-floor-objects.sh
 * checks that pinwheel's objects need nothing above GLIBC_2.17.
 *
 * The flag constants (FSOPEN_CLOEXEC, MOUNT_ATTR_*, MFD_CLOEXEC, GRND_*)
 * and struct mount_attr come from the usual headers (<sys/mount.h>,
 * <linux/mount.h>, <sys/mman.h>, <linux/random.h>), which callers include.
 */
#ifndef PINWHEEL_SYS_H
#define PINWHEEL_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mount_attr;

int pw_sys_fsopen(const char *fsname, unsigned int flags);
int pw_sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux);
int pw_sys_fsmount(int fd, unsigned int flags, unsigned int attr_flags);
int pw_sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
		      unsigned int flags);
int pw_sys_open_tree(int dirfd, const char *path, unsigned int flags);
int pw_sys_mount_setattr(int dirfd, const char *path, unsigned int flags, struct mount_attr *attr,
			 size_t size);
int pw_sys_memfd_create(const char *name, unsigned int flags);
ssize_t pw_sys_getrandom(void *buf, size_t len, unsigned int flags);
/* The offsets are the kernel's loff_t: 64 bits on every architecture. */
ssize_t pw_sys_copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out, size_t len,
			       unsigned int flags);

/* explicit_bzero (glibc 2.25; the floor's headers declare it, but its
 * stubs have no such symbol): zero @n bytes at @p, in a way the compiler
 * may not drop as a dead store.  Never fails. */
void pw_explicit_bzero(void *p, size_t n);

#endif
