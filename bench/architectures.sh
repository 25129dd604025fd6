#!/bin/sh
# bench/architectures.sh - one small C extension (t5327's, linking libbz2)
# built for every Linux architecture, on this x86_64 machine, in one run
# (docs/foreign.md, "Timings of the four"):
#   x86_64     native, the reference
#   i686       the i386 root, natively in the 32-bit domain
#   aarch64, ppc64le, s390x, armv7l
#              "foreign": "cross" (the amd64 cross gcc, the target's Python
#              under qemu) and "foreign": "emulate" (every step under qemu)
#
#   sh bench/architectures.sh [ARCH...]   (default: all six)
#
# Each way gets its own project (bookworm, Python 3.11), locked and fetched
# into the default store first (the lock's wall time is printed, not part
# of the ratios); then the wall time of `pinwheel build --only ID
# --no-cache` alone per target (sdist, wheel, audit, repair, smoke test),
# one at a time under nice.  Prints seconds, the ratio to x86_64 and the
# wheel's tag.  Not part of `make check`.
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
ARCHES=${*:-x86_64 i686 aarch64 ppc64le s390x armv7l}
make -C "$SRCDIR" --no-print-directory all >/dev/null
PW="$SRCDIR/build/pinwheel"
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench-arches.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
. "$SRCDIR/tests/helpers/cext-project.sh"

ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1000 }'; }

FOREIGN=
for a in $ARCHES; do
	case $a in x86_64 | i686) ;; *) FOREIGN="$FOREIGN $a" ;; esac
done
for way in cross emulate; do
	[ "$way" = cross ] && set -- $ARCHES || set -- $FOREIGN
	[ $# -gt 0 ] || continue
	cext_project "$W/$way" "$*" "$way"
	s=$(ms)
	nice "$PW" -q lock "$W/$way" >"$W/$way.lock.log" 2>&1 &&
		nice "$PW" -q fetch "$W/$way" >>"$W/$way.lock.log" 2>&1 || {
		echo "bench/architectures.sh: $way: lock or fetch failed:" >&2
		tail -n 5 "$W/$way.lock.log" >&2
		exit 1
	}
	echo "lock + fetch ($way: $*): $(secs $(($(ms) - s))) s"
done

REF=
printf '%-26s %-8s %8s %8s  %s\n' target way seconds "/x86_64" tag
for way in cross emulate; do
	for a in $ARCHES; do
		case "$way $a" in "emulate x86_64" | "emulate i686") continue ;; esac
		id=cp311-manylinux_$a
		s=$(ms)
		nice "$PW" -q build "$W/$way" --only "$id" --no-cache --out "$W/$way/out-$a" \
			>"$W/$way-$a.log" 2>&1 || {
			echo "bench/architectures.sh: $id ($way): build failed:" >&2
			tail -n 5 "$W/$way-$a.log" >&2
			exit 1
		}
		t=$(($(ms) - s))
		[ "$a" = x86_64 ] && REF=$t
		tag=$(basename "$(ls "$W/$way/out-$a"/cext-*.whl)" .whl | cut -d- -f5)
		ratio=$([ -n "$REF" ] && awk -v a="$t" -v b="$REF" 'BEGIN { printf "%.1fx", a / b }' || echo -)
		printf '%-26s %-8s %8s %8s  %s\n' "$id" "$way" "$(secs "$t")" "$ratio" "$tag"
	done
done
