/* config.c - load and validate pinwheel.json (or the config a
 * pyproject.toml gives: runner/zeroconf.c), expand the target matrix (see
 * include/pinwheel/config.h and docs/config.md).
 *
 * jansson parses (and rejects duplicate keys); lib/jpos.c gives each key
 * and value its line:column, walked in parallel with the DOM, and
 * lib/jcheck.c checks members with one-line messages.  The keys the
 * providers own are parsed by them (provider.h): this file knows the
 * matrix, the environment, the test and the limits.  Validation stops at
 * the first problem; everything allocated so far is released by
 * pw_config_release(), so the walkers below may return early. */
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/config.h"
#include "pinwheel/debian.h"
#include "pinwheel/emulator.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/jpos.h"
#include "pinwheel/json.h"
#include "pinwheel/provider.h"
#include "pinwheel/pypi.h"
#include "pinwheel/target.h"
#include "pinwheel/zeroconf.h"
#include "pinwheel/zig.h"

#define PW_CONFIG_MAX_GLOBS 1000 /* each is matched against every target */

/* Variables whose value pinwheel fixes in every sandbox (DESIGN.md 2.4). */
static const char *const reserved_env[] = {
    "HOME", "LANG", "LC_ALL", "PWD", "TZ", "USER",
};

/* The release's epoch: what the config may give instead of the last
 * commit's time (docs/build.md); the sandbox gets it as the build's own
 * SOURCE_DATE_EPOCH, never as a raw variable.  Zip times start in 1980
 * and end in 2107. */
#define PW_SDE_MIN 315532800ULL
#define PW_SDE_MAX 4354819199ULL

struct ld {
	struct pw_jcheck j; /* file name and error, for messages */
	struct pw_config *c;
};

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *check_glob(const char *s)
{
	return strlen(s) < 200 ? NULL : "a target-id glob";
}

/* Where @name is in the canonical order (the matrix is sorted by it). */
static size_t platform_index(const char *name)
{
	size_t i;

	for (i = 0; pw_platforms[i].name; i++)
		if (!strcmp(name, pw_platforms[i].name))
			break;
	return i;
}

int pw_python_tag(const char *version, char tag[PW_PYTAG_MAX], unsigned *minor, bool *ft)
{
	const char *s = version;
	unsigned m = 0;
	size_t digits = 0;
	bool pypy = !strncmp(s, "pypy", 4);

	if (pypy)
		s += 4;
	if (strncmp(s, "3.", 2) != 0)
		return -EINVAL;
	s += 2;
	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return -EINVAL; /* no leading zeros */
	while (*s >= '0' && *s <= '9' && digits < 3) {
		m = m * 10 + (unsigned)(*s - '0');
		s++;
		digits++;
	}
	if (!digits || m < 6 || m > 99)
		return -EINVAL;
	*ft = false;
	if (*s == 't' && !pypy) {
		*ft = true;
		s++;
	}
	if (*s)
		return -EINVAL;
	*minor = m;
	snprintf(tag, PW_PYTAG_MAX, "%s3%u%s", pypy ? "pp" : "cp", m, *ft ? "t" : "");
	return 0;
}

/* Sizes: an integer (bytes) or a string like "4G". */
static int get_size(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
		    const char *key, uint64_t *out)
{
	_cleanup_free_ char *f = pw_jcheck_field(field, key);
	const struct pw_jpos *kp = pw_jpos_member(obj, p, key, &(json_t *){NULL});
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && pw_parse_size(json_string_value(v), out) == 0 && *out > 0)
		return 0;
	if (json_is_string(v))
		return pw_jcheck_fail(&l->j, kp, true, f,
				      "expected a size like \"512M\" or \"4G\", got '%s'",
				      json_string_value(v));
	return pw_jcheck_type(&l->j, kp, f, "a size like \"4G\" or a number of bytes", v);
}

/* Durations: an integer (seconds) or a string "90s", "30m", "2h". */
static int get_duration(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
			const char *key, uint64_t *out)
{
	_cleanup_free_ char *f = pw_jcheck_field(field, key);
	const struct pw_jpos *kp = pw_jpos_member(obj, p, key, &(json_t *){NULL});
	json_t *v = json_object_get(obj, key);
	char num[32];
	uint64_t n, mul = 1;
	size_t len;

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return pw_jcheck_type(&l->j, kp, f,
				      "a duration like \"30m\" or a number of seconds", v);
	len = strlen(json_string_value(v));
	if (len > 1 && len < sizeof(num)) {
		memcpy(num, json_string_value(v), len + 1);
		switch (num[len - 1]) {
		case 's':
			mul = 1;
			num[--len] = '\0';
			break;
		case 'm':
			mul = 60;
			num[--len] = '\0';
			break;
		case 'h':
			mul = 3600;
			num[--len] = '\0';
			break;
		default:
			break;
		}
		if (pw_parse_u64(num, &n) == 0 && n > 0 && n <= UINT64_MAX / mul) {
			*out = n * mul;
			return 0;
		}
	}
	return pw_jcheck_fail(&l->j, kp, true, f,
			      "expected a duration like \"90s\", \"30m\" or \"2h\", got '%s'",
			      json_string_value(v));
}

static int get_count(struct ld *l, json_t *obj, const struct pw_jpos *p, const char *field,
		     const char *key, uint64_t max, uint64_t *out)
{
	_cleanup_free_ char *f = pw_jcheck_field(field, key);
	const struct pw_jpos *kp = pw_jpos_member(obj, p, key, &(json_t *){NULL});
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    (uint64_t)json_integer_value(v) > max)
		return pw_jcheck_fail(&l->j, kp, true, f, "expected an integer from 1 to %llu",
				      (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int cmp_python(const void *pa, const void *pb)
{
	const struct pw_python *a = pa, *b = pb;

	if (a->pypy != b->pypy) /* CPython first, as cibuildwheel lists them */
		return (int)a->pypy - (int)b->pypy;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	return (int)a->freethreaded - (int)b->freethreaded;
}

static int parse_pythons(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	static const char *const keys[] = {"base"};
	struct pw_config *c = l->c;
	const struct pw_jpos *kp, *vp;
	const char *k;
	json_t *o, *v;
	size_t i = 0;
	void *it;
	int r;

	kp = pw_jpos_member(root, rp, "python", &o);
	if (!o)
		return pw_jcheck_fail(&l->j, rp, false, "",
				      "missing 'python' (the Python versions to build for)");
	if (!json_is_object(o))
		return pw_jcheck_type(&l->j, kp, "python",
				      "an object keyed by Python version like \"3.13\"", o);
	if (json_object_size(o) == 0)
		return pw_jcheck_fail(&l->j, kp, true, "python",
				      "must name at least one Python version");
	c->pythons = pw_xcalloc(json_object_size(o), sizeof(*c->pythons));
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		struct pw_python *py = &c->pythons[c->npythons++];
		char tag[PW_PYTAG_MAX];
		_cleanup_free_ char *bf = NULL;
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		vp = pw_jpos_elem(kp, i);
		py->field = pw_xasprintf("python.%s", k);
		py->version = pw_xstrdup(k);
		if (pw_python_tag(k, tag, &py->minor, &py->freethreaded) < 0)
			return pw_jcheck_fail(
			    &l->j, vp, true, "python",
			    "'%s' is not a Python version: expected \"3.N\" (like "
			    "\"3.13\", or \"3.13t\" for free-threaded) or \"pypy3.N\"",
			    k);
		py->tag = pw_xstrdup(tag);
		py->pypy = pw_python_is_pypy(k);
		for (size_t j = 0; j + 1 < c->npythons; j++)
			if (!strcmp(c->pythons[j].tag, py->tag))
				return pw_jcheck_fail(&l->j, vp, true, "python",
						      "'%s' names the same Python as '%s'", k,
						      c->pythons[j].version);
		if (!json_is_object(v))
			return pw_jcheck_type(&l->j, vp, py->field, "an object with 'base'", v);
		r = pw_jcheck_keys(&l->j, v, vp, py->field, keys, PW_ARRAY_SIZE(keys));
		if (r < 0)
			return r;
		bf = pw_jcheck_field(py->field, "base");
		{
			json_t *b;
			const struct pw_jpos *bp = pw_jpos_member(v, vp, "base", &b);
			if (!b)
				return pw_jcheck_fail(&l->j, vp, true, py->field, "missing 'base'");
			r = pw_providers_parse_base(&l->j, b, bp, bf, &py->base);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_env(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	struct pw_config *c = l->c;
	const struct pw_jpos *kp;
	const char *k;
	json_t *o, *v;
	size_t i = 0, j;
	void *it;

	kp = pw_jpos_member(root, rp, "env", &o);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return pw_jcheck_type(&l->j, kp, "env", "an object of NAME: \"value\"", o);
	c->env = pw_xcalloc(json_object_size(o) + 1, sizeof(*c->env));
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++) {
		const struct pw_jpos *vp = pw_jpos_elem(kp, i);
		_cleanup_free_ char *f = NULL;
		bool ok = true;
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		f = pw_xasprintf("env.%s", k);
		if (!*k || (k[0] >= '0' && k[0] <= '9'))
			ok = false;
		for (const char *s = k; *s; s++)
			if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			      (*s >= '0' && *s <= '9') || *s == '_'))
				ok = false;
		if (!ok)
			return pw_jcheck_fail(
			    &l->j, vp, true, "env",
			    "'%s' is not a variable name (letters, digits and _, not "
			    "starting with a digit)",
			    k);
		for (j = 0; j < PW_ARRAY_SIZE(reserved_env); j++)
			if (!strcmp(k, reserved_env[j]))
				return pw_jcheck_fail(
				    &l->j, vp, true, f,
				    "is fixed by pinwheel in every sandbox and cannot be set");
		if (!json_is_string(v))
			return pw_jcheck_type(&l->j, vp, f, "a string", v);
		if (!strcmp(k, "SOURCE_DATE_EPOCH")) {
			uint64_t t;

			if (pw_parse_u64(json_string_value(v), &t) < 0 || t < PW_SDE_MIN ||
			    t > PW_SDE_MAX)
				return pw_jcheck_fail(
				    &l->j, vp, true, f,
				    "'%s' is not seconds since 1970 between %llu (1980-01-01) and "
				    "%llu (2107-12-31), as a wheel's zip times need",
				    json_string_value(v), PW_SDE_MIN, PW_SDE_MAX);
		}
		c->env[c->nenv].name = pw_xstrdup(k);
		c->env[c->nenv].value = pw_xstrdup(json_string_value(v));
		c->nenv++;
	}
	return 0;
}

static int cmp_env(const void *a, const void *b)
{
	return strcmp(((const struct pw_env_var *)a)->name, ((const struct pw_env_var *)b)->name);
}

static int parse_limits(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	static const char *const keys[] = {"memory", "tmpfs", "timeout", "pids", "cpus", "nofile"};
	struct pw_limits *lm = &l->c->limits;
	const struct pw_jpos *kp;
	json_t *o;
	int r;

	kp = pw_jpos_member(root, rp, "limits", &o);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return pw_jcheck_type(&l->j, kp, "limits", "an object", o);
	r = pw_jcheck_keys(&l->j, o, kp, "limits", keys, PW_ARRAY_SIZE(keys));
	if (!r)
		r = get_size(l, o, kp, "limits", "memory", &lm->memory);
	if (!r)
		r = get_size(l, o, kp, "limits", "tmpfs", &lm->tmpfs);
	if (!r)
		r = get_duration(l, o, kp, "limits", "timeout", &lm->timeout);
	if (!r)
		r = get_count(l, o, kp, "limits", "pids", 1u << 22, &lm->pids);
	if (!r)
		r = get_count(l, o, kp, "limits", "cpus", 4096, &lm->cpus);
	if (!r)
		r = get_count(l, o, kp, "limits", "nofile", 1u << 20, &lm->nofile);
	return r;
}

/* "test": {"command", "skip", and the providers' keys ("requires")}. */
static int parse_test(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	const char *keys[32] = {"command", "skip", "extras", "old_root"};
	struct pw_config *c = l->c;
	const struct pw_jpos *kp;
	size_t n;
	json_t *o;
	int r;

	kp = pw_jpos_member(root, rp, "test", &o);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return pw_jcheck_type(&l->j, kp, "test", "an object with 'command'", o);
	n = 4 + pw_providers_keys(PW_PLACE_TEST, keys + 4, PW_ARRAY_SIZE(keys) - 4);
	r = pw_jcheck_keys(&l->j, o, kp, "test", keys,
			   n < PW_ARRAY_SIZE(keys) ? n : PW_ARRAY_SIZE(keys));
	if (!r)
		r = pw_jcheck_str(&l->j, o, kp, "test", "command", false, &c->test_command);
	if (!r)
		r = pw_jcheck_strv(&l->j, o, kp, "test", "skip", false, check_glob, &c->test_skip,
				   &c->ntest_skip);
	if (!r && json_object_get(o, "old_root"))
		r = pw_debian_parse_old_root(&l->j, o, kp, "test", "old_root", &c->old_root,
					     &c->old_root_off);
	if (!r)
		r = pw_providers_parse(&l->j, PW_PLACE_TEST, o, kp, "test", &c->blocks,
				       &c->nblocks);
	return r;
}

/* The old root of each target (docs/config.md, "test.old_root"): with
 * "old_root" given, every target of a Debian base of another suite; by
 * default (PW_OLD_ROOT_SUITE) every target that has a manylinux floor
 * (its wheel promises an older glibc than its root's) and this machine's
 * own architecture or aarch64 (whose interpreter is cross-compiled here,
 * cpython.h; i686 on x86_64 is not: its interpreter would be an i386
 * build, nor are the foreign architectures bullseye lacks), unless the
 * project is pure, marked old_default (the lock drops such an old root,
 * with a warning, when the mirror serves no tarball of its CPython).
 * Never one whose base is not a Debian base; none with "old_root":
 * false. */
static void old_roots(struct pw_config *c)
{
	struct pw_debian_spec dflt = {.field = "test.old_root", .suite = (char *)PW_OLD_ROOT_SUITE};
	static const char *const pkgs[] = {PW_OLD_ROOT_PACKAGES};
	const struct pw_debian_spec *old = c->old_root;

	if (c->old_root_off)
		return;
	if (!old) {
		dflt.packages = (char **)pkgs;
		dflt.npackages = PW_ARRAY_SIZE(pkgs);
	}
	for (size_t i = 0; i < c->ntargets; i++) {
		struct pw_target *t = &c->targets[i];

		bool cross = pw_emulator_needed(t->arch);

		if (!pw_debian_block_suite(&t->py->base) ||
		    (cross && !pw_cross_gnu_triplet(t->arch)))
			continue;
		if (!old &&
		    (c->pure ||
		     (strcmp(t->arch, pw_host_arch()) && !(cross && !strcmp(t->arch, "aarch64"))) ||
		     !pw_zig_blocks_floor(c->blocks, c->nblocks, t->platform)))
			continue;
		if (!pw_debian_old_root_block(&t->py->base, old ? old : &dflt, &t->old_base))
			continue;
		t->old_default = !old;
		t->old_suite = pw_debian_block_suite(&t->old_base);
		t->old_id = pw_xasprintf("%s-%s", t->id, t->old_suite);
	}
}

static int cmp_target(const void *pa, const void *pb)
{
	const struct pw_target *a = pa, *b = pb;
	int c = cmp_python(a->py, b->py);

	if (c)
		return c;
	return (int)platform_index(a->platform) - (int)platform_index(b->platform);
}

static bool glob_any(char *const *globs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(globs[i], id, 0) == 0)
			return true;
	return false;
}

/* Each glob of @key must match some target of the full matrix. */
static int globs_match(struct ld *l, json_t *root, const struct pw_jpos *rp, const char *key,
		       char *const *globs, size_t n, char *const *ids, size_t nids)
{
	const struct pw_jpos *kp = pw_jpos_member(root, rp, key, &(json_t *){NULL});

	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < nids; j++)
			if (fnmatch(globs[i], ids[j], 0) == 0)
				break;
		if (j == nids) {
			_cleanup_free_ char *f = pw_xasprintf("%s[%zu]", key, i);
			const char *dym = pw_did_you_mean(globs[i], (const char *const *)ids, nids);
			if (dym)
				return pw_jcheck_fail(&l->j, pw_jpos_elem(kp, i), false, f,
						      "'%s' matches no target (did you mean '%s'?)",
						      globs[i], dym);
			return pw_jcheck_fail(&l->j, pw_jpos_elem(kp, i), false, f,
					      "'%s' matches no target", globs[i]);
		}
	}
	return 0;
}

static int expand(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	struct pw_config *c = l->c;
	size_t nall = c->npythons * c->nplatforms, i, j;
	char **ids = pw_xcalloc(nall + 1, sizeof(*ids));
	int r;

	for (i = 0; i < c->npythons; i++)
		for (j = 0; j < c->nplatforms; j++)
			ids[i * c->nplatforms + j] =
			    pw_xasprintf("%s-%s", c->pythons[i].tag, c->platforms[j]);
	r = globs_match(l, root, rp, "exclude", c->exclude, c->nexclude, ids, nall);
	if (!r)
		r = globs_match(l, root, rp, "optional", c->optional, c->noptional, ids, nall);
	if (r < 0)
		goto out;
	c->targets = pw_xcalloc(nall + 1, sizeof(*c->targets));
	for (i = 0; i < nall; i++) {
		struct pw_target *t;
		if (glob_any(c->exclude, c->nexclude, ids[i]))
			continue;
		t = &c->targets[c->ntargets++];
		t->id = steal_pointer(&ids[i]);
		t->py = &c->pythons[i / c->nplatforms];
		t->platform = pw_platforms[platform_index(c->platforms[i % c->nplatforms])].name;
		pw_platform_info(t->platform, &t->arch, &t->debian_arch);
		t->optional = glob_any(c->optional, c->noptional, t->id);
	}
	if (!c->ntargets) {
		r = pw_jcheck_fail(&l->j, pw_jpos_member(root, rp, "exclude", &(json_t *){NULL}),
				   true, "exclude", "every target is excluded");
		goto out;
	}
	qsort(c->targets, c->ntargets, sizeof(*c->targets), cmp_target);
out:
	strv_free(ids, nall);
	return r;
}

/* Python entries hold pointers used by targets: sort them before expanding. */
static void sort_pythons(struct pw_config *c)
{
	qsort(c->pythons, c->npythons, sizeof(*c->pythons), cmp_python);
}

/* The top-level keys: this file's, with the providers' in the middle. */
static const char *const head_keys[] = {"$schema",  "version",  "project",
					"python",   "platforms", "exclude",
					"optional", "pure",	 "compile_cache",
					"abi3_reuse"};
static const char *const tail_keys[] = {"env",	 "before_all",	    "before_build",
					"config_settings", "test", "limits", "foreign"};
#define MAX_KEYS 64

static size_t top_keys(const char **keys)
{
	size_t n = 0;

	for (size_t i = 0; i < PW_ARRAY_SIZE(head_keys); i++)
		keys[n++] = head_keys[i];
	n += pw_providers_keys(PW_PLACE_TOP, keys + n,
			       MAX_KEYS - PW_ARRAY_SIZE(head_keys) - PW_ARRAY_SIZE(tail_keys));
	if (n > MAX_KEYS - PW_ARRAY_SIZE(tail_keys))
		n = MAX_KEYS - PW_ARRAY_SIZE(tail_keys);
	for (size_t i = 0; i < PW_ARRAY_SIZE(tail_keys); i++)
		keys[n++] = tail_keys[i];
	return n;
}

/* "config_settings": what PEP 517 allows, an object whose values are
 * strings or arrays of strings, kept as canonical JSON for the frontend. */
static int parse_config_settings(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	json_t *cs, *v, *dummy;
	const struct pw_jpos *kp = pw_jpos_member(root, rp, "config_settings", &cs);
	const char *k;

	if (!cs)
		return 0;
	if (!json_is_object(cs))
		return pw_jcheck_type(&l->j, kp, "config_settings",
				      "an object of strings or arrays of strings", cs);
	json_object_foreach(cs, k, v) {
		_cleanup_free_ char *f = pw_jcheck_field("config_settings", k);
		const struct pw_jpos *vp = pw_jpos_member(cs, kp, k, &dummy);
		bool ok = json_is_string(v) || json_is_array(v);
		size_t i;
		json_t *x;

		if (!*k)
			return pw_jcheck_fail(&l->j, vp, true, "config_settings",
					      "expected a non-empty setting name");
		json_array_foreach(v, i, x) ok = ok && json_is_string(x);
		if (!ok)
			return pw_jcheck_type(&l->j, vp, f, "a string or an array of strings", v);
	}
	l->c->config_settings =
	    json_dumps(cs, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!l->c->config_settings) {
		fprintf(stderr, "pinwheel: out of memory\n");
		abort();
	}
	return 0;
}

static int parse_root(struct ld *l, json_t *root, const struct pw_jpos *rp)
{
	const char *keys[MAX_KEYS];
	size_t nkeys = top_keys(keys);
	struct pw_config *c = l->c;
	const struct pw_jpos *kp;
	json_t *v;
	int r;

	if (!json_is_object(root))
		return pw_jcheck_fail(&l->j, rp, false, "",
				      "expected an object (see docs/config.md), got %s",
				      pw_jcheck_type_name(root));
	r = pw_jcheck_keys(&l->j, root, rp, "", keys, nkeys);
	if (r < 0)
		return r;
	kp = pw_jpos_member(root, rp, "version", &v);
	if (!v)
		return pw_jcheck_fail(&l->j, rp, false, "",
				      "missing 'version' (this pinwheel reads version 1)");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return pw_jcheck_fail(&l->j, kp, true, "version", "expected 1");
	kp = pw_jpos_member(root, rp, "$schema", &v);
	if (v && !json_is_string(v))
		return pw_jcheck_type(&l->j, kp, "$schema", "a string", v);
	r = pw_jcheck_str(&l->j, root, rp, "", "project", false, &c->project);
	if (r < 0)
		return r;
	if (!c->project)
		c->project = pw_xstrdup(".");
	else if (strcmp(c->project, ".") && !pw_jcheck_relpath_ok(c->project))
		return pw_jcheck_fail(
		    &l->j, pw_jpos_member(root, rp, "project", &v), true, "project",
		    "must be a relative path inside the config's directory (no '..', not "
		    "absolute)");
	r = parse_pythons(l, root, rp);
	if (r < 0)
		return r;
	r = pw_jcheck_strv(&l->j, root, rp, "", "platforms", true, NULL, &c->platforms,
			   &c->nplatforms);
	if (r < 0)
		return r;
	kp = pw_jpos_member(root, rp, "platforms", &v);
	for (size_t i = 0; i < c->nplatforms; i++) {
		_cleanup_free_ char *f = pw_xasprintf("platforms[%zu]", i);
		r = pw_platform_check(&l->j, pw_jpos_elem(kp, i), f, c->platforms[i]);
		if (r < 0)
			return r;
	}
	r = pw_jcheck_strv(&l->j, root, rp, "", "exclude", false, check_glob, &c->exclude,
			   &c->nexclude);
	if (!r)
		r = pw_jcheck_strv(&l->j, root, rp, "", "optional", false, check_glob, &c->optional,
				   &c->noptional);
	if (!r && (c->nexclude > PW_CONFIG_MAX_GLOBS || c->noptional > PW_CONFIG_MAX_GLOBS)) {
		const char *k = c->nexclude > PW_CONFIG_MAX_GLOBS ? "exclude" : "optional";
		return pw_jcheck_fail(&l->j, pw_jpos_member(root, rp, k, &v), true, k,
				      "at most %d globs", PW_CONFIG_MAX_GLOBS);
	}
	if (!r)
		r = pw_providers_parse(&l->j, PW_PLACE_TOP, root, rp, "", &c->blocks, &c->nblocks);
	if (!r)
		r = parse_env(l, root, rp);
	if (!r)
		r = pw_jcheck_str(&l->j, root, rp, "", "before_all", false, &c->before_all);
	if (!r && c->before_all && !*c->before_all)
		return pw_jcheck_fail(&l->j, pw_jpos_member(root, rp, "before_all", &v), true,
				      "before_all", "expected a non-empty shell command");
	if (!r)
		r = pw_jcheck_str(&l->j, root, rp, "", "before_build", false, &c->before_build);
	if (!r && c->before_build && !*c->before_build)
		return pw_jcheck_fail(&l->j, pw_jpos_member(root, rp, "before_build", &v), true,
				      "before_build", "expected a non-empty shell command");
	if (!r)
		r = parse_config_settings(l, root, rp);
	if (!r)
		r = parse_test(l, root, rp);
	if (!r)
		r = parse_limits(l, root, rp);
	if (!r) {
		_cleanup_free_ char *f = NULL;

		r = pw_jcheck_str(&l->j, root, rp, "", "foreign", false, &f);
		if (!r && f && strcmp(f, "cross") && strcmp(f, "emulate"))
			return pw_jcheck_fail(&l->j, pw_jpos_member(root, rp, "foreign", &v), true,
					      "foreign",
					      "expected \"cross\" or \"emulate\", got \"%s\"", f);
		c->foreign_emulate = f && !strcmp(f, "emulate");
	}
	if (!r) {
		kp = pw_jpos_member(root, rp, "pure", &v);
		if (v && !json_is_boolean(v))
			return pw_jcheck_type(&l->j, kp, "pure", "true or false", v);
		c->pure = v && json_is_true(v);
	}
	if (!r) {
		kp = pw_jpos_member(root, rp, "compile_cache", &v);
		if (v && !json_is_boolean(v))
			return pw_jcheck_type(&l->j, kp, "compile_cache", "true or false", v);
		c->no_compile_cache = v && json_is_false(v);
	}
	if (!r) {
		kp = pw_jpos_member(root, rp, "abi3_reuse", &v);
		if (v && !json_is_boolean(v) &&
		    !(json_is_string(v) && !strcmp(json_string_value(v), "auto")))
			return pw_jcheck_type(&l->j, kp, "abi3_reuse", "true, false or \"auto\"", v);
		c->abi3_reuse = !v || json_is_string(v) ? PW_ABI3_AUTO
				: json_is_true(v)	 ? PW_ABI3_ON
							 : PW_ABI3_OFF;
	}
	if (r < 0)
		return r;
	if (c->nenv)
		qsort(c->env, c->nenv, sizeof(*c->env), cmp_env);
	sort_pythons(c);
	r = expand(l, root, rp);
	if (r == 0)
		old_roots(c);
	return r;
}

/* sha256 of @j's canonical form (sorted keys, no whitespace, ASCII). */
static void canon_digest(const json_t *j, char hex[PW_SHA256_HEX])
{
	char *canon = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);

	if (!canon) {
		fprintf(stderr, "pinwheel: out of memory\n");
		abort();
	}
	pw_sha256_mem(canon, strlen(canon), hex);
	free(canon);
}

/* The digests of what reaches the lock and each target (config.h): the
 * canonical config without the keys that cannot reach them.  A key not
 * named here stays in both, so a new key is covered until it is shown
 * not to matter. */
static void part_digests(struct pw_config *c, const json_t *root, json_t *old_req)
{
	json_t *lock = json_deep_copy(root), *test;

	if (!lock) {
		fprintf(stderr, "pinwheel: out of memory\n");
		abort();
	}
	/* build-only: the steps' environment and limits, the hooks, "pure",
	 * the smoke test's command and skips (test.requires is locked) */
	json_object_del(lock, "$schema");
	json_object_del(lock, "env");
	json_object_del(lock, "limits");
	json_object_del(lock, "before_all");
	json_object_del(lock, "before_build");
	json_object_del(lock, "config_settings");
	json_object_del(lock, "pure");
	json_object_del(lock, "compile_cache");
	json_object_del(lock, "abi3_reuse");
	test = json_object_get(lock, "test");
	if (json_is_object(test)) {
		json_object_del(test, "command");
		json_object_del(test, "skip");
		if (!json_object_size(test))
			json_object_del(lock, "test");
	}
	/* what the old roots' pip resolves (pyproject.toml's part in it) */
	if (old_req)
		json_object_set(lock, " old_root_requires", old_req);
	canon_digest(lock, c->lock_digest);
	json_decref(lock);
	for (size_t i = 0; i < c->ntargets; i++) {
		struct pw_target *t = &c->targets[i];
		json_t *tj = json_deep_copy(root), *py, *mine;

		if (!tj) {
			fprintf(stderr, "pinwheel: out of memory\n");
			abort();
		}
		/* what only selects targets, and the other Pythons */
		json_object_del(tj, "$schema");
		/* the compile cache changes no byte of a wheel */
		json_object_del(tj, "compile_cache");
		/* nor does abi3 reuse: a reused wheel is never recorded under
		 * the reusing target's key, its test action names the wheel */
		json_object_del(tj, "abi3_reuse");
		json_object_del(tj, "platforms");
		json_object_del(tj, "exclude");
		json_object_del(tj, "optional");
		py = json_object_get(tj, "python");
		mine = json_incref(json_object_get(py, t->py->version));
		json_object_set_new(tj, "python", json_object());
		if (mine)
			json_object_set_new(json_object_get(tj, "python"), t->py->version, mine);
		json_object_set_new(tj, "target", json_string(t->id));
		canon_digest(tj, t->digest);
		/* what reaches its build steps: all but the smoke test's table
		 * (test.requires is a layer of the test root only) */
		json_object_del(tj, "test");
		canon_digest(tj, t->build_digest);
		json_decref(tj);
	}
}

/* A requirement's distribution name, normalised (PEP 503) into @out. */
static void req_name(const char *req, char *out, size_t n)
{
	size_t k = 0;

	for (; *req && k + 1 < n; req++) {
		char ch = *req;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (ch == '_' || ch == '.')
			ch = '-';
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			break;
		out[k++] = ch;
	}
	out[k] = '\0';
}

/* Append @s to array @a unless it is there. */
static void add_unique(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (!strcmp(json_string_value(v), s)) return;
	json_array_append_new(a, json_string(s));
}

/* "test.extras": the smoke test's root gets what `pip install
 * WHEEL[EXTRAS]` would: the project's [project].dependencies and the
 * named [project.optional-dependencies] of its pyproject.toml, added to
 * test.requires before the providers read it (so the lock pins them and
 * the digest covers them).  A requirement naming the project itself
 * ("pkg[other]") is left out. */
static int expand_extras(struct ld *l, json_t *root, const struct pw_jpos *rp, const char *dir)
{
	json_t *test = json_object_get(root, "test"), *ex, *req, *v;
	const struct pw_jpos *tp, *xp;
	const char *proj;
	_cleanup_free_ char *pdir = NULL, *pname = NULL;
	const struct pw_toml *project, *od, *deps;
	struct pw_err pe = PW_ERR_INIT;
	struct pw_toml *doc;
	char self[128], nm[128];
	size_t i, k;
	int r = 0;

	if (!json_is_object(test) || !(ex = json_object_get(test, "extras")))
		return 0;
	tp = pw_jpos_member(root, rp, "test", &v);
	xp = pw_jpos_member(test, tp, "extras", &v);
	if (!json_is_array(ex) || !json_array_size(ex))
		return pw_jcheck_type(&l->j, xp, "test.extras", "a non-empty array of extra names",
				      ex);
	req = json_object_get(test, "requires");
	if (req && !json_is_array(req))
		return 0; /* the provider says what is wrong with it */
	proj = json_string_value(json_object_get(root, "project"));
	pdir = proj && strcmp(proj, ".") ? pw_path_join(dir ? dir : ".", proj)
					  : pw_xstrdup(dir ? dir : ".");
	doc = pw_pyproject_read(pdir, &pname, &pe);
	if (!doc)
		return pw_jcheck_fail(&l->j, xp, true, "test.extras",
				      "needs the project's pyproject.toml: %s", pe.msg);
	project = pw_toml_get(doc, "project");
	od = pw_toml_get(project, "optional-dependencies");
	req_name(pw_toml_get_str(project, "name") ? pw_toml_get_str(project, "name") : "", self,
		 sizeof(self));
	if (!req) {
		req = json_array();
		json_object_set_new(test, "requires", req);
	}
	deps = pw_toml_get(project, "dependencies");
	for (k = 0; deps && deps->type == PW_TOML_ARRAY && k < deps->n; k++)
		if (deps->items[k].type == PW_TOML_STRING)
			add_unique(req, deps->items[k].str);
	json_array_foreach(ex, i, v) {
		_cleanup_free_ char *f = pw_xasprintf("test.extras[%zu]", i);
		const struct pw_toml *x =
		    json_is_string(v) ? pw_toml_get(od, json_string_value(v)) : NULL;

		if (!json_is_string(v)) {
			r = pw_jcheck_type(&l->j, pw_jpos_elem(xp, i), f, "an extra's name", v);
			break;
		}
		if (!x || x->type != PW_TOML_ARRAY) {
			r = pw_jcheck_fail(&l->j, pw_jpos_elem(xp, i), false, f,
					   "'%s' is not in [project.optional-dependencies] of '%s'",
					   json_string_value(v), pname);
			break;
		}
		for (k = 0; k < x->n; k++) {
			if (x->items[k].type != PW_TOML_STRING)
				continue;
			req_name(x->items[k].str, nm, sizeof(nm));
			if (!*self || strcmp(nm, self))
				add_unique(req, x->items[k].str);
		}
	}
	pw_toml_free(doc);
	return r;
}

/* What the old roots' smoke test installs (docs/config.md,
 * "test.old_root"): the old root has no build_requires layer, so the
 * project's runtime dependencies ([project].dependencies of its
 * pyproject.toml, when static; direct references "name @ url" left out)
 * are resolved there with test.requires, by the old root's pip, as the
 * block c->old_blocks.  *@req gets the list (for the lock's digest), or
 * NULL when no target has an old root or there is nothing to install. */
static int old_root_requires(struct ld *l, json_t *root, const char *dir, json_t **req)
{
	json_t *test = json_object_get(root, "test"), *tr = json_object_get(test, "requires"), *v;
	const char *proj = json_string_value(json_object_get(root, "project"));
	_cleanup_free_ char *pdir = NULL, *pname = NULL;
	const struct pw_toml *project, *deps, *dyn;
	struct pw_err pe = PW_ERR_INIT;
	struct pw_toml *doc = NULL;
	json_t *o, *a;
	bool any = false;
	size_t i;
	int r;

	*req = NULL;
	for (i = 0; i < l->c->ntargets; i++)
		any = any || l->c->targets[i].old_id;
	if (!any)
		return 0;
	a = json_array();
	json_array_foreach(tr, i, v) if (json_is_string(v)) add_unique(a, json_string_value(v));
	pdir = proj && strcmp(proj, ".") ? pw_path_join(dir ? dir : ".", proj)
					 : pw_xstrdup(dir ? dir : ".");
	doc = pw_pyproject_read(pdir, &pname, &pe);
	project = doc ? pw_toml_get(doc, "project") : NULL;
	dyn = pw_toml_get(project, "dynamic");
	for (i = 0; dyn && dyn->type == PW_TOML_ARRAY && i < dyn->n; i++)
		if (dyn->items[i].type == PW_TOML_STRING &&
		    !strcmp(dyn->items[i].str, "dependencies"))
			project = NULL; /* only the backend knows them */
	deps = pw_toml_get(project, "dependencies");
	for (i = 0; deps && deps->type == PW_TOML_ARRAY && i < deps->n; i++) {
		struct pw_pin pin = {0};

		if (deps->items[i].type == PW_TOML_STRING &&
		    pw_req_parse(deps->items[i].str, &pin, &pe) == 0)
			add_unique(a, deps->items[i].str);
		free(pin.name);
		free(pin.version);
		free(pin.req);
	}
	pw_toml_free(doc);
	if (!json_array_size(a)) {
		json_decref(a);
		return 0;
	}
	o = json_pack("{s:O}", "requires", a);
	r = pw_providers_parse(&l->j, PW_PLACE_TEST, o, NULL, "test", &l->c->old_blocks,
			       &l->c->nold_blocks);
	json_decref(o);
	if (r < 0)
		json_decref(a);
	else
		*req = a;
	return r;
}

/* The config document @root (positions @pos) -> @c; the digest is the
 * document's canonical form. */
static int parse_doc(const char *name, const char *dir, json_t *root, const struct pw_jpos *pos,
		     struct pw_config *c, struct pw_err *e)
{
	struct ld l = {{name, e}, c};
	int r;

	c->path = pw_xstrdup(name);
	c->dir = pw_xstrdup(dir ? dir : ".");
	json_t *oreq = NULL;

	r = expand_extras(&l, root, pos, dir);
	if (r == 0)
		r = parse_root(&l, root, pos);
	if (r == 0)
		r = old_root_requires(&l, root, dir, &oreq);
	if (r == 0) {
		canon_digest(root, c->digest);
		part_digests(c, root, oreq);
	}
	json_decref(oreq);
	if (r < 0)
		pw_config_release(c);
	return r;
}

int pw_config_parse(const char *name, const char *dir, const char *data, size_t n,
		    struct pw_config *c, struct pw_err *e)
{
	struct pw_jpos *pos = NULL;
	json_t *root;
	int r;

	memset(c, 0, sizeof(*c));
	if (n > PW_JSON_MAX_FILE)
		return pw_err_set(e, E2BIG, "'%s': larger than %u bytes", name, PW_JSON_MAX_FILE);
	root = pw_json_load_mem(name, data, n, e);
	if (!root)
		return -EINVAL;
	pos = pw_jpos_scan(data, n);
	if (!pos) {
		json_decref(root);
		return pw_err_set(e, EINVAL, "%s:1:1: could not scan the document", name);
	}
	r = parse_doc(name, dir, root, pos, c, e);
	pw_jpos_free(pos);
	json_decref(root);
	return r;
}

/* The config of DIR/pyproject.toml @doc: zero config, [tool.pinwheel]
 * over it. */
static int load_pyproject(const char *dir, const struct pw_toml *doc, const char *name,
			  struct pw_config *c, struct pw_err *e)
{
	struct pw_jpos *pos = NULL;
	json_t *root = pw_zeroconf_config(dir, doc, name, &pos, e);
	int r;

	if (!root)
		return -errno;
	r = parse_doc(name, dir, root, pos, c, e);
	if (r == 0)
		c->source = pw_pyproject_has_tool(doc) ? PW_CONFIG_TOOL : PW_CONFIG_ZERO;
	pw_jpos_free(pos);
	json_decref(root);
	return r;
}

int pw_config_load(const char *path, struct pw_config *c, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	_cleanup_free_ char *file = NULL, *dir = NULL, *pyname = NULL;
	struct pw_toml *doc = NULL;
	const char *slash;
	struct stat st;
	int r;

	memset(c, 0, sizeof(*c));
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		/* a file: its directory is the project's base */
		file = pw_xstrdup(path);
		slash = strrchr(path, '/');
		if (!slash)
			dir = pw_xstrdup(".");
		else if (slash == path)
			dir = pw_xstrdup("/");
		else
			dir = pw_xasprintf("%.*s", (int)(slash - path), path);
		if (!strcmp(slash ? slash + 1 : path, PW_PYPROJECT_FILE)) {
			doc = pw_pyproject_read(dir, &pyname, e);
			if (!doc)
				return -errno;
			r = load_pyproject(dir, doc, pyname, c, e);
			pw_toml_free(doc);
			return r;
		}
	} else {
		file = pw_path_join(path, PW_CONFIG_FILE);
		dir = pw_xstrdup(path);
		if (stat(file, &st) < 0 && errno == ENOENT) {
			/* no pinwheel.json: the project's pyproject.toml */
			struct pw_err pe = PW_ERR_INIT;

			doc = pw_pyproject_read(dir, &pyname, &pe);
			if (!doc && errno == ENOENT) {
				_cleanup_free_ char *py = pw_path_join(dir, PW_PYPROJECT_FILE);
				return pw_err_set(e, ENOENT,
						  "no '%s' nor '%s': nothing says what to build "
						  "(docs/config.md)",
						  file, py);
			}
			if (!doc) {
				*e = pe;
				return -EINVAL;
			}
			r = load_pyproject(dir, doc, pyname, c, e);
			pw_toml_free(doc);
			return r;
		}
		/* pinwheel.json and [tool.pinwheel] both: which one is meant? */
		{
			struct pw_err pe = PW_ERR_INIT;

			doc = pw_pyproject_read(dir, &pyname, &pe);
			if (doc && pw_pyproject_has_tool(doc)) {
				const struct pw_toml *t =
				    pw_toml_get(pw_toml_get(doc, "tool"), "pinwheel");
				r = pw_err_set(e, EINVAL,
					       "%s:%u:%u: [tool.pinwheel] and '%s' both configure "
					       "pinwheel: keep one of them",
					       pyname, t->line, t->col, file);
				pw_toml_free(doc);
				return r;
			}
			pw_toml_free(doc); /* unreadable or without it: not ours to judge */
		}
	}
	r = pw_read_file(file, &b);
	if (r < 0) {
		if (r == -E2BIG)
			pw_err_set(e, E2BIG, "'%s': larger than %u bytes", file, PW_JSON_MAX_FILE);
		else
			pw_err_sys(e, -r, "could not read '%s'", file);
		pw_buf_release(&b);
		return r;
	}
	r = pw_config_parse(file, dir, b.buf, b.len, c, e);
	pw_buf_release(&b);
	return r;
}

static void python_release(struct pw_python *py)
{
	free(py->version);
	free(py->tag);
	free(py->field);
	pw_block_release(&py->base);
}

void pw_config_release(struct pw_config *c)
{
	size_t i;

	free(c->path);
	free(c->dir);
	free(c->project);
	for (i = 0; i < c->npythons; i++)
		python_release(&c->pythons[i]);
	free(c->pythons);
	strv_free(c->platforms, c->nplatforms);
	strv_free(c->exclude, c->nexclude);
	strv_free(c->optional, c->noptional);
	pw_blocks_release(c->blocks, c->nblocks);
	pw_blocks_release(c->old_blocks, c->nold_blocks);
	for (i = 0; i < c->nenv; i++) {
		free(c->env[i].name);
		free(c->env[i].value);
	}
	free(c->env);
	free(c->test_command);
	free(c->before_all);
	free(c->before_build);
	free(c->config_settings);
	strv_free(c->test_skip, c->ntest_skip);
	pw_debian_spec_free(c->old_root);
	for (i = 0; i < c->ntargets; i++) {
		free(c->targets[i].id);
		free(c->targets[i].old_id);
		pw_block_release(&c->targets[i].old_base);
	}
	free(c->targets);
	memset(c, 0, sizeof(*c));
}

int pw_config_select(const struct pw_config *c, const char *const *only, size_t nonly,
		     const char *const *skip, size_t nskip, bool *sel, struct pw_err *e)
{
	const char **ids = pw_xcalloc(c->ntargets + 1, sizeof(*ids));
	size_t i, j;
	int n = 0;

	for (i = 0; i < c->ntargets; i++)
		ids[i] = c->targets[i].id;
	for (j = 0; j < nonly; j++) {
		for (i = 0; i < c->ntargets; i++)
			if (!strcmp(only[j], ids[i]))
				break;
		if (i == c->ntargets) {
			const char *dym = pw_did_you_mean(only[j], ids, c->ntargets);
			int r;
			if (dym)
				r = pw_err_set(e, EINVAL,
					       "--only '%s' names no target (did you mean '%s'?)",
					       only[j], dym);
			else
				r = pw_err_set(e, EINVAL, "--only '%s' names no target of '%s'",
					       only[j], c->path);
			free(ids);
			return r;
		}
	}
	for (i = 0; i < c->ntargets; i++) {
		bool on = nonly == 0;
		for (j = 0; j < nonly && !on; j++)
			on = !strcmp(only[j], ids[i]);
		for (j = 0; j < nskip && on; j++)
			if (fnmatch(skip[j], ids[i], 0) == 0)
				on = false;
		sel[i] = on;
		n += on;
	}
	free(ids);
	return n;
}

void pw_target_info(const struct pw_config *c, const struct pw_target *t,
		    struct pw_target_info *out)
{
	out->id = t->id;
	out->python = t->py->version;
	out->python_tag = t->py->tag;
	out->platform = t->platform;
	out->arch = t->arch;
	out->debian_arch = t->debian_arch;
	out->foreign_emulate = c->foreign_emulate;
	out->pure = c->pure;
	out->base = &t->py->base;
}
