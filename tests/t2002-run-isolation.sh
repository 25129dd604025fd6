#!/bin/sh
# The security suite, from inside the sandbox: no network (a listener on the
# host's loopback is out of reach), no name resolution, no host files, no
# writes outside the binds, no host pids, no mount, no nested user
# namespace, no privilege from setuid binaries.  Each asserts the errno.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
plan 42
P=/opt/pw/sbprobe

# A TCP listener on the host's loopback; its port arrives through a FIFO.
mkfifo "$T/port"
bg /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
with open(sys.argv[1], "w") as f: print(s.getsockname()[1], file=f)
while True:
    c, _ = s.accept(); c.close()
' "$T/port"
read -r PORT <"$T/port"
like "$PORT" '^[0-9]+$' "a host loopback listener is up"
run_sb 0 "with --net the listener is reachable (control)" --net -- $P connect4 127.0.0.1 "$PORT"
is "$OUT" "ok connected" "--net: connect succeeds"
run_sb 1 "netns alone: the host listener is out of reach" --seccomp none -- $P connect4 127.0.0.1 "$PORT"
is "$OUT" "ECONNREFUSED" "--seccomp none, host loopback: ECONNREFUSED (our own lo is up, nothing listens)"
run_sb 1 "netns alone: no route off the sandbox" --seccomp none -- $P connect4 10.1.2.3 80
is "$OUT" "ENETUNREACH" "--seccomp none, any other address: ENETUNREACH"
run_sb 1 "default profile: no inet socket at all" -- $P connect4 127.0.0.1 "$PORT"
is "$OUT" "EAFNOSUPPORT" "default profile: socket(AF_INET) gives EAFNOSUPPORT"
run_sb 0 "only lo exists, and it is up" -- sh -c 'ls /sys/class/net 2>/dev/null; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'
is "$OUT" "lo" "the network namespace has only lo"
run_sb 1 "no name resolution" -- $P resolve example.org
is "$OUT" "EAI_AGAIN" "getaddrinfo: EAI_AGAIN (no resolver reachable)"
run_sb 1 "no name resolution with the netns alone" --seccomp none -- $P resolve example.org
is "$OUT" "EAI_AGAIN" "--seccomp none, getaddrinfo: EAI_AGAIN"
run_sb 0 "no resolv.conf" -- sh -c 'test -e /etc/resolv.conf; echo $?'
is "$OUT" "1" "/etc/resolv.conf is absent"

# Canaries in the host's home and in /root.
echo secret >"$HOME/canary"
if is_root; then echo secret >/root/pw-canary.$$; fi
run_sb 1 "the host home is not visible" -- $P open "$HOME/canary"
is "$OUT" "ENOENT" "reading the canary in \$HOME: ENOENT"
run_sb 1 "/root is not visible" -- $P open /root/pw-canary.$$
is "$OUT" "ENOENT" "reading the canary in /root: ENOENT"
rm -f /root/pw-canary.$$ 2>/dev/null

# Writes outside the binds.
mkdir -p "$T/ro" "$T/rw"
run_sb 1 "a --ro-bind refuses writes" --ro-bind "$T/ro:/ro" -- $P write /ro/x
is "$OUT" "EROFS" "write under --ro-bind: EROFS"
run_sb 1 "/proc/sys is read-only" -- $P write /proc/sys/kernel/hostname
is "$OUT" "EROFS" "write to /proc/sys: EROFS"
run_sb 0 "writes to the root and /tmp stay inside" --bind "$T/rw:/out" -- sh -c 'echo a >/rootfile; echo b >/tmp/f; echo c >/out/f'
is "$(ls -A "$T/ro" | tr '\n' ' ')|$(ls -A "$LAYER" | tr '\n' ' ')|$(cat "$T/rw/f")" \
	"|bin lib lib64 opt sbin usr |c" "nothing reached the host but the --bind"

# Host processes.
bg sleep 300
HOSTPID=$BG_PID
run_sb 1 "a host pid cannot be signalled" -- $P kill "$HOSTPID"
is "$OUT" "ESRCH" "kill(host pid, 0): ESRCH"
run_sb 1 "a host pid is not in /proc" -- test -e "/proc/$HOSTPID"

# Privileged operations.
run_sb 1 "mount is denied" -- $P mount
is "$OUT" "EPERM" "mount: EPERM"
run_sb 1 "no nested user namespace" -- $P userns
is "$OUT" "EPERM" "unshare(CLONE_NEWUSER): EPERM (the profile)"
run_sb 1 "no nested user namespace with the netns alone" --seccomp none -- $P userns
is "$OUT" "ENOSPC" "--seccomp none: ENOSPC (user.max_user_namespaces=0 inside)"
run_sb 1 "mount is denied without the filter too" --seccomp none -- $P mount
is "$OUT" "EPERM" "--seccomp none, mount: EPERM (no capabilities)"
run_sb 32 "a setuid-root binary gains nothing" -- /usr/bin/mount -t tmpfs none /tmp/home
like "$ERR" "must be superuser" "setuid mount runs unprivileged (nosuid, no_new_privs)"
run_sb 0 "binds are nosuid" -- sh -c 'grep " /usr " /proc/self/mountinfo | grep -c nosuid'
is "$OUT" "1" "/usr is mounted nosuid"
