#!/bin/sh
# bench/fetch-parallel.sh - fetch 50 files of 1-20 MB from a loopback server:
# `pinwheel fetch` (libcurl multi, --jobs N; hashes, fsyncs and renames each
# file into the store) against the curl CLI fetching them one after another,
# curl's own --parallel, and curl --parallel followed by `sha256sum -c` (the
# same work as pinwheel: download and verify), in the same run.
# Prints hyperfine's table and the ratios.  Not part of `make check`.
# LATENCY_MS (default 0) delays every response by that much, as a distant
# mirror would (the server's /lat route); on raw loopback the Python test
# server itself bounds every tool's throughput.
# Usage: sh bench/fetch-parallel.sh [JOBS]   (PINWHEEL=path/to/pinwheel)
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW=${PINWHEEL:-$SRCDIR/build/pinwheel}
JOBS=${1:-8}
RUNS=${RUNS:-3}
LAT=${LATENCY_MS:-0}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
for t in curl hyperfine; do
	command -v $t >/dev/null || { echo "bench: '$t' is needed (apt-get install $t)" >&2; exit 2; }
done
[ -x "$PW" ] || { echo "bench: build pinwheel first (make)" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pw-bench.XXXXXX")
SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM
mkdir -p "$W/www" "$W/proj"

# 50 files, sizes 1..20 MiB in a fixed pseudo-random order.
total=0
{
	printf '{"version": 1, "artifacts": [\n'
	i=1
	while [ $i -le 50 ]; do
		mb=$(( (i * 7 + 3) % 20 + 1 ))
		head -c $((mb * 1048576)) /dev/urandom >"$W/www/f$i"
		sha=$(sha256sum "$W/www/f$i" | cut -d' ' -f1)
		echo "$sha  f$i" >>"$W/sums"
		total=$((total + mb))
		[ $i -gt 1 ] && printf ',\n'
		printf '{"name": "f%d", "urls": ["@BASE@/lat/%d/f%d"], "sha256": "%s", "size": %d}' \
			$i "$LAT" $i "$sha" $((mb * 1048576))
		i=$((i + 1))
	done
	printf '\n]}\n'
} >"$W/lock.in"
mkfifo "$W/port"
sh -c 'exec "$@" >"$0"' "$W/port" "$PY" "$SRCDIR/tests/helpers/httpd.py" --dir "$W/www" \
	--log "$W/requests.log" --lifetime 3600 &
SRV=$!
read -r PORT <"$W/port"
BASE="http://127.0.0.1:$PORT"
sed "s|@BASE@|$BASE|g" "$W/lock.in" >"$W/proj/pinwheel.lock"
i=1
: >"$W/curl-seq.sh"
: >"$W/curl-par.cfg"
while [ $i -le 50 ]; do
	echo "curl -sSf -o '$W/curl/f$i' '$BASE/lat/$LAT/f$i'" >>"$W/curl-seq.sh"
	printf 'url = "%s/lat/%s/f%d"\noutput = "%s/curl/f%d"\n' "$BASE" "$LAT" $i "$W" $i >>"$W/curl-par.cfg"
	i=$((i + 1))
done
echo "50 files, $total MiB in all, loopback server on port $PORT (+$LAT ms per response), pinwheel --jobs $JOBS"
echo "$(curl --version | head -1)"
hyperfine --runs "$RUNS" --style basic --export-json "$W/result.json" \
	--prepare "chmod -R u+w '$W/store' 2>/dev/null; rm -rf '$W/store' '$W/curl'; mkdir -p '$W/curl'" \
	-n "pinwheel fetch --jobs $JOBS" "'$PW' --store '$W/store' -q fetch '$W/proj' --jobs $JOBS" \
	-n "curl, one after another" "sh '$W/curl-seq.sh'" \
	-n "curl --parallel --parallel-max $JOBS" "curl -sSf --parallel --parallel-max $JOBS -K '$W/curl-par.cfg'" \
	-n "curl --parallel + sha256sum -c" "curl -sSf --parallel --parallel-max $JOBS -K '$W/curl-par.cfg' && cd '$W/curl' && sha256sum --quiet -c '$W/sums'"
"$PY" - "$W/result.json" "$total" <<'PYEOF'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
names = list(r)
pw, seq, par, parsum = (r[n] for n in names)
mib = float(sys.argv[2])
for n in names:
    print("%-36s %7.3f s  %7.1f MiB/s" % (n, r[n], mib / r[n]))
print("ratio: curl one-after-another / pinwheel = %.2fx" % (seq / pw))
print("ratio: curl --parallel / pinwheel       = %.2fx" % (par / pw))
print("ratio: curl --parallel + sha256sum / pinwheel = %.2fx  (same work: download and verify)" % (parsum / pw))
PYEOF
