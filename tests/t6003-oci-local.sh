#!/bin/sh
# Local image sources for air-gapped users: an OCI image layout directory
# (by tag, by digest, or its index.json alone; relative to the project)
# with file: urls, and a `docker save` archive whose blobs `fetch` copies
# from the archive into the store (docker-archive: urls).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/ocilib.sh"
plan 33

P="$T/p"
mkdir -p "$T/l1/etc" "$T/l2"
echo one >"$T/l1/etc/one"
echo two >"$T/l2/two"
mkimage "$P/img" --tag v2 --platform linux/amd64 --platform linux/arm64/v8 \
	--layer "$T/l1:tar" --layer "$T/l2:tar" \
	--docker-save "$T/img.tar" --repotag registry.example/test/img:v2 ||
	{ echo "Bail out! mkimage"; exit 1; }
L1=${LAYERS%% *}

q() { "$PY" -c "import json,sys; l=json.load(open('$P/pinwheel.lock')); print($1)"; }
FACT="l['roots']['cp313-manylinux_x86_64']['layers'][0]['oci']"

oci_project "$P" "oci-layout:img:v2" manylinux_x86_64 manylinux_aarch64
run_pw 0 "lock a layout by tag (relative to the project)" lock "$P"
is "$(q "$FACT['index']")" "$INDEX" "the tagged index is pinned"
is "$(q "$FACT['manifest']")" "$MANIFEST" "and the amd64 manifest"
is "$(q "[a['urls'][0] for a in l['artifacts'] if a['sha256'] == '${L1#sha256:}'][0]")" \
	"file://$P/img/blobs/sha256/${L1#sha256:}" "blob urls point into the layout"
cp "$P/pinwheel.lock" "$T/lock.rel"
rm "$P/pinwheel.lock"
cd "$P" || exit 1
run_pw 0 "lock in the project directory (DIR defaults to .)" lock --upgrade
cd "$T" || exit 1
run_cmd 0 "the same lock: the layout path made absolute" cmp "$T/lock.rel" "$P/pinwheel.lock"
run_pw 0 "fetch from the layout" fetch "$P"
like "$ERR" "^4 artifacts present \(0 already in the store" "a config per platform and the two layers"
run_cmd 0 "the layer blob is the layout's" cmp "$P/img/blobs/sha256/${L1#sha256:}" \
	"$PINWHEEL_STORE/blobs/sha256/${L1#sha256:}"

oci_project "$P" "oci-layout:$P/img@$MANIFEST" manylinux_x86_64
run_pw 0 "lock a layout by manifest digest" lock "$P"
is "$(q "$FACT.get('index')")" None "no index when a manifest is named"
is "$(q "$FACT['manifest']")" "$MANIFEST" "the manifest is pinned"

oci_project "$P" "oci-layout:$P/img" manylinux_aarch64
run_pw 1 "a layout without a tag: its index.json names an index, not manifests" lock "$P"
like "$ERR" "oci-layout:$P/img: the image index has no manifest for linux/arm64/v8 \(it has: none\)" \
	"index.json is searched for the platform"

oci_project "$P" "oci-layout:$P/img:nosuch" manylinux_x86_64
run_pw 1 "an unknown tag" lock "$P"
like "$ERR" "oci-layout:$P/img:nosuch: no manifest tagged 'nosuch' in '$P/img/index.json'" \
	"the error names the tag and index.json"
oci_project "$P" "oci-layout:$T/nothere:v1" manylinux_x86_64
run_pw 1 "not a layout" lock "$P"
like "$ERR" "not an OCI image layout: oci-layout:$T/nothere:v1: could not open '$T/nothere/oci-layout'" \
	"the error names the missing oci-layout file"

# docker save archives
rm -rf "$PINWHEEL_STORE"
oci_project "$P" "docker-archive:$T/img.tar:registry.example/test/img:v2" manylinux_x86_64
run_pw 0 "lock a docker save archive by name and tag" lock "$P"
like "$(q "$FACT['manifest']")" "^sha256:[0-9a-f]{64}$" "a (synthesized) manifest digest is pinned"
is "$(q "$FACT['platform']")" linux/amd64 "the platform from the config"
is "$(q "' '.join(l['roots']['cp313-manylinux_x86_64']['layers'][0]['artifacts'][1:])")" \
	"$(echo "$LAYERS" | sed 's/sha256://g')" "the layers are the tars' digests"
like "$(q "[a['urls'][0] for a in l['artifacts'] if a['sha256'] == '${L1#sha256:}'][0]")" \
	"^docker-archive:$T/img.tar#[0-9a-f]{64}/layer.tar$" "urls name the archive member"
cp "$P/pinwheel.lock" "$T/lock.1"
run_pw 0 "lock again: the same bytes" lock --upgrade "$P"
run_cmd 0 "the synthesized manifest is stable" cmp "$T/lock.1" "$P/pinwheel.lock"
run_pw 0 "fetch copies the blobs out of the archive" fetch "$P"
like "$ERR" "^3 artifacts present" "config and two layers"
is "$(blobs_in_store)" 3 "three blobs stored"

oci_project "$P" "docker-archive:$T/img.tar:registry.example/test/img:v9" manylinux_x86_64
run_pw 1 "a tag the archive lacks" lock "$P"
like "$ERR" "no image tagged so in the archive \(it has: registry.example/test/img:v2\)" \
	"the error lists the tags the archive has"

# The archive changed after the lock: a member no longer matches its pin
cp "$T/lock.1" "$P/pinwheel.lock"
rm -rf "$PINWHEEL_STORE"
"$PY" - "$T/img.tar" <<'PYEOF'
import io, sys, tarfile
src = open(sys.argv[1], "rb").read()
out = io.BytesIO()
with tarfile.open(fileobj=io.BytesIO(src)) as i, tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as o:
    for m in i.getmembers():
        data = i.extractfile(m).read() if m.isreg() else None
        if m.name.endswith("/layer.tar"):
            data = bytes([data[0] ^ 1]) + data[1:]
        o.addfile(m, io.BytesIO(data) if data is not None else None)
open(sys.argv[1], "wb").write(out.getvalue())
PYEOF
run_pw 1 "fetch from a changed archive fails" fetch "$P"
like "$ERR" "^pinwheel: fetch: could not fetch 'img.tar@sha256:[0-9a-f]{12}': docker-archive:$T/img.tar#[0-9a-f]{64}/layer.tar: sha256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}$" \
	"the error names the archive member and the mismatch"
run_cmd 1 "the changed layer is not stored" test -e "$PINWHEEL_STORE/blobs/sha256/${L1#sha256:}"
