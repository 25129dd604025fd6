/* fuzz_lock.c - the pinwheel.lock reader must never crash or leak, every
 * error must carry a message, and a lockset read keeps its invariants. */
#include <string.h>

#include "pinwheel/lock.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_lockset ls = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;

	if (size > (1u << 20))
		return 0;
	if (pw_lock_parse("fuzz.lock", (const char *)data, size, &ls, &e) < 0) {
		if (!e.msg[0] || ls.artifacts || ls.n || ls.roots)
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < ls.n; i++) {
		const struct pw_artifact *a = &ls.artifacts[i];

		if (!a->name || !a->kind || !a->nurls || strlen(a->sha256) != 64 || a->line < 1)
			__builtin_trap();
		for (size_t j = 1; j < a->nneeded; j++) /* sorted and unique, as a lockset keeps them */
			if (strcmp(a->needed_by[j - 1], a->needed_by[j]) >= 0)
				__builtin_trap();
	}
	pw_lockset_release(&ls);
	return 0;
}
