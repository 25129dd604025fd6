/* sdist_reqs.c - what an sdist needs to be built: [build-system].requires
 * of its pyproject.toml, read from the archive with libarchive and
 * lib/toml.c (pypi.h, pw_pypi_sdist_build_requires()). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "pinwheel/buf.h"
#include "pinwheel/pypi.h"
#include "pinwheel/toml.h"

/* pyproject.toml files are small; anything larger is not one we read. */
#define PYPROJECT_MAX (1u << 20)

/* Is @path "TOP/pyproject.toml" (optionally after "./")? */
static bool is_top_pyproject(const char *path)
{
	const char *slash;

	if (!strncmp(path, "./", 2))
		path += 2;
	slash = strchr(path, '/');
	return slash && slash > path && !strcmp(slash + 1, "pyproject.toml");
}

/* The text of the sdist's top-level pyproject.toml into @b; 1 when found,
 * 0 when the sdist has none, -errno with e->msg. */
static int read_pyproject(int fd, const char *shown, struct pw_buf *b, struct pw_err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *en;
	int r = 0, ar;

	if (!a)
		return pw_err_set(e, ENOMEM, "libarchive unavailable");
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip_seekable(a); /* a blob: a regular file */
	if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		r = pw_err_set(e, EBADMSG, "'%s': not an sdist archive: %s", shown,
			       archive_error_string(a));
		goto out;
	}
	while ((ar = archive_read_next_header(a, &en)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
		const char *path = archive_entry_pathname(en);
		char chunk[16384];
		la_ssize_t got;

		if (!path || !is_top_pyproject(path) || archive_entry_filetype(en) != AE_IFREG)
			continue;
		while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0)
			if (pw_buf_add(b, chunk, (size_t)got) < 0) {
				r = pw_err_set(e, EFBIG, "'%s': %s is larger than %u KiB", shown,
					       path, PYPROJECT_MAX >> 10);
				goto out;
			}
		if (got < 0) {
			r = pw_err_set(e, EBADMSG, "'%s': %s: %s", shown, path,
				       archive_error_string(a));
			goto out;
		}
		r = 1;
		goto out;
	}
	if (ar != ARCHIVE_EOF)
		r = pw_err_set(e, EBADMSG, "'%s': corrupt sdist archive: %s", shown,
			       archive_error_string(a));
out:
	archive_read_free(a);
	return r;
}

static void strv_add(char ***v, size_t *n, const char *s)
{
	*v = pw_xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = pw_xstrdup(s);
	(*v)[*n] = NULL;
}

int pw_pypi_sdist_build_requires(const char *path, const char *shown, char ***out, size_t *n,
				 struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PYPROJECT_MAX);
	struct pw_toml *t = NULL;
	const struct pw_toml *bs, *req;
	_cleanup_free_ char *name = NULL;
	char **v = NULL;
	size_t nv = 0, i;
	int fd, r;

	*out = NULL;
	*n = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", path);
	r = read_pyproject(fd, shown, &b, e);
	close(fd);
	if (r < 0)
		goto out;
	if (r == 0)
		goto legacy;
	name = pw_xasprintf("%s: pyproject.toml", shown);
	t = pw_toml_parse(name, b.buf ? b.buf : "", b.len, e);
	if (!t) {
		r = -errno;
		goto out;
	}
	bs = pw_toml_get(t, "build-system");
	if (!bs)
		goto legacy;
	req = pw_toml_get(bs, "requires");
	if (!req || req->type != PW_TOML_ARRAY) {
		r = pw_err_set(e, EINVAL,
			       "%s: [build-system] needs 'requires', an array of requirements "
			       "(PEP 518)",
			       name);
		goto out;
	}
	for (i = 0; i < req->n; i++) {
		if (req->items[i].type != PW_TOML_STRING) {
			r = pw_err_set(e, EINVAL,
				       "%s:%u:%u: build-system.requires[%zu]: expected a string",
				       name, req->items[i].line, req->items[i].col, i);
			goto out;
		}
		strv_add(&v, &nv, req->items[i].str);
	}
	r = 0;
	goto done;
legacy:
	/* no [build-system]: what pip assumes for setup.py projects */
	strv_add(&v, &nv, "setuptools>=40.8.0");
	strv_add(&v, &nv, "wheel");
	r = 0;
done:
	*out = steal_pointer(&v);
	*n = nv;
	nv = 0;
out:
	for (i = 0; i < nv; i++)
		free(v[i]);
	free(v);
	pw_toml_free(t);
	pw_buf_release(&b);
	return r;
}
