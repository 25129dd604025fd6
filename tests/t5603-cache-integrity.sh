#!/bin/sh
# t5603-cache-integrity: what a build does with bad cache content, through
# nginx's WebDAV module on loopback (as t5601) and in the local store:
#   - a corrupt blob on the remote (same size, one byte flipped): the next
#     build warns, rebuilds and PUTs the good bytes although a HEAD would
#     find the name; the remote's blob then hashes to its name and a third
#     machine gets a clean hit
#   - a remote record pointing at a valid wheel with a module RECORD does
#     not list: the build rejects it (warning, --json "cache_rejected",
#     the log), rebuilds, publishes the good wheel, and replaces the
#     remote's record; a later machine gets the good wheel
#   - the same tampering in the local store: rejected, the record dropped
#     and replaced, the table says why
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
. "$SRCDIR/tests/helpers/remotelib.sh"
[ -x "$NGINX" ] || skip_all "nginx missing (Debian package nginx)"
plan 38
export PINWHEEL_RETRY_BASE_MS=5
unset PINWHEEL_CACHE_URL
TGT=cp311-manylinux_x86_64

P="$T/proj"
tiny_plain "$P"
ok $? "the tiny project on the test base"
R="$T/roots"
run_pw 0 "lock" --store "$R" lock "$P"
run_pw 0 "fetch the root into R" --store "$R" fetch "$P"
sha() { sha256sum "$1" | cut -d' ' -f1; }

start_nginx
U="$NURL/c"
D="$T/nginx/docroot/c"

A=$(machine A)
run_pw 0 "machine A builds and pushes" --store "$A" build "$P" --out "$T/outA" --cache-url "$U"
W=$(cd "$T/outA" && ls ./*.whl | sed 's|^\./||')
WSHA=$(sha "$T/outA/$W")
WRE=$(printf '%s' "$W" | sed 's/[.+]/\\&/g')
is "$(sha "$D/cas/$WSHA")" "$WSHA" "the remote holds A's wheel"

# ---- a corrupt blob on the remote is replaced ----
python3 - "$D/cas/$WSHA" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[0] ^= 0xFF
open(p, "wb").write(b)
PY
: >"$NLOG"
B=$(machine B)
run_pw 0 "B, with the wheel's blob corrupt on the remote: exit 0" --store "$B" build "$P" --out "$T/outB" --cache-url "$U"
like "$(warnings)" "remote cache: GET $U/cas/$WSHA: sha256 mismatch: expected $WSHA" \
	"B warns about the remote's bytes"
like "$OUT" "^$TGT +ok +passed" "B rebuilt the target"
is "$(nreq "$NLOG" "\"PUT /c/cas/$WSHA ")" 1 "B PUT the wheel's blob although the remote had its name"
is "$(sha "$D/cas/$WSHA")" "$WSHA" "the remote's blob now hashes to its name"
: >"$NLOG"
C=$(machine C)
run_pw 0 "machine C builds" --store "$C" build "$P" --out "$T/outC" --cache-url "$U"
like "$OUT" "^$TGT +cached +passed" "C gets a hit"
is "$(warnings)" "" "C: no warning"
is "$(awk '{print $6}' "$NLOG" | sort -u | tr -d '"')" "GET" "C only read"
run_cmd 0 "C's wheel is A's" cmp "$T/outA/$W" "$T/outC/$W"

# ---- a remote record pointing at a tampered wheel is rejected ----
# A valid zip: A's wheel plus a module RECORD does not list.
python3 - "$T/outA/$W" "$T/evil.whl" <<'PY'
import shutil, sys, zipfile
shutil.copy(sys.argv[1], sys.argv[2])
with zipfile.ZipFile(sys.argv[2], "a") as z:
    z.writestr("tiny/evil.py", "import os\nos.system('echo owned')\n")
PY
ESHA=$(sha "$T/evil.whl")
ESIZE=$(wc -c <"$T/evil.whl" | tr -d ' ')
cp "$T/evil.whl" "$D/cas/$ESHA"
# point_record FILE SHA SIZE: make the target's record FILE name that blob
point_record() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
p, sha, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = json.load(open(p))
r["outputs"][0]["sha256"], r["outputs"][0]["size"] = sha, size
open(p, "w").write(json.dumps(r, indent=2) + "\n")
PY
}
RREC=$(grep -l "\"target\": \"$TGT\"" "$D"/ac/*)
point_record "$RREC" "$ESHA" "$ESIZE"
ok $? "the remote's record of $TGT now names the tampered wheel"
: >"$NLOG"
M=$(machine M)
run_pw 0 "M, with a tampered wheel on the remote: exit 0" --json --store "$M" build "$P" --out "$T/outM" --cache-url "$U"
like "$(warnings)" "action cache: the cached wheel of $TGT is rejected: wheel '$WRE': RECORD: tiny/evil\\.py: not listed in RECORD: rebuilding $TGT" \
	"M warns: the wheel and its first RECORD problem"
python3 -c 'import json,sys; t=json.loads(sys.argv[1])["targets"][0]; print(t["ok"], t["cached"], t["cache_rejected"])' "$OUT" >"$T/j"
is "$(cat "$T/j")" "True False wheel '$W': RECORD: tiny/evil.py: not listed in RECORD" \
	"--json: built, not cached, cache_rejected says why"
run_cmd 0 "M's wheel is A's, not the tampered one" cmp "$T/outA/$W" "$T/outM/$W"
like "$(tail -n 1 "$T/outM/logs/$TGT.log")" "the action cache's wheel, which was rejected: wheel '$WRE': RECORD: tiny/evil\\.py: not listed in RECORD" \
	"M's log says the cached wheel was rejected and why"
is "$(nreq "$NLOG" '"PUT /c/ac/')" 2 "M pushed the target's records again (its wheel's, its smoke test's)"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"][0]["sha256"])' "$RREC" >"$T/rs"
is "$(cat "$T/rs")" "$WSHA" "the remote's record names the good wheel again"
N=$(machine N)
run_pw 0 "machine N builds" --store "$N" build "$P" --out "$T/outN" --cache-url "$U"
like "$OUT" "^$TGT +cached +passed" "N gets a hit"
run_cmd 0 "N's wheel is A's" cmp "$T/outA/$W" "$T/outN/$W"

# ---- the same in the local store ----
run_pw 0 "the tampered wheel into N's store" --store "$N" store add "$T/evil.whl" --sha256 "$ESHA"
LREC=$(grep -l "\"target\": \"$TGT\"" "$N"/ac/*.json)
chmod u+w "$LREC" 2>/dev/null
point_record "$LREC" "$ESHA" "$ESIZE"
ok $? "N's local record of $TGT names the tampered wheel"
run_pw 0 "N again, without the remote: exit 0" --store "$N" build "$P" --out "$T/outN2" --cache-url ''
like "$(warnings)" "the cached wheel of $TGT is rejected: wheel '$WRE': RECORD: tiny/evil\\.py: not listed in RECORD: rebuilding" \
	"a tampered local record: the same warning"
like "$OUT" "^$TGT +ok +passed" "the table: built"
like "$OUT" "^$TGT +the action cache's wheel was rejected \\(wheel '$WRE': RECORD: tiny/evil\\.py: not listed in RECORD\\)" \
	"the table says the cached wheel was rejected and why"
run_cmd 0 "the wheel in OUT is the good one" cmp "$T/outA/$W" "$T/outN2/$W"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"][0]["sha256"])' "$LREC" >"$T/ls"
is "$(cat "$T/ls")" "$WSHA" "the local record was replaced by the rebuild's"
run_pw 0 "N once more" --store "$N" build "$P" --out "$T/outN3" --cache-url ''
like "$OUT" "^$TGT +cached +passed" "a hit again, of the good wheel"
is "$(warnings)" "" "no warning"
run_cmd 0 "the good wheel" cmp "$T/outA/$W" "$T/outN3/$W"
