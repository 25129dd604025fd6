#!/bin/sh
# The seams between the sandbox and the host side, attacked from inside:
#  - init (pid 1) is pinwheel's own child: it must be unreachable whatever
#    --uid (no /proc/1/mem, fd, root, environ, maps), as root and not;
#  - /proc: what OCI runtimes mask or make read-only is masked or
#    read-only (host root writing /proc/irq is the attack);
#  - sockets: the family filter holds on every entry point, i386's direct
#    socket/socketpair calls and its socketcall multiplexer included, while
#    32-bit programs keep their local sockets;
#  - a session of its own (no controlling terminal);
#  - no setuid/setgid file or file capability can be made in a --bind.
# Each asserts the specific errno.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
P=/opt/pw/sbprobe
S=/opt/pw/sysprobe
[ -x "$HELPERS/sysprobe" ] || skip_all "sysprobe helper not built"

# /proc entries of this kernel that must be covered (OCI's default lists)
masked="" readonly=""
for p in acpi asound kcore keys latency_stats timer_list timer_stats sched_debug scsi; do
	[ -e "/proc/$p" ] && masked="$masked $p"
done
for p in bus fs irq sys sysrq-trigger; do
	[ -e "/proc/$p" ] && readonly="$readonly $p"
done
# files host root may write outside, written back unchanged by the probe
writable=""
for f in irq/default_smp_affinity sysrq-trigger; do
	[ -e "/proc/$f" ] && writable="$writable $f"
done
nm=$(echo $masked | wc -w) nr=$(echo $readonly | wc -w) nw=$(echo $writable | wc -w)
plan $((4 * 11 + 2 + 1 + 3 * nm + nr + 4 * nw + 2 + 29 + 4 + 21))

# ---- init is out of reach: the shape of the exploit, then each door ----
for opts in "--uid 0" "--uid 0 --seccomp none" "" "--seccomp none"; do
	w=${opts:-default}
	# shellcheck disable=SC2086
	{
		run_sb 1 "[$w] poke /proc/1/mem is refused" $opts -- $P poke-mem 1
		is "$OUT" "EACCES" "[$w] /proc/1/maps of init: EACCES (no read-back-and-write of init's memory)"
		run_sb 1 "[$w] /proc/1/mem cannot be opened read-write" $opts -- $P open-rw /proc/1/mem
		is "$OUT" "EACCES" "[$w] open(/proc/1/mem, O_RDWR): EACCES"
		run_sb 1 "[$w] init's descriptors cannot be followed" $opts -- $P readlink /proc/1/fd/1
		is "$OUT" "EACCES" "[$w] readlink(/proc/1/fd/1): EACCES"
		run_sb 1 "[$w] init's root cannot be entered" $opts -- $P opendir /proc/1/root/..
		is "$OUT" "EACCES" "[$w] open(/proc/1/root/..): EACCES"
		run_sb 1 "[$w] init's environment cannot be read" $opts -- $P open /proc/1/environ
		is "$OUT" "EACCES" "[$w] open(/proc/1/environ): EACCES"
	}
	# shellcheck disable=SC2086
	run_sb 0 "[$w] the command's own /proc/self/mem stays usable" $opts -- $P open-rw /proc/self/mem
done
run_sb 0 "SIGKILL of init from inside changes nothing" --uid 0 --seccomp none -- sh -c 'kill -KILL 1; echo alive'
is "$OUT" "alive" "the command outlives its kill -KILL 1 (init ignores signals from inside)"

# ---- /proc: masked and read-only ----
run_sb 0 "mountinfo inside" --uid 0 -- cat /proc/self/mountinfo
printf '%s\n' "$OUT" >"$T/mountinfo"
for p in $masked; do
	mi=$(awk -v m="/proc/$p" '$5 == m {print $6}' "$T/mountinfo" | tail -n 1)
	like "$mi" '^ro,' "/proc/$p is covered by a read-only mount"
	run_sb 0 "/proc/$p shows nothing" --uid 0 -- sh -c "if [ -d /proc/$p ]; then ls -A /proc/$p; else cat /proc/$p; fi | wc -c"
	is "$OUT" "0" "/proc/$p: empty"
done
for p in $readonly; do
	mi=$(awk -v m="/proc/$p" '$5 == m {print $6}' "$T/mountinfo" | tail -n 1)
	like "$mi" '^ro,' "/proc/$p is read-only"
done
# Writes: host root's files, so EROFS as root (the read-only mount); as an
# unprivileged user the permission check comes first (EACCES).
if is_root; then deny=EROFS; else deny=EACCES; fi
for f in $writable; do
	for opts in "--uid 0" ""; do
		# shellcheck disable=SC2086
		run_sb 1 "[${opts:-default}] /proc/$f cannot be written" $opts -- $P rewrite "/proc/$f"
		is "$OUT" "$deny" "[${opts:-default}] rewriting /proc/$f (its own bytes): $deny"
	done
done
run_sb 1 "/proc/sys stays read-only" --uid 0 -- $P write /proc/sys/kernel/hostname
is "$OUT" "EROFS" "write to /proc/sys/kernel/hostname: EROFS"

# ---- sockets on every entry point ----
# case  errno-under-build  errno-with---seccomp-none
cat >"$T/sock" <<'CASES'
socket-vsock EAFNOSUPPORT EINVAL
socketpair-inet EAFNOSUPPORT EINVAL
socketpair-vsock EAFNOSUPPORT EINVAL
i386-socket-vsock EAFNOSUPPORT EINVAL
i386-socket-unix EINVAL EINVAL
i386-socketpair-inet EAFNOSUPPORT EINVAL
i386-socketcall-vsock EAFNOSUPPORT EINVAL
i386-socketcall-inet EAFNOSUPPORT EINVAL
i386-socketcall-unix EINVAL EINVAL
i386-socketcall-pair-inet EAFNOSUPPORT EOPNOTSUPP
i386-socketcall-unix-real 0 0
i386-socketcall-pair-unix-real 0 0
CASES
cases=$(cut -d' ' -f1 "$T/sock")
# shellcheck disable=SC2086
run_sb 0 "the socket probes under the build profile" -- $S $cases i386-socketcall-vsock-real
printf '%s\n' "$OUT" >"$T/filtered"
# shellcheck disable=SC2086
run_sb 0 "the socket probes with --seccomp none" --seccomp none -- $S $cases
printf '%s\n' "$OUT" >"$T/plain"
while read -r c want plain; do
	is "$(sed -n "s/^$c errno=//p" "$T/filtered")" "$want" "build profile: $c gives $want"
	is "$(sed -n "s/^$c errno=//p" "$T/plain")" "$plain" "--seccomp none: $c gives $plain"
done <"$T/sock"
is "$(sed -n 's/^i386-socketcall-vsock-real errno=//p' "$T/filtered")" "EAFNOSUPPORT" \
	"a real AF_VSOCK socket through i386 socketcall: EAFNOSUPPORT (vsock is not namespaced)"
# the same program installed without a supervisor: the multiplexed calls
# cannot be decided and fail closed
run_cmd 0 "a filter with no listener" "$HELPERS/sysprobe" --filter build i386-socketcall-unix-real i386-socketcall-vsock-real socket-unix-real
is "$OUT" "i386-socketcall-unix-real errno=ENOSYS
i386-socketcall-vsock-real errno=ENOSYS
socket-unix-real errno=0" "without a supervisor socketcall(SYS_SOCKET) gets ENOSYS, whatever the family"

# ---- a session of its own ----
run_sb 0 "the command leads its own session" -- $S own-session
is "$OUT" "own-session errno=0" "getsid(0) == getpid(): a new session"
run_sb 0 "no controlling terminal" -- $S tty-tiocsti
is "$OUT" "tty-tiocsti errno=ENXIO" "/dev/tty: ENXIO"

# ---- no setuid, setgid or file capabilities through a --bind ----
mkdir -p "$T/out" && chmod 777 "$T/out"
n=0
for opts in "--uid 0" ""; do
	w=${opts:-default} n=$((n + 1))
	# shellcheck disable=SC2086
	{
		run_sb 1 "[$w] open(O_CREAT, 04755) in a bind" $opts --bind "$T/out:/out" -- $P create-suid "/out/a$n"
		is "$OUT" "EPERM" "[$w] open(O_CREAT, 04755): EPERM"
		run_sb 1 "[$w] O_TMPFILE with 04755 in a bind" $opts --bind "$T/out:/out" -- $P tmpfile-suid /out
		is "$OUT" "EPERM" "[$w] open(O_TMPFILE, 04755): EPERM"
		run_sb 1 "[$w] mknod(S_IFREG|04755) in a bind" $opts --bind "$T/out:/out" -- $P mknod-suid "/out/b$n"
		is "$OUT" "EPERM" "[$w] mknod(S_IFREG | 04755): EPERM"
		run_sb 0 "[$w] a plain file is made (control)" $opts --bind "$T/out:/out" -- $P write "/out/plain$n"
	}
done
run_sb 1 "--uid 0: no file capabilities" --uid 0 --bind "$T/out:/out" -- $P setfcap /out/plain1
is "$OUT" "EPERM" "setxattr(security.capability) as sandbox root: EPERM"
run_sb 1 "--uid 0 --seccomp none: no file capabilities either (CAP_SETFCAP is dropped)" --uid 0 --seccomp none --bind "$T/out:/out" -- $P setfcap /out/plain1
is "$OUT" "EPERM" "setxattr(security.capability) without the filter: EPERM"
run_sb 0 "the bind's mount options" --bind "$T/out:/out" -- grep " /out " /proc/self/mountinfo
like "$OUT" " /out [^ ]*nosuid,nodev" "/out is mounted nosuid,nodev"
is "$(find "$T/out" -perm /6000 | wc -l | tr -d ' ')" "0" "no setuid or setgid file reached the host"
