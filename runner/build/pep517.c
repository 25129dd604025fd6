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
    "import importlib, os, sys\n"
    "hook, outdir, backend = sys.argv[1:4]\n"
    "sys.path[:0] = [os.path.join(os.getcwd(), p) for p in sys.argv[4:]]\n"
    "mod, _, obj = backend.partition(':')\n"
    "b = importlib.import_module(mod.strip())\n"
    "for a in obj.strip().split('.') if obj.strip() else []:\n"
    "    b = getattr(b, a)\n"
    "print('pinwheel: calling %s.%s' % (backend, hook), flush=True)\n"
    "name = getattr(b, hook)(outdir, {})\n"
    "print('pinwheel: %s returned %r' % (hook, name), flush=True)\n";



char **pw_pep517_argv(const char *python, const char *hook, const char *outdir,
		      const struct pw_pep517 *p)
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
	for (size_t i = 0; i < np; i++)
		v[n++] = pw_xstrdup(p->path[i]);
	v[n] = NULL;
	return v;
}
