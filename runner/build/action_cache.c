/* action_cache.c - `pinwheel build` and the action cache (actions.h,
 * docs/cache.md): the keys of the sdist and of each target, hits
 * materialised into OUT with their logs, fresh results recorded
 * (runner/build/build_int.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "build_int.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/log.h"
#include "pinwheel/wheel.h"

/* The parts the build actions' keys share (the sdist's, each wheel's):
 * the root as the build steps see it (without the test-only layers), the
 * source, what of the config reaches the target's build steps (struct
 * pw_target.build_digest: adding a platform or a Python keeps the others'
 * keys, the "test" table keeps them all), the version and
 * SOURCE_DATE_EPOCH, every variable the steps see, pinwheel and its
 * deflate. */
static void key_common(struct build *b, size_t ti, struct pw_ac_key *k)
{
	const struct before_all *ba = pw_build_before_all_of(b, ti);
	struct pw_sandbox_spec s;
	char sde[32], root[PW_SHA256_HEX];

	pw_build_root_id(b, ti, root);
	pw_ac_key_add(k, "pinwheel", PW_VERSION);
	pw_ac_key_add(k, "deflate", pw_wheel_deflate_id());
	pw_ac_key_add(k, "root", root);
	/* the root's before_all layer, by its content */
	if (ba && ba->tree[0])
		pw_ac_key_add(k, "before_all", ba->tree);
	pw_ac_key_add(k, "source", b->src.tree);
	pw_ac_key_add(k, "config", b->c.targets[ti].build_digest);
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
	pw_ac_key_add(&k, "frontend", pw_pep517_frontend());
	pw_ac_key_final(&k, hex);
}

/* The smoke test's key: the wheel it tests (by its bytes), the whole root
 * (test.requires' layer too), the whole config of the target (the test
 * table with the rest: limits and env reach the test's sandbox as well),
 * the sources ("{project}"), SOURCE_DATE_EPOCH and every variable the test
 * sees, and pinwheel (the smoke test's own script). */
void pw_build_test_key(struct build *b, size_t ti, const char *wheel_sha, char hex[PW_SHA256_HEX])
{
	const struct before_all *ba = pw_build_before_all_of(b, ti);
	struct pw_sandbox_spec s;
	struct pw_ac_key k;
	char sde[32];

	pw_ac_key_init(&k);
	pw_ac_key_add(&k, "action", "test");
	pw_ac_key_add(&k, "target", b->c.targets[ti].id);
	pw_ac_key_add(&k, "pinwheel", PW_VERSION);
	pw_ac_key_add(&k, "wheel", wheel_sha);
	pw_ac_key_add(&k, "root", b->plans[ti].id);
	/* ... and runs again in the old root (docs/config.md,
	 * "test.old_root"): part of the test's key, never of the wheel's */
	if (b->oplans && b->oplans[ti].id[0])
		pw_ac_key_add(&k, "old_root", b->oplans[ti].id);
	/* the smoke test sees the root's before_all layer too */
	if (ba && ba->tree[0])
		pw_ac_key_add(&k, "before_all", ba->tree);
	pw_ac_key_add(&k, "source", b->src.tree);
	pw_ac_key_add(&k, "config", b->c.targets[ti].digest);
	snprintf(sde, sizeof(sde), "%lld", (long long)b->sde);
	pw_ac_key_add(&k, "SOURCE_DATE_EPOCH", sde);
	pw_build_test_spec(b, ti, &s);
	for (size_t i = 0; i < s.n_env; i++)
		pw_ac_key_add(&k, "env", s.env[i]);
	pw_sandbox_spec_release(&s);
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

/* Append output @i of @rec (a log) to @fd. */
static int append_output(struct build *b, const struct pw_ac_record *rec, size_t i, int fd,
			 struct pw_err *e)
{
	_cleanup_free_ char *tmp = pw_xasprintf("%s/cached-%s", b->work, rec->outputs[i].name);
	struct pw_buf in = PW_BUF_INIT(1u << 30);
	int r;

	r = pw_ac_materialize(b->ac, rec, i, tmp, e);
	if (r < 0)
		return r;
	r = pw_read_file(tmp, &in);
	unlink(tmp);
	if (r < 0) {
		pw_buf_release(&in);
		return pw_err_sys(e, -r, "could not read '%s'", tmp);
	}
	r = pw_write_all(fd, in.buf, in.len);
	pw_buf_release(&in);
	if (r < 0)
		return pw_err_sys(e, -r, "could not write the log of %s", rec->target);
	return 0;
}

/* The log of a hit: a first line saying where it came from, then the
 * original build's log (output @i of @rec); then the log of the smoke
 * test's own record (output 0 of @test) when it is another file: the
 * smoke test was run again after that build. */
static int take_log(struct build *b, const struct pw_ac_record *rec, size_t i,
		    const struct pw_ac_record *test, const char *name, struct pw_err *e)
{
	_cleanup_free_ char *tmp = pw_xasprintf("%s/log-%s.log", b->work, name),
			    *dest = pw_xasprintf("%s/%s.log", b->logs, name);
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not create '%s'", tmp);
	dprintf(fd, "pinwheel %s: %s taken from the action cache (key %s); the log of the "
		"build that made it follows\n", PW_VERSION, name, rec->key);
	r = append_output(b, rec, i, fd, e);
	if (r == 0 && test && strcmp(test->outputs[0].sha256, rec->outputs[i].sha256)) {
		dprintf(fd, "\n");
		r = append_output(b, test, 0, fd, e);
	}
	if (r < 0)
		return r;
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
		r = take_log(b, &rec, 1, NULL, "sdist", &e);
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

/* The extension modules of a wheel record's meta ("modules": an array
 * of dotted names): NULL-ended, or NULL when it has none or one that is
 * not a module name (they become arguments of the smoke test). */
static char **meta_modules(const json_t *meta)
{
	json_t *a = json_object_get(meta, "modules"), *v;
	char **m;
	size_t i;

	if (!json_is_array(a))
		return NULL;
	m = pw_xcalloc(json_array_size(a) + 1, sizeof(*m));
	json_array_foreach(a, i, v) {
		const char *n = json_string_value(v);

		if (!n || !*n ||
		    n[strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789_.")]) {
			pw_strv_free(m);
			return NULL;
		}
		m[i] = pw_xstrdup(n);
	}
	return m;
}

/* The test action of the wheel @rec of @ti (its key into res->test_key):
 * 0 with @trec filled on a hit, else -ENOENT. */
static int test_cached(struct build *b, size_t ti, const struct pw_ac_record *rec,
		       struct pw_ac_record *trec, struct target_result *res)
{
	struct pw_err e = PW_ERR_INIT;
	int r;

	pw_build_test_key(b, ti, rec->outputs[0].sha256, res->test_key);
	r = pw_ac_get(b->ac, res->test_key, trec, NULL, &e);
	if (r < 0) {
		if (e.msg[0])
			pw_warn("%s", e.msg);
		return -ENOENT;
	}
	if (trec->n != 1) {
		pw_ac_record_release(trec);
		return -ENOENT;
	}
	return 0;
}

/* The wheel of @rec, waiting in @dir (its path @path) for its smoke test:
 * into b->retest[ti] (@dir taken).  false when the record cannot be tested
 * (no modules in its meta: then it is rebuilt). */
static bool plan_retest(struct build *b, size_t ti, const struct pw_ac_record *rec, char **dir,
			struct target_result *res)
{
	struct retest *rt = &b->retest[ti];
	const char *s = json_string_value(json_object_get(rec->meta, "tag"));
	char **mods = meta_modules(rec->meta);

	if (!mods)
		return false;
	rt->dir = steal_pointer(dir);
	rt->wheel = pw_xstrdup(rec->outputs[0].name);
	rt->mods = mods;
	snprintf(rt->tag, sizeof(rt->tag), "%s", s ? s : "?");
	memcpy(rt->key, res->key, PW_SHA256_HEX);
	memcpy(rt->test_key, res->test_key, PW_SHA256_HEX);
	res->cached = res->retest = true;
	snprintf(res->wheel, sizeof(res->wheel), "%s", rt->wheel);
	snprintf(res->tag, sizeof(res->tag), "%s", rt->tag);
	return true;
}

enum pw_hit pw_build_target_cached(struct build *b, size_t ti, struct target_result *res)
{
	const char *id = b->c.targets[ti].id, *s;
	struct pw_ac_record rec, trec;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	enum pw_hit hit = PW_HIT_NONE;
	double t0 = pw_build_now();
	bool bad = false;
	int r;

	target_key(b, ti, res->key);
	if (b->o->no_cache)
		return PW_HIT_NONE;
	r = pw_ac_get(b->ac, res->key, &rec, NULL, &e);
	if (r < 0) {
		if (e.msg[0])
			pw_warn("%s", e.msg);
		return PW_HIT_NONE;
	}
	memset(&trec, 0, sizeof(trec));
	if (rec.n != 2 || strlen(rec.outputs[0].name) >= sizeof(res->wheel))
		goto out;
	/* The wheel waits alone in WORK/cached-ID (a smoke test sees that
	 * directory), checked as a built one is: its bytes match the record's
	 * digest (pw_ac_materialize) and its RECORD its members.  A wheel that
	 * fails costs the record. */
	dir = pw_xasprintf("%s/cached-%s", b->work, id);
	if (mkdir(dir, 0755) < 0) {
		r = pw_err_sys(&e, errno, "'%s'", dir);
		free(steal_pointer(&dir));
		goto fail;
	}
	tmp = pw_path_join(dir, rec.outputs[0].name);
	r = pw_ac_materialize(b->ac, &rec, 0, tmp, &e);
	if (r == 0) {
		r = pw_build_check_wheel(tmp, rec.outputs[0].name, &e);
		bad = r < 0;
	}
	if (r < 0)
		goto fail;
	if (test_cached(b, ti, &rec, &trec, res) < 0) {
		if (plan_retest(b, ti, &rec, &dir, res))
			hit = PW_HIT_RETEST;
		goto out;
	}
	r = take_log(b, &rec, 1, &trec, id, &e);
	if (r == 0)
		r = pw_build_publish(b, tmp, rec.outputs[0].name, res, &bad, &e);
	if (r < 0)
		goto fail;
	hit = PW_HIT_FULL;
	res->done = res->ok = res->cached = true;
	snprintf(res->wheel, sizeof(res->wheel), "%s", rec.outputs[0].name);
	s = json_string_value(json_object_get(rec.meta, "tag"));
	snprintf(res->tag, sizeof(res->tag), "%s", s ? s : "?");
	s = json_string_value(json_object_get(trec.meta, "smoke"));
	snprintf(res->smoke, sizeof(res->smoke), "%s", s ? s : "passed");
	s = json_string_value(json_object_get(trec.meta, "roots"));
	snprintf(res->smoke_roots, sizeof(res->smoke_roots), "%s", s ? s : "");
	res->secs = pw_build_now() - t0;
	goto out;
fail:
	if (bad) {
		struct pw_err de = PW_ERR_INIT;

		snprintf(res->rejected, sizeof(res->rejected), "%s", e.msg);
		if (pw_ac_drop(b->ac, res->key, &de) < 0)
			pw_warn("action cache: %s", de.msg);
		pw_err_prefix(&e, "the cached wheel of %s is rejected", id);
	}
	pw_warn("action cache: %s: rebuilding %s", e.msg, id);
out:
	if (hit == PW_HIT_NONE && tmp)
		unlink(tmp);
	if (dir)
		rmdir(dir);
	pw_ac_record_release(&rec);
	if (trec.meta)
		pw_ac_record_release(&trec);
	return hit;
}

bool pw_build_reuse_cached(struct build *b, size_t ti, size_t from, const struct target_result *br,
			   struct target_result *res)
{
	const char *id = b->c.targets[ti].id, *s;
	_cleanup_free_ char *tmp = pw_xasprintf("%s/log-%s.log", b->work, id),
			    *dest = pw_xasprintf("%s/%s.log", b->logs, id);
	_cleanup_close_ int fd = -1;
	struct pw_ac_record trec;
	struct pw_err e = PW_ERR_INIT;
	double t0 = pw_build_now();
	int r;

	pw_build_test_key(b, ti, br->sha256, res->test_key);
	if (b->o->no_cache)
		return false;
	r = pw_ac_get(b->ac, res->test_key, &trec, NULL, &e);
	if (r < 0) {
		if (e.msg[0])
			pw_warn("%s", e.msg);
		return false;
	}
	if (trec.n != 1) {
		pw_ac_record_release(&trec);
		return false;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = pw_err_sys(&e, errno, "could not create '%s'", tmp);
	} else {
		dprintf(fd, "pinwheel %s: %s reused abi3 wheel from %s (%s); its smoke test "
			"passed before (test key %s): the log of that test follows\n",
			PW_VERSION, id, b->c.targets[from].id, br->wheel, res->test_key);
		r = append_output(b, &trec, 0, fd, &e);
	}
	if (r == 0 && rename(tmp, dest) < 0)
		r = pw_err_sys(&e, errno, "could not rename '%s' to '%s'", tmp, dest);
	if (r < 0) {
		pw_warn("action cache: %s: testing %s again", e.msg, id);
		unlink(tmp);
		pw_ac_record_release(&trec);
		return false;
	}
	res->done = res->ok = res->cached = true;
	snprintf(res->wheel, sizeof(res->wheel), "%s", br->wheel);
	snprintf(res->tag, sizeof(res->tag), "%s", br->tag);
	memcpy(res->sha256, br->sha256, PW_SHA256_HEX);
	res->size = br->size;
	s = json_string_value(json_object_get(trec.meta, "smoke"));
	snprintf(res->smoke, sizeof(res->smoke), "%s", s ? s : "passed");
	s = json_string_value(json_object_get(trec.meta, "roots"));
	snprintf(res->smoke_roots, sizeof(res->smoke_roots), "%s", s ? s : "");
	res->secs = pw_build_now() - t0;
	pw_ac_record_release(&trec);
	return true;
}

static json_t *made_modules(const struct build *b, size_t ti);

char **pw_build_wheel_modules(struct build *b, size_t ti, const struct target_result *res)
{
	struct pw_ac_record rec;
	struct pw_err e = PW_ERR_INIT;
	json_t *meta;
	char **m;

	/* tested again from the cache: the record's, kept for its worker */
	if (b->retest[ti].dir && b->retest[ti].mods) {
		size_t n = 0;

		while (b->retest[ti].mods[n])
			n++;
		m = pw_xcalloc(n + 1, sizeof(*m));
		for (size_t i = 0; i < n; i++)
			m[i] = pw_xstrdup(b->retest[ti].mods[i]);
		return m;
	}
	/* built: what its worker found */
	meta = made_modules(b, ti);
	if (meta) {
		json_t *o = json_pack("{s:o}", "modules", meta);

		m = meta_modules(o);
		json_decref(o);
		return m;
	}
	/* a full hit: the wheel record's meta */
	if (!res->cached || pw_ac_get(b->ac, res->key, &rec, NULL, &e) < 0)
		return NULL;
	m = meta_modules(rec.meta);
	pw_ac_record_release(&rec);
	return m;
}

void pw_build_note_rejected(struct build *b, size_t ti, const struct target_result *res)
{
	_cleanup_free_ char *p = pw_xasprintf("%s/%s.log", b->logs, b->c.targets[ti].id);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		dprintf(fd, "\n==== pinwheel: this build replaced the action cache's wheel, which "
			"was rejected: %s\n", res->rejected);
}

void pw_build_cache_put(struct build *b, const char *key, const char *target, const char *path,
			const char *logname, json_t *meta)
{
	char *names[2];
	struct pw_ac_output outs[2];
	struct pw_ac_record rec;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *lpath = NULL;
	const char *paths[2], *slash;
	size_t n = 0;
	int r;

	if (b->o->no_cache_write) {
		json_decref(meta);
		return;
	}
	memset(outs, 0, sizeof(outs));
	memset(&rec, 0, sizeof(rec));
	if (path) {
		slash = strrchr(path, '/');
		names[n] = pw_xstrdup(slash ? slash + 1 : path);
		paths[n++] = path;
	}
	lpath = pw_xasprintf("%s/%s.log", b->logs, logname);
	names[n] = pw_xasprintf("%s.log", logname);
	paths[n++] = lpath;
	for (size_t i = 0; i < n; i++)
		outs[i].name = names[i];
	memcpy(rec.key, key, PW_SHA256_HEX);
	rec.target = pw_xstrdup(target);
	rec.outputs = outs;
	rec.n = n;
	rec.meta = meta;
	r = pw_ac_put(b->ac, &rec, paths, &e);
	if (r < 0)
		pw_warn("action cache: could not record %s: %s", target, e.msg);
	else if (e.msg[0])
		pw_warn("%s", e.msg);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(rec.target);
	json_decref(rec.meta);
}

/* The wheel a worker made for @ti: in OUT, or in OUT/failed/ when only its
 * smoke test failed; NULL when there is none (caller frees). */
static char *made_wheel(const struct build *b, const struct target_result *res)
{
	if (!res->wheel[0] || strchr(res->wheel, '/'))
		return NULL;
	if (res->ok)
		return pw_path_join(b->out, res->wheel);
	if (res->kept)
		return pw_xasprintf("%s/failed/%s", b->out, res->wheel);
	return NULL;
}

/* The extension modules its worker found in the wheel of @ti
 * (WORK/ID/modules.json), or NULL. */
static json_t *made_modules(const struct build *b, size_t ti)
{
	_cleanup_free_ char *p =
	    pw_xasprintf("%s/%s/" PW_BUILD_MODULES_FILE, b->work, b->c.targets[ti].id);
	json_t *j = json_load_file(p, 0, NULL);

	if (!json_is_array(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

void pw_build_cache_record(struct build *b, const size_t *jobs, size_t njobs,
			   struct target_result *res)
{
	for (size_t k = 0; k < njobs && !pw_build_stopped(); k++) {
		size_t i = jobs[k];
		const char *id = b->c.targets[i].id;
		_cleanup_free_ char *wheel = NULL, *tname = pw_xasprintf("%s/test", id);
		json_t *mods;

		if (res[i].rejected[0])
			pw_build_note_rejected(b, i, &res[i]);
		/* the wheel action: also a wheel that only failed its smoke
		 * test (a fixed test command then costs the test alone) */
		if (!res[i].retest && !pw_build_abi3_from(b, i) && (wheel = made_wheel(b, &res[i])) &&
		    (mods = made_modules(b, i)))
			pw_build_cache_put(b, res[i].key, id, wheel, id,
					   json_pack("{s:s,s:o,s:f}", "tag", res[i].tag, "modules",
						     mods, "seconds", res[i].secs));
		/* the test action: only a smoke test that passed */
		if (!res[i].ok)
			continue;
		if (!res[i].retest)
			pw_build_test_key(b, i, res[i].sha256, res[i].test_key);
		pw_build_cache_put(b, res[i].test_key, tname, NULL, id,
				   json_pack("{s:s,s:s,s:s,s:f}", "smoke", res[i].smoke, "roots",
					     res[i].smoke_roots, "wheel", res[i].sha256, "seconds",
					     res[i].secs));
	}
}
