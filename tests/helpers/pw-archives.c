/* pw-archives - test-only driver of the archives area (crates vendoring,
 * archive layouts, tree hash) until the runner's lock/fetch/build flow
 * calls them through the provider interface.
 *
 *   pw-archives vendor STORE CARGO_LOCK [--index SOURCE=URL]... [--offline]
 *               [--config FILE]
 *       vendor the registry crates; prints "tree PATH" and "cached 0|1";
 *       --config writes the cargo configuration for PATH to FILE
 *   pw-archives archive STORE URL SHA256
 *       fetch and unpack the archive, detect its layout; prints "layout
 *       NAME", "tree PATH", then for standalone Python the description
 *       (mount, subdir, python, version, cc, cxx) and for a Rust dist
 *       "merged PATH"
 *   pw-archives treehash DIR
 *       prints the canonical tree hash of DIR
 *
 * Exit 0, or 1 with "error: MESSAGE" on stderr (2 for bad usage).
 */
#include <fcntl.h>
#include <string.h>

#include "pinwheel/crates.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/layout.h"
#include "pinwheel/store.h"
#include "pinwheel/treehash.h"

static int usage(void)
{
	fputs("usage: pw-archives vendor STORE CARGO_LOCK [--index SOURCE=URL]... [--offline] "
	      "[--config FILE]\n"
	      "       pw-archives archive STORE URL SHA256\n"
	      "       pw-archives treehash DIR\n",
	      stderr);
	return 2;
}

static int fail(const struct pw_err *e)
{
	fprintf(stderr, "error: %s\n", e->msg);
	return 1;
}

static int cmd_vendor(int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_crates_opts o = {0};
	const char **srcs = pw_xcalloc((size_t)argc, sizeof(*srcs));
	const char **idx = pw_xcalloc((size_t)argc, sizeof(*idx));
	char **dup = pw_xcalloc((size_t)argc, sizeof(*dup));
	struct pw_cargo_lock l;
	struct pw_store *s = NULL;
	const char *config = NULL;
	char *path = NULL;
	bool cached;
	int i, rc = 1;

	if (argc < 2)
		return usage();
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--offline")) {
			o.offline = true;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config = argv[++i];
		} else if (!strcmp(argv[i], "--index") && i + 1 < argc &&
			   strchr(argv[i + 1], '=')) {
			char *eq;
			dup[o.noverrides] = pw_xstrdup(argv[++i]);
			eq = strchr(dup[o.noverrides], '=');
			*eq = '\0';
			srcs[o.noverrides] = dup[o.noverrides];
			idx[o.noverrides] = eq + 1;
			o.noverrides++;
		} else {
			rc = usage();
			goto out;
		}
	}
	o.sources = srcs;
	o.indexes = idx;
	if (pw_cargo_lock_load(argv[1], &l, &e) < 0) {
		rc = fail(&e);
		goto out;
	}
	s = pw_store_open(argv[0], &e);
	if (!s || pw_crates_vendor(s, &l, &o, &path, &cached, &e) < 0) {
		rc = fail(&e);
	} else {
		printf("tree %s\ncached %d\n", path, cached ? 1 : 0);
		rc = 0;
		if (config) {
			char *text = pw_crates_cargo_config(&l, path);
			if (pw_write_file_atomic(config, text, strlen(text), 0644) < 0) {
				fprintf(stderr, "error: could not write '%s'\n", config);
				rc = 1;
			}
			free(text);
		}
	}
	pw_cargo_lock_release(&l);
out:
	if (s)
		pw_store_close(s);
	free(path);
	for (i = 0; i < argc; i++)
		free(dup[i]);
	free(dup);
	free(srcs);
	free(idx);
	return rc;
}

static int cmd_archive(int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_unpack_opts uo = {0};
	const char *urls[1];
	struct pw_fetch_item it = {0};
	struct pw_fetch_opts fo;
	struct pw_store *s;
	enum pw_layout l;
	int rc = 1;

	if (argc != 3)
		return usage();
	s = pw_store_open(argv[0], &e);
	if (!s)
		return fail(&e);
	urls[0] = argv[1];
	it.name = argv[1];
	it.urls = urls;
	it.nurls = 1;
	it.sha256 = argv[2];
	it.size = PW_STORE_SIZE_UNKNOWN;
	it.unpack = &uo;
	pw_fetch_opts_init(&fo);
	if (pw_fetch_run(s, &it, 1, &fo, &e) < 0) {
		if (it.state == PW_FETCH_FAILED)
			e = it.err;
		rc = fail(&e);
		goto out;
	}
	if (pw_layout_detect_at(AT_FDCWD, it.path, &l, &e) < 0) {
		rc = fail(&e);
		goto out;
	}
	printf("layout %s\ntree %s\n", pw_layout_name(l), it.path);
	if (l == PW_LAYOUT_PYTHON_FULL || l == PW_LAYOUT_PYTHON_INSTALL_ONLY) {
		struct pw_python_desc d;
		if (pw_python_describe_at(AT_FDCWD, it.path, &d, &e) < 0) {
			rc = fail(&e);
			goto out;
		}
		printf("mount %s\nsubdir %s\npython %s\nversion %s\ncc %s\ncxx %s\n", d.mount,
		       d.subdir, d.python, d.version, d.cc, d.cxx);
		pw_python_desc_release(&d);
	} else if (l == PW_LAYOUT_RUST_DIST) {
		const char *id = strrchr(it.path, '/') + 1;
		char *merged = NULL;
		bool cached;
		if (pw_rust_dist_merge(s, AT_FDCWD, it.path, id, NULL, 0, &merged, &cached, &e) <
		    0) {
			rc = fail(&e);
			goto out;
		}
		printf("merged %s\n", merged);
		free(merged);
	}
	rc = 0;
out:
	pw_fetch_item_release(&it);
	pw_store_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT;
	char hex[PW_SHA256_HEX];

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "vendor"))
		return cmd_vendor(argc - 2, argv + 2);
	if (!strcmp(argv[1], "archive"))
		return cmd_archive(argc - 2, argv + 2);
	if (!strcmp(argv[1], "treehash") && argc == 3) {
		if (pw_tree_hash_at(AT_FDCWD, argv[2], hex, NULL, &e) < 0)
			return fail(&e);
		printf("%s\n", hex);
		return 0;
	}
	return usage();
}
