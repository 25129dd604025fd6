/* config.h - pinwheel.json: load, validate, expand the target matrix
 * (runner/config.c).  docs/config.md is the reference for users and
 * profiles/schema/pinwheel.schema.json the machine-readable schema.
 *
 * The config comes from DIR/pinwheel.json or, without one, from
 * DIR/pyproject.toml (zeroconf.h): the same reader checks both.
 *
 * Errors: every problem in the file is reported as one line
 * "FILE:LINE:COL: FIELD: what was expected" where LINE:COL is the key (or
 * the array element) at fault; unknown keys add "(did you mean 'x'?)" when
 * a known key is close.  Loading stops at the first error.  A config error
 * returns -EINVAL (-E2BIG for an oversized file, -errno when unreadable).
 *
 * The keys a provider owns (python.VERSION.base.*, "build_requires",
 * "rust", "archives", "crates", "test.requires": provider.h) are parsed
 * by that provider into a struct pw_block; this module knows the matrix,
 * the environment, the test command, the limits and "foreign".
 *
 * Ownership: pw_config_load()/pw_config_parse() fill a caller-owned struct
 * pw_config, which owns everything it points to; pw_config_release() frees
 * it.  On error nothing is left allocated.
 */
#ifndef PINWHEEL_CONFIG_H
#define PINWHEEL_CONFIG_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"
#include "pinwheel/provider.h"
#include "pinwheel/target.h"

#define PW_CONFIG_FILE "pinwheel.json"

struct pw_python {
	char *version;        /* "3.13", "3.13t" or "pypy3.11" as written */
	char *tag;            /* "cp313", "cp313t", "pp311" */
	unsigned minor;       /* 13 (for ordering) */
	bool freethreaded;
	bool pypy;            /* PyPy ("pypy3.N"): Debian's pypy3 */
	struct pw_block base; /* its one key of python.VERSION.base */
	char *field;          /* "python.3.13" (owned) */
};

struct pw_target {
	char *id;             /* "cp313-manylinux_x86_64" */
	const struct pw_python *py;
	const char *platform; /* points into static tables */
	const char *arch;
	const char *debian_arch;
	bool optional;        /* matched by "optional": may be left out */
	char digest[PW_SHA256_HEX]; /* what of the config reaches this target:
				     * the canonical config without what only
				     * selects targets ("platforms", "exclude",
				     * "optional") and without the other
				     * Pythons, plus the target's id (the
				     * action cache's test key) */
	struct pw_block old_base;   /* the base of its old root
				     * ("test.old_root": a Debian base of an
				     * older suite with the target's CPython
				     * built there); provider NULL: none */
	char *old_id;               /* that root's id in the lock, "ID-SUITE"
				     * ("cp313-manylinux_x86_64-bullseye"),
				     * or NULL */
	const char *old_suite;      /* its suite (old_base's), or NULL */
	bool old_default;	    /* the old root is the default one (no
				     * "test.old_root" in the config): the lock
				     * drops it when it cannot be locked */
	char build_digest[PW_SHA256_HEX]; /* ... without "test" (command,
					   * skip, requires, extras): what
					   * reaches the build steps (the
					   * "config" of the sdist's and the
					   * wheel's action keys) */
};

struct pw_debian_spec;

struct pw_env_var {
	char *name;
	char *value;
};

struct pw_limits {
	uint64_t memory;      /* bytes; 0 = default */
	uint64_t tmpfs;       /* bytes; 0 = default */
	uint64_t timeout;     /* seconds; 0 = default */
	uint64_t pids;        /* 0 = default */
	uint64_t cpus;        /* 0 = all */
	uint64_t nofile;      /* 0 = default */
};

/* "abi3_reuse": may a target take the abi3 wheel another target of its
 * platform built (docs/build.md)? */
enum pw_abi3_reuse {
	PW_ABI3_AUTO, /* "auto" (default): when the sources declare abi3 */
	PW_ABI3_ON,   /* true: plan it whatever the sources say */
	PW_ABI3_OFF,  /* false: every target builds its own wheel */
};

enum pw_config_source {
	PW_CONFIG_JSON,  /* pinwheel.json */
	PW_CONFIG_ZERO,  /* derived from pyproject.toml alone (zeroconf.h) */
	PW_CONFIG_TOOL,  /* [tool.pinwheel] over the derived config */
};

struct pw_config {
	char *path;           /* the file as opened (pinwheel.json or pyproject.toml) */
	enum pw_config_source source;
	char *dir;            /* its directory */
	char *project;        /* project directory, relative to dir ("." default) */
	struct pw_python *pythons; /* in file order */
	size_t npythons;
	char **platforms;     /* in file order, unique */
	size_t nplatforms;
	char **exclude;       /* target-id globs */
	size_t nexclude;
	char **optional;      /* target-id globs */
	size_t noptional;
	struct pw_block *blocks; /* the providers' other keys, in the order
				  * parsed (top-level, then "test"'s) */
	size_t nblocks;
	struct pw_env_var *env; /* sorted by name */
	size_t nenv;
	char *test_command;   /* NULL when none */
	char *before_all;     /* "before_all": a shell command run once per
			       * root in its build sandbox, its changes to the
			       * root kept as a layer of it, or NULL */
	char *before_build;   /* "before_build": a shell command run in each
			       * target's build sandbox on the unpacked sdist
			       * (/src) before build_wheel, or NULL */
	char *config_settings; /* "config_settings": the PEP 517 config
				* settings of both hooks, canonical JSON (an
				* object of strings and string arrays), or NULL */
	char **test_skip;     /* "test.skip": module globs the smoke test does
			       * not import */
	struct pw_debian_spec *old_root; /* "test.old_root" as given (a suite
					  * or a Debian base), or NULL */
	bool old_root_off;    /* "test.old_root": false */
	struct pw_block *old_blocks; /* what the old roots' smoke test needs
				      * (test.requires plus the project's
				      * static [project].dependencies), the
				      * old roots' test blocks; NULL: none */
	size_t nold_blocks;
	size_t ntest_skip;
	struct pw_limits limits;
	bool foreign_emulate; /* "foreign": "emulate": a foreign target's tools
			       * all run under qemu (default "cross": native
			       * cross compilers in a Debian base, docs/foreign.md) */
	bool pure;            /* "pure": true: the project is pure Python, a
			       * py3-none-any wheel is its expected result */
	bool no_compile_cache; /* "compile_cache": false (compile_cache.h) */
	enum pw_abi3_reuse abi3_reuse; /* "abi3_reuse" (docs/build.md, "abi3
					* wheels: built once per platform") */
	char digest[PW_SHA256_HEX]; /* sha256 of the canonical config */
	char lock_digest[PW_SHA256_HEX]; /* ... without what never reaches the
					  * lock ("env", "limits",
					  * "test.command"): the lock's
					  * config_digest, its staleness */
	struct pw_target *targets;  /* the expanded matrix, sorted */
	size_t ntargets;
};

/* Parse @n bytes; @name is the file name used in messages.  @dir is the
 * directory the config lives in (copied).  0 or -errno. */
int pw_config_parse(const char *name, const char *dir, const char *data, size_t n,
		    struct pw_config *c, struct pw_err *e);
/* Load DIR/pinwheel.json, or @path itself when it is not a directory (its
 * directory is then the config's; a file named pyproject.toml is read as
 * below).  Without DIR/pinwheel.json, DIR/pyproject.toml gives the config
 * (zero config and [tool.pinwheel], zeroconf.h); neither is -ENOENT.
 * pinwheel.json and a [tool.pinwheel] table both is an error naming
 * both. */
int pw_config_load(const char *path, struct pw_config *c, struct pw_err *e);
void pw_config_release(struct pw_config *c);

/* Canonical form of a config: the JSON with sorted keys, no whitespace.
 * Its sha256 is c->digest. */

/* "3.13" -> "cp313" (written into @tag, PW_PYTAG_MAX bytes), *minor = 13;
 * "3.13t" -> "cp313t", *ft; "pypy3.11" -> "pp311" (PyPy has no "t").
 * 0 or -EINVAL. */
#define PW_PYTAG_MAX 16
int pw_python_tag(const char *version, char tag[PW_PYTAG_MAX], unsigned *minor, bool *ft);

/* Target selection for commands: a target is selected when @only is empty
 * or its id is one of @only, and it matches none of the fnmatch globs in
 * @skip.  Fills @sel (c->ntargets entries).  An @only id that names no
 * target is an error (-EINVAL, with a "did you mean").  Returns the number
 * selected (>= 0) or -errno. */
int pw_config_select(const struct pw_config *c, const char *const *only, size_t nonly,
		     const char *const *skip, size_t nskip, bool *sel, struct pw_err *e);
/* Describe a target of @c for providers. */
void pw_target_info(const struct pw_config *c, const struct pw_target *t,
		    struct pw_target_info *out);

#endif
