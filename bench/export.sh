#!/bin/sh
# bench/export.sh - `pinwheel store export` + `store import` of a lock's
# artifacts against re-fetching the same blobs from a loopback mirror (the
# test server, tests/helpers/httpd.py, serving the store's own blob files),
# in the same run.  Prints the archive's size, the seconds of each step and
# the ratios.  Not part of `make check`.
#
# Usage: sh bench/export.sh [LOCK]
#   LOCK defaults to build/demo/hybrid/pinwheel.lock (`make demo` writes it);
#   its blobs are read from the store (--store/$PINWHEEL_STORE, default
#   ~/.cache/pinwheel), which is only read.  Artifacts missing from that store
#   are left out of both sides (and counted).  Needs about twice the
#   artifacts' size in $TMPDIR.  PINWHEEL=path/to/pinwheel.
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW=${PINWHEEL:-$SRCDIR/build/pinwheel}
LOCK=${1:-$SRCDIR/build/demo/hybrid/pinwheel.lock}
SRC_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
[ -x "$PW" ] || { echo "bench: build pinwheel first (make)" >&2; exit 2; }
[ -f "$LOCK" ] || { echo "bench: no lock '$LOCK' (run 'make demo' or give one)" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pw-bench-export.XXXXXX")
SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM
now() { date +%s.%N; }

# Two locks of the blobs present in the source store: as given (export), and
# with every url on the loopback mirror, without unpack or roots (the fetch
# side does the same work as import: download, hash, store).
mkfifo "$W/port"
"$PY" "$SRCDIR/tests/helpers/httpd.py" --dir "$SRC_STORE/blobs/sha256" --log /dev/null \
	--lifetime 3600 >"$W/port" &
SRV=$!
read -r PORT <"$W/port"
"$PY" - "$LOCK" "$SRC_STORE" "$W" "$PORT" <<'PYEOF'
import json, os, sys
lock, store, w, port = sys.argv[1:]
l = json.load(open(lock))
have = [a for a in l["artifacts"]
        if os.path.exists(os.path.join(store, "blobs/sha256", a["sha256"]))]
print("artifacts: %d in the lock, %d in the store" % (len(l["artifacts"]), len(have)))
os.makedirs(w + "/exp"); os.makedirs(w + "/mirror")
json.dump({"version": 1, "artifacts": have}, open(w + "/exp/pinwheel.lock", "w"))
seen, mir = set(), []
for a in have:
    if a["sha256"] in seen:
        continue
    seen.add(a["sha256"])
    mir.append({"name": a["name"], "kind": a.get("kind", "file"), "sha256": a["sha256"],
                "size": a["size"], "urls": ["http://127.0.0.1:%s/ok/%s" % (port, a["sha256"])]})
json.dump({"version": 1, "artifacts": mir}, open(w + "/mirror/pinwheel.lock", "w"))
print("blobs: %d, %.1f MiB" % (len(mir), sum(a["size"] for a in mir) / 1048576))
PYEOF

t0=$(now)
"$PW" -q --store "$SRC_STORE" store export "$W/exp" --out "$W/bundle.tar"
t1=$(now)
"$PW" -q --store "$W/imported" store import "$W/bundle.tar"
t2=$(now)
sync
chmod -R u+w "$W/imported" && rm -rf "$W/imported"
t3=$(now)
"$PW" -q --store "$W/fetched" fetch "$W/mirror"
t4=$(now)
SIZE=$(stat -c %s "$W/bundle.tar")
"$PY" - "$t0" "$t1" "$t2" "$t3" "$t4" "$SIZE" <<'PYEOF'
import sys
t0, t1, t2, t3, t4 = map(float, sys.argv[1:6]); size = int(sys.argv[6])
exp, imp, fet = t1 - t0, t2 - t1, t4 - t3
mib = size / 1048576
print("archive:  %.1f MiB" % mib)
print("export:   %6.2f s  (%.0f MiB/s)" % (exp, mib / exp))
print("import:   %6.2f s  (%.0f MiB/s)" % (imp, mib / imp))
print("re-fetch: %6.2f s  (%.0f MiB/s, pinwheel fetch from the loopback mirror)" % (fet, mib / fet))
print("ratios:   re-fetch / import %.2f, re-fetch / (export + import) %.2f" % (fet / imp, fet / (exp + imp)))
PYEOF
