/* provider_debian.c - the Debian base as a provider (include/pinwheel/
 * artifact.h): suite + packages for the target's Debian architecture ->
 * one artifact of kind "deb" per package of the closure, and one layer
 * "debian-SUITE-ARCH", how "debian-root" (the merged root with its
 * fix-ups, built at fetch by pw_debian_make_root()), dest "/", its
 * artifacts in the provider's order (sorted by package name).
 *
 * Online, the suite is resolved again against the mirror (its signed index
 * is the source of truth, and it moves); offline (`lock --check`) the
 * previous lock's layer is reused as it is. */
#include <string.h>

#include "pinwheel/artifact.h"
#include "pinwheel/debian.h"
#include "pinwheel/fsutil.h"

int pw_provide_debian(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
		      const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	_cleanup_free_ char *layer = pw_xasprintf("debian-%s-%s", spec->suite, t->debian_arch);
	_cleanup_free_ char *keyring = NULL;
	struct pw_debian_opts o;
	struct pw_debian_lock lk = {0};
	const char **shas = NULL;
	size_t i;
	int r;

	if (pc->offline)
		return pw_lockset_reuse_layer(pc->prior, t->id, layer, spec->field, out, e);
	if (spec->keyring)
		keyring = spec->keyring[0] == '/' || !pc->project_dir
			      ? pw_xstrdup(spec->keyring)
			      : pw_path_join(pc->project_dir, spec->keyring);
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
		const struct pw_deb_artifact *d = &lk.v[i];
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
		pw_lockset_add(out, &a, t->id);
		shas[i] = d->sha256;
	}
	pw_lockset_add_layer(out, t->id, layer, "debian-root", "/", shas, lk.n, NULL);
	free(shas);
	pw_debian_lock_release(&lk);
	return 0;
}
