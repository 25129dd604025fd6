#!/bin/sh
# Foreign targets get qemu from the store: with a signed loopback Debian
# repository holding amd64 and arm64 indexes, `lock` pins the host-arch
# qemu-user-static .deb of the same suite as the aarch64 target's layer
# "emulator-aarch64" (nothing for the native target), `fetch` unpacks it,
# and `run --target` runs the arm64 root's binaries under that qemu (not
# the host's).  From trixie on the static qemu is the package qemu-user.
# A root whose emulator tree is missing from the store, or whose lock has
# no emulator layer, fails with one line; the sdist of a build of the
# aarch64 target alone is made in the native root.  The real qemu-user-static and
# busybox-static:arm64 .debs are cached under $BUILD/test-cache/emulate
# (shared with t2005).
. "$SRCDIR/tests/lib.sh"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || skip_all "busybox-static is not installed ($BUSYBOX)"
[ "$(uname -m)" = x86_64 ] || skip_all "the fixture's qemu is for an x86_64 host"
# the real qemu-aarch64-static and arm64 busybox (shared with t2005)
. "$SRCDIR/tests/helpers/emulate-fixture.sh"
. "$SRCDIR/tests/helpers/debrepo.sh"
plan 41

# repo SUITEDIR QEMUPKGS: busybox for both architectures, qemu for amd64.
repo() {
	cat >"$T/$1.json" <<JSON
{"suite": "pwtest", "arches": ["amd64", "arm64"], "packages": [
 {"Package": "busybox", "Version": "1:1.35.0-4+b3", "Architecture": "amd64", "Essential": "yes",
  "Priority": "required", "copy": {"usr/bin/busybox": "$BUSYBOX"}},
 {"Package": "busybox", "Version": "1:1.35.0-4+b3", "Architecture": "arm64", "Essential": "yes",
  "Priority": "required", "copy": {"usr/bin/busybox": "$ABUSYBOX"}},
 {"Package": "base-files", "Version": "12.4", "Architecture": "all", "Priority": "required",
  "files": {"etc/debian_version": "12.4\n"}},
 $2
]}
JSON
	python3 "$SRCDIR/tests/helpers/debrepo.py" build "$T/www/$1" "$T/$1.json" &&
		sign "$T/www/$1" test@mirror.example
}
# cross STDVER: the amd64 cross tools and an arm64 Rust whose std is STDVER
cross() {
	cat <<JSON
{"Package": "gcc-aarch64-linux-gnu", "Version": "4:12.2.0-3", "Architecture": "amd64",
  "Depends": "libc6", "files": {"usr/bin/aarch64-linux-gnu-gcc": "cross gcc"}},
 {"Package": "g++-aarch64-linux-gnu", "Version": "4:12.2.0-3", "Architecture": "amd64",
  "files": {"usr/bin/aarch64-linux-gnu-g++": "cross g++"}},
 {"Package": "libc6", "Version": "2.36-9", "Architecture": "amd64", "Multi-Arch": "same",
  "files": {"lib/x86_64-linux-gnu/libc.so.6": "libc"}},
 {"Package": "rustc", "Version": "1.63.0+dfsg1-2", "Architecture": "amd64",
  "files": {"usr/bin/rustc": "amd64 rustc"}},
 {"Package": "cargo", "Version": "0.66.0+ds1-1", "Architecture": "amd64", "Depends": "rustc",
  "files": {"usr/bin/cargo": "amd64 cargo"}},
 {"Package": "rustc", "Version": "$1", "Architecture": "arm64",
  "Depends": "libstd-rust-dev (= $1)", "files": {"usr/bin/rustc": "arm64 rustc"}},
 {"Package": "cargo", "Version": "0.66.0+ds1-1", "Architecture": "arm64", "Depends": "rustc",
  "files": {"usr/bin/cargo": "arm64 cargo"}},
 {"Package": "libstd-rust-dev", "Version": "$1", "Architecture": "arm64",
  "files": {"usr/lib/rustlib/aarch64-unknown-linux-gnu/lib/libstd.rlib": "std"}},
JSON
}
repo old '{"Package": "qemu-user-static", "Version": "1:7.2+dfsg-7", "Architecture": "amd64",
  "copy": {"usr/bin/qemu-aarch64-static": "'"$QEMU"'"}},
 '"$(cross 1.63.0+dfsg1-2)"'
 {"Package": "qemu-user-static", "Version": "1:7.2+dfsg-7", "Architecture": "arm64",
  "files": {"usr/bin/qemu-x86_64-static": "wrong arch"}}' || skip_all "could not build the repository"
repo new '{"Package": "qemu-user-static", "Version": "1:10.0-1", "Architecture": "amd64",
  "Depends": "qemu-user (>= 1:10.0-1)"},
 {"Package": "qemu-user", "Version": "1:10.0-1", "Architecture": "amd64",
  "copy": {"usr/bin/qemu-aarch64": "'"$QEMU"'"}}' || skip_all "could not build the repository"
repo skew "$(cross 1.63.0+dfsg1-1)"'{"Package": "qemu-user-static", "Version": "1:7.2+dfsg-7",
  "Architecture": "amd64", "copy": {"usr/bin/qemu-aarch64-static": "'"$QEMU"'"}}' ||
	skip_all "could not build the repository"

P="$T/proj" S="$T/store"
mkdir -p "$P"
cp "$KEYRING" "$P/keyring.gpg"
config() { # config MIRROR [FOREIGN [PACKAGES]]
	pk=${3:-'"base-files"'}
	cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"debian": {"suite": "pwtest", "packages": [$pk],
                                        "mirror": "$1", "keyring": "keyring.gpg"}}}},
 "platforms": ["manylinux_x86_64", "manylinux_aarch64"], "foreign": "${2:-emulate}"}
JSON
}
shape() {
	python3 - "$P/pinwheel.lock" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for t, r in d["roots"].items():
    print(t, [(l["name"], l["how"], l["dest"], len(l["artifacts"])) for l in r["layers"]])
for a in d["artifacts"]:
    if a["name"].startswith("qemu"):
        print(a["name"], a["version"], a["urls"][0].rsplit("/", 1)[-1], a.get("needed_by"))
PY
}
config "http://127.0.0.1:$PORT/old"
run_pw 0 "lock a native and an aarch64 target" --store "$S" lock "$P"
shape >"$T/shape"
is "$(sed -n 1p "$T/shape")" "cp311-manylinux_x86_64 [('debian-pwtest-amd64', 'debian-root', '/', 2)]" \
	"the native target has no emulator"
is "$(sed -n 2p "$T/shape")" "cp311-manylinux_aarch64 [('debian-pwtest-arm64', 'debian-root', '/', 2), ('emulator-aarch64', 'emulator', '/usr/bin/qemu-aarch64-static', 1)]" \
	"the aarch64 target: its arm64 base, then the emulator layer (the binary's path in the .deb)"
is "$(sed -n 3p "$T/shape")" "qemu-user-static 1:7.2+dfsg-7 qemu-user-static_7.2+dfsg-7_amd64.deb ['cp311-manylinux_aarch64']" \
	"the pinned qemu is the host architecture's .deb of the same suite"
run_pw 0 "lock --check is fresh offline" lock --check "$P"
cp "$P/pinwheel.lock" "$T/lock.1"
run_pw 0 "relock" --store "$S" lock "$P"
run_cmd 0 "relocking gives the same bytes" cmp "$T/lock.1" "$P/pinwheel.lock"

run_pw 2 "run before fetch: root not fetched" --store "$S" run --target cp311-manylinux_aarch64 "$P" \
	-- /usr/bin/busybox true
is "$ERR" "pinwheel: run: target cp311-manylinux_aarch64: root not fetched (layer 'debian-pwtest-arm64' is missing); run 'pinwheel fetch'" \
	"one line says what to do"
run_pw 0 "fetch both roots" -q --store "$S" fetch "$P"
Q=$(find "$S/trees" -path '*/usr/bin/qemu-aarch64-static' -type f | head -1)
like "$Q" "^$S/trees/[0-9a-f]{64}/usr/bin/qemu-aarch64-static$" "fetch unpacked the qemu .deb as a store tree"
run_pw 0 "an arm64 binary of the root runs" -v --store "$S" run --target cp311-manylinux_aarch64 "$P" \
	-- /usr/bin/busybox uname -m
is "$OUT" "aarch64" "uname -m in the foreign root prints aarch64"
like "$ERR" "target cp311-manylinux_aarch64: --emulate aarch64 '$Q'" "the interpreter is the store's qemu"
run_pw 0 "the native root runs without emulation" -v --store "$S" run --target cp311-manylinux_x86_64 "$P" \
	-- /usr/bin/busybox uname -m
is "$OUT" "x86_64" "x86_64 natively"
unlike "$ERR" "emulate" "and no emulator"

# The emulator tree gone from the store: the root is not fetched.
chmod -R u+w "${Q%/usr/bin/qemu-aarch64-static}" && rm -rf "${Q%/usr/bin/qemu-aarch64-static}"
run_pw 2 "the emulator missing from the store" --store "$S" run --target cp311-manylinux_aarch64 "$P" \
	-- /usr/bin/busybox true
is "$ERR" "pinwheel: run: target cp311-manylinux_aarch64: root not fetched (layer 'emulator-aarch64' is missing); run 'pinwheel fetch'" \
	"names the emulator layer"
run_pw 0 "fetch again" -q --store "$S" fetch "$P"

# A lock without the emulator layer (written by hand, or an older pinwheel).
python3 - "$P/pinwheel.lock" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["roots"]["cp311-manylinux_aarch64"]
r["layers"] = [l for l in r["layers"] if l["how"] != "emulator"]
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
run_pw 2 "a foreign root without an emulator" --store "$S" run --target cp311-manylinux_aarch64 "$P" \
	-- /usr/bin/busybox true
is "$ERR" "pinwheel: run: target cp311-manylinux_aarch64: this machine runs x86_64 binaries, not aarch64, and the root has no emulator layer (qemu-user: a Debian base pins one); run 'pinwheel lock'" \
	"one line: no emulator layer"

# trixie and later: qemu-user-static only depends on qemu-user, the static build.
rm -f "$P/pinwheel.lock"
config "http://127.0.0.1:$PORT/new"
run_pw 0 "lock with the newer naming" --store "$S" lock "$P"
shape >"$T/shape"
is "$(sed -n 2p "$T/shape")" "cp311-manylinux_aarch64 [('debian-pwtest-arm64', 'debian-root', '/', 2), ('emulator-aarch64', 'emulator', '/usr/bin/qemu-aarch64', 1)]" \
	"the emulator is qemu-user's /usr/bin/qemu-aarch64"
run_pw 0 "fetch" -q --store "$S" fetch "$P"
run_pw 0 "runs under qemu-user's binary" --store "$S" run --target cp311-manylinux_aarch64 "$P" \
	-- /usr/bin/busybox uname -m
is "$OUT" "aarch64" "aarch64 again"

# "foreign": "cross" (the default): the amd64 cross tools as a layer over
# the arm64 base, and their variables in the steps.
rm -f "$P/pinwheel.lock"
config "http://127.0.0.1:$PORT/old" cross '"base-files", "rustc", "cargo"'
run_pw 0 "lock with the cross fast path" --store "$S" lock "$P"
shape >"$T/shape"
is "$(sed -n 1p "$T/shape")" "cp311-manylinux_x86_64 [('debian-pwtest-amd64', 'debian-root', '/', 4)]" \
	"nothing more for the native target"
is "$(sed -n 2p "$T/shape")" "cp311-manylinux_aarch64 [('debian-pwtest-arm64', 'debian-root', '/', 5), ('emulator-aarch64', 'emulator', '/usr/bin/qemu-aarch64-static', 1), ('debian-pwtest-cross-amd64', 'debian-cross', '/', 5)]" \
	"aarch64: base, emulator, then the amd64 cross layer"
python3 - "$P/pinwheel.lock" >"$T/cross" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
arts = {a["sha256"]: a for a in d["artifacts"]}
l = d["roots"]["cp311-manylinux_aarch64"]["layers"][2]
print(" ".join("%s=%s" % (arts[s]["name"], arts[s]["urls"][0].rsplit("_", 1)[-1]) for s in l["artifacts"]))
PY
is "$(cat "$T/cross")" "cargo=amd64.deb g++-aarch64-linux-gnu=amd64.deb gcc-aarch64-linux-gnu=amd64.deb libc6=amd64.deb rustc=amd64.deb" \
	"the cross layer: the host's compilers, rustc and cargo"
run_pw 0 "fetch" -q --store "$S" fetch "$P"
run_pw 0 "the steps see the cross variables" --store "$S" run --target cp311-manylinux_aarch64 "$P" \
	-- /usr/bin/busybox sh -c 'env | /usr/bin/busybox grep -E "^(CC|CXX|CARGO|PYO3)" | /usr/bin/busybox sort; /usr/bin/busybox cat /usr/bin/rustc /usr/bin/aarch64-linux-gnu-gcc /usr/lib/rustlib/aarch64-unknown-linux-gnu/lib/libstd.rlib'
is "$OUT" "CARGO_BUILD_TARGET=aarch64-unknown-linux-gnu
CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
CC=aarch64-linux-gnu-gcc
CXX=aarch64-linux-gnu-g++
PYO3_CROSS_LIB_DIR=/usr/lib/python3.11
amd64 rustccross gccstd" "CC, CXX, cargo's target and linker, PyO3's lib dir; amd64 rustc over the arm64 one, the arm64 std kept"
run_pw 0 "the native target has none of them" --store "$S" run --target cp311-manylinux_x86_64 "$P" \
	-- /usr/bin/busybox sh -c 'env | /usr/bin/busybox grep -cE "^(CC|CARGO|PYO3)"; true'
is "$OUT" "0" "no cross variables natively"
# The sdist is built in a native root even when only foreign targets are
# selected (the roots here have no Python: the step itself then fails).
run_pw 1 "a build of the aarch64 target alone" --store "$S" build --locked "$P" --skip '*_x86_64'
like "$ERR" "sdist: build_sdist of .* in the root of cp311-manylinux_x86_64" \
	"its sdist step runs in the native x86_64 root, not under qemu"
rm -f "$P/pinwheel.lock"
config "http://127.0.0.1:$PORT/skew" cross '"base-files", "rustc"'
run_pw 1 "an amd64 rustc that is not the arm64 std's version" --store "$S" lock "$P"
is "$ERR" "pinwheel: lock: python.3.11.base.debian (cp311-manylinux_aarch64): the amd64 rustc is 1.63.0+dfsg1-2 but the arm64 libstd-rust-dev is 1.63.0+dfsg1-1: no cross Rust (set \"foreign\": \"emulate\")" \
	"one line naming both versions"
config "http://127.0.0.1:$PORT/skew" emulate '"base-files", "rustc"'
run_pw 0 "\"foreign\": \"emulate\" needs no cross layer" --store "$S" lock "$P"
