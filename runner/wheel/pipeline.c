/* pipeline.c - the wheel pipeline of `pinwheel build` and `pinwheel
 * repair` (include/pinwheel/pipeline.h): unpack, audit, repair, retag,
 * pack, audit the packed file. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/audit.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/pipeline.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/wheel.h"

/* One run's state: the unpacked wheel and its audit (redone after a
 * repair). */
struct run {
	const struct pw_pipeline_opts *o;
	struct pw_pipeline_result *r;
	struct pw_wheel_name wn;
	char *distinfo;
	int dirfd;
	struct pw_audit_result a;
	char *want; /* the policy o->plat names, without the architecture */
	char *tags[2];
	struct pw_syslibs *sys;	    /* o->syslibs, or own_sys */
	struct pw_syslibs *own_sys; /* read from the root the repair composed */
};

static int fail(struct run *run, enum pw_pipeline_step step, int r)
{
	run->r->failed = step;
	return r;
}

static const char *audit_name(const struct run *run, const struct pw_wheel *w)
{
	return run->o->name_by_dist ? run->wn.dist : w->path;
}

/* Unpack @w into o->dir and read its name and .dist-info directory. */
static int unpack(struct run *run, const struct pw_wheel *w, struct pw_err *e)
{
	const char *dir = run->o->dir;
	int r;

	if (mkdir(dir, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", dir);
	run->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run->dirfd < 0)
		return pw_err_sys(e, errno, "'%s'", dir);
	r = pw_wheel_unpack(w, run->dirfd, e);
	if (r == 0)
		r = pw_wheel_name_parse(w->path, &run->wn, e);
	if (r < 0)
		return r;
	run->distinfo = pw_wheel_dir_distinfo(run->dirfd, e);
	return run->distinfo ? 0 : -errno;
}

/* The first audit and what it refuses before anything is changed. */
static int audit(struct run *run, const struct pw_wheel *w, struct pw_err *e)
{
	const struct pw_pipeline_opts *o = run->o;
	const struct pw_audit_result *a = &run->a;
	int r;

	r = pw_audit_dir(o->policies, run->sys, run->dirfd, audit_name(run, w), &run->a, e);
	if (r < 0)
		return fail(run, PW_PIPELINE_AUDIT, r);
	if (a->nerrors)
		return fail(run, PW_PIPELINE_REFUSED, pw_err_set(e, EINVAL, "%s", a->errors[0]));
	if (o->manylinux && (!a->has_elf || !a->arch))
		return fail(run, PW_PIPELINE_REFUSED,
			    pw_err_set(e, EINVAL, "no ELF members: a pure wheel needs no repair"));
	if (!o->plat)
		return 0;
	if (!a->arch || pw_policy_tags(o->policies, o->plat, a->arch, run->tags) < 0)
		return fail(run, PW_PIPELINE_PLAT,
			    pw_err_set(e, EINVAL, "'%s': not a manylinux policy for %s", o->plat,
				       a->arch ? a->arch : "a wheel without ELF members"));
	{
		size_t l = strlen(run->tags[0]), al = strlen(a->arch);

		run->want = l > al + 1 ? pw_xasprintf("%.*s", (int)(l - al - 1), run->tags[0])
				       : pw_xstrdup(run->tags[0]);
	}
	return 0;
}

/* Vendor the external libraries in the target root's sandbox, then audit
 * again. */
static int repair(struct run *run, const struct pw_wheel *w, struct pw_err *e)
{
	const struct pw_pipeline_opts *o = run->o;
	struct pw_repair_result *rr = &run->r->repair;
	struct pw_repair_opts ro = {.policies = o->policies,
				    .arch = o->arch ? o->arch : run->a.arch,
				    .plat = run->want};
	struct pw_sandbox_spec s;
	int r;

	if (o->logfd >= 0)
		dprintf(o->logfd, "==== pinwheel: repair: %zu external libraries\n",
			run->a.nexternals);
	if (!o->root)
		return fail(run, PW_PIPELINE_ROOT,
			    pw_err_set(e, ENOENT, "'%s' needs a target root to vendor '%s'",
				       run->a.wheel, run->a.externals[0]));
	pw_sandbox_spec_init(&s);
	r = o->root(o->root_arg, run->a.arch, &s, e);
	if (r < 0) {
		pw_sandbox_spec_release(&s);
		return fail(run, PW_PIPELINE_ROOT, r);
	}
	ro.root = &s;
	r = pw_repair_dir(&ro, o->dir, &run->a, rr, e);
	/* no glibc given: the root composed for the repair's is the one the
	 * re-audit checks unversioned imports against */
	if (r == 0 && !run->sys) {
		r = pw_syslibs_open(&s, "the target root", &run->own_sys, e);
		run->sys = run->own_sys;
	}
	pw_sandbox_spec_release(&s);
	if (r < 0)
		return fail(run, PW_PIPELINE_REPAIR, r);
	for (size_t i = 0; o->logfd >= 0 && i < rr->nvendored; i++)
		dprintf(o->logfd, "vendored %s\n", rr->vendored[i]);
	pw_audit_result_release(&run->a);
	r = pw_audit_dir(o->policies, run->sys, run->dirfd, audit_name(run, w), &run->a, e);
	return r < 0 ? fail(run, PW_PIPELINE_REAUDIT, r) : 0;
}

/* Does the wheel fit policy @policy?  It does when that policy is no more
 * compatible than the best, i.e. not among the reasons' policies. */
static bool fits(const struct pw_audit_result *a, const char *policy)
{
	if (!a->best_policy)
		return false;
	for (size_t i = 0; i < a->nreasons; i++)
		if (!strcmp(a->reasons[i].policy, policy))
			return false;
	return true;
}

/* The first reason the audit gives why the wheel does not fit @policy,
 * as a phrase naming the member and what it needs ("'m.so' needs
 * GLIBC_2.34 from libc.so.6").  Caller frees. */
static char *cause(const struct pw_policy_set *p, const struct pw_audit_result *a,
		   const char *policy)
{
	for (size_t i = 0; i < a->nreasons; i++) {
		const struct pw_audit_reason *re = &a->reasons[i];

		if (strcmp(re->policy, policy))
			continue;
		if (re->isa)
			return pw_xasprintf("'%s' needs %s", re->member, re->isa);
		if (re->unversioned)
			return pw_audit_unversioned_phrase(p, a->arch, re);
		if (re->symbol)
			return pw_xasprintf("'%s' imports %s from %s, which %s refuses", re->member,
					    re->symbol, re->library, policy);
		if (re->version)
			return pw_xasprintf("'%s' needs %s from %s", re->member, re->version,
					    re->library);
		return pw_xasprintf("'%s' needs %s, which %s does not allow", re->member,
				    re->library, policy);
	}
	return pw_xstrdup("see 'pinwheel audit' for why");
}

/* What the (repaired) wheel must fit, then its new Tag lines and name. */
static int retag(struct run *run, struct pw_err *e)
{
	const struct pw_pipeline_opts *o = run->o;
	const struct pw_audit_result *a = &run->a;
	char **tags = run->tags;
	int r;

	if (o->manylinux && (a->nexternals || !a->best_policy))
		return fail(run, PW_PIPELINE_REFUSED,
			    pw_err_set(e, EINVAL,
				       "still fits no manylinux policy after the repair%s%s",
				       a->nexternals ? ": external " : "",
				       a->nexternals ? a->externals[0] : ""));
	if (run->want && !fits(a, run->want)) {
		_cleanup_free_ char *why = cause(o->policies, a, run->want);

		return fail(run, PW_PIPELINE_REFUSED,
			    pw_err_set(e, EINVAL, "the %swheel does not fit %s (best: %s): %s",
				       run->r->repair.nvendored ? "repaired " : "", run->want,
				       a->platform, why));
	}
	if (!a->has_elf)
		return 0;
	if (!tags[0]) { /* the best policy's tags, or linux_ARCH */
		tags[0] = pw_xstrdup(a->best_tags[0] ? a->best_tags[0] : a->platform);
		if (a->best_tags[0] && a->best_tags[1])
			tags[1] = pw_xstrdup(a->best_tags[1]);
	}
	r = pw_wheel_dir_retag(run->dirfd, run->distinfo, (const char *const *)tags,
			       tags[1] ? 2 : 1, e);
	if (r < 0)
		return fail(run, PW_PIPELINE_TAG, r);
	free(run->wn.platform);
	run->wn.platform = tags[1] ? pw_xasprintf("%s.%s", tags[0], tags[1]) : pw_xstrdup(tags[0]);
	return 0;
}

/* The extension modules of the packed wheel's audit @a2. */
static char **modules(const struct pw_audit_result *a2)
{
	char **mods = pw_xcalloc(a2->nelfs + 1, sizeof(char *));
	size_t nm = 0;

	for (size_t i = 0; i < a2->nelfs; i++) {
		const struct pw_audit_ext *x = &a2->elfs[i];

		for (size_t k = 0; x->is_extension && k < x->elf.npyinit; k++) {
			char *m = pw_smoke_module_name(x->member, x->elf.pyinit[k]);

			if (m) {
				mods[nm++] = m;
				break;
			}
		}
	}
	return mods;
}

/* Pack into o->out_dir, audit the packed file (which must give the same
 * tag), fill the result. */
static int pack(struct run *run, struct pw_err *e)
{
	const struct pw_pipeline_opts *o = run->o;
	struct pw_pipeline_result *res = run->r;
	struct pw_wheel_pack_opts po = {.source_date_epoch = o->source_date_epoch};
	struct pw_audit_result a2 = {0};
	const struct pw_audit_result *a = &run->a;
	_cleanup_free_ char *name = pw_wheel_name_format(&run->wn), *outp = NULL;
	size_t nm = 0;
	int r;

	r = pw_mkdir_p(o->out_dir, 0755);
	if (r < 0)
		return fail(run, PW_PIPELINE_PACK, pw_err_sys(e, -r, "could not create '%s'", o->out_dir));
	outp = pw_path_join(o->out_dir, name);
	r = pw_wheel_pack(run->dirfd, run->distinfo, outp, &po, e);
	if (r < 0)
		return fail(run, PW_PIPELINE_PACK, r);
	r = pw_audit_wheel(o->policies, run->sys, outp, &a2, e);
	if (r == 0 && a->has_elf && (!a2.platform || !a->platform || strcmp(a2.platform, a->platform)))
		r = pw_err_set(e, EPROTO, "re-audit of '%s' gives '%s', expected '%s'", name,
			       a2.platform ? a2.platform : "none", a->platform);
	if (r < 0) {
		unlink(outp);
		pw_audit_result_release(&a2);
		return fail(run, PW_PIPELINE_CHECK, r);
	}
	res->wheel = steal_pointer(&name);
	res->platform = pw_xstrdup(run->wn.platform);
	res->tag = pw_xstrdup(a->has_elf ? a->platform : "any");
	res->modules = modules(&a2);
	while (res->modules[nm])
		nm++;
	if (o->logfd >= 0)
		dprintf(o->logfd, "==== pinwheel: audit: %s, %zu extension modules\n", res->tag, nm);
	pw_audit_result_release(&a2);
	return 0;
}

int pw_pipeline_run(const struct pw_pipeline_opts *o, const struct pw_wheel *w,
		    struct pw_pipeline_result *r, struct pw_err *e)
{
	struct run run = {.o = o, .r = r, .dirfd = -1, .sys = o->syslibs};
	int rc;

	memset(r, 0, sizeof(*r));
	rc = unpack(&run, w, e);
	if (rc < 0)
		rc = fail(&run, PW_PIPELINE_UNPACK, rc);
	if (rc == 0)
		rc = audit(&run, w, e);
	if (rc == 0 && run.a.nexternals)
		rc = repair(&run, w, e);
	if (rc == 0)
		rc = retag(&run, e);
	if (rc == 0)
		rc = pack(&run, e);
	if (rc < 0) {
		enum pw_pipeline_step step = r->failed;

		pw_pipeline_result_release(r);
		r->failed = step;
	}
	if (run.dirfd >= 0)
		close(run.dirfd);
	pw_audit_result_release(&run.a);
	pw_wheel_name_release(&run.wn);
	free(run.distinfo);
	free(run.want);
	free(run.tags[0]);
	free(run.tags[1]);
	pw_syslibs_free(run.own_sys);
	return rc;
}

void pw_pipeline_result_release(struct pw_pipeline_result *r)
{
	free(r->wheel);
	free(r->platform);
	free(r->tag);
	for (size_t i = 0; r->modules && r->modules[i]; i++)
		free(r->modules[i]);
	free(r->modules);
	pw_repair_result_release(&r->repair);
	memset(r, 0, sizeof(*r));
}
