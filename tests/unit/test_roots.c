/* test_roots.c - root plans from a lock without a store: tree ids per
 * layer kind, the root id (order and dest matter, the store does not),
 * unknown layer kinds (the hows and kinds the provider table lists), and
 * the sandbox composition (layer order, binds before the caller's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/debian.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/lock.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/store.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* clang-format off */
#define ART(n, k, sha) \
	"{\"name\": \"" n "\", \"kind\": \"" k "\", \"version\": \"1\", \"package\": \"" n \
	"\", \"urls\": [\"https://mirror.example/" n "\"], \"sha256\": \"" sha "\", \"size\": 1}"

static const char lock_text[] =
    "{\"version\": 1, \"artifacts\": [" ART("libc6", "deb", SHA_A) ", " ART("dash", "deb", SHA_B)
    ", " ART("x.tgz", "archive", SHA_C) "],\n"
    " \"roots\": {\"t1\": {\"layers\": [\n"
    "  {\"name\": \"debian-bookworm-amd64\", \"how\": \"debian-root\", \"dest\": \"/\",\n"
    "   \"artifacts\": [\"" SHA_B "\", \"" SHA_A "\"]},\n"
    "  {\"name\": \"x\", \"how\": \"unpack\", \"dest\": \"/opt/x\", \"artifacts\": [\"" SHA_C "\"],"
    "   \"unpack\": {\"strip\": 1}},\n"
    "  {\"name\": \"top\", \"how\": \"unpack\", \"dest\": \"/\", \"artifacts\": [\"" SHA_C "\"]}]},\n"
    " \"t2\": {\"layers\": [\n"
    "  {\"name\": \"top\", \"how\": \"unpack\", \"dest\": \"/\", \"artifacts\": [\"" SHA_C "\"]},\n"
    "  {\"name\": \"debian-bookworm-amd64\", \"how\": \"debian-root\", \"dest\": \"/\",\n"
    "   \"artifacts\": [\"" SHA_B "\", \"" SHA_A "\"]}]},\n"
    " \"t3\": {\"layers\": [\n"
    "  {\"name\": \"w\", \"how\": \"unpack\", \"dest\": \"/\", \"artifacts\": [\"" SHA_C "\"]}]}}}\n";

/* clang-format on */

static void load(struct pw_lockset *lf)
{
	struct pw_err e = PW_ERR_INIT;
	int r = pw_lock_parse("t.lock", lock_text, sizeof(lock_text) - 1, lf, &e);
	if (r < 0)
		print_error("%s\n", e.msg);
	assert_int_equal(r, 0);
}

static void test_plan_ids(void **state)
{
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_root_plan p, q;
	struct pw_err e = PW_ERR_INIT;
	struct pw_unpack_opts strip1 = {.strip = 1}, none = {0};
	struct pw_deb_artifact debs[2];
	char *id;

	(void)state;
	load(&lf);
	assert_non_null(pw_lockset_find_root(&lf, "t1"));
	assert_null(pw_lockset_find_root(&lf, "t9"));
	assert_int_equal(pw_roots_plan(NULL, &lf, pw_lockset_find_root(&lf, "t1"), PW_ROOTS_IDS, &p, &e),
			 0);
	assert_int_equal(p.n, 3);
	memset(debs, 0, sizeof(debs));
	strcpy(debs[0].sha256, SHA_B);
	strcpy(debs[1].sha256, SHA_A);
	id = pw_debian_root_id(debs, 2, "amd64");
	assert_string_equal(p.trees[0].id, id); /* the lock's order, the layer's arch */
	free(id);
	id = pw_store_tree_id(SHA_C, &strip1);
	assert_string_equal(p.trees[1].id, id);
	assert_string_equal(p.trees[1].dest, "/opt/x");
	free(id);
	id = pw_store_tree_id(SHA_C, &none);
	assert_string_equal(p.trees[2].id, id);
	free(id);
	assert_int_equal(strlen(p.id), 64);

	/* Same trees in another order: another root. */
	assert_int_equal(pw_roots_plan(NULL, &lf, pw_lockset_find_root(&lf, "t2"), PW_ROOTS_IDS, &q, &e),
			 0);
	assert_int_equal(q.n, 2);
	assert_string_not_equal(p.id, q.id);
	pw_root_plan_release(&q);
	/* Deterministic. */
	assert_int_equal(pw_roots_plan(NULL, &lf, pw_lockset_find_root(&lf, "t1"), PW_ROOTS_IDS, &q, &e),
			 0);
	assert_string_equal(p.id, q.id);
	pw_root_plan_release(&q);
	pw_root_plan_release(&p);

	/* A layer kind nobody builds yet (the reader refuses it in a file,
	 * so it can only come from a lock made in memory). */
	{
		struct pw_layer *w = &lf.roots[2].layers[0];

		free(w->how);
		w->how = pw_xstrdup("nix-closure");
	}
	assert_int_equal(pw_roots_plan(NULL, &lf, pw_lockset_find_root(&lf, "t3"), PW_ROOTS_IDS, &p, &e),
			 -ENOSYS);
	assert_string_equal(e.msg, "target 't3': layer 'w': this pinwheel cannot build layers of "
				   "kind \"nix-closure\"");
	assert_int_equal(p.n, 0);
	assert_true(pw_roots_known_how("debian-root"));
	assert_true(pw_roots_known_how("cargo-vendor"));
	assert_true(pw_roots_known_how("pypi-install"));
	assert_false(pw_roots_known_how("nix-closure"));
	assert_true(pw_roots_known_how("oci-image"));
	assert_true(pw_roots_known_how("unpack"));
	{
		char buf[256];

		pw_roots_list_hows(buf, sizeof(buf));
		assert_string_equal(buf, "unpack, debian-root, pypi-install, zig, cargo-vendor, "
					 "oci-image, emulator, debian-cross or cpython");
		pw_artifact_kinds_list(buf, sizeof(buf));
		assert_string_equal(buf, "archive, deb, wheel, sdist, crate, oci-config, oci-layer or file");
		pw_roots_list_hows(buf, 12); /* truncated to fit */
		assert_string_equal(buf, "unpack, deb");
	}
	assert_true(pw_artifact_kind_known("file"));
	assert_false(pw_artifact_kind_known("tarball"));
	pw_lockset_release(&lf);
}

static void test_to_spec(void **state)
{
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_root_plan p;
	struct pw_err e = PW_ERR_INIT;
	struct pw_sandbox_spec s;
	struct pw_store *st;
	char dir[] = "/tmp/test_roots.XXXXXX";
	char *want;

	(void)state;
	assert_non_null(mkdtemp(dir));
	st = pw_store_open(dir, &e);
	assert_non_null(st);
	load(&lf);
	assert_int_equal(pw_roots_plan(st, &lf, pw_lockset_find_root(&lf, "t1"), PW_ROOTS_IDS, &p, &e), 0);
	/* Not fetched: the check names the first missing layer. */
	{
		struct pw_root_plan q;
		assert_int_equal(
		    pw_roots_plan(st, &lf, pw_lockset_find_root(&lf, "t1"), PW_ROOTS_CHECK, &q, &e),
		    -ENOENT);
		assert_string_equal(e.msg,
				    "target t1: root not fetched (layer "
				    "'debian-bookworm-amd64' is missing); run 'pinwheel fetch'");
	}
	pw_sandbox_spec_init(&s);
	pw_sandbox_spec_add_layer(&s, "/user-layer");
	assert_int_equal(pw_sandbox_spec_add_bind(&s, PW_BIND_RO, "/a:/opt/x/sub", &e), 0);
	pw_roots_to_spec(st, &p, &s);
	assert_int_equal(s.n_layers, 3);
	assert_string_equal(s.layers[0], "/user-layer"); /* the caller's stay on top */
	want = pw_store_tree_path(st, p.trees[2].id);
	assert_string_equal(s.layers[1], want); /* the lock's last layer next */
	free(want);
	want = pw_store_tree_path(st, p.trees[0].id);
	assert_string_equal(s.layers[2], want); /* the base at the bottom */
	free(want);
	assert_int_equal(s.n_binds, 2);
	want = pw_store_tree_path(st, p.trees[1].id);
	assert_string_equal(s.binds[0].src, want); /* the root's bind first */
	assert_string_equal(s.binds[0].dst, "/opt/x");
	assert_int_equal(s.binds[0].kind, PW_BIND_RO);
	assert_string_equal(s.binds[1].dst, "/opt/x/sub"); /* then the caller's */
	free(want);
	assert_int_equal(pw_sandbox_spec_check(&s, &e), 0);
	pw_sandbox_spec_release(&s);
	pw_root_plan_release(&p);
	pw_lockset_release(&lf);
	pw_store_close(st);
	assert_int_equal(pw_rm_rf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan_ids),
	    cmocka_unit_test(test_to_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
