/* provider_later.c - providers that are not built yet.  Each says so,
 * naming the config field that asked for it, and returns -ENOSYS.  A
 * provider moves out of this file into toolchains/NAME.c when it lands
 * (delete its function here in the same commit). */
#include "pinwheel/artifact.h"

/* How a provider plugs in (toolchains/provider_debian.c is another) (the archive provider in toolchains/archive.c is
 * the worked example):
 *   - when !pc->offline: resolve (network allowed; pc->store for downloads),
 *     then pw_lockset_add() each artifact with t->id, and append the
 *     target's layer(s) with pw_lockset_add_layer();
 *   - when pc->offline (lock --check): reuse the previous lock's pins, e.g.
 *     pw_lockset_reuse_layer(pc->prior, t->id, LAYER_NAME, spec->field, out, e),
 *     returning -ENOENT when they are missing.
 * For Debian, e.g.: pw_debian_lock() with suite, t->debian_arch, mirror and
 * packages; each .deb as kind "deb", name and package = the package,
 * version, urls = {url}; one layer named "debian-SUITE-ARCH", how
 * "debian-root" (the merged root with its fix-ups), dest "/", its artifacts
 * in the provider's order. */

int pw_provide_oci(struct pw_provider_ctx *pc, const struct pw_oci_spec *spec,
		   const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	(void)pc;
	(void)out;
	return pw_err_set(e, ENOSYS, "%s: the OCI image provider is not built yet (for %s)",
			  spec->field, t->id);
}
