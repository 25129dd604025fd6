/* log.c - stderr messages in one style; knows whether progress may draw. */
#include <string.h>

#include "pinwheel/log.h"

static int verbosity;
static bool json_mode;
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
bool pw_log_progress_enabled(void) { return tty && verbosity >= 0 && !json_mode; }

static void vmsg(const char *prefix, const char *col, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (color_on && col)
		fprintf(stderr, "%s%s\033[0m%s\n", col, prefix, line);
	else
		fprintf(stderr, "%s%s\n", prefix, line);
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
