#!/bin/sh
# bench/seccomp-compile.sh - what the seccomp cache buys.  Run from the top
# of the tree after `make unit-tests`; needs hyperfine (and bwrap for the
# comparison with the established tool).  Prints:
#  1. in-process: compiling the 'build' profile with libseccomp (all ABIs)
#     vs taking it from the per-process cache (sysprobe --time);
#  2. `pinwheel run -- true` with the filter from the disk cache, compiled
#     afresh (no store, so no cache), and without seccomp;
#     (bwrap's row includes an extra sh exec, about 0.5 ms, to pass the fd)
#  3. bwrap running the same command with the same BPF program (--seccomp FD),
#     the established tool, in the same run.
# Ratios are printed against the cached pinwheel run.
set -eu
: "${BUILD:=build}"
PROBE=$BUILD/tests/helpers/sysprobe
PW=$BUILD/pinwheel
N=${N:-2000}
[ -x "$PROBE" ] && [ -x "$PW" ] || { echo "run 'make unit-tests' first" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

echo "== in-process compile vs cache ($N cached calls)"
"$PROBE" --time "$N" --filter build | tee "$T/inproc"
first=$(sed 's/.*compile-first-us=\([0-9.]*\).*/\1/' "$T/inproc")
cached=$(sed 's/.*compile-cached-us=\([0-9.]*\).*/\1/' "$T/inproc")
awk -v a="$first" -v b="$cached" 'BEGIN { printf "ratio compile/cached: %.0fx\n", a / b }'

echo "== cost of a cheap syscall (getppid), no filter vs the build filter"
"$PROBE" syscall-ns
"$PROBE" --filter build syscall-ns

echo "== disk cache: first compile writes it, later processes read it"
"$PROBE" --time 1 --filter build --cache "$T/cache" | sed 's/^/first process (compiles, writes): /'
"$PROBE" --time 1 --filter build --cache "$T/cache" | sed 's/^/next process (reads the file):    /'
ls "$T/cache"
bpf=$(ls "$T/cache"/*.bpf)

root="--ro-bind /usr:/usr --symlink usr/bin:/bin --symlink usr/lib:/lib --symlink usr/lib64:/lib64"
export PINWHEEL_STORE="$T/store"
"$PW" run $root -- /usr/bin/true # warm the store's seccomp cache
set -- \
	-n cached "env PINWHEEL_STORE=$T/store $PW run $root -- /usr/bin/true" \
	-n compiled "env -u PINWHEEL_STORE HOME=/nonexistent $PW run $root -- /usr/bin/true" \
	-n none "env PINWHEEL_STORE=$T/store $PW run $root --seccomp none -- /usr/bin/true"
if command -v bwrap >/dev/null; then
	set -- "$@" -n bwrap "sh -c 'exec bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --seccomp 9 /usr/bin/true 9<$bpf'"
fi
echo "== sandbox start-up: pinwheel run -- true (hyperfine)"
hyperfine -N --warmup 20 --runs 300 --export-json "$T/h.json" "$@" >/dev/null
python3 - "$T/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["cached"]["mean"]
for name, x in r.items():
    print("%-9s mean %6.2f ms  median %6.2f ms  (%.2fx of cached)" % (name, x["mean"] * 1e3, x["median"] * 1e3, x["mean"] / base))
PY
