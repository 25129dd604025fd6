#!/bin/sh
# Concurrency: four pinwheel processes asking for the same artifacts at
# once produce exactly one blob each, one download each, and no temp files.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 10
export PINWHEEL_RETRY_BASE_MS=5
start_httpd
S=$PINWHEEL_STORE
mkblob big 2000000
BIG=$SHA

# store add: one transfer (/slow takes ~0.6 s), the others wait on its lock.
pids=""
for i in 1 2 3 4; do
	"$PINWHEEL" store add "$BASE/slow/big" --sha256 "$BIG" --size 2000000 >"$T/out.$i" 2>"$T/err.$i" &
	pids="$pids $!"
done
st=""
for p in $pids; do wait "$p"; st="$st$?"; done
is "$st" "0000" "four concurrent store add of one url all succeed"
is "$(cat "$T"/out.* | sort -u)" "$S/blobs/sha256/$BIG" "all print the same blob path"
is "$(requests '^GET /slow/big ')" 1 "the artifact was downloaded once"
is "$(count_files "$S/blobs/sha256")$(count_files "$S/tmp")" 10 "one blob, no temp files"
run_cmd 0 "the blob is the file" cmp "$WWW/big" "$S/blobs/sha256/$BIG"

# fetch: four processes, one lock of six artifacts.
entries=""
for n in 1 2 3 4 5 6; do
	mkblob "f$n" 600000
	set -- "$@" "$(lock_entry "f$n" "$SHA" 600000 "$BASE/slow/f$n")"
done
write_lock "$T/proj" "$@"
pids=""
for i in 1 2 3 4; do
	"$PINWHEEL" fetch "$T/proj" --jobs 3 >"$T/fout.$i" 2>"$T/ferr.$i" &
	pids="$pids $!"
done
st=""
for p in $pids; do wait "$p"; st="$st$?"; done
is "$st" "0000" "four concurrent fetches of one lock all succeed"
is "$(requests '^GET /slow/f[1-6] ')" 6 "each artifact was downloaded once"
is "$(requests '^GET /slow/f1 ')$(requests '^GET /slow/f6 ')" 11 "... the first and the last exactly once"
is "$(count_files "$S/blobs/sha256")$(count_files "$S/tmp")" 70 "seven blobs, no temp files"
bad=""
for n in 1 2 3 4 5 6; do cmp -s "$WWW/f$n" "$S/blobs/sha256/$(sha_of "f$n")" || bad="$bad f$n"; done
is "$bad" "" "every blob has the right bytes"
