/* pypi.h - the PyPI build-requirements provider (toolchains/pypi/pypi.c): pins
 * name==version resolved to wheels by the ROOT's own pip in the sandbox,
 * and the per-target layer those wheels install into.  docs/pypi.md.
 *
 * Sdists (test requirements only; docs/pypi.md, "Sdists"): the
 * resolution passes --prefer-binary instead of --only-binary :all:, so pip
 * takes a wheel wherever some version that fits has one, and an sdist
 * (kind "sdist") only for a project that has no usable wheel, per
 * project, in one resolution (pip's own resolver decides; no second pass
 * guessing which packages failed).  Each sdist's [build-system].requires
 * (setuptools>=40.8.0 and wheel when it has none) is then resolved to
 * wheels only, per sdist, and pinned in the same layer as its
 * "build_requires" (struct pw_layer's build): offered to the offline
 * build through --find-links, never installed.  The layer build makes a
 * wheel of each sdist with `pip wheel --no-index` in the layer's own
 * sandbox (no network; the "build" seccomp profile when the caller's
 * spec has no filter), then installs it beside the wheels.
 *
 * Lock: pw_pypi_resolve() runs `python -m pip install --dry-run
 * --ignore-installed --only-binary :all: --report ...` inside the composed
 * root with the network, parses pip's JSON report (pw_pypi_parse_report())
 * and returns one "wheel" artifact per distribution pip chose (transitive
 * dependencies included), sorted by normalised name then version.  With a
 * store, every wheel is put into it (verifying its sha256 and giving the
 * artifact's size): what the same pip downloads again by URL from its
 * HTTP cache of the resolution (`pip download --no-deps`), else through
 * the fetcher; without one the size is PW_SIZE_UNKNOWN.
 *
 * Install: pw_pypi_build_layer() installs wheels already in the store
 * into a derived store tree (how PW_PYPI_LAYER_HOW) without network: pip
 * --no-index --no-deps --require-hashes --no-compile --root /out, in the
 * root python's default install scheme (Debian: usr/local/lib/python3.X/
 * dist-packages and usr/local/bin).  The tree is meant to be laid over
 * the root at "/".
 *
 * The host's Python is never used: only the root's, in the sandbox.  pip's
 * configuration is honoured (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
 * PIP_TRUSTED_HOST, PIP_CONFIG_FILE and proxy variables pass through; the
 * caller's /etc/pip.conf, $XDG_CONFIG_HOME/pip/pip.conf or
 * ~/.config/pip/pip.conf, and /etc/resolv.conf are bound read-only).
 *
 * Ownership: the caller owns the root spec, pins and wheels it passes
 * (they are copied, never kept); returned arrays and strings belong to the
 * caller (pw_pypi_artifacts_free(), free()).  Errors: 0 or -errno with one
 * line in struct pw_err naming the target, the package or the report
 * field.  pw_sandbox_run() rules apply: call from a single-threaded
 * process.  Nothing here prints; pip's output goes to a log file whose
 * last error line is quoted in e->msg.
 */
#ifndef PINWHEEL_PYPI_H
#define PINWHEEL_PYPI_H

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"
#include "pinwheel/sandbox.h"

struct pw_lockset;
struct pw_provider;
struct pw_provider_ctx;
struct pw_store;
struct pw_target_info;

/* pinwheel's own pip (docs/pypi.md, "pip"): a root whose pip is missing or
 * too old for `install --dry-run --report` (bullseye's pip 20.3, the PyPy
 * roots, which have none installed) gets the pip wheel of PW_PIP_REQ,
 * pinned by the lock, unpacked at PW_PIP_DIR as the layer PW_PIP_LAYER
 * (how "unpack").  Every pip run of the lock, the requirement layers and
 * the smoke test then uses that pip.  pip 24.0 is the newest that runs on
 * every interpreter the suites carry (PyPy 3.7 in bullseye included). */
#define PW_PIP_DIR "/opt/pinwheel/pip"
#define PW_PIP_LAYER "pip"
#define PW_PIP_REQ "pip==24.0"

/* ---- the provider (provider_pypi.c) ----
 *
 * The keys "build_requires" and "test.requires": requirements, resolved
 * for each target by the root's own pip into one layer of how
 * PW_PYPI_LAYER_HOW ("build-requires", "test-requires") over the layers
 * below, which the provider composes for it (roots.h).  The layer's input
 * digest covers the pins and the layers below: a relock keeps it while
 * both are the same (docs/lock.md). */

/* A requirement: an exact pin name==version (@version set, @req NULL),
 * or any other PEP 508 requirement without a URL (a range, extras, a
 * marker: @req the text as written, trimmed; @version NULL), which the
 * root's pip resolves at lock time and the lock pins. */
struct pw_pin {
	char *name;
	char *version;
	char *req;
};

/* The layer test.requires is installed as (the smoke test's only: build
 * steps leave it out of their root). */
#define PW_TEST_LAYER "test-requires"

struct pw_pypi_spec {
	const char *field; /* "build_requires" or "test.requires" (owned) */
	struct pw_pin *pins;
	size_t n;
};

/* Split "name==version", checking both parts.  0 or -EINVAL with e->msg
 * saying what is wrong (without position). */
int pw_pin_parse(const char *s, struct pw_pin *out, struct pw_err *e);
/* A requirement: an exact pin as pw_pin_parse() gives it, else name
 * [extras] specifiers [; marker] checked (no "name @ url").  0 or -EINVAL
 * with e->msg. */
int pw_req_parse(const char *s, struct pw_pin *out, struct pw_err *e);

extern const struct pw_provider pw_provider_pypi;

/* The interpreter of an image with the manylinux layout among the layers
 * of the composed root @s (pw_oci_python(), topmost layer first; @version
 * "3.13" or "3.13t"), or NULL.  Caller frees. */
char *pw_pypi_image_python(const struct pw_sandbox_spec *s, const char *version);

/* ---- resolving and installing (pypi.c) ---- */

/* The layer's "how" for struct pw_layer; its builder (provider_pypi.c)
 * calls pw_pypi_build_layer() below. */
#define PW_PYPI_LAYER_HOW "pypi-install"
const char *pw_pypi_layer_how(void);

/* Parse a version 1 pip installation report (@origin names it in
 * messages).  Each "install" entry must have metadata.name,
 * metadata.version, download_info.url ending in ".whl" (else "'X' has no
 * wheel for this target") and a sha256 in download_info.archive_info
 * ("hashes": {"sha256"} or "hash": "sha256=...").  URLs carrying
 * credentials are refused.  On success *out gets *n artifacts of kind
 * "wheel" (one url each, size PW_SIZE_UNKNOWN), sorted. */
int pw_pypi_parse_report(const char *text, size_t len, const char *origin, struct pw_artifact **out,
			 size_t *n, struct pw_err *e);
void pw_pypi_artifacts_free(struct pw_artifact *a, size_t n);

/* As pw_pypi_parse_report(); with PW_PYPI_SDISTS in @flags an entry
 * whose url names an sdist ("*.tar.gz", "*.zip") becomes an artifact of
 * kind "sdist" instead of an error. */
#define PW_PYPI_SDISTS 1u
int pw_pypi_parse_report_ex(const char *text, size_t len, const char *origin, unsigned flags,
			    struct pw_artifact **out, size_t *n, struct pw_err *e);

/* The wheel's file name: the last path component of @url (without query
 * or fragment, percent-decoded).  NULL + EINVAL when it is not a plain
 * "*.whl" name.  Caller frees. */
char *pw_pypi_wheel_filename(const char *url);
/* The same for an sdist: "*.tar.gz" or "*.zip". */
char *pw_pypi_sdist_filename(const char *url);

/* The build requirements of the sdist at @path (@shown names it in
 * messages): the strings of [build-system].requires in its top-level
 * pyproject.toml (TOP/pyproject.toml), or "setuptools>=40.8.0" and
 * "wheel" when it has no pyproject.toml or no [build-system] (what pip
 * assumes).  *out (NULL-ended, caller frees each and the array) gets *n
 * strings, possibly none.  -EBADMSG for an archive libarchive cannot
 * read, -EINVAL for a [build-system] without a "requires" array of
 * strings or TOML that does not parse, -EFBIG for a pyproject.toml over
 * 1 MiB; e->msg names @shown. */
int pw_pypi_sdist_build_requires(const char *path, const char *shown, char ***out, size_t *n,
				 struct pw_err *e);

/* PEP 503 normalised name ("Foo_Bar.baz" -> "foo-bar-baz").  Caller frees. */
char *pw_pypi_normalize(const char *name);

/* Lock: resolve @pins for the root @root (not modified: a copy gets
 * --net and the binds) whose interpreter is @python (absolute, inside
 * the root).  @target names the target in messages.  @store may be NULL
 * (no download, sizes unknown).  "root of TARGET has no pip: add
 * python3-pip to the base packages" when pip is missing (-ENOENT). */
int pw_pypi_resolve(struct pw_store *store, const struct pw_sandbox_spec *root, const char *target,
		    const char *python, const struct pw_pin *pins, size_t npins,
		    struct pw_artifact **out, size_t *nout, struct pw_err *e);
/* The same for wheels of the architecture @arch ("x86_64", a platform's
 * architecture) instead of the root's own: the root's pip is given the
 * manylinux tags a machine of @arch with a recent glibc (2.41) accepts
 * (--platform, newest first, the legacy manylinux2014/2010/1 names too),
 * so a tool that runs on this machine is pinned while the lock runs in a
 * foreign target's (emulated) root.  Meant for interpreter-independent
 * tools (py3-none wheels such as ziglang); -EINVAL for an @arch that is
 * not a plain name. */
int pw_pypi_resolve_arch(struct pw_store *store, const struct pw_sandbox_spec *root,
			 const char *target, const char *python, const struct pw_pin *pins,
			 size_t npins, const char *arch, struct pw_artifact **out, size_t *nout,
			 struct pw_err *e);
/* Lock: pin pinwheel's own pip: @pin (pip==X) is downloaded with the
 * root's pip, or with Debian's pip wheel (/usr/share/python-wheels, which
 * python3-pip-whl installs) when the root has no pip installed, then that
 * pip resolves itself; its report gives the url and sha256, and the
 * downloaded file goes into @store checked against them.  *out gets one
 * "wheel" artifact (pip).  Errors as pw_pypi_resolve(); a download that
 * does not match its report is -EIO naming the wheel. */
int pw_pypi_bootstrap_pip(struct pw_store *store, const struct pw_sandbox_spec *root,
			  const char *target, const char *python, const struct pw_pin *pin,
			  struct pw_artifact **out, size_t *nout, struct pw_err *e);
/* Lock, for a base provider: add the layer PW_PIP_LAYER to @t's root in
 * @out (kept from the prior lock while the layers below are the same,
 * else bootstrapped in the root composed so far).  0 or -errno with e
 * naming @field and the target. */
int pw_pypi_lock_pip(struct pw_provider_ctx *pc, const struct pw_target_info *t,
		     const char *field, struct pw_lockset *out, struct pw_err *e);

/* ---- a foreign target's pip run natively (docs/lock.md, "What runs
 * where") ----
 *
 * A foreign target's requirements are resolved by the interpreter of the
 * same Debian suite for this machine's architecture (the same Python and
 * pip versions: checked) instead of its own under qemu.  The root spec
 * then has PW_PYPI_MACHINE_ENV=ARCH: the pip wrapper makes
 * platform.machine() answer ARCH and sysconfig.get_platform()
 * "linux-ARCH", which is all pip's packaging reads of the machine (its
 * marker environment, platform_machine, and its wheel tags: the glibc
 * version is the suite's, the same on both), and makes pip stop (exit 96)
 * before it would build an sdist to learn its metadata; the resolution
 * then returns -EAGAIN ("'X' has no wheel for TARGET: the metadata of
 * FILE must be built by the target's own interpreter"), and the caller
 * runs the target's own pip under qemu as before. */
#define PW_PYPI_MACHINE_ENV "PINWHEEL_PIP_MACHINE"

/* The root the requirements of foreign target @t (its layers locked so far
 * in @ls, its interpreter @python) are resolved in natively: @t's base
 * block locked again for this machine's architecture (the target id with
 * the host's arch: the prior lock's pins of that sibling are kept as
 * they are for it) into a lockset of its own, composed into @root
 * (pw_sandbox_spec_init()ed by the caller) with PW_PYPI_MACHINE_ENV=ARCH.
 * 1 when made; 0 when @t is not foreign (*why NULL) or the native path
 * is not sound for it (*why, caller frees: one line saying why: another
 * Python or pip version, a base that is not a Debian suite, a 32-bit
 * target, $PINWHEEL_LOCK_NATIVE=0); -errno with e->msg when composing the
 * root failed. */
int pw_pypi_host_root(struct pw_provider_ctx *pc, const struct pw_lockset *ls,
		      const struct pw_target_info *t, const char *python,
		      struct pw_sandbox_spec *root, char **why, struct pw_err *e);

/* The same allowing sdists (test requirements): *out may hold artifacts
 * of kind "sdist", and *build (caller frees with pw_pypi_artifacts_free())
 * gets the *nbuild wheels their builds need (the union of each sdist's
 * build requirements resolved to wheels, sorted, each once; none when
 * there is no sdist).  @store is required (-EINVAL): each sdist is read
 * from it.  A build requirement without a wheel fails: "sdist 'X' 1.0:
 * build requirements: ...". */
int pw_pypi_resolve_sdists(struct pw_store *store, const struct pw_sandbox_spec *root,
			   const char *target, const char *python, const struct pw_pin *pins,
			   size_t npins, struct pw_artifact **out, size_t *nout,
			   struct pw_artifact **build, size_t *nbuild, struct pw_err *e);

/* A project's PEP 517 backend: build-system.build-backend ("mod" or
 * "mod:obj") and backend-path (relative to @srcdir, the project on the
 * host).  Borrowed strings. */
struct pw_pypi_backend {
	const char *srcdir;
	const char *backend;
	char **path;
	size_t npath;
};

/* Lock: what @be adds to the build requirements of @target: the union of
 * its get_requires_for_build_sdist and get_requires_for_build_wheel
 * (PEP 517; a hook it does not define adds nothing), in order, without
 * repeats.  They run in @root (its id @root_id, as pw_roots_compose()
 * gives it) with @wheels (the resolved static requirements, blobs in
 * @store) installed as the layer fetch builds (pw_pypi_build_layer(): the
 * same tree), without the network, in a copy in /tmp of the project,
 * which is bound read-only.  *out (pw_pypi_strings_free()) gets *nout
 * requirement strings as the backend wrote them.  A hook that raises, or
 * a backend that cannot be imported: -EIO with "the backend 'B' of
 * TARGET: HOOK raised TYPE: MESSAGE" (its traceback is in the log only). */
int pw_pypi_backend_requires(struct pw_store *store, const struct pw_sandbox_spec *root,
			     const char *root_id, const char *target, const char *python,
			     const struct pw_artifact *wheels, size_t nw,
			     const struct pw_pypi_backend *be, char ***out, size_t *nout,
			     struct pw_err *e);
void pw_pypi_strings_free(char **v, size_t n);

/* Record a resolution in a lockset: each wheel is added (needed by
 * @target) and one layer named @layer_name (e.g. "build-requires") with
 * how PW_PYPI_LAYER_HOW, dest "/", the wheels' digests in the order given,
 * is appended to @target's root. */
void pw_pypi_lockset_add(struct pw_lockset *ls, const char *target, const char *layer_name,
			 const struct pw_artifact *wheels, size_t n);
/* The same, with the @nbuild wheels the layer's sdists are built with
 * (added to @ls, and as the layer's "build_requires"). */
void pw_pypi_lockset_add_build(struct pw_lockset *ls, const char *target, const char *layer_name,
			       const struct pw_artifact *wheels, size_t n,
			       const struct pw_artifact *build, size_t nbuild);

/* The tree id of the layer: sha256 of "pypi-install;v1;" + @root_id + ";"
 * + each artifact sha256 (wheels and sdists, sorted) + ";", then, when
 * @nbuild > 0, "build;" + each build wheel sha256 (sorted) + ";" (so a
 * layer of wheels alone keeps the id it had).  Caller frees. */
char *pw_pypi_layer_id(const char *root_id, const struct pw_artifact *wheels, size_t n,
		       const struct pw_artifact *build, size_t nbuild);

/* Fetch time: build (or find) the layer of @n artifacts (kind "wheel" or
 * "sdist", each blob present in @store) for @root, identified by @root_id
 * (the caller's stable id of the composed root, e.g. its tree ids), with
 * the @nbuild wheels @build for the sdists' builds.  No network in the
 * sandbox.  *treeid_out (caller frees) gets the store tree id.  A blob
 * whose bytes do not match its sha256 makes pip's --require-hashes fail:
 * -EIO with pip's error line in e->msg; nothing is committed.  A wheel
 * whose blob is missing: -ENOENT naming it.  An sdist whose build fails:
 * -EIO, "building the sdist 'X' 1.0 failed: pip exited with status 1:
 * LINE (log: PATH)", PATH the build's log kept in the store's tmp/ (as
 * tree-<id>.sdist-X-1.0.log, removed by the next `store gc`). */
int pw_pypi_build_layer(struct pw_store *store, const struct pw_sandbox_spec *root,
			const char *root_id, const char *python, const struct pw_artifact *wheels,
			size_t n, const struct pw_artifact *build, size_t nbuild, char **treeid_out,
			struct pw_err *e);

#endif
