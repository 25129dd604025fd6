/* unpack.h - safe extraction of archives with libarchive (toolchains/).
 *
 * Formats: tar (plain, gzip, xz, zstd, bzip2), zip (wheels), ar (.deb: only
 * the data.tar.* member is extracted, streamed from inside the ar without a
 * temp file) and .crate (tar.gz).  The format is detected from the bytes.
 *
 * Safety contract: nothing is ever written outside the destination
 * directory.  Every path is resolved relative to @dest_dirfd with *at()
 * calls, component by component, never following a symlink that the
 * archive created (or any symlink at all) on the way.  Rejected, with an
 * error naming the entry: absolute paths, ".." components, entries whose
 * parent is a symlink, hardlinks whose target is outside the tree or not yet
 * extracted, device/fifo/socket nodes, an entry that would replace an
 * existing symlink, more than opts->max_entries entries, more than
 * opts->max_bytes of unpacked data.  setuid/setgid/sticky bits are
 * stripped; files are owned by the caller (no chown); modes otherwise kept
 * (masked 0777).  On rejection the function returns an error and the caller
 * must discard @dest (the store extracts into a temp dir and renames only
 * on success).
 */
#ifndef PINWHEEL_UNPACK_H
#define PINWHEEL_UNPACK_H

#include "pinwheel/common.h"

struct pw_unpack_opts {
	unsigned strip;       /* leading path components to drop (tar --strip-components) */
	const char *subdir;   /* only entries under this relative path (after strip), or NULL */
	uint64_t max_entries; /* 0: default 1,000,000 */
	uint64_t max_bytes;   /* total unpacked bytes; 0: default 16 GiB */
};

struct pw_unpack_stats {
	uint64_t entries;
	uint64_t bytes;
};

/* Extract the archive readable from @archive_fd (from its current offset)
 * into the directory @dest_dirfd, which should be empty.  Returns 0 or
 * -errno with e->msg naming the entry ("entry '../x': path leaves the
 * destination").  @stats may be NULL. */
int pw_unpack_fd(int archive_fd, int dest_dirfd, const struct pw_unpack_opts *opts,
		 struct pw_unpack_stats *stats, struct pw_err *e);

/* A canonical string of the options that change the tree ("strip=1;subdir=x"),
 * used in tree ids.  Caller frees. */
char *pw_unpack_opts_key(const struct pw_unpack_opts *opts);

#endif
