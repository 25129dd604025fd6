#!/bin/sh
# The smoke test, as a project sees it: a platform wheel with four extension
# modules (built here with the host's gcc against python3.11-dev; the root is
# the host's python3.11, test only).  Two cannot be imported (they import a
# module nobody has): the step fails naming both at once, not the first
# only; one is left out by "test.skip"; "{project}" and "{package}" in the
# test command are the project's sources, read-only at /project; the wheel
# that failed is kept in OUT/failed/, never in OUT, and when only the test
# config changes the smoke test runs again on that wheel (its modules from
# the wheel's action record); "before_build" runs on the sources before
# build_wheel.
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
[ -f /usr/include/python3.11/Python.h ] || skip_all "python3.11-dev missing"
command -v gcc >/dev/null || skip_all "gcc missing"
plan 24

P="$T/proj" TGT=cp311-manylinux_x86_64
mkdir -p "$P/_backend" "$P/tinyx" "$P/tests"
py_base_tar "$T/py.tar"
ok $? "packed the test base"

# The extensions: _a and _b import a missing module in their init, _c too
# (skipped), _d imports.
cat >"$T/ext.c" <<'C'
#include <Python.h>
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, NAME, NULL, -1, NULL};
PyMODINIT_FUNC INIT(void)
{
#ifdef DEP
	PyObject *m = PyImport_ImportModule(DEP);
	if (!m)
		return NULL;
	Py_DECREF(m);
#endif
	return PyModule_Create(&def);
}
C
SO=cpython-311-x86_64-linux-gnu.so
for m in a b c d; do
	dep=""
	[ "$m" = d ] || dep="-DDEP=\"nosuchdep_$m\""
	# shellcheck disable=SC2086
	gcc -shared -fPIC -O2 -I/usr/include/python3.11 -DNAME="\"_$m\"" -DINIT="PyInit__$m" $dep \
		-o "$P/tinyx/_$m.$SO" "$T/ext.c" || break
done
ok $? "built four extension modules"
echo 'VALUE = 1' >"$P/tinyx/__init__.py"
echo 'def test_nothing(): pass' >"$P/tests/test_x.py"
cat >"$P/pyproject.toml" <<'TOML'
[project]
name = "tinyx"
version = "1.0"

[build-system]
requires = []
build-backend = "extbackend"
backend-path = ["_backend"]
TOML
cat >"$P/_backend/extbackend.py" <<'PY'
import base64, hashlib, io, os, tarfile, zipfile

SO = "cpython-311-x86_64-linux-gnu.so"
FILES = ["pyproject.toml", "_backend/extbackend.py", "tinyx/__init__.py", "tests/test_x.py"] + \
    [f"tinyx/_{m}.{SO}" for m in "abcd"]


def build_sdist(outdir, config_settings=None):
    with tarfile.open(os.path.join(outdir, "tinyx-1.0.tar.gz"), "w:gz") as t:
        for f in FILES:
            t.add(f, arcname=f"tinyx-1.0/{f}")
        pkg = b"Metadata-Version: 2.1\nName: tinyx\nVersion: 1.0\n"
        ti = tarfile.TarInfo("tinyx-1.0/PKG-INFO")
        ti.size = len(pkg)
        t.addfile(ti, io.BytesIO(pkg))
    return "tinyx-1.0.tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    di = "tinyx-1.0.dist-info"
    files = {f: open(f, "rb").read() for f in FILES if f.startswith("tinyx/")}
    files[f"{di}/METADATA"] = b"Metadata-Version: 2.1\nName: tinyx\nVersion: 1.0\n"
    files[f"{di}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: extbackend\nRoot-Is-Purelib: false\n"
                            b"Tag: cp311-cp311-linux_x86_64\n")
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
    name = "tinyx-1.0-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(os.path.join(outdir, name), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return name
PY
config() { # config SKIP COMMAND [EXTRA]
	cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"],${3-}
 "test": {"skip": [$1], "command": "$2"}}
JSON
}
LISTING="python -c 'import os; print(\\\"PROJECT\\\", sorted(os.listdir(\\\"{project}\\\")))'"
config '"tinyx._c"' "$LISTING"
run_pw 0 "lock" lock "$P"
run_pw 0 "fetch" fetch "$P"

run_pw 1 "two modules that do not import fail the smoke test" build "$P"
LOG="$P/wheelhouse/logs/$TGT.log"
grep -q "^pinwheel: could not import tinyx._a: ModuleNotFoundError: No module named 'nosuchdep_a'$" "$LOG"
ok $? "the first failure is named"
grep -q "^pinwheel: could not import tinyx._b: ModuleNotFoundError: No module named 'nosuchdep_b'$" "$LOG"
ok $? "and the second, in the same run"
grep -q "^pinwheel: 2 of 4 modules did not import: tinyx._a tinyx._b$" "$LOG"
ok $? "then one line with both"
grep -q "^pinwheel: skipped tinyx._c (test.skip)$" "$LOG"
ok $? "test.skip leaves _c out"
grep -q "^pinwheel: imported tinyx._d from " "$LOG"
ok $? "and _d imports"
like "$ERR" "$TGT: smoke test failed .*; the wheel is kept in failed/tinyx-1\\.0-cp311-cp311-manylinux[^ ]*_x86_64\\.whl \\(log: " \
	"the error says where the failed wheel is"
is "$(ls "$P/wheelhouse/failed" | grep -cx 'tinyx-1\.0-cp311-cp311-manylinux.*_x86_64\.whl')" "1" \
	"it is kept in OUT/failed/ for inspection"
is "$(ls "$P/wheelhouse"/*.whl 2>/dev/null)" "" "and OUT itself has no wheel"

# {project} and {package}: the sources, read-only.
rm -rf "$P/wheelhouse"
config '"tinyx._[abc]"' "$LISTING && python -c 'open(\\\"{package}/written\\\", \\\"w\\\")'"
run_pw 1 "the sources are read-only to the test command" build "$P"
grep -q "^PROJECT \[.*'pyproject.toml', 'tests', 'tinyx'\]$" "$P/wheelhouse/logs/$TGT.log"
ok $? "{project} is the project's sources"
grep -q "^OSError: \\[Errno 30\\] Read-only file system: '/project/written'$" "$P/wheelhouse/logs/$TGT.log"
ok $? "{package} too, read-only (EROFS)"
rm -rf "$P/wheelhouse"
config '"tinyx._[abc]"' "$LISTING"
run_pw 0 "with the imports skipped and a test that passes, the build passes" build "$P"
like "$OUT" "^$TGT +cached +passed " \
	"the smoke test passed (on the wheel of the first build: only the test changed)"
grep -q "^pinwheel: imported tinyx._d from " "$P/wheelhouse/logs/$TGT.log"
ok $? "the re-run imported _d: the modules come from the wheel's action record"
is "$(grep -c '^==== pinwheel: build_wheel$' "$P/wheelhouse/logs/$TGT.log")" 0 "build_wheel did not run"

# before_build: in each target's build sandbox, on the unpacked sdist,
# before build_wheel (what it writes is what the wheel gets); its failure
# is the target's, named.
rm -rf "$P/wheelhouse"
config '"tinyx._[abc]"' "python -c 'import tinyx; assert tinyx.VALUE == 7, tinyx.VALUE'" \
	' "before_build": "echo VALUE = 7 >tinyx/__init__.py",'
run_pw 0 "before_build edits the sources build_wheel sees" build "$P"
grep -q "^pinwheel: test command: python -c 'import tinyx; assert tinyx.VALUE == 7" "$P/wheelhouse/logs/$TGT.log"
ok $? "the wheel has before_build's edit (the smoke test checked it)"
rm -rf "$P/wheelhouse"
config '"tinyx._[abc]"' "true" ' "before_build": "exit 3",'
run_pw 1 "a failing before_build fails the target" build "$P"
like "$ERR" "$TGT: before_build failed \\(exit status 3\\)" "naming the step and its status"

