#!/bin/sh
# pinwheel run: options, exit statuses, the fixed environment and identity,
# the file-system view (nothing of the host unless bound), --status-json.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
plan 68

run_pw 0 "run --help exits 0" run --help
for o in --layer --ro-bind --bind --tmpfs --symlink --cwd --tmp-size --uid --env --env-pass \
	--source-date-epoch --net --seccomp --timeout --grace --memory --pids --fsize --cpu \
	--nofile --emulate --status-json; do
	printf '%s\n' "$OUT" | grep -q -- "$o" || echo "$o"
done >"$T/missing"
is "$(cat "$T/missing")" "" "--help lists every option"
like "$OUT" "125 the sandbox could not be set up" "--help documents the exit statuses"

run_pw 2 "no command is a usage error" run --seccomp none
like "$ERR" "no command given" "no command: says so"
run_pw 2 "a bad --tmpfs is a usage error" run --tmpfs /t:lots -- true
like "$ERR" "^pinwheel: run: --tmpfs '/t:lots': expected DST\[:SIZE\]" "bad --tmpfs names the argument"
run_pw 2 "a relative --bind destination is a usage error" run --bind /usr:usr -- true
run_pw 2 "an unknown option is a usage error" run --frob -- true
like "$ERR" "unknown option '--frob'" "the unknown option is named"
run_pw 2 "a bad --timeout is a usage error" run --timeout 1.2345 -- true
run_pw 2 "an unknown --emulate arch is a usage error" run --emulate vax /q -- true

run_sb 0 "true runs" -- /bin/true
run_sb 3 "the exit status is the command's" -- sh -c 'exit 3'
run_sb 137 "killed by SIGKILL exits 137" -- sh -c 'kill -9 $$'
run_sb 127 "a missing command exits 127" -- no-such-command
like "$ERR" "^pinwheel: run: exec 'no-such-command': No such file or directory$" "127 names the command"
run_sb 126 "a non-executable command exits 126" -- /etc/passwd
like "$ERR" "exec '/etc/passwd': Permission denied" "126 names the command"
run_sb 125 "a missing bind source exits 125" --ro-bind "$T/nonexistent:/x" -- true
like "$ERR" "^pinwheel: run: bind '$T/nonexistent': No such file or directory$" "125 names the step"
run_sb 125 "a bad --cwd exits 125" --cwd /nonexistent -- true
like "$ERR" "chdir '/nonexistent'" "the bad cwd is named"

run_sb 0 "the environment is the baseline" --source-date-epoch 1700000000 -- env
is "$(printf '%s\n' "$OUT" | grep -v -e '^PWD=' -e '^ASAN_OPTIONS=' | sort | tr '\n' ' ')" \
	"HOME=/tmp/home LC_ALL=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin PYTHONHASHSEED=0 SOURCE_DATE_EPOCH=1700000000 TZ=UTC " \
	"cleared environment plus PATH, HOME, TZ, LC_ALL, PYTHONHASHSEED, SOURCE_DATE_EPOCH"
export PW_T_PASS=passed
run_sb 0 "--env and --env-pass" --env A=1 --env A=2 --env-pass PW_T_PASS --env-pass PW_T_UNSET -- env
like "$OUT" "A=2" "--env: the last value wins"
like "$OUT" "PW_T_PASS=passed" "--env-pass passes a set variable"
unlike "$OUT" "PW_T_UNSET" "--env-pass skips an unset variable"
run_sb 0 "identity" -- sh -c 'echo "$(id -u):$(id -g):$(id -un):$(hostname):$(umask):$(pwd)"'
is "$OUT" "1000:1000:build:pinwheel:0022:/tmp/home" "uid 1000 (build), hostname, umask 022, cwd /tmp/home"
run_sb 0 "capabilities" -- sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status | tr -s "\t" " " | tr "\n" " "'
is "$OUT" "CapEff: 0000000000000000 CapBnd: 0000000000000000 NoNewPrivs: 1 " "no capabilities, no_new_privs"
run_sb 0 "--uid 0" --uid 0 -- sh -c 'echo $(id -u); grep ^CapEff /proc/self/status'
like "$OUT" "^0
CapEff:	000001ffffffffff$|^0
CapEff:	0000003fffffffff$|^0
CapEff:	[0-9a-f]*[1-9a-f][0-9a-f]*$" "--uid 0 is root of the namespace with its capabilities there"
run_sb 0 "pid namespace" -- sh -c 'echo $$; for p in /proc/[0-9]*; do printf "%s " "${p#/proc/}"; done'
is "$OUT" "2
1 2 " "the command is pid 2 under our init; /proc shows only the sandbox's processes"
run_sb 0 "the root holds only what was given" -- sh -c 'ls -A / | tr "\n" " "'
is "$OUT" "bin dev etc lib lib64 opt proc sbin tmp usr " "/ has the layer, /usr, /opt/pw and the standard mounts"
run_sb 0 "/dev is minimal" -- sh -c 'ls -A /dev | tr "\n" " "'
is "$OUT" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " "/dev: null zero full random urandom tty shm ptmx pts"
run_sb 0 "/dev nodes work" -- sh -c 'head -c 4 /dev/zero | od -An -tx1 | tr -d " "; echo x >/dev/null; head -c 8 /dev/urandom | wc -c'
is "$OUT" "00000000
8" "/dev/zero, /dev/null, /dev/urandom"
run_sb 0 "/tmp and /tmp/home are writable tmpfs" -- sh -c 'echo hi >/tmp/home/f && cat /tmp/home/f && stat -f -c %T /tmp'
is "$OUT" "hi
tmpfs" "/tmp is tmpfs"
run_sb 0 "writes to the root vanish" -- sh -c 'echo x >/newfile && cat /newfile'
is "$(ls -A "$LAYER" | tr '\n' ' ')" "bin lib lib64 opt sbin usr " "the layer is untouched"
run_sb 0 "/usr is read-only" -- sh -c '/opt/pw/sbprobe write /usr/pw-test; true'
is "$OUT" "EROFS" "writing under a --ro-bind gives EROFS"
mkdir -p "$T/rw" "$T/top" "$T/bottom"
echo top >"$T/top/f"; echo bottom >"$T/bottom/f"; echo only >"$T/bottom/g"
run_pw 0 "two layers: the first is on top" run --seccomp none --layer "$T/top" --layer "$T/bottom" \
	--layer "$LAYER" --ro-bind /usr:/usr -- sh -c 'cat /f /g'
is "$OUT" "top
only" "overlay of layers, first given on top"
run_sb 0 "--tmpfs and --symlink" --tmpfs /scratch:1M --symlink /scratch:/s -- sh -c 'echo a >/s/x && stat -f -c "%b*%S" /scratch'
is "$OUT" "256*4096" "--tmpfs DST:SIZE limits the size"
exec 7>"$T/leaked"
run_sb 0 "descriptors beyond 0-2 are not inherited" -- sh -c 'ls /proc/$$/fd'
exec 7>&-
is "$(echo $OUT)" "0 1 2" "fd 7 of pinwheel's caller does not reach the command"
# --ro-root: the layer is bound read-only as it is (mount points must exist).
RO="$T/rolayer"
mkdir -p "$RO/usr" "$RO/proc" "$RO/dev" "$RO/tmp" "$RO/opt/pw"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$RO/$d"; done
run_pw 1 "--ro-root with one layer" run --seccomp "$PW_SECCOMP" --ro-root --layer "$RO" \
	--ro-bind /usr:/usr --ro-bind "$HELPERS:/opt/pw" -- /opt/pw/sbprobe write /newfile
is "$OUT" "EROFS" "--ro-root: writing to / gives EROFS"
run_pw 0 "--ro-root: no /etc is added" run --seccomp "$PW_SECCOMP" --ro-root --layer "$RO" \
	--ro-bind /usr:/usr -- sh -c 'test -e /etc; echo $?; id -u'
is "$OUT" "1
1000" "--ro-root leaves the layer as it is"
run_pw 0 "--ro-root with two layers (overlay without upper)" run --seccomp "$PW_SECCOMP" --ro-root \
	--layer "$T/top" --layer "$T/bottom" --layer "$RO" --ro-bind /usr:/usr -- sh -c 'cat /f /g; echo x >/f; exit 0'
is "$OUT" "top
only" "the first layer is on top"
like "$ERR" "Read-only file system" "and the overlay is read-only"
run_pw 125 "--ro-root needs the mount points in the layer" run --seccomp "$PW_SECCOMP" --ro-root \
	--layer "$LAYER" --ro-bind /usr:/usr -- true
is "$ERR" "pinwheel: run: mount point '/proc' is missing in the read-only root: Read-only file system" \
	"a missing mount point is named"
echo "bound file" >"$T/file"
run_sb 0 "a file can be bound where nothing exists" --ro-bind "$T/file:/etc/pw/file" -- cat /etc/pw/file
is "$OUT" "bound file" "--ro-bind of a file creates its mount point"
run_sb 7 "--status-json" --status-json "$T/st.json" -- sh -c 'exit 7'
/usr/bin/python3 - "$T/st.json" >"$T/st.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["exit_code"], d["signal"], d["status"], d["limit"], d["wall_ms"] > 0, d["max_rss_kib"] > 0,
      "user_ms" in d and "sys_ms" in d)
PY
is "$(cat "$T/st.out")" "7 None 7 None True True True" "--status-json: exit code, status, times, max RSS"
