/* zeroconf.h - the config of a project that has only a pyproject.toml
 * (runner/zeroconf.c): what cibuildwheel's zero-config run would build,
 * as a pinwheel.json document, and [tool.pinwheel] over it.
 * docs/config.md, "Zero config" and "[tool.pinwheel]".
 *
 * Derived from pyproject.toml:
 * - python: every CPython of pw_zeroconf_pythons[] (a Debian suite that
 *   carries it) that [project].requires-python allows, judged as
 *   cibuildwheel judges it (the version 3.N.99 must match);
 * - platforms: the host's architecture only;
 * - each base: that suite with build-essential, python3.N-dev,
 *   python3.N-venv, python3-pip, ca-certificates, git and pkg-config, plus
 *   rustc and cargo for a Rust project (Cargo.toml or Cargo.lock at the
 *   top, [tool.maturin], backend maturin, or setuptools-rust or maturin
 *   required) and cmake and ninja-build for scikit-build(-core) and
 *   meson-python;
 * - build_requires: [build-system].requires as written (ranges; the lock
 *   pins them), or setuptools>=40.8.0 and wheel without [build-system];
 * - rust {"from": "base"} and crates {"cargo_lock": ...} for Rust.
 * [tool.pinwheel] has pinwheel.json's schema; each top-level key it gives
 * replaces the derived one ("version" defaults to 1).
 *
 * Ownership: returned json_t and jpos trees are the caller's (json_decref,
 * pw_jpos_free).  Errors: NULL + errno (EINVAL for a bad pyproject.toml,
 * the -errno of reading) with one line in e: "FILE:LINE:COL: key.path:
 * what".  Nothing here prints.
 */
#ifndef PINWHEEL_ZEROCONF_H
#define PINWHEEL_ZEROCONF_H

#include <jansson.h>

#include "pinwheel/common.h"
#include "pinwheel/jpos.h"
#include "pinwheel/toml.h"

#define PW_PYPROJECT_FILE "pyproject.toml"
#define PW_PYPROJECT_MAX (4u << 20)

/* The CPythons zero config knows a source for, oldest first. */
struct pw_zeroconf_python {
	unsigned minor; /* 3.minor */
	const char *suite;
	bool rust;      /* the suite's rustc and cargo build today's PyO3
			 * projects (Cargo.lock version 4, rustc >= 1.74);
			 * a Rust project's zero config leaves the others out */
};
extern const struct pw_zeroconf_python pw_zeroconf_pythons[];
extern const size_t pw_zeroconf_npythons;

/* Does the PEP 440 specifier set @spec (requires-python) allow CPython
 * 3.@minor?  cibuildwheel's rule: the version 3.minor.99 must match.  1
 * yes, 0 no, -EINVAL with e->msg saying which clause is not understood. */
int pw_requires_python_allows(const char *spec, unsigned minor, struct pw_err *e);

/* Read DIR/pyproject.toml (NULL + errno ENOENT when there is none).
 * *name gets the path used in messages (caller frees). */
struct pw_toml *pw_pyproject_read(const char *dir, char **name, struct pw_err *e);

/* Does the document have a [tool.pinwheel] table? */
bool pw_pyproject_has_tool(const struct pw_toml *doc);

/* The derived config of the project in @dir whose pyproject.toml is
 * @doc (@name in messages), without [tool.pinwheel]. */
json_t *pw_zeroconf_derive(const char *dir, const struct pw_toml *doc, const char *name,
			   struct pw_err *e);

/* The config pinwheel reads from @doc: the derived one with
 * [tool.pinwheel]'s keys over it, and *pos the positions of its values
 * (a derived value's is the [tool.pinwheel] header's, or 1:1). */
json_t *pw_zeroconf_config(const char *dir, const struct pw_toml *doc, const char *name,
			   struct pw_jpos **pos, struct pw_err *e);

#endif
