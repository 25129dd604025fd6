#!/bin/sh
# bench/rust-cache.sh - what the compile cache (C objects and Rust crates,
# docs/compile-cache.md) gives a matrix of the example (examples/hybrid), in
# one run, every build under `nice -n 10`, the action cache emptied before
# each so every target really builds:
#   one     one target alone (the first ID), compile cache empty
#   off     every target, --no-compile-cache (no objects, no crates, no
#           warmed Zig cache: what a build did before the compile cache)
#   cold    every target, compile cache empty: crates and objects shared
#           between the targets of one run as they go
#   warm    every target again, the compile cache as cold left it
#   change  (CHANGE=1) a one-line change in one Cython module, warm
#   chcold  (CHANGE=1) the same change, --no-cache (every compile runs):
#           the wheels of change must be its bytes
# NO_OFF=1 leaves `off` out (the longest build: half of the run).
# Prints seconds, the ratios to `one` and to `cold`, the compile cache's
# hits and misses per target (--stats), and whether the wheels of cold,
# warm and off, and of change and chcold, are byte-identical.
#
#   LOCK=path/to/pinwheel.lock sh bench/rust-cache.sh [ID...]
#       (default IDs: the example's x86_64 targets; LOCK: a fresh lock of
#       examples/hybrid, else the example is locked first, which takes minutes)
#
# The builds use a store of their own, made in BENCH_STORE (default: a
# temp directory beside the source store) from hard links of the source
# store's blobs/, trees/ and cache/ ($PINWHEEL_STORE, else ~/.cache/pinwheel;
# same file system: no data is copied), so the roots are present and the
# compile cache and the action cache start empty; it is removed at the end
# unless given as BENCH_STORE.
# Not part of `make check`: an hour on a small shared machine.
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all >/dev/null
PW="$SRCDIR/build/pinwheel"
SRC_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench-rcache.XXXXXX")
S=${BENCH_STORE:-$W/store}
# directories only: the files of blobs/ and trees/ are the source store's
# (hard links), whose modes must stay as they are; a BENCH_STORE given is
# kept for the next run
trap 'find "$W" -type d -exec chmod u+w {} + 2>/dev/null; rm -rf "$W"' EXIT
P="$W/hybrid"
cp -R "$SRCDIR/examples/hybrid" "$P"
rm -f "$P/pinwheel.lock"
[ -z "${LOCK:-}" ] || cp "$LOCK" "$P/pinwheel.lock"
if [ $# -eq 0 ]; then
	set -- $("$PW" plan "$P" 2>/dev/null | awk '$1 ~ /-manylinux_x86_64$/ { print $1 }')
fi
[ $# -gt 0 ] || { echo "bench/rust-cache.sh: no target" >&2; exit 1; }
ONLY=""
for id; do ONLY="$ONLY --only $id"; done
echo "bench/rust-cache.sh: preparing (lock when needed, fetch, the bench store): $*"
"$PW" -q --store "$SRC_STORE" lock --check "$P" >/dev/null 2>&1 ||
	nice -n 10 "$PW" -q --store "$SRC_STORE" lock "$P" >/dev/null
nice -n 10 "$PW" -q --store "$SRC_STORE" fetch "$P" >/dev/null
mkdir -p "$S"
for d in blobs trees cache; do
	[ -e "$S/$d" ] || nice -n 10 cp -al "$SRC_STORE/$d" "$S/$d"
done

# build NAME ARGS...: milliseconds of one build into $W/NAME, the action
# cache emptied first
build() {
	name=$1
	shift
	rm -rf "$S/ac"
	s=$(date +%s%N)
	# shellcheck disable=SC2086
	nice -n 10 "$PW" --store "$S" build "$P" --out "$W/$name" --stats "$@" >"$W/$name.log" 2>&1 || {
		echo "bench/rust-cache.sh: $name: build failed:" >&2
		tail -n 20 "$W/$name.log" >&2
		exit 1
	}
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}
empty_cc() {
	[ ! -d "$S/compile-cache" ] || chmod -R u+w "$S/compile-cache"
	rm -rf "$S/compile-cache"
}

empty_cc
ONE=$(build one --only "$1")
OFF=
[ "${NO_OFF:-0}" = 1 ] || OFF=$(build off $ONLY --no-compile-cache)
empty_cc
COLD=$(build cold $ONLY)
WARM=$(build warm $ONLY)
if [ "${CHANGE:-0}" = 1 ]; then
	printf '\n_BENCH_CHANGE = %s\n' "$(date +%s)" >>"$P/hybrid/_stats.pyx"
	CH=$(build change $ONLY)
	CHC=$(build chcold $ONLY --no-cache)
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
secs() { ratio "$1" 1000; }
same() { # A B: how many wheels of A are byte-identical in B
	n=0 m=0
	for w in "$W/$1"/*.whl; do
		m=$((m + 1))
		if cmp -s "$w" "$W/$2/$(basename "$w")"; then n=$((n + 1)); fi
	done
	echo "$n of $m"
}
printf '%-58s %8s %7s %7s\n' "hybrid, $# targets ($(echo "$*" | tr ' ' ','))" seconds "x one" "x cold"
printf '%-58s %8s %7s %7s\n' "one target alone ($1), compile cache empty" "$(secs "$ONE")" 1.00 \
	"$(ratio "$ONE" "$COLD")"
[ -z "$OFF" ] || printf '%-58s %8s %7s %7s\n' "matrix, --no-compile-cache" "$(secs "$OFF")" \
	"$(ratio "$OFF" "$ONE")" "$(ratio "$OFF" "$COLD")"
printf '%-58s %8s %7s %7s\n' "matrix, compile cache empty (cold)" "$(secs "$COLD")" \
	"$(ratio "$COLD" "$ONE")" 1.00
printf '%-58s %8s %7s %7s\n' "matrix again, compile cache warm" "$(secs "$WARM")" \
	"$(ratio "$WARM" "$ONE")" "$(ratio "$WARM" "$COLD")"
if [ -n "${CH:-}" ]; then
	printf '%-58s %8s %7s %7s\n' "matrix after a one-line Cython change, warm" "$(secs "$CH")" \
		"$(ratio "$CH" "$ONE")" "$(ratio "$CH" "$COLD")"
	printf '%-58s %8s %7s %7s\n' "the same change, --no-cache (every compile runs)" "$(secs "$CHC")" \
		"$(ratio "$CHC" "$ONE")" "$(ratio "$CHC" "$COLD")"
fi
echo "wheels byte-identical: cold vs warm $(same cold warm)${OFF:+; cold vs --no-compile-cache $(same cold off)}${CH:+; change vs its --no-cache build $(same change chcold)}"
for r in one cold warm ${CH:+change}; do
	echo "compile cache of '$r':"
	sed -n '/^compile cache (/,$p' "$W/$r.log"
done
