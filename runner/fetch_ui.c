/* fetch_ui.c - progress, --json and --events events and error lines
 * around a fetch. */
#include <string.h>
#include <time.h>

#include "pinwheel/fetch_ui.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/progress.h"
#include "pinwheel/roots.h"

struct ui {
	const struct pw_ctx *ctx;
	const char *target; /* the root being fetched for, or NULL */
	struct pw_progress *prog;
	struct pw_progress_row *rows;
};

static const char *done_status(const struct pw_fetch_item *it)
{
	return it->state == PW_FETCH_FAILED ? "failed"
	       : it->downloaded		    ? "fetched"
	       : it->unpacked		    ? "unpacked"
					    : "cached";
}

/* --events: {"event": "download", "status": "start", "name", "url",
 * "size"} when an item's first transfer starts; its end in on_done(). */
static void on_start(void *ud, const struct pw_fetch_item *it, const char *url)
{
	struct ui *u = ud;
	json_t *j;

	if (!pw_log_events())
		return;
	j = json_pack("{s:s, s:s, s:s, s:s*, s:s}", "event", "download", "status", "start",
		      "name", it->name, "target", u->target, "url", url);

	if (j && it->size != PW_STORE_SIZE_UNKNOWN)
		json_object_set_new(j, "size", json_integer((json_int_t)it->size));
	pw_json_event(j);
}

static void event_done(struct ui *u, const struct pw_fetch_item *it)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s*, s:s*, s:I}", "event", "download",
			      "status", done_status(it), "name", it->name, "sha256", it->sha256,
			      "target", u->target, "url", it->url, "bytes",
			      (json_int_t)(it->downloaded ? it->received - it->resumed_from : 0));

	if (j && it->state == PW_FETCH_FAILED)
		json_object_set_new(j, "error", json_string(it->err.msg));
	pw_json_event(j);
}

static void on_done(void *ud, const struct pw_fetch_item *it)
{
	struct ui *u = ud;
	json_t *j;

	if (pw_log_events())
		event_done(u, it);
	if (!u->ctx->json)
		return;
	j = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:I}", "event", "artifact", "name", it->name,
		      "sha256", it->sha256, "path", it->path, "url", it->url, "bytes",
		      (json_int_t)it->received);
	if (!j)
		return;
	json_object_set_new(j, "status", json_string(done_status(it)));
	if (it->resumed_from)
		json_object_set_new(j, "resumed_from", json_integer((json_int_t)it->resumed_from));
	if (it->state == PW_FETCH_FAILED)
		json_object_set_new(j, "error", json_string(it->err.msg));
	pw_json_print_line(j);
	json_decref(j);
}

static void on_progress(void *ud, const struct pw_fetch_item *items, size_t n)
{
	struct ui *u = ud;
	struct pw_progress_row sum = {.id = 0, .label = "total"};
	size_t i, nrows = 0, ndone = 0;

	for (i = 0; i < n; i++) {
		const struct pw_fetch_item *it = &items[i];
		uint64_t total = it->size != PW_STORE_SIZE_UNKNOWN ? it->size : 0;
		sum.total += total;
		if (it->state == PW_FETCH_DONE || it->state == PW_FETCH_FAILED) {
			ndone++;
			sum.done += total ? total : it->received;
			continue;
		}
		sum.done += it->received;
		if (it->state == PW_FETCH_ACTIVE)
			u->rows[nrows++] =
			    (struct pw_progress_row){i, it->name, it->received, total};
	}
	pw_progress_update(u->prog, u->rows, nrows, &sum, ndone, n, false);
}

int pw_fetch_ui_run(const struct pw_ctx *ctx, const char *target, struct pw_store *s,
		    struct pw_fetch_item *items, size_t n, struct pw_fetch_opts *o)
{
	struct ui u = {.ctx = ctx, .target = target};
	struct pw_err e = PW_ERR_INIT;
	size_t i, failed = 0;
	int r;

	u.prog = pw_progress_new(8);
	u.rows = pw_xcalloc(n ? n : 1, sizeof(*u.rows));
	o->progress = on_progress;
	o->start = on_start;
	o->done = on_done;
	o->ud = &u;
	r = pw_fetch_run(s, items, n, o, &e);
	pw_progress_free(u.prog);
	free(u.rows);
	for (i = 0; i < n; i++)
		if (items[i].state == PW_FETCH_FAILED) {
			pw_error("%s", items[i].err.msg);
			failed++;
		}
	if (r < 0 && failed == 0)
		pw_error("%s", e.msg);
	else if (failed > 1)
		pw_error("%zu of %zu artifacts failed", failed, n);
	return r < 0 ? PW_EXIT_FAIL : PW_EXIT_OK;
}

void pw_fetch_ui_compose_event(const char *cmd, const char *target, size_t nlayers,
			       const struct pw_root_plan *p, const char *err)
{
	json_t *j;

	if (!pw_log_events())
		return;
	j = json_pack("{s:s, s:s, s:s, s:s, s:I}", "event", "compose", "command", cmd, "target",
		      target, "status", err ? "failed" : p ? "done" : "start", "layers",
		      (json_int_t)nlayers);
	if (j && p) {
		json_object_set_new(j, "root", json_string(p->id));
		json_object_set_new(j, "trees", json_integer((json_int_t)p->n));
		json_object_set_new(j, "built", json_integer((json_int_t)p->nbuilt));
	}
	if (j && err)
		json_object_set_new(j, "error", json_string(err));
	pw_json_event(j);
}

long long pw_fetch_ui_ms(double t0)
{
	return (long long)((pw_fetch_ui_now() - t0) * 1000);
}

double pw_fetch_ui_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pw_fetch_ui_done_event(const char *cmd, const char *status, double t0)
{
	if (pw_log_events())
		pw_json_event(json_pack("{s:s, s:s, s:s, s:I}", "event", "done", "command", cmd,
					"status", status, "ms", pw_fetch_ui_ms(t0)));
}
