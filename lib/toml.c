/* toml.c - TOML 1.0 as Cargo.lock and pyproject.toml use it (see toml.h).
 * A hand-written recursive-descent reader over a length-bounded buffer:
 * never reads past @len, caps nesting and the number of values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/toml.h"

struct parser {
	const char *name;
	const char *s;
	size_t len, pos;
	unsigned line;
	size_t bol;    /* offset of the current line's first byte */
	size_t values; /* values made so far */
	int err;       /* errno of the failure */
	struct pw_err *e;
};

static unsigned col(const struct parser *p);

PW_PRINTF(2, 3)
static struct pw_toml *fail(struct parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pw_err_set(p->e, EINVAL, "%s:%u:%u: %s", p->name, p->line, col(p), msg);
	p->err = EINVAL;
	return NULL;
}

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

/* The column of the current position: characters (UTF-8 lead bytes)
 * since the line's start, 1-based, as jpos.h counts them. */
static unsigned col(const struct parser *p)
{
	unsigned c = 1;

	for (size_t i = p->bol; i < p->pos && i < p->len; i++)
		if (((unsigned char)p->s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
		p->pos++;
}

/* Skip a comment up to (not including) the end of the line.  Control
 * characters other than tab are not allowed in comments. */
static int skip_comment(struct parser *p)
{
	if (peek(p) != '#')
		return 0;
	while (p->pos < p->len && p->s[p->pos] != '\n') {
		unsigned char c = (unsigned char)p->s[p->pos];
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			fail(p, "control character in a comment");
			return -1;
		}
		p->pos++;
	}
	return 0;
}

/* At a line end: consume "\n" or "\r\n".  Returns 1 when one was consumed,
 * 0 at end of input, -1 otherwise. */
static int eol(struct parser *p)
{
	if (p->pos >= p->len)
		return 0;
	if (p->s[p->pos] == '\r' && p->pos + 1 < p->len && p->s[p->pos + 1] == '\n')
		p->pos++;
	if (p->s[p->pos] != '\n')
		return -1;
	p->pos++;
	p->line++;
	p->bol = p->pos;
	return 1;
}

/* Whitespace, comments and newlines (inside arrays). */
static int skip_ws_nl(struct parser *p)
{
	for (;;) {
		skip_ws(p);
		if (skip_comment(p) < 0)
			return -1;
		if (eol(p) != 1)
			return 0;
	}
}

static void value_release(struct pw_toml *v)
{
	size_t i;

	free(v->str);
	for (i = 0; i < v->n; i++)
		value_release(&v->items[i]);
	free(v->items);
	for (i = 0; i < v->nkv; i++) {
		free(v->kv[i].key);
		value_release(&v->kv[i].val);
	}
	free(v->kv);
	memset(v, 0, sizeof(*v));
}

void pw_toml_free(struct pw_toml *root)
{
	if (!root)
		return;
	value_release(root);
	free(root);
}

const struct pw_toml *pw_toml_get(const struct pw_toml *t, const char *key)
{
	size_t i;

	if (!t || t->type != PW_TOML_TABLE)
		return NULL;
	for (i = 0; i < t->nkv; i++)
		if (!strcmp(t->kv[i].key, key))
			return &t->kv[i].val;
	return NULL;
}

const char *pw_toml_get_str(const struct pw_toml *t, const char *key)
{
	const struct pw_toml *v = pw_toml_get(t, key);

	return v && v->type == PW_TOML_STRING ? v->str : NULL;
}

static struct pw_toml *table_get_mut(struct pw_toml *t, const char *key)
{
	return (struct pw_toml *)pw_toml_get(t, key);
}

static int count_value(struct parser *p)
{
	if (++p->values > PW_TOML_MAX_VALUES) {
		pw_err_set(p->e, E2BIG, "%s:%u: more than %u values", p->name, p->line,
			   PW_TOML_MAX_VALUES);
		p->err = E2BIG;
		return -1;
	}
	return 0;
}

/* Add @key to table @t with an empty value of @type; the key is taken.
 * The key is at @kline:@kcol; the value's position is set by its parser. */
static struct pw_toml *table_add(struct parser *p, struct pw_toml *t, char *key,
				 enum pw_toml_type type, unsigned kline, unsigned kcol)
{
	struct pw_toml *v;

	if (count_value(p) < 0) {
		free(key);
		return NULL;
	}
	t->kv = pw_xrealloc(t->kv, (t->nkv + 1) * sizeof(*t->kv));
	t->kv[t->nkv].key = key;
	t->kv[t->nkv].kline = kline;
	t->kv[t->nkv].kcol = kcol;
	v = &t->kv[t->nkv].val;
	t->nkv++;
	memset(v, 0, sizeof(*v));
	v->type = type;
	v->line = kline;
	v->col = kcol;
	return v;
}

static void put_utf8(struct pw_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	pw_buf_add(b, u, n);
}

/* The escape after a backslash at p->pos (which points at the letter);
 * appends it to @b and leaves p->pos after it.  0 or -1 after fail(). */
static int parse_escape(struct parser *p, struct pw_buf *b)
{
	switch (p->s[p->pos]) {
	case 'b':
		pw_buf_adds(b, "\b");
		break;
	case 't':
		pw_buf_adds(b, "\t");
		break;
	case 'n':
		pw_buf_adds(b, "\n");
		break;
	case 'f':
		pw_buf_adds(b, "\f");
		break;
	case 'r':
		pw_buf_adds(b, "\r");
		break;
	case 'e':
		pw_buf_adds(b, "\033");
		break;
	case '"':
		pw_buf_adds(b, "\"");
		break;
	case '\\':
		pw_buf_adds(b, "\\");
		break;
	case 'u':
	case 'U': {
		size_t nd = p->s[p->pos] == 'u' ? 4 : 8, i;
		uint32_t cp = 0;

		if (p->pos + nd >= p->len) {
			fail(p, "short unicode escape");
			return -1;
		}
		for (i = 1; i <= nd; i++) {
			char h = p->s[p->pos + i];
			int d = h >= '0' && h <= '9'   ? h - '0'
				: h >= 'a' && h <= 'f' ? h - 'a' + 10
				: h >= 'A' && h <= 'F' ? h - 'A' + 10
						       : -1;
			if (d < 0) {
				fail(p, "bad unicode escape");
				return -1;
			}
			cp = cp << 4 | (uint32_t)d;
		}
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			fail(p, "unicode escape is not a valid scalar value (or is NUL)");
			return -1;
		}
		put_utf8(b, cp);
		p->pos += nd;
		break;
	}
	default:
		fail(p, "unknown escape '\\%c'", p->s[p->pos] >= 0x20 ? p->s[p->pos] : '?');
		return -1;
	}
	p->pos++;
	return 0;
}

/* A multi-line basic ("""...""") or literal ('''...''') string, p->pos at
 * its opening quotes.  A newline right after them is dropped; in a basic
 * one a backslash at the end of a line drops it and the whitespace and
 * newlines after it.  One or two quotes may stand right before the
 * closing three. */
static char *parse_ml_string(struct parser *p)
{
	struct pw_buf b = PW_BUF_INIT(PW_TOML_MAX_INPUT);
	char q = p->s[p->pos];

	p->pos += 3;
	if (peek(p) == '\r' && p->pos + 1 < p->len && p->s[p->pos + 1] == '\n')
		p->pos++;
	if (peek(p) == '\n')
		eol(p);
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len) {
			fail(p, "unterminated multi-line string");
			goto bad;
		}
		c = (unsigned char)p->s[p->pos];
		if (c == (unsigned char)q && p->pos + 2 < p->len &&
		    p->s[p->pos + 1] == q && p->s[p->pos + 2] == q) {
			size_t run = 3;

			while (p->pos + run < p->len && p->s[p->pos + run] == q)
				run++;
			if (run > 5) {
				fail(p, "too many quotes at the end of a multi-line string");
				goto bad;
			}
			pw_buf_add(&b, &p->s[p->pos], run - 3);
			p->pos += run;
			return pw_buf_detach(&b, NULL);
		}
		if (c == '\n' || (c == '\r' && p->pos + 1 < p->len && p->s[p->pos + 1] == '\n')) {
			pw_buf_adds(&b, "\n");
			eol(p);
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			fail(p, "control character in a string");
			goto bad;
		}
		if (c != '\\' || q == '\'') {
			pw_buf_add(&b, &p->s[p->pos], 1);
			p->pos++;
			continue;
		}
		if (p->pos + 1 >= p->len) {
			fail(p, "unterminated multi-line string");
			goto bad;
		}
		p->pos++;
		{
			/* a line-ending backslash: whitespace to the newline */
			size_t k = p->pos;

			while (k < p->len && (p->s[k] == ' ' || p->s[k] == '\t'))
				k++;
			if (k < p->len && (p->s[k] == '\n' || p->s[k] == '\r')) {
				p->pos = k;
				for (;;) {
					skip_ws(p);
					if (peek(p) != '\n' && peek(p) != '\r')
						break;
					if (eol(p) < 0) {
						fail(p, "stray carriage return");
						goto bad;
					}
				}
				continue;
			}
		}
		if (parse_escape(p, &b) < 0)
			goto bad;
	}
bad:
	pw_buf_release(&b);
	return NULL;
}

/* A basic ("...") or literal ('...') string, or a multi-line one; returns
 * it (caller frees) or NULL after fail(). */
static char *parse_string(struct parser *p)
{
	struct pw_buf b = PW_BUF_INIT(PW_TOML_MAX_INPUT);
	char q = p->s[p->pos];

	if (p->pos + 2 < p->len && p->s[p->pos + 1] == q && p->s[p->pos + 2] == q)
		return parse_ml_string(p);
	p->pos++;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len || p->s[p->pos] == '\n') {
			fail(p, "unterminated string");
			goto bad;
		}
		c = (unsigned char)p->s[p->pos];
		if (c == (unsigned char)q) {
			p->pos++;
			return pw_buf_detach(&b, NULL);
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			fail(p, "control character in a string");
			goto bad;
		}
		if (c != '\\' || q == '\'') {
			pw_buf_add(&b, &p->s[p->pos], 1);
			p->pos++;
			continue;
		}
		if (p->pos + 1 >= p->len) {
			fail(p, "unterminated string");
			goto bad;
		}
		p->pos++;
		if (parse_escape(p, &b) < 0)
			goto bad;
	}
bad:
	pw_buf_release(&b);
	return NULL;
}

static bool bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* One key: bare or quoted (a key is never a multi-line string).  Caller
 * frees. */
static char *parse_key(struct parser *p)
{
	size_t start = p->pos;
	int c = peek(p);

	if (c == '"' || c == '\'') {
		if (p->pos + 2 < p->len && p->s[p->pos + 1] == c && p->s[p->pos + 2] == c) {
			fail(p, "a key cannot be a multi-line string");
			return NULL;
		}
		return parse_string(p);
	}
	while (bare_char(peek(p)))
		p->pos++;
	if (p->pos == start) {
		fail(p, "expected a key");
		return NULL;
	}
	return pw_xasprintf("%.*s", (int)(p->pos - start), p->s + start);
}

/* A dotted key "a.b.c" (whitespace allowed around the dots): at most
 * PW_TOML_MAX_DEPTH parts, each with its column.  Returns the number of
 * parts (>= 1) or -1 after fail(); the caller frees keys[0..n). */
static int parse_dotted(struct parser *p, char **keys, unsigned *cols)
{
	int n = 0;

	for (;;) {
		if (n == PW_TOML_MAX_DEPTH) {
			fail(p, "a key of more than %d parts", PW_TOML_MAX_DEPTH);
			goto bad;
		}
		cols[n] = col(p);
		keys[n] = parse_key(p);
		if (!keys[n])
			goto bad;
		n++;
		skip_ws(p);
		if (peek(p) != '.')
			return n;
		p->pos++;
		skip_ws(p);
	}
bad:
	while (n > 0)
		free(keys[--n]);
	return -1;
}

static int parse_value(struct parser *p, struct pw_toml *v, int depth);

static int parse_array(struct parser *p, struct pw_toml *v, int depth)
{
	if (depth >= PW_TOML_MAX_DEPTH) {
		fail(p, "arrays or inline tables nested deeper than %d", PW_TOML_MAX_DEPTH);
		return -1;
	}
	v->type = PW_TOML_ARRAY;
	p->pos++; /* '[' */
	for (;;) {
		if (skip_ws_nl(p) < 0)
			return -1;
		if (peek(p) == ']') {
			p->pos++;
			return 0;
		}
		if (count_value(p) < 0)
			return -1;
		v->items = pw_xrealloc(v->items, (v->n + 1) * sizeof(*v->items));
		memset(&v->items[v->n], 0, sizeof(*v->items));
		v->n++;
		if (parse_value(p, &v->items[v->n - 1], depth + 1) < 0)
			return -1;
		if (skip_ws_nl(p) < 0)
			return -1;
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == ']') {
			p->pos++;
			return 0;
		}
		fail(p, "expected ',' or ']' in an array");
		return -1;
	}
}

/* "a.b.c = VALUE" into table @t: the tables on the way are made (or
 * reused when a dotted key made them); a table defined by a header, an
 * inline table or a value already there is an error. */
static int parse_keyval(struct parser *p, struct pw_toml *t, int depth)
{
	char *keys[PW_TOML_MAX_DEPTH];
	unsigned cols[PW_TOML_MAX_DEPTH], line = p->line;
	size_t start = p->pos;
	struct pw_toml *v;
	int n = parse_dotted(p, keys, cols), i;

	if (n < 0)
		return -1;
	for (i = 0; i + 1 < n; i++) {
		v = table_get_mut(t, keys[i]);
		if (!v) {
			v = table_add(p, t, keys[i], PW_TOML_TABLE, line, cols[i]);
			keys[i] = NULL;
			if (!v)
				goto bad;
			v->dotted = true;
			v->defined = true; /* no [header] may name it again */
		} else if (v->type != PW_TOML_TABLE || v->frozen || !v->dotted) {
			p->pos = start;
			fail(p, "'%s' is already defined: a dotted key cannot extend it", keys[i]);
			goto bad;
		}
		t = v;
	}
	if (peek(p) != '=') {
		fail(p, "expected '=' after a key");
		goto bad;
	}
	if (pw_toml_get(t, keys[n - 1])) {
		p->pos = start;
		fail(p, "duplicate key '%s'", keys[n - 1]);
		goto bad;
	}
	p->pos++;
	skip_ws(p);
	v = table_add(p, t, keys[n - 1], PW_TOML_STRING, line, cols[n - 1]);
	keys[n - 1] = NULL;
	for (i = 0; i < n; i++)
		free(keys[i]);
	if (!v)
		return -1;
	return parse_value(p, v, depth);
bad:
	for (i = 0; i < n; i++)
		free(keys[i]);
	return -1;
}

/* "{ k = v, a.b = w }" on one line; the table is complete (frozen). */
static int parse_inline_table(struct parser *p, struct pw_toml *v, int depth)
{
	if (depth >= PW_TOML_MAX_DEPTH) {
		fail(p, "arrays or inline tables nested deeper than %d", PW_TOML_MAX_DEPTH);
		return -1;
	}
	v->type = PW_TOML_TABLE;
	v->defined = true;
	p->pos++; /* '{' */
	skip_ws(p);
	if (peek(p) == '}') {
		p->pos++;
		v->frozen = true;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (parse_keyval(p, v, depth + 1) < 0)
			return -1;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == '}') {
			p->pos++;
			break;
		}
		fail(p, "expected ',' or '}' in an inline table (on one line)");
		return -1;
	}
	/* sub-tables a dotted key made inside are part of it */
	v->frozen = true;
	for (size_t i = 0; i < v->nkv; i++)
		if (v->kv[i].val.type == PW_TOML_TABLE)
			v->kv[i].val.frozen = true;
	return 0;
}

static bool digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Digits of @base with single '_' between them; the value into *out
 * (saturating flag in *big).  Returns the bytes taken or 0 when the form
 * is wrong. */
static size_t digits_us(const char *s, size_t n, unsigned base, uint64_t *out, bool *big)
{
	size_t i = 0;
	bool last_us = true;

	*out = 0;
	for (; i < n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (c == '_') {
			if (last_us)
				return 0;
			last_us = true;
			continue;
		}
		if (d < 0 || (unsigned)d >= base)
			break;
		if (*out > (UINT64_MAX - (uint64_t)d) / base)
			*big = true;
		else
			*out = *out * base + (uint64_t)d;
		last_us = false;
	}
	return last_us ? 0 : i;
}

/* A number or a date/time, p->pos at its first byte: a decimal, hex
 * (0x), octal (0o) or binary (0b) integer, a float (with '.', an
 * exponent, inf or nan), or an offset/local date-time, date or time
 * (kept as its text, type PW_TOML_DATETIME). */
static int parse_scalar(struct parser *p, struct pw_toml *v)
{
	const char *s = p->s + p->pos;
	size_t n = 0, avail = p->len - p->pos, k;
	bool neg = false, big = false, sign = false;
	uint64_t u;

	while (n < avail && (bare_char((unsigned char)s[n]) || s[n] == '.' || s[n] == ':' ||
			     s[n] == '+'))
		n++;
	/* a date-time's space between date and time */
	if (n == 10 && s[4] == '-' && n + 1 < avail && s[n] == ' ' && digit((unsigned char)s[n + 1])) {
		n++;
		while (n < avail && (bare_char((unsigned char)s[n]) || s[n] == '.' ||
				     s[n] == ':' || s[n] == '+'))
			n++;
	}
	if (n == 0)
		goto bad;
	if ((n >= 10 && digit(s[0]) && digit(s[1]) && digit(s[2]) && digit(s[3]) && s[4] == '-') ||
	    (n >= 8 && digit(s[0]) && digit(s[1]) && s[2] == ':')) {
		for (k = 0; k < n; k++)
			if (!(digit((unsigned char)s[k]) || strchr("-:.+TtZz ", s[k])))
				goto bad;
		v->type = PW_TOML_DATETIME;
		v->str = pw_xasprintf("%.*s", (int)n, s);
		p->pos += n;
		return 0;
	}
	k = 0;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		sign = true;
		k = 1;
	}
	if (n - k == 3 && (!memcmp(s + k, "inf", 3) || !memcmp(s + k, "nan", 3))) {
		v->type = PW_TOML_FLOAT;
		v->real = s[k] == 'i' ? (neg ? -INFINITY : INFINITY) : NAN;
		p->pos += n;
		return 0;
	}
	if (!sign && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		unsigned base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;

		if (digits_us(s + 2, n - 2, base, &u, &big) != n - 2)
			goto bad;
		if (big || u > (uint64_t)INT64_MAX) {
			fail(p, "integer out of range");
			return -1;
		}
		v->type = PW_TOML_INT;
		v->num = (int64_t)u;
		p->pos += n;
		return 0;
	}
	{
		/* decimal: int part without leading zeros, then .frac, then e/E exp */
		size_t i = k, ip = digits_us(s + i, n - i, 10, &u, &big);
		bool is_float = false;
		char *num;

		if (ip > 1 && s[i] == '0') {
			fail(p, "leading zeros are not allowed in a number");
			return -1;
		}
		if (!ip)
			goto bad;
		i += ip;
		if (i < n && s[i] == '.') {
			uint64_t f;
			bool fb = false;
			size_t fp = digits_us(s + i + 1, n - i - 1, 10, &f, &fb);

			if (!fp)
				goto bad;
			i += 1 + fp;
			is_float = true;
		}
		if (i < n && (s[i] == 'e' || s[i] == 'E')) {
			uint64_t x;
			bool xb = false;
			size_t ep;

			i++;
			if (i < n && (s[i] == '+' || s[i] == '-'))
				i++;
			ep = digits_us(s + i, n - i, 10, &x, &xb);
			if (!ep)
				goto bad;
			i += ep;
			is_float = true;
		}
		if (i != n)
			goto bad;
		if (!is_float) {
			if (big || u > (uint64_t)INT64_MAX + (neg ? 1 : 0)) {
				fail(p, "integer out of range");
				return -1;
			}
			v->type = PW_TOML_INT;
			v->num = neg ? (int64_t)(0 - u) : (int64_t)u;
			p->pos += n;
			return 0;
		}
		num = pw_xcalloc(n + 1, 1);
		for (size_t j = 0, o = 0; j < n; j++)
			if (s[j] != '_')
				num[o++] = s[j];
		v->type = PW_TOML_FLOAT;
		v->real = strtod(num, NULL);
		free(num);
		p->pos += n;
		return 0;
	}
bad:
	fail(p, "unsupported value (expected a string, number, boolean, date, array or inline "
		"table)");
	return -1;
}

static int parse_value(struct parser *p, struct pw_toml *v, int depth)
{
	int c = peek(p);

	v->line = p->line;
	v->col = col(p);
	if (c == '"' || c == '\'') {
		v->type = PW_TOML_STRING;
		v->str = parse_string(p);
		return v->str ? 0 : -1;
	}
	if (c == '[')
		return parse_array(p, v, depth);
	if (c == '{')
		return parse_inline_table(p, v, depth);
	if (p->len - p->pos >= 4 && !memcmp(p->s + p->pos, "true", 4) &&
	    !bare_char(p->pos + 4 < p->len ? (unsigned char)p->s[p->pos + 4] : -1)) {
		v->type = PW_TOML_BOOL;
		v->boolean = true;
		p->pos += 4;
		return 0;
	}
	if (p->len - p->pos >= 5 && !memcmp(p->s + p->pos, "false", 5) &&
	    !bare_char(p->pos + 5 < p->len ? (unsigned char)p->s[p->pos + 5] : -1)) {
		v->type = PW_TOML_BOOL;
		p->pos += 5;
		return 0;
	}
	if (c == '+' || c == '-' || digit(c) || c == 'i' || c == 'n')
		return parse_scalar(p, v);
	fail(p, "unsupported value (expected a string, number, boolean, date, array or inline "
		"table)");
	return -1;
}

/* After a header or key/value: only whitespace, a comment, a line end. */
static int end_of_line(struct parser *p)
{
	skip_ws(p);
	if (skip_comment(p) < 0)
		return -1;
	if (eol(p) < 0) {
		fail(p, "expected the end of the line");
		return -1;
	}
	return 0;
}

/* "[a.b]" or "[[a.b]]": returns the table later keys go to, or NULL. */
static struct pw_toml *parse_header(struct parser *p, struct pw_toml *root)
{
	bool aot = p->pos + 1 < p->len && p->s[p->pos + 1] == '[';
	struct pw_toml *t = root;
	unsigned line = p->line, hcol = col(p);
	char *keys[PW_TOML_MAX_DEPTH];
	unsigned cols[PW_TOML_MAX_DEPTH];
	int n, i;

	p->pos += aot ? 2 : 1;
	skip_ws(p);
	n = parse_dotted(p, keys, cols);
	if (n < 0)
		return NULL;
	for (i = 0; i < n; i++) {
		struct pw_toml *v = table_get_mut(t, keys[i]);
		bool last = i + 1 == n;

		if (!last) {
			if (!v) {
				v = table_add(p, t, keys[i], PW_TOML_TABLE, line, cols[i]);
				keys[i] = NULL;
				if (!v)
					goto bad;
			}
			if (v->type == PW_TOML_ARRAY && v->aot && v->n)
				v = &v->items[v->n - 1];
			if (v->type != PW_TOML_TABLE) {
				fail(p, "a header goes through a key that is not a table");
				goto bad;
			}
			if (v->frozen) {
				fail(p, "a header cannot extend an inline table");
				goto bad;
			}
			t = v;
			continue;
		}
		if (aot) {
			if (!v) {
				v = table_add(p, t, keys[i], PW_TOML_ARRAY, line, cols[i]);
				keys[i] = NULL;
				if (!v)
					goto bad;
				v->aot = true;
			} else if (v->type != PW_TOML_ARRAY || !v->aot) {
				fail(p, "[[header]] names a key that is not an array of tables");
				goto bad;
			}
			if (count_value(p) < 0)
				goto bad;
			v->items = pw_xrealloc(v->items, (v->n + 1) * sizeof(*v->items));
			t = &v->items[v->n++];
			memset(t, 0, sizeof(*t));
			t->type = PW_TOML_TABLE;
			t->defined = true;
			t->line = line;
			t->col = hcol;
		} else {
			if (!v) {
				v = table_add(p, t, keys[i], PW_TOML_TABLE, line, cols[i]);
				keys[i] = NULL;
				if (!v)
					goto bad;
			} else if (v->type != PW_TOML_TABLE || v->defined) {
				fail(p, "duplicate table");
				goto bad;
			}
			v->defined = true;
			v->line = line;
			v->col = hcol;
			t = v;
		}
	}
	for (i = 0; i < n; i++)
		free(keys[i]);
	skip_ws(p);
	if (aot) {
		if (p->len - p->pos < 2 || p->s[p->pos] != ']' || p->s[p->pos + 1] != ']')
			return fail(p, "expected ']]'");
		p->pos += 2;
	} else {
		if (peek(p) != ']')
			return fail(p, "expected ']'");
		p->pos++;
	}
	return end_of_line(p) < 0 ? NULL : t;
bad:
	for (i = 0; i < n; i++)
		free(keys[i]);
	return NULL;
}

struct pw_toml *pw_toml_parse(const char *name, const char *text, size_t len, struct pw_err *e)
{
	struct parser p = {.name = name, .s = text, .len = len, .line = 1, .e = e};
	struct pw_toml *root, *cur;

	if (len > PW_TOML_MAX_INPUT) {
		pw_err_set(e, E2BIG, "%s: larger than %u bytes", name, PW_TOML_MAX_INPUT);
		errno = E2BIG;
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		pw_err_set(e, EINVAL, "%s: NUL byte in the text", name);
		errno = EINVAL;
		return NULL;
	}
	root = pw_xcalloc(1, sizeof(*root));
	root->type = PW_TOML_TABLE;
	root->defined = true;
	root->line = root->col = 1;
	cur = root;
	/* a UTF-8 byte order mark is allowed at the start */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.pos = p.bol = 3;
	while (p.pos < p.len) {
		int c;

		skip_ws(&p);
		if (skip_comment(&p) < 0)
			goto bad;
		c = peek(&p);
		if (c < 0)
			break;
		if (c == '\n' || c == '\r') {
			if (eol(&p) < 0) {
				fail(&p, "stray carriage return");
				goto bad;
			}
			continue;
		}
		if (c == '[') {
			cur = parse_header(&p, root);
			if (!cur)
				goto bad;
		} else if (parse_keyval(&p, cur, 0) < 0 || end_of_line(&p) < 0) {
			goto bad;
		}
	}
	return root;
bad:
	pw_toml_free(root);
	errno = p.err ? p.err : EINVAL;
	return NULL;
}
