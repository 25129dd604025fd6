/* layouts.c - standalone Python and Rust dist archive layouts (see
 * layout.h). */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "pinwheel/buf.h"
#include "pinwheel/derived.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/layout.h"
#include "pinwheel/store.h"
#include "pinwheel/unpack.h"

#define SMALL_FILE_MAX (1u << 20)

const char *pw_layout_name(enum pw_layout l)
{
	switch (l) {
	case PW_LAYOUT_PYTHON_FULL:
		return "python-standalone";
	case PW_LAYOUT_PYTHON_INSTALL_ONLY:
		return "python-standalone-install-only";
	case PW_LAYOUT_RUST_DIST:
		return "rust-dist";
	default:
		return "plain";
	}
}

/* openat() that never leaves @dirfd and never follows a symlink on the way
 * (the trees come from archives: a symlink there is data). */
static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
			       .mode = (flags & O_CREAT) ? mode : 0,
			       .resolve =
				   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	long r = PW_TEMP_FAILURE_RETRY(syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));

	return r < 0 ? -1 : (int)r;
}

static bool is_file_at(int dirfd, const char *path)
{
	int fd = open_beneath(dirfd, path, O_RDONLY, 0);
	struct stat st;
	bool ok;

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	return ok;
}

static bool is_dir_at(int dirfd, const char *path)
{
	int fd = open_beneath(dirfd, path, O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The only entry of directory @fd when it is a directory; NULL otherwise.
 * Caller frees. */
static char *single_top_dir(int fd)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	struct dirent *de;
	char *top = NULL;
	size_t n = 0;
	DIR *d;

	if (dup < 0)
		return NULL;
	d = fdopendir(dup);
	if (!d) {
		close(dup);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n++ == 0)
			top = pw_xstrdup(de->d_name);
	}
	closedir(d);
	if (n != 1 || !is_dir_at(fd, top)) {
		free(top);
		return NULL;
	}
	return top;
}

int pw_layout_detect_at(int dirfd, const char *name, enum pw_layout *out, struct pw_err *e)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *top = NULL, *comp = NULL;

	*out = PW_LAYOUT_PLAIN;
	if (fd < 0)
		return pw_err_sys(e, errno, "could not open tree '%s'", name);
	if (is_file_at(fd, "python/PYTHON.json") && is_dir_at(fd, "python/install")) {
		*out = PW_LAYOUT_PYTHON_FULL;
		return 0;
	}
	if (is_file_at(fd, "python/bin/python3") && is_dir_at(fd, "python/lib")) {
		*out = PW_LAYOUT_PYTHON_INSTALL_ONLY;
		return 0;
	}
	/* A symlinked python3 is the usual case: check it as a name too. */
	if (is_dir_at(fd, "python/bin") && is_dir_at(fd, "python/lib")) {
		_cleanup_close_ int bfd = open_beneath(fd, "python/bin", O_RDONLY | O_DIRECTORY, 0);
		struct stat st;
		if (bfd >= 0 && fstatat(bfd, "python3", &st, AT_SYMLINK_NOFOLLOW) == 0) {
			*out = PW_LAYOUT_PYTHON_INSTALL_ONLY;
			return 0;
		}
	}
	top = single_top_dir(fd);
	if (top) {
		comp = pw_xasprintf("%s/components", top);
		if (is_file_at(fd, comp))
			*out = PW_LAYOUT_RUST_DIST;
	}
	return 0;
}

/* ---- standalone Python ---- */

void pw_python_desc_release(struct pw_python_desc *d)
{
	free(d->mount);
	free(d->subdir);
	free(d->python);
	free(d->version);
	free(d->cc);
	free(d->cxx);
	memset(d, 0, sizeof(*d));
}

static int read_small_at(int dirfd, const char *path, struct pw_buf *b, struct pw_err *e)
{
	_cleanup_close_ int fd = open_beneath(dirfd, path, O_RDONLY, 0);
	int r;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", path);
	r = pw_read_fd(fd, b);
	if (r == -E2BIG)
		return pw_err_set(e, E2BIG, "'%s': larger than %zu bytes", path, b->max);
	if (r < 0)
		return pw_err_sys(e, -r, "could not read '%s'", path);
	return 0;
}

/* A relative, normalised path without "..": what PYTHON.json may name. */
static bool safe_rel(const char *s)
{
	char out[PW_UNPACK_PATH_MAX + 1];
	struct pw_err e = PW_ERR_INIT;

	return pw_unpack_path(s, strlen(s), 0, NULL, out, &e) == 1 && out[0] && !strcmp(out, s);
}

static int describe_full(int fd, struct pw_python_desc *d, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(SMALL_FILE_MAX);
	const char *exe, *ver;
	json_t *j = NULL;
	int r;

	r = read_small_at(fd, "python/PYTHON.json", &b, e);
	if (r < 0)
		goto out;
	j = pw_json_load_mem("python/PYTHON.json", b.buf, b.len, e);
	if (!j) {
		r = -EBADMSG;
		goto out;
	}
	exe = json_string_value(json_object_get(j, "python_exe"));
	ver = json_string_value(json_object_get(j, "python_version"));
	if (!exe || strncmp(exe, "install/", 8) != 0 || !safe_rel(exe)) {
		r = pw_err_set(
		    e, EBADMSG,
		    "python/PYTHON.json: \"python_exe\" must be a relative path under 'install/'");
		goto out;
	}
	if (!ver || !ver[0] || strspn(ver, "0123456789.abcrcdev+") != strlen(ver)) {
		r = pw_err_set(e, EBADMSG,
			       "python/PYTHON.json: \"python_version\" must be a version");
		goto out;
	}
	{
		_cleanup_free_ char *p = pw_xasprintf("python/%s", exe);
		struct stat st;
		_cleanup_free_ char *parent = pw_xstrdup(p);
		char *slash = strrchr(parent, '/');
		_cleanup_close_ int pfd = -1;

		*slash = '\0';
		pfd = open_beneath(fd, parent, O_RDONLY | O_DIRECTORY, 0);
		if (pfd < 0 || fstatat(pfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_set(
			    e, EBADMSG,
			    "python/PYTHON.json: \"python_exe\" '%s' is not in the archive", exe);
			goto out;
		}
	}
	d->layout = PW_LAYOUT_PYTHON_FULL;
	d->subdir = pw_xstrdup("python/install");
	d->python = pw_xstrdup(exe + 8);
	d->version = pw_xstrdup(ver);
	r = 0;
out:
	json_decref(j);
	pw_buf_release(&b);
	return r;
}

/* install_only: the version is the name of lib/python3.N. */
static int describe_install_only(int fd, struct pw_python_desc *d, struct pw_err *e)
{
	int lfd = open_beneath(fd, "python/lib", O_RDONLY | O_DIRECTORY, 0);
	struct dirent *de;
	char *ver = NULL;
	DIR *dir;

	if (lfd < 0)
		return pw_err_sys(e, errno, "could not open 'python/lib'");
	dir = fdopendir(lfd);
	if (!dir) {
		close(lfd);
		return pw_err_sys(e, errno, "could not list 'python/lib'");
	}
	while ((de = readdir(dir)) != NULL) {
		const char *n = de->d_name;
		if (!strncmp(n, "python3.", 8) && n[8] &&
		    strspn(n + 8, "0123456789t") == strlen(n + 8) &&
		    (!ver || strcmp(n + 6, ver) > 0)) {
			free(ver);
			ver = pw_xstrdup(n + 6);
		}
	}
	closedir(dir);
	if (!ver)
		return pw_err_set(e, EBADMSG,
				  "python/lib: no python3.N directory to tell the version");
	d->layout = PW_LAYOUT_PYTHON_INSTALL_ONLY;
	d->subdir = pw_xstrdup("python");
	d->version = ver;
	{
		_cleanup_free_ char *p = pw_xasprintf("python/bin/python%s", ver);
		d->python = is_file_at(fd, p) ? pw_xasprintf("bin/python%s", ver)
					      : pw_xstrdup("bin/python3");
	}
	return 0;
}

int pw_python_describe_at(int dirfd, const char *name, struct pw_python_desc *d, struct pw_err *e)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	enum pw_layout l;
	int r;

	memset(d, 0, sizeof(*d));
	if (fd < 0)
		return pw_err_sys(e, errno, "could not open tree '%s'", name);
	r = pw_layout_detect_at(dirfd, name, &l, e);
	if (r < 0)
		return r;
	if (l == PW_LAYOUT_PYTHON_FULL)
		r = describe_full(fd, d, e);
	else if (l == PW_LAYOUT_PYTHON_INSTALL_ONLY)
		r = describe_install_only(fd, d, e);
	else
		r = pw_err_set(e, ENOENT,
			       "not a standalone Python archive: expected 'python/PYTHON.json' "
			       "and 'python/install/', or 'python/bin/python3'");
	if (r < 0) {
		pw_python_desc_release(d);
		return r;
	}
	d->mount = pw_xstrdup(PW_PYTHON_MOUNT);
	d->cc = pw_xstrdup("cc");
	d->cxx = pw_xstrdup("c++");
	return 0;
}

/* ---- Rust dist ---- */

struct rust {
	int srcfd; /* the top directory "{pkg}-{ver}-{triple}" */
	char **comps;
	size_t n;
};

static int mkdir_p_beneath(int dfd, const char *rel, struct pw_err *e)
{
	_cleanup_free_ char *p = pw_xstrdup(rel);
	char *s;

	for (s = p;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (p[0]) {
				int fd = open_beneath(dfd, p, O_RDONLY | O_DIRECTORY, 0);
				if (fd >= 0) {
					close(fd);
				} else if (errno == ENOENT) {
					_cleanup_free_ char *par = pw_xstrdup(p);
					char *sl = strrchr(par, '/');
					int pfd =
					    sl ? (*sl = '\0',
						  open_beneath(dfd, par, O_RDONLY | O_DIRECTORY, 0))
					       : fcntl(dfd, F_DUPFD_CLOEXEC, 0);
					if (pfd < 0 || mkdirat(pfd, sl ? sl + 1 : p, 0755) < 0) {
						int err = errno;
						if (pfd >= 0)
							close(pfd);
						return pw_err_sys(e, err, "could not create '%s'",
								  p);
					}
					close(pfd);
				} else {
					return pw_err_sys(e, errno, "'%s' is not a directory", p);
				}
			}
			*s = c;
			if (!c)
				return 0;
		}
	}
}

/* Copy the entry @rel of the component dir @cfd to the same path in @dfd:
 * files (exec bit kept, 0755/0644), symlinks, and directories whole. */
static int copy_entry(int cfd, int dfd, const char *comp, const char *rel, int depth,
		      struct pw_err *e)
{
	_cleanup_free_ char *par = pw_xstrdup(rel);
	char *sl = strrchr(par, '/');
	const char *base = sl ? sl + 1 : rel;
	_cleanup_close_ int spfd = -1, dpfd = -1;
	struct stat st;
	int r;

	if (depth > 128)
		return pw_err_set(e, ELOOP, "component '%s': '%s' nested too deep", comp, rel);
	if (sl)
		*sl = '\0';
	spfd =
	    sl ? open_beneath(cfd, par, O_RDONLY | O_DIRECTORY, 0) : fcntl(cfd, F_DUPFD_CLOEXEC, 0);
	if (spfd < 0 || fstatat(spfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pw_err_sys(e, errno, "component '%s': manifest names '%s'", comp, rel);
	if (sl) {
		r = mkdir_p_beneath(dfd, par, e);
		if (r < 0)
			return pw_err_prefix(e, "component '%s'", comp);
	}
	dpfd =
	    sl ? open_beneath(dfd, par, O_RDONLY | O_DIRECTORY, 0) : fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	if (dpfd < 0)
		return pw_err_sys(e, errno, "component '%s': could not open '%s'", comp, par);
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int in = openat(spfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int out = -1;

		if (in < 0)
			return pw_err_sys(e, errno, "component '%s': could not open '%s'", comp,
					  rel);
		out = openat(dpfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     (st.st_mode & 0111) ? 0755 : 0644);
		if (out < 0 && errno == EEXIST)
			return pw_err_set(
			    e, EEXIST,
			    "component '%s': '%s' is already provided by another component", comp,
			    rel);
		if (out < 0)
			return pw_err_sys(e, errno, "component '%s': could not create '%s'", comp,
					  rel);
		if (fchmod(out, (st.st_mode & 0111) ? 0755 : 0644) < 0 ||
		    (r = pw_copy_fd(in, out)) < 0)
			return pw_err_sys(e, errno, "component '%s': could not copy '%s'", comp,
					  rel);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PW_UNPACK_PATH_MAX + 1];
		ssize_t n = readlinkat(spfd, base, target, sizeof(target) - 1);
		if (n < 0)
			return pw_err_sys(e, errno, "component '%s': readlink '%s'", comp, rel);
		target[n] = '\0';
		if (symlinkat(target, dpfd, base) < 0)
			return errno == EEXIST
				   ? pw_err_set(e, EEXIST,
						"component '%s': '%s' is already provided by "
						"another component",
						comp, rel)
				   : pw_err_sys(e, errno, "component '%s': symlink '%s'", comp,
						rel);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int sfd =
		    openat(spfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct dirent *de;
		char **names = NULL;
		size_t n = 0, i;
		DIR *d;

		r = mkdir_p_beneath(dfd, rel, e);
		if (r < 0)
			return pw_err_prefix(e, "component '%s'", comp);
		if (sfd < 0 || !(d = fdopendir(sfd)))
			return pw_err_sys(e, errno, "component '%s': could not list '%s'", comp,
					  rel);
		sfd = -1; /* now owned by d */
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				names = pw_xrealloc(names, (n + 1) * sizeof(*names));
				names[n++] = pw_xasprintf("%s/%s", rel, de->d_name);
			}
		closedir(d);
		for (i = 0, r = 0; i < n; i++) {
			if (r == 0)
				r = copy_entry(cfd, dfd, comp, names[i], depth + 1, e);
			free(names[i]);
		}
		free(names);
		return r;
	}
	return pw_err_set(e, EINVAL, "component '%s': '%s' is not a file, directory or symlink",
			  comp, rel);
}

static int merge_component(struct rust *ru, int dfd, const char *comp, struct pw_err *e)
{
	_cleanup_free_ char *mf = pw_xasprintf("%s/manifest.in", comp);
	struct pw_buf b = PW_BUF_INIT(16u << 20);
	_cleanup_close_ int cfd = open_beneath(ru->srcfd, comp, O_RDONLY | O_DIRECTORY, 0);
	char *line, *save = NULL;
	unsigned lineno = 0;
	int r;

	if (cfd < 0)
		return pw_err_sys(e, errno, "component '%s': no directory '%s'", comp, comp);
	r = read_small_at(ru->srcfd, mf, &b, e);
	if (r < 0)
		goto out;
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char norm[PW_UNPACK_PATH_MAX + 1];
		const char *rel;
		struct pw_err pe = PW_ERR_INIT;

		lineno++;
		if (!strncmp(line, "file:", 5) || !strncmp(line, "dir:", 4))
			rel = strchr(line, ':') + 1;
		else {
			r = pw_err_set(e, EBADMSG,
				       "'%s' line %u: expected 'file:PATH' or 'dir:PATH'", mf,
				       lineno);
			goto out;
		}
		if (pw_unpack_path(rel, strlen(rel), 0, NULL, norm, &pe) != 1 || !norm[0]) {
			r = pw_err_set(e, EPERM, "'%s' line %u: unsafe path '%s'%s%s", mf, lineno,
				       rel, pe.msg[0] ? ": " : "", pe.msg);
			goto out;
		}
		r = copy_entry(cfd, dfd, comp, norm, 0, e);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	pw_buf_release(&b);
	return r;
}

static int build_rust(void *ud, int dfd, json_t *rec, struct pw_err *e)
{
	struct rust *ru = ud;
	json_t *list = json_array();
	size_t i;
	int r;

	if (!list)
		return pw_err_set(e, ENOMEM, "out of memory");
	json_object_set_new(rec, "components", list);
	for (i = 0; i < ru->n; i++) {
		r = merge_component(ru, dfd, ru->comps[i], e);
		if (r < 0)
			return r;
		json_array_append_new(list, json_string(ru->comps[i]));
	}
	return 0;
}

/* The component names the dist lists (one per line in "components"). */
static int read_components(int srcfd, char ***out, size_t *n, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	char *line, *save = NULL;
	int r = read_small_at(srcfd, "components", &b, e);

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!line[0])
			continue;
		if (strchr(line, '/') || !strcmp(line, ".") || !strcmp(line, "..")) {
			r = pw_err_set(e, EBADMSG, "'components': bad component name '%.60s'",
				       line);
			pw_buf_release(&b);
			return r;
		}
		*out = pw_xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = pw_xstrdup(line);
	}
	pw_buf_release(&b);
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int pw_rust_dist_merge(struct pw_store *s, int dirfd, const char *name, const char *src_id,
		       const char *const *components, size_t ncomponents, char **path, bool *cached,
		       struct pw_err *e)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *top = NULL;
	struct rust ru = {.srcfd = -1};
	struct pw_buf key = PW_BUF_INIT(SIZE_MAX);
	char **listed = NULL, id[PW_SHA256_HEX];
	size_t nlisted = 0, i, k;
	bool has_std = false;
	int r;

	if (path)
		*path = NULL;
	*cached = false;
	if (fd < 0)
		return pw_err_sys(e, errno, "could not open tree '%s'", name);
	top = single_top_dir(fd);
	if (!top)
		return pw_err_set(e, ENOENT,
				  "not a Rust dist archive: expected one top directory "
				  "'{pkg}-{ver}-{triple}' with a 'components' file");
	ru.srcfd = openat(fd, top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ru.srcfd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", top);
	r = read_components(ru.srcfd, &listed, &nlisted, e);
	if (r < 0) {
		pw_err_prefix(e, "Rust dist '%s'", top);
		goto out;
	}
	if (components) {
		for (i = 0; i < ncomponents; i++) {
			for (k = 0; k < nlisted && strcmp(listed[k], components[i]); k++)
				;
			if (k == nlisted) {
				r = pw_err_set(e, ENOENT,
					       "Rust dist '%s': no component '%s' in 'components'",
					       top, components[i]);
				goto out;
			}
			ru.comps = pw_xrealloc(ru.comps, (ru.n + 1) * sizeof(*ru.comps));
			ru.comps[ru.n++] = pw_xstrdup(components[i]);
		}
	} else {
		static const char *const need[] = {"rustc", "cargo"};
		for (i = 0; i < PW_ARRAY_SIZE(need); i++) {
			for (k = 0; k < nlisted && strcmp(listed[k], need[i]); k++)
				;
			if (k == nlisted) {
				r = pw_err_set(e, ENOENT,
					       "Rust dist '%s': no component '%s' in 'components'",
					       top, need[i]);
				goto out;
			}
			ru.comps = pw_xrealloc(ru.comps, (ru.n + 1) * sizeof(*ru.comps));
			ru.comps[ru.n++] = pw_xstrdup(need[i]);
		}
		for (k = 0; k < nlisted; k++)
			if (!strncmp(listed[k], "rust-std-", 9)) {
				ru.comps = pw_xrealloc(ru.comps, (ru.n + 1) * sizeof(*ru.comps));
				ru.comps[ru.n++] = pw_xstrdup(listed[k]);
				has_std = true;
			}
		if (!has_std) {
			r = pw_err_set(e, ENOENT,
				       "Rust dist '%s': no 'rust-std-<triple>' component", top);
			goto out;
		}
	}
	pw_buf_addf(&key, "rust-dist-v1;%s;", src_id);
	for (i = 0; i < ru.n; i++)
		pw_buf_addf(&key, "%s%s", i ? "," : "", ru.comps[i]);
	pw_sha256_mem(key.buf, key.len, id);
	r = pw_derived_tree_make(s, id, "rust-dist", build_rust, &ru, path, cached, e);
	if (r < 0)
		pw_err_prefix(e, "Rust dist '%s'", top);
out:
	pw_buf_release(&key);
	free_strv(listed, nlisted);
	free_strv(ru.comps, ru.n);
	pw_closep(&ru.srcfd);
	return r;
}
