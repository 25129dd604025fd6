#!/bin/sh
# bench/lock.sh - issue 18's "Lock faster" acceptance (not part of make
# check): `pinwheel lock` of a copy of examples/hybrid (six roots: three
# Debian suites x two architectures, each with its build_requires resolved
# by the root's own pip, its crates, the Zig floor), by two pinwheel
# binaries in the same run:
#
#   cold  an empty store (--store in a temp dir): the Packages indexes,
#         every .deb of each root pip runs in and every wheel are
#         downloaded again;
#   warm  the store the cold lock filled, the lock file removed (so every
#         block is resolved again: the indexes are fetched again, the
#         roots' trees are already there).
#
#   sh bench/lock.sh [-- LOCK OPTIONS]      e.g.  sh bench/lock.sh -- --jobs 4
#
# Needs ~13 GB free where TMPDIR is (one cold store of the example at a
# time).
# BASE=path/to/pinwheel is the "before" binary; without it, main's commit
# BASE_REV (default 92a5411) is built into a temp dir from `git archive`.
# NEW=path/to/pinwheel is the "after" binary (default: build/pinwheel).
# PYTHONS="3.13 ..." keeps only those Pythons of the example (a trimmed
# copy: cp313 x86_64 + aarch64 with PYTHONS=3.13, ~1/4 of the disk).
# The LOCK OPTIONS go to NEW only (BASE may not know them).  RUNS=N
# repeats each measurement (default 1: a cold lock is minutes).  The
# network is the machine's own mirror and index, as `pinwheel lock` uses
# them; both binaries see the same mirror state within minutes.
# Prints one line per lock and the ratios before/after; the locks of both
# binaries are compared byte for byte (except the "pinwheel" version key).
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
NEW=${NEW:-$SRCDIR/build/pinwheel}
BASE_REV=${BASE_REV:-92a5411}
RUNS=${RUNS:-1}
[ "${1:-}" = "--" ] && shift
NEW_OPTS=$* # word-split on use: lock options have no spaces
W=$(mktemp -d "${TMPDIR:-/tmp}/pw-bench-lock.XXXXXX")
cleanup() { chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM
[ -x "$NEW" ] || { echo "bench: build pinwheel first (make), or set NEW" >&2; exit 2; }
if [ -z "${BASE:-}" ]; then
	echo "bench: building $BASE_REV into $W/base" >&2
	mkdir -p "$W/base"
	git -C "$SRCDIR" archive "$BASE_REV" | tar -x -C "$W/base"
	make -C "$W/base" -j"$(nproc)" >"$W/base.log" 2>&1 ||
		{ tail -20 "$W/base.log" >&2; exit 2; }
	BASE=$W/base/build/pinwheel
fi
[ -x "$BASE" ] || { echo "bench: '$BASE' is not executable" >&2; exit 2; }
now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# one lock: NAME BIN STORE PROJ [OPTIONS]; prints the seconds
lock1() {
	name=$1 bin=$2 store=$3 proj=$4
	shift 4
	rm -f "$proj/pinwheel.lock"
	t0=$(now)
	if ! "$bin" --store "$store" -q lock "$proj" "$@" 2>"$W/$name.err"; then
		echo "bench: $name failed:" >&2
		tail -5 "$W/$name.err" >&2
		exit 1
	fi
	t1=$(now)
	el "$t0" "$t1"
}

echo "example: examples/hybrid ($(git -C "$SRCDIR" rev-parse --short HEAD)), $(nproc) cores, runs: $RUNS"
echo "before: $BASE"
echo "after:  $NEW $NEW_OPTS"
for who in base new; do
	cp -r "$SRCDIR/examples/hybrid" "$W/proj-$who"
	rm -f "$W/proj-$who/pinwheel.lock"
	[ -z "${PYTHONS:-}" ] || python3 - "$W/proj-$who/pinwheel.json" $PYTHONS <<'PY'
import json, sys
p, keep = sys.argv[1], sys.argv[2:]
c = json.load(open(p))
c["python"] = {k: v for k, v in c["python"].items() if k in keep}
tags = ["cp" + k.replace(".", "") for k in keep]
c["exclude"] = [x for x in c.get("exclude", []) if x.split("-")[0] in tags]
if not c["exclude"]:
    del c["exclude"]
json.dump(c, open(p, "w"), indent=2)
PY
done
[ -z "${PYTHONS:-}" ] || echo "trimmed: only Python $PYTHONS"
# A cold store of the example is ~13 GB: one store at a time, removed
# after its binary's warm lock.  SKIP_BASE_COLD=1 measures BASE's warm
# lock only, on the store NEW's cold lock filled (the same entries).
drop() { chmod -R u+w "$1" 2>/dev/null || :; rm -rf "$1"; }
run=1
: >"$W/times"
while [ "$run" -le "$RUNS" ]; do
	for who in new base; do
		if [ $who = base ]; then bin=$BASE opts=""; else bin=$NEW opts=$NEW_OPTS; fi
		if [ $who = base ] && [ "${SKIP_BASE_COLD:-0}" = 1 ]; then
			c=-
			# shellcheck disable=SC2086
			w=$(lock1 "warm-$who" "$bin" "$W/store-new" "$W/proj-$who" $opts)
			cp "$W/proj-$who/pinwheel.lock" "$W/lock-base"
			drop "$W/store-new"
		else
			drop "$W/store-$who"
			# shellcheck disable=SC2086
			c=$(lock1 "cold-$who" "$bin" "$W/store-$who" "$W/proj-$who" $opts)
			cp "$W/proj-$who/pinwheel.lock" "$W/lock-$who"
			# shellcheck disable=SC2086
			w=$(lock1 "warm-$who" "$bin" "$W/store-$who" "$W/proj-$who" $opts)
			[ "${SKIP_BASE_COLD:-0}" = 1 ] || drop "$W/store-$who"
		fi
		echo "run $run  $who  cold lock ${c} s  warm lock ${w} s"
		echo "$who $c $w" >>"$W/times"
	done
	run=$((run + 1))
done
awk '{ if ($2 != "-") { c[$1] += $2; nc[$1]++ } w[$1] += $3; n[$1]++ }
END {
	if (nc["base"] && nc["new"])
		printf "cold lock: before %.1f s, after %.1f s: %.2fx faster\n", c["base"]/nc["base"], c["new"]/nc["new"], c["base"]/c["new"]
	else
		printf "cold lock: after %.1f s (before: not measured, SKIP_BASE_COLD=1)\n", c["new"]/nc["new"]
	printf "warm lock: before %.1f s, after %.1f s: %.2fx faster\n", w["base"]/n["base"], w["new"]/n["new"], w["base"]/w["new"]
}' "$W/times"
for who in base new; do
	grep -v '"pinwheel": ' "$W/lock-$who" >"$W/lock-$who.cmp"
done
if cmp -s "$W/lock-base.cmp" "$W/lock-new.cmp"; then
	echo "locks: identical (but for the \"pinwheel\" version key)"
else
	echo "locks: DIFFER (the mirror or the index may have moved between the runs):"
	diff "$W/lock-base.cmp" "$W/lock-new.cmp" | head -20
fi
