#!/bin/sh
# A full target root end to end through the CLI: a Python base (an archive:
# the host's python3.11 + pip, test only), build_requires locked by the
# root's own pip against a loopback PEP 503 index (wheels + a pypi-install
# layer in the lock), fetch builds the layer, run --target imports the
# package and sees the vendored crates (a cargo-vendor layer from a loopback
# sparse registry), a warm fetch makes no requests, lock --check is fresh offline,
# relocking gives the same bytes, a pip failure at lock is one line, the wheels
# are downloaded once at lock (pip's own download is kept), a relock keeps
# the PyPI pins while the index moves and --upgrade takes the newer wheel.
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip' 2>/dev/null || skip_all "python3-pip not installed"
plan 30

# The base: python3.11, its stdlib, pip and the libraries they load.
LIBS=$( (ldd /usr/bin/python3.11; for f in /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f"; done) |
	awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u)
# shellcheck disable=SC2086
tar -chf "$T/py.tar" --exclude=__pycache__ --exclude=test --exclude=tests --exclude=idlelib \
	--exclude=tkinter --exclude=ensurepip --exclude=lib2to3 --exclude=pydoc_data \
	/usr/bin/python3.11 /usr/lib/python3.11 /usr/lib/python3/dist-packages/pip $LIBS 2>/dev/null
ok $? "packed the test base"

cat >"$T/spec.json" <<'JSON'
[{"name": "foo", "version": "1.0", "requires": ["bar>=1.0"],
  "modules": {"foo/__init__.py": "import bar\nVALUE = 'foo' + bar.VALUE\n"}},
 {"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = '-bar1.0'\n"}},
 {"name": "bar", "version": "1.1", "modules": {"bar.py": "VALUE = '-bar1.1'\n"}}]
JSON
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1

# A crate from a loopback sparse registry (its config.json names the files).
unset CARGO_HOME
mkdir -p "$T/crates/tiny-0.1.0/src" "$T/www/crates"
printf '[package]\nname = "tiny"\nversion = "0.1.0"\n' >"$T/crates/tiny-0.1.0/Cargo.toml"
echo 'pub fn v() {}' >"$T/crates/tiny-0.1.0/src/lib.rs"
tar -C "$T/crates" -czf "$T/www/crates/tiny-0.1.0.crate" tiny-0.1.0
CK=$(sha256sum "$T/www/crates/tiny-0.1.0.crate" | cut -d' ' -f1)
printf '{"dl": "http://127.0.0.1:%s/crates/{crate}-{version}.crate"}\n' "$PORT" \
	>"$T/www/crates/config.json"

P="$T/proj" S="$T/store" TGT=cp311-manylinux_x86_64
mkdir -p "$P"
cat >"$P/Cargo.lock" <<EOT
version = 4

[[package]]
name = "tiny"
version = "0.1.0"
source = "sparse+http://127.0.0.1:$PORT/crates/"
checksum = "$CK"
EOT
config() { # config PINS
	cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"],
 "build_requires": [$1],
 "crates": {"cargo_lock": "Cargo.lock"}}
JSON
}
config '"foo==1.0"'

run_pw 0 "lock runs the root's pip" --store "$S" lock "$P"
python3 - "$P/pinwheel.lock" >"$T/shape" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(sorted((a["kind"], a["name"], a.get("version")) for a in d["artifacts"]))
for t, r in d["roots"].items():
    print(t, [(l["name"], l["how"], l["dest"], len(l["artifacts"])) for l in r["layers"]])
PY
is "$(sed -n 1p "$T/shape")" "[('archive', 'py.tar', None), ('crate', 'tiny', '0.1.0'), ('wheel', 'bar', '1.1'), ('wheel', 'foo', '1.0')]" \
	"the lock has the base and both wheels (bar is transitive)"
is "$(sed -n 2p "$T/shape")" \
	"$TGT [('py.tar', 'unpack', '/', 1), ('build-requires', 'pypi-install', '/', 2), ('crates', 'cargo-vendor', '/opt/pinwheel/crates', 1)]" \
	"a pypi-install layer over the base, then the vendored crates"
grep -q "\"sha256\": \"$(sha256sum "$T/www/files/foo-1.0-py3-none-any.whl" | cut -d' ' -f1)\"" \
	"$P/pinwheel.lock"
ok $? "the wheel's sha256 is the index's"
is "$(grep -c 'GET /files/foo-1.0-py3-none-any.whl' "$T/server.log")" 1 \
	"the wheel was downloaded once: what pip downloaded is kept in the store"
cp "$P/pinwheel.lock" "$T/lock1"

run_pw 0 "lock --check is fresh (offline: the prior pins)" --store "$S" lock --check "$P"
run_pw 0 "relock" --store "$S" lock "$P"
cmp -s "$P/pinwheel.lock" "$T/lock1"
ok $? "relocking gives the same bytes"

run_pw 0 "fetch builds the root" --store "$S" fetch "$P"
like "$OUT" "^$TGT  root [0-9a-f]{64}$" "one root id"
ROOT1=$OUT
run_pw 0 "run --target imports the locked package" --store "$S" run --target "$TGT" "$P" -- \
	python3.11 -c 'import foo; print(foo.VALUE)'
is "$OUT" "foo-bar1.1" "the root's python sees the installed wheels"
run_pw 0 "where the package is" --store "$S" run --target "$TGT" "$P" -- \
	python3.11 -c 'import foo, sys; print(foo.__file__.startswith("/usr/local/lib/python3.11/"))'
is "$OUT" "True" "installed in the root python's default scheme"
run_pw 0 "the vendored crates are in the root" --store "$S" run --target "$TGT" "$P" -- \
	python3.11 -c 'import os; print(open("/opt/pinwheel/crates/tiny-0.1.0/src/lib.rs").read().strip())'
is "$OUT" "pub fn v() {}" "at /opt/pinwheel/crates"

N1=$(wc -l <"$T/server.log")
run_pw 0 "warm fetch" --store "$S" fetch "$P"
is "$OUT" "$ROOT1" "same root id"
is "$(wc -l <"$T/server.log")" "$N1" "no requests"
run_pw 0 "warm fetch --offline" --store "$S" fetch --offline "$P"

config '"nosuch==1.0"'
run_pw 1 "a pin the index lacks fails the lock" --store "$S" lock "$P"
like "$ERR" "build_requires.*$TGT" "one line naming the field and the target"
like "$ERR" "pip exited with status 1: ERROR: No matching distribution found for nosuch==1\\.0$" \
	"pip's reason quoted"
cmp -s "$P/pinwheel.lock" "$T/lock1"
ok $? "the lock is untouched"

# The PyPI pins are kept while build_requires (and the base) are unchanged:
# a newer bar on the index does not move a relock; --upgrade takes it.
config '"foo==1.0"'
python3 - "$T/spec.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s.append({"name": "bar", "version": "1.2", "modules": {"bar.py": "VALUE = '-bar1.2'\n"}})
json.dump(s, open(sys.argv[1], "w"))
PY
python3 "$SRCDIR/tests/helpers/pypi_index.py" build "$T/www" "$T/spec.json"
N2=$(wc -l <"$T/server.log")
run_pw 0 "relock with a newer bar on the index" --store "$S" lock "$P"
cmp -s "$P/pinwheel.lock" "$T/lock1"
ok $? "keeps the pins (same bytes)"
is "$(wc -l <"$T/server.log")" "$N2" "without asking the index"
run_pw 0 "lock --upgrade" --store "$S" lock --upgrade "$P"
grep -q '"version": "1.2"' "$P/pinwheel.lock"
ok $? "resolves again and takes bar 1.2"
