#!/bin/sh
# `pinwheel lock` with "crates": one "crate" artifact per registry crate of
# the project's Cargo.lock (version, url from the registry's config.json,
# sha256 from the lock, size from the download) and a "cargo-vendor" layer;
# a relock reuses the pins without the network; a missing Cargo.lock and a
# crate whose bytes differ from the lock are errors naming them; a
# registry+ source (crates-io's) needs the target root's cargo (t4104).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 16
export PINWHEEL_RETRY_BASE_MS=5 PINWHEEL_RETRIES=0
unset CARGO_HOME # only the project's cargo configuration
start_httpd

mkdir -p "$T/crates/tiny-0.1.0/src" "$T/p"
printf '[package]\nname = "tiny"\nversion = "0.1.0"\n' >"$T/crates/tiny-0.1.0/Cargo.toml"
echo 'pub fn v() {}' >"$T/crates/tiny-0.1.0/src/lib.rs"
tar -C "$T/crates" -czf "$WWW/tiny-0.1.0.crate" tiny-0.1.0
CK=$(sha_of tiny-0.1.0.crate)
CSIZE=$(stat -c %s "$WWW/tiny-0.1.0.crate")
printf '{"dl": "%s/ok/{crate}-{version}.crate"}\n' "$BASE" >"$WWW/config.json"
mkdir -p "$T/py" && printf 'fake python\n' >"$T/py/python" && tar -C "$T/py" -czf "$WWW/py.tar.gz" python
cat >"$T/p/pinwheel.json" <<JSON
{
  "version": 1, "manylinux": "native",
  "python": {"3.13": {"base": {"archive": {"name": "cpython", "url": "$BASE/ok/py.tar.gz"}}}},
  "platforms": ["manylinux_x86_64"],
  "crates": {"cargo_lock": "rust/Cargo.lock"}
}
JSON

run_pw 1 "a missing Cargo.lock" lock "$T/p"
like "$ERR" "crates: 'rust/Cargo.lock'.*No such file or directory" "is an error naming the field and file"

mkdir -p "$T/p/rust"
cat >"$T/p/rust/Cargo.lock" <<EOT
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["tiny"]

[[package]]
name = "tiny"
version = "0.1.0"
source = "sparse+$BASE/ok/"
checksum = "$CK"
EOT
run_pw 0 "lock with crates" lock "$T/p"
L="$T/p/pinwheel.lock"
"$PY" - "$L" >"$T/shape" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
for a in d["artifacts"]:
    if a["kind"] == "crate":
        print(a["name"], a["version"], a["urls"][0].split("/")[-1], a["sha256"], a["size"])
for t, root in d["roots"].items():
    for l in root["layers"]:
        if l.get("how") == "cargo-vendor":
            print(t, l["name"], l["dest"], " ".join(l["artifacts"]))
EOP
is "$(sed -n 1p "$T/shape")" "tiny 0.1.0 tiny-0.1.0.crate $CK $CSIZE" "one crate artifact: name, version, url, sha256, size"
is "$(sed -n 2p "$T/shape")" "cp313-manylinux_x86_64 crates /opt/pinwheel/crates $CK" "and a cargo-vendor layer in the target's root"
is "$(sed -n 3p "$T/shape")" "" "the app itself is not an artifact"
is "$(requests 'GET /ok/config.json') $(requests 'GET /ok/tiny-0.1.0.crate')" "1 1" "config.json and the crate fetched once"
ok $([ -f "$PINWHEEL_STORE/blobs/sha256/$CK" ] && echo 0 || echo 1) "the crate is in the store"

cp "$L" "$T/lock.1"
n0=$(requests 'GET ')
run_pw 0 "relock" lock "$T/p"
is "$(requests 'GET ')" "$n0" "reuses the pins without the network"
ok $(cmp -s "$L" "$T/lock.1" && echo 0 || echo 1) "and writes the same bytes"

# a crate whose bytes differ from Cargo.lock's checksum
rm -f "$L"
rm -rf "$PINWHEEL_STORE/blobs/sha256/$CK"
echo 'pub fn v() { evil() }' >"$T/crates/tiny-0.1.0/src/lib.rs"
tar -C "$T/crates" -czf "$WWW/tiny-0.1.0.crate" tiny-0.1.0
GOT=$(sha_of tiny-0.1.0.crate)
run_pw 1 "a tampered crate fails the lock" lock "$T/p"
like "$ERR" "crates: crate .*tiny 0\\.1\\.0.*sha256 mismatch: expected $CK, got $GOT" "naming the crate, expected and actual checksum"

# A registry+ source line (crates-io's) is located by the target root's
# own cargo (t4104), even when the project's .cargo/config.toml replaces
# crates-io: pinwheel composes the root to run it, and this root has none.
mkcrate_again() {
	echo 'pub fn v() {}' >"$T/crates/tiny-0.1.0/src/lib.rs"
	tar -C "$T/crates" -czf "$WWW/tiny-0.1.0.crate" tiny-0.1.0
}
mkcrate_again
CK=$(sha_of tiny-0.1.0.crate)
sed -e "s|^source = .*|source = \"registry+https://mirror.example/git-index\"|" \
	-e "s|^checksum = .*|checksum = \"$CK\"|" "$T/p/rust/Cargo.lock" >"$T/l" && mv "$T/l" "$T/p/rust/Cargo.lock"
mkdir -p "$T/p/.cargo"
printf '[source.crates-io]\nreplace-with = "mirror"\n\n[source.mirror]\nregistry = "sparse+%s/ok/"\n' "$BASE" >"$T/p/.cargo/config.toml"
rm -f "$L"
n0=$(requests 'GET /ok/tiny')
run_pw 1 "a registry+ source needs the root's cargo" lock "$T/p"
like "$ERR" "crates: the root of cp313-manylinux_x86_64 has no cargo" \
	"the error names the field and the root without cargo"
is "$(requests 'GET /ok/tiny')$([ -e "$L" ] && echo " lock")" "$n0" "nothing downloaded by pinwheel itself, no lock"
