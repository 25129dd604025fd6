/* seccomp.c - placeholder: the libseccomp compiler lands separately. */
#include "pinwheel/seccomp.h"

struct pw_seccomp_prog *pw_seccomp_compile(const char *name_or_path,
					   const struct pw_seccomp_opts *opts,
					   struct pw_err *e)
{
	(void)opts;
	pw_err_set(e, ENOSYS, "seccomp profile '%s': not built yet", name_or_path);
	errno = ENOSYS;
	return NULL;
}

void pw_seccomp_prog_free(struct pw_seccomp_prog *p)
{
	(void)p;
}

int pw_seccomp_install(const struct pw_seccomp_prog *p)
{
	(void)p;
	return -ENOSYS;
}
