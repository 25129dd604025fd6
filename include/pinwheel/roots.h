/* roots.h - target roots (toolchains/roots.c): the layers of a target in
 * a lockset become store trees, a root id, and a sandbox spec.
 *
 * A target's root is its lock layers in order (the first is the bottom:
 * the base, then what a foreign target needs, Rust archives, build
 * requirements, vendored crates, extra archives).  Each layer gives one
 * or more store trees, by its "how":
 *   "unpack"       one tree per artifact (the artifact's blob unpacked with
 *                  the layer's options), laid over dest in order: the lock
 *                  format's own kind of layer, built here
 *   others         built by the provider that defines them (provider.h,
 *                  struct pw_layer_kind): "debian-root" (debian.h),
 *                  "pypi-install" (pypi.h), "cargo-vendor" (crates.h),
 *                  "oci-image" (oci.h), "emulator" and "debian-cross"
 *                  (emulator.h); an unknown how is an error naming the
 *                  layer
 * Tree ids are computed from the lock alone (no store, no network).  The
 * ROOT ID of a target is the sha256 of "pinwheel-root;v1\n" followed by
 * "TREEID DEST\n" for each tree in order; equal locks give equal ids.
 *
 * At `pinwheel lock`, a provider that runs a tool in the target's root
 * (the root's pip, its cargo) composes the layers locked so far with
 * pw_roots_compose(), directly.
 *
 * Ownership: struct pw_root_plan owns its trees' ids and dests and its
 * env (pw_root_plan_release()); the rest is borrowed from the lockset,
 * which must outlive the plan.
 * Errors: 0 or -errno with one line in struct pw_err naming the target and
 * the layer; -ENOENT for a tree missing from the store when the plan is
 * only checked (PW_ROOTS_CHECK).  Nothing here prints.
 */
#ifndef PINWHEEL_ROOTS_H
#define PINWHEEL_ROOTS_H

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"
#include "pinwheel/hash.h"

struct pw_provider_ctx;
struct pw_sandbox_spec;
struct pw_store;

struct pw_root_tree {
	char *id;	     /* store tree id */
	char *dest;	     /* absolute path in the root */
	const char *layer;   /* the layer's name (borrowed from the lock) */
	const char *how;     /* the layer's how (borrowed from the lock) */
	const struct pw_layer_file *generated; /* its layer's generated file
						* (borrowed from the lock), or
						* NULL */
	const char *emulate; /* a tree that holds the emulator: the --emulate
			      * ARCH (borrowed); its dest is the qemu binary
			      * inside the tree, mounted nowhere; else NULL */
};

struct pw_root_plan {
	const char *target;	    /* borrowed from the lock */
	char id[PW_SHA256_HEX];	    /* the root id */
	struct pw_root_tree *trees; /* bottom first */
	size_t n;
	size_t nbuilt; /* PW_ROOTS_BUILD: trees made now (not cached) */
	char **env;    /* variables a layer gives the root ("K=V", NULL-ended:
			* an "oci-image" layer's config Env), read in CHECK and
			* BUILD modes; NULL otherwise */
};

enum pw_roots_mode {
	PW_ROOTS_IDS,	/* compute ids only (@store may be NULL) */
	PW_ROOTS_CHECK, /* ... and require every tree to be in @store */
	PW_ROOTS_BUILD, /* ... and make missing trees (their blobs must be present) */
};

/* Plan (and, per @mode, check or build) @root of @ls (a root of @ls:
 * pw_lockset_find_root()).  @out is filled on success and left empty on
 * error. */
int pw_roots_plan(struct pw_store *store, const struct pw_lockset *ls, const struct pw_root *root,
		  enum pw_roots_mode mode, struct pw_root_plan *out, struct pw_err *e);
void pw_root_plan_release(struct pw_root_plan *p);
/* Compose @p into @s: each tree with dest "/" becomes a layer (appended
 * after the layers already in @s, topmost first, so the lock's last layer
 * is on top of the base), each other tree a read-only bind at its dest
 * (put before the binds already in @s, so the caller's binds can go over
 * them).  Paths are the store's trees.  The plan's Env (p->env) goes
 * before the variables already in @s, so that they win, without HOME, TZ,
 * LANG, LANGUAGE, LC_*, SOURCE_DATE_EPOCH, PWD and HOSTNAME, which stay
 * pinwheel's (docs/oci.md); then each provider's root_env() (provider.h).
 * An emulator tree sets the spec's emulate_arch and emulate_qemu (the
 * binary's store path) instead. */
void pw_roots_to_spec(const struct pw_store *store, const struct pw_root_plan *p,
		      struct pw_sandbox_spec *s);
/* The image's interpreter for CPython @version ("3.13", @ft free-threaded)
 * when a tree of @p at "/" has the manylinux layout
 * (/opt/python/cp313-cp313/bin/python, pw_oci_python()); else NULL.
 * Caller frees. */
char *pw_roots_python(const struct pw_store *store, const struct pw_root_plan *p,
		      const char *version, bool ft);
/* Does @p lay a tree at PW_PYTHON_MOUNT (a standalone Python, layout.h)?
 * pw_roots_to_spec() then also sets CC=cc, CXX=c++ and puts
 * PW_PYTHON_MOUNT/bin first on PATH (the archive provider's root_env(),
 * before the variables already in the spec, so a caller's --env wins). */
bool pw_roots_has_python_mount(const struct pw_root_plan *p);
/* A target of a foreign architecture (pw_emulator_needed()) must have an
 * emulator tree in @p: -ENOEXEC naming the target when it has none. */
int pw_roots_check_emulation(const struct pw_root_plan *p, struct pw_err *e);
/* Is @how a layer kind this pinwheel can build ("unpack" or a provider's)? */
bool pw_roots_known_how(const char *how);
/* "unpack, debian-root, ... or debian-cross": every how this pinwheel
 * builds, into @buf of @n bytes (truncated to fit). */
void pw_roots_list_hows(char *buf, size_t n);

/* `pinwheel lock`: make the layers of @target locked so far in @ls
 * present (their artifacts fetched into pw_provider_store(@pc) through
 * pc->fetch, their trees built) and add them to @spec
 * (pw_sandbox_spec_init()ed by the caller) as `pinwheel run --target`
 * would, with pc->seccomp's program.  @ls is sorted first, as the writer
 * sorts it, so an artifact is
 * found in the order a lock file lists it.  @root_id, when not NULL (at
 * least PW_SHA256_HEX bytes), gets the root id of those layers (what the
 * builder of a layer over them is given: pw_root_plan_id()).  0 or -errno
 * with e->msg (a provider checks pc->offline first: offline there is no
 * store). */
int pw_roots_compose(struct pw_provider_ctx *pc, struct pw_lockset *ls, const char *target,
		     struct pw_sandbox_spec *spec, char *root_id, struct pw_err *e);

/* ---- for the builders of layers (provider.h, struct pw_layer_kind) ---- */

struct pw_layer_ctx {
	struct pw_store *store;	     /* PW_ROOTS_BUILD: make missing trees here; else NULL */
	struct pw_store *rstore;     /* CHECK and BUILD: the store to read from; else NULL */
	const struct pw_lockset *ls; /* the lock of the layer (its artifacts) */
	struct pw_root_plan *plan;   /* the trees below the layer, where it adds its own */
	size_t alloc;		     /* private */
};

/* Append the tree @id (taken) of layer @l, at l->dest (or @dest when not
 * NULL); returns it. */
struct pw_root_tree *pw_layer_ctx_add(struct pw_layer_ctx *lc, char *id, const struct pw_layer *l,
				      const char *dest);
/* The "unpack" builder: one tree per artifact of @l. */
int pw_roots_build_unpack(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e);
/* The root id of the trees of @p so far (into @id, the ROOT ID above). */
void pw_root_plan_id(const struct pw_root_plan *p, char id[PW_SHA256_HEX]);
/* For root_env() hooks: put the @n strings of @v (taken, with the array)
 * before @s's variables, so the caller's win. */
void pw_roots_prepend_env(struct pw_sandbox_spec *s, char **v, size_t n);

#endif
