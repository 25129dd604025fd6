/* pw-debian - test driver for the Debian provider (not installed).
 *
 *   pw-debian vercmp A B             print -1, 0 or 1 (dpkg order)
 *   pw-debian mirror [OPTS]          print "MIRROR KEYRING" chosen from apt config
 *   pw-debian lock [OPTS] PKG...     print one line per pinned .deb:
 *                                    "package version arch sha256 size url"
 *   pw-debian root [OPTS] PKG...     lock, fetch into --store, build the root;
 *                                    print its path
 *   pw-debian source [OPTS] PKG...   print one line per source package, its
 *                                    upstream tarball in the suite's Sources:
 *                                    "package version file sha256 size url";
 *                                    with --store, fetched there, and its blob
 *                                    path added to the line
 * OPTS: --suite S --arch A --mirror URL --apt-root DIR --keyring FILE
 *       --component C (repeatable) --allow-unverified --no-required --store DIR
 * Errors: "pw-debian: MESSAGE" on stderr, exit 1 (2 for usage).
 */
#include <string.h>

#include "pinwheel/debian.h"
#include "pinwheel/store.h"

static int usage(void)
{
	fprintf(stderr, "usage: pw-debian vercmp A B | mirror|lock|root|source [OPTS] PKG...\n");
	return 2;
}

static int fail(const struct pw_err *e)
{
	fprintf(stderr, "pw-debian: %s\n", e->msg);
	return 1;
}

/* pw-debian source: each of o->packages' orig tarball, fetched into
 * @store_dir when given.  The exit status. */
static int source(const struct pw_debian_opts *o, const char *store_dir)
{
	struct pw_store *store = NULL;
	struct pw_err e = PW_ERR_INIT;
	int st = 1;

	if (store_dir && !(store = pw_store_open(store_dir, &e)))
		return fail(&e);
	for (size_t i = 0; i < o->npackages; i++) {
		struct pw_deb_source ds = {0};
		struct pw_deb_artifact a = {0};
		char *blob = NULL;

		if (pw_debian_source_orig(o, o->packages[i], &ds, &e) < 0) {
			fail(&e);
			goto out;
		}
		if (store) {
			a.package = ds.package;
			a.version = ds.version;
			a.url = ds.url;
			memcpy(a.sha256, ds.sha256, PW_SHA256_HEX);
			a.size = ds.size;
			if (pw_debian_fetch(store, &a, 1, &e) < 0) {
				fail(&e);
				pw_deb_source_release(&ds);
				goto out;
			}
			blob = pw_store_blob_path(store, ds.sha256);
		}
		printf("%s %s %s %s %llu %s%s%s\n", ds.package, ds.version, ds.file, ds.sha256,
		       (unsigned long long)ds.size, ds.url, blob ? " " : "", blob ? blob : "");
		free(blob);
		pw_deb_source_release(&ds);
	}
	st = 0;
out:
	if (store)
		pw_store_close(store);
	return st;
}

int main(int argc, char **argv)
{
	struct pw_debian_opts o = {0};
	struct pw_debian_lock lk = {0};
	struct pw_err e = PW_ERR_INIT;
	struct pw_store *store = NULL;
	const char *cmd, *store_dir = NULL;
	const char **comps = NULL, **pkgs = NULL;
	size_t ncomps = 0, npkgs = 0, i;
	int r, st = 1;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "vercmp")) {
		if (argc != 4)
			return usage();
		printf("%d\n", pw_deb_version_cmp(argv[2], argv[3]));
		return 0;
	}
	comps = pw_xcalloc((size_t)argc, sizeof(*comps));
	pkgs = pw_xcalloc((size_t)argc, sizeof(*pkgs));
	for (i = 2; i < (size_t)argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < (size_t)argc;

		if (!strcmp(a, "--suite") && more)
			o.suite = argv[++i];
		else if (!strcmp(a, "--arch") && more)
			o.arch = argv[++i];
		else if (!strcmp(a, "--mirror") && more)
			o.mirror = argv[++i];
		else if (!strcmp(a, "--apt-root") && more)
			o.apt_root = argv[++i];
		else if (!strcmp(a, "--keyring") && more)
			o.keyring = argv[++i];
		else if (!strcmp(a, "--component") && more)
			comps[ncomps++] = argv[++i];
		else if (!strcmp(a, "--store") && more)
			store_dir = argv[++i];
		else if (!strcmp(a, "--allow-unverified"))
			o.allow_unverified = true;
		else if (!strcmp(a, "--no-required"))
			o.no_required = true;
		else if (a[0] == '-') {
			st = usage();
			goto out;
		} else
			pkgs[npkgs++] = a;
	}
	o.components = comps;
	o.ncomponents = ncomps;
	o.packages = pkgs;
	o.npackages = npkgs;
	if (!o.suite || !o.arch) {
		st = usage();
		goto out;
	}
	if (!strcmp(cmd, "mirror")) {
		struct pw_apt_sources src;
		char *m, *k;

		r = pw_apt_sources_read(o.apt_root ? o.apt_root : "/", &src, &e);
		if (r == 0) {
			r = pw_apt_pick_mirror(&src, o.suite, o.arch, &m, &k, &e);
			pw_apt_sources_release(&src);
		}
		if (r < 0) {
			st = fail(&e);
			goto out;
		}
		printf("%s %s\n", m, k ? k : "-");
		free(m);
		free(k);
		st = 0;
		goto out;
	}
	if (!strcmp(cmd, "source")) {
		st = source(&o, store_dir);
		goto out;
	}
	if (strcmp(cmd, "lock") && strcmp(cmd, "root")) {
		st = usage();
		goto out;
	}
	if (!strcmp(cmd, "root") || store_dir) {
		/* lock --store: the Packages indexes are kept there */
		if (!store_dir)
			store_dir = getenv("PINWHEEL_STORE");
		if (!store_dir) {
			st = usage();
			goto out;
		}
		store = pw_store_open(store_dir, &e);
		if (!store) {
			st = fail(&e);
			goto out;
		}
	}
	r = pw_debian_lock(store, &o, &lk, &e);
	if (r < 0) {
		st = fail(&e);
		goto out;
	}
	if (!strcmp(cmd, "lock")) {
		printf("# mirror %s verified-by %s\n", lk.mirror,
		       lk.verified_by ? lk.verified_by : "-");
		for (i = 0; i < lk.n; i++)
			printf("%s %s %s %s %llu %s\n", lk.v[i].package, lk.v[i].version,
			       lk.v[i].arch, lk.v[i].sha256, (unsigned long long)lk.v[i].size,
			       lk.v[i].url);
	} else {
		char *path = NULL;
		bool cached;

		r = pw_debian_fetch(store, lk.v, lk.n, &e);
		if (r == 0)
			r = pw_debian_make_root(store, lk.v, lk.n, o.arch, &path, &cached, &e);
		if (r < 0) {
			st = fail(&e);
			goto out;
		}
		printf("%s\n", path);
		free(path);
	}
	st = 0;
out:
	pw_debian_lock_release(&lk);
	if (store)
		pw_store_close(store);
	free(comps);
	free(pkgs);
	return st;
}
