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
/* Read and parse the file @path.  0 or -errno. */
int pw_lockfile_load(const char *path, struct pw_lockfile *lf, struct pw_err *e);
void pw_lockfile_release(struct pw_lockfile *lf);

/* Copy a lock's artifacts and roots into @ls (which should be empty). */
void pw_lockfile_to_lockset(const struct pw_lockfile *lf, struct pw_lockset *ls);

/* The bytes of pinwheel.lock for @ls (sorted first) and @config_digest.
 * Caller frees; *len gets the length. */
char *pw_lock_render(struct pw_lockset *ls, const char *config_digest, size_t *len);

#endif
