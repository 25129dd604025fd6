/* provider_oci.c - an OCI image as a base root, the "oci" provider
 * (include/pinwheel/provider.h, oci.h): the reference resolved for the target's platform
 * into artifacts "oci-config" (the image config) and "oci-layer" (each
 * layer blob), with the registry's blob urls (or file: urls into an OCI
 * layout), and ONE layer "oci-REPOSITORY", how "oci-image", dest "/",
 * artifacts config first then the layers bottom first, carrying the
 * image facts (reference as given, index digest, manifest digest,
 * platform: docs/lock.md).
 *
 * The layer's input digest covers the reference as given and the
 * platform.  While it is the same as the previous lock's, the pins are
 * kept (a tag that moved on the registry does not move the lock); offline
 * (`lock --check`) they are always reused; `lock --upgrade` resolves the
 * tag again. */
#include <stdlib.h>
#include <string.h>

#include "pinwheel/artifact.h"
#include "pinwheel/buf.h"
#include "pinwheel/derived.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/oci.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/store.h"

static void oci_input(const char *image, const char *platform, char hex[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_addf(&b, "oci-layer;v1\nreference %s\nplatform %s\n", image, platform);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
}

/* "REPO" for people: the repository, or the layout directory's name. */
static const char *short_name(const struct pw_oci_ref *r)
{
	const char *s;

	if (r->source == PW_OCI_REGISTRY)
		return r->repo;
	s = strrchr(r->path, '/');
	return s && s[1] ? s + 1 : r->path;
}

static void add_blob(struct pw_lockset *out, const struct pw_oci_ref *r, const char *member,
		     const char *kind, const char *digest, uint64_t size, const char *target)
{
	_cleanup_free_ char *url = member ? pw_xasprintf("docker-archive:%s#%s", r->path, member)
					  : pw_oci_blob_url(r, digest);
	_cleanup_free_ char *name = pw_xasprintf("%s@%.19s", short_name(r), digest);
	char *urls[1] = {url};
	struct pw_artifact a;

	memset(&a, 0, sizeof(a));
	a.kind = (char *)kind;
	a.name = name;
	a.urls = urls;
	a.nurls = 1;
	memcpy(a.sha256, digest + 7, PW_SHA256_HEX);
	a.size = size;
	pw_lockset_add(out, &a, target);
}

static int lock_oci(struct pw_provider_ctx *pc, const void *p, const struct pw_target_info *t,
		    struct pw_lockset *out, struct pw_err *e)
{
	const struct pw_oci_spec *spec = p;
	struct pw_oci_ref ref;
	struct pw_oci_image img;
	struct pw_layer_oci facts;
	_cleanup_free_ char *layer = NULL;
	const char **shas = NULL;
	const char *platform = pw_oci_platform(t->arch);
	char input[PW_SHA256_HEX];
	int r;

	if (!platform)
		return pw_err_set(e, EINVAL, "%s: no OCI platform for the architecture '%s' of %s",
				  spec->field, t->arch, t->id);
	r = pw_oci_ref_parse(spec->image, &ref, e);
	if (r < 0)
		return pw_err_prefix(e, "%s", spec->field);
	layer = pw_xasprintf("oci-%s", short_name(&ref));
	oci_input(spec->image, platform, input);
	if (pc->offline || pw_lockset_layer_unchanged(pc->prior, t->id, layer, input)) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, layer, spec->field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		pw_oci_ref_release(&ref);
		return r;
	}
	if (ref.source != PW_OCI_REGISTRY && ref.path[0] != '/') {
		/* relative to the project; absolute in the lock's file: urls */
		_cleanup_free_ char *rel =
		    pw_path_join(pc->project_dir ? pc->project_dir : ".", ref.path);
		char *abs = realpath(rel, NULL);
		if (!abs) {
			r = pw_err_sys(e, errno, "%s: could not find '%s'", spec->field, rel);
			pw_oci_ref_release(&ref);
			return r;
		}
		free(ref.path);
		ref.path = abs;
	}
	r = pw_oci_resolve(&ref, platform, &img, e);
	if (r < 0) {
		pw_oci_ref_release(&ref);
		return pw_err_prefix(e, "%s (%s)", spec->field, t->id);
	}
	shas = pw_xcalloc(img.nlayers + 1, sizeof(*shas));
	add_blob(out, &ref, img.members ? img.members[0] : NULL, "oci-config", img.config_digest,
		 img.config_size, t->id);
	shas[0] = img.config_digest + 7;
	for (size_t i = 0; i < img.nlayers; i++) {
		add_blob(out, &ref, img.members ? img.members[i + 1] : NULL, "oci-layer",
			 img.layers[i], img.layer_sizes[i], t->id);
		shas[i + 1] = img.layers[i] + 7;
	}
	pw_lockset_add_layer(out, t->id, layer, "oci-image", "/", shas, img.nlayers + 1, NULL);
	pw_lockset_set_layer_input(out, t->id, input);
	facts.reference = spec->image;
	facts.index = img.index_digest;
	facts.manifest = img.manifest_digest;
	facts.platform = img.platform;
	pw_lockset_set_layer_oci(out, t->id, &facts);
	free(shas);
	pw_oci_image_release(&img);
	pw_oci_ref_release(&ref);
	return 0;
}

/* ---- the layer: "oci-image", an image's layers applied into one tree ---- */

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

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
	json_object_set_new(
	    rec, "oci",
	    json_pack("{s:s, s:o, s:s, s:s, s:I, s:I, s:I, s:I}", "config", ob->l->artifacts[0],
		      "layers", layers, "os", ob->c->os, "architecture", ob->c->arch, "entries",
		      (json_int_t)st.entries, "bytes", (json_int_t)st.bytes, "whiteouts",
		      (json_int_t)st.whiteouts, "skipped_nodes", (json_int_t)st.skipped_nodes));
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
		r = pw_err_set(e, ENOENT,
			       "image config %s is not in the store; run 'pinwheel fetch'", name);
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
static int build_oci_image(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e)
{
	const struct pw_artifact *la = l->n ? pw_lockset_find_sha(lc->ls, l->artifacts[0]) : NULL;
	struct pw_store *store = lc->store;
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
	if (lc->rstore && (store || pw_store_has_tree(lc->rstore, id))) {
		r = oci_config_load(lc->rstore, l->artifacts[0], &c, e);
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
			lc->plan->nbuilt += !cached;
		}
		strv_free(lc->plan->env);
		lc->plan->env = c.env; /* taken */
		c.env = NULL;
		pw_oci_config_release(&c);
	}
	pw_layer_ctx_add(lc, id, l, NULL); /* taken */
	return 0;
}

/* ---- the config: python.VERSION.base.oci ---- */

static void spec_free(void *p)
{
	struct pw_oci_spec *spec = p;

	free((char *)spec->field);
	free(spec->image);
	free(spec);
}

static int parse_oci(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		     const char *field, const char *key, void **out)
{
	struct pw_oci_spec *spec = pw_xcalloc(1, sizeof(*spec));
	_cleanup_free_ char *of = pw_jcheck_field(field, key);
	struct pw_err re = PW_ERR_INIT;
	struct pw_oci_ref ref;
	const struct pw_jpos *kp;
	json_t *v;

	*out = spec;
	spec->field = pw_xstrdup(of);
	kp = pw_jpos_member(obj, p, key, &v);
	if (!json_is_string(v))
		return pw_jcheck_fail(j, kp, true, of,
				      "expected an image reference, like "
				      "\"registry.example/pypa/manylinux_2_28_x86_64:latest\"");
	if (pw_oci_ref_parse(json_string_value(v), &ref, &re) < 0)
		return pw_jcheck_fail(j, kp, true, of, "%s", re.msg);
	pw_oci_ref_release(&ref);
	spec->image = pw_xstrdup(json_string_value(v));
	return 0;
}

/* ---- fetch: registry tokens, blobs of docker-save archives ---- */

static int fetch_prepare(struct pw_store *s, struct pw_fetch_item *items, size_t n,
			 struct pw_fetch_opts *o, void **state, struct pw_err *e)
{
	char ***hdrs = pw_xcalloc(1, sizeof(*hdrs));

	*state = hdrs;
	o->reauth = pw_oci_fetch_reauth;
	o->reauth_ud = hdrs;
	return pw_oci_fetch_prepare(s, items, n, hdrs, e);
}

static void fetch_release(void *state)
{
	char ***hdrs = state;

	pw_oci_fetch_auth_release(*hdrs);
	free(hdrs);
}

static const struct pw_provider_key keys[] = {
    {PW_PLACE_BASE, "oci", PW_STAGE_BASE, parse_oci},
};
static const char *const kinds[] = {"oci-config", "oci-layer", NULL};
static const struct pw_layer_kind hows[] = {
    {"oci-image", build_oci_image},
};

const struct pw_provider pw_provider_oci = {
    .name = "oci",
    .keys = keys,
    .nkeys = PW_ARRAY_SIZE(keys),
    .spec_free = spec_free,
    .lock = lock_oci,
    .kinds = kinds,
    .hows = hows,
    .nhows = PW_ARRAY_SIZE(hows),
    .fetch_prepare = fetch_prepare,
    .fetch_release = fetch_release,
};
