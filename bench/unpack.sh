#!/bin/sh
# bench/unpack.sh - the unpacker (tests/helpers/pw-unpack, i.e. pw_unpack_fd)
# against GNU `tar -xf` on the same .tar.xz and .tar.zst, in the same run.
#
#   sh bench/unpack.sh [RUNS]        (default 5 runs of each tool per format)
#
# Input: a tar of a real tree (/usr/share and /usr/include by default,
# BENCH_TREES="usr/share usr/include" relative to /) plus incompressible
# files (BENCH_RANDOM_MB, default 100), compressed with `xz -1 -T2` and
# `zstd -3`; each compressed archive must be >= 150 MB or the script stops.
# Inputs are kept in BENCH_DIR (default a temp dir, removed at the end) so a
# second run can reuse them.  Runs alternate tar / pw-unpack, each into a
# fresh directory, with `sync` (untimed) before every run so neither pays
# for the other's write-back.  As root, tar gets --no-same-owner: pinwheel
# never chowns, so tar should not be charged a chown per file either.
# BENCH_OUT=DIR puts the extracted trees there instead (e.g. a tmpfs such as
# /dev/shm, to measure the extractors rather than a shared disk).
# Prints each time, the medians and minima and the ratio pw/tar of the
# medians (target <= 1.05).
# Not part of `make check`.
set -eu
RUNS=${1:-5}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory build/tests/helpers/pw-unpack >/dev/null
U="$SRCDIR/build/tests/helpers/pw-unpack"
: "${BENCH_TREES:=usr/share usr/include}" "${BENCH_RANDOM_MB:=100}"
keep=1
if [ -z "${BENCH_DIR:-}" ]; then
	BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
	keep=0
fi
W="$BENCH_DIR"
O="${BENCH_OUT:-$W}/out"
cleanup() {
	chmod -R u+w "$O" 2>/dev/null || true
	rm -rf "$O"
	[ "$keep" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W"

if [ ! -s "$W/in.tar.xz" ] || [ ! -s "$W/in.tar.zst" ]; then
	echo "generating input in $W ..."
	mkdir -p "$W/rand"
	i=0
	while [ "$i" -lt $((BENCH_RANDOM_MB / 10)) ]; do
		head -c 10485760 /dev/urandom >"$W/rand/r$i.bin"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	tar -cf "$W/in.tar" -C / $BENCH_TREES -C "$W" rand 2>/dev/null || true
	stat -c %s "$W/in.tar" >"$W/in.size"
	tar -tf "$W/in.tar" | wc -l | tr -d ' ' >"$W/in.files"
	xz -1 -T2 -c "$W/in.tar" >"$W/in.tar.xz"
	zstd -q -3 -c "$W/in.tar" >"$W/in.tar.zst"
	rm -rf "$W/in.tar" "$W/rand"
fi
for f in in.tar.xz in.tar.zst; do
	sz=$(stat -c %s "$W/$f")
	[ "$sz" -ge 157286400 ] || { echo "$f is only $sz bytes (< 150 MB)" >&2; exit 1; }
done

tar_flags=""
[ "$(id -u)" -eq 0 ] && tar_flags="--no-same-owner"

now() { date +%s.%N; }
# timed CMD...: run CMD (which writes into $O) after emptying $O, print seconds
timed() {
	chmod -R u+w "$O" 2>/dev/null || true
	rm -rf "$O"
	mkdir -p "$O"
	sync
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{a[NR] = $1} END {m = int((NR + 1) / 2); if (NR % 2) print a[m]; else printf "%.3f\n", (a[m] + a[m + 1]) / 2}'; }

echo "pw-unpack vs tar -xf $tar_flags, $RUNS runs each, alternating, into $O"
for f in in.tar.xz in.tar.zst; do
	echo "$f: $(stat -c %s "$W/$f") bytes, $(cat "$W/in.size") bytes of tar, $(cat "$W/in.files") entries"
	: >"$W/t.tar"
	: >"$W/t.pw"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		# shellcheck disable=SC2086
		a=$(timed tar $tar_flags -C "$O" -xf "$W/$f")
		b=$(timed "$U" "$W/$f" "$O/x")
		echo "$a" >>"$W/t.tar"
		echo "$b" >>"$W/t.pw"
		printf '  run %d: tar %6.2fs  pw-unpack %6.2fs\n' "$((i + 1))" "$a" "$b"
		i=$((i + 1))
	done
	mt=$(median <"$W/t.tar")
	mp=$(median <"$W/t.pw")
	nt=$(sort -n "$W/t.tar" | head -1)
	np=$(sort -n "$W/t.pw" | head -1)
	printf '%s: median tar %.2fs, pw-unpack %.2fs, ratio pw/tar %.3f (minima %.2fs %.2fs, %.3f)\n' \
		"$f" "$mt" "$mp" "$(echo "$mp / $mt" | bc -l)" "$nt" "$np" "$(echo "$np / $nt" | bc -l)"
done
