/* fuzz_unpack_path.c - the entry path checker and symlink target check on
 * arbitrary bytes: never crash, and every kept result is safe (relative, no
 * "." / ".." / empty components, bounded). */
#include <string.h>

#include "pinwheel/unpack.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_safe(const char *p)
{
	size_t len = strlen(p);
	const char *c = p;

	if (len > PW_UNPACK_PATH_MAX || (len && (p[0] == '/' || p[len - 1] == '/')))
		abort();
	while (len && *c) {
		const char *s = strchr(c, '/');
		size_t n = s ? (size_t)(s - c) : strlen(c);
		if (n == 0 || n > PW_UNPACK_NAME_MAX || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		c += n + (s ? 1 : 0);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char out[PW_UNPACK_PATH_MAX + 1], q[64];
	struct pw_err e = PW_ERR_INIT;
	unsigned strip;
	int r;

	if (size < 1 || size > 3 * PW_UNPACK_PATH_MAX)
		return 0;
	/* first byte: strip count and whether to use a subdir */
	strip = data[0] & 3;
	r = pw_unpack_path((const char *)data + 1, size - 1, strip, (data[0] & 4) ? "a/b" : NULL,
			   out, &e);
	if (r == 1)
		check_safe(out);
	else if (r < 0 && (e.msg[0] == '\0' || strchr(e.msg, '\n')))
		abort();
	pw_unpack_link_target_check((const char *)data + 1, size - 1, &e);
	pw_unpack_quote((const char *)data + 1, size - 1, q, sizeof(q));
	if (strlen(q) >= sizeof(q) || strchr(q, '\n'))
		abort();
	return 0;
}
