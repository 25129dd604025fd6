#!/bin/sh
# bench/sandbox-startup.sh - start-up cost of `pinwheel run` against
# bubblewrap doing the equivalent, in the same run:
#   pinwheel run --layer R -- /bin/true                 (default seccomp profile)
#   pinwheel run --seccomp none --layer R -- /bin/true
#   pinwheel run --ro-root --layer R -- /bin/true       (read-only bind of R, as bwrap)
#   bwrap --ro-bind R / --unshare-all --die-with-parent --proc /proc --dev /dev --tmpfs /tmp /bin/true
#   unshare -Urmpf --mount-proc /bin/true               (reference: fewer namespaces, no /dev)
#   unshare -Urmpfn --mount-proc /bin/true              (the same with a network namespace)
# R is a tiny root holding a static /bin/true.  Prints the medians and the
# ratios pinwheel/bwrap and pinwheel/unshare; as root it measures again as an unprivileged user
# (BENCH_USER, default pinwheel-test, when it exists), and runs under
# SCHED_FIFO unless BENCH_RT=0.
# Usage: sh bench/sandbox-startup.sh [RUNS]   (RUNS default 200; needs
# hyperfine, bwrap, cc -static, python3).  Not part of `make check`.
# Where the time goes: build with the probes of sandbox/probe.h
#   make BUILD=build-probe CFLAGS="-O2 -g -DSB_PROBE"
# and run `PINWHEEL_SB_PROBE=1 build-probe/pinwheel run ...`: it prints the
# time between successive steps (parent, init and command) to stderr.
# PINWHEEL_BASE=PATH adds another pinwheel binary (e.g. a build of the
# previous commit) to the same rounds, for a before/after in one run.
set -eu
RUNS=${1:-200}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW=${PINWHEEL:-$SRCDIR/build/pinwheel}
for t in hyperfine bwrap cc python3 unshare; do
	command -v "$t" >/dev/null || { echo "bench: '$t' is needed" >&2; exit 2; }
done
[ -x "$PW" ] || { echo "bench: build pinwheel first (make)" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
trap 'rm -rf "$W"' EXIT
. "$SRCDIR/bench/tiny-root.sh"
tiny_root "$W"
chmod -R a+rX "$W/R"
chmod 1777 "$W/store"

# measure LABEL [setpriv args...]: ROUNDS rounds of RUNS/ROUNDS runs of each
# command, alternating, so that load from elsewhere hits all of them alike.
ROUNDS=${ROUNDS:-4}
measure() {
	label=$1; shift
	mkdir -p "$W/out/$label" && chmod 1777 "$W/out" "$W/out/$label"
	set -- "$@" env PINWHEEL_STORE="$W/store/$label" hyperfine -N -w 10 -r $((RUNS / ROUNDS))
	if [ -n "${PINWHEEL_BASE:-}" ]; then
		set -- "$@" -n "pinwheel (base)" "$PINWHEEL_BASE run --layer $W/R -- /bin/true"
	fi
	r=0
	while [ "$r" -lt "$ROUNDS" ]; do
		"$@" \
			--export-json "$W/out/$label/$r.json" \
			-n pinwheel "$PW run --layer $W/R -- /bin/true" \
			-n "pinwheel --seccomp none" "$PW run --seccomp none --layer $W/R -- /bin/true" \
			-n "pinwheel --ro-root" "$PW run --ro-root --layer $W/R -- /bin/true" \
			-n bwrap "bwrap --ro-bind $W/R / --unshare-all --die-with-parent --proc /proc --dev /dev --tmpfs /tmp /bin/true" \
			-n "unshare -Urmpf" "unshare -Urmpf --mount-proc $W/R/bin/true" \
			-n "unshare -Urmpfn" "unshare -Urmpfn --mount-proc $W/R/bin/true" \
			>/dev/null 2>"$W/out/$label/$r.err" || { cat "$W/out/$label/$r.err" >&2; exit 1; }
		r=$((r + 1))
	done
	python3 - "$label" "$W/out/$label"/*.json <<'PY'
import json, statistics, sys
times = {}
for f in sys.argv[2:]:
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
med = {k: statistics.median(v) * 1000 for k, v in times.items()}
print(f"== as {sys.argv[1]} ({len(times['bwrap'])} runs each): median (min)")
for k, v in med.items():
    print(f"  {k:26s} {v:6.2f} ms  ({min(times[k]) * 1000:5.2f})")
print(f"  ratio pinwheel/bwrap              {med['pinwheel'] / med['bwrap']:.2f}")
print(f"  ratio pinwheel --seccomp none/bwrap {med['pinwheel --seccomp none'] / med['bwrap']:.2f}")
print(f"  ratio pinwheel --ro-root/bwrap      {med['pinwheel --ro-root'] / med['bwrap']:.2f}")
print(f"  ratio pinwheel/unshare -Urmpfn      {med['pinwheel'] / med['unshare -Urmpfn']:.2f}")
if "pinwheel (base)" in med:
    print(f"  ratio pinwheel/pinwheel (base)      {med['pinwheel'] / med['pinwheel (base)']:.2f}")
    print(f"  ratio pinwheel (base)/bwrap         {med['pinwheel (base)'] / med['bwrap']:.2f}")
PY
}

# As root, run everything under SCHED_FIFO (inherited by the children, also
# across setpriv) so that other load on a shared machine does not decide the
# medians; BENCH_RT=0 turns that off.
RT=""
if [ "$(id -u)" -eq 0 ] && [ "${BENCH_RT:-1}" = 1 ] && command -v chrt >/dev/null; then
	RT="chrt -f 10"
	echo "(SCHED_FIFO priority 10 for every command measured; BENCH_RT=0 to disable)"
fi
measure "$(id -un)" $RT
if [ "$(id -u)" -eq 0 ]; then
	u=${BENCH_USER:-pinwheel-test}
	if id -u "$u" >/dev/null 2>&1; then
		measure "$u" $RT setpriv --reuid="$u" --regid="$u" --clear-groups
	fi
fi
