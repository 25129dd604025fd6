/* emulator.c - the qemu-user and cross layers of a foreign target's root,
 * and the "foreign" provider that builds them (see
 * include/pinwheel/emulator.h). */
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/debian.h"
#include "pinwheel/emulator.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"

/* The layer's input digest: what the pin depends on. */
static void emulator_input(const struct pw_debian_spec *spec, const char *host, const char *arch,
			   char hex[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_addf(&b, "emulator-layer;v1\nsuite %s\nhost %s\nemulate %s\nmirror %s\nkeyring %s\n",
		    spec->suite, host, arch, spec->mirror ? spec->mirror : "",
		    spec->keyring ? spec->keyring : "");
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
}

static const struct pw_deb_artifact *find_pkg(const struct pw_debian_lock *lk, const char *name)
{
	for (size_t i = 0; i < lk->n; i++)
		if (!strcmp(lk->v[i].package, name))
			return &lk->v[i];
	return NULL;
}

/* Lock @package alone (no required set) for the host's architecture. */
static int lock_one(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
		    const char *keyring, const char *host, const char *package,
		    struct pw_debian_lock *lk, struct pw_err *e)
{
	const char *pkgs[] = {package};
	struct pw_debian_opts o;

	memset(&o, 0, sizeof(o));
	o.suite = spec->suite;
	o.arch = host;
	o.mirror = spec->mirror;
	o.packages = pkgs;
	o.npackages = 1;
	o.keyring = keyring;
	o.no_required = true;
	return pw_debian_lock(pw_debian_index_store(pc), &o, lk, e);
}

int pw_provide_emulator(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
			const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	const char *host = pw_host_debian_arch(), *arch;
	_cleanup_free_ char *layer = NULL, *keyring = NULL, *dest = NULL;
	struct pw_debian_lock lk = {0};
	const struct pw_deb_artifact *d;
	char input[PW_SHA256_HEX];
	const char *shas[1];
	int r;

	if (!pw_emulator_needed(t->arch))
		return 0;
	arch = pw_emulator_arch(t->arch);
	if (!host)
		return pw_err_set(e, ENOTSUP,
				  "%s (%s): no Debian architecture for this machine ('%s')",
				  spec->field, t->id, pw_host_arch());
	layer = pw_xasprintf(PW_EMULATOR_LAYER_PREFIX "%s", arch);
	emulator_input(spec, host, arch, input);
	if (pc->offline || pw_lockset_layer_unchanged(pc->prior, t->id, layer, input)) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, layer, spec->field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		return r;
	}
	keyring = pw_debian_spec_keyring(pc, spec);
	/* Up to bookworm the static build is qemu-user-static; from trixie on
	 * it is qemu-user (qemu-user-static depends on it, or is gone). */
	r = lock_one(pc, spec, keyring, host, "qemu-user-static", &lk, e);
	if (r == -ENOENT)
		r = lock_one(pc, spec, keyring, host, "qemu-user", &lk, e);
	if (r < 0)
		return pw_err_prefix(e, "%s (%s): the emulator", spec->field, t->id);
	if ((d = find_pkg(&lk, "qemu-user")) != NULL) {
		dest = pw_xasprintf("/usr/bin/qemu-%s", arch);
	} else if ((d = find_pkg(&lk, "qemu-user-static")) != NULL) {
		dest = pw_xasprintf("/usr/bin/qemu-%s-static", arch);
	} else { /* pw_debian_lock() gives what was asked for */
		pw_debian_lock_release(&lk);
		return pw_err_set(e, ENOENT, "%s (%s): no qemu-user package in '%s'", spec->field,
				  t->id, spec->suite);
	}
	pw_lockset_add_deb(out, d, t->id);
	shas[0] = d->sha256;
	pw_lockset_add_layer(out, t->id, layer, PW_EMULATOR_HOW, dest, shas, 1, NULL);
	pw_lockset_set_layer_input(out, t->id, input);
	pw_debian_lock_release(&lk);
	return 0;
}

/* ---- the cross layer ---- */

static const struct {
	const char *arch, *gnu, *rust;
} cross_arches[] = {
    {"aarch64", "aarch64-linux-gnu", "aarch64-unknown-linux-gnu"},
    {"ppc64le", "powerpc64le-linux-gnu", "powerpc64le-unknown-linux-gnu"},
    {"s390x", "s390x-linux-gnu", "s390x-unknown-linux-gnu"},
    {"armv7l", "arm-linux-gnueabihf", "armv7-unknown-linux-gnueabihf"},
};

const char *pw_cross_gnu_triplet(const char *arch)
{
	for (size_t i = 0; arch && i < PW_ARRAY_SIZE(cross_arches); i++)
		if (!strcmp(cross_arches[i].arch, arch))
			return cross_arches[i].gnu;
	return NULL;
}

const char *pw_cross_rust_target(const char *arch)
{
	for (size_t i = 0; arch && i < PW_ARRAY_SIZE(cross_arches); i++)
		if (!strcmp(cross_arches[i].arch, arch))
			return cross_arches[i].rust;
	return NULL;
}

size_t pw_cross_env(const char *arch, const char *pyver, char ***out)
{
	const char *gnu = pw_cross_gnu_triplet(arch), *rust = pw_cross_rust_target(arch);
	char **v, *up;
	size_t n = 0;

	*out = NULL;
	if (!gnu)
		return 0;
	v = pw_xcalloc(8, sizeof(*v));
	/* The target's sysconfig already names TRIPLET-gcc (Debian builds
	 * its Python so), and LDSHARED follows CC; set both anyway so tools
	 * that do not read sysconfig (cc-rs, meson) take the cross ones. */
	v[n++] = pw_xasprintf("CC=%s-gcc", gnu);
	v[n++] = pw_xasprintf("CXX=%s-g++", gnu);
	v[n++] = pw_xasprintf("CARGO_BUILD_TARGET=%s", rust);
	up = pw_xasprintf("CARGO_TARGET_%s_LINKER=%s-gcc", rust, gnu);
	for (char *p = up + strlen("CARGO_TARGET_"); *p != '='; p++)
		*p = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	v[n++] = up;
	/* PyO3's build script reads the target's _sysconfigdata from here */
	if (pyver)
		v[n++] = pw_xasprintf("PYO3_CROSS_LIB_DIR=/usr/lib/python%s", pyver);
	*out = v;
	return n;
}

static bool has_name(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/* The version of package @name in @t's Debian base layer of @ls, or NULL. */
static const char *base_version(const struct pw_lockset *ls, const char *target, const char *layer,
				const char *name)
{
	const struct pw_layer *l = pw_lockset_find_layer(ls, target, layer);

	for (size_t i = 0; l && i < l->n; i++)
		for (size_t j = 0; j < ls->n; j++)
			if (!strcmp(ls->artifacts[j].sha256, l->artifacts[i]) &&
			    !strcmp(ls->artifacts[j].name, name))
				return ls->artifacts[j].version;
	return NULL;
}

static void cross_input(const struct pw_debian_spec *spec, const char *host, const char *arch,
			char *const *pkgs, size_t n, char hex[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_addf(&b, "cross-layer;v1\nsuite %s\nhost %s\ntarget %s\nmirror %s\nkeyring %s\n",
		    spec->suite, host, arch, spec->mirror ? spec->mirror : "",
		    spec->keyring ? spec->keyring : "");
	for (size_t i = 0; i < n; i++)
		pw_buf_addf(&b, "package %s\n", pkgs[i]);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
}

int pw_provide_cross(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
		     const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	const char *host = pw_host_debian_arch(), *gnu = pw_cross_gnu_triplet(t->arch);
	_cleanup_free_ char *layer = NULL, *base = NULL, *keyring = NULL;
	struct pw_debian_lock lk = {0};
	struct pw_debian_opts o;
	char *pkgs[4], input[PW_SHA256_HEX];
	const char **shas = NULL;
	size_t i, np = 0;
	int r;

	if (!pw_emulator_needed(t->arch) || !gnu || !host)
		return 0;
	pkgs[np++] = pw_xasprintf("g++-%s", gnu);
	pkgs[np++] = pw_xasprintf("gcc-%s", gnu);
	if (has_name(spec->packages, spec->npackages, "rustc") ||
	    has_name(spec->packages, spec->npackages, "cargo")) {
		pkgs[np++] = pw_xstrdup("cargo");
		pkgs[np++] = pw_xstrdup("rustc");
	}
	layer = pw_xasprintf("debian-%s-cross-%s", spec->suite, host);
	base = pw_xasprintf("debian-%s-%s", spec->suite, t->debian_arch);
	cross_input(spec, host, t->arch, pkgs, np, input);
	if (pc->offline || pw_lockset_layer_unchanged(pc->prior, t->id, layer, input)) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, layer, spec->field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		goto out;
	}
	keyring = pw_debian_spec_keyring(pc, spec);
	memset(&o, 0, sizeof(o));
	o.suite = spec->suite;
	o.arch = host;
	o.mirror = spec->mirror;
	o.packages = (const char *const *)pkgs;
	o.npackages = np;
	o.keyring = keyring;
	o.no_required = true;
	r = pw_debian_lock(pw_debian_index_store(pc), &o, &lk, e);
	if (r < 0) {
		pw_err_prefix(e,
			      "%s (%s): the cross compilers (\"foreign\": \"emulate\" does "
			      "without)",
			      spec->field, t->id);
		goto out;
	}
	/* rustc of the host must be the version of the target's std */
	for (i = 0; i < lk.n; i++) {
		const char *want;

		if (strcmp(lk.v[i].package, "rustc"))
			continue;
		want = base_version(out, t->id, base, "libstd-rust-dev");
		if (want && strcmp(want, lk.v[i].version)) {
			r = pw_err_set(e, EINVAL,
				       "%s (%s): the %s rustc is %s but the %s libstd-rust-dev is "
				       "%s: no cross Rust (set \"foreign\": \"emulate\")",
				       spec->field, t->id, host, lk.v[i].version, t->debian_arch,
				       want);
			goto out;
		}
	}
	shas = pw_xcalloc(lk.n + 1, sizeof(*shas));
	for (i = 0; i < lk.n; i++) {
		pw_lockset_add_deb(out, &lk.v[i], t->id);
		shas[i] = lk.v[i].sha256;
	}
	pw_lockset_add_layer(out, t->id, layer, PW_CROSS_HOW, "/", shas, lk.n, NULL);
	pw_lockset_set_layer_input(out, t->id, input);
	r = 0;
out:
	free(shas);
	pw_debian_lock_release(&lk);
	for (i = 0; i < np; i++)
		free(pkgs[i]);
	return r;
}

/* ---- the provider: the layers' builders and the cross variables ---- */

/* "emulator": the qemu-user .deb unpacked as one tree, mounted nowhere
 * (pw_roots_to_spec() passes the binary at dest inside it to the sandbox). */
static int build_emulator(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e)
{
	const size_t np = strlen(PW_EMULATOR_LAYER_PREFIX);
	const char *arch = strncmp(l->name, PW_EMULATOR_LAYER_PREFIX, np) ? "" : l->name + np;
	bool known = false;
	int r;

	for (size_t i = 0; pw_emulate_arches[i]; i++)
		known = known || !strcmp(pw_emulate_arches[i], arch);
	if (!known)
		return pw_err_set(
		    e, EINVAL,
		    "expected a name like \"emulator-ARCH\" (ARCH one of aarch64, "
		    "arm, ppc64le, s390x, riscv64, i386, x86_64) for how \"emulator\"");
	if (l->n != 1)
		return pw_err_set(
		    e, EINVAL,
		    "expected one artifact (the qemu-user .deb) for how \"emulator\", "
		    "got %zu",
		    l->n);
	if (!strcmp(l->dest, "/"))
		return pw_err_set(e, EINVAL,
				  "expected the interpreter's path in the .deb as 'dest' for how "
				  "\"emulator\"");
	r = pw_roots_build_unpack(lc, l, e);
	if (r == 0)
		lc->plan->trees[lc->plan->n - 1].emulate = arch;
	return r;
}

/* "cp311-..." -> "3.11" ("cp313t" -> "3.13t"), or NULL. */
static char *target_pyver(const char *target)
{
	const char *end = strchr(target, '-');

	if (strncmp(target, "cp3", 3) || !end || end - target < 4)
		return NULL;
	return pw_xasprintf("3.%.*s", (int)(end - target - 3), target + 3);
}

/* A root with a "debian-cross" layer: pw_cross_env() for its target. */
static void cross_root_env(const struct pw_root_plan *p, struct pw_sandbox_spec *s)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->trees[i].how && !strcmp(p->trees[i].how, PW_CROSS_HOW)) {
			_cleanup_free_ char *pyver = target_pyver(p->target);
			const char *plat = strchr(p->target, '-'), *arch = NULL;
			char **v = NULL;
			size_t n;

			if (plat && pw_platform_info(plat + 1, &arch, NULL) &&
			    (n = pw_cross_env(arch, pyver, &v)) > 0)
				pw_roots_prepend_env(s, v, n);
			else
				free(v);
			break;
		}
}

static const struct pw_layer_kind hows[] = {
    {PW_EMULATOR_HOW, build_emulator},
    /* a Debian root of the host's cross tools over a foreign base */
    {PW_CROSS_HOW, pw_debian_build_root_layer},
};

/* No keys of its own: the "debian" provider pins these layers after its
 * base, and "foreign" (the runner's) says whether the cross one is wanted
 * (struct pw_target_info). */
const struct pw_provider pw_provider_foreign = {
    .name = "foreign",
    .hows = hows,
    .nhows = PW_ARRAY_SIZE(hows),
    .root_env = cross_root_env,
};
