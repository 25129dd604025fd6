#!/bin/sh
# The fetcher against a loopback server that injects faults: retries on
# 5xx, cut and truncated bodies, wrong bytes (nothing stored), a trickle
# (low-speed timeout), a redirect loop, Range resume after a cut, a server
# ignoring Range, a pinned size cap, and mirrors tried in order.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 50
export PINWHEEL_RETRY_BASE_MS=5 PINWHEEL_RETRIES=2 PINWHEEL_LOW_SPEED_TIME=1
start_httpd
S=$PINWHEEL_STORE
mkblob a 200000
A=$SHA
blobs() { count_files "$S/blobs/sha256"; }

run_pw 0 "500 twice, then success: retried" store add "$BASE/fail500/2/a" --sha256 "$A" --size 200000
is "$OUT" "$S/blobs/sha256/$A" "prints the blob path"
is "$(requests '^GET /fail500/2/a ')" 3 "three requests: two 500s and the good one"
run_cmd 0 "the stored blob is the file" cmp "$WWW/a" "$S/blobs/sha256/$A"
is "$(stat -c %a "$S/blobs/sha256/$A")" 444 "blobs are read-only (0444)"
rm -rf "$S"

run_pw 1 "a body cut every time fails after the retries" store add "$BASE/truncate/1000/a" --sha256 "$A" --size 200000
like "$ERR" "^pinwheel: could not fetch 'a': $BASE/truncate/1000/a: transfer closed with 199000 bytes remaining" "the error names the url and the cut"
is "$(requests '^GET /truncate/1000/a ')" 3 "the first try and two retries"
is "$(blobs)" 0 "nothing stored"

run_pw 1 "a short body fails the pinned size" store add "$BASE/short/1000/a" --sha256 "$A" --size 200000
like "$ERR" "size mismatch: expected 200000 bytes, got 1000" "the error says expected and actual size"
is "$(blobs)$(count_files "$S/tmp")" 00 "nothing stored, no temp file left"

run_pw 1 "wrong bytes: digest mismatch" store add "$BASE/wrong/a" --sha256 "$A"
W=$(head -c 200000 "$WWW/a" | $PY -c 'import sys,hashlib; print(hashlib.sha256(bytes(b ^ 255 for b in sys.stdin.buffer.read())).hexdigest())')
is "$ERR" "pinwheel: could not fetch 'a': $BASE/wrong/a: sha256 mismatch: expected $A, got $W" \
	"the error names url, expected and actual digest"
is "$(blobs)$(count_files "$S/tmp")" 00 "a wrong digest leaves nothing behind"

start=$(date +%s)
PINWHEEL_RETRIES=0 run_pw 1 "a trickle hits the low-speed timeout" store add "$BASE/trickle/a" --sha256 "$A"
end=$(date +%s)
like "$ERR" "$BASE/trickle/a: Operation too slow" "the error says the transfer was too slow"
ok $([ $((end - start)) -lt 10 ] && echo 0 || echo 1) "the low-speed timeout is PINWHEEL_LOW_SPEED_TIME (took $((end - start))s)"

run_pw 1 "a redirect loop fails" store add "$BASE/loop/0" --sha256 "$A"
like "$ERR" "$BASE/loop/0: Maximum \(10\) redirects followed" "the error names the redirect limit"
is "$(requests '^GET /loop/')" 11 "the limit is 10 redirects; no retries for a loop"

run_pw 0 "a redirect is followed" store add "$BASE/redirect/a" --sha256 "$A"
is "$OUT" "$S/blobs/sha256/$A" "the redirected download is stored"
rm -rf "$S"

run_pw 0 "a cut connection resumes with Range" store add "$BASE/cut/50000/a" --sha256 "$A" --size 200000
is "$(grep '^GET /cut/50000/a ' "$REQLOG" | cut -d' ' -f3 | tr '\n' ' ')" "- bytes=50000- " "the retry asked for bytes=50000-"
run_cmd 0 "the resumed blob is the file" cmp "$WWW/a" "$S/blobs/sha256/$A"
is "$(count_files "$S/tmp")" 0 "no temp file left"
rm -rf "$S"

run_pw 0 "a server ignoring Range: restart from zero" --json store add "$BASE/cutnorange/50000/a" --sha256 "$A" --size 200000
is "$(grep '^GET /cutnorange/50000/a ' "$REQLOG" | cut -d' ' -f3 | tr '\n' ' ')" "- bytes=50000- " "Range was asked for"
run_cmd 0 "the restarted blob is the file" cmp "$WWW/a" "$S/blobs/sha256/$A"
rm -rf "$S"

# a partial file that is not a prefix of the artifact: resumed, found
# wrong, fetched again from zero
: >"$REQLOG"
mkdir -p "$S/tmp"
head -c 150000 /dev/zero >"$S/tmp/$A.part"
run_pw 0 "a bad partial file is resumed, then replaced" store add "$BASE/ok/a" --sha256 "$A" --size 200000
is "$(grep '^GET /ok/a ' "$REQLOG" | cut -d' ' -f3 | tr '\n' ' ')" "bytes=150000- - " "Range first, then from zero"
run_cmd 0 "the blob is the file" cmp "$WWW/a" "$S/blobs/sha256/$A"
rm -rf "$S"

run_pw 1 "more bytes than the pinned size are refused" store add "$BASE/ok/a" --sha256 "$A" --size 1000
like "$ERR" "$BASE/ok/a: more than the pinned 1000 bytes" "the error names the size cap"
is "$(blobs)$(count_files "$S/tmp")" 00 "nothing stored"

run_pw 1 "a 404 fails without retries" store add "$BASE/ok/nosuchfile" --sha256 "$A"
like "$ERR" "$BASE/ok/nosuchfile: The requested URL returned error: 404" "the error names the status"
is "$(requests '^GET /ok/nosuchfile ')" 1 "a 404 is not retried"

# Mirrors: through `pinwheel fetch` and a lock with three urls.
mkblob b 30000
B=$SHA
write_lock "$T/proj" "$(lock_entry a "$A" 200000 "http://127.0.0.1:1/a" "$BASE/ok/nosuchfile" "$BASE/ok/a")" \
	"$(lock_entry b "$B" 30000 "$BASE/fail500/1/b")"
run_pw 0 "a dead mirror and a 404 mirror, then a good one" --json fetch "$T/proj"
like "$OUT" "\"name\":\"a\".*\"status\":\"fetched\".*\"url\":\"$BASE/ok/a\"" "the json event names the mirror that delivered"
like "$OUT" "\"name\":\"b\".*\"status\":\"fetched\"" "the other artifact is fetched too"
is "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 2 "one json event per artifact"
run_pw 0 "a second fetch finds everything present" --json fetch "$T/proj"
is "$(printf '%s\n' "$OUT" | grep -c '"status":"cached"')" 2 "both artifacts are cached"

write_lock "$T/bad" "$(lock_entry a "$A" 200000 "http://127.0.0.1:1/a" "$BASE/wrong/a")" \
	"$(lock_entry b "$B" 30000 "$BASE/ok/b")"
rm -rf "$S"
run_pw 1 "fetch fails when an artifact fails on every mirror" fetch "$T/bad"
like "$ERR" "could not fetch 'a' from any of its 2 urls; last: $BASE/wrong/a: sha256 mismatch" "the failed artifact is named with its last error"
is "$(ls "$S/blobs/sha256")" "$B" "the good artifact is stored, the bad one is not"
run_pw 1 "the same with --json" --json fetch "$T/bad"
like "$OUT" '"error":"could not fetch .a. from any of its 2 urls.*"name":"a".*"status":"failed"' "a failed event carries the error"
