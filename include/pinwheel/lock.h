/* lock.h - pinwheel.lock: reader and writer (runner/lock.c).  The format is
 * documented in docs/lock.md, with a JSON Schema in
 * profiles/schema/pinwheel.lock.schema.json:
 *
 *   {"version": 1,
 *    "pinwheel": "0.1.0",
 *    "config_digest": "<sha256 of the canonical pinwheel.json>",
 *    "artifacts": [{"name": "x", "kind": "archive", "version": "1.0",
 *                   "package": "x", "urls": ["https://mirror.example/x.tgz"],
 *                   "sha256": "<64 hex>", "size": 1234,
 *                   "unpack": {"strip": 1, "subdir": "usr"},
 *                   "needed_by": ["cp313-manylinux_x86_64"]}],
 *    "roots": {"cp313-manylinux_x86_64": {"layers": [
 *                 {"name": "x", "how": "unpack", "dest": "/",
 *                  "artifacts": ["<sha256>"], "unpack": {"strip": 1}}]}}}
 *
 * Reader: required are version (1) and artifacts, and per artifact name,
 * urls (non-empty; http, https or file), sha256, size.  Everything else is
 * optional, so the minimal locks `fetch` and `store gc` read stay valid.
 * Unknown keys, wrong types and bad values are errors; e->msg reads
 * "FILE:LINE:COL: what" (the position of the offending key, or of the
 * object missing a key).  A layer must name artifacts of the same lock.
 * The reader also refuses what no writer produces, so a hand-edited lock
 * fails before any command acts on it: an artifact "kind" or a layer "how"
 * this pinwheel does not know, an artifact listed twice (same kind, name,
 * sha256 and unpack options: the writer merges those), and one sha256
 * pinned with two sizes.  Every command that reads a lock goes through
 * pw_lockfile_parse() (or _load()), and those that use a store call
 * pw_lockfile_check_blobs() too: the lock as a whole is checked before
 * anything is fetched, built or run.
 *
 * Writer: keys in a fixed order, 2-space indent, artifacts sorted by
 * (kind, name, sha256), roots in the order given (the matrix order); the
 * same lockset always gives the same bytes.
 *
 * Ownership: pw_lockfile_load()/pw_lockfile_parse() fill a caller-owned
 * struct pw_lockfile; pw_lockfile_release() frees its contents.  On error
 * nothing is left allocated.
 */
#ifndef PINWHEEL_LOCK_H
#define PINWHEEL_LOCK_H

#include "pinwheel/artifact.h"
#include "pinwheel/buf.h"
#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/unpack.h"

#define PW_LOCK_FILE "pinwheel.lock"

struct pw_lock_artifact {
	char *name;
	char *kind;  /* "" when absent */
	char **urls;
	size_t nurls;
	char sha256[PW_SHA256_HEX];
	uint64_t size;
	bool has_unpack;
	struct pw_unpack_opts unpack; /* subdir owned here (or NULL) */
	char *version;     /* NULL when absent */
	char *package;     /* NULL when absent */
	char **needed_by;  /* target ids */
	size_t nneeded;
	int line, col;     /* where its object starts in the file (messages) */
};

struct pw_lockfile {
	struct pw_lock_artifact *artifacts;
	size_t n;
	char *pinwheel;    /* writer's version, NULL when absent */
	char config_digest[PW_SHA256_HEX]; /* "" when absent */
	struct pw_root *roots; /* see artifact.h */
	size_t nroots;
};

#define PW_LOCKFILE_INIT { NULL, 0, NULL, "", NULL, 0 }

/* Parse @n bytes of @data; @name is used in messages.  0 or -EINVAL
 * (-E2BIG past PW_JSON_MAX_FILE). */
int pw_lockfile_parse(const char *name, const char *data, size_t n, struct pw_lockfile *lf,
		      struct pw_err *e);
/* Read and parse the file @path.  0 or -errno (-E2BIG for a file past
 * PW_JSON_MAX_FILE, e->msg naming the file, its size and the limit). */
int pw_lockfile_load(const char *path, struct pw_lockfile *lf, struct pw_err *e);
/* Read the bytes of the lock @path into @b (which the caller initialised
 * and releases), with the same limit and messages as pw_lockfile_load();
 * for callers that also need the bytes (lock --check compares them). */
int pw_lockfile_read(const char *path, struct pw_buf *b, struct pw_err *e);
/* The pins of @lf (read from @path) against the store at @store_dir
 * (NULL: nothing to check): every artifact whose blob is already in the
 * store must pin the blob's size, since the store verified that blob when
 * it was inserted.  -EINVAL with "PATH:LINE:COL: artifacts[N] 'NAME': size
 * S, but its blob in the store (sha256 HEX) has B bytes".  Reads only
 * (one stat per artifact); a missing store is not an error. */
int pw_lockfile_check_blobs(const char *path, const struct pw_lockfile *lf, const char *store_dir,
			    struct pw_err *e);
void pw_lockfile_release(struct pw_lockfile *lf);

/* Copy a lock's artifacts and roots into @ls (which should be empty). */
void pw_lockfile_to_lockset(const struct pw_lockfile *lf, struct pw_lockset *ls);

/* The bytes of pinwheel.lock for @ls (sorted first) and @config_digest.
 * Caller frees; *len gets the length. */
char *pw_lock_render(struct pw_lockset *ls, const char *config_digest, size_t *len);

#endif
