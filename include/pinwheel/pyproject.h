/* pyproject.h - the PEP 517 backend a project names in the
 * [build-system] table of its pyproject.toml (lib/pyproject.c), for the
 * build's frontend (runner/build/pep517.c) and the lock's hook runner
 * (toolchains/pypi/hooks.c).
 *
 * Only that table is parsed, so the rest of the file may use TOML the
 * small reader (toml.h) refuses.  Ownership: the strings of struct
 * pw_pep517 are its own (pw_pep517_release()).  Errors: 0 or -errno with
 * one line in struct pw_err naming the file and key.
 */
#ifndef PINWHEEL_PYPROJECT_H
#define PINWHEEL_PYPROJECT_H

#include "pinwheel/common.h"

struct pw_pep517 {
	char *backend;	   /* "setuptools.build_meta" */
	char **path;	   /* backend-path entries, NULL-ended (may be empty) */
	bool from_default; /* no [build-system] table: PEP 517's fallback */
};

/* Read [build-system] build-backend and backend-path from
 * @srcdir/pyproject.toml (parsed in C).  A missing file or table gives
 * "setuptools.build_meta:__legacy__".  Bad values (a backend-path that is
 * absolute or leaves the project, a backend that is not
 * "module[:object]") are -EINVAL naming the file and key. */
int pw_pep517_read(const char *srcdir, struct pw_pep517 *p, struct pw_err *e);
void pw_pep517_release(struct pw_pep517 *p);

#endif
