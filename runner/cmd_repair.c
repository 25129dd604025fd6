/* cmd_repair.c - `pinwheel repair WHEEL [--plat TAG] [-w DIR] [--target ID]
 * [DIR]`: vendor the wheel's disallowed libraries from the target root
 * (runner/wheel/repair.c), retag, re-audit and pack deterministically:
 * the wheel pipeline (include/pinwheel/pipeline.h) with the root composed
 * here. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/audit.h"
#include "pinwheel/buf.h"
#include "pinwheel/cli.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/layout.h"
#include "pinwheel/log.h"
#include "pinwheel/pipeline.h"
#include "pinwheel/repair.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/session.h"
#include "pinwheel/wheel.h"
#include "pinwheel/workdir.h"

struct repair_args {
	const char *wheel, *plat, *outdir, *target, *project, *policies, *root;
};

static const struct pw_opt repair_opts[] = {
    {.name = NULL,
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct repair_args, wheel),
     .meta = "WHEEL"},
    PW_OPT_PROJECT_DIR(struct repair_args, project),
    {.name = "--plat",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct repair_args, plat),
     .meta = "TAG",
     .what = "a platform tag",
     .help = "the policy to tag (manylinux_2_17_x86_64, manylinux2014, ...); default: the best "
	     "the repaired wheel fits"},
    {.name = "--wheel-dir",
     .alias = "-w",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct repair_args, outdir),
     .meta = "DIR",
     .what = "a directory",
     .help = "where to write the repaired wheel (default ./wheelhouse)"},
    PW_OPT_TARGET(struct repair_args, target, "the target whose root gives the libraries"),
    PW_OPT_POLICIES(struct repair_args, policies,
		    "the policies *.json of DIR instead of the built-in ones"),
    {.name = "--root",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct repair_args, root),
     .meta = "DIR",
     .what = "a directory",
     .help = "check unversioned imports against the glibc of the root file system DIR "
	     "(default: the target's root when the repair composes it, else not checked)"},
    PW_OPT_DOC("--json", "print {\"wheel\", \"platform\", \"vendored\": [...]}"),
};

const struct pw_cli_cmd pw_cli_repair = {
    .name = "repair",
    .opts = repair_opts,
    .nopts = PW_ARRAY_SIZE(repair_opts),
    .usage = "usage: pinwheel repair WHEEL [--plat TAG] [-w DIR] [--target ID] [--root DIR] [DIR]\n"
	     "                       [--json]\n\n"
	     "Vendor the libraries a wheel links outside its manylinux policy and retag it.\n\n"
	     "The libraries and the ELF tool come from the root of target ID in\n"
	     "DIR/pinwheel.lock (DIR defaults to '.'; ID defaults to PYTAG-manylinux_ARCH\n"
	     "from the wheel's name, or the lock's only target).  Each external library\n"
	     "(and, recursively, its own externals) found in the root's library path\n"
	     "(its ld.so.conf, then /lib/TRIPLET, /usr/lib/TRIPLET, /lib, /usr/lib) is\n"
	     "copied to DIST.libs/libfoo-HASH8.so.N, its SONAME set, DT_NEEDED replaced\n"
	     "in every user and their RUNPATH set to $ORIGIN/<relative path>.  The edits\n"
	     "are made by the root's patchelf in a sandbox; versions up to 0.14.3 and\n"
	     "0.17.0 are refused (docs/repair.md).  The wheel is then re-audited,\n"
	     "retagged and packed deterministically (SOURCE_DATE_EPOCH honoured).\n"
	     "Imports without a symbol version that a glibc defines count at the oldest\n"
	     "version defining them (see pinwheel audit --help): the glibc of --root DIR,\n"
	     "else of the target root once the repair has composed it to vendor\n"
	     "libraries; a wheel with nothing to vendor and no --root is not checked.\n",
    .epilogue = "exit status: 0 repaired (or nothing to vendor); 1 the repair failed (a\n"
		"library not in the root, a refused patchelf, the policy asked not met);\n"
		"2 usage or configuration error\n",
};

/* The target's root as a sandbox spec (its seccomp program the session's):
 * target @a->target, or PYTAG-manylinux_ARCH from the wheel's name, or the
 * lock's only target. */
static int compose(struct pw_ctx *ctx, const struct repair_args *a, const struct pw_wheel_name *nm,
		   const char *arch, struct pw_sandbox_spec *spec, struct pw_session *ss)
{
	_cleanup_free_ char *storedir = pw_ctx_store_dir(ctx), *guess = NULL;
	struct pw_err e = PW_ERR_INIT;
	struct pw_root_plan p;
	const char *id = a->target;

	if (pw_session_open(ss, a->project, storedir, 0, &e) < 0) {
		pw_error("repair: %s", e.msg);
		return PW_EXIT_USAGE;
	}
	if (!id) {
		char *dot = strchr(nm->python, '.');

		guess = pw_xasprintf("%.*s-manylinux_%s",
				     (int)(dot ? dot - nm->python : (long)strlen(nm->python)),
				     nm->python, arch ? arch : "x86_64");
		id = guess;
		if (!pw_session_find(ss, guess) && ss->lock.nroots == 1)
			id = ss->lock.roots[0].target;
	}
	if (!pw_session_find(ss, id)) {
		pw_error("repair: target '%s' is not in '%s' (%zu targets there; use --target)", id,
			 ss->lockpath, ss->lock.nroots);
		return PW_EXIT_USAGE;
	}
	if (pw_session_target(ss, id, &p, &e) < 0) {
		pw_error("repair: %s", e.msg);
		return PW_EXIT_USAGE;
	}
	pw_debug("repair: target %s: root %s", p.target, p.id);
	spec->net = false;
	if (pw_session_spec(ss, &p, "build", spec, &e) < 0) {
		pw_error("repair: seccomp: %s", e.msg);
		pw_root_plan_release(&p);
		return PW_EXIT_FAIL;
	}
	pw_root_plan_release(&p);
	return 0;
}

/* The input's RECORD must vouch for every member: the repaired wheel gets
 * a new RECORD, which must never launder content the old one did not
 * vouch for.  0, or -EBADMSG with the first problem and how many more. */
static int check_record(const struct pw_wheel *w, struct pw_err *e)
{
	struct pw_buf probs = PW_BUF_INIT(1u << 20);
	int n = pw_wheel_record_check(w, &probs, e);

	if (n == 1)
		pw_err_set(e, EBADMSG,
			   "%s: RECORD does not vouch for '%.*s': refusing to repair a wheel whose "
			   "content does not match its RECORD",
			   w->path, (int)strcspn(probs.buf, "\n"), probs.buf);
	else if (n > 1)
		pw_err_set(e, EBADMSG,
			   "%s: RECORD does not vouch for '%.*s' (+%d more): refusing to repair a "
			   "wheel whose content does not match its RECORD",
			   w->path, (int)strcspn(probs.buf, "\n"), probs.buf, n - 1);
	pw_buf_release(&probs);
	return n > 0 ? -EBADMSG : n;
}

static int64_t sde_env(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	if (!s || pw_parse_u64(s, &v) < 0)
		return -1;
	return (int64_t)v;
}

static void print_result(const struct repair_args *a, const struct pw_repair_result *rr,
			 const char *out, const char *plat)
{
	if (pw_log_json()) {
		json_t *o = json_object(), *v = json_array();

		for (size_t i = 0; i < rr->nvendored; i++) {
			json_t *x = json_object();

			json_object_set_new(x, "library", json_string(rr->libraries[i]));
			json_object_set_new(x, "vendored", json_string(rr->vendored[i]));
			json_array_append_new(v, x);
		}
		json_object_set_new(o, "input", json_string(a->wheel));
		json_object_set_new(o, "wheel", json_string(out));
		json_object_set_new(o, "platform", json_string(plat));
		json_object_set_new(o, "vendored", v);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(o);
		return;
	}
	for (size_t i = 0; i < rr->nvendored; i++)
		pw_out("vendored %s as %s\n", rr->libraries[i], rr->vendored[i]);
	if (!rr->nvendored)
		pw_out("nothing to vendor\n");
	pw_out("wrote %s (%s)\n", out, plat);
}

/* The target root for the pipeline's repair, composed when it needs one:
 * compose() says why it could not and gives the exit status. */
struct root_arg {
	struct pw_ctx *ctx;
	const struct repair_args *a;
	const struct pw_wheel_name *nm;
	struct pw_session ss; /* open once the pipeline asks for the root */
	int status;
};

static int root_of(void *arg, const char *arch, struct pw_sandbox_spec *spec, struct pw_err *e)
{
	struct root_arg *ra = arg;

	ra->status = compose(ra->ctx, ra->a, ra->nm, arch, spec, &ra->ss);
	return ra->status ? pw_err_set(e, EINVAL, "no target root") : 0;
}

/* Say why the pipeline failed; the exit status. */
static int report(const struct repair_args *a, const struct pw_pipeline_result *r,
		  const struct root_arg *ra, const struct pw_err *e)
{
	switch (r->failed) {
	case PW_PIPELINE_ROOT:
		if (ra->status) /* compose() said why */
			return ra->status;
		break;
	case PW_PIPELINE_REFUSED:
		pw_error("repair: %s: %s", a->wheel, e->msg);
		return PW_EXIT_FAIL;
	case PW_PIPELINE_PLAT:
		pw_error("repair: --plat %s", e->msg);
		return PW_EXIT_USAGE;
	case PW_PIPELINE_REAUDIT:
		pw_error("repair: re-audit: %s", e->msg);
		return PW_EXIT_FAIL;
	default:
		break;
	}
	pw_error("repair: %s", e->msg);
	return PW_EXIT_FAIL;
}

int pw_cmd_repair(struct pw_ctx *ctx, int argc, char **argv)
{
	struct repair_args a;
	struct pw_err e = PW_ERR_INIT;
	struct pw_policy_set *pol = NULL;
	struct pw_syslibs *sys = NULL;
	struct pw_wheel_name nm;
	struct pw_wheel w;
	struct pw_pipeline_opts po = {.manylinux = true, .logfd = -1};
	struct pw_pipeline_result pr = {0};
	struct root_arg ra = {.ctx = ctx, .a = &a, .nm = &nm, .ss = PW_SESSION_INIT};
	struct pw_workdir wd = PW_WORKDIR_INIT;
	_cleanup_free_ char *dir = NULL, *outpath = NULL;
	const char *tmp = getenv("TMPDIR");
	bool have_w = false, have_nm = false;
	int st = PW_EXIT_FAIL, n;

	memset(&a, 0, sizeof(a));
	n = pw_cli_parse(ctx, &pw_cli_repair, &a, argc, argv, NULL);
	if (n != PW_CLI_GO)
		return n;
	if (pw_wheel_name_parse(a.wheel, &nm, &e) < 0) {
		pw_error("repair: %s", e.msg);
		st = PW_EXIT_USAGE;
		goto out;
	}
	have_nm = true;
	if (pw_policies_load(a.policies, &pol, &e) < 0) {
		pw_error("repair: %s", e.msg);
		st = PW_EXIT_USAGE;
		goto out;
	}
	if (a.root) {
		bool bad_arg;

		if (pw_syslibs_open_dir(a.root, &sys, &bad_arg, &e) < 0) {
			pw_error("repair: %s", e.msg);
			if (bad_arg)
				st = PW_EXIT_USAGE;
			goto out;
		}
	}
	if (pw_wheel_open(a.wheel, &w, &e) < 0) {
		pw_error("repair: %s", e.msg);
		goto out;
	}
	have_w = true;
	if (check_record(&w, &e) < 0) {
		pw_error("repair: %s", e.msg);
		goto out;
	}
	/* locked while we run: a later repair removes it if we are killed */
	n = pw_workdir_make(&wd, tmp && *tmp ? tmp : "/tmp", "pinwheel-repair.", true);
	if (n < 0) {
		pw_error("repair: could not create a directory in '%s': %s",
			 tmp && *tmp ? tmp : "/tmp", strerror(-n));
		goto out;
	}
	dir = pw_path_join(wd.path, "wheel");
	po.policies = pol;
	po.dir = dir;
	po.out_dir = a.outdir ? a.outdir : "wheelhouse";
	po.source_date_epoch = sde_env();
	po.plat = a.plat;
	po.root = root_of;
	po.syslibs = sys;
	po.root_arg = &ra;
	if (pw_pipeline_run(&po, &w, &pr, &e) < 0) {
		st = report(&a, &pr, &ra, &e);
		goto out;
	}
	outpath = pw_path_join(po.out_dir, pr.wheel);
	print_result(&a, &pr.repair, outpath, pr.platform);
	st = PW_EXIT_OK;
out:
	(void)pw_workdir_release(&wd, true);
	pw_pipeline_result_release(&pr);
	if (have_w)
		pw_wheel_close(&w);
	if (have_nm)
		pw_wheel_name_release(&nm);
	pw_policies_free(pol);
	pw_syslibs_free(sys);
	pw_session_close(&ra.ss);
	return st;
}
