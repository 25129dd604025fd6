/* host.c - what the sandbox reads of the host to explain a refusal
 * (sandbox-int.h, struct sb_host): a sysctl by name and uname(2), behind a
 * pointer that unit tests replace, and the one-line causes and fixes built
 * from them.  Parent side only. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "pinwheel/fsutil.h"
#include "sandbox-int.h"

static int host_sysctl(const char *name, long *v)
{
	char path[128], b[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = PW_TEMP_FAILURE_RETRY(read(fd, b, sizeof(b) - 1));
	close(fd);
	if (n <= 0)
		return -EIO;
	b[n] = '\0';
	*v = strtol(b, NULL, 10);
	return 0;
}

static const struct sb_host real_host = {host_sysctl, uname};
const struct sb_host *sb_host = &real_host;

const char *sb_userns_cause(void)
{
	long v;

	if (sb_host->sysctl("kernel/apparmor_restrict_unprivileged_userns", &v) == 0 && v != 0)
		return "unprivileged user namespaces are restricted by AppArmor "
		       "(kernel.apparmor_restrict_unprivileged_userns=1); allow them with "
		       "'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' or an AppArmor "
		       "profile that grants 'userns' to pinwheel";
	if (sb_host->sysctl("user/max_user_namespaces", &v) == 0 && v == 0)
		return "user namespaces are disabled (user.max_user_namespaces=0); enable them "
		       "with 'sysctl -w user.max_user_namespaces=15000'";
	if (sb_host->sysctl("kernel/unprivileged_userns_clone", &v) == 0 && v == 0)
		return "unprivileged user namespaces are disabled "
		       "(kernel.unprivileged_userns_clone=0); enable them with "
		       "'sysctl -w kernel.unprivileged_userns_clone=1'";
	return NULL;
}

const char *sb_explain_clone(int err)
{
	if (err == EPERM || err == ENOSPC || err == EACCES || err == EUSERS || err == EINVAL)
		return sb_userns_cause();
	return NULL;
}

const char *sb_explain_step(const char *step, int err)
{
	/* Where user namespaces are restricted (AppArmor) they are created
	 * without capabilities: the first privileged steps fail with EPERM.
	 * Later EPERMs have other causes. */
	static const char *const first[] = {"sethostname",	   "write uid_map",
					    "write setgroups",	   "write gid_map",
					    "create the network namespace", "bring up lo",
					    "make mounts private"};

	if (err != EPERM)
		return NULL;
	for (size_t i = 0; i < PW_ARRAY_SIZE(first); i++)
		if (!strcmp(step, first[i]))
			return sb_userns_cause();
	return NULL;
}
