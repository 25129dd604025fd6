/* roots.c - target roots: lock layers -> store trees -> root id -> sandbox
 * spec (include/pinwheel/roots.h).  The "unpack" layers are built here;
 * every other how by its provider (provider.h). */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pinwheel/buf.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/layout.h"
#include "pinwheel/oci.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/store.h"

struct pw_root_tree *pw_layer_ctx_add(struct pw_layer_ctx *lc, char *id, const struct pw_layer *l,
				      const char *dest)
{
	struct pw_root_plan *p = lc->plan;
	struct pw_root_tree *t;

	if (p->n == lc->alloc) {
		lc->alloc = lc->alloc ? 2 * lc->alloc : 8;
		p->trees = pw_xrealloc(p->trees, lc->alloc * sizeof(*p->trees));
	}
	t = &p->trees[p->n++];
	t->id = id; /* taken */
	t->dest = pw_xstrdup(dest ? dest : l->dest);
	t->layer = l->name;
	t->how = l->how;
	t->generated = l->generated;
	t->emulate = NULL;
	return t;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int pw_roots_build_unpack(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e)
{
	static const struct pw_unpack_opts none;
	const struct pw_unpack_opts *o = l->has_unpack ? &l->unpack : &none;

	for (size_t i = 0; i < l->n; i++) {
		bool cached = true;

		if (lc->store) {
			int r = pw_store_make_tree(lc->store, l->artifacts[i], o, NULL, &cached, e);
			if (r < 0)
				return r;
			lc->plan->nbuilt += !cached;
		}
		pw_layer_ctx_add(lc, pw_store_tree_id(l->artifacts[i], o), l, NULL);
	}
	return 0;
}

void pw_root_plan_id(const struct pw_root_plan *p, char id[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_addf(&b, "pinwheel-root;v1\n");
	for (size_t i = 0; i < p->n; i++)
		pw_buf_addf(&b, "%s %s\n", p->trees[i].id, p->trees[i].dest);
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

/* The builder of layers of @how: "unpack" here, the others the providers'. */
static const struct pw_layer_kind unpack_kind = {"unpack", pw_roots_build_unpack};

static const struct pw_layer_kind *find_kind(const char *how)
{
	return !strcmp(how, unpack_kind.how) ? &unpack_kind : pw_providers_find_how(how);
}

bool pw_roots_known_how(const char *how)
{
	return find_kind(how) != NULL;
}

void pw_roots_list_hows(char *buf, size_t n)
{
	const char *hows[64];
	size_t nh = 0, len = 0;

	hows[nh++] = unpack_kind.how;
	for (size_t i = 0; pw_providers[i]; i++)
		for (size_t j = 0; j < pw_providers[i]->nhows && nh < PW_ARRAY_SIZE(hows); j++)
			hows[nh++] = pw_providers[i]->hows[j].how;
	if (n)
		buf[0] = '\0';
	for (size_t i = 0; i < nh && len < n; i++) {
		int k = snprintf(buf + len, n - len, "%s%s",
				 i == 0	       ? ""
				 : i + 1 == nh ? " or "
					       : ", ",
				 hows[i]);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}

int pw_roots_plan(struct pw_store *store, const struct pw_lockset *ls, const struct pw_root *root,
		  enum pw_roots_mode mode, struct pw_root_plan *out, struct pw_err *e)
{
	struct pw_layer_ctx lc = {0};
	size_t i;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (root->n == 0)
		return pw_err_set(e, ENOENT, "target '%s': the lock gives it no layers",
				  root->target);
	out->target = root->target;
	lc.store = mode == PW_ROOTS_BUILD ? store : NULL;
	lc.rstore = mode == PW_ROOTS_IDS ? NULL : store;
	lc.ls = ls;
	lc.plan = out;
	for (i = 0; i < root->n && r == 0; i++) {
		const struct pw_layer *l = &root->layers[i];
		const struct pw_layer_kind *k = find_kind(l->how);

		if (!k) {
			r = pw_err_set(e, ENOSYS,
				       "target '%s': layer '%s': this pinwheel cannot build "
				       "layers of kind \"%s\"",
				       root->target, l->name, l->how);
			break;
		}
		r = k->build(&lc, l, e);
		if (r < 0)
			pw_err_prefix(e, "target '%s': layer '%s'", root->target, l->name);
	}
	for (i = 0; r == 0 && mode == PW_ROOTS_CHECK && i < out->n; i++)
		if (!pw_store_has_tree(store, out->trees[i].id))
			r = pw_err_set(e, ENOENT,
				       "target %s: root not fetched (layer '%s' is missing); "
				       "run 'pinwheel fetch'",
				       root->target, out->trees[i].layer);
	if (r < 0) {
		pw_root_plan_release(out);
		return r;
	}
	pw_root_plan_id(out, out->id);
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

void pw_roots_prepend_env(struct pw_sandbox_spec *s, char **v, size_t n)
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
	static const char *const own[] = {
	    "HOME", "TZ", "LC_ALL", "LANG", "LANGUAGE", "SOURCE_DATE_EPOCH", "PWD", "HOSTNAME"};
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
	pw_roots_prepend_env(s, v, n);
}

/* The architecture of @p's target ("cp313-manylinux_i686" -> "i686"),
 * or NULL (static). */
static const char *plan_arch(const struct pw_root_plan *p)
{
	const char *plat = p->target ? strchr(p->target, '-') : NULL, *arch = NULL;

	return plat && pw_platform_info(plat + 1, &arch, NULL) ? arch : NULL;
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
	if (pw_linux32_needed(plan_arch(p)))
		s->linux32 = true;
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
	pw_providers_root_env(p, s);
}

int pw_roots_check_emulation(const struct pw_root_plan *p, struct pw_err *e)
{
	const char *arch = plan_arch(p);

	if (!arch || !pw_emulator_needed(arch))
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

/* The items of the artifacts @target needs in @ls (their strings borrowed
 * from @ls); *n gets their number. */
/* The items of @target's artifacts; one with snapshot coordinates gets
 * the snapshot urls ($PINWHEEL_SNAPSHOT) after its mirrors, and every one
 * the blob mirror's ($PINWHEEL_BLOB_MIRROR) last; its url list and urls
 * kept in *owned (SLOTS per item; free them with the items). */
#define SLOTS (PW_SNAPSHOT_TRIES + 2)
static struct pw_fetch_item *target_items(const struct pw_lockset *ls, const char *target,
					  size_t *n, void ***owned)
{
	struct pw_fetch_item *items = pw_xcalloc(ls->n + 1, sizeof(*items));
	const char *snap = pw_snapshot_base(), *blobm = pw_blob_mirror_base();
	size_t k = 0;

	*owned = pw_xcalloc(SLOTS * ls->n + 1, sizeof(**owned));

	for (size_t i = 0; i < ls->n; i++) {
		const struct pw_artifact *a = &ls->artifacts[i];
		bool mine = false;

		for (size_t j = 0; j < a->nneeded && !mine; j++)
			mine = !strcmp(a->needed_by[j], target);
		if (!mine)
			continue;
		items[k].name = a->name;
		items[k].urls = (const char *const *)a->urls;
		items[k].nurls = a->nurls;
		items[k].sha256 = a->sha256;
		items[k].size = a->size;
		items[k].unpack = a->has_unpack ? &a->unpack : NULL;
		{
			char *su[PW_SNAPSHOT_TRIES + 1];
			const char **v;
			size_t d, m = 0;

			for (d = 0; d < PW_SNAPSHOT_TRIES; d++)
				if ((su[m] = pw_artifact_snapshot_url(a, snap, (unsigned)d)))
					m++;
			if ((su[m] = pw_artifact_blob_url(a, blobm)))
				m++;
			if (m) {
				v = pw_xcalloc(a->nurls + m, sizeof(*v));
				for (size_t u = 0; u < a->nurls; u++)
					v[u] = a->urls[u];
				for (d = 0; d < m; d++) {
					v[a->nurls + d] = su[d];
					(*owned)[SLOTS * k + d] = su[d];
				}
				items[k].urls = v;
				items[k].nurls = a->nurls + m;
				(*owned)[SLOTS * k + SLOTS - 1] = v;
			}
		}
		k++;
	}
	*n = k;
	return items;
}

int pw_roots_compose(struct pw_provider_ctx *pc, struct pw_lockset *ls, const char *target,
		     struct pw_sandbox_spec *spec, char *root_id, struct pw_err *e)
{
	struct pw_fetch_item *items = NULL;
	struct pw_fetch_prep *prep = NULL;
	void **owned = NULL;
	struct pw_fetch_opts o;
	struct pw_root_plan p;
	const struct pw_root *root;
	struct pw_store *s;
	size_t i, k = 0;
	int r;

	s = pw_provider_store(pc, target, e);
	if (!s)
		return -errno;
	pw_lockset_sort(ls);
	root = pw_lockset_find_root(ls, target);
	if (!root)
		return pw_err_set(e, ENOENT, "target '%s' has no base layers to run in", target);
	items = target_items(ls, target, &k, &owned);
	pw_fetch_opts_init(&o);
	r = pw_providers_fetch_prepare(s, items, k, &o, &prep, e);
	if (r < 0)
		goto out;
	r = pc->fetch ? pc->fetch(pc, target, s, items, k, &o, e)
		      : pw_fetch_run(s, items, k, &o, e);
	for (i = 0; r == -EIO && i < k; i++)
		if (items[i].state != PW_FETCH_DONE) {
			pw_err_set(e, EIO, "target '%s': could not fetch '%s' for the root: %s",
				   target, items[i].name, items[i].err.msg);
			break;
		}
	if (r < 0 && !e->msg[0])
		pw_err_set(e, -r, "target '%s': could not fetch the artifacts of the root", target);
	if (r == 0 && pc->compose)
		pc->compose(pc, target, root->n, NULL);
	if (r == 0)
		r = pw_roots_plan(s, ls, root, PW_ROOTS_BUILD, &p, e);
	if (r == 0) {
		if (pc->compose)
			pc->compose(pc, target, root->n, &p);
		if (root_id)
			memcpy(root_id, p.id, PW_SHA256_HEX);
		pw_roots_to_spec(s, &p, spec);
		pw_root_plan_release(&p);
		if (pc->seccomp)
			r = pc->seccomp(pc, &spec->seccomp, e);
	}
out:
	pw_providers_fetch_release(prep);
	for (i = 0; i < k; i++) {
		pw_fetch_item_release(&items[i]);
		for (size_t j = 0; j < SLOTS; j++)
			free(owned[SLOTS * i + j]);
	}
	free(owned);
	free(items);
	return r;
}
