#!/bin/sh
# kill -9 of `pinwheel build` ends every process it started, at once, and
# the next build into the same OUT removes the dead run's temp directory
# but never a live run's (issue #13, item 9).  The tiny project's backend
# turns hostile when the file HANG is in the source: build_wheel starts a
# daemonised grandchild (double fork, new session), writes STARTED into
# /out once the grandchild runs, and then runs forever (HANG goes into the
# sdist, which the wheel is built from).
#   - while it hangs, a second build of a copy of the project into the
#     same OUT succeeds and leaves the live run's directory alone
#   - kill -9 of the hanging build: every process of its tree (the worker,
#     the sandbox's init, the backend, the grandchild) is gone within 30 s,
#     waited for on pidfds (no polling)
#   - the killed run's OUT/.pinwheel-build.* is still there; the next build
#     into OUT exits 0 and removes it
#   - the same for verify: kill -9 during its build A ends build A and all
#     under it; the next verify removes the dead run's TMPDIR directory
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
python3 -c 'import os, signal; os.pidfd_open; signal.pidfd_send_signal' 2>/dev/null ||
	skip_all "python3 without pidfd_open"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 19
TGT=cp311-manylinux_x86_64

tiny_setup 3.11 || { echo "Bail out! could not set up the tiny project"; exit 1; }
python3 - "$P/_backend/minibackend.py" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
hang = '''    if os.path.exists("HANG"):
        ready = os.path.join(outdir, "GRANDCHILD")
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                open(ready, "w").close()
                while True:
                    time.sleep(3600)
            os._exit(0)
        os.wait()
        while not os.path.exists(ready):
            time.sleep(0.01)
        open(os.path.join(outdir, "STARTED"), "w").close()
        while True:
            time.sleep(3600)
'''
head = "def build_wheel(outdir, config_settings=None, metadata_directory=None):\n"
knobs = '("FAIL_BUILD", "SLOW")'
assert head in s and knobs in s
open(p, "w").write(s.replace(head, head + hang).replace(knobs, '("FAIL_BUILD", "SLOW", "HANG")'))
PY
G add -A && tiny_commit "the hostile knob"
run_pw 0 "lock" lock "$P"
run_pw 0 "fetch" fetch "$P"
# A copy without the knob builds normally into the same OUT.
cp -R "$P" "$T/p2"
O="$T/out"
mkdir -p "$O"
touch "$P/HANG" && G add HANG && tiny_commit "hang"

bg "$PINWHEEL" build "$P" --out "$O" -q
PID=$BG_PID
started() { ls "$O"/.pinwheel-build.*/"$TGT"/out/STARTED >/dev/null 2>&1; }
wait_for "the hostile step" 120 started
ok $? "the hostile build_wheel and its grandchild run"
LIVE=$(ls -d "$O"/.pinwheel-build.*)

run_pw 0 "a second build into the same OUT meanwhile: exit 0" build "$T/p2" --out "$O" -q
is "$(ls -d "$O"/.pinwheel-build.*)" "$LIVE" "the live run's directory is kept, the second run's is gone"

# killtree PID: the process tree of PID, each process held by a pidfd;
# then kill -9 of PID and a wait for all of them to end (at most 30 s).
# Prints the number of descendants found, then the survivors (which it
# kills, to clean up).
cat >"$T/killtree.py" <<'PY'
import os, select, signal, sys, time
root = int(sys.argv[1])
kids = {}
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        st = open(f"/proc/{d}/stat").read()
    except OSError:
        continue
    ppid = int(st[st.rindex(")") + 2:].split()[1])
    kids.setdefault(ppid, []).append(int(d))
tree, todo = [], [root]
while todo:
    for c in kids.get(todo.pop(), []):
        tree.append(c)
        todo.append(c)
fds = {}
for p in [root] + tree:
    try:
        fds[os.pidfd_open(p)] = p
    except OSError:
        pass
print(len(fds) - 1)
os.kill(root, signal.SIGKILL)
poll = select.poll()
for fd in fds:
    poll.register(fd, select.POLLIN)
alive, deadline = set(fds), time.monotonic() + 30
while alive and time.monotonic() < deadline:
    for fd, _ in poll.poll(max(1, int((deadline - time.monotonic()) * 1000))):
        alive.discard(fd)
        poll.unregister(fd)
names = []
for fd in alive:
    try:
        names.append(open(f"/proc/{fds[fd]}/comm").read().strip())
        signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass
print(len(alive), " ".join(sorted(names)))
PY
python3 "$T/killtree.py" "$PID" >"$T/tree"
wait "$PID"
is "$?" 137 "pinwheel build was killed by SIGKILL"
N=$(sed -n 1p "$T/tree")
ok "$([ "${N:-0}" -ge 4 ] && echo 0 || echo 1)" "its tree had the worker, the sandbox, the backend and the grandchild ($N processes)"
is "$(sed -n 2p "$T/tree")" "0 " "no process of the killed build survives it"

is "$(ls -d "$O"/.pinwheel-build.* 2>/dev/null)" "$LIVE" "the killed run's directory is left behind"
run_pw 0 "the next build into the same OUT: exit 0" build "$T/p2" --out "$O" -q
is "$(ls -A "$O" | grep '^\.pinwheel-build\.')" "" "it removed the dead run's directory"
like "$(ls "$O")" "tiny-.*-py3-none-any\\.whl" "and built its wheel"

# The same for verify: its build A hangs; kill -9 of verify ends build A
# and everything under it, and the next verify removes the dead run's
# temp directory in TMPDIR.
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
bg "$PINWHEEL" verify "$P" --out "$T/va" -q
PID=$BG_PID
started() { ls "$T"/va/.pinwheel-build.*/"$TGT"/out/STARTED >/dev/null 2>&1; }
wait_for "verify's hostile step" 120 started
ok $? "verify's build A runs the hostile step"
like "$(ls "$TMPDIR")" "^pinwheel-verify\\.[A-Za-z0-9]{6}$" "verify has its temp directory"
python3 "$T/killtree.py" "$PID" >"$T/tree"
wait "$PID"
is "$?" 137 "pinwheel verify was killed by SIGKILL"
N=$(sed -n 1p "$T/tree")
ok "$([ "${N:-0}" -ge 5 ] && echo 0 || echo 1)" "its tree had build A, its worker, the sandbox, the backend and the grandchild ($N processes)"
is "$(sed -n 2p "$T/tree")" "0 " "no process of the killed verify survives it"
run_pw 0 "the next verify: exit 0" verify "$T/p2" --out "$T/vb" -q
is "$(ls -A "$TMPDIR")" "" "it removed the dead run's temp directory (and its own)"
