/* crates.h - Cargo.lock reading and crate vendoring for offline cargo
 * builds (toolchains/crates/: cargo_lock.c, crates.c; the "crates"
 * provider, provider_crates.c).
 *
 * Flow (docs/archives.md, "Crates"): read Cargo.lock; for every package
 * from a registry (source "registry+URL" or "sparse+URL") with a checksum,
 * find the registry's download template ("dl" in URL/config.json), expand
 * it, fetch the .crate into the store verified against the checksum, then
 * build the vendored directory as a store tree keyed by the set of locked
 * crates: one "name-version" directory per crate with the unpacked crate
 * and its .cargo-checksum.json.  pw_crates_cargo_config() gives the cargo
 * configuration that replaces crates-io with that directory.
 *
 * Packages without a source (path dependencies, the project itself) are
 * skipped; git sources are refused (-ENOTSUP naming the package).
 *
 * Ownership: structs are plain data owned by the caller and released with
 * their _release(); strings returned as char * are the caller's to free.
 * Errors: 0 or -errno with detail in struct pw_err naming the file, the
 * package and the field; pointer functions NULL + errno.  Nothing here
 * prints.
 */
#ifndef PINWHEEL_CRATES_H
#define PINWHEEL_CRATES_H

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"
#include "pinwheel/hash.h"

struct pw_provider;
struct pw_provider_ctx;
struct pw_store;
struct pw_target_info;

#define PW_CARGO_LOCK_MAX (16u << 20)
#define PW_CRATE_NAME_MAX 64
#define PW_CRATE_VERSION_MAX 128

struct pw_cargo_pkg {
	char *name;
	char *version;
	char *source;		      /* NULL for path packages */
	char checksum[PW_SHA256_HEX]; /* "" when the lock has none */
};

struct pw_cargo_lock {
	int version;		   /* the lock's "version" (1 when absent) */
	struct pw_cargo_pkg *pkgs; /* in the lock's order */
	size_t n;
};

/* Parse Cargo.lock text (@name for messages: "Cargo.lock:LINE:COL: ..."
 * for syntax, "Cargo.lock: package 'x' 1.0: ..." for content).  Checks
 * names ([A-Za-z0-9_-], at most PW_CRATE_NAME_MAX), versions (no '/',
 * spaces or controls), checksums (64 lowercase hex).  Version 1 locks
 * take checksums from their [metadata] table.  On error @out is empty. */
int pw_cargo_lock_parse(const char *name, const char *text, size_t len, struct pw_cargo_lock *out,
			struct pw_err *e);
int pw_cargo_lock_load(const char *path, struct pw_cargo_lock *out, struct pw_err *e);
void pw_cargo_lock_release(struct pw_cargo_lock *l);

/* Is @pkg vendored (a registry source)?  Git sources are not. */
bool pw_cargo_pkg_is_registry(const struct pw_cargo_pkg *pkg);

/* The key of the vendored set: sha256 of "cargo-vendor-v1\n" and one line
 * "name version checksum\n" per registry package, sorted and unique.  Two
 * locks with the same registry crates share the tree. */
void pw_cargo_lock_vendor_key(const struct pw_cargo_lock *l, char hex[PW_SHA256_HEX]);

/* The index URL (with a trailing slash) of a registry source line:
 * "sparse+https://h/p/" -> "https://h/p/", "registry+https://h/p" ->
 * "https://h/p/".  NULL + EINVAL for other sources.  Caller frees. */
char *pw_crates_index_url(const char *source);

/* Expand a config.json "dl" template for one crate: the markers {crate},
 * {version}, {prefix}, {lowerprefix}, {sha256-checksum}; a template
 * without any marker gets "/{crate}/{version}/download" appended.  Caller
 * frees.  NULL + EINVAL (e->msg) for an unknown marker. */
char *pw_crates_dl_url(const char *tmpl, const char *name, const char *version,
		       const char *checksum, struct pw_err *e);

/* Write .cargo-checksum.json into the crate directory @dirfd: {"files":
 * {relpath: sha256 of each regular file, sorted}, "package": checksum}.
 * Symlinks and the checksum file itself are not listed. */
int pw_crates_write_checksum_json(int dirfd, const char *checksum, struct pw_err *e);

struct pw_crates_opts {
	/* Registry index overrides: sources[i] (a Cargo.lock source line) is
	 * served by indexes[i] (an index base URL whose config.json is read).
	 * Needed for a git-index source line, whose config.json is not on
	 * HTTP. */
	const char *const *sources;
	const char *const *indexes;
	size_t noverrides;
	bool offline; /* the crates must already be in the store */
};

/* Index overrides read from cargo's own configuration, owned (the
 * const arrays of struct pw_crates_opts point into it). */
struct pw_crates_index_map {
	char **sources;
	char **indexes;
	size_t n;
};

/* Read cargo configuration text (config.toml) and map the registry+
 * source lines of @l that cargo would take from crates-io (every registry+
 * line that is not the index of a [registries.NAME]) to the index that
 * [source.crates-io] is replaced with (following replace-with, at most 8
 * steps, to a source with "registry" = "sparse+URL" or a URL).  Nothing is
 * added when the configuration does not replace crates-io.  Syntax errors
 * name @name:line:col. */
int pw_crates_index_map_add(struct pw_crates_index_map *m, const char *name, const char *text,
			    size_t len, const struct pw_cargo_lock *l, struct pw_err *e);
/* The same from the files cargo reads: PROJECT/.cargo/config.toml, then
 * $CARGO_HOME/config.toml (default ~/.cargo/config.toml); the first that
 * replaces crates-io wins.  Missing files are skipped. */
int pw_crates_index_map_load(struct pw_crates_index_map *m, const char *project_dir,
			     const struct pw_cargo_lock *l, struct pw_err *e);
void pw_crates_index_map_release(struct pw_crates_index_map *m);

/* Vendor the registry crates of @l into the store tree
 * trees/<vendor key>; *path (may be NULL) gets its path (caller frees),
 * *cached whether it existed.  A crate whose bytes do not match the lock
 * fails with -EBADMSG: "crate 'NAME' VERSION: sha256 mismatch: expected
 * X, got Y" (from URL). */
int pw_crates_vendor(struct pw_store *s, const struct pw_cargo_lock *l,
		     const struct pw_crates_opts *o, char **path, bool *cached, struct pw_err *e);

/* The cargo configuration (TOML text) that replaces crates-io (and every
 * other registry source of @l) with the vendored directory @dir as seen by
 * the build.  Caller frees. */
char *pw_crates_cargo_config(const struct pw_cargo_lock *l, const char *dir);

/* ---- the provider side (provider.h) ----
 *
 * The top-level key "crates": {"cargo_lock": PATH} (default "Cargo.lock",
 * relative to the project).  pw_provide_crates() reads the project's
 * Cargo.lock and adds one artifact per registry crate: kind "crate", name,
 * version, the expanded download URL, sha256 = the lock's checksum and
 * the size (from the previous lock, the store, or by fetching the crate
 * into the store), then one layer "crates", how "cargo-vendor", dest
 * PW_CRATES_DEST, listing their digests.  A missing Cargo.lock is made
 * by the root's cargo, in the root composed so far (pw_roots_compose()),
 * and kept in pinwheel.lock as the layer's "generated" file, never in the
 * user's tree: a relock reuses it while the Cargo.toml next to it is the
 * same (the layer's input), offline it must be reused or it is -ENOENT
 * naming the field (docs/archives.md).  The layer's builder vendors the
 * crates (pw_crates_vendor_locked()), adds the cargo configuration tree
 * (pw_crates_config_tree()) and, with a generated Cargo.lock, a tree
 * holding it at PW_GENERATED_DEST (so the root id covers it); a build
 * step in a root with vendored crates gets that configuration in its
 * CARGO_HOME and the generated Cargo.lock in its sources when they lack
 * one (the provider's step_prepare()).
 */
#define PW_CRATES_DEST "/opt/pinwheel/crates"
#define PW_GENERATED_DEST "/opt/pinwheel/generated"

struct pw_crates_spec {
	const char *field; /* "crates" (owned) */
	char *cargo_lock;  /* relative to the project directory */
};

/* The provider's lock(), above. */
int pw_provide_crates(struct pw_provider_ctx *pc, const struct pw_crates_spec *spec,
		      const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);

extern const struct pw_provider pw_provider_crates;

/* The builder's side of a "cargo-vendor" layer: vendor the @n locked
 * crate artifacts @a (from the store only, never the network) into the
 * same tree pw_crates_vendor() makes for the Cargo.lock they came from. */
int pw_crates_vendor_locked(struct pw_store *s, const struct pw_artifact *const *a, size_t n,
			    char **path, bool *cached, struct pw_err *e);

/* The cargo configuration of a root with vendored crates: a small
 * derived store tree (kind "cargo-config") holding only
 * ".cargo/config.toml" = pw_crates_cargo_config() for PW_CRATES_DEST, laid
 * over the root at "/" (cargo reads /.cargo/config.toml from any working
 * directory).  It replaces crates-io (every registry+ source) with the
 * vendored directory and sets net.offline.  The id depends on the text
 * only; with @s NULL only *id is computed.  *id: caller frees. */
int pw_crates_config_tree(struct pw_store *s, char **id, bool *cached, struct pw_err *e);

/* The tree of a generated file @f (kind "generated"): @f->text at
 * @f->path.  The id depends on the path and text only; with @s NULL only
 * *id is computed.  *id: caller frees. */
int pw_crates_generated_tree(struct pw_store *s, const struct pw_layer_file *f, char **id,
			     bool *cached, struct pw_err *e);

#endif
