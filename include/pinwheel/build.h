/* build.h - `pinwheel build` (runner/build/) and its pieces: the source
 * export (source.c), PEP 517 (pep517.c), the manifest (manifest.c); the
 * command itself, pw_build_run(), is build.c with the parts that
 * runner/build/build_int.h lists, around the wheel pipeline of
 * pipeline.h.  runner/cmd_build.c parses the command line.
 * docs/build.md is the reference for users, docs/manifest.md for the
 * manifest.
 *
 * Ownership: the structs are plain data filled by the callee and released
 * with their _release(); strings returned as char * and NULL-ended arrays
 * returned as char ** are the caller's (pw_strv_free()).
 * Errors: 0 or -errno with one line in struct pw_err naming the file, the
 * field or the command and what was expected; pointer functions NULL +
 * errno.  Nothing here prints but pw_build_run(): the build steps that
 * run commands write their output to the log fd they are given.
 */
#ifndef PINWHEEL_BUILD_H
#define PINWHEEL_BUILD_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/pyproject.h"

/* ---- source export (runner/build/source.c) ---- */

/* SOURCE_DATE_EPOCH when there is no git history and no config value:
 * 1980-01-01, the earliest time a zip can hold. */
#define PW_SDE_DEFAULT 315532800

enum pw_source_kind {
	PW_SOURCE_DIR,	  /* a directory: its files minus build artefacts */
	PW_SOURCE_GIT,	  /* a git work tree: the files `git ls-files` lists */
	PW_SOURCE_UNPACKED, /* a directory without git holding PKG-INFO: an
			     * unpacked sdist, which is its own sdist */
	PW_SOURCE_SDIST,  /* an sdist file, unpacked (pw_source_unpack()) */
};

struct pw_source {
	enum pw_source_kind kind;
	char *commit;		    /* HEAD's full hash, NULL outside git */
	char *version;		    /* setuptools_scm-like version without a local
				     * segment (git), PKG-INFO's Version
				     * (unpacked); else NULL */
	char *name;		    /* PKG-INFO's Name (unpacked), else NULL */
	char *describe;		    /* `git describe --tags --long --always` */
	char *toplevel;		    /* the top of the git work tree the project
				     * is in (itself or a directory above),
				     * else NULL */
	char *subdir;		    /* the project below toplevel ("" when it
				     * is the top; "python/pkg" in a monorepo) */
	char **hidden;		    /* git: tracked paths left out (PKG-INFO,
				     * pinwheel.json, ...), NULL-ended; or NULL */
	int64_t sde;		    /* HEAD's commit time, -1 outside git */
	char tree[PW_SHA256_HEX];   /* tree hash of the exported copy */
	uint64_t files;		    /* regular files exported */
};

/* Export the project @dir into the empty directory @dest (created by the
 * caller): the files `git ls-files -z` lists when @dir is in a git
 * work tree and tracking files under @dir (git runs with a cleared
 * environment and only reads) but a top-level PKG-INFO (every backend
 * writes its own: maturin refuses to overwrite one, scikit-build-core
 * adds a second), else every file except build artefacts (build/, dist/,
 * target/, .git, __pycache__, *.egg-info, wheelhouse).  In both cases
 * the absolute paths @skip_abs (NULL-ended: OUT, pinwheel.json,
 * pinwheel.lock) are left out when they lie inside @dir.  Regular files
 * get 0644/0755, symlinks are kept as they are, nothing else is copied.
 * A directory without git whose top holds PKG-INFO is an unpacked sdist
 * (kind PW_SOURCE_UNPACKED, name and version from PKG-INFO).  Fills @s
 * (version and commit time from git when available).  A project without
 * any file is -ENOENT. */
int pw_source_export(const char *dir, const char *dest, const char *const *skip_abs,
		     struct pw_source *s, struct pw_err *e);
/* Unpack the sdist @path (its top directory stripped) into the empty
 * directory @dest as pw_unpack_fd() does and fill @s (kind
 * PW_SOURCE_SDIST, the tree hash). */
int pw_source_unpack(const char *path, const char *dest, struct pw_source *s, struct pw_err *e);
/* Give the export of a git source (s->toplevel) its repository, for the
 * backends that ask git for files or the version (meson-python,
 * setuptools_scm, hatch-vcs).  @dest is the view's top: the export itself
 * when the project is the repository's top; else (s->subdir) an empty
 * directory that gets the repository's other tracked files, as HEAD's
 * index lists them, and an empty DEST/SUBDIR where the caller mounts the
 * export, so that the project sits where it sits in the repository (a
 * backend may look above it: setuptools_scm's root = "..").  DEST/.git is
 * a bare clone of the project's repository without hard links (the
 * sandbox may write to it; the user's objects stay untouched), made a
 * work tree's, HEAD detached at s->commit, its index read from HEAD, the
 * tracked paths the export left out (s->hidden) marked skip-worktree so
 * that `git status` is clean, no remote.  Git runs with a
 * cleared environment.  -errno with e naming the git command. */
int pw_source_git_view(const struct pw_source *s, const char *dest, struct pw_err *e);
void pw_source_release(struct pw_source *s);

/* setuptools_scm's default version scheme from `git describe --tags
 * --long` output "TAG-N-gHASH": N == 0 gives the tag ("v1.2.3" ->
 * "1.2.3"), N > 0 the next patch release's dev version ("1.2.4.devN"),
 * without the local segment "+gHASH" (PyPI refuses one; only the project
 * may ask for it).  A tag
 * that is not a release version (digits and dots after an optional 'v')
 * is -EINVAL.  Caller frees *out. */
int pw_scm_version(const char *describe, char **out, struct pw_err *e);

/* ---- PEP 517 (runner/build/pep517.c; the backend: pyproject.h) ---- */

/* The argv running hook @hook ("build_wheel" or "build_sdist") with
 * @python in a project at /src, writing into @outdir (inside the
 * sandbox): python -c FRONTEND HOOK OUTDIR BACKEND SETTINGS PATH...
 * The frontend imports the backend (backend-path first on sys.path),
 * calls the hook and exits 0 only when it returned.  Its config settings
 * are @settings (the config's canonical JSON object; NULL: none) over
 * pinwheel's own: build_wheel of meson-python and scikit-build-core gets
 * a fixed build directory, PW_PEP517_BUILD_DIR under /src, instead of a
 * random temporary one (docs/compile-cache.md).  Caller frees with
 * pw_strv_free(). */
#define PW_PEP517_BUILD_DIR ".pinwheel-build"

/* The frontend's text (static), for the wheel's action key. */
const char *pw_pep517_frontend(void);
char **pw_pep517_argv(const char *python, const char *hook, const char *outdir,
		      const struct pw_pep517 *p, const char *settings);

/* ---- manifest (runner/build/manifest.c) ---- */

struct json_t;

struct pw_manifest_subject {
	const char *name; /* file name in OUT */
	char sha256[PW_SHA256_HEX];
};
struct pw_manifest_dep {
	const char *uri;
	const char *name; /* may be NULL */
	char sha256[PW_SHA256_HEX];
};
struct pw_manifest {
	struct pw_manifest_subject *subjects;
	size_t nsubjects;
	struct pw_manifest_dep *deps;
	size_t ndeps;
	const char *source_uri;	   /* "git+file:...@commit" or "file:..." (may be NULL) */
	const char *source_tree;   /* tree hash of the export */
	const char *version;	   /* the version built */
	const char *config_digest; /* sha256 of the canonical config */
	const char *lock_sha256;   /* sha256 of pinwheel.lock's bytes */
	const char *const *targets;
	size_t ntargets;
	int64_t sde;
	const char *deflate_id; /* pw_wheel_deflate_id() */
	struct json_t *abi3;	/* internalParameters.abi3_reuse (borrowed):
				 * [{"wheel", "built_by", "reused_by": [...]}],
				 * or NULL when no target reused a wheel */
};
/* Write @m as an in-toto Statement v1 with a SLSA Provenance v1 predicate
 * to @path atomically (subjects and dependencies sorted by name/uri; no
 * wall-clock times, so the same build gives the same manifest). */
int pw_manifest_write(const struct pw_manifest *m, const char *path, struct pw_err *e);
/* Set predicate.runDetails.byproducts of the manifest at @path to
 * @byproducts (a JSON array of SLSA ResourceDescriptors, not consumed),
 * rewriting the file atomically (pinwheel verify's evidence). */
int pw_manifest_add_byproducts(const char *path, struct json_t *byproducts, struct pw_err *e);

/* ---- abi3 wheels (runner/build/abi3.c; docs/build.md, "abi3 wheels") ---- */

/* The CPython minor version an abi3 wheel needs: its file name's tags
 * (@name_py, @name_abi: "cp311", "abi3") and every "Tag:" line of its
 * WHEEL file (@tags, NULL-ended) must all say cp3XY-abi3, with one and
 * the same cp3XY.  0 with *minor set (11 for cp311), or -EINVAL (not an
 * abi3 wheel of CPython 3, or its name and WHEEL disagree). */
int pw_abi3_floor(const char *name_py, const char *name_abi, char *const *tags, unsigned *minor);
/* Does an abi3 wheel needing CPython 3.@floor serve a target whose
 * Python tag is @py_tag ("cp313")?  Only CPython 3.@floor or later, and
 * not a free-threaded build ("cp313t": it has no limited API, PEP 703;
 * PEP 803's abi3t is another tag), never PyPy ("pp311"). */
bool pw_abi3_covers(unsigned floor, const char *py_tag);
/* Do the sources in @dir declare abi3 wheels?  Looks at the top-level
 * pyproject.toml, setup.cfg, setup.py and Cargo.toml (their first MiB,
 * never through a symlink) for what asks a backend for them:
 * setuptools' and setuptools-rust's py_limited_api (py-limited-api),
 * pyo3's abi3 features (abi3, abi3-py38), scikit-build-core's
 * wheel.py-api, meson-python's limited-api.  The file and the word found
 * go into @why (for the log), "" when none. */
bool pw_abi3_declared(const char *dir, char *why, size_t n);

/* ---- the command (runner/build/build.c) ---- */

struct pw_build_opts {
	const char *dir;	/* project directory (holds pinwheel.json) */
	const char *sdist;	/* an sdist file to build from (no sdist step), or NULL */
	const char *const *only; /* target ids */
	size_t nonly;
	const char *const *skip; /* target-id globs */
	size_t nskip;
	unsigned jobs;		/* targets built at once (0: the CPUs, at most the targets) */
	const char *out;	/* NULL: DIR/wheelhouse */
	const char *store_dir;
	bool no_cache;		/* --no-cache: build even on a hit (still records) */
	bool no_cache_write;	/* --no-cache-write: and record nothing (verify's build B);
				 * both also turn the compile cache off */
	bool no_compile_cache;	/* --no-compile-cache (compile_cache.h) */
	bool compile_cache_on;	/* --no-action-cache: no_cache for the action
				 * cache and before_all, the compile cache still
				 * used (no_compile_cache wins) */
	bool stats;		/* --stats: the per-target cache table */
	unsigned shard_k, shard_n; /* --shard K/N (shard_n 0: no sharding) */
	const char *cache_url;	/* the remote action cache (--cache-url, else
				 * $PINWHEEL_CACHE_URL; NULL: the local cache only) */
	uint64_t sde;		/* --release-epoch (0: not given): the release's
				 * SOURCE_DATE_EPOCH, over the source's and the
				 * config's (verify --against, from the manifest) */
};
/* Run `pinwheel build`: prints progress, the summary (or --json) and
 * errors; returns the exit status (0, 1 when a target failed, 2 for a
 * configuration or lock problem). */
int pw_build_run(const struct pw_build_opts *o);

/* --shard "K/N" with 1 <= K <= N: 0 or -EINVAL. */
int pw_shard_parse(const char *s, unsigned *k, unsigned *n);
/* Keep in @sel (n entries) only shard @k of @nshards: the selected
 * targets in matrix order dealt round-robin, the i-th (from 0) going to
 * shard i % N + 1.  Returns how many stay selected. */
size_t pw_shard_select(bool *sel, size_t n, unsigned k, unsigned nshards);

/* ---- helpers ---- */
void pw_strv_free(char **v);

#endif
