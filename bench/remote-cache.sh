#!/bin/sh
# bench/remote-cache.sh - the shared HTTP action cache (--cache-url) against
# nginx's WebDAV module on loopback.  Not part of `make check`.
#  1. one 256 MiB blob through pinwheel's client (tests/helpers/pw-remote:
#     the code `build --cache-url` runs) and through curl(1), same server:
#       GET: pw-remote get-cas (into a store: hashed as it arrives, fsynced,
#            renamed)  vs  curl -o FILE + sha256sum FILE + sync
#       PUT: pw-remote put-cas (HEAD, then PUT streamed from the store)
#            vs  curl -T FILE
#  2. a tiny two-target project (tests/tiny-lib.sh): machine A builds cold
#     and pushes; machine B (a store with only the roots) pulls everything;
#     A again (a local hit).
# Prints the seconds of each and the ratios.  Needs nginx and curl, and the
# helpers built (`make check TESTS=test_remote` builds them).  Run it with
# `nice` on a shared machine.
set -u
: "${BUILD:=build}" "${SIZE_MB:=256}"
SRCDIR=$(pwd)
PINWHEEL="$SRCDIR/$BUILD/pinwheel"
export SRCDIR PINWHEEL BUILD
[ -x "$PINWHEEL" ] && [ -x "$BUILD/tests/helpers/pw-remote" ] ||
	{ echo "bench/remote-cache.sh: build pinwheel and its test helpers first" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench/remote-cache.sh: curl(1) is needed" >&2; exit 2; }
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/remotelib.sh"
. "$SRCDIR/tests/tiny-lib.sh"

now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.2f", $1 - $2}'; }
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "-" }'; }
die() { echo "bench/remote-cache.sh: $*" >&2; exit 1; }

start_nginx
U="$NURL/bench"

# 1. one blob
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$T/blob"
SHA=$(sha256sum "$T/blob" | cut -d' ' -f1)
"$PINWHEEL" --store "$T/sA" store add "$T/blob" --sha256 "$SHA" >/dev/null || die "store add failed"
t0=$(now)
"$PWREMOTE" "$U" "$T/sA" put-cas "$SHA" || die "put-cas failed"
PW_PUT=$(since "$t0")
t0=$(now)
curl -fsS -T "$T/blob" "$U/curl/$SHA" || die "curl -T failed"
CURL_PUT=$(since "$t0")
sync
t0=$(now)
"$PWREMOTE" "$U" "$T/sB" get-cas "$SHA" || die "get-cas failed"
PW_GET=$(since "$t0")
t0=$(now)
curl -fsS -o "$T/curl.out" "$U/cas/$SHA" && [ "$(sha256sum "$T/curl.out" | cut -d' ' -f1)" = "$SHA" ] &&
	sync "$T/curl.out" || die "curl -o failed"
CURL_GET=$(since "$t0")
cmp -s "$T/blob" "$T/sB/blobs/sha256/$SHA" || die "the blob came back different"

# 2. the tiny project
tiny_setup 3.11 3.12 || die "tiny project setup failed"
"$PINWHEEL" --store "$T/roots" lock "$P" >/dev/null 2>&1 && "$PINWHEEL" --store "$T/roots" fetch "$P" >/dev/null 2>&1 ||
	die "lock/fetch failed"
cp -al "$T/roots" "$T/mA" && cp -al "$T/roots" "$T/mB" || die "copy failed"
build() { # NAME STORE ARGS...
	_n=$1 _s=$2
	shift 2
	_t=$(now)
	"$PINWHEEL" --store "$_s" build "$P" --out "$T/out-$_n" "$@" >"$T/$_n.txt" 2>"$T/$_n.err" ||
		{ cat "$T/$_n.err" >&2; die "build $_n failed"; }
	since "$_t"
}
COLD=$(build cold "$T/mA" --cache-url "$U/ac-bench")
REMOTE=$(build remote "$T/mB" --cache-url "$U/ac-bench")
LOCAL=$(build local "$T/mA" --cache-url "$U/ac-bench")
NC=$(grep -c '^cp31[12]-manylinux_x86_64 *cached ' "$T/remote.txt")
cmp -s "$T/out-cold/pinwheel-manifest.json" "$T/out-remote/pinwheel-manifest.json" || die "B's manifest differs"

echo "blob of $SIZE_MB MiB over loopback nginx (seconds; ratio curl/pinwheel, >1: pinwheel faster)"
printf '  GET  pinwheel %6s  curl+sha256sum %6s  ratio %s\n' "$PW_GET" "$CURL_GET" "$(ratio "$CURL_GET" "$PW_GET")"
printf '  PUT  pinwheel %6s  curl -T        %6s  ratio %s\n' "$PW_PUT" "$CURL_PUT" "$(ratio "$CURL_PUT" "$PW_PUT")"
echo "tiny project, 2 targets (seconds)"
printf '  cold build on A (pushing)   %6s\n' "$COLD"
printf '  B from the remote           %6s  (%s of 2 targets cached)  cold/remote %s\n' "$REMOTE" "$NC" "$(ratio "$COLD" "$REMOTE")"
printf '  A again (local hit)         %6s  cold/local %s\n' "$LOCAL" "$(ratio "$COLD" "$LOCAL")"
