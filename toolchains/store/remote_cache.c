/* remote_cache.c - the shared HTTP action cache: bazel-remote's protocol
 * (GET/PUT/HEAD URL/cas/<sha256>, GET/PUT URL/ac/<key>) over libcurl
 * (contract in include/pinwheel/actions.h, users' side in docs/cache.md).
 *
 * One easy handle per remote, used under a mutex, so consecutive requests
 * reuse the connection.  Credentials given in the URL (user:pass@) are
 * taken out of it at open: libcurl gets them as basic auth (never sent
 * across a redirect to another host) and every message names the URL
 * without them.  Transfers follow the fetcher's policy
 * (pw_fetch_setup_easy(): timeouts, CA bundle, redirect limits), limited to
 * http and https, and retry connection errors, timeouts and HTTP
 * 5xx/408/429 with the fetcher's backoff, PINWHEEL_CACHE_RETRIES times.
 * A remote that stays unusable is switched off after its first reported
 * failure, so a dead cache costs one warning and one round of retries per
 * process, never a build. */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include "pinwheel/actions.h"
#include "pinwheel/buf.h"
#include "pinwheel/fetch.h"
#include "pinwheel/libload.h"
#include "pinwheel/store.h"
#include "pinwheel/sys.h"

#define AC_MAX (16u << 20) /* an action record is a few KiB */
#define BACKOFF_CAP_MS 30000u

struct pw_remote {
	char *base; /* scheme://host[:port][/prefix], no userinfo, no '/' at the end */
	char *user; /* percent-decoded userinfo, NULL without */
	char *pass;
	struct pw_fetch_opts fo;
	unsigned retries;
	pthread_mutex_t mu;
	CURL *easy; /* created on first use */
	bool down;  /* switched off after a failure that will not go away */
	/* blobs whose GET brought bytes that failed verification: the
	 * remote's copy is bad, so a put sends ours without asking HEAD */
	char (*bad)[PW_SHA256_HEX];
	size_t nbad;
};

/* One request's sink (GET) or source (PUT) and what happened to it. */
struct req {
	const char *method;	  /* "GET", "HEAD", "PUT" */
	const char *url;	  /* with the credentials left out: for messages too */
	struct pw_store_ins *ins; /* GET into the store */
	struct pw_buf *body;	  /* GET into memory */
	int fd;			  /* PUT from a file (-1: from @mem) */
	const char *mem;
	uint64_t len; /* PUT: bytes to send */
	uint64_t off; /* PUT: bytes handed to libcurl so far */
	CURL *easy;
	bool checked; /* GET: the status was looked at */
	bool drop;    /* GET: not a 200, the body is not kept */
	int werr;     /* failure inside a callback (-errno), detail in wmsg */
	struct pw_err wmsg;
	char errbuf[CURL_ERROR_SIZE];
};

static long env_long(const char *name, long def, long min, long max)
{
	const char *s = getenv(name);
	uint64_t v;

	if (!s || pw_parse_u64(s, &v) < 0 || (long long)v < min || v > (uint64_t)max)
		return def;
	return (long)v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode @n bytes of @s; NULL when an escape is malformed or
 * decodes to NUL.  Caller frees. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = pw_xmalloc(n + 1), *o = out;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		hi = i + 2 < n ? hexval(s[i + 1]) : -1;
		lo = i + 2 < n ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi | lo) == 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

/* Split @url into r->base (without userinfo and trailing slashes) and
 * r->user/r->pass.  Messages never quote the userinfo. */
static int parse_url(struct pw_remote *r, const char *url, struct pw_err *e)
{
	const char *rest, *auth_end, *slash, *at, *colon;
	size_t scheme_len, n;

	if (!strncasecmp(url, "http://", 7))
		scheme_len = 7;
	else if (!strncasecmp(url, "https://", 8))
		scheme_len = 8;
	else {
		/* quote at most the scheme: the rest may hold a password */
		n = strcspn(url, ":/@");
		return pw_err_set(
		    e, EINVAL,
		    "cache URL '%.*s...': expected http://HOST[:PORT][/PATH] or https://...",
		    (int)(n > 32 ? 32 : n), url);
	}
	rest = url + scheme_len;
	slash = rest + strcspn(rest, "/?#");
	at = NULL;
	for (auth_end = rest; auth_end < slash; auth_end++)
		if (*auth_end == '@')
			at = auth_end; /* the last '@' before the path ends the userinfo */
	if (at) {
		colon = memchr(rest, ':', (size_t)(at - rest));
		r->user = pct_decode(rest, (size_t)((colon ? colon : at) - rest));
		r->pass = colon ? pct_decode(colon + 1, (size_t)(at - colon - 1)) : pw_xstrdup("");
		if (!r->user || !r->pass)
			return pw_err_set(
			    e, EINVAL,
			    "cache URL '%.*s***@%s': bad percent escape in the credentials",
			    (int)scheme_len, url, at + 1);
		rest = at + 1;
	}
	if (rest == slash)
		return pw_err_set(e, EINVAL, "cache URL '%.*s%s': no host", (int)scheme_len, url,
				  rest);
	if (strpbrk(slash, "?#"))
		return pw_err_set(e, EINVAL,
				  "cache URL '%.*s%s': expected no query or fragment (a base URL)",
				  (int)scheme_len, url, rest);
	n = strlen(rest);
	while (n > 0 && rest[n - 1] == '/')
		n--;
	r->base = pw_xasprintf("%.*s%.*s", (int)scheme_len, url, (int)n, rest);
	return 0;
}

struct pw_remote *pw_remote_open(const char *url, struct pw_err *e)
{
	struct pw_remote *r = pw_xcalloc(1, sizeof(*r));
	int rc;

	pthread_mutex_init(&r->mu, NULL);
	rc = parse_url(r, url, e);
	if (rc == 0)
		rc = pw_libcurl_load(e);
	if (rc == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		rc = pw_err_set(e, EIO, "could not initialise libcurl");
	if (rc < 0) {
		pw_remote_close(r);
		errno = -rc;
		return NULL;
	}
	pw_fetch_opts_init(&r->fo);
	r->retries = (unsigned)env_long("PINWHEEL_CACHE_RETRIES", 2, 0, 100);
	return r;
}

void pw_remote_close(struct pw_remote *r)
{
	if (!r)
		return;
	if (r->easy)
		curl_easy_cleanup(r->easy);
	pthread_mutex_destroy(&r->mu);
	free(r->bad);
	free(r->base);
	if (r->pass)
		pw_explicit_bzero(r->pass, strlen(r->pass));
	free(r->user);
	free(r->pass);
	free(r);
}

/* ---- callbacks ---- */

/* The body of a GET: only a 200's reaches the sink (the status is known
 * before the first body byte; an error page must never reach the store).
 * Other bodies are read and dropped, which keeps the connection. */
static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct req *q = ud;
	size_t n = size * nmemb;
	long code = 0;
	int rc;

	if (!q->checked) {
		q->checked = true;
		curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &code);
		q->drop = code != 200;
	}
	if (q->drop || (!q->ins && !q->body))
		return n;
	if (q->ins) {
		rc = pw_store_ins_write(q->ins, data, n, &q->wmsg);
	} else {
		rc = pw_buf_add(q->body, data, n);
		if (rc < 0)
			pw_err_set(&q->wmsg, E2BIG, "more than %u bytes", AC_MAX);
	}
	if (rc < 0) {
		q->werr = rc;
		return 0;
	}
	return n;
}

static size_t on_read(char *data, size_t size, size_t nmemb, void *ud)
{
	struct req *q = ud;
	size_t want = size * nmemb;
	ssize_t got;

	if (want > q->len - q->off)
		want = (size_t)(q->len - q->off);
	if (want == 0)
		return 0;
	if (q->fd < 0) {
		memcpy(data, q->mem + q->off, want);
		q->off += want;
		return want;
	}
	do
		got = pread(q->fd, data, want, (off_t)q->off);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		q->werr = got < 0 ? -errno : -EIO;
		pw_err_sys(&q->wmsg, got < 0 ? errno : EIO, "could not read the blob");
		return CURL_READFUNC_ABORT;
	}
	q->off += (uint64_t)got;
	return (size_t)got;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
	struct req *q = ud;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > q->len)
		return CURL_SEEKFUNC_CANTSEEK;
	q->off = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* ---- one request, with retries ---- */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool retryable(CURLcode cc, long code)
{
	switch (cc) {
	case CURLE_OK:
		return code >= 500 || code == 408 || code == 429;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/* Reset the sink or source for another attempt. */
static int rewind_req(struct req *q, struct pw_err *e)
{
	q->off = 0;
	q->checked = false;
	q->drop = false;
	q->werr = 0;
	pw_err_clear(&q->wmsg);
	if (q->body)
		pw_buf_reset(q->body);
	if (q->ins && q->ins->have > 0)
		return pw_store_ins_restart(q->ins, e);
	return 0;
}

static void setup(struct pw_remote *r, CURL *c, struct req *q)
{
	curl_easy_reset(c);
	pw_fetch_setup_easy(c, q->url, &r->fo);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, q->errbuf);
	if (r->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->pass);
	}
	if (!strcmp(q->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(q->method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, q);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, q);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->len);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
	} else {
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
		curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
		if (q->ins && q->ins->size != PW_STORE_SIZE_UNKNOWN)
			curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->ins->size);
	}
}

/* Run @q: 0 with *code the final HTTP status (any status: the caller
 * decides), or -EIO when the transfer failed for good (e filled, naming
 * the URL; *down tells whether the remote is unusable). */
static int perform(struct pw_remote *r, struct req *q, long *code, bool *down, struct pw_err *e)
{
	unsigned attempt;
	CURLcode cc = CURLE_OK;
	int rc;

	*down = false;
	*code = 0;
	if (!r->easy) {
		r->easy = curl_easy_init();
		if (!r->easy)
			return pw_err_set(e, ENOMEM, "remote cache: could not start a transfer");
	}
	for (attempt = 0;; attempt++) {
		rc = rewind_req(q, e);
		if (rc < 0)
			return rc;
		q->errbuf[0] = '\0';
		q->easy = r->easy;
		setup(r, r->easy, q);
		cc = curl_easy_perform(r->easy);
		*code = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, code);
		if (q->werr < 0) /* the store or the cap refused the bytes */
			return pw_err_set(e, -q->werr, "%s %s: %s", q->method, q->url, q->wmsg.msg);
		if (!retryable(cc, *code) || attempt >= r->retries)
			break;
		{
			unsigned ms = r->fo.retry_base_ms << (attempt < 16 ? attempt : 16);

			sleep_ms(ms > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : ms);
		}
	}
	if (cc != CURLE_OK) {
		/* a body larger than its pinned size or a local read failure
		 * says nothing about the remote; anything else (refused, DNS,
		 * TLS, timeouts after the retries) will not get better */
		*down = cc != CURLE_FILESIZE_EXCEEDED && cc != CURLE_READ_ERROR &&
			cc != CURLE_ABORTED_BY_CALLBACK;
		return pw_err_set(e, EIO, "%s %s: %s", q->method, q->url,
				  q->errbuf[0] ? q->errbuf : curl_easy_strerror(cc));
	}
	return 0;
}

/* The failure of a status the caller did not expect: -EIO, the remote
 * switched off when the status says it will not get better. */
static int bad_status(struct pw_remote *r, const struct req *q, long code, struct pw_err *e)
{
	if (code >= 500 || code == 401 || code == 403 || code == 405 || code == 408 || code == 429)
		r->down = true;
	return pw_err_set(e, EIO, "%s %s: HTTP %ld%s", q->method, q->url, code,
			  code == 401 || code == 403   ? " (check the credentials in the cache URL)"
			  : code == 405 || code == 501 ? " (does the server accept PUT?)"
			  : code == 413 ? " (the server's body size limit is too low)"
					: "");
}

static bool is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

/* ---- the protocol ---- */

/* Whether the remote is off: then a get is a silent miss. */
static bool is_down(struct pw_remote *r)
{
	return __atomic_load_n(&r->down, __ATOMIC_RELAXED);
}

static void set_down(struct pw_remote *r)
{
	__atomic_store_n(&r->down, true, __ATOMIC_RELAXED);
}

/* The set of bad remote blobs (the caller holds r->mu). */
static ssize_t bad_find(const struct pw_remote *r, const char *hex)
{
	for (size_t i = 0; i < r->nbad; i++)
		if (!strcmp(r->bad[i], hex))
			return (ssize_t)i;
	return -1;
}

static void bad_set(struct pw_remote *r, const char *hex, bool bad)
{
	ssize_t i = bad_find(r, hex);

	if (bad && i < 0) {
		r->bad = pw_xrealloc(r->bad, (r->nbad + 1) * sizeof(*r->bad));
		memcpy(r->bad[r->nbad++], hex, PW_SHA256_HEX);
	} else if (!bad && i >= 0) {
		memmove(r->bad[i], r->bad[i + 1], (r->nbad - (size_t)i - 1) * sizeof(*r->bad));
		r->nbad--;
	}
}

int pw_remote_get_cas(struct pw_remote *r, struct pw_store *s, const char *hex, uint64_t size,
		      struct pw_err *e)
{
	struct pw_store_ins ins;
	struct req q;
	char *url;
	long code;
	bool down;
	int rc;

	if (!is_hex64(hex))
		return pw_err_set(e, EINVAL, "remote cache: '%s' is not a sha256 digest", hex);
	if (is_down(r))
		return -ENOENT;
	rc = pw_store_ins_begin(s, hex, size, true, false, &ins, e);
	if (rc == 1)
		return 0;
	if (rc < 0)
		return rc;
	url = pw_xasprintf("%s/cas/%s", r->base, hex);
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.url = url;
	q.ins = &ins;
	q.fd = -1;
	pthread_mutex_lock(&r->mu);
	rc = perform(r, &q, &code, &down, e);
	if (rc < 0 && !down && code == 200) /* too many bytes, or the store refused them */
		bad_set(r, hex, true);
	pthread_mutex_unlock(&r->mu);
	if (rc < 0) {
		if (down)
			set_down(r);
		pw_store_ins_abort(&ins, false);
	} else if (code == 404) {
		pw_store_ins_abort(&ins, false);
		rc = -ENOENT;
	} else if (code != 200) {
		pw_store_ins_abort(&ins, false);
		rc = bad_status(r, &q, code, e);
	} else {
		rc = pw_store_ins_commit(&ins, e); /* always ends the insertion */
		if (rc < 0)
			pw_err_prefix(e, "GET %s", url);
		if (rc == -EBADMSG || rc == -EFBIG) { /* the remote's bytes are bad */
			pthread_mutex_lock(&r->mu);
			bad_set(r, hex, true);
			pthread_mutex_unlock(&r->mu);
		}
	}
	free(url);
	return rc;
}

/* HEAD URL/cas/@hex: 1 when the remote has @size bytes there, 0 when
 * not (or when it cannot say: the PUT will tell), -EIO when the remote
 * is unreachable, broken or refuses us (e filled, the remote switched
 * off). */
static int remote_has(struct pw_remote *r, const char *url, uint64_t size, struct pw_err *e)
{
	curl_off_t len = -1;
	struct req q;
	long code;
	bool down;
	int rc;

	memset(&q, 0, sizeof(q));
	q.method = "HEAD";
	q.url = url;
	q.fd = -1;
	rc = perform(r, &q, &code, &down, e);
	if (rc < 0 && down) {
		set_down(r);
		return rc;
	}
	if (rc < 0)
		return 0;
	if (code >= 500 || code == 401 || code == 403)
		return bad_status(r, &q, code, e); /* a PUT would fail alike */
	if (code != 200)
		return 0;
	curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	return len < 0 || (uint64_t)len == size;
}

static int put(struct pw_remote *r, struct req *q, struct pw_err *e)
{
	long code;
	bool down;
	int rc;

	rc = perform(r, q, &code, &down, e);
	if (rc < 0) {
		if (down)
			set_down(r);
		return rc;
	}
	if (code < 200 || code > 299)
		return bad_status(r, q, code, e);
	return 0;
}

int pw_remote_put_cas(struct pw_remote *r, struct pw_store *s, const char *hex, struct pw_err *e)
{
	_cleanup_free_ char *path = NULL, *url = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	struct req q;
	int rc;

	if (!is_hex64(hex))
		return pw_err_set(e, EINVAL, "remote cache: '%s' is not a sha256 digest", hex);
	if (is_down(r))
		return 0;
	path = pw_store_blob_path(s, hex);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return pw_err_sys(e, errno, "could not open the blob '%s'", path);
	url = pw_xasprintf("%s/cas/%s", r->base, hex);
	pthread_mutex_lock(&r->mu);
	/* A blob whose bytes we saw fail verification is sent whatever a
	 * HEAD says: the remote has the name, not the content. */
	rc = bad_find(r, hex) >= 0 ? 0 : remote_has(r, url, (uint64_t)st.st_size, e);
	if (rc != 0) {
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.method = "PUT";
	q.url = url;
	q.fd = fd;
	q.len = (uint64_t)st.st_size;
	rc = put(r, &q, e);
	if (rc == 0)
		bad_set(r, hex, false);
out:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int pw_remote_get_ac(struct pw_remote *r, const char *key, char **data, size_t *n, struct pw_err *e)
{
	struct pw_buf body = PW_BUF_INIT(AC_MAX);
	struct req q;
	char *url;
	long code;
	bool down;
	int rc;

	*data = NULL;
	*n = 0;
	if (!is_hex64(key))
		return pw_err_set(e, EINVAL, "remote cache: '%s' is not an action key", key);
	if (is_down(r))
		return -ENOENT;
	url = pw_xasprintf("%s/ac/%s", r->base, key);
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.url = url;
	q.body = &body;
	q.fd = -1;
	pthread_mutex_lock(&r->mu);
	rc = perform(r, &q, &code, &down, e);
	pthread_mutex_unlock(&r->mu);
	if (rc < 0) {
		if (down)
			set_down(r);
	} else if (code == 404) {
		rc = -ENOENT;
	} else if (code != 200) {
		rc = bad_status(r, &q, code, e);
	} else {
		*data = pw_buf_detach(&body, n);
	}
	pw_buf_release(&body);
	free(url);
	return rc;
}

int pw_remote_put_ac(struct pw_remote *r, const char *key, const char *data, size_t n,
		     struct pw_err *e)
{
	struct req q;
	char *url;
	int rc;

	if (!is_hex64(key))
		return pw_err_set(e, EINVAL, "remote cache: '%s' is not an action key", key);
	if (is_down(r))
		return 0;
	url = pw_xasprintf("%s/ac/%s", r->base, key);
	memset(&q, 0, sizeof(q));
	q.method = "PUT";
	q.url = url;
	q.fd = -1;
	q.mem = data;
	q.len = n;
	pthread_mutex_lock(&r->mu);
	rc = put(r, &q, e);
	pthread_mutex_unlock(&r->mu);
	free(url);
	return rc;
}

const char *pw_remote_url(const struct pw_remote *r)
{
	return r->base;
}

const char *pw_remote_pick_url(const char *opt)
{
	const char *url = opt ? opt : getenv("PINWHEEL_CACHE_URL");

	return url && *url ? url : NULL;
}
