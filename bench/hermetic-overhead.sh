#!/bin/sh
# bench/hermetic-overhead.sh - what the sandbox costs a real build: the same
# target of the bundled example built
#   (a) by `pinwheel build --only TARGET` (user/mount/pid/net namespaces,
#       seccomp, limits), timing its build_wheel step from the log, and
#   (b) by the same PEP 517 build_wheel call on the same unpacked sdist in
#       the same composed root WITHOUT the sandbox: an overlayfs mount of
#       the root's store trees + chroot, as root, with the same environment
#       (SOURCE_DATE_EPOCH, PYTHONHASHSEED, CARGO_*, job count, config env),
# alternating (b),(a) RUNS times; prints each run, the medians and the ratio
# a/b (target <= 1.05), and the whole `pinwheel build` (sdist, pipeline,
# smoke test included) against (b) for information.
# Needs root, a fetched store (make demo) and build/tests/helpers/pw-rootplan
# (make unit-tests).  Usage: sh bench/hermetic-overhead.sh [RUNS] [TARGET]
# (RUNS default 2, TARGET default cp311-manylinux_x86_64).  Not part of
# `make check`.
set -eu
RUNS=${1:-2}
TGT=${2:-cp311-manylinux_x86_64}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW=${PINWHEEL:-$SRCDIR/build/pinwheel}
PLAN=$SRCDIR/build/tests/helpers/pw-rootplan
PATH=$PATH:/usr/sbin:/sbin
STORE="${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}"
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (the baseline mounts and chroots)" >&2; exit 2; }
[ -x "$PW" ] && [ -x "$PLAN" ] || { echo "bench: run 'make all unit-tests' first" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
cleanup() {
	for m in $(awk -v w="$W" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }

cp -R "$SRCDIR/examples/hybrid" "$W/hybrid"
if [ -f "$SRCDIR/build/demo/hybrid/pinwheel.lock" ]; then
	cp "$SRCDIR/build/demo/hybrid/pinwheel.lock" "$W/hybrid/"
fi
"$PW" --store "$STORE" lock --check "$W/hybrid" >/dev/null 2>&1 || "$PW" --store "$STORE" lock "$W/hybrid"
"$PW" --store "$STORE" fetch "$W/hybrid" >/dev/null

# The frontend of runner/build/pep517.c, and the environment of runner/build/step.c.
FRONTEND='import importlib, os, sys
hook, outdir, backend = sys.argv[1:4]
sys.path[:0] = [os.path.join(os.getcwd(), p) for p in sys.argv[4:]]
mod, _, obj = backend.partition(":")
b = importlib.import_module(mod.strip())
for a in obj.strip().split(".") if obj.strip() else []:
    b = getattr(b, a)
print("returned", getattr(b, hook)(outdir, {}))'
PY="python3.$(echo "$TGT" | sed 's/^cp3\([0-9]*\)-.*/\1/')"

pinwheel_run() { # N -> prints "STEP TOTAL"
	t0=$(now)
	"$PW" --store "$STORE" -q build "$W/hybrid" --only "$TGT" --out "$W/out$1" >/dev/null
	t1=$(now)
	step=$(sed -n 's/^==== pinwheel: build_wheel: ok (\([0-9.]*\) s)$/\1/p' "$W/out$1/logs/$TGT.log")
	echo "$step $(echo "$t1 - $t0" | bc)"
}

chroot_run() { # N SDIST -> prints seconds
	R="$W/c$1"
	mkdir -p "$R/root" "$R/upper" "$R/work" "$R/src" "$R/out" "$R/cargo"
	tar -C "$R/src" --strip-components=1 -xzf "$2"
	lower=""
	"$PLAN" "$STORE" "$W/hybrid" "$TGT" >"$R/plan"
	while read -r dest path; do
		[ "$dest" = / ] && lower="$path${lower:+:$lower}"
	done <"$R/plan"
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$R/upper,workdir=$R/work" "$R/root"
	while read -r dest path; do
		[ "$dest" = / ] && continue
		mkdir -p "$R/root$dest" && mount --bind -o ro "$path" "$R/root$dest"
	done <"$R/plan"
	for d in src out cargo; do mkdir -p "$R/root/$d" && mount --bind "$R/$d" "$R/root/$d"; done
	mkdir -p "$R/root/proc" "$R/root/dev" "$R/root/tmp/home"
	mount -t proc proc "$R/root/proc"
	mount --rbind /dev "$R/root/dev"
	mount -t tmpfs tmpfs "$R/root/tmp" && mkdir -p "$R/root/tmp/home"
	t0=$(now)
	env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp/home TZ=UTC LC_ALL=C.UTF-8 \
		SOURCE_DATE_EPOCH=315532800 PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 PIP_NO_INDEX=1 \
		CARGO_HOME=/cargo CARGO_INCREMENTAL=0 CARGO_NET_OFFLINE=true CARGO_BUILD_JOBS=2 \
		CMAKE_BUILD_PARALLEL_LEVEL=2 MAX_JOBS=2 SETUPTOOLS_SCM_PRETEND_VERSION=0.1.0 \
		CARGO_PROFILE_RELEASE_DEBUG=false \
		"$(command -v chroot)" "$R/root" sh -c 'umask 022; cd /src && exec "$@"' sh \
		"$PY" -c "$FRONTEND" build_wheel /out setuptools.build_meta >"$R/log" 2>&1 ||
		{ tail -20 "$R/log" >&2; exit 1; }
	t1=$(now)
	echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "target $TGT, $RUNS runs each, $(nproc) cores; store $STORE"
# A first pinwheel build gives the sdist both sides build from.
"$PW" --store "$STORE" -q build "$W/hybrid" --only "$TGT" --out "$W/out0" >/dev/null
SDIST=$(ls "$W"/out0/*.tar.gz)
: >"$W/a" && : >"$W/b" && : >"$W/t"
i=1
while [ "$i" -le "$RUNS" ]; do
	b=$(chroot_run "$i" "$SDIST")
	set -- $(pinwheel_run "$i")
	printf 'run %d: chroot build_wheel %6.1f s   pinwheel build_wheel %6.1f s   pinwheel build (all steps) %6.1f s\n' \
		"$i" "$b" "$1" "$2"
	echo "$b" >>"$W/b" && echo "$1" >>"$W/a" && echo "$2" >>"$W/t"
	i=$((i + 1))
done
A=$(median <"$W/a") B=$(median <"$W/b") TT=$(median <"$W/t")
printf 'median: chroot %.1f s, pinwheel build_wheel %.1f s, pinwheel build %.1f s\n' "$B" "$A" "$TT"
printf 'ratio build_wheel pinwheel/chroot: %.3f (target <= 1.05)\n' "$(echo "$A / $B" | bc -l)"
printf 'ratio whole pinwheel build (sdist + wheel + pipeline + smoke test)/chroot build_wheel: %.3f\n' \
	"$(echo "$TT / $B" | bc -l)"
