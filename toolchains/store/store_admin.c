/* store_admin.c - iteration over complete entries, verification, removal
 * and the clean-up of stale temp entries and lock files. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include <jansson.h>

#include "pinwheel/treehash.h"
#include "store_priv.h"

int pw_store_foreach(struct pw_store *s, int (*fn)(void *ud, const struct pw_store_entry *en),
		     void *ud, struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, i;
	int r;

	r = pw_list_dir_sorted(s->blobsfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'blobs/sha256' in '%s'", s->dir);
	for (i = 0; i < n && r == 0; i++) {
		struct pw_store_entry en = {.kind = PW_STORE_BLOB, .opts_key = ""};
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (!pw_sha256_hex_valid(names[i]) ||
		    fstatat(s->blobsfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(en.id, sizeof(en.id), "%s", names[i]);
		path = pw_store_blob_path(s, names[i]);
		en.path = path;
		en.size = (uint64_t)st.st_size;
		r = fn(ud, &en);
	}
	pw_free_names(names, n);
	if (r != 0)
		return r;
	r = pw_list_dir_sorted(s->treesfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'trees' in '%s'", s->dir);
	for (i = 0; i < n && r == 0; i++) {
		struct pw_store_entry en = {.kind = PW_STORE_TREE, .opts_key = ""};
		_cleanup_free_ char *path = NULL, *opts = NULL;
		char digest[PW_SHA256_HEX];

		if (!pw_sha256_hex_valid(names[i]) || !pw_store_has_tree(s, names[i]))
			continue;
		snprintf(en.id, sizeof(en.id), "%s", names[i]);
		path = pw_store_tree_path(s, names[i]);
		en.path = path;
		pw_store_load_tree_record(s, names[i], &en, &opts, digest);
		if (opts)
			en.opts_key = opts;
		r = fn(ud, &en);
	}
	pw_free_names(names, n);
	return r;
}

/* ---- tree hash (toolchains/store/treehash.c; docs/archives.md) ---- */

/* Check a tree against the "tree_hash" of its record: 0 when they agree
 * or the record has none (made before tree hashes), -EBADMSG otherwise. */
static int verify_tree_hash(struct pw_store *s, const char *id, struct pw_err *e)
{
	_cleanup_free_ char *name = pw_xasprintf("%s.json", id);
	struct pw_buf b = PW_BUF_INIT(TREE_JSON_MAX);
	_cleanup_close_ int fd = openat(s->treesfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char got[PW_SHA256_HEX], want[PW_SHA256_HEX] = "";
	json_t *j = NULL, *v;
	int r = 0;

	if (fd >= 0 && pw_read_fd(fd, &b) == 0 && (j = json_loadb(b.buf, b.len, 0, NULL))) {
		v = json_object_get(j, "tree_hash");
		if (json_is_string(v) && pw_sha256_hex_valid(json_string_value(v)))
			snprintf(want, sizeof(want), "%s", json_string_value(v));
	}
	json_decref(j);
	pw_buf_release(&b);
	if (!want[0])
		return 0;
	r = pw_tree_hash_at(s->treesfd, id, got, NULL, e);
	if (r < 0)
		return pw_err_prefix(e, "tree %s", id);
	if (strcmp(got, want) != 0)
		return pw_err_set(e, EBADMSG, "tree %s: tree hash %s, recorded %s", id, got, want);
	return 0;
}

int pw_store_verify_entry(struct pw_store *s, const struct pw_store_entry *en, struct pw_err *e)
{
	char got[PW_SHA256_HEX], want[PW_SHA256_HEX];
	uint64_t size = 0;
	int r;

	if (en->kind == PW_STORE_BLOB) {
		_cleanup_close_ int fd =
		    openat(s->blobsfd, en->id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return pw_err_sys(e, errno, "blob %s: could not open", en->id);
		r = pw_sha256_fd(fd, got, &size);
		if (r < 0)
			return pw_err_sys(e, -r, "blob %s: could not read", en->id);
		if (strcmp(got, en->id) != 0)
			return pw_err_set(e, EBADMSG, "blob %s: content hashes to %s", en->id, got);
		return 0;
	} else {
		struct pw_store_entry tmp = *en;
		_cleanup_free_ char *opts = NULL;

		pw_store_load_tree_record(s, en->id, &tmp, &opts, want);
		if (!want[0])
			return pw_err_set(
			    e, EBADMSG, "tree %s: its record 'trees/%s.json' is missing or damaged",
			    en->id, en->id);
		r = pw_store_tree_digest_at(s->treesfd, en->id, got, &size, e);
		if (r < 0)
			return pw_err_prefix(e, "tree %s", en->id);
		if (strcmp(got, want) != 0)
			return pw_err_set(e, EBADMSG, "tree %s: content digest %s, recorded %s",
					  en->id, got, want);
		return verify_tree_hash(s, en->id, e);
	}
}

int pw_store_remove_entry(struct pw_store *s, const struct pw_store_entry *en, struct pw_err *e)
{
	_cleanup_free_ char *key = NULL, *json = NULL, *tmpname = NULL;
	int lockfd, r = 0;

	key =
	    en->kind == PW_STORE_BLOB ? pw_xstrdup(en->id) : pw_xasprintf(TREE_PREFIX "%s", en->id);
	lockfd = pw_store_lock(s, key, false, e);
	if (lockfd == -EWOULDBLOCK)
		return pw_err_set(e, EBUSY, "%s %s is in use",
				  en->kind == PW_STORE_BLOB ? "blob" : "tree", en->id);
	if (lockfd < 0)
		return lockfd;
	if (en->kind == PW_STORE_BLOB) {
		if (unlinkat(s->blobsfd, en->id, 0) < 0 && errno != ENOENT)
			r = pw_err_sys(e, errno, "could not remove blob %s", en->id);
		goto out;
	}
	/* Take the tree out of trees/ in one rename, then delete it at leisure
	 * under tmp/ (a kill meanwhile leaves a stale temp entry, not half a
	 * tree). */
	tmpname = pw_xasprintf(TREE_PREFIX "%s.rm", en->id);
	pw_rm_rf_at(s->tmpfd, tmpname);
	if (fchmodat(s->treesfd, en->id, 0755, 0) < 0 && errno != ENOENT) {
		r = pw_err_sys(e, errno, "could not remove tree %s", en->id);
		goto out;
	}
	if (renameat(s->treesfd, en->id, s->tmpfd, tmpname) < 0 && errno != ENOENT) {
		r = pw_err_sys(e, errno, "could not remove tree %s", en->id);
		goto out;
	}
	json = pw_xasprintf("%s.json", en->id);
	if (unlinkat(s->treesfd, json, 0) < 0 && errno != ENOENT) {
		r = pw_err_sys(e, errno, "could not remove 'trees/%s'", json);
		goto out;
	}
	r = pw_rm_rf_at(s->tmpfd, tmpname);
	if (r < 0)
		pw_err_sys(e, -r, "could not remove 'tmp/%s'", tmpname);
out:
	pw_store_unlock(lockfd);
	return r;
}

/* The lock key protecting temp entry @name, or NULL for a foreign name. */
static char *tmp_key(const char *name)
{
	size_t len = strlen(name);
	const char *dot;

	if (len == 64 + strlen(PART_SUFFIX) && !strcmp(name + 64, PART_SUFFIX))
		return pw_xasprintf("%.64s", name);
	if (!strncmp(name, TREE_PREFIX, strlen(TREE_PREFIX)) &&
	    (dot = strchr(name + strlen(TREE_PREFIX), '.')) != NULL &&
	    dot - name == (ptrdiff_t)(strlen(TREE_PREFIX) + 64))
		return pw_xasprintf("%.*s", (int)(dot - name), name);
	return NULL;
}

int pw_store_clean(struct pw_store *s, unsigned *removed, struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, i;
	unsigned count = 0;
	int r;

	r = pw_list_dir_sorted(s->tmpfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'tmp' in '%s'", s->dir);
	for (i = 0; i < n; i++) {
		_cleanup_free_ char *key = tmp_key(names[i]);
		int lockfd = -1;

		if (key) {
			lockfd = pw_store_lock(s, key, false, NULL);
			if (lockfd < 0)
				continue; /* in use (or unlockable): not stale */
		}
		r = pw_rm_rf_at(s->tmpfd, names[i]);
		pw_store_unlock(lockfd);
		if (r < 0) {
			pw_free_names(names, n);
			return pw_err_sys(e, -r, "could not remove 'tmp/%s' in '%s'", names[i],
					  s->dir);
		}
		count++;
	}
	pw_free_names(names, n);
	/* Records without their tree (killed between the two renames). */
	r = pw_list_dir_sorted(s->treesfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'trees' in '%s'", s->dir);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		_cleanup_free_ char *id = NULL, *key = NULL;
		int lockfd;

		if (len != 64 + 5 || strcmp(names[i] + 64, ".json") != 0)
			continue;
		id = pw_xasprintf("%.64s", names[i]);
		if (pw_store_has_tree(s, id))
			continue;
		key = pw_xasprintf(TREE_PREFIX "%s", id);
		lockfd = pw_store_lock(s, key, false, NULL);
		if (lockfd < 0)
			continue;
		if (!pw_store_has_tree(s, id))
			unlinkat(s->treesfd, names[i], 0);
		pw_store_unlock(lockfd);
	}
	pw_free_names(names, n);
	/* Lock files nobody holds: safe to remove (see pw_store_lock). */
	r = pw_list_dir_sorted(s->locksfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list 'locks' in '%s'", s->dir);
	for (i = 0; i < n; i++) {
		int lockfd = pw_store_lock(s, names[i], false, NULL);
		if (lockfd < 0)
			continue;
		unlinkat(s->locksfd, names[i], 0);
		pw_store_unlock(lockfd);
	}
	pw_free_names(names, n);
	if (removed)
		*removed = count;
	return 0;
}
