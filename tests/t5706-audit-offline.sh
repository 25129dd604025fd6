#!/bin/sh
# t5706-audit-offline: the audit of a release in miniature, as
# bench/audit-e2e.sh does it for the example: the tiny project (t5703's,
# with an ELF member) released with store A; `store export` of its lock;
# the inputs' origin removed; `store import` into an empty store B, `fetch`
# and `verify --against` the released wheel from the released sdist and
# manifest, all in a network namespace with no network at all (only a
# loopback that is down): exit 0, matched.  Without the import the
# offline fetch fails naming the artifact gone from its url.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/verify-tiny.sh"
if is_root; then NS="unshare -n"; else NS="unshare -rn"; fi
$NS true 2>/dev/null || skip_all "'$NS' is not available (no network namespaces here)"
plan 13
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

make_base
ok $? "packed the test base"
P="$T/proj"
make_tiny "$P" "" "SHIP_ELF"
ok $? "the tiny project: locked and fetched into store A"
"$PINWHEEL" build "$P" --out "$T/rel" >/dev/null 2>"$T/build.err"
ok $? "released with store A"
W=$(ls "$T"/rel/*.whl)
SD=$(ls "$T"/rel/*.tar.gz)
run_pw 0 "store export of the release's lock" store export "$P" --out "$T/bundle.tar"
# the base's url (file://$T/py.tar) is gone: only the bundle has it now
rm "$T/py.tar"

# everything below runs with no network at all
run_cmd 0 "the namespace has no network" $NS python3 -c '
import socket, sys
s = socket.socket()
try:
    s.connect(("192.0.2.1", 80))
except OSError as e:
    print(e.strerror)
    sys.exit(0)
sys.exit(1)'
is "$OUT" "Network is unreachable" "a connection attempt says so"

B="$T/storeB"
PYSHA=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["artifacts"][0]["sha256"])' "$P/pinwheel.lock")
run_cmd 1 "without the bundle the offline fetch fails" $NS "$PINWHEEL" --store "$B" fetch "$P"
like "$ERR" "fetch: 'py.tar' \(sha256 $PYSHA\) is gone: every url of it answered 404 or 410 .*run 'pinwheel store import' on a bundle of this lock" \
	"naming the artifact, its sha256 and the remedy"

chmod -R u+w "$B" 2>/dev/null
rm -rf "$B"
run_cmd 0 "import into an empty store B, offline" $NS "$PINWHEEL" --store "$B" store import "$T/bundle.tar"
run_cmd 0 "fetch from store B, offline" $NS "$PINWHEEL" --store "$B" fetch "$P"
run_cmd 0 "verify --against the released wheel, offline, from the released sdist" \
	$NS "$PINWHEEL" --store "$B" verify "$P" --against "$W" --sdist "$SD" \
	--manifest "$T/rel/pinwheel-manifest.json" --report "$T/audit.json"
like "$OUT" "every published wheel matched its rebuild" "all match"
python3 - "$T/audit.json" >"$T/j" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["ok"], [w["status"] for w in d["wheels"]], d["errors"])
PY
is "$(cat "$T/j")" "True ['matched'] []" "the report: ok, matched, no errors"
