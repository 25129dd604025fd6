/* spec.c - struct pw_sandbox_spec: defaults, argument parsing, checks. */
#include <string.h>

#include "pinwheel/sandbox.h"

void pw_sandbox_spec_init(struct pw_sandbox_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->uid = PW_SANDBOX_DEFAULT_UID;
	s->gid = PW_SANDBOX_DEFAULT_GID;
	s->tmp_size = PW_SANDBOX_DEFAULT_TMP_SIZE;
	s->grace_ms = PW_SANDBOX_DEFAULT_GRACE_MS;
	s->pids = PW_SANDBOX_DEFAULT_PIDS;
	s->fsize = PW_SANDBOX_DEFAULT_FSIZE;
	s->nofile = PW_SANDBOX_DEFAULT_NOFILE;
}

void pw_sandbox_spec_release(struct pw_sandbox_spec *s)
{
	size_t i;

	for (i = 0; i < s->n_layers; i++)
		free(s->layers[i]);
	free(s->layers);
	for (i = 0; i < s->n_binds; i++) {
		free(s->binds[i].src);
		free(s->binds[i].dst);
	}
	free(s->binds);
	for (i = 0; i < s->n_env; i++)
		free(s->env[i]);
	free(s->env);
	free(s->cwd);
	free(s->hostname);
	free(s->source_date_epoch);
	free(s->emulate_arch);
	free(s->emulate_qemu);
	free(s->capture_dir);
	pw_sandbox_spec_init(s);
}

void pw_sandbox_spec_add_layer(struct pw_sandbox_spec *s, const char *dir)
{
	s->layers = pw_xrealloc(s->layers, (s->n_layers + 1) * sizeof(*s->layers));
	s->layers[s->n_layers++] = pw_xstrdup(dir);
}

static const char *bind_opt(enum pw_bind_kind kind)
{
	switch (kind) {
	case PW_BIND_RO:
		return "--ro-bind";
	case PW_BIND_RW:
		return "--bind";
	case PW_BIND_TMPFS:
		return "--tmpfs";
	case PW_BIND_SYMLINK:
		return "--symlink";
	}
	return "?";
}

/* True when @p is absolute, not "/" alone and has no "." or ".."
 * component: destinations are resolved inside the new root. */
static bool dest_ok(const char *p)
{
	const char *c = p;

	if (p[0] != '/' || p[1] == '\0')
		return false;
	while (*c) {
		size_t n;

		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
	}
	return true;
}

int pw_sandbox_spec_add_bind(struct pw_sandbox_spec *s, enum pw_bind_kind kind, const char *arg,
			     struct pw_err *e)
{
	const char *opt = bind_opt(kind), *colon = strrchr(arg, ':');
	struct pw_bind b = {kind, NULL, NULL, 0};
	uint64_t size = 0;

	if (kind == PW_BIND_TMPFS) {
		if (colon && colon[1] != '/') {
			if (pw_parse_size(colon + 1, &size) < 0 || size == 0)
				return pw_err_set(e, EINVAL,
						  "%s '%s': expected DST[:SIZE] with SIZE like 64M",
						  opt, arg);
			b.dst = pw_xasprintf("%.*s", (int)(colon - arg), arg);
		} else {
			b.dst = pw_xstrdup(arg);
		}
		b.size = size;
	} else {
		/* SRC:DST; DST never contains ':', SRC may. */
		if (!colon || colon == arg || !colon[1])
			return pw_err_set(e, EINVAL, "%s '%s': expected %s", opt, arg,
					  kind == PW_BIND_SYMLINK ? "TARGET:LINK" : "SRC:DST");
		b.src = pw_xasprintf("%.*s", (int)(colon - arg), arg);
		b.dst = pw_xstrdup(colon + 1);
		if (kind != PW_BIND_SYMLINK && b.src[0] != '/') {
			free(b.src);
			free(b.dst);
			return pw_err_set(e, EINVAL, "%s '%s': the source must be an absolute path",
					  opt, arg);
		}
	}
	if (!dest_ok(b.dst)) {
		int r =
		    pw_err_set(e, EINVAL,
			       "%s '%s': the destination must be an absolute path other than '/' "
			       "without '.' or '..'",
			       opt, arg);
		free(b.src);
		free(b.dst);
		return r;
	}
	s->binds = pw_xrealloc(s->binds, (s->n_binds + 1) * sizeof(*s->binds));
	s->binds[s->n_binds++] = b;
	return 0;
}

static void env_set(struct pw_sandbox_spec *s, char *kv)
{
	size_t i, n = strcspn(kv, "=");

	for (i = 0; i < s->n_env; i++)
		if (!strncmp(s->env[i], kv, n + 1)) {
			free(s->env[i]);
			s->env[i] = kv;
			return;
		}
	s->env = pw_xrealloc(s->env, (s->n_env + 1) * sizeof(*s->env));
	s->env[s->n_env++] = kv;
}

static bool env_name_ok(const char *k, size_t n)
{
	size_t i;

	if (n == 0 || (k[0] >= '0' && k[0] <= '9'))
		return false;
	for (i = 0; i < n; i++)
		if (!(k[i] == '_' || (k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= '0' && k[i] <= '9')))
			return false;
	return true;
}

int pw_sandbox_spec_add_env(struct pw_sandbox_spec *s, const char *arg, bool pass, struct pw_err *e)
{
	const char *v;

	if (pass) {
		if (!env_name_ok(arg, strlen(arg)))
			return pw_err_set(e, EINVAL, "--env-pass '%s': expected a variable name",
					  arg);
		v = getenv(arg);
		if (v)
			env_set(s, pw_xasprintf("%s=%s", arg, v));
		return 0;
	}
	v = strchr(arg, '=');
	if (!v || !env_name_ok(arg, (size_t)(v - arg)))
		return pw_err_set(e, EINVAL, "--env '%s': expected NAME=VALUE", arg);
	env_set(s, pw_xstrdup(arg));
	return 0;
}

int pw_sandbox_spec_check(const struct pw_sandbox_spec *s, struct pw_err *e)
{
	size_t i;

	for (i = 0; i < s->n_layers; i++)
		if (s->layers[i][0] != '/')
			return pw_err_set(e, EINVAL, "--layer '%s': expected an absolute path",
					  s->layers[i]);
	if (s->cwd && s->cwd[0] != '/')
		return pw_err_set(e, EINVAL, "--cwd '%s': expected an absolute path", s->cwd);
	if (s->emulate_arch) {
		bool known = false;

		for (i = 0; pw_emulate_arches[i]; i++)
			known = known || !strcmp(pw_emulate_arches[i], s->emulate_arch);
		if (!known)
			return pw_err_set(e, EINVAL,
					  "--emulate '%s': unknown architecture (expected aarch64, "
					  "arm, ppc64le, s390x, riscv64, i386 or x86_64)",
					  s->emulate_arch);
		if (!s->emulate_qemu || s->emulate_qemu[0] != '/')
			return pw_err_set(
			    e, EINVAL,
			    "--emulate %s: expected the absolute path of a static qemu-user",
			    s->emulate_arch);
	}
	if (s->source_date_epoch) {
		uint64_t v;

		if (pw_parse_u64(s->source_date_epoch, &v) < 0)
			return pw_err_set(e, EINVAL,
					  "SOURCE_DATE_EPOCH '%s': expected a decimal Unix time",
					  s->source_date_epoch);
	}
	if (s->capture_dir && (s->capture_dir[0] != '/' || s->ro_root || !s->n_layers))
		return pw_err_set(e, EINVAL,
				  "capture dir '%s': expected an absolute path, a writable root and "
				  "layers",
				  s->capture_dir);
	if (s->tmp_size == 0)
		return pw_err_set(e, EINVAL, "--tmp-size: expected a size above zero");
	return 0;
}

const char *pw_limit_name(enum pw_limit l)
{
	switch (l) {
	case PW_LIMIT_NONE:
		return "none";
	case PW_LIMIT_TIMEOUT:
		return "timeout";
	case PW_LIMIT_CPU:
		return "cpu";
	case PW_LIMIT_FSIZE:
		return "fsize";
	}
	return "none";
}
