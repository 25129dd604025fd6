/* test_unpack.c - unit tests of the unpacker: the pure path checker, and
 * small archives built in memory with libarchive's writer and extracted
 * with pw_unpack_fd() into a fresh temp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "pinwheel/unpack.h"

/* ---- the path checker ---- */

static int P(const char *raw, unsigned strip, const char *subdir, char *out)
{
	struct pw_err e = PW_ERR_INIT;

	return pw_unpack_path(raw, strlen(raw), strip, subdir, out, &e);
}

static void test_path_normalise(void **state)
{
	char out[PW_UNPACK_PATH_MAX + 1];

	(void)state;
	assert_int_equal(P("a/b/c", 0, NULL, out), 1);
	assert_string_equal(out, "a/b/c");
	assert_int_equal(P("./a//b/./c/", 0, NULL, out), 1);
	assert_string_equal(out, "a/b/c");
	assert_int_equal(P("./", 0, NULL, out), 1);
	assert_string_equal(out, "");
	assert_int_equal(P(".", 0, NULL, out), 1);
	assert_string_equal(out, "");
	assert_int_equal(P("a...b/..c/c..", 0, NULL, out), 1);
	assert_string_equal(out, "a...b/..c/c..");
	assert_int_equal(P(".hidden/.x", 0, NULL, out), 1);
	assert_string_equal(out, ".hidden/.x");
}

static void test_path_strip_subdir(void **state)
{
	char out[PW_UNPACK_PATH_MAX + 1];

	(void)state;
	assert_int_equal(P("pkg-1.0/src/x.c", 1, NULL, out), 1);
	assert_string_equal(out, "src/x.c");
	assert_int_equal(P("pkg-1.0/", 1, NULL, out), 0);
	assert_int_equal(P("./pkg-1.0/a", 1, NULL, out), 1);
	assert_string_equal(out, "a");
	assert_int_equal(P("a/b", 3, NULL, out), 0);
	assert_int_equal(P("python/install/bin/python3", 0, "python/install", out), 1);
	assert_string_equal(out, "bin/python3");
	assert_int_equal(P("python/install", 0, "python/install", out), 1);
	assert_string_equal(out, "");
	assert_int_equal(P("python/installer/x", 0, "python/install", out), 0);
	assert_int_equal(P("python/build/x", 0, "python/install", out), 0);
	assert_int_equal(P("top/python/install/lib", 1, "python/install", out), 1);
	assert_string_equal(out, "lib");
}

static void test_path_reject(void **state)
{
	char out[PW_UNPACK_PATH_MAX + 1], big[PW_UNPACK_PATH_MAX + 64];
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(pw_unpack_path("/etc/passwd", 11, 0, NULL, out, &e), -EPERM);
	assert_string_equal(e.msg, "absolute path");
	assert_int_equal(pw_unpack_path("../x", 4, 0, NULL, out, &e), -EPERM);
	assert_string_equal(e.msg, "'..' component leaves the destination");
	assert_int_equal(P("a/../b", 0, NULL, out), -EPERM);
	assert_int_equal(P("a/..", 0, NULL, out), -EPERM);
	/* even inside the part --strip drops */
	assert_int_equal(P("../a/b", 1, NULL, out), -EPERM);
	assert_int_equal(P("//x", 0, NULL, out), -EPERM);
	assert_int_equal(pw_unpack_path("", 0, 0, NULL, out, &e), -EINVAL);
	assert_string_equal(e.msg, "empty path");
	assert_int_equal(pw_unpack_path("a\0b", 3, 0, NULL, out, &e), -EINVAL);
	assert_string_equal(e.msg, "NUL byte in path");
	memset(big, 'x', 300);
	big[300] = '\0';
	assert_int_equal(P(big, 0, NULL, out), -ENAMETOOLONG);
	memset(big, 'x', 255);
	big[255] = '\0';
	assert_int_equal(P(big, 0, NULL, out), 1);
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (i % 100 == 99) ? '/' : 'y';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(P(big, 0, NULL, out), -ENAMETOOLONG);
	/* stripping the excess makes it fit: the limit is on the result */
	assert_int_equal(P(big, 2, NULL, out), 1);
}

static void test_link_target_and_quote(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	char q[16];

	(void)state;
	assert_int_equal(pw_unpack_link_target_check("/usr/bin/python3.11", 19, &e), 0);
	assert_int_equal(pw_unpack_link_target_check("../../x", 7, &e), 0);
	assert_int_equal(pw_unpack_link_target_check("", 0, &e), -EINVAL);
	assert_int_equal(pw_unpack_link_target_check("a\0", 2, &e), -EINVAL);
	pw_unpack_quote("a\nb\\", 4, q, sizeof(q));
	assert_string_equal(q, "a\\x0ab\\x5c");
	pw_unpack_quote("0123456789abcdefghij", 20, q, sizeof(q));
	assert_string_equal(q, "0123456789ab...");
	assert_true(strlen(q) < sizeof(q));
}

static void test_opts_key(void **state)
{
	struct pw_unpack_opts o = {.strip = 1, .subdir = "./python//install/"};
	char *k;

	(void)state;
	k = pw_unpack_opts_key(&o);
	assert_string_equal(k, "strip=1;subdir=python/install");
	free(k);
	o.subdir = NULL;
	o.strip = 0;
	k = pw_unpack_opts_key(&o);
	assert_string_equal(k, "strip=0;subdir=");
	free(k);
}

/* ---- archives in memory ---- */

struct ent {
	mode_t type;
	const char *name;
	const char *data; /* file data, or link target */
	mode_t perm;
	int hard; /* data names a hardlink target */
};

/* Write @n entries as @format/@filter into a memfd; returns it at offset 0. */
static int mkarchive(int format, int filter, const struct ent *ents, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	static char mem[1 << 20];
	size_t used = 0;
	int fd;

	assert_non_null(a);
	assert_int_equal(archive_write_set_format(a, format), ARCHIVE_OK);
	if (filter >= 0)
		assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, mem, sizeof(mem), &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		ae = archive_entry_new();
		archive_entry_set_pathname(ae, ents[i].name);
		archive_entry_set_mtime(ae, 1700000000, 0);
		if (ents[i].hard) {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, ents[i].data);
		} else {
			archive_entry_set_filetype(ae, ents[i].type);
			archive_entry_set_perm(ae, ents[i].perm);
			if (ents[i].type == AE_IFLNK)
				archive_entry_set_symlink(ae, ents[i].data);
			if (ents[i].type == AE_IFREG)
				archive_entry_set_size(ae, (la_int64_t)strlen(ents[i].data));
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (!ents[i].hard && ents[i].type == AE_IFREG)
			archive_write_data(a, ents[i].data, strlen(ents[i].data));
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	fd = pw_sys_memfd_create("t", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pw_write_all(fd, mem, used), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static char tmpl[64];
static int dfd = -1;

static int setup(void **state)
{
	(void)state;
	strcpy(tmpl, "/tmp/pwunit.XXXXXX");
	if (!mkdtemp(tmpl))
		return -1;
	dfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(dfd);
	return pw_rm_rf(tmpl) < 0 ? -1 : 0;
}

static int unpack(int fd, const struct pw_unpack_opts *o, struct pw_unpack_stats *st,
		  struct pw_err *e)
{
	int r = pw_unpack_fd(fd, dfd, o, st, e);

	close(fd);
	return r;
}

static void slurp(const char *rel, char *buf, size_t n)
{
	int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t got;

	assert_true(fd >= 0);
	got = read(fd, buf, n - 1);
	assert_true(got >= 0);
	buf[got] = '\0';
	close(fd);
}

static void test_extract_tar_kinds(void **state)
{
	static const struct ent ents[] = {
	    {AE_IFDIR, "pkg/", NULL, 0750, 0},
	    {AE_IFREG, "pkg/bin/tool", "#!/bin/sh\n", 04755, 0},
	    {AE_IFREG, "pkg/data", "hello\n", 0664, 0},
	    {AE_IFLNK, "pkg/python3", "/usr/bin/python3.11", 0777, 0},
	    {AE_IFREG, "pkg/hl", "pkg/data", 0, 1},
	    {AE_IFDIR, "pkg/ro", NULL, 0555, 0},
	    {AE_IFREG, "pkg/ro/f", "x", 0444, 0},
	};
	struct pw_unpack_opts o = {.strip = 1};
	struct pw_unpack_stats st = {0};
	struct pw_err e = PW_ERR_INIT;
	struct stat s1, s2;
	char buf[64], lnk[64];
	ssize_t n;

	(void)state;
	assert_int_equal(unpack(mkarchive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ,
					  ents, PW_ARRAY_SIZE(ents)),
				&o, &st, &e),
			 0);
	assert_int_equal(st.entries, 6); /* "pkg/" itself is stripped away */
	assert_int_equal(st.bytes, 10 + 6 + 1);
	assert_int_equal(fstatat(dfd, "bin/tool", &s1, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(s1.st_mode & 07777, 0755); /* setuid stripped */
	assert_int_equal(s1.st_mtime, 1700000000);
	assert_int_equal(fstatat(dfd, "data", &s1, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(s1.st_mode & 07777, 0664); /* exact, whatever the umask */
	assert_int_equal(fstatat(dfd, "hl", &s2, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(s1.st_ino, s2.st_ino);
	slurp("hl", buf, sizeof(buf));
	assert_string_equal(buf, "hello\n");
	n = readlinkat(dfd, "python3", lnk, sizeof(lnk) - 1);
	assert_int_equal(n, 19);
	lnk[n] = '\0';
	assert_string_equal(lnk, "/usr/bin/python3.11");
	assert_int_equal(fstatat(dfd, "ro", &s1, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(s1.st_mode & 07777, 0555);
	assert_int_equal(s1.st_mtime, 1700000000);
	/* implicit directory: 0755, mtime 0 */
	assert_int_equal(fstatat(dfd, "bin", &s1, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(s1.st_mode & 07777, 0755);
	assert_int_equal(s1.st_mtime, 0);
}

static void test_extract_zip_subdir(void **state)
{
	static const struct ent ents[] = {
	    {AE_IFREG, "python/install/bin/python3", "elf", 0755, 0},
	    {AE_IFREG, "python/build/junk", "junk", 0644, 0},
	    {AE_IFREG, "python/install/lib/x.py", "pass\n", 0644, 0},
	};
	struct pw_unpack_opts o = {.subdir = "python/install"};
	struct pw_unpack_stats st = {0};
	struct pw_err e = PW_ERR_INIT;
	struct stat s;
	char buf[16];

	(void)state;
	assert_int_equal(
	    unpack(mkarchive(ARCHIVE_FORMAT_ZIP, -1, ents, PW_ARRAY_SIZE(ents)), &o, &st, &e), 0);
	assert_int_equal(st.entries, 2);
	slurp("lib/x.py", buf, sizeof(buf));
	assert_string_equal(buf, "pass\n");
	assert_int_equal(fstatat(dfd, "bin/python3", &s, 0), 0);
	assert_int_equal(s.st_mode & 0777, 0755);
	assert_int_equal(fstatat(dfd, "python", &s, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(fstatat(dfd, "junk", &s, AT_SYMLINK_NOFOLLOW), -1);

	o.subdir = "nothere";
	assert_int_equal(
	    unpack(mkarchive(ARCHIVE_FORMAT_ZIP, -1, ents, PW_ARRAY_SIZE(ents)), &o, &st, &e),
	    -ENOENT);
	assert_string_equal(e.msg, "no entry under subdir 'nothere'");
	o.subdir = "../x";
	assert_int_equal(
	    unpack(mkarchive(ARCHIVE_FORMAT_ZIP, -1, ents, PW_ARRAY_SIZE(ents)), &o, &st, &e),
	    -EINVAL);
}

static void test_extract_rejects(void **state)
{
	static const struct ent evil[] = {
	    {AE_IFLNK, "l", "/tmp", 0777, 0},
	    {AE_IFREG, "l/x", "boom", 0644, 0},
	};
	static const struct ent dup[] = {
	    {AE_IFLNK, "l", "somewhere", 0777, 0},
	    {AE_IFREG, "l", "boom", 0644, 0},
	};
	static const struct ent dirs[] = {
	    {AE_IFDIR, "d", NULL, 0700, 0},
	    {AE_IFDIR, "d", NULL, 0750, 0},
	    {AE_IFREG, "d/f", "1", 0600, 0},
	};
	struct pw_unpack_opts o = {0};
	struct pw_err e = PW_ERR_INIT;
	struct stat s;

	(void)state;
	assert_int_equal(
	    unpack(mkarchive(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, evil, 2), &o, NULL, &e),
	    -EPERM);
	assert_string_equal(e.msg, "entry 'l/x': parent 'l' is a symlink");
	assert_int_equal(pw_rm_rf_at(dfd, "l"), 0);
	assert_int_equal(
	    unpack(mkarchive(ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_ZSTD, dup, 2), &o, NULL, &e),
	    -EPERM);
	assert_string_equal(e.msg, "entry 'l': would replace the symlink 'l'");
	assert_int_equal(pw_rm_rf_at(dfd, "l"), 0);
	/* a directory entry over a directory is an update, the last mode wins */
	assert_int_equal(unpack(mkarchive(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_BZIP2, dirs, 3),
				&o, NULL, &e),
			 0);
	assert_int_equal(fstatat(dfd, "d", &s, 0), 0);
	assert_int_equal(s.st_mode & 07777, 0750);
}

static void test_extract_caps(void **state)
{
	static const struct ent ents[] = {
	    {AE_IFREG, "a", "0123456789", 0644, 0},
	    {AE_IFREG, "b", "0123456789", 0644, 0},
	    {AE_IFREG, "c", "0123456789", 0644, 0},
	};
	struct pw_unpack_opts o = {.max_entries = 2};
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(unpack(mkarchive(ARCHIVE_FORMAT_TAR_USTAR, -1, ents, 3), &o, NULL, &e),
			 -E2BIG);
	assert_string_equal(e.msg, "entry 'c': more than 2 entries");
	assert_int_equal(pw_rm_rf_at(dfd, "a"), 0);
	assert_int_equal(pw_rm_rf_at(dfd, "b"), 0);
	o.max_entries = 0;
	o.max_bytes = 25;
	assert_int_equal(unpack(mkarchive(ARCHIVE_FORMAT_ZIP, -1, ents, 3), &o, NULL, &e), -EFBIG);
	assert_string_equal(e.msg, "entry 'c': unpacked size exceeds the limit of 25 bytes");
}

static void test_not_an_archive(void **state)
{
	struct pw_unpack_opts o = {0};
	struct pw_err e = PW_ERR_INIT;
	int fd = pw_sys_memfd_create("t", MFD_CLOEXEC);

	(void)state;
	assert_int_equal(unpack(dup(fd), &o, NULL, &e), -EBADMSG);
	assert_string_equal(e.msg, "empty input: not an archive");
	assert_int_equal(pw_write_all(fd, "hello, this is not an archive at all\n", 37), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(unpack(fd, &o, NULL, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "not a tar, zip or .deb archive"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_normalise),
	    cmocka_unit_test(test_path_strip_subdir),
	    cmocka_unit_test(test_path_reject),
	    cmocka_unit_test(test_link_target_and_quote),
	    cmocka_unit_test(test_opts_key),
	    cmocka_unit_test_setup_teardown(test_extract_tar_kinds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_extract_zip_subdir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_extract_rejects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_extract_caps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_an_archive, setup, teardown),
	};

	umask(027); /* modes must not depend on it */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
