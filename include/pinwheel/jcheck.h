/* jcheck.h - checking a JSON document that jansson has accepted, member
 * by member, with one line per problem (lib/jcheck.c): pinwheel.json's
 * reader (runner/config.c) and the providers' parsers of their blocks of
 * it (provider.h) share these, so every message has the same shape.
 *
 * A message reads "FILE:LINE:COL: FIELD: what was expected", where
 * LINE:COL is the key (or the array element, or the value) at fault
 * (positions from jpos.h) and FIELD the path of keys to it
 * ("python.3.13.base.debian.packages[2]"); without a field it is
 * "FILE:LINE:COL: what".  Unknown keys get "(did you mean 'x'?)" when a
 * known key is close.
 *
 * Ownership: strings returned through char ** are the caller's (they are
 * filled even when a later element fails, so the caller's release frees
 * them).  Errors: -EINVAL with the line in j->e.  Nothing here prints.
 */
#ifndef PINWHEEL_JCHECK_H
#define PINWHEEL_JCHECK_H

#include <jansson.h>

#include "pinwheel/common.h"
#include "pinwheel/jpos.h"

struct pw_jcheck {
	const char *name; /* the file, for messages */
	struct pw_err *e;
};

/* Fail at @p (its key's position when @key, else the value's; 1:1 when
 * @p is NULL) for @field ("" or NULL: none).  Returns -EINVAL. */
int pw_jcheck_fail(const struct pw_jcheck *j, const struct pw_jpos *p, bool key, const char *field,
		   const char *fmt, ...) PW_PRINTF(5, 6);
/* "expected @want, got an array" at @p's key. */
int pw_jcheck_type(const struct pw_jcheck *j, const struct pw_jpos *p, const char *field,
		   const char *want, json_t *v);
/* "an object", "an array", "a string", ... */
const char *pw_jcheck_type_name(json_t *v);
/* Every key of @obj (at @p) must be one of the @n @allowed. */
int pw_jcheck_keys(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		   const char *field, const char *const *allowed, size_t n);

/* "FIELD.KEY" ("KEY" when @field is ""), "FIELD[I]".  Caller frees. */
char *pw_jcheck_field(const char *field, const char *key);
char *pw_jcheck_elem(const char *field, size_t i);

/* A non-empty string member @key of @obj; *out stays NULL when absent and
 * not @required ("missing 'KEY'" at the object's key otherwise). */
int pw_jcheck_str(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		  const char *field, const char *key, bool required, char **out);
/* An array member of non-empty, distinct strings, each checked by @check
 * (may be NULL), which returns a description of what was expected or
 * NULL when the string is fine.  *out gets a NULL-ended copy. */
int pw_jcheck_strv(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		   const char *field, const char *key, bool required,
		   const char *(*check)(const char *), char ***out, size_t *nout);

/* The first index i of @v (@n strings) whose string appears at some j <
 * i, or SIZE_MAX; n log n, as the lists come from untrusted files. */
size_t pw_jcheck_first_dup(char *const *v, size_t n);
/* A relative path without ".." components (nor empty ones). */
bool pw_jcheck_relpath_ok(const char *p);
/* An absolute path without ".." components. */
bool pw_jcheck_abspath_ok(const char *p);
/* An http://, https:// or file:// url with something after the scheme. */
bool pw_jcheck_url_ok(const char *u);

#endif
