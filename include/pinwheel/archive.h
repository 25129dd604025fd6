/* archive.h - the "archive" provider (toolchains/archives/archive.c,
 * provider_archive.c): generic url + sha256 archives from pinwheel.json
 * (docs/config.md, docs/archives.md) pinned as artifacts of kind
 * "archive" and laid into the root by "unpack" layers (roots.h).
 *
 * Its keys: "archive"/"archives" of python.VERSION.base (a standalone
 * Python, laid at PW_PYTHON_MOUNT when it has that layout, layout.h),
 * "rust" ({"from": "base"}, or the Rust dist archives) and the top-level
 * "archives" (extra trees in every root).  A root with a tree at
 * PW_PYTHON_MOUNT gets CC, CXX and PATH for it (root_env).
 *
 * A spec pinned in the config (sha256 and size) needs nothing at lock
 * time.  Otherwise the pin comes from, in order: an artifact already
 * resolved in this run, the previous lock (same name and url), the store
 * (sha256 given, blob present: its size), or one download through the
 * store.
 *
 * Ownership: specs own their strings (the provider's spec_free()).
 * Errors: 0 or -errno with one line in struct pw_err naming the config
 * field ("python.3.14.base.archives[0]").  Nothing here prints.
 */
#ifndef PINWHEEL_ARCHIVE_H
#define PINWHEEL_ARCHIVE_H

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/unpack.h"

struct pw_provider;
struct pw_provider_ctx;
struct pw_target_info;

/* "archives" entries, a base "archive", a Rust "archive". */
struct pw_archive_spec {
	const char *field;	      /* config location, e.g. "archives[1]" (owned) */
	char *name;		      /* defaults to the url's last path component */
	char **urls;		      /* mirrors, tried in order; >= 1 */
	size_t nurls;
	char sha256[PW_SHA256_HEX];   /* "" when the config leaves it to lock */
	uint64_t size;		      /* PW_SIZE_UNKNOWN when not given */
	bool has_unpack;	      /* strip or subdir given */
	struct pw_unpack_opts unpack; /* subdir owned by the spec */
	char *dest;		      /* absolute path in the root, default "/" */
	char **platforms;	      /* only for these platforms; none = all */
	size_t nplatforms;
	bool python_base; /* a Python base: a standalone Python build in it
			   * (layout.h) is laid at PW_PYTHON_MOUNT */
};

/* The spec of one key: its archives, in the config's order ("rust":
 * {"from": "base"} has none). */
struct pw_archives_spec {
	struct pw_archive_spec *v;
	size_t n;
};

/* Add the artifact @t needs for @spec to @out and append its layer to
 * @t's root (nothing when @spec's platforms leave @t out).  -ENOENT when
 * offline and the pin would need the network. */
int pw_provide_archive(struct pw_provider_ctx *pc, const struct pw_archive_spec *spec,
		       const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);

extern const struct pw_provider pw_provider_archive;

#endif
