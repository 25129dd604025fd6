/* treehash.h - the canonical content hash of a directory tree
 * (toolchains/store/treehash.c).
 *
 * The hash says what a tree holds, independent of how it was made: entry
 * names, types, the executable bit of files, file contents and symlink
 * targets.  Times, owners, other permission bits, inode numbers and the
 * order in which entries were created do not enter it.  Definition
 * (docs/archives.md, "Tree hash"), with H = sha256 and names sorted by
 * their bytes:
 *
 *   node(file)    = "f" or "x" (any execute bit) || H(content)
 *   node(symlink) = "l" || H(target)
 *   node(dir)     = "d" || H("pinwheel-tree-v1\n" ||
 *                           for each entry: len(name) as 4 bytes big-endian
 *                                            || name || node(entry))
 *   tree hash     = hex of the 32 digest bytes of node(root dir)
 *
 * Other node types (devices, fifos, sockets) are refused.  Nothing is
 * followed through symlinks; every open is *at() under the tree.
 *
 * Errors: 0 or -errno with e->msg naming the entry (path relative to the
 * tree) and the failed call.  Nothing here prints or allocates for the
 * caller.
 */
#ifndef PINWHEEL_TREEHASH_H
#define PINWHEEL_TREEHASH_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"

#define PW_TREEHASH_MAX_DEPTH 256

/* Hash the directory @name under @dirfd (AT_FDCWD for a path) into @hex.
 * *files (may be NULL) gets the number of regular files.  -ENOTDIR when
 * @name is not a directory, -EINVAL for an unsupported node type, -ELOOP
 * past PW_TREEHASH_MAX_DEPTH levels. */
int pw_tree_hash_at(int dirfd, const char *name, char hex[PW_SHA256_HEX], uint64_t *files,
		    struct pw_err *e);

#endif
