/* test_ccache.c - unit tests of the compile cache (compile_cache.h): the
 * wrapper script run by /bin/sh in front of the host's cc (a miss, a hit
 * byte-identical to it, a damaged entry refused and compiled again,
 * --no-cache's write mode, calls it does not cache), the stats lines, and
 * store gc's part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/buf.h"
#include "pinwheel/compile_cache.h"
#include "pinwheel/fsutil.h"

struct fx {
	char dir[64];
	char *cache, *stats, *wrapper;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *src;
	FILE *fp;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ccache.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->cache = pw_path_join(f->dir, "compile-cache");
	f->stats = pw_path_join(f->dir, "stats");
	f->wrapper = pw_path_join(f->dir, "pw-cc");
	if (mkdir(f->cache, 0755) < 0 ||
	    pw_write_file_atomic(f->wrapper, pw_cc_script(), strlen(pw_cc_script()), 0755) < 0)
		return -1;
	src = pw_path_join(f->dir, "a.c");
	fp = fopen(src, "w");
	free(src);
	if (!fp)
		return -1;
	fputs("#include <stddef.h>\nint f(int x) { return x * 3 + (int)sizeof(size_t); }\n", fp);
	fclose(fp);
	setenv("PINWHEEL_CC_DIR", f->cache, 1);
	setenv("PINWHEEL_CC_STATS", f->stats, 1);
	setenv("PINWHEEL_CC_ID", "root-1", 1);
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
	free(f->wrapper);
	free(f);
	return 0;
}

/* Run the wrapper in the fixture's directory: "cc ARGS"; its exit status. */
static int run(struct fx *f, const char *args)
{
	char *cmd =
	    pw_xasprintf("cd %s && /bin/sh ./pw-cc cc %s 2>%s/stderr", f->dir, args, f->dir);
	int st = system(cmd);

	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(struct fx *f, const char *name)
{
	struct pw_buf b = PW_BUF_INIT(1 << 20);
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

static void rename_in(struct fx *f, const char *a, const char *b)
{
	char *pa = pw_path_join(f->dir, a), *pb = pw_path_join(f->dir, b);

	assert_int_equal(rename(pa, pb), 0);
	free(pa);
	free(pb);
}

static bool same_file(struct fx *f, const char *a, const char *b)
{
	bool same;
	struct stat sa, sb;
	char *pa = pw_path_join(f->dir, a), *pb = pw_path_join(f->dir, b);

	/* objects hold NULs: compare sizes and bytes */
	same = stat(pa, &sa) == 0 && stat(pb, &sb) == 0 && sa.st_size == sb.st_size;
	if (same) {
		FILE *fa = fopen(pa, "rb"), *fb = fopen(pb, "rb");
		int ca, cb;

		do {
			ca = fgetc(fa);
			cb = fgetc(fb);
		} while (ca == cb && ca != EOF);
		same = ca == cb;
		fclose(fa);
		fclose(fb);
	}
	free(pa);
	free(pb);
	return same;
}

/* The one entry's object file under the cache (the test makes one key). */
static char *entry_object(struct fx *f)
{
	char *cmd = pw_xasprintf("ls %s/*/*.o", f->cache), line[512] = "";
	FILE *p = popen(cmd, "r");

	free(cmd);
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return pw_xstrdup(line);
}

static void test_miss_hit_damaged(void **state)
{
	struct fx *f = *state;
	struct pw_cc_stats st;
	char *obj, *err;
	FILE *fp;

	/* a miss compiles and records; the same compile elsewhere is a hit
	 * of the same bytes (the output's name is not in the key) */
	assert_int_equal(run(f, "-O2 -g -c a.c -o a1.o"), 0);
	st = stats_of(f);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 0);
	assert_int_equal(run(f, "-O2 -g -c -o a2.o a.c"), 0);
	st = stats_of(f);
	assert_int_equal(st.hits, 1);
	assert_true(same_file(f, "a1.o", "a2.o"));
	/* another flag is another key */
	assert_int_equal(run(f, "-O1 -g -c a.c -o a3.o"), 0);
	assert_int_equal(stats_of(f).misses, 1);
	/* another compiler identity too */
	setenv("PINWHEEL_CC_ID", "root-2", 1);
	assert_int_equal(run(f, "-O2 -g -c a.c -o a4.o"), 0);
	assert_int_equal(stats_of(f).misses, 1);
	setenv("PINWHEEL_CC_ID", "root-1", 1);

	/* one byte flipped in an entry: refused, said, compiled again */
	pw_rm_rf(f->cache);
	assert_int_equal(mkdir(f->cache, 0755), 0);
	assert_int_equal(run(f, "-O2 -g -c a.c -o a1.o"), 0);
	unlink(f->stats);
	obj = entry_object(f);
	fp = fopen(obj, "r+b");
	assert_non_null(fp);
	fseek(fp, 64, SEEK_SET);
	fputc('X' ^ 0x5a, fp);
	fclose(fp);
	assert_int_equal(run(f, "-O2 -g -c a.c -o a5.o"), 0);
	st = stats_of(f);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 0);
	assert_true(same_file(f, "a1.o", "a5.o"));
	err = slurp(f, "stderr");
	assert_non_null(strstr(err, "pinwheel: compile cache: entry "));
	assert_non_null(strstr(err, " does not match its sha256 (damaged): compiling again"));
	free(err);
	/* ... and the entry is whole again */
	assert_int_equal(run(f, "-O2 -g -c a.c -o a6.o"), 0);
	assert_int_equal(stats_of(f).hits, 1);
	assert_true(same_file(f, "a1.o", "a6.o"));
	free(obj);

	/* --no-cache: compiled and recorded, never looked up */
	setenv("PINWHEEL_CC_MODE", "write", 1);
	assert_int_equal(run(f, "-O2 -g -c a.c -o a7.o"), 0);
	st = stats_of(f);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 0);
	unsetenv("PINWHEEL_CC_MODE");
}

static void test_not_cached(void **state)
{
	struct fx *f = *state;
	struct pw_cc_stats st;
	char *s;

	/* a link, dependencies only (-M), two sources: run as they are */
	assert_int_equal(run(f, "-c a.c -o a1.o"), 0);
	unlink(f->stats);
	assert_int_equal(run(f, "-shared a1.o -o a.so"), 0);
	assert_int_equal(run(f, "-M -MF a.d a.c"), 0);
	assert_int_equal(run(f, "-c a.c a.c -o a2.o"), 1);
	st = stats_of(f);
	assert_int_equal(st.skipped, 3);
	assert_int_equal(st.hits + st.misses, 0);
	s = slurp(f, "a.d");
	assert_non_null(strstr(s, "a.c"));
	free(s);
	/* a failing compile fails, nothing recorded */
	assert_int_not_equal(run(f, "-c missing.c -o m.o"), 0);
	assert_int_equal(stats_of(f).skipped, 1); /* its -E failed first */
	/* no cache directory: the compiler alone */
	setenv("PINWHEEL_CC_DIR", "/nonexistent-pinwheel-cc", 1);
	assert_int_equal(run(f, "-c a.c -o a3.o"), 0);
	st = stats_of(f);
	assert_int_equal(st.hits + st.misses + st.skipped + st.corrupt, 0);
	setenv("PINWHEEL_CC_DIR", f->cache, 1);
}

/* make and ninja's dependency files (-MD/-MMD, as meson and CMake pass
 * them): cached beside the object, given back on a hit, checked too */
static void test_depfile(void **state)
{
	struct fx *f = *state;
	struct pw_cc_stats st;
	char *d1, *d2, *p;
	FILE *fp;

	assert_int_equal(run(f, "-c a.c -MD -MQ a2.o -MF a2.d -o a2.o"), 0);
	st = stats_of(f);
	assert_int_equal(st.misses, 1);
	d1 = slurp(f, "a2.d");
	assert_non_null(strstr(d1, "a2.o:"));
	assert_non_null(strstr(d1, "a.c"));
	assert_non_null(strstr(d1, "stddef.h"));
	/* both files gone: a hit gives both back, the same bytes */
	p = pw_path_join(f->dir, "a2.d");
	unlink(p);
	free(p);
	rename_in(f, "a2.o", "a2-miss.o");
	assert_int_equal(run(f, "-c a.c -MD -MQ a2.o -MF a2.d -o a2.o"), 0);
	st = stats_of(f);
	assert_int_equal(st.hits, 1);
	assert_true(same_file(f, "a2.o", "a2-miss.o"));
	d2 = slurp(f, "a2.d");
	assert_string_equal(d1, d2);
	free(d2);
	/* another dependency file's path is another key */
	assert_int_equal(run(f, "-c a.c -MD -MQ a2.o -MF b.d -o a2.o"), 0);
	assert_int_equal(stats_of(f).misses, 1);
	/* -MMD without -MF: OUT with .d; OUT is in the key (the target) */
	assert_int_equal(run(f, "-c a.c -MMD -o a3.o"), 0);
	assert_int_equal(stats_of(f).misses, 1);
	d2 = slurp(f, "a3.d");
	assert_non_null(strstr(d2, "a3.o:"));
	assert_null(strstr(d2, "stddef.h")); /* -MMD: no system headers */
	free(d2);
	assert_int_equal(run(f, "-c a.c -MMD -o a4.o"), 0);
	assert_int_equal(stats_of(f).misses, 1);
	d2 = slurp(f, "a4.d");
	assert_non_null(strstr(d2, "a4.o:"));
	free(d2);
	/* a damaged dependency file in the cache: compiled again */
	p = pw_xasprintf("for e in %s/*/*.d; do printf X >>\"$e\"; done", f->cache);
	fp = popen(p, "r");
	assert_non_null(fp);
	assert_int_equal(pclose(fp), 0);
	free(p);
	assert_int_equal(run(f, "-c a.c -MD -MQ a2.o -MF a2.d -o a2.o"), 0);
	st = stats_of(f);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(st.misses, 1);
	d2 = slurp(f, "a2.d");
	assert_string_equal(d1, d2);
	free(d2);
	free(d1);
}

static void test_stats_parse(void **state)
{
	const char txt[] = "hit aa\nmiss bb\nmiss cc\ncorrupt dd\nskip not one -c\nbogus\nhit";
	struct pw_cc_stats st = {0};

	(void)state;
	pw_cc_stats_parse(txt, sizeof(txt) - 1, &st);
	assert_int_equal(st.hits, 1); /* "hit" without a key is not a line of ours */
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(st.skipped, 1);
}

static void test_gc(void **state)
{
	struct fx *f = *state;
	struct pw_err e = PW_ERR_INIT;
	unsigned removed = 0;
	uint64_t freed = 0;
	char *stray = pw_path_join(f->cache, "ab");
	char *tmp;
	struct stat st;

	assert_int_equal(run(f, "-c a.c -o a1.o"), 0);
	/* a temp file of a killed build and a stray name */
	assert_int_equal(pw_mkdir_p(stray, 0755), 0);
	tmp = pw_path_join(stray, ".tmp.x.1.o");
	assert_int_equal(pw_write_file_atomic(tmp, "x", 1, 0644), 0);
	/* used today: kept by a 30-day gc, the temp file goes */
	assert_int_equal(pw_cc_gc(f->dir, 30, &removed, &freed, &e), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(stat(tmp, &st), -1);
	free(entry_object(f));
	/* 0 days: everything */
	assert_int_equal(pw_cc_gc(f->dir, 0, &removed, &freed, &e), 0);
	assert_int_equal(removed, 1);
	assert_true(freed > 0);
	assert_int_equal(rmdir(f->cache), 0); /* empty: its subdirectories went too */
	/* no cache at all is no error */
	assert_int_equal(pw_cc_gc(f->dir, 0, &removed, &freed, &e), 0);
	assert_int_equal(removed, 0);
	free(tmp);
	free(stray);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_miss_hit_damaged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_cached, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_depfile, setup, teardown),
	    cmocka_unit_test(test_stats_parse),
	    cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
