/* pypi.c - PyPI build requirements: pins resolved to wheels by the
 * root's own pip (lock), and wheels installed offline into a derived
 * store tree (fetch).  Contract in include/pinwheel/pypi.h; the provider
 * that uses them is provider_pypi.c. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "pinwheel/buf.h"
#include "pinwheel/derived.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/layout.h"
#include "pinwheel/lockstep.h"
#include "pinwheel/oci.h"
#include "pinwheel/pypi.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/store.h"
#include "pinwheel/untrusted.h"

#define REPORT_MAX (64u << 20)
#define LOG_MAX (4u << 20)
/* The wrapper's exit status when `import pip` fails (pip uses 0-4, 23). */
#define EXIT_NO_PIP 97
/* ... and, for a foreign target's pip run by the host's interpreter
 * (PW_PYPI_MACHINE_ENV set), when pip was about to build an sdist to learn
 * its metadata (a build must run on the target's own interpreter), and
 * when that pip has no SourceDistribution to guard. */
#define EXIT_NEEDS_BUILD 96
#define EXIT_NO_GUARD 95

/* Run pip as a module with its stdout and stderr in a log file: argv[1]
 * is the log, argv[2] where pip comes from, the rest are pip's arguments.
 * Python's -I keeps the caller's PYTHON* variables and the working
 * directory out.  argv[2] "" is the default: pinwheel's pinned pip
 * (PW_PIP_DIR) when the root has that layer, else the root's own; "+" is
 * the same, then Debian's pip wheel (python3-pip-whl, which pypy3-venv
 * brings), for the bootstrap of the pinned pip in a root without an
 * installed one (pw_pypi_bootstrap_pip()); else a path put first on
 * sys.path. */
static const char wrapper[] =
    "import os, sys\n"
    "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)\n"
    "os.dup2(fd, 1)\n"
    "os.dup2(fd, 2)\n"
    "m = os.environ.get('" PW_PYPI_MACHINE_ENV "')\n"
    "if m:\n"
    "    import platform, sysconfig\n"
    "    platform.machine = lambda: m\n"
    "    sysconfig.get_platform = lambda: 'linux-' + m\n"
    "src = sys.argv[2]\n"
    "debian = src == '+'\n"
    "if src in ('', '+'):\n"
    "    src = '" PW_PIP_DIR "' if os.path.isdir('" PW_PIP_DIR "/pip') else ''\n"
    "if src:\n"
    "    sys.path.insert(0, src)\n"
    "try:\n"
    "    import pip\n"
    "except ImportError:\n"
    "    import glob\n"
    "    whl = sorted(glob.glob('/usr/share/python-wheels/pip-*.whl'))\n"
    "    if not debian or not whl:\n"
    "        sys.exit(97)\n"
    "    sys.path.insert(0, whl[-1])\n"
    "    try:\n"
    "        import pip\n"
    "    except ImportError:\n"
    "        sys.exit(97)\n"
    "if m:\n"
    "    try:\n"
    "        from pip._internal.distributions import sdist as _sd\n"
    "        _sd.SourceDistribution.prepare_distribution_metadata\n"
    "    except Exception:\n"
    "        sys.exit(95)\n"
    "    def _no_build(self, *a, **k):\n"
    "        r = self.req\n"
    "        f = r.link.filename if r.link else ''\n"
    "        os.write(2, ('\\npinwheel-needs-build: %s %s\\n' % (r.name, f)).encode())\n"
    "        os._exit(96)\n"
    "    _sd.SourceDistribution.prepare_distribution_metadata = _no_build\n"
    "import runpy\n"
    "sys.argv = ['pip'] + sys.argv[3:]\n"
    "runpy.run_module('pip', run_name='__main__', alter_sys=True)\n";

/* ---- names ---- */

char *pw_pypi_normalize(const char *name)
{
	size_t n = strlen(name), i, o = 0;
	char *s = pw_xmalloc(n + 1);

	for (i = 0; i < n; i++) {
		char c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			if (o == 0 || s[o - 1] != '-')
				s[o++] = '-';
		} else {
			s[o++] = (char)tolower((unsigned char)c);
		}
	}
	s[o] = '\0';
	return s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The last path component of @url (without query or fragment,
 * percent-decoded) when it ends in one of @suffixes (NULL-ended) and is a
 * plain file name; else NULL + EINVAL. */
static char *url_filename(const char *url, const char *const *suffixes)
{
	size_t end = strcspn(url, "?#"), start = end, i, o = 0;
	bool suffix_ok = false;
	char *s;

	while (start > 0 && url[start - 1] != '/')
		start--;
	if (end - start < 5) {
		errno = EINVAL;
		return NULL;
	}
	s = pw_xmalloc(end - start + 1);
	for (i = start; i < end; i++) {
		if (url[i] == '%' && i + 2 < end + 1 && hexval(url[i + 1]) >= 0 &&
		    hexval(url[i + 2]) >= 0) {
			s[o++] = (char)(hexval(url[i + 1]) * 16 + hexval(url[i + 2]));
			i += 2;
		} else {
			s[o++] = url[i];
		}
	}
	s[o] = '\0';
	for (; *suffixes && !suffix_ok; suffixes++) {
		size_t n = strlen(*suffixes);
		suffix_ok = o > n && !strcmp(s + o - n, *suffixes);
	}
	if (!suffix_ok || s[0] == '.' || strchr(s, '/') || strlen(s) != o) {
		free(s);
		errno = EINVAL;
		return NULL;
	}
	return s;
}

char *pw_pypi_wheel_filename(const char *url)
{
	static const char *const whl[] = {".whl", NULL};

	return url_filename(url, whl);
}

char *pw_pypi_sdist_filename(const char *url)
{
	static const char *const sdist[] = {".tar.gz", ".zip", NULL};

	return url_filename(url, sdist);
}

/* ---- the report ---- */

void pw_pypi_artifacts_free(struct pw_artifact *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pw_artifact_release(&a[i]);
	free(a);
}

static int cmp_wheel(const void *pa, const void *pb)
{
	const struct pw_artifact *a = pa, *b = pb;
	_cleanup_free_ char *na = pw_pypi_normalize(a->name);
	_cleanup_free_ char *nb = pw_pypi_normalize(b->name);
	int c = strcmp(na, nb);

	if (c == 0)
		c = strcmp(a->version, b->version);
	return c ? c : strcmp(a->sha256, b->sha256);
}

static const char *get_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* sha256 of archive_info: "hashes": {"sha256": X} (pip >= 23) or
 * "hash": "sha256=X" (older).  NULL when neither. */
static const char *report_sha256(json_t *ai)
{
	json_t *hs = json_object_get(ai, "hashes");
	const char *h;

	if (json_is_object(hs) && (h = get_str(hs, "sha256")))
		return h;
	h = get_str(ai, "hash");
	if (h && !strncmp(h, "sha256=", 7))
		return h + 7;
	return NULL;
}

static bool url_has_userinfo(const char *url)
{
	const char *p = strstr(url, "://");
	size_t hostlen;

	if (!p)
		return false;
	p += 3;
	hostlen = strcspn(p, "/?#");
	return memchr(p, '@', hostlen) != NULL;
}

static int parse_entry(json_t *it, size_t idx, const char *origin, unsigned flags,
		       struct pw_artifact *a, struct pw_err *e)
{
	json_t *md = json_object_get(it, "metadata");
	json_t *di = json_object_get(it, "download_info");
	json_t *ai = json_object_get(di, "archive_info");
	const char *name = get_str(md, "name"), *version = get_str(md, "version");
	const char *url = get_str(di, "url"), *sha, *kind = "wheel";
	_cleanup_free_ char *fname = NULL;
	char lower[PW_SHA256_HEX];
	size_t i;

	if (!json_is_object(it) || !name || !*name || !version || !*version)
		return pw_err_set(e, EINVAL,
				  "%s: install[%zu]: expected metadata.name and "
				  "metadata.version strings",
				  origin, idx);
	if (!url || !*url)
		return pw_err_set(e, EINVAL, "%s: '%s' %s: expected a download_info.url string",
				  origin, name, version);
	if (url_has_userinfo(url))
		return pw_err_set(e, EINVAL,
				  "%s: '%s' %s: the wheel url carries credentials; pinwheel "
				  "will not write them to the lock",
				  origin, name, version);
	fname = pw_pypi_wheel_filename(url);
	if (!fname && (flags & PW_PYPI_SDISTS) && (fname = pw_pypi_sdist_filename(url)))
		kind = "sdist";
	if (!fname || !json_is_object(ai))
		return pw_err_set(e, ENOENT,
				  "'%s' %s has no wheel for this target (pip chose '%s')", name,
				  version, url);
	sha = report_sha256(ai);
	for (i = 0; sha && i < PW_SHA256_HEX - 1 && sha[i]; i++)
		lower[i] = (char)tolower((unsigned char)sha[i]);
	lower[i] = '\0';
	if (!sha || sha[i] || !pw_sha256_hex_valid(lower))
		return pw_err_set(e, EINVAL,
				  "%s: '%s' %s: expected a sha256 in download_info.archive_info",
				  origin, name, version);
	a->kind = pw_xstrdup(kind);
	a->name = pw_xstrdup(name);
	a->version = pw_xstrdup(version);
	a->urls = pw_xcalloc(1, sizeof(*a->urls));
	a->urls[0] = pw_xstrdup(url);
	a->nurls = 1;
	memcpy(a->sha256, lower, PW_SHA256_HEX);
	a->size = PW_SIZE_UNKNOWN;
	return 0;
}

int pw_pypi_parse_report(const char *text, size_t len, const char *origin, struct pw_artifact **out,
			 size_t *n, struct pw_err *e)
{
	return pw_pypi_parse_report_ex(text, len, origin, 0, out, n, e);
}

int pw_pypi_parse_report_ex(const char *text, size_t len, const char *origin, unsigned flags,
			    struct pw_artifact **out, size_t *n, struct pw_err *e)
{
	struct pw_artifact *a = NULL;
	json_t *j, *v, *inst;
	size_t cnt = 0, i;
	int r = 0;

	*out = NULL;
	*n = 0;
	j = pw_json_load_mem(origin, text, len, e);
	if (!j)
		return -EINVAL;
	v = json_object_get(j, "version");
	/* "0": pip 22.2 and 22.3 (the pip a CPython 3.11.2 tarball bundles),
	 * the same members with archive_info's "hash" */
	if (!json_is_object(j) || !json_is_string(v) ||
	    (strcmp(json_string_value(v), "1") && strcmp(json_string_value(v), "0"))) {
		json_decref(j);
		return pw_err_set(e, EINVAL,
				  "%s: expected a pip installation report with \"version\": "
				  "\"1\" (or \"0\")",
				  origin);
	}
	inst = json_object_get(j, "install");
	if (!json_is_array(inst)) {
		json_decref(j);
		return pw_err_set(e, EINVAL, "%s: expected an \"install\" array", origin);
	}
	a = pw_xcalloc(json_array_size(inst) + 1, sizeof(*a));
	for (i = 0; i < json_array_size(inst); i++) {
		r = parse_entry(json_array_get(inst, i), i, origin, flags, &a[cnt], e);
		if (r < 0)
			break;
		cnt++;
	}
	json_decref(j);
	if (r < 0) {
		pw_pypi_artifacts_free(a, cnt + 1);
		return r;
	}
	qsort(a, cnt, sizeof(*a), cmp_wheel);
	for (i = 1; i < cnt; i++)
		if (!strcmp(a[i - 1].sha256, a[i].sha256) && !strcmp(a[i - 1].name, a[i].name)) {
			r = pw_err_set(e, EINVAL, "%s: '%s' is listed twice", origin, a[i].name);
			pw_pypi_artifacts_free(a, cnt);
			return r;
		}
	*out = a;
	*n = cnt;
	return 0;
}

/* ---- the sandbox ---- */

static int add_bind(struct pw_sandbox_spec *s, bool rw, const char *src, const char *dst,
		    struct pw_err *e)
{
	_cleanup_free_ char *arg = pw_xasprintf("%s:%s", src, dst);

	return pw_sandbox_spec_add_bind(s, rw ? PW_BIND_RW : PW_BIND_RO, arg, e);
}

static int add_env(struct pw_sandbox_spec *s, const char *kv, struct pw_err *e)
{
	return pw_sandbox_spec_add_env(s, kv, false, e);
}

static bool is_file(const char *path)
{
	struct stat st;

	return path && *path == '/' && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* pip's configuration, for the lock step: variables passed through and
 * the caller's config files bound read-only where the root's pip looks
 * (under /tmp, which is a tmpfs in every sandbox, so a read-only root
 * needs no mount points). */
static int add_pip_config(struct pw_sandbox_spec *s, struct pw_err *e)
{
	static const char *const pass[] = {
	    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST", "PIP_FIND_LINKS",
	    "PIP_PRE",	     "http_proxy",	    "https_proxy",	"no_proxy",
	    "HTTP_PROXY",    "HTTPS_PROXY",	    "NO_PROXY",		"ALL_PROXY",
	};
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *cf = getenv("PIP_CONFIG_FILE"), *cert = getenv("PIP_CERT");
	_cleanup_free_ char *user = NULL;
	size_t i;
	int r = 0;

	for (i = 0; i < PW_ARRAY_SIZE(pass) && r == 0; i++)
		r = pw_sandbox_spec_add_env(s, pass[i], true, e);
	if (r < 0)
		return r;
	if (xdg && *xdg == '/')
		user = pw_xasprintf("%s/pip/pip.conf", xdg);
	else if (home && *home == '/')
		user = pw_xasprintf("%s/.config/pip/pip.conf", home);
	/* Global: pip reads $XDG_CONFIG_DIRS/pip/pip.conf and the root's own
	 * /etc/pip.conf; the caller's /etc/pip.conf goes to the former. */
	if (is_file("/etc/pip.conf")) {
		r = add_bind(s, false, "/etc/pip.conf", "/tmp/pinwheel-pip/xdg/pip/pip.conf", e);
		if (r == 0)
			r = add_env(s, "XDG_CONFIG_DIRS=/tmp/pinwheel-pip/xdg", e);
	}
	if (r == 0 && is_file(user)) {
		r = add_bind(s, false, user, "/tmp/pinwheel-pip/user/pip/pip.conf", e);
		if (r == 0)
			r = add_env(s, "XDG_CONFIG_HOME=/tmp/pinwheel-pip/user", e);
	}
	if (r == 0 && cf && !strcmp(cf, "/dev/null")) {
		r = add_env(s, "PIP_CONFIG_FILE=/dev/null", e);
	} else if (r == 0 && is_file(cf)) {
		r = add_bind(s, false, cf, "/tmp/pinwheel-pip/env.conf", e);
		if (r == 0)
			r = add_env(s, "PIP_CONFIG_FILE=/tmp/pinwheel-pip/env.conf", e);
	}
	/* A CA bundle the caller trusts (the root may have none, or not the
	 * one the caller's network needs): pip's PIP_CERT wins over "cert ="
	 * in its config files. */
	if (r == 0 && cert && *cert == '/' && is_file(cert)) {
		r = add_bind(s, false, cert, "/tmp/pinwheel-pip/cert.pem", e);
		if (r == 0)
			r = add_env(s, "PIP_CERT=/tmp/pinwheel-pip/cert.pem", e);
	}
	/* Name resolution for the index host; a read-only root would need
	 * the mount point, so it has to ship its own. */
	if (r == 0 && !s->ro_root && is_file("/etc/resolv.conf"))
		r = add_bind(s, false, "/etc/resolv.conf", "/etc/resolv.conf", e);
	return r;
}

/* The line of pip's log that says what went wrong, else its last
 * non-empty line, or "" (caller frees).  pip's reason for a pin it cannot
 * meet comes last, after lines about what it saw ("ERROR: Ignored the
 * following yanked versions: ...", "ERROR: Could not find a version that
 * satisfies ... (from versions: ...)"), so it is preferred. */
static char *log_tail(const char *logpath)
{
	static const char *const markers[] = {"ERROR: No matching distribution",
					      "ERROR: Could not find a version", "ERROR:", NULL};

	return pw_lockstep_log_line_pref(logpath, markers);
}

/* Run `python -I -c WRAPPER LOG ARGS...` in @s.  Maps the outcomes to
 * errors naming @target; @what says what pip was doing. */
static int run_pip_from(const struct pw_sandbox_spec *s, const char *target, const char *python,
			const char *pip, const char *log_in, const char *log_host, char **args,
			size_t nargs, const char *what, struct pw_err *e)
{
	struct pw_sandbox_result res;
	char **argv = pw_xcalloc(nargs + 7, sizeof(*argv));
	size_t i;
	int r;

	argv[0] = (char *)python;
	argv[1] = (char *)"-I";
	argv[2] = (char *)"-c";
	argv[3] = (char *)wrapper;
	argv[4] = (char *)log_in;
	argv[5] = (char *)(pip ? pip : "");
	for (i = 0; i < nargs; i++)
		argv[6 + i] = args[i];
	memset(&res, 0, sizeof(res));
	r = pw_sandbox_run(s, argv, &res, e);
	free(argv);
	if (res.exited &&
	    (res.exit_code == PW_SANDBOX_EXIT_NOTFOUND || res.exit_code == PW_SANDBOX_EXIT_NOEXEC))
		return pw_err_set(e, ENOENT, "root of %s has no python '%s'", target, python);
	if (r < 0)
		return pw_err_prefix(e, "%s of %s", what, target);
	if (res.exited && res.exit_code == 0)
		return 0;
	if (res.exited && res.exit_code == EXIT_NEEDS_BUILD) {
		static const char *const mark[] = {"pinwheel-needs-build: ", NULL};
		_cleanup_free_ char *line = pw_lockstep_log_line_pref(log_host, mark);
		const char *p = strstr(line, mark[0]);
		_cleanup_free_ char *name = NULL;
		const char *file = "";

		p = p ? p + strlen(mark[0]) : "";
		name = pw_xstrdup(p);
		if (strchr(name, ' ')) {
			file = strchr(name, ' ') + 1;
			*strchr(name, ' ') = '\0';
		}
		return pw_err_set(e, EAGAIN, "'%.100s' has no wheel for %s: the metadata of %.200s "
				  "must be built by the target's own interpreter",
				  name, target, *file ? file : "its sdist");
	}
	if (res.exited && res.exit_code == EXIT_NO_GUARD)
		return pw_err_set(e, EAGAIN,
				  "this pip has no SourceDistribution to keep it from building "
				  "for %s",
				  target);
	if (res.exited && res.exit_code == EXIT_NO_PIP)
		return pw_err_set(e, ENOENT,
				  "root of %s has no pip: add python3-pip to the base packages",
				  target);
	{
		_cleanup_free_ char *tail = log_tail(log_host);
		if (!res.exited)
			return pw_err_set(e, EIO, "%s of %s: pip killed by signal %d%s%s", what,
					  target, res.signal, *tail ? ": " : "", tail);
		return pw_err_set(e, EIO, "%s of %s: pip exited with status %d%s%s", what, target,
				  res.exit_code, *tail ? ": " : "", tail);
	}
}

/* run_pip_from() with the default pip. */
static int run_pip(const struct pw_sandbox_spec *s, const char *target, const char *python,
		   const char *log_in, const char *log_host, char **args, size_t nargs,
		   const char *what, struct pw_err *e)
{
	return run_pip_from(s, target, python, NULL, log_in, log_host, args, nargs, what, e);
}

static bool pin_ok(const char *s, bool version)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!isalnum(c) && c != '.' && c != '-' && c != '_' &&
		    !(version && (c == '+' || c == '!')))
			return false;
	}
	return true;
}

/* A requirement's text goes to pip as one argument: printable ASCII, not
 * an option. */
static bool req_ok(const char *s)
{
	if (!s || !*s || *s == '-')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* ---- lock ---- */

static int fetch_sizes(struct pw_store *store, struct pw_artifact *a, size_t n, struct pw_err *e)
{
	struct pw_fetch_item *items = pw_xcalloc(n + 1, sizeof(*items));
	struct pw_fetch_opts fo;
	size_t i;
	int r;

	pw_fetch_opts_init(&fo);
	for (i = 0; i < n; i++) {
		items[i].name = a[i].name;
		items[i].urls = (const char *const *)a[i].urls;
		items[i].nurls = a[i].nurls;
		items[i].sha256 = a[i].sha256;
		items[i].size = PW_STORE_SIZE_UNKNOWN;
	}
	r = pw_fetch_run(store, items, n, &fo, e);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (r == -EIO && items[i].state == PW_FETCH_FAILED) {
			*e = items[i].err;
			pw_err_prefix(e, "wheel '%s' %s", a[i].name, a[i].version);
			r = items[i].status < 0 ? items[i].status : -EIO;
			break;
		}
		if (r == 0) {
			if (!items[i].path || stat(items[i].path, &st) < 0) {
				r = pw_err_sys(e, errno ? errno : ENOENT,
					       "wheel '%s': blob missing after download",
					       a[i].name);
				break;
			}
			a[i].size = (uint64_t)st.st_size;
		}
	}
	for (i = 0; i < n; i++)
		pw_fetch_item_release(&items[i]);
	free(items);
	return r;
}

/* The newest and oldest glibc of the manylinux tags offered for another
 * architecture's wheels (pw_pypi_resolve_arch()). */
#define ARCH_GLIBC_NEWEST 41
#define ARCH_GLIBC_OLDEST 5

/* pip's --platform options for wheels of the architecture @arch ("x86_64"),
 * as a machine of it with glibc 2.ARCH_GLIBC_NEWEST would accept them,
 * most preferred first: manylinux_2_41_ARCH ... manylinux_2_5_ARCH and the
 * legacy names (pip matches "manylinux2014_x86_64" only by that name).
 * Appended to @args at *na (room for platform_nargs() more). */
static size_t platform_nargs(void)
{
	return 2 * (ARCH_GLIBC_NEWEST - ARCH_GLIBC_OLDEST + 1 + 3);
}

static void platform_args(const char *arch, char **args, size_t *na)
{
	static const char *const legacy[] = {"manylinux2014", "manylinux2010", "manylinux1"};

	for (unsigned m = ARCH_GLIBC_NEWEST; m >= ARCH_GLIBC_OLDEST; m--) {
		args[(*na)++] = pw_xstrdup("--platform");
		args[(*na)++] = pw_xasprintf("manylinux_2_%u_%s", m, arch);
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(legacy); i++) {
		args[(*na)++] = pw_xstrdup("--platform");
		args[(*na)++] = pw_xasprintf("%s_%s", legacy[i], arch);
	}
}

/* Keep the wheels pip chose in the store without downloading them a
 * second time: the same pip downloads them by URL into the bound temp dir,
 * and its HTTP cache from the resolution answers (pip caches what an
 * https or trusted index marks cacheable, as package indexes do for their
 * files; when the resolution read only the metadata, this is the one
 * download).  Each file goes into the store verified against the report's
 * sha256.  Best effort: a wheel not kept here is downloaded by
 * fetch_sizes(), which reports any error. */
static void keep_downloads(struct pw_store *store, const struct pw_sandbox_spec *s,
			   const char *target, const char *python, const char *pip,
			   const char *arch, const char *tmp, const struct pw_artifact *w, size_t n)
{
	static const char *const fixed[] = {"download",	  "--no-deps",
					    "--only-binary", ":all:",
					    "--dest",	  "/tmp/pinwheel-out/wheels",
					    "--no-color",	  "--progress-bar",
					    "off"};
	char **args = pw_xcalloc(PW_ARRAY_SIZE(fixed) + platform_nargs() + n + 1, sizeof(*args));
	_cleanup_free_ char *logp = pw_path_join(tmp, "pip-download.log");
	struct pw_err e = PW_ERR_INIT;
	size_t i, na = 0, nfixed, todo = 0;

	for (i = 0; i < PW_ARRAY_SIZE(fixed); i++)
		args[na++] = pw_xstrdup(fixed[i]);
	if (arch)
		platform_args(arch, args, &na);
	nfixed = na;
	for (i = 0; i < n; i++)
		if (!strcmp(w[i].kind, "wheel") && !pw_store_has_blob(store, w[i].sha256) &&
		    w[i].nurls > 0) {
			args[na++] = w[i].urls[0];
			todo++;
		}
	if (todo && run_pip_from(s, target, python, pip, "/tmp/pinwheel-out/pip-download.log", logp,
				 args, na, "downloading the wheels", &e) == 0) {
		for (i = 0; i < n; i++) {
			_cleanup_free_ char *fname = pw_pypi_wheel_filename(w[i].urls[0]);
			_cleanup_free_ char *rel = NULL, *path = NULL;
			bool cached;

			if (!fname || pw_store_has_blob(store, w[i].sha256))
				continue;
			rel = pw_xasprintf("wheels/%s", fname);
			path = pw_path_join(tmp, rel);
			/* a missing or different file is left to fetch_sizes() */
			(void)pw_store_add_file(store, path, w[i].sha256, PW_STORE_SIZE_UNKNOWN,
						&cached, &e);
		}
	}
	for (i = 0; i < nfixed; i++)
		free(args[i]);
	free(args);
}

/* resolve()'s flag: the pins are pinwheel's own pip, which the root's
 * pip (or Debian's pip wheel) first downloads into the step's temp dir;
 * that pip then resolves itself (its report gives the url and sha256 the
 * downloaded file must have). */
#define BOOTSTRAP 0x100u

/* The one pip-*.whl the bootstrap download left in @dir: its name (caller
 * frees) or NULL with e->msg. */
static char *boot_wheel(const char *dir, const char *target, struct pw_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *found = NULL;
	size_t n = 0;

	if (!d) {
		pw_err_sys(e, errno, "bootstrapping pip for %s: could not open '%s'", target, dir);
		return NULL;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "pip-", 4) && strlen(de->d_name) > 8 &&
		    !strcmp(de->d_name + strlen(de->d_name) - 4, ".whl") && n++ == 0)
			found = pw_xstrdup(de->d_name);
	closedir(d);
	if (n != 1) {
		free(found);
		pw_err_set(e, EIO, "bootstrapping pip for %s: expected one pip wheel, found %zu",
			   target, n);
		return NULL;
	}
	return found;
}

/* Download @pin (pip==X) with the root's pip into TMP/boot; *from gets
 * the wheel's path in the sandbox, from which that pip runs next. */
static int bootstrap_download(const struct pw_sandbox_spec *s, const char *target,
			      const char *python, const char *tmp, const struct pw_pin *pin,
			      char **from, struct pw_err *e)
{
	_cleanup_free_ char *logp = pw_path_join(tmp, "pip-boot.log");
	_cleanup_free_ char *boot = pw_path_join(tmp, "boot");
	_cleanup_free_ char *req = pin->req ? pw_xstrdup(pin->req)
					    : pw_xasprintf("%s==%s", pin->name, pin->version);
	static const char *const fixed[] = {"download", "--no-deps", "--only-binary", ":all:",
					    "--dest", "/tmp/pinwheel-out/boot", "--no-color",
					    "--progress-bar", "off"};
	char *args[PW_ARRAY_SIZE(fixed) + 1];
	char *name;
	int r;

	for (size_t i = 0; i < PW_ARRAY_SIZE(fixed); i++)
		args[i] = (char *)fixed[i]; /* pip's argv: read, never written */
	args[PW_ARRAY_SIZE(fixed)] = req;
	if (mkdir(boot, 0755) < 0)
		return pw_err_sys(e, errno, "could not create '%s'", boot);
	r = run_pip_from(s, target, python, "+", "/tmp/pinwheel-out/pip-boot.log", logp, args,
			 PW_ARRAY_SIZE(args), "bootstrapping pip", e);
	if (r < 0)
		return r;
	name = boot_wheel(boot, target, e);
	if (!name)
		return -EIO;
	*from = pw_xasprintf("/tmp/pinwheel-out/boot/%s", name);
	free(name);
	return 0;
}

/* Put the bootstrap's pip wheel into @store, checked against the sha256
 * its own resolution reported. */
static int bootstrap_keep(struct pw_store *store, const char *tmp, const char *from,
			  const struct pw_artifact *a, size_t n, const char *target,
			  struct pw_err *e)
{
	_cleanup_free_ char *path = NULL;
	bool cached;
	int r;

	if (n != 1 || strcmp(a[0].name, "pip"))
		return pw_err_set(e, EINVAL,
				  "bootstrapping pip for %s: resolved to %zu wheels, expected pip", target,
				  n);
	if (!store)
		return 0;
	path = pw_path_join(tmp, from + strlen("/tmp/pinwheel-out/"));
	r = pw_store_add_file(store, path, a[0].sha256, PW_STORE_SIZE_UNKNOWN, &cached, e);
	if (r < 0)
		return pw_err_prefix(e, "bootstrapping pip for %s: the downloaded wheel", target);
	return 0;
}

static int resolve(struct pw_store *store, const struct pw_sandbox_spec *root, const char *target,
		   const char *python, const struct pw_pin *pins, size_t npins, unsigned flags,
		   const char *arch, struct pw_artifact **out, size_t *nout, struct pw_err *e)
{
	_cleanup_free_ char *from = NULL;
	struct pw_sandbox_spec s;
	_cleanup_free_ char *tmp = NULL, *logp = NULL, *origin = NULL;
	int tmp_lock = -1;
	struct pw_buf b = PW_BUF_INIT(REPORT_MAX);
	char **args = NULL;
	size_t na = 0, i;
	int r;

	*out = NULL;
	*nout = 0;
	if (!python || python[0] != '/')
		return pw_err_set(e, EINVAL, "python of %s: expected an absolute path in the root",
				  target);
	for (i = 0; i < npins; i++)
		if (!pin_ok(pins[i].name, false) ||
		    (pins[i].req ? !req_ok(pins[i].req) : !pin_ok(pins[i].version, true)))
			return pw_err_set(e, EINVAL,
					  "pin '%s==%s' of %s: expected a project name and an "
					  "exact version",
					  pins[i].name ? pins[i].name : "",
					  pins[i].version ? pins[i].version : "", target);
	if (npins == 0)
		return 0;
	tmp = pw_lockstep_tmpdir("pypi-lock", &tmp_lock, e);
	if (!tmp)
		return -errno;
	pw_lockstep_spec_copy(&s, root);
	s.net = true;
	r = add_bind(&s, true, tmp, "/tmp/pinwheel-out", e);
	if (r == 0)
		r = add_pip_config(&s, e);
	if (r == 0)
		r = add_env(&s, "PIP_DISABLE_PIP_VERSION_CHECK=1", e);
	if (r == 0)
		r = add_env(&s, "PIP_CACHE_DIR=/tmp/pinwheel-out/cache", e);
	if (r == 0)
		r = add_env(&s, "PIP_NO_INPUT=1", e);
	if (r == 0 && (flags & BOOTSTRAP))
		r = bootstrap_download(&s, target, python, tmp, &pins[0], &from, e);
	if (r < 0)
		goto out;
	args = pw_xcalloc(npins + 16 + platform_nargs(), sizeof(*args));
	args[na++] = pw_xstrdup("install");
	args[na++] = pw_xstrdup("--dry-run");
	args[na++] = pw_xstrdup("--ignore-installed");
	if (flags & PW_PYPI_SDISTS) {
		/* a wheel wherever a fitting version has one, else the sdist */
		args[na++] = pw_xstrdup("--prefer-binary");
	} else {
		args[na++] = pw_xstrdup("--only-binary");
		args[na++] = pw_xstrdup(":all:");
	}
	args[na++] = pw_xstrdup("--report");
	args[na++] = pw_xstrdup("/tmp/pinwheel-out/report.json");
	args[na++] = pw_xstrdup("--no-color");
	args[na++] = pw_xstrdup("--progress-bar");
	args[na++] = pw_xstrdup("off");
	if (arch) {
		/* bookworm's pip (23.0) takes --platform only with --target
		 * (a dry run writes nothing there) */
		args[na++] = pw_xstrdup("--target");
		args[na++] = pw_xstrdup("/tmp/pinwheel-out/target");
		platform_args(arch, args, &na);
	}
	for (i = 0; i < npins; i++)
		args[na++] = pins[i].req ? pw_xstrdup(pins[i].req)
					 : pw_xasprintf("%s==%s", pins[i].name, pins[i].version);
	logp = pw_path_join(tmp, "pip.log");
	r = run_pip_from(&s, target, python, from, "/tmp/pinwheel-out/pip.log", logp, args, na,
			 "resolving the Python requirements", e);
	if (r < 0)
		goto out;
	/* tmp was bound into pip's sandbox: the report is taken as untrusted.h
	 * says */
	{
		_cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		r = dfd < 0 ? pw_err_sys(e, errno, "could not open '%s'", tmp)
			    : pw_untrusted_read(dfd, "report.json", "/tmp/pinwheel-out/report.json",
						&b, e);
	}
	if (r < 0) {
		pw_err_prefix(e, "resolving the Python requirements of %s: pip's report", target);
		goto out;
	}
	origin = pw_xasprintf("pip report for %s", target);
	r = pw_pypi_parse_report_ex(b.buf, b.len, origin, flags & PW_PYPI_SDISTS, out, nout, e);
	if (r == 0 && (flags & BOOTSTRAP))
		r = bootstrap_keep(store, tmp, from, *out, *nout, target, e);
	if (r < 0) {
		pw_pypi_artifacts_free(*out, *nout);
		*out = NULL;
		*nout = 0;
		goto out;
	}
	if (store)
		keep_downloads(store, &s, target, python, from, arch, tmp, *out, *nout);
	if (store) {
		r = fetch_sizes(store, *out, *nout, e);
		if (r < 0) {
			pw_pypi_artifacts_free(*out, *nout);
			*out = NULL;
			*nout = 0;
		}
	}
out:
	for (i = 0; i < na; i++)
		free(args[i]);
	free(args);
	pw_buf_release(&b);
	pw_sandbox_spec_release(&s);
	pw_rm_rf(tmp);
	close(tmp_lock);
	return r;
}

int pw_pypi_resolve(struct pw_store *store, const struct pw_sandbox_spec *root, const char *target,
		    const char *python, const struct pw_pin *pins, size_t npins,
		    struct pw_artifact **out, size_t *nout, struct pw_err *e)
{
	return resolve(store, root, target, python, pins, npins, 0, NULL, out, nout, e);
}

int pw_pypi_resolve_arch(struct pw_store *store, const struct pw_sandbox_spec *root,
			 const char *target, const char *python, const struct pw_pin *pins,
			 size_t npins, const char *arch, struct pw_artifact **out, size_t *nout,
			 struct pw_err *e)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz0123456789_";

	if (!arch || !*arch || strspn(arch, ok) != strlen(arch))
		return pw_err_set(e, EINVAL, "wheels for %s: expected an architecture like 'x86_64'",
				  target);
	return resolve(store, root, target, python, pins, npins, 0, arch, out, nout, e);
}

int pw_pypi_bootstrap_pip(struct pw_store *store, const struct pw_sandbox_spec *root,
			  const char *target, const char *python, const struct pw_pin *pin,
			  struct pw_artifact **out, size_t *nout, struct pw_err *e)
{
	return resolve(store, root, target, python, pin, 1, BOOTSTRAP, NULL, out, nout, e);
}

static void pins_free(struct pw_pin *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].version);
		free(p[i].req);
	}
	free(p);
}

/* The wheels the sdist @sd is built with: its build requirements (read
 * from its blob in @store) resolved, wheels only, in @root.  Appended to
 * *@b (*@nb). */
static int resolve_build(struct pw_store *store, const struct pw_sandbox_spec *root,
			 const char *target, const char *python, const struct pw_artifact *sd,
			 struct pw_artifact **b, size_t *nb, struct pw_err *e)
{
	_cleanup_free_ char *blob = pw_store_blob_path(store, sd->sha256);
	_cleanup_free_ char *fname = pw_pypi_sdist_filename(sd->urls[0]);
	struct pw_artifact *w = NULL;
	struct pw_pin *pins = NULL;
	char **reqs = NULL;
	size_t nreqs = 0, nw = 0, i;
	int r;

	r = pw_pypi_sdist_build_requires(blob, fname ? fname : sd->name, &reqs, &nreqs, e);
	if (r < 0)
		return pw_err_prefix(e, "sdist '%s' %s", sd->name, sd->version);
	pins = pw_xcalloc(nreqs + 1, sizeof(*pins));
	for (i = 0; i < nreqs && r == 0; i++) {
		r = pw_req_parse(reqs[i], &pins[i], e);
		if (r < 0)
			pw_err_prefix(e, "sdist '%s' %s: build-system.requires[%zu]", sd->name,
				      sd->version, i);
	}
	if (r == 0 && nreqs) {
		r = resolve(store, root, target, python, pins, nreqs, 0, NULL, &w, &nw, e);
		if (r < 0)
			pw_err_prefix(e, "sdist '%s' %s: build requirements", sd->name,
				      sd->version);
	}
	if (r == 0 && nw) {
		*b = pw_xrealloc(*b, (*nb + nw + 1) * sizeof(**b));
		memcpy(*b + *nb, w, nw * sizeof(*w));
		memset(*b + *nb + nw, 0, sizeof(**b));
		*nb += nw;
		free(w); /* its contents moved */
		w = NULL;
		nw = 0;
	}
	pw_pypi_artifacts_free(w, nw);
	pins_free(pins, nreqs);
	for (i = 0; i < nreqs; i++)
		free(reqs[i]);
	free(reqs);
	return r;
}

int pw_pypi_resolve_sdists(struct pw_store *store, const struct pw_sandbox_spec *root,
			   const char *target, const char *python, const struct pw_pin *pins,
			   size_t npins, struct pw_artifact **out, size_t *nout,
			   struct pw_artifact **build, size_t *nbuild, struct pw_err *e)
{
	struct pw_artifact *b = NULL;
	size_t nb = 0, i, k;
	int r;

	*build = NULL;
	*nbuild = 0;
	if (!store) {
		*out = NULL;
		*nout = 0;
		return pw_err_set(e, EINVAL, "resolving sdists of %s needs a store", target);
	}
	r = resolve(store, root, target, python, pins, npins, PW_PYPI_SDISTS, NULL, out, nout, e);
	for (i = 0; r == 0 && i < *nout; i++)
		if (!strcmp((*out)[i].kind, "sdist"))
			r = resolve_build(store, root, target, python, &(*out)[i], &b, &nb, e);
	if (r < 0) {
		pw_pypi_artifacts_free(*out, *nout);
		pw_pypi_artifacts_free(b, nb);
		*out = NULL;
		*nout = 0;
		return r;
	}
	/* the union: sorted, each wheel once */
	if (nb > 1)
		qsort(b, nb, sizeof(*b), cmp_wheel);
	for (i = k = 0; i < nb; i++) {
		if (k && !strcmp(b[k - 1].sha256, b[i].sha256)) {
			pw_artifact_release(&b[i]);
			continue;
		}
		if (k != i) {
			b[k] = b[i];
			memset(&b[i], 0, sizeof(b[i]));
		}
		k++;
	}
	*build = b;
	*nbuild = k;
	return 0;
}

/* ---- install ---- */

static int cmp_sha(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void pw_pypi_lockset_add_build(struct pw_lockset *ls, const char *target, const char *layer_name,
			       const struct pw_artifact *wheels, size_t n,
			       const struct pw_artifact *build, size_t nbuild)
{
	const char **shas = pw_xcalloc(n + nbuild + 1, sizeof(*shas));
	size_t i;

	for (i = 0; i < n; i++) {
		pw_lockset_add(ls, &wheels[i], target);
		shas[i] = wheels[i].sha256;
	}
	pw_lockset_add_layer(ls, target, layer_name, PW_PYPI_LAYER_HOW, "/", shas, n, NULL);
	for (i = 0; i < nbuild; i++) {
		pw_lockset_add(ls, &build[i], target);
		shas[i] = build[i].sha256;
	}
	pw_lockset_set_layer_build(ls, target, shas, nbuild);
	free(shas);
}

void pw_pypi_lockset_add(struct pw_lockset *ls, const char *target, const char *layer_name,
			 const struct pw_artifact *wheels, size_t n)
{
	pw_pypi_lockset_add_build(ls, target, layer_name, wheels, n, NULL, 0);
}

const char *pw_pypi_layer_how(void)
{
	return PW_PYPI_LAYER_HOW;
}

char *pw_pypi_layer_id(const char *root_id, const struct pw_artifact *wheels, size_t n,
		       const struct pw_artifact *build, size_t nbuild)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	const char **shas = pw_xcalloc(n + nbuild + 1, sizeof(*shas));
	char hex[PW_SHA256_HEX];
	size_t i;

	for (i = 0; i < n; i++)
		shas[i] = wheels[i].sha256;
	qsort(shas, n, sizeof(*shas), cmp_sha);
	pw_buf_addf(&b, "pypi-install;v1;%s;", root_id);
	for (i = 0; i < n; i++)
		pw_buf_addf(&b, "%s;", shas[i]);
	for (i = 0; i < nbuild; i++)
		shas[i] = build[i].sha256;
	qsort(shas, nbuild, sizeof(*shas), cmp_sha);
	if (nbuild)
		pw_buf_adds(&b, "build;");
	for (i = 0; i < nbuild; i++)
		pw_buf_addf(&b, "%s;", shas[i]);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
	free(shas);
	return pw_xstrdup(hex);
}

/* The binds of @n artifacts, each under the directory its kind goes to:
 * a wheel at /tmp/pinwheel-wheels/ (@build: /tmp/pinwheel-build/, the
 * sdists' build requirements), an sdist at /tmp/pinwheel-sdists/; and
 * requirements.txt at @reqpath (not with @build) with one hashed line per
 * wheel.  Sorted by name so the file is the same whatever order the
 * caller used. */
static int stage(struct pw_store *store, struct pw_sandbox_spec *s, const char *reqpath, bool build,
		 const struct pw_artifact *w, size_t n, struct pw_err *e)
{
	struct pw_buf req = PW_BUF_INIT(SIZE_MAX / 2);
	struct pw_artifact *sorted = pw_xcalloc(n + 1, sizeof(*sorted));
	char **fnames = pw_xcalloc(n + 1, sizeof(*fnames));
	size_t i, j;
	int r = 0;

	if (n)
		memcpy(sorted, w, n * sizeof(*w));
	qsort(sorted, n, sizeof(*sorted), cmp_wheel);
	for (i = 0; i < n && r == 0; i++) {
		const struct pw_artifact *a = &sorted[i];
		bool sdist = !build && a->kind && !strcmp(a->kind, "sdist");
		const char *what = sdist ? "sdist" : "wheel";
		_cleanup_free_ char *blob = NULL, *dst = NULL;
		char *fname;

		if (!a->name || !a->version || !pw_sha256_hex_valid(a->sha256) || a->nurls < 1 ||
		    !pin_ok(a->name, false) || !pin_ok(a->version, true)) {
			r = pw_err_set(e, EINVAL, "%s %zu: expected name, version, sha256 and url",
				       what, i);
			break;
		}
		fname = fnames[i] =
		    sdist ? pw_pypi_sdist_filename(a->urls[0]) : pw_pypi_wheel_filename(a->urls[0]);
		if (!fname) {
			r = pw_err_set(e, EINVAL, "%s '%s' %s: url '%s' does not name a %s file",
				       what, a->name, a->version, a->urls[0],
				       sdist ? ".tar.gz or .zip" : ".whl");
			break;
		}
		if (!pw_store_has_blob(store, a->sha256)) {
			r = pw_err_set(e, ENOENT, "%s '%s' %s: blob %s is not in the store '%s'",
				       what, a->name, a->version, a->sha256, pw_store_dir(store));
			break;
		}
		/* a bind's "SRC:DST" and an sdist's file: url take it as it is */
		if (!pin_ok(fname, true)) {
			r = pw_err_set(e, EINVAL,
				       "%s file name '%s': expected letters, digits and . _ - + !",
				       what, fname);
			break;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(fnames[j], fname)) {
				r = pw_err_set(e, EINVAL, "two %ss have the file name '%s'", what,
					       fname);
				break;
			}
		if (r < 0)
			break;
		blob = pw_store_blob_path(store, a->sha256);
		dst = pw_xasprintf("/tmp/pinwheel-%s/%s",
				   build   ? "build"
				   : sdist ? "sdists"
					   : "wheels",
				   fname);
		r = add_bind(s, false, blob, dst, e);
		if (!build && !sdist)
			pw_buf_addf(&req, "%s==%s --hash=sha256:%s\n", a->name, a->version,
				    a->sha256);
	}
	for (i = 0; i < n; i++)
		free(fnames[i]);
	free(fnames);
	free(sorted);
	if (r == 0 && reqpath) {
		r = pw_write_file_atomic(reqpath, req.buf ? req.buf : "", req.len, 0644);
		if (r < 0)
			pw_err_sys(e, -r, "could not write '%s'", reqpath);
	}
	pw_buf_release(&req);
	return r;
}

static char *layer_options(const char *root_id, const struct pw_artifact *w, size_t n,
			   const struct pw_artifact *build, size_t nbuild)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	struct pw_artifact *sorted = pw_xcalloc(n + nbuild + 1, sizeof(*sorted));
	size_t i;

	if (n)
		memcpy(sorted, w, n * sizeof(*w));
	qsort(sorted, n, sizeof(*sorted), cmp_wheel);
	pw_buf_addf(&b, PW_PYPI_LAYER_HOW ";v1;root=%s;wheels=", root_id);
	for (i = 0; i < n; i++)
		pw_buf_addf(&b, "%s%s%s==%s@%s", i ? "," : "",
			    strcmp(sorted[i].kind, "sdist") ? "" : "sdist:", sorted[i].name,
			    sorted[i].version, sorted[i].sha256);
	if (nbuild) {
		memcpy(sorted, build, nbuild * sizeof(*build));
		qsort(sorted, nbuild, sizeof(*sorted), cmp_wheel);
		pw_buf_adds(&b, ";build=");
		for (i = 0; i < nbuild; i++)
			pw_buf_addf(&b, "%s%s==%s@%s", i ? "," : "", sorted[i].name,
				    sorted[i].version, sorted[i].sha256);
	}
	free(sorted);
	return pw_buf_detach(&b, NULL);
}


struct layer_build {
	struct pw_store *store;
	const struct pw_sandbox_spec *root;
	const char *id, *root_id, *python;
	const struct pw_artifact *wheels; /* wheels and sdists */
	size_t n;
	const struct pw_artifact *build; /* the sdists' build requirements */
	size_t nbuild;
};

/* The build's log @logp (in the work dir, which the sandbox could write)
 * kept as the store's tmp/tree-<id>.sdist-NAME-VERSION.log when it is a
 * regular file; the path kept, or NULL. */
static char *keep_log(const struct layer_build *lb, const char *logp, const struct pw_artifact *a)
{
	_cleanup_free_ char *norm = pw_pypi_normalize(a->name);
	char *kept = pw_xasprintf("%s/tmp/tree-%s.sdist-%s-%s.log", pw_store_dir(lb->store), lb->id,
				  norm, a->version);
	struct stat st;

	if (lstat(logp, &st) < 0 || !S_ISREG(st.st_mode) || rename(logp, kept) < 0) {
		free(kept);
		return NULL;
	}
	return kept;
}

/* Make a wheel of each sdist of @lb (sorted by name) into
 * /tmp/pinwheel-out/built: `pip wheel --no-index`, the build requirements
 * from /tmp/pinwheel-build (pip's isolated build environment is given the
 * same --no-index and --find-links), the sdist checked against its hash.
 * *@nbuilt: how many.  A failure names the sdist and its kept log. */
static int build_sdists(const struct layer_build *lb, struct pw_sandbox_spec *s,
			const char *work, size_t *nbuilt, struct pw_err *e)
{
	struct pw_artifact *sorted = NULL;
	size_t i, k = 0;
	int r = 0;

	*nbuilt = 0;
	for (i = 0; i < lb->n && strcmp(lb->wheels[i].kind, "sdist"); i++)
		;
	if (i == lb->n)
		return 0;
	sorted = pw_xcalloc(lb->n + 1, sizeof(*sorted));
	if (lb->n)
		memcpy(sorted, lb->wheels, lb->n * sizeof(*sorted));
	qsort(sorted, lb->n, sizeof(*sorted), cmp_wheel);
	for (i = 0; i < lb->n && r == 0; i++) {
		const struct pw_artifact *a = &sorted[i];
		_cleanup_free_ char *fname = NULL, *req = NULL, *reqp = NULL, *reqin = NULL;
		_cleanup_free_ char *logp = NULL, *login = NULL, *what = NULL;
		char *args[] = {
		    (char *)"wheel",
		    (char *)"--no-index",
		    (char *)"--find-links",
		    (char *)"/tmp/pinwheel-build",
		    (char *)"--no-deps",
		    (char *)"--require-hashes",
		    (char *)"--no-color",
		    (char *)"--progress-bar",
		    (char *)"off",
		    (char *)"--wheel-dir",
		    (char *)"/tmp/pinwheel-out/built",
		    (char *)"-r",
		    NULL,
		};

		if (strcmp(a->kind, "sdist"))
			continue;
		fname = pw_pypi_sdist_filename(a->urls[0]); /* checked by stage() */
		req = pw_xasprintf("%s @ file:///tmp/pinwheel-sdists/%s --hash=sha256:%s\n",
				   a->name, fname, a->sha256);
		reqp = pw_xasprintf("%s/sdist-%zu.txt", work, k);
		reqin = pw_xasprintf("/tmp/pinwheel-out/sdist-%zu.txt", k);
		logp = pw_xasprintf("%s/sdist-%zu.log", work, k);
		login = pw_xasprintf("/tmp/pinwheel-out/sdist-%zu.log", k);
		r = pw_write_file_atomic(reqp, req, strlen(req), 0644);
		if (r < 0) {
			pw_err_sys(e, -r, "could not write '%s'", reqp);
			break;
		}
		args[PW_ARRAY_SIZE(args) - 1] = reqin;
		what = pw_xasprintf("building the sdist '%s' %s", a->name, a->version);
		r = run_pip(s, "the Python requirements layer", lb->python, login, logp, args,
			    PW_ARRAY_SIZE(args), what, e);
		if (r == -EIO) {
			_cleanup_free_ char *kept = keep_log(lb, logp, a);
			const char *pip = strstr(e->msg, ": pip ");
			_cleanup_free_ char *why = pw_xstrdup(pip ? pip + 2 : e->msg);

			pw_err_set(e, EIO, "%s failed: %s (log: %s)", what, why,
				   kept ? kept : "not kept");
		}
		k++;
	}
	free(sorted);
	*nbuilt = k;
	return r;
}

/* pw_derived_tree_make() callback: pip installs into "tree" of a work dir
 * beside the store's temp dir of the tree (its name starts with the tree's
 * lock key, so `store gc` sweeps a stale one), whose entries then move
 * into @dirfd; the requirements and pip's log stay in the work dir.  The
 * sdists are built first (build_sdists()), then the wheels installed
 * with their hashes, then the wheels built from the sdists. */
static int build_layer(void *ud, int dirfd, json_t *record, struct pw_err *e)
{
	static const char *const fixed[] = {
	    "install",
	    "--no-index",
	    "--find-links",
	    "/tmp/pinwheel-wheels",
	    "--no-deps",
	    "--require-hashes",
	    "--no-compile",
	    "--ignore-installed",
	    "--no-warn-script-location",
	    "--no-color",
	    "--progress-bar",
	    "off",
	    "--root",
	    "/tmp/pinwheel-tree",
	    "--no-user",
	    "-r",
	    "/tmp/pinwheel-out/requirements.txt",
	};
	/* the wheels built from the sdists, by name==version: made here from
	 * sdists checked against their hashes, so none to check again */
	static const char *const built[] = {
	    "install",
	    "--no-index",
	    "--find-links",
	    "/tmp/pinwheel-out/built",
	    "--no-deps",
	    "--no-compile",
	    "--ignore-installed",
	    "--no-warn-script-location",
	    "--no-color",
	    "--progress-bar",
	    "off",
	    "--root",
	    "/tmp/pinwheel-tree",
	    "--no-user",
	};
	const struct layer_build *lb = ud;
	_cleanup_free_ char *work = NULL, *tree = NULL, *reqp = NULL, *logp = NULL, *opts = NULL;
	struct pw_sandbox_spec s;
	struct pw_seccomp_prog *prog = NULL;
	bool have_spec = false;
	size_t i, nwheels = 0, nsdists = 0;
	int r;

	work = pw_xasprintf("%s/tmp/tree-%s.work.XXXXXX", pw_store_dir(lb->store), lb->id);
	if (!mkdtemp(work)) {
		r = pw_err_sys(e, errno, "could not create '%s'", work);
		work[0] = '\0';
		return r;
	}
	tree = pw_path_join(work, "tree");
	reqp = pw_path_join(work, "requirements.txt");
	logp = pw_path_join(work, "pip.log");
	if (mkdir(tree, 0755) < 0) {
		r = pw_err_sys(e, errno, "could not create '%s'", tree);
		goto out;
	}
	for (i = 0; i < lb->n; i++)
		nwheels += !strcmp(lb->wheels[i].kind, "wheel");
	pw_lockstep_spec_copy(&s, lb->root);
	have_spec = true;
	s.net = false;
	/* pip, and any backend of an sdist (code from the index), run under
	 * a filter: the caller's, else (a layer built at fetch, whose spec
	 * has none) the build steps' profile */
	if (!s.seccomp) {
		r = pw_seccomp_for_store(pw_store_dir(lb->store), "build", false, &prog, e);
		if (r < 0) {
			pw_err_prefix(e, "the Python requirements layer");
			goto out;
		}
		s.seccomp = prog;
	}
	if (!s.source_date_epoch)
		s.source_date_epoch = pw_xstrdup("315532800");
	r = add_bind(&s, true, work, "/tmp/pinwheel-out", e);
	if (r == 0)
		r = add_bind(&s, true, tree, "/tmp/pinwheel-tree", e);
	if (r == 0)
		r = add_env(&s, "PIP_CONFIG_FILE=/dev/null", e);
	if (r == 0)
		r = add_env(&s, "PIP_DISABLE_PIP_VERSION_CHECK=1", e);
	if (r == 0)
		r = add_env(&s, "PIP_NO_CACHE_DIR=1", e);
	if (r == 0)
		r = add_env(&s, "PIP_NO_INPUT=1", e);
	if (r == 0)
		r = stage(lb->store, &s, reqp, false, lb->wheels, lb->n, e);
	if (r == 0)
		r = stage(lb->store, &s, NULL, true, lb->build, lb->nbuild, e);
	if (r == 0)
		r = build_sdists(lb, &s, work, &nsdists, e);
	/* No wheels: no pip run for them (an empty layer when no sdists). */
	if (r == 0 && nwheels > 0)
		r = run_pip(&s, "the Python requirements layer", lb->python,
			    "/tmp/pinwheel-out/pip.log", logp, (char **)fixed, PW_ARRAY_SIZE(fixed),
			    "installing the wheels", e);
	if (r == 0 && nsdists > 0) {
		char **args = pw_xcalloc(PW_ARRAY_SIZE(built) + nsdists + 1, sizeof(*args));
		size_t na = 0;

		for (i = 0; i < PW_ARRAY_SIZE(built); i++)
			args[na++] = (char *)built[i];
		for (i = 0; i < lb->n; i++)
			if (!strcmp(lb->wheels[i].kind, "sdist"))
				args[na++] = pw_xasprintf("%s==%s", lb->wheels[i].name,
							  lb->wheels[i].version);
		r = run_pip(&s, "the Python requirements layer", lb->python,
			    "/tmp/pinwheel-out/pip-built.log", logp, args, na,
			    "installing the wheels built from sdists", e);
		for (i = PW_ARRAY_SIZE(built); i < na; i++)
			free(args[i]);
		free(args);
	}
	if (r == 0)
		r = pw_store_move_entries(tree, dirfd, e);
	if (r == 0) {
		opts = layer_options(lb->root_id, lb->wheels, lb->n, lb->build, lb->nbuild);
		if (json_object_set_new(record, "pypi", json_string(opts)) < 0)
			r = pw_err_set(e, ENOMEM, "could not build the tree record");
	}
out:
	if (have_spec)
		pw_sandbox_spec_release(&s); /* the filter is borrowed: ours is freed below */
	pw_seccomp_prog_free(prog);
	pw_rm_rf(work);
	return r;
}

int pw_pypi_build_layer(struct pw_store *store, const struct pw_sandbox_spec *root,
			const char *root_id, const char *python, const struct pw_artifact *wheels,
			size_t n, const struct pw_artifact *build, size_t nbuild, char **treeid_out,
			struct pw_err *e)
{
	_cleanup_free_ char *id = NULL;
	struct layer_build lb;
	bool cached;
	size_t i;
	int r;

	*treeid_out = NULL;
	if (!python || python[0] != '/')
		return pw_err_set(e, EINVAL, "python: expected an absolute path in the root");
	if (!root_id || !*root_id)
		return pw_err_set(e, EINVAL, "root id: expected a non-empty string");
	for (i = 0; i < n + nbuild; i++) {
		const struct pw_artifact *a = i < n ? &wheels[i] : &build[i - n];
		bool sdist_ok = i < n;

		if (!a->kind ||
		    (strcmp(a->kind, "wheel") && !(sdist_ok && !strcmp(a->kind, "sdist"))))
			return pw_err_set(e, EINVAL, "artifact %zu: expected kind \"wheel\"%s", i,
					  sdist_ok ? " or \"sdist\"" : " (a build requirement)");
		if (!a->name || !a->version || a->nurls < 1 || !a->urls[0] ||
		    !pw_sha256_hex_valid(a->sha256))
			return pw_err_set(e, EINVAL,
					  "%s %zu ('%s'): expected a name, a version, a sha256 "
					  "and a url",
					  a->kind, i, a->name ? a->name : "");
	}
	id = pw_pypi_layer_id(root_id, wheels, n, build, nbuild);
	lb = (struct layer_build){store, root, id, root_id, python, wheels, n, build, nbuild};
	r = pw_derived_tree_make(store, id, PW_PYPI_LAYER_HOW, build_layer, &lb, NULL, &cached, e);
	if (r < 0)
		return r;
	*treeid_out = pw_xstrdup(id);
	return 0;
}
