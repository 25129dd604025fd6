#!/bin/sh
# Several sandboxes at once from several threads of one process (what
# `build --jobs` will do): every run gets its own command's exit status
# back, none is lost or swapped (reaping goes through each run's pidfd, not
# through SIGCHLD, which the kernel may give to any thread).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
[ -x "$HELPERS/sbthreads" ] || skip_all "sbthreads helper not built"
plan 3

run_cmd 0 "4 threads x 25 sandboxes each, at the same time" "$HELPERS/sbthreads" 4 25
is "$OUT" "thread 0: 25 ok
thread 1: 25 ok
thread 2: 25 ok
thread 3: 25 ok" "every run returned its own exit status"
is "$ERR" "" "nothing on stderr"
