/* test_progress.c - the progress display's formatting, and that it stays
 * silent (and safe) when stderr is not a TTY. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/log.h"
#include "pinwheel/progress.h"

static void test_eta(void **state)
{
	char out[64];

	(void)state;
	pw_progress_format_eta(0, 100 << 20, 10 << 20, out, sizeof(out));
	assert_string_equal(out, "10.0 MiB/s ETA 0:00:10");
	pw_progress_format_eta(50, 100, 0.0, out, sizeof(out));
	assert_string_equal(out, "0 B/s");
	pw_progress_format_eta(100, 100, 5000.0, out, sizeof(out));
	assert_string_equal(out, "4.9 KiB/s");
	pw_progress_format_eta(0, (uint64_t)1 << 40, 1.5, out, sizeof(out));
	assert_string_equal(out, "1 B/s ETA 99:59:59");
}

static void test_silent_without_tty(void **state)
{
	struct pw_progress_row rows[2] = { { 0, "a", 10, 100 }, { 7, "b", 5, 0 } };
	struct pw_progress_row sum = { 0, "total", 15, 100 };
	struct pw_progress *p;

	(void)state;
	pw_log_setup(0, PW_COLOR_NEVER, false);
	p = pw_progress_new(8);
	assert_non_null(p);
	pw_progress_update(p, rows, 2, &sum, 0, 2, true);
	pw_progress_update(p, rows, 0, &sum, 2, 2, true);
	pw_progress_free(p);
	pw_progress_free(NULL);
	pw_progress_update(NULL, rows, 2, &sum, 0, 2, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eta),
		cmocka_unit_test(test_silent_without_tty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
