/* deb_root.c - turn fetched .debs into one merged root tree, and the
 * fix-ups that maintainer scripts would have made (docs/debian.md
 * "Fix-ups"; the table below is the one place they are listed).
 *
 * Each .deb's data.tar is unpacked (pw_unpack_fd, which reads the ar and
 * refuses anything unsafe) into a fresh staging directory beside the root,
 * and its entries are then moved into the root with renameat(), mapping
 * the top-level bin, sbin and lib* directories into usr/ (merged /usr, as
 * the usrmerge package does on bookworm and earlier).  A root of several
 * hundred packages is thus one directory tree, not several hundred
 * overlay layers.  The result is a store tree keyed by the ordered .deb
 * digests and the fix-up version.
 */
#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "pinwheel/buf.h"
#include "pinwheel/debian.h"
#include "pinwheel/derived.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/store.h"
#include "pinwheel/unpack.h"

/* The top-level directories that merged /usr turns into links. */
static const char *const usr_dirs[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

static bool is_usr_dir(const char *name)
{
	size_t i;

	for (i = 0; i < PW_ARRAY_SIZE(usr_dirs); i++)
		if (!strcmp(name, usr_dirs[i]))
			return true;
	return false;
}



static int open_dir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Open (creating with 0755 when missing) directory @name under @dirfd. */
static int mkdir_open_at(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -1;
	return open_dir_at(dirfd, name);
}

/* Move the content of @sfd into @dfd; @path names the directory in errors. */
static int merge_dir(int sfd, int dfd, const char *path, struct pw_err *e)
{
	char **names;
	size_t n, i;
	int r;

	r = pw_list_dir_sorted(sfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list '%s'", path);
	for (i = 0; i < n && r == 0; i++) {
		const char *nm = names[i];
		_cleanup_free_ char *sub = pw_xasprintf("%s%s%s", path, *path ? "/" : "", nm);
		struct stat ss, ds;

		if (fstatat(sfd, nm, &ss, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "could not stat '%s'", sub);
			break;
		}
		if (fstatat(dfd, nm, &ds, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) {
				r = pw_err_sys(e, errno, "could not stat '%s' in the root", sub);
				break;
			}
			/* Absent: move the entry (a whole subtree at once). */
			if (renameat(sfd, nm, dfd, nm) < 0)
				r = pw_err_sys(e, errno, "could not move '%s' into the root", sub);
			continue;
		}
		if (S_ISDIR(ss.st_mode) && S_ISDIR(ds.st_mode)) {
			_cleanup_close_ int s2 = open_dir_at(sfd, nm), d2 = open_dir_at(dfd, nm);

			if (s2 < 0 || d2 < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", sub);
				break;
			}
			r = merge_dir(s2, d2, sub, e);
			if (r == 0 && fchmod(d2, ss.st_mode & 0777) < 0)
				r = pw_err_sys(e, errno, "could not chmod '%s'", sub);
			continue;
		}
		if (S_ISDIR(ss.st_mode) || S_ISDIR(ds.st_mode)) {
			r = pw_err_set(e, EEXIST,
				       "'%s' is a directory in one package and not in another",
				       sub);
			break;
		}
		/* File or symlink over file or symlink: the later package wins. */
		if (renameat(sfd, nm, dfd, nm) < 0)
			r = pw_err_sys(e, errno, "could not move '%s' into the root", sub);
	}
	pw_free_names(names, n);
	return r;
}

int pw_deb_merge_into(int srcfd, int dstfd, struct pw_err *e)
{
	char **names;
	size_t n, i;
	int r;

	r = pw_list_dir_sorted(srcfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list a staging directory");
	for (i = 0; i < n && r == 0; i++) {
		const char *nm = names[i];
		struct stat ss;

		if (!is_usr_dir(nm))
			continue;
		if (fstatat(srcfd, nm, &ss, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "could not stat '%s'", nm);
			break;
		}
		if (S_ISLNK(ss.st_mode)) {
			/* A package shipping the merged-/usr link itself
			 * (base-files on newer suites): the fix-ups make it. */
			if (unlinkat(srcfd, nm, 0) < 0)
				r = pw_err_sys(e, errno, "could not drop '%s'", nm);
			continue;
		}
		if (S_ISDIR(ss.st_mode)) {
			_cleanup_close_ int usr = mkdir_open_at(dstfd, "usr");
			_cleanup_close_ int d = -1, s = -1;
			_cleanup_free_ char *path = pw_xasprintf("usr/%s", nm);

			if (usr < 0 || (d = mkdir_open_at(usr, nm)) < 0 ||
			    (s = open_dir_at(srcfd, nm)) < 0) {
				r = pw_err_sys(e, errno, "could not make '%s' in the root", path);
				break;
			}
			r = merge_dir(s, d, path, e);
			/* Only empty directories are left behind. */
			if (r == 0 && (r = pw_rm_rf_at(srcfd, nm)) < 0)
				r = pw_err_sys(e, -r, "could not remove the staged '%s'", nm);
		}
	}
	pw_free_names(names, n);
	if (r < 0)
		return r;
	return merge_dir(srcfd, dstfd, "", e);
}

/* ---- fix-ups ---- */

enum fx_kind {
	FX_USRMERGE, /* path -> usr/path; always (arg NULL) or when usr/path exists */
	FX_LINK,     /* path -> arg (relative), when the target exists and path does not */
	FX_COPY,     /* path from arg when path is missing, else the fallback text */
	FX_DIR,	     /* an empty directory (mount point) */
	FX_CA_BUNDLE, /* path = the bundle made from the certificates under arg */
};

struct fixup {
	enum fx_kind kind;
	const char *path;
	const char *arg;
	const char *fallback;
	const char *why; /* what maintainer script this replaces */
};

/* THE table (docs/debian.md mirrors it).  Bump PW_DEB_FIXUPS_VERSION when
 * it changes: roots are keyed by it. */
static const struct fixup fixups[] = {
    {FX_USRMERGE, "bin", "always", NULL, "usrmerge / base-files: merged /usr"},
    {FX_USRMERGE, "sbin", "always", NULL, "usrmerge / base-files: merged /usr"},
    {FX_USRMERGE, "lib", "always", NULL, "usrmerge / base-files: merged /usr"},
    {FX_USRMERGE, "lib32", NULL, NULL, "usrmerge: merged /usr (multilib)"},
    {FX_USRMERGE, "lib64", NULL, NULL, "usrmerge: merged /usr (ELF interpreter on amd64)"},
    {FX_USRMERGE, "libx32", NULL, NULL, "usrmerge: merged /usr (x32)"},
    {FX_LINK, "usr/bin/sh", "dash", NULL, "dash postinst: /bin/sh"},
    {FX_LINK, "usr/bin/cc", "gcc", NULL, "gcc postinst: cc alternative"},
    {FX_LINK, "usr/bin/c++", "g++", NULL, "g++ postinst: c++ alternative"},
    {FX_LINK, "usr/bin/awk", "mawk", NULL, "mawk postinst: awk alternative"},
    {FX_LINK, "usr/bin/which", "which.debianutils", NULL,
     "debianutils postinst: which alternative"},
    {FX_COPY, "etc/passwd", "usr/share/base-passwd/passwd.master",
     "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
     "base-passwd preinst: /etc/passwd"},
    {FX_COPY, "etc/group", "usr/share/base-passwd/group.master", "root:x:0:\nnogroup:x:65534:\n",
     "base-passwd preinst: /etc/group"},
    {FX_CA_BUNDLE, "etc/ssl/certs/ca-certificates.crt", "usr/share/ca-certificates", NULL,
     "ca-certificates postinst (update-ca-certificates): the trusted bundle"},
    {FX_DIR, "dev", NULL, NULL, "mount point"},
    {FX_DIR, "proc", NULL, NULL, "mount point"},
    {FX_DIR, "sys", NULL, NULL, "mount point"},
    {FX_DIR, "tmp", NULL, NULL, "mount point"},
    {FX_DIR, "run", NULL, NULL, "mount point"},
    {FX_DIR, "root", NULL, NULL, "home of root"},
    {FX_DIR, "home", NULL, NULL, "mount point"},
};

/* Open the directory @rel (components separated by '/') under @rootfd
 * without following any symlink; with @create, make missing ones. */
static int open_rel_dir(int rootfd, const char *rel, bool create)
{
	_cleanup_free_ char *copy = pw_xstrdup(rel);
	char *save = NULL, *c;
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	for (c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = create ? mkdir_open_at(fd, c) : open_dir_at(fd, c);
		int err = errno;

		close(fd);
		if (next < 0) {
			errno = err;
			return -1;
		}
		fd = next;
	}
	return fd;
}

/* Split "a/b/c" into dir "a/b" and base "c" (dir "" for "c"). */
static void split_path(const char *p, char **dir, const char **base)
{
	const char *slash = strrchr(p, '/');

	*dir = slash ? pw_xasprintf("%.*s", (int)(slash - p), p) : pw_xstrdup("");
	*base = slash ? slash + 1 : p;
}

static bool exists_at(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int fx_usrmerge(int rootfd, const struct fixup *f, struct pw_err *e)
{
	_cleanup_close_ int usr = -1;
	_cleanup_free_ char *target = pw_xasprintf("usr/%s", f->path);
	struct stat st;

	if (fstatat(rootfd, f->path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return 0;
		/* A directory left by an earlier layout: merge it first. */
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int s = open_dir_at(rootfd, f->path), d = -1;
			int r;

			usr = mkdir_open_at(rootfd, "usr");
			if (s < 0 || usr < 0 || (d = mkdir_open_at(usr, f->path)) < 0)
				return pw_err_sys(e, errno, "fix-up '/%s'", f->path);
			r = merge_dir(s, d, target, e);
			if (r < 0)
				return r;
			/* Only empty directories are left behind. */
			r = pw_rm_rf_at(rootfd, f->path);
			if (r < 0)
				return pw_err_sys(e, -r, "fix-up '/%s': remove", f->path);
		} else {
			return pw_err_set(e, EEXIST, "fix-up '/%s': not a directory or link",
					  f->path);
		}
	}
	usr = open_rel_dir(rootfd, "usr", !!f->arg);
	if (usr < 0) {
		if (errno == ENOENT && !f->arg)
			return 0;
		return pw_err_sys(e, errno, "fix-up '/%s': usr", f->path);
	}
	if (!exists_at(usr, f->path)) {
		if (!f->arg)
			return 0;
		if (mkdirat(usr, f->path, 0755) < 0)
			return pw_err_sys(e, errno, "fix-up '/%s': mkdir '%s'", f->path, target);
	}
	if (symlinkat(target, rootfd, f->path) < 0)
		return pw_err_sys(e, errno, "fix-up '/%s': symlink", f->path);
	return 0;
}

static int fx_link(int rootfd, const struct fixup *f, struct pw_err *e)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1;
	const char *base;

	split_path(f->path, &dir, &base);
	dfd = open_rel_dir(rootfd, dir, false);
	if (dfd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP
			   ? 0
			   : pw_err_sys(e, errno, "fix-up '/%s'", f->path);
	if (exists_at(dfd, base) || !exists_at(dfd, f->arg))
		return 0;
	if (symlinkat(f->arg, dfd, base) < 0)
		return pw_err_sys(e, errno, "fix-up '/%s': symlink", f->path);
	return 0;
}

static int fx_copy(int rootfd, const struct fixup *f, struct pw_err *e)
{
	_cleanup_free_ char *dir = NULL, *sdir = NULL;
	_cleanup_close_ int dfd = -1, sfd = -1, in = -1, out = -1;
	struct pw_buf b = PW_BUF_INIT(1u << 20);
	const char *base, *sbase;
	int r;

	split_path(f->path, &dir, &base);
	dfd = open_rel_dir(rootfd, dir, true);
	if (dfd < 0)
		return pw_err_sys(e, errno, "fix-up '/%s'", f->path);
	if (exists_at(dfd, base))
		return 0;
	split_path(f->arg, &sdir, &sbase);
	sfd = open_rel_dir(rootfd, sdir, false);
	if (sfd >= 0)
		in = openat(sfd, sbase, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in >= 0) {
		r = pw_read_fd(in, &b);
		if (r < 0) {
			pw_buf_release(&b);
			return pw_err_sys(e, -r, "fix-up '/%s': read '/%s'", f->path, f->arg);
		}
	} else {
		pw_buf_adds(&b, f->fallback);
	}
	out = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	r = out < 0 ? -errno : pw_write_all(out, b.buf, b.len);
	pw_buf_release(&b);
	if (r < 0)
		return pw_err_sys(e, -r, "fix-up '/%s': write", f->path);
	return 0;
}

/* What update-ca-certificates does on a fresh install, where the postinst
 * selects every certificate the package ships: concatenate
 * arg/<dir>/<name>.crt, in sorted order, each ending in a newline, into
 * path.  Nothing when the root has no ca-certificates. */
static int fx_ca_bundle(int rootfd, const struct fixup *f, struct pw_err *e)
{
	_cleanup_close_ int src = open_rel_dir(rootfd, f->arg, false);
	_cleanup_close_ int dst = -1;
	_cleanup_free_ char *dir = NULL;
	struct pw_buf b = PW_BUF_INIT(64u << 20);
	const char *base;
	char **subs = NULL;
	size_t nsubs = 0, i, j;
	int r;

	if (src < 0)
		return errno == ENOENT ? 0 : pw_err_sys(e, errno, "fix-up '/%s'", f->arg);
	r = pw_list_dir_sorted(src, &subs, &nsubs);
	for (i = 0; i < nsubs && r == 0; i++) {
		_cleanup_close_ int sd = open_dir_at(src, subs[i]);
		char **names = NULL;
		size_t n = 0;

		if (sd < 0)
			continue; /* not a directory */
		r = pw_list_dir_sorted(sd, &names, &n);
		for (j = 0; j < n && r == 0; j++) {
			size_t len = strlen(names[j]);
			_cleanup_close_ int fd = -1;

			if (len < 5 || strcmp(names[j] + len - 4, ".crt") != 0)
				continue;
			fd = openat(sd, names[j], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				r = -errno;
				break;
			}
			r = pw_read_fd(fd, &b);
			if (r == 0 && b.len && b.buf[b.len - 1] != '\n')
				r = pw_buf_add(&b, "\n", 1);
		}
		pw_free_names(names, n);
	}
	pw_free_names(subs, nsubs);
	if (r < 0) {
		pw_buf_release(&b);
		return pw_err_sys(e, -r, "fix-up '/%s': could not read the certificates", f->path);
	}
	split_path(f->path, &dir, &base);
	dst = open_rel_dir(rootfd, dir, true);
	if (dst < 0) {
		pw_buf_release(&b);
		return pw_err_sys(e, errno, "fix-up '/%s'", dir);
	}
	{
		_cleanup_close_ int out =
		    openat(dst, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (out < 0)
			r = errno == EEXIST ? 0 : pw_err_sys(e, errno, "fix-up '/%s'", f->path);
		else if ((r = pw_write_all(out, b.buf, b.len)) < 0)
			pw_err_sys(e, -r, "fix-up '/%s'", f->path);
	}
	pw_buf_release(&b);
	return r;
}

int pw_deb_fixups_apply(int rootfd, const char *arch, struct pw_err *e)
{
	size_t i;
	int r = 0;

	(void)arch; /* the table is the same for every architecture so far */
	for (i = 0; i < PW_ARRAY_SIZE(fixups) && r == 0; i++) {
		const struct fixup *f = &fixups[i];

		switch (f->kind) {
		case FX_USRMERGE:
			r = fx_usrmerge(rootfd, f, e);
			break;
		case FX_LINK:
			r = fx_link(rootfd, f, e);
			break;
		case FX_COPY:
			r = fx_copy(rootfd, f, e);
			break;
		case FX_CA_BUNDLE:
			r = fx_ca_bundle(rootfd, f, e);
			break;
		case FX_DIR:
			if (mkdirat(rootfd, f->path, 0755) < 0 && errno != EEXIST)
				r = pw_err_sys(e, errno, "fix-up '/%s'", f->path);
			break;
		}
	}
	return r;
}

/* ---- the root tree in the store ---- */

char *pw_debian_root_id(const struct pw_deb_artifact *a, size_t n, const char *arch)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	char hex[PW_SHA256_HEX];
	size_t i;

	pw_buf_addf(&b, "debian-root;fixups=%d;arch=%s;", PW_DEB_FIXUPS_VERSION, arch);
	for (i = 0; i < n; i++)
		pw_buf_addf(&b, "%s;", a[i].sha256);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
	return pw_xstrdup(hex);
}

/* trees/<id>.json for a root: the store's record format with an empty
 * blob, plus what the root is made of. */
/* Add what the root is made of to its store record (trees/<id>.json). */
static int fill_root_record(json_t *record, const char *arch, const struct pw_deb_artifact *a,
			    size_t n, struct pw_err *e)
{
	json_t *debs = json_array();
	size_t i;

	if (!debs)
		return pw_err_set(e, ENOMEM, "could not build the root record");
	for (i = 0; i < n; i++)
		json_array_append_new(debs,
				      json_pack("{s:s, s:s, s:s}", "package", a[i].package,
						"version", a[i].version, "sha256", a[i].sha256));
	if (json_object_set_new(record, "debs", debs) < 0 ||
	    json_object_set_new(record, "arch", json_string(arch)) < 0 ||
	    json_object_set_new(record, "fixups", json_integer(PW_DEB_FIXUPS_VERSION)) < 0)
		return pw_err_set(e, ENOMEM, "could not build the root record");
	return 0;
}

/* Unpacking runs ahead of merging: worker threads unpack the .debs into
 * their own staging directories (at most UNPACK_AHEAD ahead of the merge,
 * to bound the disk used twice), while the calling thread merges them into
 * the root strictly in the lock's order, so the result does not depend on
 * which worker finished first. */
#define UNPACK_AHEAD 6
#define UNPACK_WORKERS_MAX 4

struct upjob {
	const struct pw_deb_artifact *a;
	char *blob;
	char *stage;
	bool done;
	int r;
	struct pw_err e;
};

struct uppool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct upjob *jobs;
	size_t n, next, merged;
	bool stop;
	int tmpfd;
};

static int unpack_job(int tmpfd, struct upjob *j)
{
	_cleanup_close_ int bfd = -1, sfd = -1;
	struct pw_unpack_opts uo = {0};
	int r;

	bfd = open(j->blob, O_RDONLY | O_CLOEXEC);
	if (bfd < 0)
		return pw_err_sys(&j->e, errno, "package '%s': blob '%s'", j->a->package, j->blob);
	if (mkdirat(tmpfd, j->stage, 0755) < 0)
		return pw_err_sys(&j->e, errno, "could not create 'tmp/%s'", j->stage);
	sfd = open_dir_at(tmpfd, j->stage);
	if (sfd < 0)
		return pw_err_sys(&j->e, errno, "could not open 'tmp/%s'", j->stage);
	r = pw_unpack_fd(bfd, sfd, &uo, NULL, &j->e);
	if (r < 0)
		return pw_err_prefix(&j->e, "package '%s' %s", j->a->package, j->a->version);
	return 0;
}

static void *unpack_worker(void *arg)
{
	struct uppool *p = arg;

	for (;;) {
		struct upjob *j;
		int r;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->next < p->n && p->next >= p->merged + UNPACK_AHEAD)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->next >= p->n) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		j = &p->jobs[p->next++];
		pthread_mutex_unlock(&p->mu);
		r = unpack_job(p->tmpfd, j);
		pthread_mutex_lock(&p->mu);
		j->r = r;
		j->done = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Unpack and merge every artifact into @rootfd (staging dirs "@name.N"
 * under @tmpfd, all removed before returning). */
static int unpack_all(struct pw_store *store, int tmpfd, const char *name, int rootfd,
		      const struct pw_deb_artifact *a, size_t n, struct pw_err *e)
{
	struct uppool p = {.n = n, .tmpfd = tmpfd};
	pthread_t th[UNPACK_WORKERS_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nth = ncpu < 1 ? 1 : ncpu > UNPACK_WORKERS_MAX ? UNPACK_WORKERS_MAX : (size_t)ncpu;
	size_t i, started = 0;
	int r = 0;

	if (n == 0)
		return 0;
	p.jobs = pw_xcalloc(n, sizeof(*p.jobs));
	for (i = 0; i < n; i++) {
		p.jobs[i].a = &a[i];
		p.jobs[i].blob = pw_store_blob_path(store, a[i].sha256);
		p.jobs[i].stage = pw_xasprintf("%s.%zu", name, i);
		pw_rm_rf_at(tmpfd, p.jobs[i].stage);
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (nth > n)
		nth = n;
	for (i = 0; i < nth; i++) {
		int err = pthread_create(&th[started], NULL, unpack_worker, &p);
		if (err) {
			if (!started)
				r = pw_err_sys(e, err, "could not start an unpack thread");
			break;
		}
		started++;
	}
	for (i = 0; i < n && r == 0; i++) {
		struct upjob *j = &p.jobs[i];
		_cleanup_close_ int sfd = -1;

		pthread_mutex_lock(&p.mu);
		while (!j->done)
			pthread_cond_wait(&p.cv, &p.mu);
		pthread_mutex_unlock(&p.mu);
		if (j->r < 0) {
			*e = j->e;
			r = j->r;
			break;
		}
		sfd = open_dir_at(tmpfd, j->stage);
		if (sfd < 0) {
			r = pw_err_sys(e, errno, "could not open 'tmp/%s'", j->stage);
			break;
		}
		r = pw_deb_merge_into(sfd, rootfd, e);
		if (r < 0) {
			pw_err_prefix(e, "package '%s' %s", j->a->package, j->a->version);
			break;
		}
		r = pw_rm_rf_at(tmpfd, j->stage);
		if (r < 0) {
			pw_err_sys(e, -r, "could not remove 'tmp/%s'", j->stage);
			break;
		}
		pthread_mutex_lock(&p.mu);
		p.merged = i + 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
	}
	pthread_mutex_lock(&p.mu);
	p.stop = true;
	pthread_cond_broadcast(&p.cv);
	pthread_mutex_unlock(&p.mu);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	for (i = 0; i < n; i++) {
		if (r < 0)
			pw_rm_rf_at(tmpfd, p.jobs[i].stage);
		free(p.jobs[i].blob);
		free(p.jobs[i].stage);
	}
	free(p.jobs);
	return r;
}

struct root_build {
	struct pw_store *store;
	const struct pw_deb_artifact *a;
	size_t n;
	const char *arch;
	const char *id;
};

/* pw_derived_tree_make() callback: unpack every .deb, merge in lock order,
 * apply the fix-ups.  Staging directories live in the store's tmp/ under
 * names that start with the tree's lock key, so `store gc` leaves them
 * alone while we hold it and removes them if we are killed. */
static int build_root(void *ud, int rootfd, json_t *record, struct pw_err *e)
{
	struct root_build *b = ud;
	_cleanup_free_ char *tmpdir = pw_path_join(pw_store_dir(b->store), "tmp");
	_cleanup_free_ char *stage = pw_xasprintf("tree-%s.%ld.stage", b->id, (long)getpid());
	_cleanup_close_ int tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (tmpfd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", tmpdir);
	r = unpack_all(b->store, tmpfd, stage, rootfd, b->a, b->n, e);
	if (r == 0)
		r = pw_deb_fixups_apply(rootfd, b->arch, e);
	if (r == 0)
		r = fill_root_record(record, b->arch, b->a, b->n, e);
	return r;
}

int pw_debian_make_root(struct pw_store *store, const struct pw_deb_artifact *a, size_t n,
			const char *arch, char **path, bool *cached, struct pw_err *e)
{
	_cleanup_free_ char *id = pw_debian_root_id(a, n, arch);
	struct root_build b = { store, a, n, arch, id };

	return pw_derived_tree_make(store, id, "debian-root", build_root, &b, path, cached, e);
}
