/* test_actions.c - unit tests of the action cache: key derivation, record
 * parse/render round trips and rejections, put/get/materialize against a
 * temp store, a damaged blob (a miss-worthy error, never bad bytes),
 * iteration over records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/actions.h"
#include "pinwheel/build.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/store.h"

#define K1 "1111111111111111111111111111111111111111111111111111111111111111"

static void test_key(void **state)
{
	struct pw_ac_key k;
	char a[PW_SHA256_HEX], b[PW_SHA256_HEX], c[PW_SHA256_HEX], want[PW_SHA256_HEX];
	const char txt[] = "pinwheel-action;v1\nroot=r\nsrc=s\n";

	(void)state;
	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "root", "r");
	pw_ac_key_add(&k, "src", "s");
	pw_ac_key_final(&k, a);
	pw_sha256_mem(txt, sizeof(txt) - 1, want);
	assert_string_equal(a, want);
	/* order matters, and "a=b" + "c" differs from "a" + "b=c" */
	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "src", "s");
	pw_ac_key_add(&k, "root", "r");
	pw_ac_key_final(&k, b);
	assert_string_not_equal(a, b);
	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "root", "r\nsrc=s");
	pw_ac_key_final(&k, c);
	assert_string_equal(c, a); /* documented: values must not hold newlines */
}

static const char good[] = "{\n  \"version\": 1,\n  \"key\": \"" K1 "\",\n"
			   "  \"target\": \"cp313-manylinux_x86_64\",\n"
			   "  \"outputs\": [\n    {\n      \"name\": \"x.whl\",\n"
			   "      \"sha256\": \"" K1 "\",\n      \"size\": 5\n    }\n  ],\n"
			   "  \"meta\": {\n    \"tag\": \"manylinux_2_17_x86_64\"\n  }\n}\n";

static void test_parse_render(void **state)
{
	struct pw_ac_record r;
	struct pw_err e = PW_ERR_INIT;
	size_t n;
	char *s;

	(void)state;
	assert_int_equal(pw_ac_record_parse("rec", good, strlen(good), &r, &e), 0);
	assert_string_equal(r.key, K1);
	assert_string_equal(r.target, "cp313-manylinux_x86_64");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.outputs[0].name, "x.whl");
	assert_int_equal(r.outputs[0].size, 5);
	assert_string_equal(json_string_value(json_object_get(r.meta, "tag")),
			    "manylinux_2_17_x86_64");
	s = pw_ac_record_render(&r, &n);
	assert_non_null(s);
	assert_int_equal(n, strlen(good));
	assert_string_equal(s, good); /* key order and indent are part of the format */
	free(s);
	pw_ac_record_release(&r);
}

static void expect_bad(const char *txt, const char *msg)
{
	struct pw_ac_record r;
	struct pw_err e = PW_ERR_INIT;

	assert_int_equal(pw_ac_record_parse("rec", txt, strlen(txt), &r, &e), -EBADMSG);
	if (!strstr(e.msg, msg))
		fail_msg("'%s' does not contain '%s'", e.msg, msg);
	assert_null(r.target);
	assert_null(r.outputs);
}

static void test_parse_bad(void **state)
{
	(void)state;
	expect_bad("[]", "expected a JSON object");
	expect_bad("{\"version\": 2}", "\"version\": expected 1");
	expect_bad("{\"version\": 1, \"key\": \"abc\"}", "\"key\"");
	expect_bad("{\"version\": 1, \"key\": \"" K1 "\"}", "\"target\"");
	expect_bad("{\"version\": 1, \"key\": \"" K1 "\", \"target\": \"t\"}", "\"outputs\"");
	expect_bad("{\"version\": 1, \"key\": \"" K1 "\", \"target\": \"t\", \"outputs\": "
		   "[{\"name\": \"../x\", \"sha256\": \"" K1 "\", \"size\": 1}]}",
		   "outputs[0].name");
	expect_bad("{\"version\": 1, \"key\": \"" K1 "\", \"target\": \"t\", \"outputs\": "
		   "[{\"name\": \"..\", \"sha256\": \"" K1 "\", \"size\": 1}]}",
		   "outputs[0].name");
	expect_bad("{\"version\": 1, \"key\": \"" K1 "\", \"target\": \"t\", \"outputs\": "
		   "[{\"name\": \"x\", \"sha256\": \"ABC\", \"size\": 1}]}",
		   "outputs[0].sha256");
	expect_bad("{\"version\": 1, \"key\": \"" K1 "\", \"target\": \"t\", \"outputs\": "
		   "[{\"name\": \"x\", \"sha256\": \"" K1 "\", \"size\": -1}]}",
		   "outputs[0].size");
	expect_bad("{\"version\": 1, \"key\": \"" K1 "\", \"target\": \"t\", \"outputs\": [], "
		   "\"meta\": 3}",
		   "\"meta\"");
	expect_bad("{\"version\": 1,", "rec:");
}

struct fixture {
	char dir[64];
	struct pw_store *s;
	struct pw_ac *ac;
};

static int setup(void **state)
{
	struct fixture *f = pw_xcalloc(1, sizeof(*f));
	struct pw_err e = PW_ERR_INIT;

	snprintf(f->dir, sizeof(f->dir), "/tmp/pw-test-ac.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->s = pw_store_open(f->dir, &e);
	if (!f->s)
		return -1;
	f->ac = pw_ac_open(f->s, NULL, &e);
	if (!f->ac)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pw_ac_close(f->ac);
	pw_store_close(f->s);
	pw_rm_rf(f->dir);
	free(f);
	return 0;
}

static char *file_with(const struct fixture *f, const char *name, const char *data)
{
	char *p = pw_path_join(f->dir, name);

	assert_int_equal(pw_write_file_atomic(p, data, strlen(data), 0644), 0);
	return p;
}

static char *slurp(const char *path)
{
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	char *s;

	assert_int_equal(pw_read_file(path, &b), 0);
	s = pw_xasprintf("%.*s", (int)b.len, b.buf);
	pw_buf_release(&b);
	return s;
}

static int count_one(void *ud, const struct pw_ac_record *rec)
{
	(void)rec;
	(*(int *)ud)++;
	return 0;
}

static void test_put_get(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	char n0[] = "a.whl", n1[] = "a.log", tn[] = "t";
	struct pw_ac_output outs[2] = {{.name = n0}, {.name = n1}};
	struct pw_ac_record rec = {.target = tn, .outputs = outs, .n = 2}, got;
	_cleanup_free_ char *pa = file_with(f, "a", "wheel bytes"), *pb = file_with(f, "b", "log"),
			    *dest = pw_path_join(f->dir, "out.whl"), *blob = NULL, *content = NULL;
	const char *paths[2] = {pa, pb};
	bool remote = true;
	unsigned damaged = 9;
	int count = 0;
	struct stat st;

	memcpy(rec.key, K1, PW_SHA256_HEX);
	assert_int_equal(pw_ac_get(f->ac, K1, &got, &remote, &e), -ENOENT);
	assert_false(remote);
	assert_int_equal(pw_ac_put(f->ac, &rec, paths, &e), 0);
	json_decref(rec.meta);
	rec.meta = NULL;
	assert_int_equal(outs[0].size, 11);
	assert_true(pw_store_has_blob(f->s, outs[0].sha256));
	assert_int_equal(pw_ac_get(f->ac, K1, &got, &remote, &e), 0);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.outputs[1].name, "a.log");
	assert_int_equal(pw_ac_materialize(f->ac, &got, 0, dest, &e), 0);
	content = slurp(dest);
	assert_string_equal(content, "wheel bytes");
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(pw_ac_materialize(f->ac, &got, 2, dest, &e), -EINVAL);
	assert_int_equal(pw_ac_foreach(f->s, count_one, &count, &damaged, &e), 0);
	assert_int_equal(count, 1);
	assert_int_equal(damaged, 0);

	/* A damaged blob: materialize refuses and drops it; get is then a miss. */
	blob = pw_store_blob_path(f->s, got.outputs[0].sha256);
	assert_int_equal(chmod(blob, 0644), 0);
	assert_int_equal(pw_write_file_atomic(blob, "wheel bytez", 11, 0444), 0);
	assert_int_equal(pw_ac_materialize(f->ac, &got, 0, dest, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "is damaged"));
	free(content);
	content = slurp(dest);
	assert_string_equal(content, "wheel bytes"); /* dest untouched */
	pw_ac_record_release(&got);
	assert_false(pw_store_has_blob(f->s, outs[0].sha256));
	assert_int_equal(pw_ac_get(f->ac, K1, &got, &remote, &e), -ENOENT);
	/* put again: good bytes back, a hit */
	pw_err_clear(&e);
	if (pw_ac_put(f->ac, &rec, paths, &e) != 0)
		fail_msg("put: %s", e.msg);
	json_decref(rec.meta);
	rec.meta = NULL;
	assert_int_equal(pw_ac_get(f->ac, K1, &got, &remote, &e), 0);
	pw_ac_record_release(&got);
	assert_int_equal(pw_ac_get(f->ac, "nothex", &got, &remote, &e), -EINVAL);
}

static void test_damaged_record(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;
	struct pw_ac_record got;
	_cleanup_free_ char *p = pw_xasprintf("%s/ac/%s.json", f->dir, K1);
	unsigned damaged = 0;
	int count = 0;

	assert_int_equal(pw_write_file_atomic(p, "{garbage", 8, 0644), 0);
	assert_int_equal(pw_ac_get(f->ac, K1, &got, NULL, &e), -ENOENT);
	assert_int_equal(pw_ac_foreach(f->s, count_one, &count, &damaged, &e), 0);
	assert_int_equal(count, 0);
	assert_int_equal(damaged, 1);
}

static void test_remote_stub(void **state)
{
	struct fixture *f = *state;
	struct pw_err e = PW_ERR_INIT;

	/* Without toolchains/store/remote_cache.c the stub refuses; with it, an
	 * unsupported scheme must be refused just as clearly. */
	if (pw_ac_open(f->s, "gopher://mirror.example/x", &e) == NULL)
		assert_true(e.msg[0] != '\0');
}

static void test_shard(void **state)
{
	unsigned k = 0, n = 0;
	bool sel[7] = {true, false, true, true, true, true, true}, orig[7];
	int seen[7] = {0};

	(void)state;
	assert_int_equal(pw_shard_parse("2/3", &k, &n), 0);
	assert_int_equal(k, 2);
	assert_int_equal(n, 3);
	assert_int_equal(pw_shard_parse("1/1", &k, &n), 0);
	assert_int_equal(pw_shard_parse("0/3", &k, &n), -EINVAL);
	assert_int_equal(pw_shard_parse("4/3", &k, &n), -EINVAL);
	assert_int_equal(pw_shard_parse("3", &k, &n), -EINVAL);
	assert_int_equal(pw_shard_parse("1/", &k, &n), -EINVAL);
	assert_int_equal(pw_shard_parse("/2", &k, &n), -EINVAL);
	assert_int_equal(pw_shard_parse("1/2x", &k, &n), -EINVAL);
	memcpy(orig, sel, sizeof(sel));
	/* 6 selected, 3 shards: positions 0..5 dealt round-robin */
	for (unsigned s = 1; s <= 3; s++) {
		bool v[7];

		memcpy(v, orig, sizeof(v));
		assert_int_equal(pw_shard_select(v, 7, s, 3), 2);
		assert_false(v[1]); /* unselected stays out */
		for (size_t i = 0; i < 7; i++)
			seen[i] += v[i];
	}
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(seen[i], orig[i] ? 1 : 0);
	assert_true(sel[0]);
	assert_int_equal(pw_shard_select(sel, 7, 1, 3), 2);
	assert_true(sel[0] && sel[4] && !sel[2]); /* 1st and 4th selected */
	{
		bool one[2] = {true, false};

		assert_int_equal(pw_shard_select(one, 2, 2, 2), 0); /* an empty shard */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_parse_render),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_shard),
	    cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_stub, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
