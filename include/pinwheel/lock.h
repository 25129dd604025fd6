/* lock.h - a MINIMAL reader of pinwheel.lock's artifact list (runner/lock.c),
 * enough for `pinwheel fetch` and `pinwheel store gc --keep`.  The full lock
 * format comes with `pinwheel lock`; the shape read here is documented in
 * docs/store.md:
 *
 *   {"version": 1,
 *    "artifacts": [{"name": "x", "kind": "deb",
 *                   "urls": ["https://mirror.example/x.deb"],
 *                   "sha256": "<64 hex>", "size": 1234,
 *                   "unpack": {"strip": 0, "subdir": "usr"}}]}
 *
 * Required per artifact: name, urls (non-empty; http, https or file), sha256,
 * size.  Optional: kind, unpack (with optional strip and subdir).  Unknown
 * keys, wrong types and bad values are errors; e->msg reads
 * "FILE:LINE:COL: what" (the position of the offending key, or of the
 * object missing a key).
 *
 * Ownership: pw_lockfile_load()/pw_lockfile_parse() fill a caller-owned
 * struct pw_lockfile; pw_lockfile_release() frees its contents.  On error
 * nothing is left allocated.
 */
#ifndef PINWHEEL_LOCK_H
#define PINWHEEL_LOCK_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/unpack.h"

struct pw_lock_artifact {
	char *name;
	char *kind;  /* "" when absent */
	char **urls;
	size_t nurls;
	char sha256[PW_SHA256_HEX];
	uint64_t size;
	bool has_unpack;
	struct pw_unpack_opts unpack; /* subdir owned here (or NULL) */
};

struct pw_lockfile {
	struct pw_lock_artifact *artifacts;
	size_t n;
};

#define PW_LOCKFILE_INIT { NULL, 0 }

/* Parse @n bytes of @data; @name is used in messages.  0 or -EINVAL
 * (-E2BIG past PW_JSON_MAX_FILE). */
int pw_lockfile_parse(const char *name, const char *data, size_t n, struct pw_lockfile *lf,
		      struct pw_err *e);
/* Read and parse the file @path.  0 or -errno. */
int pw_lockfile_load(const char *path, struct pw_lockfile *lf, struct pw_err *e);
void pw_lockfile_release(struct pw_lockfile *lf);

#endif
