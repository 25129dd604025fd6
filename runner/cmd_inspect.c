/* cmd_inspect.c - `pinwheel inspect WHEEL [--json]`: members, extension
 * modules (by name and suffix), tags from the file name and from WHEEL,
 * and the RECORD check.  A RECORD problem (tampered, unlisted or missing
 * member) exits 1. */
#include <string.h>

#include "pinwheel/cli.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/wheel.h"

struct inspect_args {
	const char *wheel;
};

static const struct pw_opt inspect_opts[] = {
    {.name = NULL,
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct inspect_args, wheel),
     .meta = "WHEEL"},
    PW_OPT_DOC("--json", "one JSON object on stdout (see docs/wheels.md for the fields)"),
};

const struct pw_cli_cmd pw_cli_inspect = {
    .name = "inspect",
    .opts = inspect_opts,
    .nopts = PW_ARRAY_SIZE(inspect_opts),
    .usage = "usage: pinwheel inspect WHEEL [--json]\n\n"
	     "Show a wheel's contents, extensions and tags, and check its RECORD.\n\n"
	     "Prints the parts of the file name, the tags it expands to and the Tag lines\n"
	     "of .dist-info/WHEEL (and whether they agree), every member with its size,\n"
	     "compressed size and mode, the extension modules (members ending in .so that\n"
	     "are not libraries under a '*.libs/' directory or named 'lib*.so'), and the\n"
	     "RECORD check: every member listed with the right sha256 and size, every\n"
	     "listed file present.\n",
    .epilogue = "exit status: 0 the wheel is consistent, 1 RECORD problems or an unreadable\n"
		"wheel (the problems are named), 2 usage error\n",
};

#define WHEEL_META_MAX (1u << 20)

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* The importable module name of an extension member, or NULL when the
 * member is not an extension module (caller frees). */
static char *extension_module(const char *name)
{
	const char *p = name, *base, *slash = strchr(name, '/');
	char *mod, *dot;

	if (!ends_with(name, ".so"))
		return NULL;
	if (slash && (size_t)(slash - name) > 5 && !strncmp(slash - 5, ".libs", 5))
		return NULL; /* a vendored library (auditwheel's <dist>.libs/) */
	if (slash && (size_t)(slash - name) > 5 && !strncmp(slash - 5, ".data", 5)) {
		if (!strncmp(slash + 1, "platlib/", 8))
			p = slash + 9;
		else if (!strncmp(slash + 1, "purelib/", 8))
			p = slash + 9;
		else
			return NULL;
	}
	base = strrchr(p, '/');
	base = base ? base + 1 : p;
	if (!strncmp(base, "lib", 3) && !strstr(base, ".cpython-") && !strstr(base, ".abi3."))
		return NULL;
	mod = pw_xstrdup(p);
	dot = strchr(mod + (base - p), '.');
	if (dot)
		*dot = '\0';
	for (dot = mod; *dot; dot++)
		if (*dot == '/')
			*dot = '.';
	return mod;
}

static void add_str(char ***v, size_t *n, char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s)) {
			free(s);
			return;
		}
	*v = pw_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

/* Expand the compressed tag sets of the file name. */
static void name_tags(const struct pw_wheel_name *nm, char ***v, size_t *n)
{
	const char *py, *abi, *pl, *pe, *ae, *le;

	for (py = nm->python; *py; py = *pe ? pe + 1 : pe) {
		pe = strchrnul(py, '.');
		for (abi = nm->abi; *abi; abi = *ae ? ae + 1 : ae) {
			ae = strchrnul(abi, '.');
			for (pl = nm->platform; *pl; pl = *le ? le + 1 : le) {
				le = strchrnul(pl, '.');
				add_str(v, n,
					pw_xasprintf("%.*s-%.*s-%.*s", (int)(pe - py), py,
						     (int)(ae - abi), abi, (int)(le - pl), pl));
			}
		}
	}
	pw_sort_strings(*v, *n);
}

/* Tag lines and Root-Is-Purelib of the WHEEL member. */
static int wheel_tags(const struct pw_wheel *w, const char *distinfo, char ***v, size_t *n,
		      int *purelib, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(WHEEL_META_MAX);
	char *name = pw_xasprintf("%s/WHEEL", distinfo), *line, *save = NULL;
	ssize_t i = pw_wheel_find(w, name);
	int r;

	*purelib = -1;
	if (i < 0) {
		r = pw_err_set(e, ENOENT, "%s: no member '%s'", w->path, name);
		free(name);
		return r;
	}
	free(name);
	r = pw_wheel_read(w, (size_t)i, &b, e);
	if (r < 0)
		goto out;
	for (line = strtok_r(b.buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		if (!strncmp(line, "Tag:", 4)) {
			char *t = line + 4;
			size_t l;
			while (*t == ' ' || *t == '\t')
				t++;
			l = strlen(t);
			while (l && (t[l - 1] == ' ' || t[l - 1] == '\t'))
				l--;
			add_str(v, n, pw_xasprintf("%.*s", (int)l, t));
		} else if (!strncmp(line, "Root-Is-Purelib:", 16)) {
			char *t = line + 16;
			while (*t == ' ')
				t++;
			*purelib = !strncasecmp(t, "true", 4);
		}
	}
	pw_sort_strings(*v, *n);
out:
	pw_buf_release(&b);
	return r;
}

static const char *mode_str(const struct pw_wheel_member *m)
{
	return m->is_dir ? "dir" : (m->mode & 0111) ? "0755" : "0644";
}

/* The .dist-info directory holding WHEEL: the one the file name implies
 * when present, else the only one.  Caller frees; NULL when none. */
static char *find_distinfo(const struct pw_wheel *w, const struct pw_wheel_name *nm)
{
	char *want = pw_wheel_distinfo(nm), *found = NULL;
	size_t i;

	for (i = 0; i < w->n; i++) {
		const char *n = w->m[i].name, *s = strchr(n, '/');
		if (!s || strcmp(s, "/WHEEL") || (size_t)(s - n) <= 10 ||
		    strncmp(s - 10, ".dist-info", 10))
			continue;
		if ((size_t)(s - n) == strlen(want) && !strncmp(n, want, (size_t)(s - n))) {
			free(found);
			return want;
		}
		if (!found)
			found = strndup(n, (size_t)(s - n));
	}
	free(want);
	return found;
}

static bool same_sets(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static json_t *str_array(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int report_json(const struct pw_wheel *w, const struct pw_wheel_name *nm, char **ft,
		       size_t nft, char **wt, size_t nwt, int purelib, const char *problems,
		       int nprob, const char *record_err)
{
	json_t *j = json_object(), *mem = json_array(), *ext = json_array(), *pr = json_array();
	char *line, *save = NULL, *copy;
	uint64_t total = 0, ctotal = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		char *mod = extension_module(w->m[i].name);
		total += w->m[i].size;
		ctotal += w->m[i].csize;
		json_array_append_new(mem, json_pack("{s:s, s:I, s:I, s:s}", "name", w->m[i].name,
						     "size", (json_int_t)w->m[i].size,
						     "compressed_size", (json_int_t)w->m[i].csize,
						     "mode", mode_str(&w->m[i])));
		if (mod)
			json_array_append_new(ext, json_pack("{s:s, s:s}", "member", w->m[i].name,
							     "module", mod));
		free(mod);
	}
	copy = pw_xstrdup(problems);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		json_array_append_new(pr, json_string(line));
	free(copy);
	json_object_set_new(j, "wheel", json_string(w->path));
	json_object_set_new(j, "name",
			    json_pack("{s:s, s:s, s:o, s:s, s:s, s:s}", "dist", nm->dist, "version",
				      nm->version, "build",
				      nm->build ? json_string(nm->build) : json_null(), "python",
				      nm->python, "abi", nm->abi, "platform", nm->platform));
	json_object_set_new(j, "file_tags", str_array(ft, nft));
	json_object_set_new(j, "wheel_tags", str_array(wt, nwt));
	json_object_set_new(j, "tags_agree", json_boolean(same_sets(ft, nft, wt, nwt)));
	json_object_set_new(j, "root_is_purelib", purelib < 0 ? json_null() : json_boolean(purelib));
	json_object_set_new(j, "member_count", json_integer((json_int_t)w->n));
	json_object_set_new(j, "size", json_integer((json_int_t)total));
	json_object_set_new(j, "compressed_size", json_integer((json_int_t)ctotal));
	json_object_set_new(j, "members", mem);
	json_object_set_new(j, "extensions", ext);
	json_object_set_new(j, "record",
			    json_pack("{s:b, s:o, s:o}", "ok", nprob == 0 && !record_err,
				      "problems", pr, "error",
				      record_err ? json_string(record_err) : json_null()));
	pw_json_print(j, true);
	json_decref(j);
	return 0;
}

static void report_text(const struct pw_wheel *w, const struct pw_wheel_name *nm, char **ft,
			size_t nft, char **wt, size_t nwt, int purelib, const char *problems,
			int nprob, const char *record_err)
{
	uint64_t total = 0, ctotal = 0;
	size_t i, next = 0;

	pw_out("wheel: %s\n", w->path);
	pw_out("name: %s %s%s%s\n", nm->dist, nm->version, nm->build ? " build " : "",
	       nm->build ? nm->build : "");
	pw_out("tags (file name):");
	for (i = 0; i < nft; i++)
		pw_out(" %s", ft[i]);
	pw_out("\ntags (WHEEL):");
	for (i = 0; i < nwt; i++)
		pw_out(" %s", wt[i]);
	pw_out("%s\n", same_sets(ft, nft, wt, nwt) ? "" : "  (differ from the file name)");
	pw_out("root-is-purelib: %s\n", purelib < 0 ? "missing" : purelib ? "true" : "false");
	for (i = 0; i < w->n; i++) {
		total += w->m[i].size;
		ctotal += w->m[i].csize;
	}
	pw_out("members: %zu, %llu bytes (%llu compressed)\n", w->n, (unsigned long long)total,
	       (unsigned long long)ctotal);
	for (i = 0; i < w->n; i++)
		pw_out("  %12llu %12llu %-4s %s\n", (unsigned long long)w->m[i].size,
		       (unsigned long long)w->m[i].csize, mode_str(&w->m[i]), w->m[i].name);
	for (i = 0; i < w->n; i++) {
		char *mod = extension_module(w->m[i].name);
		if (mod) {
			next++;
			if (next == 1)
				pw_out("extensions:\n");
			pw_out("  %s  (%s)\n", mod, w->m[i].name);
		}
		free(mod);
	}
	if (next == 0)
		pw_out("extensions: none\n");
	if (record_err)
		pw_out("record: FAILED: %s\n", record_err);
	else if (nprob == 0)
		pw_out("record: ok\n");
	else
		pw_out("record: %d problem%s\n", nprob, nprob == 1 ? "" : "s");
	if (nprob) {
		const char *p = problems, *nl;
		while ((nl = strchr(p, '\n'))) {
			pw_out("  %.*s\n", (int)(nl - p), p);
			p = nl + 1;
		}
	}
}

int pw_cmd_inspect(struct pw_ctx *ctx, int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT, re = PW_ERR_INIT;
	struct pw_buf problems = PW_BUF_INIT(4u << 20);
	struct pw_wheel_name nm;
	struct pw_wheel w;
	struct inspect_args a = {NULL};
	const char *path;
	char **ft = NULL, **wt = NULL, *di = NULL;
	size_t nft = 0, nwt = 0;
	int r, nprob, purelib = -1, status;

	r = pw_cli_parse(ctx, &pw_cli_inspect, &a, argc, argv, NULL);
	if (r != PW_CLI_GO)
		return r;
	path = a.wheel;
	if (pw_wheel_name_parse(path, &nm, &e) < 0) {
		pw_error("inspect: %s", e.msg);
		return PW_EXIT_FAIL;
	}
	if (pw_wheel_open(path, &w, &e) < 0) {
		pw_error("inspect: %s", e.msg);
		pw_wheel_name_release(&nm);
		return PW_EXIT_FAIL;
	}
	name_tags(&nm, &ft, &nft);
	di = find_distinfo(&w, &nm);
	if (!di)
		pw_warn("inspect: %s: no '*.dist-info/WHEEL' member", path);
	else if (wheel_tags(&w, di, &wt, &nwt, &purelib, &e) < 0)
		pw_warn("inspect: %s", e.msg);
	nprob = pw_wheel_record_check(&w, &problems, &re);
	if (ctx->json)
		report_json(&w, &nm, ft, nft, wt, nwt, purelib, problems.buf, nprob > 0 ? nprob : 0,
			    nprob < 0 ? re.msg : NULL);
	else
		report_text(&w, &nm, ft, nft, wt, nwt, purelib, problems.buf, nprob > 0 ? nprob : 0,
			    nprob < 0 ? re.msg : NULL);
	status = nprob == 0 ? PW_EXIT_OK : PW_EXIT_FAIL;
	if (nprob < 0)
		pw_error("inspect: %s", re.msg);
	else if (nprob > 0)
		pw_error("inspect: %s: RECORD check failed: %d problem%s", path, nprob,
			 nprob == 1 ? "" : "s");
	pw_free_names(ft, nft);
	pw_free_names(wt, nwt);
	free(di);
	pw_buf_release(&problems);
	pw_wheel_close(&w);
	pw_wheel_name_release(&nm);
	return status;
}
