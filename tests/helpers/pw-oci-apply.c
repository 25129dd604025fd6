/* pw-oci-apply - test-only driver of pw_oci_config_parse() and
 * pw_oci_apply_counted(), so the layer tests and bench/oci-unpack.sh do not
 * need a registry or a store.
 *
 *   pw-oci-apply CONFIG DESTDIR LAYER...   apply the layers into DESTDIR
 *                                          (created; must not exist)
 *   pw-oci-apply --config CONFIG           print the parsed config
 *   pw-oci-apply --python ROOTDIR VERSION [t]
 *
 * Prints "ok ENTRIES BYTES WHITEOUTS SKIPPED" and exits 0, or "error
 * ENAME: MESSAGE" on stderr and exits 1 (2 for bad usage). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/oci.h"

static const char *errname(int code)
{
	switch (code) {
	case EPERM:
		return "EPERM";
	case EINVAL:
		return "EINVAL";
	case EBADMSG:
		return "EBADMSG";
	case ENOENT:
		return "ENOENT";
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	case EFBIG:
		return "EFBIG";
	case E2BIG:
		return "E2BIG";
	default:
		return "E?";
	}
}

static int fail(const struct pw_err *e)
{
	fprintf(stderr, "error %s: %s\n", errname(e->code), e->msg);
	return 1;
}

static int load_config(const char *path, struct pw_oci_config *c, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(16u << 20);
	int r = pw_read_file(path, &b);

	if (r < 0) {
		pw_buf_release(&b);
		return pw_err_sys(e, -r, "cannot read '%s'", path);
	}
	r = pw_oci_config_parse(path, b.buf, b.len, c, e);
	pw_buf_release(&b);
	return r;
}

static void print_opt(const char *k, const char *v)
{
	printf("%s=%s\n", k, v ? v : "(none)");
}

int main(int argc, char **argv)
{
	struct pw_oci_config c;
	struct pw_oci_apply_stats st = {0};
	struct pw_err e = PW_ERR_INIT;
	int dfd, r;

	if (argc == 3 && !strcmp(argv[1], "--config")) {
		if (load_config(argv[2], &c, &e) < 0)
			return fail(&e);
		print_opt("os", c.os);
		print_opt("architecture", c.arch);
		print_opt("variant", c.variant);
		print_opt("workdir", c.workdir);
		print_opt("user", c.user);
		for (size_t i = 0; c.env && c.env[i]; i++)
			printf("env %s\n", c.env[i]);
		for (size_t i = 0; i < c.ndiff; i++)
			printf("diff_id %s\n", c.diff_ids[i]);
		pw_oci_config_release(&c);
		return 0;
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "--python")) {
		char *py;

		dfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			perror(argv[2]);
			return 1;
		}
		py = pw_oci_python(dfd, argv[3], argc == 5);
		close(dfd);
		printf("%s\n", py ? py : "(none)");
		free(py);
		return py ? 0 : 1;
	}
	if (argc < 4) {
		fputs("usage: pw-oci-apply CONFIG DESTDIR LAYER... | --config CONFIG | "
		      "--python ROOTDIR VERSION [t]\n",
		      stderr);
		return 2;
	}
	if (load_config(argv[1], &c, &e) < 0)
		return fail(&e);
	if (mkdir(argv[2], 0755) < 0) {
		perror(argv[2]);
		pw_oci_config_release(&c);
		return 1;
	}
	dfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		perror(argv[2]);
		pw_oci_config_release(&c);
		return 1;
	}
	r = pw_oci_apply_counted(dfd, &c, (const char *const *)argv + 3, (size_t)argc - 3, &st,
				 &e);
	close(dfd);
	pw_oci_config_release(&c);
	if (r < 0)
		return fail(&e);
	printf("ok %llu %llu %llu %llu\n", (unsigned long long)st.entries,
	       (unsigned long long)st.bytes, (unsigned long long)st.whiteouts,
	       (unsigned long long)st.skipped_nodes);
	return 0;
}
