/* fuzz_base64.c - the base64 decoder of DSSE envelopes (lib/attest.c) on
 * arbitrary bytes: never a crash or an overrun; what it accepts encodes
 * back to the same characters once made standard and padded, and PAE of
 * it has the length its header says. */
#include <string.h>

#include "pinwheel/attest.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_buf out = PW_BUF_INIT(1u << 20), pae = PW_BUF_INIT(2u << 20);
	char *again;

	if (size > (1u << 20))
		return 0;
	if (pw_base64_decode((const char *)data, size, &out) == 0) {
		size_t n = size;

		while (n && data[n - 1] == '=')
			n--;
		if (out.len != n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0))
			__builtin_trap();
		again = pw_base64_encode(out.buf, out.len);
		for (size_t i = 0; i < n; i++) {
			char c = (char)data[i] == '-' ? '+' : (char)data[i] == '_' ? '/' : (char)data[i];

			if (again[i] != c)
				__builtin_trap();
		}
		free(again);
		if (pw_dsse_pae("application/vnd.in-toto+json", out.buf, out.len, &pae) != 0)
			__builtin_trap();
	}
	pw_buf_release(&out);
	pw_buf_release(&pae);
	return 0;
}
