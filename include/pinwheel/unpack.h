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
 * (masked 0777, independent of the umask).  On rejection the function
 * returns an error and the caller must discard @dest (the store extracts
 * into a temp dir and renames only on success); the tree left behind is
 * always removable with pw_rm_rf_at() by its owner.
 *
 * Further rules (docs/unpack.md has the full list): a second entry for a
 * path that already holds a file, symlink or hardlink is rejected as a
 * duplicate; a directory entry over an existing directory only updates its
 * mode and mtime.  Archive mtimes are kept (files, symlinks, directories);
 * directories created implicitly get mode 0755 and mtime 0.
 *
 * Errors (negated errno, detail in e->msg, always starting "entry 'NAME':"
 * when an entry is at fault):
 *   -EPERM   unsafe entry (path leaves the tree, traverses a symlink,
 *            replaces a symlink, duplicate, device node, bad hardlink)
 *   -EINVAL  malformed entry (empty path, NUL byte) or bad @opts
 *   -ENAMETOOLONG  path or component too long
 *   -E2BIG   more than max_entries entries
 *   -EFBIG   more than max_bytes of data
 *   -EBADMSG not a supported archive, or a corrupt one
 *   -ENOENT  opts->subdir matched no entry
 *   other    a system call failed (message names the entry and the call)
 */
#ifndef PINWHEEL_UNPACK_H
#define PINWHEEL_UNPACK_H

#include "pinwheel/common.h"

#define PW_UNPACK_PATH_MAX 4095 /* bytes of a normalised entry path */
#define PW_UNPACK_NAME_MAX 255  /* bytes of one path component */
#define PW_UNPACK_DEFAULT_MAX_ENTRIES 1000000ull
#define PW_UNPACK_DEFAULT_MAX_BYTES (16ull << 30)

struct pw_unpack_opts {
	unsigned strip;       /* leading path components to drop (tar --strip-components) */
	const char *subdir;   /* only entries under this relative path (after strip),
			       * which becomes the root of the tree; or NULL */
	uint64_t max_entries; /* 0: default 1,000,000 */
	uint64_t max_bytes;   /* total unpacked bytes; 0: default 16 GiB */
};

struct pw_unpack_stats {
	uint64_t entries; /* entries extracted (skipped ones not counted) */
	uint64_t bytes;   /* bytes of file data written */
};

/* Extract the archive readable from @archive_fd (from its current offset)
 * into the directory @dest_dirfd, which should be empty.  Returns 0 or
 * -errno with e->msg naming the entry ("entry '../x': path leaves the
 * destination").  @stats may be NULL.  @archive_fd may be a pipe (a zip
 * on a pipe is first copied into a memfd, at most max_bytes, because zip
 * needs its central directory).  Uses one
 * helper thread for decompression while the calling thread writes files;
 * the thread is joined before returning. */
int pw_unpack_fd(int archive_fd, int dest_dirfd, const struct pw_unpack_opts *opts,
		 struct pw_unpack_stats *stats, struct pw_err *e);

/* A canonical string of the options that change the tree ("strip=1;subdir=x"),
 * used in tree ids.  The subdir is normalised when valid.  Caller frees. */
char *pw_unpack_opts_key(const struct pw_unpack_opts *opts);

/* The path checker, pure (no I/O): validate the entry path @raw (@len bytes,
 * need not be NUL-terminated) and normalise it: drop "." components and
 * repeated or trailing slashes, then @strip leading components, then the
 * @subdir prefix (@subdir already normalised, or NULL).  On success writes
 * the relative result ("" for the root itself) to @out, which has room for
 * PW_UNPACK_PATH_MAX + 1 bytes, and returns 1 when the entry is kept or 0
 * when strip/subdir drop it.  Errors (message without the entry name, e.g.
 * "absolute path"): -EPERM absolute path or ".." component (checked before
 * stripping), -EINVAL empty or NUL byte, -ENAMETOOLONG. */
int pw_unpack_path(const char *raw, size_t len, unsigned strip, const char *subdir,
		   char *out, struct pw_err *e);

/* Check a symlink target, which is data and may point anywhere: non-empty,
 * no NUL byte, at most PW_UNPACK_PATH_MAX bytes.  0, -EINVAL or
 * -ENAMETOOLONG with e->msg. */
int pw_unpack_link_target_check(const char *raw, size_t len, struct pw_err *e);

/* Write @raw (@len bytes) into @out (@outsz bytes, NUL-terminated,
 * truncated with "...") with bytes below 0x20, 0x7f and backslash escaped
 * as \xNN, so a hostile name cannot break an error line. */
void pw_unpack_quote(const char *raw, size_t len, char *out, size_t outsz);

#endif
