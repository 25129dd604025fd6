#!/bin/sh
# bench/audit.sh - `pinwheel audit WHEEL` against `auditwheel show WHEEL`
# (from the package index, in a venv made here) on the same real wheels, in
# the same run.  The wheels are those of tests/t5201-audit-real.sh, taken
# from its cache ($BUILD/test-cache, filled by that test: run
# `make check TESTS=t5201-audit-real` first).
#
#   sh bench/audit.sh [RUNS]   (default 5)
#
# For each wheel: the median wall time of each tool over RUNS runs and the
# ratio auditwheel/pinwheel (higher is better for pinwheel; the target is
# >= 20).  Then the same for all wheels together.  Not part of `make check`.
set -eu
RUNS=${1:-5}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all >/dev/null
PW="$SRCDIR/build/pinwheel"
CACHE="$SRCDIR/build/test-cache"
ls "$CACHE"/wheels/*/*.whl >/dev/null 2>&1 && ls "$CACHE"/auditwheel/*.whl >/dev/null 2>&1 || {
	echo "bench/audit.sh: no cached wheels: run 'make check TESTS=t5201-audit-real' first" >&2
	exit 2
}
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
trap 'rm -rf "$W"' EXIT
python3 -m venv "$W/venv" >/dev/null
"$W/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index \
	--find-links "$CACHE/auditwheel" auditwheel >/dev/null
AW="$W/venv/bin/auditwheel"

# median_ms CMD...: the median wall time of RUNS runs, in milliseconds
median_ms() {
	i=0
	: >"$W/times"
	while [ $i -lt "$RUNS" ]; do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		echo $(((e - s) / 1000)) >>"$W/times"
		i=$((i + 1))
	done
	sort -n "$W/times" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

printf '%-44s %12s %12s %8s\n' wheel "pinwheel ms" "auditwheel" ratio
all_pw=0 all_aw=0
for w in "$CACHE"/wheels/*/*.whl; do
	p=$(median_ms "$PW" audit "$w")
	a=$(median_ms "$AW" show "$w")
	name=$(basename "$w" | cut -c1-44)
	printf '%-44s %12s %12s %7.1fx\n' "$name" "$p" "$a" "$(echo "$a $p" | awk '{ print $1 / $2 }')"
done
p=$(median_ms "$PW" audit "$CACHE"/wheels/*/*.whl)
a=$(median_ms sh -c 'for w in "$@"; do "$0" show "$w"; done' "$AW" "$CACHE"/wheels/*/*.whl)
printf '%-44s %12s %12s %7.1fx\n' "all wheels (one pinwheel process)" "$p" "$a" \
	"$(echo "$a $p" | awk '{ print $1 / $2 }')"
