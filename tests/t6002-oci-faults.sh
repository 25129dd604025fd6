#!/bin/sh
# OCI registry faults, each a clear one-line error with nothing written or
# stored: a token endpoint that refuses (401), credentials from the docker
# config, an index without the target's platform, a single-platform image
# for another platform, a manifest whose bytes do not match its digest, a
# tampered layer blob and a missing one at fetch, a reference without a
# registry.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/ocilib.sh"
plan 36

mkdir -p "$T/l1" "$T/l2"
echo one >"$T/l1/one"
echo two >"$T/l2/two"
mkimage "$T/img" --tag v1 --platform linux/amd64 --layer "$T/l1" --layer "$T/l2:zst" ||
	{ echo "Bail out! mkimage"; exit 1; }
start_registry "$T/img"
P="$T/p"
oci_project "$P" "$REG/test/img:v1" manylinux_x86_64

# 401: the token endpoint refuses anonymous pulls
touch "$CTL/refuse-token"
run_pw 1 "a refused token fails the lock" lock "$P"
is "$ERR" "pinwheel: lock: python.3.13.base.oci (cp313-manylinux_x86_64): $REG/test/img:v1: the token endpoint 'http://$REG/token' refused: HTTP 401 (anonymous)" \
	"one line naming the field, reference, token endpoint and status"
run_cmd 1 "no lock written" test -e "$P/pinwheel.lock"
rm "$CTL/refuse-token"

# Credentials: only Basic dXNlcjpwdw== (user:pw) gets a token
printf 'dXNlcjpwdw==' >"$CTL/basic"
run_pw 1 "without credentials the token is refused" lock "$P"
like "$ERR" "refused: HTTP 401 \(anonymous\)$" "the error says the pull was anonymous"
mkdir -p "$HOME/.docker"
printf '{"auths": {"%s": {"auth": "d3Jvbmc6cHc="}}}\n' "$REG" >"$HOME/.docker/config.json"
run_pw 1 "wrong credentials are refused" lock "$P"
like "$ERR" "refused: HTTP 401 \(with the docker config's credentials\)$" "the error says credentials were sent"
mkdir -p "$T/dc"
printf '{"auths": {"http://%s/v1/": {"auth": "dXNlcjpwdw=="}}}\n' "$REG" >"$T/dc/config.json"
: >"$RLOG"
DOCKER_CONFIG="$T/dc" run_pw 0 "\$DOCKER_CONFIG's credentials get the token" lock "$P"
is "$(reqs '^reg GET /token.* basic$')" 1 "the token was asked with Basic credentials"
is "$(reqs '^reg GET /v2/test/img/manifests/v1 bearer$')" 1 "then the manifest with the token"
rm -f "$CTL/basic" "$P/pinwheel.lock"

# Platforms
mkimage "$T/arm" --tag v1 --platform linux/arm64/v8 --platform linux/s390x --layer "$T/l1"
kill "$BG_PID" 2>/dev/null
start_registry "$T/arm"
oci_project "$P" "$REG/test/arm:v1" manylinux_x86_64
run_pw 1 "an index without the platform fails" lock "$P"
is "$ERR" "pinwheel: lock: python.3.13.base.oci (cp313-manylinux_x86_64): $REG/test/arm:v1: the image index $INDEX has no manifest for linux/amd64 (it has: linux/arm64/v8, linux/s390x)" \
	"the error lists the platforms the index has"
run_cmd 1 "no lock written" test -e "$P/pinwheel.lock"
mkimage "$T/arm" --tag v1 --platform linux/arm64/v8 --layer "$T/l1" --single
run_pw 1 "a single-platform image for another platform fails" lock "$P"
is "$ERR" "pinwheel: lock: python.3.13.base.oci (cp313-manylinux_x86_64): $REG/test/arm:v1: the image $MANIFEST is for linux/arm64/v8, not linux/amd64" \
	"the error names the manifest and both platforms"
oci_project "$P" "$REG/test/arm:v1" manylinux_aarch64
run_pw 0 "the same image locks for aarch64 (no index)" lock "$P"
like "$(cat "$P/pinwheel.lock")" "\"manifest\": \"$MANIFEST\"" "the manifest is pinned"
unlike "$(cat "$P/pinwheel.lock")" "\"index\":" "and no index"
rm -f "$P/pinwheel.lock"

# A manifest asked by digest must hash to it
echo "$MANIFEST" >"$CTL/tamper"
oci_project "$P" "$REG/test/arm@$MANIFEST" manylinux_aarch64
run_pw 1 "a tampered manifest fails" lock "$P"
like "$ERR" "^pinwheel: lock: python.3.13.base.oci \(cp313-manylinux_aarch64\): $REG/test/arm@$MANIFEST: the manifest received for $MANIFEST hashes to sha256:[0-9a-f]{64}$" \
	"the error names the digest asked for and the one received"
run_cmd 1 "no lock written" test -e "$P/pinwheel.lock"
rm "$CTL/tamper"

# Fetch faults: a tampered layer, a missing layer
run_pw 0 "lock the image" lock "$P"
L1=${LAYERS%% *}
echo "$L1" >"$CTL/tamper"
export PINWHEEL_RETRIES=0
run_pw 1 "a tampered layer fails the fetch" fetch "$P"
like "$ERR" "http://$REG/v2/test/arm/blobs/$L1: sha256 mismatch: expected ${L1#sha256:}, got [0-9a-f]{64}" \
	"the error names the url and both digests"
run_cmd 1 "the tampered layer is not stored" test -e "$PINWHEEL_STORE/blobs/sha256/${L1#sha256:}"
is "$(find "$PINWHEEL_STORE/tmp" -type f 2>/dev/null | wc -l | tr -d ' ')" 0 "no partial file left"
rm "$CTL/tamper"
echo "$L1" >"$CTL/missing"
run_pw 1 "a missing layer fails the fetch" fetch "$P"
like "$ERR" "http://$REG/v2/test/arm/blobs/$L1: The requested URL returned error: 404" \
	"the error names the url (with the digest) and the 404"
run_cmd 1 "nothing stored for it" test -e "$PINWHEEL_STORE/blobs/sha256/${L1#sha256:}"
rm "$CTL/missing"
touch "$CTL/refuse-token"
run_pw 1 "fetch with the token refused" fetch "$P"
is "$ERR" "pinwheel: fetch: http://$REG: the token endpoint 'http://$REG/token' refused: HTTP 401 (anonymous)" \
	"the fetch names the registry and the refusal"
run_cmd 1 "nothing fetched" test -e "$PINWHEEL_STORE/blobs/sha256/${L1#sha256:}"
rm "$CTL/refuse-token"

# References must name a registry
oci_project "$P" "python:3.12" manylinux_x86_64
run_pw 2 "a short Docker Hub name is a configuration error" lock "$P"
like "$ERR" "python.3.13.base.oci: 'python:3.12': a reference must name its registry" \
	"the error says a registry is needed"
oci_project "$P" "$REG/test/arm" manylinux_x86_64
run_pw 2 "a reference without tag or digest is a configuration error" lock "$P"
like "$ERR" "expected a tag \(':TAG'\) or a digest \('@sha256:HEX'\)" "the error says what is expected"
