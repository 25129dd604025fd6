/* artifact.h - the lockset: pinned artifacts and the layers of each
 * target's root (toolchains/artifact.c).  It is the one model of
 * pinwheel.lock in memory: `pinwheel lock` fills one through the providers
 * and writes it (lock.h), every command that reads a lock gets one from the
 * reader (lock.h), and target roots are composed from one (roots.h).
 *
 * The providers (provider.h) fill a lockset at `pinwheel lock`: each adds
 * the artifacts one target needs with pw_lockset_add() (merging by kind,
 * name, sha256 and unpack options) and appends the target's layers with
 * pw_lockset_add_layer().
 *
 * Kinds of artifact: "archive" (generic url + sha256), "deb" (Debian
 * package), "wheel" and "sdist" (PyPI), "crate", "oci-config" and "oci-layer" (an OCI
 * image), "file" (a plain file, hand-written locks).  Layers:
 *   how "unpack":  each artifact's tree (with its unpack options) laid over
 *                  dest in order (archives)
 *   other values:  derived trees a provider defines (e.g. "debian-root",
 *                  "pypi-install", "cargo-vendor"); roots.h builds them.
 *
 * Ownership: struct pw_lockset owns every string and array reachable from
 * it; pw_lockset_release() frees them.  Functions adding to a lockset copy
 * their inputs.  Errors: 0 or -errno with detail in struct pw_err, whose
 * message names the config field (e.g. "python.3.14.base.archives[0]").
 */
#ifndef PINWHEEL_ARTIFACT_H
#define PINWHEEL_ARTIFACT_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/unpack.h"

#define PW_SIZE_UNKNOWN UINT64_MAX

struct pw_artifact {
	char *kind;          /* "archive", "deb", "wheel", "crate" */
	char *name;
	char *version;       /* NULL when not meaningful (archives) */
	char *package;       /* Debian source-independent package name, or NULL */
	char **urls;
	size_t nurls;
	char sha256[PW_SHA256_HEX];
	uint64_t size;
	bool has_unpack;
	struct pw_unpack_opts unpack; /* subdir owned */
	char **needed_by;    /* target ids, kept sorted and unique */
	size_t nneeded;
	/* kind "deb", or "archive" from a Debian pool (a CPython source
	 * tarball): where a snapshot archive keeps it (docs/debian.md
	 * "Snapshots"), all three or none (NULL): the archive ("debian"), the
	 * Release file's Date as "YYYYMMDDTHHMMSSZ", the pool path */
	char *snap_archive, *snap_date, *snap_path;
	int line, col;       /* where the lock reader found its object (for
			      * messages); 0 when it was not read from a file */
};

/* The image an "oci-image" layer was resolved from (oci.h). */
struct pw_layer_oci {
	char *reference;     /* as the config gives it */
	char *index;         /* "sha256:<hex>" of the image index, or NULL */
	char *manifest;      /* "sha256:<hex>" of the platform's manifest */
	char *platform;      /* "linux/amd64", "linux/arm64/v8" */
};

/* A file the lock made for the project's sources and gives to every build
 * step in them when they lack it: a Cargo.lock cargo generated at lock
 * time ("cargo-vendor" layers), kept in pinwheel.lock and never written
 * into the user's tree (docs/archives.md). */
struct pw_layer_file {
	char *path;          /* relative to the project: "rust/Cargo.lock" */
	char *text;          /* its content */
};

struct pw_layer {
	char *name;          /* for people: "debian-bookworm-amd64", "cpython" */
	char *how;           /* "unpack" or a provider-defined derived tree */
	char *dest;          /* absolute path in the root */
	char **artifacts;    /* sha256 of each artifact, in application order */
	size_t n;
	bool has_unpack;     /* how "unpack": the options for every artifact */
	struct pw_unpack_opts unpack; /* subdir owned */
	char *input;         /* sha256 of what the provider resolved the layer
			      * from (its part of the config, the layers below),
			      * or NULL: a relock keeps the layer while it is
			      * the same (docs/lock.md, "Relocking") */
	struct pw_layer_oci *oci; /* how "oci-image": the image, or NULL */
	struct pw_layer_file *generated; /* how "cargo-vendor": the Cargo.lock
					  * lock generated, or NULL */
	char **build;			 /* how "pypi-install": sha256 of each wheel the
					  * layer's sdists are built with (offered to
					  * their builds, not installed), in the lock's
					  * order; NULL when none */
	size_t nbuild;
	char **configure;		 /* how "cpython": the arguments of CPython's
					  * configure the layer's interpreter is built
					  * with (cpython.h), or NULL */
	size_t nconfigure;
};

struct pw_root {
	char *target;
	struct pw_layer *layers;
	size_t n;
};

struct pw_lockset {
	struct pw_artifact *artifacts; /* in the order added (read: the file's) */
	size_t n, alloc;
	struct pw_root *roots; /* in target order as added */
	size_t nroots;
	size_t *index;         /* private: open addressing on (kind, name) */
	size_t index_cap;      /* 0 or a power of two */
	/* Read from a file only (lock.h): its "pinwheel" (the version that
	 * wrote it, or NULL) and "config_digest" ("" when absent). */
	char *pinwheel;
	char config_digest[PW_SHA256_HEX];
	/* Targets whose defaulted old root the lock dropped (docs/config.md,
	 * "test.old_root"), with the reason, in the order recorded. */
	struct pw_no_old_root *noold;
	size_t nnoold;
};

struct pw_no_old_root {
	char *target; /* the target's own id: "cp314-manylinux_x86_64" */
	char *reason; /* one line: why its old root could not be locked */
};

#define PW_LOCKSET_INIT { NULL, 0, 0, NULL, 0, NULL, 0, NULL, "", NULL, 0 }

void pw_lockset_release(struct pw_lockset *ls);

/* Add (a copy of) @a needed by @target (may be NULL: a->needed_by is
 * merged).  An artifact with the same kind, name, sha256 and unpack options
 * is merged: its urls are united (first seen first), needed_by gains
 * @target, and of two snapshot coordinates the smaller (date, archive,
 * path) is kept, so the result does not depend on the order of adding.  Anything else is another artifact.  Returns the lockset's
 * artifact. */
struct pw_artifact *pw_lockset_add(struct pw_lockset *ls, const struct pw_artifact *a,
				   const char *target);
/* Append @a as it is, taking what it owns (@a is left zeroed): no merge,
 * for the lock reader, which refuses an artifact listed twice itself.
 * a->kind and a->name must be set; a->needed_by is sorted and made unique
 * and a->urls made unique (first seen first), as pw_lockset_add() keeps
 * them. */
void pw_lockset_append(struct pw_lockset *ls, struct pw_artifact *a);
/* Add everything of @src to @dst as the providers that filled @src would
 * have, and release @src: each artifact as by pw_lockset_add() (in @src's
 * order; its needed_by merged), each root's layers appended to @dst's root
 * of that target (created at the end when missing, so roots keep @src's
 * order).  `lock --jobs` merges the lockset of each target's worker in
 * matrix order: the same lockset a serial lock fills. */
void pw_lockset_merge(struct pw_lockset *dst, struct pw_lockset *src);
/* The root of @target, created empty when missing. */
struct pw_root *pw_lockset_root(struct pw_lockset *ls, const char *target);
/* The root of @target, or NULL when @ls has none. */
const struct pw_root *pw_lockset_find_root(const struct pw_lockset *ls, const char *target);
/* The first artifact (in @ls's order) pinned to @sha, or NULL. */
const struct pw_artifact *pw_lockset_find_sha(const struct pw_lockset *ls, const char *sha);
/* Append a layer (copied) to @target's root.  @shas: @n artifact digests;
 * @unpack may be NULL. */
void pw_lockset_add_layer(struct pw_lockset *ls, const char *target, const char *name,
			  const char *how, const char *dest, const char *const *shas, size_t n,
			  const struct pw_unpack_opts *unpack);
/* Set the input digest of @target's last layer (see struct pw_layer). */
void pw_lockset_set_layer_input(struct pw_lockset *ls, const char *target, const char *input);
/* Set (a copy of) the image facts of @target's last layer (NULL: none). */
void pw_lockset_set_layer_oci(struct pw_lockset *ls, const char *target,
			      const struct pw_layer_oci *oci);
/* Free what @o owns (not @o). */
void pw_layer_oci_release(struct pw_layer_oci *o);
/* Set (a copy of) the generated file of @target's last layer (NULL:
 * none). */
void pw_lockset_set_layer_generated(struct pw_lockset *ls, const char *target,
				    const struct pw_layer_file *f);
/* Set (a copy of) the @n build digests of @target's last layer (see
 * struct pw_layer's build; @n 0: none). */
void pw_lockset_set_layer_build(struct pw_lockset *ls, const char *target, const char *const *shas,
				size_t n);
/* Set (a copy of) the @n configure arguments of @target's last layer
 * (see struct pw_layer's configure; @n 0: none). */
void pw_lockset_set_layer_configure(struct pw_lockset *ls, const char *target,
				    const char *const *args, size_t n);
/* The layer @name of @target's root in @ls, or NULL. */
const struct pw_layer *pw_lockset_find_layer(const struct pw_lockset *ls, const char *target,
					     const char *name);
/* A relock keeps a layer: does @prior have layer @name for @target with
 * input digest @input (and can it be copied: pw_lockset_reuse_layer())? */
bool pw_lockset_layer_unchanged(const struct pw_lockset *prior, const char *target,
				const char *name, const char *input);
/* sha256 over "name how dest artifacts... [build ...]" of every layer of @target's
 * root in @ls so far: what a tool run in that root depends on. */
void pw_lockset_layers_digest(const struct pw_lockset *ls, const char *target,
			      char hex[PW_SHA256_HEX]);
/* Do two artifacts unpack the same way (both without options, or equal)? */
bool pw_artifact_same_unpack(bool ha, const struct pw_unpack_opts *a, bool hb,
			     const struct pw_unpack_opts *b);
/* Sort artifacts by (kind, name, sha256, unpack options) for writing. */
void pw_lockset_sort(struct pw_lockset *ls);
/* Find by kind + name + url: the pin a previous lock recorded for an
 * archive the config gives without sha256.  NULL when none. */
const struct pw_artifact *pw_lockset_find_url(const struct pw_lockset *ls, const char *kind,
					      const char *name, const char *url);

void pw_artifact_release(struct pw_artifact *a);

/* Record (a copy of) @reason as why @target has no old root; a second
 * record of the same target replaces the first. */
void pw_lockset_set_no_old_root(struct pw_lockset *ls, const char *target, const char *reason);
/* Why @target has no old root in @ls (may be NULL), or NULL. */
const char *pw_lockset_no_old_root(const struct pw_lockset *ls, const char *target);
/* Forget @target: its root, and it in every artifact's needed_by; an
 * artifact no other target needs goes too. */
void pw_lockset_drop_target(struct pw_lockset *ls, const char *target);
/* The url of @a in the snapshot archive at @base (docs/debian.md
 * "Snapshots"): BASE/archive/ARCHIVE/DATE/PATH, the path percent-encoded
 * as on a mirror, DATE the recorded one plus @days_later days (fetch tries
 * 0, then 1: the import of the archive state the lock saw may be named a
 * little after its Date).  NULL when @a carries no snapshot fields, its
 * date does not parse or @base is NULL or empty.  Caller frees. */
char *pw_artifact_snapshot_url(const struct pw_artifact *a, const char *base,
			       unsigned days_later);
#define PW_SNAPSHOT_TRIES 2
/* $PINWHEEL_SNAPSHOT when it is an http://, https:// or file:// url, else
 * NULL (the environment's; not a copy). */
const char *pw_snapshot_base(void);
/* The url of @a on a blob mirror at @base (docs/store.md "Gone
 * artifacts"): BASE/blobs/sha256/HEX, the layout of a store and of an
 * unpacked `store export` bundle; tried after every other url, for any
 * kind.  NULL when @base is NULL or empty.  Caller frees. */
char *pw_artifact_blob_url(const struct pw_artifact *a, const char *base);
/* $PINWHEEL_BLOB_MIRROR when it is an http://, https:// or file:// url,
 * else NULL (the environment's; not a copy). */
const char *pw_blob_mirror_base(void);

/* For providers that cannot resolve offline (lock --check): copy the layer
 * named @layer of @target's root in @prior, and the artifacts it names
 * (needed by @target), into @out.  0, or -ENOENT when @prior has no such
 * layer (e->msg names @field, the target and the layer). */
int pw_lockset_reuse_layer(const struct pw_lockset *prior, const char *target, const char *layer,
			   const char *field, struct pw_lockset *out, struct pw_err *e);

#endif
