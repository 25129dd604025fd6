/* fuzz_oci_config - pw_oci_config_parse() on arbitrary bytes: never
 * crashes, leaks or accepts a config whose fields break the contract. */
#include <string.h>

#include "pinwheel/oci.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	struct pw_oci_config c;
	struct pw_err e = PW_ERR_INIT;

	if (n > (1u << 20))
		return 0;
	if (pw_oci_config_parse("fuzz", (const char *)data, n, &c, &e) < 0) {
		if (!e.msg[0])
			__builtin_trap();
		return 0;
	}
	if (!c.os || !c.arch || (c.ndiff && !c.diff_ids))
		__builtin_trap();
	for (size_t i = 0; i < c.ndiff; i++)
		if (strncmp(c.diff_ids[i], "sha256:", 7) || strlen(c.diff_ids[i]) != 71)
			__builtin_trap();
	for (size_t i = 0; c.env && c.env[i]; i++)
		if (!strchr(c.env[i], '=') || c.env[i][0] == '=')
			__builtin_trap();
	pw_oci_config_release(&c);
	return 0;
}
