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
BENCH=bench/roots-real.sh
. "$(dirname "$0")/debian-mirror.sh"
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
