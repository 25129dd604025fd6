/* err.c - struct pw_err, allocation helpers, number parsing. */
#include <inttypes.h>
#include <string.h>

#include "pinwheel/common.h"

static void err_vset(struct pw_err *e, int code, const char *fmt, va_list ap)
{
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int pw_err_set(struct pw_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (code <= 0)
		code = EIO;
	if (e) {
		va_start(ap, fmt);
		err_vset(e, code, fmt, ap);
		va_end(ap);
	}
	return -code;
}

int pw_err_sys(struct pw_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (code <= 0)
		code = EIO;
	if (e) {
		va_start(ap, fmt);
		err_vset(e, code, fmt, ap);
		va_end(ap);
		len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(code));
	}
	return -code;
}

int pw_err_prefix(struct pw_err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	va_list ap;
	size_t len;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", old);
	if (e->code <= 0)
		e->code = EIO;
	return -e->code;
}

void pw_err_clear(struct pw_err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

static void oom(size_t n)
{
	fprintf(stderr, "pinwheel: out of memory allocating %zu bytes\n", n);
	abort();
}

void *pw_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *pw_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *pw_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *pw_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom(strlen(s) + 1);
	return p;
}

char *pw_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	return s;
}

int pw_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int pw_parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t len;
	unsigned shift = 0;
	uint64_t v;
	int r;

	if (!s || !*s)
		return -EINVAL;
	len = strlen(s);
	switch (s[len - 1]) {
	case 'k': case 'K': shift = 10; len--; break;
	case 'm': case 'M': shift = 20; len--; break;
	case 'g': case 'G': shift = 30; len--; break;
	case 't': case 'T': shift = 40; len--; break;
	default: break;
	}
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	r = pw_parse_u64(num, &v);
	if (r < 0)
		return r;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void pw_sort_strings(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_strp);
}
