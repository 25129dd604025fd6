/* fuzz_archive_diff.c - verify's readers and explainers must never crash
 * or leak on untrusted bytes: pw_archive_read() (zip and gzip'd tar, the
 * input written to a per-process temp file), pw_archive_diff() of the
 * archive with itself and an empty one, and pw_unified_diff(),
 * pw_elf_diff(), pw_is_text() on the two halves of the input. */
#include <fcntl.h>
#include <string.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/verify.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_buf d = PW_BUF_INIT(1 << 20);
	struct pw_archive a, empty;
	char path[64];
	size_t h = size / 2;
	json_t *j;
	int fd;

	if (size > (256u << 10))
		return 0;
	pw_is_text((const char *)data, size);
	pw_unified_diff((const char *)data, h, (const char *)data + h, size - h, "x", 20, &d);
	pw_buf_release(&d);
	j = pw_elf_diff((const char *)data, size, (const char *)data + h, size - h);
	json_decref(j);
	snprintf(path, sizeof(path), "/tmp/fuzz_archive_diff.%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	pw_write_all(fd, data, size);
	close(fd);
	if (pw_archive_read(path, &a, &e) == 0) {
		memset(&empty, 0, sizeof(empty));
		j = pw_archive_diff(&a, &a);
		json_decref(j);
		j = pw_archive_diff(&a, &empty);
		json_decref(j);
		pw_archive_release(&a);
	}
	unlink(path);
	return 0;
}
