#!/bin/sh
# bench/pypi.sh - the PyPI provider against plain pip on the same wheels:
#   resolve: pw-pypi lock without a store (the root's pip in the sandbox
#            with --net, report parsed) vs `pip install --dry-run --report`
#            run directly (no sandbox);
#   lock:    the same plus every wheel downloaded into the store (sha256
#            verified, size pinned, store warmed for fetch);
#   install: pw-pypi install into a fresh store (sandbox without network,
#            --require-hashes, seal + digest + record) vs `pip install
#            --no-index --find-links --no-deps --require-hashes --no-compile
#            --target` run directly.
# The root is the host's /usr (as in t4301); N pure-python wheels from a
# loopback simple index.
#
#   sh bench/pypi.sh [RUNS] [WHEELS]   (default 5 runs, 40 wheels)
#
# Prints the median of each and the ratio pinwheel/pip (lower is better
# for pinwheel).  Not part of `make check`.
set -eu
RUNS=${1:-5}
N=${2:-40}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all build/tests/helpers/pw-pypi >/dev/null
DRV="$SRCDIR/build/tests/helpers/pw-pypi"
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
SERVER=""
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null; chmod -R u+w "$W"; rm -rf "$W"' EXIT
mkdir -p "$W/layer/usr"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$W/layer/$d"; done
python3 - "$W/spec.json" "$N" <<'PY'
import json, sys
n = int(sys.argv[2])
spec = [{"name": "top", "version": "1.0",
         "requires": ["dep%d" % i for i in range(1, n)],
         "modules": {"top/__init__.py": "X = 1\n"}}]
for i in range(1, n):
    mods = {"dep%d/m%d.py" % (i, j): "V = %d\n" % j * 200 for j in range(20)}
    mods["dep%d/__init__.py" % i] = ""
    spec.append({"name": "dep%d" % i, "version": "1.0", "modules": mods})
json.dump(spec, open(sys.argv[1], "w"))
PY
python3 "$SRCDIR/tests/helpers/pypi_index.py" build "$W/www" "$W/spec.json"
mkfifo "$W/port.fifo"
sh -c 'exec python3 "$0" serve "$1" "$2" >"$3"' "$SRCDIR/tests/helpers/pypi_index.py" \
	"$W/www" "$W/server.log" "$W/port.fifo" &
SERVER=$!
read -r PORT <"$W/port.fifo"
export PIP_INDEX_URL="http://127.0.0.1:$PORT/simple" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v n="$1" 'BEGIN {printf "%.0f", n / 1e6}'; }

: >"$W/t.pwres"; : >"$W/t.pwlock"; : >"$W/t.piplock"; : >"$W/t.pwinst"; : >"$W/t.pipinst"
i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	rm -rf "$W/s" "$W/r.json" "$W/tgt"
	t0=$(now)
	"$DRV" lock --layer "$W/layer" --ro-bind /usr:/usr top==1.0 >/dev/null
	echo $(($(now) - t0)) >>"$W/t.pwres"
	t0=$(now)
	"$DRV" lock --store "$W/s" --layer "$W/layer" --ro-bind /usr:/usr top==1.0 >"$W/lock.txt"
	t1=$(now)
	$PY -m pip install -q --dry-run --ignore-installed --only-binary :all: --report "$W/r.json" top==1.0
	t2=$(now)
	"$DRV" install --store "$W/s" --layer "$W/layer" --ro-bind /usr:/usr "$W/lock.txt" >/dev/null
	t3=$(now)
	awk '{print $1 "==" $2 " --hash=sha256:" $3}' "$W/lock.txt" >"$W/req.txt"
	$PY -m pip install -q --no-index --find-links "$W/www/files" --no-deps --require-hashes \
		--no-compile --target "$W/tgt" -r "$W/req.txt"
	t4=$(now)
	echo $((t1 - t0)) >>"$W/t.pwlock"; echo $((t2 - t1)) >>"$W/t.piplock"
	echo $((t3 - t2)) >>"$W/t.pwinst"; echo $((t4 - t3)) >>"$W/t.pipinst"
	chmod -R u+w "$W/s"
done
[ "$(wc -l <"$W/lock.txt")" -eq "$N" ] || { echo "lock gave $(wc -l <"$W/lock.txt") wheels, want $N" >&2; exit 1; }
r=$(median <"$W/t.pwres"); a=$(median <"$W/t.pwlock"); b=$(median <"$W/t.piplock")
c=$(median <"$W/t.pwinst"); d=$(median <"$W/t.pipinst")
echo "wheels: $N, runs: $RUNS (medians)"
echo "resolve: pinwheel $(ms "$r") ms   pip --dry-run --report $(ms "$b") ms   ratio $(awk -v a="$r" -v b="$b" 'BEGIN {printf "%.2f", a / b}')"
echo "lock:    pinwheel $(ms "$a") ms   pip --dry-run --report $(ms "$b") ms   ratio $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')"
echo "install: pinwheel $(ms "$c") ms   pip install --target  $(ms "$d") ms   ratio $(awk -v a="$c" -v b="$d" 'BEGIN {printf "%.2f", a / b}')"
