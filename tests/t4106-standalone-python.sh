#!/bin/sh
# A standalone Python build (python-build-standalone layout: python/
# PYTHON.json, the tree under python/install/, built with prefix /install)
# as a target's base: lock records its layer as the archive's
# python/install at /install (an install_only archive: python/ at
# /install); fetch and run --target mount it there read-only, so every
# path it recorded is true, the tree is not rewritten, CC/CXX are the
# root's compilers and /install/bin comes first on PATH (a --env wins);
# a plain archive base stays at /.  The interpreter is a static busybox
# (the test needs no real Python).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
[ -x /bin/busybox ] || skip_all "/bin/busybox missing (Debian package busybox-static)"
plan 13
start_httpd

# The full layout.
F="$T/pbs/python"
mkdir -p "$F/install/bin" "$F/install/lib/python3.12" "$F/install/lib/pkgconfig" "$F/build"
cat >"$F/PYTHON.json" <<'JSON'
{"version": "7", "target_triple": "x86_64-unknown-linux-gnu", "python_tag": "cp312",
 "python_version": "3.12.7", "python_major_minor_version": "3.12",
 "python_exe": "install/bin/python3.12", "python_stdlib": "install/lib/python3.12"}
JSON
cp /bin/busybox "$F/install/bin/busybox"
cp /bin/busybox "$F/install/bin/python3.12"
ln -s busybox "$F/install/bin/sh"
printf "build_time_vars = {'prefix': '/install', 'CC': 'clang -pthread'}\n" \
	>"$F/install/lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py"
printf 'prefix=/install\nlibdir=${prefix}/lib\n' >"$F/install/lib/pkgconfig/python-3.12.pc"
echo 'not for the root' >"$F/build/notes"
tar -C "$T/pbs" -czf "$WWW/cpython-3.12.7-full.tar.gz" python
SUM=$(sha_of cpython-3.12.7-full.tar.gz)

P="$T/p" S="$T/store" TGT=cp312-manylinux_x86_64
mkdir -p "$P"
config() { # config URL [SHA]
	cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.12": {"base": {"archives": [{"url": "$1"${2:+, \"sha256\": \"$2\"}}]}}},
 "platforms": ["manylinux_x86_64"]}
JSON
}
config "$BASE/ok/cpython-3.12.7-full.tar.gz" "$SUM"
layers() {
	"$PY" - "$P/pinwheel.lock" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
for t, r in d["roots"].items():
    print(t, [(l["name"], l["dest"], l.get("unpack")) for l in r["layers"]])
EOP
}

run_pw 0 "lock a standalone Python base" --store "$S" lock "$P"
is "$(layers)" "$TGT [('cpython-3.12.7-full.tar.gz', '/install', {'strip': 0, 'subdir': 'python/install'})]" \
	"its python/install is laid at /install"
cp "$P/pinwheel.lock" "$T/lock1"
run_pw 0 "lock --check is fresh (offline)" --store "$S" lock --check "$P"
run_pw 0 "fetch" --store "$S" fetch "$P"
run_pw 0 "run in the root" --store "$S" run --target "$TGT" "$P" -- \
	/install/bin/sh -c 'cat /install/lib/pkgconfig/python-3.12.pc | head -1; echo "$CC $CXX"; echo "$PATH" | cut -d: -f1
		command -v python3.12; test -e /install/build || echo no build dir
		touch /install/x 2>/dev/null || echo read-only'
is "$OUT" "prefix=/install
cc c++
/install/bin
/install/bin/python3.12
no build dir
read-only" "the recorded /install is true; CC/CXX and PATH set; read-only"
run_pw 0 "--env wins over the root's CC" --store "$S" run --target "$TGT" --env CC=gcc "$P" -- \
	/install/bin/sh -c 'echo $CC'
is "$OUT" "gcc" "CC=gcc"
TREE=$(ls -d "$S"/trees/*/lib/pkgconfig 2>/dev/null | head -1)
like "$(cat "$TREE/python-3.12.pc")" "^prefix=/install" "the store tree is not rewritten"

# install_only: python/ with bin/python3.
Q="$T/pbs2/python"
mkdir -p "$Q/bin" "$Q/lib/python3.13"
cp /bin/busybox "$Q/bin/python3.13" && ln -s python3.13 "$Q/bin/python3"
echo 'x = 1' >"$Q/lib/python3.13/os.py"
tar -C "$T/pbs2" -czf "$WWW/cpython-3.13-install_only.tar.gz" python
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.13": {"base": {"archive": {"url": "$BASE/ok/cpython-3.13-install_only.tar.gz"}}}},
 "platforms": ["manylinux_x86_64"]}
JSON
run_pw 0 "lock an install_only archive" --store "$S" lock "$P"
is "$(layers)" "cp313-manylinux_x86_64 [('cpython-3.13-install_only.tar.gz', '/install', {'strip': 0, 'subdir': 'python'})]" \
	"its python/ is laid at /install"

# Anything else stays at /.
mkdir -p "$T/plain/usr/bin" && cp /bin/busybox "$T/plain/usr/bin/busybox"
tar -C "$T/plain" -czf "$WWW/plain.tar.gz" usr
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.13": {"base": {"archive": {"url": "$BASE/ok/plain.tar.gz"}}}},
 "platforms": ["manylinux_x86_64"]}
JSON
run_pw 0 "lock a plain archive base" --store "$S" lock "$P"
is "$(layers)" "cp313-manylinux_x86_64 [('plain.tar.gz', '/', None)]" "laid at / as it is"
