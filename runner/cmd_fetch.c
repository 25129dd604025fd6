/* cmd_fetch.c - `pinwheel fetch`: make every artifact of DIR/pinwheel.lock
 * present in the store (and its tree, for artifacts with "unpack"), then
 * build each target's layers and print its root id (toolchains/roots.c). */
#include <stdlib.h>
#include <string.h>

#include "pinwheel/cli.h"
#include "pinwheel/fetch_ui.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/provider.h"
#include "pinwheel/session.h"
#include "pinwheel/store.h"

struct fetch_args {
	const char *dir;
	bool offline;
	unsigned jobs;
	const char *snapshot;
	const char *blob_mirror;
};

static bool snapshot_url_ok(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "file://", 7);
}

/* --snapshot, else $PINWHEEL_SNAPSHOT (docs/debian.md "Snapshots"). */
static const char *snapshot_opt;

static const char *snapshot_base(void)
{
	return snapshot_opt ? snapshot_opt : pw_snapshot_base();
}

/* --blob-mirror, else $PINWHEEL_BLOB_MIRROR (docs/store.md "Gone artifacts"). */
static const char *blob_mirror_opt;

static const char *blob_mirror_base(void)
{
	return blob_mirror_opt ? blob_mirror_opt : pw_blob_mirror_base();
}

static const struct pw_opt fetch_opts[] = {
    PW_OPT_PROJECT_DIR(struct fetch_args, dir),
    PW_OPT_OFFLINE(struct fetch_args, offline,
		   "never touch the network: list every artifact missing from the store and exit 1 "
		   "if there is any"),
    PW_OPT_JOBS(struct fetch_args, jobs, "parallel transfers (default 8)"),
    {.name = "--snapshot",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct fetch_args, snapshot),
     .meta = "URL",
     .what = "an http://, https:// or file:// url",
     .check = snapshot_url_ok,
     .help = "a snapshot archive (layout URL/archive/ARCHIVE/YYYYMMDDTHHMMSSZ/POOLPATH) "
	     "tried for a Debian package when its mirrors fail (else $PINWHEEL_SNAPSHOT)"},
    {.name = "--blob-mirror",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct fetch_args, blob_mirror),
     .meta = "URL",
     .what = "an http://, https:// or file:// url",
     .check = snapshot_url_ok,
     .help = "a blob mirror (layout URL/blobs/sha256/HEX: a store, an unpacked bundle) tried "
	     "for any artifact when its other urls fail (else $PINWHEEL_BLOB_MIRROR)"},
    PW_OPT_DOC("--json",
	       "one JSON object per completed artifact on stdout, then one per "
	       "target: {\"event\": \"root\", \"target\", \"root\", \"trees\", \"built\"}"),
    PW_OPT_DOC("-q", "no progress display, only errors"),
};

const struct pw_cli_cmd pw_cli_fetch = {
    .name = "fetch",
    .opts = fetch_opts,
    .nopts = PW_ARRAY_SIZE(fetch_opts),
    .usage = "usage: pinwheel fetch [DIR] [--offline] [--jobs N] [--snapshot URL]\n"
	     "                      [--blob-mirror URL]\n\n"
	     "Make every artifact of DIR/pinwheel.lock (DIR defaults to .) present in the\n"
	     "store, and its unpacked tree when the artifact has \"unpack\".  Each artifact\n"
	     "is tried from its urls in order (mirrors), retried with backoff on connection\n"
	     "errors, timeouts and HTTP 5xx, capped at its pinned size, checked against its\n"
	     "sha256 and stored atomically; interrupted downloads resume with HTTP Range.\n"
	     "Several pinwheel processes may fetch into one store at once.  Then each\n"
	     "target's root is built from its layers (unpacked trees, the merged Debian\n"
	     "root, ...; each made once and kept in the store) and its root id printed:\n"
	     "  TARGET  root ROOTID\n"
	     "'pinwheel run --target TARGET' runs commands in that root.  When everything\n"
	     "is already present nothing touches the network.  A Debian package its\n"
	     "mirror no longer serves is fetched from the snapshot archive (--snapshot,\n"
	     "$PINWHEEL_SNAPSHOT) at the date the lock recorded (or a day later),\n"
	     "verified the same way; so is a Debian CPython source tarball.  Any artifact\n"
	     "its urls no longer serve (a deleted PyPI file or crate) is tried last on a\n"
	     "blob mirror (--blob-mirror, $PINWHEEL_BLOB_MIRROR) by its sha256; one that\n"
	     "every url answers 404/410 for is named with its sha256 and what to do\n"
	     "('pinwheel store import' a bundle of the lock).\n",
    .epilogue = "environment: PINWHEEL_RETRIES, PINWHEEL_RETRY_BASE_MS, PINWHEEL_LOW_SPEED_TIME,\n"
		"PINWHEEL_LOW_SPEED_LIMIT, PINWHEEL_CONNECT_TIMEOUT, PINWHEEL_CA_BUNDLE\n"
		"(see docs/store.md), PINWHEEL_SNAPSHOT (docs/debian.md), PINWHEEL_BLOB_MIRROR\n"
		"(docs/store.md)\n\n"
		"exit status: 0 all present, 1 some artifact or root failed (each is named),\n"
		"2 usage error or a bad pinwheel.lock\n",
};

/* Build every target's layers; print "TARGET  root ROOTID" (or a JSON
 * event) for each.  A failing target is named and the others still built. */
static int build_roots(struct pw_ctx *ctx, struct pw_store *s, const struct pw_lockset *lf,
		       bool embedded)
{
	int st = PW_EXIT_OK;

	for (size_t i = 0; i < lf->nroots; i++) {
		struct pw_root_plan p;
		struct pw_err e = PW_ERR_INIT;

		/* making a root's trees (a Debian base unpacked, pip's layer
		 * installed) can take a while: said first on a terminal or -v */
		if (pw_log_verbosity() >= 1 || pw_log_progress_enabled())
			pw_info("fetch: [%zu/%zu] composing the root of %s (%zu layers)", i + 1,
				lf->nroots, lf->roots[i].target, lf->roots[i].n);
		pw_fetch_ui_compose_event("fetch", lf->roots[i].target, lf->roots[i].n, NULL, NULL);
		if (pw_roots_plan(s, lf, &lf->roots[i], PW_ROOTS_BUILD, &p, &e) < 0) {
			pw_fetch_ui_compose_event("fetch", lf->roots[i].target, lf->roots[i].n,
						  NULL, e.msg);
			pw_error("fetch: %s", e.msg);
			if (ctx->json) {
				json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "event", "root",
						      "target", lf->roots[i].target, "status",
						      "failed", "error", e.msg);
				pw_json_print_line(j);
				json_decref(j);
			}
			st = PW_EXIT_FAIL;
			continue;
		}
		pw_fetch_ui_compose_event("fetch", p.target, lf->roots[i].n, &p, NULL);
		if (ctx->json) {
			json_t *j =
			    json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "event", "root", "target",
				      p.target, "status", "done", "root", p.id, "trees",
				      (json_int_t)p.n, "built", (json_int_t)p.nbuilt);
			pw_json_print_line(j);
			json_decref(j);
		} else if (embedded) {
			pw_info("%s: root %s", p.target, p.id);
		} else {
			pw_out("%s  root %s\n", p.target, p.id);
		}
		pw_root_plan_release(&p);
	}
	fflush(stdout);
	return st;
}

int pw_fetch_project(struct pw_ctx *ctx, const char *dir, bool offline, unsigned jobs,
		     bool embedded)
{
	struct pw_ctx own = *ctx;
	struct pw_session ss = PW_SESSION_INIT;
	struct pw_lockset *lf = &ss.lock;
	struct pw_fetch_item *items = NULL;
	struct pw_fetch_prep *prep = NULL;
	_cleanup_free_ char *storedir = NULL;
	struct pw_err e = PW_ERR_INIT;
	struct pw_fetch_opts o;
	struct pw_store *s;
	const char *snap = snapshot_base(), *blobm = blob_mirror_base();
	char **snapurls = NULL, **bloburls = NULL;
	const char ***xurls = NULL;
	size_t i, nok = 0, ncached = 0, nunpacked = 0;
	uint64_t bytes = 0;
	double t0 = pw_fetch_ui_now();
	int st;

	if (embedded) /* stdout is the caller's: progress and the summary only */
		own.json = false;
	ctx = &own;
	if (pw_session_open(&ss, dir, NULL, PW_SESSION_NO_STORE, &e) < 0) {
		pw_error("fetch: %s", e.msg);
		pw_session_close(&ss);
		pw_fetch_ui_done_event("fetch", "failed", t0);
		return PW_EXIT_USAGE;
	}
	storedir = pw_ctx_store_dir(ctx);
	if (pw_session_store(&ss, storedir, &e) < 0) {
		/* no store is the machine's; a blob against its pin, the lock's */
		st = ss.store ? PW_EXIT_USAGE : PW_EXIT_FAIL;
		pw_error("fetch: %s", e.msg);
		pw_session_close(&ss);
		pw_fetch_ui_done_event("fetch", "failed", t0);
		return st;
	}
	s = ss.store;
	items = pw_xcalloc(lf->n ? lf->n : 1, sizeof(*items));
	snapurls = pw_xcalloc(PW_SNAPSHOT_TRIES * lf->n + 1, sizeof(*snapurls));
	bloburls = pw_xcalloc(lf->n + 1, sizeof(*bloburls));
	xurls = pw_xcalloc(lf->n ? lf->n : 1, sizeof(*xurls));
	for (i = 0; i < lf->n; i++) {
		struct pw_artifact *a = &lf->artifacts[i];
		size_t m = a->nurls;

		items[i].name = a->name;
		items[i].urls = (const char *const *)a->urls;
		items[i].nurls = a->nurls;
		/* after every mirror: the snapshot archive (the recorded
		 * date, then a day later), then the blob mirror */
		for (size_t d = 0; d < PW_SNAPSHOT_TRIES; d++)
			snapurls[PW_SNAPSHOT_TRIES * i + d] = pw_artifact_snapshot_url(a, snap, d);
		bloburls[i] = pw_artifact_blob_url(a, blobm);
		if (snapurls[PW_SNAPSHOT_TRIES * i] || bloburls[i]) {
			xurls[i] = pw_xcalloc(a->nurls + PW_SNAPSHOT_TRIES + 1, sizeof(**xurls));
			for (size_t u = 0; u < a->nurls; u++)
				xurls[i][u] = a->urls[u];
			for (size_t d = 0; d < PW_SNAPSHOT_TRIES; d++)
				if (snapurls[PW_SNAPSHOT_TRIES * i + d])
					xurls[i][m++] = snapurls[PW_SNAPSHOT_TRIES * i + d];
			if (bloburls[i])
				xurls[i][m++] = bloburls[i];
			items[i].urls = xurls[i];
			items[i].nurls = m;
		}
		items[i].sha256 = a->sha256;
		items[i].size = a->size;
		items[i].unpack = a->has_unpack ? &a->unpack : NULL;
	}
	pw_fetch_opts_init(&o);
	o.jobs = jobs;
	o.offline = offline;
	if (!offline && pw_providers_fetch_prepare(s, items, lf->n, &o, &prep, &e) < 0) {
		pw_error("fetch: %s", e.msg);
		st = PW_EXIT_FAIL;
		goto out;
	}
	st = pw_fetch_ui_run(ctx, NULL, s, items, lf->n, &o);
	for (i = 0; i < lf->n; i++) {
		const struct pw_artifact *a = &lf->artifacts[i];

		if (items[i].state == PW_FETCH_FAILED && !snap && a->snap_path &&
		    (strstr(items[i].err.msg, "error: 404") || strstr(items[i].err.msg, "error: 410") ||
		     strstr(items[i].err.msg, "HTTP status 404") ||
		     strstr(items[i].err.msg, "HTTP status 410")))
			pw_error("fetch: '%s': its mirror no longer serves it; the lock records where "
				 "a snapshot archive keeps it: set one with --snapshot URL or "
				 "PINWHEEL_SNAPSHOT (docs/debian.md \"Snapshots\")",
				 items[i].name);
		else if (items[i].state == PW_FETCH_FAILED && items[i].gone)
			pw_error("fetch: '%s' (sha256 %s) is gone: every url of it answered 404 or "
				 "410 (deleted upstream; a yanked file is still served): run 'pinwheel "
				 "store import' on a bundle of this lock that has it, or give a blob "
				 "mirror with --blob-mirror URL or PINWHEEL_BLOB_MIRROR (docs/store.md "
				 "\"Gone artifacts\")",
				 items[i].name, a->sha256);
		if (items[i].state != PW_FETCH_DONE)
			continue;
		for (size_t d = 0; d < PW_SNAPSHOT_TRIES; d++)
			if (snapurls[PW_SNAPSHOT_TRIES * i + d] && items[i].downloaded &&
			    items[i].url == snapurls[PW_SNAPSHOT_TRIES * i + d])
				pw_info("fetch: '%s' came from the snapshot archive: %s (its mirror "
					"no longer serves it)",
					items[i].name, items[i].url);
		if (bloburls[i] && items[i].downloaded && items[i].url == bloburls[i])
			pw_info("fetch: '%s' came from the blob mirror: %s (its other urls no "
				"longer serve it)",
				items[i].name, items[i].url);
		nok++;
		if (items[i].downloaded)
			bytes += items[i].received - items[i].resumed_from;
		else if (items[i].unpacked)
			nunpacked++;
		else
			ncached++;
		pw_debug("%s: %s", items[i].name, items[i].path);
		pw_fetch_item_release(&items[i]);
	}
	if (!ctx->json && st == PW_EXIT_OK) {
		char b[16];
		pw_format_bytes(bytes, b, sizeof(b));
		if (nunpacked)
			pw_info("%zu artifacts present (%zu already in the store, %zu unpacked "
				"from blobs already there, %s downloaded)",
				nok, ncached, nunpacked, b);
		else
			pw_info("%zu artifacts present (%zu already in the store, %s downloaded)",
				nok, ncached, b);
	}
	if (st == PW_EXIT_OK)
		st = build_roots(ctx, s, lf, embedded);
out:
	if (pw_log_events()) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "event", "done",
				      "command", "fetch", "status",
				      st == PW_EXIT_OK ? "done" : "failed", "artifacts",
				      (json_int_t)nok, "cached", (json_int_t)ncached,
				      "downloaded_bytes", (json_int_t)bytes, "ms",
				      pw_fetch_ui_ms(t0));
		pw_json_event(j);
	}
	pw_providers_fetch_release(prep);
	for (i = 0; i < lf->n; i++) {
		pw_fetch_item_release(&items[i]);
		for (size_t d = 0; d < PW_SNAPSHOT_TRIES; d++)
			free(snapurls[PW_SNAPSHOT_TRIES * i + d]);
		free(bloburls[i]);
		free(xurls[i]);
	}
	free(snapurls);
	free(bloburls);
	free(xurls);
	free(items);
	pw_session_close(&ss);
	return st;
}

int pw_cmd_fetch(struct pw_ctx *ctx, int argc, char **argv)
{
	struct fetch_args fa = {.dir = NULL, .offline = false, .jobs = 8};
	int st = pw_cli_parse(ctx, &pw_cli_fetch, &fa, argc, argv, NULL);

	if (st != PW_CLI_GO)
		return st;
	snapshot_opt = fa.snapshot;
	blob_mirror_opt = fa.blob_mirror;
	return pw_fetch_project(ctx, fa.dir, fa.offline, fa.jobs, false);
}
