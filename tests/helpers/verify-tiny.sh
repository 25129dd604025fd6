# verify-tiny.sh - sourced by the t57xx verify tests after tests/lib.sh:
# make_tiny DIR builds the tiny project of t5302 (an in-project PEP 517
# backend on a small root made from the host's python3.11, a git checkout
# with a tag), locked and fetched.  Backend knobs, as files in the project:
#   STAMP_TEXT  build_wheel writes time.time_ns() into tiny/_stamp.txt
#   STAMP_ELF   build_wheel ships tiny/stamp.so (prebuilt with the host's cc)
#               with time.time_ns() written over its placeholder string
#   SHIP_ELF    build_wheel ships tiny/stamp.so as prebuilt (no time in it)
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip, venv' 2>/dev/null || skip_all "python3-pip or venv missing"
command -v git >/dev/null || skip_all "git missing"
command -v cc >/dev/null || skip_all "cc missing"

# The base root, once per test: python3.11, its stdlib, pip, a shell.
make_base() {
	py_base_tar "$T/py.tar"
}

# make_tiny DIR [EXTRA_PY_LINE]: the project; EXTRA goes into tiny/__init__.py.
make_tiny() {
	_p=$1
	mkdir -p "$_p/_backend" "$_p/tiny"
	cat >"$_p/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"command": "python -c 'import tiny; assert tiny.VALUE == 42'"}}
JSON
	cat >"$_p/pyproject.toml" <<'TOML'
[project]
name = "tiny"

[build-system]
requires = []
build-backend = "minibackend"
backend-path = ["_backend"]
TOML
	printf 'VALUE = 42\n%s\n' "${2:-}" >"$_p/tiny/__init__.py"
	printf 'const char pw_stamp[] = "STAMP:00000000000000000000";\n' >"$_p/stamp.c"
	cc -shared -nostdlib -o "$_p/tiny/stamp.so.in" "$_p/stamp.c" || return 1
	cat >"$_p/_backend/minibackend.py" <<'PY'
import base64, hashlib, io, os, tarfile, time, zipfile

VERSION = os.environ.get("SETUPTOOLS_SCM_PRETEND_VERSION")
if not VERSION and os.path.exists("PKG-INFO"):  # an sdist carries its version, as with real backends
    VERSION = [l[9:] for l in open("PKG-INFO").read().splitlines() if l.startswith("Version: ")][0]
VERSION = VERSION or "0"
FILES = ["pyproject.toml", "_backend/minibackend.py", "tiny/__init__.py", "tiny/stamp.so.in"]
FILES += [f for f in ("STAMP_TEXT", "STAMP_ELF", "SHIP_ELF") if os.path.exists(f)]


def build_sdist(outdir, config_settings=None):
    name = f"tiny-{VERSION}"
    with tarfile.open(os.path.join(outdir, name + ".tar.gz"), "w:gz") as t:
        for f in FILES:
            t.add(f, arcname=f"{name}/{f}")
        pkg = f"Metadata-Version: 2.1\nName: tiny\nVersion: {VERSION}\n".encode()
        ti = tarfile.TarInfo(f"{name}/PKG-INFO")
        ti.size = len(pkg)
        t.addfile(ti, io.BytesIO(pkg))
    return name + ".tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    di = f"tiny-{VERSION}.dist-info"
    files = {"tiny/__init__.py": open("tiny/__init__.py", "rb").read()}
    stamp = b"%020d" % time.time_ns()
    if os.path.exists("STAMP_TEXT"):
        files["tiny/_stamp.txt"] = b"built\nat\n" + stamp + b"\nend\n"
    if os.path.exists("STAMP_ELF"):
        files["tiny/stamp.so"] = open("tiny/stamp.so.in", "rb").read().replace(b"0" * 20, stamp)
    elif os.path.exists("SHIP_ELF"):
        files["tiny/stamp.so"] = open("tiny/stamp.so.in", "rb").read()
    pure = "true" if "tiny/stamp.so" not in files else "false"
    tag = "py3-none-any" if pure == "true" else "py3-none-linux_x86_64"
    files[f"{di}/METADATA"] = f"Metadata-Version: 2.1\nName: tiny\nVersion: {VERSION}\n".encode()
    files[f"{di}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: minibackend\nRoot-Is-Purelib: {pure}\nTag: {tag}\n".encode()
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
    name = f"tiny-{VERSION}-{tag}.whl"
    with zipfile.ZipFile(os.path.join(outdir, name), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return name
PY
	for f in ${3:-}; do : >"$_p/$f"; done
	printf 'build/\nwheelhouse/\n' >"$_p/.gitignore"
	git -C "$_p" -c user.name=t -c user.email=t@example.invalid init -q &&
		git -C "$_p" add -A &&
		GIT_COMMITTER_DATE="1700000000 +0000" git -C "$_p" -c user.name=t \
			-c user.email=t@example.invalid commit -q -m one &&
		git -C "$_p" tag v1.0.0 &&
		"$PINWHEEL" lock "$_p" >/dev/null && "$PINWHEEL" fetch "$_p" >/dev/null
}
