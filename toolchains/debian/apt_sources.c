/* apt_sources.c - the machine's apt configuration: one-line sources.list
 * files and deb822 .sources files, and the choice of a mirror for a suite.
 *
 * Only what the provider needs is kept: Types, URIs, Suites, Components,
 * Architectures, Signed-By, Enabled.  Other options are accepted and
 * ignored, as apt ignores options it does not use for fetching indexes.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>

#include "pinwheel/buf.h"
#include "pinwheel/debian.h"
#include "pinwheel/fsutil.h"

#define MAX_SOURCES_FILE (1u << 20)

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void strv_add(char ***v, size_t *n, const char *s, size_t len)
{
	*v = pw_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = pw_xasprintf("%.*s", (int)len, s);
}

/* Split @s on blanks (spaces, tabs, newlines) into @v, or on @sep too. */
static void split_words(const char *s, const char *seps, char ***v, size_t *n)
{
	while (*s) {
		size_t k = strcspn(s, seps);

		if (k)
			strv_add(v, n, s, k);
		s += k;
		if (*s)
			s++;
	}
}

static void source_release(struct pw_apt_source *src)
{
	free(src->file);
	strv_free(src->uris, src->nuris);
	strv_free(src->suites, src->nsuites);
	strv_free(src->components, src->ncomponents);
	strv_free(src->arches, src->narches);
	free(src->signed_by);
	memset(src, 0, sizeof(*src));
}

void pw_apt_sources_release(struct pw_apt_sources *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		source_release(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void push(struct pw_apt_sources *out, struct pw_apt_source *src)
{
	out->v = pw_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	out->v[out->n++] = *src;
	memset(src, 0, sizeof(*src));
}

static bool yes_no(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

/* deb822 .sources: one entry per stanza. */
static int parse_deb822(const char *file, const char *text, size_t len, struct pw_apt_sources *out,
			struct pw_err *e)
{
	struct pw_deb_parser p;
	struct pw_deb_stanza st = {0};
	int r;

	pw_deb_parser_init(&p, file, text, len);
	while ((r = pw_deb_parser_next(&p, &st, e)) == 1) {
		struct pw_apt_source src = {0};
		const char *v;
		char **types = NULL;
		size_t ntypes = 0, i;

		src.file = pw_xstrdup(file);
		src.line = st.line;
		src.enabled = true;
		if ((v = pw_deb_stanza_get(&st, "Types")))
			split_words(v, " \t\n", &types, &ntypes);
		for (i = 0; i < ntypes; i++)
			if (!strcmp(types[i], "deb"))
				src.deb = true;
		strv_free(types, ntypes);
		if ((v = pw_deb_stanza_get(&st, "URIs")))
			split_words(v, " \t\n", &src.uris, &src.nuris);
		if ((v = pw_deb_stanza_get(&st, "Suites")))
			split_words(v, " \t\n", &src.suites, &src.nsuites);
		if ((v = pw_deb_stanza_get(&st, "Components")))
			split_words(v, " \t\n", &src.components, &src.ncomponents);
		if ((v = pw_deb_stanza_get(&st, "Architectures")))
			split_words(v, " \t\n", &src.arches, &src.narches);
		if ((v = pw_deb_stanza_get(&st, "Signed-By"))) {
			/* A path (or fingerprints); an inline key block is kept as
			 * is and refused when used (docs/debian.md). */
			src.signed_by = pw_xstrdup(v);
		}
		if ((v = pw_deb_stanza_get(&st, "Enabled")) && !yes_no(v, &src.enabled)) {
			r = pw_err_set(e, EINVAL,
				       "%s:%u: field 'Enabled': expected yes or no, got '%s'", file,
				       st.line, v);
			source_release(&src);
			break;
		}
		if (!pw_deb_stanza_get(&st, "Types") || !src.nuris || !src.nsuites) {
			r = pw_err_set(e, EINVAL, "%s:%u: entry needs Types, URIs and Suites", file,
				       st.line);
			source_release(&src);
			break;
		}
		push(out, &src);
	}
	pw_deb_stanza_release(&st);
	return r < 0 ? r : 0;
}

/* One-line format: "deb [ opt=v opt=v ] URI SUITE [COMPONENT...]". */
static int parse_line(const char *file, unsigned lineno, char *line, struct pw_apt_sources *out,
		      struct pw_err *e)
{
	struct pw_apt_source src = {0};
	char **w = NULL;
	size_t nw = 0, i = 1;
	char *hash = strchr(line, '#');
	int r = 0;

	if (hash)
		*hash = '\0';
	/* "[arch=amd64]" may touch its neighbours: space out the brackets. */
	{
		struct pw_buf b = PW_BUF_INIT(MAX_SOURCES_FILE);
		const char *s;

		for (s = line; *s; s++) {
			if (*s == '[' || *s == ']') {
				char t[4] = {' ', *s, ' ', 0};
				pw_buf_adds(&b, t);
			} else {
				pw_buf_add(&b, s, 1);
			}
		}
		split_words(b.buf, " \t", &w, &nw);
		pw_buf_release(&b);
	}
	if (!nw)
		goto out;
	if (strcmp(w[0], "deb") && strcmp(w[0], "deb-src")) {
		r = pw_err_set(e, EINVAL, "%s:%u: expected 'deb' or 'deb-src', got '%s'", file,
			       lineno, w[0]);
		goto out;
	}
	src.file = pw_xstrdup(file);
	src.line = lineno;
	src.deb = !strcmp(w[0], "deb");
	src.enabled = true;
	if (i < nw && !strcmp(w[i], "[")) {
		for (i++; i < nw && strcmp(w[i], "]"); i++) {
			char *eq = strchr(w[i], '=');
			const char *key = w[i];
			const char *val;

			if (!eq) {
				r = pw_err_set(e, EINVAL, "%s:%u: option '%s': expected key=value",
					       file, lineno, w[i]);
				goto out;
			}
			*eq = '\0';
			val = eq + 1;
			if (eq > w[i] && (eq[-1] == '+' || eq[-1] == '-'))
				eq[-1] = '\0';
			if (!strcmp(key, "arch"))
				split_words(val, ",", &src.arches, &src.narches);
			else if (!strcmp(key, "signed-by")) {
				free(src.signed_by);
				src.signed_by = pw_xstrdup(val);
			} else if (!strcmp(key, "enabled") && !yes_no(val, &src.enabled)) {
				r = pw_err_set(e, EINVAL,
					       "%s:%u: option 'enabled': expected yes or no", file,
					       lineno);
				goto out;
			}
		}
		if (i >= nw) {
			r = pw_err_set(e, EINVAL, "%s:%u: option list without ']'", file, lineno);
			goto out;
		}
		i++;
	}
	if (nw - i < 2) {
		r = pw_err_set(e, EINVAL, "%s:%u: expected a URI and a suite", file, lineno);
		goto out;
	}
	strv_add(&src.uris, &src.nuris, w[i], strlen(w[i]));
	strv_add(&src.suites, &src.nsuites, w[i + 1], strlen(w[i + 1]));
	for (i += 2; i < nw; i++)
		strv_add(&src.components, &src.ncomponents, w[i], strlen(w[i]));
	push(out, &src);
out:
	source_release(&src);
	strv_free(w, nw);
	return r;
}

static int parse_oneline(const char *file, const char *text, size_t len, struct pw_apt_sources *out,
			 struct pw_err *e)
{
	size_t pos = 0;
	unsigned lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		_cleanup_free_ char *line = pw_xasprintf("%.*s", (int)n, text + pos);
		int r;

		lineno++;
		pos += n + 1;
		if (strlen(line) != n)
			return pw_err_set(e, EINVAL, "%s:%u: NUL byte", file, lineno);
		r = parse_line(file, lineno, line, out, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int pw_apt_sources_parse(const char *file, const char *text, size_t len, bool deb822,
			 struct pw_apt_sources *out, struct pw_err *e)
{
	return deb822 ? parse_deb822(file, text, len, out, e)
		      : parse_oneline(file, text, len, out, e);
}

static int read_one(const char *root, const char *rel, bool deb822, struct pw_apt_sources *out,
		    struct pw_err *e)
{
	_cleanup_free_ char *path = pw_path_join(root, rel);
	struct pw_buf b = PW_BUF_INIT(MAX_SOURCES_FILE);
	int r;

	r = pw_read_file(path, &b);
	if (r == -ENOENT) {
		pw_buf_release(&b);
		return 0;
	}
	if (r < 0) {
		pw_buf_release(&b);
		return pw_err_sys(e, -r, "could not read '%s'", path);
	}
	r = pw_apt_sources_parse(path, b.buf, b.len, deb822, out, e);
	pw_buf_release(&b);
	return r;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && !strcmp(s + n - k, suffix);
}

int pw_apt_sources_read(const char *root, struct pw_apt_sources *out, struct pw_err *e)
{
	_cleanup_free_ char *dpath = pw_path_join(root, "etc/apt/sources.list.d");
	char **names = NULL;
	size_t nnames = 0, i;
	DIR *d;
	int r;

	out->v = NULL;
	out->n = 0;
	r = read_one(root, "etc/apt/sources.list", false, out, e);
	if (r < 0)
		goto out;
	d = opendir(dpath);
	if (!d && errno != ENOENT) {
		r = pw_err_sys(e, errno, "could not open '%s'", dpath);
		goto out;
	}
	if (d) {
		struct dirent *de;

		while ((errno = 0, de = readdir(d)) != NULL) {
			const char *n = de->d_name;
			size_t k;

			if (!ends_with(n, ".list") && !ends_with(n, ".sources"))
				continue;
			/* apt's rule: names of [A-Za-z0-9_.-] only. */
			k = strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789_.-");
			if (n[k])
				continue;
			strv_add(&names, &nnames, n, strlen(n));
		}
		if (errno) {
			r = pw_err_sys(e, errno, "could not read '%s'", dpath);
			closedir(d);
			goto out;
		}
		closedir(d);
	}
	if (nnames)
		pw_sort_strings(names, nnames);
	for (i = 0; i < nnames; i++) {
		_cleanup_free_ char *rel = pw_xasprintf("etc/apt/sources.list.d/%s", names[i]);

		r = read_one(root, rel, ends_with(names[i], ".sources"), out, e);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	strv_free(names, nnames);
	if (r < 0)
		pw_apt_sources_release(out);
	return r;
}

/* Debian archive suite names (codenames and aliases) for the fallback. */
static const char *const debian_suites[] = {
    "buster",	    "bullseye",	 "bookworm", "trixie",	"forky",    "duke",	    "sid",
    "oldoldstable", "oldstable", "stable",   "testing", "unstable", "experimental",
};

static bool debian_suite(const char *s)
{
	size_t k = strcspn(s, "-"), i;

	if (s[k] && strcmp(s + k, "-updates") && strcmp(s + k, "-backports") &&
	    strcmp(s + k, "-proposed-updates"))
		return false;
	for (i = 0; i < PW_ARRAY_SIZE(debian_suites); i++)
		if (strlen(debian_suites[i]) == k && !strncmp(s, debian_suites[i], k))
			return true;
	return false;
}

static bool usable(const struct pw_apt_source *src, const char *arch)
{
	size_t i;

	if (!src->deb || !src->enabled || !src->nuris)
		return false;
	if (!src->narches)
		return true;
	for (i = 0; i < src->narches; i++)
		if (!strcmp(src->arches[i], arch))
			return true;
	return false;
}

static void take(const struct pw_apt_source *src, char **mirror, char **signed_by)
{
	size_t n = strlen(src->uris[0]);

	while (n > 1 && src->uris[0][n - 1] == '/')
		n--;
	*mirror = pw_xasprintf("%.*s", (int)n, src->uris[0]);
	*signed_by = src->signed_by ? pw_xstrdup(src->signed_by) : NULL;
}

int pw_apt_pick_mirror(const struct pw_apt_sources *s, const char *suite, const char *arch,
		       char **mirror, char **signed_by, struct pw_err *e)
{
	size_t i, j;

	*mirror = *signed_by = NULL;
	for (i = 0; i < s->n; i++) {
		if (!usable(&s->v[i], arch))
			continue;
		for (j = 0; j < s->v[i].nsuites; j++)
			if (!strcmp(s->v[i].suites[j], suite)) {
				take(&s->v[i], mirror, signed_by);
				return 0;
			}
	}
	for (i = 0; i < s->n; i++) {
		if (!usable(&s->v[i], arch))
			continue;
		for (j = 0; j < s->v[i].nsuites; j++)
			if (debian_suite(s->v[i].suites[j])) {
				take(&s->v[i], mirror, signed_by);
				return 0;
			}
	}
	return pw_err_set(e, ENOENT,
			  "no apt source serves suite '%s' for '%s' and none is a Debian mirror "
			  "(looked at %zu entries)",
			  suite, arch, s->n);
}
