/* unpack_path.c - the pure part of the unpacker: entry path validation and
 * normalisation, symlink target checks, quoting of hostile names.  No I/O,
 * so it is unit-tested and fuzzed on its own (tests/fuzz/fuzz_unpack_path.c). */
#include <string.h>

#include "pinwheel/unpack.h"

void pw_unpack_quote(const char *raw, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (outsz == 0)
		return;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		size_t need = (c < 0x20 || c == 0x7f || c == '\\') ? 4 : 1;

		/* keep room for "..." and the NUL */
		if (o + need + 3 >= outsz) {
			if (o + 3 < outsz) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 4) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

int pw_unpack_link_target_check(const char *raw, size_t len, struct pw_err *e)
{
	if (len == 0)
		return pw_err_set(e, EINVAL, "empty symlink target");
	if (memchr(raw, '\0', len))
		return pw_err_set(e, EINVAL, "NUL byte in symlink target");
	if (len > PW_UNPACK_PATH_MAX)
		return pw_err_set(e, ENAMETOOLONG, "symlink target longer than %d bytes",
				  PW_UNPACK_PATH_MAX);
	return 0;
}

/* Does normalised @path lie under normalised @dir?  Returns the offset of
 * the remainder in @path (0 for dir == "" ...), or -1. */
static long under_dir(const char *path, size_t plen, const char *dir, size_t dlen)
{
	if (dlen == 0)
		return 0;
	if (plen < dlen || memcmp(path, dir, dlen) != 0)
		return -1;
	if (plen == dlen)
		return (long)plen;
	if (path[dlen] != '/')
		return -1;
	return (long)dlen + 1;
}

int pw_unpack_path(const char *raw, size_t len, unsigned strip, const char *subdir, char *out,
		   struct pw_err *e)
{
	size_t i = 0, o = 0, comps = 0;
	long rest;

	if (len == 0)
		return pw_err_set(e, EINVAL, "empty path");
	if (memchr(raw, '\0', len))
		return pw_err_set(e, EINVAL, "NUL byte in path");
	if (raw[0] == '/')
		return pw_err_set(e, EPERM, "absolute path");

	/* Walk the components; "." and empty ones vanish, ".." anywhere is
	 * refused (even inside a part that --strip would drop: a tree is
	 * never a function of where ".." would have led). */
	while (i < len) {
		size_t start, clen;

		while (i < len && raw[i] == '/')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && raw[i] != '/')
			i++;
		clen = i - start;
		if (clen == 1 && raw[start] == '.')
			continue;
		if (clen == 2 && raw[start] == '.' && raw[start + 1] == '.')
			return pw_err_set(e, EPERM, "'..' component leaves the destination");
		if (clen > PW_UNPACK_NAME_MAX)
			return pw_err_set(e, ENAMETOOLONG, "path component longer than %d bytes",
					  PW_UNPACK_NAME_MAX);
		comps++;
		if (comps <= strip)
			continue;
		if (o + (o ? 1 : 0) + clen > PW_UNPACK_PATH_MAX)
			return pw_err_set(e, ENAMETOOLONG, "path longer than %d bytes",
					  PW_UNPACK_PATH_MAX);
		if (o)
			out[o++] = '/';
		memcpy(out + o, raw + start, clen);
		o += clen;
	}
	out[o] = '\0';
	if (comps == 0)
		return 1; /* "." or "./": the root itself */
	if (comps <= strip)
		return 0; /* stripped away entirely */
	if (subdir) {
		rest = under_dir(out, o, subdir, strlen(subdir));
		if (rest < 0)
			return 0;
		memmove(out, out + rest, o - (size_t)rest + 1);
	}
	return 1;
}
