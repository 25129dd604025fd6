#!/bin/sh
# t5600-remote-protocol: the HTTP remote cache client (pw_remote_*) against
# nginx's WebDAV module and a fault-injecting server (through the pw-remote
# test driver):
#   - PUT of a blob after a HEAD that says it is missing; a second push is
#     a HEAD only; GET into another store: the same bytes, verified
#   - records: PUT then GET of URL/ac/KEY; a missing key is a miss (404)
#   - credentials in the URL: sent as basic auth, never in a message
#   - https with PINWHEEL_CA_BUNDLE
#   - faults: HTTP 500 (retried PINWHEEL_CACHE_RETRIES times, then the
#     remote is switched off: later requests are not made), a body with a
#     wrong digest (an error naming the URL, nothing stored), a closed port,
#     405 on PUT, a bad URL
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/remotelib.sh"
[ -x "$NGINX" ] || skip_all "nginx missing (Debian package nginx)"
command -v openssl >/dev/null || skip_all "openssl(1) is needed to make a test certificate"
plan 49
export PINWHEEL_RETRY_BASE_MS=5

A="$T/A" B="$T/B"
head -c 300000 /dev/urandom >"$T/blob"
SHA=$(sha256sum "$T/blob" | cut -d' ' -f1)
KEY=$(printf key | sha256sum | cut -d' ' -f1)
MISSING=$(printf nothing | sha256sum | cut -d' ' -f1)
run_pw 0 "the blob is in store A" --store "$A" store add "$T/blob" --sha256 "$SHA"
rm() { command rm "$@"; }
blobs() { find "$1/blobs" -type f 2>/dev/null | wc -l | tr -d ' '; }
temps() { find "$1/tmp" -type f 2>/dev/null | wc -l | tr -d ' '; }

start_nginx
U="$NURL/team/cache"
run_cmd 0 "put-cas to nginx" "$PWREMOTE" "$U" "$A" put-cas "$SHA"
is "$(awk '{print $6, $7, $9}' "$NLOG" | tr -d '"')" "HEAD /team/cache/cas/$SHA 404
PUT /team/cache/cas/$SHA 201" "a HEAD finds it missing, then one PUT"
run_cmd 0 "the stored object is the blob" cmp "$T/blob" "$T/nginx/docroot/team/cache/cas/$SHA"
: >"$NLOG"
run_cmd 0 "a second put-cas" "$PWREMOTE" "$U/" "$A" put-cas "$SHA"
is "$(awk '{print $6, $9}' "$NLOG" | tr -d '"')" "HEAD 200" "the second push is a HEAD only (a trailing '/' in the URL is fine)"
: >"$NLOG"
run_cmd 0 "get-cas into the empty store B" "$PWREMOTE" "$U" "$B" get-cas "$SHA" 300000
run_cmd 0 "B holds the same bytes" cmp "$T/blob" "$B/blobs/sha256/$SHA"
run_pw 0 "store verify passes in B" --store "$B" store verify
run_cmd 0 "get-cas of a blob B has: nothing to do" "$PWREMOTE" "$U" "$B" get-cas "$SHA"
is "$(nreq "$NLOG" GET)" 1 "one GET in all"
run_cmd 1 "get-cas of an unknown digest: a miss" "$PWREMOTE" "$U" "$B" get-cas "$MISSING"
is "$ERR" "pw-remote: miss" "a 404 is a plain miss, no warning"
is "$(temps "$B")" 0 "no temp file left"

printf '{"version": 1}\n' >"$T/rec"
run_cmd 0 "put-ac" "$PWREMOTE" "$U" "$A" put-ac "$KEY" "$T/rec"
run_cmd 0 "get-ac" "$PWREMOTE" "$U" "$B" get-ac "$KEY"
is "$OUT" '{"version": 1}' "the record comes back byte for byte"
run_cmd 1 "get-ac of an unknown key: a miss" "$PWREMOTE" "$U" "$B" get-ac "$MISSING"
command rm -rf "$T/C"
printf 'get-cas %s 1000\nget-ac %s\n' "$SHA" "$KEY" >"$T/batch0"
run_cmd 1 "a blob larger than its pinned size: an error" "$PWREMOTE" "$U" "$T/C" batch "$T/batch0"
like "$ERR" "^pw-remote: GET $U/cas/$SHA: .*([Mm]aximum file size|larger)" "the error names the URL"
is "$OUT" '{"version": 1}' "the remote stays on: the next request is made"
is "$(blobs "$T/C"):$(temps "$T/C")" "0:0" "nothing stored"

# Credentials: basic auth from the URL, redacted in messages.
start_faults --auth "ci:s3cr%t"
run_cmd 0 "credentials from the URL (percent-escaped) are sent as basic auth" \
	"$PWREMOTE" "http://ci:s3cr%25t@127.0.0.1:$FPORT/ok" "$A" put-cas "$SHA"
is "$(cut -d' ' -f1,3 "$FLOG" | sort -u)" "HEAD ci
PUT ci" "the server saw user 'ci' on every request"
run_cmd 1 "wrong credentials: an error" "$PWREMOTE" "http://ci:wrong-secret@127.0.0.1:$FPORT/ok" "$B" get-ac "$KEY"
like "$ERR" "^pw-remote: GET http://127.0.0.1:$FPORT/ok/ac/$KEY: HTTP 401 \(check the credentials" "401 names the URL without the credentials"
unlike "$ERR" "wrong-secret|ci:" "the password is never printed"
CLOSED=$(free_port)
run_cmd 1 "a closed port with credentials" "$PWREMOTE" "http://ci:wrong-secret@127.0.0.1:$CLOSED" "$B" get-ac "$KEY"
unlike "$ERR" "wrong-secret" "the password is not in the connection error either"

# https, trusted through PINWHEEL_CA_BUNDLE.
mkdir -p "$T/tls" "$T/sroot"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls/key.pem" -out "$T/tls/cert.pem" \
	>/dev/null 2>&1
mkfifo "$T/sport.fifo"
bg sh -c 'exec "$@" >"$0"' "$T/sport.fifo" "$PY" "$SRCDIR/tests/helpers/remote_faults.py" \
	--dir "$T/sroot" --log "$T/slog" --tls "$T/tls/cert.pem" "$T/tls/key.pem"
read -r SPORT <"$T/sport.fifo"
PINWHEEL_CA_BUNDLE="$T/tls/cert.pem" run_cmd 0 "https: put-cas" "$PWREMOTE" "https://127.0.0.1:$SPORT/ok" "$A" put-cas "$SHA"
command rm -rf "$B"
PINWHEEL_CA_BUNDLE="$T/tls/cert.pem" run_cmd 0 "https: get-cas" "$PWREMOTE" "https://127.0.0.1:$SPORT/ok" "$B" get-cas "$SHA"
run_cmd 0 "https: the same bytes" cmp "$T/blob" "$B/blobs/sha256/$SHA"

# Faults (a server without auth).
start_faults
command rm -rf "$B"
mkdir -p "$T/faults/docroot/cas"
cp "$T/blob" "$T/faults/docroot/cas/$SHA"
run_cmd 1 "a body with a wrong digest: an error" "$PWREMOTE" "$FURL/wrong" "$B" get-cas "$SHA"
is "$ERR" "pw-remote: GET $FURL/wrong/cas/$SHA: sha256 mismatch: expected $SHA, got $(
	"$PY" -c 'import hashlib, sys; d = bytearray(open(sys.argv[1], "rb").read()); d[0] ^= 0xFF; print(hashlib.sha256(d).hexdigest())' "$T/blob")" \
	"the error names the URL and both digests"
is "$(blobs "$B"):$(temps "$B")" "0:0" "nothing stored, no temp file"
printf 'get-cas %s\nget-ac %s\nput-ac %s %s\nput-cas %s\n' "$SHA" "$KEY" "$KEY" "$T/rec" "$SHA" >"$T/batch"
: >"$FLOG"
run_cmd 1 "HTTP 500: an error" "$PWREMOTE" "$FURL/e500" "$A" batch "$T/batch"
is "$ERR" "pw-remote: GET $FURL/e500/ac/$KEY: HTTP 500" "one message for a batch of requests (the blob is in A: no GET of it)"
is "$(nreq "$FLOG" .)" 3 "the first request tried 1 + 2 times, the later ones not at all"
: >"$FLOG"
PINWHEEL_CACHE_RETRIES=0 run_cmd 1 "PINWHEEL_CACHE_RETRIES=0" "$PWREMOTE" "$FURL/e500" "$B" get-ac "$KEY"
is "$(nreq "$FLOG" .)" 1 "no retry"
: >"$FLOG"
run_cmd 1 "put-cas when HEAD answers 500: an error" "$PWREMOTE" "$FURL/e500" "$A" put-cas "$SHA"
is "$ERR" "pw-remote: HEAD $FURL/e500/cas/$SHA: HTTP 500" "the HEAD's status is the error"
is "$(cut -d' ' -f1 "$FLOG" | tr '\n' ' ')" "HEAD HEAD HEAD " "retried, then no PUT is tried"
run_cmd 1 "a closed port: an error" "$PWREMOTE" "http://127.0.0.1:$CLOSED/x" "$B" batch "$T/batch"
like "$ERR" "^pw-remote: GET http://127.0.0.1:$CLOSED/x/cas/$SHA: .*([Cc]onnect|refused)" "one connection error, naming the URL"
run_cmd 1 "PUT refused with 405" "$PWREMOTE" "$FURL/ro" "$B" put-ac "$KEY" "$T/rec"
like "$ERR" "PUT $FURL/ro/ac/$KEY: HTTP 405 \(does the server accept PUT\?\)" "the error says what to check"
run_cmd 3 "an ftp URL is refused" "$PWREMOTE" "ftp://u:pw@mirror.example/c" "$B" get-ac "$KEY"
is "$ERR" "pw-remote: cache URL 'ftp...': expected http://HOST[:PORT][/PATH] or https://..." "the message quotes no credentials"
