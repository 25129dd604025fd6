#!/bin/sh
# t5505-rust-cache: Rust crates through the compile cache (docs/compile-cache.md,
# "Rust"): a tiny cdylib CPython module (no PyO3: a hand-written PyInit)
# with two local path crates, a library (dep) and a proc-macro (answer),
# built by an in-tree PEP 517 backend that runs cargo, for two Python
# versions of one Debian suite (sid: one rustc).  The first target records
# both crates and the cdylib; the second target's build takes dep from the
# cache (a library's key has no root in it, only rustc's content) and
# compiles the proc-macro and the cdylib (linked by the root's cc: keyed by
# the root too); after a change of the module both crates are hits and the
# wheel is byte-identical to one built with the cache off
# (--no-compile-cache --no-cache) and to one compiling everything
# (--no-cache); after a change outside the Rust sources (the sdist's
# notes.txt, as a Cython module's change would be) the cdylib is a hit too
# (every key from its call's manifest: direct mode) and the wheel the same
# bytes; a byte flipped in the cdylib's entry is
# refused with the wrapper's line; a byte flipped in dep's entry is
# refused with the wrapper's line, counted in --stats and --json, and the
# wheel is still byte-identical to a build without the cache; the entry
# written again is a hit; `store gc` removes crate entries by age.
# The Debian roots come from the shared store as in t5504 (the crates
# carry a token of this run, so their keys are new).
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
A=cp314-manylinux_x86_64 B=cp315-manylinux_x86_64
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned targets are x86_64"
plan 40

P="$T/p"
CC_DIR="$SHARED_STORE/compile-cache"
TOKEN="t5505-$$-$(date +%s%N)"
mkdir -p "$P/src" "$P/dep/src" "$P/answer/src" "$P/backend"
PKGS='"build-essential", "python3.14-dev", "python3.14-venv", "python3-pip", "rustc", "cargo", "ca-certificates"'
cat >"$P/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {
    "3.14": {"base": {"debian": {"suite": "sid", "packages": [$PKGS]}}},
    "3.15": {"base": {"debian": {"suite": "sid", "packages": [$(echo "$PKGS" | sed 's/3\.14/3.15/g')]}}}
  },
  "platforms": ["manylinux_x86_64"],
  "manylinux": "native",
  "build_requires": [],
  "test": {"command": "python -c 'import rmod; assert rmod.value == 43'", "old_root": false}
}
JSON
cat >"$P/pyproject.toml" <<'EOF2'
[build-system]
requires = []
build-backend = "rbuild"
backend-path = ["backend"]

[project]
name = "rmod"
version = "1.0"
EOF2
cat >"$P/Cargo.toml" <<'EOF2'
[package]
name = "rmod"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
dep = { path = "dep" }
answer = { path = "answer" }
EOF2
printf '[package]\nname = "dep"\nversion = "0.1.0"\nedition = "2021"\n' >"$P/dep/Cargo.toml"
cat >"$P/dep/src/lib.rs" <<EOF2
pub const TOKEN: &str = "$TOKEN";
pub fn add(a: i64, b: i64) -> i64 { a + b + (TOKEN.is_empty() as i64) }
EOF2
printf '[package]\nname = "answer"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\nproc-macro = true\n' \
	>"$P/answer/Cargo.toml"
cat >"$P/answer/src/lib.rs" <<EOF2
// $TOKEN
extern crate proc_macro;
use proc_macro::TokenStream;

#[proc_macro]
pub fn answer(_: TokenStream) -> TokenStream { "42".parse().unwrap() }
EOF2
# module VERSION: the extension module, one line differing per version
module() {
	cat >"$P/src/lib.rs" <<EOF2
use std::os::raw::{c_char, c_int, c_void};

#[repr(C)]
pub struct ModuleDef {
    refcnt: isize, ob_type: *mut c_void, m_init: *mut c_void, m_index: isize,
    m_copy: *mut c_void, m_name: *const c_char, m_doc: *const c_char, m_size: isize,
    m_methods: *mut c_void, m_slots: *mut c_void, m_traverse: *mut c_void,
    m_clear: *mut c_void, m_free: *mut c_void,
}

extern "C" {
    fn PyModule_Create2(def: *mut ModuleDef, api: c_int) -> *mut c_void;
    fn PyModule_AddIntConstant(m: *mut c_void, name: *const c_char, v: i64) -> c_int;
}

static mut DEF: ModuleDef = ModuleDef {
    refcnt: 1, ob_type: std::ptr::null_mut(), m_init: std::ptr::null_mut(), m_index: 0,
    m_copy: std::ptr::null_mut(), m_name: b"rmod\0".as_ptr() as *const c_char,
    m_doc: b"$1\0".as_ptr() as *const c_char, m_size: -1, m_methods: std::ptr::null_mut(),
    m_slots: std::ptr::null_mut(), m_traverse: std::ptr::null_mut(),
    m_clear: std::ptr::null_mut(), m_free: std::ptr::null_mut(),
};

#[no_mangle]
pub unsafe extern "C" fn PyInit_rmod() -> *mut c_void {
    let m = PyModule_Create2(std::ptr::addr_of_mut!(DEF), 1013);
    if !m.is_null() {
        PyModule_AddIntConstant(m, b"value\0".as_ptr() as *const c_char,
                                dep::add(answer::answer!(), 1));
    }
    m
}
EOF2
}
module v1
echo 1 >"$P/notes.txt"
cat >"$P/backend/rbuild.py" <<'EOF2'
"""The test's PEP 517 backend: cargo builds the cdylib, zipfile packs it."""
import base64, hashlib, io, os, subprocess, sys, sysconfig, tarfile, zipfile

NAME, VERSION = "rmod", "1.0"
META = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (NAME, VERSION)
FILES = ["pyproject.toml", "notes.txt", "Cargo.toml", "src/lib.rs", "dep/Cargo.toml", "dep/src/lib.rs",
         "answer/Cargo.toml", "answer/src/lib.rs", "backend/rbuild.py"]


def _tag():
    py = "cp%d%d" % sys.version_info[:2]
    return "%s-%s-%s" % (py, py, sysconfig.get_platform().replace("-", "_").replace(".", "_"))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    subprocess.run(["cargo", "build", "--release", "--offline"], check=True)
    dist = "%s-%s.dist-info" % (NAME, VERSION)
    files = [
        (NAME + sysconfig.get_config_var("EXT_SUFFIX"),
         open("target/release/lib%s.so" % NAME, "rb").read()),
        (dist + "/METADATA", META.encode()),
        (dist + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: rbuild\nRoot-Is-Purelib: false\n"
                           "Tag: %s\n" % _tag()).encode()),
    ]
    record = ""
    for n, data in files:
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += "%s,sha256=%s,%d\n" % (n, h, len(data))
    files.append((dist + "/RECORD", (record + dist + "/RECORD,,\n").encode()))
    whl = "%s-%s-%s.whl" % (NAME, VERSION, _tag())
    with zipfile.ZipFile(os.path.join(wheel_directory, whl), "w") as z:
        for n, data in files:
            z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), data)
    return whl


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, VERSION)
    with tarfile.open(os.path.join(sdist_directory, base + ".tar.gz"), "w:gz") as t:
        for f in FILES:
            t.add(f, arcname=base + "/" + f)
        i = tarfile.TarInfo(base + "/PKG-INFO")
        i.size = len(META)
        t.addfile(i, io.BytesIO(META.encode()))
    return base + ".tar.gz"
EOF2

# FIELD of the Rust part of the target's compile_cache in --json's document
rc_field() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
c = json.load(sys.stdin)["targets"][0]["compile_cache"]
print("null" if c is None else c["rust"][sys.argv[1]])' "$1"
}
wheel_sha() {
	printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["targets"][0]["sha256"])'
}

touch "$T/before"
run_pw 0 "first target, first build" --json build "$P" --only "$A" --out "$T/a1"
is "$(rc_field misses) $(rc_field hits)" "3 0" "both crates (dep, answer) and the cdylib compiled and recorded"
is "$(rc_field uncacheable)" 0 "the cdylib (the module itself) is cached too"
# this run's entries (other builds may write the shared cache meanwhile)
N=$(find "$CC_DIR" -name '*.rust' -newer "$T/before" -exec sh -c \
	'ls "$1" | grep -q "^lib\(dep\|answer\)-"' _ {} \; -print | wc -l)
is "$N" 2 "two crate entries in STORE/compile-cache"
E=$(find "$CC_DIR" -name '*.rust' -newer "$T/before" -exec sh -c \
	'ls "$1" | grep -q "^libdep-.*\.rlib$"' _ {} \; -print | head -n 1)
bad=0
while read -r sum f; do
	[ "$(sha256sum <"$E/$f" | cut -c1-64)" = "$sum" ] || bad=1
done <"$E/sums"
is "$bad $(wc -l <"$E/sums")" "0 5" "dep's entry: rlib, rmeta, dep-info, stdout, stderr, each with its sha256"
grep -q "^==== pinwheel: compile cache, Rust crates: 0 hits, 3 misses, 0 uncacheable, 0 damaged entries compiled again" "$T/a1/logs/$A.log"
ok $? "the target's log says what the Rust cache did"

run_pw 0 "second Python version, same rustc" --json --color=never build "$P" --only "$B" --stats --out "$T/b1"
is "$(rc_field hits) $(rc_field misses)" "1 2" \
	"the library crate is a hit across Python versions; the proc-macro and the cdylib (root-keyed) are compiled"

# a change of the module: both crates hit, the bytes those of a cold build
module v2
run_pw 0 "after a change of the module" --json build "$P" --only "$A" --out "$T/a2"
is "$(rc_field hits) $(rc_field misses)" "2 1" "both crates are hits, the changed cdylib is compiled"
W2=$(wheel_sha)
run_pw 0 "the same, compiling everything (--no-cache)" --json build "$P" --only "$A" --no-cache --out "$T/a2w"
is "$(rc_field hits) $(rc_field misses)" "0 3" "--no-cache looks nothing up and records"
is "$(wheel_sha)" "$W2" "its wheel is byte-identical to the warm one"
run_pw 0 "the same without the compile cache" --json build "$P" --only "$A" --no-compile-cache --no-cache --out "$T/a2c"
is "$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["targets"][0]["compile_cache"])')" None \
	"--no-compile-cache: no compile cache in --json"
grep -q "compile cache" "$T/a2c/logs/$A.log"
ok $((!$?)) "... nor in the log (no wrapper ran)"
is "$(wheel_sha)" "$W2" "the wheel is byte-identical to the warm one"
W=$(basename "$(ls "$T/a2"/rmod-*.whl)")
cmp -s "$T/a2/$W" "$T/a2c/$W"
ok $? "the files compare equal"

# a change outside the Rust sources: the cdylib is a hit, the same bytes
echo 2 >"$P/notes.txt"
touch "$T/mark"
run_pw 0 "after a change outside the Rust sources" --json build "$P" --only "$A" --out "$T/a2n"
is "$(rc_field hits) $(rc_field misses) $(rc_field uncacheable)" "3 0 0" "the crates and the cdylib are hits"
# direct mode: each call's manifest used (touched), not written again
N=$(find "$CC_DIR" -name '*.rdirect' -newer "$T/mark" -exec sh -c \
	'[ ! "$1/key" -nt "$2" ] && grep -q -e "dep/src/lib.rs" -e "answer/src/lib.rs" -e "/libdep-" "$1/files"' \
	_ {} "$T/mark" \; -print | wc -l)
is "$N" 3 "the three keys came from their manifests, without the dep-info pass"
is "$(wheel_sha)" "$W2" "the wheel is byte-identical to the one compiling the cdylib"
# the newest cdylib entry (the hit touched it): a byte flipped in the module
EM=$(ls -td $(find "$CC_DIR" -name '*.rust' -newer "$T/before" -exec sh -c \
	'test -f "$1/librmod.so"' _ {} \; -print) | head -n 1)
chmod u+w "$EM/librmod.so"
printf 'Z' | dd of="$EM/librmod.so" bs=1 seek=200 conv=notrunc 2>/dev/null
echo 3 >"$P/notes.txt"
run_pw 0 "build over a damaged cdylib entry" --json build "$P" --only "$A" --out "$T/a2d"
is "$(rc_field hits) $(rc_field misses) $(rc_field damaged)" "2 1 1" "the cdylib's entry refused and compiled again"
grep -q "^pinwheel: compile cache: entry $(basename "$EM" .rust) (crate rmod) does not match its sha256 (damaged): compiling again$" \
	"$T/a2d/logs/$A.log"
ok $? "the log has the wrapper's line, naming the entry and the cdylib"
is "$(wheel_sha)" "$W2" "the wheel is the same bytes"

# a byte flipped in dep's rlib
R=$(ls "$E"/libdep-*.rlib)
chmod u+w "$R"
printf 'Z' | dd of="$R" bs=1 seek=100 conv=notrunc 2>/dev/null
module v3
run_pw 0 "build over a damaged entry" --color=never build "$P" --only "$A" --stats --out "$T/a3"
like "$OUT" "^$A +compile cache: 1 damaged Rust entry \\(not matching its sha256\\) refused and compiled again$" \
	"the summary names the damaged entry"
like "$OUT" "^$A +built +0 +0 +0 +0  - +1 +2 +1$" "--stats: Rust 1 hit, 2 misses (dep, the changed cdylib), 1 damaged"
grep -q "^pinwheel: compile cache: entry $(basename "$E" .rust) (crate dep) does not match its sha256 (damaged): compiling again$" \
	"$T/a3/logs/$A.log"
ok $? "the log has the wrapper's line, naming the entry and the crate"
run_pw 0 "the same, without the cache" --json build "$P" --only "$A" --no-compile-cache --no-cache --out "$T/a3c"
cmp -s "$T/a3/$W" "$T/a3c/$W"
ok $? "the wheel built over the damaged entry is byte-identical to one built without the cache"
module v4
run_pw 0 "the entry written again is whole" --json build "$P" --only "$A" --out "$T/a4"
is "$(rc_field hits) $(rc_field damaged)" "2 0" "dep's new entry is a hit"
N=$(find "$CC_DIR" -name '.tmp.*' -type d -newer "$T/before" -exec sh -c \
	'ls "$1" | grep -q "^lib\(dep\|answer\)-"' _ {} \; -print | wc -l)
is "$N" 0 "no temp entry of this run left in the cache"

# a wrapper the step cannot change, and no wrapper without the cache
run_pw 0 "the step sees RUSTC_WRAPPER" run --target "$A" "$P" -- /bin/sh -c 'echo "${RUSTC_WRAPPER-unset}"'
is "$OUT" "unset" "not in 'pinwheel run' (only build_wheel with the cache on gets it)"

# store gc: crate entries by age (a store of its own)
S="$T/gcstore"
OLD=ab$(printf '%062d' 1)
NEW=cd$(printf '%062d' 2)
mkdir -p "$S/compile-cache/ab/$OLD.rust" "$S/compile-cache/cd/$NEW.rust"
printf 'x' >"$S/compile-cache/ab/$OLD.rust/libx.rlib"
printf 'y' >"$S/compile-cache/cd/$NEW.rust/liby.rlib"
mkdir "$S/compile-cache/cd/.tmp.$NEW.123"
touch -d '40 days ago' "$S/compile-cache/ab/$OLD.rust"
echo '{"version": 1, "artifacts": []}' >"$T/empty.lock"
run_pw 0 "store gc" --store "$S" store gc --keep "$T/empty.lock"
like "$ERR" "removed 1 compile cache objects" "gc counts the crate entry unused for 40 days"
is "$(cd "$S/compile-cache" && find . | sort | tr '\n' ' ')" ". ./cd ./cd/$NEW.rust ./cd/$NEW.rust/liby.rlib " \
	"the old entry and the temp directory are gone; the recent entry stays"
