#!/bin/sh
# bench/aarch64.sh - the example's cp311 wheel three ways in one run, on
# this x86_64 machine (docs/foreign.md):
#   native    cp311-manylinux_x86_64, the reference
#   cross     cp311-manylinux_aarch64 with "foreign": "cross" (x86_64 cross
#             compilers and rustc, the target's Python emulated)
#   emulate   cp311-manylinux_aarch64 with "foreign": "emulate" (every step
#             under qemu)
#
#   sh bench/aarch64.sh [PY]   (default 3.11)
#
# Each way gets its own copy of examples/hybrid (that Python only), locked
# and fetched first into the default store (not timed); then the wall time
# of `pinwheel build --only ID` alone (sdist, wheel, audit, repair, smoke
# test), one build at a time under nice.  Prints the seconds and the ratios
# emulate/cross, cross/native and emulate/native, and whether the two
# aarch64 wheels carry the same tag.  Not part of `make check`: expect tens
# of minutes on a small machine.
set -eu
PY=${1:-3.11}
TAG=cp$(echo "$PY" | tr -d .)
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all >/dev/null
PW="$SRCDIR/build/pinwheel"
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench-aarch64.XXXXXX")
trap 'rm -rf "$W"' EXIT

# project NAME PLATFORM FOREIGN: a copy of the example for one target
project() {
	cp -R "$SRCDIR/examples/hybrid" "$W/$1"
	rm -f "$W/$1/pinwheel.lock"
	python3 - "$W/$1/pinwheel.json" "$PY" "$2" "$3" <<'PY'
import json, sys
path, py, plat, foreign = sys.argv[1:]
d = json.load(open(path))
d["python"] = {py: d["python"][py]}
d["platforms"] = [plat]
d["foreign"] = foreign
json.dump(d, open(path, "w"), indent=2)
PY
	nice "$PW" -q lock "$W/$1" >/dev/null
	nice "$PW" -q fetch "$W/$1" >/dev/null
}

# build NAME ID: seconds of one build
build() {
	s=$(date +%s%N)
	nice "$PW" -q build "$W/$1" --only "$2" --out "$W/$1/out" >"$W/$1.log" 2>&1 || {
		echo "bench/aarch64.sh: $1: build failed:" >&2
		tail -n 5 "$W/$1.log" >&2
		exit 1
	}
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

echo "bench/aarch64.sh: preparing ($PY: lock and fetch three projects)"
project native manylinux_x86_64 cross
project cross manylinux_aarch64 cross
project emulate manylinux_aarch64 emulate
N=$(build native "$TAG-manylinux_x86_64")
C=$(build cross "$TAG-manylinux_aarch64")
E=$(build emulate "$TAG-manylinux_aarch64")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-34s %8s\n' "build of hybrid $TAG" "seconds"
printf '%-34s %8.1f\n' "native x86_64" "$(ratio "$N" 1000)"
printf '%-34s %8.1f\n' "aarch64, foreign=cross" "$(ratio "$C" 1000)"
printf '%-34s %8.1f\n' "aarch64, foreign=emulate" "$(ratio "$E" 1000)"
echo "ratio emulate/cross:  $(ratio "$E" "$C")"
echo "ratio cross/native:   $(ratio "$C" "$N")"
echo "ratio emulate/native: $(ratio "$E" "$N")"
wc=$(basename "$(ls "$W"/cross/out/*.whl)")
we=$(basename "$(ls "$W"/emulate/out/*.whl)")
echo "wheels: $wc / $we ($([ "$wc" = "$we" ] && echo same name || echo DIFFERENT names))"
cmp -s "$W"/cross/out/*.whl "$W"/emulate/out/*.whl &&
	echo "bytes: identical" || echo "bytes: differ (expected: different compiler builds)"
