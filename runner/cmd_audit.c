/* cmd_audit.c - `pinwheel audit WHEEL... [--json]`: the best manylinux tag
 * of each wheel and, when a more compatible policy does not fit, why. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/audit.h"
#include "pinwheel/buf.h"
#include "pinwheel/cli.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/sandbox.h"

struct audit_args {
	struct pw_strv wheels;
	const char *policies;
	const char *root;
};

static const struct pw_opt audit_opts[] = {
    {.name = NULL,
     .kind = PW_ARG_LIST,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct audit_args, wheels),
     .meta = "WHEEL"},
    PW_OPT_DOC("--json", "one JSON document: {\"wheels\": [...]} (docs/audit.md)"),
    PW_OPT_POLICIES(struct audit_args, policies,
		    "the policies *.json of DIR instead of the built-in ones"),
    {.name = "--root",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct audit_args, root),
     .meta = "DIR",
     .what = "a directory",
     .help = "check unversioned imports against the glibc of the root file system DIR "
	     "('/' for this machine's; default: not checked)"},
};

const struct pw_cli_cmd pw_cli_audit = {
    .name = "audit",
    .opts = audit_opts,
    .nopts = PW_ARRAY_SIZE(audit_opts),
    .usage = "usage: pinwheel audit WHEEL... [--json] [--policies DIR] [--root DIR]\n\n"
	     "Report the best manylinux tag each wheel can carry and why.\n\n"
	     "For every WHEEL (a .whl file, or the directory of an unpacked wheel: one\n"
	     "*.dist-info directory with a WHEEL file) print\n"
	     "the platform tag of the most compatible manylinux policy it fits, with the\n"
	     "legacy alias when there is one (manylinux_2_17_x86_64 = manylinux2014_x86_64),\n"
	     "or linux_ARCH when none fits.  When the tag is worse than the best policy of\n"
	     "the architecture, each more compatible policy is listed with what keeps the\n"
	     "wheel out of it: symbol versions (GLIBC_2.28 from libc.so.6) and libraries\n"
	     "the policy does not allow, symbols it refuses to let a wheel import from an\n"
	     "allowed library.  Policies with the same causes share a line.\n"
	     "A wheel without ELF members is pure: its tag is 'any'.\n\n"
	     "With --root DIR, an import without a symbol version (what a linker whose\n"
	     "glibc stubs lack a function writes, e.g. zig cc for an old glibc) that\n"
	     "DIR's glibc defines (libc.so.6, libm.so.6, ... of the wheel's architecture,\n"
	     "found through DIR's ld.so.conf and multiarch directories) counts at the\n"
	     "oldest version defining it: 'unversioned getrandom (GLIBC_2.25, libc.so.6)'\n"
	     "keeps the wheel out of manylinux2014.  Weak references are shown, not\n"
	     "counted.  Without --root only the wheel is read and these are not checked;\n"
	     "`pinwheel build` always checks them against the target's root.\n",
    .epilogue = "exit status: 0 every wheel was audited without fatal problems; 1 a wheel\n"
		"cannot be read, is not a wheel (an empty directory, a directory of wheels,\n"
		"a zip without .dist-info) or has fatal problems (RECORD does not vouch for\n"
		"a member, libpython linkage, a shared object in a purelib wheel, mixed or\n"
		"foreign machines) or --root has no libc.so.6 of its architecture; 2 usage\n"
		"error (a --root that is not a directory)\n",
};

#define LIST_MAX 6 /* items shown per cause list before "+N more" */

static int cmp_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* One policy's causes, compactly: "GLIBC_2.14 GLIBC_2.17 (libc.so.6);
 * library libfoo.so.1" with the first member at fault. */
static void policy_causes(const struct pw_audit_result *r, const char *policy, struct pw_buf *b)
{
	const char *member = NULL;
	size_t nmembers = 0;
	const char *libs[64];
	size_t nlibs = 0, shown, total;

	/* symbol versions grouped by library, in the order first seen */
	for (size_t i = 0; i < r->nreasons; i++) {
		const struct pw_audit_reason *re = &r->reasons[i];
		size_t k;

		if (strcmp(re->policy, policy))
			continue;
		if (!member || strcmp(member, re->member)) {
			bool seen = false;

			for (size_t j = 0; j < i && !seen; j++)
				seen = !strcmp(r->reasons[j].policy, policy) &&
				       !strcmp(r->reasons[j].member, re->member);
			if (!seen)
				nmembers++;
			if (!member)
				member = re->member;
		}
		if (!re->version || re->unversioned)
			continue;
		for (k = 0; k < nlibs && strcmp(libs[k], re->library); k++)
			;
		if (k == nlibs && nlibs < PW_ARRAY_SIZE(libs))
			libs[nlibs++] = re->library;
	}
	for (size_t k = 0; k < nlibs; k++) {
		const char **vers = pw_xcalloc(r->nreasons, sizeof(char *));

		total = 0;
		for (size_t i = 0; i < r->nreasons; i++) {
			const struct pw_audit_reason *re = &r->reasons[i];
			bool dup = false;

			if (strcmp(re->policy, policy) || !re->version || re->unversioned ||
			    strcmp(re->library, libs[k]))
				continue;
			for (size_t j = 0; j < total && !dup; j++)
				dup = !strcmp(vers[j], re->version);
			if (!dup)
				vers[total++] = re->version;
		}
		qsort(vers, total, sizeof(char *), cmp_version);
		if (b->len)
			pw_buf_adds(b, "; ");
		for (shown = 0; shown < total && shown < LIST_MAX; shown++)
			pw_buf_addf(b, "%s%s", shown ? " " : "", vers[shown]);
		if (total > shown)
			pw_buf_addf(b, " +%zu more", total - shown);
		pw_buf_addf(b, " (%s)", libs[k]);
		free(vers);
	}
	shown = total = 0;
	for (size_t i = 0; i < r->nreasons; i++) {
		const struct pw_audit_reason *re = &r->reasons[i];
		bool dup = false;

		if (strcmp(re->policy, policy) || re->version || re->symbol || re->isa)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(r->reasons[j].policy, policy) && !r->reasons[j].version &&
			      !r->reasons[j].symbol && !r->reasons[j].isa &&
			      !strcmp(r->reasons[j].library, re->library);
		if (dup)
			continue;
		total++;
		if (shown++ < LIST_MAX)
			pw_buf_addf(b, "%s%s",
				    shown == 1 ? (b->len ? "; library " : "library ") : ", ",
				    re->library);
	}
	if (total > LIST_MAX)
		pw_buf_addf(b, " +%zu more", total - LIST_MAX);
	/* refused symbols: "symbol uncompress2 (libz.so.1)" */
	shown = total = 0;
	for (size_t i = 0; i < r->nreasons; i++) {
		const struct pw_audit_reason *re = &r->reasons[i];
		bool dup = false;

		if (strcmp(re->policy, policy) || !re->symbol || re->unversioned)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(r->reasons[j].policy, policy) && r->reasons[j].symbol &&
			      !r->reasons[j].unversioned &&
			      !strcmp(r->reasons[j].symbol, re->symbol) &&
			      !strcmp(r->reasons[j].library, re->library);
		if (dup)
			continue;
		total++;
		if (shown++ < LIST_MAX)
			pw_buf_addf(b, "%s%s (%s)",
				    shown == 1 ? (b->len ? "; refused symbol " : "refused symbol ")
					       : ", ",
				    re->symbol, re->library);
	}
	if (total > LIST_MAX)
		pw_buf_addf(b, " +%zu more", total - LIST_MAX);
	/* unversioned calls of newer glibc functions: "unversioned
	 * getrandom (GLIBC_2.25, libc.so.6)" */
	shown = total = 0;
	for (size_t i = 0; i < r->nreasons; i++) {
		const struct pw_audit_reason *re = &r->reasons[i];
		bool dup = false;

		if (strcmp(re->policy, policy) || !re->unversioned)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(r->reasons[j].policy, policy) && r->reasons[j].unversioned &&
			      !strcmp(r->reasons[j].symbol, re->symbol);
		if (dup)
			continue;
		total++;
		if (shown++ < LIST_MAX)
			pw_buf_addf(b, "%s%s (%s, %s)",
				    shown == 1 ? (b->len ? "; unversioned " : "unversioned ")
					       : ", ",
				    re->symbol, re->version, re->library);
	}
	if (total > LIST_MAX)
		pw_buf_addf(b, " +%zu more", total - LIST_MAX);
	/* the highest instruction set level needed */
	{
		const char *isa = NULL;

		for (size_t i = 0; i < r->nreasons; i++)
			if (!strcmp(r->reasons[i].policy, policy) && r->reasons[i].isa &&
			    (!isa || strcmp(r->reasons[i].isa, isa) > 0))
				isa = r->reasons[i].isa;
		if (isa)
			pw_buf_addf(b, "%sneeds %s instructions", b->len ? "; " : "", isa);
	}
	if (b->len > 0) {
		pw_buf_addf(b, " [in %s", member);
		if (nmembers > 1)
			pw_buf_addf(b, " +%zu more", nmembers - 1);
		pw_buf_adds(b, "]");
	}
}

/* Weak unversioned references to glibc functions newer than the chosen
 * policy, on one line: not a requirement (the loader leaves them NULL on
 * an older glibc), but the code must check them before calling. */
static void print_weak(const struct pw_policy_set *p, const struct pw_audit_result *r)
{
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	const char *member = NULL;
	size_t pi = SIZE_MAX, total = 0, nmembers = 0;

	for (size_t i = 0; r->best_policy && pw_policy_name(p, i) && pi == SIZE_MAX; i++)
		if (!strcmp(pw_policy_name(p, i), r->best_policy))
			pi = i;
	for (size_t i = 0; i < r->nelfs; i++) {
		bool counted = false;

		for (size_t k = 0; k < r->elfs[i].nimports; k++) {
			const struct pw_audit_import *im = &r->elfs[i].imports[k];
			bool dup = false;

			if (!im->weak || (pi != SIZE_MAX &&
					  pw_policy_allows_version(p, pi, r->arch, im->since) != 0))
				continue;
			if (!counted) {
				counted = true;
				nmembers++;
				if (!member)
					member = r->elfs[i].member;
			}
			/* the same symbol in an earlier member */
			for (size_t j = 0; j < i && !dup; j++)
				for (size_t q = 0; q < r->elfs[j].nimports && !dup; q++)
					dup = r->elfs[j].imports[q].weak &&
					      !strcmp(r->elfs[j].imports[q].symbol, im->symbol);
			if (dup)
				continue;
			if (total++ < LIST_MAX)
				pw_buf_addf(&b, "%s%s (%s, %s)", total > 1 ? ", " : "", im->symbol,
					    im->since, im->library);
		}
	}
	if (total > LIST_MAX)
		pw_buf_addf(&b, " +%zu more", total - LIST_MAX);
	if (total) {
		pw_out("  weak, not counted: %s [in %s", b.buf, member);
		if (nmembers > 1)
			pw_out(" +%zu more", nmembers - 1);
		pw_out("]\n");
	}
	pw_buf_release(&b);
}

static void print_text(const struct pw_policy_set *p, const struct pw_audit_result *r)
{
	struct pw_buf prev = PW_BUF_INIT(1 << 20), cur = PW_BUF_INIT(1 << 20);
	const char *last = NULL, *first = NULL;
	size_t count = 0;

	if (!r->has_elf)
		pw_out("%s: any (pure: no ELF members)\n", r->wheel);
	else if (r->best_policy)
		pw_out("%s: %s%s%s%s\n", r->wheel, r->platform, r->best_tags[1] ? " (alias " : "",
		       r->best_tags[1] ? r->best_tags[1] : "", r->best_tags[1] ? ")" : "");
	else if (r->platform)
		pw_out("%s: %s (no manylinux policy fits)\n", r->wheel, r->platform);
	else
		pw_out("%s: no platform tag\n", r->wheel);
	for (size_t i = 0; i < r->nerrors; i++)
		pw_out("  error: %s\n", r->errors[i]);
	/* one line per run of policies with the same causes: "A", "A, B" or
	 * "A .. C" */
	for (size_t i = 0; i <= r->nreasons; i++) {
		const char *pol = i < r->nreasons ? r->reasons[i].policy : NULL;

		if (last && pol && !strcmp(pol, last))
			continue;
		if (pol) {
			pw_buf_reset(&cur);
			policy_causes(r, pol, &cur);
		}
		if (last && (!pol || strcmp(cur.buf, prev.buf))) {
			if (count == 1)
				pw_out("  not %s: %s\n", first, prev.buf);
			else
				pw_out("  not %s%s%s: %s\n", first, count == 2 ? ", " : " .. ",
				       last, prev.buf);
			count = 0;
		}
		if (!pol)
			break;
		if (!count++)
			first = pol;
		pw_buf_reset(&prev);
		pw_buf_add(&prev, cur.buf, cur.len);
		last = pol;
	}
	print_weak(p, r);
	if (r->nexternals) {
		pw_out("  external libraries (repair vendors them):");
		for (size_t i = 0; i < r->nexternals; i++)
			pw_out(" %s", r->externals[i]);
		pw_out("\n");
	}
	pw_buf_release(&prev);
	pw_buf_release(&cur);
}

static int audit_one(const struct pw_policy_set *p, struct pw_syslibs *sys, const char *path,
		     struct pw_audit_result *r, struct pw_err *e)
{
	struct stat st;
	int fd, rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return pw_err_sys(e, errno, "could not open '%s'", path);
		rc = pw_audit_dir(p, sys, fd, path, r, e);
		close(fd);
		return rc;
	}
	return pw_audit_wheel(p, sys, path, r, e);
}

int pw_cmd_audit(struct pw_ctx *ctx, int argc, char **argv)
{
	struct audit_args a = {PW_STRV_INIT, NULL, NULL};
	struct pw_policy_set *pol = NULL;
	struct pw_syslibs *sys = NULL;
	struct pw_err e = PW_ERR_INIT;
	json_t *jw = NULL;
	int status;

	status = pw_cli_parse(ctx, &pw_cli_audit, &a, argc, argv, NULL);
	if (status != PW_CLI_GO)
		goto out;
	if (pw_policies_load(a.policies, &pol, &e) < 0) {
		pw_error("audit: %s", e.msg);
		status = PW_EXIT_USAGE;
		goto out;
	}
	if (a.root) {
		bool bad_arg;

		if (pw_syslibs_open_dir(a.root, &sys, &bad_arg, &e) < 0) {
			pw_error("audit: %s", e.msg);
			status = bad_arg ? PW_EXIT_USAGE : PW_EXIT_FAIL;
			goto out;
		}
	}
	status = PW_EXIT_OK;
	if (ctx->json)
		jw = json_array();
	for (size_t i = 0; i < a.wheels.n; i++) {
		const char *path = a.wheels.v[i];
		struct pw_audit_result res;

		pw_err_clear(&e);
		if (audit_one(pol, sys, path, &res, &e) < 0) {
			pw_error("audit: %s", e.msg);
			if (jw)
				json_array_append_new(
				    jw, json_pack("{s:s, s:s}", "wheel", path, "error", e.msg));
			status = PW_EXIT_FAIL;
			continue;
		}
		if (res.nerrors)
			status = PW_EXIT_FAIL;
		if (jw)
			json_array_append_new(jw, pw_audit_result_json(&res));
		else
			print_text(pol, &res);
		pw_audit_result_release(&res);
	}
	if (jw) {
		json_t *doc = json_pack("{s:i, s:o}", "version", 1, "wheels", jw);

		pw_json_print(doc, true);
		json_decref(doc);
	}
	fflush(stdout);
out:
	pw_syslibs_free(sys);
	pw_policies_free(pol);
	pw_strv_release(&a.wheels);
	return status;
}
