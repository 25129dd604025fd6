#!/bin/sh
# End to end on an OCI image served by the loopback registry (token flow):
# an image assembled here from a small Python root (the host's python3.11,
# as in t5302) in three layers -- gzip, zstd with a whiteout and an opaque
# whiteout and the manylinux interpreter path, plain tar -- is locked by
# tag, fetched by digest, run in with `run --target`, and a tiny project
# is built in it.  Hostile layers (traversal, a whiteout of "..") fail the
# fetch with one line and store no tree.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/ocilib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip, venv' 2>/dev/null || skip_all "python3-pip or venv missing"
command -v zstd >/dev/null || skip_all "zstd missing (tests/deps.sh installs it)"
plan 26
TGT=cp311-manylinux_x86_64

# Layer 1: python3.11, its stdlib, pip, a shell and their libraries, plus
# files the upper layers delete.
LIBS=$( (ldd /usr/bin/python3.11 /usr/bin/dash; for f in /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f"; done) |
	awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u)
mkdir -p "$T/l1" "$T/l2/etc" "$T/l2/opt/junk" "$T/l2/opt/python/cp311-cp311/bin" "$T/l3/etc"
# shellcheck disable=SC2086
tar -chf - --exclude=__pycache__ --exclude=test --exclude=tests --exclude=idlelib \
	--exclude=tkinter --exclude=lib2to3 --exclude=pydoc_data --exclude=ensurepip \
	/usr/bin/python3.11 /usr/lib/python3.11 /usr/lib/python3/dist-packages/pip $LIBS 2>/dev/null |
	tar -C "$T/l1" -xf - && mkdir -p "$T/l1/bin" "$T/l1/etc" "$T/l1/opt/junk/sub" &&
	cp /usr/bin/dash "$T/l1/bin/sh" && echo gone >"$T/l1/etc/remove-me" &&
	echo old >"$T/l1/opt/junk/old" && echo old >"$T/l1/opt/junk/sub/deep"
ok $? "layer 1: a small Python root"
# Layer 2: a whiteout, an opaque directory, the manylinux interpreter
: >"$T/l2/etc/.wh.remove-me"
: >"$T/l2/opt/junk/.wh..wh..opq"
echo new >"$T/l2/opt/junk/new"
ln -s /usr/bin/python3.11 "$T/l2/opt/python/cp311-cp311/bin/python"
echo marker >"$T/l3/etc/image-marker"
mkimage "$T/img" --tag 2025.1 --platform linux/amd64 --platform linux/arm64/v8 \
	--layer "$T/l1" --layer "$T/l2:zst" --layer "$T/l3:tar" \
	--env PATH=/usr/local/bin:/usr/bin:/bin --env AUDITWHEEL_PLAT=manylinux_2_28_x86_64
ok $? "the image: three layers (gzip, zstd, tar), two platforms"
start_registry "$T/img"

P="$T/proj"
mkdir -p "$P/_backend" "$P/tiny"
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"oci": "$REG/test/py:2025.1"}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"command": "python -c 'import tiny, os; assert tiny.VALUE == 42; print(os.environ[\"AUDITWHEEL_PLAT\"])'"}}
JSON
cat >"$P/pyproject.toml" <<'TOML'
[project]
name = "tiny"
version = "1.0"

[build-system]
requires = []
build-backend = "minibackend"
backend-path = ["_backend"]
TOML
echo 'VALUE = 42' >"$P/tiny/__init__.py"
cat >"$P/_backend/minibackend.py" <<'PY'
import base64, hashlib, io, os, sys, tarfile, zipfile

FILES = ["pyproject.toml", "_backend/minibackend.py", "tiny/__init__.py"]


def build_sdist(outdir, config_settings=None):
    with tarfile.open(os.path.join(outdir, "tiny-1.0.tar.gz"), "w:gz") as t:
        for f in FILES:
            t.add(f, arcname=f"tiny-1.0/{f}")
        pkg = b"Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n"
        ti = tarfile.TarInfo("tiny-1.0/PKG-INFO")
        ti.size = len(pkg)
        t.addfile(ti, io.BytesIO(pkg))
    return "tiny-1.0.tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    print("built by", sys.executable)
    di = "tiny-1.0.dist-info"
    files = {"tiny/__init__.py": open("tiny/__init__.py", "rb").read(),
             f"{di}/METADATA": b"Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n",
             f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: minibackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
    with zipfile.ZipFile(os.path.join(outdir, "tiny-1.0-py3-none-any.whl"), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return "tiny-1.0-py3-none-any.whl"
PY

run_pw 0 "lock by tag" lock "$P"
like "$(cat "$P/pinwheel.lock")" "\"index\": \"$INDEX\"" "the index digest is pinned"
: >"$RLOG"
run_pw 0 "fetch by digest with the token" fetch "$P"
like "$OUT" "^$TGT  root [0-9a-f]{64}$" "the root is built"
is "$(reqs '^reg GET /v2/test/py/blobs/sha256:[0-9a-f]{64} bearer$')" 4 "config and three layers, by digest, with the token"
is "$(reqs '/manifests/')" 0 "fetch asks for no manifest (the lock pins every blob)"

run_pw 0 "run a command in the image" run --target $TGT "$P" -- sh -c \
	'read -r m </etc/image-marker; echo "$m"; echo /opt/junk/*; test -e /etc/remove-me || echo removed; echo "$AUDITWHEEL_PLAT"'
is "$OUT" "marker
/opt/junk/new
removed
manylinux_2_28_x86_64" "upper layers on top, the whiteout and the opaque whiteout applied, the image Env"
run_pw 0 "whiteout files are never written" run --target $TGT "$P" -- sh -c \
	'for f in /etc/.wh.* /opt/junk/.wh.*; do test -e "$f" && echo "$f"; done; true'
is "$OUT" "" "no .wh. files in the root"
run_pw 0 "the manylinux interpreter path" run --target $TGT "$P" -- /opt/python/cp311-cp311/bin/python -c 'import sys; print(sys.version_info[:2])'
is "$OUT" "(3, 11)" "python 3.11 at /opt/python/cp311-cp311/bin/python"

run_pw 0 "build the tiny project in the image" build "$P"
like "$OUT" "^$TGT +ok +passed " "built and smoke-tested"
run_cmd 0 "the wheel is there" test -f "$P/wheelhouse/tiny-1.0-py3-none-any.whl"
like "$(cat "$P"/wheelhouse/logs/*$TGT*)" "built by /opt/python/cp311-cp311/bin/python" \
	"the build ran the image's manylinux interpreter"

# Hostile layers: fetch fails with one line; no tree is stored
for kind in traversal whiteout; do
	rm -rf "$T/bad"
	mkimage "$T/bad" --tag v1 --layer "$T/l3:tar" --layer "hostile:$kind"
	kill "$BG_PID" 2>/dev/null
	start_registry "$T/bad"
	mkdir -p "$T/hp"
	printf '{"version": 1, "python": {"3.11": {"base": {"oci": "%s/test/bad:v1"}}},\n "platforms": ["manylinux_x86_64"], "manylinux": "native"}\n' \
		"$REG" >"$T/hp/pinwheel.json"
	export PINWHEEL_STORE="$T/store-$kind"
	run_pw 0 "lock an image with a hostile layer ($kind)" lock "$T/hp"
	run_pw 1 "fetch refuses the hostile layer ($kind)" fetch "$T/hp"
	is "$(printf '%s\n' "$ERR" | grep -c '^pinwheel: fetch: .*layer .oci-test/bad.*\.\.')" 1 \
		"one line naming the layer and the '..' path ($kind)"
	is "$(find "$PINWHEEL_STORE/trees" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l | tr -d ' ')" 0 \
		"no tree stored ($kind)"
done
