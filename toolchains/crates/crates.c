/* crates.c - vendoring the registry crates of a Cargo.lock into a store
 * tree for offline cargo builds (see crates.h). */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/crates.h"
#include "pinwheel/debian.h"
#include "pinwheel/derived.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lockstep.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/untrusted.h"
#include "pinwheel/store.h"
#include "pinwheel/toml.h"
#include "pinwheel/unpack.h"

#define CONFIG_JSON_MAX (1u << 20)
#define CHECKSUM_FILE ".cargo-checksum.json"
#define CRATE_MAX_ENTRIES 100000ull
#define CRATE_MAX_BYTES (1ull << 30)

/* ---- .cargo-checksum.json ---- */

/* Add every regular file under @dfd (path prefix @rel) to @files. */
static int sum_dir(int dfd, const char *rel, json_t *files, int depth, struct pw_err *e)
{
	int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > 128)
		return pw_err_set(e, ELOOP, "'%s': crate nested too deep", rel);
	if (dup < 0 || !(d = fdopendir(dup))) {
		r = pw_err_sys(e, errno, "could not list '%s'", rel[0] ? rel : ".");
		if (dup >= 0)
			close(dup);
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (depth == 0 && !strcmp(de->d_name, CHECKSUM_FILE))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = pw_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = pw_xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		pw_sort_strings(names, n);
	for (i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *path =
		    pw_xasprintf("%s%s%s", rel, rel[0] ? "/" : "", names[i]);
		struct stat st;

		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "could not stat '%s'", path);
		} else if (S_ISDIR(st.st_mode)) {
			int cfd =
			    openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", path);
			} else {
				r = sum_dir(cfd, path, files, depth + 1, e);
				close(cfd);
			}
		} else if (S_ISREG(st.st_mode)) {
			char hex[PW_SHA256_HEX];
			int ffd = openat(dfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (ffd < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", path);
			} else {
				r = pw_sha256_fd(ffd, hex, NULL);
				close(ffd);
				if (r < 0)
					pw_err_sys(e, -r, "could not read '%s'", path);
				else if (json_object_set_new(files, path, json_string(hex)) < 0)
					r = pw_err_set(e, EINVAL, "'%s': not a UTF-8 file name",
						       path);
			}
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int pw_crates_write_checksum_json(int dirfd, const char *checksum, struct pw_err *e)
{
	json_t *files = json_object(), *j;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!files)
		return pw_err_set(e, ENOMEM, "out of memory");
	r = sum_dir(dirfd, "", files, 0, e);
	if (r < 0) {
		json_decref(files);
		return r;
	}
	j = json_pack("{s:o, s:s}", "files", files, "package", checksum);
	if (!j)
		return pw_err_set(e, ENOMEM, "could not build " CHECKSUM_FILE);
	text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	if (!text)
		return pw_err_set(e, ENOMEM, "could not write " CHECKSUM_FILE);
	fd = openat(dirfd, CHECKSUM_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not create '" CHECKSUM_FILE "'");
	r = pw_write_all(fd, text, strlen(text));
	if (r < 0)
		return pw_err_sys(e, -r, "could not write '" CHECKSUM_FILE "'");
	return 0;
}

/* ---- registry configuration ---- */

/* The index URL serving @source: an override, else the source's own. */
static char *index_for(const struct pw_crates_opts *o, const char *source)
{
	for (size_t i = 0; o && i < o->noverrides; i++)
		if (!strcmp(o->sources[i], source))
			return pw_xasprintf("%s%s", o->indexes[i],
					    o->indexes[i][strlen(o->indexes[i]) - 1] == '/' ? ""
											    : "/");
	return pw_crates_index_url(source);
}

/* config.json's "dl" of the registry of @source.  Caller frees. */
static char *registry_dl(const struct pw_crates_opts *o, const char *source, struct pw_err *e)
{
	_cleanup_free_ char *index = index_for(o, source), *url = NULL;
	struct pw_buf b = PW_BUF_INIT(CONFIG_JSON_MAX);
	json_t *j = NULL, *dl;
	char *ret = NULL;
	long code;
	int r;

	if (!index) {
		pw_err_set(e, EINVAL, "source '%s': not an http(s) registry", source);
		errno = EINVAL;
		return NULL;
	}
	url = pw_xasprintf("%sconfig.json", index);
	r = pw_deb_http_get(url, &b, &code, e);
	if (r < 0) {
		pw_err_prefix(e, "registry of '%s'", source);
		errno = -r;
		goto out;
	}
	j = pw_json_load_mem(url, b.buf, b.len, e);
	if (!j) {
		errno = EBADMSG;
		goto out;
	}
	dl = json_object_get(j, "dl");
	if (!json_is_string(dl) || !json_string_length(dl)) {
		pw_err_set(e, EBADMSG, "'%s': no \"dl\" string", url);
		errno = EBADMSG;
		goto out;
	}
	ret = pw_xstrdup(json_string_value(dl));
out:
	json_decref(j);
	pw_buf_release(&b);
	return ret;
}

/* ---- vendoring ---- */

struct vendor {
	struct pw_store *s;
	const struct pw_cargo_lock *l;
	const struct pw_cargo_pkg **pkgs; /* registry packages, unique by name-version */
	size_t n;
	const char *generated; /* the Cargo.lock pinwheel.lock keeps, when the
				* project has none, or NULL */
};

static int cmp_pkg(const void *a, const void *b)
{
	const struct pw_cargo_pkg *x = *(const struct pw_cargo_pkg *const *)a;
	const struct pw_cargo_pkg *y = *(const struct pw_cargo_pkg *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->version, y->version);
}

/* Registry packages sorted and unique by name-version; a package listed
 * twice with different checksums is an error. */
static int collect(struct vendor *v, struct pw_err *e)
{
	size_t i, n = 0;

	v->pkgs = pw_xcalloc(v->l->n ? v->l->n : 1, sizeof(*v->pkgs));
	for (i = 0; i < v->l->n; i++) {
		const struct pw_cargo_pkg *p = &v->l->pkgs[i];

		if (p->source && !pw_cargo_pkg_is_registry(p))
			return pw_err_set(e, ENOTSUP,
					  "crate '%s' %s: source '%s' is not a registry "
					  "(git sources are not vendored)",
					  p->name, p->version, p->source);
		if (!pw_cargo_pkg_is_registry(p))
			continue;
		if (!p->checksum[0])
			return pw_err_set(e, EINVAL,
					  "crate '%s' %s: Cargo.lock has no checksum for it",
					  p->name, p->version);
		v->pkgs[n++] = p;
	}
	if (n > 1)
		qsort(v->pkgs, n, sizeof(*v->pkgs), cmp_pkg);
	v->n = 0;
	for (i = 0; i < n; i++) {
		if (v->n && !cmp_pkg(&v->pkgs[v->n - 1], &v->pkgs[i])) {
			if (strcmp(v->pkgs[v->n - 1]->checksum, v->pkgs[i]->checksum) != 0)
				return pw_err_set(
				    e, EINVAL,
				    "crate '%s' %s: two sources with different checksums",
				    v->pkgs[i]->name, v->pkgs[i]->version);
			continue;
		}
		v->pkgs[v->n++] = v->pkgs[i];
	}
	return 0;
}

/* Fetch every crate missing from the store, one config.json per registry. */
static int fetch_crates(struct vendor *v, const struct pw_crates_opts *o, struct pw_err *e)
{
	struct pw_fetch_item *items = pw_xcalloc(v->n ? v->n : 1, sizeof(*items));
	char **urls = pw_xcalloc(v->n ? v->n : 1, sizeof(*urls));
	char **names = pw_xcalloc(v->n ? v->n : 1, sizeof(*names));
	char **srcs = NULL, **dls = NULL;
	size_t nsrc = 0, i, k, m = 0;
	struct pw_fetch_opts fo;
	int r = 0;

	for (i = 0; i < v->n && r == 0; i++) {
		const struct pw_cargo_pkg *p = v->pkgs[i];

		if (pw_store_has_blob(v->s, p->checksum))
			continue;
		names[m] = pw_xasprintf("%s %s", p->name, p->version);
		items[m].name = names[m];
		items[m].sha256 = p->checksum;
		items[m].size = PW_STORE_SIZE_UNKNOWN;
		if (!o || !o->offline) {
			for (k = 0; k < nsrc && strcmp(srcs[k], p->source); k++)
				;
			if (k == nsrc) {
				char *dl = registry_dl(o, p->source, e);
				if (!dl) {
					r = -errno;
					pw_err_prefix(e, "crate '%s' %s", p->name, p->version);
					break;
				}
				srcs = pw_xrealloc(srcs, (nsrc + 1) * sizeof(*srcs));
				dls = pw_xrealloc(dls, (nsrc + 1) * sizeof(*dls));
				srcs[nsrc] = p->source;
				dls[nsrc++] = dl;
			}
			urls[m] = pw_crates_dl_url(dls[k], p->name, p->version, p->checksum, e);
			if (!urls[m]) {
				r = -errno;
				break;
			}
			items[m].urls = (const char *const *)&urls[m];
			items[m].nurls = 1;
		}
		m++;
	}
	if (r == 0 && m > 0) {
		pw_fetch_opts_init(&fo);
		fo.offline = o && o->offline;
		r = pw_fetch_run(v->s, items, m, &fo, e);
		if (r == -EIO) {
			/* report the first failed crate: it names crate and url */
			for (i = 0; i < m; i++)
				if (items[i].state == PW_FETCH_FAILED) {
					r = -items[i].err.code;
					pw_err_set(e, items[i].err.code, "crate %s",
						   items[i].err.msg);
					break;
				}
		}
	}
	for (i = 0; i < m; i++)
		pw_fetch_item_release(&items[i]);
	for (i = 0; i < v->n; i++) {
		free(urls[i]);
		free(names[i]);
	}
	for (k = 0; k < nsrc; k++)
		free(dls[k]);
	free(srcs);
	free(dls);
	free(items);
	free(urls);
	free(names);
	return r;
}

static int unpack_crate(struct vendor *v, int dfd, const struct pw_cargo_pkg *p, struct pw_err *e)
{
	_cleanup_free_ char *dir = pw_xasprintf("%s-%s", p->name, p->version);
	_cleanup_free_ char *blob = pw_store_blob_path(v->s, p->checksum);
	_cleanup_close_ int bfd = -1, cfd = -1;
	struct pw_unpack_opts uo = {
	    .subdir = dir, .max_entries = CRATE_MAX_ENTRIES, .max_bytes = CRATE_MAX_BYTES};
	int r;

	bfd = open(blob, O_RDONLY | O_CLOEXEC);
	if (bfd < 0)
		return pw_err_sys(e, errno, "crate '%s' %s: blob '%s'", p->name, p->version, blob);
	if (mkdirat(dfd, dir, 0755) < 0)
		return pw_err_sys(e, errno, "could not create '%s'", dir);
	cfd = openat(dfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", dir);
	r = pw_unpack_fd(bfd, cfd, &uo, NULL, e);
	if (r == -ENOENT)
		return pw_err_set(e, EBADMSG, "crate '%s' %s: the .crate has no '%s/' directory",
				  p->name, p->version, dir);
	if (r < 0)
		return pw_err_prefix(e, "crate '%s' %s", p->name, p->version);
	r = pw_crates_write_checksum_json(cfd, p->checksum, e);
	if (r < 0)
		return pw_err_prefix(e, "crate '%s' %s", p->name, p->version);
	return 0;
}

static int build_vendor(void *ud, int dfd, json_t *rec, struct pw_err *e)
{
	struct vendor *v = ud;
	json_t *list = json_array();
	size_t i;
	int r;

	if (!list)
		return pw_err_set(e, ENOMEM, "out of memory");
	json_object_set_new(rec, "crates", list);
	for (i = 0; i < v->n; i++) {
		const struct pw_cargo_pkg *p = v->pkgs[i];

		r = unpack_crate(v, dfd, p, e);
		if (r < 0)
			return r;
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name", p->name, "version",
						      p->version, "checksum", p->checksum));
	}
	return 0;
}

int pw_crates_vendor(struct pw_store *s, const struct pw_cargo_lock *l,
		     const struct pw_crates_opts *o, char **path, bool *cached, struct pw_err *e)
{
	struct vendor v = {.s = s, .l = l};
	char key[PW_SHA256_HEX];
	int r;

	if (path)
		*path = NULL;
	*cached = false;
	r = collect(&v, e);
	if (r < 0)
		goto out;
	pw_cargo_lock_vendor_key(l, key);
	if (pw_store_has_tree(s, key)) {
		r = pw_derived_tree_make(s, key, "cargo-vendor", build_vendor, &v, path, cached, e);
		goto out;
	}
	r = fetch_crates(&v, o, e);
	if (r < 0)
		goto out;
	r = pw_derived_tree_make(s, key, "cargo-vendor", build_vendor, &v, path, cached, e);
out:
	free(v.pkgs);
	return r;
}

/* A TOML basic string of @s (paths and URLs: escape '"', '\' and controls). */
static void toml_str(struct pw_buf *b, const char *s)
{
	pw_buf_adds(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			pw_buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			pw_buf_addf(b, "\\u%04x", c);
		else
			pw_buf_add(b, s, 1);
	}
	pw_buf_adds(b, "\"");
}

char *pw_crates_cargo_config(const struct pw_cargo_lock *l, const char *dir)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX);
	const char **seen = pw_xcalloc(l->n ? l->n : 1, sizeof(*seen));
	size_t i, k, nseen = 0;

	pw_buf_adds(&b, "# written by pinwheel: crates come from the vendored directory only\n"
			"[source.crates-io]\nreplace-with = \"vendored-sources\"\n");
	/* Other registries (sparse+ sources; crates-io's own lines are
	 * registry+ and covered above) each need a named source. */
	for (i = 0; i < l->n; i++) {
		const char *src = l->pkgs[i].source;

		if (!src || strncmp(src, "sparse+", 7) != 0)
			continue;
		for (k = 0; k < nseen && strcmp(seen[k], src); k++)
			;
		if (k < nseen)
			continue;
		seen[nseen++] = src;
		pw_buf_addf(&b, "\n[source.pinwheel-registry-%zu]\nregistry = ", nseen);
		toml_str(&b, src);
		pw_buf_adds(&b, "\nreplace-with = \"vendored-sources\"\n");
	}
	pw_buf_adds(&b, "\n[source.vendored-sources]\ndirectory = ");
	toml_str(&b, dir);
	pw_buf_adds(&b, "\n\n[net]\noffline = true\n");
	free(seen);
	return pw_buf_detach(&b, NULL);
}

/* ---- the lock (pw_provide_crates(), the provider's lock()) ---- */

struct dlcache {
	const char **srcs;
	char **dls;
	size_t n;
};

static const char *dlcache_get(struct dlcache *c, const struct pw_crates_opts *o,
			       const char *source, struct pw_err *e)
{
	char *dl;

	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->srcs[i], source))
			return c->dls[i];
	dl = registry_dl(o, source, e);
	if (!dl)
		return NULL;
	c->srcs = pw_xrealloc(c->srcs, (c->n + 1) * sizeof(*c->srcs));
	c->dls = pw_xrealloc(c->dls, (c->n + 1) * sizeof(*c->dls));
	c->srcs[c->n] = source;
	c->dls[c->n++] = dl;
	return dl;
}

static void dlcache_release(struct dlcache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->dls[i]);
	free(c->dls);
	free(c->srcs);
}

/* A crate artifact already pinned (this run or the previous lock). */
static const struct pw_artifact *find_crate(const struct pw_lockset *ls,
					    const struct pw_cargo_pkg *p)
{
	for (size_t i = 0; ls && i < ls->n; i++) {
		const struct pw_artifact *a = &ls->artifacts[i];
		if (!strcmp(a->kind, "crate") && !strcmp(a->name, p->name) && a->version &&
		    !strcmp(a->version, p->version) && !strcmp(a->sha256, p->checksum) &&
		    a->nurls > 0 && a->size != PW_SIZE_UNKNOWN)
			return a;
	}
	return NULL;
}

static uint64_t blob_size(struct pw_store *s, const char *hex)
{
	_cleanup_free_ char *p = pw_store_blob_path(s, hex);
	struct stat st;

	return stat(p, &st) == 0 ? (uint64_t)st.st_size : PW_SIZE_UNKNOWN;
}

/* ---- the root's own cargo at lock time ----
 *
 * Where crates-io is (its index and its download location) is known only
 * to cargo itself, and to the user's cargo configuration.  So the lock
 * runs the target root's cargo with the network and an empty CARGO_HOME
 * and reads what it leaves there: registry/cache/DIR/NAME-VERSION.crate
 * (verified against Cargo.lock's checksum and kept in the store) and
 * registry/index/DIR/config.json (the sparse index's cached configuration,
 * whose "dl" gives each crate's URL).  docs/archives.md. */

#define CARGO_OUT "/tmp/pinwheel-out"
#define CARGO_HOME_IN CARGO_OUT "/home"
#define CARGO_PROJECT "/tmp/pinwheel-project"
#define CARGO_SRC "/tmp/pinwheel-src"
#define CARGO_CA "/tmp/pinwheel-cargo-ca.pem"

struct cargo_step {
	char *tmp;  /* host temp dir, bound at CARGO_OUT */
	int tmp_lock; /* tmp's flock (lockstep.h), valid while tmp is set */
	char *home; /* tmp/home: the step's CARGO_HOME */
	char *log;  /* tmp/cargo.log */
	struct pw_sandbox_spec s;
	bool have_spec;
};

static void cargo_step_release(struct cargo_step *cs)
{
	if (cs->have_spec)
		pw_sandbox_spec_release(&cs->s);
	if (cs->tmp) {
		pw_rm_rf(cs->tmp);
		close(cs->tmp_lock);
	}
	free(cs->tmp);
	free(cs->home);
	free(cs->log);
	memset(cs, 0, sizeof(*cs));
}

/* The caller's cargo configuration file ($CARGO_HOME/config.toml, else
 * ~/.cargo/config.toml; the old name "config" too), or NULL. */
static char *user_cargo_config(void)
{
	const char *ch = getenv("CARGO_HOME"), *home = getenv("HOME");
	_cleanup_free_ char *dir = NULL;
	static const char *const names[] = {"config.toml", "config"};

	if (ch && ch[0] == '/')
		dir = pw_xstrdup(ch);
	else if (home && home[0] == '/')
		dir = pw_path_join(home, ".cargo");
	else
		return NULL;
	for (size_t i = 0; i < PW_ARRAY_SIZE(names); i++) {
		char *f = pw_path_join(dir, names[i]);
		if (pw_lockstep_is_file(f))
			return f;
		free(f);
	}
	return NULL;
}

/* Variables of ours that configure cargo's registries and network. */
static bool cargo_env_passes(const char *kv)
{
	static const char *const prefixes[] = {"CARGO_REGISTRIES_", "CARGO_REGISTRY_",
					       "CARGO_SOURCE_",	    "CARGO_HTTP_",
					       "CARGO_NET_",	    "CARGO_UNSTABLE_"};

	if (!strncmp(kv, "CARGO_HTTP_CAINFO=", 18))
		return false; /* bound below */
	for (size_t i = 0; i < PW_ARRAY_SIZE(prefixes); i++)
		if (!strncmp(kv, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

extern char **environ;

/* Set up a lock step in @root: CARGO_HOME empty but for the caller's
 * configuration, @projdir bound read-only at CARGO_PROJECT and the
 * working directory CARGO_PROJECT/@subdir; with @gen (to write a
 * Cargo.lock) the project is bound at CARGO_SRC instead and the working
 * directory is @subdir of a writable stand-in, CARGO_OUT/project
 * (link_farm()). */
static int link_farm(const char *projdir, const char *subdir, const char *top, const char *src_in,
		     struct pw_err *e);

static int cargo_step_init(struct cargo_step *cs, const struct pw_sandbox_spec *root,
			   const char *projdir, bool gen, const char *subdir, struct pw_err *e)
{
	_cleanup_free_ char *ucfg = NULL, *cwd = NULL;
	const char *ca = getenv("CARGO_HTTP_CAINFO");
	int r;

	memset(cs, 0, sizeof(*cs));
	cs->tmp = pw_lockstep_tmpdir("cargo-lock", &cs->tmp_lock, e);
	if (!cs->tmp)
		return -errno;
	cs->home = pw_path_join(cs->tmp, "home");
	cs->log = pw_path_join(cs->tmp, "cargo.log");
	if (mkdir(cs->home, 0755) < 0)
		return pw_err_sys(e, errno, "could not create '%s'", cs->home);
	ucfg = user_cargo_config();
	if (ucfg) {
		struct pw_buf b = PW_BUF_INIT(PW_CARGO_LOCK_MAX);
		_cleanup_free_ char *dst = pw_path_join(cs->home, "config.toml");

		r = pw_read_file(ucfg, &b);
		if (r < 0) {
			pw_buf_release(&b);
			return pw_err_sys(e, -r, "could not read '%s'", ucfg);
		}
		r = pw_write_file_atomic(dst, b.buf ? b.buf : "", b.len, 0644);
		pw_buf_release(&b);
		if (r < 0)
			return pw_err_sys(e, -r, "could not write '%s'", dst);
	}
	pw_lockstep_spec_copy(&cs->s, root);
	cs->have_spec = true;
	r = pw_lockstep_net(&cs->s, e);
	if (r == 0)
		r = pw_lockstep_bind(&cs->s, true, cs->tmp, CARGO_OUT, e);
	if (r == 0)
		r = pw_lockstep_bind(&cs->s, false, projdir, gen ? CARGO_SRC : CARGO_PROJECT, e);
	if (r == 0 && gen) {
		_cleanup_free_ char *farm = pw_path_join(cs->tmp, "project");
		r = link_farm(projdir, subdir ? subdir : "", farm, CARGO_SRC, e);
	}
	/* Our defaults first: the caller's variables below win.  The sparse
	 * protocol for crates-io is the default from cargo 1.70; 1.68 and
	 * 1.69 take the variable; older cargo (Debian 12's 0.66) has it as
	 * the unstable -Z sparse-registry, which RUSTC_BOOTSTRAP opens. */
	static const char *const fixed[] = {
	    "CARGO_HOME=" CARGO_HOME_IN,
	    "CARGO_TERM_COLOR=never",
	    "CARGO_TERM_PROGRESS_WHEN=never",
	    "CARGO_REGISTRIES_CRATES_IO_PROTOCOL=sparse",
	    "RUSTC_BOOTSTRAP=1",
	};
	for (size_t i = 0; r == 0 && i < PW_ARRAY_SIZE(fixed); i++)
		r = pw_sandbox_spec_add_env(&cs->s, fixed[i], false, e);
	for (char **ep = environ; r == 0 && ep && *ep; ep++)
		if (cargo_env_passes(*ep))
			r = pw_sandbox_spec_add_env(&cs->s, *ep, false, e);
	/* The CA bundle the caller's tools trust (the root's may lack the one
	 * the caller's network needs). */
	if (!ca || ca[0] != '/')
		ca = getenv("SSL_CERT_FILE");
	if (r == 0 && pw_lockstep_is_file(ca)) {
		r = pw_lockstep_bind(&cs->s, false, ca, CARGO_CA, e);
		if (r == 0)
			r = pw_sandbox_spec_add_env(&cs->s, "CARGO_HTTP_CAINFO=" CARGO_CA, false,
						    e);
	}
	if (r < 0)
		return r;
	{
		const char *top = gen ? CARGO_OUT "/project" : CARGO_PROJECT;
		cwd = subdir && subdir[0] ? pw_path_join(top, subdir) : pw_xstrdup(top);
	}
	free(cs->s.cwd);
	cs->s.cwd = pw_xstrdup(cwd);
	return 0;
}

/* Run the root's cargo with @args (after "cargo -Z sparse-registry"). */
static int cargo_step_run(struct cargo_step *cs, const char *target, const char *what,
			  const char *const *args, size_t nargs, struct pw_err *e)
{
	static const char *const markers[] = {"error:", "error[", NULL};
	char **argv = pw_xcalloc(nargs + 4, sizeof(*argv));
	struct pw_sandbox_result res;
	_cleanup_free_ char *first = NULL, *last = NULL;
	int r;

	argv[0] = (char *)"cargo";
	argv[1] = (char *)"-Z";
	argv[2] = (char *)"sparse-registry";
	for (size_t i = 0; i < nargs; i++)
		argv[3 + i] = (char *)args[i];
	r = pw_lockstep_run(&cs->s, argv, cs->log, &res, e);
	free(argv);
	if (res.exited &&
	    (res.exit_code == PW_SANDBOX_EXIT_NOTFOUND || res.exit_code == PW_SANDBOX_EXIT_NOEXEC))
		return pw_err_set(e, ENOENT,
				  "the root of %s has no cargo (add cargo to its base packages) "
				  "to %s",
				  target, what);
	if (r < 0)
		return pw_err_prefix(e, "%s in the root of %s", what, target);
	if (res.exited && res.exit_code == 0)
		return 0;
	first = pw_lockstep_log_line(cs->log, markers);
	last = pw_lockstep_log_line(cs->log, NULL);
	if (!res.exited)
		return pw_err_set(e, EIO, "%s in the root of %s: cargo killed by signal %d: %s",
				  what, target, res.signal, last);
	return pw_err_set(e, EIO, "%s in the root of %s: cargo exited with status %d: %s%s%s", what,
			  target, res.exit_code, first, strcmp(first, last) ? " ... " : "",
			  strcmp(first, last) ? last : "");
}

/* registry/index/@dir/config.json's "dl" in the step's CARGO_HOME (open
 * at @hfd), or NULL (e->msg) when cargo left none: a git index keeps it in
 * git. */
static char *cached_dl(int hfd, const char *dir, struct pw_err *e)
{
	_cleanup_free_ char *rel = pw_xasprintf("registry/index/%s/config.json", dir);
	struct pw_buf b = PW_BUF_INIT(CONFIG_JSON_MAX);
	json_t *j, *dl;
	char *ret = NULL;
	int r;

	r = pw_untrusted_read(hfd, rel, rel, &b, e);
	if (r == -ENOENT) {
		pw_buf_release(&b);
		pw_err_set(e, ENOTSUP,
			   "cargo fetched it through the git index 'registry/index/%s', whose "
			   "download location pinwheel cannot read: use the sparse protocol "
			   "(CARGO_REGISTRIES_CRATES_IO_PROTOCOL=sparse, or a sparse+ registry)",
			   dir);
		errno = ENOTSUP;
		return NULL;
	}
	if (r < 0) {
		pw_buf_release(&b);
		pw_err_prefix(e, "cargo's '%s'", rel);
		errno = -r;
		return NULL;
	}
	j = pw_json_load_mem(rel, b.buf, b.len, e);
	pw_buf_release(&b);
	if (!j) {
		errno = EBADMSG;
		return NULL;
	}
	dl = json_object_get(j, "dl");
	if (json_is_string(dl) && json_string_length(dl))
		ret = pw_xstrdup(json_string_value(dl));
	else
		pw_err_set(e, EBADMSG, "cargo's '%s': no \"dl\" string", rel);
	json_decref(j);
	if (!ret)
		errno = EBADMSG;
	return ret;
}

/* The .crate of @p among the step's registry caches in its CARGO_HOME
 * @home, open at @hfd (the one whose sha256 is the lock's checksum), taken
 * as untrusted.h says: its path, and *dir the cache's name.  NULL when
 * cargo did not download it. */
static char *find_cached_crate(const char *home, int hfd, char **dirs, size_t ndirs,
			       const struct pw_cargo_pkg *p, const char **dir)
{
	for (size_t k = 0; k < ndirs; k++) {
		_cleanup_free_ char *rel =
		    pw_xasprintf("registry/cache/%s/%s-%s.crate", dirs[k], p->name, p->version);
		struct pw_err ie = PW_ERR_INIT;
		char hex[PW_SHA256_HEX];
		int fd = pw_untrusted_open(hfd, rel, rel, CRATE_MAX_BYTES, NULL, &ie);

		if (fd >= 0 && pw_sha256_fd(fd, hex, NULL) == 0 && !strcmp(hex, p->checksum)) {
			close(fd);
			*dir = dirs[k];
			return pw_path_join(home, rel);
		}
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

/* Pin urls[i] and sizes[i] of every crate of @v with need[i] from what
 * the step's cargo downloaded: each .crate goes into the store (verified
 * against the lock's checksum), its URL is its registry's "dl" expanded. */
static int harvest(struct pw_store *store, const char *home, const char *field, struct vendor *v,
		   const bool *need, char **urls, uint64_t *sizes, struct pw_err *e)
{
	/* CARGO_HOME is in the directory bound into cargo's sandbox: it and
	 * everything in it are taken as untrusted.h says */
	const char *slash = strrchr(home, '/');
	_cleanup_free_ char *parent = pw_xasprintf("%.*s", (int)(slash ? slash - home : 0), home);
	_cleanup_close_ int pfd = -1, hfd = -1, cfd = -1;
	struct pw_err ie = PW_ERR_INIT;
	char **dirs = NULL, **dls = NULL;
	size_t ndirs = 0, i;
	int r = 0;

	pfd = open(*parent ? parent : "/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return pw_err_sys(e, errno, "%s: could not open '%s'", field, parent);
	hfd = pw_untrusted_opendir(pfd, slash ? slash + 1 : home, home, e);
	if (hfd < 0)
		return pw_err_prefix(e, "%s: cargo's home", field);
	cfd = pw_untrusted_opendir(hfd, "registry/cache", NULL, &ie);
	if (cfd >= 0 && pw_list_dir_sorted(cfd, &dirs, &ndirs) < 0) {
		dirs = NULL;
		ndirs = 0;
	}
	dls = pw_xcalloc(ndirs + 1, sizeof(*dls));
	for (i = 0; i < v->n && r == 0; i++) {
		const struct pw_cargo_pkg *p = v->pkgs[i];
		const char *dir = NULL;
		_cleanup_free_ char *path = NULL;
		size_t k;
		bool cached;

		if (!need[i])
			continue;
		path = find_cached_crate(home, hfd, dirs, ndirs, p, &dir);
		if (!path) {
			r = pw_err_set(e, ENOENT,
				       "%s: crate '%s' %s: the root's cargo did not download it "
				       "(with the checksum of Cargo.lock)",
				       field, p->name, p->version);
			break;
		}
		for (k = 0; k < ndirs && strcmp(dirs[k], dir); k++)
			;
		if (!dls[k] && !(dls[k] = cached_dl(hfd, dir, e))) {
			r = -errno;
			pw_err_prefix(e, "%s: crate '%s' %s", field, p->name, p->version);
			break;
		}
		urls[i] = pw_crates_dl_url(dls[k], p->name, p->version, p->checksum, e);
		if (!urls[i]) {
			r = pw_err_prefix(e, "%s: crate '%s' %s", field, p->name, p->version);
			break;
		}
		/* the path find_cached_crate() checked (the sandbox is over:
		 * nothing changes it since) */
		r = pw_store_add_file(store, path, p->checksum, PW_STORE_SIZE_UNKNOWN, &cached, e);
		if (r < 0) {
			pw_err_prefix(e, "%s: crate '%s' %s", field, p->name, p->version);
			break;
		}
		sizes[i] = blob_size(store, p->checksum);
	}
	for (i = 0; i < ndirs; i++)
		free(dls[i]);
	free(dls);
	if (dirs)
		pw_free_names(dirs, ndirs);
	return r;
}

/* Where the Cargo.lock @rel (relative to @project) lives: the project's
 * real path and the lock's directory inside it. */
static int split_lock_path(const char *project, const char *rel, char **projdir, char **subdir,
			   struct pw_err *e)
{
	const char *slash = strrchr(rel, '/');

	*subdir = slash ? pw_xasprintf("%.*s", (int)(slash - rel), rel) : pw_xstrdup("");
	*projdir = realpath(project ? project : ".", NULL);
	if (!*projdir) {
		int r = pw_err_sys(e, errno, "could not resolve the project directory '%s'",
				   project ? project : ".");
		free(*subdir);
		*subdir = NULL;
		return r;
	}
	return 0;
}

/* A writable stand-in for the manifest directory @subdir of the project
 * (bound read-only at @src_in): real directories from @top (the
 * project's stand-in) down to it, every other entry on the way a symlink
 * into @src_in, so cargo finds the manifests and path dependencies of the
 * project and writes Cargo.lock into the stand-in.  Without "target" and
 * "Cargo.lock" of the manifest directory. */
static int link_farm(const char *projdir, const char *subdir, const char *top, const char *src_in,
		     struct pw_err *e)
{
	_cleanup_free_ char *rest = pw_xstrdup(subdir);
	_cleanup_free_ char *hdir = pw_xstrdup(projdir), *fdir = pw_xstrdup(top);
	_cleanup_free_ char *idir = pw_xstrdup(src_in);
	char *comp = rest, *next;
	int r = 0;

	if (mkdir(fdir, 0755) < 0)
		return pw_err_sys(e, errno, "could not create '%s'", fdir);
	for (;;) {
		_cleanup_close_ int dfd = open(hdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char **names = NULL;
		size_t n = 0, i;
		bool last;

		while (*comp == '/')
			comp++;
		next = strchr(comp, '/');
		if (next)
			*next = '\0';
		last = !*comp;
		if (dfd < 0 || pw_list_dir_sorted(dfd, &names, &n) < 0)
			return pw_err_sys(e, errno, "could not list '%s'", hdir);
		for (i = 0; i < n && r == 0; i++) {
			_cleanup_free_ char *link = NULL, *to = NULL;

			if (!last && !strcmp(names[i], comp))
				continue;
			if (last &&
			    (!strcmp(names[i], "target") || !strcmp(names[i], "Cargo.lock")))
				continue;
			link = pw_path_join(fdir, names[i]);
			to = pw_path_join(idir, names[i]);
			if (symlink(to, link) < 0)
				r = pw_err_sys(e, errno, "could not create '%s'", link);
		}
		pw_free_names(names, n);
		if (r < 0 || last)
			return r;
		{
			char *h = pw_path_join(hdir, comp), *f = pw_path_join(fdir, comp);
			char *in = pw_path_join(idir, comp);

			free(hdir);
			free(fdir);
			free(idir);
			hdir = h;
			fdir = f;
			idir = in;
		}
		if (mkdir(fdir, 0755) < 0)
			return pw_err_sys(e, errno, "could not create '%s'", fdir);
		comp = next ? next + 1 : comp + strlen(comp);
	}
}

/* Cargo.lock is missing: the root's cargo generates it (`cargo
 * generate-lockfile`, with the network) in a stand-in of the project; its
 * text goes into @b (checked to parse), never into the project. */
static int generate_lock(struct pw_provider_ctx *pc, const struct pw_crates_spec *spec,
			 const struct pw_target_info *t, struct pw_lockset *out, struct pw_buf *b,
			 struct pw_err *e)
{
	static const char *const args[] = {"generate-lockfile"};
	_cleanup_free_ char *projdir = NULL, *subdir = NULL, *made = NULL;
	_cleanup_free_ char *srcdir = NULL, *note = NULL;
	struct pw_cargo_lock check;
	struct pw_sandbox_spec root;
	struct cargo_step cs = {0};
	int r;

	if (pc->offline)
		return pw_err_set(e, ENOENT,
				  "%s: '%s' does not exist and pinwheel.lock has none generated for "
				  "this Cargo.toml: 'pinwheel lock' generates it",
				  spec->field, spec->cargo_lock);
	r = split_lock_path(pc->project_dir, spec->cargo_lock, &projdir, &subdir, e);
	if (r < 0)
		return pw_err_prefix(e, "%s", spec->field);
	srcdir = pw_path_join(projdir, subdir);
	{
		_cleanup_free_ char *toml = pw_path_join(srcdir, "Cargo.toml");
		if (access(toml, F_OK) < 0)
			return pw_err_sys(e, errno, "%s: '%s' does not exist and neither does '%s'",
					  spec->field, spec->cargo_lock, toml);
	}
	pw_sandbox_spec_init(&root);
	r = pw_roots_compose(pc, out, t->id, &root, NULL, e);
	if (r == 0)
		r = cargo_step_init(&cs, &root, projdir, true, subdir, e);
	if (r == 0)
		r = cargo_step_run(&cs, t->id, "generating Cargo.lock", args, PW_ARRAY_SIZE(args),
				   e);
	if (r == 0) {
		/* cs.tmp was bound into cargo's sandbox: the lock is taken as
		 * untrusted.h says */
		_cleanup_close_ int dfd = open(cs.tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		made = subdir[0] ? pw_xasprintf("project/%s/Cargo.lock", subdir)
				 : pw_xstrdup("project/Cargo.lock");
		r = dfd < 0 ? pw_err_sys(e, errno, "could not open '%s'", cs.tmp)
			    : pw_untrusted_read(dfd, made, spec->cargo_lock, b, e);
		if (r < 0)
			pw_err_prefix(e, "generating Cargo.lock in the root of %s: cargo's lock file",
				      t->id);
	}
	if (r == 0) {
		r = pw_cargo_lock_parse("the generated Cargo.lock", b->buf, b->len, &check, e);
		if (r == 0)
			pw_cargo_lock_release(&check);
	}
	if (r == 0 && pc->note) {
		note = pw_xasprintf("%s: '%s' did not exist: generated it with the cargo of %s's "
				    "root, kept in pinwheel.lock (the project is left as it is)",
				    spec->field, spec->cargo_lock, t->id);
		pc->note(pc, note);
	}
	if (r < 0)
		pw_err_prefix(e, "%s", spec->field);
	cargo_step_release(&cs);
	pw_sandbox_spec_release(&root);
	return r;
}

/* Pin the crates of @v with need[i] through the root's cargo. */
static int cargo_pin(struct pw_provider_ctx *pc, const struct pw_crates_spec *spec,
		     const struct pw_target_info *t, struct pw_lockset *out, struct vendor *v,
		     const bool *need, char **urls, uint64_t *sizes, struct pw_err *e)
{
	static const char *const args[] = {"fetch", "--locked"};
	_cleanup_free_ char *projdir = NULL, *subdir = NULL;
	struct pw_sandbox_spec root;
	struct cargo_step cs = {0};
	int r;

	if (pc->offline) /* no root is composed offline */
		return pw_err_set(e, ENOSYS,
				  "%s: no way to compose the root of %s to run its cargo",
				  spec->field, t->id);
	r = split_lock_path(pc->project_dir, spec->cargo_lock, &projdir, &subdir, e);
	if (r < 0)
		return pw_err_prefix(e, "%s", spec->field);
	pw_sandbox_spec_init(&root);
	r = pw_roots_compose(pc, out, t->id, &root, NULL, e);
	/* a generated Cargo.lock goes into a stand-in of the project */
	if (r == 0)
		r = cargo_step_init(&cs, &root, projdir, v->generated != NULL, subdir, e);
	if (r == 0 && v->generated) {
		_cleanup_free_ char *in = pw_path_join(cs.tmp, "project"),
				    *dir = pw_path_join(in, subdir),
				    *lock = pw_path_join(dir, "Cargo.lock");

		r = pw_write_file_atomic(lock, v->generated, strlen(v->generated), 0644);
		if (r < 0)
			r = pw_err_sys(e, -r, "could not write '%s'", lock);
	}
	if (r == 0)
		r = cargo_step_run(&cs, t->id, "downloading the crates of Cargo.lock", args,
				   PW_ARRAY_SIZE(args), e);
	if (r < 0)
		pw_err_prefix(e, "%s", spec->field);
	else
		r = harvest(pc->store, cs.home, spec->field, v, need, urls, sizes, e);
	cargo_step_release(&cs);
	pw_sandbox_spec_release(&root);
	return r;
}

/* Pin urls[i] and sizes[i] of every crate of @v. */
static int pin_crates(struct pw_provider_ctx *pc, const struct pw_crates_spec *spec,
		      const struct pw_target_info *t, struct pw_lockset *out,
		      const struct pw_crates_opts *o, struct vendor *v, char **urls,
		      uint64_t *sizes, struct pw_err *e)
{
	struct pw_fetch_item *items = pw_xcalloc(v->n ? v->n : 1, sizeof(*items));
	char **names = pw_xcalloc(v->n ? v->n : 1, sizeof(*names));
	size_t *which = pw_xcalloc(v->n ? v->n : 1, sizeof(*which));
	bool *need = pw_xcalloc(v->n ? v->n : 1, sizeof(*need));
	const char *field = spec->field;
	struct dlcache dc = {0};
	struct pw_fetch_opts fo;
	size_t i, m = 0, nneed = 0, ncargo = 0;
	int r = 0;

	/* Pins this run or the previous lock already has. */
	for (i = 0; i < v->n && r == 0; i++) {
		const struct pw_cargo_pkg *p = v->pkgs[i];
		const struct pw_artifact *known = find_crate(out, p);

		if (!known)
			known = find_crate(pc->prior, p);
		if (known) {
			urls[i] = pw_xstrdup(known->urls[0]);
			sizes[i] = known->size;
			continue;
		}
		if (pc->offline) {
			r = pw_err_set(e, ENOENT,
				       "%s: crate '%s' %s is not in pinwheel.lock: "
				       "'pinwheel lock' must download it",
				       field, p->name, p->version);
			break;
		}
		if (!pw_provider_store(pc, field, e)) {
			r = -errno;
			break;
		}
		need[i] = true;
		nneed++;
		ncargo += !strncmp(p->source, "registry+", 9);
	}
	/* A registry+ source (crates-io's line) is located by the root's
	 * cargo, which then downloads every crate still to pin. */
	if (r == 0 && ncargo > 0)
		r = cargo_pin(pc, spec, t, out, v, need, urls, sizes, e);
	for (i = 0; i < v->n && r == 0 && ncargo == 0 && nneed > 0; i++) {
		const struct pw_cargo_pkg *p = v->pkgs[i];
		const char *dl;

		if (!need[i])
			continue;
		dl = dlcache_get(&dc, o, p->source, e);
		if (!dl) {
			r = pw_err_prefix(e, "%s: crate '%s' %s", field, p->name, p->version);
			break;
		}
		urls[i] = pw_crates_dl_url(dl, p->name, p->version, p->checksum, e);
		if (!urls[i]) {
			r = pw_err_prefix(e, "%s: crate '%s' %s", field, p->name, p->version);
			break;
		}
		sizes[i] = blob_size(pc->store, p->checksum);
		if (sizes[i] != PW_SIZE_UNKNOWN)
			continue;
		names[m] = pw_xasprintf("%s %s", p->name, p->version);
		items[m].name = names[m];
		items[m].urls = (const char *const *)&urls[i];
		items[m].nurls = 1;
		items[m].sha256 = p->checksum;
		items[m].size = PW_STORE_SIZE_UNKNOWN;
		which[m++] = i;
	}
	if (r == 0 && m > 0) {
		pw_fetch_opts_init(&fo);
		r = pw_fetch_run(pc->store, items, m, &fo, e);
		for (i = 0; i < m && r == -EIO; i++)
			if (items[i].state == PW_FETCH_FAILED)
				r = pw_err_set(e, items[i].err.code, "%s: crate %s", field,
					       items[i].err.msg);
		for (i = 0; i < m && r == 0; i++)
			sizes[which[i]] = blob_size(pc->store, v->pkgs[which[i]]->checksum);
	}
	for (i = 0; i < m; i++) {
		pw_fetch_item_release(&items[i]);
		free(names[i]);
	}
	free(items);
	free(names);
	free(which);
	free(need);
	dlcache_release(&dc);
	return r;
}

/* The Cargo.lock generated for @path from the manifest whose digest is
 * @input, in any root of @ls (this run's other targets, or the previous
 * lock), or NULL. */
static const char *find_generated(const struct pw_lockset *ls, const char *path,
				  const char *input)
{
	for (size_t i = 0; ls && i < ls->nroots; i++)
		for (size_t j = 0; j < ls->roots[i].n; j++) {
			const struct pw_layer *l = &ls->roots[i].layers[j];

			if (l->generated && l->input && !strcmp(l->how, "cargo-vendor") &&
			    !strcmp(l->generated->path, path) && !strcmp(l->input, input))
				return l->generated->text;
		}
	return NULL;
}

/* The digest a generated Cargo.lock is kept by: the lock's path and the
 * Cargo.toml next to it. */
static int manifest_input(const char *lockpath, const struct pw_crates_spec *spec,
			  char hex[PW_SHA256_HEX], struct pw_err *e)
{
	_cleanup_free_ char *dir = pw_xstrdup(lockpath), *toml = NULL;
	struct pw_buf b = PW_BUF_INIT(PW_CARGO_LOCK_MAX);
	char *slash = strrchr(dir, '/');
	struct pw_buf k = PW_BUF_INIT(SIZE_MAX / 2);
	int r;

	if (slash)
		*slash = '\0';
	toml = pw_path_join(slash ? dir : ".", "Cargo.toml");
	r = pw_read_file(toml, &b);
	if (r < 0) {
		pw_buf_release(&b);
		return pw_err_sys(e, -r, "%s: '%s' does not exist and neither does '%s'",
				  spec->field, spec->cargo_lock, toml);
	}
	pw_buf_addf(&k, "cargo-generated;v1\n%s\n", spec->cargo_lock);
	pw_buf_add(&k, b.buf, b.len);
	pw_sha256_mem(k.buf, k.len, hex);
	pw_buf_release(&k);
	pw_buf_release(&b);
	return 0;
}

int pw_provide_crates(struct pw_provider_ctx *pc, const struct pw_crates_spec *spec,
		      const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	_cleanup_free_ char *path =
	    pw_path_join(pc->project_dir ? pc->project_dir : ".", spec->cargo_lock);
	struct pw_cargo_lock l;
	struct pw_buf gb = PW_BUF_INIT(PW_CARGO_LOCK_MAX);
	struct pw_layer_file gen = {0};
	char input[PW_SHA256_HEX];
	struct pw_crates_opts o = {0};
	struct vendor v = {.s = pc->store};
	const char **shas = NULL;
	char **urls = NULL;
	uint64_t *sizes = NULL;
	size_t i;
	int r;

	if (access(path, F_OK) < 0) {
		const char *text;

		if (errno != ENOENT)
			return pw_err_sys(e, errno, "%s: '%s'", spec->field, spec->cargo_lock);
		r = manifest_input(path, spec, input, e);
		if (r < 0)
			return r;
		text = find_generated(out, spec->cargo_lock, input);
		if (!text)
			text = find_generated(pc->prior, spec->cargo_lock, input);
		if (text)
			r = pw_buf_adds(&gb, text);
		else
			r = generate_lock(pc, spec, t, out, &gb, e);
		if (r == 0 && memchr(gb.buf, '\0', gb.len))
			r = pw_err_set(e, EINVAL, "%s: the generated Cargo.lock is not text",
				       spec->field);
		if (r < 0) {
			pw_buf_release(&gb);
			return r == -ENOBUFS ? pw_err_set(e, E2BIG, "%s: the generated Cargo.lock "
							  "is too large", spec->field)
					     : r;
		}
		gen.path = spec->cargo_lock;
		gen.text = gb.buf;
		v.generated = gb.buf;
		r = pw_cargo_lock_parse("the generated Cargo.lock", gb.buf, gb.len, &l, e);
	} else {
		r = pw_cargo_lock_load(path, &l, e);
	}
	if (r < 0) {
		pw_buf_release(&gb);
		return pw_err_prefix(e, "%s", spec->field);
	}
	v.l = &l;
	r = collect(&v, e);
	if (r < 0) {
		pw_err_prefix(e, "%s", spec->field);
		goto out;
	}
	urls = pw_xcalloc(v.n ? v.n : 1, sizeof(*urls));
	sizes = pw_xcalloc(v.n ? v.n : 1, sizeof(*sizes));
	shas = pw_xcalloc(v.n ? v.n : 1, sizeof(*shas));
	r = pin_crates(pc, spec, t, out, &o, &v, urls, sizes, e);
	if (r < 0)
		goto out;
	for (i = 0; i < v.n; i++) {
		struct pw_artifact a = {0};

		a.kind = (char *)"crate";
		a.name = v.pkgs[i]->name;
		a.version = v.pkgs[i]->version;
		a.urls = &urls[i];
		a.nurls = 1;
		memcpy(a.sha256, v.pkgs[i]->checksum, sizeof(a.sha256));
		a.size = sizes[i];
		pw_lockset_add(out, &a, t->id);
		shas[i] = v.pkgs[i]->checksum;
	}
	if (v.n) {
		pw_lockset_add_layer(out, t->id, "crates", "cargo-vendor", PW_CRATES_DEST, shas,
				     v.n, NULL);
		if (gen.text) {
			pw_lockset_set_layer_input(out, t->id, input);
			pw_lockset_set_layer_generated(out, t->id, &gen);
		}
	}
out:
	for (i = 0; urls && i < v.n; i++)
		free(urls[i]);
	free(urls);
	free(sizes);
	free(shas);
	free(v.pkgs);
	pw_cargo_lock_release(&l);
	pw_buf_release(&gb);
	return r;
}

int pw_crates_vendor_locked(struct pw_store *s, const struct pw_artifact *const *a, size_t n,
			    char **path, bool *cached, struct pw_err *e)
{
	struct pw_cargo_lock l = {.version = 4};
	struct pw_crates_opts o = {.offline = true};
	size_t i;
	int r;

	l.pkgs = pw_xcalloc(n ? n : 1, sizeof(*l.pkgs));
	for (i = 0; i < n; i++) {
		if (strcmp(a[i]->kind, "crate") != 0 || !a[i]->version) {
			r = pw_err_set(e, EINVAL, "artifact '%s' is not a crate with a version",
				       a[i]->name);
			goto out;
		}
		l.pkgs[i].name = pw_xstrdup(a[i]->name);
		l.pkgs[i].version = pw_xstrdup(a[i]->version);
		l.pkgs[i].source =
		    pw_xstrdup("registry+pinwheel-lock"); /* only "is a registry" matters */
		memcpy(l.pkgs[i].checksum, a[i]->sha256, sizeof(l.pkgs[i].checksum));
		l.n++;
	}
	r = pw_crates_vendor(s, &l, &o, path, cached, e);
out:
	pw_cargo_lock_release(&l);
	return r;
}

/* ---- registry locations from cargo's own configuration ---- */

void pw_crates_index_map_release(struct pw_crates_index_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->sources[i]);
		free(m->indexes[i]);
	}
	free(m->sources);
	free(m->indexes);
	memset(m, 0, sizeof(*m));
}

/* The URL of a registry index value ("sparse+URL", "registry+URL" or a
 * plain URL) without the protocol prefix. */
static const char *strip_proto(const char *u)
{
	if (!strncmp(u, "sparse+", 7))
		return u + 7;
	if (!strncmp(u, "registry+", 9))
		return u + 9;
	return u;
}

static bool same_url(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la && a[la - 1] == '/')
		la--;
	while (lb && b[lb - 1] == '/')
		lb--;
	return la == lb && !strncmp(a, b, la);
}

/* Is @url the index of one of the config's [registries.NAME]? */
static bool named_registry(const struct pw_toml *root, const char *url)
{
	const struct pw_toml *regs = pw_toml_get(root, "registries");

	for (size_t i = 0; regs && regs->type == PW_TOML_TABLE && i < regs->nkv; i++) {
		const char *idx = pw_toml_get_str(&regs->kv[i].val, "index");
		if (idx && same_url(strip_proto(idx), url))
			return true;
	}
	return false;
}

int pw_crates_index_map_add(struct pw_crates_index_map *m, const char *name, const char *text,
			    size_t len, const struct pw_cargo_lock *l, struct pw_err *e)
{
	struct pw_toml *root = pw_toml_parse(name, text, len, e);
	const struct pw_toml *sources;
	const char *cur = "crates-io", *reg = NULL;
	int hops;

	if (!root)
		return -errno;
	sources = pw_toml_get(root, "source");
	for (hops = 0; hops < 8 && sources; hops++) {
		const struct pw_toml *src = pw_toml_get(sources, cur);
		const char *next = pw_toml_get_str(src, "replace-with");

		if (hops > 0 && pw_toml_get_str(src, "registry"))
			reg = pw_toml_get_str(src, "registry");
		if (!next)
			break;
		cur = next;
	}
	if (reg && (strncmp(strip_proto(reg), "http://", 7) == 0 ||
		    strncmp(strip_proto(reg), "https://", 8) == 0)) {
		for (size_t i = 0; i < l->n; i++) {
			const char *s = l->pkgs[i].source;
			size_t k;

			if (!s || strncmp(s, "registry+", 9) != 0 || named_registry(root, s + 9))
				continue;
			for (k = 0; k < m->n && strcmp(m->sources[k], s); k++)
				;
			if (k < m->n)
				continue;
			m->sources = pw_xrealloc(m->sources, (m->n + 1) * sizeof(*m->sources));
			m->indexes = pw_xrealloc(m->indexes, (m->n + 1) * sizeof(*m->indexes));
			m->sources[m->n] = pw_xstrdup(s);
			m->indexes[m->n++] = pw_xstrdup(strip_proto(reg));
		}
	}
	pw_toml_free(root);
	return 0;
}

int pw_crates_index_map_load(struct pw_crates_index_map *m, const char *project_dir,
			     const struct pw_cargo_lock *l, struct pw_err *e)
{
	const char *ch = getenv("CARGO_HOME"), *home = getenv("HOME");
	_cleanup_free_ char *f1 =
	    pw_path_join(project_dir ? project_dir : ".", ".cargo/config.toml");
	_cleanup_free_ char *f2 = NULL;
	const char *files[2];
	size_t i;

	if (ch && ch[0])
		f2 = pw_path_join(ch, "config.toml");
	else if (home && home[0])
		f2 = pw_path_join(home, ".cargo/config.toml");
	files[0] = f1;
	files[1] = f2;
	for (i = 0; i < 2 && m->n == 0; i++) {
		struct pw_buf b = PW_BUF_INIT(PW_CARGO_LOCK_MAX);
		int r;

		if (!files[i])
			continue;
		r = pw_read_file(files[i], &b);
		if (r == -ENOENT || r == -ENOTDIR) {
			pw_buf_release(&b);
			continue;
		}
		if (r < 0) {
			pw_buf_release(&b);
			return pw_err_sys(e, -r, "could not read '%s'", files[i]);
		}
		r = pw_crates_index_map_add(m, files[i], b.buf, b.len, l, e);
		pw_buf_release(&b);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- the cargo configuration tree ---- */

static int build_config(void *ud, int dfd, json_t *rec, struct pw_err *e)
{
	const char *text = ud;
	_cleanup_close_ int cfd = -1, fd = -1;
	int r;

	if (mkdirat(dfd, ".cargo", 0755) < 0)
		return pw_err_sys(e, errno, "could not create '.cargo'");
	cfd = openat(dfd, ".cargo", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return pw_err_sys(e, errno, "could not open '.cargo'");
	fd = openat(cfd, "config.toml", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not create '.cargo/config.toml'");
	r = pw_write_all(fd, text, strlen(text));
	if (r < 0)
		return pw_err_sys(e, -r, "could not write '.cargo/config.toml'");
	json_object_set_new(rec, "cargo_config", json_string(PW_CRATES_DEST));
	return 0;
}

int pw_crates_config_tree(struct pw_store *s, char **id, bool *cached, struct pw_err *e)
{
	struct pw_cargo_lock none = {.version = 4};
	_cleanup_free_ char *text = pw_crates_cargo_config(&none, PW_CRATES_DEST);
	_cleanup_free_ char *key = pw_xasprintf("cargo-config;v1;%s", text);
	char hex[PW_SHA256_HEX];
	int r;

	*id = NULL;
	*cached = true;
	pw_sha256_mem(key, strlen(key), hex);
	if (s) {
		r = pw_derived_tree_make(s, hex, "cargo-config", build_config, text, NULL, cached,
					 e);
		if (r < 0)
			return r;
	}
	*id = pw_xstrdup(hex);
	return 0;
}

/* The builder of a "generated" tree: the file at its path (the
 * directories on the way made). */
static int build_generated(void *ud, int dfd, json_t *rec, struct pw_err *e)
{
	const struct pw_layer_file *f = ud;
	_cleanup_free_ char *dirs = pw_xstrdup(f->path);
	_cleanup_close_ int fd = -1;
	int cur = dfd, r;
	char *comp = dirs, *slash;

	while ((slash = strchr(comp, '/'))) {
		int next = -1;

		*slash = '\0';
		if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST)
			r = pw_err_sys(e, errno, "could not create '%s'", comp);
		else if ((next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						       O_CLOEXEC)) < 0)
			r = pw_err_sys(e, errno, "could not open '%s'", comp);
		else
			r = 0;
		if (cur != dfd)
			close(cur);
		if (r < 0)
			return r;
		cur = next;
		comp = slash + 1;
	}
	fd = openat(cur, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	r = fd < 0 ? pw_err_sys(e, errno, "could not create '%s'", f->path)
		   : pw_write_all(fd, f->text, strlen(f->text));
	if (fd >= 0 && r < 0)
		pw_err_sys(e, -r, "could not write '%s'", f->path);
	if (cur != dfd)
		close(cur);
	if (r == 0)
		json_object_set_new(rec, "generated", json_string(f->path));
	return r < 0 ? r : 0;
}

int pw_crates_generated_tree(struct pw_store *s, const struct pw_layer_file *f, char **id,
			     bool *cached, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	char hex[PW_SHA256_HEX];
	int r;

	*id = NULL;
	*cached = true;
	pw_buf_addf(&b, "generated;v1\n%s", f->path);
	pw_buf_add(&b, "\0", 1);
	pw_buf_adds(&b, f->text);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
	if (s) {
		r = pw_derived_tree_make(s, hex, "generated", build_generated, (void *)f, NULL,
					 cached, e);
		if (r < 0)
			return r;
	}
	*id = pw_xstrdup(hex);
	return 0;
}
