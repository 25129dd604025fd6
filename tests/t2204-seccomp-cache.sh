#!/bin/sh
# The on-disk BPF cache as `pinwheel run` uses it (STORE/cache/seccomp):
# the first run writes KEY.bpf (the profile's sha256 and the options, whole instructions, not
# writable by others), --net is another key, and a damaged or
# group-writable file is never installed: it is recompiled and rewritten,
# and the filter still denies.
. "$SRCDIR/tests/lib.sh"
PROBE="$SRCDIR/$BUILD/tests/helpers/sysprobe"
[ -x "$PROBE" ] || skip_all "sysprobe helper not built"
plan 12
base="--ro-bind /usr:/usr --symlink usr/bin:/bin --symlink usr/lib:/lib --symlink usr/lib64:/lib64 --ro-bind $PROBE:/probe"
C="$PINWHEEL_STORE/cache/seccomp"

# shellcheck disable=SC2086
run_pw 0 "a first run compiles the build profile" run $base -- /probe keyctl
is "$OUT" "keyctl errno=EPERM" "the filter is in place"
files=$(ls "$C" 2>/dev/null)
like "$files" '^[0-9a-f]{64}-pinwheel-seccomp-v2-libseccomp[0-9.]+-arch[0-9a-f]+-net0\.bpf$' "one cache file named by the profile's sha256, the format, libseccomp, arch and net"
f="$C/$files"
size=$(stat -c %s "$f")
is "$((size % 8)):$(stat -c %a "$f")" "0:644" "the file holds whole 8-byte instructions and is not writable by others"

# shellcheck disable=SC2086
run_pw 0 "a second run" run $base -- /probe keyctl
is "$(ls "$C" | wc -l | tr -d ' '):$(stat -c %s "$f")" "1:$size" "the second run reuses the file"
# shellcheck disable=SC2086
run_pw 0 "--net" run $base --net -- /probe keyctl
is "$(ls "$C" | wc -l | tr -d ' ')" 2 "--net compiles another program under another key"

# damage: half an instruction at the end
printf 'abcd' >>"$f"
# shellcheck disable=SC2086
run_pw 0 "a run with a damaged cache file" run $base -- /probe keyctl socket-inet-real
is "$OUT:$(stat -c %s "$f")" "keyctl errno=EPERM
socket-inet-real errno=EAFNOSUPPORT:$size" "the damaged file is ignored, recompiled and rewritten"

# a file others could have written is not trusted (the attack would be a
# program that allows everything); here an empty group-writable file
: >"$f" && chmod 664 "$f"
# shellcheck disable=SC2086
run_pw 0 "a run with a group-writable cache file" run $base -- /probe keyctl
is "$OUT:$(stat -c %s "$f"):$(stat -c %a "$f")" "keyctl errno=EPERM:$size:644" "the group-writable file is replaced by a fresh one"
