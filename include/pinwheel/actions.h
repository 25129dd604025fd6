/* actions.h - the action cache (toolchains/store/actions.c) and its shared HTTP
 * remote (toolchains/store/remote_cache.c).  docs/cache.md is the reference for
 * users.
 *
 * An ACTION is one unit of build work whose outputs depend only on its
 * KEY (DESIGN.md §2, invariant 1): for a target's wheel the key covers the
 * id of the root its build steps see, the source tree digest, the target
 * id, the config digest without the smoke test's table, the environment
 * every step sees (SOURCE_DATE_EPOCH, version, config env) and pinwheel's
 * version; the smoke test of that wheel is an action of its own (the
 * wheel's sha256, the whole test root, the whole config); the runner
 * builds them with pw_ac_key_*() (runner/build/action_cache.c).
 *
 * Local cache: STORE/ac/<key>.json holds the record (written atomically:
 * temp + fsync + rename); the output files are ordinary blobs of the store
 * (blobs/<sha256>), so `store verify` checks them and `store gc` keeps the
 * blobs a record names.  A record whose blobs are missing is a miss.
 *
 * Remote (optional, --cache-url URL): bazel-remote's HTTP protocol,
 *   GET/PUT URL/cas/<sha256>   the bytes of a blob
 *   GET/PUT URL/ac/<key>       the bytes of our record (JSON, not a
 *                              REAPI ActionResult; bazel-remote needs
 *                              --disable_http_ac_validation, plain WebDAV
 *                              servers such as nginx's dav module work)
 * A local miss asks the remote; blobs come into the store digest-verified
 * (never trusted); a put pushes the blobs first, then the record.  A remote
 * that fails (connection refused, 5xx, bad record) is a miss plus a
 * warning in e->msg, never a build failure.
 *
 * Record (JSON, keys in this order, 2-space indent):
 *   {"version": 1, "key": "<64 hex>", "target": "cp313-manylinux_x86_64",
 *    "outputs": [{"name": "x.whl", "sha256": "<64 hex>", "size": N}, ...],
 *    "meta": {...}}        meta: free-form facts of the runner (tag, smoke
 *                          result, seconds of the original build, log's
 *                          output name, ...)
 *
 * Ownership: struct pw_ac and struct pw_remote are opaque (open/close);
 * a filled struct pw_ac_record owns its strings and meta
 * (pw_ac_record_release()).  Errors: 0 or -errno with one line in struct
 * pw_err (naming the key, the URL or the file); pointer functions NULL +
 * errno.  Nothing here prints.
 */
#ifndef PINWHEEL_ACTIONS_H
#define PINWHEEL_ACTIONS_H

#include <jansson.h>

#include "pinwheel/common.h"
#include "pinwheel/hash.h"

struct pw_store;

/* ---- keys ---- */

/* sha256 over "pinwheel-action;v1\n" then "NAME=VALUE\n" per part in the
 * order added (the caller adds parts in a fixed order). */
struct pw_ac_key {
	struct pw_sha256 h;
};
void pw_ac_key_init(struct pw_ac_key *k);
void pw_ac_key_add(struct pw_ac_key *k, const char *name, const char *value);
void pw_ac_key_final(struct pw_ac_key *k, char hex[PW_SHA256_HEX]);

/* ---- records ---- */

struct pw_ac_output {
	char *name; /* a file name, no '/' */
	char sha256[PW_SHA256_HEX];
	uint64_t size;
};

struct pw_ac_record {
	char key[PW_SHA256_HEX];
	char *target;
	struct pw_ac_output *outputs;
	size_t n;
	json_t *meta; /* an object (owned reference), never NULL once filled */
};
void pw_ac_record_release(struct pw_ac_record *r);

/* ---- the cache ---- */

struct pw_ac;
struct pw_remote;

/* The cache of @store; with @remote_url (may be NULL) also the remote.
 * The store stays the caller's. */
struct pw_ac *pw_ac_open(struct pw_store *store, const char *remote_url, struct pw_err *e);
void pw_ac_close(struct pw_ac *ac);
/* Look @key up: 0 with @rec filled and every output blob present in the
 * store (fetched from the remote when needed, *from_remote set);
 * -ENOENT on a miss (e->msg may carry a remote's warning). */
int pw_ac_get(struct pw_ac *ac, const char *key, struct pw_ac_record *rec, bool *from_remote,
	      struct pw_err *e);
/* Record @rec (outputs' sha256 and size are filled here from @paths: one
 * host path per output, copied into the store as blobs), then push to
 * the remote when there is one (a failing push is a warning: 0 with
 * e->msg set). */
int pw_ac_put(struct pw_ac *ac, struct pw_ac_record *rec, const char *const *paths,
	      struct pw_err *e);
/* Forget the local record of @key, for a hit whose output the runner
 * found bad (a wheel whose RECORD does not match): the next lookup is a
 * local miss, and the rebuild's put replaces the record here and on the
 * remote.  0 (also when there was none) or -errno. */
int pw_ac_drop(struct pw_ac *ac, const char *key, struct pw_err *e);
/* Copy output @i of @rec to @dest (temp file in the same directory, then
 * rename; mode 0644). */
int pw_ac_materialize(struct pw_ac *ac, const struct pw_ac_record *rec, size_t i,
		      const char *dest, struct pw_err *e);
/* Parse / render the record JSON (used by both sides of the remote). */
int pw_ac_record_parse(const char *name, const char *data, size_t n, struct pw_ac_record *rec,
		       struct pw_err *e);
char *pw_ac_record_render(const struct pw_ac_record *rec, size_t *len);
/* Call @fn for every well-formed local record of @store (sorted by key;
 * `store ls`, `store gc` keeps the blobs they name); stops at the first
 * non-zero return and returns it.  *damaged (may be NULL) counts records
 * that do not parse or whose file name is not their key. */
int pw_ac_foreach(struct pw_store *store, int (*fn)(void *ud, const struct pw_ac_record *rec),
		  void *ud, unsigned *damaged, struct pw_err *e);

/* ---- the HTTP remote (toolchains/store/remote_cache.c; libcurl) ---- */

/* The URL a command uses: @opt (its --cache-url, NULL when not given),
 * else $PINWHEEL_CACHE_URL; NULL when that is unset or empty (so
 * `--cache-url ''` turns the environment's off).  Points into @opt or the
 * environment. */
const char *pw_remote_pick_url(const char *opt);
/* @url: "http://host:port/prefix" or https; no trailing '/' needed.
 * Credentials in it (user:pass@, percent-escaped) are sent as basic auth
 * and never appear in a message.  A URL that is not http(s) is -EINVAL.
 * Transfers follow the fetcher's knobs (fetch.h: PINWHEEL_RETRY_BASE_MS,
 * PINWHEEL_CONNECT_TIMEOUT, PINWHEEL_LOW_SPEED_*, PINWHEEL_CA_BUNDLE);
 * connection errors, timeouts and HTTP 5xx/408/429 are retried
 * PINWHEEL_CACHE_RETRIES times (default 2).  After a failure that will
 * not go away (those, once retried, and 401/403/405) the handle is
 * switched off: the failing call reports it, later gets are silent misses
 * (-ENOENT, e untouched) and later puts silent no-ops (0), so a dead
 * remote costs one warning per process.  A handle may be used from
 * several threads (one request at a time). */
struct pw_remote *pw_remote_open(const char *url, struct pw_err *e);
void pw_remote_close(struct pw_remote *r);
/* The URL without its credentials, for messages (owned by @r). */
const char *pw_remote_url(const struct pw_remote *r);
/* GET URL/cas/@hex into the store (verified against @hex; @size or
 * PW_STORE_SIZE_UNKNOWN: a wrong body is -EBADMSG or -EFBIG naming the
 * URL, nothing stored).  0 at once when the store has it.  -ENOENT on
 * 404. */
int pw_remote_get_cas(struct pw_remote *r, struct pw_store *s, const char *hex, uint64_t size,
		      struct pw_err *e);
/* PUT the store's blob @hex to URL/cas/@hex (skipped when a HEAD says
 * the remote has it). */
int pw_remote_put_cas(struct pw_remote *r, struct pw_store *s, const char *hex,
		      struct pw_err *e);
/* GET URL/ac/@key: *data (caller frees) and *n.  -ENOENT on 404. */
int pw_remote_get_ac(struct pw_remote *r, const char *key, char **data, size_t *n,
		     struct pw_err *e);
int pw_remote_put_ac(struct pw_remote *r, const char *key, const char *data, size_t n,
		     struct pw_err *e);

#endif
