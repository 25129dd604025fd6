#!/bin/sh
# --events: lock and fetch say what they do as JSON Lines on stderr
# ("resolve" per block of each target, "download" per artifact, "compose"
# per root, then "done"), while --json keeps its own stdout: lock's one
# summary object, fetch's artifact and root objects.  A failed resolution
# is a "resolve" event with the error line's words, then "done" "failed".
# The root is the host's python3.11 and pip packed as an archive base
# (test only); bar comes from a loopback index.
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip' 2>/dev/null || skip_all "python3-pip not installed"
plan 17

py_base_tar "$T/py.tar"
ok $? "packed the test base"
cat >"$T/spec.json" <<'JSON'
[{"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = 1\n"}}]
JSON
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1
EV="$SRCDIR/tests/helpers/events.py"
ID=cp311-manylinux_x86_64

P="$T/proj"
mkdir -p "$P"
cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "build_requires": ["bar==1.0"]}
JSON

# ---- lock ----
run_pw 0 "lock --events --json" --events --json lock "$P"
is "$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["targets"], d["artifacts"])')" \
	"written 1 2" "stdout is still the one summary object"
cp "$T/.err" "$T/lock.err"
is "$(python3 "$EV" "$T/lock.err")" "resolve start $ID base.archives archive 1/1
resolve done $ID base.archives archive 1/1 ms
resolve start $ID manylinux zig 1/1
resolve done $ID manylinux zig 1/1 ms
resolve start $ID build_requires pypi 1/1
download cached $ID py.tar - bytes=0
compose start lock $ID layers=1
compose done lock $ID layers=1 root=ROOT trees=1 built=0
resolve done $ID build_requires pypi 1/1 ms
done lock written ms" "lock's events: each block (the default manylinux floor's too: a no-op for a pure project), the root pip runs in, the end"
is "$(grep -v '^{' "$T/lock.err")" "wrote '$P/pinwheel.lock' (1 targets, 2 artifacts)" \
	"the other lines of stderr are the usual messages"

run_pw 0 "lock again" --events lock "$P"
is "$(python3 "$EV" "$T/.err" | tail -n 2)" "resolve done $ID build_requires pypi 1/1 ms
done lock unchanged ms" "kept pins: no root composed, done says unchanged"
is "$OUT" "" "without --json, nothing on stdout"

# ---- fetch, into an empty store: both artifacts are downloaded ----
S2="$T/store2"
run_pw 0 "fetch --events --json" --events --json --store "$S2" fetch --jobs 1 "$P"
WHL=bar-1.0-py3-none-any.whl
PYSIZE=$(wc -c <"$T/py.tar" | tr -d ' ')
WSIZE=$(wc -c <"$T/www/files/$WHL" | tr -d ' ')
is "$(python3 "$EV" "$T/.err")" "download start - py.tar py.tar size=$PYSIZE
download fetched - py.tar py.tar bytes=$PYSIZE
download start - bar $WHL size=$WSIZE
download fetched - bar $WHL bytes=$WSIZE
compose start fetch $ID layers=2
compose done fetch $ID layers=2 root=ROOT trees=2 built=1
done fetch done ms artifacts=2 cached=0 bytes=$((PYSIZE + WSIZE))" \
	"fetch's events: each download with its size, the root, the end"
is "$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(" ".join(json.loads(l)["event"] for l in sys.stdin))')" \
	"artifact artifact root" "stdout keeps fetch's --json objects"
ROOT_OUT=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin][-1]["root"])')
ROOT_EV=$(python3 -c 'import json,sys; print([e["root"] for e in map(json.loads, (l for l in open(sys.argv[1]) if l[0] == "{")) if e["event"] == "compose" and e["status"] == "done"][-1])' "$T/.err")
is "$ROOT_EV" "$ROOT_OUT" "the compose event names the root id fetch prints"

run_pw 0 "fetch again" --events --store "$S2" fetch "$P"
is "$(python3 "$EV" "$T/.err")" "download cached - py.tar - bytes=0
download cached - bar - bytes=0
compose start fetch $ID layers=2
compose done fetch $ID layers=2 root=ROOT trees=2 built=0
done fetch done ms artifacts=2 cached=2 bytes=0" "all present: cached, no start events, nothing built"

# ---- a failed resolution ----
sed 's/bar==1.0/nosuch==1.0/' "$P/pinwheel.json" >"$P/j" && mv "$P/j" "$P/pinwheel.json"
run_pw 1 "lock of a missing requirement fails" --events --json lock "$P"
ERRLINE=$(grep '^pinwheel: lock: ' "$T/.err" | sed 's/^pinwheel: lock: //')
like "$ERRLINE" "build_requires.*$ID.*nosuch" "the error line names the field, the target and the pin"
is "$(python3 "$EV" "$T/.err" | tail -n 2)" "resolve failed $ID build_requires pypi 1/1 ms error=$ERRLINE
done lock failed ms" "the failed block carries the error line; done says failed"
