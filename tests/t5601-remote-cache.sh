#!/bin/sh
# t5601-remote-cache: `pinwheel build --cache-url URL` shares the action
# cache between two "machines" (two store directories) through nginx's
# WebDAV module on loopback:
#   - machine A builds a tiny project and pushes its blobs and records
#   - machine B (a store holding only the roots) builds nothing: the sdist
#     and the target come "cached" from the remote, with the same bytes,
#     and nginx saw GETs only; PINWHEEL_CACHE_URL works alike
#   - a failing remote is never a build failure: HTTP 500, a blob with a
#     wrong digest, a closed port each give one warning line and a miss,
#     and the build succeeds
#   - a malformed URL is a usage error (exit 2) before any work
#   - verify --cache-url: build A comes from the remote, build B never asks
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
. "$SRCDIR/tests/helpers/remotelib.sh"
[ -x "$NGINX" ] || skip_all "nginx missing (Debian package nginx)"
plan 43
export PINWHEEL_RETRY_BASE_MS=5
unset PINWHEEL_CACHE_URL
TGT=cp311-manylinux_x86_64

# The tiny project on the base of t5302 (python3.11, its stdlib, pip, a shell).
P="$T/proj"
tiny_plain "$P"
ok $? "the tiny project on the test base"

# R: a store holding only the root, copied for every "machine".
R="$T/roots"
run_pw 0 "lock" --store "$R" lock "$P"
run_pw 0 "fetch the root into R" --store "$R" fetch "$P"

start_nginx
U="$NURL/team/pinwheel"

run_pw 2 "a malformed --cache-url: exit 2" --store "$R" build "$P" --out "$T/bad" --cache-url "ftp://ci:secret@mirror.example/c"
like "$ERR" "cache URL 'ftp\.\.\.': expected http" "the error says what is expected"
unlike "$ERR" secret "without the password"
is "$(ls "$T/bad" 2>/dev/null | wc -l | tr -d ' ')" 0 "nothing written"

A=$(machine A)
run_pw 0 "machine A builds with --cache-url" --store "$A" build "$P" --out "$T/outA" --cache-url "$U"
like "$OUT" "^$TGT +ok +passed" "A built the target"
is "$(warnings)" "" "no warning"
W=$(cd "$T/outA" && ls ./*.whl | sed 's|^\./||')
is "$(nreq "$NLOG" '"PUT /team/pinwheel/ac/')" 3 "A pushed three records (sdist, the target's wheel, its smoke test)"
is "$(nreq "$NLOG" '"PUT /team/pinwheel/cas/')" "$(find "$T/nginx/docroot/team/pinwheel/cas" -type f | wc -l | tr -d ' ')" \
	"one PUT per blob the remote holds"
is "$(nreq "$NLOG" '"GET ')" "$(nreq "$NLOG" '"GET /team/pinwheel/ac/.* 404 ')" "A's GETs were misses of records only"

: >"$NLOG"
B=$(machine B)
run_pw 0 "machine B builds with --cache-url" --store "$B" build "$P" --out "$T/outB" --cache-url "$U/"
like "$OUT" "^$TGT +cached" "B built nothing: the target is cached"
is "$(warnings)" "" "no warning"
run_cmd 0 "B's wheel is A's, byte for byte" cmp "$T/outA/$W" "$T/outB/$W"
run_cmd 0 "B's sdist is A's" cmp "$T/outA/tiny-0.tar.gz" "$T/outB/tiny-0.tar.gz"
run_cmd 0 "B's manifest is A's" cmp "$T/outA/pinwheel-manifest.json" "$T/outB/pinwheel-manifest.json"
is "$(awk '{print $6}' "$NLOG" | sort -u | tr -d '"')" "GET" "nginx saw GETs only from B"
is "$(nreq "$NLOG" ' 404 ')" 0 "every GET was a hit"
run_pw 0 "store verify in B" --store "$B" store verify

: >"$NLOG"
C=$(machine C)
PINWHEEL_CACHE_URL="$U" run_pw 0 "PINWHEEL_CACHE_URL works as --cache-url" --store "$C" build "$P" --out "$T/outC"
like "$OUT" "^$TGT +cached" "the target came from the remote"
D=$(machine D)
: >"$NLOG"
PINWHEEL_CACHE_URL="$U" run_pw 0 "--cache-url '' turns PINWHEEL_CACHE_URL off" --store "$D" build "$P" --out "$T/outD" --cache-url ''
is "$(wc -l <"$NLOG" | tr -d ' ')" 0 "no request was made"

# Faults: the remote's content served wrong, or not at all.
start_faults
cp -a "$T/nginx/docroot/team/pinwheel/." "$T/faults/docroot/"
E=$(machine E)
run_pw 0 "HTTP 500: the build succeeds" --store "$E" build "$P" --out "$T/outE" --cache-url "$FURL/e500"
like "$OUT" "^$TGT +ok +passed" "the target was built"
is "$(warnings | wc -l | tr -d ' ')" 1 "one warning line"
like "$(warnings)" "^pinwheel: warning: remote cache: GET $FURL/e500/ac/[0-9a-f]{64}: HTTP 500$" "one warning line naming the URL and the status"
F=$(machine F)
run_pw 0 "blobs with a wrong digest: the build succeeds" --store "$F" build "$P" --out "$T/outF" --cache-url "$FURL/wrong"
like "$OUT" "^$TGT +ok +passed" "the target was rebuilt"
is "$(warnings | wc -l | tr -d ' ')" 2 "one warning for the sdist's record, one for the target's"
like "$ERR" "GET $FURL/wrong/cas/[0-9a-f]{64}: sha256 mismatch: expected" "the warning names the URL and the mismatch"
run_pw 0 "nothing bad was stored in F" --store "$F" store verify
G=$(machine G)
CLOSED=$(free_port)
run_pw 0 "a closed port: the build succeeds" --store "$G" build "$P" --out "$T/outG" --cache-url "http://ci:secret@127.0.0.1:$CLOSED"
like "$OUT" "^$TGT +ok +passed" "the target was built"
is "$(warnings | wc -l | tr -d ' ')" 1 "one warning line"
like "$(warnings)" "^pinwheel: warning: remote cache: GET http://127.0.0.1:$CLOSED/ac/.*([Cc]onnect|refused)" "it names the URL without the credentials"

# verify: build A may use the remote, build B never does.
: >"$NLOG"
H=$(machine H)
mkdir -p "$T/tmp"
TMPDIR="$T/tmp" run_pw 0 "verify --cache-url: exit 0" --store "$H" verify "$P" --out "$T/outH" --cache-url "$U"
like "$OUT" "^$TGT +reproducible " "the target is reproducible"
is "$(nreq "$NLOG" '"GET /team/pinwheel/ac/')" 3 "only build A asked the remote (the sdist, the target's wheel, its smoke test)"
is "$(awk '{print $6}' "$NLOG" | sort -u | tr -d '"')" "GET" "nothing was pushed"

