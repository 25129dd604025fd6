#!/bin/sh
# Security tests from inside the sandbox: `pinwheel run` (default profile
# 'build') runs the sysprobe helper, which tries for real what a hostile
# build would: ptrace a child and a sibling, mount, make a user namespace,
# keyctl, bpf, perf_event_open, init_module, reboot, clock_settime,
# chmod u+s, the i386 (int 0x80) and x32 entries.  Each must fail with the
# profile's errno, and (to show the errno is the filter's) the same run
# with --seccomp none must not.  Also --uid 0 (capabilities in the
# sandbox's namespace), TIOCSTI on the controlling tty under a pty, --net,
# and profile errors through the CLI.
. "$SRCDIR/tests/lib.sh"
PROBE="$SRCDIR/$BUILD/tests/helpers/sysprobe"
[ -x "$PROBE" ] || skip_all "sysprobe helper not built"
command -v python3 >/dev/null || skip_all "python3 needed for the pty test"

base="--ro-bind /usr:/usr --symlink usr/bin:/bin --symlink usr/lib:/lib --symlink usr/lib64:/lib64 --ro-bind $PROBE:/probe"
# case  errno-under-build  errno-with---seccomp-none (uid 1000)
cat >"$T/cases" <<'CASES'
ptrace-child EPERM 0
ptrace-sibling EPERM 0
unshare-user EPERM ENOSPC
chmod-suid-real EPERM 0
keyctl EPERM EOPNOTSUPP
bpf EPERM EINVAL
perf_event_open EPERM EFAULT
clock_settime EPERM EFAULT
i386-keyctl EPERM EOPNOTSUPP
i386-ptrace EPERM ESRCH
i386-unshare EPERM EINVAL
clone3 ENOSYS EINVAL
socket-inet-real EAFNOSUPPORT 0
socket-unix-real 0 0
getpid 0 0
no_new_privs 0 0
CASES
n=$(wc -l <"$T/cases" | tr -d ' ')
plan $((n * 2 + 16))
cases=$(cut -d' ' -f1 "$T/cases")

# shellcheck disable=SC2086
run_pw 0 "pinwheel run (profile build) runs the probe" run $base -- /probe $cases
printf '%s\n' "$OUT" >"$T/filtered"
# shellcheck disable=SC2086
run_pw 0 "pinwheel run --seccomp none runs the probe" run $base --seccomp none -- /probe $cases
printf '%s\n' "$OUT" >"$T/plain"
while read -r c want plain; do
	is "$(sed -n "s/^$c errno=//p" "$T/filtered")" "$want" "in the sandbox: $c gives $want"
	is "$(sed -n "s/^$c errno=//p" "$T/plain")" "$plain" "with --seccomp none: $c gives $plain"
done <"$T/cases"

# the x32 entry (x86_64 instruction, number | 0x40000000) kills: SIGSYS
run_pw 159 "x32-keyctl in the sandbox ends the command with SIGSYS (status 128+31)" \
	run $base -- /probe getpid x32-keyctl
is "$OUT" "getpid errno=0" "native calls before it went through"

# root of the sandbox's user namespace: capabilities there, still filtered
c0="mount-tmpfs reboot i386-reboot unshare-mount init_module"
# shellcheck disable=SC2086
run_pw 0 "--uid 0 under the build profile" run $base --uid 0 -- /probe $c0
is "$OUT" "mount-tmpfs errno=EPERM
reboot errno=EPERM
i386-reboot errno=EPERM
unshare-mount errno=EPERM
init_module errno=EPERM" "as sandbox root: mount, reboot (also by int 0x80), unshare, init_module are denied"
# shellcheck disable=SC2086
run_pw 0 "--uid 0 --seccomp none" run $base --uid 0 --seccomp none -- /probe mount-tmpfs reboot i386-reboot unshare-mount
is "$OUT" "mount-tmpfs errno=0
reboot errno=EINVAL
i386-reboot errno=EINVAL
unshare-mount errno=0" "without the filter sandbox root could mount and unshare, and reboot reaches the kernel"

# --net relaxes only the socket rule
run_pw 0 "--net under the build profile" run $base --net -- /probe socket-inet-real keyctl
is "$OUT" "socket-inet-real errno=0
keyctl errno=EPERM" "with --net an inet socket opens, keyctl stays denied"

# TIOCSTI on the controlling terminal (a pty we own): the classic escape
cat >"$T/inpty.py" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
sys.exit(os.waitstatus_to_exitcode(st))
PY
# shellcheck disable=SC2086
run_cmd 0 "TIOCSTI under a pty, in the sandbox" python3 "$T/inpty.py" "$PINWHEEL" run $base -- /probe fd0-tiocsti tty-tiocsti own-session
is "$OUT" "fd0-tiocsti errno=EPERM
tty-tiocsti errno=ENXIO
own-session errno=0" "TIOCSTI on the caller's terminal (stdin) is denied (EPERM); the command has a session of its own, without a controlling tty (ENXIO)"
# shellcheck disable=SC2086
run_cmd 0 "TIOCSTI under a pty, --seccomp none" python3 "$T/inpty.py" "$PINWHEEL" run $base --seccomp none -- /probe fd0-tiocsti tty-tiocsti own-session
# without the filter the kernel answers: EPERM, the terminal is not the
# command's controlling tty any more (EIO first with dev.tty.legacy_tiocsti=0)
if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" = 0 ]; then kernel=EIO; else kernel=EPERM; fi
is "$OUT" "fd0-tiocsti errno=$kernel
tty-tiocsti errno=ENXIO
own-session errno=0" "without the filter TIOCSTI still fails ($kernel): the new session is a second wall"

# profile errors reach the user as one line naming file, field, expectation
printf '{"default_action":"allow","syscalls":[{"names":["read","frobnicate"],"action":"kill"}]}' >"$T/bad.json"
run_pw 125 "a bad profile stops the run before anything starts" run $base --seccomp "$T/bad.json" -- /probe getpid
is "$ERR" "pinwheel: run: seccomp: $T/bad.json:1:56: syscalls[0].names[1]: unknown syscall 'frobnicate' on x86_64" "the error names the file, the field and the syscall"
