/* json.h - jansson helpers: bounded loading with file:line:col errors and
 * stable, reviewable dumping.
 */
#ifndef PINWHEEL_JSON_H
#define PINWHEEL_JSON_H

#include <jansson.h>

#include "pinwheel/common.h"

#define PW_JSON_MAX_FILE (64u << 20)

/* Load @path (at most PW_JSON_MAX_FILE bytes).  On error, e->msg reads
 * "PATH:LINE:COL: what".  Caller owns the reference (json_decref). */
json_t *pw_json_load_file(const char *path, struct pw_err *e);
/* Same, from memory; @name is used in messages. */
json_t *pw_json_load_mem(const char *name, const char *data, size_t n, struct pw_err *e);
/* Dump with sorted keys, 2-space indent and a final newline, atomically. */
int pw_json_dump_file(const char *path, json_t *j, struct pw_err *e);
/* Dump to a malloc'ed string (caller frees), sorted keys, indented. */
char *pw_json_dumps(json_t *j, bool pretty);
/* Print one compact JSON line to stdout (for --json events). Steals nothing. */
void pw_json_print_line(json_t *j);
/* Print @j to stdout (pretty or compact) with a final newline, the C1
 * controls and bidi overrides in its strings as \uXXXX (log.h): what the
 * CLI's --json prints. */
void pw_json_print(json_t *j, bool pretty);
/* The same for JSON text already dumped (@s, with its own key order). */
void pw_json_print_text(const char *s);
/* --events (log.h): print @j as one compact line on stderr when events
 * are on, else nothing.  Steals @j (NULL is fine), so
 * pw_json_event(json_pack(...)) is one call. */
void pw_json_event(json_t *j);

#endif
