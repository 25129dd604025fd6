/* pyproject.c - the [build-system] table of a project's pyproject.toml:
 * which PEP 517 backend it names and where it lives
 * (include/pinwheel/pyproject.h).  Read in C so that neither the build's
 * frontend nor the lock's hook runner needs a TOML reader in the root. */
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/pyproject.h"
#include "pinwheel/toml.h"

#define PYPROJECT_MAX (4u << 20)
#define LEGACY_BACKEND "setuptools.build_meta:__legacy__"

/* The text of the [build-system] table only: the rest of pyproject.toml
 * may use TOML our small reader refuses (inline tables in [project]). */
static char *section(const char *text, size_t len, size_t *slen, unsigned *line0)
{
	const char *p = text, *end = text + len, *start = NULL;
	unsigned line = 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p;

		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if (q < le && *q == '[') {
			if (start) {
				*slen = (size_t)(p - start);
				return pw_xasprintf("%.*s", (int)*slen, start);
			}
			if (!strncmp(q, "[build-system]", 14)) {
				start = p;
				*line0 = line;
			}
		}
		p = nl ? nl + 1 : end;
		line++;
	}
	if (!start)
		return NULL;
	*slen = (size_t)(end - start);
	return pw_xasprintf("%.*s", (int)*slen, start);
}

static bool backend_ok(const char *b)
{
	size_t i;

	if (!*b)
		return false;
	for (i = 0; b[i]; i++) {
		char c = b[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == ' '))
			return false;
	}
	return true;
}

static bool relpath_ok(const char *p)
{
	if (!*p || p[0] == '/')
		return false;
	for (const char *s = p; *s;) {
		const char *sl = strchr(s, '/');
		size_t n = sl ? (size_t)(sl - s) : strlen(s);

		if (n == 2 && !strncmp(s, "..", 2))
			return false;
		s += n + (sl ? 1 : 0);
	}
	return true;
}

void pw_pep517_release(struct pw_pep517 *p)
{
	for (size_t i = 0; p->path && p->path[i]; i++)
		free(p->path[i]);
	free(p->path);
	free(p->backend);
	memset(p, 0, sizeof(*p));
}

int pw_pep517_read(const char *srcdir, struct pw_pep517 *p, struct pw_err *e)
{
	_cleanup_free_ char *path = pw_path_join(srcdir, "pyproject.toml"), *sec = NULL;
	struct pw_buf b = PW_BUF_INIT(PYPROJECT_MAX);
	struct pw_toml *t = NULL;
	const struct pw_toml *bs, *bp;
	const char *be;
	size_t slen = 0, i;
	unsigned line0 = 1;
	int r;

	memset(p, 0, sizeof(*p));
	r = pw_read_file(path, &b);
	if (r == -ENOENT) {
		p->backend = pw_xstrdup(LEGACY_BACKEND);
		p->path = pw_xcalloc(1, sizeof(char *));
		p->from_default = true;
		return 0;
	}
	if (r < 0)
		return pw_err_sys(e, -r, "'pyproject.toml'");
	sec = section(b.buf, b.len, &slen, &line0);
	pw_buf_release(&b);
	if (!sec) {
		p->backend = pw_xstrdup(LEGACY_BACKEND);
		p->path = pw_xcalloc(1, sizeof(char *));
		p->from_default = true;
		return 0;
	}
	t = pw_toml_parse("pyproject.toml [build-system]", sec, slen, e);
	if (!t)
		return pw_err_prefix(e, "(table from line %u)", line0);
	bs = pw_toml_get(t, "build-system");
	be = pw_toml_get_str(bs, "build-backend");
	if (!pw_toml_get(bs, "build-backend")) {
		p->backend = pw_xstrdup(LEGACY_BACKEND);
		p->from_default = true;
	} else if (!be || !backend_ok(be)) {
		r = pw_err_set(e, EINVAL,
			       "pyproject.toml: build-system.build-backend: expected a string "
			       "'module[:object]'");
		goto out;
	} else {
		p->backend = pw_xstrdup(be);
	}
	bp = pw_toml_get(bs, "backend-path");
	if (bp && bp->type != PW_TOML_ARRAY) {
		r = pw_err_set(e, EINVAL,
			       "pyproject.toml: build-system.backend-path: expected an array of "
			       "strings");
		goto out;
	}
	p->path = pw_xcalloc((bp ? bp->n : 0) + 1, sizeof(char *));
	for (i = 0; bp && i < bp->n; i++) {
		if (bp->items[i].type != PW_TOML_STRING || !relpath_ok(bp->items[i].str)) {
			r = pw_err_set(e, EINVAL,
				       "pyproject.toml: build-system.backend-path[%zu]: expected a "
				       "relative path inside the project",
				       i);
			goto out;
		}
		p->path[i] = pw_xstrdup(bp->items[i].str);
	}
	r = 0;
out:
	pw_toml_free(t);
	if (r < 0)
		pw_pep517_release(p);
	return r;
}
