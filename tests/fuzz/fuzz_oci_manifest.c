/* fuzz_oci_manifest - the manifest/index reader of pw_oci_resolve() and
 * the WWW-Authenticate parser on arbitrary bytes.  The input is split at
 * the first NUL: the part before is the body served for the tag (an index
 * or a manifest), the part after is served for every digest (a nested
 * manifest, the config blob).  Never crashes or leaks; a success has a
 * manifest, a config and sha256 digests everywhere. */
#include <string.h>

#include "../../toolchains/oci/oci_priv.h"

struct mem {
	struct oci_getter g;
	const char *a, *b;
	size_t na, nb;
};

static int mem_manifest(struct oci_getter *g, const char *ref, struct pw_buf *out, char **ctype,
			bool *addressed, struct pw_err *e)
{
	struct mem *m = (struct mem *)g;
	bool tag = ref && strncmp(ref, "sha256:", 7);

	*ctype = NULL;
	*addressed = true;
	if (pw_buf_add(out, tag ? m->a : m->b, tag ? m->na : m->nb) < 0)
		return pw_err_set(e, E2BIG, "too big");
	return 0;
}

static int mem_blob(struct oci_getter *g, const char *digest, struct pw_buf *out,
		    struct pw_err *e)
{
	struct mem *m = (struct mem *)g;

	(void)digest;
	if (pw_buf_add(out, m->b, m->nb) < 0)
		return pw_err_set(e, E2BIG, "too big");
	return 0;
}

static bool dig(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && pw_sha256_hex_valid(s + 7);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const char *nul = memchr(data, 0, n);
	struct pw_oci_ref ref = {PW_OCI_REGISTRY, (char *)"r.example", (char *)"a/b", NULL,
				 (char *)"v1", NULL};
	struct mem m = {{mem_manifest, mem_blob, NULL, "fuzz"}, (const char *)data,
			nul ? nul + 1 : "", nul ? (size_t)(nul - (const char *)data) : n,
			nul ? n - (size_t)(nul - (const char *)data) - 1 : 0};
	struct pw_oci_image img;
	struct pw_err e = PW_ERR_INIT;
	char *v;

	if (n > (1u << 20))
		return 0;
	if (oci_resolve_with(&m.g, &ref, "linux/arm64/v8", &img, &e) == 0) {
		if (!dig(img.manifest_digest) || !dig(img.config_digest) || !img.platform ||
		    img.nlayers == 0)
			__builtin_trap();
		for (size_t i = 0; i < img.nlayers; i++)
			if (!dig(img.layers[i]))
				__builtin_trap();
		pw_oci_image_release(&img);
	} else if (!e.msg[0]) {
		__builtin_trap();
	}
	if (!nul) { /* the whole input as a challenge's parameters */
		char *s = pw_xasprintf("%.*s", (int)n, (const char *)data);
		v = oci_challenge_param(s, "realm");
		free(v);
		free(s);
	}
	return 0;
}
