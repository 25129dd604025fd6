/* wheel_int.h - helpers shared by the wheel modules (runner/wheel/wheel_*.c);
 * not part of the public contract in wheel.h. */
#ifndef PINWHEEL_WHEEL_INT_H
#define PINWHEEL_WHEEL_INT_H

#include "pinwheel/wheel.h"

/* Is the member name @name (@len bytes, not NUL-terminated) safe: relative,
 * no "..", "." or empty components (a trailing '/' of a directory entry
 * aside), no NUL, no backslash, bounded?  *why gets the reason when not. */
bool pw_wheel_name_safe(const char *name, size_t len, const char **why);

/* Receives inflated bytes; returns 0 or -errno (-E2BIG: over a cap). */
typedef int pw_wheel_sink_fn(void *ctx, const void *p, size_t n);
/* Inflate member @i of @w into @sink chunk by chunk, checking its size and
 * CRC-32 at the end (the sink may have seen data by then). */
int pw_wheel_stream(const struct pw_wheel *w, size_t i, pw_wheel_sink_fn *sink, void *ctx,
		    struct pw_err *e);

/* urlsafe base64 without padding of @n bytes into @out (4*ceil(n/3)+1). */
void pw_b64url_nopad(const unsigned char *in, size_t n, char *out);

#endif
