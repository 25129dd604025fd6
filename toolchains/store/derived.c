/* derived.c - provider-built store trees (see derived.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/derived.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/store.h"
#include "pinwheel/treehash.h"

static int seal_record(const char *sdir, const char *id, const char *kind, json_t *rec, int tmpfd,
		       const char *name, struct pw_err *e)
{
	_cleanup_free_ char *opts = pw_xasprintf("derived=%s", kind);
	_cleanup_free_ char *jpath = NULL;
	char digest[PW_SHA256_HEX], thash[PW_SHA256_HEX];
	uint64_t bytes = 0;
	int r;

	r = pw_make_readonly_at(tmpfd, name);
	if (r < 0)
		return pw_err_sys(e, -r, "could not make 'tmp/%s' read-only", name);
	r = pw_store_tree_digest_at(tmpfd, name, digest, &bytes, e);
	if (r < 0)
		return r;
	r = pw_tree_hash_at(tmpfd, name, thash, NULL, e);
	if (r < 0)
		return r;
	if (json_object_set_new(rec, "version", json_integer(1)) < 0 ||
	    json_object_set_new(rec, "blob", json_string("")) < 0 ||
	    json_object_set_new(rec, "options", json_string(opts)) < 0 ||
	    json_object_set_new(rec, "kind", json_string(kind)) < 0 ||
	    json_object_set_new(rec, "digest", json_string(digest)) < 0 ||
	    json_object_set_new(rec, "tree_hash", json_string(thash)) < 0 ||
	    json_object_set_new(rec, "size", json_integer((json_int_t)bytes)) < 0)
		return pw_err_set(e, ENOMEM, "could not build the record of tree %s", id);
	jpath = pw_xasprintf("%s/trees/%s.json", sdir, id);
	return pw_json_dump_file(jpath, rec, e);
}

int pw_derived_tree_make(struct pw_store *s, const char *id, const char *kind,
			 int (*build)(void *ud, int dirfd, json_t *record, struct pw_err *e),
			 void *ud, char **path, bool *cached, struct pw_err *e)
{
	const char *sdir = pw_store_dir(s);
	_cleanup_free_ char *key = pw_xasprintf("tree-%s", id);
	_cleanup_free_ char *tmpdir = pw_path_join(sdir, "tmp");
	_cleanup_free_ char *treesdir = pw_path_join(sdir, "trees");
	_cleanup_free_ char *tmpl = NULL;
	int lockfd = -1, tmpfd = -1, treesfd = -1, dfd = -1, r;
	const char *name = NULL;
	json_t *rec = NULL;

	if (path)
		*path = NULL;
	*cached = true;
	if (!pw_sha256_hex_valid(id))
		return pw_err_set(e, EINVAL, "derived tree id '%s' is not a sha256", id);
	if (pw_store_has_tree(s, id))
		goto found;
	r = pw_store_lock(s, key, true, e);
	if (r < 0)
		return r;
	lockfd = r;
	if (pw_store_has_tree(s, id))
		goto found;
	*cached = false;
	tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	treesfd = open(treesdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmpfd < 0 || treesfd < 0) {
		r = pw_err_sys(e, errno, "could not open the store '%s'", sdir);
		goto out;
	}
	tmpl = pw_xasprintf("%s/tree-%s.XXXXXX", tmpdir, id);
	if (!mkdtemp(tmpl)) {
		r = pw_err_sys(e, errno, "could not create a temp dir in '%s'", tmpdir);
		goto out;
	}
	name = strrchr(tmpl, '/') + 1;
	dfd = openat(tmpfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fchmod(dfd, 0755) < 0) {
		r = pw_err_sys(e, errno, "could not open '%s'", tmpl);
		goto out;
	}
	rec = json_object();
	if (!rec) {
		r = pw_err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	r = build(ud, dfd, rec, e);
	if (r < 0)
		goto out;
	r = seal_record(sdir, id, kind, rec, tmpfd, name, e);
	if (r < 0)
		goto out;
	if (syncfs(dfd) < 0 || fchmod(dfd, 0755) < 0 || renameat(tmpfd, name, treesfd, id) < 0) {
		r = pw_err_sys(e, errno, "could not move the tree into 'trees/%s' in '%s'", id,
			       sdir);
		goto out;
	}
	name = NULL;
	if (fchmod(dfd, 0555) < 0 || fsync(treesfd) < 0) {
		r = pw_err_sys(e, errno, "could not seal 'trees/%s' in '%s'", id, sdir);
		goto out;
	}
found:
	if (path)
		*path = pw_store_tree_path(s, id);
	r = 0;
out:
	if (r < 0 && name) {
		_cleanup_free_ char *j = pw_xasprintf("%s.json", id);
		pw_rm_rf_at(tmpfd, name);
		if (treesfd >= 0)
			unlinkat(treesfd, j, 0); /* ours: we hold the lock, no tree */
	}
	json_decref(rec);
	pw_closep(&dfd);
	pw_closep(&tmpfd);
	pw_closep(&treesfd);
	pw_store_unlock(lockfd);
	return r;
}
