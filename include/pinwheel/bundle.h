/* bundle.h - a lock's artifacts in one archive and back
 * (toolchains/store/bundle.c): `pinwheel store export` and `store import`.
 *
 * The archive is an uncompressed POSIX tar (libarchive's restricted pax:
 * plain ustar headers, since every name is short ASCII):
 *   pinwheel-bundle.json    the index: {"format": "pinwheel-bundle",
 *                           "version": 1, "artifacts": [{"sha256", "size",
 *                           "kind", "name", "url"}, ...]} sorted by sha256
 *   blobs/sha256/<hex>      one member per blob, sorted by digest
 * Every member has mtime 0, uid/gid 0, no owner names, mode 0444, so the
 * same blobs give the same bytes.  Uncompressed because the blobs are
 * compressed already (.deb, wheels, .tar.xz, .crate): zstd would save
 * little and cost a pass over every byte at both ends.
 *
 * Import never trusts the index for content: each blob member is streamed
 * into the store through the normal insertion (pw_store_ins_*: temp file,
 * hashed as written, renamed only when its sha256 is the member's name).
 * The index only names members in messages and says which members a
 * complete archive has: a first pass reads the headers only (the data is
 * skipped with lseek) and refuses a truncated or malformed archive before
 * anything is stored.
 *
 * Ownership: the caller owns items and callbacks' data; strings handed to
 * callbacks live until the callback returns.  Errors: 0 or -errno with
 * e->msg naming the archive (and the member).  Nothing here prints.
 */
#ifndef PINWHEEL_BUNDLE_H
#define PINWHEEL_BUNDLE_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/store.h"

#define PW_BUNDLE_INDEX "pinwheel-bundle.json"

struct pw_bundle_item {
	char sha256[PW_SHA256_HEX];
	uint64_t size;
	const char *kind; /* as the lock says ("" when absent) */
	const char *name;
	const char *url;  /* the first url, or "" */
};

/* Progress: item @i of @n, @done of its @size bytes. */
typedef void pw_bundle_progress_fn(void *ud, const char *name, size_t i, size_t n,
				   uint64_t done, uint64_t size);

/* Write @items (sorted here by sha256; digests must be unique) from the
 * store @s to @fd as the archive above; @out names it in messages.  Each
 * blob is re-hashed while it is copied: a damaged blob is -EBADMSG naming
 * it ("run 'pinwheel store verify'").  The caller makes @fd atomic
 * (temp + rename). */
int pw_bundle_write(struct pw_store *s, struct pw_bundle_item *items, size_t n, int fd,
		    const char *out, pw_bundle_progress_fn *progress, void *ud,
		    struct pw_err *e);

enum pw_bundle_status {
	PW_BUNDLE_IMPORTED, /* stored by this import */
	PW_BUNDLE_PRESENT,  /* already in the store: its data was skipped */
	PW_BUNDLE_REFUSED,  /* its content did not hash to its name: nothing kept */
};

struct pw_bundle_member {
	const char *sha256;
	const char *name;  /* from the index */
	const char *kind;
	uint64_t size;
	enum pw_bundle_status status;
	const char *error; /* REFUSED: "sha256 mismatch: expected X, got Y" */
};

/* Import the archive at @path into @s.  Returns 0 when every member was
 * imported or present, -EBADMSG when some were refused (each reported to
 * @each first), or -errno when the archive as a whole is unusable
 * (unreadable, not a bundle, truncated, a member its index does not name
 * or the reverse): then nothing was stored.  @each may be NULL. */
int pw_bundle_import(struct pw_store *s, const char *path,
		     void (*each)(void *ud, const struct pw_bundle_member *m),
		     pw_bundle_progress_fn *progress, void *ud, struct pw_err *e);

#endif
