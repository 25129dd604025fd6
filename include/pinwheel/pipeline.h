/* pipeline.h - the wheel pipeline (runner/wheel/pipeline.c): what
 * `pinwheel build` does to the backend's wheel and `pinwheel repair` to the
 * wheel it is given, in one place:
 *
 *   unpack -> audit -> [repair in the target root's sandbox -> audit]
 *          -> retag -> deterministic pack -> audit of the packed file
 *
 * and the smoke test of its result (runner/wheel/smoke.c: what is
 * imported, and the command that runs in the caller's sandbox of the
 * target root).  runner/wheel/ also holds the modules each step calls
 * (wheel.h, audit.h, repair.h).  docs/build.md and docs/repair.md describe
 * the steps for users.
 *
 * Ownership: the caller owns the opened input wheel, the policies and
 * everything the options point to; the result's strings and arrays are
 * the result's, freed with pw_pipeline_result_release().  The sandbox spec
 * the root callback fills is the pipeline's (released after the repair);
 * the seccomp program it points to stays the callback's.
 * Errors: 0 or -errno with one line in struct pw_err, and r->failed saying
 * which step failed so that each command presents it its own way (the
 * build calls a refusal "audit: ...", repair names the wheel).  On error
 * nothing is left in o->out_dir.  Nothing here prints: the lines a build
 * log gets go to o->logfd.
 */
#ifndef PINWHEEL_PIPELINE_H
#define PINWHEEL_PIPELINE_H

#include "pinwheel/common.h"
#include "pinwheel/repair.h"

struct pw_policy_set;
struct pw_sandbox_spec;
struct pw_syslibs;
struct pw_wheel;

/* The step that failed. */
enum pw_pipeline_step {
	PW_PIPELINE_OK = 0,
	PW_PIPELINE_UNPACK,  /* making o->dir, unpacking, the wheel's name */
	PW_PIPELINE_AUDIT,   /* the audit could not read the wheel */
	PW_PIPELINE_REFUSED, /* the audit refuses it: e->msg is the verdict alone
			      * (a fatal problem; with o->manylinux no ELF member
			      * or no policy fits; not the policy o->plat asks) */
	PW_PIPELINE_PLAT,    /* o->plat names no policy of the wheel's architecture */
	PW_PIPELINE_ROOT,    /* o->root failed (its error as it left it) */
	PW_PIPELINE_REPAIR,  /* pw_repair_dir() */
	PW_PIPELINE_REAUDIT, /* the audit after the repair could not read the wheel */
	PW_PIPELINE_TAG,     /* rewriting WHEEL's Tag lines */
	PW_PIPELINE_PACK,    /* making o->out_dir, packing */
	PW_PIPELINE_CHECK,   /* the packed file's audit failed or disagrees */
};

struct pw_pipeline_opts {
	const struct pw_policy_set *policies;
	/* Where the wheel is unpacked: a directory the pipeline makes (it
	 * must not exist; its parent is the caller's, who removes it).  A
	 * host path: the repair binds it into the root's sandbox. */
	const char *dir;
	/* Where the packed wheel goes (made, with its parents, when missing). */
	const char *out_dir;
	int64_t source_date_epoch; /* of the packed members; -1: 1980-01-01 */
	/* The policy to tag ("manylinux2014", "manylinux_2_17_x86_64"); the
	 * wheel must fit it.  NULL: the best policy the wheel fits. */
	const char *plat;
	/* The wheel must have ELF members and end up fitting a policy (repair).
	 * Else (build) a wheel without ELF members keeps its tags and one
	 * that fits no policy is tagged linux_ARCH. */
	bool manylinux;
	/* How the audit and the repair name the wheel in their messages: by
	 * its distribution ("hybrid": build, whose messages name the target)
	 * or, when false, by the input's path, whose platform tags the audit
	 * then checks against the ELF machine (repair). */
	bool name_by_dist;
	/* The architecture whose library directories the repair searches
	 * ("x86_64"; NULL: the one of the wheel's ELF members). */
	const char *arch;
	/* The target root for the repair, asked for only when the audit finds
	 * libraries to vendor: fill @spec (set up with pw_sandbox_spec_init())
	 * for a wheel of @arch.  0 or -errno with @e set.  NULL: such a wheel
	 * fails at PW_PIPELINE_ROOT. */
	int (*root)(void *arg, const char *arch, struct pw_sandbox_spec *spec, struct pw_err *e);
	void *root_arg;
	/* The glibc of the target root, which the audits check unversioned
	 * imports against (audit.h; borrowed).  NULL: read from the root
	 * o->root gives when the repair asks for it (then only the audits
	 * after the repair check them), else not checked. */
	struct pw_syslibs *syslibs;
	int logfd; /* the build log ("==== pinwheel: repair: ...", the vendored
		    * libraries, "==== pinwheel: audit: TAG, N extension
		    * modules"); -1: none */
};

struct pw_pipeline_result {
	enum pw_pipeline_step failed; /* PW_PIPELINE_OK unless it failed */
	char *wheel;	 /* the packed wheel's file name in o->out_dir */
	char *platform;	 /* the platform part of that name: both tags of the
			  * policy ("manylinux_2_17_x86_64.manylinux2014_x86_64"),
			  * "linux_x86_64", or the input's for a pure wheel */
	char *tag;	 /* the audit's verdict: the best policy's tag
			  * ("manylinux_2_17_x86_64"), "linux_ARCH" when none
			  * fits, "any" without ELF members */
	char **modules;	 /* extension modules for the smoke test ("hybrid._core"),
			  * NULL-ended */
	struct pw_repair_result repair; /* what was vendored (nothing: n 0) */
};

/* Run the pipeline on the wheel @w (opened by the caller; w->path is the
 * name it is parsed from and called by).  Fills @r (on error only
 * r->failed is set). */
int pw_pipeline_run(const struct pw_pipeline_opts *o, const struct pw_wheel *w,
		    struct pw_pipeline_result *r, struct pw_err *e);
void pw_pipeline_result_release(struct pw_pipeline_result *r);

/* ---- the smoke test (runner/wheel/smoke.c) ---- */

/* Module names of extension members: "hybrid/_core.cpython-311-x86_64-
 * linux-gnu.so" exporting PyInit__core gives "hybrid._core".  NULL when
 * the member's directory is not a package path. Caller frees. */
char *pw_smoke_module_name(const char *member, const char *pyinit);
/* Where the smoke test sees the project's sources, read-only: what
 * "{project}" and "{package}" in the test command become. */
#define PW_SMOKE_PROJECT "/project"
/* The argv of the smoke test, run in a fresh sandbox of the target root
 * with the wheel at @wheel (a path inside the sandbox): a venv with the
 * root's site packages, the wheel installed by the root's pip offline
 * without dependencies, each of @mods (NULL-ended) but those matching one
 * of the @nskip globs @skip imported from another directory (every one
 * tried, every failure printed, then the step fails), then @test_command
 * (may be NULL; "{project}" and "{package}" replaced by PW_SMOKE_PROJECT)
 * with the venv first on PATH.  Caller frees with pw_strv_free()
 * (build.h). */
char **pw_smoke_argv(const char *python, const char *wheel, char *const *mods,
		     const char *test_command, char *const *skip, size_t nskip);

#endif
