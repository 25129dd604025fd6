#!/bin/sh
# t5325-old-root-smoke: the smoke test of a wheel also runs in the old
# root (docs/config.md, "test.old_root"): bullseye (glibc 2.31) with the
# target's CPython 3.13 built from trixie's tarball by bullseye's gcc 10.
# A floor target gets it without asking (no "old_root" key): `lock`
# writes it as the root cp313-manylinux_x86_64-bullseye (the base, the
# interpreter's layer with the slim default configure, test.requires and
# the project's [project].dependencies resolved by that root's pip); the
# lock builds the interpreter once (to run its pip); a "2014" floor wheel
# (zig cc) from a trixie root passes there and in its own root (summary,
# --json), importing "wheel", which only the project's dependencies bring
# into the old root; the same C code linked natively (dlopen@GLIBC_2.34),
# with "old_root": "bullseye" asked for, passes in trixie and FAILS in
# bullseye with the loader's error (pip is given the wheel's own platform
# tags there, so the loader, not the tag, decides), kept in OUT/failed/.
# The old root is in the test action's key, not the wheel's: dropping it
# ("old_root": false) re-tests the cached wheel and builds nothing.  The
# key's errors are one line at their position.
#
# Runtime: the interpreter is the old root's slim default (test modules,
# _decimal, the CJK codecs and _elementtree left out, OPT=-O1, with
# zlib1g-dev and libssl-dev: the lock runs its pip against the index);
# its first build on a machine takes minutes on two busy cores
# (docs/config.md has the figure), and it lives in the shared store (as
# t5320's roots), so later runs take about a minute (three builds and
# their smoke tests).  The roots and PyPI's setuptools, wheel, ziglang
# and six come from the mirror of apt's configuration and pip's index,
# as in t5320.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp313-manylinux_x86_64
OLD=cp313-manylinux_x86_64-bullseye
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned target is x86_64"
plan 31

P="$T/p"
mkdir -p "$P"
SLIM='"--disable-test-modules", "OPT=-DNDEBUG -O1",
       "py_cv_module__decimal=n/a", "py_cv_module__elementtree=n/a",
       "py_cv_module__multibytecodec=n/a", "py_cv_module__codecs_cn=n/a",
       "py_cv_module__codecs_hk=n/a", "py_cv_module__codecs_iso2022=n/a",
       "py_cv_module__codecs_jp=n/a", "py_cv_module__codecs_kr=n/a",
       "py_cv_module__codecs_tw=n/a"'
OLDROOT="{\"suite\": \"bullseye\", \"cpython\": {\"packages\": [\"build-essential\", \"zlib1g-dev\", \"libssl-dev\"], \"configure\": [$SLIM]}}"
# config MANYLINUX OLD_ROOT: pinwheel.json of the one-extension project
# (OLD_ROOT "": no "old_root" key, the default)
config() {
	OR=
	[ -z "$2" ] || OR=",
    \"old_root\": $2"
	cat >"$P/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {"3.13": {"base": {"debian": {"suite": "trixie",
     "packages": ["build-essential", "python3.13-dev", "python3.13-venv", "python3-pip"]}}}},
  "platforms": ["manylinux_x86_64"],
  "manylinux": $1,
  "build_requires": ["setuptools==84.2.1", "wheel==0.48.0"],
  "test": {"requires": ["six==1.17.0"],
    "command": "python -c 'import cext, six, wheel, platform, sys; assert cext.add(2, 3) == 5; print(\"smoke\", platform.libc_ver(), sys.version.split()[0])' && : run $NONCE"$OR}
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
dependencies = ["wheel==0.48.0"]
EOF2
cat >"$P/setup.py" <<'EOF2'
from setuptools import setup, Extension
setup(ext_modules=[Extension("cext", ["cext.c"])])
EOF2
# dlopen is dlopen@GLIBC_2.34 when linked against glibc >= 2.34 (libdl
# merged into libc), dlopen@GLIBC_2.2.5 at the 2.17 floor
cat >"$P/cext.c" <<'EOF2'
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
static PyObject *add(PyObject *self, PyObject *args)
{
	long a, b;
	if (!PyArg_ParseTuple(args, "ll", &a, &b))
		return NULL;
	return PyLong_FromLong(a + b + (dlopen(NULL, RTLD_LAZY) == NULL));
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&mod); }
EOF2
FLOOR='{"default": "2014", "zig": "ziglang==0.17.1"}'
# in the test command only: this run's test actions are its own (the
# action cache is the shared store's), its wheels may be earlier runs'
NONCE=$$-$(date +%s)

# ---- the key's errors ----
config '"native"' '42'
run_pw 2 "a number for old_root" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:10:5: test.old_root: expected false, a Debian suite \\(\"bullseye\"\\) or an object with 'suite', got an integer$" \
	"the type is named at the key"
config '"native"' '"Bullseye"'
run_pw 2 "a suite that is not one" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:10:5: test.old_root: expected a suite or codename like \"bullseye\", got 'Bullseye'$" \
	"the suite is checked"
config '"native"' '{"suite": "bullseye", "cpython": {"configure": ["make install"]}}'
run_pw 2 "a bad configure argument in the old root's cpython" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:10:65: test.old_root.cpython.configure\\[0\\]: expected a configure argument" \
	"the old root's cpython member is checked as a base's"

# ---- lock: the second root (the default for a floor target) ----
config "$FLOOR" ""
t0=$(date +%s)
run_pw 0 "lock with the floor: the default old root (runs the old root's pip: builds its interpreter)" lock "$P"
diag "lock: $(($(date +%s) - t0)) s"
python3 - "$P/pinwheel.lock" >"$T/lock.txt" <<'EOF'
import json, sys
l = json.load(open(sys.argv[1]))
arts = {a["sha256"]: a for a in l["artifacts"]}
for rid in sorted(l["roots"]):
    print(rid, " ".join(y["name"] for y in l["roots"][rid]["layers"]))
old = l["roots"]["cp313-manylinux_x86_64-bullseye"]["layers"]
cp = [y for y in old if y["how"] == "cpython"][0]
print(arts[cp["artifacts"][0]]["name"], cp["configure"][0])
print(sorted(arts[s]["name"] for y in old if y["name"] == "test-requires" for s in y["artifacts"]))
EOF
is "$(cat "$T/lock.txt")" "cp313-manylinux_x86_64 debian-trixie-amd64 zig-x86_64-linux-gnu.2.17 build-requires test-requires
cp313-manylinux_x86_64-bullseye debian-bullseye-amd64 cpython-3.13-amd64 test-requires
python3.13_3.13.5.orig.tar.xz --disable-test-modules
['packaging', 'six', 'wheel']" \
	"the old root: bullseye, CPython 3.13 (slim) from trixie's tarball, six (test.requires) and wheel with its packaging ([project].dependencies) resolved by its own pip"

# ---- fetch: the interpreter built on bullseye once ----
run_pw 0 "fetch" fetch "$P"
run_pw 0 "fetch again" --json fetch "$P"
printf '%s\n' "$OUT" | grep '"event":"root"' | grep "\"target\":\"$OLD\"" | grep -q '"built":0,'
ok $? "the second fetch builds nothing in the old root"
run_pw 0 "the old root's interpreter runs" run --target "$OLD" "$P" -- \
	/opt/python/cp313-cp313/bin/python -c 'import platform, sys; print(platform.libc_ver()[1], sys.version.split()[0], sys.prefix)'
is "$OUT" "2.31 3.13.5 /opt/python/cp313-cp313" "CPython 3.13.5 on glibc 2.31"

# ---- the floor: passes in both roots ----
run_pw 0 "build with the floor" build "$P" --no-cache --out "$T/out"
like "$OUT" "^$TGT +ok +passed .* cext-1\\.0-cp313-cp313-manylinux_2_17_x86_64\\.manylinux2014_x86_64\\.whl" \
	"a manylinux2014 wheel, smoke test passed"
like "$OUT" "^$TGT +smoke test passed in: trixie bullseye$" "the summary names both roots"
grep -q "^==== pinwheel: smoke test in the old root bullseye: ok" "$T/out/logs/$TGT.log"
ok $? "the log has the old root's smoke step"
grep -q "^smoke ('glibc', '2.31') 3.13.5$" "$T/out/logs/$TGT.log" &&
	grep -q "^smoke ('glibc', '2.41') 3.13.5$" "$T/out/logs/$TGT.log"
ok $? "the test command ran on glibc 2.41 and on 2.31"
W=$(cd "$T/out" && ls cext-*.whl)
run_pw 0 "build again: both actions cached" --json build "$P" --out "$T/out2"
printf '%s' "$OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)["targets"][0]
print(t["cached"], t["test_rerun"], t["smoke_roots"], t["smoke_failed_root"])' >"$T/j.txt"
is "$(cat "$T/j.txt")" "True False ['trixie', 'bullseye'] None" "--json: cached, smoke_roots from the test action"

# ---- the old root is the test's key, not the wheel's ----
config "$FLOOR" 'false'
run_pw 0 "build without the old root (relocks)" --json build "$P" --out "$T/out3"
printf '%s' "$OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)["targets"][0]
print(t["cached"], t["test_rerun"], t["smoke_roots"], t["wheel"])' >"$T/j.txt"
is "$(cat "$T/j.txt")" "True True ['trixie'] $W" "the cached wheel, only its smoke test ran again"
grep -q cp313-manylinux_x86_64-bullseye "$P/pinwheel.lock"
ok $((!$?)) "the lock has no old root with old_root false"
cmp -s "$T/out/$W" "$T/out3/$W"
ok $? "the same wheel bytes"

# ---- native: the tag says 2.34, the old root shows it ----
config '"native"' "$OLDROOT"
run_pw 1 "a native wheel fails in bullseye" --json build "$P" --no-cache --out "$T/out4"
printf '%s' "$OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)["targets"][0]
print(t["ok"], t["smoke_roots"], t["smoke_failed_root"])
print(t["error_line"])' >"$T/j.txt"
like "$(sed -n 1p "$T/j.txt")" "^False \\['trixie'\\] bullseye$" "--json: passed in trixie, failed in bullseye"
like "$(sed -n 2p "$T/j.txt")" "^pinwheel: could not import cext: ImportError: /lib/x86_64-linux-gnu/libc\\.so\\.6: version \`GLIBC_2\\.34' not found \\(required by /tmp/venv/lib/python3\\.13/site-packages/cext\\.cpython-313-x86_64-linux-gnu\\.so\\)$" \
	"the first error line is the loader's"
like "$ERR" "pinwheel: build: $TGT: smoke test in the old root bullseye failed \\(exit status 1\\); the wheel is kept in failed/cext-1\\.0-cp313-cp313-manylinux_2_3[4-9]_x86_64\\.whl" \
	"the error names the root and where the wheel is"
grep -q "^pinwheel: installed whatever its tag (manylinux_2_3[4-9]_x86_64) says: the loader judges it$" "$T/out4/logs/$TGT.log"
ok $? "pip installed it whatever its tag says (--platform)"
ls "$T/out4"/failed/cext-1.0-cp313-cp313-manylinux_2_3*_x86_64.whl >/dev/null 2>&1 &&
	! ls "$T/out4"/*.whl >/dev/null 2>&1
ok $? "the wheel is in OUT/failed/, not in OUT"
grep -q "^==== pinwheel: smoke test: ok" "$T/out4/logs/$TGT.log"
ok $? "it passed in its own root first"
