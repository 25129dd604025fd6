#!/bin/sh
# abi3 wheels are built once per platform (docs/build.md, "abi3 wheels"):
# targets 3.11 and 3.12 of one platform, a project whose setup.cfg
# declares py_limited_api, a backend that writes a platform wheel without
# compiling (ABI3 in the sources: the abi3 tag it writes; ABI3_LIE: the
# file name says abi3, WHEEL's Tag line does not).
#   - cp311-abi3: build_wheel runs once (its marker line in one log), the
#     3.12 target's smoke test imports the wheel, OUT holds it once, the
#     table, --json and the manifest say who built and who reused it; a
#     rebuild with --no-cache and a build from the action cache give the
#     same bytes and say the same
#   - cp311-cp311 (not abi3), or abi3 by name only: each target builds
#   - "abi3_reuse": false builds both; --only the 3.12 target builds it
#   - the builder's wheel from the action cache, the reusing target's
#     smoke test not: it runs
#   - a reusing target whose smoke test fails fails; the wheel stays in
#     OUT, a copy in OUT/failed/
#   - a bad "abi3_reuse" value is exit 2
# Whom a wheel serves (cp312-abi3 not 3.11, not cp313t, not PyPy) is
# test_build's test_abi3: the test root's python3.12 is python3.11, whose
# pip installs no cp312 wheel.
# The root is the host's python3.11 (test only), answering as 3.12 too.
# as-user: no (nothing here depends on who runs it; t53xx's other tests run rootless)
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 53

py_base_tar "$T/py.tar" python3.12
ok $? "packed the test base (python3.11, also as python3.12)"
P="$T/p"
tiny_files "$P"
cat >"$P/_backend/minibackend.py" <<'PY'
import base64, hashlib, io, os, sys, tarfile, zipfile

FILES = ["pyproject.toml", "setup.cfg", "_backend/minibackend.py", "tiny/__init__.py"]


def build_sdist(outdir, config_settings=None):
    with tarfile.open(os.path.join(outdir, "tiny-0.tar.gz"), "w:gz") as t:
        for f in FILES + [k for k in ("ABI3", "ABI3_LIE") if os.path.exists(k)]:
            t.add(f, arcname=f"tiny-0/{f}")
        pkg = b"Metadata-Version: 2.1\nName: tiny\nVersion: 0\n"
        ti = tarfile.TarInfo("tiny-0/PKG-INFO")
        ti.size = len(pkg)
        t.addfile(ti, io.BytesIO(pkg))
    return "tiny-0.tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    print("TINY_BUILD_WHEEL " + os.path.basename(sys.executable), flush=True)
    plat = "manylinux_2_17_x86_64"
    abi3 = open("ABI3").read().strip() if os.path.exists("ABI3") else None
    lie = os.path.exists("ABI3_LIE")
    tag = f"{abi3}-abi3" if abi3 and not lie else "cp311-cp311"
    name_tag = "cp311-abi3" if lie else tag
    di = "tiny-0.dist-info"
    files = {"tiny/__init__.py": open("tiny/__init__.py", "rb").read(),
             f"{di}/METADATA": b"Metadata-Version: 2.1\nName: tiny\nVersion: 0\n",
             f"{di}/WHEEL": f"Wheel-Version: 1.0\nGenerator: minibackend\nRoot-Is-Purelib: false\nTag: {tag}-{plat}\n".encode()}
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
    name = f"tiny-0-{name_tag}-{plat}.whl"
    with zipfile.ZipFile(os.path.join(outdir, name), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return name
PY
printf '[bdist_wheel]\npy_limited_api = cp311\n' >"$P/setup.cfg"
echo cp311 >"$P/ABI3"
IMPORT='python -c '"'"'import sys, tiny; print(\"IMPORTED\", tiny.VALUE, sys.argv[0])'"'"
config() { # config [TOP-EXTRA [TEST-COMMAND]]
	cat >"$P/pinwheel.json" <<JSON
{"version": 1,${1-}
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}},
            "3.12": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"command": "${2-$IMPORT}"}}
JSON
}
A=cp311-manylinux_x86_64 B=cp312-manylinux_x86_64
W=tiny-0-cp311-abi3-manylinux_2_17_x86_64.whl
marks() { cat "$1"/logs/*.log | grep -c '^TINY_BUILD_WHEEL '; }
wheels() { (cd "$1" && ls ./*.whl 2>/dev/null | sed 's|^\./||' | tr '\n' ' '); }
config
run_pw 0 "lock" lock "$P"
run_pw 0 "fetch" fetch "$P"

# cp311-abi3: built once, reused and tested by 3.12.
O1="$T/o1"
run_pw 0 "an abi3 project builds" build "$P" --out "$O1"
is "$(marks "$O1")" "1" "build_wheel ran once"
grep -q "^TINY_BUILD_WHEEL python3.11$" "$O1/logs/$A.log"
ok $? "in the lowest CPython's target"
like "$ERR" "abi3 \\(setup.cfg: py_limited_api\\): $A builds first; .*: $B$" "the plan is said, with what declared abi3"
is "$(grep -c '^==== pinwheel: build_wheel$' "$O1/logs/$B.log")" "0" "the 3.12 target ran no build_wheel"
grep -q "^IMPORTED 42 -c$" "$O1/logs/$B.log"
ok $? "its smoke test installed and imported the wheel"
grep -q "^pinwheel .*: $B reused abi3 wheel from $A: $W " "$O1/logs/$B.log"
ok $? "its log says whose wheel it tested"
is "$(wheels "$O1")" "$W " "OUT holds the wheel once"
like "$OUT" "^$B +reused +passed .* $W" "the table's status: reused"
like "$OUT" "^$B +reused abi3 wheel from $A \\(its smoke test passed here\\)$" "and its line says from whom"
python3 - "$O1/pinwheel-manifest.json" >"$T/m.txt" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
print(sorted(s["name"] for s in m["subject"]))
print(json.dumps(m["predicate"]["buildDefinition"]["internalParameters"]["abi3_reuse"], sort_keys=True))
EOF
is "$(sed -n 1p "$T/m.txt")" "['$W', 'tiny-0.tar.gz']" "the manifest's subjects: the wheel once, the sdist"
is "$(sed -n 2p "$T/m.txt")" "[{\"built_by\": \"$A\", \"reused_by\": [\"$B\"], \"wheel\": \"$W\"}]" \
	"the manifest says who built the wheel and who reused and tested it"

# byte-identical: rebuilt without the cache, and from the cache
O2="$T/o2"
run_pw 0 "rebuilt with --no-cache" build "$P" --out "$O2" --no-cache
is "$(marks "$O2")" "1" "build_wheel ran once again"
cmp -s "$O1/$W" "$O2/$W" && cmp -s "$O1/pinwheel-manifest.json" "$O2/pinwheel-manifest.json"
ok $? "the wheel and the manifest are byte-identical"
O3="$T/o3"
run_pw 0 "built from the action cache" --json build "$P" --out "$O3"
unlike "$ERR" "building cp3" "no target was built (both from the action cache)"
cmp -s "$O1/$W" "$O3/$W" && cmp -s "$O1/pinwheel-manifest.json" "$O3/pinwheel-manifest.json"
ok $? "the same wheel and manifest"
printf '%s' "$OUT" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["targets"]:
    print(t["target"], t["ok"], t["reused_from"], ",".join(t["reused_by"]), t["wheel"], t["cached"])
' >"$T/j.txt"
is "$(sed -n 1p "$T/j.txt")" "$A True None $B $W True" "--json: the builder, reused by 3.12"
is "$(sed -n 2p "$T/j.txt")" "$B True $A  $W True" "--json: 3.12 reused it (its smoke test from the cache)"
grep -q "^pinwheel .*: $B reused abi3 wheel from $A ($W); its smoke test passed before" "$O3/logs/$B.log"
ok $? "the cached reuse's log says so"
is "$(wheels "$O3")" "$W " "OUT holds it once"

# not abi3: each target builds
rm "$P/ABI3"
O4="$T/o4"
run_pw 0 "a cp311-cp311 wheel" build "$P" --out "$O4"
is "$(marks "$O4")" "2" "build_wheel ran for each target"
grep -q "^TINY_BUILD_WHEEL python3.12$" "$O4/logs/$B.log"
ok $? "the 3.12 target built its own"
like "$ERR" "$B: builds its own wheel: $A's wheel tiny-0-cp311-cp311-manylinux_2_17_x86_64.whl is not abi3 \\(WHEEL: Tag: cp311-cp311-manylinux_2_17_x86_64\\)" \
	"saying why"
unlike "$OUT" "reused" "nothing reused"
# abi3 by name only: WHEEL is what counts
echo cp311 >"$P/ABI3"
: >"$P/ABI3_LIE"
O5="$T/o5"
run_pw 0 "a wheel named abi3 whose WHEEL says cp311-cp311" build "$P" --out "$O5"
is "$(marks "$O5")" "2" "build_wheel ran for each target"
like "$ERR" "$B: builds its own wheel: $A's wheel $W is not abi3 \\(WHEEL: Tag: cp311-cp311-" \
	"its WHEEL's tag was read, not only its name"
rm "$P/ABI3_LIE"

# reuse off; --only
config ' "abi3_reuse": false,'
O6="$T/o6"
run_pw 0 "abi3_reuse false" build "$P" --out "$O6" --no-cache
is "$(marks "$O6")" "2" "build_wheel ran for each target"
unlike "$ERR" "builds first" "no plan"
cmp -s "$O1/$W" "$O6/$W"
ok $? "the two builds wrote the same bytes as the one"
unlike "$OUT" "reused" "nothing reused"
config
O7="$T/o7"
run_pw 0 "--only the 3.12 target" build "$P" --out "$O7" --only "$B" --no-cache
grep -q "^TINY_BUILD_WHEEL python3.12$" "$O7/logs/$B.log"
ok $? "builds its own wheel: its builder is not selected"
unlike "$OUT" "reused" "nothing reused"
# the builder from the action cache, the reusing target's test not yet:
# the wheel's modules come from the builder's record
echo '# three' >>"$P/tiny/__init__.py"
O9="$T/o9"
run_pw 0 "the 3.11 target alone" build "$P" --out "$O9" --only "$A"
O10="$T/o10"
run_pw 0 "then both" build "$P" --out "$O10"
like "$ERR" "$A: cached \($W\)" "the builder's wheel came from the action cache"
like "$ERR" "$B: reused abi3 wheel from $A \($W, CPython 3.11 and later\): its smoke test runs" \
	"the 3.12 target took it and tested it"
grep -q "^IMPORTED 42 -c$" "$O10/logs/$B.log"
ok $? "its smoke test imported the wheel"
# a reusing target whose smoke test fails: it fails, the wheel stays in
# OUT (it passed its builder's test), its copy is kept in failed/
config "" 'python -c '"'"'import sys; sys.exit(\"python3.12\" in open(sys.prefix + \"/pyvenv.cfg\").read())'"'"
O11="$T/o11"
run_pw 1 "the 3.12 target's smoke test fails" build "$P" --out "$O11"
like "$OUT" "^$B +FAILED " "it failed"
like "$OUT" "^$B +reused abi3 wheel from $A \(its smoke test failed here\)$" "saying whose wheel it tested"
is "$(wheels "$O11") $(ls "$O11/failed")" "$W  $W" "the wheel in OUT, its copy in failed/"
grep -q abi3_reuse "$O11/pinwheel-manifest.json"
ok $((!$?)) "the manifest records no reuse"
config ' "abi3_reuse": "sometimes",'
run_pw 2 "a bad abi3_reuse" build "$P" --out "$T/o8"
like "$ERR" "abi3_reuse.*expected true, false or \"auto\"" "names the key and what it takes"
