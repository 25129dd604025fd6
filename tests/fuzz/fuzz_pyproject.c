/* fuzz_pyproject.c - the build's readers of project-controlled text must
 * never crash or leak: pyproject.toml's [build-system] (pw_pep517_read(),
 * through a file in a per-process temp directory), git describe output
 * (pw_scm_version()) and member paths (pw_smoke_module_name()). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/build.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/pipeline.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static char dir[64];

static void cleanup(void)
{
	pw_rm_rf(dir);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_pep517 p;
	char *s, *v = NULL, *path;

	if (size > (64u << 10))
		return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_pyproject.%d", (int)getpid());
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			abort();
		atexit(cleanup);
	}
	s = pw_xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (pw_scm_version(s, &v, &e) == 0)
		free(v);
	free(pw_smoke_module_name(s, "mod"));
	free(pw_smoke_module_name("pkg/m.so", s));
	path = pw_path_join(dir, "pyproject.toml");
	if (pw_write_file_atomic(path, data, size, 0644) == 0 && pw_pep517_read(dir, &p, &e) == 0) {
		char **argv = pw_pep517_argv("python3", "build_wheel", "/out", &p, NULL);

		pw_strv_free(argv);
		pw_pep517_release(&p);
	}
	free(path);
	free(s);
	return 0;
}
