/* fuzz_toml.c - the TOML reader and the Cargo.lock reader on top of it
 * must never crash, leak or read out of bounds. */
#include <string.h>

#include "pinwheel/crates.h"
#include "pinwheel/toml.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_cargo_lock l;
	struct pw_toml *t;
	char hex[PW_SHA256_HEX];

	if (size > (1u << 20))
		return 0;
	t = pw_toml_parse("fuzz.toml", (const char *)data, size, &e);
	if (t) {
		(void)pw_toml_get_str(t, "version");
		pw_toml_free(t);
	} else if (!memchr(e.msg, ':', sizeof(e.msg))) {
		__builtin_trap(); /* every error names the input */
	}
	if (pw_cargo_lock_parse("Cargo.lock", (const char *)data, size, &l, &e) == 0) {
		struct pw_crates_index_map m = {0};
		char *cfg;

		pw_cargo_lock_vendor_key(&l, hex);
		/* the same bytes as a cargo configuration for this lock */
		(void)pw_crates_index_map_add(&m, "config.toml", (const char *)data, size, &l, &e);
		pw_crates_index_map_release(&m);
		cfg = pw_crates_cargo_config(&l, "/v");
		free(cfg);
		pw_cargo_lock_release(&l);
	}
	return 0;
}
