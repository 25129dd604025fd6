/* audit.h - ELF facts (libelf) and manylinux policies (runner/wheel/elf.c,
 * policy.c, audit.c).  docs/audit.md is the reference.
 *
 * Policies are our own JSON files under profiles/manylinux/ (schema:
 * profiles/schema/manylinux-policy.schema.json), embedded at build time as
 * the seccomp profiles are.  Each gives a PEP 600 name, its legacy alias,
 * a priority (higher = more compatible), and per architecture the allowed
 * external libraries and, per symbol-version prefix (GLIBC, CXXABI,
 * GLIBCXX, GCC, ...), the SET of allowed versions.  A wheel fits a policy
 * when every ELF member's machine is the policy's architecture, every
 * DT_NEEDED library is allowed or provided inside the wheel, and for each
 * (library, version) in .gnu.version_r whose prefix the policy lists, the
 * version is in that prefix's set, no member imports a symbol the policy
 * refuses from a library it needs, and no member needs more than the
 * architecture's baseline instruction set (x86-64-v2+ notes), and, given
 * a root's glibc (struct pw_syslibs), no member calls a glibc function
 * through an unversioned import that glibc has only since a version the
 * policy does not allow; libpython linkage never fits.  The
 * best tag is the fitting policy of highest priority; "linux_ARCH" when
 * none fits.
 *
 * Ownership: result structs are filled by the callee and released with
 * their _release(); strings and arrays inside belong to them.  Errors: 0
 * or -errno with one line in struct pw_err naming the wheel and member;
 * -ENOEXEC from pw_elf_read() for data that is not ELF (callers skip those
 * members).  Nothing here prints.
 */
#ifndef PINWHEEL_AUDIT_H
#define PINWHEEL_AUDIT_H

#include "pinwheel/common.h"

/* ---- ELF facts ---- */

struct pw_elf_verneed {
	char *file;	 /* "libc.so.6" */
	char **versions; /* "GLIBC_2.14", ... sorted, unique */
	size_t n;
};

struct pw_elf_info {
	int elfclass;	  /* ELFCLASS32 / ELFCLASS64 */
	int machine;	  /* e_machine (EM_X86_64, EM_AARCH64, ...) */
	const char *arch; /* "x86_64", "aarch64", "i686", ... or NULL (static) */
	char *soname;	  /* DT_SONAME or NULL */
	char **needed;	  /* DT_NEEDED in order */
	size_t nneeded;
	char *rpath;	  /* DT_RPATH or NULL */
	char *runpath;	  /* DT_RUNPATH or NULL */
	struct pw_elf_verneed *vn; /* from .gnu.version_r */
	size_t nvn;
	char **pyinit;	  /* exported PyInit_* names without the prefix */
	size_t npyinit;
	char **undefined; /* non-weak undefined .dynsym names, sorted, unique */
	size_t nundefined;
	char **unversioned; /* the non-weak undefined names without a symbol
			     * version (.gnu.version index 0 or 1, or no such
			     * section): Python C-API imports and, from a
			     * linker whose glibc stubs lack a function, calls
			     * of glibc functions; sorted, unique */
	size_t nunversioned;
	char **unversioned_weak; /* the same of the weak undefined names */
	size_t nunversioned_weak;
	int x86_isa_level; /* x86_64: the microarchitecture level the GNU
			    * property note says is needed (2..4 for
			    * x86-64-v2..v4); 0 otherwise (baseline) */
	bool is_shared;	  /* ET_DYN */
};

/* Read ELF facts from @n bytes at @data (@name for messages). */
int pw_elf_read(const void *data, size_t n, const char *name, struct pw_elf_info *out,
		struct pw_err *e);
void pw_elf_info_release(struct pw_elf_info *i);

/* A symbol a shared library defines with a version (.gnu.version_d). */
struct pw_elf_def {
	char *symbol;  /* "memcpy" */
	char *version; /* "GLIBC_2.14"; a symbol defined in several versions
			* (memcpy@GLIBC_2.2.5 and memcpy@@GLIBC_2.14) has one
			* entry per version, hidden ones included */
};
/* The versioned definitions of .dynsym (global and weak, the base version
 * and unversioned definitions left out), sorted by symbol then version.
 * *out is the caller's, freed with pw_elf_defs_free(); an object without
 * .gnu.version_d gives none. */
int pw_elf_read_defs(const void *data, size_t n, const char *name, struct pw_elf_def **out,
		     size_t *nout, struct pw_err *e);
void pw_elf_defs_free(struct pw_elf_def *d, size_t n);

/* ---- the glibc of a root ---- */

/* The versioned definitions of a root's glibc libraries (libc.so.6,
 * libm.so.6, libpthread.so.0, libdl.so.2, librt.so.1, libutil.so.1,
 * libresolv.so.2, libnsl.so.1, libanl.so.1, libmvec.so.1 and the dynamic
 * loader libc.so.6 needs), found as the repair finds libraries: the root's
 * ld.so.conf, then /lib/TRIPLET, /usr/lib/TRIPLET, /lib64, /usr/lib64,
 * /lib, /usr/lib, symlinks resolved inside the root.  They answer: since
 * which GLIBC version does this glibc define a symbol?  The tables are
 * read per architecture on first use.
 *
 * The handle copies what it needs of @root (layers are opened, binds
 * copied); @what names the root in messages ("the target root", "--root
 * /").  pw_syslibs_free() frees it. */
struct pw_sandbox_spec;
struct pw_syslibs;
int pw_syslibs_open(const struct pw_sandbox_spec *root, const char *what, struct pw_syslibs **out,
		    struct pw_err *e);
/* The same for the directory @dir as the whole root (`audit --root`,
 * `repair --root`; messages name it "--root DIR").  A @dir that is not a
 * directory is -ENOTDIR with *bad_arg set (a usage error for the caller);
 * other errors leave *bad_arg false. */
int pw_syslibs_open_dir(const char *dir, struct pw_syslibs **out, bool *bad_arg,
			struct pw_err *e);
void pw_syslibs_free(struct pw_syslibs *s);
/* The oldest version (by its number: GLIBC_2.2.5 < GLIBC_2.17) in which a
 * glibc library of the root for @arch defines @symbol, and that library:
 * 1 with *lib ("libc.so.6") and *version ("GLIBC_2.32") set, owned by @s;
 * 0 when no glibc library defines it with a GLIBC_<number> version (Python
 * C-API symbols, GLIBC_PRIVATE); -ENOENT when the root has no libc.so.6
 * of @arch (e: "no libc.so.6 for aarch64 in --root /: searched ..."),
 * other -errno when it cannot be read. */
int pw_syslibs_lookup(struct pw_syslibs *s, const char *arch, const char *symbol,
		      const char **lib, const char **version, struct pw_err *e);
const char *pw_syslibs_what(const struct pw_syslibs *s);

/* ---- policies ---- */

struct pw_policy_set; /* opaque: the loaded profiles/manylinux policies */

/* The built-in policies (embedded); or the *.json of @dir when non-NULL. */
int pw_policies_load(const char *dir, struct pw_policy_set **out, struct pw_err *e);
void pw_policies_free(struct pw_policy_set *p);
/* The platform tags of policy @name for @arch, PEP 600 first then the
 * legacy alias when there is one: {"manylinux_2_17_x86_64",
 * "manylinux2014_x86_64"}.  Returns the count (1 or 2) or -EINVAL for an
 * unknown name (names: "manylinux_2_17", "manylinux2014", or a full tag
 * "manylinux_2_17_x86_64"; "linux" gives the one tag "linux_ARCH").  The
 * caller frees the tags. */
int pw_policy_tags(const struct pw_policy_set *p, const char *name, const char *arch,
		   char *tags[2]);

/* Queries on policy @i, policies ordered by decreasing priority (0 is the
 * most compatible).  pw_policy_name() returns NULL past the end.  The
 * version test takes a full version name ("GLIBC_2.17"): its prefix is the
 * part before the first '_'; it returns 1 when the policy allows it, 0
 * when the prefix is listed for @arch but the version is not in its set,
 * -1 when the policy does not check that prefix (or lacks @arch). */
const char *pw_policy_name(const struct pw_policy_set *p, size_t i);
bool pw_policy_has_arch(const struct pw_policy_set *p, size_t i, const char *arch);
bool pw_policy_allows_lib(const struct pw_policy_set *p, size_t i, const char *arch,
			  const char *soname);
int pw_policy_allows_version(const struct pw_policy_set *p, size_t i, const char *arch,
			     const char *version);
/* Whether policy @i refuses importing @symbol from @soname. */
bool pw_policy_refuses_symbol(const struct pw_policy_set *p, size_t i, const char *soname,
			      const char *symbol);
/* The highest version of @prefix ("GLIBC") policy @i allows for @arch, by
 * version order ("2.17"), or NULL when it does not check that prefix. */
const char *pw_policy_max_version(const struct pw_policy_set *p, size_t i, const char *arch,
				  const char *prefix);

/* ---- auditing a wheel ---- */

/* Why a better policy does not fit: one per (policy, cause). */
struct pw_audit_reason {
	char *policy;	/* "manylinux_2_17" */
	char *member;	/* the ELF member at fault */
	char *library;	/* the DT_NEEDED library, or the library of the version */
	char *version;	/* "GLIBC_2.34" or NULL for a disallowed library */
	char *symbol;	/* a refused symbol imported from library, or NULL */
	char *isa;	/* "x86-64-v3" when the member needs more than the
			 * architecture's baseline (library is then "") */
	bool unversioned; /* symbol is an unversioned import that library
			   * of the root's glibc defines only since version */
};

/* An unversioned import of an ELF member that the root's glibc defines
 * (found only when the audit is given a root: struct pw_syslibs). */
struct pw_audit_import {
	char *symbol;
	char *library; /* "libc.so.6" */
	char *since;   /* the oldest version defining it: "GLIBC_2.32" */
	bool weak;     /* a weak reference: optional, not a requirement */
};

struct pw_audit_ext { /* one ELF member */
	char *member;
	struct pw_elf_info elf;
	bool is_extension; /* exports PyInit_* */
	struct pw_audit_import *imports; /* sorted by symbol */
	size_t nimports;
};

struct pw_audit_result {
	char *wheel;	     /* base name */
	const char *arch;    /* of the ELF members; NULL for a pure wheel */
	bool purelib;	     /* WHEEL Root-Is-Purelib */
	bool has_elf;
	char *best_policy;   /* "manylinux_2_28", or NULL when none fits */
	char *best_tags[2];  /* its tags (PEP 600, legacy alias or NULL) */
	char *platform;      /* the tag to use: best_tags[0] or "linux_ARCH";
			      * NULL without ELF members or architecture */
	struct pw_audit_ext *elfs; /* sorted by member */
	size_t nelfs;
	char **externals;    /* DT_NEEDED libraries neither allowed by the best
			      * (or, when none fits, the most compatible)
			      * policy nor inside the wheel: what repair vendors */
	size_t nexternals;
	struct pw_audit_reason *reasons; /* why each more compatible policy fails */
	size_t nreasons;
	char **errors;	     /* fatal problems: libpython linkage, a .so in a
			      * purelib wheel, mixed or foreign machines */
	size_t nerrors;
	char *root;	     /* pw_syslibs_what() of the root whose glibc the
			      * unversioned imports were checked against, or
			      * NULL (not checked) */
};

/* Audit the .whl at @path / the unpacked wheel at @dirfd (@name for
 * messages).  A wheel with fatal problems still returns 0; they are in
 * r->errors.  With @sys (may be NULL: not checked) every unversioned
 * non-weak import that the root's glibc defines must be defined there in
 * a version the policy allows (its oldest version, by the set test of
 * rule 2): a function newer than the policy's glibc links as an
 * unversioned import from a linker whose glibc stubs lack it, and fails
 * at import on an older system.  Weak unversioned imports are listed in
 * imports but never keep a wheel out of a policy (the loader leaves a
 * missing weak symbol NULL, which code that checks for it handles). */
int pw_audit_wheel(const struct pw_policy_set *p, struct pw_syslibs *sys, const char *path,
		   struct pw_audit_result *r, struct pw_err *e);
int pw_audit_dir(const struct pw_policy_set *p, struct pw_syslibs *sys, int dirfd,
		 const char *name, struct pw_audit_result *r, struct pw_err *e);
void pw_audit_result_release(struct pw_audit_result *r);
/* The phrase for an unversioned reason @re of policy re->policy: "'x.so'
 * calls getrandom, which libc.so.6 has only since GLIBC_2.25
 * (manylinux_2_17 allows up to GLIBC_2.17)".  Caller frees. */
char *pw_audit_unversioned_phrase(const struct pw_policy_set *p, const char *arch,
				  const struct pw_audit_reason *re);
/* The result as JSON (a jansson object, caller decrefs). */
struct json_t;
struct json_t *pw_audit_result_json(const struct pw_audit_result *r);

#endif
