#!/bin/sh
# bench/compile-cache.sh - what the compile cache saves (docs/compile-cache.md):
# the example's x86_64 targets rebuilt after a one-line change in one
# Cython module, in one run:
#   warm   `pinwheel build`: the store's compile cache as the first build
#          left it (every other module a hit) and Zig's warmed cache
#   cold   `pinwheel build --no-cache`: the same change compiled from
#          nothing, Zig's cache built in each step (what a build did before
#          the compile cache)
# and checks that both give byte-identical wheels.
#
#   sh bench/compile-cache.sh [ID...]   (default: the example's x86_64 targets)
#   LOCK=path/to/pinwheel.lock sh bench/compile-cache.sh
#                                       start from a lock of examples/hybrid
#                                       (kept when 'pinwheel lock --check' says
#                                       fresh, else what the lock reuses; a cold
#                                       lock of the example takes minutes)
#
# A copy of examples/hybrid is locked (unless LOCK is fresh) and fetched into
# the default store (not timed); then, timed, one after another under nice:
# a first build (the caches as found, which fills them), the change, the
# warm build, the cold build.  Prints seconds, the ratio warm/cold and the
# compile cache's hits and misses per target.  Not part of `make check`:
# expect ten minutes or more on a small machine.
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all >/dev/null
PW="$SRCDIR/build/pinwheel"
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench-ccache.XXXXXX")
trap 'rm -rf "$W"' EXIT
P="$W/hybrid"
cp -R "$SRCDIR/examples/hybrid" "$P"
rm -f "$P/pinwheel.lock"
# a given lock is kept when fresh, else it is the prior the lock reuses
[ -z "${LOCK:-}" ] || cp "$LOCK" "$P/pinwheel.lock"
if [ $# -eq 0 ]; then
	set -- $("$PW" plan "$P" 2>/dev/null | awk '$1 ~ /-manylinux_x86_64$/ { print $1 }')
fi
[ $# -gt 0 ] || { echo "bench/compile-cache.sh: no x86_64 target in the example" >&2; exit 1; }
ONLY=""
for id; do ONLY="$ONLY --only $id"; done
echo "bench/compile-cache.sh: preparing (lock when needed, fetch): $*"
"$PW" -q lock --check "$P" >/dev/null 2>&1 || nice "$PW" -q lock "$P" >/dev/null
nice "$PW" -q fetch "$P" >/dev/null

# build NAME ARGS...: milliseconds of one build into $W/NAME
build() {
	name=$1
	shift
	s=$(date +%s%N)
	# shellcheck disable=SC2086
	nice "$PW" build "$P" $ONLY --out "$W/$name" --stats "$@" >"$W/$name.log" 2>&1 || {
		echo "bench/compile-cache.sh: $name: build failed:" >&2
		tail -n 20 "$W/$name.log" >&2
		exit 1
	}
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

F=$(build first)
# the one-line change: a new module-level name in one Cython module
printf '\n_BENCH_CHANGE = %s\n' "$(date +%s)" >>"$P/hybrid/_stats.pyx"
WM=$(build warm)
C=$(build cold --no-cache)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
same=0
differ=0
for w in "$W/warm"/*.whl; do
	if cmp -s "$w" "$W/cold/$(basename "$w")"; then same=$((same + 1)); else differ=$((differ + 1)); fi
done
printf '%-52s %8s\n' "hybrid, $# x86_64 targets ($(echo "$*" | tr ' ' ','))" "seconds"
printf '%-52s %8.1f\n' "first build (caches as found; fills them)" "$(ratio "$F" 1000)"
printf '%-52s %8.1f\n' "after a one-line change, warm compile cache" "$(ratio "$WM" 1000)"
printf '%-52s %8.1f\n' "after a one-line change, cold (--no-cache)" "$(ratio "$C" 1000)"
echo "ratio warm/cold: $(ratio "$WM" "$C")"
echo "wheels byte-identical warm vs cold: $same of $((same + differ))"
echo "compile cache of the warm build:"
sed -n '/^compile cache (/,$p' "$W/warm.log"
[ "$differ" -eq 0 ]
