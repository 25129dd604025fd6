#!/bin/sh
# t5324-cpython-source: a free-threaded "3.13t" target on a trixie base,
# which Debian does not package: `lock` pins the upstream tarball from
# trixie's Sources index (python3.13_3.13.5.orig.tar.xz) and the build
# dependencies into the layer cpython-3.13t-amd64 (configure gets
# --disable-gil); `fetch` builds the interpreter in the sandbox into a
# store tree at /opt/python/cp313-cp313t, and a second fetch builds
# nothing (the store's); a C extension declaring Py_MOD_GIL_NOT_USED is
# built into a cp313-cp313t wheel and the smoke test imports it with the
# GIL still off.  A configure that fails names the step, the kept log and
# its last line, and leaves no tree.  The `cpython` key's errors are one
# line at their position.
#
# Runtime: the interpreter is a slim test build (test modules, _decimal,
# the CJK codecs and _elementtree left out, OPT=-O1, only zlib1g-dev:
# docs/debian.md): about 4 minutes on two busy cores the first time on a
# machine; it lives in the shared store (as t5320's roots), so later runs
# take seconds.  The lock reads the Debian mirror of apt's configuration.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp313t-manylinux_x86_64
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned target is x86_64"
plan 23

P="$T/p"
mkdir -p "$P/_backend"
SLIM='"--disable-test-modules", "OPT=-DNDEBUG -O1",
       "py_cv_module__decimal=n/a", "py_cv_module__elementtree=n/a",
       "py_cv_module__multibytecodec=n/a", "py_cv_module__codecs_cn=n/a",
       "py_cv_module__codecs_hk=n/a", "py_cv_module__codecs_iso2022=n/a",
       "py_cv_module__codecs_jp=n/a", "py_cv_module__codecs_kr=n/a",
       "py_cv_module__codecs_tw=n/a"'
# config CPYTHON: pinwheel.json with the base's "cpython" member CPYTHON
config() {
	cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.13t": {"base": {"debian": {"suite": "trixie", "packages": ["build-essential"],
   "cpython": $1}}}},
 "platforms": ["manylinux_x86_64"],
 "manylinux": "native",
 "test": {"command": "python -c 'import sys, cext; assert cext.add(2, 3) == 5; assert not sys._is_gil_enabled(); print(\"gil off\", sys.version)'"}}
JSON
}
cat >"$P/pyproject.toml" <<'EOF'
[project]
name = "cext"
version = "1.0"

[build-system]
requires = []
build-backend = "cbackend"
backend-path = ["_backend"]
EOF
# a PEP 517 backend that compiles cext.c with the interpreter's own flags
# and tags the wheel with its ABI (cp313t when Py_GIL_DISABLED)
cat >"$P/_backend/cbackend.py" <<'EOF'
import base64, hashlib, io, os, subprocess, sys, sysconfig, tarfile, zipfile

FILES = ["pyproject.toml", "_backend/cbackend.py", "cext.c"]


def build_sdist(outdir, config_settings=None):
    with tarfile.open(os.path.join(outdir, "cext-1.0.tar.gz"), "w:gz") as t:
        for f in FILES:
            t.add(f, arcname=f"cext-1.0/{f}")
        pkg = b"Metadata-Version: 2.1\nName: cext\nVersion: 1.0\n"
        ti = tarfile.TarInfo("cext-1.0/PKG-INFO")
        ti.size = len(pkg)
        t.addfile(ti, io.BytesIO(pkg))
    return "cext-1.0.tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    v = sys.version_info
    abi = f"cp{v[0]}{v[1]}" + ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") else "")
    tag = f"cp{v[0]}{v[1]}-{abi}-" + sysconfig.get_platform().replace("-", "_").replace(".", "_")
    so = "cext" + sysconfig.get_config_var("EXT_SUFFIX")
    subprocess.check_call([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O2",
                           "-I" + sysconfig.get_paths()["include"], "cext.c", "-o", "/tmp/" + so])
    di = "cext-1.0.dist-info"
    files = {so: open("/tmp/" + so, "rb").read(),
             f"{di}/METADATA": b"Metadata-Version: 2.1\nName: cext\nVersion: 1.0\n",
             f"{di}/WHEEL": f"Wheel-Version: 1.0\nGenerator: cbackend\nRoot-Is-Purelib: false\nTag: {tag}\n".encode()}
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
    name = f"cext-1.0-{tag}.whl"
    with zipfile.ZipFile(os.path.join(outdir, name), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return name
EOF
cat >"$P/cext.c" <<'EOF'
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
static PyModuleDef_Slot slots[] = {
#ifdef Py_GIL_DISABLED
	{Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
	{0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, 0, methods, slots};
PyMODINIT_FUNC PyInit_cext(void) { return PyModuleDef_Init(&mod); }
EOF

# ---- the key's errors ----
config '{"configure": ["--prefix=/x", "rm -rf /"]}'
run_pw 2 "a configure argument that is neither option nor variable" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:3:45: python.3.13t.base.debian.cpython.configure\\[1\\]: expected a configure argument \"--NAME\\[=VALUE\\]\" or \"NAME=VALUE\" \\(printable ASCII\\), got 'rm -rf /'$" \
	"the argument is named at its position"
config '{"source": {"url": "https://mirror.example/Python-3.13.5.tar.xz", "sha256": "00"}}'
run_pw 2 "a source archive with a short sha256" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:3:81: python.3.13t.base.debian.cpython.source: 'sha256' must be 64 lowercase hex digits$" \
	"the source's sha256 is checked"
config '{"sources": "debian"}'
run_pw 2 "an unknown key" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:3:16: python.3.13t.base.debian.cpython: unknown key 'sources' \\(did you mean 'source'\\?\\)$" \
	"an unknown key gets a suggestion"

# ---- lock: the tarball from trixie's Sources, the layer ----
config "{\"packages\": [\"build-essential\", \"zlib1g-dev\"], \"configure\": [$SLIM]}"
run_pw 0 "lock" lock "$P"
python3 - "$P/pinwheel.lock" >"$T/lock.txt" <<'EOF'
import json, sys
l = json.load(open(sys.argv[1]))
src = [a for a in l["artifacts"] if a["kind"] == "archive"]
for a in src:
    print("archive", a["name"], a["version"], a["sha256"], a["size"], a["urls"][0].endswith("/pool/main/p/python3.13/" + a["name"]))
for y in l["roots"]["cp313t-manylinux_x86_64"]["layers"]:
    print("layer", y["name"], y["how"], y["dest"], y["artifacts"][0] in [a["sha256"] for a in src], (y.get("configure") or ["-"])[0])
EOF
is "$(cat "$T/lock.txt")" "archive python3.13_3.13.5.orig.tar.xz 3.13.5 93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640 22856016 True
layer debian-trixie-amd64 debian-root / False -
layer cpython-3.13t-amd64 cpython / True --disable-gil" \
	"the orig tarball of trixie's python3.13 is pinned first in the layer cpython-3.13t-amd64, configured --disable-gil"

# ---- fetch: built once, then the store's ----
t0=$(date +%s)
run_pw 0 "fetch builds the interpreter (or finds it in the shared store)" --json fetch "$P"
t1=$(date +%s)
diag "first fetch: $((t1 - t0)) s"
run_pw 0 "fetch again" --json fetch "$P"
printf '%s\n' "$OUT" | grep '"event":"root"' | grep -q '"built":0,'
ok $? "the second fetch builds nothing: the interpreter is the store's"
run_pw 0 "the interpreter runs in the target's root" run --target "$TGT" "$P" -- \
	/opt/python/cp313-cp313t/bin/python -c 'import sys, sysconfig; print(sysconfig.get_config_var("Py_GIL_DISABLED"), sys._is_gil_enabled(), sys.prefix)'
is "$OUT" "1 False /opt/python/cp313-cp313t" "free-threaded, the GIL off, at the manylinux prefix"
run_pw 0 "pip came from the tarball (ensurepip, offline)" run --target "$TGT" "$P" -- \
	/opt/python/cp313-cp313t/bin/python -m pip --version
like "$OUT" "^pip 25\\.1\\.1 from /opt/python/cp313-cp313t/lib/python3\\.13t/site-packages/pip" "the bundled pip 25.1.1"

# ---- build: a cp313t wheel, smoke-tested ----
run_pw 0 "build the C extension for cp313t" build "$P" --no-cache --out "$T/out"
W=$(cd "$T/out" 2>/dev/null && ls ./*.whl 2>/dev/null)
like "$W" "^\\./cext-1\\.0-cp313-cp313t-manylinux_2_[0-9]+_x86_64(\\.manylinux[0-9]+_x86_64)?\\.whl$" "the wheel is tagged cp313-cp313t"
grep -q '"cp313t-manylinux_x86_64"' "$T/out/pinwheel-manifest.json"
ok $? "the manifest names the target"
grep -q "^gil off 3\\.13\\.5 .*experimental free-threading build" "$T/out/logs/$TGT.log"
ok $? "the smoke test imported cext in the venv of the built interpreter with the GIL off"

# ---- a build that fails: one line, the log kept, no tree ----
config "{\"packages\": [\"build-essential\", \"zlib1g-dev\"], \"configure\": [\"--with-trace-refs\", $SLIM]}"
run_pw 0 "lock a configure that cannot work" lock "$P"
run_pw 1 "fetch fails in configure" fetch "$P"
like "$ERR" "layer 'cpython-3\\.13t-amd64': the CPython 3\\.13t build \\(amd64\\): configure exited with status 1 \\(log: $SHARED_STORE/cache/cpython/[0-9a-f]{64}\\.log\\): configure: error: --disable-gil cannot be used with --with-trace-refs$" \
	"the error names the step, the kept log and its last line"
LOG=$(printf '%s\n' "$ERR" | sed -n 's/.*(log: \([^)]*\)).*/\1/p' | head -1)
ID=$(basename "$LOG" .log)
[ -f "$LOG" ] && [ ! -e "$SHARED_STORE/trees/$ID" ] && grep -q "checking for --disable-gil" "$LOG"
ok $? "the log is kept and no tree was made"
