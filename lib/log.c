/* log.c - stderr messages in one style; knows whether progress may draw. */
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/log.h"

static int verbosity;
static bool json_mode;
static bool events_mode;
static bool color_on;
static bool tty;

void pw_log_setup(int v, enum pw_color color, bool json)
{
	const char *term = getenv("TERM");

	verbosity = v;
	json_mode = json;
	tty = isatty(STDERR_FILENO) == 1;
	if (color == PW_COLOR_ALWAYS)
		color_on = true;
	else if (color == PW_COLOR_NEVER)
		color_on = false;
	else
		color_on = tty && !getenv("NO_COLOR") && term && strcmp(term, "dumb") != 0;
}

int pw_log_verbosity(void) { return verbosity; }
bool pw_log_json(void) { return json_mode; }
bool pw_log_color(void) { return color_on; }
bool pw_log_progress_enabled(void) { return tty && verbosity >= 0 && !json_mode && !events_mode; }
void pw_log_set_events(bool on) { events_mode = on; }
bool pw_log_events(void) { return events_mode; }

/* The length of the UTF-8 sequence at @s (at most @n bytes) and its code
 * point, or 0 when it is not well-formed (overlong, surrogate, past
 * U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t v, min;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0)
		len = 2, v = s[0] & 0x1f, min = 0x80;
	else if (s[0] < 0xf0)
		len = 3, v = s[0] & 0x0f, min = 0x800;
	else
		len = 4, v = s[0] & 0x07, min = 0x10000;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static bool cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void pw_buf_add_escaped(struct pw_buf *b, const char *str, size_t n, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		size_t run = i, len;
		uint32_t cp;

		/* copy the longest safe stretch at once */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f)
			run++;
		if (run > i)
			pw_buf_add(b, s + i, run - i);
		i = run;
		if (i == n)
			break;
		if (s[i] < 0x80) {
			if ((flags & (PW_ESC_KEEP_NL | PW_ESC_JSON)) && (s[i] == '\n' || s[i] == '\t'))
				pw_buf_add(b, s + i, 1);
			else
				pw_buf_addf(b, "\\x%02x", s[i]);
			i++;
			continue;
		}
		len = utf8_seq(s + i, n - i, &cp);
		if (len && !cp_unsafe(cp)) {
			pw_buf_add(b, s + i, len);
			i += len;
			continue;
		}
		if (len && (flags & PW_ESC_JSON)) {
			pw_buf_addf(b, "\\u%04x", (unsigned)cp);
			i += len;
			continue;
		}
		for (size_t k = 0; k < (len ? len : 1); k++)
			pw_buf_addf(b, "\\x%02x", s[i + k]);
		i += len ? len : 1;
	}
}

static void vmsg(const char *prefix, const char *col, const char *fmt, va_list ap)
{
	struct pw_buf line = PW_BUF_INIT(1u << 20), esc = PW_BUF_INIT(1u << 22);

	pw_buf_vaddf(&line, fmt, ap);
	pw_buf_add_escaped(&esc, line.buf, line.len, 0);
	if (color_on && col)
		fprintf(stderr, "%s%s\033[0m%s\n", col, prefix, esc.buf);
	else
		fprintf(stderr, "%s%s\n", prefix, esc.buf);
	pw_buf_release(&line);
	pw_buf_release(&esc);
}

void pw_out(const char *fmt, ...)
{
	struct pw_buf line = PW_BUF_INIT(1u << 26), esc = PW_BUF_INIT(1u << 28);
	va_list ap;

	va_start(ap, fmt);
	pw_buf_vaddf(&line, fmt, ap);
	va_end(ap);
	pw_buf_add_escaped(&esc, line.buf, line.len, PW_ESC_KEEP_NL);
	fwrite(esc.buf, 1, esc.len, stdout);
	pw_buf_release(&line);
	pw_buf_release(&esc);
}

void pw_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("pinwheel: ", "\033[1;31m", fmt, ap);
	va_end(ap);
}

void pw_warn(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vmsg("pinwheel: warning: ", "\033[1;33m", fmt, ap);
	va_end(ap);
}

void pw_info(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vmsg("", NULL, fmt, ap);
	va_end(ap);
}

void pw_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vmsg("pinwheel: debug: ", "\033[2m", fmt, ap);
	va_end(ap);
}

void pw_format_bytes(uint64_t n, char *out, size_t outlen)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024.0 && u + 1 < PW_ARRAY_SIZE(units)) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(out, outlen, "%llu B", (unsigned long long)n);
	else
		snprintf(out, outlen, "%.1f %s", v, units[u]);
}
