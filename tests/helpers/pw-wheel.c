/* pw-wheel.c - test helper driving the wheel library directly.
 *
 *   pw-wheel unpack WHEEL DIR        extract WHEEL into DIR (created, must not exist)
 *   pw-wheel pack DIR OUT            pack DIR into OUT (SOURCE_DATE_EPOCH from the env)
 *   pw-wheel retag WHEEL OUTDIR PLAT...
 *                                    unpack, rewrite the Tag lines for PLATs, pack into
 *                                    OUTDIR under the retagged name; prints that name
 *   pw-wheel name WHEEL              print the parsed name parts, one per line
 *   pw-wheel sdist IN OUT            normalise the sdist IN into OUT (SOURCE_DATE_EPOCH)
 *
 * Exit 0 on success, 1 with the error on stderr.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/wheel.h"

static int64_t sde_env(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	if (!s || pw_parse_u64(s, &v) < 0)
		return -1;
	return (int64_t)v;
}

static int unpack(const char *whl, const char *dir, struct pw_err *e)
{
	struct pw_wheel w;
	int r, dfd;

	if (mkdir(dir, 0755) < 0)
		return pw_err_sys(e, errno, "mkdir '%s'", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pw_err_sys(e, errno, "open '%s'", dir);
	r = pw_wheel_open(whl, &w, e);
	if (r == 0) {
		r = pw_wheel_unpack(&w, dfd, e);
		pw_wheel_close(&w);
	}
	close(dfd);
	return r;
}

static int pack(const char *dir, const char *out, struct pw_err *e)
{
	struct pw_wheel_pack_opts o = { .source_date_epoch = sde_env() };
	char *di;
	int r, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return pw_err_sys(e, errno, "open '%s'", dir);
	di = pw_wheel_dir_distinfo(dfd, e);
	r = di ? pw_wheel_pack(dfd, di, out, &o, e) : -errno;
	free(di);
	close(dfd);
	return r;
}

static int retag(const char *whl, const char *outdir, const char *const *plats, size_t n,
		 struct pw_err *e)
{
	struct pw_wheel_name nm;
	const char *tmpdir = getenv("TMPDIR");
	char *tmpl = pw_xasprintf("%s/pw-wheel.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	char *dir = NULL, *di = NULL, *name = NULL, *out = NULL;
	int r, dfd = -1;
	size_t i;

	r = pw_wheel_name_parse(whl, &nm, e);
	if (r < 0)
		return r;
	if (!mkdtemp(tmpl)) {
		r = pw_err_sys(e, errno, "mkdtemp");
		goto out;
	}
	dir = pw_path_join(tmpl, "w");
	r = unpack(whl, dir, e);
	if (r < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	di = dfd >= 0 ? pw_wheel_dir_distinfo(dfd, e) : NULL;
	if (!di) {
		r = -EINVAL;
		goto out;
	}
	r = pw_wheel_dir_retag(dfd, di, plats, n, e);
	if (r < 0)
		goto out;
	{
		struct pw_buf b = PW_BUF_INIT(4096);
		for (i = 0; i < n; i++)
			if (pw_buf_addf(&b, "%s%s", i ? "." : "", plats[i]) < 0)
				abort();
		free(nm.platform);
		nm.platform = pw_buf_detach(&b, NULL);
	}
	name = pw_wheel_name_format(&nm);
	out = pw_path_join(outdir, name);
	{
		struct pw_wheel_pack_opts o = { .source_date_epoch = sde_env() };
		r = pw_wheel_pack(dfd, di, out, &o, e);
	}
	if (r == 0)
		printf("%s\n", name);
out:
	if (dfd >= 0)
		close(dfd);
	if (dir)
		pw_rm_rf(tmpl);
	free(tmpl);
	free(dir);
	free(di);
	free(name);
	free(out);
	pw_wheel_name_release(&nm);
	return r;
}

int main(int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT;
	int r = -EINVAL;

	if (argc == 4 && !strcmp(argv[1], "unpack")) {
		r = unpack(argv[2], argv[3], &e);
	} else if (argc == 4 && !strcmp(argv[1], "pack")) {
		r = pack(argv[2], argv[3], &e);
	} else if (argc >= 5 && !strcmp(argv[1], "retag")) {
		r = retag(argv[2], argv[3], (const char *const *)argv + 4, (size_t)argc - 4, &e);
	} else if (argc == 4 && !strcmp(argv[1], "sdist")) {
		r = pw_sdist_normalize(argv[2], argv[3], sde_env(), &e);
	} else if (argc == 3 && !strcmp(argv[1], "name")) {
		struct pw_wheel_name n;
		r = pw_wheel_name_parse(argv[2], &n, &e);
		if (r == 0) {
			printf("%s\n%s\n%s\n%s\n%s\n%s\n", n.dist, n.version,
			       n.build ? n.build : "-", n.python, n.abi, n.platform);
			pw_wheel_name_release(&n);
		}
	} else {
		fprintf(stderr, "usage: pw-wheel unpack WHEEL DIR | pack DIR OUT | "
				"retag WHEEL OUTDIR PLAT... | name WHEEL | sdist IN OUT\n");
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "pw-wheel: %s\n", e.msg);
		return 1;
	}
	return 0;
}
