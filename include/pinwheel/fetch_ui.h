/* fetch_ui.h - the CLI side of a fetch (runner/fetch_ui.c), shared by
 * `pinwheel fetch` and `pinwheel store add URL`: runs pw_fetch_run() with
 * the progress display on a TTY, one --json event per completed artifact
 * on stdout, and one error line per failed artifact on stderr (printed
 * after the progress display is erased).  Runner-only: it prints.
 */
#ifndef PINWHEEL_FETCH_UI_H
#define PINWHEEL_FETCH_UI_H

#include "pinwheel/cli.h"
#include "pinwheel/fetch.h"

/* Returns PW_EXIT_OK when every item is present, PW_EXIT_FAIL otherwise.
 * @o's callbacks are replaced. */
int pw_fetch_ui_run(const struct pw_ctx *ctx, struct pw_store *s, struct pw_fetch_item *items,
		    size_t n, struct pw_fetch_opts *o);

#endif
