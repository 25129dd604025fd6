/* fuzz_config.c - the pinwheel.json loader must never crash or leak; every
 * error carries a positioned message, and a success expands a sane matrix
 * whose Pythons each have a base parsed by a provider (as every other
 * provider block). */
#include <string.h>

#include "pinwheel/config.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_config c;
	struct pw_err e = PW_ERR_INIT;
	bool sel[64];

	if (size > (1u << 20))
		return 0;
	if (pw_config_parse("fuzz.json", ".", (const char *)data, size, &c, &e) < 0) {
		if (strncmp(e.msg, "fuzz.json:", 10) != 0 || c.targets || c.pythons)
			__builtin_trap();
		return 0;
	}
	if (!c.ntargets || !pw_sha256_hex_valid(c.digest))
		__builtin_trap();
	for (size_t i = 0; i < c.ntargets; i++)
		if (!c.targets[i].id || !c.targets[i].py || !c.targets[i].arch)
			__builtin_trap();
	for (size_t i = 0; i < c.npythons; i++)
		if (!c.pythons[i].base.provider || !c.pythons[i].base.spec ||
		    c.pythons[i].base.key->stage != PW_STAGE_BASE)
			__builtin_trap();
	for (size_t i = 0; i < c.nblocks; i++)
		if (!c.blocks[i].provider || !c.blocks[i].key || !c.blocks[i].spec)
			__builtin_trap();
	if (c.ntargets <= PW_ARRAY_SIZE(sel)) {
		const char *skip[] = { "*aarch64" };
		if (pw_config_select(&c, NULL, 0, skip, 1, sel, &e) < 0)
			__builtin_trap();
	}
	pw_config_release(&c);
	return 0;
}
