/* against.c - `pinwheel verify --against WHEEL...` (include/pinwheel/verify.h,
 * docs/verify.md "Verifying published wheels").
 *
 * An audit of what was released: each published wheel is mapped to the
 * target of the lock it was built for, those targets are rebuilt fresh
 * (`pinwheel build --locked --no-cache-write`, this executable, from the
 * published sdist when given) into a temp directory, and each published
 * wheel is compared byte for byte with its rebuild; differences are
 * explained by runner/diffexplain.c.  The report names every input by
 * its sha256.  Nothing is written but the report (temp + rename) and the
 * temp directory, removed on every exit.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

#include "pinwheel/child.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"
#include "pinwheel/log.h"
#include "pinwheel/store.h"
#include "pinwheel/verify.h"
#include "pinwheel/workdir.h"

#define BUILD_OUT_MAX (64u << 20) /* build --json's output */

/* ---- wheel tags to targets ---- */

/* Does the platform tag @tag fit the platform @plat ("manylinux_x86_64")? */
static bool plat_fits(const char *tag, size_t tl, const char *plat)
{
	const char *us = strchr(plat, '_');
	size_t fl, al;

	if (tl == 3 && !memcmp(tag, "any", 3))
		return true;
	if (!us)
		return false;
	fl = (size_t)(us - plat);
	al = strlen(us); /* "_x86_64" */
	if (tl <= al || memcmp(tag + tl - al, us, al))
		return false;
	return (tl > fl && !memcmp(tag, plat, fl)) || !strncmp(tag, "linux_", 6);
}

/* Does the '.'-separated list @list hold a word for which @fits is true? */
static bool any_fits(const char *list, size_t n, const char *what,
		     bool (*fits)(const char *, size_t, const char *))
{
	while (n) {
		size_t l = 0;

		while (l < n && list[l] != '.')
			l++;
		if (fits(list, l, what))
			return true;
		list += l;
		n -= l;
		if (n) {
			list++;
			n--;
		}
	}
	return false;
}

static bool word_is(const char *w, size_t l, const char *s)
{
	return strlen(s) == l && !memcmp(w, s, l);
}

static bool word_generic(const char *w, size_t l, const char *unused)
{
	(void)unused;
	return l >= 2 && !memcmp(w, "py", 2);
}

/* A free-threaded target's tag: "cp313t" (digits, then 't'). */
static bool free_threaded(const char *tag)
{
	size_t l = strlen(tag);

	return l > 3 && tag[l - 1] == 't' && tag[l - 2] >= '0' && tag[l - 2] <= '9';
}

const char *pw_wheel_target_of(const char *wheel, const char *const *targets, size_t n)
{
	const char *base = strrchr(wheel, '/'), *dash[3], *end;
	size_t len, k = 0;
	const char *first = NULL;

	base = base ? base + 1 : wheel;
	len = strlen(base);
	if (len < 4 || strcmp(base + len - 4, ".whl"))
		return NULL;
	end = base + len - 4;
	/* the last three '-'s start PY, ABI and PLAT */
	for (const char *p = end; p > base && k < 3;)
		if (*--p == '-')
			dash[k++] = p;
	if (k < 3)
		return NULL;
	{
		const char *py = dash[2] + 1, *abi = dash[1] + 1, *plat = dash[0] + 1;
		size_t pyl = (size_t)(dash[1] - py), abil = (size_t)(dash[0] - abi);
		size_t platl = (size_t)(end - plat);
		bool generic =
		    any_fits(py, pyl, NULL, word_generic) || (abil == 4 && !memcmp(abi, "abi3", 4));

		for (size_t i = 0; i < n; i++) {
			const char *id = targets[i], *sep = strchr(id, '-');
			char tag[32];

			if (!sep || (size_t)(sep - id) >= sizeof(tag) ||
			    !any_fits(plat, platl, sep + 1, plat_fits))
				continue;
			memcpy(tag, id, (size_t)(sep - id));
			tag[sep - id] = 0;
			if (free_threaded(tag)) {
				/* cp313t: the wheel's ABI tag names it (cp313-cp313t) */
				if (any_fits(abi, abil, tag, word_is))
					return id;
			} else {
				char ft[sizeof(tag) + 1];

				/* cp313, but not a cp313-cp313t wheel */
				snprintf(ft, sizeof(ft), "%st", tag);
				if (any_fits(py, pyl, tag, word_is) &&
				    !any_fits(abi, abil, ft, word_is))
					return id;
			}
			if (generic && !first)
				first = id;
		}
	}
	return first;
}

/* ---- the command ---- */

struct published {
	const char *given; /* as given: a file or an URL */
	const char *path;  /* the file read: as given, or the fetched blob */
	const char *name;  /* its base name */
	char *fetched;	   /* for an URL: the blob in the store (owned) */
	char sha[PW_SHA256_HEX];
	const char *target; /* borrowed from the lock's roots, or NULL */
	bool in_manifest;   /* a subject of the manifest with this digest */
};

struct actx {
	const struct pw_against_opts *o;
	struct published *w;
	struct pw_lockset ls;
	const char **ids; /* the lock's targets, borrowed from ls */
	char *dir, *sdist, *tmp, *out;
	int tmp_lock;
	json_t *inputs, *errors, *manifest, *built;
};

/* One line of the report's "errors" and of stderr. */
static void fail_line(struct actx *x, const char *fmt, ...) PW_PRINTF(2, 3);
static void fail_line(struct actx *x, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pw_error("verify: %s", msg);
	json_array_append_new(x->errors, json_string(msg));
}

static int hex_of(const char *path, char hex[PW_SHA256_HEX], struct pw_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", path);
	r = pw_sha256_fd(fd, hex, NULL);
	close(fd);
	if (r < 0)
		return pw_err_sys(e, -r, "could not read '%s'", path);
	return 0;
}

static void add_input(struct actx *x, const char *key, const char *path, const char *hex)
{
	json_object_set_new(x->inputs, key, json_pack("{s:s,s:s}", "file", path, "sha256", hex));
}

/* Load the manifest (x->manifest) and check that it was built with our
 * lock (@lock_hex).  PW_EXIT_OK, or the status to end with. */
static int load_manifest(struct actx *x, const char *lock_hex, struct pw_err *e)
{
	json_t *m;
	const char *ml;
	char hex[PW_SHA256_HEX];

	if (hex_of(x->o->manifest, hex, e) < 0)
		return PW_EXIT_USAGE;
	m = x->manifest = pw_json_load_file(x->o->manifest, e);
	if (!m)
		return PW_EXIT_USAGE;
	add_input(x, "manifest", x->o->manifest, hex);
	ml = json_string_value(json_object_get(
	    json_object_get(json_object_get(json_object_get(m, "predicate"), "buildDefinition"),
			    "internalParameters"),
	    "lock_sha256"));
	if (!json_is_array(json_object_get(m, "subject")) || !ml) {
		pw_err_set(e, EINVAL,
			   "'%s': expected a pinwheel-manifest.json (\"subject\" and "
			   "predicate.buildDefinition.internalParameters.lock_sha256)",
			   x->o->manifest);
		return PW_EXIT_USAGE;
	}
	if (strcmp(ml, lock_hex)) {
		fail_line(x, "'%s' was built with lock sha256 %s, but '%s/pinwheel.lock' has %s",
			  x->o->manifest, ml, x->dir, lock_hex);
		return PW_EXIT_FAIL;
	}
	return PW_EXIT_OK;
}

/* The sha256 the manifest's subject @name has, or NULL. */
static const char *subject_sha(struct actx *x, const char *name)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(x->manifest, "subject"), i, s)
	{
		const char *n = json_string_value(json_object_get(s, "name"));

		if (n && !strcmp(n, name))
			return json_string_value(
			    json_object_get(json_object_get(s, "digest"), "sha256"));
	}
	return NULL;
}

/* Every published wheel must be a subject of the manifest, name and
 * digest: a line for each that is not. */
static void check_subjects(struct actx *x)
{
	for (size_t k = 0; k < x->o->nwheels; k++) {
		const char *d = subject_sha(x, x->w[k].name);

		x->w[k].in_manifest = d && !strcmp(d, x->w[k].sha);
		if (!x->w[k].in_manifest)
			fail_line(x, "'%s' (sha256 %s) is not a subject of '%s'", x->w[k].given,
				  x->w[k].sha, x->o->manifest);
	}
}

static bool is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "file://", 7);
}

/* Fetch the published wheels given as URLs into the store with the
 * fetcher, each checked against the sha256 its subject in the manifest
 * has.  PW_EXIT_OK, or the status to end with (said). */
static int fetch_urls(struct actx *x, struct pw_err *e)
{
	const struct pw_against_opts *o = x->o;
	struct pw_fetch_item *items = pw_xcalloc(o->nwheels, sizeof(*items));
	const char **urls = pw_xcalloc(o->nwheels, sizeof(char *));
	size_t *of = pw_xcalloc(o->nwheels, sizeof(size_t)), n = 0;
	struct pw_store *s = NULL;
	struct pw_fetch_opts fo;
	char *dl = NULL;
	int st = PW_EXIT_OK;

	for (size_t i = 0; i < o->nwheels; i++) {
		const char *sha;

		if (!is_url(x->w[i].given))
			continue;
		if (!x->manifest) {
			pw_err_set(e, EINVAL,
				   "'%s': an URL needs --manifest (the sha256 of its subject is "
				   "what the download is checked against)",
				   x->w[i].given);
			st = PW_EXIT_USAGE;
			goto out;
		}
		sha = subject_sha(x, x->w[i].name);
		if (!sha || !pw_sha256_hex_valid(sha)) {
			pw_err_set(e, EINVAL, "'%s': '%s' has no subject named '%s'", x->w[i].given,
				   o->manifest, x->w[i].name);
			st = PW_EXIT_USAGE;
			goto out;
		}
		urls[n] = x->w[i].given;
		items[n] = (struct pw_fetch_item){.name = x->w[i].name,
						  .urls = &urls[n],
						  .nurls = 1,
						  .sha256 = sha,
						  .size = PW_STORE_SIZE_UNKNOWN};
		of[n++] = i;
	}
	if (!n)
		goto out;
	/* A store of our own in the temp directory, not the user's: the bytes
	 * at the URL are downloaded and checked even when a blob of that
	 * digest is in the store already (a build keeps its wheels there). */
	dl = pw_path_join(x->tmp, "downloads");
	s = pw_store_open(dl, e);
	if (!s) {
		st = PW_EXIT_FAIL;
		goto out;
	}
	pw_fetch_opts_init(&fo);
	if (pw_fetch_run(s, items, n, &fo, e) < 0 && e->code != EIO) {
		st = PW_EXIT_FAIL;
		goto out;
	}
	e->msg[0] = 0;
	for (size_t k = 0; k < n; k++) {
		struct published *p = &x->w[of[k]];

		if (items[k].state != PW_FETCH_DONE) {
			fail_line(x, "%s", items[k].err.msg);
			st = PW_EXIT_FAIL;
			continue;
		}
		p->fetched = steal_pointer(&items[k].path);
		p->path = p->fetched;
	}
out:
	for (size_t k = 0; k < n; k++)
		pw_fetch_item_release(&items[k]);
	if (s)
		pw_store_close(s);
	free(items);
	free(urls);
	free(of);
	free(dl);
	return st;
}

/* Run `pinwheel build` (this executable) for the targets in @only, fresh,
 * into x->out; its --json result in x->built.  0, or -1 (said). */
static int rebuild(struct actx *x, const char **only, size_t nonly)
{
	char **argv = pw_xcalloc(18 + 2 * nonly, sizeof(char *));
	char sdebuf[32];
	struct pw_buf out = PW_BUF_INIT(BUILD_OUT_MAX);
	int p[2] = {-1, -1}, status = 0, r = -1;
	size_t k = 0;
	pid_t pid, parent = getpid();
	char jobs[16];

	argv[k++] = pw_xstrdup("pinwheel");
	argv[k++] = pw_xstrdup("--store");
	argv[k++] = pw_xstrdup(x->o->store_dir);
	argv[k++] = pw_xstrdup("--color=never");
	argv[k++] = pw_xstrdup("--json");
	argv[k++] = pw_xstrdup("build");
	argv[k++] = pw_xstrdup(x->sdist ? x->sdist : x->dir);
	argv[k++] = pw_xstrdup("--out");
	argv[k++] = pw_xstrdup(x->out);
	argv[k++] = pw_xstrdup("--locked");
	argv[k++] = pw_xstrdup("--no-cache-write");
	if (x->manifest) { /* the release's, whatever the source says */
		json_t *sde = json_object_get(
		    json_object_get(json_object_get(json_object_get(x->manifest, "predicate"),
						    "buildDefinition"),
				    "internalParameters"),
		    "SOURCE_DATE_EPOCH");

		if (json_is_integer(sde) && json_integer_value(sde) > 0) {
			snprintf(sdebuf, sizeof(sdebuf), "%lld",
				 (long long)json_integer_value(sde));
			argv[k++] = pw_xstrdup("--release-epoch");
			argv[k++] = pw_xstrdup(sdebuf);
		}
	}
	if (x->o->jobs) {
		snprintf(jobs, sizeof(jobs), "%u", x->o->jobs);
		argv[k++] = pw_xstrdup("--jobs");
		argv[k++] = pw_xstrdup(jobs);
	}
	for (size_t i = 0; i < nonly; i++) {
		argv[k++] = pw_xstrdup("--only");
		argv[k++] = pw_xstrdup(only[i]);
	}
	pw_info("verify: rebuilding %zu target%s fresh into '%s'", nonly, nonly == 1 ? "" : "s",
		x->out);
	if (pipe2(p, O_CLOEXEC) < 0) {
		pw_error("verify: could not create a pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pw_error("verify: could not fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (pw_child_die_with_parent(parent) < 0 || dup2(p[1], 1) < 0 || chdir(x->dir) < 0)
			_exit(127);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	for (;;) {
		char buf[65536];
		ssize_t n = read(p[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (pw_buf_add(&out, buf, (size_t)n) < 0)
			break;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			pw_error("verify: could not wait for pinwheel build: %s", strerror(errno));
			goto out;
		}
	x->built = out.len ? json_loadb(out.buf, out.len, 0, NULL) : NULL;
	if (!x->built) {
		pw_error("verify: the rebuild failed (%s)",
			 WIFEXITED(status) ? "pinwheel build printed no result" : "killed");
		r = WIFEXITED(status) && WEXITSTATUS(status) == PW_EXIT_USAGE ? -2 : -1;
		goto out;
	}
	r = 0;
out:
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	pw_buf_release(&out);
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	return r;
}

/* The rebuilt wheel of target @id: its file name in x->out, or NULL. */
static const char *rebuilt_of(struct actx *x, const char *id)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(x->built, "targets"), i, t)
	{
		const char *tid = json_string_value(json_object_get(t, "target"));

		if (tid && !strcmp(tid, id) && json_is_true(json_object_get(t, "ok")))
			return json_string_value(json_object_get(t, "wheel"));
	}
	return NULL;
}

/* The explainer speaks of builds A and B: here A is the rebuild and B
 * the published wheel. */
static void reword(json_t *diffs)
{
	json_t *d;
	size_t i;

	json_array_foreach(diffs, i, d)
	{
		const char *det = json_string_value(json_object_get(d, "detail"));

		if (det && !strcmp(det, "only in build A"))
			json_object_set_new(d, "detail", json_string("only in the rebuild"));
		else if (det && !strcmp(det, "only in build B"))
			json_object_set_new(d, "detail",
					    json_string("only in the published wheel"));
	}
}

/* Compare published wheel @p with its rebuild: the report's entry. */
static json_t *compare_one(struct actx *x, const struct published *p)
{
	json_t *j = json_object(), *diffs = json_array();
	const char *rb = p->target && x->built ? rebuilt_of(x, p->target) : NULL;
	const char *status;

	json_object_set_new(j, "published",
			    json_pack("{s:s,s:s}", "file", p->given, "sha256", p->sha));
	json_object_set_new(j, "target", p->target ? json_string(p->target) : json_null());
	if (!p->target) {
		status = "no target";
	} else if (!rb) {
		status = "not rebuilt";
	} else {
		_cleanup_free_ char *rp = pw_path_join(x->out, rb);
		struct pw_archive A, B;
		struct pw_err e = PW_ERR_INIT;
		char hex[PW_SHA256_HEX] = "";

		memset(&A, 0, sizeof(A));
		memset(&B, 0, sizeof(B));
		if (hex_of(rp, hex, &e) < 0) {
			json_object_set_new(j, "error", json_string(e.msg));
			status = "not rebuilt";
			goto done;
		}
		json_object_set_new(j, "rebuilt",
				    json_pack("{s:s,s:s}", "file", rb, "sha256", hex));
		if (!strcmp(hex, p->sha) && !strcmp(rb, p->name)) {
			status = "matched";
			goto done;
		}
		status = "differs";
		if (strcmp(rb, p->name))
			json_array_append_new(
			    diffs, json_pack("{s:n,s:s,s:s++}", "member", "kind", "name", "detail",
					     "the file names differ: rebuilt as ", rb));
		if (strcmp(hex, p->sha)) {
			/* A is the rebuild, B the published wheel: "added" is
			 * what the published wheel has on top */
			if (pw_archive_read(rp, &A, &e) < 0 ||
			    pw_archive_read(p->path, &B, &e) < 0) {
				json_object_set_new(j, "error", json_string(e.msg));
			} else {
				json_t *d = pw_archive_diff(&A, &B);

				reword(d);
				json_array_extend(diffs, d);
				json_decref(d);
				if (!json_array_size(diffs))
					json_array_append_new(
					    diffs,
					    json_pack("{s:n,s:s,s:s}", "member", "kind", "archive",
						      "detail",
						      "the members are the same: the archives "
						      "differ in compression or headers outside "
						      "the members"));
			}
		}
		pw_archive_release(&A);
		pw_archive_release(&B);
	}
done:
	json_object_set_new(j, "status", json_string(status));
	json_object_set_new(j, "differences", diffs);
	return j;
}

static void print_report(json_t *doc)
{
	json_t *w;
	size_t i;

	pw_out("%-50s %-12s %-12s %-12s\n", "published wheel", "result", "published", "rebuilt");
	json_array_foreach(json_object_get(doc, "wheels"), i, w)
	{
		json_t *pub = json_object_get(w, "published"), *rb = json_object_get(w, "rebuilt");
		const char *path = json_string_value(json_object_get(pub, "file"));
		const char *base = strrchr(path, '/');
		const char *st = json_string_value(json_object_get(w, "status"));
		const char *rh = json_string_value(json_object_get(rb, "sha256"));

		pw_out("%-50s %-12s %-12.12s %-12.12s\n", base ? base + 1 : path,
		       !strcmp(st, "matched")	? st
		       : !strcmp(st, "differs") ? "DIFFERS"
						: st,
		       json_string_value(json_object_get(pub, "sha256")), rh ? rh : "-");
		if (json_object_get(w, "error"))
			pw_out("  %s\n", json_string_value(json_object_get(w, "error")));
		pw_verify_print_differences(json_object_get(w, "differences"));
	}
	json_array_foreach(json_object_get(doc, "errors"), i, w)
	    pw_out("error: %s\n", json_string_value(w));
	pw_out("\n%s\n", json_is_true(json_object_get(doc, "ok"))
			     ? "every published wheel matched its rebuild"
			     : "some published wheels did not match");
}

/* Everything before the rebuild: the lock, its targets, the inputs'
 * digests, each published wheel's target.  PW_EXIT_OK or the status. */
static int prepare(struct actx *x, struct pw_err *e)
{
	const struct pw_against_opts *o = x->o;
	_cleanup_free_ char *lock = NULL, *cfg = NULL;
	char hex[PW_SHA256_HEX];
	int st;

	x->dir = realpath(o->dir, NULL);
	if (!x->dir) {
		pw_err_sys(e, errno, "project directory '%s'", o->dir);
		return PW_EXIT_USAGE;
	}
	lock = pw_path_join(x->dir, PW_LOCK_FILE);
	if (pw_lock_load(lock, &x->ls, e) < 0 || hex_of(lock, hex, e) < 0)
		return PW_EXIT_USAGE;
	add_input(x, "lock", lock, hex);
	cfg = pw_path_join(x->dir, "pinwheel.json");
	if (access(cfg, F_OK) == 0) {
		char ch[PW_SHA256_HEX];

		if (hex_of(cfg, ch, e) < 0)
			return PW_EXIT_USAGE;
		add_input(x, "config", cfg, ch);
	} else {
		json_object_set_new(x->inputs, "config", json_null());
	}
	if (o->sdist) {
		char sh[PW_SHA256_HEX];

		/* build runs in DIR (the config is the current directory's) */
		x->sdist = realpath(o->sdist, NULL);
		if (!x->sdist) {
			pw_err_sys(e, errno, "sdist '%s'", o->sdist);
			return PW_EXIT_USAGE;
		}
		if (hex_of(x->sdist, sh, e) < 0)
			return PW_EXIT_USAGE;
		add_input(x, "sdist", x->sdist, sh);
	} else {
		json_object_set_new(x->inputs, "sdist", json_null());
	}
	x->ids = pw_xcalloc(x->ls.nroots + 1, sizeof(char *));
	for (size_t i = 0; i < x->ls.nroots; i++)
		x->ids[i] = x->ls.roots[i].target;
	json_object_set_new(x->inputs, "manifest", json_null());
	if (o->manifest && (st = load_manifest(x, hex, e)) != PW_EXIT_OK)
		return st;
	x->w = pw_xcalloc(o->nwheels, sizeof(*x->w));
	for (size_t i = 0; i < o->nwheels; i++) {
		struct published *p = &x->w[i];
		const char *slash = strrchr(o->wheels[i], '/');

		p->given = p->path = o->wheels[i];
		p->name = slash ? slash + 1 : p->given;
	}
	if ((st = fetch_urls(x, e)) != PW_EXIT_OK)
		return st;
	for (size_t i = 0; i < o->nwheels; i++) {
		struct published *p = &x->w[i];

		if (hex_of(p->path, p->sha, e) < 0)
			return PW_EXIT_USAGE;
		p->target = pw_wheel_target_of(p->name, x->ids, x->ls.nroots);
		if (!p->target)
			fail_line(x, "'%s': its tags match no target of '%s'", p->given, lock);
	}
	if (x->manifest)
		check_subjects(x);
	return PW_EXIT_OK;
}

int pw_against_run(const struct pw_against_opts *o)
{
	struct actx x;
	struct pw_err e = PW_ERR_INIT;
	const char **only = NULL;
	size_t nonly = 0;
	json_t *doc = NULL, *wheels = json_array();
	bool ok;
	int st;

	memset(&x, 0, sizeof(x));
	x.o = o;
	x.tmp_lock = -1;
	x.ls = (struct pw_lockset)PW_LOCKSET_INIT;
	x.inputs = json_object();
	x.errors = json_array();
	{ /* downloads and the rebuild; locked while we run (workdir.h) */
		const char *tmpdir = getenv("TMPDIR");
		struct pw_workdir wd;
		int err;

		if (!tmpdir || tmpdir[0] != '/')
			tmpdir = "/tmp";
		err = pw_workdir_make(&wd, tmpdir, "pinwheel-against.", true);
		if (err < 0) {
			pw_error("verify: could not create a temp directory in '%s': %s", tmpdir,
				 strerror(-err));
			st = PW_EXIT_FAIL;
			goto out;
		}
		x.tmp = wd.path;
		x.tmp_lock = wd.fd;
		x.out = pw_path_join(x.tmp, "rebuilt");
	}
	st = prepare(&x, &e);
	if (st != PW_EXIT_OK) {
		if (e.msg[0])
			pw_error("verify: %s", e.msg);
		goto out;
	}
	/* the targets to rebuild: each published wheel's, once */
	only = pw_xcalloc(o->nwheels + 1, sizeof(char *));
	for (size_t i = 0; i < o->nwheels; i++) {
		bool seen = !x.w[i].target;

		for (size_t k = 0; !seen && k < nonly; k++)
			seen = !strcmp(only[k], x.w[i].target);
		if (!seen)
			only[nonly++] = x.w[i].target;
	}
	if (nonly) {
		int err = rebuild(&x, only, nonly);

		if (err == -2) {
			st = PW_EXIT_USAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < o->nwheels; i++)
		json_array_append_new(wheels, compare_one(&x, &x.w[i]));
	ok = !json_array_size(x.errors);
	{
		json_t *w;
		size_t i;

		json_array_foreach(wheels, i, w) ok =
		    ok && !strcmp(json_string_value(json_object_get(w, "status")), "matched");
	}
	doc = json_pack("{s:b,s:s,s:O,s:O,s:O}", "ok", ok, "project", x.dir, "inputs", x.inputs,
			"wheels", wheels, "errors", x.errors);
	if (o->report && pw_json_dump_file(o->report, doc, &e) < 0) {
		pw_error("verify: %s", e.msg);
		st = PW_EXIT_FAIL;
		goto out;
	}
	if (pw_log_json())
		pw_json_print(doc, true);
	else
		print_report(doc);
	st = ok ? PW_EXIT_OK : PW_EXIT_FAIL;
out:
	if (x.tmp && pw_rm_rf(x.tmp) < 0)
		pw_warn("could not remove '%s'", x.tmp);
	pw_closep(&x.tmp_lock);
	free(x.tmp);
	free(x.out);
	free(x.dir);
	free(x.sdist);
	for (size_t i = 0; x.w && i < o->nwheels; i++)
		free(x.w[i].fetched);
	free(x.w);
	free(x.ids);
	free(only);
	pw_lockset_release(&x.ls);
	json_decref(x.inputs);
	json_decref(x.errors);
	json_decref(x.manifest);
	json_decref(x.built);
	json_decref(wheels);
	json_decref(doc);
	return st;
}
