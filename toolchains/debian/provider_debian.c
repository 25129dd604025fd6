/* provider_debian.c - the Debian base as a provider (include/pinwheel/
 * provider.h, debian.h): suite + packages for the target's Debian
 * architecture ->
 * one artifact of kind "deb" per package of the closure, and one layer
 * "debian-SUITE-ARCH", how "debian-root" (the merged root with its
 * fix-ups, built at fetch by pw_debian_make_root()), dest "/", its
 * artifacts in the provider's order (sorted by package name).
 *
 * The layer's input digest covers the suite, the architecture, the
 * mirror, the keyring and the sorted package list.  While it is the same
 * as the previous lock's, the layer is kept as it is (a relock gives the
 * same bytes although the mirror moves); offline (`lock --check`) the
 * previous layer is always reused; with `lock --upgrade` there is no
 * previous lock and the suite is resolved again against the mirror. */
#include <stdlib.h>
#include <string.h>

#include "pinwheel/artifact.h"
#include "pinwheel/buf.h"
#include "pinwheel/cpython.h"
#include "pinwheel/debian.h"
#include "pinwheel/emulator.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/provider.h"
#include "pinwheel/pypi.h"
#include "pinwheel/roots.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The layer's input digest (artifact.h, struct pw_layer). */
static void debian_input(const struct pw_debian_spec *spec, const struct pw_target_info *t,
			 char hex[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	const char **p = pw_xcalloc(spec->npackages + 1, sizeof(*p));
	size_t i;

	for (i = 0; i < spec->npackages; i++)
		p[i] = spec->packages[i];
	qsort(p, spec->npackages, sizeof(*p), cmp_str);
	pw_buf_addf(&b, "debian-layer;v1\nsuite %s\narch %s\nmirror %s\nkeyring %s\n", spec->suite,
		    t->debian_arch, spec->mirror ? spec->mirror : "",
		    spec->keyring ? spec->keyring : "");
	for (i = 0; i < spec->npackages; i++)
		pw_buf_addf(&b, "package %s\n", p[i]);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
	free(p);
}

struct pw_store *pw_debian_index_store(struct pw_provider_ctx *pc)
{
	struct pw_err e = PW_ERR_INIT;

	if (pc->offline || !pc->store_dir)
		return NULL;
	return pw_provider_store(pc, "debian", &e);
}

char *pw_debian_spec_keyring(const struct pw_provider_ctx *pc, const struct pw_debian_spec *spec)
{
	if (!spec->keyring)
		return NULL;
	return spec->keyring[0] == '/' || !pc->project_dir
		   ? pw_xstrdup(spec->keyring)
		   : pw_path_join(pc->project_dir, spec->keyring);
}

void pw_lockset_add_deb(struct pw_lockset *out, const struct pw_deb_artifact *d, const char *target)
{
	struct pw_artifact a;
	char *urls[1] = {d->url};

	memset(&a, 0, sizeof(a));
	a.kind = (char *)"deb";
	a.name = d->package;
	a.package = d->package;
	a.version = d->version;
	a.urls = urls;
	a.nurls = 1;
	memcpy(a.sha256, d->sha256, sizeof(a.sha256));
	a.size = d->size;
	a.snap_archive = d->snap_archive;
	a.snap_date = d->snap_date;
	a.snap_path = d->snap_path;
	pw_lockset_add(out, &a, target);
}

static int lock_base(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
		     const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	_cleanup_free_ char *layer = pw_xasprintf("debian-%s-%s", spec->suite, t->debian_arch);
	_cleanup_free_ char *keyring = NULL;
	struct pw_debian_opts o;
	struct pw_debian_lock lk = {0};
	const char **shas = NULL;
	char input[PW_SHA256_HEX];
	size_t i;
	int r;

	debian_input(spec, t, input);
	if (pc->offline || pw_lockset_layer_unchanged(pc->prior, t->id, layer, input)) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, layer, spec->field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		return r;
	}
	keyring = pw_debian_spec_keyring(pc, spec);
	memset(&o, 0, sizeof(o));
	o.suite = spec->suite;
	o.arch = t->debian_arch;
	o.mirror = spec->mirror;
	o.packages = (const char *const *)spec->packages;
	o.npackages = spec->npackages;
	o.keyring = keyring;
	r = pw_debian_lock(pw_debian_index_store(pc), &o, &lk, e);
	if (r < 0)
		return pw_err_prefix(e, "%s (%s)", spec->field, t->id);
	shas = pw_xcalloc(lk.n + 1, sizeof(*shas));
	for (i = 0; i < lk.n; i++) {
		pw_lockset_add_deb(out, &lk.v[i], t->id);
		shas[i] = lk.v[i].sha256;
	}
	pw_lockset_add_layer(out, t->id, layer, "debian-root", "/", shas, lk.n, NULL);
	pw_lockset_set_layer_input(out, t->id, input);
	free(shas);
	pw_debian_lock_release(&lk);
	return 0;
}

/* Does @t's root need pinwheel's own pip (pypi.h, PW_PIP_LAYER)?  A PyPy
 * target does (Debian packages no pip for PyPy), and so does a root whose
 * python3-pip is older than 22.2, the first with `install --dry-run
 * --report` (bullseye's 20.3).  A root without python3-pip keeps the
 * lock's message asking for it. */
static bool needs_pip(const struct pw_lockset *ls, const struct pw_target_info *t)
{
	const struct pw_root *rt = pw_lockset_find_root(ls, t->id);

	if (pw_python_is_pypy(t->python))
		return true;
	for (size_t i = 0; rt && i < rt->n; i++) {
		const struct pw_layer *l = &rt->layers[i];

		if (strcmp(l->how, "debian-root"))
			continue;
		for (size_t k = 0; k < l->n; k++) {
			const struct pw_artifact *a = pw_lockset_find_sha(ls, l->artifacts[k]);

			if (a && a->version && !strcmp(a->name, "python3-pip"))
				return pw_deb_version_cmp(a->version, "22.2") < 0;
		}
	}
	return false;
}

/* The base, then what a foreign target needs over it: qemu-user, and the
 * cross compilers unless "foreign" is "emulate" (emulator.h) or the root
 * is an old root (its interpreter is cross-built by its own layer,
 * cpython.h; it compiles nothing); then
 * pinwheel's own pip where the root's cannot resolve (needs_pip()). */
static int lock_debian(struct pw_provider_ctx *pc, const void *spec, const struct pw_target_info *t,
		       struct pw_lockset *out, struct pw_err *e)
{
	const struct pw_debian_spec *ds = spec;
	int r = lock_base(pc, spec, t, out, e);

	/* an interpreter the suite does not package: built from source */
	if (r == 0)
		r = pw_provide_cpython(pc, spec, ((const struct pw_debian_spec *)spec)->cpython, t,
				       out, e);
	if (r == 0)
		r = pw_provide_emulator(pc, spec, t, out, e);
	/* an old root (test.old_root) only runs the smoke test: no compilers */
	if (r == 0 && !t->foreign_emulate && !ds->old_root)
		r = pw_provide_cross(pc, spec, t, out, e);
	if (r == 0 && needs_pip(out, t))
		r = pw_pypi_lock_pip(pc, t, ds->field, out, e);
	return r;
}

/* ---- the config: python.VERSION.base.debian ---- */

static const char *check_package(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("+-.:", *c)))
			return "a Debian package name (lowercase letters, digits, + - . and an "
			       "optional :arch)";
	return NULL;
}

static void spec_free(void *p)
{
	struct pw_debian_spec *spec = p;

	free((char *)spec->field);
	free(spec->suite);
	for (size_t i = 0; i < spec->npackages; i++)
		free(spec->packages[i]);
	free(spec->packages);
	free(spec->mirror);
	free(spec->keyring);
	pw_cpython_spec_free(spec->cpython);
	free(spec);
}

/* The members of a Debian base object @v (at @kp, named @df) into @spec;
 * "packages" is required unless @old (test.old_root). */
static int parse_members(const struct pw_jcheck *j, json_t *v, const struct pw_jpos *kp,
			 const char *df, bool old, struct pw_debian_spec *spec)
{
	static const char *const keys[] = {"suite", "packages", "mirror", "keyring", "cpython"};
	int r;

	r = pw_jcheck_keys(j, v, kp, df, keys, PW_ARRAY_SIZE(keys));
	if (r < 0)
		return r;
	r = pw_jcheck_str(j, v, kp, df, "suite", true, &spec->suite);
	if (r < 0)
		return r;
	if (check_package(spec->suite))
		return pw_jcheck_fail(j, pw_jpos_member(v, kp, "suite", &(json_t *){NULL}), true,
				      df, "'suite' must be a suite or codename like \"bookworm\"");
	r = pw_jcheck_strv(j, v, kp, df, "packages", !old, check_package, &spec->packages,
			   &spec->npackages);
	if (r < 0)
		return r;
	r = pw_jcheck_str(j, v, kp, df, "mirror", false, &spec->mirror);
	if (r < 0)
		return r;
	if (spec->mirror && !pw_jcheck_url_ok(spec->mirror))
		return pw_jcheck_fail(j, pw_jpos_member(v, kp, "mirror", &(json_t *){NULL}), true,
				      df, "'mirror' must be an http://, https:// or file:// url");
	r = pw_jcheck_str(j, v, kp, df, "keyring", false, &spec->keyring);
	if (r < 0)
		return r;
	if (spec->keyring && !spec->keyring[0])
		return pw_jcheck_fail(j, pw_jpos_member(v, kp, "keyring", &(json_t *){NULL}), true,
				      df, "'keyring' must be the path of an OpenPGP keyring file");
	if (json_object_get(v, "cpython"))
		return pw_cpython_parse(j, v, kp, df, "cpython", &spec->cpython);
	return 0;
}

static int parse_debian(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
			const char *field, const char *key, void **out)
{
	struct pw_debian_spec *spec = pw_xcalloc(1, sizeof(*spec));
	_cleanup_free_ char *df = pw_jcheck_field(field, key);
	const struct pw_jpos *kp;
	json_t *v;

	*out = spec;
	spec->field = pw_xstrdup(df);
	kp = pw_jpos_member(obj, p, key, &v);
	if (!json_is_object(v))
		return pw_jcheck_type(j, kp, df, "an object with 'suite' and 'packages'", v);
	return parse_members(j, v, kp, df, false, spec);
}

static char **strv_of(const char *const *v, size_t n)
{
	char **o = pw_xcalloc(n + 1, sizeof(*o));

	for (size_t i = 0; i < n; i++)
		o[i] = pw_xstrdup(v[i]);
	return o;
}

int pw_debian_parse_old_root(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
			     const char *field, const char *key, struct pw_debian_spec **out,
			     bool *off)
{
	static const char *const dflt[] = {PW_OLD_ROOT_PACKAGES};
	_cleanup_free_ char *df = pw_jcheck_field(field, key);
	struct pw_debian_spec *spec;
	const struct pw_jpos *kp;
	json_t *v;
	int r = 0;

	*out = NULL;
	*off = false;
	kp = pw_jpos_member(obj, p, key, &v);
	if (json_is_false(v)) {
		*off = true;
		return 0;
	}
	if (!json_is_string(v) && !json_is_object(v))
		return pw_jcheck_type(j, kp, df,
				      "false, a Debian suite (\"bullseye\") or an object with "
				      "'suite'",
				      v);
	spec = pw_xcalloc(1, sizeof(*spec));
	*out = spec;
	spec->field = pw_xstrdup(df);
	if (json_is_string(v)) {
		spec->suite = pw_xstrdup(json_string_value(v));
		if (check_package(spec->suite) || !spec->suite[0])
			return pw_jcheck_fail(j, kp, true, df,
					      "expected a suite or codename like \"bullseye\", "
					      "got '%s'",
					      spec->suite);
	} else {
		r = parse_members(j, v, kp, df, true, spec);
	}
	if (r == 0 && !spec->packages) {
		spec->packages = strv_of(dflt, PW_ARRAY_SIZE(dflt));
		spec->npackages = PW_ARRAY_SIZE(dflt);
	}
	return r;
}

void pw_debian_spec_free(struct pw_debian_spec *spec)
{
	if (spec)
		spec_free(spec);
}

const char *pw_debian_block_suite(const struct pw_block *b)
{
	if (!b || b->provider != &pw_provider_debian || !b->spec)
		return NULL;
	return ((const struct pw_debian_spec *)b->spec)->suite;
}

static void describe(const void *p, json_t *o)
{
	const struct pw_debian_spec *spec = p;

	json_object_set_new(o, "suite", json_string(spec->suite));
}

/* ---- the layer: "debian-root" ---- */

int pw_debian_build_root_layer(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e)
{
	const char *arch = strrchr(l->name, '-');
	struct pw_deb_artifact *a;
	bool cached = true;
	size_t i;
	int r = 0;

	if (!arch || !arch[1] || strncmp(l->name, "debian-", 7) ||
	    strspn(arch + 1, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(arch + 1))
		return pw_err_set(e, EINVAL,
				  "layer '%s': expected a name like "
				  "\"debian-SUITE-ARCH\" for how \"debian-root\"",
				  l->name);
	arch++;
	a = pw_xcalloc(l->n + 1, sizeof(*a));
	for (i = 0; i < l->n; i++) {
		const struct pw_artifact *la = pw_lockset_find_sha(lc->ls, l->artifacts[i]);

		if (!la) { /* the lock reader checks this; be safe */
			r = pw_err_set(e, EINVAL, "layer '%s': no artifact %s in the lock", l->name,
				       l->artifacts[i]);
			goto out;
		}
		a[i].package = la->package ? la->package : la->name;
		a[i].version = la->version ? la->version : (char *)"";
		a[i].arch = (char *)arch;
		a[i].url = la->nurls ? la->urls[0] : NULL;
		memcpy(a[i].sha256, la->sha256, sizeof(a[i].sha256));
		a[i].size = la->size;
	}
	if (lc->store) {
		r = pw_debian_make_root(lc->store, a, l->n, arch, NULL, &cached, e);
		if (r < 0)
			goto out;
		lc->plan->nbuilt += !cached;
	}
	pw_layer_ctx_add(lc, pw_debian_root_id(a, l->n, arch), l, NULL);
out:
	free(a); /* the strings are borrowed from the lock */
	return r;
}

static const struct pw_provider_key keys[] = {
    {PW_PLACE_BASE, "debian", PW_STAGE_BASE, parse_debian},
};
static const char *const kinds[] = {"deb", NULL};
static const struct pw_layer_kind hows[] = {
    {"debian-root", pw_debian_build_root_layer},
};

const struct pw_provider pw_provider_debian = {
    .name = "debian",
    .keys = keys,
    .nkeys = PW_ARRAY_SIZE(keys),
    .spec_free = spec_free,
    .lock = lock_debian,
    .describe = describe,
    .kinds = kinds,
    .hows = hows,
    .nhows = PW_ARRAY_SIZE(hows),
};

bool pw_debian_old_root_block(const struct pw_block *base, const struct pw_debian_spec *old,
			      struct pw_block *out)
{
	const struct pw_debian_spec *b;
	struct pw_debian_spec *o;
	static const char *const slim_configure[] = {PW_CPYTHON_SLIM_CONFIGURE};
	static const char *const slim_packages[] = {PW_CPYTHON_SLIM_PACKAGES};
	const struct pw_cpython_spec *cp;
	_cleanup_free_ char *cf = NULL;

	if (!pw_debian_block_suite(base) || !old)
		return false;
	b = base->spec;
	if (!strcmp(b->suite, old->suite))
		return false;
	o = pw_xcalloc(1, sizeof(*o));
	o->field = pw_xstrdup(old->field);
	o->old_root = true;
	o->suite = pw_xstrdup(old->suite);
	o->packages = strv_of((const char *const *)old->packages, old->npackages);
	o->npackages = old->npackages;
	if (old->mirror) {
		o->mirror = pw_xstrdup(old->mirror);
		o->keyring = old->keyring ? pw_xstrdup(old->keyring) : NULL;
	} else {
		o->mirror = b->mirror ? pw_xstrdup(b->mirror) : NULL;
		o->keyring = old->keyring ? pw_xstrdup(old->keyring)
			     : b->keyring ? pw_xstrdup(b->keyring)
					  : NULL;
	}
	/* the target's interpreter, built from the tarball of the suite that
	 * carries its version */
	cp = old->cpython ? old->cpython : b->cpython;
	cf = pw_xasprintf("%s.cpython", old->field);
	o->cpython = pw_cpython_spec_dup(cp, cf);
	/* slim unless the config says how (cpython.h) */
	if (!o->cpython->configure) {
		o->cpython->configure = strv_of(slim_configure, PW_ARRAY_SIZE(slim_configure));
		o->cpython->nconfigure = PW_ARRAY_SIZE(slim_configure);
	}
	if (!o->cpython->packages) {
		o->cpython->packages = strv_of(slim_packages, PW_ARRAY_SIZE(slim_packages));
		o->cpython->npackages = PW_ARRAY_SIZE(slim_packages);
	}
	if (!o->cpython->url && !o->cpython->source_suite)
		o->cpython->source_suite = pw_xstrdup(
		    b->cpython && b->cpython->source_suite ? b->cpython->source_suite : b->suite);
	memset(out, 0, sizeof(*out));
	out->provider = &pw_provider_debian;
	out->key = &keys[0];
	out->spec = o;
	return true;
}
