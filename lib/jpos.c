/* jpos.c - positions of JSON values (see include/pinwheel/jpos.h).
 *
 * A recursive-descent scanner, bounded by PW_JPOS_MAX_DEPTH.  It does not
 * decode strings or numbers: it only needs to know where values and keys
 * start, which brackets open and close, and where lines begin. */
#include <string.h>

#include "pinwheel/jpos.h"

struct scan {
	const char *d;
	size_t n, i;
	int line, col;
};

static void adv(struct scan *s)
{
	unsigned char c = (unsigned char)s->d[s->i++];

	if (c == '\n') {
		s->line++;
		s->col = 1;
	} else if ((c & 0xc0) != 0x80) {
		s->col++;
	}
}

static void skip_ws(struct scan *s)
{
	while (s->i < s->n && strchr(" \t\r\n", s->d[s->i]) && s->d[s->i])
		adv(s);
}

static int skip_string(struct scan *s)
{
	adv(s); /* opening quote */
	while (s->i < s->n) {
		char c = s->d[s->i];
		if (c == '"') {
			adv(s);
			return 0;
		}
		if (c == '\\') {
			adv(s);
			if (s->i >= s->n)
				return -EINVAL;
		}
		adv(s);
	}
	return -EINVAL;
}

static struct pw_jpos *add_kid(struct pw_jpos *p, size_t *alloc)
{
	struct pw_jpos *k;

	if (p->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4;
		p->kids = pw_xrealloc(p->kids, *alloc * sizeof(*p->kids));
	}
	k = &p->kids[p->n++];
	memset(k, 0, sizeof(*k));
	return k;
}

static int scan_value(struct scan *s, struct pw_jpos *p, unsigned depth);

static int scan_container(struct scan *s, struct pw_jpos *p, unsigned depth, bool obj)
{
	char close = obj ? '}' : ']';
	size_t alloc = 0;
	struct pw_jpos *k;
	int kl, kc, r;

	adv(s); /* '{' or '[' */
	skip_ws(s);
	if (s->i < s->n && s->d[s->i] == close) {
		adv(s);
		return 0;
	}
	for (;;) {
		skip_ws(s);
		if (s->i >= s->n)
			return -EINVAL;
		kl = s->line;
		kc = s->col;
		if (obj) {
			if (s->d[s->i] != '"' || skip_string(s) < 0)
				return -EINVAL;
			skip_ws(s);
			if (s->i >= s->n || s->d[s->i] != ':')
				return -EINVAL;
			adv(s);
			skip_ws(s);
		}
		k = add_kid(p, &alloc);
		r = scan_value(s, k, depth + 1);
		if (r < 0)
			return r;
		k->kline = kl;
		k->kcol = kc;
		skip_ws(s);
		if (s->i >= s->n)
			return -EINVAL;
		if (s->d[s->i] == ',') {
			adv(s);
			continue;
		}
		if (s->d[s->i] == close) {
			adv(s);
			return 0;
		}
		return -EINVAL;
	}
}

static int scan_value(struct scan *s, struct pw_jpos *p, unsigned depth)
{
	if (depth > PW_JPOS_MAX_DEPTH)
		return -EINVAL;
	skip_ws(s);
	if (s->i >= s->n)
		return -EINVAL;
	p->line = p->kline = s->line;
	p->col = p->kcol = s->col;
	switch (s->d[s->i]) {
	case '{':
		return scan_container(s, p, depth, true);
	case '[':
		return scan_container(s, p, depth, false);
	case '"':
		return skip_string(s);
	default:
		/* number, true, false, null: up to the next delimiter */
		if (strchr(",]}:", s->d[s->i]))
			return -EINVAL;
		while (s->i < s->n && s->d[s->i] && !strchr(" \t\r\n,]}", s->d[s->i]))
			adv(s);
		return 0;
	}
}

static void jpos_release(struct pw_jpos *p)
{
	for (size_t i = 0; i < p->n; i++)
		jpos_release(&p->kids[i]);
	free(p->kids);
}

void pw_jpos_free(struct pw_jpos *p)
{
	if (!p)
		return;
	jpos_release(p);
	free(p);
}

struct pw_jpos *pw_jpos_scan(const char *data, size_t n)
{
	struct scan s = {data, n, 0, 1, 1};
	struct pw_jpos *p = pw_xcalloc(1, sizeof(*p));

	if (scan_value(&s, p, 0) < 0) {
		pw_jpos_free(p);
		errno = EINVAL;
		return NULL;
	}
	return p;
}

const struct pw_jpos *pw_jpos_member(json_t *obj, const struct pw_jpos *p, const char *key,
				     json_t **kid)
{
	size_t i = 0;
	void *it;

	*kid = NULL;
	if (!json_is_object(obj))
		return NULL;
	for (it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), i++) {
		if (strcmp(json_object_iter_key(it), key) != 0)
			continue;
		*kid = json_object_iter_value(it);
		return p && i < p->n ? &p->kids[i] : NULL;
	}
	return NULL;
}

const struct pw_jpos *pw_jpos_elem(const struct pw_jpos *p, size_t i)
{
	return p && i < p->n ? &p->kids[i] : NULL;
}

size_t pw_levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *row, prev, tmp, best;

	if (la > 256 || lb > 256) /* names, not essays: bound the work */
		return la > lb ? la : lb;
	row = pw_xcalloc(lb + 1, sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

const char *pw_did_you_mean(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word), limit = len / 3 > 1 ? len / 3 : 1, best = SIZE_MAX, d;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		d = pw_levenshtein(word, cands[i]);
		if (d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return best <= limit ? pick : NULL;
}
