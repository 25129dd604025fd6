/* buf.h - growable byte buffers with a hard cap (curl's dynbuf idea).
 *
 * Invariants: `buf` is never NULL and is always NUL-terminated at `len`;
 * `len < alloc`; the content never exceeds `max` bytes.  Anything sized by
 * untrusted input (HTTP bodies, JSON files, archive members) must go through
 * a capped pw_buf.  pw_buf_detach() is the only way to take the memory.
 */
#ifndef PINWHEEL_BUF_H
#define PINWHEEL_BUF_H

#include "pinwheel/common.h"

struct pw_buf {
	char *buf;
	size_t len;
	size_t alloc; /* 0 while buf points at the static empty string */
	size_t max;
};

extern char pw_buf_empty[];
#define PW_BUF_INIT(maxbytes) { pw_buf_empty, 0, 0, (maxbytes) }

void pw_buf_init(struct pw_buf *b, size_t max);
/* Append; return 0 or -E2BIG when the cap would be passed (b unchanged). */
int pw_buf_add(struct pw_buf *b, const void *data, size_t n);
int pw_buf_adds(struct pw_buf *b, const char *s);
int pw_buf_addf(struct pw_buf *b, const char *fmt, ...) PW_PRINTF(2, 3);
int pw_buf_vaddf(struct pw_buf *b, const char *fmt, va_list ap);
void pw_buf_reset(struct pw_buf *b); /* len = 0, keeps memory */
void pw_buf_release(struct pw_buf *b); /* frees, back to init state */
/* Return the content (caller frees) and re-init b. */
char *pw_buf_detach(struct pw_buf *b, size_t *len);

#endif
