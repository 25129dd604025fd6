/* test_lockjobs.c - what `lock --jobs N` rests on: merging the locksets
 * of per-target workers (each passed through the lock text, as the
 * workers hand them back) in matrix order gives the bytes a serial lock
 * writes; and the run-scoped answers workers share (provider.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/lock.h"
#include "pinwheel/provider.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define DIGEST "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

#define T1 "cp313-manylinux_x86_64"
#define T2 "cp313-manylinux_aarch64"
#define T2OLD "cp313-manylinux_aarch64-bullseye"

struct pin {
	const char *target, *kind, *name, *sha, *url;
};

/* In the order each target's providers add them; "base" is needed by
 * both targets with another mirror first for the second. */
static const struct pin pins[] = {
    {T1, "deb", "libc6", SHA_B, "https://mirror.example/a/libc6.deb"},
    {T1, "archive", "base", SHA_A, "https://mirror.example/a/base.tgz"},
    {T2, "archive", "base", SHA_A, "https://mirror.example/b/base.tgz"},
    {T2, "wheel", "numpy", SHA_C, "https://mirror.example/numpy.whl"},
    {T2OLD, "archive", "base", SHA_A, "https://mirror.example/a/base.tgz"},
};

static void add_pin(struct pw_lockset *ls, const struct pin *p)
{
	struct pw_artifact a;
	char *urls[1] = {(char *)p->url};
	const char *sha = p->sha;

	memset(&a, 0, sizeof(a));
	a.kind = (char *)p->kind;
	a.name = (char *)p->name;
	a.urls = urls;
	a.nurls = 1;
	memcpy(a.sha256, p->sha, PW_SHA256_HEX);
	a.size = 7;
	pw_lockset_add(ls, &a, p->target);
	pw_lockset_add_layer(ls, p->target, p->name, "unpack", "/", &sha, 1, NULL);
}

/* The pins of target ids @ids (in order) into @ls, each target's root
 * made first, as resolve_target() does. */
static void fill(struct pw_lockset *ls, const char *const *ids, size_t n)
{
	for (size_t t = 0; t < n; t++) {
		pw_lockset_root(ls, ids[t]);
		for (size_t i = 0; i < PW_ARRAY_SIZE(pins); i++)
			if (!strcmp(pins[i].target, ids[t]))
				add_pin(ls, &pins[i]);
		if (!strcmp(ids[t], T1)) /* its default old root dropped */
			pw_lockset_set_no_old_root(ls, T1, "no tarball served");
	}
}

static void test_merge_is_serial(void **state)
{
	static const char *const all[] = {T1, T2, T2OLD};
	static const char *const w1[] = {T1}, *const w2[] = {T2, T2OLD};
	struct pw_lockset serial = PW_LOCKSET_INIT, merged = PW_LOCKSET_INIT;
	const char *const *workers[] = {w1, w2};
	size_t nw[] = {1, 2}, ls_len, lm_len;
	char *s_bytes, *m_bytes;

	(void)state;
	fill(&serial, all, 3);
	s_bytes = pw_lock_render(&serial, DIGEST, &ls_len);
	for (size_t w = 0; w < 2; w++) {
		struct pw_lockset part = PW_LOCKSET_INIT, back;
		struct pw_err e = PW_ERR_INIT;
		size_t len;
		char *text;

		fill(&part, workers[w], nw[w]);
		text = pw_lock_render(&part, DIGEST, &len);
		pw_lockset_release(&part);
		assert_int_equal(pw_lock_parse("(worker)", text, len, &back, &e), 0);
		free(text);
		pw_lockset_merge(&merged, &back);
		assert_int_equal(back.n, 0); /* released */
		assert_int_equal(back.nroots, 0);
	}
	m_bytes = pw_lock_render(&merged, DIGEST, &lm_len);
	assert_string_equal(m_bytes, s_bytes);
	/* the shared archive: both mirrors, the first target's first */
	assert_non_null(strstr(m_bytes, "\"https://mirror.example/a/base.tgz\",\n        "
					"\"https://mirror.example/b/base.tgz\""));
	/* a worker's dropped old root survives the merge */
	assert_string_equal(pw_lockset_no_old_root(&merged, T1), "no tarball served");
	assert_null(pw_lockset_no_old_root(&merged, T2));
	assert_int_equal(merged.nroots, 3);
	assert_string_equal(merged.roots[0].target, T1);
	assert_string_equal(merged.roots[2].target, T2OLD);
	free(s_bytes);
	free(m_bytes);
	pw_lockset_release(&serial);
	pw_lockset_release(&merged);
}

static void test_share(void **state)
{
	char dir[] = "/tmp/test_lockjobs.XXXXXX";
	struct pw_provider_ctx pc;
	struct pw_buf val = PW_BUF_INIT(256);
	struct pw_err e = PW_ERR_INIT;
	int fd;

	(void)state;
	memset(&pc, 0, sizeof(pc));
	/* serial: nothing shared, nothing held */
	assert_int_equal(pw_provider_share_begin(&pc, "k", &val, &fd, &e), -ENOENT);
	assert_int_equal(fd, -1);
	assert_int_equal(pw_provider_share_put(&pc, "k", "v", 1, &e), 0);
	pw_provider_share_end(fd);

	assert_non_null(mkdtemp(dir));
	pc.share_dir = dir;
	assert_int_equal(pw_provider_share_begin(&pc, "archive a", &val, &fd, &e), -ENOENT);
	assert_true(fd >= 0); /* the first asker holds the question */
	assert_int_equal(pw_provider_share_put(&pc, "archive a", "SHA 7\n", 6, &e), 0);
	pw_provider_share_end(fd);
	assert_int_equal(pw_provider_share_begin(&pc, "archive a", &val, &fd, &e), 0);
	assert_string_equal(val.buf, "SHA 7\n");
	pw_provider_share_end(fd);
	assert_int_equal(pw_provider_share_begin(&pc, "archive b", &val, &fd, &e), -ENOENT);
	pw_provider_share_end(fd);
	pw_buf_release(&val);
	assert_int_equal(pw_rm_rf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_is_serial),
	    cmocka_unit_test(test_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
