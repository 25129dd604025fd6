/* hooks.c - the requirements a PEP 517 backend adds at build time
 * (get_requires_for_build_sdist, get_requires_for_build_wheel), asked at
 * lock time in the target's root with the static build requirements
 * installed, offline.  Contract in include/pinwheel/pypi.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lockstep.h"
#include "pinwheel/pypi.h"
#include "pinwheel/store.h"
#include "pinwheel/untrusted.h"

#define HOOKS_OUT "/tmp/pinwheel-out"
#define HOOKS_SRC "/tmp/pinwheel-src"
#define HOOKS_MAX (1u << 20)

/* argv: OUTDIR BACKEND [BACKEND-PATH...].  The project at HOOKS_SRC is
 * read-only: the hooks run in a copy in /tmp (setuptools writes its
 * egg-info there), as pip runs them in a copy too.  On success
 * OUTDIR/requires.json is the list; on failure OUTDIR/error is one line
 * naming the hook and its exception (exit 3), the traceback in the log. */
static const char script[] =
    "import importlib, json, os, shutil, sys, traceback\n"
    "out, backend, paths = sys.argv[1], sys.argv[2], sys.argv[3:]\n"
    "def fail(msg):\n"
    "    with open(os.path.join(out, 'error'), 'w') as f:\n"
    "        f.write(' '.join(msg.split()))\n"
    "    sys.exit(3)\n"
    "work = '/tmp/pinwheel-hooks/src'\n"
    "try:\n"
    "    shutil.copytree('" HOOKS_SRC "', work, symlinks=True,\n"
    "                    ignore=shutil.ignore_patterns('.git'))\n"
    "except Exception as x:\n"
    "    fail('could not copy the project: %s' % x)\n"
    "os.chdir(work)\n"
    "sys.path[:0] = [os.path.join(work, p) for p in paths]\n"
    "mod, _, obj = backend.partition(':')\n"
    "hook = None\n"
    "reqs = []\n"
    "try:\n"
    "    b = importlib.import_module(mod.strip())\n"
    "    for a in obj.strip().split('.') if obj.strip() else []:\n"
    "        b = getattr(b, a)\n"
    "    for hook in ('get_requires_for_build_sdist', 'get_requires_for_build_wheel'):\n"
    "        f = getattr(b, hook, None)\n"
    "        if f is None:\n"
    "            continue\n"
    "        r = f(None)\n"
    "        if not isinstance(r, (list, tuple)) or not all(isinstance(s, str) for s in r):\n"
    "            fail('%s returned %.100r, expected a list of strings' % (hook, r))\n"
    "        reqs += [s.strip() for s in r if s.strip() not in reqs]\n"
    "except SystemExit:\n"
    "    raise\n"
    "except BaseException as x:\n"
    "    traceback.print_exc()\n"
    "    what = hook or 'importing it'\n"
    "    fail('%s raised %s: %s' % (what, type(x).__name__, x))\n"
    "with open(os.path.join(out, 'requires.json'), 'w') as f:\n"
    "    json.dump(reqs, f)\n";

/* Read @name of the step's output directory @dir (bound into the
 * sandbox: untrusted.h) into @b. */
static int read_out(const char *dir, const char *name, struct pw_buf *b, struct pw_err *e)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *shown = pw_path_join(HOOKS_OUT, name);

	if (dfd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", dir);
	return pw_untrusted_read(dfd, name, shown, b, e);
}

/* requires.json: a JSON array of requirement strings -> *out. */
static int parse_list(const struct pw_buf *b, const char *what, char ***out, size_t *n,
		      struct pw_err *e)
{
	json_t *j = pw_json_load_mem(HOOKS_OUT "/requires.json", b->buf, b->len, e);
	size_t i;
	int r = 0;

	if (!j)
		return -EINVAL;
	if (!json_is_array(j)) {
		json_decref(j);
		return pw_err_set(e, EINVAL, "%s: expected a list of requirements", what);
	}
	*out = pw_xcalloc(json_array_size(j) + 1, sizeof(**out));
	for (i = 0; i < json_array_size(j); i++) {
		const char *s = json_string_value(json_array_get(j, i));

		if (!s) {
			r = pw_err_set(e, EINVAL, "%s: item %zu: expected a string", what, i);
			break;
		}
		(*out)[(*n)++] = pw_xstrdup(s);
	}
	json_decref(j);
	return r;
}

int pw_pypi_backend_requires(struct pw_store *store, const struct pw_sandbox_spec *root,
			     const char *root_id, const char *target, const char *python,
			     const struct pw_artifact *wheels, size_t nw,
			     const struct pw_pypi_backend *be, char ***out, size_t *nout,
			     struct pw_err *e)
{
	struct pw_sandbox_spec s;
	struct pw_sandbox_result res;
	struct pw_buf b = PW_BUF_INIT(HOOKS_MAX);
	_cleanup_free_ char *tmp = NULL, *logp = NULL, *treeid = NULL, *tree = NULL;
	_cleanup_free_ char *what = NULL;
	char **argv = NULL;
	int tmp_lock = -1, r;
	size_t i, na = 0;

	*out = NULL;
	*nout = 0;
	what = pw_xasprintf("the backend '%s' of %s", be->backend, target);
	/* the static requirements, as the layer fetch makes (same tree id) */
	r = pw_pypi_build_layer(store, root, root_id, python, wheels, nw, NULL, 0, &treeid, e);
	if (r < 0)
		return pw_err_prefix(e, "installing the build requirements of %s", target);
	tree = pw_store_tree_path(store, treeid);
	tmp = pw_lockstep_tmpdir("pypi-hooks", &tmp_lock, e);
	if (!tmp)
		return -errno;
	pw_lockstep_spec_copy(&s, root);
	/* first is on top: the requirements over the root */
	s.layers = pw_xrealloc(s.layers, (s.n_layers + 1) * sizeof(*s.layers));
	memmove(s.layers + 1, s.layers, s.n_layers * sizeof(*s.layers));
	s.layers[0] = pw_xstrdup(tree);
	s.n_layers++;
	s.net = false;
	r = pw_lockstep_bind(&s, true, tmp, HOOKS_OUT, e);
	if (r == 0) {
		/* the project as given may be relative ("pinwheel lock DIR") */
		_cleanup_free_ char *abs = realpath(be->srcdir, NULL);

		r = abs ? pw_lockstep_bind(&s, false, abs, HOOKS_SRC, e)
			: pw_err_sys(e, errno, "project '%s'", be->srcdir);
	}
	if (r < 0)
		goto out;
	argv = pw_xcalloc(be->npath + 8, sizeof(*argv));
	argv[na++] = (char *)python;
	argv[na++] = (char *)"-I";
	argv[na++] = (char *)"-c";
	argv[na++] = (char *)script;
	argv[na++] = (char *)HOOKS_OUT;
	argv[na++] = (char *)be->backend;
	for (i = 0; i < be->npath; i++)
		argv[na++] = be->path[i];
	logp = pw_path_join(tmp, "hooks.log");
	memset(&res, 0, sizeof(res));
	r = pw_lockstep_run(&s, argv, logp, &res, e);
	if (r < 0) {
		pw_err_prefix(e, "%s", what);
		goto out;
	}
	if (res.exited &&
	    (res.exit_code == PW_SANDBOX_EXIT_NOTFOUND || res.exit_code == PW_SANDBOX_EXIT_NOEXEC)) {
		r = pw_err_set(e, ENOENT, "root of %s has no python '%s'", target, python);
		goto out;
	}
	if (res.exited && res.exit_code == 3 && read_out(tmp, "error", &b, e) == 0) {
		pw_buf_add(&b, "", 1);
		r = pw_err_set(e, EIO, "%s: %.400s", what, b.buf);
		goto out;
	}
	if (!res.exited || res.exit_code != 0) {
		_cleanup_free_ char *line = pw_lockstep_log_line(logp, NULL);

		if (res.exited)
			r = pw_err_set(e, EIO, "%s: python exited with status %d%s%s", what,
				       res.exit_code, *line ? ": " : "", line);
		else
			r = pw_err_set(e, EIO, "%s: python killed by signal %d%s%s", what,
				       res.signal, *line ? ": " : "", line);
		goto out;
	}
	r = read_out(tmp, "requires.json", &b, e);
	if (r == 0)
		r = parse_list(&b, what, out, nout, e);
	if (r < 0) {
		pw_pypi_strings_free(*out, *nout);
		*out = NULL;
		*nout = 0;
	}
out:
	free(argv);
	pw_buf_release(&b);
	pw_sandbox_spec_release(&s);
	pw_rm_rf(tmp);
	close(tmp_lock);
	return r;
}

void pw_pypi_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
