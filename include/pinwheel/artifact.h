/* artifact.h - the lockset: pinned artifacts and the layers of each
 * target's root (toolchains/artifact.c).  It is the one model of
 * pinwheel.lock in memory: `pinwheel lock` fills one through the providers
 * and writes it (lock.h), every command that reads a lock gets one from the
 * reader (lock.h), and target roots are composed from one (roots.h).
 *
 * A provider turns one part of pinwheel.json (a spec below, filled by the
 * config loader) into artifacts pinned by sha256 and size, and appends the
 * layer(s) made of them to one target's root.  Providers live in
 * toolchains/ and must not include runner headers: everything they need is
 * here.  Providers never print.
 *
 * Kinds of artifact: "archive" (generic url + sha256, toolchains/
 * archive.c), "deb" (Debian package), "wheel" (PyPI), "crate".  Layers:
 *   how "unpack":  each artifact's tree (with its unpack options) laid over
 *                  dest in order (archives, Debian packages' data.tar)
 *   other values:  derived trees a provider defines (e.g. "pip-install",
 *                  "cargo-vendor"); the builder dispatches on them.
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

/* ---- specs: parts of pinwheel.json (owned by struct pw_config) ---- */

/* "archives" entries, a base "archive", a Rust "archive". */
struct pw_archive_spec {
	const char *field;   /* config location, e.g. "archives[1]" */
	char *name;          /* defaults to the url's last path component */
	char **urls;         /* mirrors, tried in order; >= 1 */
	size_t nurls;
	char sha256[PW_SHA256_HEX]; /* "" when the config leaves it to lock */
	uint64_t size;       /* PW_SIZE_UNKNOWN when not given */
	bool has_unpack;     /* strip or subdir given */
	struct pw_unpack_opts unpack; /* subdir owned by the spec */
	char *dest;          /* absolute path in the root, default "/" */
	char **platforms;    /* only for these platforms; none = all */
	size_t nplatforms;
	bool python_base;    /* a Python base: a standalone Python build in it
			      * (layout.h) is laid at PW_PYTHON_MOUNT */
};

/* A Debian base: suite + packages (plus their dependencies, resolved by
 * the provider) for the target's Debian architecture. */
struct pw_debian_spec {
	const char *field;   /* e.g. "python.3.13.base.debian" */
	char *suite;         /* "bookworm", "trixie", "sid", ... */
	char **packages;
	size_t npackages;
	char *mirror;        /* NULL: the machine's apt configuration */
	char *keyring;       /* NULL: the apt source's Signed-By, else Debian's
			      * keyring; relative to the project directory */
};

/* An OCI image as a base root (oci.h: a registry reference by tag or
 * digest, "oci-layout:DIR..." or "docker-archive:FILE..."); the lock pins
 * the digests. */
struct pw_oci_spec {
	const char *field;   /* e.g. "python.3.12.base.oci" */
	char *image;
};

/* Exact PyPI pins, name==version. */
struct pw_pin {
	char *name;
	char *version;
};

struct pw_pypi_spec {
	const char *field;   /* "build_requires" or "test.requires" */
	struct pw_pin *pins;
	size_t n;
};

struct pw_crates_spec {
	const char *field;   /* "crates" */
	char *cargo_lock;    /* relative to the project directory */
};

/* ---- results ---- */

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
};

#define PW_LOCKSET_INIT { NULL, 0, 0, NULL, 0, NULL, 0, NULL, "" }

void pw_lockset_release(struct pw_lockset *ls);

/* Add (a copy of) @a needed by @target (may be NULL: a->needed_by is
 * merged).  An artifact with the same kind, name, sha256 and unpack options
 * is merged: its urls are united (first seen first) and needed_by gains
 * @target.  Anything else is another artifact.  Returns the lockset's
 * artifact. */
struct pw_artifact *pw_lockset_add(struct pw_lockset *ls, const struct pw_artifact *a,
				   const char *target);
/* Append @a as it is, taking what it owns (@a is left zeroed): no merge,
 * for the lock reader, which refuses an artifact listed twice itself.
 * a->kind and a->name must be set; a->needed_by is sorted and made unique
 * and a->urls made unique (first seen first), as pw_lockset_add() keeps
 * them. */
void pw_lockset_append(struct pw_lockset *ls, struct pw_artifact *a);
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
/* The layer @name of @target's root in @ls, or NULL. */
const struct pw_layer *pw_lockset_find_layer(const struct pw_lockset *ls, const char *target,
					     const char *name);
/* A relock keeps a layer: does @prior have layer @name for @target with
 * input digest @input (and can it be copied: pw_lockset_reuse_layer())? */
bool pw_lockset_layer_unchanged(const struct pw_lockset *prior, const char *target,
				const char *name, const char *input);
/* sha256 over "name how dest artifacts..." of every layer of @target's
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

/* For providers that cannot resolve offline (lock --check): copy the layer
 * named @layer of @target's root in @prior, and the artifacts it names
 * (needed by @target), into @out.  0, or -ENOENT when @prior has no such
 * layer (e->msg names @field, the target and the layer). */
int pw_lockset_reuse_layer(const struct pw_lockset *prior, const char *target, const char *layer,
			   const char *field, struct pw_lockset *out, struct pw_err *e);

/* ---- providers ---- */

struct pw_store;
struct pw_sandbox_spec;

/* What one target is: filled by the runner from its config. */
struct pw_target_info {
	const char *id;          /* "cp313-manylinux_x86_64" */
	const char *python;      /* "3.13" */
	const char *python_tag;  /* "cp313" */
	const char *platform;    /* "manylinux_x86_64" */
	const char *arch;        /* "x86_64", "aarch64", "i686" */
	const char *debian_arch; /* "amd64", "arm64", "i386" */
};

struct pw_provider_ctx {
	struct pw_store *store;        /* opened by pw_provider_store(); the
					* caller closes it when non-NULL */
	const char *store_dir;         /* where; NULL when there is none */
	bool offline;                  /* never touch the network (lock --check) */
	const struct pw_lockset *prior; /* the existing lock's pins, or NULL */
	const char *project_dir;       /* where relative config paths start */
	/* Set by the runner (cmd_lock.c) for providers that run a tool inside
	 * the target's root (PyPI: the root's own pip).  Makes the layers of
	 * @target locked so far in @ls present (downloading their artifacts
	 * through pc->store, building their trees) and adds them to @spec
	 * (pw_sandbox_spec_init()ed by the caller) as `pinwheel run --target`
	 * would.  0 or -errno with e->msg; NULL when there is none (the
	 * provider then fails with -ENOSYS). */
	int (*compose_root)(struct pw_provider_ctx *pc, struct pw_lockset *ls, const char *target,
			    struct pw_sandbox_spec *spec, struct pw_err *e);
	/* Set by the runner: tell the user about something a provider did
	 * besides pinning (e.g. "wrote rust/Cargo.lock").  May be NULL. */
	void (*note)(struct pw_provider_ctx *pc, const char *msg);
};

/* The store for downloads, opened on first use (so a fully pinned config
 * never creates one).  NULL + errno with e->msg naming @field when offline,
 * when there is no store directory, or when it cannot be opened. */
struct pw_store *pw_provider_store(struct pw_provider_ctx *pc, const char *field,
				   struct pw_err *e);

/* Each adds the artifacts @t needs for @spec to @out and appends the
 * layer(s) to @t's root.  -ENOENT when offline and a pin would need the
 * network (e->msg says what), -ENOSYS when the provider is not built yet
 * (e->msg names the config field), other -errno on failure. */
int pw_provide_archive(struct pw_provider_ctx *pc, const struct pw_archive_spec *spec,
		       const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);
int pw_provide_debian(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
		      const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);
/* Helpers of the Debian-based providers (toolchains/provider_debian.c,
 * emulator.c): the spec's keyring as a path (relative ones from the
 * project directory; NULL when none; caller frees), and one .deb of a
 * Debian lock added to @out as a kind "deb" artifact needed by @target. */
struct pw_deb_artifact;
char *pw_debian_spec_keyring(const struct pw_provider_ctx *pc, const struct pw_debian_spec *spec);
void pw_lockset_add_deb(struct pw_lockset *out, const struct pw_deb_artifact *d, const char *target);
int pw_provide_oci(struct pw_provider_ctx *pc, const struct pw_oci_spec *spec,
		   const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);
int pw_provide_pypi(struct pw_provider_ctx *pc, const struct pw_pypi_spec *spec,
		    const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);
int pw_provide_crates(struct pw_provider_ctx *pc, const struct pw_crates_spec *spec,
		      const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);

#endif
