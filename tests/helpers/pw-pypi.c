/* pw-pypi - test driver for the PyPI provider (not installed).
 *
 *   pw-pypi parse REPORT              print the wheels of a pip report
 *   pw-pypi lock [OPTS] NAME==VER...  resolve in the root; print one line
 *                                     per wheel: "name version sha256 size url"
 *   pw-pypi install [OPTS] LOCKFILE   build the layer from such lines (blobs
 *                                     in --store); print "TREEID TREEPATH"
 * OPTS: --store DIR --python PATH --target NAME --root-id ID
 *       --layer DIR, --ro-bind SRC:DST, --tmpfs DST, --env K=V, --ro-root
 *       (the root spec, in order, as for `pinwheel run`)
 * Errors: "pw-pypi: MESSAGE" on stderr, exit 1 (2 for usage).
 */
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/pypi.h"
#include "pinwheel/store.h"

static int usage(void)
{
	fprintf(stderr, "usage: pw-pypi parse REPORT | lock [OPTS] PIN... | install [OPTS] FILE\n");
	return 2;
}

static int fail(const struct pw_err *e)
{
	fprintf(stderr, "pw-pypi: %s\n", e->msg);
	return 1;
}

static void print_wheels(const struct pw_artifact *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].size == PW_SIZE_UNKNOWN)
			printf("%s %s %s - %s\n", a[i].name, a[i].version, a[i].sha256,
			       a[i].urls[0]);
		else
			printf("%s %s %s %llu %s\n", a[i].name, a[i].version, a[i].sha256,
			       (unsigned long long)a[i].size, a[i].urls[0]);
	}
}

/* "name version sha256 size url" lines into wheel artifacts. */
static int read_lockfile(const char *path, struct pw_artifact **out, size_t *n, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(1 << 24);
	struct pw_artifact *a = NULL;
	char *line, *save = NULL;
	size_t cnt = 0;
	int r = pw_read_file(path, &b);

	if (r < 0)
		return pw_err_sys(e, -r, "could not read '%s'", path);
	pw_buf_add(&b, "", 1);
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[256], ver[128], sha[PW_SHA256_HEX], size[32], url[2048];

		if (sscanf(line, "%255s %127s %64s %31s %2047s", name, ver, sha, size, url) != 5) {
			r = pw_err_set(e, EINVAL, "'%s': bad line '%s'", path, line);
			break;
		}
		a = pw_xrealloc(a, (cnt + 1) * sizeof(*a));
		memset(&a[cnt], 0, sizeof(*a));
		a[cnt].kind = pw_xstrdup("wheel");
		a[cnt].name = pw_xstrdup(name);
		a[cnt].version = pw_xstrdup(ver);
		snprintf(a[cnt].sha256, sizeof(a[cnt].sha256), "%s", sha);
		a[cnt].urls = pw_xcalloc(1, sizeof(char *));
		a[cnt].urls[0] = pw_xstrdup(url);
		a[cnt].nurls = 1;
		a[cnt].size = strtoull(size, NULL, 10);
		cnt++;
	}
	pw_buf_release(&b);
	if (r < 0) {
		pw_pypi_artifacts_free(a, cnt);
		return r;
	}
	*out = a;
	*n = cnt;
	return 0;
}

int main(int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_sandbox_spec spec;
	struct pw_store *store = NULL;
	struct pw_artifact *w = NULL;
	struct pw_pin *pins = NULL;
	const char *cmd, *store_dir = NULL, *python = "/usr/bin/python3", *target = "test";
	const char *root_id = "test-root", *file = NULL;
	size_t nw = 0, npins = 0, i;
	int r = 0, st = 1;

	if (argc < 3)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "parse")) {
		struct pw_buf b = PW_BUF_INIT(1 << 26);

		r = pw_read_file(argv[2], &b);
		if (r < 0) {
			pw_err_sys(&e, -r, "could not read '%s'", argv[2]);
			return fail(&e);
		}
		r = pw_pypi_parse_report(b.buf, b.len, argv[2], &w, &nw, &e);
		pw_buf_release(&b);
		if (r < 0)
			return fail(&e);
		print_wheels(w, nw);
		pw_pypi_artifacts_free(w, nw);
		return 0;
	}
	pw_sandbox_spec_init(&spec);
	pins = pw_xcalloc((size_t)argc, sizeof(*pins));
	for (i = 2; i < (size_t)argc && r == 0; i++) {
		const char *a = argv[i];
		bool more = i + 1 < (size_t)argc;

		if (!strcmp(a, "--store") && more)
			store_dir = argv[++i];
		else if (!strcmp(a, "--python") && more)
			python = argv[++i];
		else if (!strcmp(a, "--target") && more)
			target = argv[++i];
		else if (!strcmp(a, "--root-id") && more)
			root_id = argv[++i];
		else if (!strcmp(a, "--layer") && more)
			pw_sandbox_spec_add_layer(&spec, argv[++i]);
		else if (!strcmp(a, "--ro-bind") && more)
			r = pw_sandbox_spec_add_bind(&spec, PW_BIND_RO, argv[++i], &e);
		else if (!strcmp(a, "--tmpfs") && more)
			r = pw_sandbox_spec_add_bind(&spec, PW_BIND_TMPFS, argv[++i], &e);
		else if (!strcmp(a, "--ro-root"))
			spec.ro_root = true;
		else if (!strcmp(a, "--env") && more)
			r = pw_sandbox_spec_add_env(&spec, argv[++i], false, &e);
		else if (a[0] == '-') {
			st = usage();
			goto out;
		} else if (!strcmp(cmd, "lock")) {
			char *eq = strstr(a, "==");
			if (!eq) {
				st = usage();
				goto out;
			}
			pins[npins].name = pw_xasprintf("%.*s", (int)(eq - a), a);
			pins[npins++].version = pw_xstrdup(eq + 2);
		} else {
			file = a;
		}
	}
	if (r < 0) {
		st = fail(&e);
		goto out;
	}
	if (store_dir) {
		store = pw_store_open(store_dir, &e);
		if (!store) {
			st = fail(&e);
			goto out;
		}
	}
	if (!strcmp(cmd, "lock")) {
		r = pw_pypi_resolve(store, &spec, target, python, pins, npins, &w, &nw, &e);
		if (r < 0) {
			st = fail(&e);
			goto out;
		}
		print_wheels(w, nw);
	} else if (!strcmp(cmd, "install") && file && store) {
		char *id = NULL, *path;

		r = read_lockfile(file, &w, &nw, &e);
		if (r == 0)
			r = pw_pypi_build_layer(store, &spec, root_id, python, w, nw, NULL, 0, &id,
						&e);
		if (r < 0) {
			st = fail(&e);
			goto out;
		}
		path = pw_store_tree_path(store, id);
		printf("%s %s\n", id, path);
		free(path);
		free(id);
	} else {
		st = usage();
		goto out;
	}
	st = 0;
out:
	pw_pypi_artifacts_free(w, nw);
	for (i = 0; i < npins; i++) {
		free(pins[i].name);
		free(pins[i].version);
		free(pins[i].req);
	}
	free(pins);
	pw_sandbox_spec_release(&spec);
	if (store)
		pw_store_close(store);
	return st;
}
