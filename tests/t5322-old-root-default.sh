#!/bin/sh
# t5322-old-root-default: the lock checks that the mirror serves the CPython
# tarball it pins (a HEAD through pinwheel's libcurl transfer policy) and
# falls back (docs/config.md "test.old_root", docs/lock.md), against a
# signed loopback Debian mirror whose Sources indexes list tarballs the
# mirror does not have.  A target's own from-source interpreter (3.13t):
# the newest orig 404s -> the older one is pinned; none served -> the
# lock fails with one line naming every URL and status; another suite of
# the mirror (sid) that serves one -> that one.  The default old root of
# a floor target (bullseye, nothing in test.old_root): the older tarball
# is pinned; none served -> one warning naming the target, the package
# and the URLs, the old root left out of the lock and recorded there
# ("no_old_root"), which plan (text and --json) repeats offline and
# lock --check finds fresh; an explicit "old_root" without a tarball
# fails the lock instead.  A zero-config project's targets get it too.  The floor's Zig comes from a loopback index
# (a stand-in wheel: nothing is built here), resolved by the pip of a
# root made of the host's python3.11.
# as-user: no (nothing here depends on who runs it; t53xx's other tests run rootless)
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip' 2>/dev/null || skip_all "python3-pip not installed"
[ "$(uname -m)" = x86_64 ] || skip_all "the fixture's targets are x86_64"
export DEBREPO_LOG="$T/requests.log"
. "$SRCDIR/tests/helpers/debrepo.sh"
plan 29

py_base_tar "$T/py.tar" || skip_all "could not pack the host's python3.11"
M="$T/www/m"
# debs NAME...: dummy packages of no content
debs() {
	_sep=
	for _d in "$@"; do
		printf '%s{"Package": "%s", "Version": "1", "Architecture": "all"}' "$_sep" "$_d"
		_sep=", "
	done
}
# suite SUITE PACKAGES SOURCES: build and sign the fixture suite SUITE of $M
suite() {
	cat >"$T/suite.json" <<JSON
{"suite": "$1", "arch": "amd64", "packages": [$2], "sources": [$3]}
JSON
	python3 "$SRCDIR/tests/helpers/debrepo.py" build "$M" "$T/suite.json" &&
		gpg --batch --yes -q --local-user test@mirror.example --clearsign \
			-o "$M/dists/$1/InRelease" "$M/dists/$1/Release"
}
# src PKG VERSION UPSTREAM SERVED: a Sources stanza
src() {
	printf '{"Package": "%s", "Version": "%s", "orig": "%s_%s.orig.tar.xz", "served": %s}' \
		"$1" "$2" "$1" "$3" "$4"
}
TRIXIE_PKGS="$(debs build-essential python3.13-dev), {\"Package\": \"hostpy\", \"Version\": \"1\", \"Architecture\": \"amd64\", \"tar\": \"$T/py.tar\"}"
suite trixie "$TRIXIE_PKGS" \
	"$(src python3.13 3.13.18-1 3.13.18 false), $(src python3.13 3.13.5-2 3.13.5 true), $(src python3.11 3.11.9-1 3.11.9 false), $(src python3.11 3.11.2-6 3.11.2 true)" ||
	skip_all "could not build the fixture's trixie"
suite bullseye "$(debs build-essential ca-certificates zlib1g-dev libssl-dev)" "" ||
	skip_all "could not build the fixture's bullseye"
MIRROR_URL="http://127.0.0.1:$PORT/m"
DPORT=$PORT

P="$T/p"
mkdir -p "$P"
cp "$KEYRING" "$P/keyring.gpg"
cat >"$P/pyproject.toml" <<'EOF'
[project]
name = "p"
version = "1"

[build-system]
requires = []
build-backend = "b"
backend-path = ["."]
EOF
# lock_shape: each root's layers, and each cpython layer's tarball
lock_shape() {
	python3 - "$P/pinwheel.lock" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
arts = {a["sha256"]: a for a in l["artifacts"]}
for rid in sorted(l["roots"]):
    print(rid, " ".join(y["name"] for y in l["roots"][rid]["layers"]))
    for y in l["roots"][rid]["layers"]:
        if y["how"] == "cpython":
            print(" ", arts[y["artifacts"][0]]["urls"][0].split("/m/", 1)[1])
for t, why in sorted(l.get("no_old_root", {}).items()):
    print("no_old_root", t, why)
PY
}
U="$MIRROR_URL/pool/main/p"

# ---- a target's own interpreter (3.13t) ----
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.13t": {"base": {"debian": {"suite": "trixie", "packages": ["build-essential"],
   "mirror": "$MIRROR_URL", "keyring": "keyring.gpg", "cpython": {"packages": ["build-essential"]}}}}},
 "platforms": ["manylinux_x86_64"]}
JSON
: >"$T/requests.log"
run_pw 0 "lock: 3.13.18's tarball is not served, 3.13.5's is" --store "$T/s" lock "$P"
is "$(lock_shape)" "cp313t-manylinux_x86_64 debian-trixie-amd64 cpython-3.13t-amd64
  pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz" "the older tarball is pinned"
is "$(grep "^HEAD " "$T/requests.log" | uniq)" "HEAD /m/pool/main/p/python3.13/python3.13_3.13.18.orig.tar.xz
HEAD /m/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz" "a HEAD for each, newest first (a retry of one on a new connection is libcurl's)"
grep -q '^GET .*orig' "$T/requests.log"
ok $((!$?)) "no tarball is downloaded at lock"

rm "$M/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz" "$P/pinwheel.lock"
run_pw 1 "lock: no python3.13 tarball served" --store "$T/s" lock "$P"
is "$ERR" "pinwheel: lock: python.3.13t.base.debian.cpython (cp313t-manylinux_x86_64): the mirror serves no upstream tarball of python3.13 (tried $U/python3.13/python3.13_3.13.18.orig.tar.xz (HTTP 404), $U/python3.13/python3.13_3.13.5.orig.tar.xz (HTTP 404); looked in trixie and the other suites it carries)" \
	"one line: the field, the target, every URL and its status"

suite sid "$(debs build-essential)" "$(src python3.13 3.13.20-1 3.13.20 true)" ||
	skip_all "could not build the fixture's sid"
run_pw 0 "lock: sid serves python3.13" --store "$T/s" lock "$P"
is "$(lock_shape | sed -n 2p)" "  pool/main/p/python3.13/python3.13_3.13.20.orig.tar.xz" \
	"the tarball of another suite the mirror carries"

# ---- the default old root of a floor target (3.11 on trixie) ----
cat >"$T/spec.json" <<'JSON'
[{"name": "ziglang", "version": "0.17.1", "modules": {"ziglang/__init__.py": ""}}]
JSON
rm -f "$T/port.fifo"
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1
# config OLD_ROOT: the 3.11 target (the host's interpreter as the
# fixture's "hostpy"), floor 2014 from the loopback ziglang
config() {
	cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": {"default": "2014", "zig": "ziglang==0.17.1"},
 "python": {"3.11": {"base": {"debian": {"suite": "trixie", "packages": ["hostpy"],
   "mirror": "http://127.0.0.1:$DPORT/m", "keyring": "keyring.gpg"}}}},
 "platforms": ["manylinux_x86_64"]$1}
JSON
}
TGT=cp311-manylinux_x86_64
config ""
rm -f "$P/pinwheel.lock"
run_pw 0 "lock: the default old root, 3.11.9's tarball not served" --store "$T/s" lock "$P"
is "$(lock_shape)" "$TGT debian-trixie-amd64 zig-x86_64-linux-gnu.2.17
$TGT-bullseye debian-bullseye-amd64 cpython-3.11-amd64
  pool/main/p/python3.11/python3.11_3.11.2.orig.tar.xz" \
	"the old root bullseye, with 3.11.2's tarball"
python3 -c 'import json, sys; l = json.load(open(sys.argv[1])); print(" ".join(next(y for y in l["roots"][sys.argv[2]]["layers"] if y["how"] == "cpython")["configure"]))' \
	"$P/pinwheel.lock" "$TGT-bullseye" >"$T/conf"
is "$(cat "$T/conf")" "--disable-test-modules OPT=-DNDEBUG -O1 py_cv_module__decimal=n/a py_cv_module__elementtree=n/a py_cv_module__multibytecodec=n/a py_cv_module__codecs_cn=n/a py_cv_module__codecs_hk=n/a py_cv_module__codecs_iso2022=n/a py_cv_module__codecs_jp=n/a py_cv_module__codecs_kr=n/a py_cv_module__codecs_tw=n/a" \
	"its interpreter is the slim build"
run_pw 0 "plan --json" --json plan "$P"
is "$(printf '%s' "$OUT" | python3 -c 'import json, sys; t = json.load(sys.stdin)[0]; print(t["old_root"], t["no_old_root"])')" \
	"bullseye None" "plan --json: the old root"

rm "$M/pool/main/p/python3.11/python3.11_3.11.2.orig.tar.xz" "$P/pinwheel.lock"
run_pw 0 "lock: no python3.11 tarball served: the default old root is dropped" --store "$T/s" lock "$P"
WHY="test.old_root.cpython ($TGT-bullseye): the mirror serves no upstream tarball of python3.11 (tried $U/python3.11/python3.11_3.11.9.orig.tar.xz (HTTP 404), $U/python3.11/python3.11_3.11.2.orig.tar.xz (HTTP 404); looked in trixie and the other suites it carries)"
is "$(printf '%s\n' "$ERR" | grep -v "^wrote ")" "pinwheel: warning: lock: $TGT: no old root bullseye: $WHY" \
	"one warning: the target, the package, every URL and its status"
is "$(lock_shape)" "$TGT debian-trixie-amd64 zig-x86_64-linux-gnu.2.17
no_old_root $TGT $WHY" "the lock has no old root and says why"
grep -q '"needed_by": \[[^]]*bullseye' "$P/pinwheel.lock"
ok $((!$?)) "no artifact is left for the dropped root"
run_pw 0 "lock --check: fresh, offline" lock --check "$P"
run_pw 0 "plan" plan "$P"
is "$OUT" "$TGT" "plan's stdout: the ids"
is "$ERR" "$TGT: no old root: $WHY" "plan says it from the lock"
run_pw 0 "plan --json" --json plan "$P"
is "$(printf '%s' "$OUT" | python3 -c 'import json, sys; t = json.load(sys.stdin)[0]; print(t["old_root"], t["no_old_root"])')" \
	"None $WHY" "plan --json: no old root, and why"

config ', "test": {"old_root": "bullseye"}'
run_pw 1 "lock: the same old root asked for fails" --store "$T/s" lock "$P"
is "$ERR" "pinwheel: lock: $WHY" "one line, the same reason"
config ', "test": {"old_root": false}'
run_pw 0 "lock: old_root false" --store "$T/s" lock "$P"
is "$(lock_shape)" "$TGT debian-trixie-amd64 zig-x86_64-linux-gnu.2.17" "no old root, nothing said"

# ---- zero config gets it too ----
Z="$T/zero"
mkdir -p "$Z"
printf '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "z"\nversion = "1"\nrequires-python = ">=3.13"\n' >"$Z/pyproject.toml"
run_pw 0 "plan --json of a zero-config project" --json plan "$Z"
is "$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(" ".join("%s:%s" % (t["id"], t["old_root"]) for t in json.load(sys.stdin)))')" \
	"cp313-manylinux_x86_64:bullseye cp314-manylinux_x86_64:bullseye" "every x86_64 floor target has the bullseye old root"
