/* test_crates.c - Cargo.lock reading, the vendor key, registry URLs and
 * download templates, .cargo-checksum.json and the cargo config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pinwheel/buf.h"
#include "pinwheel/crates.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/store.h"

#define CK1 "1111111111111111111111111111111111111111111111111111111111111111"
#define CK2 "2222222222222222222222222222222222222222222222222222222222222222"

static const char lock_v4[] =
    "version = 4\n"
    "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"b\", \"a\"]\n"
    "[[package]]\nname = \"b\"\nversion = \"2.0.0-beta.1+x\"\n"
    "source = \"sparse+https://mirror.example/index/\"\nchecksum = \"" CK2 "\"\n"
    "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
    "source = \"registry+https://mirror.example/git-index\"\nchecksum = \"" CK1 "\"\n";

static int parse(const char *text, struct pw_cargo_lock *l, struct pw_err *e)
{
	return pw_cargo_lock_parse("Cargo.lock", text, strlen(text), l, e);
}

static void test_lock_v4(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_cargo_lock l;

	(void)state;
	assert_int_equal(parse(lock_v4, &l, &e), 0);
	assert_int_equal(l.version, 4);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.pkgs[0].name, "app");
	assert_null(l.pkgs[0].source);
	assert_false(pw_cargo_pkg_is_registry(&l.pkgs[0]));
	assert_string_equal(l.pkgs[1].version, "2.0.0-beta.1+x");
	assert_string_equal(l.pkgs[1].checksum, CK2);
	assert_true(pw_cargo_pkg_is_registry(&l.pkgs[1]));
	assert_true(pw_cargo_pkg_is_registry(&l.pkgs[2]));
	pw_cargo_lock_release(&l);
}

static void test_lock_v1_metadata(void **state)
{
	static const char text[] =
	    "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
	    "source = \"registry+https://mirror.example/git-index\"\n"
	    "[metadata]\n"
	    "\"checksum a 1.0.0 (registry+https://mirror.example/git-index)\" = \"" CK1 "\"\n";
	struct pw_err e = PW_ERR_INIT;
	struct pw_cargo_lock l;

	(void)state;
	assert_int_equal(parse(text, &l, &e), 0);
	assert_int_equal(l.version, 1);
	assert_string_equal(l.pkgs[0].checksum, CK1);
	pw_cargo_lock_release(&l);
}

static void test_lock_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
	    {"version = 5\n", "Cargo.lock:1: 'version' must be 1, 2, 3 or 4"},
	    {"[[package]]\nname = \"../x\"\nversion = \"1\"\n",
	     "Cargo.lock:1: package #1: 'name' must be a crate name"},
	    {"[[package]]\nname = \"a\"\nversion = \"1/2\"\n",
	     "package 'a': 'version' must be a version string"},
	    {"[[package]]\nname = \"a\"\nversion = \"1\"\nchecksum = \"abc\"\n",
	     "package 'a' 1: 'checksum' must be 64 lowercase hex digits"},
	    {"[[package]]\nname = \"a\"\nversion = \"1\"\nsource = \"path+x\"\n",
	     "package 'a' 1: unknown source 'path+x'"},
	    {"[package]\nname = \"a\"\n", "'package' must be [[package]] tables"},
	    {"[[package]]\nname = \"a\"\nversion = \"1\"\nsource = 3\n",
	     "'source' must be a string"},
	    {"version = \"x\n", "Cargo.lock:1:13: unterminated string"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < PW_ARRAY_SIZE(bad); i++) {
		struct pw_err e = PW_ERR_INIT;
		struct pw_cargo_lock l;

		assert_int_equal(parse(bad[i].text, &l, &e), -EINVAL);
		if (!strstr(e.msg, bad[i].msg))
			print_error("case %zu: got '%s'\n", i, e.msg);
		assert_non_null(strstr(e.msg, bad[i].msg));
		assert_int_equal(l.n, 0);
	}
}

static void test_vendor_key(void **state)
{
	/* the same registry crates in another order, other path packages */
	static const char other[] =
	    "version = 3\n"
	    "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
	    "source = \"registry+https://mirror.example/git-index\"\nchecksum = \"" CK1 "\"\n"
	    "[[package]]\nname = \"b\"\nversion = \"2.0.0-beta.1+x\"\n"
	    "source = \"sparse+https://mirror.example/index/\"\nchecksum = \"" CK2 "\"\n"
	    "[[package]]\nname = \"app2\"\nversion = \"9.0.0\"\n";
	struct pw_err e = PW_ERR_INIT;
	struct pw_cargo_lock l1, l2;
	char k1[PW_SHA256_HEX], k2[PW_SHA256_HEX];

	(void)state;
	assert_int_equal(parse(lock_v4, &l1, &e), 0);
	assert_int_equal(parse(other, &l2, &e), 0);
	pw_cargo_lock_vendor_key(&l1, k1);
	pw_cargo_lock_vendor_key(&l2, k2);
	assert_string_equal(k1, k2);
	memcpy(l2.pkgs[0].checksum, CK2, 64);
	pw_cargo_lock_vendor_key(&l2, k2);
	assert_string_not_equal(k1, k2);
	pw_cargo_lock_release(&l1);
	pw_cargo_lock_release(&l2);
}

static void test_index_url(void **state)
{
	char *u;

	(void)state;
	u = pw_crates_index_url("sparse+https://mirror.example/index/");
	assert_string_equal(u, "https://mirror.example/index/");
	free(u);
	u = pw_crates_index_url("registry+http://127.0.0.1:8080/r");
	assert_string_equal(u, "http://127.0.0.1:8080/r/");
	free(u);
	assert_null(pw_crates_index_url("git+https://mirror.example/x"));
	assert_null(pw_crates_index_url("sparse+file:///etc"));
	assert_int_equal(errno, EINVAL);
}

static void expect_dl(const char *tmpl, const char *name, const char *want)
{
	struct pw_err e = PW_ERR_INIT;
	char *u = pw_crates_dl_url(tmpl, name, "1.2.3", CK1, &e);

	assert_non_null(u);
	assert_string_equal(u, want);
	free(u);
}

static void test_dl_template(void **state)
{
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	expect_dl("https://mirror.example/crates", "serde",
		  "https://mirror.example/crates/serde/1.2.3/download");
	expect_dl("https://mirror.example/crates/", "serde",
		  "https://mirror.example/crates/serde/1.2.3/download");
	expect_dl("https://mirror.example/{crate}/{crate}-{version}.crate", "serde",
		  "https://mirror.example/serde/serde-1.2.3.crate");
	expect_dl("https://m.example/{prefix}/{crate}", "a", "https://m.example/1/a");
	expect_dl("https://m.example/{prefix}/{crate}", "ab", "https://m.example/2/ab");
	expect_dl("https://m.example/{prefix}/{crate}", "abc", "https://m.example/3/a/abc");
	expect_dl("https://m.example/{prefix}/{crate}", "Serde", "https://m.example/Se/rd/Serde");
	expect_dl("https://m.example/{lowerprefix}/{crate}", "Serde",
		  "https://m.example/se/rd/Serde");
	expect_dl("https://m.example/x?sum={sha256-checksum}", "a", "https://m.example/x?sum=" CK1);
	assert_null(pw_crates_dl_url("https://m.example/{crate}/{bogus}", "a", "1", CK1, &e));
	assert_non_null(strstr(e.msg, "unknown marker at '{bogus}'"));
}

static void test_checksum_json(void **state)
{
	char tmpl[] = "/tmp/pw-crates.XXXXXX";
	struct pw_err e = PW_ERR_INIT;
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	char *p;
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	p = pw_path_join(tmpl, "src");
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = pw_path_join(tmpl, "src/lib.rs");
	assert_int_equal(pw_write_file_atomic(p, "abc", 3, 0644), 0);
	free(p);
	p = pw_path_join(tmpl, "Cargo.toml");
	assert_int_equal(pw_write_file_atomic(p, "", 0, 0644), 0);
	free(p);
	p = pw_path_join(tmpl, "link");
	assert_int_equal(symlink("Cargo.toml", p), 0);
	free(p);
	dfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(pw_crates_write_checksum_json(dfd, CK1, &e), 0);
	/* a second write refuses to replace it */
	assert_int_equal(pw_crates_write_checksum_json(dfd, CK1, &e), -EEXIST);
	close(dfd);
	p = pw_path_join(tmpl, ".cargo-checksum.json");
	assert_int_equal(pw_read_file(p, &b), 0);
	free(p);
	assert_string_equal(
	    b.buf,
	    "{\"files\":{\"Cargo.toml\":"
	    "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
	    "\"src/lib.rs\":\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"},"
	    "\"package\":\"" CK1 "\"}");
	pw_buf_release(&b);
	pw_rm_rf(tmpl);
}

static void test_cargo_config(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_cargo_lock l;
	char *c;

	(void)state;
	assert_int_equal(parse(lock_v4, &l, &e), 0);
	c = pw_crates_cargo_config(&l, "/vendor/\"q\"");
	assert_non_null(strstr(c, "[source.crates-io]\nreplace-with = \"vendored-sources\"\n"));
	assert_non_null(strstr(c, "[source.pinwheel-registry-1]\n"
				  "registry = \"sparse+https://mirror.example/index/\"\n"
				  "replace-with = \"vendored-sources\"\n"));
	assert_null(strstr(c, "pinwheel-registry-2"));
	assert_non_null(
	    strstr(c, "[source.vendored-sources]\ndirectory = \"/vendor/\\\"q\\\"\"\n"));
	free(c);
	pw_cargo_lock_release(&l);
}

static void test_index_map(void **state)
{
	static const char lock[] =
	    "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
	    "source = \"registry+https://mirror.example/main-index\"\nchecksum = \"" CK1 "\"\n"
	    "[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n"
	    "source = \"registry+https://mirror.example/named\"\nchecksum = \"" CK2 "\"\n"
	    "[[package]]\nname = \"c\"\nversion = \"1.0.0\"\n"
	    "source = \"sparse+https://mirror.example/sp/\"\nchecksum = \"" CK2 "\"\n";
	static const char cfg[] =
	    "[source.crates-io]\nreplace-with = 'corp'\n"
	    "[source.corp]\nreplace-with = \"corp-sparse\"\n"
	    "[source.corp-sparse]\nregistry = \"sparse+https://mirror.example/corp/\"\n"
	    "[registries.named]\nindex = \"https://mirror.example/named/\"\n";
	struct pw_crates_index_map m = {0};
	struct pw_err e = PW_ERR_INIT;
	struct pw_cargo_lock l;

	(void)state;
	assert_int_equal(parse(lock, &l, &e), 0);
	assert_int_equal(pw_crates_index_map_add(&m, "config.toml", cfg, strlen(cfg), &l, &e), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.sources[0], "registry+https://mirror.example/main-index");
	assert_string_equal(m.indexes[0], "https://mirror.example/corp/");
	pw_crates_index_map_release(&m);

	/* no replacement of crates-io: nothing */
	assert_int_equal(pw_crates_index_map_add(&m, "c", "[net]\noffline = true\n", 20, &l, &e),
			 0);
	assert_int_equal(m.n, 0);
	/* a replace-with loop ends */
	{
		static const char loop[] = "[source.crates-io]\nreplace-with = 'x'\n"
					   "[source.x]\nreplace-with = 'crates-io'\n";
		assert_int_equal(pw_crates_index_map_add(&m, "c", loop, strlen(loop), &l, &e), 0);
		assert_int_equal(m.n, 0);
	}
	assert_int_equal(pw_crates_index_map_add(&m, "c.toml", "x = {\n", 6, &l, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "c.toml:1:6: expected a key"));
	pw_cargo_lock_release(&l);
}

/* The builder's vendoring from locked artifacts finds the tree that the
 * Cargo.lock made (same key), from the store alone. */
static void test_vendor_locked(void **state)
{
	char tmpl[] = "/tmp/pw-crates-store.XXXXXX";
	struct pw_err e = PW_ERR_INIT;
	struct pw_cargo_lock l;
	struct pw_store *s;
	struct pw_artifact art = {0};
	const struct pw_artifact *arts[1] = {&art};
	char *cmd, *crate, *lock, *p1 = NULL, *p2 = NULL, ck[PW_SHA256_HEX];
	bool cached, c2;
	uint64_t size;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	cmd = pw_xasprintf(
	    "cd %s && mkdir -p c/tiny-0.1.0/src && echo 'pub fn v() {}' > c/tiny-0.1.0/src/lib.rs"
	    " && printf '[package]\\nname = \"tiny\"\\n' > c/tiny-0.1.0/Cargo.toml"
	    " && tar -C c -czf tiny.crate tiny-0.1.0",
	    tmpl);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	crate = pw_xasprintf("%s/tiny.crate", tmpl);
	fd = open(crate, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pw_sha256_fd(fd, ck, &size), 0);
	close(fd);
	s = pw_store_open(tmpl, &e);
	assert_non_null(s);
	assert_int_equal(pw_store_add_file(s, crate, ck, size, &cached, &e), 0);

	lock = pw_xasprintf("[[package]]\nname = \"tiny\"\nversion = \"0.1.0\"\n"
			    "source = \"sparse+https://mirror.example/i/\"\nchecksum = \"%s\"\n",
			    ck);
	assert_int_equal(parse(lock, &l, &e), 0);
	{
		struct pw_crates_opts o = {.offline = true};
		assert_int_equal(pw_crates_vendor(s, &l, &o, &p1, &cached, &e), 0);
	}
	assert_false(cached);
	art.kind = (char *)"crate";
	art.name = (char *)"tiny";
	art.version = (char *)"0.1.0";
	memcpy(art.sha256, ck, sizeof(ck));
	assert_int_equal(pw_crates_vendor_locked(s, arts, 1, &p2, &c2, &e), 0);
	assert_true(c2);
	assert_string_equal(p1, p2);
	art.kind = (char *)"archive";
	assert_int_equal(pw_crates_vendor_locked(s, arts, 1, NULL, &c2, &e), -EINVAL);

	free(p1);
	free(p2);
	free(lock);
	free(crate);
	pw_cargo_lock_release(&l);
	pw_store_close(s);
	pw_rm_rf(tmpl);
}

/* The generated Cargo.lock of the lock reaches a build step's sources
 * (pw_providers_step_prepare()): written where they lack one, never over
 * the sdist's own, never through a symlink; the root's tree of it is its
 * own id (path and text). */
static void test_generated(void **state)
{
	char tmpl[] = "/tmp/pw-test-gen.XXXXXX";
	struct pw_layer_file f = {.path = (char *)"rust/Cargo.lock", .text = (char *)lock_v4};
	struct pw_layer_file g = {.path = (char *)"Cargo.lock", .text = (char *)lock_v4};
	struct pw_root_tree tree = {.id = (char *)"x", .dest = (char *)PW_GENERATED_DEST,
				    .layer = "crates", .how = "cargo-vendor", .generated = &f};
	struct pw_root_plan p = {.target = "t", .trees = &tree, .n = 1};
	struct pw_err e = PW_ERR_INIT;
	struct pw_buf b = PW_BUF_INIT(1u << 20);
	char *src, *home, *path, *rust, *inhome, *id1 = NULL, *id2 = NULL;
	bool cached;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	src = pw_path_join(tmpl, "src");
	home = pw_path_join(tmpl, "home");
	path = pw_path_join(src, "rust/Cargo.lock");
	rust = pw_path_join(src, "rust");
	inhome = pw_path_join(home, "Cargo.lock");
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(home, 0755), 0);
	/* no rust/ in the sources: one line naming both */
	assert_int_equal(pw_providers_step_prepare(&p, src, home, &e), -ENOENT);
	assert_string_equal(e.msg, "the generated 'rust/Cargo.lock' of pinwheel.lock: no directory "
				   "'rust' in the sources: No such file or directory");
	/* rust/ a symlink out of the sources: refused, nothing written there */
	pw_err_clear(&e);
	assert_int_equal(symlink(home, rust), 0);
	assert_int_equal(pw_providers_step_prepare(&p, src, home, &e), -ELOOP);
	assert_int_equal(access(inhome, F_OK), -1);
	assert_int_equal(unlink(rust), 0);
	/* written where missing, with the lock's text */
	pw_err_clear(&e);
	assert_int_equal(mkdir(rust, 0755), 0);
	assert_int_equal(pw_providers_step_prepare(&p, src, home, &e), 0);
	assert_int_equal(pw_read_file(path, &b), 0);
	assert_string_equal(b.buf, lock_v4);
	/* the sdist's own Cargo.lock is kept */
	pw_buf_release(&b);
	assert_int_equal(pw_write_file_atomic(path, "own\n", 4, 0644), 0);
	assert_int_equal(pw_providers_step_prepare(&p, src, home, &e), 0);
	assert_int_equal(pw_read_file(path, &b), 0);
	assert_string_equal(b.buf, "own\n");
	pw_buf_release(&b);
	/* the tree id: path and text */
	assert_int_equal(pw_crates_generated_tree(NULL, &f, &id1, &cached, &e), 0);
	assert_int_equal(pw_crates_generated_tree(NULL, &g, &id2, &cached, &e), 0);
	assert_string_not_equal(id1, id2);
	free(id1);
	free(id2);
	free(inhome);
	free(rust);
	free(path);
	free(home);
	free(src);
	pw_rm_rf(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lock_v4),	  cmocka_unit_test(test_lock_v1_metadata),
	    cmocka_unit_test(test_lock_errors),	  cmocka_unit_test(test_vendor_key),
	    cmocka_unit_test(test_index_url),	  cmocka_unit_test(test_dl_template),
	    cmocka_unit_test(test_checksum_json), cmocka_unit_test(test_cargo_config),
	    cmocka_unit_test(test_vendor_locked), cmocka_unit_test(test_index_map),
	    cmocka_unit_test(test_generated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
