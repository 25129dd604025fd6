#!/bin/sh
# t5302-build-failures: `pinwheel build` with a tiny project whose PEP 517
# backend lives in the project (backend-path, nothing setuptools-specific)
# on a small root made from the host's python3.11 (test only):
#   - a good build: exit 0, the wheel, sdist, manifest and log in OUT; the
#     version and SOURCE_DATE_EPOCH come from git (tag distance, commit time)
#   - the backend fails: exit 1, the log kept with the backend's error,
#     nothing else written to OUT (no wheel, no temp directory)
#   - the smoke test fails: exit 1, the target is failed, no wheel in OUT
#   - no lock or a stale lock with --locked, an unknown --only: exit 2
#     naming the fix; a stale lock without --locked: locked again, fetched
#     and built, with a line saying so; an edit of env or limits leaves the
#     lock fresh
#   - a root missing from the store: exit 1, "run 'pinwheel fetch'"
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip, venv' 2>/dev/null || skip_all "python3-pip or venv missing"
command -v git >/dev/null || skip_all "git missing"
plan 41
TGT=cp311-manylinux_x86_64

# The base: python3.11, its stdlib (with venv), pip, a shell, and the
# libraries they load.
py_base_tar "$T/py.tar"
ok $? "packed the test base"

P="$T/proj"
mkdir -p "$P/_backend" "$P/tiny" "$P/build/junk" "$P/wheelhouse"
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"],
 "test": {"command": "python -c 'import tiny; assert tiny.VALUE == 42, tiny.VALUE'"}}
JSON
cat >"$P/pyproject.toml" <<'TOML'
[project]
name = "tiny"
authors = [{ name = "inline tables are fine here" }]

[build-system]
requires = []
build-backend = "minibackend"
backend-path = ["_backend"]
TOML
echo 'VALUE = 42' >"$P/tiny/__init__.py"
echo 'junk' >"$P/build/junk/x"
# A complete PEP 517 backend in 40 lines: the version from the environment
# (as pinwheel passes it), FAIL_BUILD makes build_wheel fail.
cat >"$P/_backend/minibackend.py" <<'PY'
import base64, hashlib, io, os, sys, tarfile, zipfile

VERSION = os.environ.get("SETUPTOOLS_SCM_PRETEND_VERSION", "0")
FILES = ["pyproject.toml", "_backend/minibackend.py", "tiny/__init__.py"]


def build_sdist(outdir, config_settings=None):
    name = f"tiny-{VERSION}"
    with tarfile.open(os.path.join(outdir, name + ".tar.gz"), "w:gz") as t:
        for f in FILES + (["FAIL_BUILD"] if os.path.exists("FAIL_BUILD") else []):
            t.add(f, arcname=f"{name}/{f}")
        pkg = f"Metadata-Version: 2.1\nName: tiny\nVersion: {VERSION}\n".encode()
        ti = tarfile.TarInfo(f"{name}/PKG-INFO")
        ti.size = len(pkg)
        t.addfile(ti, io.BytesIO(pkg))
    return name + ".tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    print("minibackend env:", *(os.environ.get(k) for k in ("CIBUILDWHEEL", "PINWHEEL", "PYTHONHASHSEED")),
          open("/proc/self/personality").read().strip(), flush=True)
    if os.path.exists("FAIL_BUILD"):
        print("compiling x.c", flush=True)
        print("x.c:1:10: fatal error: Python.h: No such file or directory", file=sys.stderr, flush=True)
        print("error: command 'gcc' failed: exit status 1", file=sys.stderr, flush=True)
        for i in range(50):
            print(f"noise {i}", flush=True)
        print("\x1b[31mred", flush=True)
        raise RuntimeError("minibackend: deliberate failure")
    di = f"tiny-{VERSION}.dist-info"
    files = {"tiny/__init__.py": open("tiny/__init__.py", "rb").read(),
             f"{di}/METADATA": f"Metadata-Version: 2.1\nName: tiny\nVersion: {VERSION}\n".encode(),
             f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: minibackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
    name = f"tiny-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(outdir, name), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return name
PY
G() { git -C "$P" -c user.name=t -c user.email=t@example.invalid "$@" >/dev/null 2>&1; }
printf 'build/\nwheelhouse/\n' >"$P/.gitignore"
G init -q && G add -A && GIT_COMMITTER_DATE="1700000000 +0000" G commit -q -m one && G tag v1.2.0 &&
	echo '# two' >>"$P/tiny/__init__.py" && G add -A &&
	GIT_COMMITTER_DATE="1700000100 +0000" G commit -q -m two
ok $? "the project is a git checkout: tag v1.2.0 and one commit after it"
HASH=$(git -C "$P" rev-parse --short HEAD)
echo untracked >"$P/untracked.txt"

run_pw 2 "no lock with --locked: exit 2" build --locked "$P"
like "$ERR" "^pinwheel: build: no '.*pinwheel.lock' \(--locked\): run 'pinwheel lock'" "no lock: says to lock"
run_pw 0 "lock" lock "$P"
run_pw 1 "a root not in the store: exit 1" --store "$T/empty-store" build "$P"
like "$ERR" "root not fetched .*; run 'pinwheel fetch'$" "a missing root: says to fetch"
run_pw 0 "fetch" fetch "$P"
run_pw 2 "an unknown --only: exit 2" build "$P" --only cp399-manylinux_x86_64
like "$ERR" "cp399-manylinux_x86_64" "the unknown target is named"

# A pure wheel for a platform target, without "pure": true, is refused.
run_pw 1 "a pure wheel for a platform target: exit 1" build "$P"
like "$ERR" "build: $TGT: the backend built a pure wheel \\(py3-none-any\\) for a platform target: its C extensions were skipped \\(see the log\\); is python3\\.11-dev \\(Python\\.h\\) in the root\\? set \"pure\": true if the project is pure Python \\(log: " \
	"the refusal names the wheel's tags, the likely cause and the key"
is "$(ls "$P/wheelhouse"/*.whl 2>/dev/null)" "" "the pure wheel is not in OUT"
sed 's/"version": 1,/"version": 1, "pure": true,/' "$P/pinwheel.json" >"$T/c" && cp "$T/c" "$P/pinwheel.json"
rm -rf "$P/wheelhouse"
run_pw 0 "lock again with \"pure\": true" lock "$P"

# The good build: a pure wheel from the in-project backend, -v streams
# the steps' output live.
run_pw 0 "build exits 0" -v build "$P"
like "$ERR" "^  $TGT \\| minibackend env: 1 1 0 00040000$" \
	"-v streams build_wheel's output; it sees CIBUILDWHEEL=1 PINWHEEL=1 PYTHONHASHSEED=0 and ASLR off"
V="1.2.1.dev1"
is "$(cd "$P/wheelhouse" && ls)" "logs
pinwheel-manifest.json
tiny-$V-py3-none-any.whl
tiny-$V.tar.gz" "OUT: the wheel and sdist of version $V (setuptools_scm's scheme, no local segment), log, manifest"
like "$OUT" "^$TGT +ok +passed " "the table: built, smoke test passed"
python3 - "$P/wheelhouse/tiny-$V-py3-none-any.whl" >"$T/z" <<'PY'
import sys, zipfile, calendar
z = zipfile.ZipFile(sys.argv[1])
print(sorted({calendar.timegm(i.date_time + (0, 0, 0)) for i in z.infolist()}))
print([i.filename for i in z.infolist()][-1], sorted(z.namelist()) == sorted(set(z.namelist())))
PY
is "$(sed -n 1p "$T/z")" "[1700000100]" "every member's time is the last commit's (SOURCE_DATE_EPOCH)"
is "$(sed -n 2p "$T/z")" "tiny-$V.dist-info/RECORD True" "repacked: RECORD last"
python3 -c 'import sys, tarfile; print(sorted(m.name for m in tarfile.open(sys.argv[1]) if m.isfile()))' \
	"$P/wheelhouse/tiny-$V.tar.gz" >"$T/s"
is "$(cat "$T/s")" "['tiny-$V/PKG-INFO', 'tiny-$V/_backend/minibackend.py', 'tiny-$V/pyproject.toml', 'tiny-$V/tiny/__init__.py']" \
	"the sdist has the tracked sources only (no untracked file, no build/)"

# The backend fails.
rm -rf "$P/wheelhouse"
touch "$P/FAIL_BUILD" && G add FAIL_BUILD
run_pw 1 "a failing backend: exit 1" build "$P"
like "$ERR" "$TGT: build_wheel failed \\(exit status 1\\)" "the failure names the target and step"
is "$(printf '%s\n' "$ERR" | grep -A1 ': first error: ')" "pinwheel: build: $TGT: first error: x.c:1:10: fatal error: Python.h: No such file or directory
pinwheel: build: $TGT: build_wheel failed (exit status 1) (log: $P/wheelhouse/logs/$TGT.log)" \
	"the first error-looking line of the log, just before the error"
is "$(printf '%s\n' "$ERR" | grep -c '^  | ')" 40 "the last 40 lines of the step's output"
is "$(printf '%s\n' "$ERR" | grep -A1 '^  | noise 49$')" "  | noise 49
  | \\x1b[31mred" "... escaped as untrusted text"
is "$(printf '%s\n' "$ERR" | grep '^  | ' | tail -n 1)" "  | RuntimeError: minibackend: deliberate failure" \
	"... the last is the traceback's last line"
grep -q "RuntimeError: minibackend: deliberate failure" "$P/wheelhouse/logs/$TGT.log"
ok $? "the log keeps the backend's error"
like "$OUT" "^$TGT +FAILED " "the table says failed"
run_pw 1 "--json: a failing backend" --json build "$P"
python3 -c 'import json, sys; t = json.load(sys.stdin)["targets"][0]; print(t["error_line"])' <"$T/.out" >"$T/j"
is "$(cat "$T/j")" "x.c:1:10: fatal error: Python.h: No such file or directory" \
	"--json: the error line in the target's result"
is "$(cd "$P/wheelhouse" && ls -A | tr '\n' ' ')" "logs pinwheel-manifest.json tiny-$V.tar.gz " \
	"no wheel and no temp directory left in OUT"

# The smoke test fails (the installed package's value is wrong).
G rm -q --cached FAIL_BUILD; rm -f "$P/FAIL_BUILD"
echo 'VALUE = 41' >"$P/tiny/__init__.py" && G add -A
rm -rf "$P/wheelhouse"
run_pw 1 "a failing smoke test: exit 1" build "$P"
like "$ERR" "$TGT: smoke test failed" "the failure is the smoke test's"
grep -q "AssertionError: 41" "$P/wheelhouse/logs/$TGT.log"
ok $? "the log has the test command's error"
is "$(ls "$P/wheelhouse"/*.whl 2>/dev/null)" "" "a wheel that failed its smoke test is not in OUT"

# What never reaches the lock (the steps' env, limits, the smoke test's
# command) keeps it fresh; what does (a selection glob) makes it stale.
cp "$P/pinwheel.json" "$T/c0"
sed 's/"version": 1,/"version": 1, "env": {"X": "1"}, "limits": {"pids": 512},/' "$T/c0" >"$P/pinwheel.json"
run_pw 0 "env and limits edited: the lock is still fresh" lock --check "$P"
sed 's/"version": 1,/"version": 1, "optional": ["cp3*"],/' "$T/c0" >"$P/pinwheel.json"
run_pw 2 "a stale lock with --locked: exit 2" build --locked "$P"
like "$ERR" "is stale: the config changed since it was written \(--locked\): run 'pinwheel lock'" "a stale lock: says to lock again"
run_pw 1 "a stale lock without --locked: locked again, then built" build "$P"
like "$ERR" "^build: '.*pinwheel.lock' is stale \(the config changed\): locking again \('pinwheel lock'\), then fetching" \
	"one line says the lock is written again"
