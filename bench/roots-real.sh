#!/bin/sh
# bench/roots-real.sh - a real target root end to end (not part of make check):
# examples/hybrid's Debian base for cp311 (bookworm: build-essential,
# python3.11-dev/-venv, python3-pip, rustc, cargo) locked, fetched into an
# empty store, fetched warm, and run.
#
#   sudo sh bench/roots-real.sh          (needs root for apt-get download, lz4)
#
# pinwheel never talks to the package registry here: the signed InRelease
# and the Packages index are the ones apt itself fetched (/var/lib/apt/lists),
# served as a file:// mirror, and the .debs of the locked closure are
# downloaded with `apt-get download` and put at their pool paths.  The
# config is a copy of examples/hybrid/pinwheel.json without build_requires
# and crates (their providers are other branches) and with only 3.11 x86_64.
#
# Prints: lock, cold fetch (verify + store + merged root), warm fetch, and
# `pinwheel run --target` of python3 and rustc; and, as the established
# baseline for the cold root, `dpkg-deb -x` of the same .debs into one
# directory, with the ratio.
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW="$SRCDIR/build/pinwheel"
[ "$(id -u)" -eq 0 ] || { echo "bench/roots-real.sh: run as root (apt-get download)" >&2; exit 2; }
[ -x "$PW" ] || { echo "bench/roots-real.sh: run 'make' first" >&2; exit 2; }
command -v lz4 >/dev/null || apt-get install -y -q lz4 >/dev/null
LISTS=/var/lib/apt/lists
INREL=$(ls "$LISTS"/*_dists_bookworm_InRelease | head -1)
PKGIDX=$(ls "$LISTS"/*_dists_bookworm_main_binary-amd64_Packages* | head -1)
[ -f "$INREL" ] && [ -f "$PKGIDX" ] || { echo "bench/roots-real.sh: run apt-get update (bookworm)" >&2; exit 2; }

W=$(mktemp -d /var/tmp/pw-bench-roots.XXXXXX)
cleanup() { chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
M="$W/mirror"
mkdir -p "$M/dists/bookworm/main/binary-amd64" "$W/proj" "$W/dl" "$W/x"
cp "$INREL" "$M/dists/bookworm/InRelease"
case "$PKGIDX" in
*.lz4) lz4 -dc "$PKGIDX" >"$M/dists/bookworm/main/binary-amd64/Packages" ;;
*) cp "$PKGIDX" "$M/dists/bookworm/main/binary-amd64/Packages" ;;
esac
python3 - "$SRCDIR/examples/hybrid/pinwheel.json" "$W/proj/pinwheel.json" "file://$M" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.pop("$schema", None); c.pop("build_requires", None); c.pop("crates", None); c.pop("optional", None)
c["python"] = {"3.11": c["python"]["3.11"]}
c["python"]["3.11"]["base"]["debian"]["mirror"] = sys.argv[3]
c["platforms"] = ["manylinux_x86_64"]
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
now() { date +%s.%N; }
el() { echo "$2 - $1" | bc; }
S="$W/store"
t0=$(now); "$PW" -q --store "$S" lock "$W/proj"; t1=$(now)
echo "lock (InRelease + gpgv + 50 MB Packages + resolve):  $(el "$t0" "$t1") s"
python3 - "$W/proj/pinwheel.lock" >"$W/pkgs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (a["package"], a["version"]) for a in d["artifacts"] if a["kind"] == "deb"))
PY
(cd "$W/dl" && apt-get download -q $(cat "$W/pkgs") >/dev/null 2>&1)
python3 - "$W/proj/pinwheel.lock" "$W/dl" <<'PY'
import hashlib, json, os, shutil, sys
d = json.load(open(sys.argv[1]))
by = {hashlib.sha256(open(os.path.join(sys.argv[2], f), "rb").read()).hexdigest(): f
      for f in os.listdir(sys.argv[2])}
for a in d["artifacts"]:
    if a["kind"] != "deb":
        continue
    p = a["urls"][0][len("file://"):]
    os.makedirs(os.path.dirname(p), exist_ok=True)
    shutil.copy(os.path.join(sys.argv[2], by[a["sha256"]]), p)
PY
echo "$(wc -w <"$W/pkgs") packages, $(du -sh "$W/dl" | cut -f1)"
sync
t0=$(now); "$PW" -q --store "$S" fetch "$W/proj" >"$W/ids"; t1=$(now)
cold=$(el "$t0" "$t1")
echo "cold fetch (store + merged root):                     $cold s   $(cat "$W/ids")"
t0=$(now); for i in 1 2 3 4 5; do "$PW" -q --store "$S" fetch "$W/proj" >/dev/null; done; t1=$(now)
echo "warm fetch (mean of 5):                               $(echo "($t1 - $t0) / 5" | bc -l | cut -c1-6) s"
t0=$(now)
for f in "$W"/dl/*.deb; do dpkg-deb -x "$f" "$W/x"; done
t1=$(now)
base=$(el "$t0" "$t1")
echo "dpkg-deb -x of the same .debs into one dir:           $base s"
echo "ratio cold fetch / dpkg-deb -x:                       $(echo "$cold / $base" | bc -l | cut -c1-5)"
T=cp311-manylinux_x86_64
t0=$(now)
"$PW" --store "$S" run --target "$T" "$W/proj" -- python3 -c 'import sys; print(sys.version)'
t1=$(now)
echo "run --target python3:                                 $(el "$t0" "$t1") s"
"$PW" --store "$S" run --target "$T" "$W/proj" -- sh -c 'rustc -V; cargo -V; command -v python3; command -v rustc'
