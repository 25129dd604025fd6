/* remote_stub.c - weak stand-ins for the HTTP remote of actions.h until
 * toolchains/remote_cache.c (branch `remote`) lands; that file's strong
 * definitions replace these, and this file is then deleted. */
#include "pinwheel/actions.h"

__attribute__((weak)) struct pw_remote *pw_remote_open(const char *url, struct pw_err *e)
{
	pw_err_set(e, ENOSYS, "--cache-url '%s': the remote cache is not part of this build", url);
	errno = ENOSYS;
	return NULL;
}

__attribute__((weak)) void pw_remote_close(struct pw_remote *r)
{
	(void)r;
}

__attribute__((weak)) int pw_remote_get_cas(struct pw_remote *r, struct pw_store *s,
					    const char *hex, uint64_t size, struct pw_err *e)
{
	(void)r;
	(void)s;
	(void)size;
	return pw_err_set(e, ENOSYS, "blob %s: the remote cache is not part of this build", hex);
}

__attribute__((weak)) int pw_remote_put_cas(struct pw_remote *r, struct pw_store *s,
					    const char *hex, struct pw_err *e)
{
	(void)r;
	(void)s;
	return pw_err_set(e, ENOSYS, "blob %s: the remote cache is not part of this build", hex);
}

__attribute__((weak)) int pw_remote_get_ac(struct pw_remote *r, const char *key, char **data,
					   size_t *n, struct pw_err *e)
{
	(void)r;
	*data = NULL;
	*n = 0;
	return pw_err_set(e, ENOSYS, "action %s: the remote cache is not part of this build", key);
}

__attribute__((weak)) int pw_remote_put_ac(struct pw_remote *r, const char *key, const char *data,
					   size_t n, struct pw_err *e)
{
	(void)r;
	(void)data;
	(void)n;
	return pw_err_set(e, ENOSYS, "action %s: the remote cache is not part of this build", key);
}
