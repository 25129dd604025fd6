#!/bin/sh
# bench/matrix.sh - the example's whole matrix (examples/hybrid: cp311,
# cp313, cp314 on x86_64) built cold and warm, and cold with --jobs 1 vs
# --jobs 2.  Not part of `make check`.
#   cold:  --no-cache into a fresh OUT (everything runs in sandboxes; the
#          results are still recorded in the action cache)
#   warm:  a normal build into another fresh OUT right after: every target
#          and the sdist come from the action cache
# Prints the seconds of each run and the ratios cold/warm and jobs1/jobs2.
# Uses the shared store ($PINWHEEL_STORE, else ~/.cache/pinwheel); run it
# with `nice` on a shared machine.  BUILD (default build) holds the binary.
set -eu
: "${BUILD:=build}"
PW="$(pwd)/$BUILD/pinwheel"
[ -x "$PW" ] || { echo "bench/matrix.sh: build pinwheel first (make)" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pw-bench-matrix.XXXXXX")
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT
cp -R examples/hybrid "$W/hybrid"
rm -f "$W/hybrid/pinwheel.lock"
"$PW" lock "$W/hybrid" >/dev/null
"$PW" fetch "$W/hybrid" >/dev/null

now() { date +%s.%N; }
run() { # NAME ARGS...: time one build; its table goes to $W/NAME.txt
	_name=$1
	shift
	_t0=$(now)
	"$PW" build "$W/hybrid" --out "$W/$_name" "$@" >"$W/$_name.txt" 2>"$W/$_name.err" ||
		{ cat "$W/$_name.err" >&2; echo "bench/matrix.sh: build $_name failed" >&2; exit 1; }
	echo "$(now) $_t0" | awk '{printf "%.2f\n", $1 - $2}'
}

COLD2=$(run cold-jobs2 --no-cache --jobs 2)
WARM=$(run warm --jobs 2)
COLD1=$(run cold-jobs1 --no-cache --jobs 1)
NCACHED=$(grep -c '^cp[0-9a-z_-]* *cached ' "$W/warm.txt" || true)
NT=$(grep -c '^cp[0-9a-z_-]* *\(ok\|cached\) ' "$W/cold-jobs2.txt" || true)
if cmp -s "$W/cold-jobs2/pinwheel-manifest.json" "$W/warm/pinwheel-manifest.json"; then
	SAME=identical
else
	SAME=DIFFERENT
fi
echo "matrix: $NT targets of examples/hybrid, $(nproc) CPUs"
echo "cold (--no-cache --jobs 2): $COLD2 s"
echo "warm (--jobs 2, $NCACHED/$NT cached): $WARM s; manifests $SAME"
echo "cold (--no-cache --jobs 1): $COLD1 s"
awk -v c="$COLD2" -v w="$WARM" 'BEGIN {printf "ratio cold/warm: %.1fx\n", c / w}'
awk -v a="$COLD1" -v b="$COLD2" 'BEGIN {printf "ratio jobs1/jobs2 (cold): %.2fx\n", a / b}'
