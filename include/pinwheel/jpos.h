/* jpos.h - source positions for a JSON document that jansson has already
 * accepted (lib/jpos.c), and "did you mean" suggestions.
 *
 * jansson keeps no positions in its DOM.  pw_jpos_scan() walks the same
 * bytes once more and builds a tree of positions shaped like the document:
 * each value has its line:column (and, in an object, its key's), and the
 * members of an object or the elements of an array appear in text order.
 * Because jansson keeps objects in insertion order and the loader rejects
 * duplicate keys, the Nth member met by json_object_iter() is kids[N].
 * Lines and columns are 1-based and count characters (UTF-8 lead bytes),
 * as jansson's own error positions do.
 *
 * Ownership: pw_jpos_scan() returns a tree the caller frees with
 * pw_jpos_free().  Functions here never print.
 */
#ifndef PINWHEEL_JPOS_H
#define PINWHEEL_JPOS_H

#include <jansson.h>

#include "pinwheel/common.h"

struct pw_jpos {
	int line, col;   /* where the value starts */
	int kline, kcol; /* where its key starts (== line, col outside objects) */
	size_t n;        /* members or elements, in text order */
	struct pw_jpos *kids;
};

/* Scan @n bytes of JSON text.  NULL + errno EINVAL when the text is not
 * JSON (callers scan only what jansson accepted) or nests deeper than
 * PW_JPOS_MAX_DEPTH. */
#define PW_JPOS_MAX_DEPTH 2048
struct pw_jpos *pw_jpos_scan(const char *data, size_t n);
void pw_jpos_free(struct pw_jpos *p);

/* The position node of member @key of object @obj (whose node is @p):
 * *kid gets the value (or NULL) and the return is its node, or NULL when
 * the key is absent.  Relies on the insertion-order rule above. */
const struct pw_jpos *pw_jpos_member(json_t *obj, const struct pw_jpos *p, const char *key,
				     json_t **kid);
/* The node of element @i of an array (NULL when out of range). */
const struct pw_jpos *pw_jpos_elem(const struct pw_jpos *p, size_t i);

/* Levenshtein distance (insert, delete, substitute each cost 1), bytes. */
size_t pw_levenshtein(const char *a, const char *b);
/* The candidate closest to @word when it is close enough to be a likely
 * typo (distance <= max(1, len/3)), else NULL.  Ties go to the first. */
const char *pw_did_you_mean(const char *word, const char *const *cands, size_t n);

#endif
