/* oci_registry.c - the OCI distribution API client (libcurl, dlopen'ed):
 * manifests and small blobs for pw_oci_resolve() (oci_source.c), and the
 * pull token pw_oci_pull_auth() gives `pinwheel fetch` for layer blobs.
 *
 * Auth: a request answered 401 with "WWW-Authenticate: Bearer realm=R,
 * service=S,scope=C" is retried once with the token R?service=S&scope=C
 * gives (anonymous, or with the docker config's credentials for that
 * registry: $DOCKER_CONFIG/config.json or ~/.docker/config.json, "auths"
 * -> host -> "auth", base64 "user:password"); a Basic challenge is
 * answered with those credentials directly.  The Authorization header is a
 * custom header, which libcurl never forwards to another host or port on a
 * redirect (blob storage): the token stays with the registry. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/libload.h"
#include "pinwheel/store.h"
#include "oci_priv.h"

#define ACCEPT_MANIFESTS                                                                   \
	"Accept: application/vnd.oci.image.index.v1+json, "                                \
	"application/vnd.oci.image.manifest.v1+json, "                                     \
	"application/vnd.docker.distribution.manifest.list.v2+json, "                      \
	"application/vnd.docker.distribution.manifest.v2+json"

struct resp {
	long code;
	struct pw_buf *body;
	bool too_big;
	char *ctype;
	char *www_auth;
};

static void resp_release(struct resp *r)
{
	free(r->ctype);
	free(r->www_auth);
	r->ctype = r->www_auth = NULL;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct resp *r = ud;
	size_t n = size * nmemb;

	if (pw_buf_add(r->body, p, n) < 0) {
		r->too_big = true;
		return 0;
	}
	return n;
}

/* Header value of @name in the line @p (@n bytes), trimmed, or NULL. */
static char *header_value(const char *p, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(p, name, k) || p[k] != ':')
		return NULL;
	p += k + 1;
	n -= k + 1;
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	return pw_xasprintf("%.*s", (int)n, p);
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct resp *r = ud;
	size_t n = size * nmemb;
	char *v;

	if (n >= 5 && !strncmp(p, "HTTP/", 5)) { /* a new response (redirects) */
		resp_release(r);
		pw_buf_reset(r->body);
	} else if ((v = header_value(p, n, "content-type")) != NULL) {
		free(r->ctype);
		r->ctype = v;
	} else if ((v = header_value(p, n, "www-authenticate")) != NULL) {
		if (!r->www_auth)
			r->www_auth = v;
		else
			free(v);
	}
	return n;
}

/* GET @url with the extra header lines @h1, @h2 (may be NULL), following
 * redirects.  The body goes to @body (capped).  0 with resp->code, or
 * -errno for a transfer failure. */
static int http_get(const char *url, const char *h1, const char *h2, struct pw_buf *body,
		    struct resp *resp, struct pw_err *e)
{
	struct curl_slist *hl = NULL, *t;
	struct pw_fetch_opts o;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	CURL *c;
	int r;

	r = pw_libcurl_load(e);
	if (r < 0)
		return r;
	memset(resp, 0, sizeof(*resp));
	resp->body = body;
	c = curl_easy_init();
	if (!c)
		return pw_err_set(e, ENOMEM, "could not start a transfer");
	pw_fetch_opts_init(&o);
	pw_fetch_setup_easy(c, url, &o);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	if (h1 && (t = curl_slist_append(hl, h1)) != NULL)
		hl = t;
	if (h2 && (t = curl_slist_append(hl, h2)) != NULL)
		hl = t;
	if (hl)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	pw_buf_reset(body);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	if (resp->too_big)
		return pw_err_set(e, EFBIG, "%s: the answer is larger than %zu bytes", url,
				  body->max);
	if (cc != CURLE_OK) {
		size_t n = strlen(errbuf);
		while (n > 0 && (errbuf[n - 1] == '\n' || errbuf[n - 1] == ' '))
			errbuf[--n] = '\0';
		resp_release(resp);
		return pw_err_set(e, cc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : EIO, "%s: %s",
				  url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
	return 0;
}

/* ---- credentials ---- */

/* The docker config's "auth" (base64 "user:password") for @host, or NULL. */
static char *docker_auth(const char *host)
{
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	_cleanup_free_ char *path = NULL;
	struct pw_err e = PW_ERR_INIT;
	json_t *j, *auths, *v;
	const char *k;
	char *out = NULL;

	if (dir && *dir)
		path = pw_path_join(dir, "config.json");
	else if (home && *home)
		path = pw_xasprintf("%s/.docker/config.json", home);
	else
		return NULL;
	j = pw_json_load_file(path, &e);
	if (!j)
		return NULL; /* absent or unreadable: anonymous */
	auths = json_object_get(j, "auths");
	json_object_foreach(auths, k, v)
	{
		const char *a = json_string_value(json_object_get(v, "auth"));
		const char *h = k;
		size_t n;
		if (!strncmp(h, "https://", 8))
			h += 8;
		else if (!strncmp(h, "http://", 7))
			h += 7;
		n = strcspn(h, "/");
		if (n != strlen(host) || strncmp(h, host, n) || !a || !*a)
			continue;
		if (strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
		    strlen(a))
			continue;
		out = pw_xstrdup(a);
		break;
	}
	json_decref(j);
	return out;
}

/* ---- challenges and tokens ---- */

/* Append @s percent-encoded (RFC 3986 unreserved kept). */
static void add_escaped(struct pw_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			pw_buf_add(b, s, 1);
		else
			pw_buf_addf(b, "%%%02X", c);
	}
}

/* The value of @key in a challenge's auth-params (key="value" or
 * key=token, comma-separated; commas inside quotes kept), or NULL. */
char *oci_challenge_param(const char *params, const char *key)
{
	const char *p = params;
	size_t k = strlen(key);

	while (*p) {
		const char *name;
		size_t nlen;
		struct pw_buf v = PW_BUF_INIT(8192);
		bool match;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		name = p;
		while (*p && *p != '=' && *p != ',' && *p != ' ')
			p++;
		nlen = (size_t)(p - name);
		match = nlen == k && !strncasecmp(name, key, k);
		if (*p != '=') {
			pw_buf_release(&v);
			continue;
		}
		p++;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				pw_buf_add(&v, p, 1);
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',' && *p != ' ')
				pw_buf_add(&v, p++, 1);
		}
		if (match)
			return pw_buf_detach(&v, NULL);
		pw_buf_release(&v);
	}
	return NULL;
}

/* Answer the challenge @chal (a WWW-Authenticate value) of @host: *@header
 * gets the Authorization line to retry with.  @scope is used when the
 * challenge names none, or always when @ours.  0 or -EACCES/-EPROTO/-errno. */
static int answer(const char *name, const char *host, const char *chal, const char *scope,
		  bool ours, char **header, struct pw_err *e)
{
	_cleanup_free_ char *creds = docker_auth(host), *basic = NULL;
	_cleanup_free_ char *realm = NULL, *service = NULL, *cscope = NULL;
	struct pw_buf url = PW_BUF_INIT(16384), body = PW_BUF_INIT(1u << 20);
	struct resp rs;
	json_t *j = NULL;
	const char *tok;
	int r;

	if (creds)
		basic = pw_xasprintf("Authorization: Basic %s", creds);
	if (!strncasecmp(chal, "basic", 5) && (chal[5] == ' ' || !chal[5])) {
		if (!basic)
			return pw_err_set(e, EACCES,
					  "%s: registry '%s' asks for a user name and password and "
					  "the docker config has none for it",
					  name, host);
		*header = steal_pointer(&basic);
		return 0;
	}
	if (strncasecmp(chal, "bearer ", 7))
		return pw_err_set(e, EPROTO, "%s: registry '%s' asks for authentication '%.40s'",
				  name, host, chal);
	realm = oci_challenge_param(chal + 7, "realm");
	service = oci_challenge_param(chal + 7, "service");
	cscope = oci_challenge_param(chal + 7, "scope");
	if (!realm || (strncmp(realm, "https://", 8) && strncmp(realm, "http://", 7)))
		return pw_err_set(e, EPROTO, "%s: registry '%s' sent a bearer challenge without an "
					     "http(s) realm",
				  name, host);
	pw_buf_adds(&url, realm);
	pw_buf_adds(&url, strchr(realm, '?') ? "&" : "?");
	if (service) {
		pw_buf_adds(&url, "service=");
		add_escaped(&url, service);
		pw_buf_adds(&url, "&");
	}
	pw_buf_adds(&url, "scope=");
	add_escaped(&url, cscope && !ours ? cscope : scope);
	r = http_get(url.buf, basic, NULL, &body, &rs, e);
	if (r < 0) {
		pw_err_prefix(e, "%s: token", name);
		goto out;
	}
	resp_release(&rs);
	if (rs.code != 200) {
		r = pw_err_set(e, EACCES, "%s: the token endpoint '%s' refused: HTTP %ld%s", name,
			       realm, rs.code,
			       basic ? " (with the docker config's credentials)" : " (anonymous)");
		goto out;
	}
	j = pw_json_load_mem(realm, body.buf, body.len, e);
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok || !*tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok || !*tok || strpbrk(tok, "\r\n")) {
		r = pw_err_set(e, EPROTO, "%s: the token endpoint '%s' gave no token", name, realm);
		goto out;
	}
	*header = pw_xasprintf("Authorization: Bearer %s", tok);
	r = 0;
out:
	json_decref(j);
	pw_buf_release(&url);
	pw_buf_release(&body);
	return r;
}

/* ---- the registry getter ---- */

struct reg {
	struct oci_getter g;
	char *name;
	char *origin; /* scheme://host[:port] */
	char *host;
	char *repo;
	char *auth; /* "Authorization: ..." once a challenge was answered */
};

/* GET @url with the session's auth; a 401 is answered once.  Then 200 is
 * success, anything else an error naming @what and the url. */
static int reg_get(struct reg *s, const char *url, const char *accept, const char *what,
		   struct pw_buf *out, char **ctype, struct pw_err *e)
{
	_cleanup_free_ char *scope = pw_xasprintf("repository:%s:pull", s->repo);
	struct resp rs;
	int r;

	r = http_get(url, accept, s->auth, out, &rs, e);
	if (r < 0)
		return pw_err_prefix(e, "%s", s->name);
	if (rs.code == 401 && !s->auth && rs.www_auth) {
		r = answer(s->name, s->host, rs.www_auth, scope, false, &s->auth, e);
		resp_release(&rs);
		if (r < 0)
			return r;
		r = http_get(url, accept, s->auth, out, &rs, e);
		if (r < 0)
			return pw_err_prefix(e, "%s", s->name);
		if (rs.code == 401) {
			resp_release(&rs);
			return pw_err_set(e, EACCES, "%s: %s: HTTP 401 with the registry's token",
					  s->name, url);
		}
	}
	if (rs.code != 200) {
		long code = rs.code;
		resp_release(&rs);
		if (code == 401)
			return pw_err_set(e, EACCES, "%s: %s: HTTP 401 (no bearer challenge to answer)",
					  s->name, url);
		return pw_err_set(e, code == 404 ? ENOENT : EIO, "%s: %s %s: HTTP %ld", s->name,
				  what, url, code);
	}
	if (ctype)
		*ctype = steal_pointer(&rs.ctype);
	resp_release(&rs);
	return 0;
}

static int reg_manifest(struct oci_getter *g, const char *ref, struct pw_buf *out, char **ctype,
			bool *addressed, struct pw_err *e)
{
	struct reg *s = (struct reg *)g;
	_cleanup_free_ char *url = NULL;

	*addressed = true;
	*ctype = NULL;
	if (!ref)
		return pw_err_set(e, EINVAL, "%s: a tag or digest is needed", g->name);
	url = pw_xasprintf("%s/v2/%s/manifests/%s", s->origin, s->repo, ref);
	return reg_get(s, url, ACCEPT_MANIFESTS, "manifest", out, ctype, e);
}

static int reg_blob(struct oci_getter *g, const char *digest, struct pw_buf *out,
		    struct pw_err *e)
{
	struct reg *s = (struct reg *)g;
	_cleanup_free_ char *url = pw_xasprintf("%s/v2/%s/blobs/%s", s->origin, s->repo, digest);

	return reg_get(s, url, NULL, "blob", out, NULL, e);
}

static void reg_free(struct oci_getter *g)
{
	struct reg *s = (struct reg *)g;

	free(s->name);
	free(s->origin);
	free(s->host);
	free(s->repo);
	free(s->auth);
	free(s);
}

/* A session on @origin for @repo. */
static struct reg *reg_new(const char *name, const char *origin, const char *repo)
{
	struct reg *s = pw_xcalloc(1, sizeof(*s));
	const char *h = strstr(origin, "://");

	s->name = pw_xstrdup(name);
	s->origin = pw_xstrdup(origin);
	s->host = pw_xstrdup(h ? h + 3 : origin);
	s->repo = pw_xstrdup(repo);
	s->g.name = s->name;
	s->g.manifest = reg_manifest;
	s->g.blob = reg_blob;
	s->g.free = reg_free;
	return s;
}

struct oci_getter *oci_registry_getter(const struct pw_oci_ref *r, struct pw_err *e)
{
	_cleanup_free_ char *name = pw_oci_ref_format(r);
	_cleanup_free_ char *url = pw_oci_blob_url(r, "sha256:");
	char *v2 = strstr(url, "/v2/");

	(void)e;
	*v2 = '\0';
	return &reg_new(name, url, r->repo)->g;
}

int pw_oci_pull_auth(const char *origin, const char *repo, char **header, struct pw_err *e)
{
	struct reg *s = reg_new(origin, origin, repo);
	_cleanup_free_ char *url = pw_xasprintf("%s/v2/", origin);
	_cleanup_free_ char *scope = pw_xasprintf("repository:%s:pull", repo);
	struct pw_buf body = PW_BUF_INIT(1u << 20);
	struct resp rs;
	int r;

	*header = NULL;
	r = http_get(url, NULL, NULL, &body, &rs, e);
	if (r < 0)
		goto out;
	if (rs.code == 401 && rs.www_auth) {
		/* The /v2/ challenge names no repository: ask for ours. */
		r = answer(origin, s->host, rs.www_auth, scope, true, header, e);
	} else if (rs.code == 401) {
		r = pw_err_set(e, EACCES, "%s: HTTP 401 without a challenge", url);
	}
	resp_release(&rs);
out:
	pw_buf_release(&body);
	reg_free(&s->g);
	return r;
}

void pw_oci_fetch_auth_release(char **hdrs)
{
	for (size_t i = 0; hdrs && hdrs[i]; i++)
		free(hdrs[i]);
	free(hdrs);
}

/* "docker-archive:FILE#MEMBER" into the store. */
static int import_archive_blob(struct pw_store *s, const struct pw_fetch_item *it,
			       struct pw_err *e)
{
	_cleanup_free_ char *u = pw_xstrdup(it->urls[0] + 15);
	char *hash = strrchr(u, '#');
	int r;

	if (!hash)
		return pw_err_set(e, EINVAL, "'%s': expected docker-archive:FILE#MEMBER",
				  it->urls[0]);
	*hash = '\0';
	r = pw_oci_archive_import(s, u, hash + 1, it->sha256, it->size, e);
	if (r < 0)
		return pw_err_prefix(e, "could not fetch '%s'", it->name);
	return 0;
}

int pw_oci_fetch_prepare(struct pw_store *s, struct pw_fetch_item *items, size_t n,
			 char ***hdrs, struct pw_err *e)
{
	/* (origin, repo) -> header, in parallel arrays; few repositories */
	char **keys = pw_xcalloc(n + 1, sizeof(*keys));
	char **vals = pw_xcalloc(n + 1, sizeof(*vals));
	size_t nk = 0, i, j;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *origin = NULL, *repo = NULL, *key = NULL;
		struct pw_fetch_item *it = &items[i];

		if (it->nurls != 1 || pw_store_has_blob(s, it->sha256))
			continue;
		if (!strncmp(it->urls[0], "docker-archive:", 15)) {
			r = import_archive_blob(s, it, e);
			continue;
		}
		if (!pw_oci_blob_url_parse(it->urls[0], &origin, &repo))
			continue;
		key = pw_xasprintf("%s %s", origin, repo);
		for (j = 0; j < nk && strcmp(keys[j], key); j++)
			;
		if (j == nk) {
			char *h = NULL;
			r = pw_oci_pull_auth(origin, repo, &h, e);
			if (r < 0)
				break;
			/* kept as "KEY\nHEADER": pw_oci_fetch_reauth() finds a
			 * repository's newest token by its key */
			vals[nk] = h ? pw_xasprintf("%s\n%s", key, h) : NULL;
			free(h);
			keys[nk++] = steal_pointer(&key);
		}
		it->header = vals[j] ? strchr(vals[j], '\n') + 1 : NULL;
	}
	for (i = 0; i < nk; i++)
		free(keys[i]);
	free(keys);
	/* keep the non-NULL headers, NULL-ended */
	for (i = j = 0; i < nk; i++)
		if (vals[i])
			vals[j++] = vals[i];
	vals[j] = NULL;
	if (r < 0) {
		for (i = 0; i < n; i++)
			items[i].header = NULL;
		pw_oci_fetch_auth_release(vals);
		vals = NULL;
	}
	*hdrs = vals;
	return r;
}

int pw_oci_fetch_reauth(void *ud, struct pw_fetch_item *it)
{
	char ***hdrs = ud;
	_cleanup_free_ char *origin = NULL, *repo = NULL, *key = NULL;
	struct pw_err e = PW_ERR_INIT;
	char *h = NULL;
	size_t n = 0, klen;
	int r;

	if (it->nurls != 1 || !pw_oci_blob_url_parse(it->urls[0], &origin, &repo))
		return -EINVAL;
	key = pw_xasprintf("%s %s", origin, repo);
	klen = strlen(key);
	while (*hdrs && (*hdrs)[n])
		n++;
	/* A newer token than the item's for this repository (renewed for
	 * another blob): take it. */
	for (size_t i = n; i-- > 0;) {
		const char *ent = (*hdrs)[i];
		if (strncmp(ent, key, klen) || ent[klen] != '\n')
			continue;
		if (ent + klen + 1 == it->header)
			break;
		it->header = ent + klen + 1;
		return 0;
	}
	r = pw_oci_pull_auth(origin, repo, &h, &e);
	if (r < 0 || !h)
		return r < 0 ? r : -EACCES;
	*hdrs = pw_xrealloc(*hdrs, (n + 2) * sizeof(**hdrs));
	(*hdrs)[n] = pw_xasprintf("%s\n%s", key, h);
	(*hdrs)[n + 1] = NULL;
	free(h);
	it->header = (*hdrs)[n] + klen + 1;
	return 0;
}
