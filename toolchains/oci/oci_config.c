/* oci_config.c - the image config blob (include/pinwheel/oci.h): OCI
 * (application/vnd.oci.image.config.v1+json) and Docker's (the same
 * fields, Docker writes "null" for empty lists), and the tree id and
 * interpreter path of an applied image.
 *
 * Strict: every field we read has the type the image spec gives it, and a
 * wrong one is an error naming the blob and the field; fields we do not
 * read are ignored (history, created, author, Cmd, Labels, ...).
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "pinwheel/buf.h"
#include "pinwheel/json.h"
#include "pinwheel/oci.h"

#define MAX_LAYERS 4096 /* diff_ids of one image */
#define MAX_ENV 4096	/* Env entries */

static int field_err(const char *name, const char *field, const char *what, struct pw_err *e)
{
	return pw_err_set(e, EINVAL, "image config '%s': field '%s': expected %s", name, field,
			  what);
}

/* An optional string member: absent or null leaves *out NULL. */
static int opt_string(const char *name, json_t *obj, const char *key, const char *field,
		      char **out, struct pw_err *e)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return field_err(name, field, "a string", e);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return field_err(name, field, "a string without NUL bytes", e);
	*out = pw_xstrdup(json_string_value(v));
	return 0;
}

static bool diff_id_valid(const char *s)
{
	return !strncmp(s, "sha256:", 7) && pw_sha256_hex_valid(s + 7);
}

static int parse_env(const char *name, json_t *arr, struct pw_oci_config *c, struct pw_err *e)
{
	char field[64];
	size_t i, n;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return field_err(name, "config.Env", "an array of \"NAME=VALUE\" strings", e);
	n = json_array_size(arr);
	if (n > MAX_ENV)
		return field_err(name, "config.Env", "at most 4096 entries", e);
	c->env = pw_xcalloc(n + 1, sizeof(*c->env));
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		const char *s = json_string_value(v);

		snprintf(field, sizeof(field), "config.Env[%zu]", i);
		if (!s || strlen(s) != json_string_length(v) || s[0] == '=' || !strchr(s, '='))
			return field_err(name, field, "a string \"NAME=VALUE\"", e);
		c->env[i] = pw_xstrdup(s);
	}
	return 0;
}

static int parse_rootfs(const char *name, json_t *rootfs, struct pw_oci_config *c,
			struct pw_err *e)
{
	json_t *type, *ids;
	char field[64];
	size_t i, n;

	if (!json_is_object(rootfs))
		return field_err(name, "rootfs", "an object", e);
	type = json_object_get(rootfs, "type");
	if (!json_is_string(type) || strcmp(json_string_value(type), "layers"))
		return field_err(name, "rootfs.type", "\"layers\"", e);
	ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids))
		return field_err(name, "rootfs.diff_ids", "an array of \"sha256:<64 hex>\"", e);
	n = json_array_size(ids);
	if (n > MAX_LAYERS)
		return field_err(name, "rootfs.diff_ids", "at most 4096 layers", e);
	c->diff_ids = pw_xcalloc(n + 1, sizeof(*c->diff_ids));
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(ids, i));

		snprintf(field, sizeof(field), "rootfs.diff_ids[%zu]", i);
		if (!s || !diff_id_valid(s))
			return field_err(name, field, "\"sha256:<64 lowercase hex>\"", e);
		c->diff_ids[i] = pw_xstrdup(s);
		c->ndiff++;
	}
	return 0;
}

int pw_oci_config_parse(const char *name, const char *data, size_t n, struct pw_oci_config *c,
			struct pw_err *e)
{
	json_t *root, *cfg;
	int r;

	memset(c, 0, sizeof(*c));
	root = pw_json_load_mem(name, data, n, e);
	if (!root)
		return -EINVAL;
	if (!json_is_object(root)) {
		r = pw_err_set(e, EINVAL, "image config '%s': expected a JSON object", name);
		goto out;
	}
	r = opt_string(name, root, "os", "os", &c->os, e);
	if (r == 0 && !c->os)
		r = field_err(name, "os", "a string like \"linux\"", e);
	if (r == 0)
		r = opt_string(name, root, "architecture", "architecture", &c->arch, e);
	if (r == 0 && !c->arch)
		r = field_err(name, "architecture", "a string like \"amd64\"", e);
	if (r == 0)
		r = opt_string(name, root, "variant", "variant", &c->variant, e);
	if (r < 0)
		goto out;
	cfg = json_object_get(root, "config");
	if (cfg && !json_is_null(cfg)) {
		if (!json_is_object(cfg)) {
			r = field_err(name, "config", "an object", e);
			goto out;
		}
		r = parse_env(name, json_object_get(cfg, "Env"), c, e);
		if (r == 0)
			r = opt_string(name, cfg, "WorkingDir", "config.WorkingDir", &c->workdir, e);
		if (r == 0)
			r = opt_string(name, cfg, "User", "config.User", &c->user, e);
		if (r < 0)
			goto out;
	}
	r = parse_rootfs(name, json_object_get(root, "rootfs"), c, e);
out:
	json_decref(root);
	if (r < 0)
		pw_oci_config_release(c);
	return r;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void pw_oci_config_release(struct pw_oci_config *c)
{
	strv_free(c->env);
	strv_free(c->diff_ids);
	free(c->os);
	free(c->arch);
	free(c->variant);
	free(c->workdir);
	free(c->user);
	memset(c, 0, sizeof(*c));
}

char *pw_oci_tree_id(const char *config_sha, const char *const *layer_shas, size_t n)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	char hex[PW_SHA256_HEX];

	pw_buf_addf(&b, "pinwheel-oci-tree;v1\n%s\n", config_sha);
	for (size_t i = 0; i < n; i++)
		pw_buf_addf(&b, "%s\n", layer_shas[i]);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
	return pw_xstrdup(hex);
}

char *pw_oci_python(int rootfd, const char *version, bool ft)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	const char *dot = strchr(version, '.');
	_cleanup_free_ char *rel = NULL;
	struct stat st;
	int fd;

	if (strncmp(version, "3.", 2) || !dot || !dot[1] ||
	    strspn(dot + 1, "0123456789") != strlen(dot + 1) || strlen(dot + 1) > 3)
		return NULL;
	rel = pw_xasprintf("opt/python/cp3%s-cp3%s%s/bin/python", dot + 1, dot + 1, ft ? "t" : "");
	fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		close(fd);
		return NULL;
	}
	close(fd);
	return pw_xasprintf("/%s", rel);
}
