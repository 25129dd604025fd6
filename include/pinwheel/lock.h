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
 * pw_lock_parse() (or _load()), and those that use a store call
 * pw_lock_check_blobs() too: the lock as a whole is checked before
 * anything is fetched, built or run.
 *
 * The reader fills a struct pw_lockset (artifact.h), the one model of a
 * lock in memory: artifacts in the file's order, each with the line and
 * column of its object (for messages), an absent "kind" as "", urls and
 * needed_by made unique as pw_lockset_add() keeps them; the roots as
 * written; the file's "pinwheel" and "config_digest".
 *
 * Writer: keys in a fixed order, 2-space indent, artifacts sorted by
 * (kind, name, sha256), roots in the order given (the matrix order); the
 * same lockset always gives the same bytes.
 *
 * Ownership: pw_lock_load()/pw_lock_parse() fill a caller-owned struct
 * pw_lockset (pw_lockset_release() frees it).  On error it is left empty.
 * Nothing here prints.
 */
#ifndef PINWHEEL_LOCK_H
#define PINWHEEL_LOCK_H

#include "pinwheel/artifact.h"
#include "pinwheel/buf.h"
#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/unpack.h"

#define PW_LOCK_FILE "pinwheel.lock"

/* Parse @n bytes of @data into @ls (not initialised before); @name is
 * used in messages.  0 or -EINVAL (-E2BIG past PW_JSON_MAX_FILE). */
int pw_lock_parse(const char *name, const char *data, size_t n, struct pw_lockset *ls,
		  struct pw_err *e);
/* Read and parse the file @path.  0 or -errno (-E2BIG for a file past
 * PW_JSON_MAX_FILE, e->msg naming the file, its size and the limit). */
int pw_lock_load(const char *path, struct pw_lockset *ls, struct pw_err *e);
/* Read the bytes of the lock @path into @b (which the caller initialised
 * and releases), with the same limit and messages as pw_lock_load(); for
 * callers that also need the bytes (lock --check compares them). */
int pw_lock_read(const char *path, struct pw_buf *b, struct pw_err *e);
/* The pins of @ls (read from @path) against the store at @store_dir
 * (NULL: nothing to check): every artifact whose blob is already in the
 * store must pin the blob's size, since the store verified that blob when
 * it was inserted.  -EINVAL with "PATH:LINE:COL: artifacts[N] 'NAME': size
 * S, but its blob in the store (sha256 HEX) has B bytes".  Reads only
 * (one stat per artifact); a missing store is not an error. */
int pw_lock_check_blobs(const char *path, const struct pw_lockset *ls, const char *store_dir,
			struct pw_err *e);

/* The bytes of pinwheel.lock for @ls (sorted first) and @config_digest.
 * Caller frees; *len gets the length. */
char *pw_lock_render(struct pw_lockset *ls, const char *config_digest, size_t *len);

#endif
