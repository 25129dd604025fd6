#!/bin/sh
# bench/config.sh - loading and validating pinwheel.json: `pinwheel plan`
# (jansson parse + position scan + validation + matrix) against the
# established route, Python's jsonschema (Draft7Validator) with
# profiles/schema/pinwheel.schema.json, on the same generated config; and
# `pinwheel lock --check` (offline: parse lock + config, recompute, compare)
# on the lock of that config, against the same jsonschema validation of the
# lock alone.
#
#   sh bench/config.sh [RUNS] [ARCHIVES]   (default 5 runs, 20000 archives)
#
# Prints the median of each and the ratio pinwheel/jsonschema (lower is
# better for pinwheel).  Not part of `make check`.
set -eu
RUNS=${1:-5}
N=${2:-20000}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all >/dev/null
PW="$SRCDIR/build/pinwheel"
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/p" "$W/q"
python3 - "$W/p/pinwheel.json" "$W/q/pinwheel.json" "$N" <<'PY'
import json, sys, hashlib
n = int(sys.argv[3])
arch = [{"name": "a%d" % i, "url": "https://mirror.example/a/%d.tar.gz" % i,
         "sha256": hashlib.sha256(b"%d" % i).hexdigest(), "size": 1000 + i, "strip": 1,
         "dest": "/opt/a%d" % i} for i in range(n)]
cfg = {"version": 1,
       "python": {"3.%d" % m: {"base": {"debian": {"suite": "trixie", "packages": ["python3-dev"]}}}
                  for m in range(9, 15)},
       "platforms": ["manylinux_x86_64", "manylinux_aarch64"],
       "build_requires": ["pkg%d==1.%d" % (i, i) for i in range(200)],
       "archives": arch}
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
# For --check: archives only (the Debian and PyPI providers are stubs here).
cfg["python"] = {"3.13": {"base": {"archive": arch[0]}}}
del cfg["build_requires"]
json.dump(cfg, open(sys.argv[2], "w"), indent=2)
PY
PINWHEEL_STORE="$W/store" "$PW" -q lock "$W/q"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() { # RUNS CMD... -> median ms
	_r=$1
	shift
	for _i in $(seq "$_r"); do
		_s=$(now)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
		_e=$(now)
		echo $(((_e - _s) / 1000000))
	done | median
}
jsval() {
	python3 -c 'import json,sys,jsonschema
s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))
jsonschema.Draft7Validator(s).validate(d)' "$1" "$2"
}
CS="$SRCDIR/profiles/schema/pinwheel.schema.json"
LS="$SRCDIR/profiles/schema/pinwheel.lock.schema.json"
echo "config: $(wc -c <"$W/p/pinwheel.json") bytes, $N archives, 12 targets; lock: $(wc -c <"$W/q/pinwheel.lock") bytes"
a=$(time_cmd "$RUNS" "$PW" plan "$W/p")
b=$(time_cmd "$RUNS" jsval "$CS" "$W/p/pinwheel.json")
echo "pinwheel plan:            ${a} ms"
echo "jsonschema (config):      ${b} ms"
echo "ratio plan/jsonschema:    $(awk "BEGIN {printf \"%.3f\", $a / $b}")"
c=$(time_cmd "$RUNS" env PINWHEEL_STORE="$W/store" "$PW" lock --check "$W/q")
d=$(time_cmd "$RUNS" jsval "$LS" "$W/q/pinwheel.lock")
echo "pinwheel lock --check:    ${c} ms"
echo "jsonschema (lock only):   ${d} ms"
echo "ratio check/jsonschema:   $(awk "BEGIN {printf \"%.3f\", $c / $d}")"
