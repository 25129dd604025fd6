/* roots.h - target roots (runner/roots.c): the layers of a target in
 * pinwheel.lock become store trees, a root id, and a sandbox spec.
 *
 * A target's root is its lock layers in order (the first is the bottom:
 * the Debian base, then build-requirement wheels, vendored crates, extra
 * archives).  Each layer gives one or more store trees, by its "how":
 *   "unpack"       one tree per artifact (the artifact's blob unpacked with
 *                  the layer's options), laid over dest in order
 *   "debian-root"  one tree: the merged Debian root of its .debs
 *                  (pw_debian_make_root()); the architecture is the last
 *                  '-' part of the layer name "debian-SUITE-ARCH"
 *   "oci-image"    one tree: an OCI image's layers applied in order
 *                  (pw_oci_apply(); artifacts: the config, then the layer
 *                  blobs bottom first); its config's Env is kept in the plan
 *   "emulator"     one tree: the host-architecture qemu-user .deb
 *                  unpacked (include/pinwheel/emulator.h), mounted nowhere:
 *                  its dest is the interpreter's path inside the tree, the
 *                  ARCH to emulate the last part of the name "emulator-ARCH"
 *   "debian-cross" as "debian-root" (the host architecture's cross
 *                  compilers over a foreign base, emulator.h);
 *                  pw_roots_to_spec() then also sets pw_cross_env()
 *   others         derived trees registered in the builder table of
 *                  runner/roots.c (the pypi and crates providers add
 *                  "pypi-install" and "cargo-vendor" there); unknown ones
 *                  are an error naming the layer
 * Tree ids are computed from the lock alone (no store, no network).  The
 * ROOT ID of a target is the sha256 of "pinwheel-root;v1\n" followed by
 * "TREEID DEST\n" for each tree in order; equal locks give equal ids.
 *
 * Ownership: struct pw_root_plan owns its strings (pw_root_plan_release()).
 * Errors: 0 or -errno with one line in struct pw_err naming the target and
 * the layer; -ENOENT for a tree missing from the store when the plan is
 * only checked (PW_ROOTS_CHECK).  Nothing here prints.
 */
#ifndef PINWHEEL_ROOTS_H
#define PINWHEEL_ROOTS_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/artifact.h"

struct pw_store;
struct pw_sandbox_spec;

struct pw_root_tree {
	char *id;	   /* store tree id */
	char *dest;	   /* absolute path in the root */
	const char *layer; /* the layer's name (borrowed from the lock) */
	const char *emulate; /* an "emulator" layer's tree: the --emulate ARCH
			      * (borrowed from the lock); its dest is the qemu
			      * binary inside the tree; else NULL */
	bool cross;	     /* a "debian-cross" layer's tree (emulator.h) */
};

struct pw_root_plan {
	const char *target;	    /* borrowed from the lock */
	char id[PW_SHA256_HEX];	    /* the root id */
	struct pw_root_tree *trees; /* bottom first */
	size_t n;
	size_t nbuilt; /* PW_ROOTS_BUILD: trees made now (not cached) */
	char **env;    /* an "oci-image" layer's config Env ("K=V", NULL-ended),
			* read in CHECK and BUILD modes; NULL otherwise */
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
 * them).  Paths are the store's trees.  The image Env of @p (p->env) goes
 * before the variables already in @s, so that they win, without HOME, TZ,
 * LANG, LANGUAGE, LC_*, SOURCE_DATE_EPOCH, PWD and HOSTNAME, which stay
 * pinwheel's (docs/oci.md).  An emulator tree sets the spec's
 * emulate_arch and emulate_qemu (the binary's store path) instead. */
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
 * PW_PYTHON_MOUNT/bin first on PATH (before the variables already in the
 * spec, so a caller's --env wins). */
bool pw_roots_has_python_mount(const struct pw_root_plan *p);
/* A target of a foreign architecture (pw_emulator_needed()) must have an
 * emulator tree in @p: -ENOEXEC naming the target when it has none. */
int pw_roots_check_emulation(const struct pw_root_plan *p, struct pw_err *e);
/* Is @how a layer kind this pinwheel can build? */
bool pw_roots_known_how(const char *how);
/* "unpack, debian-root, ... or debian-cross": every how this pinwheel
 * builds, into @buf of @n bytes (truncated to fit). */
void pw_roots_list_hows(char *buf, size_t n);

#endif
