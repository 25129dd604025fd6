/* common.h - the conventions every pinwheel module follows.
 *
 * Errors: action functions return 0 on success or a negative errno value.
 * Functions returning a pointer return NULL and set errno.  Human-readable
 * detail goes into a caller-owned struct pw_err; the callee fills it only on
 * failure and never prints.  Only runner/ (the CLI layer) prints and exits.
 *
 * Ownership: a function that returns allocated memory says so in its comment
 * ("caller frees").  Cleanup attributes below free a local at scope exit;
 * steal_pointer()/steal_fd() hand ownership on.
 *
 * Allocation failure is not recoverable: pw_xmalloc() and friends abort with
 * a message, as git's xmalloc does.
 */
#ifndef PINWHEEL_COMMON_H
#define PINWHEEL_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PW_VERSION "0.1.0"

#define PW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PW_UNUSED __attribute__((unused))

/* Exit statuses of the CLI (DESIGN.md section 4). */
enum {
	PW_EXIT_OK = 0,
	PW_EXIT_FAIL = 1,  /* the work failed */
	PW_EXIT_USAGE = 2, /* usage or configuration error */
};

/* Error detail: code is a positive errno value (or 0 when clear), msg a
 * single line without trailing newline or full stop. */
struct pw_err {
	int code;
	char msg[512];
};

#define PW_ERR_INIT { 0, { 0 } }

/* Fill @e (if non-NULL) and return -code, so callers can write
 * `return pw_err_set(e, EINVAL, "bad '%s'", x);`.  @code must be > 0. */
int pw_err_set(struct pw_err *e, int code, const char *fmt, ...) PW_PRINTF(3, 4);
/* Like pw_err_set() but appends ": strerror(code)". */
int pw_err_sys(struct pw_err *e, int code, const char *fmt, ...) PW_PRINTF(3, 4);
/* Prefix the message already in @e with "prefix: ". Returns -e->code. */
int pw_err_prefix(struct pw_err *e, const char *fmt, ...) PW_PRINTF(2, 3);
void pw_err_clear(struct pw_err *e);

/* Allocation helpers: never return NULL. */
void *pw_xmalloc(size_t n);
void *pw_xcalloc(size_t nmemb, size_t size);
void *pw_xrealloc(void *p, size_t n);
char *pw_xstrdup(const char *s);
char *pw_xasprintf(const char *fmt, ...) PW_PRINTF(1, 2);

/* Parse a decimal unsigned integer with an optional K/M/G suffix (powers of
 * 1024).  Returns 0 or -EINVAL/-ERANGE. */
int pw_parse_size(const char *s, uint64_t *out);
/* Parse a plain decimal unsigned integer (no sign, no suffix). */
int pw_parse_u64(const char *s, uint64_t *out);

/* Sort an array of C strings bytewise (strcmp order). */
void pw_sort_strings(char **v, size_t n);

/* Cleanup attributes (bubblewrap style). */
static inline void pw_freep(void *p) { free(*(void **)p); }
static inline void pw_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void pw_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}
#define _cleanup_free_ __attribute__((cleanup(pw_freep)))
#define _cleanup_close_ __attribute__((cleanup(pw_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(pw_fclosep)))

static inline void *pw_steal_pointer(void *pp)
{
	void **p = pp, *r = *p;
	*p = NULL;
	return r;
}
#define steal_pointer(pp) pw_steal_pointer(pp)
static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

/* Retry an expression while it fails with EINTR. */
#define PW_TEMP_FAILURE_RETRY(expr)                                            \
	({                                                                     \
		long _r;                                                       \
		do                                                             \
			_r = (long)(expr);                                     \
		while (_r == -1 && errno == EINTR);                            \
		_r;                                                            \
	})

#endif
