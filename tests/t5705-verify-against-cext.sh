#!/bin/sh
# t5705-verify-against-cext: `pinwheel verify --against` on a real C
# extension built by setuptools with the root's gcc in a Debian trixie
# root (the root from the shared store, as in t5320; "manylinux": "native"
# so no Zig is pinned): the release is built once, then
#   - the published wheel as built, with its manifest: exit 0, matched
#   - a copy with one byte changed in METADATA, a member added and the
#     extension's .comment section changed (same size): exit 1, each
#     difference explained on its own line
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/cext-lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp313-manylinux_x86_64
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned target is x86_64"
plan 12
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

P="$T/p"
mkdir -p "$P"
cat >"$P/pinwheel.json" <<'JSON'
{
  "version": 1,
  "python": {"3.13": {"base": {"debian": {"suite": "trixie",
     "packages": ["build-essential", "python3.13-dev", "python3.13-venv", "python3-pip"]}}}},
  "platforms": ["manylinux_x86_64"],
  "manylinux": "native",
  "build_requires": ["setuptools==84.2.1", "wheel==0.48.0"],
  "test": {"command": "python -c 'import cext; assert cext.add(2, 3) == 5'", "old_root": false}
}
JSON
cext_files "$P"

run_pw 0 "lock" lock "$P"
run_pw 0 "the release, built once" build "$P" --out "$T/rel"
W=$(ls "$T"/rel/cext-1.0-cp313-*.whl)
WN=${W##*/}
SO=$(python3 -c 'import sys, zipfile; print([n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.endswith(".so")][0])' "$W")

run_pw 0 "the published wheel as built: exit 0" \
	verify "$P" --against "$W" --manifest "$T/rel/pinwheel-manifest.json"
like "$OUT" "^$WN +matched +([0-9a-f]{12}) +\\1$" "matched, the same digest published and rebuilt"
like "$ERR" "\\[1/1\\] $TGT: ok" "the target was rebuilt"

mkdir -p "$T/bad"
python3 - "$W" "$T/bad/$WN" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
    for info in zi.infolist():
        data = zi.read(info)
        if info.filename.endswith(".dist-info/METADATA"):
            data = data.replace(b"Version: 1.0", b"Version: 1.1", 1)
        elif info.filename.endswith(".so"):
            i = data.index(b"GCC: (")
            data = data[:i] + b"gcc" + data[i + 3:]
        zo.writestr(info, data)
    zo.writestr("cext_extra.py", b"print('not built by the project')\n")
PY
ok $? "a tampered copy: a byte of METADATA, a member added, the .comment section"
run_pw 1 "the tampered wheel: exit 1" verify "$P" --against "$T/bad/$WN"
like "$OUT" "^$WN +DIFFERS +[0-9a-f]{12} +[0-9a-f]{12}$" "the table: DIFFERS"
like "$OUT" "^  added cext_extra.py: only in the published wheel$" "the added member, on its own line"
like "$OUT" "^  changed cext-1.0.dist-info/METADATA: content differs \\(([0-9]+) vs \\1 bytes\\)$" \
	"the changed byte: its member, on its own line"
like "$OUT" "^    -Version: 1.0
    \\+Version: 1.1$" "and the line that changed"
like "$OUT" "^  changed $SO: content differs \\(([0-9]+) vs [0-9]+ bytes\\)
    ELF section \\.comment: size ([0-9]+) vs [0-9]+, first difference at offset 0x0$" \
	"the extension: its .comment section, on its own line"
