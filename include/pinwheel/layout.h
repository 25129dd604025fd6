/* layout.h - known layouts of toolchain archives (toolchains/archives/layouts.c):
 * standalone Python builds and Rust dist tarballs.
 *
 * Both work on the store tree of the whole archive (unpacked without strip
 * or subdir), which stays byte-identical to the verified archive.
 *
 * Standalone Python (python-build-standalone): "python/PYTHON.json" with
 * the tree under "python/install/" (full archives), or only "python/" with
 * "bin/python3" (install_only archives).  These builds were configured
 * with prefix /install and their sysconfig data, python3-config and .pc
 * files say so (and CC=clang); rather than rewriting them, the runner
 * mounts the tree's subdir at /install inside the sandbox, where every
 * recorded path is true, and sets CC/CXX to the root's compilers.
 *
 * Rust dist ("{pkg}-{ver}-{triple}/" with "components", one directory per
 * component holding "manifest.in" and the files, and "install.sh"): the
 * wanted components' files are merged into one prefix tree (bin/rustc,
 * lib/rustlib/...), without running install.sh; rustc finds its sysroot
 * relative to itself.
 *
 * Ownership: structs are plain data released with their _release();
 * char * results are the caller's.  Errors: 0 or -errno with e->msg naming
 * the file and what was expected.  Nothing here prints.
 */
#ifndef PINWHEEL_LAYOUT_H
#define PINWHEEL_LAYOUT_H

#include "pinwheel/common.h"

struct pw_store;

enum pw_layout {
	PW_LAYOUT_PLAIN,	       /* nothing known: use the tree as it is */
	PW_LAYOUT_PYTHON_FULL,	       /* python/PYTHON.json + python/install/ */
	PW_LAYOUT_PYTHON_INSTALL_ONLY, /* python/bin/python3 */
	PW_LAYOUT_RUST_DIST,	       /* one top dir with "components" */
};

const char *pw_layout_name(enum pw_layout l);

/* Look at the unpacked archive in the directory @name under @dirfd. */
int pw_layout_detect_at(int dirfd, const char *name, enum pw_layout *out, struct pw_err *e);

#define PW_PYTHON_MOUNT "/install"

/* What the runner needs to use a standalone Python tree. */
struct pw_python_desc {
	enum pw_layout layout;
	char *mount;   /* PW_PYTHON_MOUNT: where the subdir must appear */
	char *subdir;  /* relative to the tree: "python/install" or "python" */
	char *python;  /* executable relative to the subdir: "bin/python3.12" */
	char *version; /* "3.12.7" (full) or "3.12" (install_only) */
	char *cc;      /* "cc": the root's C compiler, not the recorded clang */
	char *cxx;     /* "c++" */
};

/* Describe the standalone Python tree @name under @dirfd.  -ENOENT when
 * it is not one; -EBADMSG when PYTHON.json is unusable (message names the
 * field). */
int pw_python_describe_at(int dirfd, const char *name, struct pw_python_desc *d, struct pw_err *e);
void pw_python_desc_release(struct pw_python_desc *d);

/* Merge the components of the Rust dist tree @name under @dirfd into a
 * derived store tree (see derived.h) with id sha256("rust-dist-v1;" +
 * @src_id + ";" + components joined by ","), @src_id naming the source
 * tree (its store tree id).  @components: NULL for the default set:
 * "rustc", "cargo" and every "rust-std-*" the dist lists.  Each must be
 * listed in "components"; a manifest entry outside the component, or two
 * components providing one file, is an error. */
int pw_rust_dist_merge(struct pw_store *s, int dirfd, const char *name, const char *src_id,
		       const char *const *components, size_t ncomponents, char **path, bool *cached,
		       struct pw_err *e);

#endif
