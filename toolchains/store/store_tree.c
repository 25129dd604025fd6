/* store_tree.c - trees in the store: ids, content digests, and making a
 * tree from a blob under the tree's lock (unpack into tmp/, record, seal,
 * rename). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/treehash.h"
#include "store_priv.h"

/* ---- trees ---- */

char *pw_store_tree_id(const char *blob_hex, const struct pw_unpack_opts *o)
{
	_cleanup_free_ char *key = pw_unpack_opts_key(o);
	_cleanup_free_ char *s = pw_xasprintf("blob=%s;%s;v1", blob_hex, key);
	char hex[PW_SHA256_HEX];

	pw_sha256_mem(s, strlen(s), hex);
	return pw_xstrdup(hex);
}

char *pw_store_tree_path(const struct pw_store *s, const char *treeid)
{
	return pw_xasprintf("%s/trees/%s", s->dir, treeid);
}

bool pw_store_has_tree(const struct pw_store *s, const char *treeid)
{
	struct stat st;

	return fstatat(s->treesfd, treeid, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int digest_dir(int dfd, struct pw_sha256 *h, uint64_t *bytes, int depth, struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, i;
	int r;

	if (depth > 256)
		return pw_err_set(e, ELOOP, "tree deeper than 256 levels");
	r = pw_list_dir_sorted(dfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list a tree directory");
	for (i = 0; i < n && r == 0; i++) {
		struct pw_buf line = PW_BUF_INIT(1 << 16);
		struct stat st;
		unsigned mode;

		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "could not stat '%s'", names[i]);
			break;
		}
		mode = (unsigned)(st.st_mode & 07777);
		if (S_ISDIR(st.st_mode)) {
			int cfd =
			    openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", names[i]);
				break;
			}
			pw_buf_addf(&line, "d %o %zu:%s\n", mode, strlen(names[i]), names[i]);
			pw_sha256_update(h, line.buf, line.len);
			r = digest_dir(cfd, h, bytes, depth + 1, e);
			close(cfd);
			if (r < 0)
				pw_err_prefix(e, "'%s'", names[i]);
			pw_sha256_update(h, "u\n", 2);
		} else if (S_ISREG(st.st_mode)) {
			char fh[PW_SHA256_HEX];
			uint64_t sz = 0;
			int ffd = openat(dfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (ffd < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", names[i]);
				break;
			}
			r = pw_sha256_fd(ffd, fh, &sz);
			close(ffd);
			if (r < 0) {
				pw_err_sys(e, -r, "could not read '%s'", names[i]);
				break;
			}
			*bytes += sz;
			pw_buf_addf(&line, "f %o %llu %s %zu:%s\n", mode, (unsigned long long)sz,
				    fh, strlen(names[i]), names[i]);
			pw_sha256_update(h, line.buf, line.len);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t tl = readlinkat(dfd, names[i], target, sizeof(target));
			if (tl < 0) {
				r = pw_err_sys(e, errno, "could not read link '%s'", names[i]);
				break;
			}
			pw_buf_addf(&line, "l %zu:%s %zd:", strlen(names[i]), names[i], tl);
			pw_buf_add(&line, target, (size_t)tl);
			pw_buf_adds(&line, "\n");
			pw_sha256_update(h, line.buf, line.len);
		} else {
			pw_buf_addf(&line, "o %o %zu:%s\n", (unsigned)st.st_mode, strlen(names[i]),
				    names[i]);
			pw_sha256_update(h, line.buf, line.len);
		}
		pw_buf_release(&line);
	}
	pw_free_names(names, n);
	return r;
}

int pw_store_tree_digest_at(int dirfd, const char *name, char hex[PW_SHA256_HEX], uint64_t *bytes,
			    struct pw_err *e)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct pw_sha256 h;
	uint64_t total = 0;
	int r;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not open tree '%s'", name);
	r = pw_sha256_init(&h);
	if (r < 0)
		return pw_err_sys(e, -r, "could not start sha256");
	pw_sha256_update(&h, "pinwheel-tree-v1\n", 17);
	r = digest_dir(fd, &h, &total, 0, e);
	if (r == 0)
		r = pw_sha256_final(&h, NULL, hex);
	pw_sha256_release(&h);
	if (r == 0 && bytes)
		*bytes = total;
	return r;
}

/* Remove every temp entry belonging to @key ("tree-<id>"): the caller holds
 * the key's lock, so any such entry is stale. */
static void remove_stale_tmp(struct pw_store *s, const char *key)
{
	size_t klen = strlen(key), n = 0, i;
	char **names = NULL;

	if (pw_list_dir_sorted(s->tmpfd, &names, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		if (!strncmp(names[i], key, klen) && names[i][klen] == '.')
			pw_rm_rf_at(s->tmpfd, names[i]);
	pw_free_names(names, n);
}

/* Write trees/<id>.json through a temp file under tmp/ (removed as stale
 * under the tree's lock should we be killed). */
static int write_tree_json(struct pw_store *s, const char *id, const char *blob,
			   const struct pw_unpack_opts *o, const char *digest, const char *thash,
			   uint64_t bytes, struct pw_err *e)
{
	_cleanup_free_ char *key = pw_unpack_opts_key(o);
	_cleanup_free_ char *tmp = pw_xasprintf(TREE_PREFIX "%s.json", id);
	_cleanup_free_ char *dst = pw_xasprintf("%s.json", id);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	json_t *j;
	int r;

	j = json_pack("{s:i, s:s, s:s, s:{s:i, s:s?}, s:s, s:s, s:I}", "version", 1, "blob", blob,
		      "options", key, "unpack", "strip", (int)o->strip, "subdir", o->subdir,
		      "digest", digest, "tree_hash", thash, "size", (json_int_t)bytes);
	if (!j)
		return pw_err_set(e, ENOMEM, "could not build the tree record");
	text = pw_json_dumps(j, true);
	json_decref(j);
	fd = openat(s->tmpfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not create 'tmp/%s' in '%s'", tmp, s->dir);
	r = pw_write_all(fd, text, strlen(text));
	if (r == 0)
		r = pw_write_all(fd, "\n", 1);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(s->tmpfd, tmp, s->treesfd, dst) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(s->tmpfd, tmp, 0);
		return pw_err_sys(e, -r, "could not write 'trees/%s' in '%s'", dst, s->dir);
	}
	return 0;
}

int pw_store_make_tree(struct pw_store *s, const char *hex, const struct pw_unpack_opts *o,
		       char **path, bool *cached, struct pw_err *e)
{
	_cleanup_free_ char *id = pw_store_tree_id(hex, o);
	_cleanup_free_ char *key = pw_xasprintf(TREE_PREFIX "%s", id);
	_cleanup_free_ char *tmpl = NULL;
	char digest[PW_SHA256_HEX], thash[PW_SHA256_HEX];
	const char *name = NULL;
	int lockfd = -1, blobfd = -1, dfd = -1, r;
	uint64_t bytes = 0;

	if (path)
		*path = NULL;
	*cached = false;
	*cached = true;
	if (pw_store_has_tree(s, id))
		goto found;
	r = pw_store_lock(s, key, true, e);
	if (r < 0)
		return r;
	lockfd = r;
	if (pw_store_has_tree(s, id))
		goto found;
	*cached = false;
	remove_stale_tmp(s, key);
	blobfd = openat(s->blobsfd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (blobfd < 0) {
		r = pw_err_sys(e, errno, "blob %s is not in the store '%s'", hex, s->dir);
		goto out;
	}
	tmpl = pw_xasprintf("%s/tmp/" TREE_PREFIX "%s.XXXXXX", s->dir, id);
	if (!mkdtemp(tmpl)) {
		r = pw_err_sys(e, errno, "could not create a temp dir in '%s/tmp'", s->dir);
		goto out;
	}
	name = strrchr(tmpl, '/') + 1;
	dfd = openat(s->tmpfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		r = pw_err_sys(e, errno, "could not open 'tmp/%s' in '%s'", name, s->dir);
		goto out;
	}
	r = pw_unpack_fd(blobfd, dfd, o, NULL, e);
	if (r < 0) {
		pw_err_prefix(e, "could not unpack blob %s", hex);
		goto out;
	}
	r = pw_make_readonly_at(s->tmpfd, name);
	if (r < 0) {
		pw_err_sys(e, -r, "could not make 'tmp/%s' read-only", name);
		goto out;
	}
	r = pw_store_tree_digest_at(s->tmpfd, name, digest, &bytes, e);
	if (r == 0)
		r = pw_tree_hash_at(s->tmpfd, name, thash, NULL, e);
	if (r < 0)
		goto out;
	r = write_tree_json(s, id, hex, o, digest, thash, bytes, e);
	if (r < 0)
		goto out;
	/* Moving a directory to another parent updates its "..": it must be
	 * writable for the rename, read-only right after. */
	if (syncfs(dfd) < 0 || fchmod(dfd, 0755) < 0 ||
	    renameat(s->tmpfd, name, s->treesfd, id) < 0) {
		r = pw_err_sys(e, errno, "could not move the tree into 'trees/%s' in '%s'", id,
			       s->dir);
		goto out;
	}
	name = NULL;
	if (fchmod(dfd, 0555) < 0 || fsync(s->treesfd) < 0) {
		r = pw_err_sys(e, errno, "could not seal 'trees/%s' in '%s'", id, s->dir);
		goto out;
	}
found:
	if (path)
		*path = pw_store_tree_path(s, id);
	r = 0;
out:
	if (r < 0 && name)
		pw_rm_rf_at(s->tmpfd, name);
	pw_closep(&dfd);
	pw_closep(&blobfd);
	pw_store_unlock(lockfd);
	return r;
}

void pw_store_load_tree_record(struct pw_store *s, const char *id, struct pw_store_entry *en,
			       char **opts, char *digest)
{
	_cleanup_free_ char *name = pw_xasprintf("%s.json", id);
	struct pw_buf b = PW_BUF_INIT(TREE_JSON_MAX);
	_cleanup_close_ int fd = openat(s->treesfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	json_t *j = NULL, *v;

	*opts = NULL;
	digest[0] = '\0';
	if (fd < 0 || pw_read_fd(fd, &b) < 0)
		goto out;
	j = json_loadb(b.buf, b.len, 0, NULL);
	if (!j)
		goto out;
	v = json_object_get(j, "blob");
	if (json_is_string(v) && pw_sha256_hex_valid(json_string_value(v)))
		snprintf(en->blob, sizeof(en->blob), "%s", json_string_value(v));
	v = json_object_get(j, "options");
	if (json_is_string(v))
		*opts = pw_xstrdup(json_string_value(v));
	v = json_object_get(j, "digest");
	if (json_is_string(v) && pw_sha256_hex_valid(json_string_value(v)))
		snprintf(digest, PW_SHA256_HEX, "%s", json_string_value(v));
	v = json_object_get(j, "size");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		en->size = (uint64_t)json_integer_value(v);
out:
	json_decref(j);
	pw_buf_release(&b);
}
