#!/bin/sh
# t5321-floor-foreign: the manylinux floor of a foreign target.  An aarch64
# target (bookworm arm64 root under its own qemu) with "manylinux":
# "2014": the lock pins this machine's (x86_64) ziglang wheel, found by
# the target's emulated pip with --platform, as the layer
# zig-aarch64-linux-gnu.2.17; in "cross" mode (the default) the C
# extension is compiled by that Zig run natively with -target
# aarch64-linux-gnu.2.17, tagged manylinux_2_17_aarch64.manylinux2014_aarch64
# and smoke-tested under qemu; `pinwheel audit --json` finds no GLIBC
# version above 2.17.  "emulate" uses the same host Zig (the only
# difference is that the rest of the build runs emulated), so its wheel
# is the same bytes; `pinwheel verify` finds the target reproducible.
# The Debian roots come from the shared store as in t5320; the lock asks
# the index pip uses for ziglang 0.17.1.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp311-manylinux_aarch64
WHL=cext-1.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned targets are for an x86_64 host"
case $(uname -r) in
[0-5].* | 6.[0-6].* | 6.[0-6]) skip_all "binfmt_misc in a user namespace needs Linux 6.7 (this is $(uname -r))" ;;
esac
plan 18

P="$T/p"
mkdir -p "$P"
# config [FOREIGN]: pinwheel.json of the one-extension project, aarch64 only
config() {
	cat >"$P/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {"3.11": {"base": {"debian": {"suite": "bookworm",
     "packages": ["build-essential", "python3.11-dev", "python3.11-venv", "python3-pip"]}}}},
  "platforms": ["manylinux_aarch64"],${1:+
  \"foreign\": \"$1\",}
  "manylinux": {"default": "2014", "zig": "ziglang==0.17.1"},
  "build_requires": ["setuptools==84.2.1", "wheel==0.48.0"],
  "test": {"command": "python -c 'import cext, platform; assert cext.add(2, 3) == 5; print(\"ON\", platform.machine())'",
    "old_root": false}
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
# zig_wheel: the file name of the ziglang wheel of the layer zig-* in the lock
zig_wheel() {
	python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))
layers = [x for x in l["roots"][sys.argv[2]]["layers"] if x["how"] == "zig"]
arts = {a["sha256"]: a for a in l["artifacts"]}
print(" ".join(x["name"] + ":" + arts[x["artifacts"][0]]["urls"][0].rsplit("/", 1)[1] for x in layers))' \
		"$P/pinwheel.lock" "$TGT"
}

config
run_pw 0 "lock the aarch64 target with a floor" lock "$P"
like "$(zig_wheel)" "^zig-aarch64-linux-gnu\\.2\\.17:ziglang-0\\.17\\.1-py3-none-[a-z0-9_.]*manylinux[a-z0-9_]*_x86_64[a-z0-9_.]*\\.whl$" \
	"the layer zig-aarch64-linux-gnu.2.17 holds this machine's (x86_64) ziglang wheel"
grep -q '"name": "debian-bookworm-cross-amd64"' "$P/pinwheel.lock"
ok $? "cross mode keeps its cross layer (the host's rustc and cargo)"

run_pw 0 "build in cross mode" build "$P" --no-action-cache --out "$T/out"
like "$OUT" "^$TGT +ok +passed .* $WHL" "tagged manylinux_2_17 and manylinux2014 for aarch64, smoke test passed"
grep -q "^/opt/pinwheel/zig-cc/cc .* -c cext.c" "$T/out/logs/$TGT.log"
ok $? "setuptools compiled with the zig cc wrapper"
grep -q "^ON aarch64$" "$T/out/logs/$TGT.log"
ok $? "the smoke test imported it on (emulated) aarch64"
run_pw 0 "audit --json" --json audit "$T/out/$WHL"
MAX=$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)["wheels"][0]
v = [tuple(int(x) for x in s.split("_", 1)[1].split("."))
     for e in d["elfs"] for lib in e["versions"].values() for s in lib if s.startswith("GLIBC_")]
print(".".join(map(str, max(v))) if v else "none")')
case $MAX in none | 2.[0-9] | 2.1[0-7] | 2.[0-9].* | 2.1[0-7].*) r=0 ;; *) r=1 ;; esac
ok $r "the aarch64 extension needs no GLIBC version above 2.17 (max: $MAX)"
ARCH=$(unzip -p "$T/out/$WHL" 'cext.cpython-311-aarch64-linux-gnu.so' | od -An -tu2 -j18 -N2 | tr -d ' ')
is "$ARCH" 183 "the extension is an aarch64 ELF (e_machine 183)"

# emulate: the same host Zig, the same object, the same wheel
config emulate
run_pw 0 "relock in emulate mode" lock "$P"
like "$(zig_wheel)" "^zig-aarch64-linux-gnu\\.2\\.17:ziglang-0\\.17\\.1-py3-none-[a-z0-9_.]*_x86_64[a-z0-9_.]*\\.whl$" \
	"emulate pins the same host ziglang"
grep -q '"name": "debian-bookworm-cross-amd64"' "$P/pinwheel.lock"
ok $((!$?)) "and no cross layer"
run_pw 0 "build in emulate mode" build "$P" --no-action-cache --out "$T/oute"
like "$OUT" "^$TGT +ok +passed .* $WHL" "tagged the same"
cmp -s "$T/out/$WHL" "$T/oute/$WHL"
ok $? "cross and emulate give the same bytes with the floor (one compiler: the host's Zig)"

# reproducible: verify rebuilds under varied outer conditions
run_pw 0 "verify the emulated target" verify "$P" --out "$T/outv"
like "$OUT" "^$TGT +reproducible " "verify finds it reproducible"
