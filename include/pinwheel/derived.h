/* derived.h - store trees made by a provider rather than by unpacking one
 * blob: the vendored crates, a merged Rust toolchain (toolchains/store/derived.c).
 *
 * pw_derived_tree_make() follows the store's protocol for trees (see
 * store.h): under the tree's lock ("tree-<id>"), build into
 * tmp/tree-<id>.XXXXXX, make it read-only, record trees/<id>.json with
 * the store's content digest and the canonical tree hash (treehash.h) so
 * `pinwheel store verify` checks it, sync and rename into trees/<id>.
 * A temp dir left by a killed process is removed by `store gc` (its name
 * starts with the lock key).
 *
 * Ownership: *path is the caller's to free; @record is borrowed and only
 * added to.  Errors: 0 or -errno with detail in struct pw_err; whatever
 * @build reports is passed on unchanged.  Nothing here prints.
 */
#ifndef PINWHEEL_DERIVED_H
#define PINWHEEL_DERIVED_H

#include <jansson.h>

#include "pinwheel/common.h"

struct pw_store;

/* @build fills the empty directory @dirfd and may add keys to @record (a
 * JSON object that becomes trees/<id>.json; "version", "blob", "options",
 * "kind", "digest", "tree_hash" and "size" are set by this module).  @id
 * must be 64 lowercase hex digits. */
int pw_derived_tree_make(struct pw_store *s, const char *id, const char *kind,
			 int (*build)(void *ud, int dirfd, json_t *record, struct pw_err *e),
			 void *ud, char **path, bool *cached, struct pw_err *e);

#endif
