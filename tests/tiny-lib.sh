# tests/tiny-lib.sh - a tiny project for the build tests (sourced after
# tests/lib.sh): a small root from the host's python3.11 (test only; also
# answering as python3.12 for a second target), a PEP 517 backend in the
# project (backend-path), a git checkout at tag v1.2.0 plus one commit.
# Knobs in the project, tracked by git: FAIL_BUILD makes build_wheel fail,
# SLOW makes it print "BUILD_WHEEL_STARTED" and then wait 60 s.
# tiny_setup PYVERSIONS...   e.g. tiny_setup 3.11 3.12 ; sets $P and G().
# tiny_files DIR: only the project's sources (pyproject.toml, the backend,
# the tiny package; version "0"), for tests that write their own
# pinwheel.json and need no git checkout.
# tiny_plain DIR: tiny_files plus a pinwheel.json with one target (3.11)
# on the test base $T/py.tar (packed here) and a smoke test importing tiny;
# no git checkout.
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip, venv' 2>/dev/null || skip_all "python3-pip or venv missing"
command -v git >/dev/null || skip_all "git missing"

G() { git -C "$P" -c user.name=t -c user.email=t@example.invalid "$@" >/dev/null 2>&1; }

tiny_files() {
	mkdir -p "$1/_backend" "$1/tiny"
	cat >"$1/pyproject.toml" <<'TOML'
[project]
name = "tiny"

[build-system]
requires = []
build-backend = "minibackend"
backend-path = ["_backend"]
TOML
	echo 'VALUE = 42' >"$1/tiny/__init__.py"
	cat >"$1/_backend/minibackend.py" <<'PY'
import base64, hashlib, io, json, os, tarfile, time, zipfile

VERSION = os.environ.get("SETUPTOOLS_SCM_PRETEND_VERSION", "0")
FILES = ["pyproject.toml", "_backend/minibackend.py", "tiny/__init__.py"]


def build_sdist(outdir, config_settings=None):
    print("minibackend: build_sdist config_settings=" + json.dumps(config_settings, sort_keys=True), flush=True)
    name = f"tiny-{VERSION}"
    with tarfile.open(os.path.join(outdir, name + ".tar.gz"), "w:gz") as t:
        for f in FILES + [k for k in ("FAIL_BUILD", "SLOW") if os.path.exists(k)]:
            t.add(f, arcname=f"{name}/{f}")
        pkg = f"Metadata-Version: 2.1\nName: tiny\nVersion: {VERSION}\n".encode()
        ti = tarfile.TarInfo(f"{name}/PKG-INFO")
        ti.size = len(pkg)
        t.addfile(ti, io.BytesIO(pkg))
    return name + ".tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    if os.path.exists("FAIL_BUILD"):
        raise RuntimeError("minibackend: deliberate failure")
    print("minibackend: TINY_FLAVOUR=" + os.environ.get("TINY_FLAVOUR", "-"), flush=True)
    print("minibackend: build_wheel config_settings=" + json.dumps(config_settings, sort_keys=True), flush=True)
    if os.path.exists("SLOW"):
        print("BUILD_WHEEL_STARTED", flush=True)
        time.sleep(60)
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
}

tiny_plain() {
	py_base_tar "$T/py.tar" && mkdir -p "$1" || return 1
	cat >"$1/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"command": "python -c 'import tiny; assert tiny.VALUE == 42, tiny.VALUE'"}}
JSON
	tiny_files "$1"
}

tiny_setup() {
	py_base_tar "$T/py.tar" python3.12 || return 1
	P="$T/proj"
	mkdir -p "$P/_backend" "$P/tiny"
	_py=""
	for v in "$@"; do
		_py="$_py${_py:+, }\"$v\": {\"base\": {\"archives\": [{\"url\": \"file://$T/py.tar\"}]}}"
	done
	cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {$_py},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"command": "python -c 'import tiny; assert tiny.VALUE == 42, tiny.VALUE'"}}
JSON
	tiny_files "$P"
	printf 'wheelhouse/\n' >"$P/.gitignore"
	G init -q && G add -A && GIT_COMMITTER_DATE="1700000000 +0000" G commit -q -m one && G tag v1.2.0 &&
		echo '# two' >>"$P/tiny/__init__.py" && G add -A &&
		GIT_COMMITTER_DATE="1700000100 +0000" G commit -q -m two
}

# tiny_commit MSG: commit what is staged (a new source tree)
tiny_commit() { G add -A && GIT_COMMITTER_DATE="1700000200 +0000" G commit -q -m "$1"; }
