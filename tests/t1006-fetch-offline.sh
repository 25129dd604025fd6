#!/bin/sh
# --offline never touches the network: it lists every missing artifact and
# exits 1; once everything is present it succeeds.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 9
start_httpd
mkblob a 1000; A=$SHA
mkblob b 2000; B=$SHA
write_lock "$T/p" "$(lock_entry a "$A" 1000 "$BASE/ok/a")" "$(lock_entry b "$B" 2000 "$BASE/ok/b")"
run_pw 1 "fetch --offline with nothing present fails" fetch --offline "$T/p"
like "$ERR" "offline: 'a' \(sha256 $A\) is not in the store" "names the first missing artifact"
like "$ERR" "offline: 'b' \(sha256 $B\) is not in the store" "names the second missing artifact"
is "$(wc -l <"$REQLOG" | tr -d ' ')" 0 "no request reached the server"
run_pw 0 "a fetch online gets both" fetch "$T/p"
is "$(requests '^GET /ok/')" 2 "two requests online"
run_pw 0 "fetch --offline with everything present succeeds" fetch "$T/p" --offline
is "$(requests '^GET ')" 2 "still no request from the offline fetch"
like "$ERR" "2 artifacts present \(2 already in the store" "the summary says all were present"
