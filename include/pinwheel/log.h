/* log.h - messages to stderr and the progress line.
 *
 * Only the CLI layer and progress displays print.  Messages follow git's
 * style: lowercase, no full stop, names in quotes.  pw_error() prefixes
 * "pinwheel: ".  Verbosity: -1 quiet, 0 normal, 1 verbose, 2 debug.
 */
#ifndef PINWHEEL_LOG_H
#define PINWHEEL_LOG_H

#include "pinwheel/common.h"

enum pw_color { PW_COLOR_AUTO, PW_COLOR_ALWAYS, PW_COLOR_NEVER };

void pw_log_setup(int verbosity, enum pw_color color, bool json);
int pw_log_verbosity(void);
bool pw_log_json(void);
/* True when progress may be drawn on stderr (a TTY, not quiet, not json,
 * not --events). */
bool pw_log_progress_enabled(void);
/* --events: progress is said as JSON Lines on stderr (pw_json_event(),
 * json.h) instead of drawn; off until set. */
void pw_log_set_events(bool on);
bool pw_log_events(void);
bool pw_log_color(void);

/* Terminal safety.  Strings that come from outside (archive member names,
 * package fields, logs, lock files, registries, wheel contents) may carry
 * terminal control sequences.  Everything printed through this module has
 * them escaped: C0 bytes and DEL, C1 controls (U+0080-U+009F), the bidi
 * overrides and isolates (U+202A-U+202E, U+2066-U+2069), and bytes that
 * are not UTF-8, each byte as \xNN.  Messages (pw_error() ...) are one
 * line: tab and newline are escaped too; pw_out() keeps them.  JSON
 * output is escaped by jansson. */
#define PW_ESC_KEEP_NL 1u  /* keep '\n' and '\t' */
/* JSON text (jansson's output, valid UTF-8, C0 already escaped): only the
 * unsafe code points change, to \uXXXX, so it stays the same JSON value. */
#define PW_ESC_JSON 2u
/* Append the escaped form of @s (@n bytes) to @b. */
struct pw_buf;
void pw_buf_add_escaped(struct pw_buf *b, const char *s, size_t n, unsigned flags);
/* printf to stdout, escaped as above (newlines and tabs kept): tables,
 * reports, diffs. */
void pw_out(const char *fmt, ...) PW_PRINTF(1, 2);

void pw_error(const char *fmt, ...) PW_PRINTF(1, 2);
void pw_warn(const char *fmt, ...) PW_PRINTF(1, 2);
void pw_info(const char *fmt, ...) PW_PRINTF(1, 2);  /* hidden by -q */
void pw_debug(const char *fmt, ...) PW_PRINTF(1, 2); /* shown with -v */

/* Format a byte count as "12.3 MiB" into out (at least 16 bytes). */
void pw_format_bytes(uint64_t n, char *out, size_t outlen);

#endif
