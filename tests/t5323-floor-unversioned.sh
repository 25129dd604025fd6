#!/bin/sh
# t5323-floor-unversioned: a glibc function newer than the floor links as an
# unversioned import with zig's glibc 2.17 stubs (a Python extension links
# with undefined symbols allowed); the audit resolves it against the target
# root's glibc (trixie, 2.41) and the build with the "2014" floor fails
# naming the symbol, the library, the version it appeared in and the
# member.  The same call through a weak reference checked for NULL is
# legitimate: the wheel is manylinux2014 and its smoke test passes.
# `pinwheel audit --root DIR` does the same outside a build, on a wheel
# made here with `cc -nostdlib` (its imports carry no version) against this
# machine's own glibc, in text and --json; `pinwheel repair --root` too.
# The Debian root comes from the shared store as in t5320; the lock asks
# the index pip uses for ziglang 0.17.1.  No old root ("old_root": false):
# the weak reference is the point, t5325 shows the old root.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp313-manylinux_x86_64
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned target is x86_64"
command -v cc >/dev/null || skip_all "no cc to build the hand-made wheel"
plan 23

# ---- pinwheel audit --root on a hand-made wheel ----
mkdir -p "$T/w"
cat >"$T/w/sig.c" <<'EOF2'
extern int pthread_attr_getsigmask_np(const void *, void *);
extern long getrandom(void *, unsigned long, unsigned);
extern int _dl_find_object(void *, void *) __attribute__((weak));
extern void *PyLong_FromLong(long);
void *PyInit_sig(void)
{
	char a[64], s[128];
	return PyLong_FromLong(pthread_attr_getsigmask_np(a, s) + getrandom(s, 1, 0) +
			       (_dl_find_object ? 1 : 0));
}
EOF2
cc -shared -fPIC -nostdlib -o "$T/w/sig.cpython-311-x86_64-linux-gnu.so" "$T/w/sig.c"
ok $? "cc -nostdlib built an extension whose imports carry no version"
WHL="$T/w/sig-1.0-cp311-cp311-linux_x86_64.whl"
python3 - "$T/w/sig.cpython-311-x86_64-linux-gnu.so" "$WHL" <<'EOF2'
import base64, hashlib, sys, zipfile
so, whl = sys.argv[1], sys.argv[2]
files = {
    "sig.cpython-311-x86_64-linux-gnu.so": open(so, "rb").read(),
    "sig-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: sig\nVersion: 1.0\n",
    "sig-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: t5323\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n",
}
rec = []
with zipfile.ZipFile(whl, "w") as z:
    for n, b in files.items():
        z.writestr(n, b)
        d = base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
        rec.append(f"{n},sha256={d},{len(b)}")
    rec.append("sig-1.0.dist-info/RECORD,,")
    z.writestr("sig-1.0.dist-info/RECORD", "\n".join(rec) + "\n")
EOF2

run_pw 0 "audit without --root" audit "$WHL"
is "$OUT" "sig-1.0-cp311-cp311-linux_x86_64.whl: manylinux_2_5_x86_64 (alias manylinux1_x86_64)" \
	"without a root only the wheel is read: the unversioned imports are not checked"

run_pw 0 "audit --root /" audit --root / "$WHL"
like "$OUT" "^sig-1\\.0-cp311-cp311-linux_x86_64\\.whl: manylinux_2_34_x86_64$" \
	"with this machine's glibc: the best policy is one from glibc 2.32 on"
like "$OUT" "  not manylinux_2_26 \\.\\. manylinux_2_31: unversioned pthread_attr_getsigmask_np \\(GLIBC_2\\.32, libc\\.so\\.6\\) \\[in sig\\.cpython-311-x86_64-linux-gnu\\.so\\]" \
	"2_26 to 2_31 fail on pthread_attr_getsigmask_np alone"
like "$OUT" "  not manylinux_2_5 \\.\\. manylinux_2_24: unversioned getrandom \\(GLIBC_2\\.25, libc\\.so\\.6\\), pthread_attr_getsigmask_np \\(GLIBC_2\\.32, libc\\.so\\.6\\) \\[in sig" \
	"the older ones on getrandom too"
like "$OUT" "  weak, not counted: _dl_find_object \\(GLIBC_2\\.35, libc\\.so\\.6\\) \\[in sig\\.cpython-311-x86_64-linux-gnu\\.so\\]$" \
	"the weak reference newer than the tag is shown, not counted"

run_pw 0 "audit --json --root /" --json audit --root / "$WHL"
R=$(printf '%s' "$OUT" | python3 -c '
import json, sys
w = json.load(sys.stdin)["wheels"][0]
r = [x for x in w["reasons"] if x["policy"] == "manylinux_2_17"]
print(w["glibc_root"], w["policy"],
      " ".join(sorted("%s:%s:%s:%s" % (x["kind"], x["symbol"], x["version"], x["library"]) for x in r)),
      " ".join("%s:%s:%s" % (i["symbol"], i["since"], i["weak"]) for i in w["elfs"][0]["glibc_unversioned"]))')
is "$R" "--root / manylinux_2_34 unversioned:getrandom:GLIBC_2.25:libc.so.6 unversioned:pthread_attr_getsigmask_np:GLIBC_2.32:libc.so.6 _dl_find_object:GLIBC_2.35:True getrandom:GLIBC_2.25:False pthread_attr_getsigmask_np:GLIBC_2.32:False" \
	"--json: the reasons of kind unversioned and each member's glibc imports"

run_pw 2 "--root that is not a directory" audit --root "$T/none" "$WHL"
is "$ERR" "pinwheel: audit: --root '$T/none': not a directory" "a missing --root is a usage error"
run_pw 1 "--root without a libc" audit --root "$T/w" "$WHL"
like "$ERR" "^pinwheel: audit: sig-1\\.0-cp311-cp311-linux_x86_64\\.whl: no libc\\.so\\.6 for x86_64 in --root $T/w: libc\\.so\\.6: not found in the root's library path \\(/lib/x86_64-linux-gnu, " \
	"a root without the wheel's libc is a failure naming it"

# repair: the same check with --root (nothing to vendor, no lock needed)
run_pw 1 "repair --root / --plat manylinux2014" repair --root / --plat manylinux2014 -w "$T/rep" "$WHL"
is "$ERR" "pinwheel: repair: $WHL: the wheel does not fit manylinux_2_17 (best: manylinux_2_34_x86_64): 'sig.cpython-311-x86_64-linux-gnu.so' calls getrandom, which libc.so.6 has only since GLIBC_2.25 (manylinux_2_17 allows up to GLIBC_2.17)" \
	"repair refuses the floor naming the first call (by name)"
run_pw 0 "repair --root /" repair --root / -w "$T/rep" "$WHL"
like "$OUT" "^wrote $T/rep/sig-1\\.0-cp311-cp311-manylinux_2_34_x86_64\\.whl \\(manylinux_2_34_x86_64\\)$" \
	"repair tags the best policy the unversioned imports allow"

# ---- the floor build ----
P="$T/p"
mkdir -p "$P"
cat >"$P/pinwheel.json" <<'JSON'
{
  "version": 1,
  "python": {"3.13": {"base": {"debian": {"suite": "trixie",
     "packages": ["build-essential", "python3.13-dev", "python3.13-venv", "python3-pip"]}}}},
  "platforms": ["manylinux_x86_64"],
  "manylinux": {"default": "2014", "zig": "ziglang==0.17.1"},
  "build_requires": ["setuptools==84.2.1", "wheel==0.48.0"],
  "test": {"command": "python -c 'import cext; assert cext.mask() in (0, 1)'", "old_root": false}
}
JSON
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
# cext.c WEAK: pthread_attr_getsigmask_np (glibc 2.32), declared here
# (WEAK: as a weak reference, called only when the loader found it)
cext() {
	cat >"$P/cext.c" <<EOF2
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <signal.h>
extern int pthread_attr_getsigmask_np(const pthread_attr_t *, sigset_t *) $1;
static PyObject *mask(PyObject *self, PyObject *args)
{
	pthread_attr_t a;
	sigset_t s;
	pthread_attr_init(&a);
	if ($2)
		return PyLong_FromLong(pthread_attr_getsigmask_np(&a, &s) == 0);
	return PyLong_FromLong(0);
}
static PyMethodDef methods[] = {{"mask", mask, METH_NOARGS, "mask"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&mod); }
EOF2
}

cext "" 1
run_pw 1 "a 2.32 function under the 2014 floor" build "$P" --no-cache --out "$T/out1"
like "$ERR" "^pinwheel: build: $TGT: audit: the wheel does not fit manylinux_2_17 \\(best: manylinux_2_34_x86_64\\): 'cext\\.cpython-313-x86_64-linux-gnu\\.so' calls pthread_attr_getsigmask_np, which libc\\.so\\.6 has only since GLIBC_2\\.32 \\(manylinux_2_17 allows up to GLIBC_2\\.17\\) \\(log: " \
	"one line naming the object, the symbol, the library and both versions"
ls "$T/out1"/*.whl >/dev/null 2>&1
ok $((!$?)) "no wheel published"

cext "__attribute__((weak))" "pthread_attr_getsigmask_np != NULL"
run_pw 0 "the same call through a weak reference" build "$P" --no-cache --out "$T/out2"
like "$OUT" "^$TGT +ok +passed .* cext-1\\.0-cp313-cp313-manylinux_2_17_x86_64\\.manylinux2014_x86_64\\.whl" \
	"a weak reference checked for NULL fits the floor; the smoke test passed"
