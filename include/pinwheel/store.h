/* store.h - the content-addressed store (toolchains/store/store.c).
 *
 * Layout under the store directory (docs/store.md has the full protocol):
 *   blobs/sha256/<hex>     a verified blob, mode 0444, named by its sha256
 *   trees/<treeid>/        an unpacked blob, read-only once complete
 *   trees/<treeid>.json    beside each tree: its blob, unpack options,
 *                          content digest and size (for ls, verify, gc)
 *   tmp/                   temp files: <hex>.part (resumable downloads,
 *                          keyed by digest) and tree-<treeid>.XXXXXX dirs
 *   locks/                 per-key flock files: <hex> for a blob,
 *                          tree-<treeid> for a tree
 *
 * Invariants: an entry appears only complete and verified (temp + fsync +
 * rename); every temp entry is keyed by the digest (or tree id) whose lock
 * protects it, so whoever holds that lock may resume or remove it.  Lock
 * files may be removed (gc) because pw_store_lock() re-checks after flock()
 * that the file it locked is still the one at its path.
 *
 * Ownership: struct pw_store is opaque (pw_store_open/pw_store_close).
 * Functions returning char * hand the string to the caller (caller frees).
 * Errors: actions return 0 or -errno and fill the caller's struct pw_err;
 * pointer functions return NULL and set errno.  Nothing here prints.
 */
#ifndef PINWHEEL_STORE_H
#define PINWHEEL_STORE_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/unpack.h"

#define PW_STORE_SIZE_UNKNOWN UINT64_MAX

struct pw_store;

/* Open (creating when missing) the store at @dir.  NULL + errno on error,
 * with e->msg naming the directory.
 *
 * The store-wide lock: every handle holds a shared flock() on STORE/lock
 * from open to close (forked children share it), so a process that uses
 * the store -- fetch, build and its workers, lock, run --target, repair,
 * store add/ls/verify -- keeps gc from deleting what it is creating or is
 * about to use.  pw_store_open() waits while gc holds the lock
 * exclusively.  A store whose lock file we can neither create nor open is
 * used without it (only its owner can change it).  One process must not
 * hold a shared handle while it opens an exclusive one: flock() locks
 * belong to open files, so it would wait for itself. */
struct pw_store *pw_store_open(const char *dir, struct pw_err *e);
/* Open the store for removing entries (gc): the lock is taken exclusively,
 * so no other process uses the store meanwhile.  With !@wait, a store in
 * use is NULL + errno EBUSY and e->msg "the store 'DIR' is in use by pid N
 * (pinwheel fetch), ..." (the holders /proc/locks names; "another
 * process" when it names none); with @wait it blocks until the users are
 * gone. */
struct pw_store *pw_store_open_exclusive(const char *dir, bool wait, struct pw_err *e);
void pw_store_close(struct pw_store *s);
/* The store's directory as given to pw_store_open (owned by the store). */
const char *pw_store_dir(const struct pw_store *s);

struct pw_seccomp_prog;
/* The seccomp program of @profile with the network or not (@net), its
 * compiled form cached in STORE/cache/seccomp when @store_dir is not NULL
 * (the one place that path is spelled); @profile NULL or "none": *prog
 * NULL and 0.  The caller frees *prog (pw_seccomp_prog_free()).  0 or
 * -errno with e->msg. */
int pw_seccomp_for_store(const char *store_dir, const char *profile, bool net,
			 struct pw_seccomp_prog **prog, struct pw_err *e);

/* Move every entry of the directory @from into the directory @todirfd
 * (rename: the same file system, as a build's output directory and a tree
 * being made in STORE/tmp are).  0 or -errno with e->msg naming the entry. */
int pw_store_move_entries(const char *from, int todirfd, struct pw_err *e);

/* Path of the blob named @hex, whether or not it exists.  Caller frees. */
char *pw_store_blob_path(const struct pw_store *s, const char *hex);
/* Is the blob present?  Trusts the store: only checks that the name exists. */
bool pw_store_has_blob(const struct pw_store *s, const char *hex);

/* Take the exclusive lock named @key (a digest or "tree-<id>").  Returns
 * the lock fd (>= 0), -EWOULDBLOCK when !@wait and someone holds it, or
 * -errno.  Release with pw_store_unlock(). */
int pw_store_lock(struct pw_store *s, const char *key, bool wait, struct pw_err *e);
void pw_store_unlock(int lockfd);

/* One insertion of a blob: the digest's lock is held from begin until
 * commit or abort; data goes to tmp/<hex>.part and is hashed as it is
 * written.  Plain struct, filled by pw_store_ins_begin(). */
struct pw_store_ins {
	struct pw_store *store;
	char sha256[PW_SHA256_HEX];
	uint64_t size;   /* expected size or PW_STORE_SIZE_UNKNOWN */
	uint64_t have;   /* bytes in the temp file so far */
	uint64_t synced; /* bytes whose writeback has been started */
	char *wbuf;      /* small writes are gathered here (fewer syscalls) */
	size_t wlen;
	int fd;          /* the temp file, positioned at @have */
	int lockfd;
	struct pw_sha256 h;
};

/* Lock @hex (waiting when @wait), then open tmp/<hex>.part.  With @resume
 * an existing partial file is kept and its bytes hashed (ins->have tells
 * how many); otherwise it is truncated.  Returns 0 (insertion open), 1
 * when the blob is already present (nothing open, lock released),
 * -EWOULDBLOCK when !@wait and another process holds the lock, or -errno. */
int pw_store_ins_begin(struct pw_store *s, const char *hex, uint64_t size, bool wait,
		       bool resume, struct pw_store_ins *ins, struct pw_err *e);
/* Append and hash (writes are buffered: only commit and a keeping abort
 * guarantee the bytes are in the file).  -EFBIG (nothing written) when the
 * expected size would be passed. */
int pw_store_ins_write(struct pw_store_ins *ins, const void *data, size_t n, struct pw_err *e);
/* Write out gathered bytes now (a fetcher calls this when a transfer
 * pauses, so a kill loses little).  0 or -errno. */
int pw_store_ins_flush(struct pw_store_ins *ins, struct pw_err *e);
/* Drop what was written so far (a server ignored a Range request). */
int pw_store_ins_restart(struct pw_store_ins *ins, struct pw_err *e);
/* Check size and digest, fsync, make 0444, rename into blobs/, fsync the
 * directory; always ends the insertion (lock released).  On a mismatch the
 * temp file is removed and -EBADMSG returned with e->msg "sha256 mismatch:
 * expected X, got Y" or "size mismatch: expected N bytes, got M" (the
 * caller prefixes the source). */
int pw_store_ins_commit(struct pw_store_ins *ins, struct pw_err *e);
/* End the insertion without a blob.  @keep_partial keeps tmp/<hex>.part
 * for a later resume; otherwise it is removed.  Releases the lock. */
void pw_store_ins_abort(struct pw_store_ins *ins, bool keep_partial);

/* Insert the local file @path, copying it while hashing.  When the blob is
 * already present the source is not read at all (*cached = true).
 * @size may be PW_STORE_SIZE_UNKNOWN.  Errors name @path. */
int pw_store_add_file(struct pw_store *s, const char *path, const char *hex, uint64_t size,
		      bool *cached, struct pw_err *e);

/* Tree id: sha256 of "blob=<hex>;<pw_unpack_opts_key()>;v1".  Caller frees. */
char *pw_store_tree_id(const char *blob_hex, const struct pw_unpack_opts *o);
/* Path of trees/<treeid>.  Caller frees. */
char *pw_store_tree_path(const struct pw_store *s, const char *treeid);
bool pw_store_has_tree(const struct pw_store *s, const char *treeid);
/* Make (or find) the tree of blob @hex with @o: under the tree's lock,
 * unpack into tmp/tree-<id>.XXXXXX, record its json, make it read-only,
 * sync, rename into place.  The blob must be present.  *path (may be NULL)
 * gets the tree path (caller frees); *cached tells whether it existed. */
int pw_store_make_tree(struct pw_store *s, const char *hex, const struct pw_unpack_opts *o,
		       char **path, bool *cached, struct pw_err *e);

/* Derived trees (a tree a provider builds itself rather than unpacking
 * one blob): derived.h. */

/* Iteration over complete entries (blobs first, then trees, each sorted). */
enum pw_store_kind { PW_STORE_BLOB, PW_STORE_TREE };

struct pw_store_entry {
	enum pw_store_kind kind;
	char id[PW_SHA256_HEX];   /* blob digest or tree id */
	const char *path;         /* absolute or store-relative as opened */
	uint64_t size;            /* blob bytes; tree: sum of file sizes */
	char blob[PW_SHA256_HEX]; /* tree: its blob ("" when its json is unreadable) */
	const char *opts_key;     /* tree: pw_unpack_opts_key() ("" when unknown) */
};

/* Call @fn for each entry; stops at the first non-zero return and returns
 * it.  Entries vanishing meanwhile are skipped. */
int pw_store_foreach(struct pw_store *s, int (*fn)(void *ud, const struct pw_store_entry *en),
		     void *ud, struct pw_err *e);
/* Re-check one entry: a blob's content must hash to its name, a tree's
 * content must match the digest recorded in its json.  0, -EBADMSG with
 * e->msg saying what is wrong, or -errno. */
int pw_store_verify_entry(struct pw_store *s, const struct pw_store_entry *en, struct pw_err *e);
/* Remove one entry under its lock (without waiting): -EBUSY when locked. */
int pw_store_remove_entry(struct pw_store *s, const struct pw_store_entry *en, struct pw_err *e);
/* Remove temp entries and lock files nobody holds (stale ones from killed
 * processes).  *removed (may be NULL) counts removed temp entries. */
int pw_store_clean(struct pw_store *s, unsigned *removed, struct pw_err *e);

/* Content digest of the tree under @dirfd/@name: sha256 over a canonical
 * listing (sorted names, types, permission bits, file sha256s, link
 * targets).  *bytes (may be NULL) gets the sum of file sizes. */
int pw_store_tree_digest_at(int dirfd, const char *name, char hex[PW_SHA256_HEX],
			    uint64_t *bytes, struct pw_err *e);

#endif
