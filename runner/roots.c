/* roots.c - target roots: lock layers -> store trees -> root id -> sandbox
 * spec (include/pinwheel/roots.h). */
#include <fcntl.h>
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/crates.h"
#include "pinwheel/config.h"
#include "pinwheel/debian.h"
#include "pinwheel/derived.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/emulator.h"
#include "pinwheel/layout.h"
#include "pinwheel/oci.h"
#include "pinwheel/pypi.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/store.h"

/* Trees being collected for one plan. */
struct trees {
	struct pw_root_tree *v;
	size_t n, alloc;
	size_t nbuilt;
	const char *target;	   /* the root's target id (borrowed) */
	struct pw_store *rstore;   /* the store to read blobs from (CHECK, BUILD) or NULL */
	char **env;		   /* the image's Env (an "oci-image" layer), or NULL */
};

static void trees_add(struct trees *t, char *id, const struct pw_layer *l)
{
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 8;
		t->v = pw_xrealloc(t->v, t->alloc * sizeof(*t->v));
	}
	t->v[t->n].id = id; /* taken */
	t->v[t->n].dest = pw_xstrdup(l->dest);
	t->v[t->n].layer = l->name;
	t->v[t->n].emulate = NULL;
	t->v[t->n].cross = false;
	t->n++;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void trees_release(struct trees *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].id);
		free(t->v[i].dest);
	}
	free(t->v);
	strv_free(t->env);
	memset(t, 0, sizeof(*t));
}

/* A builder adds the tree ids of layer @l to @t, making the trees first
 * when @store is non-NULL.  The blobs are present (fetch made them so). */
typedef int (*layer_builder)(struct pw_store *store, const struct pw_lockset *ls,
			     const struct pw_layer *l, struct trees *t, struct pw_err *e);

static int build_unpack(struct pw_store *store, const struct pw_lockset *ls,
			const struct pw_layer *l, struct trees *t, struct pw_err *e)
{
	static const struct pw_unpack_opts none;
	const struct pw_unpack_opts *o = l->has_unpack ? &l->unpack : &none;

	(void)ls;
	for (size_t i = 0; i < l->n; i++) {
		bool cached = true;

		if (store) {
			int r = pw_store_make_tree(store, l->artifacts[i], o, NULL, &cached, e);
			if (r < 0)
				return r;
			t->nbuilt += !cached;
		}
		trees_add(t, pw_store_tree_id(l->artifacts[i], o), l);
	}
	return 0;
}

static int build_debian_root(struct pw_store *store, const struct pw_lockset *ls,
			     const struct pw_layer *l, struct trees *t, struct pw_err *e)
{
	const char *arch = strrchr(l->name, '-');
	struct pw_deb_artifact *a;
	bool cached = true;
	size_t i;
	int r = 0;

	if (!arch || !arch[1] || strncmp(l->name, "debian-", 7) ||
	    strspn(arch + 1, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(arch + 1))
		return pw_err_set(e, EINVAL,
				  "layer '%s': expected a name like "
				  "\"debian-SUITE-ARCH\" for how \"debian-root\"",
				  l->name);
	arch++;
	a = pw_xcalloc(l->n + 1, sizeof(*a));
	for (i = 0; i < l->n; i++) {
		const struct pw_artifact *la = pw_lockset_find_sha(ls, l->artifacts[i]);

		if (!la) { /* the lock reader checks this; be safe */
			r = pw_err_set(e, EINVAL, "layer '%s': no artifact %s in the lock", l->name,
				       l->artifacts[i]);
			goto out;
		}
		a[i].package = la->package ? la->package : la->name;
		a[i].version = la->version ? la->version : (char *)"";
		a[i].arch = (char *)arch;
		a[i].url = la->nurls ? la->urls[0] : NULL;
		memcpy(a[i].sha256, la->sha256, sizeof(a[i].sha256));
		a[i].size = la->size;
	}
	if (store) {
		r = pw_debian_make_root(store, a, l->n, arch, NULL, &cached, e);
		if (r < 0)
			goto out;
		t->nbuilt += !cached;
	}
	trees_add(t, pw_debian_root_id(a, l->n, arch), l);
out:
	free(a); /* the strings are borrowed from the lock */
	return r;
}

/* The root id of the trees in @t so far (roots.h). */
static void trees_root_id(const struct trees *t, char id[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_addf(&b, "pinwheel-root;v1\n");
	for (size_t i = 0; i < t->n; i++)
		pw_buf_addf(&b, "%s %s\n", t->v[i].id, t->v[i].dest);
	pw_sha256_mem(b.buf, b.len, id);
	pw_buf_release(&b);
}

/* The image interpreter (pw_oci_python()) in the trees at "/" of @v[0..n),
 * topmost first, or NULL. */
static char *image_python(const struct pw_store *store, const struct pw_root_tree *v, size_t n,
			  const char *version, bool ft)
{
	for (size_t i = n; store && i-- > 0;) {
		_cleanup_free_ char *path = NULL;
		char *py;
		int fd;

		if (strcmp(v[i].dest, "/"))
			continue;
		path = pw_store_tree_path(store, v[i].id);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		py = pw_oci_python(fd, version, ft);
		close(fd);
		if (py)
			return py;
	}
	return NULL;
}

char *pw_roots_python(const struct pw_store *store, const struct pw_root_plan *p,
		      const char *version, bool ft)
{
	return image_python(store, p->trees, p->n, version, ft);
}

/* "cp311-manylinux_x86_64" -> "/usr/bin/python3.11" ("cp313t" ->
 * "python3.13t"): the interpreter of a Debian base, or under
 * PW_PYTHON_MOUNT when the trees so far have a standalone Python there,
 * or the image's /opt/python/cp311-cp311/bin/python (manylinux). */
static char *target_python(const struct trees *t)
{
	const char *p = t->target, *end, *dir = "/usr/bin";
	char version[16];
	char *py;
	bool ft;

	if (strncmp(p, "cp3", 3) || !(end = strchr(p, '-')) || end - p < 4)
		return NULL;
	p += 3;
	ft = end[-1] == 't';
	snprintf(version, sizeof(version), "3.%.*s", (int)(end - p - ft), p);
	py = image_python(t->rstore, t->v, t->n, version, ft);
	if (py)
		return py;
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].dest, PW_PYTHON_MOUNT))
			dir = PW_PYTHON_MOUNT "/bin";
	return pw_xasprintf("%s/python3.%.*s", dir, (int)(end - p), p);
}

/* "pypi-install": the layer's wheels installed by the root's own pip into
 * a derived tree over the trees below it (pw_pypi_build_layer()). */
static int build_pypi_install(struct pw_store *store, const struct pw_lockset *ls,
			      const struct pw_layer *l, struct trees *t, struct pw_err *e)
{
	struct pw_artifact *w = pw_xcalloc(l->n + 1, sizeof(*w));
	_cleanup_free_ char *python = target_python(t);
	char rid[PW_SHA256_HEX], *id = NULL;
	size_t i;
	int r = 0;

	if (!python) {
		free(w);
		return pw_err_set(e, EINVAL, "expected a CPython target like \"cp311-...\" for "
					     "how \"pypi-install\"");
	}
	for (i = 0; i < l->n; i++) {
		const struct pw_artifact *la = pw_lockset_find_sha(ls, l->artifacts[i]);

		if (!la) {
			r = pw_err_set(e, EINVAL, "no artifact %s in the lock", l->artifacts[i]);
			goto out;
		}
		w[i].kind = (char *)"wheel";
		w[i].name = la->name;
		w[i].version = la->version;
		w[i].urls = la->urls;
		w[i].nurls = la->nurls;
		memcpy(w[i].sha256, la->sha256, sizeof(w[i].sha256));
		w[i].size = la->size;
	}
	trees_root_id(t, rid);
	if (store) {
		struct pw_root_plan below = {t->target, {0}, t->v, t->n, 0, t->env};
		struct pw_sandbox_spec s;

		memcpy(below.id, rid, sizeof(rid));
		pw_sandbox_spec_init(&s);
		pw_roots_to_spec(store, &below, &s);
		r = pw_pypi_build_layer(store, &s, rid, python, w, l->n, &id, e);
		pw_sandbox_spec_release(&s);
		if (r < 0)
			goto out;
		/* pw_pypi_build_layer() does not say whether it was cached */
	} else {
		id = pw_pypi_layer_id(rid, w, l->n);
	}
	trees_add(t, id, l);
out:
	free(w); /* the strings are borrowed from the lock */
	return r;
}

/* "cargo-vendor": the layer's crates vendored into one tree
 * (pw_crates_vendor_locked()); its id is the vendor key of the set. */
static int build_cargo_vendor(struct pw_store *store, const struct pw_lockset *ls,
			      const struct pw_layer *l, struct trees *t, struct pw_err *e)
{
	struct pw_artifact *a = pw_xcalloc(l->n + 1, sizeof(*a));
	const struct pw_artifact **ap = pw_xcalloc(l->n + 1, sizeof(*ap));
	struct pw_cargo_pkg *pkgs = pw_xcalloc(l->n + 1, sizeof(*pkgs));
	struct pw_cargo_lock cl = {.version = 4, .pkgs = pkgs, .n = l->n};
	char key[PW_SHA256_HEX];
	size_t i;
	int r = 0;

	for (i = 0; i < l->n; i++) {
		const struct pw_artifact *la = pw_lockset_find_sha(ls, l->artifacts[i]);

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
	if (store) {
		_cleanup_free_ char *path = NULL;
		bool cached = true;

		r = pw_crates_vendor_locked(store, ap, l->n, &path, &cached, e);
		if (r < 0)
			goto out;
		t->nbuilt += !cached;
	}
	trees_add(t, pw_xstrdup(key), l);
	/* and the cargo configuration that points cargo at them, at "/" */
	{
		struct pw_layer cfg = {.name = l->name, .dest = (char *)"/"};
		bool cached = true;
		char *id = NULL;

		r = pw_crates_config_tree(store, &id, &cached, e);
		if (r < 0)
			goto out;
		t->nbuilt += !cached;
		trees_add(t, id, &cfg);
	}
out:
	free(pkgs); /* the strings are borrowed from the lock */
	free(ap);
	free(a);
	return r;
}

/* ---- "oci-image": an image's layers applied into one tree (oci.h) ---- */

#define OCI_CONFIG_MAX (4u << 20) /* bytes of an image config blob */

struct oci_build {
	const struct pw_oci_config *c;
	const char *const *paths; /* layer blobs */
	const struct pw_layer *l;
};

/* pw_derived_tree_make() callback: apply, and say what was done in the
 * tree record. */
static int oci_fill(void *ud, int dirfd, json_t *rec, struct pw_err *e)
{
	const struct oci_build *ob = ud;
	struct pw_oci_apply_stats st;
	json_t *layers = json_array();
	int r;

	r = pw_oci_apply_counted(dirfd, ob->c, ob->paths, ob->l->n - 1, &st, e);
	if (r < 0) {
		json_decref(layers);
		return r;
	}
	for (size_t i = 1; i < ob->l->n; i++)
		json_array_append_new(layers, json_string(ob->l->artifacts[i]));
	json_object_set_new(rec, "oci",
			    json_pack("{s:s, s:o, s:s, s:s, s:I, s:I, s:I, s:I}", "config",
				      ob->l->artifacts[0], "layers", layers, "os", ob->c->os,
				      "architecture", ob->c->arch, "entries", (json_int_t)st.entries,
				      "bytes", (json_int_t)st.bytes, "whiteouts",
				      (json_int_t)st.whiteouts, "skipped_nodes",
				      (json_int_t)st.skipped_nodes));
	return 0;
}

/* Read and parse the config blob @sha of an image from @store. */
static int oci_config_load(struct pw_store *store, const char *sha, struct pw_oci_config *c,
			   struct pw_err *e)
{
	_cleanup_free_ char *path = pw_store_blob_path(store, sha);
	_cleanup_free_ char *name = pw_xasprintf("sha256:%s", sha);
	struct pw_buf b = PW_BUF_INIT(OCI_CONFIG_MAX);
	int r = pw_read_file(path, &b);

	if (r == -ENOENT)
		r = pw_err_set(e, ENOENT, "image config %s is not in the store; run 'pinwheel fetch'",
			       name);
	else if (r < 0)
		r = pw_err_sys(e, -r, "cannot read the image config %s", name);
	else
		r = pw_oci_config_parse(name, b.buf, b.len, c, e);
	pw_buf_release(&b);
	return r;
}

/* The layer's artifacts are the config, then the layer blobs bottom
 * first.  The tree id comes from the lock alone; with a store, the config
 * gives the image's Env, and in BUILD mode the tree is made. */
static int build_oci_image(struct pw_store *store, const struct pw_lockset *ls,
			   const struct pw_layer *l, struct trees *t, struct pw_err *e)
{
	const struct pw_artifact *la = l->n ? pw_lockset_find_sha(ls, l->artifacts[0]) : NULL;
	struct pw_oci_config c;
	char **paths = NULL, *id;
	bool cached = true;
	size_t i;
	int r;

	if (!l->n || !la || (la->kind[0] && strcmp(la->kind, "oci-config")))
		return pw_err_set(e, EINVAL,
				  "expected the image config (kind \"oci-config\") as the first "
				  "artifact of how \"oci-image\"");
	id = pw_oci_tree_id(l->artifacts[0], (const char *const *)l->artifacts + 1, l->n - 1);
	/* CHECK without the tree: pw_roots_plan() says "run 'pinwheel fetch'" */
	if (t->rstore && (store || pw_store_has_tree(t->rstore, id))) {
		r = oci_config_load(t->rstore, l->artifacts[0], &c, e);
		if (r < 0) {
			free(id);
			return r;
		}
		if (store) {
			struct oci_build ob = {&c, NULL, l};

			paths = pw_xcalloc(l->n, sizeof(*paths));
			for (i = 1; i < l->n; i++)
				paths[i - 1] = pw_store_blob_path(store, l->artifacts[i]);
			ob.paths = (const char *const *)paths;
			r = pw_derived_tree_make(store, id, "oci-image", oci_fill, &ob, NULL,
						 &cached, e);
			strv_free(paths);
			if (r < 0) {
				pw_oci_config_release(&c);
				free(id);
				return r;
			}
			t->nbuilt += !cached;
		}
		strv_free(t->env);
		t->env = c.env; /* taken */
		c.env = NULL;
		pw_oci_config_release(&c);
	}
	trees_add(t, id, l); /* taken */
	return 0;
}

/* "emulator": the qemu-user .deb unpacked as one tree, mounted nowhere
 * (pw_roots_to_spec() passes the binary at dest inside it to the sandbox). */
static int build_emulator(struct pw_store *store, const struct pw_lockset *ls,
			  const struct pw_layer *l, struct trees *t, struct pw_err *e)
{
	const size_t np = strlen(PW_EMULATOR_LAYER_PREFIX);
	const char *arch = strncmp(l->name, PW_EMULATOR_LAYER_PREFIX, np) ? "" : l->name + np;
	bool known = false;
	int r;

	for (size_t i = 0; pw_emulate_arches[i]; i++)
		known = known || !strcmp(pw_emulate_arches[i], arch);
	if (!known)
		return pw_err_set(
		    e, EINVAL,
		    "expected a name like \"emulator-ARCH\" (ARCH one of aarch64, "
		    "arm, ppc64le, s390x, riscv64, i386, x86_64) for how \"emulator\"");
	if (l->n != 1)
		return pw_err_set(
		    e, EINVAL,
		    "expected one artifact (the qemu-user .deb) for how \"emulator\", "
		    "got %zu",
		    l->n);
	if (!strcmp(l->dest, "/"))
		return pw_err_set(e, EINVAL,
				  "expected the interpreter's path in the .deb as 'dest' for how "
				  "\"emulator\"");
	r = build_unpack(store, ls, l, t, e);
	if (r == 0)
		t->v[t->n - 1].emulate = arch;
	return r;
}

/* "debian-cross": a Debian root of the host's cross tools (emulator.h). */
static int build_debian_cross(struct pw_store *store, const struct pw_lockset *ls,
			      const struct pw_layer *l, struct trees *t, struct pw_err *e)
{
	int r = build_debian_root(store, ls, l, t, e);

	if (r == 0)
		t->v[t->n - 1].cross = true;
	return r;
}

/* "how" -> builder.  Derived layers of other providers go here: a builder
 * must compute the same tree ids with and without a store. */
static const struct {
	const char *how;
	layer_builder build;
} builders[] = {
    {"unpack", build_unpack},
    {"debian-root", build_debian_root},
    {PW_PYPI_LAYER_HOW, build_pypi_install},
    {"cargo-vendor", build_cargo_vendor},
    {"oci-image", build_oci_image},
    {PW_EMULATOR_HOW, build_emulator},
    {PW_CROSS_HOW, build_debian_cross},
};

static layer_builder find_builder(const char *how)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(builders); i++)
		if (!strcmp(builders[i].how, how))
			return builders[i].build;
	return NULL;
}

bool pw_roots_known_how(const char *how)
{
	return find_builder(how) != NULL;
}

void pw_roots_list_hows(char *buf, size_t n)
{
	size_t len = 0;

	if (n)
		buf[0] = '\0';
	for (size_t i = 0; i < PW_ARRAY_SIZE(builders) && len < n; i++) {
		int k = snprintf(buf + len, n - len, "%s%s",
				 i == 0				   ? ""
				 : i + 1 == PW_ARRAY_SIZE(builders) ? " or "
								     : ", ",
				 builders[i].how);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}

int pw_roots_plan(struct pw_store *store, const struct pw_lockset *ls, const struct pw_root *root,
		  enum pw_roots_mode mode, struct pw_root_plan *out, struct pw_err *e)
{
	struct trees t = {0};
	size_t i;
	int r = 0;

	memset(out, 0, sizeof(*out));
	t.target = root->target;
	t.rstore = mode == PW_ROOTS_IDS ? NULL : store;
	if (root->n == 0)
		return pw_err_set(e, ENOENT, "target '%s': the lock gives it no layers",
				  root->target);
	for (i = 0; i < root->n && r == 0; i++) {
		const struct pw_layer *l = &root->layers[i];
		layer_builder fn = find_builder(l->how);

		if (!fn) {
			r = pw_err_set(e, ENOSYS,
				       "target '%s': layer '%s': this pinwheel cannot build "
				       "layers of kind \"%s\"",
				       root->target, l->name, l->how);
			break;
		}
		r = fn(mode == PW_ROOTS_BUILD ? store : NULL, ls, l, &t, e);
		if (r < 0)
			pw_err_prefix(e, "target '%s': layer '%s'", root->target, l->name);
	}
	for (i = 0; r == 0 && mode == PW_ROOTS_CHECK && i < t.n; i++)
		if (!pw_store_has_tree(store, t.v[i].id))
			r = pw_err_set(e, ENOENT,
				       "target %s: root not fetched (layer '%s' is missing); "
				       "run 'pinwheel fetch'",
				       root->target, t.v[i].layer);
	if (r < 0) {
		trees_release(&t);
		return r;
	}
	trees_root_id(&t, out->id);
	out->target = root->target;
	out->trees = t.v;
	out->n = t.n;
	out->nbuilt = t.nbuilt;
	out->env = t.env;
	return 0;
}

void pw_root_plan_release(struct pw_root_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->trees[i].id);
		free(p->trees[i].dest);
	}
	free(p->trees);
	strv_free(p->env);
	memset(p, 0, sizeof(*p));
}

/* Put the @n strings of @v (taken, with the array) before @s's variables,
 * so the caller's win. */
static void prepend_env(struct pw_sandbox_spec *s, char **v, size_t n)
{
	v = pw_xrealloc(v, (n + s->n_env + 1) * sizeof(*v));
	if (s->n_env)
		memcpy(v + n, s->env, s->n_env * sizeof(*v));
	v[n + s->n_env] = NULL;
	free(s->env);
	s->env = v;
	s->n_env += n;
}

/* Variables that describe the sandbox, not the image: pinwheel's values
 * stay (sandbox.h baseline, DESIGN.md invariant 4). */
static bool pinwheel_owns(const char *kv)
{
	static const char *const own[] = {"HOME", "TZ", "LC_ALL", "LANG", "LANGUAGE",
					  "SOURCE_DATE_EPOCH", "PWD", "HOSTNAME"};
	size_t k = strcspn(kv, "=");

	if (!strncmp(kv, "LC_", 3))
		return true;
	for (size_t i = 0; i < PW_ARRAY_SIZE(own); i++)
		if (strlen(own[i]) == k && !strncmp(kv, own[i], k))
			return true;
	return false;
}

/* The image's Env (PATH, LD_LIBRARY_PATH, PKG_CONFIG_PATH, AUDITWHEEL_PLAT,
 * SSL_CERT_FILE, ...) before the variables already in @s, so that the
 * caller's and pinwheel's later ones win; minus pinwheel_owns(). */
static void replay_image_env(const struct pw_root_plan *p, struct pw_sandbox_spec *s)
{
	size_t i, n = 0, k = 0;
	char **v;

	for (i = 0; p->env && p->env[i]; i++)
		n += !pinwheel_owns(p->env[i]);
	if (!n)
		return;
	v = pw_xcalloc(n + 1, sizeof(*v));
	for (i = 0; p->env[i]; i++)
		if (!pinwheel_owns(p->env[i]))
			v[k++] = pw_xstrdup(p->env[i]);
	prepend_env(s, v, n);
}

/* "cp311-..." -> "3.11" ("cp313t" -> "3.13t"), or NULL. */
static char *target_pyver(const char *target)
{
	const char *end = strchr(target, '-');

	if (strncmp(target, "cp3", 3) || !end || end - target < 4)
		return NULL;
	return pw_xasprintf("3.%.*s", (int)(end - target - 3), target + 3);
}

void pw_roots_to_spec(const struct pw_store *store, const struct pw_root_plan *p,
		      struct pw_sandbox_spec *s)
{
	size_t i, nb = 0, k = 0;
	struct pw_bind *binds;

	for (i = p->n; i-- > 0;)
		if (p->trees[i].emulate) {
			char *path = pw_store_tree_path(store, p->trees[i].id);

			free(s->emulate_arch);
			free(s->emulate_qemu);
			s->emulate_arch = pw_xstrdup(p->trees[i].emulate);
			s->emulate_qemu = pw_xasprintf("%s%s", path, p->trees[i].dest);
			free(path);
		} else if (!strcmp(p->trees[i].dest, "/")) {
			char *path = pw_store_tree_path(store, p->trees[i].id);
			pw_sandbox_spec_add_layer(s, path);
			free(path);
		} else {
			nb++;
		}
	replay_image_env(p, s);
	if (nb) {
		binds = pw_xcalloc(nb + s->n_binds, sizeof(*binds));
		for (i = 0; i < p->n; i++)
			if (strcmp(p->trees[i].dest, "/") && !p->trees[i].emulate) {
				binds[k].kind = PW_BIND_RO;
				binds[k].src = pw_store_tree_path(store, p->trees[i].id);
				binds[k].dst = pw_xstrdup(p->trees[i].dest);
				k++;
			}
		if (s->n_binds)
			memcpy(binds + k, s->binds, s->n_binds * sizeof(*binds));
		free(s->binds);
		s->binds = binds;
		s->n_binds += nb;
	}
	if (pw_roots_has_python_mount(p)) {
		/* A standalone Python at /install (layout.h): its recorded
		 * CC=clang is not the root's compiler; its bin goes first on
		 * PATH.  Before the caller's variables, which win. */
		static const char *const env[] = {"PATH=" PW_PYTHON_MOUNT "/bin:" PW_SANDBOX_PATH,
						  "CC=cc", "CXX=c++"};
		char **v = pw_xcalloc(PW_ARRAY_SIZE(env) + 1, sizeof(*v));

		for (i = 0; i < PW_ARRAY_SIZE(env); i++)
			v[i] = pw_xstrdup(env[i]);
		prepend_env(s, v, PW_ARRAY_SIZE(env));
	}
	for (i = 0; i < p->n; i++)
		if (p->trees[i].cross) {
			_cleanup_free_ char *pyver = target_pyver(p->target);
			const char *plat = strchr(p->target, '-'), *arch = NULL;
			char **v = NULL;
			size_t n;

			if (plat && pw_platform_info(plat + 1, &arch, NULL) &&
			    (n = pw_cross_env(arch, pyver, &v)) > 0)
				prepend_env(s, v, n);
			else
				free(v);
			break;
		}
}

int pw_roots_check_emulation(const struct pw_root_plan *p, struct pw_err *e)
{
	const char *plat = strchr(p->target, '-'), *arch = NULL;

	if (!plat || !pw_platform_info(plat + 1, &arch, NULL) || !pw_emulator_needed(arch))
		return 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->trees[i].emulate)
			return 0;
	return pw_err_set(e, ENOEXEC,
			  "target %s: this machine runs %s binaries, not %s, and the root has no "
			  "emulator layer (qemu-user: a Debian base pins one); run 'pinwheel lock'",
			  p->target, pw_host_arch(), arch);
}

bool pw_roots_has_python_mount(const struct pw_root_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->trees[i].dest, PW_PYTHON_MOUNT))
			return true;
	return false;
}
