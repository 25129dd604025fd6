/* fuzz_oci_apply.c - the layer applier on arbitrary bytes: the input is
 * split in two layers at a point chosen by its first byte, each layer's
 * diff_id is the sha256 of its bytes (right for plain tars, so the second
 * layer is applied over the first), and they are applied into a fresh
 * directory alone in a canary parent.  It must never crash, leak or write
 * beside the directory; on failure the directory must be empty again (the
 * contract), and what it leaves must be removable. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/oci.h"

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

static void write_file(const char *path, const unsigned char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || pw_write_all(fd, p, n) < 0 || close(fd) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char canary[32], blobs[32], hex[2][PW_SHA256_HEX], id[2][72], l1[48], l2[48], dpath[40];
	char *ids[3] = {id[0], id[1], NULL};
	const char *paths[2] = {l1, l2};
	struct pw_oci_config c = {.diff_ids = ids, .ndiff = 2};
	struct pw_err e = PW_ERR_INIT;
	size_t split;
	int dfd, r;

	if (size < 1 || size > (1u << 20))
		return 0;
	split = (size - 1) * data[0] / 255;
	strcpy(canary, "/tmp/pwfuzz.XXXXXX");
	strcpy(blobs, "/tmp/pwfuzzb.XXXXXX");
	if (!mkdtemp(canary) || !mkdtemp(blobs))
		abort();
	snprintf(l1, sizeof(l1), "%s/l1", blobs);
	snprintf(l2, sizeof(l2), "%s/l2", blobs);
	write_file(l1, data + 1, split);
	write_file(l2, data + 1 + split, size - 1 - split);
	pw_sha256_mem(data + 1, split, hex[0]);
	pw_sha256_mem(data + 1 + split, size - 1 - split, hex[1]);
	snprintf(id[0], sizeof(id[0]), "sha256:%s", hex[0]);
	snprintf(id[1], sizeof(id[1]), "sha256:%s", hex[1]);
	snprintf(dpath, sizeof(dpath), "%s/d", canary);
	if (mkdir(dpath, 0700) < 0)
		abort();
	dfd = open(dpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		abort();
	r = pw_oci_apply(dfd, &c, paths, 2, &e);
	close(dfd);
	if (r < 0 && (!e.msg[0] || count_entries(dpath) != 0))
		abort(); /* no message, or something half-applied was left */
	if (count_entries(canary) != 1)
		abort(); /* something was written beside the destination */
	if (pw_rm_rf(canary) < 0 || pw_rm_rf(blobs) < 0)
		abort();
	return 0;
}
