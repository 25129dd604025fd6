/* wheel_meta.c - wheel names (PEP 427), the .dist-info directory, WHEEL
 * Tag lines (read, retag) and the RECORD check of an opened wheel. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/wheel.h"
#include "wheel_int.h"

#define RECORD_MAX (64u << 20)
#define WHEEL_FILE_MAX (1u << 20)

void pw_wheel_name_release(struct pw_wheel_name *n)
{
	free(n->dist);
	free(n->version);
	free(n->build);
	free(n->python);
	free(n->abi);
	free(n->platform);
	memset(n, 0, sizeof(*n));
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Characters allowed in a part of the file name; tags are compressed sets
 * joined with '.' (no empty element). */
static bool part_ok(const char *s, size_t n, const char *extra)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!alnum(s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

static bool tagset_ok(const char *s, size_t n)
{
	size_t i;

	if (!part_ok(s, n, "_."))
		return false;
	if (s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 1; i < n; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return false;
	return true;
}

/* Normalise a distribution name as in file names: runs of [-_.] -> '_'. */
static char *dist_normalise(const char *s, size_t n)
{
	char *out = pw_xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '-' || s[i] == '_' || s[i] == '.') {
			if (o == out || o[-1] != '_')
				*o++ = '_';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int pw_wheel_name_parse(const char *path, struct pw_wheel_name *n, struct pw_err *e)
{
	const char *base = strrchr(path, '/'), *p[7];
	size_t len, np = 0, i, l[6];
	bool has_build;

	memset(n, 0, sizeof(*n));
	base = base ? base + 1 : path;
	len = strlen(base);
	if (len < 4 || strcmp(base + len - 4, ".whl") != 0)
		return pw_err_set(e, EINVAL, "'%s': a wheel file name ends in '.whl'", base);
	len -= 4;
	p[np++] = base;
	for (i = 0; i < len; i++)
		if (base[i] == '-') {
			if (np == 7)
				break;
			p[np++] = base + i + 1;
		}
	if (np != 5 && np != 6)
		return pw_err_set(e, EINVAL,
				  "'%s': expected dist-version[-build]-python-abi-platform.whl",
				  base);
	for (i = 0; i < np; i++)
		l[i] = (i + 1 < np ? (size_t)(p[i + 1] - p[i]) - 1 : (size_t)(base + len - p[i]));
	has_build = np == 6;
	if (!part_ok(p[0], l[0], "_.") || p[0][0] == '_' || p[0][0] == '.')
		return pw_err_set(e, EINVAL, "'%s': bad distribution name", base);
	if (!part_ok(p[1], l[1], "_.+!") || !alnum(p[1][0]))
		return pw_err_set(e, EINVAL, "'%s': bad version", base);
	if (has_build && (!part_ok(p[2], l[2], "_.") || !(p[2][0] >= '0' && p[2][0] <= '9')))
		return pw_err_set(e, EINVAL, "'%s': build tag must start with a digit", base);
	for (i = np - 3; i < np; i++)
		if (!tagset_ok(p[i], l[i]))
			return pw_err_set(e, EINVAL, "'%s': bad %s tag", base,
					  i == np - 3 ? "python" : i == np - 2 ? "abi" : "platform");
	n->dist = dist_normalise(p[0], l[0]);
	n->version = strndup(p[1], l[1]);
	n->build = has_build ? strndup(p[2], l[2]) : NULL;
	n->python = strndup(p[np - 3], l[np - 3]);
	n->abi = strndup(p[np - 2], l[np - 2]);
	n->platform = strndup(p[np - 1], l[np - 1]);
	if (!n->version || (has_build && !n->build) || !n->python || !n->abi || !n->platform) {
		pw_wheel_name_release(n);
		return pw_err_set(e, ENOMEM, "out of memory");
	}
	return 0;
}

char *pw_wheel_name_format(const struct pw_wheel_name *n)
{
	if (n->build)
		return pw_xasprintf("%s-%s-%s-%s-%s-%s.whl", n->dist, n->version, n->build,
				    n->python, n->abi, n->platform);
	return pw_xasprintf("%s-%s-%s-%s-%s.whl", n->dist, n->version, n->python, n->abi,
			    n->platform);
}

char *pw_wheel_distinfo(const struct pw_wheel_name *n)
{
	return pw_xasprintf("%s-%s.dist-info", n->dist, n->version);
}

/* ---- the unpacked tree ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

char *pw_wheel_dir_distinfo(int dirfd, struct pw_err *e)
{
	char **names, *found = NULL;
	size_t n, i, count = 0;
	int r;

	r = pw_list_dir_sorted(dirfd, &names, &n);
	if (r < 0) {
		pw_err_sys(e, -r, "could not list the unpacked wheel");
		errno = -r;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		struct stat st;
		if (!ends_with(names[i], ".dist-info"))
			continue;
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		count++;
		if (!found)
			found = pw_xstrdup(names[i]);
	}
	pw_free_names(names, n);
	if (count != 1) {
		free(found);
		pw_err_set(e, EINVAL, "the unpacked wheel has %zu '*.dist-info' directories, "
				      "expected one", count);
		errno = EINVAL;
		return NULL;
	}
	return found;
}

/* Read DISTINFO/NAME under @dirfd into @b (never following symlinks). */
static int read_meta_file(int dirfd, const char *distinfo, const char *name, struct pw_buf *b,
			  struct pw_err *e)
{
	int dfd, fd, r;

	dfd = openat(dirfd, distinfo, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", distinfo);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s/%s'", distinfo, name);
	r = pw_read_fd(fd, b);
	close(fd);
	if (r < 0)
		return pw_err_sys(e, -r, "could not read '%s/%s'", distinfo, name);
	return 0;
}

/* Next line of @s from *pos (without "\n" or "\r\n"); false at the end. */
static bool next_line(const char *s, size_t len, size_t *pos, const char **line, size_t *n)
{
	size_t i = *pos;

	if (i >= len)
		return false;
	*line = s + i;
	while (i < len && s[i] != '\n')
		i++;
	*n = (size_t)(s + i - *line);
	if (*n && (*line)[*n - 1] == '\r')
		(*n)--;
	*pos = i < len ? i + 1 : i;
	return true;
}

static bool key_is(const char *line, size_t n, const char *key, const char **val, size_t *vn)
{
	size_t k = strlen(key);

	if (n < k + 1 || strncmp(line, key, k) != 0 || line[k] != ':')
		return false;
	*val = line + k + 1;
	*vn = n - k - 1;
	while (*vn && (**val == ' ' || **val == '\t'))
		(*val)++, (*vn)--;
	while (*vn && ((*val)[*vn - 1] == ' ' || (*val)[*vn - 1] == '\t'))
		(*vn)--;
	return true;
}

int pw_wheel_dir_tags(int dirfd, const char *distinfo, char ***tags, bool *purelib,
		      struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(WHEEL_FILE_MAX);
	const char *line, *v;
	size_t pos = 0, n, vn, count = 0;
	char **out = NULL;
	int r;

	*tags = NULL;
	if (purelib)
		*purelib = false;
	r = read_meta_file(dirfd, distinfo, "WHEEL", &b, e);
	if (r < 0)
		return r;
	out = pw_xcalloc(1, sizeof(*out));
	while (next_line(b.buf, b.len, &pos, &line, &n)) {
		if (key_is(line, n, "Tag", &v, &vn)) {
			out = pw_xrealloc(out, (count + 2) * sizeof(*out));
			out[count++] = strndup(v, vn);
			out[count] = NULL;
			if (!out[count - 1])
				abort();
		} else if (purelib && key_is(line, n, "Root-Is-Purelib", &v, &vn)) {
			*purelib = vn == 4 && strncasecmp(v, "true", 4) == 0;
		}
	}
	pw_buf_release(&b);
	if (count == 0) {
		free(out);
		return pw_err_set(e, EINVAL, "'%s/WHEEL': no 'Tag:' line", distinfo);
	}
	*tags = out;
	return 0;
}

static void add_unique(char ***v, size_t *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen((*v)[i]) == len && strncmp((*v)[i], s, len) == 0)
			return;
	*v = pw_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] = pw_xmalloc(len + 1);
	memcpy((*v)[*n], s, len);
	(*v)[*n][len] = '\0';
	(*n)++;
}

/* The "python-abi" pairs of the tags (compressed sets expanded). */
static int tag_pairs(char **tags, char ***pairs, size_t *np, const char *distinfo,
		     struct pw_err *e)
{
	size_t i;

	*pairs = NULL;
	*np = 0;
	for (i = 0; tags[i]; i++) {
		char *t = tags[i], *d1 = strchr(t, '-'), *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
		const char *py, *abi;

		if (!d1 || !d2 || strchr(d2 + 1, '-') || d1 == t || d2 == d1 + 1 || !d2[1])
			return pw_err_set(e, EINVAL, "'%s/WHEEL': tag '%s': expected python-abi-platform",
					  distinfo, t);
		for (py = t; py < d1;) {
			const char *pe = memchr(py, '.', (size_t)(d1 - py));
			if (!pe)
				pe = d1;
			for (abi = d1 + 1; abi < d2;) {
				const char *ae = memchr(abi, '.', (size_t)(d2 - abi));
				char *pair;
				if (!ae)
					ae = d2;
				pair = pw_xasprintf("%.*s-%.*s", (int)(pe - py), py,
						    (int)(ae - abi), abi);
				add_unique(pairs, np, pair, strlen(pair));
				free(pair);
				abi = ae + 1;
			}
			py = pe + 1;
		}
	}
	return 0;
}

int pw_wheel_dir_retag(int dirfd, const char *distinfo, const char *const *plats, size_t nplats,
		       struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(WHEEL_FILE_MAX), out = PW_BUF_INIT(WHEEL_FILE_MAX);
	char **tags = NULL, **pairs = NULL, **lines = NULL, tmp[64];
	size_t ntags = 0, np = 0, nl = 0, i, j, pos = 0, n, vn;
	const char *line, *v;
	bool emitted = false;
	int r, dfd = -1, fd = -1;

	if (nplats == 0)
		return pw_err_set(e, EINVAL, "retag: no platform given");
	for (i = 0; i < nplats; i++)
		if (!tagset_ok(plats[i], strlen(plats[i])) || strchr(plats[i], '.'))
			return pw_err_set(e, EINVAL, "retag: bad platform tag '%s'", plats[i]);
	r = pw_wheel_dir_tags(dirfd, distinfo, &tags, NULL, e);
	if (r < 0)
		return r;
	for (ntags = 0; tags[ntags]; ntags++)
		;
	r = tag_pairs(tags, &pairs, &np, distinfo, e);
	if (r < 0)
		goto out;
	for (i = 0; i < np; i++)
		for (j = 0; j < nplats; j++) {
			char *l = pw_xasprintf("%s-%s", pairs[i], plats[j]);
			add_unique(&lines, &nl, l, strlen(l));
			free(l);
		}
	pw_sort_strings(lines, nl);
	r = read_meta_file(dirfd, distinfo, "WHEEL", &b, e);
	if (r < 0)
		goto out;
	while (next_line(b.buf, b.len, &pos, &line, &n)) {
		if (key_is(line, n, "Tag", &v, &vn)) {
			if (emitted)
				continue;
			emitted = true;
			for (i = 0; i < nl; i++)
				r = r ? r : pw_buf_addf(&out, "Tag: %s\n", lines[i]);
			continue;
		}
		r = r ? r : pw_buf_add(&out, line, n);
		r = r ? r : pw_buf_adds(&out, "\n");
	}
	if (r < 0) {
		r = pw_err_set(e, E2BIG, "'%s/WHEEL': too large", distinfo);
		goto out;
	}
	dfd = openat(dirfd, distinfo, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		r = pw_err_sys(e, errno, "could not open '%s'", distinfo);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".WHEEL.tmp.%ld", (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = pw_err_sys(e, errno, "could not create '%s/%s'", distinfo, tmp);
		goto out;
	}
	r = pw_write_all(fd, out.buf, out.len);
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	fd = -1;
	if (r == 0 && renameat(dfd, tmp, dfd, "WHEEL") < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		r = pw_err_sys(e, -r, "could not write '%s/WHEEL'", distinfo);
	}
out:
	if (dfd >= 0)
		close(dfd);
	pw_free_names(tags, ntags);
	pw_free_names(pairs, np);
	pw_free_names(lines, nl);
	pw_buf_release(&b);
	pw_buf_release(&out);
	return r;
}

/* ---- RECORD ---- */

void pw_b64url_nopad(const unsigned char *in, size_t n, char *out)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;
	char *o = out;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = al[v >> 18 & 63];
		*o++ = al[v >> 12 & 63];
		*o++ = al[v >> 6 & 63];
		*o++ = al[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*o++ = al[v >> 18 & 63];
		*o++ = al[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*o++ = al[v >> 18 & 63];
		*o++ = al[v >> 12 & 63];
		*o++ = al[v >> 6 & 63];
	}
	*o = '\0';
}

/* One CSV field of a RECORD line (RFC 4180 quoting) into @f; advances *p.
 * Returns false on a malformed field. */
static bool csv_field(const char **p, const char *end, struct pw_buf *f)
{
	const char *s = *p;

	pw_buf_reset(f);
	if (s < end && *s == '"') {
		s++;
		for (;;) {
			if (s >= end)
				return false;
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					if (pw_buf_add(f, "\"", 1) < 0)
						return false;
					s += 2;
					continue;
				}
				s++;
				break;
			}
			if (pw_buf_add(f, s, 1) < 0)
				return false;
			s++;
		}
		if (s < end && *s != ',')
			return false;
	} else {
		const char *c = memchr(s, ',', (size_t)(end - s));
		if (!c)
			c = end;
		if (pw_buf_add(f, s, (size_t)(c - s)) < 0)
			return false;
		s = c;
	}
	if (s < end)
		s++; /* the comma */
	*p = s;
	return true;
}

struct rec_entry {
	char *path;
	char *hash; /* "sha256=..." or "" */
	char *size; /* decimal or "" */
	bool seen;
};

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const struct rec_entry *)a)->path, ((const struct rec_entry *)b)->path);
}

static int sink_sha(void *ctx, const void *p, size_t n)
{
	return pw_sha256_update(ctx, p, n);
}

static bool is_signature(const char *name, const char *distinfo_slash)
{
	size_t l = strlen(distinfo_slash);
	return strncmp(name, distinfo_slash, l) == 0 &&
	       (strcmp(name + l, "RECORD.jws") == 0 || strcmp(name + l, "RECORD.p7s") == 0);
}

int pw_wheel_record_check(const struct pw_wheel *w, struct pw_buf *problems, struct pw_err *e)
{
	struct pw_buf rec = PW_BUF_INIT(RECORD_MAX), f = PW_BUF_INIT(8192);
	struct rec_entry *ents = NULL;
	size_t nent = 0, cap = 0, i, pos = 0, n;
	ssize_t ri = -1;
	const char *line;
	char *dslash = NULL;
	int r, bad = 0;

	for (i = 0; i < w->n; i++) {
		const char *nm = w->m[i].name, *s = strchr(nm, '/');
		if (s && strcmp(s, "/RECORD") == 0 && (size_t)(s - nm) > 10 &&
		    strncmp(s - 10, ".dist-info", 10) == 0) {
			if (ri >= 0)
				return pw_err_set(e, EINVAL, "%s: more than one RECORD", w->path);
			ri = (ssize_t)i;
		}
	}
	if (ri < 0)
		return pw_err_set(e, ENOENT, "%s: no '*.dist-info/RECORD' member", w->path);
	dslash = strndup(w->m[ri].name, strlen(w->m[ri].name) - strlen("RECORD"));
	if (!dslash)
		abort();
	r = pw_wheel_read(w, (size_t)ri, &rec, e);
	if (r < 0)
		goto out;
	while (next_line(rec.buf, rec.len, &pos, &line, &n)) {
		const char *p = line, *end = line + n;
		struct rec_entry *en;

		if (n == 0)
			continue;
		if (nent == cap) {
			cap = cap ? 2 * cap : 64;
			ents = pw_xrealloc(ents, cap * sizeof(*ents));
		}
		en = &ents[nent];
		memset(en, 0, sizeof(*en));
		if (!csv_field(&p, end, &f) || f.len == 0) {
			r = pw_err_set(e, EINVAL, "%s: RECORD line %zu: malformed", w->path,
				       nent + 1);
			goto out;
		}
		en->path = pw_xstrdup(f.buf);
		nent++;
		if (!csv_field(&p, end, &f)) {
			r = pw_err_set(e, EINVAL, "%s: RECORD line %zu: malformed", w->path, nent);
			goto out;
		}
		en->hash = pw_xstrdup(f.buf);
		if (!csv_field(&p, end, &f) || p != end) {
			r = pw_err_set(e, EINVAL, "%s: RECORD line %zu: expected path,hash,size",
				       w->path, nent);
			goto out;
		}
		en->size = pw_xstrdup(f.buf);
	}
	if (nent > 1)
		qsort(ents, nent, sizeof(*ents), cmp_rec);
	for (i = 1; i < nent; i++)
		if (strcmp(ents[i].path, ents[i - 1].path) == 0) {
			pw_buf_addf(problems, "%s: listed twice in RECORD\n", ents[i].path);
			bad++;
		}
	for (i = 0; i < w->n; i++) {
		const struct pw_wheel_member *m = &w->m[i];
		struct rec_entry key = { .path = m->name }, *en;
		struct pw_err me = PW_ERR_INIT;
		struct pw_sha256 h;
		unsigned char raw[PW_SHA256_LEN];
		char want[64];
		uint64_t sz;

		if (m->is_dir)
			continue;
		en = nent ? bsearch(&key, ents, nent, sizeof(*ents), cmp_rec) : NULL;
		if ((ssize_t)i == ri || is_signature(m->name, dslash)) {
			if (en)
				en->seen = true;
			continue;
		}
		if (!en) {
			pw_buf_addf(problems, "%s: not listed in RECORD\n", m->name);
			bad++;
			continue;
		}
		en->seen = true;
		if (strncmp(en->hash, "sha256=", 7) != 0) {
			pw_buf_addf(problems, "%s: RECORD hash '%s' is not sha256\n", m->name,
				    en->hash);
			bad++;
			continue;
		}
		if (pw_sha256_init(&h) < 0) {
			r = pw_err_set(e, EIO, "sha256 unavailable");
			goto out;
		}
		r = pw_wheel_stream(w, i, sink_sha, &h, &me);
		if (r == 0)
			r = pw_sha256_final(&h, raw, NULL);
		pw_sha256_release(&h);
		if (r < 0) {
			pw_buf_addf(problems, "%s: unreadable (%s)\n", m->name, me.msg);
			bad++;
			r = 0;
			continue;
		}
		pw_b64url_nopad(raw, sizeof(raw), want);
		if (strcmp(en->hash + 7, want) != 0) {
			pw_buf_addf(problems, "%s: sha256 differs from RECORD\n", m->name);
			bad++;
		} else if (pw_parse_u64(en->size, &sz) < 0 || sz != m->size) {
			pw_buf_addf(problems, "%s: size %llu, RECORD says '%s'\n", m->name,
				    (unsigned long long)m->size, en->size);
			bad++;
		}
	}
	for (i = 0; i < nent; i++)
		if (!ents[i].seen && ents[i].path[strlen(ents[i].path) - 1] != '/') {
			pw_buf_addf(problems, "%s: listed in RECORD but missing\n", ents[i].path);
			bad++;
		}
	r = bad;
out:
	for (i = 0; i < nent; i++) {
		free(ents[i].path);
		free(ents[i].hash);
		free(ents[i].size);
	}
	free(ents);
	free(dslash);
	pw_buf_release(&rec);
	pw_buf_release(&f);
	return r;
}
