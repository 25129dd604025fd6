#!/bin/sh
# store export / store import: every blob a lock pins into one archive and
# back into an empty store, verified on the way in; an auditor with the
# archive fetches with the network gone.  Tampered members are refused by
# name, a truncated archive stores nothing, the same store exports the same
# bytes.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 32
start_httpd
mkblob a 200000; A=$SHA
mkblob b 3000; B=$SHA
mkdir -p "$T/src/pkg" && echo hello >"$T/src/pkg/hello.txt"
tar -C "$T/src" -czf "$WWW/c.tgz" pkg; C=$(sha_of c.tgz); CZ=$(wc -c <"$WWW/c.tgz" | tr -d ' ')
CENT=$(printf '    {"name": "c", "kind": "archive", "urls": ["%s"], "sha256": "%s", "size": %s, "unpack": {"strip": 1}}' \
	"$BASE/ok/c.tgz" "$C" "$CZ")
write_lock "$T/p" "$(lock_entry a "$A" 200000 "$BASE/ok/a")" \
	"$(lock_entry b "$B" 3000 "$BASE/ok/b")" "$CENT"
write_lock "$T/q" "$(lock_entry b "$B" 3000 "$BASE/ok/b")"
SA="$T/storeA" SB="$T/storeB"

run_pw 1 "export before fetch fails" --store "$SA" store export "$T/p" --out "$T/x.tar"
like "$ERR" "store export: 'a' \(sha256 $A\) is not in the store" "names a missing artifact"
like "$ERR" "store export: 3 artifacts missing: run 'pinwheel fetch' first; nothing written" \
	"says what to do"
is "$(ls "$T" | grep -c 'x\.tar')" 0 "nothing written"

run_pw 0 "fetch into store A" --store "$SA" fetch "$T/p"
run_pw 0 "export the project's lock" --store "$SA" store export "$T/p" --out "$T/x.tar"
like "$ERR" "exported 3 artifacts \(.*\) to '$T/x.tar'" "the summary line"
is "$(tar -tf "$T/x.tar" | head -1)" "pinwheel-bundle.json" "the index comes first"
is "$(tar -tf "$T/x.tar" | sed 1d | tr '\n' ' ')" \
	"$(printf 'blobs/sha256/%s\n' "$A" "$B" "$C" | sort | tr '\n' ' ')" "blobs sorted by digest"
run_pw 0 "export again, two locks (one sharing a blob)" --store "$SA" store export \
	--lock "$T/p/pinwheel.lock" --lock "$T/q/pinwheel.lock" --out "$T/y.tar"
run_cmd 0 "the same store gives the same bytes" cmp "$T/x.tar" "$T/y.tar"

# the mirror goes away: nothing below may touch it
kill "$BG_PID"; wait "$BG_PID" 2>/dev/null
NREQ=$(wc -l <"$REQLOG" | tr -d ' ')
run_pw 0 "import into an empty store B" --store "$SB" --json store import "$T/x.tar"
like "$OUT" '"event":"imported","imported":3,"present":0,"refused":0' "counts as JSON"
run_pw 0 "fetch from store B with the mirror gone succeeds" --store "$SB" fetch "$T/p"
like "$ERR" "3 artifacts present \(2 already in the store, 1 unpacked from blobs already there, 0 B downloaded\)" \
	"everything came from the import"
is "$(cat "$SB"/trees/*/hello.txt)" "hello" "the archive's tree was made offline"
is "$(wc -l <"$REQLOG" | tr -d ' ')" "$NREQ" "no request was made"
# and with no network at all: a fresh network namespace has only a down loopback
if command -v unshare >/dev/null && unshare -rn true 2>/dev/null; then
	run_cmd 0 "import + fetch inside a namespace without network" unshare -rn sh -c \
		'"$0" --store "$1" store import "$2" && "$0" --store "$1" fetch "$3"' \
		"$PINWHEEL" "$T/storeN" "$T/x.tar" "$T/p"
	like "$ERR" "3 artifacts present \(2 already in the store, 1 unpacked" "everything from the archive"
else
	skip "unshare -rn is not available (no user namespaces)"
	skip "unshare -rn is not available (no user namespaces)"
fi
run_pw 0 "store B re-exports the same bytes" --store "$SB" store export "$T/p" --out "$T/z.tar"
run_cmd 0 "byte-identical to store A's export" cmp "$T/x.tar" "$T/z.tar"
"$PINWHEEL" --store "$SB" store export "$T/p" >"$T/stdout.tar" 2>"$T/.err"
run_cmd 0 "without --out the archive goes to stdout, the same bytes" cmp "$T/x.tar" "$T/stdout.tar"
run_pw 2 "DIR and --lock together are a usage error" --store "$SB" store export "$T/p" \
	--lock "$T/q/pinwheel.lock" --out "$T/w.tar"
run_pw 0 "a second import finds everything present" --store "$SB" store import "$T/x.tar"
like "$ERR" "imported 0 artifacts \(0 B\), 3 already in the store, 0 refused" "the summary line"

# one byte of a's data changed
"$PY" - "$T/x.tar" "$T/bad.tar" "$A" <<'PYEOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.index(('blobs/sha256/' + sys.argv[3]).encode()) + 512 + 1000
d[i] ^= 1
open(sys.argv[2], 'wb').write(d)
PYEOF
GOT=$("$PY" -c 'import hashlib,sys
d=bytearray(open(sys.argv[1],"rb").read()); d[1000]^=1; print(hashlib.sha256(d).hexdigest())' "$WWW/a")
run_pw 1 "a tampered member fails the import" --store "$T/storeC" store import "$T/bad.tar"
is "$(printf '%s\n' "$ERR" | grep -c 'refused\|mismatch')" 2 "one line for the member, one summary"
like "$ERR" "^pinwheel: store import: '$T/bad.tar': member 'blobs/sha256/$A' \('a'\): sha256 mismatch: expected $A, got $GOT; not imported" \
	"the exact line names the member"
is "$(ls "$T/storeC/blobs/sha256" | sort | tr '\n' ' ')" "$(printf '%s\n' "$B" "$C" | sort | tr '\n' ' ')" \
	"the others were imported, nothing of the tampered one kept"

# cut in the middle of a's data
head -c 100000 "$T/x.tar" >"$T/cut.tar"
mkdir -p "$T/storeD"
run_pw 1 "a truncated archive fails" --store "$T/storeD" store import "$T/cut.tar"
like "$ERR" "^pinwheel: store import: '$T/cut.tar': truncated or corrupt archive: Truncated " \
	"one line says so"
is "$(find "$T/storeD" -type f -path '*blobs*' | wc -l | tr -d ' ')" 0 "the store is unchanged: no blob"
