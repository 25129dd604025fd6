/* cargo_lock.c - Cargo.lock into a list of packages (see crates.h). */
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/crates.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/toml.h"

void pw_cargo_lock_release(struct pw_cargo_lock *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->pkgs[i].name);
		free(l->pkgs[i].version);
		free(l->pkgs[i].source);
	}
	free(l->pkgs);
	memset(l, 0, sizeof(*l));
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > PW_CRATE_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Versions become directory names and URL parts: semver characters only. */
static bool valid_version(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > PW_CRATE_VERSION_MAX || s[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '+'))
			return false;
	}
	return true;
}

bool pw_cargo_pkg_is_registry(const struct pw_cargo_pkg *pkg)
{
	return pkg->source &&
	       (!strncmp(pkg->source, "registry+", 9) || !strncmp(pkg->source, "sparse+", 7));
}

/* Version 1 locks: [metadata] "checksum NAME VERSION (SOURCE)" = "hex". */
static void v1_checksum(const struct pw_toml *meta, struct pw_cargo_pkg *pkg)
{
	_cleanup_free_ char *key = NULL;
	const char *v;

	if (!meta || !pkg->source)
		return;
	key = pw_xasprintf("checksum %s %s (%s)", pkg->name, pkg->version, pkg->source);
	v = pw_toml_get_str(meta, key);
	if (v && pw_sha256_hex_valid(v))
		snprintf(pkg->checksum, sizeof(pkg->checksum), "%s", v);
}

static int parse_pkg(const char *name, const struct pw_toml *t, size_t idx,
		     const struct pw_toml *meta, struct pw_cargo_pkg *pkg, struct pw_err *e)
{
	const char *n = pw_toml_get_str(t, "name"), *v = pw_toml_get_str(t, "version");
	const struct pw_toml *src = pw_toml_get(t, "source"), *ck = pw_toml_get(t, "checksum");

	if (t->type != PW_TOML_TABLE)
		return pw_err_set(e, EINVAL, "%s: package #%zu is not a table", name, idx + 1);
	if (!n || !valid_name(n))
		return pw_err_set(e, EINVAL,
				  "%s:%u: package #%zu: 'name' must be a crate name "
				  "([A-Za-z0-9_-], at most %d bytes)",
				  name, t->line, idx + 1, PW_CRATE_NAME_MAX);
	if (!v || !valid_version(v))
		return pw_err_set(e, EINVAL,
				  "%s:%u: package '%s': 'version' must be a version string", name,
				  t->line, n);
	if (src && src->type != PW_TOML_STRING)
		return pw_err_set(e, EINVAL, "%s:%u: package '%s' %s: 'source' must be a string",
				  name, t->line, n, v);
	if (ck && (ck->type != PW_TOML_STRING || !pw_sha256_hex_valid(ck->str)))
		return pw_err_set(
		    e, EINVAL, "%s:%u: package '%s' %s: 'checksum' must be 64 lowercase hex digits",
		    name, t->line, n, v);
	pkg->name = pw_xstrdup(n);
	pkg->version = pw_xstrdup(v);
	pkg->source = src ? pw_xstrdup(src->str) : NULL;
	if (ck)
		snprintf(pkg->checksum, sizeof(pkg->checksum), "%s", ck->str);
	else
		v1_checksum(meta, pkg);
	return 0;
}

int pw_cargo_lock_parse(const char *name, const char *text, size_t len, struct pw_cargo_lock *out,
			struct pw_err *e)
{
	struct pw_toml *root;
	const struct pw_toml *ver, *pkgs, *meta;
	int r = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	root = pw_toml_parse(name, text, len, e);
	if (!root)
		return -errno;
	ver = pw_toml_get(root, "version");
	out->version = 1;
	if (ver) {
		if (ver->type != PW_TOML_INT || ver->num < 1 || ver->num > 4) {
			r = pw_err_set(e, EINVAL, "%s:%u: 'version' must be 1, 2, 3 or 4", name,
				       ver->line);
			goto out;
		}
		out->version = (int)ver->num;
	}
	meta = pw_toml_get(root, "metadata");
	pkgs = pw_toml_get(root, "package");
	if (!pkgs)
		goto out;
	if (pkgs->type != PW_TOML_ARRAY || !pkgs->aot) {
		r = pw_err_set(e, EINVAL, "%s:%u: 'package' must be [[package]] tables", name,
			       pkgs->line);
		goto out;
	}
	out->pkgs = pw_xcalloc(pkgs->n ? pkgs->n : 1, sizeof(*out->pkgs));
	for (i = 0; i < pkgs->n; i++) {
		r = parse_pkg(name, &pkgs->items[i], i, meta, &out->pkgs[i], e);
		if (r < 0)
			goto out;
		out->n++;
		if (out->pkgs[i].source && !pw_cargo_pkg_is_registry(&out->pkgs[i]) &&
		    strncmp(out->pkgs[i].source, "git+", 4) != 0) {
			r = pw_err_set(e, EINVAL, "%s:%u: package '%s' %s: unknown source '%s'",
				       name, pkgs->items[i].line, out->pkgs[i].name,
				       out->pkgs[i].version, out->pkgs[i].source);
			goto out;
		}
	}
out:
	pw_toml_free(root);
	if (r < 0)
		pw_cargo_lock_release(out);
	return r;
}

int pw_cargo_lock_load(const char *path, struct pw_cargo_lock *out, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_CARGO_LOCK_MAX);
	int r;

	memset(out, 0, sizeof(*out));
	r = pw_read_file(path, &b);
	if (r == -E2BIG)
		r = pw_err_set(e, E2BIG, "'%s': larger than %u bytes", path, PW_CARGO_LOCK_MAX);
	else if (r < 0)
		r = pw_err_sys(e, -r, "could not read '%s'", path);
	else
		r = pw_cargo_lock_parse(path, b.buf, b.len, out, e);
	pw_buf_release(&b);
	return r;
}

void pw_cargo_lock_vendor_key(const struct pw_cargo_lock *l, char hex[PW_SHA256_HEX])
{
	char **lines = pw_xcalloc(l->n ? l->n : 1, sizeof(*lines));
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX);
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (pw_cargo_pkg_is_registry(&l->pkgs[i]))
			lines[n++] = pw_xasprintf("%s %s %s\n", l->pkgs[i].name, l->pkgs[i].version,
						  l->pkgs[i].checksum);
	if (n > 1)
		pw_sort_strings(lines, n);
	pw_buf_adds(&b, "cargo-vendor-v1\n");
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0)
			pw_buf_adds(&b, lines[i]);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
}

char *pw_crates_index_url(const char *source)
{
	const char *u;

	if (!strncmp(source, "sparse+", 7))
		u = source + 7;
	else if (!strncmp(source, "registry+", 9))
		u = source + 9;
	else {
		errno = EINVAL;
		return NULL;
	}
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) {
		errno = EINVAL;
		return NULL;
	}
	return pw_xasprintf("%s%s", u, u[strlen(u) - 1] == '/' ? "" : "/");
}

static void add_prefix(struct pw_buf *b, const char *name, bool lower)
{
	size_t n = strlen(name);
	char pre[8];

	if (n <= 2)
		snprintf(pre, sizeof(pre), "%zu", n);
	else if (n == 3)
		snprintf(pre, sizeof(pre), "3/%c", name[0]);
	else
		snprintf(pre, sizeof(pre), "%.2s/%.2s", name, name + 2);
	if (lower)
		for (char *c = pre; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	pw_buf_adds(b, pre);
}

char *pw_crates_dl_url(const char *tmpl, const char *name, const char *version,
		       const char *checksum, struct pw_err *e)
{
	static const char *const markers[] = {"{crate}", "{version}", "{prefix}", "{lowerprefix}",
					      "{sha256-checksum}"};
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	bool any = false;
	const char *p = tmpl;

	while (*p) {
		size_t k;

		if (*p != '{') {
			pw_buf_add(&b, p++, 1);
			continue;
		}
		for (k = 0; k < PW_ARRAY_SIZE(markers); k++)
			if (!strncmp(p, markers[k], strlen(markers[k])))
				break;
		if (k == PW_ARRAY_SIZE(markers)) {
			pw_err_set(e, EINVAL, "download template '%s': unknown marker at '%.20s'",
				   tmpl, p);
			pw_buf_release(&b);
			errno = EINVAL;
			return NULL;
		}
		switch (k) {
		case 0:
			pw_buf_adds(&b, name);
			break;
		case 1:
			pw_buf_adds(&b, version);
			break;
		case 2:
			add_prefix(&b, name, false);
			break;
		case 3:
			add_prefix(&b, name, true);
			break;
		default:
			pw_buf_adds(&b, checksum);
			break;
		}
		any = true;
		p += strlen(markers[k]);
	}
	if (!any) {
		if (b.len && b.buf[b.len - 1] == '/')
			b.len--, b.buf[b.len] = '\0';
		pw_buf_addf(&b, "/%s/%s/download", name, version);
	}
	if (b.len >= b.max - 1) {
		pw_buf_release(&b);
		pw_err_set(e, E2BIG, "download template '%.40s...': URL too long", tmpl);
		errno = E2BIG;
		return NULL;
	}
	return pw_buf_detach(&b, NULL);
}
