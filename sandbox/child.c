/* child.c - the helpers every step of the sandbox's child side uses
 * (sandbox-int.h): record the failing step, report it to the parent and
 * exit, write one's own id maps, seal init.  A leaf: it calls nothing else
 * of sandbox/, so ns.c, mounts.c, exec.c, net.c, limits.c and emulate.c
 * all depend on it and it on none of them. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "pinwheel/fsutil.h"
#include "sandbox-int.h"

int sb_step(struct sb_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->step, sizeof(c->step), fmt, ap);
	va_end(ap);
	return -err;
}

void sb_child_fail(struct sb_ctx *c, int err, int code)
{
	struct sb_msg m;

	memset(&m, 0, sizeof(m));
	m.type = SB_MSG_FAIL;
	m.err = err;
	m.code = code;
	memcpy(m.step, c->step, sizeof(m.step));
	m.step[sizeof(m.step) - 1] = '\0';
	(void)!write(c->report_wr, &m, sizeof(m));
	_exit(code);
}

static int write_self(const char *name, const char *data)
{
	char path[64];
	int fd, r;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = pw_write_all(fd, data, strlen(data));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int sb_map_self(struct sb_ctx *c, const char *whose, unsigned in_uid, unsigned out_uid,
		unsigned in_gid, unsigned out_gid)
{
	char map[64];
	int r;

	snprintf(map, sizeof(map), "%u %u 1\n", in_uid, out_uid);
	if ((r = write_self("uid_map", map)) < 0)
		return sb_step(c, -r, "write %suid_map", whose);
	r = write_self("setgroups", "deny");
	if (r < 0 && r != -ENOENT)
		return sb_step(c, -r, "write %ssetgroups", whose);
	snprintf(map, sizeof(map), "%u %u 1\n", in_gid, out_gid);
	if ((r = write_self("gid_map", map)) < 0)
		return sb_step(c, -r, "write %sgid_map", whose);
	return 0;
}

int sb_seal_init(struct sb_ctx *c)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return sb_step(c, errno, "make init non-dumpable");
	return 0;
}
