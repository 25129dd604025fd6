/* fetch.c - parallel, resumable, verified downloads into the store with
 * libcurl's multi interface (contract in include/pinwheel/fetch.h).
 *
 * One struct xfer per item walks: QUEUED -> (lock taken, tmp/<hex>.part
 * opened) -> ACTIVE (an easy handle in the multi) -> commit (size + digest
 * checked, renamed into blobs/) -> DONE, with WAITING in between for a
 * retry backoff or for a lock another process holds.  The lock is held
 * from the first transfer of an item until it is done or has failed, so
 * concurrent pinwheel processes wait for one another instead of
 * downloading the same bytes twice. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "pinwheel/fetch.h"

struct xfer {
	struct pw_fetch_item *it;
	struct pw_store_ins ins;
	bool have_ins;
	bool blob_ready;  /* blob present; tree (if any) still to make */
	bool fresh_tried; /* after a mismatch on resumed data, retried from zero */
	bool reauthed;	  /* a 401 was answered with a new header once */
	CURL *easy;
	struct curl_slist *hdrs; /* it->header for the running transfer */
	size_t url_idx;
	size_t ngone;	     /* urls that answered 404/410 (file: missing) */
	unsigned attempt;    /* retries used on the current URL */
	uint64_t not_before; /* monotonic ms */
	uint64_t range_from; /* Range start of the running transfer, 0: none */
	long long cr_start;  /* Content-Range start of the response, -1: none */
	bool checked;	     /* first body bytes seen */
	int werr;	     /* failure inside the write callback (-errno) */
	struct pw_err wmsg;
	struct pw_err last; /* last failure, "URL: what" */
	char errbuf[CURL_ERROR_SIZE];
};

struct fetch {
	struct pw_store *store;
	const struct pw_fetch_opts *o;
	struct xfer *x;
	size_t n;
	CURLM *multi;
	unsigned active;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static long env_long(const char *name, long def, long min, long max)
{
	const char *s = getenv(name);
	uint64_t v;

	if (!s || pw_parse_u64(s, &v) < 0 || (long long)v < min || v > (uint64_t)max)
		return def;
	return (long)v;
}

void pw_fetch_opts_init(struct pw_fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->jobs = 8;
	o->retries = (unsigned)env_long("PINWHEEL_RETRIES", 4, 0, 100);
	o->retry_base_ms = (unsigned)env_long("PINWHEEL_RETRY_BASE_MS", 500, 0, 600000);
	o->low_speed_time = env_long("PINWHEEL_LOW_SPEED_TIME", 30, 1, 86400);
	o->low_speed_limit = env_long("PINWHEEL_LOW_SPEED_LIMIT", 1024, 1, 1L << 30);
	o->connect_timeout = env_long("PINWHEEL_CONNECT_TIMEOUT", 30, 1, 86400);
	o->max_redirs = 10;
	o->ca_bundle = getenv("PINWHEEL_CA_BUNDLE");
	if (o->ca_bundle && !*o->ca_bundle)
		o->ca_bundle = NULL;
}

void pw_fetch_item_release(struct pw_fetch_item *it)
{
	free(it->path);
	it->path = NULL;
}

static bool is_http(const char *url)
{
	return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

static void item_finish(struct fetch *f, struct xfer *x, int status)
{
	struct pw_fetch_item *it = x->it;

	it->status = status;
	it->state = status == 0 ? PW_FETCH_DONE : PW_FETCH_FAILED;
	if (f->o->done)
		f->o->done(f->o->ud, it);
}

static void item_fail(struct fetch *f, struct xfer *x, int code, const char *fmt, ...)
    PW_PRINTF(4, 5);
static void item_fail(struct fetch *f, struct xfer *x, int code, const char *fmt, ...)
{
	char msg[sizeof(x->it->err.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->have_ins) {
		/* keep a partial file to resume from; an empty one is clutter */
		pw_store_ins_abort(&x->ins, x->ins.have > 0);
		x->have_ins = false;
	}
	pw_err_set(&x->it->err, code, "%s", msg);
	item_finish(f, x, -code);
}

/* The blob is in the store: done, or on to the tree. */
static void blob_ready(struct fetch *f, struct xfer *x)
{
	x->it->downloaded = x->it->downloaded || x->it->attempts > 0;
	x->it->received = x->it->size != PW_STORE_SIZE_UNKNOWN ? x->it->size : x->it->received;
	if (x->it->unpack) {
		x->blob_ready = true;
		return;
	}
	x->it->path = pw_store_blob_path(f->store, x->it->sha256);
	item_finish(f, x, 0);
}

/* Give up on the current URL: the next one, or failure. */
static void next_url(struct fetch *f, struct xfer *x)
{
	struct pw_fetch_item *it = x->it;

	x->url_idx++;
	x->attempt = 0;
	x->fresh_tried = false;
	if (x->url_idx < it->nurls) {
		it->state = PW_FETCH_QUEUED;
		return;
	}
	it->gone = x->ngone == it->nurls;
	if (it->nurls == 1)
		item_fail(f, x, x->last.code ? x->last.code : EIO, "could not fetch '%s': %s",
			  it->name, x->last.msg);
	else
		item_fail(f, x, x->last.code ? x->last.code : EIO,
			  "could not fetch '%s' from any of its %zu urls; last: %s", it->name,
			  it->nurls, x->last.msg);
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	static const char cr[] = "content-range:";
	char line[256];

	if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
		x->cr_start = -1; /* a new response (after a redirect) */
	} else if (n > sizeof(cr) - 1 && n < sizeof(line) && !strncasecmp(p, cr, sizeof(cr) - 1)) {
		unsigned long long start;
		memcpy(line, p, n);
		line[n] = '\0';
		if (sscanf(line + sizeof(cr) - 1, " bytes %llu-", &start) == 1)
			x->cr_start = (long long)start;
	}
	return n;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	int r;

	if (!x->checked) {
		x->checked = true;
		if (x->range_from > 0) {
			long code = 0;
			curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
			if (code == 200) {
				/* The server ignored our Range: take the body
				 * from its first byte. */
				r = pw_store_ins_restart(&x->ins, &x->wmsg);
				if (r < 0) {
					x->werr = r;
					return 0;
				}
				x->it->resumed_from = 0;
				x->range_from = 0;
			} else if (code != 206 || x->cr_start != (long long)x->range_from) {
				x->werr = pw_err_set(&x->wmsg, EPROTO,
						     "answered a Range request from byte %llu with "
						     "HTTP %ld starting at %lld",
						     (unsigned long long)x->range_from, code,
						     x->cr_start);
				return 0;
			}
		}
	}
	r = pw_store_ins_write(&x->ins, p, n, &x->wmsg);
	if (r < 0) {
		x->werr = r;
		return 0;
	}
	x->it->received = x->ins.have;
	return n;
}

void pw_fetch_setup_easy(void *curl, const char *url, const struct pw_fetch_opts *o)
{
	CURL *c = curl;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, o->max_redirs);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pinwheel/" PW_VERSION);
	if (o->ca_bundle)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_bundle);
}

static int start_transfer(struct fetch *f, struct xfer *x, struct pw_err *e)
{
	const struct pw_fetch_opts *o = f->o;
	struct pw_fetch_item *it = x->it;
	const char *url = it->urls[x->url_idx];
	char range[32];
	CURL *c;
	int r;

	if (x->ins.have > 0 && !is_http(url)) {
		r = pw_store_ins_restart(&x->ins, e); /* local: cheaper to copy again */
		if (r < 0)
			return r;
	}
	c = curl_easy_init();
	if (!c)
		return pw_err_set(e, ENOMEM, "could not start a transfer");
	x->easy = c;
	x->errbuf[0] = '\0';
	x->checked = false;
	x->werr = 0;
	x->cr_start = -1;
	x->range_from = 0;
	pw_err_clear(&x->wmsg);
	pw_fetch_setup_easy(c, url, o);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024); /* fewer, larger writes */
	if (it->header && is_http(url)) {
		x->hdrs = curl_slist_append(NULL, it->header);
		if (x->hdrs)
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs);
	}
	if (it->size != PW_STORE_SIZE_UNKNOWN)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)it->size);
	if (x->ins.have > 0) {
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)x->ins.have);
		curl_easy_setopt(c, CURLOPT_RANGE, range);
		x->range_from = x->ins.have;
		it->resumed_from = x->ins.have;
	}
	if (curl_multi_add_handle(f->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		x->easy = NULL;
		curl_slist_free_all(x->hdrs);
		x->hdrs = NULL;
		return pw_err_set(e, EIO, "could not start a transfer of '%s'", url);
	}
	it->attempts++;
	it->state = PW_FETCH_ACTIVE;
	f->active++;
	if (o->start && it->attempts == 1)
		o->start(o->ud, it, url);
	return 0;
}

/* Take the lock and the partial file, then start a transfer (or find the
 * work already done). */
static void try_start(struct fetch *f, struct xfer *x, uint64_t now)
{
	struct pw_fetch_item *it = x->it;
	struct pw_err e = PW_ERR_INIT;
	int r;

	if (!x->have_ins) {
		r = pw_store_ins_begin(f->store, it->sha256, it->size, false, true, &x->ins, &e);
		if (r == 1) {
			it->cached = it->attempts == 0;
			blob_ready(f, x);
			return;
		}
		if (r == -EWOULDBLOCK) { /* another process fetches it: poll */
			it->state = PW_FETCH_WAITING;
			x->not_before = now + 50;
			return;
		}
		if (r < 0) {
			item_fail(f, x, -r, "could not fetch '%s': %s", it->name, e.msg);
			return;
		}
		x->have_ins = true;
		it->received = x->ins.have;
		if (it->size != PW_STORE_SIZE_UNKNOWN && x->ins.have > 0 &&
		    x->ins.have == it->size) {
			/* Complete but not renamed (killed just before). */
			x->have_ins = false;
			r = pw_store_ins_commit(&x->ins, &e);
			if (r == 0) {
				it->downloaded = true; /* by the killed run */
				it->resumed_from = it->size;
				blob_ready(f, x);
				return;
			}
			if (r != -EBADMSG) {
				item_fail(f, x, -r, "could not fetch '%s': %s", it->name, e.msg);
				return;
			}
			it->state = PW_FETCH_QUEUED; /* bad leftover removed: begin anew */
			return;
		}
	}
	r = start_transfer(f, x, &e);
	if (r < 0)
		item_fail(f, x, -r, "could not fetch '%s': %s", it->name, e.msg);
}

static bool transient(CURLcode rc, long code)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	case CURLE_HTTP_RETURNED_ERROR:
		return code >= 500 || code == 408 || code == 429;
	default:
		return false;
	}
}

static void transfer_done(struct fetch *f, struct xfer *x, CURLcode rc)
{
	struct pw_fetch_item *it = x->it;
	const char *url = it->urls[x->url_idx];
	struct pw_err e = PW_ERR_INIT;
	long code = 0;
	int r;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(f->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	f->active--;

	if (rc == CURLE_OK && x->werr == 0 && is_http(url) && code != 200 && code != 206) {
		pw_err_set(&x->last, EPROTO, "%s: unexpected HTTP status %ld", url, code);
		if (code == 404 || code == 410)
			x->ngone++;
		next_url(f, x);
		return;
	}
	if (rc == CURLE_OK && x->werr == 0) {
		uint64_t resumed = x->range_from;
		x->have_ins = false;
		r = pw_store_ins_commit(&x->ins, &e);
		if (r == 0) {
			it->url = url;
			blob_ready(f, x);
			return;
		}
		if (r != -EBADMSG) {
			item_fail(f, x, -r, "could not fetch '%s': %s", it->name, e.msg);
			return;
		}
		pw_err_set(&x->last, EBADMSG, "%s: %s", url, e.msg);
		if (resumed > 0 && !x->fresh_tried) {
			/* The partial file we resumed may have been bad: one
			 * more try from zero before blaming the URL. */
			x->fresh_tried = true;
			it->state = PW_FETCH_QUEUED;
			return;
		}
		next_url(f, x);
		return;
	}
	if ((x->werr == -EFBIG || rc == CURLE_FILESIZE_EXCEEDED) && code >= 400) {
		/* an error page longer than the pin: libcurl checks the
		 * announced length before the status; the status is the news */
		if (x->werr == -EFBIG && pw_store_ins_restart(&x->ins, &e) < 0) {
			item_fail(f, x, EIO, "could not fetch '%s': %s", it->name, e.msg);
			return;
		}
		x->werr = 0;
		rc = CURLE_HTTP_RETURNED_ERROR;
		snprintf(x->errbuf, sizeof(x->errbuf), "The requested URL returned error: %ld",
			 code);
	}
	if (x->werr == -EFBIG || rc == CURLE_FILESIZE_EXCEEDED) {
		pw_err_set(&x->last, EFBIG, "%s: more than the pinned %llu bytes", url,
			   (unsigned long long)it->size);
		if (pw_store_ins_restart(&x->ins, &e) < 0) {
			item_fail(f, x, EIO, "could not fetch '%s': %s", it->name, e.msg);
			return;
		}
		next_url(f, x);
		return;
	}
	if (x->werr == -EPROTO) {
		pw_err_set(&x->last, EPROTO, "%s: %s", url, x->wmsg.msg);
		if (pw_store_ins_restart(&x->ins, &e) < 0) {
			item_fail(f, x, EIO, "could not fetch '%s': %s", it->name, e.msg);
			return;
		}
		next_url(f, x);
		return;
	}
	if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416 && x->range_from > 0 &&
	    !x->fresh_tried) {
		/* Our partial file is not a prefix of what this server has
		 * (416 Range Not Satisfiable): drop it and start from zero. */
		x->fresh_tried = true;
		if (pw_store_ins_restart(&x->ins, &e) < 0) {
			item_fail(f, x, EIO, "could not fetch '%s': %s", it->name, e.msg);
			return;
		}
		it->state = PW_FETCH_QUEUED;
		return;
	}
	if (rc == CURLE_HTTP_RETURNED_ERROR && code == 401 && it->header && f->o->reauth &&
	    !x->reauthed) {
		x->reauthed = true;
		if (f->o->reauth(f->o->reauth_ud, it) == 0) {
			it->state = PW_FETCH_QUEUED;
			return;
		}
	}
	if (x->werr < 0) { /* the store failed (disk full, ...): not the URL's fault */
		item_fail(f, x, -x->werr, "could not fetch '%s': %s", it->name, x->wmsg.msg);
		return;
	}
	pw_err_set(&x->last, rc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : EIO, "%s: %s%s", url,
		   x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc),
		   x->attempt > 0 ? " (after retries)" : "");
	{ /* curl's error buffer ends some messages with a newline */
		size_t len = strlen(x->last.msg);
		while (len > 0 && (x->last.msg[len - 1] == '\n' || x->last.msg[len - 1] == ' '))
			x->last.msg[--len] = '\0';
	}
	if (transient(rc, code) && x->attempt < f->o->retries) {
		uint64_t delay = (uint64_t)f->o->retry_base_ms
				 << (x->attempt < 16 ? x->attempt : 16);
		x->attempt++;
		x->not_before = now_ms() + (delay > 30000 ? 30000 : delay);
		it->state = PW_FETCH_WAITING;
		return;
	}
	if ((rc == CURLE_HTTP_RETURNED_ERROR && (code == 404 || code == 410)) ||
	    rc == CURLE_FILE_COULDNT_READ_FILE)
		x->ngone++;
	next_url(f, x);
}

static void make_trees(struct fetch *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct xfer *x = &f->x[i];
		struct pw_err e = PW_ERR_INIT;
		bool cached = false;
		int r;

		if (!x->blob_ready)
			continue;
		x->blob_ready = false;
		r = pw_store_make_tree(f->store, x->it->sha256, x->it->unpack, &x->it->path,
				       &cached, &e);
		if (r < 0) {
			item_fail(f, x, -r, "'%s': %s", x->it->name, e.msg);
			continue;
		}
		x->it->cached = x->it->cached && cached;
		x->it->unpacked = !cached;
		item_finish(f, x, 0);
	}
}

static bool pending(const struct xfer *x)
{
	return !x->blob_ready && x->it->state != PW_FETCH_DONE && x->it->state != PW_FETCH_FAILED;
}

static int run_multi(struct fetch *f, struct pw_err *e)
{
	const struct pw_fetch_opts *o = f->o;
	uint64_t last_progress = 0, last_flush = 0;
	unsigned jobs = o->jobs ? o->jobs : 8;
	size_t i, left;

	f->multi = curl_multi_init();
	if (!f->multi)
		return pw_err_set(e, ENOMEM, "could not start libcurl");
	for (;;) {
		uint64_t now = now_ms(), wake = now + 100;
		int running = 0, timeout, msgs;
		bool startable = false;
		CURLMsg *m;

		left = 0;
		for (i = 0; i < f->n; i++) {
			struct xfer *x = &f->x[i];
			enum pw_fetch_state st = x->it->state;
			if (!pending(x))
				continue;
			if (f->active < jobs && (st == PW_FETCH_QUEUED ||
						 (st == PW_FETCH_WAITING && now >= x->not_before)))
				try_start(f, x, now);
			if (!pending(x))
				continue;
			left++;
			st = x->it->state;
			if (st == PW_FETCH_WAITING && x->not_before < wake)
				wake = x->not_before;
			if (st == PW_FETCH_QUEUED && f->active < jobs)
				startable = true;
		}
		if (left == 0)
			break;
		if (curl_multi_perform(f->multi, &running) != CURLM_OK)
			return pw_err_set(e, EIO, "libcurl multi interface failed");
		while ((m = curl_multi_info_read(f->multi, &msgs)) != NULL) {
			struct xfer *x = NULL;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			transfer_done(f, x, m->data.result);
			startable = true;
		}
		now = now_ms();
		/* Bytes gathered in memory go to the partial file at least
		 * every 200 ms, so a kill loses little of a slow transfer. */
		if (now - last_flush >= 200) {
			last_flush = now;
			for (i = 0; i < f->n; i++)
				if (f->x[i].have_ins && f->x[i].ins.wlen > 0)
					pw_store_ins_flush(&f->x[i].ins, NULL);
		}
		if (o->progress && now - last_progress >= 100) {
			last_progress = now;
			o->progress(o->ud, f->x[0].it, f->n);
		}
		timeout =
		    startable ? 0 : (int)(wake > now ? (wake - now > 100 ? 100 : wake - now) : 0);
		if (timeout > 0 && curl_multi_poll(f->multi, NULL, 0, timeout, NULL) != CURLM_OK)
			return pw_err_set(e, EIO, "libcurl multi interface failed");
	}
	return 0;
}

int pw_fetch_run(struct pw_store *s, struct pw_fetch_item *items, size_t n,
		 const struct pw_fetch_opts *o, struct pw_err *e)
{
	struct fetch f = {.store = s, .o = o, .n = n};
	size_t i, failed = 0, need_net = 0;
	int r = 0;

	f.x = pw_xcalloc(n ? n : 1, sizeof(*f.x));
	for (i = 0; i < n; i++) {
		struct xfer *x = &f.x[i];
		struct pw_fetch_item *it = &items[i];

		x->it = it;
		it->state = PW_FETCH_QUEUED;
		it->status = 0;
		it->cached = it->downloaded = it->unpacked = false;
		it->path = NULL;
		it->url = NULL;
		it->received = it->resumed_from = 0;
		it->attempts = 0;
		pw_err_clear(&it->err);
		if (!pw_sha256_hex_valid(it->sha256)) {
			item_fail(&f, x, EINVAL, "'%s': '%s' is not a sha256", it->name,
				  it->sha256);
			continue;
		}
		if (it->unpack) {
			_cleanup_free_ char *id = pw_store_tree_id(it->sha256, it->unpack);
			if (pw_store_has_tree(s, id)) {
				it->cached = true;
				it->path = pw_store_tree_path(s, id);
				it->received = it->size != PW_STORE_SIZE_UNKNOWN ? it->size : 0;
				item_finish(&f, x, 0);
				continue;
			}
		}
		if (pw_store_has_blob(s, it->sha256)) {
			it->cached = true;
			blob_ready(&f, x);
			continue;
		}
		if (o->offline) {
			item_fail(&f, x, ENOENT, "offline: '%s' (sha256 %s) is not in the store",
				  it->name, it->sha256);
			continue;
		}
		if (it->nurls == 0) {
			item_fail(&f, x, EINVAL, "'%s': no url to fetch it from", it->name);
			continue;
		}
		need_net++;
	}
	if (need_net > 0) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			r = pw_err_set(e, EIO, "could not initialise libcurl");
			for (i = 0; i < n; i++)
				if (pending(&f.x[i]))
					item_fail(&f, &f.x[i], EIO, "'%s': libcurl would not start",
						  items[i].name);
		} else {
			r = run_multi(&f, e);
			for (i = 0; i < n; i++) {
				struct xfer *x = &f.x[i];
				if (x->easy) {
					curl_multi_remove_handle(f.multi, x->easy);
					curl_easy_cleanup(x->easy);
					x->easy = NULL;
				}
				curl_slist_free_all(x->hdrs);
				x->hdrs = NULL;
				if (pending(x))
					item_fail(&f, x, EIO, "'%s': %s", items[i].name,
						  r < 0 ? e->msg : "not fetched");
			}
			if (f.multi)
				curl_multi_cleanup(f.multi);
			curl_global_cleanup();
		}
	}
	make_trees(&f);
	if (o->progress && n > 0)
		o->progress(o->ud, items, n);
	free(f.x);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++)
		if (items[i].state == PW_FETCH_FAILED)
			failed++;
	if (failed)
		return pw_err_set(e, EIO, "%zu of %zu artifacts failed", failed, n);
	return 0;
}
