#!/bin/sh
# bench/sandbox-breakdown.sh - where the start-up time of `pinwheel run`
# goes, next to the floors it cannot go under, in the same run:
#  1. the probes of sandbox/probe.h (a debug build, build-probe/): the median
#     time of each step since pw_sandbox_run() was entered, over RUNS runs
#     of `pinwheel run --layer R -- /bin/true` (parent, init and the
#     command's process side by side; see docs/security.md "How it is
#     built");
#  2. the cost of one CPUID instruction here (glibc's start-up runs dozens
#     of them in every process, and a hypervisor traps each one);
#  3. medians of whole processes (hyperfine): a static /bin/true, `pinwheel
#     --version`, `unshare -Urmpfn --mount-proc true` and `pinwheel run`:
#     two process starts (pinwheel's and the command's) are the floor of
#     every sandbox tool.
# Usage: sh bench/sandbox-breakdown.sh [RUNS]   (RUNS default 300; needs cc,
# hyperfine, python3, unshare).  Not part of `make check`.
set -eu
RUNS=${1:-300}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
for t in hyperfine cc python3 unshare; do
	command -v "$t" >/dev/null || { echo "bench: '$t' is needed" >&2; exit 2; }
done
PW=${PINWHEEL:-$SRCDIR/build/pinwheel}
[ -x "$PW" ] || { echo "bench: build pinwheel first (make)" >&2; exit 2; }
echo "building the probe build (build-probe/)..." >&2
make -C "$SRCDIR" -s BUILD=build-probe CFLAGS="-O2 -g -DSB_PROBE" build-probe/pinwheel >&2
PROBE_PW=$SRCDIR/build-probe/pinwheel
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbreak.XXXXXX")
trap 'rm -rf "$W"' EXIT
. "$SRCDIR/bench/tiny-root.sh"
tiny_root "$W"
cat >"$W/cpuid.c" <<'EOF'
#include <cpuid.h>
#include <stdio.h>
#include <time.h>
int main(void)
{
	struct timespec a, b;
	unsigned x, y, z, w, n = 2000;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (unsigned i = 0; i < n; i++)
		__cpuid_count(4, i & 3, x, y, z, w);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.2f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000.0);
	return (int)(x & 0);
}
EOF
cc -O2 -o "$W/cpuid" "$W/cpuid.c"
export PINWHEEL_STORE="$W/store"

i=0
while [ "$i" -lt "$RUNS" ]; do
	PINWHEEL_SB_PROBE=1 "$PROBE_PW" run --layer "$W/R" -- /bin/true 2>>"$W/probes"
	i=$((i + 1))
done
hyperfine -N -w 20 -r "$RUNS" --export-json "$W/h.json" \
	-n "static /bin/true" "$W/R/bin/true" \
	-n "pinwheel --version" "$PW --version" \
	-n "unshare -Urmpfn --mount-proc true" "unshare -Urmpfn --mount-proc $W/R/bin/true" \
	-n "pinwheel run --layer R -- /bin/true" "$PW run --layer $W/R -- /bin/true" >/dev/null
python3 - "$W/probes" "$W/h.json" "$("$W/cpuid")" <<'PY'
import json, statistics, sys
d, order = {}, []
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 3 and p[0] == "probe":
        if p[1] not in d:
            order.append(p[1]); d[p[1]] = []
        d[p[1]].append(float(p[2]))
print("== probes: median us since pw_sandbox_run() was entered (%d runs)" % len(d["done"]))
for k in sorted(order, key=lambda k: statistics.median(d[k])):
    print("  %-12s %8.1f" % (k, statistics.median(d[k])))
print("== one CPUID instruction: %s us" % sys.argv[3])
print("== whole processes: median (min) in ms")
for r in json.load(open(sys.argv[2]))["results"]:
    t = [x * 1000 for x in r["times"]]
    print("  %-38s %6.2f  (%5.2f)" % (r["command"], statistics.median(t), min(t)))
PY
