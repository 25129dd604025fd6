/* repair.h - vendor disallowed libraries into a wheel (runner/wheel/repair.c).
 *
 * Given an unpacked wheel whose audit lists externals, for each external
 * library (and, recursively, its own externals) found in the target root:
 * copy it into "<dist>.libs/" under the content-hashed name
 * "libfoo-<first 8 hex of its sha256>.so.N", set that copy's SONAME,
 * replace the DT_NEEDED entry in every ELF member that needs it, and set
 * each user's RUNPATH to "$ORIGIN/<relative path to dist.libs>".  The
 * ELF edits are made by patchelf running inside the target root's
 * sandbox (see docs/repair.md for why and which versions are refused).
 * The caller then retags, re-audits and repacks.
 *
 * Ownership: plain data; the caller owns @root_spec.  Errors: 0 or -errno
 * with one line naming the wheel, the library and what failed
 * ("libfoo.so.1: not found in the root's library path (/usr/lib/x86_64-linux-gnu, ...)").
 * Nothing here prints.
 */
#ifndef PINWHEEL_REPAIR_H
#define PINWHEEL_REPAIR_H

#include "pinwheel/audit.h"
#include "pinwheel/common.h"

struct pw_sandbox_spec;

struct pw_repair_opts {
	const struct pw_policy_set *policies;
	/* The target root, composed (layers, binds), used read-only to find
	 * libraries and to run patchelf; the repair adds its own binds to a
	 * copy. */
	const struct pw_sandbox_spec *root;
	const char *arch; /* "x86_64": the library directories searched */
	const char *plat; /* the policy asked for, NULL: the audit's best */
};

struct pw_repair_result {
	char **vendored;  /* "hybrid.libs/libfoo-1234abcd.so.1" */
	char **libraries; /* the DT_NEEDED name each replaces: "libfoo.so.1" */
	size_t nvendored;
};

/* Repair the unpacked wheel at @dir (a host path: it is bound into the
 * sandbox) whose audit is @a. */
int pw_repair_dir(const struct pw_repair_opts *o, const char *dir,
		  const struct pw_audit_result *a, struct pw_repair_result *r, struct pw_err *e);
void pw_repair_result_release(struct pw_repair_result *r);

/* Check the first line of `patchelf --version` ("patchelf 0.18.0"): 0, or
 * -EPERM for a known-bad version (<= 0.14.3: bad RPATHs, auditwheel#722;
 * 0.17.0: broken binaries, manylinux#1421), -EINVAL when unreadable. */
int pw_repair_patchelf_check(const char *version_line, struct pw_err *e);

#endif
