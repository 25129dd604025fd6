/* actions.c - the action cache: keys, records (STORE/ac/<key>.json), the
 * output blobs in the store, materialisation, and the remote through the
 * pw_remote_*() functions of toolchains/store/remote_cache.c.  include/pinwheel/
 * actions.h is the contract, docs/cache.md the user's view. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pinwheel/actions.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/store.h"

#define AC_DIR "ac"
#define AC_RECORD_MAX (1u << 20)
#define AC_MAX_OUTPUTS 1024

struct pw_ac {
	struct pw_store *store;
	char *dir; /* STORE/ac */
	struct pw_remote *remote;
	char *url;
};

/* ---- keys ---- */

void pw_ac_key_init(struct pw_ac_key *k)
{
	static const char tag[] = "pinwheel-action;v1\n";

	memset(k, 0, sizeof(*k));
	if (pw_sha256_init(&k->h) < 0)
		abort(); /* libcrypto missing: nothing can be hashed at all */
	pw_sha256_update(&k->h, tag, sizeof(tag) - 1);
}

void pw_ac_key_add(struct pw_ac_key *k, const char *name, const char *value)
{
	pw_sha256_update(&k->h, name, strlen(name));
	pw_sha256_update(&k->h, "=", 1);
	pw_sha256_update(&k->h, value, strlen(value));
	pw_sha256_update(&k->h, "\n", 1);
}

void pw_ac_key_final(struct pw_ac_key *k, char hex[PW_SHA256_HEX])
{
	if (pw_sha256_final(&k->h, NULL, hex) < 0)
		abort();
	pw_sha256_release(&k->h);
}

/* ---- records ---- */

void pw_ac_record_release(struct pw_ac_record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->outputs[i].name);
	free(r->outputs);
	free(r->target);
	json_decref(r->meta);
	memset(r, 0, sizeof(*r));
}

static bool output_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

int pw_ac_record_parse(const char *name, const char *data, size_t n, struct pw_ac_record *rec,
		       struct pw_err *e)
{
	json_t *j, *v, *outs;
	size_t i;
	int r = -EBADMSG;

	memset(rec, 0, sizeof(*rec));
	j = pw_json_load_mem(name, data, n, e);
	if (!j)
		return -EBADMSG;
	if (!json_is_object(j)) {
		pw_err_set(e, EBADMSG, "'%s': expected a JSON object", name);
		goto out;
	}
	v = json_object_get(j, "version");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		pw_err_set(e, EBADMSG, "'%s': \"version\": expected 1", name);
		goto out;
	}
	v = json_object_get(j, "key");
	if (!json_is_string(v) || !pw_sha256_hex_valid(json_string_value(v))) {
		pw_err_set(e, EBADMSG, "'%s': \"key\": expected 64 lowercase hex digits", name);
		goto out;
	}
	memcpy(rec->key, json_string_value(v), PW_SHA256_HEX);
	v = json_object_get(j, "target");
	if (!json_is_string(v) || !*json_string_value(v)) {
		pw_err_set(e, EBADMSG, "'%s': \"target\": expected a non-empty string", name);
		goto out;
	}
	rec->target = pw_xstrdup(json_string_value(v));
	outs = json_object_get(j, "outputs");
	if (!json_is_array(outs) || json_array_size(outs) > AC_MAX_OUTPUTS) {
		pw_err_set(e, EBADMSG, "'%s': \"outputs\": expected an array of at most %u files",
			   name, AC_MAX_OUTPUTS);
		goto out;
	}
	rec->outputs = pw_xcalloc(json_array_size(outs) + 1, sizeof(*rec->outputs));
	json_array_foreach(outs, i, v)
	{
		json_t *on = json_object_get(v, "name"), *os = json_object_get(v, "sha256"),
		       *oz = json_object_get(v, "size");
		struct pw_ac_output *o = &rec->outputs[rec->n];

		if (!json_is_string(on) || !output_name_ok(json_string_value(on))) {
			pw_err_set(e, EBADMSG, "'%s': \"outputs[%zu].name\": expected a file name",
				   name, i);
			goto out;
		}
		if (!json_is_string(os) || !pw_sha256_hex_valid(json_string_value(os))) {
			pw_err_set(
			    e, EBADMSG,
			    "'%s': \"outputs[%zu].sha256\": expected 64 lowercase hex digits", name,
			    i);
			goto out;
		}
		if (!json_is_integer(oz) || json_integer_value(oz) < 0) {
			pw_err_set(e, EBADMSG, "'%s': \"outputs[%zu].size\": expected a byte count",
				   name, i);
			goto out;
		}
		o->name = pw_xstrdup(json_string_value(on));
		memcpy(o->sha256, json_string_value(os), PW_SHA256_HEX);
		o->size = (uint64_t)json_integer_value(oz);
		rec->n++;
	}
	v = json_object_get(j, "meta");
	if (v && !json_is_object(v)) {
		pw_err_set(e, EBADMSG, "'%s': \"meta\": expected an object", name);
		goto out;
	}
	rec->meta = v ? json_incref(v) : json_object();
	r = 0;
out:
	json_decref(j);
	if (r < 0)
		pw_ac_record_release(rec);
	return r;
}

char *pw_ac_record_render(const struct pw_ac_record *rec, size_t *len)
{
	json_t *j = json_object(), *outs = json_array();
	char *s, *full;

	json_object_set_new(j, "version", json_integer(1));
	json_object_set_new(j, "key", json_string(rec->key));
	json_object_set_new(j, "target", json_string(rec->target ? rec->target : ""));
	for (size_t i = 0; i < rec->n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(rec->outputs[i].name));
		json_object_set_new(o, "sha256", json_string(rec->outputs[i].sha256));
		json_object_set_new(o, "size", json_integer((json_int_t)rec->outputs[i].size));
		json_array_append_new(outs, o);
	}
	json_object_set_new(j, "outputs", outs);
	if (rec->meta)
		json_object_set(j, "meta", rec->meta);
	else
		json_object_set_new(j, "meta", json_object());
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	full = pw_xasprintf("%s\n", s);
	free(s);
	if (len)
		*len = strlen(full);
	return full;
}

/* ---- the cache ---- */

struct pw_ac *pw_ac_open(struct pw_store *store, const char *remote_url, struct pw_err *e)
{
	struct pw_ac *ac = pw_xcalloc(1, sizeof(*ac));
	int r;

	ac->store = store;
	ac->dir = pw_path_join(pw_store_dir(store), AC_DIR);
	r = pw_mkdir_p(ac->dir, 0755);
	if (r < 0) {
		pw_err_sys(e, -r, "could not create '%s'", ac->dir);
		goto fail;
	}
	if (remote_url) {
		ac->url = pw_xstrdup(remote_url);
		ac->remote = pw_remote_open(remote_url, e);
		if (!ac->remote) {
			r = -errno;
			goto fail;
		}
	}
	return ac;
fail:
	pw_ac_close(ac);
	errno = -r;
	return NULL;
}

void pw_ac_close(struct pw_ac *ac)
{
	if (!ac)
		return;
	if (ac->remote)
		pw_remote_close(ac->remote);
	free(ac->url);
	free(ac->dir);
	free(ac);
}

static char *record_path(const struct pw_ac *ac, const char *key)
{
	return pw_xasprintf("%s/%s.json", ac->dir, key);
}

/* Load and check the local record of @key: -ENOENT when absent. */
static int load_local(struct pw_ac *ac, const char *key, struct pw_ac_record *rec, struct pw_err *e)
{
	_cleanup_free_ char *path = record_path(ac, key);
	struct pw_buf b = PW_BUF_INIT(AC_RECORD_MAX);
	int r;

	r = pw_read_file(path, &b);
	if (r < 0) {
		pw_buf_release(&b);
		if (r == -ENOENT)
			return -ENOENT;
		return pw_err_sys(e, -r, "could not read '%s'", path);
	}
	r = pw_ac_record_parse(path, b.buf, b.len, rec, e);
	pw_buf_release(&b);
	if (r < 0)
		return r;
	if (strcmp(rec->key, key)) {
		pw_ac_record_release(rec);
		return pw_err_set(e, EBADMSG, "'%s': \"key\" is not %s", path, key);
	}
	return 0;
}

static bool blobs_present(struct pw_ac *ac, const struct pw_ac_record *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		if (!pw_store_has_blob(ac->store, rec->outputs[i].sha256))
			return false;
	return true;
}

static int write_record(struct pw_ac *ac, const struct pw_ac_record *rec, const char *data,
			size_t n, struct pw_err *e)
{
	_cleanup_free_ char *path = record_path(ac, rec->key);
	int r = pw_write_file_atomic(path, data, n, 0644);

	return r < 0 ? pw_err_sys(e, -r, "could not write '%s'", path) : 0;
}

/* A local miss: the remote's record and its blobs. */
static int get_remote(struct pw_ac *ac, const char *key, struct pw_ac_record *rec, struct pw_err *e)
{
	struct pw_err re = PW_ERR_INIT;
	_cleanup_free_ char *data = NULL, *name = pw_xasprintf("%s/ac/%s", pw_remote_url(ac->remote), key);
	size_t n = 0;
	int r;

	r = pw_remote_get_ac(ac->remote, key, &data, &n, &re);
	if (r == -ENOENT)
		return -ENOENT;
	if (r < 0)
		goto warn;
	r = pw_ac_record_parse(name, data, n, rec, &re);
	if (r == 0 && strcmp(rec->key, key)) {
		pw_ac_record_release(rec);
		r = pw_err_set(&re, EBADMSG, "'%s': \"key\" is not %s", name, key);
	}
	if (r < 0)
		goto warn;
	for (size_t i = 0; i < rec->n; i++) {
		if (pw_store_has_blob(ac->store, rec->outputs[i].sha256))
			continue;
		r = pw_remote_get_cas(ac->remote, ac->store, rec->outputs[i].sha256,
				      rec->outputs[i].size, &re);
		if (r < 0) {
			if (r == -ENOENT)
				pw_err_set(&re, ENOENT, "'%s' names blob %s, which is missing",
					   name, rec->outputs[i].sha256);
			pw_ac_record_release(rec);
			goto warn;
		}
	}
	r = write_record(ac, rec, data, n, &re);
	if (r < 0) {
		pw_ac_record_release(rec);
		goto warn;
	}
	return 0;
warn:
	pw_err_set(e, ENOENT, "remote cache: %s", re.msg);
	return -ENOENT;
}

int pw_ac_get(struct pw_ac *ac, const char *key, struct pw_ac_record *rec, bool *from_remote,
	      struct pw_err *e)
{
	int r;

	if (from_remote)
		*from_remote = false;
	memset(rec, 0, sizeof(*rec));
	if (!pw_sha256_hex_valid(key))
		return pw_err_set(e, EINVAL, "action key '%s': expected 64 lowercase hex digits",
				  key);
	r = load_local(ac, key, rec, e);
	if (r == 0 && blobs_present(ac, rec))
		return 0;
	if (r == 0)
		pw_ac_record_release(rec);
	else if (r != -ENOENT && r != -EBADMSG)
		return r;
	/* A damaged record or one with missing blobs is a miss too. */
	pw_err_clear(e);
	if (!ac->remote)
		return -ENOENT;
	r = get_remote(ac, key, rec, e);
	if (r == 0 && from_remote)
		*from_remote = true;
	return r;
}

int pw_ac_put(struct pw_ac *ac, struct pw_ac_record *rec, const char *const *paths,
	      struct pw_err *e)
{
	_cleanup_free_ char *data = NULL;
	size_t n = 0;
	int r;

	if (!pw_sha256_hex_valid(rec->key))
		return pw_err_set(e, EINVAL, "action key '%s': expected 64 lowercase hex digits",
				  rec->key);
	if (!rec->meta)
		rec->meta = json_object();
	for (size_t i = 0; i < rec->n; i++) {
		_cleanup_close_ int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		bool cached = false;

		if (!output_name_ok(rec->outputs[i].name))
			return pw_err_set(e, EINVAL, "output '%s': expected a file name",
					  rec->outputs[i].name);
		if (fd < 0)
			return pw_err_sys(e, errno, "could not open '%s'", paths[i]);
		r = pw_sha256_fd(fd, rec->outputs[i].sha256, &rec->outputs[i].size);
		if (r < 0)
			return pw_err_sys(e, -r, "could not read '%s'", paths[i]);
		r = pw_store_add_file(ac->store, paths[i], rec->outputs[i].sha256,
				      rec->outputs[i].size, &cached, e);
		if (r < 0)
			return r;
	}
	data = pw_ac_record_render(rec, &n);
	if (!data)
		return pw_err_set(e, ENOMEM, "action %s: could not render its record", rec->key);
	r = write_record(ac, rec, data, n, e);
	if (r < 0 || !ac->remote)
		return r;
	for (size_t i = 0; i < rec->n; i++) {
		struct pw_err re = PW_ERR_INIT;

		r = pw_remote_put_cas(ac->remote, ac->store, rec->outputs[i].sha256, &re);
		if (r < 0) {
			pw_err_set(e, 0, "remote cache: %s", re.msg);
			return 0;
		}
	}
	{
		struct pw_err re = PW_ERR_INIT;

		r = pw_remote_put_ac(ac->remote, rec->key, data, n, &re);
		if (r < 0)
			pw_err_set(e, 0, "remote cache: %s", re.msg);
	}
	return 0;
}

int pw_ac_drop(struct pw_ac *ac, const char *key, struct pw_err *e)
{
	_cleanup_free_ char *path = NULL;

	if (!pw_sha256_hex_valid(key))
		return pw_err_set(e, EINVAL, "action key '%s': expected 64 lowercase hex digits",
				  key);
	path = record_path(ac, key);
	if (unlink(path) < 0 && errno != ENOENT)
		return pw_err_sys(e, errno, "could not remove '%s'", path);
	return 0;
}

/* A blob that does not hash to its name: take it out of the store so the
 * rebuild's put stores good bytes (the store trusts names). */
static void drop_bad_blob(struct pw_ac *ac, const char *hex)
{
	struct pw_store_entry en = {.kind = PW_STORE_BLOB, .opts_key = ""};
	struct pw_err e = PW_ERR_INIT;

	snprintf(en.id, sizeof(en.id), "%s", hex);
	pw_store_remove_entry(ac->store, &en, &e);
}

int pw_ac_materialize(struct pw_ac *ac, const struct pw_ac_record *rec, size_t i, const char *dest,
		      struct pw_err *e)
{
	const struct pw_ac_output *o;
	_cleanup_free_ char *blob = NULL, *tmp = NULL;
	_cleanup_close_ int in = -1;
	struct pw_sha256 h;
	char got[PW_SHA256_HEX], buf[65536];
	uint64_t total = 0;
	int out = -1, r = 0;

	if (i >= rec->n)
		return pw_err_set(e, EINVAL, "action %s has no output %zu", rec->key, i);
	o = &rec->outputs[i];
	blob = pw_store_blob_path(ac->store, o->sha256);
	in = open(blob, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return pw_err_sys(e, errno, "action %s: blob %s of '%s'", rec->key, o->sha256,
				  o->name);
	tmp = pw_xasprintf("%s.tmp.%ld", dest, (long)getpid());
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return pw_err_sys(e, errno, "could not create '%s'", tmp);
	if (pw_sha256_init(&h) < 0) {
		r = pw_err_set(e, ENOSYS, "sha256 is not available");
		goto fail;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = pw_err_sys(e, errno, "could not read '%s'", blob);
			break;
		}
		if (n == 0)
			break;
		pw_sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
		r = pw_write_all(out, buf, (size_t)n);
		if (r < 0) {
			r = pw_err_sys(e, -r, "could not write '%s'", tmp);
			break;
		}
	}
	pw_sha256_final(&h, NULL, got);
	pw_sha256_release(&h);
	if (r < 0)
		goto fail;
	if (strcmp(got, o->sha256) || total != o->size) {
		drop_bad_blob(ac, o->sha256);
		r = pw_err_set(e, EBADMSG,
			       "action %s: blob %s of '%s' is damaged (content hashes to %s, "
			       "%llu bytes)",
			       rec->key, o->sha256, o->name, got, (unsigned long long)total);
		goto fail;
	}
	if (fchmod(out, 0644) < 0 || fsync(out) < 0) {
		r = pw_err_sys(e, errno, "could not write '%s'", tmp);
		goto fail;
	}
	if (close(out) < 0) {
		out = -1;
		r = pw_err_sys(e, errno, "could not write '%s'", tmp);
		goto fail;
	}
	out = -1;
	if (rename(tmp, dest) < 0) {
		r = pw_err_sys(e, errno, "could not rename '%s' to '%s'", tmp, dest);
		goto fail;
	}
	return 0;
fail:
	if (out >= 0)
		close(out);
	unlink(tmp);
	return r;
}

int pw_ac_foreach(struct pw_store *store, int (*fn)(void *ud, const struct pw_ac_record *rec),
		  void *ud, unsigned *damaged, struct pw_err *e)
{
	_cleanup_free_ char *dir = pw_path_join(pw_store_dir(store), AC_DIR);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (damaged)
		*damaged = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : pw_err_sys(e, errno, "could not open '%s'", dir);
	r = pw_list_dir_sorted(fd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list '%s'", dir);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *key = NULL, *path = NULL;
		struct pw_buf b = PW_BUF_INIT(AC_RECORD_MAX);
		struct pw_ac_record rec;
		struct pw_err pe = PW_ERR_INIT;

		if (strlen(names[i]) != 64 + 5 || strcmp(names[i] + 64, ".json"))
			continue;
		key = pw_xasprintf("%.64s", names[i]);
		if (!pw_sha256_hex_valid(key))
			continue;
		path = pw_path_join(dir, names[i]);
		if (pw_read_file(path, &b) < 0 ||
		    pw_ac_record_parse(path, b.buf, b.len, &rec, &pe) < 0 ||
		    (strcmp(rec.key, key) && (pw_ac_record_release(&rec), true))) {
			pw_buf_release(&b);
			if (damaged)
				(*damaged)++;
			continue;
		}
		pw_buf_release(&b);
		r = fn(ud, &rec);
		pw_ac_record_release(&rec);
	}
	pw_free_names(names, n);
	return r;
}
