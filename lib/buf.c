/* buf.c - capped growable buffers. */
#include <string.h>

#include "pinwheel/buf.h"

char pw_buf_empty[1];

void pw_buf_init(struct pw_buf *b, size_t max)
{
	b->buf = pw_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

static int buf_grow(struct pw_buf *b, size_t extra)
{
	size_t want, na;

	if (extra > b->max || b->len > b->max - extra)
		return -E2BIG;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	na = b->alloc ? b->alloc : 64;
	while (na < want)
		na = na > SIZE_MAX / 2 ? want : na * 2;
	if (b->alloc == 0) {
		b->buf = pw_xmalloc(na);
		b->buf[0] = '\0';
	} else {
		b->buf = pw_xrealloc(b->buf, na);
	}
	b->alloc = na;
	return 0;
}

int pw_buf_add(struct pw_buf *b, const void *data, size_t n)
{
	int r = buf_grow(b, n);

	if (r < 0)
		return r;
	if (n)
		memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int pw_buf_adds(struct pw_buf *b, const char *s)
{
	return pw_buf_add(b, s, strlen(s));
}

int pw_buf_vaddf(struct pw_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, r;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -EINVAL;
	r = buf_grow(b, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int pw_buf_addf(struct pw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pw_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void pw_buf_reset(struct pw_buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->buf[0] = '\0';
}

void pw_buf_release(struct pw_buf *b)
{
	if (b->alloc)
		free(b->buf);
	pw_buf_init(b, b->max);
}

char *pw_buf_detach(struct pw_buf *b, size_t *len)
{
	char *r;

	if (len)
		*len = b->len;
	r = b->alloc ? b->buf : pw_xstrdup("");
	pw_buf_init(b, b->max);
	return r;
}
