/* pep517.c - the PEP 517 side of a build: the short Python frontend that
 * calls the hooks of the backend the project names (read in C by
 * lib/pyproject.c, so the in-sandbox frontend needs no TOML reader;
 * include/pinwheel/build.h). */
#include <string.h>

#include "pinwheel/build.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"


/* The frontend, run as `python -c FRONTEND HOOK OUTDIR BACKEND PATH...`
 * with /src as its working directory (as pip runs backends: not -I, whose
 * -E would drop PYTHONHASHSEED); the backend path goes first on sys.path
 * as PEP 517 asks. */
static const char frontend[] =
    "import importlib, json, os, sys\n"
    "hook, outdir, backend, user = sys.argv[1:5]\n"
    "sys.path[:0] = [os.path.join(os.getcwd(), p) for p in sys.argv[5:]]\n"
    "mod, _, obj = backend.partition(':')\n"
    "b = importlib.import_module(mod.strip())\n"
    "for a in obj.strip().split('.') if obj.strip() else []:\n"
    "    b = getattr(b, a)\n"
    /* a fixed build directory for the backends that make a random one
     * (tempfile): the compilers run in it, so the compile cache's key
     * (which holds the working directory) is the same from build to
     * build; meson-python before 0.13 calls it builddir */
    "cs = {}\n"
    "if hook == 'build_wheel' and mod.strip() == 'mesonpy':\n"
    "    v = tuple(int(x) for x in (getattr(b, '__version__', '0.13').split('.') + ['0'])[:2] if x.isdigit())\n"
    "    cs['build-dir' if v >= (0, 13) else 'builddir'] = '" PW_PEP517_BUILD_DIR "'\n"
    "elif hook == 'build_wheel' and mod.strip() == 'scikit_build_core.build':\n"
    "    cs['build-dir'] = '" PW_PEP517_BUILD_DIR "'\n"
    "cs.update(json.loads(user))\n"
    "print('pinwheel: calling %s.%s%s' % (backend, hook, ' with config settings %r' % cs if cs else ''), flush=True)\n"
    "name = getattr(b, hook)(outdir, cs)\n"
    "print('pinwheel: %s returned %r' % (hook, name), flush=True)\n";

const char *pw_pep517_frontend(void)
{
	return frontend;
}

char **pw_pep517_argv(const char *python, const char *hook, const char *outdir,
		      const struct pw_pep517 *p, const char *settings)
{
	size_t np = 0, n = 0;
	char **v;

	while (p->path && p->path[np])
		np++;
	v = pw_xcalloc(np + 8, sizeof(char *));
	v[n++] = pw_xstrdup(python);
	v[n++] = pw_xstrdup("-c");
	v[n++] = pw_xstrdup(frontend);
	v[n++] = pw_xstrdup(hook);
	v[n++] = pw_xstrdup(outdir);
	v[n++] = pw_xstrdup(p->backend);
	v[n++] = pw_xstrdup(settings ? settings : "{}");
	for (size_t i = 0; i < np; i++)
		v[n++] = pw_xstrdup(p->path[i]);
	v[n] = NULL;
	return v;
}
