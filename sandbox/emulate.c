/* emulate.c - --emulate ARCH QEMU: a binfmt_misc instance of the sandbox's
 * own user namespace (Linux >= 6.7) with qemu-user registered for ARCH in
 * fix-binary mode ('F': the kernel opens the interpreter when the entry is
 * written, from the host path, so it need not exist inside the root).
 * Nothing is registered on the host: the instance dies with the namespace.
 * Magic and mask are those of QEMU's qemu-binfmt-conf.sh.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "sandbox-int.h"

struct arch {
	const char *name;
	const char *magic;
	const char *mask;
};

#define MASK_HEAD "\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
#define MASK_HEAD_X86 "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe"
#define MASK_TAIL "\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"
#define ELF_MASK_STD MASK_HEAD MASK_TAIL
#define ELF_MASK_X86 MASK_HEAD_X86 MASK_TAIL
#define ELF64LE "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"
#define ELF32LE "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00"

static const struct arch arches[] = {
    {"aarch64", ELF64LE "\\xb7\\x00", ELF_MASK_STD},
    {"arm", ELF32LE "\\x28\\x00", ELF_MASK_STD},
    {"ppc64le", ELF64LE "\\x15\\x00",
     "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
     "\\xfe\\xff\\xff\\x00"},
    {"s390x",
     "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x16",
     "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
     "\\xff\\xfe\\xff\\xff"},
    {"riscv64", ELF64LE "\\xf3\\x00", ELF_MASK_STD},
    {"i386", ELF32LE "\\x03\\x00", ELF_MASK_X86},
    {"x86_64", ELF64LE "\\x3e\\x00", ELF_MASK_X86},
};

const char *const pw_emulate_arches[] = {"aarch64", "arm",  "ppc64le", "s390x",
					 "riscv64", "i386", "x86_64",  NULL};

static const struct arch *find_arch(const char *name)
{
	size_t i;

	for (i = 0; i < PW_ARRAY_SIZE(arches); i++)
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	return NULL;
}

int sb_emulate_check(const struct pw_sandbox_spec *s, struct pw_err *e)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (!find_arch(s->emulate_arch))
		return pw_err_set(e, EINVAL, "--emulate '%s': unknown architecture",
				  s->emulate_arch);
	if (sb_host->uname(&u) < 0)
		return pw_err_sys(e, errno, "uname");
	if (!strcmp(u.machine, s->emulate_arch) ||
	    (!strcmp(u.machine, "x86_64") && !strcmp(s->emulate_arch, "i386")))
		return pw_err_set(e, EINVAL,
				  "--emulate '%s': this machine runs %s binaries natively",
				  s->emulate_arch, s->emulate_arch);
	if (sscanf(u.release, "%u.%u", &major, &minor) != 2 || major < 6 ||
	    (major == 6 && minor < 7))
		return pw_err_set(e, ENOTSUP,
				  "--emulate needs Linux 6.7 or later (binfmt_misc in a user "
				  "namespace); this kernel is %s",
				  u.release);
	return 0;
}

int sb_child_emulate(struct sb_ctx *c, int procfd, int qemu_fd)
{
	const struct arch *a = find_arch(c->spec->emulate_arch);
	char reg[512];
	int fs, m, fd, r = 0;

	if (!a)
		return sb_step(c, EINVAL, "--emulate '%s'", c->spec->emulate_arch);
	fs = pw_sys_fsopen("binfmt_misc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return sb_step(c, errno, "mount binfmt_misc in the user namespace");
	if (pw_sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		r = sb_step(c, errno, "mount binfmt_misc in the user namespace");
		close(fs);
		return r;
	}
	m = pw_sys_fsmount(fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	close(fs);
	if (m < 0)
		return sb_step(c, errno, "fsmount binfmt_misc");
	if (pw_sys_move_mount(m, "", procfd, "sys/fs/binfmt_misc", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		r = sb_step(c, errno, "mount binfmt_misc on /proc/sys/fs/binfmt_misc");
		goto out;
	}
	/* The interpreter is opened now ('F'), through the fd we took
	 * before the host's /tmp was covered. */
	snprintf(reg, sizeof(reg), ":pinwheel-%s:M::%s:%s:/proc/self/fd/%d:F", a->name, a->magic,
		 a->mask, qemu_fd);
	fd = openat(m, "register", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		r = sb_step(c, errno, "open binfmt_misc/register");
		goto out;
	}
	if (pw_write_all(fd, reg, strlen(reg)) < 0)
		r = sb_step(c, errno, "register qemu for %s in binfmt_misc", a->name);
	close(fd);
out:
	close(m);
	return r;
}
