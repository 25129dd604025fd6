#!/bin/sh
# t1015-fetch-gone: what fetch does when a pinned file is gone upstream (a
# PyPI file or a crate deleted by its owner; a yanked one is still served):
# one line naming the artifact, its sha256 and what to do; the blob mirror
# (--blob-mirror, $PINWHEEL_BLOB_MIRROR: URL/blobs/sha256/HEX, the layout
# of a store and of an unpacked bundle) tried last for any kind, verified
# as always; a `store import` of a bundle makes the fetch need no url.
# Then the CPython source tarball a lock pins from a Debian Sources index
# carries snapshot coordinates like a .deb, and fetch --snapshot falls
# back to them when the mirror has moved on (docs/store.md "Gone
# artifacts", docs/debian.md "Snapshots").
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/debrepo.sh"
DPORT=$PORT
. "$SRCDIR/tests/helpers/fetchlib.sh"
export PINWHEEL_RETRIES=0 PINWHEEL_RETRY_BASE_MS=1
plan 29
rm -f "$T/port.fifo" # debrepo.sh's
start_httpd
W=hy-1.0-py3-none-any.whl C=foo-0.3.1.crate
mkblob "$W" 5000; WS=$SHA
mkblob "$C" 7000; CS=$SHA
entry() { # entry NAME KIND SHA SIZE URL
	printf '    {"name": "%s", "kind": "%s", "urls": ["%s"], "sha256": "%s", "size": %s}' \
		"$1" "$2" "$5" "$3" "$4"
}
write_lock "$T/p" "$(entry "$W" wheel "$WS" 5000 "$BASE/ok/$W")" \
	"$(entry "$C" crate "$CS" 7000 "$BASE/ok/$C")"
SA="$T/sA"
run_pw 0 "fetch while the index and the registry have both files" --store "$SA" fetch "$T/p"
run_pw 0 "export the lock's bundle" --store "$SA" store export "$T/p" --out "$T/b.tar"

# the owners delete both files: every url answers 404
mv "$WWW/$W" "$T/$W.kept"
mv "$WWW/$C" "$T/$C.kept"
run_pw 1 "a deleted wheel and crate fail the fetch" --store "$T/sB" fetch "$T/p"
like "$ERR" "could not fetch '$W': $BASE/ok/$W: The requested URL returned error: 404" \
	"the fetcher's line names the url and the status"
like "$ERR" "pinwheel: fetch: '$W' \(sha256 $WS\) is gone: every url of it answered 404 or 410 \(deleted upstream; a yanked file is still served\): run 'pinwheel store import' on a bundle of this lock that has it, or give a blob mirror with --blob-mirror URL or PINWHEEL_BLOB_MIRROR \(docs/store.md \"Gone artifacts\"\)" \
	"one line: the artifact, its sha256 and what to do"
like "$ERR" "pinwheel: fetch: '$C' \(sha256 $CS\) is gone: every url" "the crate too"
is "$(printf '%s\n' "$ERR" | grep -c 'is gone')" 2 "one line each"

# a server error is not "gone": no such line
mkblob srv 100
write_lock "$T/q" "$(entry srv wheel "$SHA" 100 "$BASE/fail500/9/srv")"
run_pw 1 "an index answering 500" --store "$T/sB" fetch "$T/q"
unlike "$ERR" "is gone" "a failing server is not a deleted file"

# the blob mirror: another store, by file: url
run_pw 0 "--blob-mirror file://STORE" --store "$T/sC" fetch "$T/p" --blob-mirror "file://$SA"
like "$ERR" "fetch: '$W' came from the blob mirror: file://$SA/blobs/sha256/$WS \(its other urls no longer serve it\)" \
	"says where it came from"
is "$(sha256sum "$T/sC/blobs/sha256/$WS" | cut -d' ' -f1)" "$WS" "the pinned bytes"

# an unpacked bundle, through the environment
mkdir -p "$WWW/bm" && tar -C "$WWW/bm" -xf "$T/b.tar"
chmod -R u+w "$WWW/bm"
PINWHEEL_BLOB_MIRROR="file://$WWW/bm/" run_pw 0 "PINWHEEL_BLOB_MIRROR: an unpacked bundle" \
	--store "$T/sD" --json fetch "$T/p"
like "$OUT" "\"name\":\"$C\".*\"url\":\"file://$WWW/bm/blobs/sha256/$CS\"" \
	"the JSON event names the blob mirror's url"

# a blob mirror with other bytes: refused by the digest, nothing stored
mkdir -p "$T/bad/blobs/sha256"
head -c 5000 /dev/urandom >"$T/bad/blobs/sha256/$WS"
head -c 7000 /dev/urandom >"$T/bad/blobs/sha256/$CS"
run_pw 1 "a blob mirror serving other bytes" --store "$T/sE" fetch "$T/p" --blob-mirror "file://$T/bad"
like "$ERR" "could not fetch '$W' from any of its 2 urls; last: file://$T/bad/blobs/sha256/$WS: sha256 mismatch" \
	"the digest is checked"
unlike "$ERR" "'$W' \(sha256 $WS\) is gone" "not gone: the mirror has a file, the wrong one"
is "$(ls "$T/sE/blobs/sha256" 2>/dev/null | wc -l | tr -d ' ')" 0 "nothing stored"

# the remedy the line names: import the bundle, then fetch needs no url
run_pw 0 "store import of the bundle" --store "$T/sF" store import "$T/b.tar"
NREQ=$(wc -l <"$REQLOG" | tr -d ' ')
run_pw 0 "then the fetch succeeds" --store "$T/sF" fetch "$T/p"
is "$(wc -l <"$REQLOG" | tr -d ' ')" "$NREQ" "without a request"

# ---- a CPython source tarball from a Debian Sources index ----
PORT=$DPORT
M="$T/www/m"
cat >"$T/trixie.json" <<'JSON'
{"suite": "trixie", "arch": "amd64",
 "packages": [{"Package": "build-essential", "Version": "1", "Architecture": "all"}],
 "sources": [{"Package": "python3.13", "Version": "3.13.5-2", "orig": "python3.13_3.13.5.orig.tar.xz", "served": true}]}
JSON
python3 "$SRCDIR/tests/helpers/debrepo.py" build "$M" "$T/trixie.json" &&
	gpg --batch --yes -q --local-user test@mirror.example --clearsign \
		-o "$M/dists/trixie/InRelease" "$M/dists/trixie/Release"
ok $? "the fixture's trixie with a Sources index"
MU="http://127.0.0.1:$PORT/m"
P="$T/cp"
mkdir -p "$P"
cp "$KEYRING" "$P/keyring.gpg"
printf '[project]\nname = "p"\nversion = "1"\n\n[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["."]\n' \
	>"$P/pyproject.toml"
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.13t": {"base": {"debian": {"suite": "trixie", "packages": ["build-essential"],
   "mirror": "$MU", "keyring": "keyring.gpg", "cpython": {"packages": ["build-essential"]}}}}},
 "platforms": ["manylinux_x86_64"]}
JSON
run_pw 0 "lock a from-source CPython" --store "$T/sG" lock "$P"
ORIG=python3.13_3.13.5.orig.tar.xz
SNAPOBJ=$(python3 - "$P/pinwheel.lock" "$ORIG" <<'PY'
import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    if a["name"] == sys.argv[2]:
        print(a["kind"], json.dumps(a.get("snapshot"), sort_keys=True))
PY
)
DATE=20231114T221320Z # debrepo.py's Release Date
is "$SNAPOBJ" "archive {\"archive\": \"debian\", \"date\": \"$DATE\", \"path\": \"pool/main/p/python3.13/$ORIG\"}" \
	"the tarball pins its snapshot archive, the Release Date and its pool path"
OSHA=$(sha256sum "$M/pool/main/p/python3.13/$ORIG" | cut -d' ' -f1)

# the snapshot keeps the pool; the mirror moves on (the tarball is gone)
mkdir -p "$T/www/snap/archive/debian/$DATE"
cp -R "$M/pool" "$T/www/snap/archive/debian/$DATE/"
rm "$M/pool/main/p/python3.13/$ORIG"
run_pw 1 "without a snapshot setting" --store "$T/sH" fetch "$P"
like "$ERR" "fetch: '$ORIG': its mirror no longer serves it; the lock records where a snapshot archive keeps it: set one with --snapshot URL" \
	"says what to set"
# (the fixture's tarball is no CPython: composing the root then fails)
run_pw 1 "with --snapshot the tarball is fetched" --store "$T/sH" fetch "$P" \
	--snapshot "http://127.0.0.1:$PORT/snap"
like "$ERR" "fetch: '$ORIG' came from the snapshot archive: http://127.0.0.1:$PORT/snap/archive/debian/$DATE/pool/main/p/python3.13/$ORIG \(its mirror no longer serves it\)" \
	"from the snapshot layout"
is "$(sha256sum "$T/sH/blobs/sha256/$OSHA" 2>/dev/null | cut -d' ' -f1)" "$OSHA" "the pinned bytes are stored"
