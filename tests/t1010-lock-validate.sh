#!/bin/sh
# Every command that reads pinwheel.lock refuses a hand-edited lock before
# it acts on it (issue #13, item 11): a size that is not the size of the
# blob the sha256 names (the blob is in the store), an artifact listed
# twice, an unknown key, an unknown artifact kind, an unknown layer how and
# a malformed digest.  fetch, fetch --offline, build, plan --format github,
# run --target, repair --target and store gc --keep exit 2, lock --check
# exits 1 (its "stale" status); each prints one line naming the lock file,
# the entry and what was expected.  A lock over the 64 MiB limit is named
# with its size and the limit (not "Argument list too long").
. "$SRCDIR/tests/lib.sh"
command -v python3 >/dev/null || skip_all "python3 missing"
plan 86
TGT=cp311-manylinux_x86_64

# A project whose only input is a local archive: nothing here runs a
# sandbox, every command stops at the lock.
P="$T/p"
mkdir -p "$P" "$T/a"
echo 'hello' >"$T/a/hello.txt"
tar -C "$T/a" -cf "$T/a.tar" hello.txt
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/a.tar"}]}}},
 "platforms": ["manylinux_x86_64"]}
JSON
run_pw 0 "lock" lock "$P"
run_pw 0 "fetch: the blob is in the store" fetch "$P"
cp "$P/pinwheel.lock" "$T/good.lock"
SIZE=$(stat -c %s "$T/a.tar")

# A wheel with an extension that needs a library outside every policy, so
# repair must read the lock to find the library in the target's root.
HAVE_GCC=0
if command -v gcc >/dev/null; then
	echo 'int pwlv(void) { return 1; }' >"$T/lib.c"
	echo 'int pwlv(void); int f(void) { return pwlv(); }' >"$T/ext.c"
	gcc -shared -fPIC -Wl,-soname,libpwlv.so.1 -o "$T/libpwlv.so.1" "$T/lib.c" &&
		gcc -shared -fPIC -o "$T/_x.so" "$T/ext.c" "$T/libpwlv.so.1" && HAVE_GCC=1
fi
WHL="$T/x-1.0-cp311-cp311-linux_x86_64.whl"
if [ $HAVE_GCC = 1 ]; then
	python3 - "$WHL" "$T/_x.so" <<'PY'
import base64, hashlib, sys, zipfile
files = {"x/__init__.py": b"", "x/_x.so": open(sys.argv[2], "rb").read(),
         "x-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: x\nVersion: 1.0\n",
         "x-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n"}
rec = ""
for n, d in files.items():
    h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
    rec += f"{n},sha256={h},{len(d)}\n"
files["x-1.0.dist-info/RECORD"] = (rec + "x-1.0.dist-info/RECORD,,\n").encode()
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
PY
fi

# defect NAME: pinwheel.lock = the good lock with one defect
defect() {
	python3 - "$T/good.lock" "$P/pinwheel.lock" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = d["artifacts"][0]
k = sys.argv[3]
if k == "size":
    a["size"] += 1
elif k == "dup":
    d["artifacts"].append(dict(a))
elif k == "key":
    a["sha512"] = "x"
elif k == "kind":
    a["kind"] = "tarball"
elif k == "how":
    next(iter(d["roots"].values()))["layers"][0]["how"] = "nix-closure"
elif k == "digest":
    a["sha256"] = a["sha256"].upper()
open(sys.argv[2], "w").write(json.dumps(d, indent=2) + "\n")
PY
}

L="$P/pinwheel.lock"
for d in size dup key kind how digest; do
	case $d in
	size) WHAT="artifacts\\[0\\] 'a.tar': size $((SIZE + 1)), but its blob in the store \\(sha256 [0-9a-f]{12}\\.\\.\\.\\) has $SIZE bytes" ;;
	dup) WHAT="artifacts\\[1\\]: 'a.tar' is listed again \\(artifacts\\[0\\] has the same kind, sha256 and unpack options\\): expected each artifact once" ;;
	key) WHAT="artifacts\\[0\\]: unknown key 'sha512'" ;;
	kind) WHAT="artifacts\\[0\\]: unknown kind 'tarball' \\(expected archive, deb, wheel, sdist, crate, oci-config, oci-layer or file\\)" ;;
	how) WHAT="roots\\.$TGT\\.layers\\[0\\]: unknown how 'nix-closure' \\(expected unpack, " ;;
	digest) WHAT="artifacts\\[0\\]: 'sha256' must be 64 lowercase hex digits" ;;
	esac
	defect $d
	run_pw 2 "$d: fetch exits 2" fetch "$P"
	like "$ERR" "^pinwheel: fetch: $L:[0-9]+:[0-9]+: $WHAT" "$d: fetch names the file, the entry and what was expected"
	run_pw 2 "$d: fetch --offline exits 2" fetch --offline "$P"
	run_pw 2 "$d: build exits 2" build "$P"
	like "$ERR" "^pinwheel: build: $L:[0-9]+:[0-9]+: $WHAT" "$d: build names it"
	run_pw 2 "$d: plan --format github exits 2" plan "$P" --format github
	run_pw 2 "$d: run --target exits 2" run --target "$TGT" "$P" -- /bin/true
	like "$ERR" "^pinwheel: run: $L:[0-9]+:[0-9]+: $WHAT" "$d: run names it"
	run_pw 2 "$d: store gc --keep exits 2" store gc --keep "$L"
	run_pw 1 "$d: lock --check says stale (exit 1)" lock --check "$P"
	like "$ERR" "is not a valid lock: $L:[0-9]+:[0-9]+: $WHAT" "$d: lock --check names it"
	if [ $HAVE_GCC = 1 ]; then
		run_pw 2 "$d: repair --target exits 2" repair "$WHL" --target "$TGT" "$P" -w "$T/wh"
		like "$ERR" "^pinwheel: repair: $L:[0-9]+:[0-9]+: $WHAT" "$d: repair names it"
	else
		skip "gcc missing: no wheel with an external library"
		skip "gcc missing: no wheel with an external library"
	fi
done
is "$(ls "$T/wh" 2>/dev/null)" "" "repair wrote nothing"

# The store was left alone: gc removed nothing, the blob is there.
cp "$T/good.lock" "$L"
run_pw 0 "the good lock still fetches offline" fetch --offline "$P"

# A lock over the limit: one line with its size and the limit.
python3 - "$T/good.lock" "$L" <<'PY'
import sys
s = open(sys.argv[1]).read().rstrip("\n")
open(sys.argv[2], "w").write(s + " " * (64 << 20) + "\n")
PY
BIG=$(stat -c %s "$L")
run_pw 1 "a lock over 64 MiB: lock --check exits 1" lock --check "$P"
is "$ERR" "pinwheel: lock: '$L' is stale: '$L': $BIG bytes, more than the 64 MiB a lock file may have" \
	"lock --check names the size and the limit"
run_pw 2 "a lock over 64 MiB: fetch exits 2" fetch "$P"
is "$ERR" "pinwheel: fetch: '$L': $BIG bytes, more than the 64 MiB a lock file may have" "fetch says the same"
