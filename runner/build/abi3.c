/* abi3.c - abi3 wheels built once per platform (docs/build.md, "abi3
 * wheels: built once per platform"; runner/build/build_int.h): the tags
 * that make a wheel abi3 and the Pythons it serves (build.h), what in the
 * sources declares abi3, the plan (the lowest CPython of each platform
 * builds, the others of its platform wait for its wheel) and, once its
 * wheel is known, what each waiting target does: take that wheel and only
 * run its own smoke test, or build its own. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "build_int.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/log.h"
#include "pinwheel/wheel.h"
#include "pinwheel/zig.h"

#define DECLARE_READ_MAX (1u << 20) /* of each file looked at */

/* "cp3XY" exactly: XY into *minor. */
static bool cp3_tag(const char *s, size_t n, unsigned *minor)
{
	unsigned v = 0;

	if (n < 4 || n > 6 || strncmp(s, "cp3", 3))
		return false;
	for (size_t i = 3; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (s[3] == '0' && n > 4)
		return false;
	*minor = v;
	return true;
}

int pw_abi3_floor(const char *name_py, const char *name_abi, char *const *tags, unsigned *minor)
{
	unsigned m, tm;

	if (!name_py || !name_abi || strcmp(name_abi, "abi3") ||
	    !cp3_tag(name_py, strlen(name_py), &m) || !tags || !tags[0])
		return -EINVAL;
	for (size_t i = 0; tags[i]; i++) {
		const char *t = tags[i], *d1 = strchr(t, '-'),
			   *d2 = d1 ? strchr(d1 + 1, '-') : NULL;

		if (!d2 || !cp3_tag(t, (size_t)(d1 - t), &tm) || tm != m ||
		    (size_t)(d2 - d1 - 1) != 4 || strncmp(d1 + 1, "abi3", 4) || !d2[1])
			return -EINVAL;
	}
	*minor = m;
	return 0;
}

bool pw_abi3_covers(unsigned floor, const char *py_tag)
{
	unsigned m;

	/* "cp313t" fails cp3_tag (free-threaded: no limited API), "pp311"
	 * too (PyPy: no abi3) */
	return py_tag && cp3_tag(py_tag, strlen(py_tag), &m) && m >= floor;
}

/* The words that ask a backend for abi3 wheels, in the files where each
 * means that. */
static const struct {
	const char *file;
	const char *const words[6];
} declare[] = {
    {"pyproject.toml", {"py_limited_api", "py-limited-api", "limited-api", "py-api", "abi3", NULL}},
    {"setup.cfg", {"py_limited_api", NULL}},
    {"setup.py", {"py_limited_api", NULL}},
    {"Cargo.toml", {"abi3", NULL}},
};

/* The first DECLARE_READ_MAX bytes of @dir/@name, a regular file, never
 * through a symlink, into @buf; false when there is none. */
static bool read_head(int dirfd, const char *name, struct pw_buf *buf)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char tmp[8192];
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	while (buf->len < DECLARE_READ_MAX) {
		size_t want = DECLARE_READ_MAX - buf->len;

		n = read(fd, tmp, want < sizeof(tmp) ? want : sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (pw_buf_add(buf, tmp, (size_t)n) < 0)
			break;
	}
	return true;
}

bool pw_abi3_declared(const char *dir, char *why, size_t n)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool found = false;

	if (n)
		why[0] = '\0';
	if (dirfd < 0)
		return false;
	for (size_t i = 0; i < PW_ARRAY_SIZE(declare) && !found; i++) {
		struct pw_buf buf = PW_BUF_INIT(DECLARE_READ_MAX + 1);

		if (read_head(dirfd, declare[i].file, &buf)) {
			for (size_t k = 0; declare[i].words[k] && !found; k++) {
				if (memmem(buf.buf, buf.len, declare[i].words[k],
					   strlen(declare[i].words[k]))) {
					found = true;
					if (n)
						snprintf(why, n, "%s: %s", declare[i].file,
							 declare[i].words[k]);
				}
			}
		}
		pw_buf_release(&buf);
	}
	return found;
}

/* May target @ti build or take an abi3 wheel: CPython, not free-threaded,
 * selected, its root's before_all hook did not fail? */
static bool eligible(const struct build *b, size_t ti)
{
	const struct pw_target *t = &b->c.targets[ti];
	const struct before_all *ba = pw_build_before_all_of(b, ti);

	return b->sel[ti] && !t->py->pypy && !t->py->freethreaded && !(ba && ba->error[0]);
}

/* Are @i and @j of one platform: the same platform (architecture and
 * libc), the same manylinux floor, the same kind of base? */
static bool same_platform(const struct build *b, size_t i, size_t j)
{
	const struct pw_target *a = &b->c.targets[i], *c = &b->c.targets[j];

	return !strcmp(a->platform, c->platform) && !strcmp(a->arch, c->arch) &&
	       a->py->base.provider == c->py->base.provider &&
	       pw_zig_blocks_floor(b->c.blocks, b->c.nblocks, a->platform) ==
		   pw_zig_blocks_floor(b->c.blocks, b->c.nblocks, c->platform);
}

size_t pw_build_abi3_plan(struct build *b)
{
	size_t n = b->c.ntargets, ndefer = 0;
	char why[160] = "\"abi3_reuse\": true";

	b->abi3_from = pw_xcalloc(n + 1, sizeof(*b->abi3_from));
	for (size_t i = 0; i < n; i++)
		b->abi3_from[i] = BA_NONE;
	if (b->c.abi3_reuse == PW_ABI3_OFF)
		return 0;
	if (b->c.abi3_reuse == PW_ABI3_AUTO && !pw_abi3_declared(b->src_dir, why, sizeof(why)))
		return 0;
	/* targets are in matrix order (Python, then platform): the first
	 * eligible one of a platform is its lowest CPython, the builder */
	for (size_t i = 0; i < n; i++) {
		if (!eligible(b, i))
			continue;
		for (size_t j = 0; j < i; j++) {
			if (eligible(b, j) && b->abi3_from[j] == BA_NONE &&
			    same_platform(b, i, j) &&
			    b->c.targets[j].py->minor < b->c.targets[i].py->minor) {
				b->abi3_from[i] = j;
				ndefer++;
				break;
			}
		}
	}
	for (size_t j = 0; j < n && ndefer; j++) {
		struct pw_buf l = PW_BUF_INIT(1u << 16);

		for (size_t i = j + 1; i < n; i++)
			if (b->abi3_from[i] == j)
				pw_buf_addf(&l, " %s", b->c.targets[i].id);
		if (l.len)
			pw_info("abi3 (%s): %s builds first; if its wheel is abi3, these take "
				"it and only run their smoke test:%s",
				why, b->c.targets[j].id, l.buf);
		pw_buf_release(&l);
	}
	return ndefer;
}

const char *pw_build_abi3_from(const struct build *b, size_t ti)
{
	if (!b->abi3_from || b->abi3_from[ti] == BA_NONE)
		return NULL;
	return b->c.targets[b->abi3_from[ti]].id;
}

/* The "Tag:" lines of @w's DIST-VERSION.dist-info/WHEEL (@wn its name):
 * NULL-ended, caller frees; NULL when unreadable. */
static char **wheel_tags(const struct pw_wheel *w, const struct pw_wheel_name *wn)
{
	_cleanup_free_ char *di = pw_wheel_distinfo(wn), *member = pw_xasprintf("%s/WHEEL", di);
	struct pw_buf buf = PW_BUF_INIT(1u << 16);
	struct pw_err e = PW_ERR_INIT;
	ssize_t k = pw_wheel_find(w, member);
	char **tags;
	size_t nt = 0;

	if (k < 0 || pw_wheel_read(w, (size_t)k, &buf, &e) < 0) {
		pw_buf_release(&buf);
		return NULL;
	}
	tags = pw_xcalloc(buf.len / 6 + 2, sizeof(*tags));
	for (const char *p = buf.buf, *end = buf.buf + buf.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		size_t l = (size_t)(le - p);

		if (l && p[l - 1] == '\r')
			l--;
		if (l > 5 && !strncmp(p, "Tag: ", 5))
			tags[nt++] = pw_xasprintf("%.*s", (int)(l - 5), p + 5);
		p = nl ? nl + 1 : end;
	}
	pw_buf_release(&buf);
	return tags;
}

/* The CPython minor version the wheel OUT/@name needs when it is abi3
 * (file name and WHEEL agree): 0, else -EINVAL with @why saying what it
 * is. */
static int out_wheel_floor(const struct build *b, size_t from, const char *name, unsigned *minor,
			   char *why, size_t n)
{
	const char *id = b->c.targets[from].id;
	_cleanup_free_ char *path = pw_path_join(b->out, name);
	struct pw_wheel_name wn = {0};
	struct pw_err e = PW_ERR_INIT;
	struct pw_wheel w;
	char **tags = NULL;
	int r;

	r = pw_wheel_name_parse(name, &wn, &e);
	if (r == 0 && (r = pw_wheel_open(path, &w, &e)) == 0) {
		tags = wheel_tags(&w, &wn);
		pw_wheel_close(&w);
		r = pw_abi3_floor(wn.python, wn.abi, tags, minor);
		if (r < 0)
			snprintf(why, n, "%s's wheel %s is not abi3 (WHEEL: %s%s)", id, name,
				 tags && tags[0] ? "Tag: " : "no Tag lines",
				 tags && tags[0] ? tags[0] : "");
	} else {
		snprintf(why, n, "%s's wheel is unreadable: %.300s", id, e.msg);
	}
	pw_strv_free(tags);
	pw_wheel_name_release(&wn);
	return r;
}

enum pw_hit pw_build_abi3_resolve(struct build *b, size_t ti, struct target_result *all)
{
	size_t j = b->abi3_from[ti];
	const struct pw_target *t = &b->c.targets[ti];
	const struct target_result *br = &all[j];
	struct target_result *res = &all[ti];
	struct retest *rt = &b->retest[ti];
	_cleanup_free_ char *dir = NULL, *src = NULL, *dst = NULL;
	char why[512];
	unsigned floor;
	char **mods;

	snprintf(why, sizeof(why), "%s failed", b->c.targets[j].id);
	if (!br->ok || out_wheel_floor(b, j, br->wheel, &floor, why, sizeof(why)) < 0)
		goto own;
	if (!pw_abi3_covers(floor, t->py->tag)) {
		snprintf(why, sizeof(why), "%s's wheel %s needs CPython 3.%u", b->c.targets[j].id,
			 br->wheel, floor);
		goto own;
	}
	if (pw_build_reuse_cached(b, ti, j, br, res)) {
		pw_info("%s: reused abi3 wheel from %s (%s), its smoke test from the action cache",
			t->id, b->c.targets[j].id, br->wheel);
		return PW_HIT_FULL;
	}
	mods = pw_build_wheel_modules(b, j, br);
	if (!mods) {
		snprintf(why, sizeof(why), "the extension modules of %s's wheel are unknown",
			 b->c.targets[j].id);
		goto own;
	}
	/* the wheel in OUT, linked alone into WORK/abi3-ID for the smoke
	 * test's read-only /wheelhouse */
	dir = pw_xasprintf("%s/abi3-%s", b->work, t->id);
	src = pw_path_join(b->out, br->wheel);
	dst = pw_path_join(dir, br->wheel);
	if (mkdir(dir, 0755) < 0 || link(src, dst) < 0) {
		snprintf(why, sizeof(why), "could not link '%s' into '%s': %s", src, dir,
			 strerror(errno));
		pw_strv_free(mods);
		rmdir(dir);
		goto own;
	}
	rt->dir = steal_pointer(&dir);
	rt->wheel = pw_xstrdup(br->wheel);
	rt->mods = mods;
	snprintf(rt->tag, sizeof(rt->tag), "%s", br->tag);
	memcpy(rt->key, br->key, PW_SHA256_HEX);
	memcpy(rt->test_key, res->test_key, PW_SHA256_HEX);
	memcpy(res->wheel, br->wheel, sizeof(res->wheel)); /* same struct */
	memcpy(res->tag, br->tag, sizeof(res->tag));
	pw_info("%s: reused abi3 wheel from %s (%s, CPython 3.%u and later): its smoke test runs",
		t->id, b->c.targets[j].id, br->wheel, floor);
	return PW_HIT_RETEST;
own:
	pw_info("%s: builds its own wheel: %s", t->id, why);
	b->abi3_from[ti] = BA_NONE;
	return PW_HIT_NONE;
}

json_t *pw_build_abi3_manifest(const struct build *b, const struct target_result *res)
{
	json_t *a = json_array();

	for (size_t j = 0; b->abi3_from && j < b->c.ntargets; j++) {
		json_t *by = json_array();

		for (size_t i = j + 1; i < b->c.ntargets; i++)
			if (b->abi3_from[i] == j && res[i].ok)
				json_array_append_new(by, json_string(b->c.targets[i].id));
		if (json_array_size(by) && res[j].ok)
			json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "wheel", res[j].wheel,
							   "built_by", b->c.targets[j].id,
							   "reused_by", by));
		else
			json_decref(by);
	}
	if (!json_array_size(a)) {
		json_decref(a);
		return NULL;
	}
	return a;
}
