/* verify.h - `pinwheel verify`: build every target twice, the second time
 * under varied outer conditions, compare the outputs byte for byte,
 * explain differences and scan for leaks of the outer world
 * (runner/verify.c orchestrates, runner/diffexplain.c compares;
 * docs/verify.md is the reference for users).
 *
 * Ownership: pw_archive_* structs are filled by the callee and released
 * with pw_archive_release(); text is appended to caller-owned pw_bufs;
 * json_t results are new references the caller decrefs.
 * Errors: 0 or -errno with one line in struct pw_err naming the file (and
 * member) and what was expected; pointer functions NULL + errno.  Nothing
 * here prints except pw_verify_run() (the command).
 */
#ifndef PINWHEEL_VERIFY_H
#define PINWHEEL_VERIFY_H

#include <jansson.h>

#include "pinwheel/buf.h"
#include "pinwheel/common.h"

/* Caps: archives are read whole into memory for the comparison. */
#define PW_VERIFY_MAX_ARCHIVE (2ULL << 30) /* all members' data together */
#define PW_VERIFY_MAX_MEMBERS 200000
#define PW_VERIFY_DIFF_LINES 60 /* lines of unified diff shown per member */

/* ---- archives (runner/diffexplain.c) ---- */

struct pw_archive_member {
	char *name;
	uint32_t mode; /* permission and type bits */
	int64_t mtime; /* zip: the DOS date/time as found (raw 32 bits); tar: seconds */
	char *meta;    /* other metadata, as "key=value key=value" (owner, method, ...) */
	char *data;    /* content (decompressed); symlink target for links */
	size_t len;
};

struct pw_archive {
	char *path;
	bool is_zip;		     /* else gzip'd tar */
	struct pw_archive_member *m; /* archive order */
	size_t n;
};

/* Read a wheel (zip) or an sdist (.tar.gz, ustar/pax/GNU long names)
 * whole: member names, metadata and decompressed contents, capped by the
 * limits above.  Which format is decided by the content (zip end record /
 * gzip magic).  -EINVAL naming the file and member for malformed input. */
int pw_archive_read(const char *path, struct pw_archive *a, struct pw_err *e);
void pw_archive_release(struct pw_archive *a);

/* Explain how @b differs from @a: returns a JSON array (new reference) of
 * differences, each {"member", "kind": "added"|"removed"|"changed"|
 * "metadata"|"order", "detail", and for ELF members "sections": [{"name",
 * "size_a", "size_b", "offset"}], for text members "diff" (a unified diff
 * of at most PW_VERIFY_DIFF_LINES lines)}.  An empty array when the
 * members, their order, metadata and contents are the same. */
json_t *pw_archive_diff(const struct pw_archive *a, const struct pw_archive *b);

/* Unified diff (3 lines of context, "--- a/NAME", "+++ b/NAME", hunks)
 * of two texts split on '\n', appended to @out; at most @max_lines lines
 * after the headers, then "... (N more lines)".  Same texts append
 * nothing.  The longest common subsequence is computed on the lines
 * between the common head and tail when that area is at most 4M line
 * pairs, else the area is shown as replaced whole.  0 or -E2BIG (out's cap). */
int pw_unified_diff(const char *a, size_t na, const char *b, size_t nb, const char *name,
		    size_t max_lines, struct pw_buf *out);

/* True when @data looks like text: valid UTF-8 without NUL bytes. */
bool pw_is_text(const char *data, size_t n);

/* Sections of two ELF images that differ: a JSON array (new reference) of
 * {"name", "size_a", "size_b", "offset"} (offset: first differing byte in
 * the section, -1 when only one side has it; sizes -1 for a side without
 * it).  Headers (ELF, program headers) differing show as a section named
 * "(elf header)" / "(program headers)".  NULL + errno EINVAL when either
 * is not ELF. */
json_t *pw_elf_diff(const char *a, size_t na, const char *b, size_t nb);

/* ---- leak scan (runner/diffexplain.c) ---- */

struct pw_leak_needle {
	const char *what;  /* "checkout path (A)", "home", "canary", ... */
	const char *value; /* the bytes looked for */
};

/* Find each needle in @data: a match counts when the byte after it is
 * not a character that would continue a path or a word ([A-Za-z0-9_.-]),
 * so "/root" does not match "/rootfs".  Appends to @leaks (a JSON array)
 * one {"member", "what", "value", "offset" (first), "count"} per needle
 * found. */
void pw_leak_scan(const char *member, const char *data, size_t n,
		  const struct pw_leak_needle *needles, size_t nneedles, json_t *leaks);

/* ---- the command (runner/verify.c) ---- */

struct pw_verify_opts {
	const char *dir;	 /* project directory */
	const char *const *only; /* target ids */
	size_t nonly;
	const char *const *skip; /* target-id globs */
	size_t nskip;
	unsigned jobs;	       /* build A's --jobs (0: 1); B gets another count */
	const char *out;       /* NULL: DIR/wheelhouse */
	const char *store_dir; /* the store of build A */
	bool keep;	       /* keep build B's tree and say where */
	bool no_cache;	       /* build A without the action cache too */
	const char *cache_url; /* build A's --cache-url (NULL: build's default,
				* $PINWHEEL_CACHE_URL); build B never has one */
	int verbosity;
};

/* Run `pinwheel verify`: build A is `pinwheel build` (this executable)
 * writing OUT as build would; build B is a fresh build of a copy of the
 * project under varied conditions in a child with its own user, mount,
 * uts (and time when the kernel has it) namespaces.  Writes
 * OUT/verify.json and adds the variation matrix and the comparison to the
 * byproducts of OUT/pinwheel-manifest.json.  Prints progress, the summary
 * (or --json).  Returns the exit status: 0 every target reproducible and
 * clean, 1 a target differs, leaks or failed to build, 2 usage or
 * configuration errors (as build reports them). */
int pw_verify_run(const struct pw_verify_opts *o);

/* Print the explanations of pw_archive_diff()'s array @diffs to stdout,
 * one line per difference ("  changed NAME: DETAIL"), ELF sections and
 * unified diffs under it; at most 20 differences, then a count. */
void pw_verify_print_differences(json_t *diffs);

/* ---- verify --against (runner/against.c) ---- */

/* The target of @targets (ids "TAG-PLATFORM", @n of them) that the wheel
 * file name @wheel ("NAME-VER[-BUILD]-PY-ABI-PLAT.whl") was built for:
 * a platform tag of the wheel must be "any" or end in "_ARCH" of the
 * target's platform (manylinux*, musllinux* or linux_ of the same
 * family); among those, the target whose python tag the wheel names,
 * else (a generic wheel: py3, abi3) the first.  NULL when none (or when
 * @wheel is not a wheel file name). */
const char *pw_wheel_target_of(const char *wheel, const char *const *targets, size_t n);

struct pw_against_opts {
	const char *dir;		/* project directory (config and lock) */
	const char *const *wheels;	/* the published wheels (files) */
	size_t nwheels;
	const char *sdist;		/* NULL, or the published sdist to build from */
	const char *manifest;		/* NULL, or the published pinwheel-manifest.json */
	const char *report;		/* NULL, or where to write the JSON report */
	const char *store_dir;
	unsigned jobs;			/* 0: build's default */
};

/* Run `pinwheel verify --against`: map each published wheel to a target
 * of the lock (with a manifest: the targets of its subjects, and the
 * lock it names must be the project's), rebuild those targets fresh
 * (`pinwheel build --locked --no-cache-write`, from the sdist when
 * given) into a temp directory, compare each published wheel with the
 * rebuild byte for byte and explain differences.  Prints the report
 * (text, or JSON with --json), writes it to o->report when given.
 * Returns 0 when every published wheel matched, 1 when one differs, maps
 * to no target, was not rebuilt or the manifest disagrees, 2 for usage
 * and configuration errors. */
int pw_against_run(const struct pw_against_opts *o);

#endif
