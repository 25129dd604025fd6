/* unpack.c - placeholder: the libarchive extractor lands separately. */
#include "pinwheel/unpack.h"

int pw_unpack_fd(int archive_fd, int dest_dirfd, const struct pw_unpack_opts *opts,
		 struct pw_unpack_stats *stats, struct pw_err *e)
{
	(void)archive_fd;
	(void)dest_dirfd;
	(void)opts;
	(void)stats;
	return pw_err_set(e, ENOSYS, "unpacking is not built yet");
}

char *pw_unpack_opts_key(const struct pw_unpack_opts *opts)
{
	return pw_xasprintf("strip=%u;subdir=%s", opts->strip, opts->subdir ? opts->subdir : "");
}
