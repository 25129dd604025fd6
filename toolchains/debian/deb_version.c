/* deb_version.c - Debian version strings: validation and dpkg's ordering.
 *
 * The comparison follows dpkg's lib/dpkg/version.c: epochs compare as
 * numbers; upstream and revision compare with verrevcmp(), which walks
 * alternating non-digit and digit runs.  In non-digit runs '~' sorts before
 * everything (even the end of the string), then the end, then letters,
 * then every other character; digit runs compare as numbers.
 */
#include <ctype.h>
#include <string.h>

#include "pinwheel/debian.h"

struct vparts {
	unsigned long long epoch;
	const char *up;
	size_t uplen;
	const char *rev; /* NUL-terminated tail of the string, or "" */
};

static void split(const char *v, struct vparts *p)
{
	const char *colon = strchr(v, ':'), *dash;
	const char *s;

	p->epoch = 0;
	if (colon) {
		for (s = v; s < colon && isdigit((unsigned char)*s); s++)
			if (p->epoch < 1000000000ull)
				p->epoch = p->epoch * 10 + (unsigned)(*s - '0');
		v = colon + 1;
	}
	dash = strrchr(v, '-');
	p->up = v;
	if (dash) {
		p->uplen = (size_t)(dash - v);
		p->rev = dash + 1;
	} else {
		p->uplen = strlen(v);
		p->rev = "";
	}
}

/* dpkg's order(): the weight of one character of a non-digit run; 0 stands
 * for "end of string" (and digits, which end a run). */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ae = a + alen, *be = b + blen;

#define CA (a < ae ? (unsigned char)*a : 0)
#define CB (b < be ? (unsigned char)*b : 0)
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((CA && !isdigit(CA)) || (CB && !isdigit(CB))) {
			int ac = order(CA), bc = order(CB);

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (CA == '0')
			a++;
		while (CB == '0')
			b++;
		while (isdigit(CA) && isdigit(CB)) {
			if (!first_diff)
				first_diff = CA - CB;
			a++;
			b++;
		}
		if (isdigit(CA))
			return 1;
		if (isdigit(CB))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
#undef CA
#undef CB
}

int pw_deb_version_cmp(const char *a, const char *b)
{
	struct vparts pa, pb;
	int r;

	split(a, &pa);
	split(b, &pb);
	if (pa.epoch != pb.epoch)
		return pa.epoch < pb.epoch ? -1 : 1;
	r = verrevcmp(pa.up, pa.uplen, pb.up, pb.uplen);
	if (r)
		return r < 0 ? -1 : 1;
	r = verrevcmp(pa.rev, strlen(pa.rev), pb.rev, strlen(pb.rev));
	return r < 0 ? -1 : r > 0;
}

bool pw_deb_version_valid(const char *v)
{
	const char *colon = strchr(v, ':'), *s;
	struct vparts p;
	bool has_rev;
	size_t i;

	if (!*v || strlen(v) > 256)
		return false;
	if (colon) {
		if (colon == v)
			return false;
		for (s = v; s < colon; s++)
			if (!isdigit((unsigned char)*s))
				return false;
		if (colon - v > 9)
			return false;
	}
	split(v, &p);
	has_rev = strrchr(colon ? colon + 1 : v, '-') != NULL;
	if (p.uplen == 0 || !isdigit((unsigned char)p.up[0]))
		return false;
	for (i = 0; i < p.uplen; i++) {
		int c = (unsigned char)p.up[i];
		if (isalnum(c) || c == '.' || c == '+' || c == '~' || (c == '-' && has_rev))
			continue;
		if (c == ':' && colon)
			continue;
		return false;
	}
	if (has_rev && !*p.rev)
		return false;
	for (s = p.rev; *s; s++) {
		int c = (unsigned char)*s;
		if (!(isalnum(c) || c == '.' || c == '+' || c == '~'))
			return false;
	}
	return true;
}

bool pw_deb_version_satisfies(const char *have, enum pw_deb_rel rel, const char *want)
{
	int c;

	if (rel == PW_DEB_ANY)
		return true;
	c = pw_deb_version_cmp(have, want);
	switch (rel) {
	case PW_DEB_LT:
		return c < 0;
	case PW_DEB_LE:
		return c <= 0;
	case PW_DEB_EQ:
		return c == 0;
	case PW_DEB_GE:
		return c >= 0;
	case PW_DEB_GT:
		return c > 0;
	case PW_DEB_ANY:
		break;
	}
	return true;
}

const char *pw_deb_rel_str(enum pw_deb_rel rel)
{
	static const char *const s[] = {"", "<<", "<=", "=", ">=", ">>"};
	return s[rel];
}
