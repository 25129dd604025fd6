/* oci_priv.h - shared between toolchains/oci_*.c only. */
#ifndef PINWHEEL_OCI_PRIV_H
#define PINWHEEL_OCI_PRIV_H

#include "pinwheel/buf.h"
#include "pinwheel/oci.h"

#define OCI_MANIFEST_MAX (4u << 20)
#define OCI_CONFIG_MAX (16u << 20)

/* Where manifests and small blobs come from: a registry, a layout. */
struct oci_getter {
	/* The manifest or index @ref names (a tag or "sha256:..."; NULL: the
	 * source's own top index, e.g. a layout's index.json) into @out.
	 * *@ctype gets the Content-Type when known (caller frees), *@addressed
	 * whether the body is content-addressed (a blob: its digest is
	 * meaningful).  0 or -errno with e->msg naming the url or file. */
	int (*manifest)(struct oci_getter *g, const char *ref, struct pw_buf *out, char **ctype,
			bool *addressed, struct pw_err *e);
	/* The blob @digest into @out (capped by @out->max), not yet verified. */
	int (*blob)(struct oci_getter *g, const char *digest, struct pw_buf *out,
		    struct pw_err *e);
	void (*free)(struct oci_getter *g);
	const char *name; /* the reference, for messages */
};

/* A getter for a registry reference, or NULL + errno with e->msg. */
struct oci_getter *oci_registry_getter(const struct pw_oci_ref *r, struct pw_err *e);

/* pw_oci_resolve() over @g (tests and fuzzing use an in-memory getter). */
int oci_resolve_with(struct oci_getter *g, const struct pw_oci_ref *r, const char *platform,
		     struct pw_oci_image *img, struct pw_err *e);
/* Parse a WWW-Authenticate auth-param list: the value of @key or NULL
 * (caller frees). */
char *oci_challenge_param(const char *params, const char *key);

#endif
