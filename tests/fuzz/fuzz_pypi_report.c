/* fuzz_pypi_report.c - pip's installation report parser must never crash
 * or leak; an error always carries a message and leaves nothing behind;
 * every artifact has a name, a version, one url and a lower-case sha256,
 * and is a wheel (an sdist too when the report may pin sdists: the first
 * byte's low bit chooses). */
#include <stdlib.h>
#include <string.h>

#include "pinwheel/pypi.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static bool sdist_ok(const struct pw_artifact *a)
{
	char *f = pw_pypi_sdist_filename(a->urls[0]);

	free(f);
	return !strcmp(a->kind, "sdist") && f != NULL;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_artifact *a = NULL;
	unsigned flags = size && (data[0] & 1) ? PW_PYPI_SDISTS : 0;
	size_t n = 0, i;

	if (size > (1u << 20))
		return 0;
	if (pw_pypi_parse_report_ex((const char *)data, size, "report.json", flags, &a, &n, &e) <
	    0) {
		if (!e.msg[0] || a || n)
			__builtin_trap();
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!a[i].name || !a[i].version || a[i].nurls != 1 ||
		    !pw_sha256_hex_valid(a[i].sha256) ||
		    (strcmp(a[i].kind, "wheel") &&
		     !(flags && sdist_ok(&a[i]))))
			__builtin_trap();
	pw_pypi_artifacts_free(a, n);
	return 0;
}
