/* action_cache.c - `pinwheel build` and the action cache (actions.h,
 * docs/cache.md): the keys of the sdist and of each target, hits
 * materialised into OUT with their logs, fresh results recorded
 * (runner/build/build_int.h). */
#include <fcntl.h>
#include <string.h>

#include "build_int.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/log.h"
#include "pinwheel/wheel.h"

/* The parts every action's key shares: the root that runs it, the source,
 * what of the config reaches the target (struct pw_target.digest: adding
 * a platform or a Python keeps the others' keys), the version and
 * SOURCE_DATE_EPOCH, every variable the steps see, pinwheel and its
 * deflate. */
static void key_common(struct build *b, size_t ti, struct pw_ac_key *k)
{
	struct pw_sandbox_spec s;
	char sde[32];

	pw_ac_key_add(k, "pinwheel", PW_VERSION);
	pw_ac_key_add(k, "deflate", pw_wheel_deflate_id());
	const struct before_all *ba = pw_build_before_all_of(b, ti);

	pw_ac_key_add(k, "root", b->plans[ti].id);
	/* the root's before_all layer, by its content */
	if (ba && ba->tree[0])
		pw_ac_key_add(k, "before_all", ba->tree);
	pw_ac_key_add(k, "source", b->src.tree);
	pw_ac_key_add(k, "config", b->c.targets[ti].digest);
	pw_ac_key_add(k, "version", b->version ? b->version : "");
	/* a backend that sees the repository takes its version from there */
	if (b->git_view)
		pw_ac_key_add(k, "repository", b->src.describe ? b->src.describe : b->src.commit);
	snprintf(sde, sizeof(sde), "%lld", (long long)b->sde);
	pw_ac_key_add(k, "SOURCE_DATE_EPOCH", sde);
	pw_build_spec(b, ti, &s);
	for (size_t i = 0; i < s.n_env; i++)
		pw_ac_key_add(k, "env", s.env[i]);
	pw_sandbox_spec_release(&s);
}

static void sdist_key(struct build *b, char hex[PW_SHA256_HEX])
{
	struct pw_ac_key k;

	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "action", "sdist");
	key_common(b, b->sdist_ti, &k);
	pw_ac_key_final(&k, hex);
}

static void target_key(struct build *b, size_t ti, char hex[PW_SHA256_HEX])
{
	struct pw_ac_key k;

	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "action", "wheel");
	pw_ac_key_add(&k, "target", b->c.targets[ti].id);
	key_common(b, ti, &k);
	pw_ac_key_add(&k, "sdist", b->sdist_sha);
	pw_ac_key_final(&k, hex);
}

/* Materialise output @i of @rec as @dest (through WORK, then one rename,
 * so OUT never holds half a file). */
static int take_output(struct build *b, const struct pw_ac_record *rec, size_t i,
		       const char *dest, struct pw_err *e)
{
	_cleanup_free_ char *tmp = pw_xasprintf("%s/cached-%s", b->work, rec->outputs[i].name);
	int r = pw_ac_materialize(b->ac, rec, i, tmp, e);

	if (r == 0 && rename(tmp, dest) < 0)
		r = pw_err_sys(e, errno, "could not rename '%s' to '%s'", tmp, dest);
	return r;
}

/* The log of a hit: a first line saying where it came from, then the
 * original build's log. */
static int take_log(struct build *b, const struct pw_ac_record *rec, size_t i,
		    const char *name, struct pw_err *e)
{
	_cleanup_free_ char *orig = pw_xasprintf("%s/cached-%s", b->work, rec->outputs[i].name),
			    *tmp = pw_xasprintf("%s/log-%s.log", b->work, name),
			    *dest = pw_xasprintf("%s/%s.log", b->logs, name);
	struct pw_buf in = PW_BUF_INIT(1u << 30);
	_cleanup_close_ int fd = -1;
	int r;

	r = pw_ac_materialize(b->ac, rec, i, orig, e);
	if (r < 0)
		return r;
	r = pw_read_file(orig, &in);
	if (r < 0) {
		pw_buf_release(&in);
		return pw_err_sys(e, -r, "could not read '%s'", orig);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		pw_buf_release(&in);
		return pw_err_sys(e, errno, "could not create '%s'", tmp);
	}
	dprintf(fd, "pinwheel %s: %s taken from the action cache (key %s); the log of the "
		"build that made it follows\n", PW_VERSION, name, rec->key);
	r = pw_write_all(fd, in.buf, in.len);
	pw_buf_release(&in);
	unlink(orig);
	if (r < 0)
		return pw_err_sys(e, -r, "could not write '%s'", tmp);
	if (rename(tmp, dest) < 0)
		return pw_err_sys(e, errno, "could not rename '%s' to '%s'", tmp, dest);
	return 0;
}

bool pw_build_sdist_cached(struct build *b, char key[PW_SHA256_HEX])
{
	struct pw_ac_record rec;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *dest = NULL;
	int r;

	sdist_key(b, key);
	if (b->o->no_cache)
		return false;
	r = pw_ac_get(b->ac, key, &rec, NULL, &e);
	if (r < 0) {
		if (e.msg[0])
			pw_warn("%s", e.msg);
		return false;
	}
	if (rec.n != 2 || strlen(rec.outputs[0].name) >= sizeof(b->sdist)) {
		pw_ac_record_release(&rec);
		return false;
	}
	dest = pw_path_join(b->sdist_dir, rec.outputs[0].name);
	r = take_output(b, &rec, 0, dest, &e);
	if (r == 0)
		r = take_log(b, &rec, 1, "sdist", &e);
	if (r == 0) {
		snprintf(b->sdist, sizeof(b->sdist), "%s", rec.outputs[0].name);
		memcpy(b->sdist_sha, rec.outputs[0].sha256, PW_SHA256_HEX);
	} else {
		pw_warn("action cache: %s: rebuilding", e.msg);
		unlink(dest);
	}
	pw_ac_record_release(&rec);
	return r == 0;
}

bool pw_build_target_cached(struct build *b, size_t ti, struct target_result *res)
{
	struct pw_ac_record rec;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *tmp = NULL;
	const char *s;
	double t0 = pw_build_now();
	int r;

	target_key(b, ti, res->key);
	if (b->o->no_cache)
		return false;
	r = pw_ac_get(b->ac, res->key, &rec, NULL, &e);
	if (r < 0) {
		if (e.msg[0])
			pw_warn("%s", e.msg);
		return false;
	}
	if (rec.n != 2 || strlen(rec.outputs[0].name) >= sizeof(res->wheel)) {
		pw_ac_record_release(&rec);
		return false;
	}
	/* The wheel goes to OUT through the same check as a built one: its
	 * bytes match the record's digest (pw_ac_materialize) and its RECORD
	 * its members (publish_wheel).  A wheel that fails costs the record. */
	tmp = pw_xasprintf("%s/cached-%s", b->work, rec.outputs[0].name);
	r = pw_ac_materialize(b->ac, &rec, 0, tmp, &e);
	if (r == 0)
		r = take_log(b, &rec, 1, b->c.targets[ti].id, &e);
	if (r == 0) {
		bool bad;

		r = pw_build_publish(b, tmp, rec.outputs[0].name, res, &bad, &e);
		if (bad) {
			struct pw_err de = PW_ERR_INIT;

			snprintf(res->rejected, sizeof(res->rejected), "%s", e.msg);
			if (pw_ac_drop(b->ac, res->key, &de) < 0)
				pw_warn("action cache: %s", de.msg);
			pw_err_prefix(&e, "the cached wheel of %s is rejected", b->c.targets[ti].id);
		}
	}
	if (r < 0) {
		pw_warn("action cache: %s: rebuilding %s", e.msg, b->c.targets[ti].id);
		unlink(tmp);
		pw_ac_record_release(&rec);
		return false;
	}
	res->done = res->ok = res->cached = true;
	snprintf(res->wheel, sizeof(res->wheel), "%s", rec.outputs[0].name);
	s = json_string_value(json_object_get(rec.meta, "tag"));
	snprintf(res->tag, sizeof(res->tag), "%s", s ? s : "?");
	s = json_string_value(json_object_get(rec.meta, "smoke"));
	snprintf(res->smoke, sizeof(res->smoke), "%s", s ? s : "passed");
	res->secs = pw_build_now() - t0;
	pw_ac_record_release(&rec);
	return true;
}

void pw_build_note_rejected(struct build *b, size_t ti, const struct target_result *res)
{
	_cleanup_free_ char *p = pw_xasprintf("%s/%s.log", b->logs, b->c.targets[ti].id);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		dprintf(fd, "\n==== pinwheel: this build replaced the action cache's wheel, which "
			"was rejected: %s\n", res->rejected);
}

void pw_build_cache_put(struct build *b, const char *key, const char *target, const char *file,
			const char *logname, json_t *meta)
{
	char *names[2];
	struct pw_ac_output outs[2];
	struct pw_ac_record rec;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *fpath = NULL, *lpath = NULL;
	const char *paths[2];
	int r;

	if (b->o->no_cache_write) {
		json_decref(meta);
		return;
	}
	memset(outs, 0, sizeof(outs));
	memset(&rec, 0, sizeof(rec));
	names[0] = pw_xstrdup(file);
	names[1] = pw_xasprintf("%s.log", logname);
	fpath = pw_path_join(file == b->sdist ? b->sdist_dir : b->out, file);
	lpath = pw_xasprintf("%s/%s.log", b->logs, logname);
	paths[0] = fpath;
	paths[1] = lpath;
	outs[0].name = names[0];
	outs[1].name = names[1];
	memcpy(rec.key, key, PW_SHA256_HEX);
	rec.target = pw_xstrdup(target);
	rec.outputs = outs;
	rec.n = 2;
	rec.meta = meta;
	r = pw_ac_put(b->ac, &rec, paths, &e);
	if (r < 0)
		pw_warn("action cache: could not record %s: %s", target, e.msg);
	else if (e.msg[0])
		pw_warn("%s", e.msg);
	free(names[0]);
	free(names[1]);
	free(rec.target);
	json_decref(rec.meta);
}
