/* toml.c - the Cargo.lock subset of TOML (see toml.h).  A hand-written
 * recursive-descent reader over a length-bounded buffer: never reads past
 * @len, caps nesting and the number of values. */
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

PW_PRINTF(2, 3)
static struct pw_toml *fail(struct parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pw_err_set(p->e, EINVAL, "%s:%u:%zu: %s", p->name, p->line, p->pos - p->bol + 1, msg);
	p->err = EINVAL;
	return NULL;
}

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
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

/* Add @key to table @t with an empty value of @type; the key is taken. */
static struct pw_toml *table_add(struct parser *p, struct pw_toml *t, char *key,
				 enum pw_toml_type type)
{
	struct pw_toml *v;

	if (count_value(p) < 0) {
		free(key);
		return NULL;
	}
	t->kv = pw_xrealloc(t->kv, (t->nkv + 1) * sizeof(*t->kv));
	t->kv[t->nkv].key = key;
	v = &t->kv[t->nkv].val;
	t->nkv++;
	memset(v, 0, sizeof(*v));
	v->type = type;
	v->line = p->line;
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

/* A basic ("...") or literal ('...') string on one line; returns it
 * (caller frees) or NULL after fail(). */
static char *parse_string(struct parser *p)
{
	struct pw_buf b = PW_BUF_INIT(PW_TOML_MAX_INPUT);
	char q = p->s[p->pos];

	if (p->pos + 2 < p->len && p->s[p->pos + 1] == q && p->s[p->pos + 2] == q) {
		fail(p, "multi-line strings are not supported");
		return NULL;
	}
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
		switch (p->s[p->pos]) {
		case 'b':
			pw_buf_adds(&b, "\b");
			break;
		case 't':
			pw_buf_adds(&b, "\t");
			break;
		case 'n':
			pw_buf_adds(&b, "\n");
			break;
		case 'f':
			pw_buf_adds(&b, "\f");
			break;
		case 'r':
			pw_buf_adds(&b, "\r");
			break;
		case 'e':
			pw_buf_adds(&b, "\033");
			break;
		case '"':
			pw_buf_adds(&b, "\"");
			break;
		case '\\':
			pw_buf_adds(&b, "\\");
			break;
		case 'u':
		case 'U': {
			size_t nd = p->s[p->pos] == 'u' ? 4 : 8, i;
			uint32_t cp = 0;

			if (p->pos + nd >= p->len) {
				fail(p, "short unicode escape");
				goto bad;
			}
			for (i = 1; i <= nd; i++) {
				char h = p->s[p->pos + i];
				int d = h >= '0' && h <= '9'   ? h - '0'
					: h >= 'a' && h <= 'f' ? h - 'a' + 10
					: h >= 'A' && h <= 'F' ? h - 'A' + 10
							       : -1;
				if (d < 0) {
					fail(p, "bad unicode escape");
					goto bad;
				}
				cp = cp << 4 | (uint32_t)d;
			}
			if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
				fail(p, "unicode escape is not a valid scalar value (or is NUL)");
				goto bad;
			}
			put_utf8(&b, cp);
			p->pos += nd;
			break;
		}
		default:
			fail(p, "unknown escape '\\%c'", p->s[p->pos] >= 0x20 ? p->s[p->pos] : '?');
			goto bad;
		}
		p->pos++;
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

/* One key: bare or quoted.  Caller frees. */
static char *parse_key(struct parser *p)
{
	size_t start = p->pos;
	int c = peek(p);

	if (c == '"' || c == '\'')
		return parse_string(p);
	while (bare_char(peek(p)))
		p->pos++;
	if (p->pos == start) {
		fail(p, "expected a key");
		return NULL;
	}
	return pw_xasprintf("%.*s", (int)(p->pos - start), p->s + start);
}

static int parse_value(struct parser *p, struct pw_toml *v, int depth);

static int parse_array(struct parser *p, struct pw_toml *v, int depth)
{
	if (depth >= PW_TOML_MAX_DEPTH) {
		fail(p, "arrays nested deeper than %d", PW_TOML_MAX_DEPTH);
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

static int parse_int(struct parser *p, struct pw_toml *v)
{
	size_t start = p->pos;
	bool neg = false, digit = false, last_us = false;
	uint64_t n = 0;
	int c = peek(p);

	if (c == '+' || c == '-') {
		neg = c == '-';
		p->pos++;
	}
	if (peek(p) == '0' && p->pos + 1 < p->len && bare_char((unsigned char)p->s[p->pos + 1])) {
		fail(p, "leading zeros and non-decimal integers are not supported");
		return -1;
	}
	while ((c = peek(p)) >= 0 && ((c >= '0' && c <= '9') || c == '_')) {
		if (c == '_') {
			if (!digit || last_us) {
				fail(p, "misplaced '_' in an integer");
				return -1;
			}
			last_us = true;
		} else {
			if (n > (UINT64_C(1) << 63) / 10 ||
			    n * 10 + (uint64_t)(c - '0') > (UINT64_C(1) << 63) - (neg ? 0 : 1)) {
				fail(p, "integer out of range");
				return -1;
			}
			n = n * 10 + (uint64_t)(c - '0');
			digit = true;
			last_us = false;
		}
		p->pos++;
	}
	if (!digit || last_us || bare_char(peek(p)) || peek(p) == '.' || peek(p) == ':') {
		p->pos = start;
		fail(p, "unsupported value (expected a string, integer, boolean or array)");
		return -1;
	}
	v->type = PW_TOML_INT;
	v->num = neg ? (int64_t)(0 - n) : (int64_t)n;
	return 0;
}

static int parse_value(struct parser *p, struct pw_toml *v, int depth)
{
	int c = peek(p);

	v->line = p->line;
	if (c == '"' || c == '\'') {
		v->type = PW_TOML_STRING;
		v->str = parse_string(p);
		return v->str ? 0 : -1;
	}
	if (c == '[')
		return parse_array(p, v, depth);
	if (c == '{') {
		fail(p, "inline tables are not supported");
		return -1;
	}
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
	if (c == '+' || c == '-' || (c >= '0' && c <= '9'))
		return parse_int(p, v);
	fail(p, "unsupported value (expected a string, integer, boolean or array)");
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
	unsigned line = p->line;

	p->pos += aot ? 2 : 1;
	for (;;) {
		struct pw_toml *v;
		char *key;
		bool last;

		skip_ws(p);
		key = parse_key(p);
		if (!key)
			return NULL;
		skip_ws(p);
		last = peek(p) != '.';
		if (!last)
			p->pos++;
		v = table_get_mut(t, key);
		if (!last) {
			if (!v) {
				v = table_add(p, t, key, PW_TOML_TABLE);
				if (!v)
					return NULL;
			} else {
				free(key);
			}
			if (v->type == PW_TOML_ARRAY && v->aot && v->n)
				v = &v->items[v->n - 1];
			if (v->type != PW_TOML_TABLE)
				return fail(p, "a header goes through a key that is not a table");
			t = v;
			continue;
		}
		if (aot) {
			if (!v) {
				v = table_add(p, t, key, PW_TOML_ARRAY);
				if (!v)
					return NULL;
				v->aot = true;
			} else {
				free(key);
				if (v->type != PW_TOML_ARRAY || !v->aot)
					return fail(p, "[[header]] names a key that is not an "
						       "array of tables");
			}
			if (count_value(p) < 0)
				return NULL;
			v->items = pw_xrealloc(v->items, (v->n + 1) * sizeof(*v->items));
			t = &v->items[v->n++];
			memset(t, 0, sizeof(*t));
			t->type = PW_TOML_TABLE;
			t->defined = true;
			t->line = line;
		} else {
			if (!v) {
				v = table_add(p, t, key, PW_TOML_TABLE);
				if (!v)
					return NULL;
			} else {
				free(key);
				if (v->type != PW_TOML_TABLE || v->defined)
					return fail(p, "duplicate table");
			}
			v->defined = true;
			v->line = line;
			t = v;
		}
		break;
	}
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
}

static int parse_keyval(struct parser *p, struct pw_toml *t)
{
	size_t start = p->pos;
	struct pw_toml *v;
	char *key = parse_key(p);

	if (!key)
		return -1;
	skip_ws(p);
	if (peek(p) == '.') {
		free(key);
		fail(p, "dotted keys are not supported");
		return -1;
	}
	if (peek(p) != '=') {
		free(key);
		fail(p, "expected '=' after a key");
		return -1;
	}
	if (pw_toml_get(t, key)) {
		p->pos = start;
		fail(p, "duplicate key '%s'", key);
		free(key);
		return -1;
	}
	p->pos++;
	skip_ws(p);
	v = table_add(p, t, key, PW_TOML_STRING);
	if (!v)
		return -1;
	if (parse_value(p, v, 0) < 0)
		return -1;
	return end_of_line(p);
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
	cur = root;
	/* a UTF-8 byte order mark is allowed at the start */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.pos = 3;
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
		} else if (parse_keyval(&p, cur) < 0) {
			goto bad;
		}
	}
	return root;
bad:
	pw_toml_free(root);
	errno = p.err ? p.err : EINVAL;
	return NULL;
}
