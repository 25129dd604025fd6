/* deb_control.c - the deb822 stanza parser (Packages, Release, .sources).
 *
 * Format (deb822(5)): stanzas of "Name: value" lines separated by blank
 * lines; a line starting with a space or tab continues the previous field
 * (folded or multi-line values); '#' lines are comments.  Sizes are capped
 * (fields per stanza, bytes per value) because indexes come from the
 * network.
 */
#include <string.h>
#include <strings.h>

#include "pinwheel/buf.h"
#include "pinwheel/debian.h"

void pw_deb_parser_init(struct pw_deb_parser *p, const char *name, const char *data, size_t len)
{
	p->data = data;
	p->len = len;
	p->pos = 0;
	p->line = 0;
	p->name = name;
}

void pw_deb_stanza_release(struct pw_deb_stanza *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		free(st->fields[i].name);
		free(st->fields[i].value);
	}
	free(st->fields);
	st->fields = NULL;
	st->n = st->alloc = 0;
	st->line = 0;
}

const char *pw_deb_stanza_get(const struct pw_deb_stanza *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcasecmp(st->fields[i].name, name))
			return st->fields[i].value;
	return NULL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next line [*s, *s + *n) without its newline (and a '\r' before it);
 * false at the end of the data. */
static bool next_line(struct pw_deb_parser *p, const char **s, size_t *n)
{
	const char *nl;

	if (p->pos >= p->len)
		return false;
	*s = p->data + p->pos;
	nl = memchr(*s, '\n', p->len - p->pos);
	*n = nl ? (size_t)(nl - *s) : p->len - p->pos;
	p->pos += *n + (nl ? 1 : 0);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	p->line++;
	return true;
}

static bool is_blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!blank(s[i]))
			return false;
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && blank((*s)[*n - 1]))
		(*n)--;
}

static int fail(struct pw_deb_parser *p, struct pw_err *e, const char *what)
{
	return pw_err_set(e, EBADMSG, "%s:%u: %s", p->name, p->line, what);
}

int pw_deb_parser_next(struct pw_deb_parser *p, struct pw_deb_stanza *st, struct pw_err *e)
{
	struct pw_buf val = PW_BUF_INIT(PW_DEB_MAX_VALUE);
	char *name = NULL;
	const char *s;
	size_t n;
	int r = 0;

	pw_deb_stanza_release(st);
	for (;;) {
		const char *colon;

		if (!next_line(p, &s, &n))
			break;
		if (memchr(s, '\0', n)) {
			r = fail(p, e, "NUL byte");
			goto out;
		}
		if (n && s[0] == '#')
			continue;
		if (is_blank_line(s, n)) {
			if (name || st->n)
				break;
			continue;
		}
		if (blank(s[0])) {
			if (!name) {
				r = fail(p, e, "continuation line outside a field");
				goto out;
			}
			trim(&s, &n);
			if (n == 1 && s[0] == '.')
				n = 0;
			if (pw_buf_add(&val, "\n", 1) < 0 || pw_buf_add(&val, s, n) < 0) {
				r = fail(p, e, "field value too long");
				goto out;
			}
			continue;
		}
		/* A new field: store the previous one first. */
		if (name) {
			if (st->n == st->alloc) {
				st->alloc = st->alloc ? st->alloc * 2 : 16;
				st->fields =
				    pw_xrealloc(st->fields, st->alloc * sizeof(*st->fields));
			}
			st->fields[st->n].name = name;
			st->fields[st->n].value = pw_buf_detach(&val, NULL);
			st->n++;
			name = NULL;
		}
		if (!st->n)
			st->line = p->line;
		colon = memchr(s, ':', n);
		if (!colon) {
			r = fail(p, e, "line without ':'");
			goto out;
		}
		if (colon == s || (size_t)(colon - s) > PW_DEB_MAX_NAME || blank(colon[-1])) {
			r = fail(p, e, "bad field name");
			goto out;
		}
		if (st->n >= PW_DEB_MAX_FIELDS) {
			r = fail(p, e, "too many fields in one stanza");
			goto out;
		}
		name = pw_xasprintf("%.*s", (int)(colon - s), s);
		if (pw_deb_stanza_get(st, name)) {
			r = pw_err_set(e, EBADMSG, "%s:%u: duplicate field '%s'", p->name, p->line,
				       name);
			goto out;
		}
		n -= (size_t)(colon + 1 - s);
		s = colon + 1;
		trim(&s, &n);
		pw_buf_reset(&val);
		if (pw_buf_add(&val, s, n) < 0) {
			r = fail(p, e, "field value too long");
			goto out;
		}
	}
	if (name) {
		if (st->n == st->alloc) {
			st->alloc = st->alloc ? st->alloc * 2 : 16;
			st->fields = pw_xrealloc(st->fields, st->alloc * sizeof(*st->fields));
		}
		st->fields[st->n].name = name;
		st->fields[st->n].value = pw_buf_detach(&val, NULL);
		st->n++;
		name = NULL;
	}
	r = st->n ? 1 : 0;
out:
	free(name);
	pw_buf_release(&val);
	if (r < 0)
		pw_deb_stanza_release(st);
	return r;
}
