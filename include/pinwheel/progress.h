/* progress.h - a multi-line progress display on stderr (lib/progress.c).
 *
 * Draws only when pw_log_progress_enabled() (stderr is a TTY, not -q, not
 * --json); otherwise every call is a cheap no-op.  Redraws at most ten
 * times a second unless forced.  Rows are identified by a caller-chosen
 * index so rates and ETAs can be computed per row across updates.
 *
 * Ownership: pw_progress_new() returns a handle the caller frees with
 * pw_progress_free(), which also erases what was drawn.  Row labels are
 * copied into the display line and not kept.
 */
#ifndef PINWHEEL_PROGRESS_H
#define PINWHEEL_PROGRESS_H

#include "pinwheel/common.h"

struct pw_progress;

struct pw_progress_row {
	size_t id;        /* stable per row (e.g. the artifact's index) */
	const char *label;
	uint64_t done;    /* bytes so far */
	uint64_t total;   /* bytes expected, 0 when unknown */
};

/* Never NULL.  @max_rows: at most this many rows drawn above the total. */
struct pw_progress *pw_progress_new(size_t max_rows);
/* Show @rows (the ones in flight) and the @sum line ("N/M done"). */
void pw_progress_update(struct pw_progress *p, const struct pw_progress_row *rows, size_t nrows,
			const struct pw_progress_row *sum, size_t ndone, size_t nall, bool force);
/* Erase the display and free. NULL is fine. */
void pw_progress_free(struct pw_progress *p);

/* Format "12.3 MiB/s  ETA 0:42" pieces; exposed for tests.  @out >= 32. */
void pw_progress_format_eta(uint64_t done, uint64_t total, double rate, char *out, size_t outlen);

#endif
