#!/bin/sh
# audit and repair refuse what is not a wheel, or not the wheel its RECORD
# vouches for (issue #13, item 14):
#   - an empty directory, a directory of wheels given as one argument and a
#     zip without a .dist-info directory: exit 1, one line saying what the
#     argument is instead
#   - a .whl whose member differs from RECORD, or lists one RECORD lacks:
#     audit exits 1 with the RECORD problem as a fatal error (no manylinux
#     tag, also in --json); repair exits 1 and writes nothing, instead of
#     packing the content with a regenerated RECORD
#   - the good wheel and its unpacked directory still audit with exit 0
. "$SRCDIR/tests/lib.sh"
command -v python3 >/dev/null || skip_all "python3 missing"
plan 24

# mkwheel OUT [tamper|extra|norecord|nodistinfo]: a wheel of the module x
# (with the extension $T/_x.so when it exists); RECORD as a backend writes
# it, then the defect.
mkwheel() {
	python3 - "$1" "${2:-}" "$T/_x.so" <<'PY'
import base64, hashlib, os, sys, zipfile
out, defect, so = sys.argv[1], sys.argv[2], sys.argv[3]
files = {"x/__init__.py": b"VALUE = 1\n",
         "x-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: x\nVersion: 1.0\n",
         "x-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: %s\nTag: %s\n" %
             ((b"false", b"cp311-cp311-linux_x86_64") if os.path.exists(so) else (b"true", b"py3-none-any"))}
if os.path.exists(so):
    files["x/_x.so"] = open(so, "rb").read()
rec = ""
for n, d in files.items():
    h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
    rec += f"{n},sha256={h},{len(d)}\n"
files["x-1.0.dist-info/RECORD"] = (rec + "x-1.0.dist-info/RECORD,,\n").encode()
if defect == "tamper":
    files["x/__init__.py"] = b"VALUE = 2\n"
elif defect == "extra":
    files["x/evil.py"] = b"import os\n"
elif defect == "norecord":
    del files["x-1.0.dist-info/RECORD"]
elif defect == "nodistinfo":
    files = {"x/__init__.py": b"VALUE = 1\n"}
with zipfile.ZipFile(out, "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
PY
}

# Not wheels.
mkdir -p "$T/empty" "$T/dir"
run_pw 1 "an empty directory: exit 1" audit "$T/empty"
is "$ERR" "pinwheel: audit: '$T/empty': an empty directory, not a wheel (expected a .whl file or an unpacked wheel with one '*.dist-info' directory)" \
	"an empty directory: says so"
mkwheel "$T/dir/x-1.0-py3-none-any.whl"
mkwheel "$T/dir/y-1.0-py3-none-any.whl"
run_pw 1 "a directory of wheels as one argument: exit 1" audit "$T/dir"
is "$ERR" "pinwheel: audit: '$T/dir': a directory of 2 wheels, not an unpacked wheel: name the .whl files ('$T/dir/*.whl')" \
	"a directory of wheels: says to name the files"
mkwheel "$T/z-1.0-py3-none-any.whl" nodistinfo
run_pw 1 "a zip without .dist-info: exit 1" audit "$T/z-1.0-py3-none-any.whl"
is "$ERR" "pinwheel: audit: $T/z-1.0-py3-none-any.whl: no '*.dist-info' directory: a zip file, not a wheel" \
	"a zip without .dist-info: says it is not a wheel"
run_pw 1 "--json: a directory that is not a wheel is an error entry" --json audit "$T/empty"
like "$OUT" '"error": "'"'$T/empty'"': an empty directory, not a wheel' "--json names it"

# The good wheel, as a file and unpacked.
G="$T/x-1.0-py3-none-any.whl"
mkwheel "$G"
run_pw 0 "the good wheel: exit 0" audit "$G"
is "$OUT" "x-1.0-py3-none-any.whl: any (pure: no ELF members)" "the good wheel is pure"
mkdir -p "$T/unpacked" && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$G" "$T/unpacked"
run_pw 0 "its unpacked directory: exit 0" audit "$T/unpacked"

# RECORD does not vouch for the content.
mkdir -p "$T/t" && mkwheel "$T/t/x-1.0-py3-none-any.whl" tamper
run_pw 1 "a member that differs from RECORD: exit 1" audit "$T/t/x-1.0-py3-none-any.whl"
like "$OUT" "^  error: RECORD does not vouch for 'x/__init__.py: sha256 differs from RECORD'" \
	"the changed member is named as a fatal error"
mkdir -p "$T/e" && mkwheel "$T/e/x-1.0-py3-none-any.whl" extra
run_pw 1 "a member RECORD does not list: exit 1" --json audit "$T/e/x-1.0-py3-none-any.whl"
is "$(printf '%s' "$OUT" | python3 -c 'import json, sys; w = json.load(sys.stdin)["wheels"][0]; print(w["errors"], w["platform"])')" \
	"[\"RECORD does not vouch for 'x/evil.py: not listed in RECORD'\"] None" \
	"--json: the unlisted member is in errors, no platform tag"
mkdir -p "$T/n" && mkwheel "$T/n/x-1.0-py3-none-any.whl" norecord
run_pw 1 "no RECORD: exit 1" audit "$T/n/x-1.0-py3-none-any.whl"
like "$OUT" "error: RECORD: .*no '\\*\\.dist-info/RECORD' member" "no RECORD: says so"

# repair: an ELF wheel that needs nothing outside the policies, so repair
# would only retag and repack it (no root, no lock needed).
if command -v gcc >/dev/null && echo 'int f(void) { return 1; }' >"$T/x.c" &&
	gcc -shared -fPIC -o "$T/_x.so" "$T/x.c" 2>/dev/null; then
	W="$T/r/x-1.0-cp311-cp311-linux_x86_64.whl"
	mkdir -p "$T/r" "$T/rt"
	mkwheel "$W"
	run_pw 0 "repair of the good ELF wheel: exit 0" repair "$W" -w "$T/wh-good"
	like "$OUT" "wrote .*manylinux" "it is retagged"
	mkwheel "$T/rt/x-1.0-cp311-cp311-linux_x86_64.whl" tamper
	run_pw 1 "repair of a tampered wheel: exit 1" repair "$T/rt/x-1.0-cp311-cp311-linux_x86_64.whl" -w "$T/wh"
	is "$ERR" "pinwheel: repair: $T/rt/x-1.0-cp311-cp311-linux_x86_64.whl: RECORD does not vouch for 'x/__init__.py: sha256 differs from RECORD': refusing to repair a wheel whose content does not match its RECORD" \
		"repair names the member and refuses"
	is "$(ls -A "$T/wh" 2>/dev/null)" "" "repair wrote nothing"
	run_pw 1 "audit of the tampered ELF wheel: exit 1" audit "$T/rt/x-1.0-cp311-cp311-linux_x86_64.whl"
	like "$OUT" "^x-1.0-cp311-cp311-linux_x86_64.whl: (linux_x86_64 \\(no manylinux policy fits\\)|no platform tag)" \
		"a tampered wheel gets no manylinux tag"
else
	for i in 1 2 3 4 5 6 7; do skip "gcc missing: no ELF wheel"; done
fi
