/* fuzz_json.c - the bounded JSON loader must never crash or leak. */
#include "pinwheel/json.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	json_t *j;

	if (size > (1u << 20))
		return 0;
	j = pw_json_load_mem("fuzz.json", (const char *)data, size, &e);
	if (j) {
		char *s = pw_json_dumps(j, true);
		free(s);
		json_decref(j);
	}
	return 0;
}
