#!/bin/sh
# OCI images as base roots: lock by tag through the loopback registry's
# bearer-token flow, per-platform manifests from the image index, the image
# facts in the lock, relock keeping pins while the reference is unchanged,
# --upgrade moving them, lock by digest, and fetch of the blobs with the
# token (which a redirect to blob storage on another port never receives).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/ocilib.sh"
plan 42

mkdir -p "$T/l1/etc" "$T/l2/usr" "$T/l3"
echo one >"$T/l1/etc/one"
echo two >"$T/l2/usr/two"
echo three >"$T/l3/three"
mkimage "$T/img" --tag v1 --platform linux/amd64 --platform linux/arm64/v8 \
	--layer "$T/l1" --layer "$T/l2:zst" --layer "$T/l3:tar" || { echo "Bail out! mkimage"; exit 1; }
L1=${LAYERS%% *}
start_registry "$T/img"
P="$T/p"
oci_project "$P" "$REG/test/img:v1" manylinux_x86_64 manylinux_aarch64

run_pw 0 "lock by tag through the token flow" lock "$P"
LOCK="$P/pinwheel.lock"
is "$(reqs "^reg GET /token\?service=pinwheel-test&scope=repository%3Atest%2Fimg%3Apull -$")" 2 \
	"a token asked once per target, for repository:test/img:pull, anonymously"
is "$(reqs '^reg GET /v2/test/img/manifests/v1 bearer$')" 2 "the tag is asked again with the token"
is "$(reqs '^reg GET /v2/test/img/manifests/v1 -$')" 2 "the first ask is anonymous (401)"

q() { "$PY" -c "import json,sys; l=json.load(open('$LOCK')); print($1)"; }
is "$(q "l['roots']['cp313-manylinux_x86_64']['layers'][0]['how']")" oci-image "one layer, how oci-image"
is "$(q "l['roots']['cp313-manylinux_x86_64']['layers'][0]['name']")" oci-test/img "named after the repository"
is "$(q "l['roots']['cp313-manylinux_x86_64']['layers'][0]['oci']['reference']")" "$REG/test/img:v1" \
	"the reference as given"
is "$(q "l['roots']['cp313-manylinux_x86_64']['layers'][0]['oci']['index']")" "$INDEX" "the index digest"
is "$(q "l['roots']['cp313-manylinux_x86_64']['layers'][0]['oci']['manifest']")" "$MANIFEST" \
	"the amd64 manifest digest"
is "$(q "l['roots']['cp313-manylinux_x86_64']['layers'][0]['oci']['platform']")" linux/amd64 "platform amd64"
is "$(q "l['roots']['cp313-manylinux_aarch64']['layers'][0]['oci']['platform']")" linux/arm64/v8 \
	"platform arm64/v8 for the aarch64 target"
AM=$(q "l['roots']['cp313-manylinux_aarch64']['layers'][0]['oci']['manifest']")
ok $([ "$AM" != "$MANIFEST" ] && echo 0 || echo 1) "the aarch64 target has its own manifest"
is "$(q "' '.join(l['roots']['cp313-manylinux_x86_64']['layers'][0]['artifacts'])")" \
	"$(echo "$CONFIG $LAYERS" | sed 's/sha256://g')" "artifacts: the config, then the layers bottom first"
is "$(q "sorted(a['kind'] for a in l['artifacts'])")" \
	"['oci-config', 'oci-config', 'oci-layer', 'oci-layer', 'oci-layer']" \
	"two configs (one per platform), three shared layers"
is "$(q "[a['urls'][0] for a in l['artifacts'] if a['sha256'] == '${L1#sha256:}'][0]")" \
	"http://$REG/v2/test/img/blobs/$L1" "a layer's url is the registry's blob endpoint"
run_cmd 0 "the lock matches its JSON Schema" "$PY" -c "
import json, jsonschema
jsonschema.validate(json.load(open('$LOCK')), json.load(open('$SRCDIR/profiles/schema/pinwheel.lock.schema.json')))"
cp "$LOCK" "$T/lock.1"

# The tag moves: a relock keeps the pins, --upgrade takes the new image.
echo changed >"$T/l3/three"
mkimage "$T/img" --tag v1 --platform linux/amd64 --platform linux/arm64/v8 \
	--layer "$T/l1" --layer "$T/l2:zst" --layer "$T/l3:tar"
: >"$RLOG"
run_pw 0 "relock with the tag moved" lock "$P"
run_cmd 0 "the lock is unchanged" cmp "$T/lock.1" "$LOCK"
is "$(reqs .)" 0 "the registry was not asked"
run_pw 0 "lock --check agrees offline" lock --check "$P"
run_pw 0 "lock --upgrade re-resolves the tag" lock --upgrade "$P"
is "$(q "l['roots']['cp313-manylinux_x86_64']['layers'][0]['oci']['manifest']")" "$MANIFEST" \
	"the new manifest is pinned"

# By digest: the index digest pins the same manifests.
oci_project "$T/d" "$REG/test/img@$INDEX" manylinux_x86_64
run_pw 0 "lock by index digest" lock "$T/d"
is "$("$PY" -c "import json; l=json.load(open('$T/d/pinwheel.lock')); print(l['roots']['cp313-manylinux_x86_64']['layers'][0]['oci']['manifest'])")" \
	"$MANIFEST" "the same manifest as by tag"

# Fetch: the blobs with the pull token; redirected blobs get no token.
: >"$RLOG"
run_pw 0 "fetch the blobs" fetch "$T/d"
is "$(reqs '^reg GET /v2/test/img/blobs/sha256:[0-9a-f]+ bearer$')" 4 "four blobs asked with the token"
is "$(blobs_in_store)" 4 "config and layers in the store"
like "$OUT" "^cp313-manylinux_x86_64  root [0-9a-f]{64}$" "the root is built from the image"
run_pw 0 "a second fetch needs nothing" fetch "$T/d"
rm -rf "$PINWHEEL_STORE"
touch "$CTL/redirect"
: >"$RLOG"
run_pw 0 "fetch through redirects to blob storage" fetch "$T/d"
is "$(reqs '^blob GET /blob/sha256:[0-9a-f]+ -$')" 4 "blob storage got every blob, without Authorization"
is "$(reqs '^blob .* bearer$')" 0 "the bearer token never went to the other port"
is "$(blobs_in_store)" 4 "all stored"

# A token that expires during the fetch is renewed
rm -rf "$PINWHEEL_STORE" "$CTL/redirect"
echo 2 >"$CTL/expire-after"
: >"$RLOG"
run_pw 0 "fetch with tokens that expire after two blobs" fetch --jobs 1 "$T/d"
# (blobs 1-2 on the first token; 3 is refused, renewed, retried; 4 still
# carries the first token: refused, retried with the token 3 got)
is "$(reqs '^reg GET /token')" 2 "one new token for the repository"
is "$(reqs '^reg GET /v2/test/img/blobs/.* bearer$')" 6 "each refused blob asked again, once"
is "$(blobs_in_store)" 4 "all stored"
rm "$CTL/expire-after"

# Docker's media types (manifest list, v2 manifest) work the same way
mkimage "$T/dimg" --tag v1 --platform linux/amd64 --platform linux/arm64 --layer "$T/l1" --docker-types
kill "$BG_PID" 2>/dev/null
start_registry "$T/dimg"
oci_project "$T/dk" "$REG/test/dimg:v1" manylinux_aarch64
run_pw 0 "lock an image with Docker media types" lock "$T/dk"
is "$("$PY" -c "import json; o=json.load(open('$T/dk/pinwheel.lock'))['roots']['cp313-manylinux_aarch64']['layers'][0]['oci']; print(o['index'], o['platform'])")" \
	"$INDEX linux/arm64" "the manifest list is narrowed to arm64 (no variant in the list)"
is "$(reqs '^reg GET /v2/test/dimg/manifests/sha256:[0-9a-f]{64} bearer$')" 1 "the arm64 manifest is asked by digest"

# An attestation entry (unknown/unknown) is skipped; a lying
# Docker-Content-Digest header changes nothing (the body is hashed)
mkimage "$T/aimg" --tag v1 --platform linux/amd64 --layer "$T/l1" --attestation
kill "$BG_PID" 2>/dev/null
start_registry "$T/aimg"
touch "$CTL/wrong-dcd"
oci_project "$T/at" "$REG/test/aimg:v1" manylinux_x86_64
run_pw 0 "lock past an attestation entry, with a wrong Docker-Content-Digest" lock "$T/at"
is "$("$PY" -c "import json; o=json.load(open('$T/at/pinwheel.lock'))['roots']['cp313-manylinux_x86_64']['layers'][0]['oci']; print(o['index'], o['manifest'])")" \
	"$INDEX $MANIFEST" "the digests of the bodies are pinned"
