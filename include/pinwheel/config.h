/* config.h - pinwheel.json: load, validate, expand the target matrix
 * (runner/config.c).  docs/config.md is the reference for users and
 * profiles/schema/pinwheel.schema.json the machine-readable schema.
 *
 * Errors: every problem in the file is reported as one line
 * "FILE:LINE:COL: FIELD: what was expected" where LINE:COL is the key (or
 * the array element) at fault; unknown keys add "(did you mean 'x'?)" when
 * a known key is close.  Loading stops at the first error.  A config error
 * returns -EINVAL (-E2BIG for an oversized file, -errno when unreadable).
 *
 * Ownership: pw_config_load()/pw_config_parse() fill a caller-owned struct
 * pw_config, which owns everything it points to; pw_config_release() frees
 * it.  On error nothing is left allocated.  The specs' `field` strings point
 * into the config.
 */
#ifndef PINWHEEL_CONFIG_H
#define PINWHEEL_CONFIG_H

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"
#include "pinwheel/hash.h"

#define PW_CONFIG_FILE "pinwheel.json"

enum pw_base_kind {
	PW_BASE_DEBIAN,
	PW_BASE_ARCHIVE,
	PW_BASE_OCI,
};

struct pw_python {
	char *version;        /* "3.13" or "3.13t" as written */
	char *tag;            /* "cp313", "cp313t" */
	unsigned minor;       /* 13 (for ordering) */
	bool freethreaded;
	enum pw_base_kind base;
	struct pw_debian_spec debian;
	struct pw_archive_spec *archives; /* PW_BASE_ARCHIVE: >= 1 */
	size_t narchives;
	struct pw_oci_spec oci;
	char *field;          /* "python.3.13" (owned) */
};

struct pw_target {
	char *id;             /* "cp313-manylinux_x86_64" */
	const struct pw_python *py;
	const char *platform; /* points into static tables */
	const char *arch;
	const char *debian_arch;
	bool optional;        /* matched by "optional": may be left out */
};

enum pw_rust_source {
	PW_RUST_NONE,         /* no Rust */
	PW_RUST_BASE,         /* rustc and cargo come with the base */
	PW_RUST_ARCHIVE,      /* dist archives */
};

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

struct pw_config {
	char *path;           /* the file as opened */
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
	struct pw_pypi_spec build_requires;
	enum pw_rust_source rust;
	struct pw_archive_spec *rust_archives;
	size_t nrust_archives;
	struct pw_archive_spec *archives; /* extra archives in every root */
	size_t narchives;
	bool has_crates;
	struct pw_crates_spec crates;
	struct pw_env_var *env; /* sorted by name */
	size_t nenv;
	char *test_command;   /* NULL when none */
	struct pw_pypi_spec test_requires;
	struct pw_limits limits;
	bool foreign_emulate; /* "foreign": "emulate": a foreign target's tools
			       * all run under qemu (default "cross": native
			       * cross compilers in a Debian base, docs/foreign.md) */
	char digest[PW_SHA256_HEX]; /* sha256 of the canonical config */
	struct pw_target *targets;  /* the expanded matrix, sorted */
	size_t ntargets;
};

/* Parse @n bytes; @name is the file name used in messages.  @dir is the
 * directory the config lives in (copied).  0 or -errno. */
int pw_config_parse(const char *name, const char *dir, const char *data, size_t n,
		    struct pw_config *c, struct pw_err *e);
/* Load DIR/pinwheel.json, or @path itself when it is not a directory (its
 * directory is then the config's). */
int pw_config_load(const char *path, struct pw_config *c, struct pw_err *e);
void pw_config_release(struct pw_config *c);

/* Canonical form of a config: the JSON with sorted keys, no whitespace.
 * Its sha256 is c->digest. */

/* "3.13" -> "cp313" (written into @tag, PW_PYTAG_MAX bytes), *minor = 13.
 * 0 or -EINVAL. */
#define PW_PYTAG_MAX 16
int pw_python_tag(const char *version, char tag[PW_PYTAG_MAX], unsigned *minor, bool *ft);
/* Is @name a supported platform?  Fills arch and Debian arch (static). */
bool pw_platform_info(const char *name, const char **arch, const char **debian_arch);
/* Split "name==version", checking both parts.  0 or -EINVAL with e->msg
 * saying what is wrong (without position). */
int pw_pin_parse(const char *s, struct pw_pin *out, struct pw_err *e);

/* Target selection for commands: a target is selected when @only is empty
 * or its id is one of @only, and it matches none of the fnmatch globs in
 * @skip.  Fills @sel (c->ntargets entries).  An @only id that names no
 * target is an error (-EINVAL, with a "did you mean").  Returns the number
 * selected (>= 0) or -errno. */
int pw_config_select(const struct pw_config *c, const char *const *only, size_t nonly,
		     const char *const *skip, size_t nskip, bool *sel, struct pw_err *e);
/* Describe a target for providers. */
void pw_target_info(const struct pw_target *t, struct pw_target_info *out);

#endif
