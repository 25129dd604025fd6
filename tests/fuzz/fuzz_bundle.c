/* fuzz_bundle.c - `store import` on archive bytes (bundle.h): a fresh
 * store per input, the archive in a memfd.  It must never crash or leak,
 * and whatever it stored must be verified: every blob left in the store
 * hashes to its name and no temp file stays behind.  Inputs over 1 MiB
 * are skipped. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pinwheel/bundle.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "pinwheel/store.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int check_entry(void *ud, const struct pw_store_entry *en)
{
	struct pw_err e = PW_ERR_INIT;

	if (pw_store_verify_entry(ud, en, &e) < 0)
		abort(); /* an unverified blob was stored */
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	char dir[32], path[64], tmp[80];
	struct pw_store *s;
	int fd;

	if (size > (1u << 20))
		return 0;
	strcpy(dir, "/tmp/pwfuzz.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	fd = pw_sys_memfd_create("bundle", MFD_CLOEXEC);
	if (fd < 0 || pw_write_all(fd, data, size) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	s = pw_store_open(dir, &e);
	if (!s)
		abort();
	pw_bundle_import(s, path, NULL, NULL, NULL, &e);
	if (pw_store_foreach(s, check_entry, s, &e) < 0)
		abort();
	pw_store_close(s);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	if (rmdir(tmp) < 0 && errno != ENOENT)
		abort(); /* a temp file was left */
	if (pw_rm_rf(dir) < 0)
		abort();
	close(fd);
	return 0;
}
