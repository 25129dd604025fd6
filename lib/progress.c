/* progress.c - multi-line progress on a TTY: per row and total bytes, rate,
 * ETA; redrawn in place with ANSI cursor movement, ~10 times a second. */
#include <string.h>
#include <time.h>

#include "pinwheel/buf.h"
#include "pinwheel/log.h"
#include "pinwheel/progress.h"

struct row_start {
	bool seen;
	double t0;
	uint64_t d0;
};

struct pw_progress {
	bool enabled;
	size_t max_rows;
	unsigned drawn; /* lines currently on screen */
	double last_draw;
	double t0;
	uint64_t sum0;
	bool sum_seen;
	struct row_start *starts;
	size_t nstarts;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct pw_progress *pw_progress_new(size_t max_rows)
{
	struct pw_progress *p = pw_xcalloc(1, sizeof(*p));

	p->enabled = pw_log_progress_enabled();
	p->max_rows = max_rows;
	p->t0 = now_s();
	return p;
}

void pw_progress_format_eta(uint64_t done, uint64_t total, double rate, char *out, size_t outlen)
{
	char r[16];

	pw_format_bytes((uint64_t)rate, r, sizeof(r));
	if (total > done && rate > 1.0) {
		double left = (double)(total - done) / rate;
		unsigned long s = left > 359999.0 ? 359999UL : (unsigned long)left;
		snprintf(out, outlen, "%s/s ETA %lu:%02lu:%02lu", r, s / 3600, s / 60 % 60, s % 60);
	} else {
		snprintf(out, outlen, "%s/s", r);
	}
}

static double row_rate(struct pw_progress *p, const struct pw_progress_row *row, double now)
{
	struct row_start *st;

	if (row->id >= p->nstarts) {
		size_t n = row->id + 16;
		p->starts = pw_xrealloc(p->starts, n * sizeof(*p->starts));
		memset(p->starts + p->nstarts, 0, (n - p->nstarts) * sizeof(*p->starts));
		p->nstarts = n;
	}
	st = &p->starts[row->id];
	if (!st->seen || row->done < st->d0) {
		st->seen = true;
		st->t0 = now;
		st->d0 = row->done;
		return 0.0;
	}
	return now - st->t0 > 0.05 ? (double)(row->done - st->d0) / (now - st->t0) : 0.0;
}

static void line(const char *label, uint64_t done, uint64_t total, double rate, int width)
{
	char d[16], t[16], eta[48], pct[8] = "";
	struct pw_buf esc = PW_BUF_INIT(4096);

	/* labels name artifacts, from a lock or a registry */
	pw_buf_add_escaped(&esc, label, strlen(label), 0);
	label = esc.buf;
	pw_format_bytes(done, d, sizeof(d));
	pw_format_bytes(total, t, sizeof(t));
	pw_progress_format_eta(done, total, rate, eta, sizeof(eta));
	if (total)
		snprintf(pct, sizeof(pct), "%3u%%", (unsigned)(done * 100 / total));
	fprintf(stderr, "\r\033[K%-*.*s %4s %10s / %-10s %s\n", width, width, label, pct, d,
		total ? t : "?", eta);
	pw_buf_release(&esc);
}

void pw_progress_update(struct pw_progress *p, const struct pw_progress_row *rows, size_t nrows,
			const struct pw_progress_row *sum, size_t ndone, size_t nall, bool force)
{
	double now;
	size_t i, shown;
	char label[64];

	if (!p || !p->enabled)
		return;
	now = now_s();
	for (i = 0; i < nrows; i++)
		row_rate(p, &rows[i], now); /* keep per-row starts fresh */
	if (!force && now - p->last_draw < 0.1)
		return;
	p->last_draw = now;
	if (!p->sum_seen) {
		p->sum_seen = true;
		p->sum0 = sum->done;
		p->t0 = now;
	}
	if (p->drawn)
		fprintf(stderr, "\033[%uA", p->drawn);
	shown = nrows < p->max_rows ? nrows : p->max_rows;
	for (i = 0; i < shown; i++)
		line(rows[i].label, rows[i].done, rows[i].total, row_rate(p, &rows[i], now), 32);
	snprintf(label, sizeof(label), "[%zu/%zu] %s", ndone, nall,
		 sum->label ? sum->label : "total");
	line(label, sum->done, sum->total,
	     now - p->t0 > 0.05 && sum->done >= p->sum0
		 ? (double)(sum->done - p->sum0) / (now - p->t0)
		 : 0.0,
	     32);
	/* Clear lines left over from a taller previous frame. */
	for (i = shown + 1; i < p->drawn; i++)
		fprintf(stderr, "\r\033[K\n");
	if (p->drawn > shown + 1)
		fprintf(stderr, "\033[%zuA", (size_t)p->drawn - (shown + 1));
	p->drawn = (unsigned)(shown + 1);
	fflush(stderr);
}

void pw_progress_free(struct pw_progress *p)
{
	if (!p)
		return;
	if (p->enabled && p->drawn) {
		fprintf(stderr, "\033[%uA", p->drawn);
		for (unsigned i = 0; i < p->drawn; i++)
			fprintf(stderr, "\r\033[K\n");
		fprintf(stderr, "\033[%uA", p->drawn);
		fflush(stderr);
	}
	free(p->starts);
	free(p);
}
