#!/bin/sh
# kill -9 at any moment leaves the store consistent, and a rerun completes
# the artifact, resuming an interrupted download with a Range request.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 22
export PINWHEEL_RETRY_BASE_MS=5
start_httpd
S=$PINWHEEL_STORE
mkblob big 300000
BIG=$SHA
PART="$S/tmp/$BIG.part"
part_has() { [ -f "$PART" ] && [ "$(stat -c %s "$PART")" -ge "$1" ]; }

# /hold sends 100000 bytes, then keeps the connection idle.
write_lock "$T/held" "$(lock_entry big "$BIG" 300000 "$BASE/hold/100000/big")"
write_lock "$T/good" "$(lock_entry big "$BIG" 300000 "$BASE/ok/big")"
"$PINWHEEL" -q fetch "$T/held" & pid=$!
wait_for "the partial download" 20 part_has 100000
ok $? "the download has written 100000 bytes to tmp/<sha256>.part"
kill -9 "$pid"; wait "$pid"; st=$?
is "$st" 137 "pinwheel was killed with SIGKILL"
is "$(count_files "$S/blobs/sha256")" 0 "no blob after the kill"
run_pw 0 "the rerun completes the artifact" --json fetch "$T/good"
is "$(grep '^GET /ok/big ' "$REQLOG" | cut -d' ' -f3)" "bytes=100000-" "the rerun resumed with Range: bytes=100000-"
like "$OUT" '"resumed_from":100000' "the json event says where it resumed"
run_cmd 0 "the resumed blob is the file" cmp "$WWW/big" "$S/blobs/sha256/$BIG"
is "$(count_files "$S/tmp")" 0 "no temp files left"

# A waiting process takes over when the lock holder is killed.
rm -rf "$S"; : >"$REQLOG"
"$PINWHEEL" -q fetch "$T/held" & pid=$!
wait_for "the partial download" 20 part_has 100000
"$PINWHEEL" --json fetch "$T/good" >"$T/waiter.out" 2>"$T/waiter.err" & waiter=$!
kill -9 "$pid"; wait "$pid"
wait "$waiter"; st=$?
is "$st" 0 "a process waiting on the lock completes after the holder is killed"
like "$(cat "$T/waiter.out")" '"status":"fetched"' "... it fetched the artifact"
run_cmd 0 "... and the blob is right" cmp "$WWW/big" "$S/blobs/sha256/$BIG"

# Kills at several moments of a parallel fetch; then rerun and verify.
rm -rf "$S"; : >"$REQLOG"
set --
for n in 1 2 3 4 5; do
	mkblob "s$n" 1000000
	set -- "$@" "$(lock_entry "s$n" "$SHA" 1000000 "$BASE/slow/s$n")"
done
write_lock "$T/multi" "$@"
lines() { [ "$(wc -l <"$REQLOG")" -ge "$1" ]; }
sts=""
for k in 1 3 6 9; do
	"$PINWHEEL" -q fetch "$T/multi" --jobs 2 & pid=$!
	wait_for "$k requests" 20 lines "$k"
	kill -9 "$pid" 2>/dev/null; wait "$pid"; sts="$sts $?"
done
like "$sts" '137' "fetches were killed mid-way ($sts)"
run_pw 0 "a rerun after the kills completes every artifact" fetch "$T/multi"
bad=""
for n in 1 2 3 4 5; do cmp -s "$WWW/s$n" "$S/blobs/sha256/$(sha_of "s$n")" || bad="$bad s$n"; done
is "$bad" "" "every blob has the right bytes"
is "$(count_files "$S/tmp")" 0 "no temp files left"
run_pw 0 "store verify finds nothing damaged" store verify
like "$ERR" "verified 5 entries: 0 damaged" "verify checked the five blobs"

# Killed after the last byte but before the rename: the rerun finds the
# complete partial file, checks it and stores it without any request.
clear_store; : >"$REQLOG"
mkdir -p "$S/tmp" && cp "$WWW/big" "$PART"
run_pw 0 "a complete partial file is committed on the rerun" fetch "$T/good"
is "$(wc -l <"$REQLOG" | tr -d ' ')" 0 "... without a request"
run_cmd 0 "... and the blob is right" cmp "$WWW/big" "$S/blobs/sha256/$BIG"

# An empty artifact pinned with a wrong digest fails (and does not spin).
: >"$WWW/empty"
Z=0000000000000000000000000000000000000000000000000000000000000000
write_lock "$T/empty" "$(lock_entry empty "$Z" 0 "$BASE/ok/empty")"
run_pw 1 "an empty download with the wrong digest fails" fetch "$T/empty"
like "$ERR" "sha256 mismatch: expected $Z, got e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "names both digests"
