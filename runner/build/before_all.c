/* before_all.c - the "before_all" hook of `pinwheel build` (docs/config.md,
 * "before_all"; runner/build/build_int.h).
 *
 * Once per root: the command runs in the sandbox of a build step of that
 * root (same profile, limits and environment, no network, the exported
 * sources read-only at /src) whose overlay keeps its upper dir in WORK
 * (sandbox.h, capture_dir).  What it created or changed in the root
 * becomes a store tree (derived.h) named by its content (the canonical
 * tree hash, treehash.h), recorded under a key of what the hook saw:
 *
 *   STORE/cache/before_all/<key>.json   {"tree": ID, "root": ..., ...}
 *
 * key = the root id, the command, the source tree, the steps' environment
 * and pinwheel's version.  Every step in that root (the sdist, build_wheel,
 * the repair, the smoke test) then has the tree as its top layer, and the
 * actions' keys name it (action_cache.c).  A removal from the layers below
 * (an overlay whiteout, an opaque or redirected directory) is refused: a
 * layer can only add. */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "build_int.h"
#include "pinwheel/derived.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/treehash.h"

#define BA_MAX_DEPTH PW_TREEHASH_MAX_DEPTH

const struct before_all *pw_build_before_all_of(const struct build *b, size_t ti)
{
	if (!b->ba_of || b->ba_of[ti] == BA_NONE)
		return NULL;
	return &b->ba[b->ba_of[ti]];
}

/* The key of @a's layer: what the hook saw. */
static void ba_key(struct build *b, struct before_all *a)
{
	struct pw_sandbox_spec s;
	struct pw_ac_key k;
	char sde[32];

	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "action", "before_all");
	pw_ac_key_add(&k, "pinwheel", PW_VERSION);
	pw_ac_key_add(&k, "root", a->root);
	pw_ac_key_add(&k, "command", b->c.before_all);
	pw_ac_key_add(&k, "source", b->src.tree);
	snprintf(sde, sizeof(sde), "%lld", (long long)b->sde);
	pw_ac_key_add(&k, "SOURCE_DATE_EPOCH", sde);
	pw_build_spec(b, a->ti, &s); /* the root without its layer yet */
	for (size_t i = 0; i < s.n_env; i++)
		pw_ac_key_add(&k, "env", s.env[i]);
	pw_sandbox_spec_release(&s);
	pw_ac_key_final(&k, a->key);
}

static char *record_path(const struct build *b, const char *key)
{
	return pw_xasprintf("%s/cache/before_all/%s.json", pw_store_dir(b->store), key);
}

/* A record of @a's key whose tree is in the store: true, a->tree and
 * a->path set. */
static bool ba_lookup(struct build *b, struct before_all *a)
{
	_cleanup_free_ char *p = record_path(b, a->key);
	struct pw_err e = PW_ERR_INIT;
	struct stat st;
	const char *id;
	json_t *j;
	bool ok = false;

	if (stat(p, &st) < 0)
		return false;
	j = pw_json_load_file(p, &e);
	if (!j) {
		pw_warn("before_all: %s: running it again", e.msg);
		return false;
	}
	id = json_string_value(json_object_get(j, "tree"));
	if (id && pw_sha256_hex_valid(id) && pw_store_has_tree(b->store, id)) {
		snprintf(a->tree, sizeof(a->tree), "%s", id);
		a->path = pw_store_tree_path(b->store, id);
		ok = true;
	}
	json_decref(j);
	return ok;
}

/* ---- the capture ---- */

static bool has_xattr(int fd, const char *name)
{
	char v[8];

	return fgetxattr(fd, name, v, sizeof(v)) >= 0;
}

static int removed(const char *where, struct pw_err *e)
{
	return pw_err_set(e, EPERM,
			  "before_all removed '%s' from the root; removing files is not supported",
			  where);
}

/* Walk the overlay's upper dir @dfd (at @where in the root, "" for the
 * top): refuse what removes from the layers below (a whiteout: a 0:0
 * character device or a file with the whiteout xattr; a directory removed
 * and made again: opaque; one renamed: redirect) and special files, and
 * remove the empty directories (the mount points the sandbox made, what
 * the hook left empty).  *empty: nothing is left in @dfd. */
static int scan(int dfd, const char *where, unsigned depth, bool *empty, struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, kept = 0;
	int r;

	if (depth > BA_MAX_DEPTH)
		return pw_err_set(e, ELOOP, "before_all: '%s' is nested too deep", where);
	r = pw_list_dir_sorted(dfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "before_all: read the captured '%s/'", where);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *p = pw_xasprintf("%s/%s", where, names[i]);
		_cleanup_close_ int fd = -1;
		struct stat st;
		bool sub_empty = false;

		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "before_all: the captured '%s'", p);
		} else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			r = removed(p, e);
		} else if (S_ISDIR(st.st_mode)) {
			fd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				r = pw_err_sys(e, errno, "before_all: the captured '%s'", p);
			else if (has_xattr(fd, "user.overlay.opaque") ||
				 has_xattr(fd, "user.overlay.redirect"))
				r = removed(p, e);
			else
				r = scan(fd, p, depth + 1, &sub_empty, e);
			if (r == 0 && sub_empty) {
				if (unlinkat(dfd, names[i], AT_REMOVEDIR) < 0)
					r = pw_err_sys(e, errno,
						       "before_all: remove the empty '%s'", p);
				continue;
			}
			kept++;
		} else if (S_ISREG(st.st_mode)) {
			fd = openat(dfd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 && st.st_size == 0) {
				char proc[40];

				snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
				if (getxattr(proc, "user.overlay.whiteout", NULL, 0) >= 0)
					r = removed(p, e);
			}
			kept++;
		} else if (S_ISLNK(st.st_mode)) {
			kept++;
		} else {
			r = pw_err_set(e, EINVAL,
				       "before_all left the special file '%s' in the root (a layer "
				       "keeps files, directories and symlinks)",
				       p);
		}
	}
	pw_free_names(names, n);
	*empty = kept == 0;
	return r;
}

int pw_build_copy_tree(int from, int to, const char *where, const struct pw_build_copy *how,
		       unsigned depth, struct pw_err *e)
{
	const struct timespec ts[2] = {{PW_SDE_DEFAULT, 0}, {PW_SDE_DEFAULT, 0}};
	const char *w = how->prefix;
	char **names = NULL;
	size_t n = 0;
	int r;

	if (depth > how->max_depth)
		return pw_err_set(e, ELOOP, "%s'%s' is nested too deep", w, where);
	r = pw_list_dir_sorted(from, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "%sread '%s/'", w, where);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *p = pw_xasprintf("%s/%s", where, names[i]);
		_cleanup_close_ int in = -1, out = -1;
		const char *nm = names[i];
		struct stat st;

		if (fstatat(from, nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "%s'%s'", w, p);
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdirat(to, nm, 0755) < 0 || fchmodat(to, nm, 0755, 0) < 0 ||
			    (in = openat(from, nm,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    (out = openat(to, nm,
					  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				r = pw_err_sys(e, errno, "%scopy '%s'", w, p);
			else
				r = pw_build_copy_tree(in, out, p, how, depth + 1, e);
			if (r == 0 && how->fixed_times && futimens(out, ts) < 0)
				r = pw_err_sys(e, errno, "%scopy '%s'", w, p);
		} else if (S_ISREG(st.st_mode)) {
			mode_t m = st.st_mode & 0111 ? 0755 : 0644;

			/* O_NONBLOCK: a FIFO put in its place meanwhile does not hang */
			in = openat(from, nm, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			out = in < 0
				  ? -1
				  : openat(to, nm,
					   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, m);
			if (in < 0 || out < 0)
				r = pw_err_sys(e, errno, "%scopy '%s'", w, p);
			else if ((r = pw_copy_fd(in, out)) < 0)
				r = pw_err_sys(e, -r, "%scopy '%s'", w, p);
			else if (fchmod(out, m) < 0 || (how->fixed_times && futimens(out, ts) < 0))
				r = pw_err_sys(e, errno, "%scopy '%s'", w, p);
		} else if (!how->keep_links) {
			continue; /* a symlink, a lock file's FIFO: left out */
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t l = readlinkat(from, nm, target, sizeof(target) - 1);

			if (l < 0 || (size_t)l >= sizeof(target) - 1)
				r = pw_err_sys(e, l < 0 ? errno : ENAMETOOLONG,
					       "%sread the symlink '%s'", w, p);
			else if ((target[l] = '\0', symlinkat(target, to, nm) < 0) ||
				 (how->fixed_times &&
				  utimensat(to, nm, ts, AT_SYMLINK_NOFOLLOW) < 0))
				r = pw_err_sys(e, errno, "%scopy '%s'", w, p);
		} else {
			r = pw_err_set(e, EINVAL, "%sthe special file '%s'", w, p);
		}
	}
	pw_free_names(names, n);
	return r;
}

struct layer_build {
	struct build *b;
	const struct before_all *a;
	int upper;
};

static int layer_build(void *ud, int dirfd, json_t *record, struct pw_err *e)
{
	struct layer_build *lb = ud;
	static const struct pw_build_copy how = {.prefix = "before_all: ",
						 .max_depth = BA_MAX_DEPTH,
						 .keep_links = true,
						 .fixed_times = true};
	int r = pw_build_copy_tree(lb->upper, dirfd, "", &how, 0, e);

	if (r == 0 &&
	    (json_object_set_new(record, "root", json_string(lb->a->root)) < 0 ||
	     json_object_set_new(record, "before_all", json_string(lb->b->c.before_all)) < 0 ||
	     json_object_set_new(record, "key", json_string(lb->a->key)) < 0))
		r = pw_err_set(e, ENOMEM, "out of memory");
	return r;
}

/* Record @a's key -> its tree (atomically; nothing when the build records
 * nothing). */
static int ba_record(struct build *b, const struct before_all *a, struct pw_err *e)
{
	_cleanup_free_ char *p = record_path(b, a->key), *dir = NULL;
	json_t *j;
	int r;

	if (b->o->no_cache_write)
		return 0;
	dir = pw_xasprintf("%s/cache/before_all", pw_store_dir(b->store));
	r = pw_mkdir_p(dir, 0755);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s'", dir);
	j = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "version", 1, "key", a->key, "tree", a->tree,
		      "root", a->root, "source", b->src.tree, "before_all", b->c.before_all);
	if (!j)
		return pw_err_set(e, ENOMEM, "out of memory");
	r = pw_json_dump_file(p, j, e);
	json_decref(j);
	return r;
}

int pw_build_before_all(struct build *b, size_t k, struct target_result *res, int logfd,
			struct pw_err *e)
{
	struct before_all *a = &b->ba[k];
	_cleanup_free_ char *dir = pw_xasprintf("%s/before-all.%zu", b->work, k),
			    *upper = pw_path_join(dir, "upper"), *work = pw_path_join(dir, "work");
	char *hook[] = {(char *)"/bin/sh", (char *)"-c", b->c.before_all, NULL};
	struct layer_build lb = {b, a, -1};
	struct pw_sandbox_spec s;
	char thash[PW_SHA256_HEX];
	_cleanup_free_ char *idsrc = NULL;
	uint64_t files = 0;
	bool empty, cached;
	int r;

	if (mkdir(dir, 0755) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0)
		return pw_err_sys(e, errno, "work directory '%s'", dir);
	dprintf(logfd,
		"pinwheel %s: before_all in the root of %s\nroot %s\nkey %s\ncommand: %s\n"
		"(the sources read-only at /src; what it writes to the root becomes a layer)\n",
		PW_VERSION, b->c.targets[a->ti].id, a->root, a->key, b->c.before_all);
	pw_build_spec(b, a->ti, &s);
	s.cwd = pw_xstrdup("/src");
	s.capture_dir = pw_xstrdup(dir);
	/* root in the sandbox's user namespace, as cibuildwheel's before-all
	 * is root in its container: the root's trees are read-only to the
	 * build user (a layer is only ever the outer user's files) */
	s.uid = 0;
	s.gid = 0;
	r = pw_build_bind(&s, PW_BIND_RO, b->src_dir, "/src", e);
	if (r == 0)
		r = pw_build_step(&s, hook, logfd, "before_all", e);
	pw_sandbox_spec_release(&s);
	if (r < 0)
		return r;
	lb.upper = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lb.upper < 0)
		return pw_err_sys(e, errno, "'%s'", upper);
	r = scan(lb.upper, "", 0, &empty, e);
	if (r == 0)
		r = pw_tree_hash_at(lb.upper, ".", thash, &files, e);
	if (r == 0) {
		/* named by its content: equal files, equal layer (and keys) */
		idsrc = pw_xasprintf("pinwheel-before-all;v1\n%s\n", thash);
		pw_sha256_mem(idsrc, strlen(idsrc), a->tree);
		r = pw_derived_tree_make(b->store, a->tree, "before-all", layer_build, &lb, NULL,
					 &cached, e);
	}
	pw_closep(&lb.upper);
	if (r == 0)
		r = ba_record(b, a, e);
	if (r < 0)
		return pw_err_prefix(e, "before_all");
	dprintf(logfd, "==== pinwheel: before_all: layer %s (%llu files%s)\n", a->tree,
		(unsigned long long)files, cached ? ", already in the store" : "");
	memcpy(res->sha256, a->tree, PW_SHA256_HEX);
	snprintf(res->wheel, sizeof(res->wheel), "before_all");
	return 0;
}

/* ---- the phase ---- */

/* Does this build run build_sdist (whose root then needs its layer)? */
static bool builds_sdist(const struct build *b)
{
	return b->src.kind == PW_SOURCE_GIT || b->src.kind == PW_SOURCE_DIR;
}

int pw_build_before_all_phase(struct build *b, struct target_result *res)
{
	const struct pw_build_opts *o = b->o;
	size_t *jobs, njobs = 0, width;

	if (!b->c.before_all)
		return 0;
	b->ba = pw_xcalloc(b->c.ntargets + 1, sizeof(*b->ba));
	b->ba_of = pw_xcalloc(b->c.ntargets + 1, sizeof(*b->ba_of));
	for (size_t i = 0; i < b->c.ntargets; i++) {
		size_t k;

		b->ba_of[i] = BA_NONE;
		if (!b->sel[i] && !(i == b->sdist_ti && builds_sdist(b)))
			continue;
		for (k = 0; k < b->nba && strcmp(b->ba[k].root, b->plans[i].id); k++)
			;
		if (k == b->nba) {
			snprintf(b->ba[k].root, sizeof(b->ba[k].root), "%s", b->plans[i].id);
			b->ba[k].ti = i;
			snprintf(b->ba[k].name, sizeof(b->ba[k].name), "before_all-%s",
				 b->c.targets[i].id);
			b->nba++;
		}
		b->ba_of[i] = k;
	}
	jobs = pw_xcalloc(b->nba + 1, sizeof(*jobs));
	for (size_t k = 0; k < b->nba; k++) {
		struct before_all *a = &b->ba[k];

		ba_key(b, a);
		if (!o->no_cache && ba_lookup(b, a)) {
			a->cached = true;
			pw_info("before_all: cached for the root of %s (layer %.16s)",
				b->c.targets[a->ti].id, a->tree);
		} else {
			jobs[njobs++] = BA_JOB(b, k);
		}
	}
	width = o->jobs ? o->jobs : njobs;
	if (njobs)
		pw_info("before_all: running it in %zu root%s", njobs, njobs == 1 ? "" : "s");
	if (njobs && pw_build_run_jobs(b, jobs, njobs, width, res) < 0) {
		free(jobs);
		return -EINTR;
	}
	for (size_t q = 0; q < njobs; q++) {
		struct target_result *r = &res[jobs[q]];
		struct before_all *a = &b->ba[jobs[q] - BA_JOB(b, 0)];

		if (r->ok && pw_sha256_hex_valid(r->sha256)) {
			snprintf(a->tree, sizeof(a->tree), "%s", r->sha256);
			a->path = pw_store_tree_path(b->store, a->tree);
		} else {
			snprintf(a->error, sizeof(a->error), "%s",
				 r->error[0] ? r->error : "before_all failed");
		}
	}
	free(jobs);
	return 0;
}

bool pw_build_before_all_sdist_failed(struct build *b, struct target_result *res)
{
	const struct before_all *a = pw_build_before_all_of(b, b->sdist_ti);

	if (!a || !a->error[0] || !builds_sdist(b))
		return false;
	for (size_t i = 0; i < b->c.ntargets; i++) {
		if (!b->sel[i])
			continue;
		res[i].done = true;
		snprintf(res[i].smoke, sizeof(res[i].smoke), "-");
		snprintf(res[i].error, sizeof(res[i].error), "no sdist: %.390s (logs/%.90s.log)",
			 a->error, a->name);
	}
	return true;
}

void pw_build_before_all_release(struct build *b)
{
	for (size_t k = 0; k < b->nba; k++)
		free(b->ba[k].path);
	free(b->ba);
	free(b->ba_of);
}
