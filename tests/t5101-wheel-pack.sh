#!/bin/sh
# Wheels end to end: a wheel written with the host's python3 (zipfile) is
# unpacked and packed again by the library (tests/helpers/pw-wheel); the
# result passes `python3 -m zipfile -t`, installs offline into a venv with
# the host's pip and imports; packing is byte-identical across runs with
# different umask, TZ and working directory; retag gives the expected file
# name and Tag lines; `pinwheel inspect` (text and --json) reports members,
# extensions, tags and the RECORD check, and a tampered member exits 1
# naming it; a hostile wheel is refused naming the member.
. "$SRCDIR/tests/lib.sh"
plan 31
H="$SRCDIR/${BUILD:-build}/tests/helpers/pw-wheel"
export SOURCE_DATE_EPOCH=1700000000 PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
	PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1

# A small wheel: a package, a data file, an executable script, a fake
# extension module (never imported), written in a deliberately odd order
# with directory entries, as some tools do.
cat >"$T/mk.py" <<'EOF'
import base64, hashlib, sys, zipfile
out, mode = sys.argv[1], sys.argv[2]
files = {
    "demo_pkg/__init__.py": b"from .core import answer\n",
    "demo_pkg/core.py": b"def answer():\n    return 42\n",
    "demo_pkg/data/table.txt": b"a,b\n1,2\n",
    "demo_pkg/_speed.cpython-311-x86_64-linux-gnu.so": b"\x7fELF fake, never imported",
    "demo-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
    "demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: t5101\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    "demo-1.0.dist-info/top_level.txt": b"demo_pkg\n",
}
if mode == "tamper":
    files["demo_pkg/core.py"] = b"def answer():\n    return 43\n"
rec = []
for name, data in files.items():
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    rec.append(f"{name},sha256={h},{len(data)}")
if mode == "tamper":  # RECORD still has the hash of the original core.py
    rec[1] = "demo_pkg/core.py,sha256=" + base64.urlsafe_b64encode(hashlib.sha256(
        b"def answer():\n    return 42\n").digest()).rstrip(b"=").decode() + ",29"
rec.append("demo-1.0.dist-info/RECORD,,")
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("demo_pkg/"), b"")
    for name in reversed(list(files)):
        zi = zipfile.ZipInfo(name, (2001, 2, 3, 4, 5, 6))
        zi.external_attr = (0o100600 if name.endswith(".py") else 0o100664) << 16
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, files[name])
    z.writestr("demo-1.0.dist-info/RECORD", "\r\n".join(rec) + "\r\n")
    if mode == "evil":
        z.writestr("../escape.py", b"x")
EOF
W="$T/in/demo-1.0-py3-none-any.whl"
mkdir -p "$T/in" "$T/out1" "$T/out2" "$T/tam" "$T/evil"
python3 "$T/mk.py" "$W" plain
python3 "$T/mk.py" "$T/tam/demo-1.0-py3-none-any.whl" tamper
python3 "$T/mk.py" "$T/evil/demo-1.0-py3-none-any.whl" evil

run_cmd 0 "unpack the host-made wheel" "$H" unpack "$W" "$T/u1"
is "$(cat "$T/u1/demo_pkg/core.py")" "def answer():
    return 42" "member content extracted"
run_cmd 0 "pack it (umask 022, TZ=UTC, from the temp dir)" \
	sh -c 'umask 022; cd "$1" && TZ=UTC "$2" pack u1 out1/demo-1.0-py3-none-any.whl' sh "$T" "$H"
O1="$T/out1/demo-1.0-py3-none-any.whl"
# a second unpack under another umask, packed from another directory
run_cmd 0 "unpack and pack again (umask 077, TZ=Asia/Tokyo, from /)" \
	sh -c 'umask 077; "$2" unpack "$3" "$1/u2" && cd / && TZ=Asia/Tokyo "$2" pack "$1/u2" "$1/out2/demo-1.0-py3-none-any.whl"' \
	sh "$T" "$H" "$W"
run_cmd 0 "the two packs are byte-identical" cmp "$O1" "$T/out2/demo-1.0-py3-none-any.whl"
run_cmd 0 "python3 -m zipfile -t accepts the packed wheel" python3 -m zipfile -t "$O1"

cat >"$T/layout.py" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = [i.filename for i in z.infolist()]
print(" ".join(names))
print(" ".join(sorted({"%o" % (i.external_attr >> 16) for i in z.infolist()})))
print(" ".join(sorted({"%d-%02d-%02d %02d:%02d:%02d" % i.date_time for i in z.infolist()})))
print(sorted({len(i.extra) for i in z.infolist()}), sorted({i.compress_type for i in z.infolist()}))
print(z.read("demo-1.0.dist-info/RECORD").decode(), end="")
EOF
python3 "$T/layout.py" "$O1" >"$T/layout" 2>&1
is "$(sed -n 1p "$T/layout")" "demo_pkg/__init__.py demo_pkg/_speed.cpython-311-x86_64-linux-gnu.so demo_pkg/core.py demo_pkg/data/table.txt demo-1.0.dist-info/METADATA demo-1.0.dist-info/WHEEL demo-1.0.dist-info/top_level.txt demo-1.0.dist-info/RECORD" \
	"members sorted, no directory entries, dist-info last, RECORD last"
is "$(sed -n 2p "$T/layout")" "100644" "modes normalised to 0644 (no x bit in the input)"
is "$(sed -n 3p "$T/layout")" "2023-11-14 22:13:20" "every entry dated from SOURCE_DATE_EPOCH (UTC)"
is "$(sed -n 4p "$T/layout")" "[0] [8]" "no extra fields, all deflated"
is "$(sed -n '5,$p' "$T/layout" | tail -1)" "demo-1.0.dist-info/RECORD,," "RECORD lists itself last"
like "$(sed -n 5p "$T/layout")" '^demo_pkg/__init__.py,sha256=[A-Za-z0-9_-]{43},25$' \
	"RECORD lines: urlsafe base64 sha256 without padding, size"

# install offline into a fresh venv and import from another directory
python3 -m venv --without-pip "$T/venv" >"$T/venv.log" 2>&1
run_cmd 0 "host pip installs the packed wheel offline into a venv" \
	python3 -m pip --python "$T/venv/bin/python" install --no-index --no-deps "$O1"
run_cmd 0 "the installed package imports and works" \
	sh -c 'cd "$1" && "$1/venv/bin/python" -c "import demo_pkg; assert demo_pkg.answer() == 42; print(demo_pkg.__file__)"' sh "$T"
like "$OUT" "venv/lib/python3[.0-9]*/site-packages/demo_pkg/__init__.py" "imported from the venv"

# 65536 members and more: the zip64 end records, read by python's zipfile
python3 -c '
import os, sys
d = sys.argv[1]
os.makedirs(d + "/many-1.dist-info")
open(d + "/many-1.dist-info/WHEEL", "w").write("Wheel-Version: 1.0\nTag: py3-none-any\n")
open(d + "/many-1.dist-info/METADATA", "w").write("Name: many\n")
for i in range(256):
    os.makedirs("%s/d%02x" % (d, i))
    for j in range(256):
        # hard links (ext4 allows 65000 per inode): no new inodes
        os.link(d + "/many-1.dist-info/" + ("WHEEL" if i < 128 else "METADATA"), "%s/d%02x/f%02x" % (d, i, j))
' "$T/many"
run_cmd 0 "pack 65539 members (zip64 end records)" "$H" pack "$T/many" "$T/many-1-py3-none-any.whl"
is "$(python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(z.infolist()), z.testzip())' "$T/many-1-py3-none-any.whl")" \
	"65539 None" "python's zipfile reads every member of the zip64 wheel"

# retag
run_cmd 0 "retag to manylinux" "$H" retag "$O1" "$T/out1" manylinux_2_17_x86_64 manylinux2014_x86_64
is "$OUT" "demo-1.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" "retagged file name"
RT="$T/out1/$OUT"
is "$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("demo-1.0.dist-info/WHEEL").decode(), end="")' "$RT")" \
	"Wheel-Version: 1.0
Generator: t5101
Root-Is-Purelib: true
Tag: py3-none-manylinux2014_x86_64
Tag: py3-none-manylinux_2_17_x86_64" "retagged WHEEL: sorted Tag lines, other lines kept"

# inspect
run_pw 0 "inspect the packed wheel" inspect "$O1"
like "$OUT" "members: 8, " "inspect counts the members"
like "$OUT" "demo_pkg._speed  \(demo_pkg/_speed.cpython-311-x86_64-linux-gnu.so\)" "inspect names the extension module"
like "$OUT" "record: ok" "inspect: RECORD verified"
run_pw 0 "inspect --json" inspect --json "$RT"
printf '%s\n' "$OUT" >"$T/j.json"
is "$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["member_count"], j["record"]["ok"], j["tags_agree"], ",".join(j["wheel_tags"]),
      [e["module"] for e in j["extensions"]], j["name"]["platform"], j["members"][-1]["name"])' "$T/j.json")" \
	"8 True True py3-none-manylinux2014_x86_64,py3-none-manylinux_2_17_x86_64 ['demo_pkg._speed'] manylinux_2_17_x86_64.manylinux2014_x86_64 demo-1.0.dist-info/RECORD" \
	"inspect --json fields"
run_pw 1 "inspect: a tampered member exits 1" inspect "$T/tam/demo-1.0-py3-none-any.whl"
like "$OUT" "demo_pkg/core.py: sha256 differs from RECORD" "the tampered member is named"
like "$ERR" "RECORD check failed: 1 problem" "stderr says the RECORD check failed"
run_pw 1 "inspect: a wheel with a member outside the tree is refused" inspect "$T/evil/demo-1.0-py3-none-any.whl"
like "$ERR" "member '../escape.py': path leaves the wheel" "the hostile member is named"
