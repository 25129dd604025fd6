#!/bin/sh
# store gc never deletes what a live process is creating or about to use
# (issue #13, item 10).  A fetch holds the store (a shared lock for its
# whole run); while one of its downloads is held mid-way by the loopback
# server, an artifact it already downloaded waits in the store for its
# tree.  Then:
#   - gc --no-wait exits 1 naming the fetch ("in use by pid N (pinwheel
#     fetch)") and removes nothing
#   - a plain gc says it waits, and does not run while the fetch runs
#   - released, the fetch finishes with exit 0 (its tree made from the blob
#     gc would have deleted), and only then gc runs and removes what no lock
#     keeps
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 13

mkdir -p "$T/a" "$T/p"
head -c 30000 /dev/urandom >"$T/a/data.bin"
tar -C "$T/a" -cf "$WWW/a.tar" data.bin
mkblob big 2000000
BSHA=$SHA
ASHA=$(sha_of a.tar) ASIZE=$(stat -c %s "$WWW/a.tar")
start_httpd
cat >"$T/p/pinwheel.lock" <<JSON
{"version": 1, "artifacts": [
  {"name": "a.tar", "kind": "archive", "urls": ["$BASE/ok/a.tar"], "sha256": "$ASHA",
   "size": $ASIZE, "unpack": {"strip": 0}},
  {"name": "big", "kind": "file", "urls": ["$BASE/gate/100000/big"], "sha256": "$BSHA",
   "size": 2000000}]}
JSON
printf '{"version": 1, "artifacts": []}\n' >"$T/other.lock"
S=$PINWHEEL_STORE

# One transfer at a time: a.tar is downloaded (its tree is made at the
# end), then big is held after 100000 bytes.
bg "$PINWHEEL" fetch "$T/p" --jobs 1 --json >"$T/fetch.out" 2>"$T/fetch.err"
FETCH=$BG_PID
wait_for "the held download" 60 test -e "$WWW/big.held"
ok $? "the fetch is held in the middle of its second download"
ok "$([ -f "$S/blobs/sha256/$ASHA" ] && echo 0 || echo 1)" "the first artifact's blob is in the store"

run_pw 1 "gc --no-wait while the fetch runs: exit 1" store gc --no-wait --keep "$T/other.lock"
like "$ERR" "^pinwheel: store gc: the store '.*' is in use by pid $FETCH \\(pinwheel fetch\\) \\(--no-wait: not waiting\\)$" \
	"it names the fetch and says it does not wait"
ok "$([ -f "$S/blobs/sha256/$ASHA" ] && echo 0 || echo 1)" "the blob the fetch needs is still there"

bg "$PINWHEEL" store gc --keep "$T/other.lock" >"$T/gc.out" 2>"$T/gc.err"
GC=$BG_PID
# until gc says it waits, or has ended (which it must not)
wait_for "gc to wait" 60 sh -c 'grep -q waiting "$1" || ! kill -0 "$2" 2>/dev/null' sh "$T/gc.err" "$GC"
ok "$(kill -0 "$GC" 2>/dev/null && echo 0 || echo 1)" "gc has not run while the fetch holds the store"
like "$(cat "$T/gc.err")" "^store gc: waiting: the store '.*' is in use by pid $FETCH \\(pinwheel fetch\\)" \
	"gc says whom it waits for"
ok "$([ -f "$S/blobs/sha256/$ASHA" ] && echo 0 || echo 1)" "the blob is still there"

touch "$WWW/big.go"
wait "$FETCH"
is "$?" 0 "the fetch finishes with exit 0"
like "$(grep '"name":"a.tar"' "$T/fetch.out")" '"status":"fetched"' "the first artifact was fetched and unpacked"
unlike "$(cat "$T/fetch.err")" "not in the store" "no artifact went missing under the fetch"
wait "$GC"
is "$?" 0 "then gc runs, exit 0"
like "$(cat "$T/gc.err")" "removed 3 entries" "and removes the two blobs and the tree no lock keeps"
