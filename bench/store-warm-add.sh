#!/bin/sh
# bench/store-warm-add.sh - a warm `pinwheel store add` of an artifact that is
# already in the store must not touch the network or read the source:
# target < 10 ms.  Compared in the same run with `sha256sum` of the same file
# and `curl file://` copying it (what any re-verification would cost), and
# with a warm `store add URL` pointing at a loopback port nobody serves (proves no
# network), and with `pinwheel --version`: the cost of starting the binary
# (dynamic linking of libcurl and friends), the floor of any command.  The
# median is reported; on a shared machine compare rows of the same run.
# Not part of `make check`.
# Usage: sh bench/store-warm-add.sh [SIZE_MB]   (PINWHEEL=path/to/pinwheel)
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW=${PINWHEEL:-$SRCDIR/build/pinwheel}
MB=${1:-64}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
for t in curl hyperfine sha256sum; do
	command -v $t >/dev/null || { echo "bench: '$t' is needed" >&2; exit 2; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/pw-bench.XXXXXX")
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT INT TERM
head -c $((MB * 1048576)) /dev/urandom >"$W/a"
SHA=$(sha256sum "$W/a" | cut -d' ' -f1)
"$PW" --store "$W/store" -q store add "$W/a" --sha256 "$SHA" >/dev/null
echo "a $MB MiB file already in the store"
hyperfine -N --warmup 10 --runs 200 --style basic --export-json "$W/result.json" \
	-n "pinwheel store add FILE (warm)" "$PW --store $W/store -q store add $W/a --sha256 $SHA" \
	-n "pinwheel store add URL (warm)" "$PW --store $W/store -q store add http://127.0.0.1:9/a --sha256 $SHA" \
	-n "sha256sum FILE" "sha256sum $W/a" \
	-n "curl file:// -o /dev/null" "curl -s -o /dev/null file://$W/a" \
	-n "pinwheel --version (process start-up floor)" "$PW --version"
"$PY" - "$W/result.json" <<'PYEOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
# The machine may be shared: the median is the robust figure.
r = {x["command"]: x["median"] for x in res}
names = list(r)
for x in res:
    print("%-34s median %8.2f ms  mean %8.2f ms  min %8.2f ms" % (
        x["command"], x["median"] * 1000, x["mean"] * 1000, x["min"] * 1000))
warm = r[names[0]]
print("ratio: sha256sum / warm add = %.1fx" % (r[names[2]] / warm))
print("ratio: curl file:// / warm add = %.1fx" % (r[names[3]] / warm))
print("warm add above process start-up: %.2f ms" % ((warm - r[names[4]]) * 1000))
print("target < 10 ms (median): %s (%.2f ms)" % ("met" if warm < 0.010 else "MISSED", warm * 1000))
PYEOF
