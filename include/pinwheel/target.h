/* target.h - what a target is, as providers and roots see it
 * (toolchains/target.c): the platforms pinwheel builds for, the machine
 * pinwheel runs on, and struct pw_target_info, the description of one
 * target the runner hands to a provider.
 *
 * A target id is "TAG-PLATFORM" ("cp313-manylinux_x86_64"), in the matrix
 * order of the platforms below.  Foreign targets (another architecture
 * than this machine's) run their tools under qemu-user or build with
 * native cross compilers (docs/foreign.md).
 *
 * Ownership: every string here is static or borrowed (struct
 * pw_target_info points into the caller's config).  Errors: the one
 * action returns 0 or -EINVAL with the message in struct pw_err.
 * Nothing here prints.
 */
#ifndef PINWHEEL_TARGET_H
#define PINWHEEL_TARGET_H

#include "pinwheel/common.h"

struct pw_block;
struct pw_jcheck;
struct pw_jpos;

struct pw_platform {
	const char *name;	 /* "manylinux_x86_64" */
	const char *arch;	 /* "x86_64", "aarch64", "i686", "ppc64le", "s390x", "armv7l" */
	const char *debian_arch; /* "amd64", "arm64", "i386", "ppc64el", "s390x", "armhf" */
};

/* The platforms, in the canonical order (the matrix is sorted by it),
 * ended by an entry whose name is NULL. */
extern const struct pw_platform pw_platforms[];
/* The platform named @name, or NULL. */
const struct pw_platform *pw_platform_find(const char *name);
/* Is @name a supported platform?  Fills arch and Debian arch (static;
 * either may be NULL). */
bool pw_platform_info(const char *name, const char **arch, const char **debian_arch);
/* The config's check of a platform name @s at @p (jcheck.h): 0, or
 * -EINVAL with "FILE:L:C: FIELD: unknown platform 'S' (did you mean
 * ...)". */
int pw_platform_check(const struct pw_jcheck *j, const struct pw_jpos *p, const char *field,
		      const char *s);

/* This machine's architecture as the platforms name it ("x86_64",
 * "aarch64", ...; uname's machine), and as Debian does ("amd64",
 * "arm64", ...; NULL when unknown).  Borrowed, static. */
const char *pw_host_arch(void);
const char *pw_host_debian_arch(void);
/* Does a target of architecture @arch ("aarch64", "i686", ...) need an
 * emulator here?  False for the host's own and for i686 on x86_64. */
bool pw_emulator_needed(const char *arch);
/* Does a target of architecture @arch run natively here in the 32-bit
 * execution domain (sandbox.h, linux32)?  True for i686 on x86_64, where
 * uname(2) would otherwise say "x86_64" to the i386 root's tools. */
bool pw_linux32_needed(const char *arch);
/* The architecture name of --emulate (and of qemu-ARCH) for a platform
 * architecture ("aarch64" -> "aarch64", "i686" -> "i386", "armv7l" ->
 * "arm"). */
const char *pw_emulator_arch(const char *arch);

/* What one target is: filled by the runner from its config for the
 * providers (provider.h). */
struct pw_target_info {
	const char *id;		 /* "cp313-manylinux_x86_64" */
	const char *python;	 /* "3.13", "3.13t", "pypy3.11" (as the config
				  * names it) */
	const char *python_tag;	 /* "cp313", "pp311" */
	const char *platform;	 /* "manylinux_x86_64" */
	const char *arch;	 /* "x86_64", "aarch64", "i686" */
	const char *debian_arch; /* "amd64", "arm64", "i386" */
	bool foreign_emulate;	 /* "foreign": "emulate": a foreign target's tools
				  * all run under qemu, no cross layer */
	bool pure;		 /* "pure": true: no compiled code, no floor */
	const struct pw_block *base; /* its root's base block (provider.h), or
				      * NULL: what a provider may lock again
				      * for another architecture (pypi.h,
				      * pw_pypi_host_root()) */
};

/* Is the config's Python @version ("pypy3.11") PyPy? */
bool pw_python_is_pypy(const char *version);
/* The interpreter of the config's Python @version in the directory @dir
 * of a root: "3.13" -> DIR/python3.13, "3.13t" -> DIR/python3.13t,
 * "pypy3.11" -> DIR/pypy3.11 (Debian's pypy3 from bookworm on installs
 * /usr/bin/pypy3.N).  Caller frees. */
char *pw_python_exe(const char *dir, const char *version);
/* The same from a target id or tag: "cp313-..." -> "3.13", "cp313t-..."
 * -> "3.13t", "pp311-..." -> "pypy3.11"; NULL when @id names neither.
 * Caller frees. */
char *pw_python_of_target(const char *id);

#endif
