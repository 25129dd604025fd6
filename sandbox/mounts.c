/* mounts.c - the sandbox's file-system view, built by pid 1 of the new
 * namespaces before the command starts.
 *
 * Order (each step names itself in the error on failure):
 *  1. make every inherited mount private (host mount events stay out);
 *  2. capture everything we need from the host as file descriptors while
 *     the host view is still intact: detached recursive clones of every
 *     --bind/--ro-bind source (made read-only, nosuid, nodev atomically
 *     with mount_setattr before they are attached), O_PATH fds of the
 *     layers, clones of the host's /dev nodes, the qemu binary;
 *  3. mount a tmpfs "base" over /tmp of our private mount namespace: the
 *     new root is either that tmpfs (no layers) or an overlay of the layers
 *     with a writable upper dir on it (so writes to the root vanish with
 *     the sandbox; or the caller's capture dir, where they stay);
 *  4. inside the root, with *at() calls resolved by openat2(RESOLVE_IN_ROOT)
 *     (a layer's symlinks can never lead outside the root): /proc (a new
 *     procfs for our pid namespace, /proc/sys read-only), /dev (tmpfs with
 *     the host's null/zero/full/random/urandom/tty bound in, a devpts
 *     instance, shm), /tmp (size-limited tmpfs), the user's binds, tmpfs
 *     and symlinks in the order given, a minimal /etc when the root has no
 *     /etc/passwd;
 *  5. pivot_root(".", ".") into it and detach the old root.
 * Device nodes are bound from the host, never mknod'ed (a user namespace
 * cannot create usable ones anyway).
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "probe.h"
#include "sandbox-int.h"

static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
#define N_DEV PW_ARRAY_SIZE(dev_nodes)

struct captured {
	int *bind_fds; /* per spec bind: a detached mount, or -1 */
	bool *bind_dir;
	int *layer_fds;
	int dev_fds[N_DEV];
	int qemu_fd;
	int upper_fd, work_fd; /* capture_dir's upper and work, or -1 */
};

static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	return (int)PW_TEMP_FAILURE_RETRY(syscall(SYS_openat2, rootfd, path, &how, sizeof(how)));
}

/* O_PATH fd of @path under the root, creating missing directories (and
 * the last component as an empty file when @file).  Every component is
 * resolved from the root, so symlinks made by layers stay inside it. */
static int make_path(struct sb_ctx *c, int rootfd, const char *path, bool file)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path), i = 0;
	int fd, parent = -1;

	fd = open_in_root(rootfd, path, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : sb_step(c, errno, "open '%s' in the sandbox", path);
	if (len >= sizeof(prefix))
		return sb_step(c, ENAMETOOLONG, "mount point '%s'", path);
	parent = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
	if (parent < 0)
		return sb_step(c, errno, "open the new root");
	while (i < len) {
		size_t start, n;
		bool last;

		while (path[i] == '/')
			i++;
		start = i;
		n = strcspn(path + i, "/");
		i += n;
		if (n == 0)
			break;
		last = path[i + strspn(path + i, "/")] == '\0';
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		fd = open_in_root(rootfd, prefix, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			char comp[NAME_MAX + 1];
			int r;

			if (n > NAME_MAX) {
				close(parent);
				return sb_step(c, ENAMETOOLONG, "mount point '%s'", path);
			}
			memcpy(comp, path + start, n);
			comp[n] = '\0';
			if (last && file) {
				r = openat(parent, comp,
					   O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
					   0644);
				if (r >= 0)
					close(r);
			} else {
				r = mkdirat(parent, comp, 0755);
			}
			if (r < 0 && errno != EEXIST) {
				int err = errno;

				close(parent);
				if (err == EROFS)
					return sb_step(
					    c, err,
					    "mount point '%s' is missing in the read-only root",
					    prefix);
				return sb_step(c, err, "create mount point '%s'", prefix);
			}
			fd = open_in_root(rootfd, prefix, O_PATH);
		}
		if (fd < 0) {
			int err = errno;

			close(parent);
			return sb_step(c, err, "open '%s' in the sandbox", prefix);
		}
		close(parent);
		parent = fd;
	}
	return parent;
}

static int attach(struct sb_ctx *c, int mntfd, int rootfd, const char *dst, bool file)
{
	int fd = make_path(c, rootfd, dst, file), r;

	if (fd < 0)
		return fd;
	r = pw_sys_move_mount(mntfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	if (r < 0)
		r = sb_step(c, errno, "mount on '%s'", dst);
	close(fd);
	return r;
}

/* A detached tmpfs mount. */
static int new_tmpfs(struct sb_ctx *c, const char *what, uint64_t size, const char *mode,
		     unsigned attrs)
{
	char sz[32];
	int fs, m;

	fs = pw_sys_fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return sb_step(c, errno, "fsopen tmpfs for '%s'", what);
	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	if (pw_sys_fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0 ||
	    (size && pw_sys_fsconfig(fs, FSCONFIG_SET_STRING, "size", sz, 0) < 0) ||
	    pw_sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int err = errno;

		close(fs);
		return sb_step(c, err, "create tmpfs for '%s'", what);
	}
	m = pw_sys_fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (m < 0)
		m = sb_step(c, errno, "fsmount tmpfs for '%s'", what);
	close(fs);
	return m;
}

static int capture(struct sb_ctx *c, struct captured *k)
{
	const struct pw_sandbox_spec *s = c->spec;
	size_t i;

	for (i = 0; i < s->n_binds; i++) {
		const struct pw_bind *b = &s->binds[i];
		struct mount_attr attr;
		struct stat st;
		int fd;

		if (b->kind != PW_BIND_RO && b->kind != PW_BIND_RW)
			continue;
		fd = pw_sys_open_tree(AT_FDCWD, b->src,
				      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fd < 0)
			return sb_step(c, errno, "bind '%s'", b->src);
		k->bind_fds[i] = fd;
		memset(&attr, 0, sizeof(attr));
		attr.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				(b->kind == PW_BIND_RO ? MOUNT_ATTR_RDONLY : 0);
		if (pw_sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
					 sizeof(attr)) < 0)
			return sb_step(c, errno, "make bind '%s' %s", b->src,
				       b->kind == PW_BIND_RO ? "read-only" : "nosuid");
		if (fstat(fd, &st) < 0)
			return sb_step(c, errno, "stat '%s'", b->src);
		k->bind_dir[i] = S_ISDIR(st.st_mode);
	}
	for (i = 0; i < s->n_layers; i++) {
		k->layer_fds[i] = open(s->layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (k->layer_fds[i] < 0)
			return sb_step(c, errno, "layer '%s'", s->layers[i]);
	}
	for (i = 0; i < N_DEV; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/dev/%s", dev_nodes[i]);
		k->dev_fds[i] = pw_sys_open_tree(AT_FDCWD, p, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (k->dev_fds[i] < 0)
			return sb_step(c, errno, "bind host '%s'", p);
	}
	if (s->capture_dir) {
		int d = open(s->capture_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (d < 0)
			return sb_step(c, errno, "capture dir '%s'", s->capture_dir);
		k->upper_fd = openat(d, "upper", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		k->work_fd = openat(d, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(d);
		if (k->upper_fd < 0 || k->work_fd < 0)
			return sb_step(c, errno, "capture dir '%s': its upper and work dirs",
				       s->capture_dir);
	}
	if (s->emulate_qemu) {
		k->qemu_fd = open(s->emulate_qemu, O_PATH | O_CLOEXEC);
		if (k->qemu_fd < 0)
			return sb_step(c, errno, "--emulate interpreter '%s'", s->emulate_qemu);
	}
	return 0;
}

/* Mount the base tmpfs over /tmp and return an O_PATH fd of the new root
 * (the base itself, or an overlay of the layers at base/root). */
/* --ro-root with layers: one layer is a read-only recursive bind of it,
 * several an overlay of lower dirs only (no upper, so none of the work-dir
 * checks overlayfs makes); attached over /tmp like the writable root.
 * Nothing can be created in it: every mount point must exist in a layer. */
static int compose_root_ro(struct sb_ctx *c, struct captured *k)
{
	const struct pw_sandbox_spec *s = c->spec;
	struct mount_attr attr;
	int fs, m, r;
	size_t i;

	if (s->n_layers == 1) {
		m = pw_sys_open_tree(k->layer_fds[0], "",
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
					 AT_EMPTY_PATH);
		if (m < 0)
			return sb_step(c, errno, "bind layer '%s'", s->layers[0]);
		memset(&attr, 0, sizeof(attr));
		attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
		if (pw_sys_mount_setattr(m, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
		    0) {
			r = sb_step(c, errno, "make layer '%s' read-only", s->layers[0]);
			close(m);
			return r;
		}
	} else {
		struct pw_buf lower = PW_BUF_INIT(1 << 16);

		for (i = 0; i < s->n_layers; i++)
			pw_buf_addf(&lower, "%s/proc/self/fd/%d", i ? ":" : "", k->layer_fds[i]);
		fs = pw_sys_fsopen("overlay", FSOPEN_CLOEXEC);
		if (fs < 0) {
			pw_buf_release(&lower);
			return sb_step(c, errno, "fsopen overlay");
		}
		if (pw_sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower.buf, 0) < 0 ||
		    pw_sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
			r = sb_step(c, errno, "mount the overlay of %zu layers", s->n_layers);
			pw_buf_release(&lower);
			close(fs);
			return r;
		}
		pw_buf_release(&lower);
		m = pw_sys_fsmount(fs, FSMOUNT_CLOEXEC,
				   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
		close(fs);
		if (m < 0)
			return sb_step(c, errno, "fsmount overlay");
	}
	if (pw_sys_move_mount(m, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		r = sb_step(c, errno, "attach the root");
		close(m);
		return r;
	}
	return m;
}

static int write_etc(const struct pw_sandbox_spec *s, int fd);

/* With a capture dir, the minimal /etc of a root without /etc/passwd
 * (minimal_etc()) is the overlay's bottom layer, made in the base tmpfs
 * @base at "etc-layer", so that it never lands in the capture.  1 when
 * made, 0 when a layer has /etc/passwd, or -errno. */
static int etc_layer(struct sb_ctx *c, struct captured *k, int base)
{
	const struct pw_sandbox_spec *s = c->spec;
	int fd, r;

	for (size_t i = 0; i < s->n_layers; i++) {
		fd = open_in_root(k->layer_fds[i], "etc/passwd", O_PATH);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
	}
	if (mkdirat(base, "etc-layer", 0755) < 0 || mkdirat(base, "etc-layer/etc", 0755) < 0 ||
	    (fd = openat(base, "etc-layer/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return sb_step(c, errno, "create the minimal /etc layer");
	r = write_etc(s, fd);
	close(fd);
	if (r < 0)
		return sb_step(c, -r, "write the minimal /etc layer");
	return 1;
}

static int compose_root(struct sb_ctx *c, struct captured *k)
{
	const struct pw_sandbox_spec *s = c->spec;
	struct pw_buf lower = PW_BUF_INIT(1 << 16);
	char upper[40] = "/tmp/upper", work[40] = "/tmp/work";
	int base, fs, m, rootfd, r, etc;
	size_t i;

	if (s->ro_root && s->n_layers > 0)
		return compose_root_ro(c, k);
	base = new_tmpfs(c, "/", s->tmp_size, "0755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (base < 0)
		return base;
	if (pw_sys_move_mount(base, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		r = sb_step(c, errno, "mount the root tmpfs");
		close(base);
		return r;
	}
	if (s->n_layers == 0)
		return base;
	if (mkdirat(base, "upper", 0755) < 0 || mkdirat(base, "work", 0755) < 0 ||
	    mkdirat(base, "root", 0755) < 0) {
		r = sb_step(c, errno, "create overlay dirs");
		close(base);
		return r;
	}
	etc = k->upper_fd >= 0 ? etc_layer(c, k, base) : 0;
	close(base);
	if (etc < 0)
		return etc;
	/* the capture dir's upper and work (captured before /tmp was
	 * covered), else the base tmpfs's */
	if (k->upper_fd >= 0) {
		snprintf(upper, sizeof(upper), "/proc/self/fd/%d", k->upper_fd);
		snprintf(work, sizeof(work), "/proc/self/fd/%d", k->work_fd);
	}
	for (i = 0; i < s->n_layers; i++)
		pw_buf_addf(&lower, "%s/proc/self/fd/%d", i ? ":" : "", k->layer_fds[i]);
	if (etc)
		pw_buf_adds(&lower, ":/tmp/etc-layer");
	fs = pw_sys_fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0) {
		pw_buf_release(&lower);
		return sb_step(c, errno, "fsopen overlay");
	}
	if (pw_sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower.buf, 0) < 0 ||
	    pw_sys_fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    pw_sys_fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    pw_sys_fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 ||
	    pw_sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		r = sb_step(c, errno, "mount the overlay of %zu layers", s->n_layers);
		pw_buf_release(&lower);
		close(fs);
		return r;
	}
	pw_buf_release(&lower);
	m = pw_sys_fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	close(fs);
	if (m < 0)
		return sb_step(c, errno, "fsmount overlay");
	if (pw_sys_move_mount(m, "", AT_FDCWD, "/tmp/root", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		r = sb_step(c, errno, "attach the overlay");
		close(m);
		return r;
	}
	rootfd = m;
	return rootfd;
}

/* What of /proc a sandbox must not see or change: the paths OCI runtimes
 * mask or make read-only by default (their maskedPaths and readonlyPaths
 * under /proc).  Masked directories get an empty read-only tmpfs, masked
 * files a read-only bind of /dev/null; the read-only ones a read-only
 * bind of themselves.  Entries this kernel does not have are skipped.
 * The sandbox has no /sys at all. */
static const char *const proc_masked[] = {
    "acpi",	     "asound",	   "kcore",	 "keys",     "latency_stats",
    "timer_list", "timer_stats", "sched_debug", "scsi",
};
static const char *const proc_readonly[] = {"bus", "fs", "irq", "sys", "sysrq-trigger"};

/* A read-only (recursive) bind of @name under the proc mount @m, on top of
 * itself. */
static int proc_readonly_at(struct sb_ctx *c, int m, const char *name)
{
	struct mount_attr attr;
	int fd, r = 0;

	fd = pw_sys_open_tree(m, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return errno == ENOENT ? 0 : sb_step(c, errno, "bind /proc/%s", name);
	memset(&attr, 0, sizeof(attr));
	attr.attr_set =
	    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	if (pw_sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0 ||
	    pw_sys_move_mount(fd, "", m, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = sb_step(c, errno, "make /proc/%s read-only", name);
	close(fd);
	return r;
}

/* Cover @name under @m: an empty read-only tmpfs on a directory, a
 * read-only bind of the host's /dev/null (still reachable: we have not
 * pivoted yet) on a file. */
static int proc_mask_at(struct sb_ctx *c, int m, const char *name)
{
	struct mount_attr attr;
	struct stat st;
	int fd, r = 0;

	if (fstatat(m, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : sb_step(c, errno, "stat /proc/%s", name);
	if (S_ISDIR(st.st_mode)) {
		fd = new_tmpfs(c, name, 4096, "0555",
			       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				   MOUNT_ATTR_NOEXEC);
		if (fd < 0)
			return fd;
	} else {
		fd = pw_sys_open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (fd < 0)
			return sb_step(c, errno, "mask /proc/%s", name);
		memset(&attr, 0, sizeof(attr));
		attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC;
		if (pw_sys_mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
			r = sb_step(c, errno, "mask /proc/%s", name);
			close(fd);
			return r;
		}
	}
	if (pw_sys_move_mount(fd, "", m, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = sb_step(c, errno, "mask /proc/%s", name);
	close(fd);
	return r;
}

static int proc_masks(struct sb_ctx *c, int m)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < PW_ARRAY_SIZE(proc_masked); i++)
		r = proc_mask_at(c, m, proc_masked[i]);
	for (size_t i = 0; r == 0 && i < PW_ARRAY_SIZE(proc_readonly); i++)
		r = proc_readonly_at(c, m, proc_readonly[i]);
	return r;
}

static int mount_proc(struct sb_ctx *c, int rootfd, struct captured *k)
{
	int fs, m, fd, r = 0;

	fs = pw_sys_fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return sb_step(c, errno, "fsopen proc");
	if (pw_sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		r = sb_step(c, errno, "mount proc");
		close(fs);
		return r;
	}
	m = pw_sys_fsmount(fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	close(fs);
	if (m < 0)
		return sb_step(c, errno, "fsmount proc");
	r = attach(c, m, rootfd, "/proc", false);
	if (r < 0)
		goto out;
	/* No nested user namespaces, whatever the seccomp profile (but the
	 * one the command needs under --emulate, see exec.c). */
	fd = openat(m, "sys/user/max_user_namespaces", O_WRONLY | O_CLOEXEC);
	if (fd < 0 ||
	    pw_write_all(fd, c->spec->emulate_arch && c->spec->uid ? "1\n" : "0\n", 2) < 0) {
		r = sb_step(c, errno, "limit user.max_user_namespaces");
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	if (c->spec->emulate_arch) {
		r = sb_child_emulate(c, m, k->qemu_fd);
		if (r < 0)
			goto out;
	}
	r = proc_masks(c, m);
out:
	close(m);
	return r;
}

static int mount_dev(struct sb_ctx *c, int rootfd, struct captured *k)
{
	static const char *const links[][2] = {
	    {"pts/ptmx", "ptmx"},	   {"/proc/self/fd", "fd"},
	    {"/proc/self/fd/0", "stdin"},  {"/proc/self/fd/1", "stdout"},
	    {"/proc/self/fd/2", "stderr"},
	};
	int dev, fs, m, r;
	size_t i;

	dev = new_tmpfs(c, "/dev", 64u << 20, "0755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (dev < 0)
		return dev;
	r = attach(c, dev, rootfd, "/dev", false);
	if (r < 0)
		goto out;
	for (i = 0; i < N_DEV; i++) {
		int fd = openat(dev, dev_nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);

		if (fd < 0) {
			r = sb_step(c, errno, "create /dev/%s", dev_nodes[i]);
			goto out;
		}
		close(fd);
		if (pw_sys_move_mount(k->dev_fds[i], "", dev, dev_nodes[i],
				      MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			r = sb_step(c, errno, "bind /dev/%s", dev_nodes[i]);
			goto out;
		}
	}
	if (mkdirat(dev, "shm", 01777) < 0 || mkdirat(dev, "pts", 0755) < 0) {
		r = sb_step(c, errno, "create /dev/shm");
		goto out;
	}
	for (i = 0; i < PW_ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0) {
			r = sb_step(c, errno, "create /dev/%s", links[i][1]);
			goto out;
		}
	fs = pw_sys_fsopen("devpts", FSOPEN_CLOEXEC);
	if (fs < 0) {
		r = sb_step(c, errno, "fsopen devpts");
		goto out;
	}
	if (pw_sys_fsconfig(fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
	    pw_sys_fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0620", 0) < 0 ||
	    pw_sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		r = sb_step(c, errno, "mount devpts");
		close(fs);
		goto out;
	}
	m = pw_sys_fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	close(fs);
	if (m < 0 || pw_sys_move_mount(m, "", dev, "pts", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = sb_step(c, errno, "mount devpts");
	if (m >= 0)
		close(m);
out:
	close(dev);
	return r;
}

static int mount_tmp(struct sb_ctx *c, int rootfd)
{
	int t, r;

	t = new_tmpfs(c, "/tmp", c->spec->tmp_size, "1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (t < 0)
		return t;
	r = attach(c, t, rootfd, "/tmp", false);
	if (r == 0 && mkdirat(t, "home", 0755) < 0)
		r = sb_step(c, errno, "create /tmp/home");
	close(t);
	return r;
}

static int user_mounts(struct sb_ctx *c, int rootfd, struct captured *k)
{
	const struct pw_sandbox_spec *s = c->spec;
	size_t i;
	int r;

	for (i = 0; i < s->n_binds; i++) {
		const struct pw_bind *b = &s->binds[i];

		switch (b->kind) {
		case PW_BIND_RO:
		case PW_BIND_RW:
			r = attach(c, k->bind_fds[i], rootfd, b->dst, !k->bind_dir[i]);
			break;
		case PW_BIND_TMPFS: {
			int t = new_tmpfs(c, b->dst, b->size ? b->size : s->tmp_size, "0755",
					  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);

			if (t < 0)
				return t;
			r = attach(c, t, rootfd, b->dst, false);
			close(t);
			break;
		}
		case PW_BIND_SYMLINK: {
			const char *slash = strrchr(b->dst, '/');
			char parent[PATH_MAX];
			int pfd;

			snprintf(parent, sizeof(parent), "%.*s", (int)(slash - b->dst), b->dst);
			pfd = make_path(c, rootfd, parent[0] ? parent : "/", false);
			if (pfd < 0)
				return pfd;
			r = symlinkat(b->src, pfd, slash + 1);
			if (r < 0)
				r = sb_step(c, errno, "symlink '%s'", b->dst);
			close(pfd);
			break;
		}
		default:
			r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int write_at(int dirfd, const char *name, const char *data)
{
	int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return -errno;
	r = pw_write_all(fd, data, strlen(data));
	close(fd);
	return r;
}

/* A root without /etc/passwd gets a minimal /etc: the sandbox user exists
 * (whoami, getpwuid), localhost resolves, and nothing else (no
 * resolv.conf: there is no network).  A read-only /etc is left alone. */
static int minimal_etc(struct sb_ctx *c, int rootfd)
{
	const struct pw_sandbox_spec *s = c->spec;
	int fd, etc, r;

	fd = open_in_root(rootfd, "etc/passwd", O_PATH);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	etc = make_path(c, rootfd, "/etc", false);
	if (etc < 0)
		return etc == -EROFS ? 0 : etc;
	fd = openat(etc, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	close(etc);
	if (fd < 0)
		return sb_step(c, errno, "open /etc");
	r = write_etc(s, fd);
	close(fd);
	if (r < 0 && r != -EROFS && r != -EEXIST)
		return sb_step(c, -r, "write a minimal /etc");
	return 0;
}

/* The files of the minimal /etc into @fd.  0 or -errno. */
static int write_etc(const struct pw_sandbox_spec *s, int fd)
{
	char passwd[512], group[256];
	int r;

	if (s->uid)
		snprintf(passwd, sizeof(passwd),
			 "root:x:0:0:root:/root:/bin/sh\n"
			 "build:x:%u:%u:pinwheel build:/tmp/home:/bin/sh\n"
			 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
			 (unsigned)s->uid, (unsigned)s->gid);
	else
		snprintf(passwd, sizeof(passwd),
			 "root:x:0:0:root:/tmp/home:/bin/sh\n"
			 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	if (s->gid)
		snprintf(group, sizeof(group), "root:x:0:\nbuild:x:%u:\nnogroup:x:65534:\n",
			 (unsigned)s->gid);
	else
		snprintf(group, sizeof(group), "root:x:0:\nnogroup:x:65534:\n");
	r = write_at(fd, "passwd", passwd);
	if (r == 0)
		r = write_at(fd, "group", group);
	if (r == 0)
		r = write_at(fd, "hosts", "127.0.0.1\tlocalhost pinwheel\n::1\tlocalhost\n");
	return r;
}

int sb_child_mounts(struct sb_ctx *c)
{
	const struct pw_sandbox_spec *s = c->spec;
	struct captured k;
	struct mount_attr attr;
	int rootfd = -1, r;
	size_t i;

	memset(&k, 0, sizeof(k));
	k.bind_fds = pw_xcalloc(s->n_binds + 1, sizeof(int));
	k.bind_dir = pw_xcalloc(s->n_binds + 1, sizeof(bool));
	k.layer_fds = pw_xcalloc(s->n_layers + 1, sizeof(int));
	for (i = 0; i < s->n_binds; i++)
		k.bind_fds[i] = -1;
	for (i = 0; i < s->n_layers; i++)
		k.layer_fds[i] = -1;
	for (i = 0; i < N_DEV; i++)
		k.dev_fds[i] = -1;
	k.qemu_fd = -1;
	k.upper_fd = k.work_fd = -1;

	umask(0);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		r = sb_step(c, errno, "make mounts private");
		goto out;
	}
	r = capture(c, &k);
	if (r < 0)
		goto out;
	SB_PROBE_AT(SBP_C_CAPTURE);
	rootfd = compose_root(c, &k);
	if (rootfd < 0) {
		r = rootfd;
		goto out;
	}
	SB_PROBE_AT(SBP_C_ROOT);
	r = mount_proc(c, rootfd, &k);
	SB_PROBE_AT(SBP_C_PROC);
	if (r == 0)
		r = mount_dev(c, rootfd, &k);
	SB_PROBE_AT(SBP_C_DEV);
	if (r == 0)
		r = mount_tmp(c, rootfd);
	if (r == 0)
		r = user_mounts(c, rootfd, &k);
	if (r == 0)
		r = minimal_etc(c, rootfd);
	if (r < 0)
		goto out;
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (s->ro_root ? MOUNT_ATTR_RDONLY : 0);
	if (pw_sys_mount_setattr(rootfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		r = sb_step(c, errno, "make the root nosuid");
		goto out;
	}
	SB_PROBE_AT(SBP_C_TMP);
	if (fchdir(rootfd) < 0) {
		r = sb_step(c, errno, "chdir to the new root");
		goto out;
	}
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		r = sb_step(c, errno, "pivot_root");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		r = sb_step(c, errno, "detach the old root");
		goto out;
	}
	if (chdir("/") < 0)
		r = sb_step(c, errno, "chdir /");
	SB_PROBE_AT(SBP_C_PIVOT);
out:
	if (rootfd >= 0)
		close(rootfd);
	for (i = 0; i < s->n_binds; i++)
		if (k.bind_fds[i] >= 0)
			close(k.bind_fds[i]);
	for (i = 0; i < s->n_layers; i++)
		if (k.layer_fds[i] >= 0)
			close(k.layer_fds[i]);
	for (i = 0; i < N_DEV; i++)
		if (k.dev_fds[i] >= 0)
			close(k.dev_fds[i]);
	if (k.qemu_fd >= 0)
		close(k.qemu_fd);
	if (k.upper_fd >= 0)
		close(k.upper_fd);
	if (k.work_fd >= 0)
		close(k.work_fd);
	free(k.bind_fds);
	free(k.bind_dir);
	free(k.layer_fds);
	if (r < 0)
		errno = -r;
	return r;
}
