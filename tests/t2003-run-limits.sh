#!/bin/sh
# Limits: a fork bomb (--pids), a memory bomb (--memory), /tmp full
# (--tmp-size), --fsize, --cpu, --timeout with a daemonized grandchild,
# and the death of pinwheel by SIGKILL: nothing of the sandbox survives.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
plan 28
P=/opt/pw/sbprobe
jfield() { /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print("null" if v is None else v)' "$1" "$2"; }

run_sb 1 "a fork loop is bounded by --pids" --pids 16 -- $P forkbomb 1000
like "$OUT" "^EAGAIN after ([0-9]|1[0-5])$" "fork fails with EAGAIN below 16 processes"
run_cmd 143 "a shell fork bomb ends (bounded by --pids, then --timeout)" \
	timeout 60 "$PINWHEEL" run $ROOT_OPTS --pids 64 --timeout 2 --grace 0.2 \
	--status-json "$T/bomb.json" -- sh -c '(b() { b | b & }; b); exec sleep 100'
is "$(jfield "$T/bomb.json" limit)" "timeout" "the bomb was ended by the timeout"
run_sb 0 "pinwheel still runs sandboxes after the bomb" -- true
run_cmd 0 "and the host can still fork" sh -c 'true'

run_sb 1 "a memory bomb is bounded by --memory" --memory 256M -- python3 -c '
import sys
a = []
try:
    while len(a) < 4096: a.append(bytearray(1 << 20))
except MemoryError:
    print("MemoryError after", len(a), "MiB"); sys.exit(1)'
like "$OUT" "^MemoryError after [0-9]+ MiB$" "allocation fails (ENOMEM) below 256 MiB"
n=$(printf '%s' "$OUT" | cut -d' ' -f3)
[ "${n:-999}" -lt 256 ]; ok $? "the bomb got less than 256 MiB ($n)"
run_sb 1 "filling /tmp past --tmp-size" --tmp-size 1M -- $P fill /tmp/big
is "$OUT" "ENOSPC" "write to a full /tmp: ENOSPC"
run_sb 153 "--fsize kills with SIGXFSZ" --fsize 64K --status-json "$T/fsize.json" -- $P fill /tmp/big
is "$(jfield "$T/fsize.json" limit)" "fsize" "--status-json says the fsize limit fired"
run_sb 152 "--cpu kills with SIGXCPU" --cpu 1 --status-json "$T/cpu.json" -- sh -c 'while :; do :; done'
is "$(jfield "$T/cpu.json" limit)|$(jfield "$T/cpu.json" signal)" "cpu|24" "--status-json: limit cpu, signal 24"

# --timeout: SIGTERM to everything, the daemonized grandchild included; the
# pipe to cat reaches EOF only when every holder of it is gone.
run_cmd 0 "--timeout kills a daemonized grandchild too" timeout 30 sh -c \
	"\"$PINWHEEL\" run $ROOT_OPTS --timeout 0.3 --status-json $T/to.json -- \
	sh -c '(setsid sleep 1000 &); exec sleep 1000' | cat"
is "$(jfield "$T/to.json" limit)|$(jfield "$T/to.json" status)" "timeout|143" \
	"--timeout: limit timeout, the command died of SIGTERM (143)"
run_sb 137 "a command ignoring SIGTERM is killed after --grace" --timeout 0.2 --grace 0.2 \
	--status-json "$T/grace.json" -- sh -c 'trap "" TERM; exec sleep 1000'
is "$(jfield "$T/grace.json" limit)|$(jfield "$T/grace.json" signal)" "timeout|9" \
	"--grace: then SIGKILL (137)"
wall=$(jfield "$T/grace.json" wall_ms)
like "$wall" '^[0-9]{3,4}\.' "the timeout fired after about 0.4 s (wall_ms $wall)"

# SIGKILL of pinwheel: the pid namespace's init dies (PDEATHSIG) and the
# kernel kills the rest, daemons included.
mkfifo "$T/out"
"$PINWHEEL" run $ROOT_OPTS -- sh -c '(setsid sleep 1000 &); echo ready; exec sleep 1000' >"$T/out" &
PWPID=$!
exec 3<"$T/out"
read -r line <&3
is "$line" "ready" "the sandbox with a daemon is running"
kill -9 "$PWPID"
wait "$PWPID" 2>/dev/null
run_cmd 0 "after SIGKILL of pinwheel nothing of the sandbox holds the pipe" timeout 10 cat <&3
exec 3<&-
# Signals pinwheel receives reach the sandbox.
mkfifo "$T/sig"
"$PINWHEEL" run $ROOT_OPTS -- sh -c 'trap "echo got-term; exit 7" TERM; echo ready; sleep 1000 & wait' >"$T/sig" &
PWPID=$!
exec 4<"$T/sig"
read -r line <&4
kill -TERM "$PWPID"
wait "$PWPID"
is "$?:$(cat <&4)" "7:got-term" "SIGTERM to pinwheel is forwarded; the command's status is returned"
exec 4<&-
run_sb 0 "the sandbox has its own init" -- sh -c 'grep -c . /proc/1/status >/dev/null && echo ok'
is "$OUT" "ok" "init is visible as pid 1"
run_sb 0 "the default limits suit compilers" -- sh -c 'ulimit -n; ulimit -f; ulimit -c'
like "$OUT" "^[0-9]+
[0-9]+|unlimited
0$" "nofile and fsize large, no core dumps"
nofile=$(printf '%s\n' "$OUT" | head -1)
[ "$nofile" -ge 1024 ]; ok $? "RLIMIT_NOFILE is at least 1024 (got $nofile)"
