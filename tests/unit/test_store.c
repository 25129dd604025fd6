/* test_store.c - unit tests of the store's internals: insertion (commit,
 * mismatch, size cap, resume), locks, tree ids and digests, iteration,
 * removal and clean-up of stale temp entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/store.h"

struct fixture {
	char dir[64];
	struct pw_store *s;
};

static int setup(void **state)
{
	struct fixture *f = pw_xcalloc(1, sizeof(*f));
	struct pw_err e = PW_ERR_INIT;

	snprintf(f->dir, sizeof(f->dir), "/tmp/pw-test-store.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->s = pw_store_open(f->dir, &e);
	if (!f->s)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pw_store_close(f->s);
	pw_rm_rf(f->dir);
	free(f);
	return 0;
}

static bool exists(struct fixture *f, const char *rel)
{
	_cleanup_free_ char *p = pw_path_join(f->dir, rel);
	struct stat st;

	return lstat(p, &st) == 0;
}

static unsigned count_dir(struct fixture *f, const char *rel)
{
	_cleanup_free_ char *p = pw_path_join(f->dir, rel);
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(p);

	if (!d)
		return 999;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_insert_commit(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	struct pw_store_ins ins;
	char hex[PW_SHA256_HEX];
	struct stat st;
	_cleanup_free_ char *path = NULL;

	pw_sha256_mem("hello world", 11, hex);
	assert_false(pw_store_has_blob(f->s, hex));
	assert_int_equal(pw_store_ins_begin(f->s, hex, 11, true, true, &ins, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "hello ", 6, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "world", 5, &e), 0);
	assert_int_equal(pw_store_ins_commit(&ins, &e), 0);
	assert_true(pw_store_has_blob(f->s, hex));
	path = pw_store_blob_path(f->s, hex);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0444);
	assert_int_equal(st.st_size, 11);
	assert_int_equal(count_dir(f, "tmp"), 0);
	/* a second insertion finds it present */
	assert_int_equal(pw_store_ins_begin(f->s, hex, 11, true, true, &ins, &e), 1);
}

static void test_insert_mismatch(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	struct pw_store_ins ins;
	char hex[PW_SHA256_HEX], got[PW_SHA256_HEX];
	char want[200];

	pw_sha256_mem("expected", 8, hex);
	pw_sha256_mem("actual!!", 8, got);
	assert_int_equal(pw_store_ins_begin(f->s, hex, 8, true, false, &ins, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "actual!!", 8, &e), 0);
	assert_int_equal(pw_store_ins_commit(&ins, &e), -EBADMSG);
	snprintf(want, sizeof(want), "sha256 mismatch: expected %s, got %s", hex, got);
	assert_string_equal(e.msg, want);
	assert_false(pw_store_has_blob(f->s, hex));
	assert_int_equal(count_dir(f, "tmp"), 0);
	assert_int_equal(count_dir(f, "blobs/sha256"), 0);

	/* wrong size */
	assert_int_equal(pw_store_ins_begin(f->s, hex, 9, true, false, &ins, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "expected", 8, &e), 0);
	assert_int_equal(pw_store_ins_commit(&ins, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "size mismatch: expected 9 bytes, got 8"));
	assert_int_equal(count_dir(f, "tmp"), 0);
}

static void test_insert_size_cap(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	struct pw_store_ins ins;
	char hex[PW_SHA256_HEX];

	pw_sha256_mem("abc", 3, hex);
	assert_int_equal(pw_store_ins_begin(f->s, hex, 3, true, false, &ins, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "ab", 2, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "cd", 2, &e), -EFBIG);
	assert_string_equal(e.msg, "more than the pinned 3 bytes");
	assert_int_equal(ins.have, 2);
	assert_int_equal(pw_store_ins_write(&ins, "c", 1, &e), 0);
	assert_int_equal(pw_store_ins_commit(&ins, &e), 0);
	assert_true(pw_store_has_blob(f->s, hex));
}

static void test_insert_resume(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	struct pw_store_ins ins;
	char hex[PW_SHA256_HEX];

	pw_sha256_mem("0123456789", 10, hex);
	assert_int_equal(pw_store_ins_begin(f->s, hex, 10, true, true, &ins, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "01234", 5, &e), 0);
	pw_store_ins_abort(&ins, true); /* as if killed */
	assert_int_equal(count_dir(f, "tmp"), 1);

	/* without resume the partial file is dropped */
	assert_int_equal(pw_store_ins_begin(f->s, hex, 10, true, false, &ins, &e), 0);
	assert_int_equal(ins.have, 0);
	assert_int_equal(pw_store_ins_write(&ins, "012", 3, &e), 0);
	pw_store_ins_abort(&ins, true);

	/* with resume the prefix is kept and hashed */
	assert_int_equal(pw_store_ins_begin(f->s, hex, 10, true, true, &ins, &e), 0);
	assert_int_equal(ins.have, 3);
	assert_int_equal(pw_store_ins_write(&ins, "3456789", 7, &e), 0);
	assert_int_equal(pw_store_ins_commit(&ins, &e), 0);
	assert_true(pw_store_has_blob(f->s, hex));
	assert_int_equal(count_dir(f, "tmp"), 0);

	/* restart drops what was written */
	pw_sha256_mem("xyz", 3, hex);
	assert_int_equal(pw_store_ins_begin(f->s, hex, 3, true, true, &ins, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "qq", 2, &e), 0);
	assert_int_equal(pw_store_ins_restart(&ins, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "xyz", 3, &e), 0);
	assert_int_equal(pw_store_ins_commit(&ins, &e), 0);
}

static void test_locks(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	struct pw_store_ins ins;
	char hex[PW_SHA256_HEX];
	int a, b;

	a = pw_store_lock(f->s, "k1", true, &e);
	assert_true(a >= 0);
	/* flock conflicts between open file descriptions, even in one process */
	assert_int_equal(pw_store_lock(f->s, "k1", false, &e), -EWOULDBLOCK);
	b = pw_store_lock(f->s, "k2", false, &e);
	assert_true(b >= 0);
	pw_store_unlock(a);
	a = pw_store_lock(f->s, "k1", false, &e);
	assert_true(a >= 0);
	pw_store_unlock(a);
	pw_store_unlock(b);

	pw_sha256_mem("locked", 6, hex);
	a = pw_store_lock(f->s, hex, true, &e);
	assert_int_equal(pw_store_ins_begin(f->s, hex, 6, false, true, &ins, &e), -EWOULDBLOCK);
	pw_store_unlock(a);
	assert_int_equal(pw_store_ins_begin(f->s, "nothex", 6, false, true, &ins, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'nothex' is not a sha256"));
}

static void test_tree_id(void **state)
{
	struct pw_unpack_opts a = { 1, "usr", 0, 0 }, b = { 1, "usr", 5, 7 }, c = { 0, "usr", 0, 0 };
	const char *h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	_cleanup_free_ char *ia = pw_store_tree_id(h, &a);
	_cleanup_free_ char *ib = pw_store_tree_id(h, &b);
	_cleanup_free_ char *ic = pw_store_tree_id(h, &c);
	_cleanup_free_ char *key = pw_unpack_opts_key(&a);
	_cleanup_free_ char *canon = pw_xasprintf("blob=%s;%s;v1", h, key);
	char want[PW_SHA256_HEX];

	(void)state;
	pw_sha256_mem(canon, strlen(canon), want);
	assert_string_equal(ia, want);
	assert_string_equal(ia, ib); /* limits do not change the tree */
	assert_string_not_equal(ia, ic);
	assert_true(pw_sha256_hex_valid(ia));
}

static void test_tree_digest(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *d = pw_path_join(f->dir, "t");
	_cleanup_free_ char *file = pw_path_join(f->dir, "t/a/f");
	_cleanup_free_ char *sub = pw_path_join(f->dir, "t/a");
	_cleanup_free_ char *lnk = pw_path_join(f->dir, "t/l");
	char h1[PW_SHA256_HEX], h2[PW_SHA256_HEX], h3[PW_SHA256_HEX];
	uint64_t bytes = 0;

	assert_int_equal(pw_mkdir_p(sub, 0755), 0);
	assert_int_equal(pw_write_file_atomic(file, "data", 4, 0644), 0);
	assert_int_equal(symlink("a/f", lnk), 0);
	assert_int_equal(pw_store_tree_digest_at(AT_FDCWD, d, h1, &bytes, &e), 0);
	assert_int_equal(bytes, 4);
	assert_int_equal(pw_store_tree_digest_at(AT_FDCWD, d, h2, NULL, &e), 0);
	assert_string_equal(h1, h2);
	assert_int_equal(chmod(file, 0600), 0);
	assert_int_equal(pw_store_tree_digest_at(AT_FDCWD, d, h3, NULL, &e), 0);
	assert_string_not_equal(h1, h3); /* modes count */
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(pw_write_file_atomic(file, "dat4", 4, 0644), 0);
	assert_int_equal(pw_store_tree_digest_at(AT_FDCWD, d, h3, NULL, &e), 0);
	assert_string_not_equal(h1, h3); /* content counts */
	assert_int_equal(pw_store_tree_digest_at(AT_FDCWD, "/nonexistent-pw", h3, NULL, &e), -ENOENT);
}

static void test_add_file(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *src = pw_path_join(f->dir, "src");
	char hex[PW_SHA256_HEX];
	bool cached = true;

	pw_sha256_mem("file body", 9, hex);
	assert_int_equal(pw_write_file_atomic(src, "file body", 9, 0644), 0);
	assert_int_equal(pw_store_add_file(f->s, src, hex, 9, &cached, &e), 0);
	assert_false(cached);
	unlink(src);
	/* warm: the source is not read */
	assert_int_equal(pw_store_add_file(f->s, src, hex, 9, &cached, &e), 0);
	assert_true(cached);
	pw_sha256_mem("other", 5, hex);
	assert_int_equal(pw_store_add_file(f->s, src, hex, PW_STORE_SIZE_UNKNOWN, &cached, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "could not open '"));
}

struct seen {
	unsigned blobs, trees;
	char last[PW_SHA256_HEX];
	bool sorted;
};

static int on_entry(void *ud, const struct pw_store_entry *en)
{
	struct seen *s = ud;

	if (en->kind == PW_STORE_BLOB) {
		if (s->blobs && strcmp(s->last, en->id) >= 0)
			s->sorted = false;
		snprintf(s->last, sizeof(s->last), "%s", en->id);
		s->blobs++;
	} else {
		s->trees++;
	}
	return 0;
}

static void test_foreach_verify_remove(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	struct seen seen = { .sorted = true };
	const char *bodies[] = { "one", "two", "three", "four" };
	struct pw_store_entry en = { .kind = PW_STORE_BLOB };
	struct pw_store_ins ins;
	char hex[PW_SHA256_HEX];
	_cleanup_free_ char *path = NULL;
	int fd;

	for (size_t i = 0; i < PW_ARRAY_SIZE(bodies); i++) {
		size_t n = strlen(bodies[i]);
		pw_sha256_mem(bodies[i], n, hex);
		assert_int_equal(pw_store_ins_begin(f->s, hex, n, true, false, &ins, &e), 0);
		assert_int_equal(pw_store_ins_write(&ins, bodies[i], n, &e), 0);
		assert_int_equal(pw_store_ins_commit(&ins, &e), 0);
	}
	assert_int_equal(pw_store_foreach(f->s, on_entry, &seen, &e), 0);
	assert_int_equal(seen.blobs, 4);
	assert_int_equal(seen.trees, 0);
	assert_true(seen.sorted);

	pw_sha256_mem("two", 3, hex);
	snprintf(en.id, sizeof(en.id), "%s", hex);
	assert_int_equal(pw_store_verify_entry(f->s, &en, &e), 0);
	path = pw_store_blob_path(f->s, hex);
	assert_int_equal(chmod(path, 0644), 0);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pw_write_all(fd, "!", 1), 0);
	close(fd);
	assert_int_equal(pw_store_verify_entry(f->s, &en, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "content hashes to"));

	/* removal waits for nobody: a held lock means busy */
	fd = pw_store_lock(f->s, hex, true, &e);
	assert_int_equal(pw_store_remove_entry(f->s, &en, &e), -EBUSY);
	pw_store_unlock(fd);
	assert_int_equal(pw_store_remove_entry(f->s, &en, &e), 0);
	assert_false(pw_store_has_blob(f->s, hex));
}

static void test_clean(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	struct pw_store_ins ins;
	char hex[PW_SHA256_HEX], hex2[PW_SHA256_HEX];
	unsigned removed = 99;
	_cleanup_free_ char *stale = NULL;
	int lk;

	pw_sha256_mem("stale", 5, hex);
	assert_int_equal(pw_store_ins_begin(f->s, hex, 5, true, true, &ins, &e), 0);
	assert_int_equal(pw_store_ins_write(&ins, "st", 2, &e), 0);
	pw_store_ins_abort(&ins, true);
	stale = pw_xasprintf("%s/tmp/tree-%s.abc123/x", f->dir, hex);
	assert_int_equal(pw_mkdir_p(stale, 0755), 0);
	/* one partial download still in use: kept */
	pw_sha256_mem("busy", 4, hex2);
	assert_int_equal(pw_store_ins_begin(f->s, hex2, 4, true, true, &ins, &e), 0);
	lk = pw_store_lock(f->s, "unheld", true, &e);
	pw_store_unlock(lk);
	assert_true(exists(f, "locks/unheld"));

	assert_int_equal(pw_store_clean(f->s, &removed, &e), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(count_dir(f, "tmp"), 1);
	assert_false(exists(f, "locks/unheld"));
	assert_int_equal(pw_store_ins_write(&ins, "busy", 4, &e), 0);
	assert_int_equal(pw_store_ins_commit(&ins, &e), 0);
	assert_int_equal(count_dir(f, "tmp"), 0);
}

static void test_open_errors(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_store *s;

	(void)state;
	s = pw_store_open("/dev/null/store", &e);
	assert_null(s);
	assert_int_equal(errno, ENOTDIR);
	assert_non_null(strstr(e.msg, "'/dev/null/store'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_size_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
		cmocka_unit_test(test_tree_id),
		cmocka_unit_test_setup_teardown(test_tree_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach_verify_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
