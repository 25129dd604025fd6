#!/bin/sh
# What a PEP 517 backend adds to the build requirements at its
# get_requires_for_build_sdist / get_requires_for_build_wheel hooks is
# asked at lock time (in the target's root with the static requirements
# installed, offline, on a read-only view of the project) and pinned by the
# lock like the rest: an in-project backend (backend-path) whose
# get_requires_for_build_wheel asks for "extra==2.0" from the loopback
# index gets it in the lock's build-requires layer, and its build_wheel
# imports it.  A hook that raises fails the lock with one line naming the
# backend, the target, the hook and the exception.
# as-user: no (resolution and comparison logic; rootless builds are t53xx's and t5701's)
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip' 2>/dev/null || skip_all "python3-pip not installed"
plan 16

py_base_tar "$T/py.tar"
ok $? "packed the test base"
cat >"$T/spec.json" <<'JSON'
[{"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = 'one'\n"}},
 {"name": "extra", "version": "2.0", "modules": {"extra.py": "VALUE = 'two'\n"}},
 {"name": "extra", "version": "3.0", "modules": {"extra.py": "VALUE = 'three'\n"}}]
JSON
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1
ID=cp311-manylinux_x86_64

P="$T/proj"
mkdir -p "$P/_backend" "$P/dyn"
cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "build_requires": ["bar==1.0"],
 "test": {"command": "python -c 'import dyn; assert dyn.EXTRA == \"two\", dyn.EXTRA'"}}
JSON
cat >"$P/pyproject.toml" <<'TOML'
[project]
name = "dyn"

[build-system]
requires = ["bar==1.0"]
build-backend = "dynback"
backend-path = ["_backend"]
TOML
echo '' >"$P/dyn/__init__.py"
cat >"$P/_backend/dynback.py" <<'PY'
import base64, hashlib, io, os, tarfile, zipfile

FILES = ["pyproject.toml", "_backend/dynback.py", "dyn/__init__.py"]


def get_requires_for_build_sdist(config_settings=None):
    return ["bar==1.0"]


def get_requires_for_build_wheel(config_settings=None):
    if os.path.exists("RAISE"):
        raise RuntimeError("cannot tell what this build needs")
    open("written-by-the-hook", "w").close()  # a copy: the project is read-only
    return ["extra==2.0", "bar==1.0"]


def build_sdist(outdir, config_settings=None):
    with tarfile.open(os.path.join(outdir, "dyn-0.tar.gz"), "w:gz") as t:
        for f in FILES:
            t.add(f, arcname="dyn-0/" + f)
        pkg = b"Metadata-Version: 2.1\nName: dyn\nVersion: 0\n"
        ti = tarfile.TarInfo("dyn-0/PKG-INFO")
        ti.size = len(pkg)
        t.addfile(ti, io.BytesIO(pkg))
    return "dyn-0.tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    import bar, extra
    files = {"dyn/__init__.py": ("EXTRA = %r\nBAR = %r\n" % (extra.VALUE, bar.VALUE)).encode(),
             "dyn-0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: dyn\nVersion: 0\n",
             "dyn-0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: dynback\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files["dyn-0.dist-info/RECORD"] = (rec + "dyn-0.dist-info/RECORD,,\n").encode()
    with zipfile.ZipFile(os.path.join(outdir, "dyn-0-py3-none-any.whl"), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return "dyn-0-py3-none-any.whl"
PY

run_pw 0 "lock" lock "$P"
is "$ERR" "build_requires: the backend 'dynback' of $ID adds bar==1.0, extra==2.0
wrote '$P/pinwheel.lock' (1 targets, 3 artifacts)" "lock says what the backend's hooks add"
sha() { sha256sum "$T/www/files/$1" | cut -d' ' -f1; }
is "$(python3 -c '
import json, sys
lk = json.load(open(sys.argv[1]))
by = {a["sha256"]: a for a in lk["artifacts"]}
for l in lk["roots"]["cp311-manylinux_x86_64"]["layers"]:
    if l["name"] == "build-requires":
        print(" ".join(sorted("%s==%s:%s" % (by[s]["name"], by[s]["version"], s) for s in l["artifacts"])))
' "$P/pinwheel.lock")" "bar==1.0:$(sha bar-1.0-py3-none-any.whl) extra==2.0:$(sha extra-2.0-py3-none-any.whl)" \
	"the build-requires layer pins the static requirement and the backend's, with the index's sha256s"
[ ! -e "$P/written-by-the-hook" ]
ok $? "the hook ran in a copy: nothing was written into the project"

run_pw 0 "fetch" fetch "$P"
run_pw 0 "build" build "$P" --out "$T/out"
is "$(cd "$T/out" && ls ./*.whl)" "./dyn-0-py3-none-any.whl" "one wheel"
is "$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("dyn/__init__.py").decode(), end="")' "$T/out/dyn-0-py3-none-any.whl")" \
	"EXTRA = 'two'
BAR = 'one'" "build_wheel imported the backend's requirement from the build root"

run_pw 0 "relock" lock "$P"
like "$ERR" "is up to date" "the relock keeps the pins (the hooks do not run again)"

# the project named by a relative path (as a user types it): the hooks
# still see it (they bound the path as given, which the sandbox refuses)
(cd "$(dirname "$P")" && "$PINWHEEL" lock --upgrade "$(basename "$P")") >"$T/rel.out" 2>"$T/rel.err"
is "$?:$(tail -n 1 "$T/rel.err")" "0:'$(basename "$P")/pinwheel.lock' is up to date (1 targets, 3 artifacts)" \
	"lock of a relative project path asks the hooks too"

# ---- a hook that raises ----
touch "$P/RAISE"
run_pw 1 "a raising hook fails the lock" lock --upgrade "$P"
is "$ERR" "pinwheel: lock: build_requires: the backend 'dynback' of $ID: get_requires_for_build_wheel raised RuntimeError: cannot tell what this build needs" \
	"one line: the field, the backend, the target, the hook, the exception"
rm "$P/RAISE"
sed 's/^build-backend = "dynback"/build-backend = "nosuchbackend"/' "$P/pyproject.toml" >"$P/t" && mv "$P/t" "$P/pyproject.toml"
run_pw 1 "a backend that cannot be imported fails the lock" lock --upgrade "$P"
is "$ERR" "pinwheel: lock: build_requires: the backend 'nosuchbackend' of $ID: importing it raised ModuleNotFoundError: No module named 'nosuchbackend'" \
	"one line naming the backend"
