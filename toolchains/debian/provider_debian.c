/* provider_debian.c - the Debian base as a provider (include/pinwheel/
 * artifact.h): suite + packages for the target's Debian architecture ->
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
#include "pinwheel/debian.h"
#include "pinwheel/fsutil.h"

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
	pw_lockset_add(out, &a, target);
}

int pw_provide_debian(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
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
	r = pw_debian_lock(NULL, &o, &lk, e);
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
