/* rootfs.h - a target root seen from the host (runner/wheel/rootfs.c),
 * shared by the repair (the libraries it vendors) and the audit (the glibc
 * it checks unversioned imports against); not part of a public contract.
 *
 * Ownership: struct pw_rootfs owns open O_PATH fds of the spec's layers and
 * copies of its binds; pw_rootfs_close() releases them.  Library directory
 * arrays hold at most PW_ROOTFS_MAX_DIRS strings the caller frees.
 * Errors: 0 or -errno; pw_rootfs_read() sets no message, the others fill
 * struct pw_err with one line.
 */
#ifndef PINWHEEL_ROOTFS_H
#define PINWHEEL_ROOTFS_H

#include "pinwheel/buf.h"
#include "pinwheel/common.h"
#include "pinwheel/sandbox.h"

#define PW_ROOTFS_MAX_DIRS 64

struct pw_rootfs {
	int *fds; /* one per layer, top first */
	size_t n;
	struct pw_bind *binds; /* later binds cover earlier ones */
	size_t nbinds;
};

int pw_rootfs_open(struct pw_rootfs *r, const struct pw_sandbox_spec *s, struct pw_err *e);
void pw_rootfs_close(struct pw_rootfs *r);
/* Read the regular file @path (absolute, resolved inside the root) into @b. */
int pw_rootfs_read(const struct pw_rootfs *r, const char *path, struct pw_buf *b);
/* The library path of the root for @arch: its ld.so.conf (one level of
 * "include GLOB"), then /lib/TRIPLET, /usr/lib/TRIPLET, (64-bit) /lib64,
 * /usr/lib64, then /lib, /usr/lib.  Returns the count filled into @dirs. */
size_t pw_rootfs_lib_dirs(const struct pw_rootfs *r, const char *arch, char **dirs);
/* The first @lib in @dirs that is an ELF of architecture @arch (when
 * non-NULL) or of @machine and @elfclass: its bytes into @b.  -ENOENT with
 * "LIB: not found in the root's library path (DIRS)". */
int pw_rootfs_find_lib(const struct pw_rootfs *r, char **dirs, size_t ndirs, const char *lib,
		       const char *arch, int machine, int elfclass, struct pw_buf *b,
		       struct pw_err *e);

#endif
