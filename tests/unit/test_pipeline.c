/* test_pipeline.c - unit tests of runner/wheel/pipeline.c: what build and
 * repair get from the one wheel pipeline without running a sandbox (the
 * repair itself is tested end to end by t5401 and the build tests): a
 * pure wheel kept (build) or refused (repair), an extension retagged with
 * its best policy and its module found, --plat, the root asked for only
 * when something must be vendored, libpython refused, the step of each
 * failure, nothing left in OUT, the same bytes twice.  The ELF fixtures
 * are built with the host's cc in a temp directory; the input wheels are
 * packed by pw_wheel_pack(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pinwheel/audit.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/pipeline.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/wheel.h"

static char tmp[] = "/tmp/pw-pipeline-XXXXXX";
static struct pw_policy_set *pol;
static unsigned nrun; /* a fresh unpack directory per run */

static void sh(const char *fmt, ...) PW_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "fixture command failed: %s\n", cmd);
		abort();
	}
}

static void write_text(const char *name, const char *text)
{
	char *p = pw_xasprintf("%s/%s", tmp, name);

	sh("mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(pw_write_file_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

/* Pack the tree tmp/src/@dist, with @wheel_text as its
 * @dist-1.0.dist-info/WHEEL, into tmp/in/@whl. */
static void make_wheel(const char *dist, const char *whl, const char *wheel_text)
{
	char *di = pw_xasprintf("src/%s/%s-1.0.dist-info/WHEEL", dist, dist);
	char *dir = pw_xasprintf("%s/src/%s", tmp, dist), *out = pw_xasprintf("%s/in/%s", tmp, whl);
	char *name = pw_xasprintf("%s-1.0.dist-info", dist), *in = pw_path_join(tmp, "in");
	struct pw_wheel_pack_opts po = {.source_date_epoch = 1700000000, .threads = 1};
	struct pw_err e = PW_ERR_INIT;
	int fd;

	write_text(di, wheel_text);
	assert_int_equal(pw_mkdir_p(in, 0755), 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pw_wheel_pack(fd, name, out, &po, &e), 0);
	close(fd);
	free(di);
	free(dir);
	free(out);
	free(name);
	free(in);
}

static int setup(void **state)
{
	struct pw_err e = PW_ERR_INIT;
	static const char platlib[] = "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"
				      "Tag: cp311-cp311-linux_x86_64\n";

	(void)state;
	if (!mkdtemp(tmp))
		return -1;
	write_text("c/x.c", "void *PyInit_x(void) { return 0; }\n");
	write_text("c/dep.c", "int pwdep(int x) { return x + 1; }\n");
	write_text("c/y.c", "int pwdep(int);\nvoid *PyInit_y(void) { return (void *)(long)pwdep(1); }\n");
	write_text("c/py.c", "int Py_IsInitialized(void) { return 1; }\n");
	write_text("c/z.c", "int Py_IsInitialized(void);\n"
			    "void *PyInit_z(void) { return (void *)(long)Py_IsInitialized(); }\n");
	sh("cd %s/c && mkdir -p ../src/x/x ../src/y/y ../src/z/z ../src/p/p && "
	   "cc -shared -fPIC -o ../src/x/x/x.so x.c && "
	   "cc -shared -fPIC -o libpwdep.so.1 -Wl,-soname,libpwdep.so.1 dep.c && "
	   "cc -shared -fPIC -o ../src/y/y/y.so y.c -L. -l:libpwdep.so.1 && "
	   "cc -shared -fPIC -o libpython3.99.so.1.0 -Wl,-soname,libpython3.99.so.1.0 py.c && "
	   "cc -shared -fPIC -o ../src/z/z/z.so z.c -L. -l:libpython3.99.so.1.0 && "
	   "touch ../src/x/x/__init__.py ../src/p/p/__init__.py",
	   tmp);
	make_wheel("p", "p-1.0-py3-none-any.whl",
		   "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
	make_wheel("x", "x-1.0-cp311-cp311-linux_x86_64.whl", platlib);
	make_wheel("y", "y-1.0-cp311-cp311-linux_x86_64.whl", platlib);
	make_wheel("z", "z-1.0-cp311-cp311-linux_x86_64.whl", platlib);
	return pw_policies_load(NULL, &pol, &e) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pw_policies_free(pol);
	return pw_rm_rf(tmp);
}

/* Options as build (@repair false) or repair gives them, writing into
 * tmp/@out; o->dir is a fresh directory (the caller frees it). */
static struct pw_pipeline_opts opts(bool repair, const char *out)
{
	struct pw_pipeline_opts o = {.policies = pol,
				     .source_date_epoch = 1700000000,
				     .manylinux = repair,
				     .name_by_dist = !repair,
				     .logfd = -1};

	o.dir = pw_xasprintf("%s/unpacked-%u", tmp, nrun++);
	o.out_dir = pw_xasprintf("%s/%s", tmp, out);
	return o;
}

static void opts_free(struct pw_pipeline_opts *o)
{
	free((char *)o->dir);
	free((char *)o->out_dir);
}

/* Run @o on tmp/in/@whl. */
static int run(const struct pw_pipeline_opts *o, const char *whl, struct pw_pipeline_result *r,
	       struct pw_err *e)
{
	char *path = pw_xasprintf("%s/in/%s", tmp, whl);
	struct pw_wheel w;
	int rc;

	assert_int_equal(pw_wheel_open(path, &w, e), 0);
	rc = pw_pipeline_run(o, &w, r, e);
	pw_wheel_close(&w);
	free(path);
	return rc;
}

static size_t count_files(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;

	if (fd < 0)
		return 0;
	assert_int_equal(pw_list_dir_sorted(fd, &names, &n), 0);
	pw_free_names(names, n);
	close(fd);
	return n;
}

static void test_pure(void **state)
{
	struct pw_pipeline_opts o = opts(false, "out-pure");
	struct pw_pipeline_result r;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(run(&o, "p-1.0-py3-none-any.whl", &r, &e), 0);
	assert_int_equal(r.failed, PW_PIPELINE_OK);
	assert_string_equal(r.wheel, "p-1.0-py3-none-any.whl");
	assert_string_equal(r.platform, "any");
	assert_string_equal(r.tag, "any");
	assert_null(r.modules[0]);
	assert_int_equal(r.repair.nvendored, 0);
	assert_int_equal(count_files(o.out_dir), 1);
	pw_pipeline_result_release(&r);
	opts_free(&o);

	/* repair refuses it, and says so alone (the command names the wheel) */
	o = opts(true, "out-pure-repair");
	assert_int_equal(run(&o, "p-1.0-py3-none-any.whl", &r, &e), -EINVAL);
	assert_int_equal(r.failed, PW_PIPELINE_REFUSED);
	assert_string_equal(e.msg, "no ELF members: a pure wheel needs no repair");
	assert_null(r.wheel);
	assert_int_equal(count_files(o.out_dir), 0);
	opts_free(&o);
}

static void test_extension(void **state)
{
	struct pw_pipeline_opts o = opts(false, "out-x");
	struct pw_pipeline_result r, r2;
	struct pw_err e = PW_ERR_INIT;
	char *want, *p1, *p2;
	char h1[PW_SHA256_HEX], h2[PW_SHA256_HEX];
	int fd;

	(void)state;
	assert_int_equal(run(&o, "x-1.0-cp311-cp311-linux_x86_64.whl", &r, &e), 0);
	assert_int_equal(strncmp(r.tag, "manylinux_", 10), 0);
	assert_int_equal(strncmp(r.platform, r.tag, strlen(r.tag)), 0);
	want = pw_xasprintf("x-1.0-cp311-cp311-%s.whl", r.platform);
	assert_string_equal(r.wheel, want);
	free(want);
	assert_string_equal(r.modules[0], "x.x");
	assert_null(r.modules[1]);

	/* the same input, options and SOURCE_DATE_EPOCH: the same bytes, and
	 * repair's view of it gives the same wheel */
	opts_free(&o);
	o = opts(true, "out-x2");
	assert_int_equal(run(&o, "x-1.0-cp311-cp311-linux_x86_64.whl", &r2, &e), 0);
	assert_string_equal(r2.wheel, r.wheel);
	p1 = pw_xasprintf("%s/out-x/%s", tmp, r.wheel);
	p2 = pw_xasprintf("%s/out-x2/%s", tmp, r2.wheel);
	fd = open(p1, O_RDONLY | O_CLOEXEC);
	assert_int_equal(pw_sha256_fd(fd, h1, NULL), 0);
	close(fd);
	fd = open(p2, O_RDONLY | O_CLOEXEC);
	assert_int_equal(pw_sha256_fd(fd, h2, NULL), 0);
	close(fd);
	assert_string_equal(h1, h2);
	free(p1);
	free(p2);
	pw_pipeline_result_release(&r);
	pw_pipeline_result_release(&r2);
	opts_free(&o);
}

static void test_plat(void **state)
{
	struct pw_pipeline_opts o = opts(true, "out-plat");
	struct pw_pipeline_result r;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	o.plat = "manylinux_9_99";
	assert_int_equal(run(&o, "x-1.0-cp311-cp311-linux_x86_64.whl", &r, &e), -EINVAL);
	assert_int_equal(r.failed, PW_PIPELINE_PLAT);
	assert_non_null(strstr(e.msg, "'manylinux_9_99': not a manylinux policy for "));
	opts_free(&o);

	o = opts(true, "out-plat");
	o.plat = "linux";
	assert_int_equal(run(&o, "x-1.0-cp311-cp311-linux_x86_64.whl", &r, &e), 0);
	assert_int_equal(strncmp(r.platform, "linux_", 6), 0);
	assert_int_equal(strncmp(r.tag, "manylinux_", 10), 0); /* the audit's verdict */
	pw_pipeline_result_release(&r);
	assert_int_equal(count_files(o.out_dir), 1);
	opts_free(&o);
}

struct root_calls {
	unsigned n;
	char arch[32];
};

static int failing_root(void *arg, const char *arch, struct pw_sandbox_spec *spec,
			struct pw_err *e)
{
	struct root_calls *c = arg;

	c->n++;
	snprintf(c->arch, sizeof(c->arch), "%s", arch ? arch : "");
	assert_int_equal(spec->n_layers, 0);
	return pw_err_set(e, ENOENT, "no such root here");
}

static void test_root(void **state)
{
	struct pw_pipeline_opts o = opts(false, "out-y0");
	struct pw_pipeline_result r;
	struct pw_err e = PW_ERR_INIT;
	struct root_calls calls = {0};
	char *log = pw_xasprintf("%s/y.log", tmp);
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	int fd;

	(void)state;
	/* nothing to vendor: the root is never asked for */
	o.root = failing_root;
	o.root_arg = &calls;
	assert_int_equal(run(&o, "x-1.0-cp311-cp311-linux_x86_64.whl", &r, &e), 0);
	assert_int_equal(calls.n, 0);
	pw_pipeline_result_release(&r);
	opts_free(&o);

	/* libpwdep.so.1 to vendor: asked once, its error kept, the log told */
	o = opts(false, "out-y");
	o.root = failing_root;
	o.root_arg = &calls;
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	o.logfd = fd;
	assert_int_equal(run(&o, "y-1.0-cp311-cp311-linux_x86_64.whl", &r, &e), -ENOENT);
	close(fd);
	assert_int_equal(r.failed, PW_PIPELINE_ROOT);
	assert_string_equal(e.msg, "no such root here");
	assert_int_equal(calls.n, 1);
	assert_true(calls.arch[0] != '\0');
	assert_int_equal(pw_read_file(log, &b), 0);
	assert_string_equal(b.buf, "==== pinwheel: repair: 1 external libraries\n");
	assert_int_equal(count_files(o.out_dir), 0);
	opts_free(&o);

	/* without a root at all */
	o = opts(false, "out-y");
	assert_int_equal(run(&o, "y-1.0-cp311-cp311-linux_x86_64.whl", &r, &e), -ENOENT);
	assert_int_equal(r.failed, PW_PIPELINE_ROOT);
	assert_non_null(strstr(e.msg, "libpwdep.so.1"));
	opts_free(&o);
	pw_buf_release(&b);
	free(log);
}

static void test_refused_and_unpack(void **state)
{
	struct pw_pipeline_opts o = opts(false, "out-z");
	struct pw_pipeline_result r;
	struct pw_err e = PW_ERR_INIT;

	(void)state;
	assert_int_equal(run(&o, "z-1.0-cp311-cp311-linux_x86_64.whl", &r, &e), -EINVAL);
	assert_int_equal(r.failed, PW_PIPELINE_REFUSED);
	assert_non_null(strstr(e.msg, "libpython linkage is never allowed"));
	assert_int_equal(count_files(o.out_dir), 0);

	/* the unpack directory must be new */
	assert_int_equal(run(&o, "x-1.0-cp311-cp311-linux_x86_64.whl", &r, &e), -EEXIST);
	assert_int_equal(r.failed, PW_PIPELINE_UNPACK);
	opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pure),
	    cmocka_unit_test(test_extension),
	    cmocka_unit_test(test_plat),
	    cmocka_unit_test(test_root),
	    cmocka_unit_test(test_refused_and_unpack),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
