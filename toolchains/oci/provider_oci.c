/* provider_oci.c - an OCI image as a base root (include/pinwheel/
 * artifact.h, oci.h): the reference resolved for the target's platform
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
#include "pinwheel/fsutil.h"
#include "pinwheel/oci.h"

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

int pw_provide_oci(struct pw_provider_ctx *pc, const struct pw_oci_spec *spec,
		   const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
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
		_cleanup_free_ char *rel = pw_path_join(pc->project_dir ? pc->project_dir : ".",
							ref.path);
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
	add_blob(out, &ref, img.members ? img.members[0] : NULL, "oci-config", img.config_digest, img.config_size, t->id);
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
