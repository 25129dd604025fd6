/* build_int.h - what the parts of `pinwheel build` in runner/build/ share;
 * not part of the public contract in build.h.
 *
 *   build.c         pw_build_run(): set-up, the sdist, the targets, the end
 *   step.c          a build step in the target root's sandbox; the sdist step
 *   target.c        the target step: build_wheel, the wheel pipeline, the
 *                   smoke test, into OUT
 *   workers.c       one forked worker per job, the live display, signals
 *   action_cache.c  keys, hits materialised into OUT, results recorded
 *   report.c        the summary (table or JSON) and the manifest
 *   before_all.c    the before_all hook: once per root, its layer
 *   abi3.c          abi3 wheels: built once per platform, taken by the
 *                   other Pythons of the platform it serves
 *
 * Ownership: struct build is pw_build_run()'s; the others borrow it.  A
 * worker fills its own copy of a struct target_result and sends it to the
 * parent (workers.c).  Errors as in build.h; only pw_build_run(), the
 * workers' parent side and the action-cache look-ups print (warnings).
 */
#ifndef PINWHEEL_BUILD_INT_H
#define PINWHEEL_BUILD_INT_H

#include <signal.h>

#include "pinwheel/actions.h"
#include "pinwheel/build.h"
#include "pinwheel/compile_cache.h"
#include "pinwheel/config.h"
#include "pinwheel/lock.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/session.h"
#include "pinwheel/store.h"

#define BUILD_JOBS "2" /* the job count every build step sees, whatever the host */

/* What one target produced (filled by its worker, sent to the parent). */
struct target_result {
	const struct pw_target *t;
	bool done, ok;
	char wheel[256];
	char tag[160];
	uint64_t size;
	char sha256[PW_SHA256_HEX];
	char smoke[16];	      /* "passed", "failed", "-" */
	char smoke_roots[96]; /* the roots the smoke test passed in, by name
			       * ("trixie bullseye"), or "" */
	char failed_root[48]; /* the root whose smoke test failed, or "" */
	bool kept;	      /* the wheel that failed its smoke test is in OUT/failed/ */
	double secs;
	char error[512];
	char error_line[512];	      /* the failing step's first error-looking line */
	bool cached;		      /* its wheel materialised from the action cache */
	bool retest;		      /* ... and its smoke test run again: the
				       * cache had no test action for it */
	char key[PW_SHA256_HEX];      /* its wheel's action key */
	char test_key[PW_SHA256_HEX]; /* its test's (when the wheel is known) */
	char rejected[512];	      /* why the cache's wheel was refused ("" if not) */
	bool cc_on;		      /* build_wheel ran with the compile cache */
	struct pw_cc_stats cc;	      /* ... and what its wrapper counted */
};

/* The before_all layer of one root (before_all.c). */
#define BA_NONE ((size_t)-1)
struct before_all {
	char root[PW_SHA256_HEX]; /* the root id */
	size_t ti;		  /* the first target using it: its sandbox runs the hook */
	char name[96];		  /* "before_all-TARGET": the job's name and log */
	char key[PW_SHA256_HEX];  /* what the hook saw (before_all.c) */
	char tree[PW_SHA256_HEX]; /* the layer's store tree ("" until known) */
	char *path;		  /* its path in the store (NULL until known) */
	bool cached;		  /* found in the cache: the hook did not run */
	char error[512];	  /* why it failed ("" if not) */
};

/* A target whose wheel is a hit of the action cache but whose smoke test
 * is not: the wheel waits alone in @dir for the worker that tests it. */
struct retest {
	char *dir;   /* WORK/cached-ID (NULL: the target is not one) */
	char *wheel; /* the wheel's file name in it */
	char **mods; /* its extension modules (the wheel record's meta),
		      * NULL-ended */
	char tag[160];
	char key[PW_SHA256_HEX];      /* the wheel's action key */
	char test_key[PW_SHA256_HEX]; /* the smoke test's */
};

struct build {
	const struct pw_build_opts *o;
	struct pw_config c;
	struct pw_session ss;	      /* the lock, the store, seccomp (session.h) */
	struct pw_store *store;	      /* ss.store */
	struct pw_seccomp_prog *prog; /* the session's "build" program */
	struct pw_root_plan *plans;   /* per target (NULL entries: not selected) */
	struct pw_root_plan *oplans;  /* per target: its old root (config.h's
				       * old_id), zeroed when it has none */
	bool *sel;
	char *projdir; /* the project's sources */
	char *out;     /* OUT (absolute) */
	char *logs;    /* OUT/logs */
	char *work;    /* OUT/.pinwheel-build.XXXXXX */
	char *src_dir; /* WORK/source: the exported source */
	char *version; /* what SETUPTOOLS_SCM_PRETEND_VERSION gets (or NULL) */
	int64_t sde;
	struct pw_source src;
	bool git_view;	/* the sdist step sees the repository (src_dir/.git) */
	char *repo_dir; /* WORK/repository: the repository view around a
			 * project below its top (git_view and src.subdir
			 * set; src_dir is mounted at its subdir), or NULL */
	struct pw_pep517 pep;
	char sdist[256]; /* file name in sdist_dir */
	char sdist_sha[PW_SHA256_HEX];
	char *sdist_dir;     /* OUT, or WORK/sdist for shards after the first */
	size_t sdist_ti;     /* the target whose root builds the sdist */
	bool sdist_cached;
	struct pw_ac *ac;
	size_t nsel; /* selected targets (after --shard) */
	struct before_all *ba; /* one per root that needs the hook */
	size_t nba;
	size_t *ba_of; /* per target: its root's index in ba, or BA_NONE */
	struct retest *retest; /* per target (ntargets entries) */
	enum pw_cc_mode cc_mode; /* the compile cache (compile_cache.c) */
	char *cc_dir;		 /* STORE/compile-cache (NULL: off) */
	char *cc_bin;		 /* WORK/compile-cache-bin: the wrapper (NULL: off) */
	size_t *abi3_from;	 /* per target: the target whose abi3 wheel it
				  * takes (abi3.c), or BA_NONE: it builds its own */
};

/* ---- a build step (step.c) ---- */

double pw_build_now(void); /* CLOCK_MONOTONIC, in seconds */
/* The python of target @ti's root: the manylinux image layout's when the
 * root has it, else "python3.X[t]" on PATH.  Caller frees. */
char *pw_build_python(const struct build *b, size_t ti);
/* The sandbox of @ti's root for a build step (initialises @s): layers and
 * read-only binds of the root, the fixed environment, the limits of the
 * config.  The caller releases it. */
void pw_build_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s);
/* The same without the root's before_all layer: the root as locked, for
 * pinwheel's own commands whose results are shared (Zig's cache). */
void pw_build_plain_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s);
/* The same for the smoke test: the whole root, test.requires' layer too
 * (pw_build_spec() leaves it out: build steps never see it). */
void pw_build_test_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s);
/* The old root of @ti (b->oplans[ti], config.h's old_id) for its second
 * smoke test: the root as locked, without the before_all layer; and its
 * python (the CPython built there, at the manylinux layout's path). */
void pw_build_old_spec(struct build *b, size_t ti, struct pw_sandbox_spec *s);
char *pw_build_old_python(const struct build *b, size_t ti);
/* The id of @ti's root as pw_build_spec() composes it (without the
 * test-only layers): the wheel's and the sdist's action keys. */
void pw_build_root_id(const struct build *b, size_t ti, char id[PW_SHA256_HEX]);
int pw_build_bind(struct pw_sandbox_spec *s, enum pw_bind_kind k, const char *src,
		  const char *dst, struct pw_err *e);
/* Run @argv in @s with stdout and stderr on @logfd (the log gets a line
 * before and after, the live display the step's name @what).  0 when it
 * exited 0, else -EIO (or the set-up error) with e saying how it ended. */
int pw_build_step(const struct pw_sandbox_spec *s, char *const *argv, int logfd,
		  const char *what, struct pw_err *e);
/* The one file of the step's output directory @dir (@shown inside the
 * sandbox, "/out") ending with @suffix, opened as untrusted.h says (never
 * through a symlink, only a regular file of ours of at most @max bytes,
 * nothing that could block): its fd, and its name in *name (caller
 * frees).  -errno with e naming what was found. */
int pw_build_step_output(const char *dir, const char *shown, const char *suffix, uint64_t max,
			 char **name, struct pw_err *e);
int pw_build_sha256_file(const char *path, char hex[PW_SHA256_HEX], uint64_t *size);
/* OUT/logs/NAME.log, created or truncated: its fd. */
int pw_build_open_log(struct build *b, const char *name, struct pw_err *e);
/* The sdist step, in the root of target @ti: build_sdist, then the sdist
 * normalised into sdist_dir (b->sdist and b->sdist_sha set). */
int pw_build_sdist(struct build *b, size_t ti, int logfd, struct pw_err *e);

/* ---- the target step (target.c) ---- */

/* Build target @ti from the sdist into OUT: build_wheel, the wheel
 * pipeline, the smoke test, pw_build_publish().  Fills @res. */
int pw_build_target(struct build *b, size_t ti, struct target_result *res, int logfd,
		    struct pw_err *e);
/* The smoke test again of the action cache's wheel of @ti
 * (b->retest[ti]), into OUT when it passes, into OUT/failed/ when not.
 * Fills @res. */
int pw_build_retest(struct build *b, size_t ti, struct target_result *res, int logfd,
		    struct pw_err *e);
/* Is the wheel at @path, named @name, consistent (as `pinwheel inspect`
 * checks)?  0, or -errno with e naming the first problem. */
int pw_build_check_wheel(const char *path, const char *name, struct pw_err *e);
/* WORK/ID/modules.json: the extension modules of the wheel built for
 * target ID (a JSON array, written by its worker after the pipeline). */
#define PW_BUILD_MODULES_FILE "modules.json"
/* Every wheel enters OUT here, built or from the action cache: @path, a
 * file of ours in WORK, must be consistent as `pinwheel inspect` checks
 * (*bad set when it is not: the wheel stays where it is); its sha256 and
 * size go to @res, then it is renamed to OUT/@name. */
int pw_build_publish(struct build *b, const char *path, const char *name,
		     struct target_result *res, bool *bad, struct pw_err *e);

/* ---- the before_all hook (before_all.c) ---- */

/* With a before_all in the config: the layer of every root the build
 * uses (the selected targets', the sdist's when build_sdist runs), from
 * the cache or made by a worker each (job BA_JOB(b, k); res has room for
 * them); a root whose hook failed has its error set (its targets fail).
 * -EINTR when a signal stopped it. */
int pw_build_before_all_phase(struct build *b, struct target_result *res);
/* The worker's job: run the hook for root @k, capture, refuse removals,
 * make the layer's store tree and record it (its id into res->sha256). */
int pw_build_before_all(struct build *b, size_t k, struct target_result *res, int logfd,
			struct pw_err *e);
/* Did the hook fail in the root that would build the sdist?  Then every
 * selected target is failed in @res (true). */
bool pw_build_before_all_sdist_failed(struct build *b, struct target_result *res);
/* The layer of target @ti's root, or NULL (no hook, or not for it). */
const struct before_all *pw_build_before_all_of(const struct build *b, size_t ti);
void pw_build_before_all_release(struct build *b);

/* ---- workers (workers.c) ---- */

/* A job is a target index, or SDIST_JOB(b) for the sdist. */
#define SDIST_JOB(b) ((b)->c.ntargets)
/* ... or BA_JOB(b, k) for the before_all hook of root k. */
#define BA_JOB(b, k) ((b)->c.ntargets + 1 + (k))
/* Entries of the results array pw_build_run() passes the jobs. */
#define BUILD_NRES(b) (2 * (b)->c.ntargets + 2)

/* SIGINT and SIGTERM stop the build (the previous actions into @old). */
void pw_build_trap_signals(struct sigaction old[2]);
void pw_build_untrap_signals(const struct sigaction old[2]);
/* The signal that stopped the build, or 0. */
int pw_build_stopped(void);
/* In a worker: tell the parent's live display the step now running. */
void pw_build_progress(const char *step);
/* Run @jobs, @width at a time, each in a forked worker; results into
 * res[job].  Prints each job's start (or the live display on a TTY) and
 * end.  -EINTR when a signal stopped them (the workers are dead). */
int pw_build_run_jobs(struct build *b, const size_t *jobs, size_t njobs, size_t width,
		      struct target_result *res);

/* ---- the action cache (action_cache.c) ---- */

/* Look the sdist up (its key into @key): true on a hit, materialised into
 * sdist_dir with its log. */
bool pw_build_sdist_cached(struct build *b, char key[PW_SHA256_HEX]);
/* A target has two actions (docs/cache.md): its wheel (key: what reaches
 * the build steps) and its smoke test (key: the wheel's sha256, the whole
 * test root, the whole config). */
enum pw_hit {
	PW_HIT_NONE,   /* build it */
	PW_HIT_FULL,   /* both: the wheel published into OUT, its log in
			* logs/, @res filled */
	PW_HIT_RETEST, /* the wheel only: b->retest[ti] filled, res->key,
			* res->test_key, res->cached and res->retest set; a
			* worker runs pw_build_retest() */
};
/* Look target @ti up (its wheel's key into res->key). */
enum pw_hit pw_build_target_cached(struct build *b, size_t ti, struct target_result *res);
/* The test action's key of @ti's wheel whose sha256 is @wheel_sha. */
void pw_build_test_key(struct build *b, size_t ti, const char *wheel_sha,
		       char hex[PW_SHA256_HEX]);
/* The log of a target whose cached wheel was rejected says so (after
 * what its rebuild wrote). */
void pw_build_note_rejected(struct build *b, size_t ti, const struct target_result *res);
/* The smoke test of target @ti on the wheel of target @from (@br, in
 * OUT) already passed (a test action of that wheel for @ti's root and
 * config): true with @res filled and its log written; res->test_key set
 * either way. */
bool pw_build_reuse_cached(struct build *b, size_t ti, size_t from, const struct target_result *br,
			   struct target_result *res);
/* The extension modules of the wheel of target @ti (@res: built, tested
 * again or from the action cache), NULL-ended, or NULL when unknown. */
char **pw_build_wheel_modules(struct build *b, size_t ti, const struct target_result *res);
/* Record a fresh result: the file at @path (NULL: none, a test action)
 * and the log OUT/logs/LOGNAME.log under @key, with @meta (consumed). */
void pw_build_cache_put(struct build *b, const char *key, const char *target, const char *path,
			const char *logname, json_t *meta);
/* Record what the workers of @jobs made: each wheel (also one that only
 * failed its smoke test) as a wheel action, each smoke test that passed as
 * a test action. */
void pw_build_cache_record(struct build *b, const size_t *jobs, size_t njobs,
			   struct target_result *res);

/* ---- abi3 wheels (abi3.c) ---- */

/* The plan, before any target is looked up: with "abi3_reuse" true, or
 * "auto" and sources that declare abi3 (pw_abi3_declared()), each
 * selected CPython target (not free-threaded) that has a lower one of its
 * platform (same platform, floor, kind of base) selected waits for that
 * one's wheel: b->abi3_from set (always allocated), one line per builder
 * said.  Returns how many targets wait. */
size_t pw_build_abi3_plan(struct build *b);
/* After its builder's job: target @ti (waiting) takes the builder's wheel
 * when it is in OUT and abi3 by its name and WHEEL's tags and serves
 * @ti's Python (pw_abi3_covers()): PW_HIT_FULL when the smoke test's
 * result is in the action cache (all[ti] filled, its log written),
 * PW_HIT_RETEST when a worker is to run it (b->retest[ti] holds a link to
 * the wheel); else PW_HIT_NONE: it builds its own (b->abi3_from[ti] reset,
 * a line says why). */
enum pw_hit pw_build_abi3_resolve(struct build *b, size_t ti, struct target_result *all);
/* The id of the target whose wheel @ti took, or NULL. */
const char *pw_build_abi3_from(const struct build *b, size_t ti);
/* The manifest's record of reuse: [{"wheel", "built_by", "reused_by"}]
 * for every wheel a target took and passed its smoke test with, or NULL
 * when none (caller owns it). */
json_t *pw_build_abi3_manifest(const struct build *b, const struct target_result *res);

/* ---- the compile cache (compile_cache.c) ---- */

/* In the parent, before the workers: STORE/compile-cache and the wrapper
 * in WORK (nothing when b->cc_mode is PW_CC_OFF). */
int pw_build_cc_setup(struct build *b, struct pw_err *e);
/* What build_wheel's sandbox @s of @ti gets to use it: the wrapper
 * (read-only), the cache and TDIR/compile-cache-stats (read-write), the
 * variables the zig wrappers and pw-cc read (PINWHEEL_CC_*; never part of
 * an action key: a hit is byte-identical to a miss). */
int pw_build_cc_spec(struct build *b, size_t ti, const char *tdir, struct pw_sandbox_spec *s,
		     struct pw_err *e);
/* Before the workers: warm Zig's cache once for every root of a target
 * to build that has a zig layer and no warmed cache in the store yet
 * (only with the cache on; a failure is a warning: the targets build
 * without it). */
void pw_build_cc_zig_phase(struct build *b, const struct target_result *res);
/* build_wheel's private copy of the warmed Zig cache, TDIR/zig-cache
 * bound at /tmp/zig-cache, after the store tree is checked against its
 * recorded digest (a damaged one is not used: res->cc.zig_damaged). */
int pw_build_cc_zig_spec(struct build *b, size_t ti, const char *tdir, struct pw_sandbox_spec *s,
			 struct target_result *res, int logfd, struct pw_err *e);
/* After build_wheel: its stats into @res (and a line into the log). */
void pw_build_cc_collect(struct build *b, const char *tdir, struct target_result *res, int logfd);

/* ---- copying a tree (before_all.c) ---- */

/* How pw_build_copy_tree() copies: before_all's captured layer (symlinks
 * kept, special files refused, every time PW_SDE_DEFAULT) and Zig's warmed
 * cache (only directories and regular files, times left as they fall). */
struct pw_build_copy {
	const char *prefix; /* starts every error message, e.g. "before_all: " */
	unsigned max_depth;
	bool keep_links;  /* copy symlinks, refuse special files; else leave both out */
	bool fixed_times; /* every time PW_SDE_DEFAULT */
};
/* Copy the directory @from into the empty directory @to (@where names it
 * in errors): contents, the execute bit (0755 or 0644), directories 0755,
 * in name order.  0, or -errno with @e set; what was copied stays. */
int pw_build_copy_tree(int from, int to, const char *where, const struct pw_build_copy *how,
		       unsigned depth, struct pw_err *e);

/* ---- the summary and the manifest (report.c) ---- */

/* The failure of job @name (a target id or "sdist"), before the summary:
 * the last PW_BUILD_TAIL_LINES lines of the failing step's output in its
 * log and the first line that looks like an error (also kept in
 * res->error_line for --json), escaped as untrusted text; then the error
 * line itself.  The tail is hidden by -q. */
#define PW_BUILD_TAIL_LINES 40
void pw_build_report_failure(struct build *b, const char *name, struct target_result *res);
void pw_build_print_table(struct build *b, struct target_result *res);
void pw_build_print_json(struct build *b, struct target_result *res, bool ok);
/* --stats: per target, the compile cache's hits, misses, uncacheable
 * compiles and damaged entries (what pw_build_cc_collect() counted). */
void pw_build_print_stats(struct build *b, struct target_result *res);
int pw_build_write_manifest(struct build *b, struct target_result *res, struct pw_err *e);

#endif
