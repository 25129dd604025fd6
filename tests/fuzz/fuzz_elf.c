/* fuzz_elf.c - pw_elf_read() and pw_elf_read_defs() on hostile bytes must never crash or leak. */
#include "pinwheel/audit.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_elf_info i;

	if (size > (1u << 20))
		return 0;
	struct pw_elf_def *d;
	size_t n;

	if (pw_elf_read(data, size, "fuzz.so", &i, &e) == 0)
		pw_elf_info_release(&i);
	if (pw_elf_read_defs(data, size, "fuzz.so", &d, &n, &e) == 0)
		pw_elf_defs_free(d, n);
	return 0;
}
