/* sys.c - syscall(2) wrappers for calls glibc 2.17 does not wrap (sys.h). */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pinwheel/sys.h"

/* The numbers, where <sys/syscall.h> is older than the calls (the floor's
 * own headers have them; an old root's may not).  The mount API's are
 * the same on every architecture (allocated after the tables were
 * unified, Linux 5.2); the three older calls differ by architecture. */
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#if defined(__x86_64__) && !defined(__ILP32__)
#ifndef SYS_getrandom
#define SYS_getrandom 318
#endif
#ifndef SYS_memfd_create
#define SYS_memfd_create 319
#endif
#ifndef SYS_copy_file_range
#define SYS_copy_file_range 326
#endif
#elif defined(__aarch64__)
#ifndef SYS_getrandom
#define SYS_getrandom 278
#endif
#ifndef SYS_memfd_create
#define SYS_memfd_create 279
#endif
#ifndef SYS_copy_file_range
#define SYS_copy_file_range 285
#endif
#endif
#if !defined(SYS_getrandom) || !defined(SYS_memfd_create) || !defined(SYS_copy_file_range)
#error "sys.c: no getrandom, memfd_create or copy_file_range numbers for this architecture"
#endif

int pw_sys_fsopen(const char *fsname, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fsname, flags);
}

int pw_sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

int pw_sys_fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

int pw_sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
		      unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

int pw_sys_open_tree(int dirfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

int pw_sys_mount_setattr(int dirfd, const char *path, unsigned int flags, struct mount_attr *attr,
			 size_t size)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
}

int pw_sys_memfd_create(const char *name, unsigned int flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

ssize_t pw_sys_getrandom(void *buf, size_t len, unsigned int flags)
{
	return (ssize_t)syscall(SYS_getrandom, buf, len, flags);
}

ssize_t pw_sys_copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out, size_t len,
			       unsigned int flags)
{
	return (ssize_t)syscall(SYS_copy_file_range, fd_in, off_in, fd_out, off_out, len, flags);
}

void pw_explicit_bzero(void *p, size_t n)
{
	memset(p, 0, n);
	/* The asm takes @p and clobbers memory: the stores above must be done
	 * before it, and the compiler cannot see that nothing reads them. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
