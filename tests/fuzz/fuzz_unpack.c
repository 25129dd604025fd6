/* fuzz_unpack.c - the whole extractor on archive bytes (tar with any
 * filter, zip, .deb), into a fresh temp directory, capped at 1000 entries
 * and 4 MiB.  It must never crash, leak, or write outside the directory
 * (the directory sits alone inside a canary parent that must stay
 * otherwise empty), and what it leaves must be removable. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "pinwheel/unpack.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		abort();
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_unpack_opts o = {.max_entries = 1000, .max_bytes = 4 << 20};
	struct pw_err e = PW_ERR_INIT;
	char canary[32];
	int afd, dfd;

	if (size > (1u << 20))
		return 0;
	/* a fresh canary parent per input (libFuzzer may _Exit without
	 * running atexit handlers, so nothing is left for later) */
	strcpy(canary, "/tmp/pwfuzz.XXXXXX");
	if (!mkdtemp(canary))
		abort();
	afd = pw_sys_memfd_create("archive", MFD_CLOEXEC);
	if (afd < 0 || pw_write_all(afd, data, size) < 0 || lseek(afd, 0, SEEK_SET) < 0)
		abort();
	dfd = open(canary, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || mkdirat(dfd, "d", 0700) < 0)
		abort();
	{
		int d = openat(dfd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0)
			abort();
		pw_unpack_fd(afd, d, &o, NULL, &e);
		close(d);
	}
	if (count_entries(canary) != 1)
		abort(); /* something was written beside the destination */
	if (pw_rm_rf_at(dfd, "d") < 0)
		abort();
	close(dfd);
	if (rmdir(canary) < 0)
		abort();
	close(afd);
	return 0;
}
