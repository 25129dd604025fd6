/* fetch.h - fetch a batch of pinned artifacts into the store with libcurl's
 * multi interface (toolchains/store/fetch.c): parallel transfers in one thread.
 *
 * Each artifact has one or more URLs (mirrors, tried in order), a sha256
 * and usually a size (the pin); optional unpack options make a tree too.
 * Per URL, connection errors, timeouts, cut transfers and HTTP 5xx/408/429
 * are retried with exponential backoff; other failures (4xx, a redirect
 * loop, a wrong digest) move on to the next URL.  Data streams into the
 * store's tmp/<sha256>.part under the digest's lock and is hashed as it
 * arrives; a partial file left by a killed or failed run is resumed with an
 * HTTP Range request (a server answering 200 instead of 206 restarts it
 * from zero).  The pinned size caps every transfer.
 *
 * Knobs (environment, read by pw_fetch_opts_init(); docs/store.md):
 *   PINWHEEL_RETRIES         attempts per URL after the first (default 4)
 *   PINWHEEL_RETRY_BASE_MS   backoff base, doubled per attempt (default 500)
 *   PINWHEEL_LOW_SPEED_TIME  seconds below the low-speed limit before a
 *                            transfer is abandoned (default 30)
 *   PINWHEEL_LOW_SPEED_LIMIT bytes per second of that limit (default 1024)
 *   PINWHEEL_CONNECT_TIMEOUT seconds (default 30)
 *   PINWHEEL_CA_BUNDLE       a PEM file of CAs to trust for https instead
 *                            of the system's (private mirrors, tests)
 *
 * Ownership: the caller owns the items and everything they point to; the
 * fetcher fills each item's result fields, of which item->path is
 * allocated (free with pw_fetch_item_release()).  Nothing here prints:
 * progress and completion are reported through the callbacks.
 */
#ifndef PINWHEEL_FETCH_H
#define PINWHEEL_FETCH_H

#include "pinwheel/common.h"
#include "pinwheel/store.h"
#include "pinwheel/unpack.h"

enum pw_fetch_state {
	PW_FETCH_QUEUED,
	PW_FETCH_WAITING, /* on another process's lock or a retry backoff */
	PW_FETCH_ACTIVE,
	PW_FETCH_DONE,
	PW_FETCH_FAILED,
};

struct pw_fetch_item {
	/* input */
	const char *name;               /* for messages */
	const char *const *urls;
	size_t nurls;
	const char *sha256;
	uint64_t size;                  /* PW_STORE_SIZE_UNKNOWN when not pinned */
	const struct pw_unpack_opts *unpack; /* NULL: blob only */
	const char *header;             /* one extra request header line (e.g.
					 * "Authorization: Bearer ..." for a
					 * registry), or NULL; libcurl never sends
					 * it on after a redirect to another host
					 * or port (blob storage) */

	/* result */
	enum pw_fetch_state state;
	int status;           /* 0 or -errno once DONE/FAILED */
	struct pw_err err;    /* detail when FAILED: names the artifact and URL */
	char *path;           /* blob path, or tree path with unpack (caller frees) */
	bool cached;          /* already present: nothing was transferred or made */
	bool downloaded;      /* its blob was fetched by this run (from a URL,
			       * or completed from a partial file) */
	bool unpacked;        /* its tree was made by this run (from a blob
			       * already present, or just downloaded) */
	const char *url;      /* the URL that delivered it (points into urls) */
	uint64_t received;    /* bytes in hand so far (progress) */
	uint64_t resumed_from; /* > 0 when a partial download was resumed */
	unsigned attempts;    /* transfers started */
	bool gone;            /* FAILED, and every url answered HTTP 404 or
			       * 410 (a file: url: no such file): the
			       * artifact was removed, not unreachable */
};

struct pw_fetch_opts {
	unsigned jobs;           /* parallel transfers (default 8) */
	bool offline;            /* never touch the network: missing is failure */
	unsigned retries;
	unsigned retry_base_ms;
	long low_speed_time;
	long low_speed_limit;
	long connect_timeout;
	long max_redirs;         /* default 10 */
	const char *ca_bundle;   /* PEM file of trusted CAs for https, or NULL
				  * for the system's (not owned) */
	/* Called at most ~10 times a second while transfers run, and once at
	 * the end; may be NULL. */
	void (*progress)(void *ud, const struct pw_fetch_item *items, size_t n);
	/* Called once per item when its first transfer starts, from @url
	 * (items already present never start one); may be NULL. */
	void (*start)(void *ud, const struct pw_fetch_item *item, const char *url);
	/* Called once per item when it reaches DONE or FAILED; may be NULL. */
	void (*done)(void *ud, const struct pw_fetch_item *item);
	void *ud;
	/* Called when a transfer of an item with a header was answered HTTP
	 * 401 (e.g. a registry token that expired during a long fetch): may
	 * replace item->header and return 0 to retry the item once, else
	 * -errno (the 401 then fails the url as usual).  May be NULL. */
	int (*reauth)(void *ud, struct pw_fetch_item *item);
	void *reauth_ud;
};

/* Defaults plus the environment knobs above. */
void pw_fetch_opts_init(struct pw_fetch_opts *o);

/* Make every item present (blob, and tree when item->unpack).  Returns 0
 * when all succeeded, -EIO when some failed (each failed item has
 * state FAILED and its err filled; e->msg says how many), or another
 * -errno for a failure of the whole batch (e.g. libcurl would not start). */
int pw_fetch_run(struct pw_store *s, struct pw_fetch_item *items, size_t n,
		 const struct pw_fetch_opts *o, struct pw_err *e);

void pw_fetch_item_release(struct pw_fetch_item *it);

/* Apply pinwheel's transfer policy to a libcurl easy handle (a CURL *):
 * URL @url, http/https/file only and redirects to http/https only, the
 * redirect limit, connect and low-speed timeouts, the CA bundle, no
 * signals, the user agent.  For the few small transfers outside
 * pw_fetch_run() (index files, lock-time downloads), so every request
 * pinwheel makes follows the same rules. */
void pw_fetch_setup_easy(void *curl, const char *url, const struct pw_fetch_opts *o);

#endif
