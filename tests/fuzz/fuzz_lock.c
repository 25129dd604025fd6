/* fuzz_lock.c - the pinwheel.lock reader must never crash or leak, and
 * every error must carry a message. */
#include <string.h>

#include "pinwheel/lock.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_lockfile lf = PW_LOCKFILE_INIT;
	struct pw_err e = PW_ERR_INIT;

	if (size > (1u << 20))
		return 0;
	if (pw_lockfile_parse("fuzz.lock", (const char *)data, size, &lf, &e) < 0) {
		if (!e.msg[0] || lf.artifacts || lf.n)
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < lf.n; i++)
		if (!lf.artifacts[i].name || !lf.artifacts[i].nurls || strlen(lf.artifacts[i].sha256) != 64)
			__builtin_trap();
	pw_lockfile_release(&lf);
	return 0;
}
