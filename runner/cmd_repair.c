/* cmd_repair.c - `pinwheel repair WHEEL [--plat TAG] [-w DIR] [--target ID]
 * [DIR]`: vendor the wheel's disallowed libraries from the target root
 * (runner/repair.c), retag, re-audit and pack deterministically. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/audit.h"
#include "pinwheel/buf.h"
#include "pinwheel/cli.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/layout.h"
#include "pinwheel/lock.h"
#include "pinwheel/log.h"
#include "pinwheel/repair.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/store.h"
#include "pinwheel/wheel.h"
#include "pinwheel/workdir.h"

const char pw_help_repair[] =
    "usage: pinwheel repair WHEEL [--plat TAG] [-w DIR] [--target ID] [DIR] [--json]\n\n"
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
    "retagged and packed deterministically (SOURCE_DATE_EPOCH honoured).\n\n"
    "options:\n"
    "  --plat TAG        the policy to tag (manylinux_2_17_x86_64, manylinux2014,\n"
    "                    ...); default: the best the repaired wheel fits\n"
    "  -w, --wheel-dir DIR  where to write the repaired wheel (default ./wheelhouse)\n"
    "  --target ID       the target whose root gives the libraries\n"
    "  --policies DIR    the policies *.json of DIR instead of the built-in ones\n"
    "  --json            print {\"wheel\", \"platform\", \"vendored\": [...]}\n\n"
    "exit status: 0 repaired (or nothing to vendor); 1 the repair failed (a\n"
    "library not in the root, a refused patchelf, the policy asked not met);\n"
    "2 usage or configuration error\n";

struct repair_args {
	const char *wheel, *plat, *outdir, *target, *project, *policies;
};

static int parse(struct pw_ctx *ctx, struct repair_args *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v;
		bool missing = false;
		int r = pw_global_opt(ctx, argc, argv, &i);

		if (r < 0)
			return -PW_EXIT_USAGE;
		if (r > 0)
			continue;
#define OPT(name, field)                                                                           \
	if ((v = pw_opt_arg(name, argc, argv, &i, &missing)) || missing) {                         \
		if (missing)                                                                       \
			return -pw_usage_error("repair", "%s needs a value", name);                \
		a->field = v;                                                                      \
		continue;                                                                          \
	}
		OPT("--plat", plat)
		OPT("-w", outdir)
		OPT("--wheel-dir", outdir)
		OPT("--target", target)
		OPT("--policies", policies)
#undef OPT
		if (argv[i][0] == '-' && argv[i][1])
			return -pw_usage_error("repair", "unknown option '%s'", argv[i]);
		if (!a->wheel)
			a->wheel = argv[i];
		else if (!a->project)
			a->project = argv[i];
		else
			return -pw_usage_error("repair", "unexpected argument '%s'", argv[i]);
	}
	if (!a->wheel)
		return -pw_usage_error("repair", "no wheel given");
	return 0;
}

/* The target's root as a sandbox spec (and its seccomp program). */
static int compose(struct pw_ctx *ctx, const struct repair_args *a, const struct pw_wheel_name *nm,
		   const char *arch, struct pw_sandbox_spec *spec, struct pw_seccomp_prog **prog)
{
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	struct pw_root_plan p;
	const struct pw_root *root = NULL;
	_cleanup_free_ char *lockpath = NULL, *storedir = NULL, *guess = NULL, *cache = NULL;
	struct pw_store *s = NULL;
	int st = PW_EXIT_USAGE;

	lockpath = pw_path_join(a->project ? a->project : ".", PW_LOCK_FILE);
	if (pw_lock_load(lockpath, &lf, &e) < 0) {
		pw_error("repair: %s", e.msg);
		return PW_EXIT_USAGE;
	}
	if (a->target) {
		root = pw_lockset_find_root(&lf, a->target);
	} else {
		char *dot = strchr(nm->python, '.');

		guess = pw_xasprintf("%.*s-manylinux_%s",
				     (int)(dot ? dot - nm->python : (long)strlen(nm->python)),
				     nm->python, arch ? arch : "x86_64");
		root = pw_lockset_find_root(&lf, guess);
		if (!root && lf.nroots == 1)
			root = &lf.roots[0];
	}
	if (!root) {
		pw_error("repair: target '%s' is not in '%s' (%zu targets there; use --target)",
			 a->target ? a->target : guess, lockpath, lf.nroots);
		goto out;
	}
	storedir = pw_ctx_store_dir(ctx);
	if (!storedir) {
		pw_error("repair: no store directory: use --store, $PINWHEEL_STORE or set HOME");
		goto out;
	}
	s = pw_store_open(storedir, &e);
	if (!s || pw_lock_check_blobs(lockpath, &lf, pw_store_dir(s), &e) < 0 ||
	    pw_roots_plan(s, &lf, root, PW_ROOTS_CHECK, &p, &e) < 0) {
		pw_error("repair: %s", e.msg);
		goto out;
	}
	pw_roots_to_spec(s, &p, spec);
	pw_debug("repair: target %s: root %s", p.target, p.id);
	pw_root_plan_release(&p);
	{
		struct pw_seccomp_opts so = {.allow_net = false, .cache_dir = NULL};

		cache = pw_path_join(storedir, "cache/seccomp");
		so.cache_dir = cache;
		*prog = pw_seccomp_compile("build", &so, &e);
		if (!*prog) {
			pw_error("repair: seccomp: %s", e.msg);
			st = PW_EXIT_FAIL;
			goto out;
		}
		spec->seccomp = *prog;
	}
	st = 0;
out:
	if (s)
		pw_store_close(s);
	pw_lockset_release(&lf);
	return st;
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

/* Does the policy of the tag @want fit @r?  It fits when it is no more
 * compatible than the best, i.e. not among the reasons' policies. */
static bool fits(const struct pw_audit_result *r, const char *policy)
{
	if (!r->best_policy)
		return false;
	for (size_t i = 0; i < r->nreasons; i++)
		if (!strcmp(r->reasons[i].policy, policy))
			return false;
	return true;
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

int pw_cmd_repair(struct pw_ctx *ctx, int argc, char **argv)
{
	struct repair_args a;
	struct pw_err e = PW_ERR_INIT;
	struct pw_policy_set *pol = NULL;
	struct pw_wheel_name nm;
	struct pw_wheel w;
	struct pw_audit_result ar, ar2;
	struct pw_repair_result rr;
	struct pw_sandbox_spec spec;
	struct pw_seccomp_prog *prog = NULL;
	struct pw_workdir wd = PW_WORKDIR_INIT;
	char *tags[2] = {NULL, NULL};
	_cleanup_free_ char *dir = NULL, *di = NULL, *outdir = NULL, *outpath = NULL, *name = NULL,
			    *want = NULL;
	const char *tmp = getenv("TMPDIR");
	bool have_w = false, have_ar = false, have_ar2 = false, have_nm = false;
	int st = PW_EXIT_FAIL, dfd = -1, n;

	for (int i = 1; i < argc; i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_repair, stdout);
			return PW_EXIT_OK;
		}
	memset(&a, 0, sizeof(a));
	memset(&rr, 0, sizeof(rr));
	pw_sandbox_spec_init(&spec);
	n = parse(ctx, &a, argc, argv);
	if (n < 0) {
		st = -n;
		goto out;
	}
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
	if (mkdir(dir, 0755) < 0 || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		pw_error("repair: could not create '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (pw_wheel_unpack(&w, dfd, &e) < 0 || !(di = pw_wheel_dir_distinfo(dfd, &e))) {
		pw_error("repair: %s", e.msg);
		goto out;
	}
	if (pw_audit_dir(pol, dfd, a.wheel, &ar, &e) < 0) {
		pw_error("repair: %s", e.msg);
		goto out;
	}
	have_ar = true;
	if (ar.nerrors) {
		pw_error("repair: %s: %s", a.wheel, ar.errors[0]);
		goto out;
	}
	if (!ar.has_elf || !ar.arch) {
		pw_error("repair: %s: no ELF members: a pure wheel needs no repair", a.wheel);
		goto out;
	}
	if (a.plat) {
		n = pw_policy_tags(pol, a.plat, ar.arch, tags);
		if (n < 0) {
			pw_error("repair: --plat '%s': not a manylinux policy for %s", a.plat,
				 ar.arch);
			st = PW_EXIT_USAGE;
			goto out;
		}
		{
			size_t l = strlen(tags[0]), al = strlen(ar.arch);

			want = l > al + 1 ? pw_xasprintf("%.*s", (int)(l - al - 1), tags[0])
					  : pw_xstrdup(tags[0]);
		}
	}
	if (ar.nexternals) {
		struct pw_repair_opts o = {
		    .policies = pol, .root = &spec, .arch = ar.arch, .plat = want};

		st = compose(ctx, &a, &nm, ar.arch, &spec, &prog);
		if (st)
			goto out;
		st = PW_EXIT_FAIL;
		if (pw_repair_dir(&o, dir, &ar, &rr, &e) < 0) {
			pw_error("repair: %s", e.msg);
			goto out;
		}
	}
	if (pw_audit_dir(pol, dfd, a.wheel, &ar2, &e) < 0) {
		pw_error("repair: re-audit: %s", e.msg);
		goto out;
	}
	have_ar2 = true;
	if (ar2.nexternals || !ar2.best_policy) {
		pw_error("repair: %s: still fits no manylinux policy after the repair%s%s", a.wheel,
			 ar2.nexternals ? ": external " : "",
			 ar2.nexternals ? ar2.externals[0] : "");
		goto out;
	}
	if (want && !fits(&ar2, want)) {
		pw_error("repair: %s: the repaired wheel does not fit %s (best: %s); see "
			 "'pinwheel audit' for why",
			 a.wheel, want, ar2.platform);
		goto out;
	}
	if (!a.plat) {
		n = pw_policy_tags(pol, ar2.best_policy, ar2.arch, tags);
		if (n < 0) {
			pw_error("repair: no tags for policy '%s'", ar2.best_policy);
			goto out;
		}
	}
	if (pw_wheel_dir_retag(dfd, di, (const char *const *)tags, tags[1] ? 2 : 1, &e) < 0) {
		pw_error("repair: %s", e.msg);
		goto out;
	}
	free(nm.platform);
	nm.platform = tags[1] ? pw_xasprintf("%s.%s", tags[0], tags[1]) : pw_xstrdup(tags[0]);
	name = pw_wheel_name_format(&nm);
	outdir = pw_xstrdup(a.outdir ? a.outdir : "wheelhouse");
	if (pw_mkdir_p(outdir, 0755) < 0) {
		pw_error("repair: could not create '%s': %s", outdir, strerror(errno));
		goto out;
	}
	outpath = pw_path_join(outdir, name);
	{
		struct pw_wheel_pack_opts po = {.source_date_epoch = sde_env()};

		if (pw_wheel_pack(dfd, di, outpath, &po, &e) < 0) {
			pw_error("repair: %s", e.msg);
			goto out;
		}
	}
	print_result(&a, &rr, outpath, nm.platform);
	st = PW_EXIT_OK;
out:
	if (dfd >= 0)
		close(dfd);
	(void)pw_workdir_release(&wd, true);
	free(tags[0]);
	free(tags[1]);
	if (have_ar)
		pw_audit_result_release(&ar);
	if (have_ar2)
		pw_audit_result_release(&ar2);
	pw_repair_result_release(&rr);
	if (have_w)
		pw_wheel_close(&w);
	if (have_nm)
		pw_wheel_name_release(&nm);
	pw_policies_free(pol);
	spec.seccomp = NULL;
	pw_sandbox_spec_release(&spec);
	pw_seccomp_prog_free(prog);
	return st;
}
