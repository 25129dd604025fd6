/* oci.h - OCI images as base roots (DESIGN.md §6, docs/oci.md).
 *
 * Two halves, in toolchains/oci/:
 *   oci_ref.c, oci_registry.c, oci_source.c, provider_oci.c: references,
 *     the distribution-API client (libcurl; anonymous bearer tokens,
 *     docker config credentials), local OCI layouts and `docker save`
 *     archives, the "oci" provider (provider.h: the key "oci" of
 *     python.VERSION.base, the lock, the "oci-image" layers, the
 *     preparation of a fetch of image blobs).
 *   oci_apply.c: an image's layers applied in order into one store tree
 *     (whiteouts, opaque whiteouts, diff_ids).
 *
 * In pinwheel.lock an image root is ONE layer:
 *   {"name": "oci-<repository>", "how": "oci-image", "dest": "/",
 *    "artifacts": ["<config sha256>", "<layer 1 sha256>", ...]}
 * the first artifact is the image config (kind "oci-config"), the others
 * the layer blobs bottom first (kind "oci-layer"); the index and manifest
 * digests and the platform are recorded with the layer (docs/lock.md).
 * The tree id of the applied image is pw_oci_tree_id() (computed from the
 * lock alone).
 *
 * Ownership: filled structs own their strings (their _release()); char *
 * results are the caller's.  Errors: 0 or -errno with one line in struct
 * pw_err naming the reference, URL, blob digest or archive member and what
 * was expected; pointer functions NULL + errno.  Nothing here prints.
 */
#ifndef PINWHEEL_OCI_H
#define PINWHEEL_OCI_H

#include "pinwheel/common.h"
#include "pinwheel/hash.h"

struct pw_provider;

/* python.VERSION.base.oci: an image reference (a registry reference by
 * tag or digest, "oci-layout:DIR..." or "docker-archive:FILE..."); the
 * lock pins the digests. */
struct pw_oci_spec {
	const char *field; /* e.g. "python.3.12.base.oci" (owned) */
	char *image;
};

extern const struct pw_provider pw_provider_oci;

/* ---- references (oci_ref.c) ---- */

/* "REGISTRY/NAMESPACE/NAME[:TAG][@sha256:HEX]", also
 * "oci-layout:DIR[:TAG|@sha256:HEX]" and "docker-archive:FILE[:NAME:TAG]"
 * for local sources. */
enum pw_oci_source { PW_OCI_REGISTRY, PW_OCI_LAYOUT, PW_OCI_ARCHIVE };
struct pw_oci_ref {
	enum pw_oci_source source;
	char *registry; /* "registry.example:5000" (registry only) */
	char *repo;	/* "pypa/manylinux_2_28_x86_64" */
	char *path;	/* layout directory or archive file (local only) */
	char *tag;	/* or NULL */
	char *digest;	/* "sha256:<64 hex>" or NULL */
};
int pw_oci_ref_parse(const char *s, struct pw_oci_ref *r, struct pw_err *e);
void pw_oci_ref_release(struct pw_oci_ref *r);

/* "https://REGISTRY/v2/REPO/blobs/DIGEST" ("http://" for a loopback
 * registry: localhost, 127.0.0.0/8, [::1]), or for a layout
 * "file://ABSDIR/blobs/sha256/HEX".  Caller frees. */
char *pw_oci_blob_url(const struct pw_oci_ref *r, const char *digest);
/* The reference written back in its canonical form.  Caller frees. */
char *pw_oci_ref_format(const struct pw_oci_ref *r);

/* ---- resolving an image for one platform (oci_registry.c, oci_source.c) ---- */

/* What a reference resolves to for one platform. */
struct pw_oci_image {
	char *index_digest;    /* "sha256:<hex>" of the image index, or NULL when
				* the reference names a manifest */
	char *manifest_digest; /* "sha256:<hex>" */
	char *platform;	       /* "linux/amd64", "linux/arm64/v8" */
	char *config_digest;   /* "sha256:<hex>" */
	uint64_t config_size;
	char **layers;	       /* "sha256:<hex>" of each layer blob, bottom first */
	uint64_t *layer_sizes;
	size_t nlayers;
	char **members;	       /* docker-archive: the config's member, then each
				* layer's, NULL-ended; else NULL */
};
void pw_oci_image_release(struct pw_oci_image *img);

/* The OCI platform for a pinwheel target architecture ("x86_64" ->
 * "linux/amd64", "aarch64" -> "linux/arm64/v8", "i686" -> "linux/386"),
 * or NULL for an architecture OCI has no name for.  Static string. */
const char *pw_oci_platform(const char *arch);

/* Resolve @r for @platform (pw_oci_platform()): the manifest (through the
 * image index when the reference names one) and its config and layers.
 * Registry references go over the network (anonymous or docker-config
 * bearer tokens); every manifest body is checked against the digest asked
 * for (when asked by tag, the digest of the body received is the pin), the
 * config against the manifest's.  Layouts read DIR/index.json and
 * DIR/blobs (r->path should be absolute: it goes into file: urls).
 * 0 or -errno: -ENOENT for a platform
 * the index lacks (e->msg lists those it has), -EACCES for refused
 * credentials, -EBADMSG for a digest mismatch, -EPROTO for a bad body. */
int pw_oci_resolve(const struct pw_oci_ref *r, const char *platform, struct pw_oci_image *img,
		   struct pw_err *e);

/* ---- fetching registry blobs (oci_registry.c) ---- */

struct pw_store;

/* Is @url a registry blob url (.../v2/REPO/blobs/sha256:HEX)?  Then
 * *@origin gets "SCHEME://HOST[:PORT]" and *@repo the repository (caller
 * frees both). */
bool pw_oci_blob_url_parse(const char *url, char **origin, char **repo);
/* The Authorization header line ("Authorization: Bearer ...") a pull of
 * @repo from @origin needs, or *@header = NULL when the registry needs
 * none: the /v2/ endpoint is asked, and its bearer challenge answered with
 * a token for "repository:REPO:pull" (with docker-config credentials when
 * there are some for that registry).  0 or -errno (-EACCES: refused). */
int pw_oci_pull_auth(const char *origin, const char *repo, char **header, struct pw_err *e);

/* Before pw_fetch_run() of @n items into @s, for those not yet in @s:
 * copy the blobs whose url is "docker-archive:FILE#MEMBER" into the store
 * (pw_oci_archive_import()), and set item->header for each registry blob
 * (one url, pw_oci_blob_url_parse()) to the pull authorization of its
 * repository, asked once per registry and repository.  The header strings
 * are kept in @hdrs (a NULL-ended array the caller frees with
 * pw_oci_fetch_auth_release()).  0 or -errno with e->msg naming the
 * registry or archive member (nothing more should be fetched then). */
struct pw_fetch_item;
int pw_oci_fetch_prepare(struct pw_store *s, struct pw_fetch_item *items, size_t n,
			 char ***hdrs, struct pw_err *e);
void pw_oci_fetch_auth_release(char **hdrs);
/* For pw_fetch_opts.reauth with reauth_ud = &hdrs (the array of
 * pw_oci_fetch_prepare()): the newest pull token of the item's registry
 * and repository when another blob already renewed it, else a fresh one
 * (kept in hdrs).  0 or -errno. */
int pw_oci_fetch_reauth(void *hdrs, struct pw_fetch_item *it);

/* ---- docker save archives (oci_source.c) ---- */

/* Copy the member @member of the docker-save / OCI tar @archive into the
 * store as the blob @sha256 (@size bytes), verified.  0 or -errno. */
int pw_oci_archive_import(struct pw_store *s, const char *archive, const char *member,
			  const char *sha256, uint64_t size, struct pw_err *e);

/* ---- the image config (oci_config.c) ---- */

struct pw_oci_config {
	char *os, *arch, *variant; /* "linux", "arm64", "v8" or NULL */
	char **env;		   /* "K=V", NULL-ended */
	char *workdir;		   /* or NULL */
	char *user;		   /* or NULL */
	char **diff_ids;	   /* "sha256:<hex>" of each uncompressed layer, NULL-ended */
	size_t ndiff;
};
/* Parse an image config blob (application/vnd.oci.image.config.v1+json or
 * Docker's); @name names it in messages. */
int pw_oci_config_parse(const char *name, const char *data, size_t n, struct pw_oci_config *c,
			struct pw_err *e);
void pw_oci_config_release(struct pw_oci_config *c);

/* ---- layers (oci_apply.c) ---- */

/* Apply the @n layer blobs at @paths (gzip, zstd or plain tar, detected
 * from the bytes) in order into the empty directory @dirfd: each blob's
 * decompressed stream must hash to c->diff_ids[i]; whiteouts delete from
 * the layers below and are never written; the same hostile-archive rules
 * as pw_unpack_fd(); hard links kept; ownership the caller's; device nodes
 * skipped. */
int pw_oci_apply(int dirfd, const struct pw_oci_config *c, const char *const *paths, size_t n,
		 struct pw_err *e);
/* The same, counting what was done into @st (may be NULL): entries
 * written, bytes of file data, whiteouts applied, device nodes, fifos and
 * sockets skipped (a rootless tree cannot hold them; a skipped node still
 * hides what the layers below had at its path).  On error the directory
 * is emptied again (nothing half-applied is left). */
struct pw_oci_apply_stats {
	uint64_t entries, bytes, whiteouts, skipped_nodes;
};
int pw_oci_apply_counted(int dirfd, const struct pw_oci_config *c, const char *const *paths,
			 size_t n, struct pw_oci_apply_stats *st, struct pw_err *e);
/* sha256 of "pinwheel-oci-tree;v1\n" + config digest + "\n" + each layer
 * digest + "\n".  Caller frees. */
char *pw_oci_tree_id(const char *config_sha, const char *const *layer_shas, size_t n);

/* The interpreter of CPython @version ("3.13"; @ft: free-threaded) in an
 * image laid out like the manylinux images, "/opt/python/cp313-cp313/bin/python"
 * ("cp313-cp313t" for @ft), when the tree at @rootfd has it as an executable
 * file (symlinks resolved inside the tree); else NULL.  Caller frees. */
char *pw_oci_python(int rootfd, const char *version, bool ft);

#endif
