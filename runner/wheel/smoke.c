/* smoke.c - the smoke test of a finished wheel: what is imported and the
 * command that installs and imports it in a fresh sandbox of the target
 * root (include/pinwheel/pipeline.h). */
#include <string.h>

#include "pinwheel/pipeline.h"

/* Runs as `sh -c SCRIPT smoke PYTHON WHEEL TEST MODULE...` in /tmp/home.
 * The venv sees the root's site packages (numpy and the like, already in
 * the root) and pip comes from the root too (--without-pip: no ensurepip,
 * and no PEP 668 refusal inside a venv). */
static const char script[] =
    "set -eu\n"
    "py=$1 whl=$2 test=$3; shift 3\n"
    "\"$py\" -m venv --without-pip --system-site-packages /tmp/venv\n"
    "/tmp/venv/bin/python -m pip install --no-index --no-deps --no-cache-dir "
    "--disable-pip-version-check --no-input -q \"$whl\"\n"
    "cd /tmp/home\n"
    "/tmp/venv/bin/python -c 'import importlib, sys\n"
    "for m in sys.argv[1:]:\n"
    "    mod = importlib.import_module(m)\n"
    "    print(\"pinwheel: imported\", m, \"from\", mod.__file__)\n"
    "' \"$@\"\n"
    "if [ -n \"$test\" ]; then\n"
    "    echo \"pinwheel: test command: $test\"\n"
    "    PATH=/tmp/venv/bin:$PATH VIRTUAL_ENV=/tmp/venv sh -c \"$test\"\n"
    "fi\n";

static bool ident(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

char *pw_smoke_module_name(const char *member, const char *pyinit)
{
	const char *slash = strrchr(member, '/');
	char *out, *o;

	if (!ident(pyinit, strlen(pyinit)))
		return errno = EINVAL, NULL;
	if (!slash)
		return pw_xstrdup(pyinit);
	/* Each directory component must be an identifier (purelib/platlib
	 * layout; .data/ members are not importable this way). */
	for (const char *s = member; s < slash;) {
		const char *n = memchr(s, '/', (size_t)(slash - s + 1));

		if (!ident(s, (size_t)(n - s)))
			return errno = EINVAL, NULL;
		s = n + 1;
	}
	out = pw_xasprintf("%.*s.%s", (int)(slash - member), member, pyinit);
	for (o = out; *o; o++)
		if (*o == '/')
			*o = '.';
	return out;
}

char **pw_smoke_argv(const char *python, const char *wheel, char *const *mods,
		     const char *test_command)
{
	size_t nm = 0, n = 0;
	char **v;

	while (mods && mods[nm])
		nm++;
	v = pw_xcalloc(nm + 8, sizeof(char *));
	v[n++] = pw_xstrdup("/bin/sh");
	v[n++] = pw_xstrdup("-c");
	v[n++] = pw_xstrdup(script);
	v[n++] = pw_xstrdup("smoke");
	v[n++] = pw_xstrdup(python);
	v[n++] = pw_xstrdup(wheel);
	v[n++] = pw_xstrdup(test_command ? test_command : "");
	for (size_t i = 0; i < nm; i++)
		v[n++] = pw_xstrdup(mods[i]);
	v[n] = NULL;
	return v;
}
