/* source.c - export a project for a build: the files git tracks (or the
 * directory minus build artefacts), its tree hash, the version as
 * setuptools_scm's default scheme would give it, and SOURCE_DATE_EPOCH
 * from the last commit (include/pinwheel/build.h). */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pinwheel/build.h"
#include "pinwheel/buf.h"
#include "pinwheel/child.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/treehash.h"
#include "pinwheel/unpack.h"

#define GIT_OUT_MAX (64u << 20)

void pw_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* Run git with a cleared environment in @dir; its stdout into @out
 * (capped), stderr discarded.  Returns git's exit status (>= 0) or
 * -errno when it could not be run. */
static int run_git(const char *dir, const char *const *args, struct pw_buf *out)
{
	char *env[] = {(char *)"PATH=/usr/bin:/bin", (char *)"LC_ALL=C",
		       (char *)"GIT_CONFIG_NOSYSTEM=1", (char *)"GIT_CONFIG_GLOBAL=/dev/null",
		       (char *)"GIT_OPTIONAL_LOCKS=0", (char *)"HOME=/nonexistent", NULL};
	char *argv[24];
	size_t n = 0;
	int p[2], st, r;
	pid_t pid, parent = getpid();

	argv[n++] = (char *)"git";
	argv[n++] = (char *)"-c";
	argv[n++] = (char *)"safe.directory=*";
	argv[n++] = (char *)"-C";
	argv[n++] = (char *)dir;
	for (; *args && n < PW_ARRAY_SIZE(argv) - 1; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		if (pw_child_die_with_parent(parent) < 0 || nul < 0 || dup2(nul, 0) < 0 ||
		    dup2(p[1], 1) < 0 || dup2(nul, 2) < 0)
			_exit(127);
		execvpe("git", argv, env);
		_exit(127);
	}
	close(p[1]);
	r = pw_read_fd(p[0], out);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (r < 0)
		return r;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void chomp(struct pw_buf *b)
{
	while (b->len && (b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r'))
		b->buf[--b->len] = '\0';
}

/* A release version: digits separated by single dots. */
static bool release_version(const char *v)
{
	bool digit = false;

	for (; *v; v++) {
		if (*v >= '0' && *v <= '9')
			digit = true;
		else if (*v == '.' && digit)
			digit = false;
		else
			return false;
	}
	return digit;
}

int pw_scm_version(const char *describe, char **out, struct pw_err *e)
{
	const char *g, *d;
	_cleanup_free_ char *tag = NULL;
	char *last, *end;
	uint64_t dist;
	unsigned long long patch;

	g = strrchr(describe, '-');
	if (!g || g == describe || g[1] != 'g' || !g[2])
		return pw_err_set(e, EINVAL, "git describe '%s': expected TAG-N-gHASH", describe);
	for (d = g - 1; d > describe && *d != '-'; d--)
		;
	if (d == describe)
		return pw_err_set(e, EINVAL, "git describe '%s': expected TAG-N-gHASH", describe);
	{
		char num[24];
		size_t len = (size_t)(g - d - 1);

		if (len == 0 || len >= sizeof(num))
			return pw_err_set(e, EINVAL, "git describe '%s': bad distance", describe);
		memcpy(num, d + 1, len);
		num[len] = '\0';
		if (pw_parse_u64(num, &dist) < 0)
			return pw_err_set(e, EINVAL, "git describe '%s': bad distance", describe);
	}
	tag = pw_xasprintf("%.*s", (int)(d - describe), describe);
	if (tag[0] == 'v' || tag[0] == 'V')
		memmove(tag, tag + 1, strlen(tag));
	if (!release_version(tag))
		return pw_err_set(e, EINVAL,
				  "git tag '%.*s': expected a release version like 'v1.2.3'",
				  (int)(d - describe), describe);
	if (dist == 0) {
		*out = steal_pointer(&tag);
		return 0;
	}
	last = strrchr(tag, '.');
	last = last ? last + 1 : tag;
	errno = 0;
	patch = strtoull(last, &end, 10);
	if (errno || *end || patch == ULLONG_MAX)
		return pw_err_set(e, EINVAL, "git tag '%s': version part too large", tag);
	*last = '\0';
	/* no "+gHASH": a local segment is the project's choice (PyPI refuses
	 * it), never pinwheel's */
	*out = pw_xasprintf("%s%llu.dev%llu", tag, patch + 1, (unsigned long long)dist);
	return 0;
}

/* mkdir -p of the parents of @rel under @dfd. */
static int mkparents_at(int dfd, const char *rel)
{
	char path[PATH_MAX];
	size_t len = strlen(rel);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, rel, len + 1);
	for (char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdirat(dfd, path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

/* Copy @rel (a file or symlink) from @sfd to @dfd.  A missing file (git
 * knows of it, the work tree lost it) and other types are skipped:
 * returns 1.  0 when copied, -errno with e filled. */
static int copy_one(int sfd, int dfd, const char *rel, uint64_t *files, struct pw_err *e)
{
	struct stat st;
	_cleanup_close_ int in = -1, out = -1;
	int r;

	if (fstatat(sfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 1;
		return pw_err_sys(e, errno, "source '%s': stat", rel);
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return 1;
	r = mkparents_at(dfd, rel);
	if (r < 0)
		return pw_err_sys(e, -r, "export '%s': mkdir", rel);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, rel, target, sizeof(target) - 1);

		if (n < 0)
			return pw_err_sys(e, errno, "source '%s': readlink", rel);
		target[n] = '\0';
		if (symlinkat(target, dfd, rel) < 0)
			return pw_err_sys(e, errno, "export '%s': symlink", rel);
		return 0;
	}
	in = openat(sfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return pw_err_sys(e, errno, "source '%s': open", rel);
	out = openat(dfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     (st.st_mode & 0111) ? 0755 : 0644);
	if (out < 0)
		return pw_err_sys(e, errno, "export '%s': create", rel);
	if (fchmod(out, (st.st_mode & 0111) ? 0755 : 0644) < 0)
		return pw_err_sys(e, errno, "export '%s': chmod", rel);
	r = pw_copy_fd(in, out);
	if (r < 0)
		return pw_err_sys(e, -r, "export '%s': copy", rel);
	(*files)++;
	return 0;
}

static const char *const artefacts[] = {"build", "dist", "target", ".git", "__pycache__",
					"wheelhouse", "*.egg-info", ".eggs", ".tox", ".nox",
					".pytest_cache", ".mypy_cache", "*.pyc"};

static bool is_artefact(const char *name)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(artefacts); i++)
		if (!fnmatch(artefacts[i], name, 0))
			return true;
	return false;
}

static bool skipped(const char *rel, char *const *skip_rel)
{
	for (; skip_rel && *skip_rel; skip_rel++)
		if (!strcmp(rel, *skip_rel))
			return true;
	return false;
}

/* Walk @rel (a directory, "" for the top) of @sfd, copying what is not a
 * build artefact nor one of @skip_rel (NULL-ended, relative to the top). */
static int walk(int sfd, int dfd, const char *rel, char *const *skip_rel, uint64_t *files,
		int depth, struct pw_err *e)
{
	_cleanup_close_ int fd = -1;
	char **names = NULL;
	size_t n = 0, i;
	int r;

	if (depth > 256)
		return pw_err_set(e, ELOOP, "source '%s': too deep", rel);
	fd = openat(sfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pw_err_sys(e, errno, "source '%s': open", *rel ? rel : ".");
	r = pw_list_dir_sorted(fd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "source '%s': read directory", *rel ? rel : ".");
	for (i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *sub = *rel ? pw_xasprintf("%s/%s", rel, names[i])
						: pw_xstrdup(names[i]);
		struct stat st;

		if (is_artefact(names[i]) || skipped(sub, skip_rel))
			continue;
		if (fstatat(sfd, sub, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "source '%s': stat", sub);
			break;
		}
		if (S_ISDIR(st.st_mode))
			r = walk(sfd, dfd, sub, skip_rel, files, depth + 1, e);
		else
			r = copy_one(sfd, dfd, sub, files, e);
	}
	pw_free_names(names, n);
	return r < 0 ? r : 0;
}

/* The export through git: `ls-files -z`, but @skip_rel and what is
 * below @skip_under (a directory, or NULL). */
static int export_git(const char *dir, int sfd, int dfd, char *const *skip_rel,
		      const char *skip_under, uint64_t *files, struct pw_err *e)
{
	size_t ul = skip_under ? strlen(skip_under) : 0;
	const char *args[] = {"ls-files", "-z", "--cached", NULL};
	struct pw_buf out = PW_BUF_INIT(GIT_OUT_MAX);
	size_t off;
	int r;

	r = run_git(dir, args, &out);
	if (r != 0) {
		pw_buf_release(&out);
		return r < 0 ? pw_err_sys(e, -r, "'%s': git ls-files", dir)
			     : pw_err_set(e, EIO, "'%s': git ls-files exited with %d", dir, r);
	}
	r = 0;
	for (off = 0; off < out.len && r >= 0;) {
		const char *rel = out.buf + off;
		size_t len = strlen(rel);

		off += len + 1;
		if (!len || rel[0] == '/' || strstr(rel, "../") || !strcmp(rel, "..") ||
		    skipped(rel, skip_rel) ||
		    (ul && !strncmp(rel, skip_under, ul) && (!rel[ul] || rel[ul] == '/')))
			continue;
		r = copy_one(sfd, dfd, rel, files, e);
	}
	pw_buf_release(&out);
	return r < 0 ? r : 0;
}

/* Version and commit time of HEAD. */
static void git_facts(const char *dir, struct pw_source *s)
{
	const char *head[] = {"rev-parse", "HEAD", NULL};
	const char *ct[] = {"log", "-1", "--format=%ct", NULL};
	const char *desc[] = {"describe", "--tags", "--long", "--match", "*[0-9]*", NULL};
	const char *count[] = {"rev-list", "--count", "HEAD", NULL};
	const char *all[] = {"describe", "--tags", "--long", "--always", NULL};
	const char *top[] = {"rev-parse", "--show-toplevel", NULL};
	struct pw_buf b = PW_BUF_INIT(4096);
	struct pw_err e = PW_ERR_INIT;
	uint64_t n;

	if (run_git(dir, head, &b) == 0) {
		chomp(&b);
		s->commit = pw_xstrdup(b.buf);
	}
	pw_buf_reset(&b);
	if (run_git(dir, ct, &b) == 0) {
		chomp(&b);
		if (pw_parse_u64(b.buf, &n) == 0 && n < INT64_MAX)
			s->sde = (int64_t)n;
	}
	pw_buf_reset(&b);
	if (run_git(dir, desc, &b) == 0) {
		chomp(&b);
		if (pw_scm_version(b.buf, &s->version, &e) < 0)
			s->version = NULL;
	} else {
		/* no release tag: setuptools_scm's "0.1.devN", without its
		 * local "+gHASH" */
		pw_buf_reset(&b);
		if (run_git(dir, count, &b) == 0) {
			chomp(&b);
			s->version = pw_xasprintf("0.1.dev%s", b.buf);
		}
	}
	pw_buf_reset(&b);
	if (run_git(dir, all, &b) == 0) {
		chomp(&b);
		s->describe = pw_xstrdup(b.buf);
	}
	pw_buf_reset(&b);
	if (run_git(dir, top, &b) == 0) {
		_cleanup_free_ char *rtop = NULL, *rdir = realpath(dir, NULL);

		chomp(&b);
		rtop = realpath(b.buf, NULL);
		if (rtop && rdir && !strcmp(rtop, rdir)) {
			s->toplevel = steal_pointer(&rtop);
			s->subdir = pw_xstrdup("");
		} else if (rtop && rdir && strlen(rtop) > 1 && !strncmp(rdir, rtop, strlen(rtop)) &&
			   rdir[strlen(rtop)] == '/') {
			s->subdir = pw_xstrdup(rdir + strlen(rtop) + 1);
			s->toplevel = steal_pointer(&rtop);
		}
	}
	pw_buf_release(&b);
}

void pw_source_release(struct pw_source *s)
{
	free(s->commit);
	free(s->version);
	free(s->describe);
	free(s->toplevel);
	free(s->subdir);
	free(s->name);
	pw_strv_free(s->hidden);
	memset(s, 0, sizeof(*s));
}

/* Name and Version of the PKG-INFO at the top of @dfd (its header lines
 * up to the first blank line); 0 when it is a regular file with both. */
static int read_pkg_info(int dfd, struct pw_source *s)
{
	struct pw_buf b = PW_BUF_INIT(1u << 20);
	_cleanup_close_ int fd = openat(dfd, "PKG-INFO", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *line, *next;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || pw_read_fd(fd, &b) < 0) {
		pw_buf_release(&b);
		return -ENOENT;
	}
	for (line = b.buf; line && *line && *line != '\n'; line = next) {
		char **dst = NULL;
		size_t skip = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "Name:", 5))
			dst = &s->name, skip = 5;
		else if (!strncmp(line, "Version:", 8))
			dst = &s->version, skip = 8;
		if (dst && !*dst) {
			char *v = line + skip, *end;

			while (*v == ' ' || *v == '\t')
				v++;
			end = v + strlen(v);
			while (end > v && (end[-1] == ' ' || end[-1] == '\r' || end[-1] == '\t'))
				*--end = '\0';
			if (*v)
				*dst = pw_xstrdup(v);
		}
	}
	pw_buf_release(&b);
	if (!s->name || !s->version) {
		free(s->name);
	pw_strv_free(s->hidden);
		free(s->version);
		s->name = s->version = NULL;
		return -ENOENT;
	}
	return 0;
}

/* @skip_abs relative to @dir (those inside it), NULL-ended. */
static char **skip_list(const char *dir, const char *const *skip_abs)
{
	_cleanup_free_ char *rdir = realpath(dir, NULL);
	size_t n = 0, l = rdir ? strlen(rdir) : 0;
	char **v;

	for (const char *const *p = skip_abs; p && *p; p++)
		n++;
	v = pw_xcalloc(n + 1, sizeof(*v));
	n = 0;
	for (const char *const *p = skip_abs; rdir && p && *p; p++) {
		/* the file may not exist yet (pinwheel.lock): its directory's path */
		_cleanup_free_ char *r = realpath(*p, NULL), *d = NULL;
		const char *base;

		if (!r) {
			base = strrchr(*p, '/');
			d = base ? pw_xasprintf("%.*s", (int)(base - *p), *p) : pw_xstrdup(".");
			free(r);
			r = realpath(d, NULL);
			if (!r)
				continue;
			free(d);
			d = pw_xasprintf("%s/%s", r, base ? base + 1 : *p);
			free(r);
			r = steal_pointer(&d);
		}
		if (!strncmp(r, rdir, l) && r[l] == '/')
			v[n++] = pw_xstrdup(r + l + 1);
	}
	return v;
}

int pw_source_export(const char *dir, const char *dest, const char *const *skip_abs,
		     struct pw_source *s, struct pw_err *e)
{
	const char *inside[] = {"rev-parse", "--is-inside-work-tree", NULL};
	struct pw_buf b = PW_BUF_INIT(4096);
	_cleanup_close_ int sfd = -1, dfd = -1;
	char **skip = NULL;
	bool git;
	int r;

	memset(s, 0, sizeof(*s));
	s->sde = -1;
	sfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return pw_err_sys(e, errno, "project '%s'", dir);
	dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pw_err_sys(e, errno, "export directory '%s'", dest);
	skip = skip_list(dir, skip_abs);
	r = run_git(dir, inside, &b);
	chomp(&b);
	git = r == 0 && !strcmp(b.buf, "true");
	if (git) {
		size_t n = 0, k = 0;

		/* a top-level PKG-INFO is left out too: the backend writes its
		 * own; what git tracks of the left-out paths is recorded, for
		 * the repository view to mark them skip-worktree */
		while (skip[n])
			n++;
		skip = pw_xrealloc(skip, (n + 2) * sizeof(*skip));
		skip[n] = pw_xstrdup("PKG-INFO");
		skip[n + 1] = NULL;
		s->hidden = pw_xcalloc(n + 2, sizeof(*s->hidden));
		for (char **p = skip; *p; p++) {
			const char *tracked[] = {"ls-files", "--error-unmatch", "--", *p, NULL};

			pw_buf_reset(&b);
			if (run_git(dir, tracked, &b) == 0)
				s->hidden[k++] = pw_xstrdup(*p);
		}
		r = export_git(dir, sfd, dfd, skip, NULL, &s->files, e);
		if (r < 0)
			goto fail;
		/* A directory git does not track (an ignored copy inside some
		 * work tree) is exported as a plain directory. */
		git = s->files > 0;
		if (git) {
			s->kind = PW_SOURCE_GIT;
			git_facts(dir, s);
		} else {
			pw_strv_free(s->hidden);
			s->hidden = NULL;
		}
	}
	if (!git) {
		s->kind = PW_SOURCE_DIR;
		r = walk(sfd, dfd, "", skip, &s->files, 0, e);
		if (r < 0)
			goto fail;
		if (read_pkg_info(dfd, s) == 0)
			s->kind = PW_SOURCE_UNPACKED;
	}
	if (s->files == 0) {
		r = pw_err_set(e, ENOENT, "project '%s': no files to build", dir);
		goto fail;
	}
	r = pw_tree_hash_at(dfd, ".", s->tree, NULL, e);
	if (r < 0) {
		pw_err_prefix(e, "export '%s'", dest);
		goto fail;
	}
	pw_buf_release(&b);
	pw_strv_free(skip);
	return 0;
fail:
	pw_buf_release(&b);
	pw_strv_free(skip);
	pw_source_release(s);
	return r;
}

int pw_source_unpack(const char *path, const char *dest, struct pw_source *s, struct pw_err *e)
{
	struct pw_unpack_opts uo = {.strip = 1};
	_cleanup_close_ int fd = -1, dfd = -1;
	int r;

	memset(s, 0, sizeof(*s));
	s->sde = -1;
	s->kind = PW_SOURCE_SDIST;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pw_err_sys(e, errno, "sdist '%s'", path);
	dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pw_err_sys(e, errno, "'%s'", dest);
	r = pw_unpack_fd(fd, dfd, &uo, NULL, e);
	if (r < 0)
		return pw_err_prefix(e, "sdist '%s'", path);
	r = pw_tree_hash_at(dfd, ".", s->tree, &s->files, e);
	if (r < 0)
		return pw_err_prefix(e, "sdist '%s'", path);
	if (s->files == 0)
		return pw_err_set(e, ENOENT, "sdist '%s': no files", path);
	read_pkg_info(dfd, s);
	return 0;
}

int pw_source_git_view(const struct pw_source *s, const char *dest, struct pw_err *e)
{
	_cleanup_free_ char *gitdir = pw_path_join(dest, ".git");
	const char *clone[] = {"clone", "--bare", "--local", "--no-hardlinks", "--quiet", "--",
			       ".", gitdir, NULL};
	const char *unbare[] = {"--git-dir=.git", "config", "core.bare", "false", NULL};
	const char *head[] = {"update-ref", "--no-deref", "HEAD", s->commit, NULL};
	const char *index[] = {"read-tree", "HEAD", NULL};
	const char *noremote[] = {"remote", "remove", "origin", NULL};
	const char *const *steps[] = {unbare, head, index};
	struct pw_buf out = PW_BUF_INIT(1u << 20);
	int r;

	if (!s->toplevel || !s->commit || !s->subdir)
		return pw_err_set(e, EINVAL, "'%s': not in a git work tree", dest);
	if (*s->subdir) {
		/* the repository's files around the project; the project's
		 * own place is a mount point */
		_cleanup_close_ int sfd = open(s->toplevel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_free_ char *mnt = pw_path_join(dest, s->subdir);
		uint64_t files = 0;

		if (sfd < 0 || dfd < 0)
			return pw_err_sys(e, errno, "'%s'", sfd < 0 ? s->toplevel : dest);
		r = export_git(s->toplevel, sfd, dfd, NULL, s->subdir, &files, e);
		if (r < 0)
			return r;
		if (pw_mkdir_p(mnt, 0755) < 0)
			return pw_err_sys(e, errno, "'%s'", mnt);
	}
	r = run_git(s->toplevel, clone, &out);
	if (r != 0) {
		pw_buf_release(&out);
		return r < 0 ? pw_err_sys(e, -r, "'%s': git clone", s->toplevel)
			     : pw_err_set(e, EIO, "'%s': git clone --bare into '%s' exited with %d",
					  s->toplevel, gitdir, r);
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(steps); i++) {
		if (!steps[i])
			continue;
		pw_buf_reset(&out);
		r = run_git(dest, steps[i], &out);
		if (r != 0) {
			pw_buf_release(&out);
			return r < 0 ? pw_err_sys(e, -r, "'%s': git %s", dest, steps[i][0])
				     : pw_err_set(e, EIO, "'%s': git %s exited with %d", dest,
						  steps[i][0], r);
		}
	}
	for (char **p = s->hidden; p && *p; p++) {
		_cleanup_free_ char *path = *s->subdir ? pw_xasprintf("%s/%s", s->subdir, *p)
						       : pw_xstrdup(*p);
		const char *hide[] = {"update-index", "--skip-worktree", "--", path, NULL};

		pw_buf_reset(&out);
		r = run_git(dest, hide, &out);
		if (r != 0) {
			pw_buf_release(&out);
			return r < 0 ? pw_err_sys(e, -r, "'%s': git update-index", dest)
				     : pw_err_set(e, EIO, "'%s': git update-index --skip-worktree "
						  "'%s' exited with %d", dest, *p, r);
		}
	}
	pw_buf_reset(&out);
	run_git(dest, noremote, &out); /* a bare clone may have none */
	pw_buf_release(&out);
	return 0;
}
