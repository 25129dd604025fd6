#!/bin/sh
# t4405-lock-foreign-native: a foreign target's Python requirements are
# resolved by this machine's interpreter of the same suite, not by the
# target's own under qemu (docs/lock.md, "What runs where").  A bookworm
# project for x86_64 and aarch64 against the loopback index: the aarch64
# target's build_requires say "resolved natively" and the marker
# platform_machine is the target's (armonly is pinned for aarch64 only);
# the same lock with PINWHEEL_LOCK_NATIVE=0 (the target's pip under qemu)
# is the same bytes; a test requirement with only an sdist (its metadata
# must be built) falls back to qemu with one line.  The Debian roots come
# from the shared store, as in t5321.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
[ "$(uname -m)" = x86_64 ] || skip_all "the foreign target is aarch64 on an x86_64 host"
case $(uname -r) in
[0-5].* | 6.[0-6].* | 6.[0-6]) skip_all "binfmt_misc in a user namespace needs Linux 6.7 (this is $(uname -r))" ;;
esac
plan 9

cat >"$T/spec.json" <<'JSON'
[{"name": "tinyback", "version": "1.0", "backend": true},
 {"name": "foo", "version": "1.0", "requires": ["bar==1.0; platform_machine == 'aarch64'"],
  "modules": {"foo.py": ""}},
 {"name": "bar", "version": "1.0", "modules": {"bar.py": ""}},
 {"name": "armonly", "version": "1.0", "modules": {"armonly.py": ""}},
 {"name": "sdonly", "version": "0.1",
  "sdist": {"requires": ["tinyback==1.0"], "modules": {"sdonly.py": ""}}}]
JSON
export PYPI_INDEX_SECS=900
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1
X=cp311-manylinux_x86_64
A=cp311-manylinux_aarch64

P="$T/p"
mkdir -p "$P"
# config TESTREQ: both targets on bookworm; build_requires with markers
config() {
	_tr=
	[ -z "${1:-}" ] || _tr=", \"test\": {\"requires\": [\"$1\"]}"
	cat >"$P/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {"3.11": {"base": {"debian": {"suite": "bookworm",
     "packages": ["build-essential", "python3.11-dev", "python3.11-venv", "python3-pip"]}}}},
  "platforms": ["manylinux_x86_64", "manylinux_aarch64"],
  "manylinux": "native",
  "build_requires": ["foo==1.0", "armonly==1.0; platform_machine == \"aarch64\""]$_tr
}
JSON
}
# pins TARGET: the names of the wheels of its build-requires layer
pins() {
	python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))
arts = {a["sha256"]: a for a in l["artifacts"]}
lay = [x for x in l["roots"][sys.argv[2]]["layers"] if x["name"] == "build-requires"][0]
print(" ".join(sorted(arts[s]["name"] + "==" + arts[s]["version"] for s in lay["artifacts"])))' \
		"$P/pinwheel.lock" "$1"
}

config
run_pw 0 "lock of an x86_64 and an aarch64 target" lock --jobs 1 "$P"
case $ERR in
*"build_requires: $A: resolved natively by the amd64 python3.11 of its suite, as aarch64"*) ok 0 "the aarch64 target's requirements are resolved natively" ;;
*) ok 1 "the aarch64 target's requirements are resolved natively"; diag "$ERR" ;;
esac
case $ERR in
*"resolved under qemu"*) ok 1 "nothing under qemu"; diag "$ERR" ;;
*) ok 0 "nothing under qemu" ;;
esac
is "$(pins $A)" "armonly==1.0 bar==1.0 foo==1.0" "platform_machine is aarch64's: armonly, and foo's bar, pinned for aarch64"
is "$(pins $X)" "foo==1.0" "and not for x86_64"
cp "$P/pinwheel.lock" "$T/native.lock"

rm "$P/pinwheel.lock"
export PINWHEEL_LOCK_NATIVE=0
run_pw 0 "the same lock by the target's own pip under qemu" lock --jobs 1 "$P"
unset PINWHEEL_LOCK_NATIVE
if cmp -s "$P/pinwheel.lock" "$T/native.lock"; then ok 0 "the two locks are the same bytes"; else
	ok 1 "the two locks are the same bytes"; diag "$(diff "$T/native.lock" "$P/pinwheel.lock" | head -20)"; fi

# an sdist-only test requirement: its metadata needs the target's interpreter
config sdonly==0.1
run_pw 0 "lock with an sdist-only test requirement" lock --jobs 1 "$P"
is "$(printf '%s\n' "$ERR" | grep "resolved under qemu")" \
	"test.requires: $A: resolved under qemu: 'sdonly' has no wheel for $A: the metadata of sdonly-0.1.tar.gz must be built by the target's own interpreter" \
	"the sdist falls back to qemu with one line"
