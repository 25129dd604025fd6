/* pw-rootplan - print the store trees of a target's root, bottom first, as
 * "DEST PATH" lines (for bench/hermetic-overhead.sh, which composes the same
 * root with overlayfs + chroot to time a build without the sandbox).
 * usage: pw-rootplan STORE PROJECT_DIR TARGET */
#include <string.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/lock.h"
#include "pinwheel/roots.h"
#include "pinwheel/store.h"

int main(int argc, char **argv)
{
	struct pw_lockset ls = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	struct pw_root_plan p;
	const struct pw_root *root;
	struct pw_store *s;
	char *lock;
	int st = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: pw-rootplan STORE PROJECT_DIR TARGET\n");
		return 2;
	}
	lock = pw_path_join(argv[2], PW_LOCK_FILE);
	s = pw_store_open(argv[1], &e);
	if (!s || pw_lock_load(lock, &ls, &e) < 0)
		goto out;
	root = pw_lockset_find_root(&ls, argv[3]);
	if (!root) {
		snprintf(e.msg, sizeof(e.msg), "no target '%s'", argv[3]);
		goto out;
	}
	if (pw_roots_plan(s, &ls, root, PW_ROOTS_CHECK, &p, &e) < 0)
		goto out;
	for (size_t i = 0; i < p.n; i++) {
		char *path = pw_store_tree_path(s, p.trees[i].id);

		printf("%s %s\n", p.trees[i].dest, path);
		free(path);
	}
	pw_root_plan_release(&p);
	st = 0;
out:
	if (st)
		fprintf(stderr, "pw-rootplan: %s\n", e.msg);
	if (s)
		pw_store_close(s);
	pw_lockset_release(&ls);
	free(lock);
	return st;
}
