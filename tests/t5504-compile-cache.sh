#!/bin/sh
# t5504-compile-cache: the compile cache of `pinwheel build`
# (docs/compile-cache.md) on a two-file C extension under the manylinux
# floor (zig cc, ziglang 0.17.1 pinned as in t5320): a first build misses
# and records; after a one-line change the unchanged file is a hit and the
# wheel is byte-identical to a cold build of the same change (--no-cache,
# which compiles everything and starts Zig from nothing; --no-action-cache
# builds it again from the compile cache); a byte flipped in
# every entry is refused, said in the summary and --json, and the wheel is
# still byte-identical to a build without the cache (--no-compile-cache);
# `pinwheel verify` passes with the cache warm;
# the config's "compile_cache": false is in no action key and no lock
# digest; two builds at once share it; `store gc` removes objects by age.
# The Debian root comes from the shared store as in t5320 (the compile
# cache too: both sources carry a token of this run, so their keys are new).
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp313-manylinux_x86_64
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned target is x86_64"
plan 47

P="$T/p"
CC_DIR="$SHARED_STORE/compile-cache"
TOKEN="t5504-$$-$(date +%s%N)"
mkdir -p "$P"
# config [EXTRA]: pinwheel.json of the two-file project
config() {
	cat >"$P/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {"3.13": {"base": {"debian": {"suite": "trixie",
     "packages": ["build-essential", "python3.13-dev", "python3.13-venv", "python3-pip"]}}}},
  "platforms": ["manylinux_x86_64"],
  "manylinux": {"default": "2014", "zig": "ziglang==0.17.1"},${1:+
  $1,}
  "build_requires": ["setuptools==84.2.1", "wheel==0.48.0"],
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
setup(ext_modules=[Extension("cext", ["cext.c", "helper.c"])])
EOF2
# cext.c VERSION: the module, one line differing per version
cext() {
	cat >"$P/cext.c" <<EOF2
#define PY_SSIZE_T_CLEAN
#include <Python.h>
long helper(long a, long b);
static const char version[] = "$1-$TOKEN";
static PyObject *add(PyObject *self, PyObject *args)
{
	long a, b;
	if (!PyArg_ParseTuple(args, "ll", &a, &b))
		return NULL;
	return PyLong_FromLong(helper(a, b) + (version[0] == 0));
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&mod); }
EOF2
}
cat >"$P/helper.c" <<EOF2
static const char token[] = "$TOKEN";
long helper(long a, long b) { return a + b + (token[0] == 0); }
EOF2
cext v1
config

# FIELD of the target's compile_cache in --json's document ($OUT)
cc_field() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)["targets"][0]
c = t["compile_cache"]
print("null" if c is None else c[sys.argv[1]])' "$1"
}
wheel_sha() {
	printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["targets"][0]["sha256"])'
}

touch "$T/before"
run_pw 0 "first build" --json build "$P" --out "$T/out1"
is "$(cc_field misses)" 2 "both sources missed and were compiled"
is "$(cc_field hits)" 0 "nothing to hit yet"
is "$(cc_field uncacheable)" 1 "the link is not cached"
is "$(cc_field zig_cache)" warm "the step started from the warmed Zig cache"
N=$(find "$CC_DIR" -name '*.o' -newer "$T/before" | wc -l)
is "$N" 2 "two objects recorded in STORE/compile-cache"
for o in $(find "$CC_DIR" -name '*.o' -newer "$T/before"); do
	s=$(sha256sum <"$o" | cut -c1-64)
	[ "$s" = "$(cat "${o%.o}.sha256")" ] || N=bad
done
is "$N" 2 "each object's sha256 beside it"
ls "$SHARED_STORE"/trees/*.json | xargs grep -l '"kind": "zig-cache"' >/dev/null 2>&1
ok $? "Zig's warmed cache is a store tree of kind zig-cache"
grep -q "^==== pinwheel: compile cache: 0 hits, 2 misses, 1 uncacheable, 0 damaged entries compiled again" "$T/out1/logs/$TGT.log"
ok $? "the target's log says what the cache did"

# a one-line change: the other file is a hit, the bytes those of a cold build
cext v2
run_pw 0 "build after a one-line change" --json build "$P" --out "$T/out2"
is "$(cc_field hits)" 1 "the unchanged helper.c is a hit"
is "$(cc_field misses)" 1 "the changed cext.c is compiled"
W2=$(wheel_sha)
run_pw 0 "the same change, cold (--no-cache)" --json --color=never build "$P" --no-cache --out "$T/out2c"
is "$(cc_field hits)" 0 "--no-cache looks nothing up"
is "$(cc_field misses)" 2 "... compiles everything"
is "$(cc_field zig_cache)" none "... and starts Zig from nothing"
is "$(wheel_sha)" "$W2" "the warm build's wheel is byte-identical to the cold one"
W=$(basename "$(ls "$T/out2"/cext-*.whl)")
cmp -s "$T/out2/$W" "$T/out2c/$W"
ok $? "the files compare equal"
run_pw 0 "the same change again, --no-action-cache" --json build "$P" --no-action-cache --out "$T/out2a"
is "$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["targets"][0]["cached"])')" False \
	"--no-action-cache builds the target (no action cache hit)"
is "$(cc_field hits)" 2 "... and takes both objects from the compile cache"
is "$(wheel_sha)" "$W2" "... the same wheel"

# damaged entries: one byte flipped in every object of this run
for o in $(find "$CC_DIR" -name '*.o' -newer "$T/before"); do
	chmod u+w "$o"
	printf 'Z' | dd of="$o" bs=1 seek=200 conv=notrunc 2>/dev/null
done
cext v3
run_pw 0 "build over damaged entries" build "$P" --stats --out "$T/out3"
like "$OUT" "^$TGT +compile cache: 1 damaged entry \\(not matching its sha256\\) refused and compiled again$" \
	"the summary names the damaged entry"
like "$OUT" "^$TGT +built +0 +2 +1 +1  warm +0 +0 +0$" "--stats: 0 hits, 2 misses, 1 uncacheable, 1 damaged; no Rust"
grep -q "pinwheel: compile cache: entry [0-9a-f]\\{64\\} does not match its sha256 (damaged): compiling again" "$T/out3/logs/$TGT.log"
ok $? "the log has the wrapper's line"
run_pw 0 "the same, without the compile cache" --json build "$P" --no-compile-cache --no-cache --out "$T/out3c"
is "$(cc_field hits)" null "--no-compile-cache: no compile cache in --json"
grep -q "compile cache" "$T/out3c/logs/$TGT.log"
ok $((!$?)) "... nor in the log"
W=$(basename "$(ls "$T/out3"/cext-*.whl)")
cmp -s "$T/out3/$W" "$T/out3c/$W"
ok $? "the wheel built over damaged entries is byte-identical to one built without the cache"
cext v4
run_pw 0 "the entry compiled again is whole" --json build "$P" --out "$T/out4"
is "$(cc_field hits)" 1 "the repaired helper.c entry is a hit"

# two builds at once share the cache: two copies of the project with their
# own change each (so neither can take the other's wheel from the action
# cache), both reading the one entry of helper.c and recording their own
Q="$T/q"
cp -R "$P" "$Q"
cext v6
sed 's/"v6-/"v6q-/' "$P/cext.c" >"$Q/cext.c"
"$PINWHEEL" --json build "$P" --out "$T/out6a" >"$T/6a.json" 2>"$T/6a.err" &
A=$!
"$PINWHEEL" --json build "$Q" --out "$T/out6b" >"$T/6b.json" 2>"$T/6b.err" &
B=$!
wait $A
SA=$?
wait $B
SB=$?
is "$SA $SB" "0 0" "two builds at once both succeed"
OUT=$(cat "$T/6a.json")
CA="$(cc_field hits) $(cc_field misses) $(cc_field damaged)"
OUT=$(cat "$T/6b.json")
is "$CA $(cc_field hits) $(cc_field misses) $(cc_field damaged)" "1 1 0 1 1 0" \
	"each hit helper.c and compiled its own cext.c; no damaged entry"
N=$(find "$CC_DIR" -name '.tmp.*' -newer "$T/before" | wc -l)
is "$N" 0 "no temp file left in the cache"

# verify: build A with the cache warm, build B with none, the same bytes
cext v7
run_pw 0 "verify with the compile cache warm" verify "$P" --out "$T/outv"
like "$OUT" "^$TGT +reproducible " "build A (a hit) and build B (no compile cache) give the same wheel"
grep -q "^==== pinwheel: compile cache: 1 hits, 1 misses, 1 uncacheable, 0 damaged" "$T/outv/logs/$TGT.log"
ok $? "build A took helper.c from the cache"

# "compile_cache": false changes no key and no lock digest
config '"compile_cache": false'
run_pw 0 "the config turns it off" --json build "$P" --locked --out "$T/out5"
is "$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["targets"][0]["cached"])')" True \
	"the action cache's wheel is taken: the key does not name the compile cache"
config '"compile_cache": "no"'
run_pw 2 "a string is refused" plan "$P"
like "$ERR" "^pinwheel: plan: .*pinwheel.json:[0-9]+:[0-9]+: compile_cache: expected true or false, got a string$" "named at its key"
config

# store gc: objects by age (a store of its own)
S="$T/gcstore"
mkdir -p "$S/compile-cache/ab" "$S/compile-cache/cd"
OLD=ab$(printf '%062d' 1)
NEW=cd$(printf '%062d' 2)
printf 'old' >"$S/compile-cache/ab/$OLD.o"
printf 'x\n' >"$S/compile-cache/ab/$OLD.sha256"
printf 'new' >"$S/compile-cache/cd/$NEW.o"
printf 'x\n' >"$S/compile-cache/cd/$NEW.sha256"
: >"$S/compile-cache/cd/.tmp.$NEW.123.o"
touch -d '40 days ago' "$S/compile-cache/ab/$OLD.o"
echo '{"version": 1, "artifacts": []}' >"$T/empty.lock"
run_pw 0 "store gc" --store "$S" store gc --keep "$T/empty.lock"
like "$ERR" "removed 1 compile cache objects \\([0-9]+ B\\) unused for 30 days" "gc says what it removed"
is "$(cd "$S/compile-cache" && find . -type f | sort | tr '\n' ' ')" "./cd/$NEW.o ./cd/$NEW.sha256 " \
	"the object unused for 40 days, its sum and a temp file are gone; the recent one stays"
run_pw 0 "store gc --compile-cache-days 0" --store "$S" store gc --keep "$T/empty.lock" --compile-cache-days 0
is "$(find "$S/compile-cache" -type f | wc -l)" 0 "0 days: every object"
