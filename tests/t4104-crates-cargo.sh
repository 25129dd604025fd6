#!/bin/sh
# Where crates-io is comes from the target root's own cargo, never from
# pinwheel.  The root: Debian 12's cargo (the host's /usr/bin/cargo and its
# libraries, test only) with a stand-in rustc that replays the answers the
# host's rustc gave to cargo's target probes.  A loopback sparse registry
# stands in as crates-io through the project's [source.crates-io]
# replace-with.  `pinwheel lock` generates the missing Cargo.lock with that
# cargo and keeps it in pinwheel.lock (the crates layer's "generated"),
# never in the project; the root has it at /opt/pinwheel/generated; pins
# the crate with the URL from
# the registry's config.json and Cargo.lock's checksum; keeps the .crate
# cargo downloaded (fetch downloads nothing); relock and lock --check
# reuse the pins without running cargo; the root has the vendored crates
# and a /.cargo/config.toml its cargo builds from offline; a root without
# cargo and a registry that is down are one-line errors, nothing written.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
[ -x /usr/bin/cargo ] || skip_all "/usr/bin/cargo missing (Debian package cargo)"
[ -x /usr/bin/rustc ] || skip_all "/usr/bin/rustc missing (Debian package rustc)"
[ -x /bin/busybox ] || skip_all "/bin/busybox missing (Debian package busybox-static)"
plan 28
unset CARGO_HOME CARGO_HTTP_CAINFO SSL_CERT_FILE
export PINWHEEL_RETRY_BASE_MS=5 PINWHEEL_RETRIES=0
start_httpd

# The registry: one crate, its sparse index entry and config.json.
mkdir -p "$T/crates/tiny-0.1.0/src"
printf '[package]\nname = "tiny"\nversion = "0.1.0"\nedition = "2018"\n' \
	>"$T/crates/tiny-0.1.0/Cargo.toml"
echo 'pub fn v() -> u32 { 7 }' >"$T/crates/tiny-0.1.0/src/lib.rs"
tar -C "$T/crates" -czf "$WWW/tiny-0.1.0.crate" tiny-0.1.0
CK=$(sha_of tiny-0.1.0.crate)
CSIZE=$(stat -c %s "$WWW/tiny-0.1.0.crate")
printf '{"name":"tiny","vers":"0.1.0","deps":[],"cksum":"%s","features":{},"yanked":false}\n' \
	"$CK" >"$WWW/tiny"
printf '{"dl": "%s/ok/{crate}-{version}.crate"}\n' "$BASE" >"$WWW/config.json"

# The root: cargo, its libraries, busybox as /bin/sh, the stand-in rustc.
R="$T/root"
mkdir -p "$R/bin" "$R/usr/bin" "$R/opt/rustc"
for f in /usr/bin/cargo $(ldd /usr/bin/cargo | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
	cp -L --parents "$f" "$R" || break
done
cp /bin/busybox "$R/bin/busybox" && ln -s busybox "$R/bin/sh"
TYPES="--crate-type bin --crate-type rlib --crate-type dylib --crate-type cdylib --crate-type staticlib --crate-type proc-macro"
# shellcheck disable=SC2086
{
	/usr/bin/rustc -vV >"$R/opt/rustc/vv" &&
		/usr/bin/rustc - --crate-name ___ --print=file-names $TYPES --print=sysroot --print=cfg \
			</dev/null >"$R/opt/rustc/print" 2>/dev/null
	/usr/bin/rustc - --crate-name ___ --print=file-names $TYPES -Csplit-debuginfo=packed \
		</dev/null >"$R/opt/rustc/split" 2>"$R/opt/rustc/split.err"
	echo $? >"$R/opt/rustc/split.rc"
}
cat >"$R/usr/bin/rustc" <<'EOS'
#!/bin/sh
# replays what the host's rustc answered to cargo's probes
case "$*" in
-vV) exec /bin/busybox cat /opt/rustc/vv ;;
*--print=sysroot*) exec /bin/busybox cat /opt/rustc/print ;;
*) /bin/busybox cat /opt/rustc/split; /bin/busybox cat /opt/rustc/split.err >&2
   exit "$(/bin/busybox cat /opt/rustc/split.rc)" ;;
esac
EOS
chmod 755 "$R/usr/bin/rustc"
tar -C "$R" -cf "$T/cargo-root.tar" .
ok $? "packed a root with Debian 12's cargo"

P="$T/p" S="$T/store" TGT=cp311-manylinux_x86_64
mkdir -p "$P/src" "$P/.cargo"
printf '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2018"\n\n[dependencies]\ntiny = "0.1"\n' \
	>"$P/Cargo.toml"
echo 'pub fn w() -> u32 { tiny::v() }' >"$P/src/lib.rs"
mirror() { printf '[source.crates-io]\nreplace-with = "mirror"\n\n[source.mirror]\nregistry = "sparse+%s/"\n' "$1" \
	>"$P/.cargo/config.toml"; }
mirror "$BASE/ok/index"
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/cargo-root.tar"}]}}},
 "platforms": ["manylinux_x86_64"],
 "crates": {"cargo_lock": "Cargo.lock"}}
JSON

run_pw 0 "lock runs the root's cargo" --store "$S" lock "$P"
like "$ERR" "crates: 'Cargo\\.lock' did not exist: generated it with the cargo of $TGT's root, kept in pinwheel\\.lock \\(the project is left as it is\\)" \
	"and says where the generated Cargo.lock went"
ok $([ ! -e "$P/Cargo.lock" ] && echo 0 || echo 1) "nothing written into the project"
"$PY" - "$P/pinwheel.lock" >"$T/gen" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
for root in d["roots"].values():
    for l in root["layers"]:
        if "generated" in l:
            print(l["generated"]["path"])
            sys.stdout.write(l["generated"]["text"])
EOP
is "$(sed -n 1p "$T/gen")" "Cargo.lock" "the crates layer keeps the generated Cargo.lock"
grep -q "^checksum = \"$CK\"" "$T/gen"
ok $? "it has the crate's checksum"
is "$(grep -c '^name = ' "$T/gen")" "2" "and the app and the crate"
"$PY" - "$P/pinwheel.lock" >"$T/shape" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
for a in d["artifacts"]:
    if a["kind"] == "crate":
        print(a["name"], a["version"], a["urls"][0], a["sha256"], a["size"])
for t, root in d["roots"].items():
    print(t, [(l["name"], l["how"], l["dest"]) for l in root["layers"]])
EOP
is "$(sed -n 1p "$T/shape")" "tiny 0.1.0 $BASE/ok/tiny-0.1.0.crate $CK $CSIZE" \
	"the crate pinned: the registry's download URL, Cargo.lock's checksum, the size"
is "$(sed -n 2p "$T/shape")" \
	"$TGT [('cargo-root.tar', 'unpack', '/'), ('crates', 'cargo-vendor', '/opt/pinwheel/crates')]" \
	"a cargo-vendor layer over the base"
ok $([ -f "$S/blobs/sha256/$CK" ] && echo 0 || echo 1) "the .crate cargo downloaded is in the store"
is "$(requests 'GET /ok/tiny-0.1.0.crate')" "1" "downloaded once (by cargo)"
is "$(requests 'GET /ok/index/config.json')" "2" "cargo read config.json (generate-lockfile, fetch)"

cp "$P/pinwheel.lock" "$T/lock1"
n0=$(requests 'GET ')
run_pw 0 "relock" --store "$S" lock "$P"
ok $(cmp -s "$P/pinwheel.lock" "$T/lock1" && echo 0 || echo 1) "gives the same bytes"
run_pw 0 "lock --check is fresh" --store "$S" lock --check "$P"
run_pw 0 "fetch builds the root" --store "$S" fetch "$P"
is "$(requests 'GET ')" "$n0" "relock, check and fetch made no request (no cargo run, no download)"

mkdir -p "$T/copy/src"
cp "$P/Cargo.toml" "$T/copy" && cp "$P/src/lib.rs" "$T/copy/src"
run_pw 0 "the vendored crate is in the root" --store "$S" run --target "$TGT" "$P" -- \
	/bin/busybox cat /opt/pinwheel/crates/tiny-0.1.0/src/lib.rs
is "$OUT" "pub fn v() -> u32 { 7 }" "at /opt/pinwheel/crates"
run_pw 0 "the generated Cargo.lock is in the root" --store "$S" run --target "$TGT" "$P" -- \
	/bin/busybox cat /opt/pinwheel/generated/Cargo.lock
is "$OUT" "$(sed 1d "$T/gen")" "at /opt/pinwheel/generated, as pinwheel.lock has it"
run_pw 0 "the root's cargo resolves the project offline from the vendored crates" \
	--store "$S" run --target "$TGT" --ro-bind "$T/copy:/tmp/src" "$P" -- \
	/bin/sh -c 'cp -r /tmp/src /tmp/b && cp /opt/pinwheel/generated/Cargo.lock /tmp/b/ &&
		cd /tmp/b && cargo fetch --offline --locked 2>&1 &&
		cargo metadata --offline --locked --format-version 1 >/tmp/m && grep -o "/opt/pinwheel/crates/tiny-0.1.0/Cargo.toml" /tmp/m'
like "$OUT" "/opt/pinwheel/crates/tiny-0\\.1\\.0/Cargo\\.toml" "through the root's /.cargo/config.toml"

# A registry that is down: cargo's error in one line, no lock written.
rm -f "$P/pinwheel.lock"
chmod -R u+w "$S" && rm -rf "$S"
mirror "http://127.0.0.1:1/index"
run_pw 1 "a registry that is down fails the lock" --store "$S" lock "$P"
like "$ERR" "crates: generating Cargo\\.lock in the root of $TGT: cargo exited with status 101: error: failed to get .tiny. as a dependency" \
	"one line naming the step and cargo's error (the lock is generated again: the old pinwheel.lock is gone)"
ok $([ ! -e "$P/pinwheel.lock" ] && echo 0 || echo 1) "no lock written"

# A root without cargo.
mkdir -p "$T/bare/bin" && cp /bin/busybox "$T/bare/bin/busybox" && tar -C "$T/bare" -cf "$T/bare.tar" .
sed "s|cargo-root.tar|bare.tar|" "$P/pinwheel.json" >"$T/j" && mv "$T/j" "$P/pinwheel.json"
run_pw 1 "a root without cargo fails the lock" --store "$S" lock "$P"
like "$ERR" "crates: the root of $TGT has no cargo \\(add cargo to its base packages\\)" "saying so"
