/* test_untrusted.c - unit tests of lib/untrusted.c: a regular file is
 * opened and read; a symbolic link (at the end or on the way), a FIFO
 * (without blocking), a socket, a character device, a directory, a file
 * too large and a file of another user are refused with the errno and the
 * words of untrusted.h; directories alike; the copy gets mode 0644 whatever
 * the source's setuid bits; a read is capped by its buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/untrusted.h"

struct fx {
	char dir[64];
	int dfd;
};

static int setup(void **state)
{
	struct fx *f = pw_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/pw-untrusted.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = f;
	return f->dfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	close(f->dfd);
	pw_rm_rf(f->dir);
	free(f);
	return 0;
}

static void put(struct fx *f, const char *name, const char *text, mode_t mode)
{
	int fd = openat(f->dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(pw_write_all(fd, text, strlen(text)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Refused with @code and a message containing @words. */
static void refused(struct fx *f, const char *name, int code, const char *words)
{
	struct pw_err e = PW_ERR_INIT;
	int fd = pw_untrusted_open(f->dfd, name, NULL, 1 << 20, NULL, &e);

	assert_int_equal(fd, -code);
	if (!strstr(e.msg, words))
		fail_msg("'%s': message '%s' lacks '%s'", name, e.msg, words);
}

static void test_regular(void **state)
{
	struct fx *f = *state;
	struct pw_buf b = PW_BUF_INIT(1024);
	struct pw_err e = PW_ERR_INIT;
	struct stat st;
	int fd;

	put(f, "ok.whl", "wheel bytes", 0644);
	assert_int_equal(mkdirat(f->dfd, "sub", 0755), 0);
	put(f, "sub/inner", "inner", 0644);
	fd = pw_untrusted_open(f->dfd, "ok.whl", "/out/ok.whl", 1 << 20, &st, &e);
	assert_true(fd >= 0);
	assert_int_equal(st.st_size, 11);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(pw_read_fd(fd, &b), 0);
	assert_string_equal(b.buf, "wheel bytes");
	close(fd);
	fd = pw_untrusted_open(f->dfd, "sub/inner", NULL, 1 << 20, NULL, &e);
	assert_true(fd >= 0);
	close(fd);
	pw_buf_release(&b);
}

static void test_kinds(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	put(f, "secret", "private", 0600);
	assert_int_equal(symlinkat("secret", f->dfd, "link.whl"), 0);
	assert_int_equal(symlinkat("/etc/passwd", f->dfd, "abs.whl"), 0);
	assert_int_equal(mkdirat(f->dfd, "d", 0755), 0);
	assert_int_equal(symlinkat("d", f->dfd, "via"), 0);
	put(f, "d/x", "x", 0644);
	assert_int_equal(mkfifoat(f->dfd, "fifo.whl", 0644), 0);
	/* 0:0 is the whiteout device: anyone may make it */
	assert_int_equal(mknodat(f->dfd, "dev.whl", S_IFCHR | 0644, makedev(0, 0)), 0);
	assert_int_equal(mkdirat(f->dfd, "dir.whl", 0755), 0);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock.whl", f->dir);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);

	refused(f, "link.whl", ELOOP, "'link.whl' is a symbolic link, expected a regular file");
	refused(f, "abs.whl", ELOOP, "is a symbolic link");
	refused(f, "via/x", ELOOP, "'via/x': a directory on its way is a symbolic link");
	refused(f, "fifo.whl", EINVAL, "'fifo.whl' is a FIFO, expected a regular file");
	refused(f, "sock.whl", EINVAL, "'sock.whl' is a socket, expected a regular file");
	refused(f, "dev.whl", EINVAL, "'dev.whl' is a character device, expected a regular file");
	refused(f, "dir.whl", EISDIR, "'dir.whl' is a directory, expected a regular file");
	refused(f, "../x", EXDEV, "'../x' leaves its directory");
	refused(f, "missing", ENOENT, "could not open 'missing'");
	close(s);
}

static void test_size_and_owner(void **state)
{
	struct fx *f = *state;
	struct pw_err e = PW_ERR_INIT;

	put(f, "big", "0123456789", 0644);
	assert_int_equal(pw_untrusted_open(f->dfd, "big", "/out/big", 9, NULL, &e), -EFBIG);
	assert_string_equal(e.msg, "'/out/big' is 10 bytes, more than the 9 allowed");
	if (geteuid() != 0) {
		skip(); /* only root can give a file away */
		return;
	}
	assert_int_equal(fchownat(f->dfd, "big", 4321, 4321, 0), 0);
	assert_int_equal(pw_untrusted_open(f->dfd, "big", NULL, 100, NULL, &e), -EPERM);
	assert_string_equal(e.msg, "'big' belongs to uid 4321, expected uid 0 (this process)");
}

static void test_dirs(void **state)
{
	struct fx *f = *state;
	struct pw_err e = PW_ERR_INIT;
	int fd;

	assert_int_equal(mkdirat(f->dfd, "out", 0755), 0);
	assert_int_equal(symlinkat("out", f->dfd, "lout"), 0);
	put(f, "file", "", 0644);
	fd = pw_untrusted_opendir(f->dfd, "out", NULL, &e);
	assert_true(fd >= 0);
	close(fd);
	fd = pw_untrusted_opendir(f->dfd, ".", NULL, &e);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pw_untrusted_opendir(f->dfd, "lout", NULL, &e), -ELOOP);
	assert_string_equal(e.msg, "'lout' is a symbolic link, expected a directory");
	assert_int_equal(pw_untrusted_opendir(f->dfd, "file", "/out/file", &e), -ENOTDIR);
	assert_string_equal(e.msg, "'/out/file' is a regular file, expected a directory");
}

static void test_read(void **state)
{
	struct fx *f = *state;
	struct pw_buf b = PW_BUF_INIT(8), big = PW_BUF_INIT(4);
	struct pw_err e = PW_ERR_INIT;

	put(f, "report.json", "{\"a\":1}", 0644);
	assert_int_equal(mkfifoat(f->dfd, "pip.log", 0644), 0);
	assert_int_equal(pw_untrusted_read(f->dfd, "report.json", NULL, &b, &e), 0);
	assert_string_equal(b.buf, "{\"a\":1}");
	assert_int_equal(pw_untrusted_read(f->dfd, "report.json", "/out/report.json", &big, &e),
			 -EFBIG);
	assert_string_equal(e.msg, "'/out/report.json' is 7 bytes, more than the 4 allowed");
	assert_int_equal(pw_untrusted_read(f->dfd, "pip.log", "/out/pip.log", &big, &e), -EINVAL);
	assert_string_equal(e.msg, "'/out/pip.log' is a FIFO, expected a regular file");
	pw_buf_release(&b);
	pw_buf_release(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_regular, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kinds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size_and_owner, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
