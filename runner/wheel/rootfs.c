/* rootfs.c - a composed root (the layers and binds of a sandbox spec) read
 * from the host, as its own processes would see it: paths resolved
 * inside the root (symlinks followed from the root, never on the host,
 * openat2 RESOLVE_BENEATH in each layer), the library path of its
 * ld.so.conf.  The repair finds the libraries it vendors here, the audit
 * the glibc it checks unversioned imports against.  See rootfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "pinwheel/audit.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sandbox.h"
#include "rootfs.h"

#define MAX_HOPS 40

int pw_rootfs_open(struct pw_rootfs *r, const struct pw_sandbox_spec *s, struct pw_err *e)
{
	memset(r, 0, sizeof(*r));
	r->fds = pw_xcalloc(s->n_layers ? s->n_layers : 1, sizeof(int));
	for (; r->n < s->n_layers; r->n++) {
		r->fds[r->n] = open(s->layers[r->n], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r->fds[r->n] < 0) {
			int rc = pw_err_sys(e, errno, "could not open the root layer '%s'",
					    s->layers[r->n]);

			pw_rootfs_close(r);
			return rc;
		}
	}
	r->binds = pw_xcalloc(s->n_binds ? s->n_binds : 1, sizeof(*r->binds));
	for (; r->nbinds < s->n_binds; r->nbinds++) {
		const struct pw_bind *b = &s->binds[r->nbinds];

		r->binds[r->nbinds] = (struct pw_bind){b->kind, b->src ? pw_xstrdup(b->src) : NULL,
						       pw_xstrdup(b->dst), b->size};
	}
	return 0;
}

void pw_rootfs_close(struct pw_rootfs *r)
{
	for (size_t i = 0; i < r->n; i++)
		close(r->fds[i]);
	free(r->fds);
	for (size_t i = 0; i < r->nbinds; i++) {
		free(r->binds[i].src);
		free(r->binds[i].dst);
	}
	free(r->binds);
	memset(r, 0, sizeof(*r));
}

static int open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	if (!*rel)
		rel = ".";
	return (int)PW_TEMP_FAILURE_RETRY(syscall(SYS_openat2, dirfd, rel, &how, sizeof(how)));
}

/* Open @path (absolute, symlink-free) of the root: the last bind that
 * covers it, else the topmost layer that has it.  O_PATH|O_NOFOLLOW with
 * @flags 0.  -1 with errno (ENOENT). */
static int root_open(const struct pw_rootfs *r, const char *path, int flags)
{
	for (size_t i = r->nbinds; i-- > 0;) {
		const struct pw_bind *b = &r->binds[i];
		size_t dl = strlen(b->dst);
		int dfd, fd, saved;

		if (b->kind == PW_BIND_SYMLINK || strncmp(path, b->dst, dl) ||
		    (path[dl] && path[dl] != '/' && strcmp(b->dst, "/")))
			continue;
		if (b->kind == PW_BIND_TMPFS) {
			errno = ENOENT;
			return -1;
		}
		dfd = open(b->src, O_PATH | O_CLOEXEC);
		if (dfd < 0)
			return -1;
		fd = open_beneath(dfd, path + dl + (path[dl] == '/'),
				  flags ? flags : O_PATH | O_NOFOLLOW);
		saved = errno;
		close(dfd);
		errno = saved;
		return fd;
	}
	for (size_t i = 0; i < r->n; i++) {
		int fd = open_beneath(r->fds[i], path + 1, flags ? flags : O_PATH | O_NOFOLLOW);

		if (fd >= 0 || errno != ENOENT)
			return fd;
	}
	errno = ENOENT;
	return -1;
}

/* Resolve @path inside the root (symlinks followed as the root's ld.so
 * would, absolute targets from the root) into a symlink-free absolute
 * path.  Caller frees; NULL with errno. */
static char *root_resolve(const struct pw_rootfs *r, const char *path)
{
	struct pw_buf cur = PW_BUF_INIT(PATH_MAX), rest = PW_BUF_INIT(PATH_MAX * 2);
	int hops = 0;
	char *res = NULL;

	pw_buf_adds(&rest, path);
	while (rest.len) {
		char *p = rest.buf, *slash, comp[NAME_MAX + 1], link[PATH_MAX];
		size_t cl, mark;
		struct stat st;
		ssize_t ll;
		int fd;

		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		cl = slash ? (size_t)(slash - p) : strlen(p);
		if (cl > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, cl);
		comp[cl] = 0;
		memmove(rest.buf, p + cl, strlen(p + cl) + 1);
		rest.len = strlen(rest.buf);
		if (!cl || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *ls = strrchr(cur.buf, '/');

			cur.len = ls ? (size_t)(ls - cur.buf) : 0;
			cur.buf[cur.len] = 0;
			continue;
		}
		mark = cur.len;
		pw_buf_addf(&cur, "/%s", comp);
		fd = root_open(r, cur.buf, 0);
		if (fd < 0)
			goto out;
		if (fstat(fd, &st) < 0) {
			close(fd);
			goto out;
		}
		if (!S_ISLNK(st.st_mode)) {
			close(fd);
			continue;
		}
		ll = readlinkat(fd, "", link, sizeof(link) - 1);
		close(fd);
		if (ll < 0)
			goto out;
		link[ll] = 0;
		if (++hops > MAX_HOPS) {
			errno = ELOOP;
			goto out;
		}
		cur.len = link[0] == '/' ? 0 : mark;
		cur.buf[cur.len] = 0;
		{
			char *tail = pw_xstrdup(rest.buf);

			pw_buf_reset(&rest);
			pw_buf_addf(&rest, "%s/%s", link, tail);
			free(tail);
		}
	}
	if (!cur.len)
		pw_buf_adds(&cur, "/");
	res = pw_buf_detach(&cur, NULL);
out:
	pw_buf_release(&cur);
	pw_buf_release(&rest);
	return res;
}

int pw_rootfs_read(const struct pw_rootfs *r, const char *path, struct pw_buf *b)
{
	_cleanup_free_ char *real = root_resolve(r, path);
	int fd, rc;

	if (!real)
		return -errno;
	fd = root_open(r, real, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	rc = pw_read_fd(fd, b);
	close(fd);
	return rc;
}

static void add_dir(char **dirs, size_t *n, const char *d)
{
	if (*n >= PW_ROOTFS_MAX_DIRS || d[0] != '/')
		return;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(dirs[i], d))
			return;
	dirs[(*n)++] = pw_xstrdup(d);
}

/* The directories of the root's ld.so.conf (one level of "include GLOB"). */
static void ldso_conf(const struct pw_rootfs *r, const char *path, int depth, char **dirs,
		      size_t *n)
{
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	char *line, *save = NULL;

	if (depth > 2 || pw_rootfs_read(r, path, &b) < 0)
		goto out;
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *h = strchr(line, '#'), *end;

		if (h)
			*h = 0;
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = 0;
		if (!*line)
			continue;
		if (!strncmp(line, "include", 7) && (line[7] == ' ' || line[7] == '\t')) {
			char *pat = line + 8, *slash, **names = NULL;
			_cleanup_free_ char *dir = NULL, *real = NULL;
			size_t nn = 0;
			int fd;

			while (*pat == ' ' || *pat == '\t')
				pat++;
			slash = strrchr(pat, '/');
			if (pat[0] != '/' || !slash)
				continue;
			dir = strndup(pat, (size_t)(slash - pat) + 1);
			real = dir ? root_resolve(r, dir) : NULL;
			fd = real ? root_open(r, real, O_RDONLY | O_DIRECTORY) : -1;
			if (fd < 0 || pw_list_dir_sorted(fd, &names, &nn) < 0) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			close(fd);
			for (size_t i = 0; i < nn; i++)
				if (!fnmatch(slash + 1, names[i], 0)) {
					_cleanup_free_ char *p =
					    pw_xasprintf("%s%s", dir, names[i]);

					ldso_conf(r, p, depth + 1, dirs, n);
				}
			pw_free_names(names, nn);
			continue;
		}
		add_dir(dirs, n, line);
	}
out:
	pw_buf_release(&b);
}

static const char *triplet(const char *arch)
{
	static const struct {
		const char *arch, *triplet;
	} t[] = {
	    {"x86_64", "x86_64-linux-gnu"},   {"aarch64", "aarch64-linux-gnu"},
	    {"i686", "i386-linux-gnu"},	      {"ppc64le", "powerpc64le-linux-gnu"},
	    {"s390x", "s390x-linux-gnu"},     {"armv7l", "arm-linux-gnueabihf"},
	    {"riscv64", "riscv64-linux-gnu"},
	};

	for (size_t i = 0; arch && i < PW_ARRAY_SIZE(t); i++)
		if (!strcmp(arch, t[i].arch))
			return t[i].triplet;
	return NULL;
}

size_t pw_rootfs_lib_dirs(const struct pw_rootfs *r, const char *arch, char **dirs)
{
	const char *t = triplet(arch);
	size_t n = 0;
	bool is64 = arch && (strstr(arch, "64") || !strcmp(arch, "s390x"));

	ldso_conf(r, "/etc/ld.so.conf", 0, dirs, &n);
	if (t) {
		_cleanup_free_ char *a = pw_xasprintf("/lib/%s", t),
				    *b = pw_xasprintf("/usr/lib/%s", t);

		add_dir(dirs, &n, a);
		add_dir(dirs, &n, b);
	}
	if (is64) {
		add_dir(dirs, &n, "/lib64");
		add_dir(dirs, &n, "/usr/lib64");
	}
	add_dir(dirs, &n, "/lib");
	add_dir(dirs, &n, "/usr/lib");
	return n;
}

int pw_rootfs_find_lib(const struct pw_rootfs *r, char **dirs, size_t ndirs, const char *lib,
		       const char *arch, int machine, int elfclass, struct pw_buf *b,
		       struct pw_err *e)
{
	struct pw_buf list = PW_BUF_INIT(4096);
	int rc;

	for (size_t i = 0; i < ndirs; i++) {
		_cleanup_free_ char *p = pw_path_join(dirs[i], lib);
		struct pw_elf_info info;
		struct pw_err ee = PW_ERR_INIT;

		pw_buf_reset(b);
		if (pw_rootfs_read(r, p, b) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (pw_elf_read(b->buf, b->len, lib, &info, &ee) < 0)
			continue;
		rc = arch ? info.arch && !strcmp(info.arch, arch)
			  : info.machine == machine && info.elfclass == elfclass;
		pw_elf_info_release(&info);
		if (rc) {
			pw_buf_release(&list);
			return 0;
		}
	}
	for (size_t i = 0; i < ndirs && i < 4; i++)
		pw_buf_addf(&list, "%s%s", i ? ", " : "", dirs[i]);
	if (ndirs > 4)
		pw_buf_adds(&list, ", ...");
	rc = pw_err_set(e, ENOENT, "%s: not found in the root's library path (%s)", lib, list.buf);
	pw_buf_release(&list);
	return rc;
}
