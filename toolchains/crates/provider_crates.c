/* provider_crates.c - the "crates" provider (include/pinwheel/provider.h,
 * crates.h): the key "crates", pinned by pw_provide_crates() (crates.c),
 * the "cargo-vendor" layers built at fetch, and cargo's configuration in
 * the CARGO_HOME of each build step in a root with vendored crates. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pinwheel/crates.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"

static int lock_crates(struct pw_provider_ctx *pc, const void *spec, const struct pw_target_info *t,
		       struct pw_lockset *out, struct pw_err *e)
{
	return pw_provide_crates(pc, spec, t, out, e);
}

/* ---- the layer: "cargo-vendor" ---- */

/* The layer's crates vendored into one tree (pw_crates_vendor_locked());
 * its id is the vendor key of the set.  Then the cargo configuration that
 * points cargo at them, at "/". */
static int build_cargo_vendor(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e)
{
	struct pw_artifact *a = pw_xcalloc(l->n + 1, sizeof(*a));
	const struct pw_artifact **ap = pw_xcalloc(l->n + 1, sizeof(*ap));
	struct pw_cargo_pkg *pkgs = pw_xcalloc(l->n + 1, sizeof(*pkgs));
	struct pw_cargo_lock cl = {.version = 4, .pkgs = pkgs, .n = l->n};
	char key[PW_SHA256_HEX], *id = NULL;
	bool cached = true;
	size_t i;
	int r = 0;

	for (i = 0; i < l->n; i++) {
		const struct pw_artifact *la = pw_lockset_find_sha(lc->ls, l->artifacts[i]);

		if (!la) {
			r = pw_err_set(e, EINVAL, "no artifact %s in the lock", l->artifacts[i]);
			goto out;
		}
		a[i].kind = la->kind;
		a[i].name = la->name;
		a[i].version = la->version;
		a[i].urls = la->urls;
		a[i].nurls = la->nurls;
		memcpy(a[i].sha256, la->sha256, sizeof(a[i].sha256));
		a[i].size = la->size;
		ap[i] = &a[i];
		pkgs[i].name = la->name;
		pkgs[i].version = la->version ? la->version : (char *)"";
		pkgs[i].source = (char *)"registry+pinwheel-lock"; /* as the builder does */
		memcpy(pkgs[i].checksum, la->sha256, sizeof(pkgs[i].checksum));
	}
	pw_cargo_lock_vendor_key(&cl, key);
	if (lc->store) {
		_cleanup_free_ char *path = NULL;

		r = pw_crates_vendor_locked(lc->store, ap, l->n, &path, &cached, e);
		if (r < 0)
			goto out;
		lc->plan->nbuilt += !cached;
	}
	pw_layer_ctx_add(lc, pw_xstrdup(key), l, NULL);
	cached = true;
	r = pw_crates_config_tree(lc->store, &id, &cached, e);
	if (r < 0)
		goto out;
	lc->plan->nbuilt += !cached;
	pw_layer_ctx_add(lc, id, l, "/");
	if (l->generated) {
		cached = true;
		r = pw_crates_generated_tree(lc->store, l->generated, &id, &cached, e);
		if (r < 0)
			goto out;
		lc->plan->nbuilt += !cached;
		pw_layer_ctx_add(lc, id, l, PW_GENERATED_DEST);
	}
out:
	free(pkgs); /* the strings are borrowed from the lock */
	free(ap);
	free(a);
	return r;
}

/* ---- a build step: cargo's configuration ---- */

/* The Cargo.lock the lock generated (@f), written at its path in the
 * sources @srcdir when they have none there: pinwheel's copy of the
 * unpacked sdist, whose names are the sdist's, so the directory is
 * resolved beneath @srcdir without following a symlink. */
static int put_generated(const char *srcdir, const struct pw_layer_file *f, struct pw_err *e)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					  RESOLVE_NO_MAGICLINKS};
	_cleanup_free_ char *dir = pw_xstrdup(f->path), *tmp = NULL;
	_cleanup_close_ int sfd = -1, dfd = -1, fd = -1;
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : f->path;
	struct stat st;
	int r;

	if (slash)
		*slash = '\0';
	sfd = open(srcdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return pw_err_sys(e, errno, "'%s'", srcdir);
	dfd = (int)syscall(SYS_openat2, sfd, slash ? dir : ".", &how, sizeof(how));
	if (dfd < 0)
		return pw_err_sys(e, errno,
				  "the generated '%s' of pinwheel.lock: no directory '%s' in the "
				  "sources",
				  f->path, slash ? dir : ".");
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0; /* the sources have their own */
	if (errno != ENOENT)
		return pw_err_sys(e, errno, "'%s' in the sources", f->path);
	tmp = pw_xasprintf(".%s.pinwheel", base);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not create '%s' in the sources", tmp);
	r = pw_write_all(fd, f->text, strlen(f->text));
	if (r == 0 && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return pw_err_sys(e, -r, "could not write '%s' in the sources", f->path);
	}
	return 0;
}

/* crates-io replaced by the vendored crates of the root, when it has
 * them: the lock's generated Cargo.lock put into the sources when they
 * lack it, then @home/config.toml for the Cargo.lock of the sources
 * (every registry source of it; the root's configuration tree covers
 * crates-io). */
static int step_prepare(const struct pw_root_plan *p, const char *srcdir, const char *home,
			struct pw_err *e)
{
	struct pw_cargo_lock l = {0};
	_cleanup_free_ char *lock = pw_path_join(srcdir, "Cargo.lock"), *cfg = NULL, *path = NULL;
	bool vendored = false;
	int r;

	for (size_t i = 0; i < p->n; i++) {
		if (!strcmp(p->trees[i].dest, PW_CRATES_DEST))
			vendored = true;
		if (p->trees[i].generated && !strcmp(p->trees[i].dest, PW_GENERATED_DEST)) {
			r = put_generated(srcdir, p->trees[i].generated, e);
			if (r < 0)
				return r;
		}
	}
	if (!vendored)
		return 0;
	if (access(lock, F_OK) == 0) {
		r = pw_cargo_lock_load(lock, &l, e);
		if (r < 0)
			return r;
	}
	cfg = pw_crates_cargo_config(&l, PW_CRATES_DEST);
	pw_cargo_lock_release(&l);
	path = pw_path_join(home, "config.toml");
	r = pw_write_file_atomic(path, cfg, strlen(cfg), 0644);
	return r < 0 ? pw_err_sys(e, -r, "'%s'", path) : 0;
}

/* ---- the config: "crates" ---- */

static void spec_free(void *p)
{
	struct pw_crates_spec *spec = p;

	free((char *)spec->field);
	free(spec->cargo_lock);
	free(spec);
}

static int parse_crates(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
			const char *field, const char *key, void **out)
{
	static const char *const keys[] = {"cargo_lock"};
	struct pw_crates_spec *spec = pw_xcalloc(1, sizeof(*spec));
	_cleanup_free_ char *f = pw_jcheck_field(field, key), *lf = NULL;
	const struct pw_jpos *kp;
	json_t *o;
	int r;

	*out = spec;
	spec->field = pw_xstrdup(f);
	kp = pw_jpos_member(obj, p, key, &o);
	if (!json_is_object(o))
		return pw_jcheck_type(j, kp, f, "an object with 'cargo_lock'", o);
	r = pw_jcheck_keys(j, o, kp, f, keys, PW_ARRAY_SIZE(keys));
	if (!r)
		r = pw_jcheck_str(j, o, kp, f, "cargo_lock", false, &spec->cargo_lock);
	if (r < 0)
		return r;
	if (!spec->cargo_lock)
		spec->cargo_lock = pw_xstrdup("Cargo.lock");
	lf = pw_jcheck_field(f, "cargo_lock");
	if (!pw_jcheck_relpath_ok(spec->cargo_lock))
		return pw_jcheck_fail(j, pw_jpos_member(o, kp, "cargo_lock", &(json_t *){NULL}),
				      true, lf, "must be a relative path inside the project");
	return 0;
}

static const struct pw_provider_key keys[] = {
    {PW_PLACE_TOP, "crates", PW_STAGE_SOURCES, parse_crates},
};
static const char *const kinds[] = {"crate", NULL};
static const struct pw_layer_kind hows[] = {
    {"cargo-vendor", build_cargo_vendor},
};

const struct pw_provider pw_provider_crates = {
    .name = "crates",
    .keys = keys,
    .nkeys = PW_ARRAY_SIZE(keys),
    .spec_free = spec_free,
    .lock = lock_crates,
    .kinds = kinds,
    .hows = hows,
    .nhows = PW_ARRAY_SIZE(hows),
    .step_prepare = step_prepare,
};
