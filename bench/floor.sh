#!/bin/sh
# bench/floor.sh - what the manylinux floor costs: one target of the
# example built two ways in one run (docs/wheels.md, "The manylinux floor"):
#   floor     "manylinux": "2014": C, C++ and Rust linked by the pinned Zig
#             (zig cc -target ARCH-linux-gnu.2.17)
#   native    "manylinux": "native": the root's own gcc and linker
#
#   sh bench/floor.sh [ID]   (default cp311-manylinux_x86_64; an aarch64 id
#                             builds in "cross" mode)
#
# Each way gets its own copy of examples/hybrid (that target's Python only),
# locked and fetched first into the default store (not timed); then the wall
# time of `pinwheel build --only ID --no-cache` alone (sdist, wheel, audit,
# repair, smoke test), one build at a time under nice.  Prints the seconds,
# the ratio floor/native and each wheel's tag.  Not part of `make check`:
# expect ten minutes or more on a small machine.
set -eu
ID=${1:-cp311-manylinux_x86_64}
PYTAG=${ID%%-*}
PLAT=${ID#*-}
PY=$(echo "$PYTAG" | sed 's/^cp3/3./')
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all >/dev/null
PW="$SRCDIR/build/pinwheel"
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench-floor.XXXXXX")
trap 'rm -rf "$W"' EXIT

# project NAME FLOOR: a copy of the example for one target
project() {
	cp -R "$SRCDIR/examples/hybrid" "$W/$1"
	rm -f "$W/$1/pinwheel.lock"
	python3 - "$W/$1/pinwheel.json" "$PY" "$PLAT" "$2" <<'PY'
import json, sys
path, py, plat, floor = sys.argv[1:]
d = json.load(open(path))
d["python"] = {py: d["python"][py]}
d["platforms"] = [plat]
d["manylinux"] = floor
json.dump(d, open(path, "w"), indent=2)
PY
	nice "$PW" -q lock "$W/$1" >/dev/null
	nice "$PW" -q fetch "$W/$1" >/dev/null
}

# build NAME: milliseconds of one build
build() {
	s=$(date +%s%N)
	nice "$PW" -q build "$W/$1" --only "$ID" --no-cache --out "$W/$1/out" >"$W/$1.log" 2>&1 || {
		echo "bench/floor.sh: $1: build failed:" >&2
		tail -n 5 "$W/$1.log" >&2
		exit 1
	}
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

echo "bench/floor.sh: preparing ($ID: lock and fetch two projects)"
project floor 2014
project native native
F=$(build floor)
N=$(build native)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
tag() { basename "$(ls "$W/$1"/out/*.whl)" .whl | cut -d- -f5; }
printf '%-34s %8s  %s\n' "build of hybrid $ID" "seconds" "tag"
printf '%-34s %8.1f  %s\n' "floor 2014 (zig)" "$(ratio "$F" 1000)" "$(tag floor)"
printf '%-34s %8.1f  %s\n' "native (the root's gcc)" "$(ratio "$N" 1000)" "$(tag native)"
echo "ratio floor/native: $(ratio "$F" "$N")"
