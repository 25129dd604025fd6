/* compile_cache.h - the compilation cache of `pinwheel build`
 * (runner/build/compile_cache.c; docs/compile-cache.md).
 *
 * A content-addressed cache of object files in the store
 * (STORE/compile-cache/), shared by every target and every later build.
 * Inside a build step a small POSIX sh wrapper (pw_cc_script()) sits in
 * front of the compiler: a compile of one source to one object is looked
 * up by the sha256 of the compiler's identity (the build root's id, given
 * as PINWHEEL_CC_ID), its arguments without the output, the working
 * directory, the variables that change what a compiler reads, and the
 * preprocessed input.  Each entry is KEY.o with KEY.sha256 beside it; a
 * hit whose object does not hash to its recorded sha256 is refused
 * (counted "corrupt") and compiled again, so a damaged entry never
 * reaches a wheel.  The wrapper appends one line per call to the step's
 * stats file: "hit KEY", "miss KEY", "corrupt KEY", "skip REASON".
 * cargo's rustc runs behind a second wrapper (pw_rc_script(), RUSTC_WRAPPER):
 * a crate's compile (a library, a proc-macro, a build script, a cdylib)
 * is looked up by the sha256 of rustc's content, the arguments, the
 * working directory, the variables rustc sees and every file the crate
 * reads (sources and loaded crates), and for a link the root and the
 * linker; entries are directories KEY.rust with a "sums" file, call
 * manifests (the key without the dep-info pass) KEY.rdirect; its lines are
 * "rhit KEY CRATE [direct]", "rmiss KEY CRATE", "rcorrupt KEY CRATE",
 * "rskip REASON".
 *
 * Ownership: strings returned are the caller's.  Errors: 0 or -errno with
 * one line in struct pw_err; nothing here prints.
 */
#ifndef PINWHEEL_COMPILE_CACHE_H
#define PINWHEEL_COMPILE_CACHE_H

#include <stdint.h>

#include "pinwheel/common.h"
#include "pinwheel/hash.h"

#define PW_CC_STORE_DIR "compile-cache"	   /* STORE/compile-cache */
#define PW_CC_MOUNT "/opt/pinwheel/ccache" /* the cache, read-write in the step */
#define PW_CC_BIN "/opt/pinwheel/ccache-bin" /* the wrapper, read-only */
#define PW_CC_STATS_MOUNT "/opt/pinwheel/ccache-stats" /* the step's stats, rw */
#define PW_CC_WRAPPER "pw-cc"
#define PW_RC_WRAPPER "pw-rustc" /* cargo's RUSTC_WRAPPER */
#define PW_CC_STATS_FILE "stats"
#define PW_CC_STATS_MAX (16u << 20) /* a stats file is the step's: capped */

/* Whether and how a build uses the cache. */
enum pw_cc_mode {
	PW_CC_ON,    /* look up and record */
	PW_CC_WRITE, /* compile everything, record (--no-cache) */
	PW_CC_OFF,   /* neither (--no-compile-cache, --no-cache-write, the
		      * config's "compile_cache": false) */
};

struct pw_cc_stats {
	unsigned hits, misses, corrupt, skipped;
	unsigned rhits, rmisses, rcorrupt, rskipped; /* Rust crates (pw-rustc) */
	bool zig_warm;	  /* the step started from the warmed Zig cache */
	bool zig_damaged; /* ... which was damaged, so it did not */
};

struct pw_root_plan;
/* The store tree id of the warmed Zig cache of root @p (docs/compile-cache.md,
 * "Zig's cache"): a digest of the warming command and the trees of @p's zig
 * layer.  false when @p has no zig layer (a "native" floor). */
bool pw_cc_zig_warm_id(const struct pw_root_plan *p, char id[PW_SHA256_HEX]);

/* The wrapper's text (static storage). */
const char *pw_cc_script(void);
/* The rustc wrapper's text (static storage). */
const char *pw_rc_script(void);
/* Count the lines of a stats file's contents @data (@n bytes) into @st
 * (added to what it holds); unknown lines are ignored. */
void pw_cc_stats_parse(const char *data, size_t n, struct pw_cc_stats *st);
/* Read the stats file @path (a file a build step wrote: never through a
 * symlink, at most PW_CC_STATS_MAX bytes) into @st; a missing file is no
 * call (0). */
int pw_cc_stats_read(const char *path, struct pw_cc_stats *st, struct pw_err *e);

/* `store gc`: remove the entries of @storedir's compile cache that no
 * build used for @days days (0: every entry) and temp files older than a
 * day; counts into *removed and *freed.  The caller holds the store
 * exclusively. */
int pw_cc_gc(const char *storedir, unsigned days, unsigned *removed, uint64_t *freed,
	     struct pw_err *e);

#endif
