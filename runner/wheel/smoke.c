/* smoke.c - the smoke test of a finished wheel: what is imported and the
 * command that installs and imports it in a fresh sandbox of the target
 * root (include/pinwheel/pipeline.h). */
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/pipeline.h"
#include "pinwheel/pypi.h"

/* Runs as `sh -c SCRIPT smoke PYTHON WHEEL TEST SKIP MODULE...` in
 * /tmp/home.  The venv sees the root's site packages (numpy and the like,
 * already in the root) and pip comes from the root too (--without-pip: no
 * ensurepip, and no PEP 668 refusal inside a venv): pinwheel's own pinned
 * pip when the root has that layer (pypi.h, PW_PIP_DIR: PyPy roots,
 * bullseye), on PYTHONPATH for the install only.  Every module is
 * tried and every failure said before the step fails, so one run names
 * all missing runtime dependencies; SKIP holds test.skip's globs, one per
 * line.  With PINWHEEL_SMOKE_ANY_PLATFORM set (the old root of
 * docs/config.md, "test.old_root"), pip is told the wheel's own platform
 * tags (--platform, which needs --target: the venv's site directory), so
 * a wheel whose tag excludes that root is installed anyway and the
 * dynamic loader, not the tag, decides whether it runs there. */
static const char script[] =
    "set -eu\n"
    "py=$1 whl=$2 test=$3 skip=$4; shift 4\n"
    "\"$py\" -m venv --without-pip --system-site-packages /tmp/venv\n"
    "pp=\n"
    "if [ -d " PW_PIP_DIR "/pip ]; then pp=" PW_PIP_DIR "; fi\n"
    "if [ -n \"${PINWHEEL_SMOKE_ANY_PLATFORM:-}\" ]; then\n"
    "    plats=$(basename \"$whl\" .whl); plats=${plats##*-}\n"
    "    echo \"pinwheel: installed whatever its tag ($plats) says: the loader judges it\"\n"
    "    site=$(/tmp/venv/bin/python -c 'import sysconfig; "
    "print(sysconfig.get_path(\"platlib\"))')\n"
    "    PYTHONPATH=$pp /tmp/venv/bin/python -m pip install --no-index --no-deps --no-cache-dir "
    "--disable-pip-version-check --no-input -q --only-binary=:all: --target \"$site\" "
    "$(echo \"$plats\" | tr . '\\n' | sed 's/^/--platform=/') \"$whl\"\n"
    "else\n"
    "    PYTHONPATH=$pp /tmp/venv/bin/python -m pip install --no-index --no-deps --no-cache-dir "
    "--disable-pip-version-check --no-input -q \"$whl\"\n"
    "fi\n"
    "cd /tmp/home\n"
    "/tmp/venv/bin/python -c 'import fnmatch, importlib, sys\n"
    "skip = [g for g in sys.argv[1].split(\"\\n\") if g]\n"
    "mods = sys.argv[2:]\n"
    "bad = []\n"
    "for m in mods:\n"
    "    if any(fnmatch.fnmatchcase(m, g) for g in skip):\n"
    "        print(\"pinwheel: skipped\", m, \"(test.skip)\")\n"
    "        continue\n"
    "    try:\n"
    "        mod = importlib.import_module(m)\n"
    "    except BaseException as x:\n"
    "        bad.append(m)\n"
    "        print(\"pinwheel: could not import %s: %s: %s\" % (m, type(x).__name__, x))\n"
    "        continue\n"
    "    print(\"pinwheel: imported\", m, \"from\", mod.__file__)\n"
    "if bad:\n"
    "    print(\"pinwheel: %d of %d modules did not import: %s\" % (len(bad), len(mods), "
    "\" \".join(bad)))\n"
    "    sys.exit(1)\n"
    "' \"$skip\" \"$@\"\n"
    "if [ -n \"$test\" ]; then\n"
    "    echo \"pinwheel: test command: $test\"\n"
    "    PATH=/tmp/venv/bin:$PATH VIRTUAL_ENV=/tmp/venv sh -c \"$test\"\n"
    "fi\n";

/* @cmd with every "{project}" and "{package}" replaced by @dir. */
static char *placeholders(const char *cmd, const char *dir)
{
	static const char *const names[] = {"{project}", "{package}"};
	struct pw_buf b = PW_BUF_INIT(1u << 20);
	const char *p = cmd;

	while (*p) {
		size_t i;

		for (i = 0; i < PW_ARRAY_SIZE(names); i++)
			if (!strncmp(p, names[i], strlen(names[i])))
				break;
		if (i < PW_ARRAY_SIZE(names)) {
			pw_buf_adds(&b, dir);
			p += strlen(names[i]);
		} else {
			pw_buf_add(&b, p++, 1);
		}
	}
	return pw_buf_detach(&b, NULL);
}

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
		     const char *test_command, char *const *skip, size_t nskip)
{
	struct pw_buf globs = PW_BUF_INIT(1u << 20);
	size_t nm = 0, n = 0;
	char **v;

	while (mods && mods[nm])
		nm++;
	for (size_t i = 0; i < nskip; i++)
		pw_buf_addf(&globs, "%s\n", skip[i]);
	v = pw_xcalloc(nm + 9, sizeof(char *));
	v[n++] = pw_xstrdup("/bin/sh");
	v[n++] = pw_xstrdup("-c");
	v[n++] = pw_xstrdup(script);
	v[n++] = pw_xstrdup("smoke");
	v[n++] = pw_xstrdup(python);
	v[n++] = pw_xstrdup(wheel);
	v[n++] = test_command ? placeholders(test_command, PW_SMOKE_PROJECT) : pw_xstrdup("");
	v[n++] = pw_buf_detach(&globs, NULL);
	for (size_t i = 0; i < nm; i++)
		v[n++] = pw_xstrdup(mods[i]);
	v[n] = NULL;
	return v;
}
