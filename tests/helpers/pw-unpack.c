/* pw-unpack - test-only driver of pw_unpack_fd(), so the unpacker's tests
 * and bench/unpack.sh do not depend on the store.
 *
 *   pw-unpack ARCHIVE|- DESTDIR [--strip N] [--subdir P] [--max-bytes N]
 *             [--max-entries N] [--cleanup]
 *
 * DESTDIR is created (it must not exist, or be an empty directory).  Prints
 * "ok ENTRIES BYTES" and exits 0, or prints "error ENAME: MESSAGE" on
 * stderr and exits 1 (2 for bad usage).  With --cleanup, a failed
 * extraction's DESTDIR is removed with pw_rm_rf() (the store's way), and a
 * failure to remove it is reported as "error cleanup: ...". */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/unpack.h"

static const struct {
	int code;
	const char *name;
} names[] = {
    {EPERM, "EPERM"},	{EINVAL, "EINVAL"},   {ENAMETOOLONG, "ENAMETOOLONG"},
    {E2BIG, "E2BIG"},	{EFBIG, "EFBIG"},     {EBADMSG, "EBADMSG"},
    {ENOENT, "ENOENT"}, {ENOTSUP, "ENOTSUP"}, {EACCES, "EACCES"},
    {ENOSPC, "ENOSPC"}, {EIO, "EIO"},	      {ENOMEM, "ENOMEM"},
};

static const char *errname(int code)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(names); i++)
		if (names[i].code == code)
			return names[i].name;
	return "E?";
}

static int usage(void)
{
	fputs("usage: pw-unpack ARCHIVE|- DESTDIR [--strip N] [--subdir P] [--max-bytes N] "
	      "[--max-entries N] [--cleanup]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct pw_unpack_opts o = {0};
	struct pw_unpack_stats st = {0};
	struct pw_err e = PW_ERR_INIT;
	uint64_t v;
	bool cleanup = false;
	int i, afd, dfd, r;

	if (argc < 3)
		return usage();
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--cleanup")) {
			cleanup = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--subdir")) {
			o.subdir = argv[++i];
			continue;
		}
		if (pw_parse_size(argv[i + 1], &v) < 0)
			return usage();
		if (!strcmp(argv[i], "--strip") && v <= 1000)
			o.strip = (unsigned)v;
		else if (!strcmp(argv[i], "--max-bytes"))
			o.max_bytes = v;
		else if (!strcmp(argv[i], "--max-entries"))
			o.max_entries = v;
		else
			return usage();
		i++;
	}
	afd = strcmp(argv[1], "-") ? open(argv[1], O_RDONLY | O_CLOEXEC) : 0;
	if (afd < 0) {
		fprintf(stderr, "error %s: cannot open '%s': %s\n", errname(errno), argv[1],
			strerror(errno));
		return 1;
	}
	if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "error %s: cannot create '%s': %s\n", errname(errno), argv[2],
			strerror(errno));
		return 1;
	}
	dfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		fprintf(stderr, "error %s: cannot open '%s': %s\n", errname(errno), argv[2],
			strerror(errno));
		return 1;
	}
	r = pw_unpack_fd(afd, dfd, &o, &st, &e);
	close(dfd);
	if (afd != 0)
		close(afd);
	if (r < 0) {
		fprintf(stderr, "error %s: %s\n", errname(-r), e.msg);
		if (cleanup && (r = pw_rm_rf(argv[2])) < 0)
			fprintf(stderr, "error cleanup: cannot remove '%s': %s\n", argv[2],
				strerror(-r));
		return 1;
	}
	printf("ok %llu %llu\n", (unsigned long long)st.entries, (unsigned long long)st.bytes);
	return 0;
}
