/* oci_ref.c - image references (include/pinwheel/oci.h).
 *
 * "REGISTRY/REPO[:TAG][@sha256:HEX]": the registry is required.  Docker
 * expands "python:3.12" to a compiled-in host; pinwheel has none, so a
 * first component that does not look like a host (no '.', no ':', not
 * "localhost") is an error that says so.  Local sources:
 * "oci-layout:DIR[:TAG|@sha256:HEX]" and "docker-archive:FILE[:NAME:TAG]". */
#include <string.h>

#include "pinwheel/oci.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* sha256:<64 lowercase hex> */
static bool digest_ok(const char *s)
{
	return !strncmp(s, "sha256:", 7) && pw_sha256_hex_valid(s + 7);
}

/* [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool tag_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '_' && c != '.' &&
		    c != '-')
			return false;
	}
	return true;
}

/* Components of lowercase alphanumerics joined by '.', '_', '__' or
 * '-'s, separated by '/'. */
static bool repo_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool first = i == 0 || s[i - 1] == '/';
		bool last = i + 1 == n || s[i + 1] == '/';
		if (is_lower_alnum(c))
			continue;
		if (c == '/' || c == '.' || c == '_' || c == '-') {
			if (first || last)
				return false;
			continue;
		}
		return false;
	}
	return true;
}

/* host[:port], [v6]:port: letters, digits, '.', '-', then an optional
 * port. */
static bool registry_ok(const char *s)
{
	const char *colon;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end == s + 1)
			return false;
		for (const char *p = s + 1; p < end; p++)
			if (!strchr("0123456789abcdefABCDEF:.", *p))
				return false;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (!colon && end[1])
			return false;
	} else {
		colon = strchr(s, ':');
		if (colon == s || s[0] == '.' || s[0] == '-')
			return false;
		for (const char *p = s; *p && p != colon; p++)
			if (!is_lower_alnum(*p) && !(*p >= 'A' && *p <= 'Z') && *p != '.' &&
			    *p != '-')
				return false;
	}
	if (colon) {
		uint64_t port;
		if (pw_parse_u64(colon + 1, &port) < 0 || port == 0 || port > 65535)
			return false;
	}
	return true;
}

void pw_oci_ref_release(struct pw_oci_ref *r)
{
	free(r->registry);
	free(r->repo);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

static int parse_local(const char *s, struct pw_oci_ref *r, struct pw_err *e)
{
	bool layout = !strncmp(s, "oci-layout:", 11);
	const char *rest = s + (layout ? 11 : 15);
	_cleanup_free_ char *p = pw_xstrdup(rest);
	char *at, *colon, *slash;

	r->source = layout ? PW_OCI_LAYOUT : PW_OCI_ARCHIVE;
	if (layout) {
		at = strstr(p, "@sha256:");
		if (at) {
			if (!digest_ok(at + 1))
				return pw_err_set(e, EINVAL,
						  "'%s': expected '@sha256:' and 64 lowercase hex "
						  "digits",
						  s);
			r->digest = pw_xstrdup(at + 1);
			*at = '\0';
		} else {
			slash = strrchr(p, '/');
			colon = strrchr(slash ? slash : p, ':');
			if (colon) {
				if (!tag_ok(colon + 1))
					return pw_err_set(e, EINVAL, "'%s': '%s' is not a valid tag",
							  s, colon + 1);
				r->tag = pw_xstrdup(colon + 1);
				*colon = '\0';
			}
		}
	} else {
		colon = strchr(p, ':');
		if (colon) {
			char *tc = strrchr(colon + 1, ':');
			*colon = '\0';
			if (!tc || tc == colon + 1 || !tag_ok(tc + 1))
				return pw_err_set(e, EINVAL,
						  "'%s': expected docker-archive:FILE or "
						  "docker-archive:FILE:NAME:TAG",
						  s);
			*tc = '\0';
			r->repo = pw_xstrdup(colon + 1);
			r->tag = pw_xstrdup(tc + 1);
		}
	}
	if (!p[0])
		return pw_err_set(e, EINVAL, "'%s': the %s path is empty", s,
				  layout ? "layout directory" : "archive");
	r->path = pw_xstrdup(p);
	return 0;
}

/* Does the first component name a host (Docker's rule: a '.', a ':' or
 * "localhost")? */
static bool host_like(const char *p, size_t n)
{
	return memchr(p, '.', n) || memchr(p, ':', n) || (n == 9 && !strncmp(p, "localhost", 9)) ||
	       p[0] == '[';
}

static int parse_registry(const char *s, struct pw_oci_ref *r, struct pw_err *e)
{
	_cleanup_free_ char *p = pw_xstrdup(s);
	char *slash, *at, *colon, *name;

	r->source = PW_OCI_REGISTRY;
	if (strstr(p, "://"))
		return pw_err_set(e, EINVAL,
				  "'%s': a reference has no scheme, like "
				  "\"registry.example/pypa/manylinux_2_28_x86_64:latest\"",
				  s);
	at = strchr(p, '@');
	if (at) {
		if (!digest_ok(at + 1))
			return pw_err_set(e, EINVAL,
					  "'%s': expected '@sha256:' and 64 lowercase hex digits", s);
		r->digest = pw_xstrdup(at + 1);
		*at = '\0';
	}
	slash = strchr(p, '/');
	if (!slash || !host_like(p, (size_t)(slash - p)))
		return pw_err_set(e, EINVAL,
				  "'%s': a reference must name its registry, like "
				  "\"registry.example/%s\" (pinwheel has no default registry)",
				  s, p);
	*slash = '\0';
	name = slash + 1;
	if (!registry_ok(p))
		return pw_err_set(e, EINVAL, "'%s': '%s' is not a registry host[:port]", s, p);
	colon = strrchr(name, ':');
	if (colon) {
		if (!tag_ok(colon + 1))
			return pw_err_set(e, EINVAL, "'%s': '%s' is not a valid tag", s, colon + 1);
		r->tag = pw_xstrdup(colon + 1);
		*colon = '\0';
	}
	if (!repo_ok(name))
		return pw_err_set(e, EINVAL,
				  "'%s': '%s' is not a repository name (lowercase letters, digits "
				  "and separators '.', '_', '-', '/')",
				  s, name);
	r->registry = pw_xstrdup(p);
	r->repo = pw_xstrdup(name);
	if (!r->tag && !r->digest)
		return pw_err_set(e, EINVAL, "'%s': expected a tag (':TAG') or a digest "
					     "('@sha256:HEX')",
				  s);
	return 0;
}

int pw_oci_ref_parse(const char *s, struct pw_oci_ref *r, struct pw_err *e)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (!s || !*s)
		return pw_err_set(e, EINVAL, "an empty image reference");
	if (strlen(s) > 4096)
		return pw_err_set(e, EINVAL, "an image reference longer than 4096 bytes");
	if (!strncmp(s, "oci-layout:", 11) || !strncmp(s, "docker-archive:", 15))
		ret = parse_local(s, r, e);
	else
		ret = parse_registry(s, r, e);
	if (ret < 0)
		pw_oci_ref_release(r);
	return ret;
}

char *pw_oci_ref_format(const struct pw_oci_ref *r)
{
	switch (r->source) {
	case PW_OCI_LAYOUT:
		return pw_xasprintf("oci-layout:%s%s%s", r->path,
				    r->digest ? "@" : r->tag ? ":" : "",
				    r->digest ? r->digest : r->tag ? r->tag : "");
	case PW_OCI_ARCHIVE:
		if (r->tag)
			return pw_xasprintf("docker-archive:%s:%s:%s", r->path, r->repo, r->tag);
		return pw_xasprintf("docker-archive:%s", r->path);
	case PW_OCI_REGISTRY:
	default:
		return pw_xasprintf("%s/%s%s%s%s%s", r->registry, r->repo, r->tag ? ":" : "",
				    r->tag ? r->tag : "", r->digest ? "@" : "",
				    r->digest ? r->digest : "");
	}
}

/* localhost, 127.0.0.0/8 and [::1] talk plain http, as Docker's default
 * for loopback registries; everything else https. */
static bool loopback(const char *registry)
{
	size_t n = strcspn(registry, ":");

	if (registry[0] == '[')
		return !strncmp(registry, "[::1]", 5);
	return (n == 9 && !strncmp(registry, "localhost", 9)) || !strncmp(registry, "127.", 4);
}

char *pw_oci_blob_url(const struct pw_oci_ref *r, const char *digest)
{
	if (r->source == PW_OCI_REGISTRY)
		return pw_xasprintf("%s://%s/v2/%s/blobs/%s",
				    loopback(r->registry) ? "http" : "https", r->registry, r->repo,
				    digest);
	if (r->source == PW_OCI_LAYOUT)
		return pw_xasprintf("file://%s/blobs/sha256/%s", r->path, digest + 7);
	return NULL;
}

bool pw_oci_blob_url_parse(const char *url, char **origin, char **repo)
{
	const char *host, *v2, *blobs;
	size_t n;

	if (!strncmp(url, "https://", 8))
		host = url + 8;
	else if (!strncmp(url, "http://", 7))
		host = url + 7;
	else
		return false;
	v2 = strstr(host, "/v2/");
	if (!v2 || memchr(host, '/', (size_t)(v2 - host)))
		return false;
	blobs = strstr(v2 + 4, "/blobs/sha256:");
	if (!blobs || !pw_sha256_hex_valid(blobs + 14))
		return false;
	n = (size_t)(blobs - (v2 + 4));
	if (n == 0)
		return false;
	*origin = pw_xasprintf("%.*s", (int)(v2 - url), url);
	*repo = pw_xasprintf("%.*s", (int)n, v2 + 4);
	return true;
}

const char *pw_oci_platform(const char *arch)
{
	if (!strcmp(arch, "x86_64"))
		return "linux/amd64";
	if (!strcmp(arch, "aarch64"))
		return "linux/arm64/v8";
	if (!strcmp(arch, "i686"))
		return "linux/386";
	if (!strcmp(arch, "ppc64le"))
		return "linux/ppc64le";
	if (!strcmp(arch, "s390x"))
		return "linux/s390x";
	if (!strcmp(arch, "armv7l"))
		return "linux/arm/v7";
	return NULL;
}

void pw_oci_image_release(struct pw_oci_image *img)
{
	free(img->index_digest);
	free(img->manifest_digest);
	free(img->platform);
	free(img->config_digest);
	for (size_t i = 0; i < img->nlayers; i++)
		free(img->layers[i]);
	free(img->layers);
	free(img->layer_sizes);
	for (size_t i = 0; img->members && img->members[i]; i++)
		free(img->members[i]);
	free(img->members);
	memset(img, 0, sizeof(*img));
}
