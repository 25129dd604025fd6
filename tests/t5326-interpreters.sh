#!/bin/sh
# t5326-interpreters: every interpreter the Debian suites carry, on one
# tiny C extension: CPython 3.9 from bullseye (whose pip 20.3 cannot
# resolve: the lock pins pinwheel's own pip==24.0 as the layer "pip"),
# CPython 3.15 from sid (a pre-release: built when the config names it,
# left out by zero config) and PyPy 3.11 from trixie's pypy3 (target
# pp311, no pip in Debian for PyPy: the pinned pip again).  Each wheel is
# tagged by its interpreter (cp39-cp39, cp315-cp315, pp311-pypy311_pp73),
# audited, and imported and tested in its own root.  (sid's pypy3 8.0
# would give pp311-pypy311_pp80: the ABI tag is the interpreter's.)  The Debian roots come
# from the shared store as in t5320; the lock asks the index pip uses.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/cext-lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned targets are x86_64"
plan 20

P="$T/p"
mkdir -p "$P"
# config PYTHONS: pinwheel.json of the one-extension project
config() {
	cat >"$P/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {$1},
  "platforms": ["manylinux_x86_64"],
  "manylinux": "native",
  "build_requires": ["setuptools==80.9.0", "wheel==0.45.1"],
  "test": {"command": "python -c 'import cext, sys; assert cext.add(2, 3) == 5; print(sys.implementation.name, sys.version_info[:2])'"}
}
JSON
}
PY39='"3.9": {"base": {"debian": {"suite": "bullseye",
     "packages": ["build-essential", "python3.9-dev", "python3.9-venv", "python3-pip"]}}}'
PY315='"3.15": {"base": {"debian": {"suite": "sid",
     "packages": ["build-essential", "python3.15-dev", "python3.15-venv", "python3-pip"]}}}'
PP311='"pypy3.11": {"base": {"debian": {"suite": "trixie",
     "packages": ["build-essential", "pypy3-dev", "pypy3-venv"]}}}'
cext_files "$P"

config '"pypy3.11t": {"base": {"debian": {"suite": "trixie", "packages": ["pypy3"]}}}'
run_pw 2 "a free-threaded PyPy" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:3:14: python: 'pypy3.11t' is not a Python version: expected \"3.N\" \\(like \"3.13\", or \"3.13t\" for free-threaded\\) or \"pypy3.N\"$" \
	"is refused at its key"

config "$PP311, $PY315, $PY39"
run_pw 0 "plan" plan "$P"
is "$OUT" "cp39-manylinux_x86_64
cp315-manylinux_x86_64
pp311-manylinux_x86_64" "CPythons in version order, then PyPy"
run_pw 0 "plan --format json" plan "$P" --format json
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
print(" ".join("%s:%s:%s" % (t["python"], t["python_tag"], t["suite"]) for t in json.load(sys.stdin)))')" \
	"3.9:cp39:bullseye 3.15:cp315:sid pypy3.11:pp311:trixie" "plan --format json names each interpreter and suite"

run_pw 0 "lock" lock "$P"
is "$(python3 -c '
import json, sys
lk = json.load(open(sys.argv[1]))
shas = {a["sha256"]: a for a in lk["artifacts"]}
for t, r in sorted(lk["roots"].items()):
    pip = [l for l in r["layers"] if l["name"] == "pip"]
    if not pip:
        print(t, "-")
        continue
    a = shas[pip[0]["artifacts"][0]]
    print(t, pip[0]["how"], pip[0]["dest"], a["name"], a["version"], a["kind"])
' "$P/pinwheel.lock")" "cp315-manylinux_x86_64 -
cp39-manylinux_x86_64 unpack /opt/pinwheel/pip pip 24.0 wheel
pp311-manylinux_x86_64 unpack /opt/pinwheel/pip pip 24.0 wheel" \
	"bullseye's CPython and trixie's PyPy get the pinned pip; sid's pip resolves by itself"
cp "$P/pinwheel.lock" "$T/lock1"
run_pw 0 "relock" lock "$P"
cmp -s "$P/pinwheel.lock" "$T/lock1"
ok $? "a relock keeps the pip layers as they are"

run_pw 0 "build all three" build "$P" --no-cache --out "$T/out"
like "$OUT" "^cp39-manylinux_x86_64 +ok +passed .* cext-1\\.0-cp39-cp39-manylinux_2_[0-9]+_x86_64[.a-z0-9_]*\\.whl" \
	"cp39: tagged cp39-cp39, smoke test passed"
like "$OUT" "^cp315-manylinux_x86_64 +ok +passed .* cext-1\\.0-cp315-cp315-manylinux_2_[0-9]+_x86_64[.a-z0-9_]*\\.whl" \
	"cp315: tagged cp315-cp315, smoke test passed"
like "$OUT" "^pp311-manylinux_x86_64 +ok +passed .* cext-1\\.0-pp311-pypy311_pp73-manylinux_2_[0-9]+_x86_64[.a-z0-9_]*\\.whl" \
	"pp311: tagged pp311-pypy311_pp73 (the interpreter's own ABI), smoke test passed"
grep -q "^pinwheel: imported cext from /tmp/venv/lib/pypy3.11/site-packages/cext\\.pypy311-pp73-x86_64-linux-gnu\\.so$" \
	"$T/out/logs/pp311-manylinux_x86_64.log" &&
	grep -q "^pypy (3, 11)$" "$T/out/logs/pp311-manylinux_x86_64.log"
ok $? "PyPy imported its own extension and ran the test command"
grep -q "^cpython (3, 9)$" "$T/out/logs/cp39-manylinux_x86_64.log" &&
	grep -q "^cpython (3, 15)$" "$T/out/logs/cp315-manylinux_x86_64.log"
ok $? "the test command ran on CPython 3.9 and 3.15"
W=$(ls "$T/out"/cext-1.0-pp311-*.whl)
run_pw 0 "audit the PyPy wheel" audit "$W"
like "$OUT" "^cext-1\\.0-pp311-pypy311_pp73-.*: manylinux_2_[0-9]+_x86_64" "audit gives it a manylinux tag"

run_pw 0 "build pp* only" build "$P" --skip 'cp*' --out "$T/out2"
is "$(cd "$T/out2" && ls *.whl)" "$(basename "$W")" "--skip 'cp*' leaves the PyPy target alone"
