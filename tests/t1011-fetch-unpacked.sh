#!/bin/sh
# fetch names what it did per artifact (issue #13, item 14): an artifact
# whose blob was already in the store and only needed its tree made is
# "unpacked" (--json status, the summary line) and counts no downloaded
# bytes; "fetched" and "downloaded" are only for real transfers; an
# artifact with nothing to do is "cached".
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 13

mkdir -p "$T/a"
head -c 50000 /dev/urandom >"$T/a/data.bin"
tar -C "$T/a" -cf "$WWW/a.tar" data.bin
mkblob plain 20000
PSHA=$SHA
SHA=$(sha_of a.tar) SIZE=$(stat -c %s "$WWW/a.tar")
start_httpd
cat >"$T/pinwheel.lock" <<JSON
{"version": 1, "artifacts": [
  {"name": "a.tar", "kind": "archive", "urls": ["$BASE/ok/a.tar"], "sha256": "$SHA",
   "size": $SIZE, "unpack": {"strip": 0}},
  {"name": "plain", "kind": "file", "urls": ["$BASE/ok/plain"], "sha256": "$PSHA", "size": 20000}]}
JSON

# The archive's blob is already in the store (added from a file), its tree is not.
run_pw 0 "store add puts the archive's blob in the store" store add "$WWW/a.tar" --sha256 "$SHA"
run_pw 0 "fetch --json" fetch "$T" --json
is "$(printf '%s\n' "$OUT" | grep '"name":"a.tar"' | grep -o '"status":"[a-z]*"')" '"status":"unpacked"' \
	"the archive whose blob was present is 'unpacked'"
is "$(printf '%s\n' "$OUT" | grep '"name":"plain"' | grep -o '"status":"[a-z]*"')" '"status":"fetched"' \
	"the file that was transferred is 'fetched'"
is "$(requests '^GET /ok/a.tar ')" 0 "nothing was requested for the archive"
is "$(requests '^GET /ok/plain ')" 1 "the file was requested once"

# The summary line: a fresh store for the file, the archive's blob present again.
clear_store
run_pw 0 "store add again" store add "$WWW/a.tar" --sha256 "$SHA"
run_pw 0 "fetch" fetch "$T"
is "$ERR" "2 artifacts present (0 already in the store, 1 unpacked from blobs already there, 19.5 KiB downloaded)" \
	"the summary counts the unpacked artifact apart and only the file's bytes as downloaded"

run_pw 0 "fetch again" fetch "$T" --json
is "$(printf '%s\n' "$OUT" | grep -c '"status":"cached"')" 2 "then both are 'cached'"
run_pw 0 "fetch again, plain" fetch "$T"
is "$ERR" "2 artifacts present (2 already in the store, 0 B downloaded)" "and the summary says so"
