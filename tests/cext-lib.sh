# tests/cext-lib.sh - the one-extension setuptools project of the build
# tests (sourced after tests/lib.sh).
# cext_files DIR [REQUIRES]: DIR/pyproject.toml (cext 1.0; build-system
# requires REQUIRES, default "setuptools", "wheel"), DIR/setup.py and
# DIR/cext.c, a module cext whose add(a, b) returns a + b.
cext_files() {
	_req=${2:-'"setuptools", "wheel"'}
	mkdir -p "$1" || return 1
	cat >"$1/pyproject.toml" <<EOF2
[build-system]
requires = [$_req]
build-backend = "setuptools.build_meta"
[project]
name = "cext"
version = "1.0"
EOF2
	cat >"$1/setup.py" <<'EOF2'
from setuptools import setup, Extension
setup(ext_modules=[Extension("cext", ["cext.c"])])
EOF2
	cat >"$1/cext.c" <<'EOF2'
#define PY_SSIZE_T_CLEAN
#include <Python.h>
static PyObject *add(PyObject *self, PyObject *args)
{
	long a, b;
	if (!PyArg_ParseTuple(args, "ll", &a, &b))
		return NULL;
	return PyLong_FromLong(a + b);
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&mod); }
EOF2
}
