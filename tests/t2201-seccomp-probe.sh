#!/bin/sh
# The build profile, proven the way flatpak and bubblewrap test theirs: the
# sysprobe helper installs the compiled filter on itself and calls each
# syscall with a bad fd, pointer or flags.  An allowed call then fails with
# the kernel's own errno (EBADF, EFAULT, EINVAL...); a filtered one with the
# profile's.  Every case runs unfiltered too: a denied case must differ
# there (so the errno is the filter's), an allowed one must not change.
. "$SRCDIR/tests/lib.sh"
PROBE="$SRCDIR/$BUILD/tests/helpers/sysprobe"
[ -x "$PROBE" ] || skip_all "sysprobe helper not built"

# case  filtered-errno  class: any = the kernel's errno differs from the
# filter's for everyone; root = only with privilege (for a user the kernel
# may answer EPERM itself); same = not filtered, result unchanged
cat >"$T/cases" <<'CASES'
ptrace EPERM any
process_vm_readv EPERM any
process_vm_writev EPERM any
kexec_load EPERM root
kexec_file_load EPERM root
init_module EPERM root
finit_module EPERM root
delete_module EPERM root
bpf EPERM root
perf_event_open EPERM root
userfaultfd EPERM root
keyctl EPERM any
add_key EPERM any
request_key EPERM any
mount EPERM root
umount2 EPERM root
pivot_root EPERM root
chroot EPERM any
unshare EPERM any
setns EPERM any
clone-plain EINVAL same
clone-newns EPERM any
clone-newuser EPERM any
clone-newpid EPERM any
clone-newnet EPERM any
clone-newuts EPERM any
clone-newipc EPERM any
clone-newcgroup EPERM any
clone3 ENOSYS any
personality-query 0 same
personality-linux 0 same
personality-linux32 0 same
personality-bsd EPERM any
personality-norandom EPERM any
ioctl-tcgets EBADF same
ioctl-tiocsti EPERM any
ioctl-tiocsti-hi EPERM any
ioctl-tioclinux EPERM any
acct EPERM root
swapon EPERM root
swapoff EPERM root
reboot EPERM root
settimeofday EPERM any
clock_settime EPERM any
clock_adjtime EPERM any
adjtimex EPERM any
syslog EPERM root
quotactl EPERM root
sethostname EPERM root
setdomainname EPERM root
name_to_handle_at EPERM any
open_by_handle_at EPERM root
lookup_dcookie EPERM root
iopl EPERM root
ioperm EPERM root
uselib EPERM root
chmod-plain ENOENT same
chmod-suid EPERM any
chmod-sgid EPERM any
fchmod-plain EBADF same
fchmod-suid EPERM any
fchmodat-plain ENOENT same
fchmodat-sgid EPERM any
fchmodat2-suid EPERM any
open_tree ENOSYS any
move_mount ENOSYS any
fsopen ENOSYS any
fsconfig ENOSYS any
fsmount ENOSYS any
fspick ENOSYS any
mount_setattr ENOSYS any
io_uring_setup ENOSYS any
io_uring_enter ENOSYS any
io_uring_register ENOSYS any
socket-unix EINVAL same
socket-netlink EINVAL same
socket-inet EAFNOSUPPORT any
socket-inet6 EAFNOSUPPORT any
socket-packet EAFNOSUPPORT any
socket-vsock EAFNOSUPPORT any
socket-unspec EAFNOSUPPORT any
socket-hi-inet EAFNOSUPPORT any
socket-inet-real EAFNOSUPPORT any
socket-unix-real 0 same
getpid 0 same
read-badfd EBADF same
i386-getpid 0 same
i386-keyctl EPERM any
i386-ptrace EPERM any
i386-reboot EPERM root
i386-unshare EPERM any
i386-clone3 ENOSYS any
i386-chmod-suid EPERM any
CASES
n=$(wc -l <"$T/cases" | tr -d ' ')
plan $((n * 2 + 10))

cases=$(cut -d' ' -f1 "$T/cases")
# shellcheck disable=SC2086
"$PROBE" $cases >"$T/plain" 2>"$T/plain.err"; st1=$?
# shellcheck disable=SC2086
"$PROBE" --filter build $cases >"$T/filtered" 2>"$T/filtered.err"; st2=$?
is "$st1 $st2" "0 0" "sysprobe runs unfiltered and under the build profile"
is "$(wc -l <"$T/filtered" | tr -d ' ')" "$n" "every case printed a result under the filter"

me=user
is_root && me=root
while read -r c want class; do
	got=$(sed -n "s/^$c errno=//p" "$T/filtered")
	is "$got" "$want" "filtered: $c fails with $want"
	plain=$(sed -n "s/^$c errno=//p" "$T/plain")
	case "$class" in
	same) is "$plain" "$want" "unfiltered: $c gives the same $want (the filter leaves it alone)" ;;
	any) unlike "$plain" "^$want\$" "unfiltered: $c gives the kernel's own errno ($plain), not $want" ;;
	root)
		if [ "$me" = root ]; then
			unlike "$plain" "^$want\$" "unfiltered as root: $c gives the kernel's own errno ($plain), not $want"
		else
			like "$plain" "^E[A-Z]+\$" "unfiltered as a user: $c fails ($plain; may be the kernel's EPERM)"
		fi ;;
	esac
done <"$T/cases"

# x32 is killed by the build profile ("compat_arches": {"x32": "kill"}):
# nothing uses it, and a filter without it installs faster.  Each call
# through it ends the process with SIGSYS, after native calls went through.
for c in x32-getpid x32-keyctl x32-ptrace; do
	"$PROBE" --filter build getpid "$c" >"$T/x32" 2>&1; st=$?
	is "$st:$(grep -c errno= "$T/x32")" "159:1" "build profile: $c kills the process with SIGSYS (128+31)"
done

# --net drops the "unless": "net" rule: inet sockets work, the rest stays
"$PROBE" --filter build --net socket-inet socket-inet6 socket-inet-real keyctl clone3 >"$T/net"
is "$(cat "$T/net")" "socket-inet errno=EINVAL
socket-inet6 errno=EINVAL
socket-inet-real errno=0
keyctl errno=EPERM
clone3 errno=ENOSYS" "with --net inet sockets are allowed and the other rules stay"

# the lock profile is the build profile without the socket-family rule
"$PROBE" --filter lock socket-inet-real ptrace mount clone3 >"$T/lock"
is "$(cat "$T/lock")" "socket-inet-real errno=0
ptrace errno=EPERM
mount errno=EPERM
clone3 errno=ENOSYS" "the lock profile allows the network and denies the rest"

# a profile by path; compat_arches kill: int 0x80 kills the process
cat >"$T/kill32.json" <<'JSON'
{ "default_action": "allow", "compat_arches": "kill",
  "syscalls": [ { "names": ["getppid"], "action": "errno", "errno": "EACCES" } ] }
JSON
"$PROBE" --filter "$T/kill32.json" x32-getpid >"$T/k1" 2>&1; st=$?
is "$st" 159 "compat_arches kill: an x32 syscall kills the process with SIGSYS (128+31)"
"$PROBE" --filter "$T/kill32.json" getpid i386-getpid >"$T/k2" 2>&1; st=$?
is "$st:$(grep errno= "$T/k2")" "159:getpid errno=0" "compat_arches kill: int 0x80 kills the process with SIGSYS after native calls went through"

# no_new_privs: a setuid-root binary run under the filter gains nothing.
# Needs root to make the setuid copy; the unprivileged user runs it.
if is_root && id -u pinwheel-test >/dev/null 2>&1; then
	chmod 755 "$T" && cp "$PROBE" "$T/suid" && chmod 4755 "$T/suid"
	setpriv --reuid=pinwheel-test --regid=pinwheel-test --clear-groups \
		"$T/suid" euid-root >"$T/su1" 2>&1
	setpriv --reuid=pinwheel-test --regid=pinwheel-test --clear-groups \
		"$PROBE" --filter build --exec "$T/suid" euid-root >"$T/su2" 2>&1
	is "$(cat "$T/su1") / $(cat "$T/su2")" "euid-root errno=0 / euid-root errno=EPERM" \
		"a setuid-root binary raises euid without the filter, not under it (no_new_privs)"
else
	"$PROBE" --filter build --exec "$PROBE" euid-root >"$T/su2" 2>&1
	is "$(cat "$T/su2")" "euid-root errno=EPERM" "as a user under the filter the euid stays unprivileged (setuid case runs as root)"
fi
