/* test_treehash.c - the canonical tree hash: order-independent, blind to
 * times and non-exec mode bits, sensitive to content, the exec bit, names,
 * types and symlink targets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/treehash.h"

static char *mkroot(void)
{
	char tmpl[] = "/tmp/pw-treehash.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return pw_xstrdup(tmpl);
}

static void put(const char *root, const char *rel, const char *content, mode_t mode)
{
	char *p = pw_path_join(root, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(pw_write_all(fd, content, strlen(content)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(p);
}

static void mkd(const char *root, const char *rel)
{
	char *p = pw_path_join(root, rel);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void lnk(const char *root, const char *rel, const char *target)
{
	char *p = pw_path_join(root, rel);

	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static void hash(const char *root, char hex[PW_SHA256_HEX])
{
	struct pw_err e = PW_ERR_INIT;
	uint64_t files = 0;

	assert_int_equal(pw_tree_hash_at(AT_FDCWD, root, hex, &files, &e), 0);
}

/* The same tree built in two orders. */
static void build_a(const char *r)
{
	mkd(r, "bin");
	put(r, "bin/tool", "#!/bin/sh\n", 0755);
	mkd(r, "lib");
	put(r, "lib/a.txt", "alpha\n", 0644);
	put(r, "lib/b.txt", "beta\n", 0644);
	lnk(r, "lib/link", "a.txt");
	mkd(r, "empty");
}

static void build_b(const char *r)
{
	mkd(r, "empty");
	mkd(r, "lib");
	lnk(r, "lib/link", "a.txt");
	put(r, "lib/b.txt", "beta\n", 0600); /* other non-exec bits: same hash */
	put(r, "lib/a.txt", "alpha\n", 0444);
	mkd(r, "bin");
	put(r, "bin/tool", "#!/bin/sh\n", 0700); /* still executable */
}

static void test_order_independent(void **state)
{
	char *a = mkroot(), *b = mkroot();
	char ha[PW_SHA256_HEX], hb[PW_SHA256_HEX];
	struct timespec ts[2] = {{12345, 0}, {12345, 0}};

	(void)state;
	build_a(a);
	build_b(b);
	assert_int_equal(utimensat(AT_FDCWD, b, ts, 0), 0);
	hash(a, ha);
	hash(b, hb);
	assert_string_equal(ha, hb);
	assert_true(pw_sha256_hex_valid(ha));
	pw_rm_rf(a);
	pw_rm_rf(b);
	free(a);
	free(b);
}

static void test_changes_detected(void **state)
{
	char *a = mkroot();
	char h0[PW_SHA256_HEX], h[PW_SHA256_HEX];
	char *p;

	(void)state;
	build_a(a);
	hash(a, h0);

	/* one changed byte */
	put(a, "lib/b.txt", "bEta\n", 0644);
	hash(a, h);
	assert_string_not_equal(h, h0);
	put(a, "lib/b.txt", "beta\n", 0644);
	hash(a, h);
	assert_string_equal(h, h0);

	/* the exec bit */
	p = pw_path_join(a, "lib/a.txt");
	assert_int_equal(chmod(p, 0755), 0);
	hash(a, h);
	assert_string_not_equal(h, h0);
	assert_int_equal(chmod(p, 0644), 0);
	free(p);

	/* a symlink target */
	p = pw_path_join(a, "lib/link");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("b.txt", p), 0);
	hash(a, h);
	assert_string_not_equal(h, h0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("a.txt", p), 0);
	free(p);
	hash(a, h);
	assert_string_equal(h, h0);

	/* a file becoming a symlink with the same bytes as target */
	p = pw_path_join(a, "lib/b.txt");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("beta\n", p), 0);
	hash(a, h);
	assert_string_not_equal(h, h0);
	free(p);

	/* an empty directory counts */
	pw_rm_rf(a);
	assert_int_equal(mkdir(a, 0755), 0);
	build_a(a);
	mkd(a, "empty/sub");
	hash(a, h);
	assert_string_not_equal(h, h0);
	pw_rm_rf(a);
	free(a);
}

static void test_errors(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	char *a = mkroot(), h[PW_SHA256_HEX], *p;

	(void)state;
	put(a, "f", "x", 0644);
	p = pw_path_join(a, "f");
	assert_int_equal(pw_tree_hash_at(AT_FDCWD, p, h, NULL, &e), -ENOTDIR);
	free(p);
	p = pw_path_join(a, "fifo");
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(pw_tree_hash_at(AT_FDCWD, a, h, NULL, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'fifo': unsupported file type"));
	free(p);
	pw_rm_rf(a);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_independent),
	    cmocka_unit_test(test_changes_detected),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
