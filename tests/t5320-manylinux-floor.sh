#!/bin/sh
# t5320-manylinux-floor: "manylinux": "2014" on a trixie root (glibc 2.41):
# the ziglang wheel pinned by the lock (layer zig-x86_64-linux-gnu.2.17),
# a C extension linked by `zig cc` against glibc 2.17's symbol versions,
# the wheel tagged manylinux_2_17 + manylinux2014 as PyPI's are, and
# `pinwheel audit --json` agreeing (no GLIBC version above 2.17).  A
# project that links with the root's gcc instead (env CC) and needs a newer
# symbol fails the floor with one line naming the member and the version.
# Without the key the floor is "2014"; "native" pins no Zig.
# The Debian root comes from the shared store as in t5311; the lock asks
# the index pip uses for ziglang 0.17.1.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp313-manylinux_x86_64
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned target is x86_64"
plan 26

P="$T/p"
mkdir -p "$P"
# config MANYLINUX [ENV]: pinwheel.json of the one-extension project
config() {
	cat >"$P/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {"3.13": {"base": {"debian": {"suite": "trixie",
     "packages": ["build-essential", "python3.13-dev", "python3.13-venv", "python3-pip"]}}}},
  "platforms": ["manylinux_x86_64"],${1:+
  \"manylinux\": $1,}
  "build_requires": ["setuptools==84.2.1", "wheel==0.48.0"],
  "env": {${2:-}},
  "test": {"command": "python -c 'import cext; assert cext.add(2, 3) == 5'", "old_root": false}
}
JSON
}
cat >"$P/pyproject.toml" <<'EOF2'
[build-system]
requires = ["setuptools", "wheel"]
build-backend = "setuptools.build_meta"
[project]
name = "cext"
version = "1.0"
EOF2
cat >"$P/setup.py" <<'EOF2'
from setuptools import setup, Extension
setup(ext_modules=[Extension("cext", ["cext.c"])])
EOF2
cat >"$P/cext.c" <<'EOF2'
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
static PyObject *add(PyObject *self, PyObject *args)
{
	long a, b;
	if (!PyArg_ParseTuple(args, "ll", &a, &b))
		return NULL;
	return PyLong_FromLong(a + b + (pthread_self() == 0));
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&mod); }
EOF2

config '2014'
run_pw 2 "a number for a floor" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:6:3: manylinux: expected a floor \\(\"2014\", \"2_28\", \\.\\.\\.\\) or an object, got an integer$" \
	"a number is refused at its key"
config '{"default": "2010"}'
run_pw 2 "a floor below 2_17" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:6:28: manylinux.default: expected \"2014\", \"2_17\", \"2_28\", \\.\\.\\. \\(a manylinux policy from 2_17 to 2_41\\) or \"native\", got '2010'$" \
	"manylinux2010 is refused with the floors there are"

# the default is "2014"; "native" has no zig layer
config ''
run_pw 0 "lock without the key" lock "$P"
grep -q '"name": "zig-x86_64-linux-gnu.2.17"' "$P/pinwheel.lock"
ok $? "the default floor is manylinux2014: the layer zig-x86_64-linux-gnu.2.17"
config '"native"'
run_pw 0 "lock with \"native\"" lock "$P"
grep -q '"how": "zig"' "$P/pinwheel.lock"
ok $((!$?)) "\"native\" pins no Zig"

config '{"default": "2014", "zig": "ziglang==0.17.1"}'
run_pw 0 "lock with the floor" lock "$P"
grep -q '"name": "zig-x86_64-linux-gnu.2.17"' "$P/pinwheel.lock" &&
	grep -q '"how": "zig"' "$P/pinwheel.lock" &&
	grep -q '"name": "ziglang"' "$P/pinwheel.lock"
ok $? "the lock pins ziglang as the layer zig-x86_64-linux-gnu.2.17"

run_pw 0 "build with the floor" build "$P" --no-cache --out "$T/out"
like "$OUT" "^$TGT +ok +passed .* cext-1\\.0-cp313-cp313-manylinux_2_17_x86_64\\.manylinux2014_x86_64\\.whl" \
	"tagged manylinux_2_17 and manylinux2014, smoke test passed"
grep -q "^/opt/pinwheel/zig-cc/cc .* -c cext.c" "$T/out/logs/$TGT.log"
ok $? "setuptools compiled with the zig cc wrapper"
W=$(ls "$T/out"/cext-*.whl)
run_pw 0 "audit --json" --json audit "$W"
MAX=$(printf '%s' "$OUT" | python3 -c '
import json, sys
v = [tuple(int(x) for x in s.split("_", 1)[1].split("."))
     for w in json.load(sys.stdin)["wheels"] for e in w["elfs"]
     for lib in e["versions"].values() for s in lib if s.startswith("GLIBC_")]
print(".".join(map(str, max(v))) if v else "none")')
case $MAX in none | 2.[0-9] | 2.1[0-7] | 2.[0-9].* | 2.1[0-7].*) r=0 ;; *) r=1 ;; esac
ok $r "the extension needs no GLIBC version above 2.17 (max: $MAX)"

# the same project built again: the same bytes
run_pw 0 "build again" build "$P" --no-cache --out "$T/out2"
cmp -s "$W" "$T/out2/$(basename "$W")"
ok $? "zig's output is byte-reproducible"

# the root's gcc instead of zig: a glibc 2.32 function breaks the floor
cat >"$P/cext.c" <<'EOF2'
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <signal.h>
static PyObject *add(PyObject *self, PyObject *args)
{
	pthread_attr_t a;
	sigset_t s;
	pthread_attr_init(&a);
	return PyLong_FromLong(pthread_attr_getsigmask_np(&a, &s));
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&mod); }
EOF2
config '{"default": "2014", "zig": "ziglang==0.17.1"}' '"CC": "gcc", "LDSHARED": "gcc -shared"'
run_pw 1 "the root's gcc over the floor" build "$P" --no-cache --out "$T/out3"
like "$ERR" "^pinwheel: build: $TGT: audit: the wheel does not fit manylinux_2_17 \\(best: manylinux_2_[0-9]+_x86_64\\): 'cext\\.cpython-313-x86_64-linux-gnu\\.so' needs GLIBC_2\\.3[24] from libc\\.so\\.6 \\(log: " \
	"one line naming the member and the version above the floor"
ls "$T/out3"/*.whl >/dev/null 2>&1
ok $((!$?)) "no wheel published"

# OpenMP under the floor: Zig has none; the failure says what to do
cat >"$P/cext.c" <<'EOF2'
#include <omp.h>
int cext_threads(void) { return omp_get_max_threads(); }
EOF2
config '{"default": "2014", "zig": "ziglang==0.17.1"}'
run_pw 1 "an OpenMP project under the floor" build "$P" --no-cache --out "$T/out4"
like "$ERR" "first error: .*'omp\\.h' file not found" "the first error is the missing omp.h"
like "$ERR" "^$TGT: hint: the manylinux floor's compiler \\(Zig\\) has no OpenMP; build this project with \"manylinux\": \"native\" " \
	"a hint names \"native\""

# ppc64le: Zig has no glibc 2.17 there; the lock says so before any build
cat >"$P/pinwheel.json" <<'JSON'
{
  "version": 1,
  "python": {"3.11": {"base": {"debian": {"suite": "bookworm",
     "packages": ["python3.11-dev"]}}}},
  "platforms": ["manylinux_ppc64le"],
  "manylinux": "2014",
  "test": {"old_root": false}
}
JSON
rm -f "$P/pinwheel.lock"
run_pw 1 "a 2014 floor on ppc64le" lock "$P"
like "$ERR" "^pinwheel: lock: manylinux: cp311-manylinux_ppc64le: Zig provides glibc for ppc64le from 2\\.19 on, not the floor's 2\\.17: give \"manylinux_ppc64le\": \"2_24\" or newer, or \"native\"$" \
	"one line naming the oldest glibc Zig has there"
ls "$P/pinwheel.lock" >/dev/null 2>&1
ok $((!$?)) "no lock written"
