#!/bin/sh
# `pinwheel store add FILE | ls | verify | gc`: atomic, verified insertion,
# warm adds that read nothing, listing, damage detection, stale temp
# clean-up, garbage collection by lock files, usage errors.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 48
S=$PINWHEEL_STORE
mkblob a 100000; A=$SHA
mkblob b 5000; B=$SHA
Z=0000000000000000000000000000000000000000000000000000000000000000

run_pw 0 "store add FILE" store add "$WWW/a" --sha256 "$A" --size 100000
is "$OUT" "$S/blobs/sha256/$A" "prints the blob path"
run_cmd 0 "the blob is the file" cmp "$WWW/a" "$S/blobs/sha256/$A"
is "$(stat -c %a "$S/blobs/sha256/$A")" 444 "the blob is read-only"
mv "$WWW/a" "$WWW/a.moved"
run_pw 0 "a warm add does not read the source (it is gone)" store add "$WWW/a" --sha256 "$A"
is "$OUT" "$S/blobs/sha256/$A" "... and prints the blob path"
run_pw 0 "a warm add with --json" --json store add "$WWW/a" --sha256 "$A"
is "$OUT" "{\"cached\":true,\"event\":\"add\",\"kind\":\"blob\",\"path\":\"$S/blobs/sha256/$A\",\"sha256\":\"$A\"}" "the json event says cached"
mv "$WWW/a.moved" "$WWW/a"

run_pw 1 "a wrong digest fails" store add "$WWW/b" --sha256 "$Z"
is "$ERR" "pinwheel: store add: '$WWW/b': sha256 mismatch: expected $Z, got $B" "names the file, expected and actual digest"
is "$(count_files "$S/blobs/sha256")$(count_files "$S/tmp")" 10 "nothing stored, no temp file"
run_pw 1 "a wrong size fails before copying" store add "$WWW/b" --sha256 "$B" --size 5001
like "$ERR" "'$WWW/b': size mismatch: expected 5001 bytes, got 5000" "names the file and both sizes"
run_pw 1 "a missing file fails" store add "$T/nope" --sha256 "$B"
like "$ERR" "could not open '$T/nope': No such file or directory" "names the missing file"

run_pw 2 "no --sha256 is a usage error" store add "$WWW/b"
like "$ERR" "store add: missing --sha256" "says what is missing"
run_pw 2 "a bad --sha256 is a usage error" store add "$WWW/b" --sha256 ABC
like "$ERR" "--sha256 expects 64 lowercase hex digits, got 'ABC'" "says what it expects"
run_pw 2 "--strip without --unpack is a usage error" store add "$WWW/b" --sha256 "$B" --strip 1
run_pw 2 "no subcommand is a usage error" store
run_pw 2 "an unknown subcommand is a usage error" store frob
like "$ERR" "unknown subcommand 'frob'" "names the subcommand"

run_pw 0 "add a second blob" store add "$WWW/b" --sha256 "$B"
run_pw 0 "store ls" store ls
is "$OUT" "$(printf 'blob %12d %s\nblob %12d %s' 100000 "$A" 5000 "$B" | sort -k3)" "lists kind, size and digest, sorted"
run_pw 0 "store ls --json" store ls --json
like "$OUT" "^\\{\"id\":\"[0-9a-f]{64}\",\"kind\":\"blob\",\"path\":\"$S/blobs/sha256/[0-9a-f]{64}\",\"size\":[0-9]+\\}" "one json object per entry"

# stale temp entries from killed processes; verify removes them
: >"$S/tmp/$Z.part"
mkdir -p "$S/tmp/tree-$Z.Ab12Cd/x"
run_pw 0 "store verify on a sound store" store verify
like "$ERR" "verified 2 entries: 0 damaged, 2 stale temp entries removed" "verify removes stale temp entries"
is "$(count_files "$S/tmp")" 0 "tmp/ is empty"
chmod u+w "$S/blobs/sha256/$B" && printf x >>"$S/blobs/sha256/$B"
run_pw 1 "store verify finds a damaged blob" store verify
like "$ERR" "damaged: blob $B: content hashes to [0-9a-f]{64}" "names the damaged blob"
unlike "$ERR" "damaged: blob $A" "does not blame the sound one"
rm -f "$S/blobs/sha256/$B"

# gc keeps what a lock references
run_pw 0 "add b again" store add "$WWW/b" --sha256 "$B"
write_lock "$T/keep" "$(lock_entry a "$A" 100000 "https://mirror.example/a")"
run_pw 0 "store gc --keep LOCK" store gc --keep "$T/keep/pinwheel.lock"
like "$ERR" "removed 1 entries \(4.9 KiB\)" "gc says what it freed"
is "$(ls "$S/blobs/sha256")" "$A" "the referenced blob stays, the other is gone"
run_pw 0 "add b again" store add "$WWW/b" --sha256 "$B"
write_lock "$T/keep2" "$(lock_entry b "$B" 5000 "https://mirror.example/b")"
run_pw 0 "store gc --keep A B keeps what either lock references" store gc --keep "$T/keep/pinwheel.lock" "$T/keep2/pinwheel.lock"
is "$(ls "$S/blobs/sha256" | sort | tr '\n' ' ')" "$(printf '%s\n' "$A" "$B" | sort | tr '\n' ' ')" "both blobs stay"
run_pw 0 "gc with only the second lock" store gc --keep "$T/keep2/pinwheel.lock"
is "$(ls "$S/blobs/sha256")" "$B" "only b stays"
run_pw 2 "gc without --keep is a usage error" store gc
echo '{"version": 1, "artifacts": [], "extra": 1}' >"$T/bad.lock"
run_pw 2 "gc with a bad lock is a usage error" store gc --keep "$T/bad.lock"
is "$ERR" "pinwheel: store gc: $T/bad.lock:1:33: unknown key 'extra' (expected version, pinwheel, config_digest, artifacts, roots or no_old_root)" "names file:line:col and the key"
is "$(ls "$S/blobs/sha256")" "$B" "a failed gc removes nothing"

# the store location: XDG_CACHE_HOME when PINWHEEL_STORE is unset
(unset PINWHEEL_STORE; XDG_CACHE_HOME="$T/xdg" "$PINWHEEL" store add "$WWW/b" --sha256 "$B") >"$T/x.out" 2>&1
is "$(cat "$T/x.out")" "$T/xdg/pinwheel/blobs/sha256/$B" "the store defaults to \$XDG_CACHE_HOME/pinwheel"
