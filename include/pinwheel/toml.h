/* toml.h - a small, capped reader for TOML 1.0 as Cargo.lock, cargo's
 * config and pyproject.toml use it (lib/toml.c).
 *
 * Supported: comments, [table] and [[array.of.tables]] headers, bare,
 * quoted and dotted keys (on either side: "a.b = 1" makes table a),
 * basic and literal strings, single- and multi-line ("..." '...'
 * """...""" '''...''', the TOML escapes and line-ending backslash),
 * integers (decimal, 0x, 0o, 0b, with '_'), floats (inf and nan too),
 * booleans, date-times, dates and times (kept as their text, unchecked
 * beyond their characters), arrays (over several lines, trailing comma
 * allowed) and inline tables (on one line, complete: no header or dotted
 * key may add to them).  What does not parse is rejected with an error
 * naming the line and column, never misread.  Strings may not hold NUL.
 * Every value and key carries its line:column (characters, 1-based, as
 * jpos.h counts them) for messages about its meaning.
 *
 * Caps against hostile input: PW_TOML_MAX_INPUT bytes of text,
 * PW_TOML_MAX_DEPTH nested arrays, PW_TOML_MAX_VALUES values in all.
 *
 * Ownership: pw_toml_parse() returns a root table the caller frees with
 * pw_toml_free(); everything reachable from it is owned by it and pointers
 * into it stay valid until then.
 * Errors: NULL + errno (EINVAL for bad syntax, E2BIG for a cap) with e->msg
 * "NAME:LINE:COL: what".  Nothing here prints.
 */
#ifndef PINWHEEL_TOML_H
#define PINWHEEL_TOML_H

#include "pinwheel/common.h"

#define PW_TOML_MAX_INPUT (16u << 20)
#define PW_TOML_MAX_DEPTH 32
#define PW_TOML_MAX_VALUES 1000000u

enum pw_toml_type {
	PW_TOML_STRING,
	PW_TOML_INT,
	PW_TOML_FLOAT,
	PW_TOML_DATETIME, /* str holds the text as written */
	PW_TOML_BOOL,
	PW_TOML_ARRAY, /* values; an array of tables holds PW_TOML_TABLE items */
	PW_TOML_TABLE,
};

struct pw_toml_kv;

struct pw_toml {
	enum pw_toml_type type;
	char *str;	       /* STRING or DATETIME, NUL-terminated */
	int64_t num;	       /* INT */
	double real;	       /* FLOAT */
	bool boolean;	       /* BOOL */
	struct pw_toml *items; /* ARRAY */
	size_t n;
	struct pw_toml_kv *kv; /* TABLE, in the order of the text */
	size_t nkv;
	unsigned line, col; /* where the value (or table header) starts */
	bool aot;      /* ARRAY made by [[...]] headers */
	bool defined;  /* TABLE named by its own [header] or a key */
	bool dotted;   /* TABLE made by a dotted key */
	bool frozen;   /* TABLE written inline: complete */
};

struct pw_toml_kv {
	char *key;
	unsigned kline, kcol; /* where the key starts (its first part when dotted) */
	struct pw_toml val;
};

/* Parse @len bytes of @text (@name is used in messages). */
struct pw_toml *pw_toml_parse(const char *name, const char *text, size_t len, struct pw_err *e);
void pw_toml_free(struct pw_toml *root);

/* The value of @key in the table @t, or NULL (also when @t is not a
 * table). */
const struct pw_toml *pw_toml_get(const struct pw_toml *t, const char *key);
/* The string of @key in @t, or NULL when missing or not a string. */
const char *pw_toml_get_str(const struct pw_toml *t, const char *key);

#endif
