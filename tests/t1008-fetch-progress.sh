#!/bin/sh
# The progress display: drawn on stderr when it is a TTY (per artifact and a
# total line with bytes, rate and ETA), erased at the end; absent when stderr
# is not a TTY, with -q, and with --json.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 7
command -v script >/dev/null || skip_all "script(1) from util-linux is needed for a pty"
start_httpd
mkblob a 1500000; A=$SHA
mkblob b 700000; B=$SHA
write_lock "$T/p" "$(lock_entry a "$A" 1500000 "$BASE/slow/a")" "$(lock_entry b "$B" 700000 "$BASE/slow/b")"
# script(1) gives the command a pty for stdin, stdout and stderr.
script -qec "'$PINWHEEL' fetch '$T/p'" /dev/null >"$T/tty.out" 2>&1; st=$?
is "$st" 0 "fetch on a TTY succeeds"
tty=$(tr '\r\033' '\n#' <"$T/tty.out")
like "$tty" '\[[0-9]/2\] total +[0-9]+%' "a total line with the count of done artifacts and a percentage"
like "$tty" '(B|KiB|MiB)/s' "a rate"
like "$tty" '#\[K' "lines are redrawn in place"
clear_store
run_pw 0 "fetch with stderr not a TTY" fetch "$T/p"
is "$ERR" "2 artifacts present (0 already in the store, 2.1 MiB downloaded)" "no progress, only the summary"
clear_store
script -qec "'$PINWHEEL' -q fetch '$T/p'" /dev/null >"$T/tty.out" 2>&1
is "$(cat "$T/tty.out")" "" "-q on a TTY draws nothing"
