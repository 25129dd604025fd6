#!/bin/sh
# t5301-build-example: `pinwheel build` on the bundled example
# (examples/hybrid: six Cython extensions on numpy's C API and a PyO3
# extension) for one real target, twice at the same time from clean output
# directories under different outer conditions (cwd, umask, TZ, relative vs
# absolute paths): both succeed, the smoke test passed, the wheels are
# byte-identical, their tag is the one `auditwheel show` gives, and the
# manifest's subjects carry the files' sha256.  The smoke test runs in the
# target's root and in its default old root (bullseye, docs/config.md
# "test.old_root": its CPython 3.11 is one slim build per store, 200 s
# here, then a store hit).
#
# The target roots are the real Debian ones of the example, from the shared
# store (the one `make demo` fills: $PINWHEEL_STORE or ~/.cache/pinwheel of
# whoever runs `make check`); lock and fetch here use it, so a warm store
# makes them quick.  That store is private to its owner, hence:
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp311-manylinux_x86_64
AUDITWHEEL=auditwheel==6.8.2
plan 21

cp -R "$SRCDIR/examples/hybrid" "$T/hybrid"
rm -f "$T/hybrid/pinwheel.lock"
# x86_64 only, and only the Pythons of Debian's suites: the example's
# aarch64 targets (docs/foreign.md), its cp315 and its cp313t (a CPython
# built from source, minutes) are the demo's.  The lock still covers cp311,
# cp313 and cp314, the build only cp311.
python3 - "$T/hybrid/pinwheel.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["platforms"] = ["manylinux_x86_64"]
c.pop("exclude", None)
for v in ("3.13t", "3.15"):
    del c["python"][v]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
run_pw 0 "lock the example (the roots' own pip and cargo)" lock "$T/hybrid"
run_pw 0 "fetch its roots into the shared store" fetch "$T/hybrid"

# Two builds at once (2 cores: about the time of one), varied outer
# conditions; each in its own clean output directory, both really built
# (--no-cache: a hit of the action cache would prove nothing here).
(cd "$T" && umask 002 && TZ=Asia/Tokyo "$PINWHEEL" build hybrid --only "$TGT" \
	--no-cache --out "$T/out1" >"$T/b1.out" 2>"$T/b1.err"; echo $? >"$T/b1.st") &
P1=$!
(cd / && umask 077 && LC_ALL=C.UTF-8 "$PINWHEEL" --json build "$T/hybrid" --only "$TGT" \
	--no-cache --out "$T/out2" >"$T/b2.out" 2>"$T/b2.err"; echo $? >"$T/b2.st") &
P2=$!
wait $P1 $P2
is "$(cat "$T/b1.st")" 0 "first build exits 0"
[ "$(cat "$T/b1.st")" = 0 ] || diag "$(tail -5 "$T/b1.err")" "$(tail -30 "$T/out1/logs/$TGT.log" 2>/dev/null)"
is "$(cat "$T/b2.st")" 0 "second build exits 0"
like "$(cat "$T/b1.out")" "^$TGT +ok +passed " "the summary table says built and smoke-tested"

W1=$(cd "$T/out1" && ls *.whl 2>/dev/null)
W2=$(cd "$T/out2" && ls *.whl 2>/dev/null)
is "$W1" "hybrid-0.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" \
	"one manylinux2014 wheel (the example's floor), named with both tags"
is "$W2" "$W1" "both builds name it the same"
cmp -s "$T/out1/$W1" "$T/out2/$W2"
ok $? "the two wheels are byte-identical"
if ! cmp -s "$T/out1/$W1" "$T/out2/$W2"; then
	python3 - "$T/out1/$W1" "$T/out2/$W2" <<'PY' | head -20 | sed 's/^/# /'
import sys, zipfile
a, b = (zipfile.ZipFile(p) for p in sys.argv[1:])
for x, y in zip(a.infolist(), b.infolist()):
    if (x.filename, x.CRC, x.date_time, x.external_attr) != (y.filename, y.CRC, y.date_time, y.external_attr):
        print("differs:", x.filename, y.filename)
PY
fi
cmp -s "$T/out1/hybrid-0.1.0.tar.gz" "$T/out2/hybrid-0.1.0.tar.gz"
ok $? "the normalised sdists are byte-identical"
is "$(ls -A "$T/out1" | tr '\n' ' ')" "$W1 hybrid-0.1.0.tar.gz logs pinwheel-manifest.json " \
	"OUT holds the wheel, the sdist, the logs and the manifest (no temp dirs)"
grep -q "==== pinwheel: smoke test: ok" "$T/out1/logs/$TGT.log"
ok $? "the log records the smoke test"
# ... in its bookworm root and again in the default old root, bullseye
# (CPython 3.11 built there, slim; numpy from the example's
# [project].dependencies, resolved by that root's pip: docs/config.md)
is "$(grep -c '^pinwheel: imported hybrid\.' "$T/out1/logs/$TGT.log")" 14 \
	"the smoke test imported all seven extension modules, in both roots"
like "$(cat "$T/b1.out")" "^$TGT +smoke test passed in: bookworm bullseye$" \
	"the summary names both roots"

python3 - "$T/b2.out" >"$T/j" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["targets"][0]
print(d["ok"], t["target"], t["smoke"], t["wheel"] == t["wheel"].strip())
PY
is "$(cat "$T/j")" "True $TGT passed True" "--json: one document with the target's result"

# The manifest: in-toto Statement v1 + SLSA Provenance v1, subjects = the
# files with their sha256, every lock artifact and the source tree resolved.
python3 - "$T/out1" "$T/hybrid/pinwheel.lock" >"$T/m" 2>&1 <<'PY'
import hashlib, json, os, sys
out, lock = sys.argv[1:]
m = json.load(open(os.path.join(out, "pinwheel-manifest.json")))
print(m["_type"], m["predicateType"])
ok = all(hashlib.sha256(open(os.path.join(out, s["name"]), "rb").read()).hexdigest()
         == s["digest"]["sha256"] for s in m["subject"])
print(len(m["subject"]), ok)
deps = m["predicate"]["buildDefinition"]["resolvedDependencies"]
arts = json.load(open(lock))["artifacts"]
print(sorted(a["sha256"] for a in arts) == sorted(d["digest"]["sha256"] for d in deps if "sha256" in d["digest"]),
      [d["name"] for d in deps if "pinwheel-tree-v1" in d["digest"]])
print(m["predicate"]["runDetails"]["builder"]["version"]["pinwheel"] != "",
      "zlib" in m["predicate"]["buildDefinition"]["internalParameters"]["deflate"])
PY
is "$(sed -n 1p "$T/m")" "https://in-toto.io/Statement/v1 https://slsa.dev/provenance/v1" \
	"the manifest is an in-toto statement with SLSA provenance"
is "$(sed -n 2p "$T/m")" "2 True" "subjects: the wheel and the sdist, with the files' sha256"
is "$(sed -n 3p "$T/m")" "True ['source']" "resolved: every lock artifact and the source tree"
is "$(sed -n 4p "$T/m")" "True True" "the builder's version and the zlib are recorded"
cmp -s "$T/out1/pinwheel-manifest.json" "$T/out2/pinwheel-manifest.json"
ok $? "the manifests of the two builds are identical too"

# auditwheel (from the package index, into a venv; cached like t5201's).
CACHE="$SRCDIR/$BUILD/test-cache"
mkdir -p "$CACHE" 2>/dev/null
[ -w "$CACHE" ] || CACHE="$T/cache"
st=0
if ! ls "$CACHE/auditwheel/"*.whl >/dev/null 2>&1; then
	rm -rf "$CACHE/auditwheel.tmp" &&
		python3 -m pip download -q --disable-pip-version-check --only-binary :all: \
			-d "$CACHE/auditwheel.tmp" "$AUDITWHEEL" >"$T/pip.log" 2>&1 &&
		rm -rf "$CACHE/auditwheel" && mv "$CACHE/auditwheel.tmp" "$CACHE/auditwheel" || st=1
fi
[ $st -eq 0 ] && { python3 -m venv "$T/venv" >"$T/venv.log" 2>&1 &&
	"$T/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index \
		--find-links "$CACHE/auditwheel" "$AUDITWHEEL" >>"$T/venv.log" 2>&1 || st=1; }
ok $st "$AUDITWHEEL installed into a venv"
want=$("$T/venv/bin/auditwheel" show "$T/out1/$W1" 2>"$T/aw.err" | tr '\n' ' ' |
	sed -n 's/.*consistent with the following platform tag: *"\([^"]*\)".*/\1/p')
got=$(echo "$W1" | sed 's/^hybrid-0\.1\.0-cp311-cp311-\([^.]*\)\..*/\1/')
is "$got" "$want" "the wheel's tag is the one auditwheel show gives"
