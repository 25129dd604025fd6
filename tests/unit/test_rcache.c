/* test_rcache.c - unit tests of the compile cache's rustc wrapper
 * (compile_cache.h, pw_rc_script(); docs/compile-cache.md, "Rust"): the
 * script run by /bin/sh in front of the host's rustc as cargo runs it (a
 * library crate with --emit=dep-info,metadata,link and --out-dir).  What
 * the key covers: the arguments, the crate's sources (a file it includes
 * with include_str!), a variable it reads with env!, the crates it loads
 * (--extern); a hit gives a miss's bytes; a damaged entry is refused,
 * said, compiled again and written again; --no-cache's write mode; what
 * it does not cache; the stats lines; store gc of crate entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/buf.h"
#include "pinwheel/compile_cache.h"
#include "pinwheel/fsutil.h"

struct fx {
	char dir[64];
	char *cache, *stats;
};

static void put(struct fx *f, const char *name, const char *text)
{
	char *p = pw_path_join(f->dir, name);

	assert_int_equal(pw_write_file_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *w;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_rcache.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->cache = pw_path_join(f->dir, "compile-cache");
	f->stats = pw_path_join(f->dir, "stats");
	w = pw_path_join(f->dir, "pw-rustc");
	if (mkdir(f->cache, 0755) < 0 ||
	    pw_write_file_atomic(w, pw_rc_script(), strlen(pw_rc_script()), 0755) < 0)
		return -1;
	free(w);
	put(f, "dep.rs",
	    "pub const T: &str = include_str!(\"t.txt\");\n"
	    "pub const V: &str = env!(\"PW_RCACHE_VAR\");\n"
	    "pub fn f(x: u32) -> u32 { x * 3 + T.len() as u32 + V.len() as u32 }\n");
	put(f, "t.txt", "one");
	put(f, "user.rs", "pub fn g() -> u32 { dep::f(2) }\n");
	put(f, "main.rs", "fn main() {}\n");
	w = pw_path_join(f->dir, "out");
	if (mkdir(w, 0755) < 0)
		return -1;
	free(w);
	setenv("PINWHEEL_CC_DIR", f->cache, 1);
	setenv("PINWHEEL_CC_STATS", f->stats, 1);
	setenv("PINWHEEL_CC_ID", "root-1", 1);
	setenv("PW_RCACHE_VAR", "a", 1);
	unsetenv("PINWHEEL_CC_MODE");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pw_rm_rf(f->dir);
	free(f->cache);
	free(f->stats);
	free(f);
	return 0;
}

/* Run the wrapper in the fixture's directory: "rustc ARGS"; its exit status. */
static int run(struct fx *f, const char *args)
{
	char *cmd = pw_xasprintf("cd %s && /bin/sh ./pw-rustc rustc %s >%s/stdout 2>%s/stderr",
				 f->dir, args, f->dir, f->dir);
	int st = system(cmd);

	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define DEP                                                                                        \
	"--crate-name dep --edition=2021 dep.rs --crate-type lib "                                 \
	"--emit=dep-info,metadata,link -C opt-level=2 -C metadata=1 -C extra-filename=-1 "         \
	"--out-dir out"
#define USER                                                                                       \
	"--crate-name user --edition=2021 user.rs --crate-type lib "                               \
	"--emit=dep-info,metadata,link -C extra-filename=-1 --out-dir out "                        \
	"-L dependency=out --extern dep=out/libdep-1.rlib"

static char *slurp(struct fx *f, const char *name)
{
	struct pw_buf b = PW_BUF_INIT(64 << 20);
	char *p = pw_path_join(f->dir, name);

	assert_int_equal(pw_read_file(p, &b), 0);
	free(p);
	return pw_buf_detach(&b, NULL);
}

static struct pw_cc_stats stats_of(struct fx *f)
{
	struct pw_cc_stats st = {0};
	struct pw_err e = PW_ERR_INIT;

	assert_int_equal(pw_cc_stats_read(f->stats, &st, &e), 0);
	unlink(f->stats);
	return st;
}

/* 0 when files @a and @b of the fixture hold the same bytes */
static int cmp(struct fx *f, const char *a, const char *b)
{
	char *cmd = pw_xasprintf("cd %s && cmp -s %s %s", f->dir, a, b);
	int st = system(cmd);

	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void sh(struct fx *f, const char *what)
{
	char *cmd = pw_xasprintf("cd %s && %s", f->dir, what);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* rustc on PATH, else the test skips (fails under PINWHEEL_NO_SKIP) */
static void need_rustc(void)
{
	if (system("rustc -vV >/dev/null 2>&1") == 0)
		return;
	if (getenv("PINWHEEL_NO_SKIP"))
		fail_msg("no rustc on PATH (tests/deps.sh installs cargo)");
	skip();
}

static void test_key_hit_damaged(void **state)
{
	struct fx *f = *state;
	struct pw_cc_stats st;
	char *err;

	need_rustc();
	/* a miss compiles and records the three outputs */
	assert_int_equal(run(f, DEP), 0);
	st = stats_of(f);
	assert_int_equal(st.rmisses, 1);
	assert_int_equal(st.rhits, 0);
	sh(f, "mkdir keep && cp out/libdep-1.rlib out/libdep-1.rmeta out/dep-1.d keep/");
	/* the same call again, outputs gone: a hit of the same bytes */
	sh(f, "rm -f out/*");
	assert_int_equal(run(f, DEP), 0);
	/* by the call's manifest, without the dep-info pass */
	sh(f, "grep -q '^rhit [0-9a-f]\\{64\\} dep direct$' stats");
	assert_int_equal(stats_of(f).rhits, 1);
	assert_int_equal(cmp(f, "out/libdep-1.rlib", "keep/libdep-1.rlib"), 0);
	assert_int_equal(cmp(f, "out/libdep-1.rmeta", "keep/libdep-1.rmeta"), 0);
	assert_int_equal(cmp(f, "out/dep-1.d", "keep/dep-1.d"), 0);
	/* a manifest with a byte flipped is not used: the dep-info pass gives
	 * the key (a hit all the same), and the manifest is written again */
	sh(f, "test \"$(ls -d compile-cache/*/*.rdirect | wc -l)\" = 1 && "
	      "printf Z | dd of=$(ls -d compile-cache/*/*.rdirect)/key bs=1 seek=3 conv=notrunc "
	      "2>/dev/null");
	assert_int_equal(run(f, DEP), 0);
	sh(f, "grep -q '^rhit [0-9a-f]\\{64\\} dep$' stats");
	assert_int_equal(stats_of(f).rhits, 1);
	assert_int_equal(run(f, DEP), 0);
	sh(f, "grep -q '^rhit [0-9a-f]\\{64\\} dep direct$' stats");
	assert_int_equal(stats_of(f).rhits, 1);
	/* another flag, another included file's content, another value of a
	 * variable the crate reads: each another key */
	assert_int_equal(run(f, DEP " -C debug-assertions=on"), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	put(f, "t.txt", "two");
	assert_int_equal(run(f, DEP), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	setenv("PW_RCACHE_VAR", "b", 1);
	assert_int_equal(run(f, DEP), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	/* back to the first inputs: a hit */
	put(f, "t.txt", "one");
	setenv("PW_RCACHE_VAR", "a", 1);
	assert_int_equal(run(f, DEP), 0);
	assert_int_equal(stats_of(f).rhits, 1);

	/* a crate that loads dep: its key has dep's content */
	assert_int_equal(run(f, USER), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	assert_int_equal(run(f, USER), 0);
	assert_int_equal(stats_of(f).rhits, 1);
	put(f, "t.txt", "three");
	assert_int_equal(run(f, DEP), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	assert_int_equal(run(f, USER), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	put(f, "t.txt", "one");
	assert_int_equal(run(f, DEP), 0);
	assert_int_equal(stats_of(f).rhits, 1);

	/* a byte flipped in the entry's rlib: refused, said, compiled again,
	 * the outputs those of a compile; the entry written again */
	sh(f, "r=$(ls compile-cache/*/*.rust/libdep-1.rlib | head -n 1) && "
	      "for e in compile-cache/*/*.rust; do [ -f $e/libdep-1.rlib ] || continue; "
	      "grep -q \"$(sha256sum <keep/libdep-1.rlib | cut -c1-64)\" $e/sums && "
	      "printf Z | dd of=$e/libdep-1.rlib bs=1 seek=100 conv=notrunc 2>/dev/null; done; "
	      "rm -f out/*");
	assert_int_equal(run(f, DEP), 0);
	st = stats_of(f);
	assert_int_equal(st.rcorrupt, 1);
	assert_int_equal(st.rmisses, 1);
	assert_int_equal(st.rhits, 0);
	err = slurp(f, "stderr");
	assert_non_null(strstr(err, "pinwheel: compile cache: entry "));
	assert_non_null(strstr(err, " (crate dep) does not match its sha256 (damaged): compiling "
				    "again\n"));
	free(err);
	assert_int_equal(cmp(f, "out/libdep-1.rlib", "keep/libdep-1.rlib"), 0);
	sh(f, "rm -f out/*");
	assert_int_equal(run(f, DEP), 0);
	assert_int_equal(stats_of(f).rhits, 1);
	assert_int_equal(cmp(f, "out/libdep-1.rlib", "keep/libdep-1.rlib"), 0);

	/* --no-cache: compiled and recorded though present */
	setenv("PINWHEEL_CC_MODE", "write", 1);
	assert_int_equal(run(f, DEP), 0);
	st = stats_of(f);
	assert_int_equal(st.rmisses, 1);
	assert_int_equal(st.rhits, 0);
	unsetenv("PINWHEEL_CC_MODE");
	sh(f, "test -z \"$(find compile-cache -name '.tmp.*')\"");
}

static void test_not_cached(void **state)
{
	struct fx *f = *state;
	struct pw_cc_stats st;

	need_rustc();
	/* cargo's probes pass through, not counted */
	assert_int_equal(run(f, "-vV"), 0);
	assert_int_equal(
	    run(f, "- --crate-name ___ --print=file-names --crate-type lib </dev/null"), 0);
	st = stats_of(f);
	assert_int_equal(st.rhits + st.rmisses + st.rskipped + st.rcorrupt, 0);
	/* a static library, a native library, incremental: skipped */
	assert_int_equal(
	    run(f, "--crate-name m dep.rs --crate-type staticlib --emit=link --out-dir out"), 0);
	assert_int_equal(run(f, DEP " -l static=nothere"), 1);
	assert_int_equal(run(f, DEP " -C incremental=inc"), 0);
	st = stats_of(f);
	assert_int_equal(st.rskipped, 3);
	assert_int_equal(st.rmisses + st.rhits, 0);
	/* a failing compile fails and records nothing */
	put(f, "dep.rs", "pub fn f( {\n");
	assert_int_equal(run(f, DEP), 1);
	st = stats_of(f);
	assert_int_equal(st.rmisses + st.rhits + st.rskipped, 1); /* its dep-info pass failed */
	sh(f, "test -z \"$(find compile-cache -name '*.rust')\"");
	/* no cache directory: rustc as it is */
	setenv("PINWHEEL_CC_DIR", "/nonexistent", 1);
	put(f, "dep.rs", "pub fn f() {}\n");
	assert_int_equal(run(f, DEP), 0);
	assert_int_equal(access(f->stats, F_OK), -1);
}

#define TOP                                                                                        \
	"--crate-name top --edition=2021 top.rs --crate-type cdylib --emit=dep-info,link "         \
	"-C extra-filename=-1 --out-dir out -L dependency=out --extern user=out/libuser-1.rlib"
#define BIN "--crate-name m main.rs --crate-type bin --emit=dep-info,link -C extra-filename=-1 " \
	    "--out-dir out"

/* A linked crate (a cdylib, a binary): keyed by the root, the linker's
 * content and every crate's code, a hit the miss's bytes, a damaged entry
 * refused; a link argument naming a file is not cached. */
static void test_linked(void **state)
{
	struct fx *f = *state;
	struct pw_cc_stats st;
	char *err;

	need_rustc();
	put(f, "top.rs", "#[no_mangle]\npub extern \"C\" fn h() -> u32 { user::g() }\n");
	put(f, "main.rs", "fn main() { println!(\"m\"); }\n");
	assert_int_equal(run(f, DEP), 0);
	assert_int_equal(run(f, USER), 0);
	assert_int_equal(stats_of(f).rmisses, 2);
	/* the cdylib: a miss, then a hit of the same bytes */
	assert_int_equal(run(f, TOP), 0);
	st = stats_of(f);
	assert_int_equal(st.rmisses, 1);
	assert_int_equal(st.rskipped, 0);
	sh(f, "mkdir keep && cp out/libtop-1.so out/top-1.d keep/ && rm out/libtop-1.so out/top-1.d");
	assert_int_equal(run(f, TOP), 0);
	assert_int_equal(stats_of(f).rhits, 1);
	assert_int_equal(cmp(f, "out/libtop-1.so", "keep/libtop-1.so"), 0);
	assert_int_equal(cmp(f, "out/top-1.d", "keep/top-1.d"), 0);
	/* the type given twice (old cargo's `cargo rustc --crate-type`): one */
	assert_int_equal(run(f, TOP " --crate-type cdylib"), 0);
	st = stats_of(f);
	assert_int_equal(st.rmisses, 1);
	assert_int_equal(st.rskipped, 0);
	/* another root (the linker's libraries): another key */
	setenv("PINWHEEL_CC_ID", "root-2", 1);
	assert_int_equal(run(f, TOP), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	setenv("PINWHEEL_CC_ID", "root-1", 1);
	/* dep's code (an rlib the dep-info pass knows by its .rmeta only) */
	sh(f, "mkdir o2 && rustc --crate-name dep --edition=2021 dep.rs --crate-type lib "
	      "--emit=link -C opt-level=0 -C metadata=1 -C extra-filename=-1 --out-dir o2 && "
	      "cp out/libdep-1.rlib keep/ && cp o2/libdep-1.rlib out/");
	run(f, TOP);
	assert_int_equal(stats_of(f).rhits, 0);
	sh(f, "cp keep/libdep-1.rlib out/");
	assert_int_equal(run(f, TOP), 0);
	assert_int_equal(stats_of(f).rhits, 1);
	/* the linker by its content */
	put(f, "ld1", "#!/bin/sh\nexec cc \"$@\"\n");
	sh(f, "chmod 755 ld1");
	assert_int_equal(run(f, TOP " -C linker=./ld1"), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	assert_int_equal(run(f, TOP " -C linker=./ld1"), 0);
	assert_int_equal(stats_of(f).rhits, 1);
	put(f, "ld1", "#!/bin/sh\n# another linker\nexec cc \"$@\"\n");
	sh(f, "chmod 755 ld1");
	assert_int_equal(run(f, TOP " -C linker=./ld1"), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	/* a binary (a build script): a hit that runs */
	assert_int_equal(run(f, BIN), 0);
	assert_int_equal(stats_of(f).rmisses, 1);
	sh(f, "rm out/m-1 && test ! -e out/m-1");
	assert_int_equal(run(f, BIN), 0);
	assert_int_equal(stats_of(f).rhits, 1);
	sh(f, "test \"$(./out/m-1)\" = m");
	/* a byte flipped in the cdylib's entry */
	sh(f, "for e in compile-cache/*/*.rust; do [ -f $e/libtop-1.so ] || continue; "
	      "grep -q \"$(sha256sum <keep/libtop-1.so | cut -c1-64)\" $e/sums && "
	      "printf Z | dd of=$e/libtop-1.so bs=1 seek=100 conv=notrunc 2>/dev/null; done; "
	      "rm -f out/libtop-1.so");
	assert_int_equal(run(f, TOP), 0);
	st = stats_of(f);
	assert_int_equal(st.rcorrupt, 1);
	assert_int_equal(st.rmisses, 1);
	err = slurp(f, "stderr");
	assert_non_null(strstr(err, " (crate top) does not match its sha256 (damaged): compiling "
				    "again\n"));
	free(err);
	assert_int_equal(cmp(f, "out/libtop-1.so", "keep/libtop-1.so"), 0);
	assert_int_equal(run(f, TOP), 0);
	assert_int_equal(stats_of(f).rhits, 1);
	/* a link argument naming a file: not cached */
	put(f, "v.map", "{ global: h; local: *; };\n");
	assert_int_equal(run(f, TOP " -C link-arg=-Wl,--version-script=./v.map"), 0);
	st = stats_of(f);
	assert_int_equal(st.rskipped, 1);
	assert_int_equal(st.rhits + st.rmisses, 0);
}

static void test_stats_parse(void **state)
{
	const char txt[] = "rhit aa dep\nrmiss bb syn\nrmiss cc quote\nrcorrupt dd x\n"
			   "rskip crate type bin\nhit ee\nrbogus\nrhit";
	struct pw_cc_stats st = {0};

	(void)state;
	pw_cc_stats_parse(txt, sizeof(txt) - 1, &st);
	assert_int_equal(st.rhits, 1);
	assert_int_equal(st.rmisses, 2);
	assert_int_equal(st.rcorrupt, 1);
	assert_int_equal(st.rskipped, 1);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses + st.corrupt + st.skipped, 0);
}

static void test_gc(void **state)
{
	struct fx *f = *state;
	struct pw_err e = PW_ERR_INIT;
	unsigned removed;
	uint64_t freed;
	char *old = pw_xasprintf("%s/ab/ab%062d.rust", f->cache, 1);
	char *new = pw_xasprintf("%s/cd/cd%062d.rust", f->cache, 2);
	char *man = pw_xasprintf("%s/ab/ab%062d.rdirect", f->cache, 3);
	char *cmd = pw_xasprintf("mkdir -p %s %s %s && touch %s/x && touch -d '40 days ago' %s %s && "
				 "mkdir %s/cd/.tmp.x.1",
				 old, new, man, old, old, man, f->cache);

	assert_int_equal(system(cmd), 0);
	assert_int_equal(pw_cc_gc(f->dir, 30, &removed, &freed, &e), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(access(old, F_OK), -1);
	assert_int_equal(access(man, F_OK), -1); /* a manifest: by age, not counted */
	assert_int_equal(access(new, F_OK), 0);
	assert_int_equal(pw_cc_gc(f->dir, 0, &removed, &freed, &e), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(access(new, F_OK), -1);
	free(old);
	free(new);
	free(man);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_key_hit_damaged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_cached, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_linked, setup, teardown),
	    cmocka_unit_test(test_stats_parse),
	    cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
