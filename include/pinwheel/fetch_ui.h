/* fetch_ui.h - the CLI side of a fetch (runner/fetch_ui.c), shared by
 * `pinwheel fetch` and `pinwheel store add URL`: runs pw_fetch_run() with
 * the progress display on a TTY, one --json event per completed artifact
 * on stdout, with --events a "download" event on stderr when an artifact's
 * transfer starts and one when it is present (or failed), and one error
 * line per failed artifact on stderr (printed after the progress display
 * is erased).  Runner-only: it prints.
 */
#ifndef PINWHEEL_FETCH_UI_H
#define PINWHEEL_FETCH_UI_H

#include "pinwheel/cli.h"
#include "pinwheel/fetch.h"

struct pw_root_plan;

/* Returns PW_EXIT_OK when every item is present, PW_EXIT_FAIL otherwise.
 * @o's callbacks are replaced.  @target: the root the items are for (its
 * events name it), or NULL. */
int pw_fetch_ui_run(const struct pw_ctx *ctx, const char *target, struct pw_store *s,
		    struct pw_fetch_item *items, size_t n, struct pw_fetch_opts *o);

/* --events (docs/cli.md): the "compose" event of the root of @target, made
 * of @nlayers layers: {"status": "start"} before its trees are made (@p
 * NULL, @err NULL), "done" with the root id and the trees made (@p), or
 * "failed" with @err.  @cmd: "lock" or "fetch".  Nothing without --events. */
void pw_fetch_ui_compose_event(const char *cmd, const char *target, size_t nlayers,
			       const struct pw_root_plan *p, const char *err);
/* --events: the last event of `lock` or `fetch` (@cmd): {"event": "done",
 * "command", "status", "ms" since @t0 (pw_fetch_ui_now())}. */
void pw_fetch_ui_done_event(const char *cmd, const char *status, double t0);
/* CLOCK_MONOTONIC in seconds; whole milliseconds since @t0. */
double pw_fetch_ui_now(void);
long long pw_fetch_ui_ms(double t0);

#endif
