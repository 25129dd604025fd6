/* cpython.h - CPython built from a pinned source archive (toolchains/
 * cpython/): the interpreters no Debian suite packages (free-threaded
 * "3.13t", "3.14t") for a Debian base.  docs/debian.md ("CPython from
 * source") is the reference.
 *
 * The key "cpython" of python.VERSION.base.debian (implied for a
 * free-threaded VERSION) makes `lock` pin, for each target:
 *   - the upstream tarball, kind "archive": the one in the Sources index of
 *     the base's suite (or "source_suite") for source package python3.N,
 *     read through the InRelease the apt-configured mirror signs, or the
 *     "source" archive the config names (url, sha256 and size);
 *   - the build dependencies, kind "deb": "packages" (default
 *     PW_CPYTHON_DEFAULT_PACKAGES) with their closure in the base's suite;
 * as one layer "cpython-3.Nt-ARCH", how PW_CPYTHON_LAYER_HOW, dest "/",
 * its first artifact the tarball, then the .debs, with the configure
 * arguments in the layer ("--disable-gil" for a free-threaded version,
 * then the config's "configure").  Its builder (at fetch, or when lock
 * composes a root to run pip in) makes two trees: the .debs' merged root
 * (the interpreter's runtime libraries and the build tools, laid under
 * it), and the interpreter: configure, make and make install of the
 * source in that root, in the sandbox (no network, the "build" seccomp
 * profile), ensurepip from the tarball's own pip, at
 * PW_CPYTHON_PREFIX_FMT (the manylinux images' /opt/python/cp313-cp313t,
 * with bin/python), which roots.h and the PyPI provider then take as the
 * target's interpreter.  The interpreter tree's id is the digest of the
 * tarball's sha256, the build root's id, the prefix and the configure
 * arguments (pw_cpython_tree_id()): a second use, by any project, is the
 * store's.  A failed build leaves no tree; its log is kept at
 * STORE/cache/cpython/<id>.log and the error line names it.
 *
 * A foreign target (aarch64 on x86_64: target.h pw_emulator_needed())
 * gets its interpreter cross-compiled on this machine's side instead
 * (docs/debian.md, "CPython for a foreign target"): the lock writes the
 * layer "debian-SUITE-cpython-ARCH" (how "debian-root": the target's
 * build dependencies, build-essential replaced by libc6-dev) and then
 * "cpython-3.N-ARCH" whose .debs are this machine's build root plus
 * gcc-TRIPLET and whose "build_requires" (struct pw_layer's build) are
 * the build root of the build interpreter alone, the host's own layer's
 * (same tree id).  Its builder makes the build interpreter if the store
 * lacks it, then runs the cross recipe with it and the host's tools over
 * the root so far, and lays only the interpreter into the root.
 *
 * Ownership: the spec is the Debian spec's (pw_cpython_spec_free());
 * strings returned are the caller's.  Errors: 0 or -errno with one line
 * in struct pw_err naming the config field and the target.  Nothing here
 * prints.
 */
#ifndef PINWHEEL_CPYTHON_H
#define PINWHEEL_CPYTHON_H

#include <jansson.h>

#include "pinwheel/common.h"
#include "pinwheel/hash.h"

struct pw_debian_spec;
struct pw_jcheck;
struct pw_jpos;
struct pw_lockset;
struct pw_provider_ctx;
struct pw_target_info;

extern const struct pw_provider pw_provider_cpython;

#define PW_CPYTHON_LAYER_HOW "cpython"
#define PW_CPYTHON_PREFIX_FMT "/opt/python/cp3%u-cp3%u%s"
/* What the interpreter's modules need to build (ssl, zlib, ctypes, bz2,
 * lzma, sqlite3, uuid) and the compilers. */
#define PW_CPYTHON_DEFAULT_PACKAGES                                                                \
	"build-essential", "pkg-config", "zlib1g-dev", "libffi-dev", "libssl-dev", "libbz2-dev",   \
	    "liblzma-dev", "libsqlite3-dev", "uuid-dev"

/* The old root's interpreter (docs/config.md, "test.old_root") only imports
 * the wheel and runs pip and venv: by default it is built slim, without
 * the test modules, _decimal, _elementtree and the CJK codecs, at -O1,
 * with only what pip needs (zlib, ssl) besides the compilers. */
#define PW_CPYTHON_SLIM_CONFIGURE                                                                  \
	"--disable-test-modules", "OPT=-DNDEBUG -O1", "py_cv_module__decimal=n/a",                 \
	    "py_cv_module__elementtree=n/a", "py_cv_module__multibytecodec=n/a",                   \
	    "py_cv_module__codecs_cn=n/a", "py_cv_module__codecs_hk=n/a",                          \
	    "py_cv_module__codecs_iso2022=n/a", "py_cv_module__codecs_jp=n/a",                     \
	    "py_cv_module__codecs_kr=n/a", "py_cv_module__codecs_tw=n/a"
#define PW_CPYTHON_SLIM_PACKAGES "build-essential", "zlib1g-dev", "libssl-dev"

struct pw_cpython_spec {
	char *field;	    /* "python.3.13t.base.debian.cpython" */
	char *source_suite; /* the suite whose Sources has python3.N; NULL: the base's */
	char *url;	    /* "source": an archive instead of Debian's, or NULL */
	char sha256[PW_SHA256_HEX];
	uint64_t size;
	char **configure; /* extra configure arguments */
	size_t nconfigure;
	char **packages; /* NULL: the default build dependencies */
	size_t npackages;
};

/* Is @s an argument pinwheel passes to configure: "--NAME[=VALUE]" or
 * "NAME=VALUE" (a variable, like "py_cv_module__decimal=n/a"), printable
 * ASCII? */
bool pw_cpython_arg_ok(const char *s);

/* Parse member @key of @obj (at @p, named @field) into *out (set as soon as
 * it is allocated, also on error).  0 or -EINVAL. */
int pw_cpython_parse(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		     const char *field, const char *key, struct pw_cpython_spec **out);
void pw_cpython_spec_free(struct pw_cpython_spec *spec);
/* A copy of @s (NULL: the defaults, an empty spec) named @field. */
struct pw_cpython_spec *pw_cpython_spec_dup(const struct pw_cpython_spec *s, const char *field);

/* Pin the source, the build dependencies and the layer of @t (see the top)
 * into @out, for the Debian base @base; @spec NULL: the defaults (a
 * free-threaded version without the key).  Nothing for a version that is
 * not free-threaded and has no @spec. */
int pw_provide_cpython(struct pw_provider_ctx *pc, const struct pw_debian_spec *base,
		       const struct pw_cpython_spec *spec, const struct pw_target_info *t,
		       struct pw_lockset *out, struct pw_err *e);

/* The interpreter tree's id (64 hex + NUL into @id). */
void pw_cpython_tree_id(const char *source_sha, const char *root_id, const char *prefix,
			char *const *configure, size_t nconfigure, char id[PW_SHA256_HEX]);

#endif
