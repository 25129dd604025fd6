#!/bin/sh
# https: a server whose certificate is not trusted is refused; trusted
# through PINWHEEL_CA_BUNDLE it works, with Range resume; a redirect to a
# file:// url is refused.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 8
command -v openssl >/dev/null || skip_all "openssl(1) is needed to make a test certificate"
export PINWHEEL_RETRY_BASE_MS=5 PINWHEEL_RETRIES=1
start_httpd
start_httpsd
S=$PINWHEEL_STORE
mkblob a 300000; A=$SHA

run_pw 1 "an untrusted certificate is refused" store add "$SBASE/ok/a" --sha256 "$A"
like "$ERR" "$SBASE/ok/a: SSL certificate problem: self.signed certificate" "the error says why"
is "$(count_files "$S/blobs/sha256")" 0 "nothing stored"
PINWHEEL_CA_BUNDLE="$CA" run_pw 0 "trusted through PINWHEEL_CA_BUNDLE, with a cut and a Range resume" \
	store add "$SBASE/cut/100000/a" --sha256 "$A" --size 300000
is "$(grep '^GET /cut/100000/a ' "$REQLOG" | cut -d' ' -f3 | tr '\n' ' ')" "- bytes=100000- " "resumed over https"
run_cmd 0 "the blob is the file" cmp "$WWW/a" "$S/blobs/sha256/$A"
clear_store
run_pw 1 "a redirect to file:// is refused" store add "$BASE/redirfile/a" --sha256 "$A"
like "$ERR" "$BASE/redirfile/a: .*(not supported|disabled)" "the error says the protocol is not allowed"
