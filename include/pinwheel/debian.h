/* debian.h - the Debian base-root provider (toolchains/deb_*.c, apt_sources.c,
 * debian.c).  docs/debian.md describes the rules in prose.
 *
 * Pieces, each in its own file:
 *   deb_version.c  dpkg's version comparison (epoch:upstream-revision)
 *   deb_control.c  deb822 stanza parser (Packages, Release, .sources)
 *   apt_sources.c  the machine's apt configuration and mirror choice
 *   deb_release.c  InRelease: gpgv verification, SHA256 list, index fetch
 *   deb_resolve.c  dependency closure of a package set in one index
 *   debian.c       suite+arch+mirror+names -> pinned .debs (the lock)
 *   deb_root.c     the merged root tree with its fix-ups
 *   provider_debian.c  the "debian" provider (provider.h): the key "debian"
 *                  of python.VERSION.base, one artifact of kind "deb" per
 *                  package of the closure and one layer "debian-SUITE-ARCH",
 *                  how "debian-root" (the merged root), then what a foreign
 *                  target needs (emulator.h)
 *
 * Ownership: structs named *_release()/free() own their strings; every
 * char * field in a struct declared here is owned by that struct unless
 * the comment says "borrowed".  Functions returning char * hand it to the
 * caller (caller frees).
 * Errors: actions return 0 or -errno with one line in the caller's struct
 * pw_err (names the file, field, URL or package); pointer functions return
 * NULL and set errno.  Nothing here prints.
 */
#ifndef PINWHEEL_DEBIAN_H
#define PINWHEEL_DEBIAN_H

#include <jansson.h>

#include "pinwheel/artifact.h"
#include "pinwheel/buf.h"
#include "pinwheel/common.h"
#include "pinwheel/hash.h"

struct pw_cpython_spec;
struct pw_provider;
struct pw_provider_ctx;
struct pw_store;

/* ---- dpkg versions (deb_version.c) ---- */

/* Is @v a well-formed Debian version (deb-version(7)): optional numeric
 * epoch, upstream starting with a digit and made of [A-Za-z0-9.+~-:]
 * (':' only with an epoch, '-' only with a revision), optional revision of
 * [A-Za-z0-9.+~]? */
bool pw_deb_version_valid(const char *v);
/* Compare two versions exactly as dpkg does: <0, 0, >0.  Total for any
 * strings (a missing epoch is 0, a missing revision is ""), so it may be
 * used on unchecked input. */
int pw_deb_version_cmp(const char *a, const char *b);

/* Relations of a versioned dependency. */
enum pw_deb_rel { PW_DEB_ANY, PW_DEB_LT, PW_DEB_LE, PW_DEB_EQ, PW_DEB_GE, PW_DEB_GT };
/* Does version @have satisfy "(@rel @want)"?  PW_DEB_ANY is always true. */
bool pw_deb_version_satisfies(const char *have, enum pw_deb_rel rel, const char *want);
/* "<<", "<=", "=", ">=", ">>" ("" for ANY). */
const char *pw_deb_rel_str(enum pw_deb_rel rel);

/* ---- deb822 control data (deb_control.c) ---- */

#define PW_DEB_MAX_FIELDS 256	    /* fields per stanza */
#define PW_DEB_MAX_VALUE (4u << 20) /* bytes of one field's value */
#define PW_DEB_MAX_NAME 128	    /* bytes of a field name */

struct pw_deb_field {
	char *name;  /* as written (compare case-insensitively) */
	char *value; /* leading/trailing blanks removed; continuation lines
		      * joined with '\n', each without its leading blank;
		      * a lone "." line becomes an empty line */
};

struct pw_deb_stanza {
	struct pw_deb_field *fields;
	size_t n, alloc;
	unsigned line; /* first line of the stanza (1-based) */
};

/* A parser over a caller-owned buffer (borrowed; must outlive it). */
struct pw_deb_parser {
	const char *data;
	size_t len, pos;
	unsigned line;
	const char *name; /* for messages: file name or URL (borrowed) */
};

void pw_deb_parser_init(struct pw_deb_parser *p, const char *name, const char *data, size_t len);
/* Parse the next stanza into @st (its previous content released first).
 * Blank lines separate stanzas; lines starting with '#' are comments.
 * Returns 1 with a stanza, 0 at the end, -EBADMSG with "NAME:LINE: what"
 * for malformed input (a continuation line before any field, a line
 * without ':', an empty field name, a duplicate field, more than
 * PW_DEB_MAX_FIELDS fields, a value past PW_DEB_MAX_VALUE, a NUL byte). */
int pw_deb_parser_next(struct pw_deb_parser *p, struct pw_deb_stanza *st, struct pw_err *e);
/* The value of field @name (case-insensitive) or NULL.  Borrowed. */
const char *pw_deb_stanza_get(const struct pw_deb_stanza *st, const char *name);
void pw_deb_stanza_release(struct pw_deb_stanza *st);

/* ---- apt configuration (apt_sources.c) ---- */

struct pw_apt_source {
	char *file; /* the file it came from, relative to the root */
	unsigned line;
	bool deb; /* Types has "deb" (deb-src-only entries are kept but unused) */
	bool enabled;
	char **uris;
	size_t nuris;
	char **suites;
	size_t nsuites;
	char **components;
	size_t ncomponents;
	char **arches;
	size_t narches;	 /* empty: any */
	char *signed_by; /* a keyring path, or NULL */
};

struct pw_apt_sources {
	struct pw_apt_source *v;
	size_t n;
};

/* Read etc/apt/sources.list and etc/apt/sources.list.d/{*.list,*.sources}
 * (names sorted, other names ignored, as apt does) under @root ("/" for the
 * machine).  Missing files are fine; a malformed one fails with the file
 * and line.  On error @out is left empty. */
int pw_apt_sources_read(const char *root, struct pw_apt_sources *out, struct pw_err *e);
/* Parse one file's text; @deb822 selects the .sources format. */
int pw_apt_sources_parse(const char *file, const char *text, size_t len, bool deb822,
			 struct pw_apt_sources *out, struct pw_err *e);
void pw_apt_sources_release(struct pw_apt_sources *s);

/* Mirror choice (docs/debian.md "Mirror selection"): among enabled "deb"
 * entries whose Architectures (if any) include @arch, the first whose
 * Suites include @suite exactly; otherwise the first whose suite is a
 * Debian archive suite (a Debian codename or alias, optionally with
 * "-updates" or "-backports", never "-security"), taken with @suite in its
 * place.  *mirror gets the first URI without a trailing slash, *signed_by
 * the entry's keyring or NULL (both caller frees).  -ENOENT with a message
 * naming @suite when nothing fits. */
int pw_apt_pick_mirror(const struct pw_apt_sources *s, const char *suite, const char *arch,
		       char **mirror, char **signed_by, struct pw_err *e);

/* ---- Release files and indexes (deb_release.c) ---- */

#define PW_DEB_DEFAULT_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
#define PW_DEB_MAX_RELEASE (16u << 20) /* bytes of an InRelease */
#define PW_DEB_MAX_INDEX (1024u << 20) /* bytes of a decompressed Packages */

struct pw_deb_release_file {
	char *path; /* relative to dists/SUITE/ */
	char sha256[PW_SHA256_HEX];
	uint64_t size;
};

struct pw_deb_release {
	char *suite, *codename;
	char *date; /* "Date" as a snapshot timestamp "YYYYMMDDTHHMMSSZ" (UTC),
		     * or NULL when absent or not an RFC 2822 date */
	char **arches;
	size_t narches;
	char **components;
	size_t ncomponents;
	struct pw_deb_release_file *files;
	size_t nfiles;
};

/* Verify the clear-signed @path with `gpgv --keyring @keyring` and write
 * the signed text (only what the signature covers) into @out.  @name (the
 * URL) names it in messages.  -EBADMSG
 * "bad signature" with gpgv's own reason, -ENOENT when @keyring is missing,
 * -errno when gpgv cannot run. */
int pw_deb_inrelease_verify(const char *path, const char *name, const char *keyring,
			    struct pw_buf *out, struct pw_err *e);
/* Take the text of a clear-signed message without verifying it (for
 * explicitly unverified use): the part between the armour header block and
 * the signature, dash-escaping undone.  Plain text (a Release file) is
 * returned as it is. */
int pw_deb_clearsigned_body(const char *data, size_t len, struct pw_buf *out, struct pw_err *e);
/* "Sat, 06 Dec 2026 08:14:32 UTC" (a Release file's Date: RFC 2822, zone
 * UTC, GMT, Z or +HHMM/-HHMM) as "20261206T081432Z" in @out (>= 17 bytes).
 * 0, or -EINVAL when it is not such a date. */
int pw_deb_date_to_snapshot(const char *date, char out[17]);
/* Parse Release text. @name names it in messages. */
int pw_deb_release_parse(const char *name, const char *text, size_t len, struct pw_deb_release *out,
			 struct pw_err *e);
/* The SHA256 entry for @path, or NULL. Borrowed. */
const struct pw_deb_release_file *pw_deb_release_find(const struct pw_deb_release *r,
						      const char *path);
void pw_deb_release_release(struct pw_deb_release *r);
/* Decompress the (xz, gzip, bzip2, zstd, lz4 or plain) bytes into @out
 * (capped by out->max: -E2BIG) with libarchive's raw format.  Empty
 * input gives empty output. */
int pw_deb_decompress_mem(const void *data, size_t len, struct pw_buf *out, struct pw_err *e);
/* GET @url (http, https or file) into @out (capped by out->max: -E2BIG).
 * *http_code gets the HTTP status (0 for file: or no answer).  -ENOENT
 * for 404/410 or a missing file, -EHOSTUNREACH when the server cannot be
 * reached (message has libcurl's reason), -EIO for other HTTP errors. */
int pw_deb_http_get(const char *url, struct pw_buf *out, long *http_code, struct pw_err *e);
/* Is @url served?  A HEAD request (http, https; file: the file exists),
 * nothing downloaded.  *http_code as for pw_deb_http_get(); 0 when it is
 * served, else its errors. */
int pw_deb_http_head(const char *url, long *http_code, struct pw_err *e);

/* ---- the resolver (deb_resolve.c) ---- */

/* One binary package of an index.  Strings owned by the index. */
struct pw_deb_pkg {
	char *name, *version, *arch;		/* arch: the native arch or "all" */
	char *multi_arch;			/* "no" when absent */
	char *depends, *pre_depends, *provides; /* NULL when absent */
	char *filename, *sha256;
	uint64_t size;
	bool essential, required;
	const char *component; /* borrowed from the index */
};

struct pw_deb_index;

/* An empty index for architecture @arch; @where names it in messages
 * ("bookworm/main amd64"). */
struct pw_deb_index *pw_deb_index_new(const char *arch, const char *where);
void pw_deb_index_free(struct pw_deb_index *ix);
/* Add every stanza of a Packages file whose Architecture is the index's or
 * "all".  Stanzas without Package/Version/Filename/SHA256/Size fail with
 * the file and line. */
int pw_deb_index_add_packages(struct pw_deb_index *ix, const char *name, const char *component,
			      const char *data, size_t len, struct pw_err *e);
size_t pw_deb_index_count(const struct pw_deb_index *ix);

struct pw_deb_resolve_opts {
	const char *const *names; /* requested packages: "name" or "name (= version)" */
	size_t nnames;
	bool with_required; /* add the Essential: yes / Priority: required set */
};

/* The result: selected packages sorted by name (borrowed from the index,
 * so the index must outlive it). */
struct pw_deb_selection {
	const struct pw_deb_pkg **v;
	size_t n;
};

/* Resolve the closure (docs/debian.md "Resolver").  -ENOENT for an unknown
 * requested package; -ESRCH for an unsatisfiable dependency, with the
 * chain in e->msg ("a (requested) -> b (>= 2) -> c: no package 'c' in
 * WHERE"); -EINVAL for a malformed relationship field (names the package
 * and field). */
int pw_deb_resolve(const struct pw_deb_index *ix, const struct pw_deb_resolve_opts *o,
		   struct pw_deb_selection *out, struct pw_err *e);
void pw_deb_selection_release(struct pw_deb_selection *s);

/* ---- the provider (debian.c) ---- */

/* One pinned .deb. */
struct pw_deb_artifact {
	char *package, *version, *arch;
	char *url; /* mirror + "/" + Filename */
	/* Where a snapshot archive keeps it (docs/debian.md "Snapshots"): the
	 * archive ("debian", "debian-security", "debian-ports"), the Release
	 * file's Date (or the time of the lock) as YYYYMMDDTHHMMSSZ, and the
	 * pool path (the Filename). */
	char *snap_archive, *snap_date, *snap_path;
	char sha256[PW_SHA256_HEX];
	uint64_t size;
};

struct pw_debian_opts {
	const char *suite;    /* required: "bookworm", "trixie", ... */
	const char *arch;     /* required: Debian arch name ("amd64", "arm64", ...) */
	const char *mirror;   /* NULL: from the apt configuration under apt_root */
	const char *apt_root; /* NULL: "/" */
	const char *const *components;
	size_t ncomponents; /* none: "main" */
	const char *const *packages;
	size_t npackages;
	const char *keyring;   /* NULL: the source's Signed-By, else the Debian keyring */
	bool allow_unverified; /* accept an index that cannot be verified (no keyring) */
	bool no_required;      /* leave out the required/essential set (tests) */
};

struct pw_debian_lock {
	char *mirror;	   /* the mirror used */
	char *verified_by; /* the keyring that verified InRelease, or NULL */
	struct pw_deb_artifact *v;
	size_t n; /* sorted by package name */
};

/* Fetch and verify InRelease, fetch the Packages index of each component
 * (or take it from @store, which keeps each index checked against the
 * InRelease as the blob of its SHA256; NULL: no store, fetch every time),
 * resolve, and fill @out.  On error @out is left empty. */
int pw_debian_lock(struct pw_store *store, const struct pw_debian_opts *o,
		   struct pw_debian_lock *out, struct pw_err *e);
void pw_debian_lock_release(struct pw_debian_lock *l);

/* A source package's upstream tarball ("PKG_UPSTREAM.orig.tar.xz", .gz or
 * .bz2), as the suite's Sources index of main lists it. */
struct pw_deb_source {
	char *package;	/* "python3.13" */
	char *version;	/* the source package's: "3.13.5-2+deb13u5" */
	char *upstream; /* "3.13.5" */
	char *file;	/* "python3.13_3.13.5.orig.tar.xz" */
	char *url;	/* mirror + "/" + Directory + "/" + file */
	/* Where a snapshot archive keeps it, as for a .deb (docs/debian.md
	 * "Snapshots"): the archive, the Release file's Date, the pool path
	 * (Directory + "/" + file). */
	char *snap_archive, *snap_date, *snap_path;
	char sha256[PW_SHA256_HEX];
	uint64_t size;
};
void pw_deb_source_release(struct pw_deb_source *s);
/* The upstream tarball of source package @package in suite o->suite
 * (mirror and keyring chosen as pw_debian_lock() does; o->arch picks the
 * apt source): InRelease fetched and verified, main/source/Sources (xz,
 * gz or plain) checked against it, the stanza of the highest Version
 * taken, its orig tarball's Checksums-Sha256 line.  -ENOENT when the
 * suite has no such source package (e->msg names it and the index). */
int pw_debian_source_orig(const struct pw_debian_opts *o, const char *package,
			  struct pw_deb_source *out, struct pw_err *e);
/* The same, every stanza of @package with an orig tarball: *out an array
 * of *n, newest Version first (the caller releases each and frees it).
 * -ENOENT as above when there is none; also when the suite is not on the
 * mirror (no InRelease). */
int pw_debian_source_origs(const struct pw_debian_opts *o, const char *package,
			   struct pw_deb_source **out, size_t *n, struct pw_err *e);

/* Fetch every artifact into @store (verified by sha256 and size). */
int pw_debian_fetch(struct pw_store *store, const struct pw_deb_artifact *a, size_t n,
		    struct pw_err *e);

/* The version of the fix-up table; part of every root id. */
#define PW_DEB_FIXUPS_VERSION 2

/* Root id: sha256 of "debian-root;fixups=V;arch=A;" + each artifact's
 * sha256 in order + ";".  Caller frees. */
char *pw_debian_root_id(const struct pw_deb_artifact *a, size_t n, const char *arch);
/* Make (or find) the merged root of the fetched artifacts (in the given
 * order) as store tree trees/<root id>: each .deb's data.tar unpacked, its
 * files moved into one tree (merged-/usr applied), then the fix-ups.
 * *path (may be NULL) gets the tree path (caller frees). */
int pw_debian_make_root(struct pw_store *store, const struct pw_deb_artifact *a, size_t n,
			const char *arch, char **path, bool *cached, struct pw_err *e);
/* Apply the fix-up table (docs/debian.md "Fix-ups") to the tree open at
 * @rootfd: merged-/usr links, /bin/sh, cc/c++/awk alternatives, passwd and
 * group, mount points.  Idempotent. */
int pw_deb_fixups_apply(int rootfd, const char *arch, struct pw_err *e);
/* Move everything in @srcfd into @dstfd (same file system), mapping the
 * top-level bin, sbin, lib* directories into usr/ (merged /usr).  A file
 * already present in @dstfd is replaced (later packages win).  @srcfd is
 * left with empty directories. */
int pw_deb_merge_into(int srcfd, int dstfd, struct pw_err *e);

/* ---- the provider (provider_debian.c) ---- */

/* python.VERSION.base.debian: suite + packages (plus their dependencies,
 * resolved by the provider) for the target's Debian architecture. */
struct pw_debian_spec {
	const char *field; /* e.g. "python.3.13.base.debian" (owned) */
	char *suite;	   /* "bookworm", "trixie", "sid", ... */
	char **packages;
	size_t npackages;
	char *mirror;  /* NULL: the machine's apt configuration */
	char *keyring; /* NULL: the apt source's Signed-By, else Debian's
			* keyring; relative to the project directory */
	struct pw_cpython_spec *cpython; /* "cpython": the interpreter built
					  * from source (cpython.h), or NULL */
	bool old_root; /* the base of a target's old root (test.old_root,
			* pw_debian_old_root_block()): no cross layer */
};

/* Helpers of the Debian-based providers (provider_debian.c, emulator.c):
 * the spec's keyring as a path (relative ones from the project directory;
 * NULL when none; caller frees), and one .deb of a Debian lock added to
 * @out as a kind "deb" artifact needed by @target. */
char *pw_debian_spec_keyring(const struct pw_provider_ctx *pc, const struct pw_debian_spec *spec);
/* The store pw_debian_lock() keeps Packages indexes in: the lock's
 * (opened on first use), or NULL offline, without a store directory, or
 * when it cannot be opened (then the indexes are fetched every time). */
struct pw_store *pw_debian_index_store(struct pw_provider_ctx *pc);
void pw_lockset_add_deb(struct pw_lockset *out, const struct pw_deb_artifact *d, const char *target);

/* The builder of "debian-root" layers (and of emulator.h's
 * "debian-cross"): the merged root of the layer's .debs, the architecture
 * the last '-' part of the layer's name "debian-SUITE-ARCH" (roots.h). */
struct pw_layer;
struct pw_layer_ctx;
int pw_debian_build_root_layer(struct pw_layer_ctx *lc, const struct pw_layer *l,
			       struct pw_err *e);

struct pw_block;
struct pw_jcheck;
struct pw_jpos;

/* ---- the old root of the smoke test (docs/config.md, "test.old_root") ----
 *
 * A target whose wheel promises more than its own root shows (a manylinux
 * floor) is smoke-tested a second time in an older Debian base carrying
 * the target's own CPython version built from source there (cpython.h), so
 * that the interpreter needs nothing newer than that suite's glibc. */

#define PW_OLD_ROOT_SUITE "bullseye" /* the oldest suite the mirrors carry */
#define PW_OLD_ROOT_PACKAGES "build-essential", "ca-certificates" /* pip at lock needs the CAs */

/* Parse member @key of @obj (at @p, named @field: "test"): false (*off
 * true, *out NULL), a suite ("bullseye"), or an object with the keys of a
 * Debian base ("suite" required; "packages" optional, default
 * PW_OLD_ROOT_PACKAGES; "mirror", "keyring", "cpython").  *out is set as
 * soon as it is allocated, also on error (freed with
 * pw_debian_spec_free()).  0 or -EINVAL with the config's message. */
int pw_debian_parse_old_root(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
			     const char *field, const char *key, struct pw_debian_spec **out,
			     bool *off);
void pw_debian_spec_free(struct pw_debian_spec *spec);
/* The suite of @b when it is a Debian base block, else NULL. */
const char *pw_debian_block_suite(const struct pw_block *b);
/* The old root's base block for a target whose base block is @base (a
 * Debian base): @old's suite, packages, mirror (else @base's, with its
 * keyring) and "cpython" (else @base's, else the defaults), the tarball
 * from the suite that carries the target's version ("source_suite", else
 * @base's own source suite, else @base's suite), built in @old's suite.
 * Fills @out (released with pw_block_release()); false, @out untouched,
 * when @base is not a Debian base or is of @old's suite itself. */
bool pw_debian_old_root_block(const struct pw_block *base, const struct pw_debian_spec *old,
			      struct pw_block *out);

extern const struct pw_provider pw_provider_debian;

#endif
