#!/bin/sh
# t5329-old-root-foreign: the old root of a foreign target (docs/config.md,
# "test.old_root"; docs/debian.md, "CPython for a foreign target"): an
# aarch64 target with a manylinux floor gets the bullseye old root by
# default (an armv7l one does not; "old_root": false drops it); its
# CPython 3.13 is cross-compiled on this machine's side: the lock's old
# root cp313-manylinux_aarch64-bullseye is the arm64 bullseye base, the
# arm64 build dependencies (debian-bullseye-cpython-arm64), the interpreter
# layer cpython-3.13-arm64 (the tarball, this machine's amd64 build root
# and gcc-aarch64-linux-gnu; its build_requires the amd64 build root of
# the build interpreter, which is cpython-3.13-amd64's) and qemu, no cross
# compiler layer; a second fetch builds nothing; the interpreter runs
# there under qemu on glibc 2.31; a wheel's smoke test passes in trixie
# and in bullseye.
#
# Runtime: the cross build runs once per store (minutes: docs/config.md
# has the figure), and the roots live in the shared store as in t5325, so
# later runs take about a minute (the lock's Debian resolution, the smoke
# tests under qemu; the wheel comes from the action cache).  The project
# needs no PyPI package: setuptools is the root's python3-setuptools.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/cext-lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp313-manylinux_aarch64
OLD=$TGT-bullseye
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned targets are for an x86_64 host"
case $(uname -r) in
[0-5].* | 6.[0-6].* | 6.[0-6]) skip_all "binfmt_misc in a user namespace needs Linux 6.7 (this is $(uname -r))" ;;
esac
plan 18

P="$T/p"
mkdir -p "$P"
# in the test command only: this run's smoke tests are its own, its wheel
# may be an earlier run's (the action cache is the shared store's)
NONCE=$$-$(date +%s)
# config PLATFORMS MANYLINUX [OLD_ROOT]: pinwheel.json of the one-extension
# project (OLD_ROOT empty: no "old_root" key, the default)
config() {
	OR=
	[ -z "${3:-}" ] || OR=",
    \"old_root\": $3"
	cat >"$P/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {"3.13": {"base": {"debian": {"suite": "trixie",
     "packages": ["build-essential", "python3.13-dev", "python3.13-venv", "python3-pip", "python3-setuptools"]}}}},
  "platforms": $1,
  "manylinux": $2,
  "build_requires": [],
  "test": {"command": "python -c 'import cext, platform, sys; assert cext.add(2, 3) == 5; print(\"ON\", platform.machine(), platform.libc_ver()[1], sys.version.split()[0])' && : $NONCE"$OR}
}
JSON
}
cext_files "$P" '"setuptools"'
old_roots() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
print(" ".join("%s:%s" % (t["id"], t["old_root"]) for t in json.load(sys.stdin)))'
}

# ---- the default: aarch64 with a floor, not armv7l ----
config '["manylinux_aarch64", "manylinux_armv7l"]' '"2014"'
run_pw 0 "plan with the floor" plan "$P" --format json
is "$(old_roots)" "$TGT:bullseye cp313-manylinux_armv7l:None" \
	"a floor gives aarch64 the bullseye old root by default, armv7l none"
config '["manylinux_aarch64"]' '"2014"' false
run_pw 0 "plan with old_root false" plan "$P" --format json
is "$(old_roots)" "$TGT:None" "\"old_root\": false drops it"

# ---- lock: the cross-built interpreter's layers ----
config '["manylinux_aarch64"]' '"native"' '"bullseye"'
run_pw 0 "lock with the old root asked for" lock "$P"
python3 - "$P/pinwheel.lock" >"$T/lock.txt" <<'EOF'
import json, sys
l = json.load(open(sys.argv[1]))
arts = {a["sha256"]: a for a in l["artifacts"]}
old = l["roots"]["cp313-manylinux_aarch64-bullseye"]["layers"]
print(" ".join(y["name"] for y in old))
lay = {y["name"]: y for y in old}
cp, libs = lay["cpython-3.13-arm64"], lay["debian-bullseye-cpython-arm64"]
arch = lambda s: arts[s]["urls"][0].rsplit("_", 1)[1]
names = lambda v: set(arts[s]["name"] for s in v)
print(arts[cp["artifacts"][0]]["name"], cp["how"], cp["configure"][0])
print(sorted(set(arch(s) for s in cp["artifacts"][1:] + cp["build_requires"])),
      set(cp["build_requires"]) <= set(cp["artifacts"]),
      "gcc-aarch64-linux-gnu" in names(cp["artifacts"][1:]) - names(cp["build_requires"]))
print(sorted(set(arch(s) for s in libs["artifacts"])),
      sorted(n for n in names(libs["artifacts"]) if n in ("libc6-dev", "libssl-dev", "zlib1g-dev")))
EOF
is "$(sed -n 1p "$T/lock.txt")" \
	"debian-bullseye-arm64 debian-bullseye-cpython-arm64 cpython-3.13-arm64 emulator-aarch64" \
	"the old root: arm64 base, arm64 build dependencies, the interpreter, qemu; no cross compiler layer"
like "$(sed -n 2p "$T/lock.txt")" "^python3\\.13_3\\.13\\.[0-9]*\\.orig\\.tar\\.xz cpython --disable-test-modules$" \
	"the interpreter layer: the tarball, the slim configure"
is "$(sed -n 3p "$T/lock.txt")" \
	"['all.deb', 'amd64.deb'] True True" \
	"its build root is this machine's (amd64) with the cross compiler; build_requires the build interpreter's root"
is "$(sed -n 4p "$T/lock.txt")" \
	"['all.deb', 'arm64.deb'] ['libc6-dev', 'libssl-dev', 'zlib1g-dev']" \
	"the target's headers and libraries are arm64"

# ---- fetch: built once per store ----
t0=$(date +%s)
run_pw 0 "fetch (cross-compiles CPython 3.13 for arm64 unless the store has it)" fetch "$P"
diag "fetch: $(($(date +%s) - t0)) s"
run_pw 0 "fetch again" --json fetch "$P"
printf '%s\n' "$OUT" | grep '"event":"root"' | grep "\"target\":\"$OLD\"" | grep -q '"built":0,'
ok $? "the second fetch builds nothing in the old root"
run_pw 0 "the old root's interpreter runs under qemu" run --target "$OLD" "$P" -- \
	/opt/python/cp313-cp313/bin/python -c 'import platform, sys, ssl, zlib; print(platform.machine(), platform.libc_ver()[1], sys.version.split()[0], sys.prefix, open(sys.executable, "rb").read(20)[18])'
like "$OUT" "^aarch64 2\\.31 3\\.13\\.[0-9]* /opt/python/cp313-cp313 183$" \
	"CPython 3.13 for aarch64 (e_machine 183) on glibc 2.31, with ssl and zlib"

# ---- build: the smoke test in both roots ----
run_pw 0 "build" build "$P" --out "$T/out"
like "$OUT" "^$TGT +(ok|cached) +passed .* cext-1\\.0-cp313-cp313-manylinux_[0-9_]*_aarch64" "the wheel passes its smoke test"
like "$OUT" "^$TGT +smoke test passed in: trixie bullseye$" "the summary names both roots"
grep -q "^ON aarch64 2\\.31 3\\.13" "$T/out/logs/$TGT.log"
ok $? "the old root's smoke test imported it on (emulated) aarch64, glibc 2.31"
