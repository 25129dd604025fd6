/* provider_later.c - providers that are not built yet.  Each says so,
 * naming the config field that asked for it, and returns -ENOSYS.  A
 * provider moves out of this file into toolchains/NAME.c when it lands
 * (delete its function here in the same commit). */
#include "pinwheel/artifact.h"

int pw_provide_debian(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
		      const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	(void)pc;
	(void)out;
	return pw_err_set(e, ENOSYS, "%s: the Debian provider is not built yet (suite '%s' for %s)",
			  spec->field, spec->suite, t->id);
}

int pw_provide_oci(struct pw_provider_ctx *pc, const struct pw_oci_spec *spec,
		   const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	(void)pc;
	(void)out;
	return pw_err_set(e, ENOSYS, "%s: the OCI image provider is not built yet (for %s)",
			  spec->field, t->id);
}

int pw_provide_pypi(struct pw_provider_ctx *pc, const struct pw_pypi_spec *spec,
		    const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	(void)pc;
	(void)out;
	return pw_err_set(e, ENOSYS,
			  "%s: the PyPI wheel provider is not built yet (%zu pins for %s)",
			  spec->field, spec->n, t->id);
}

int pw_provide_crates(struct pw_provider_ctx *pc, const struct pw_crates_spec *spec,
		      const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	(void)pc;
	(void)out;
	return pw_err_set(e, ENOSYS, "%s: the crates provider is not built yet ('%s' for %s)",
			  spec->field, spec->cargo_lock, t->id);
}
