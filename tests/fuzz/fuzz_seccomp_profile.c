/* fuzz_seccomp_profile.c - the seccomp profile loader on arbitrary bytes:
 * parse and check every input; compile the small ones that pass (through
 * libseccomp, all ABIs), which exercises the rule expansion too. */
#include "pinwheel/seccomp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *p;

	if (size > (64u << 10))
		return 0;
	if (pw_seccomp_profile_check("fuzz.json", (const char *)data, size, &e) < 0)
		return 0;
	if (size > 4096)
		return 0;
	p = pw_seccomp_compile_mem("fuzz.json", (const char *)data, size, NULL, &e);
	pw_seccomp_prog_free(p);
	pw_seccomp_cache_clear();
	return 0;
}
