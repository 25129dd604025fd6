#!/bin/sh
# Locks that keep working: `pinwheel lock` records where a snapshot archive
# keeps each Debian package (archive, the Release file's Date, pool path);
# when the mirror has moved on and answers 404 for a pinned .deb, fetch
# takes it from the snapshot layout SNAPSHOT/archive/ARCHIVE/DATE/POOLPATH
# (--snapshot or $PINWHEEL_SNAPSHOT), verifies it as always and builds the
# same root; without a snapshot setting the error says what to set.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/debrepo.sh"
plan 26

repo() { # repo HELLO_VERSION: (re)build and sign $T/www/r
	cat >"$T/r.json" <<JSON
{"suite": "pwtest", "arch": "amd64", "packages": [
 {"Package": "base-files", "Version": "12.4", "Architecture": "amd64", "Priority": "required",
  "files": {"etc/debian_version": "12.4\n"}},
 {"Package": "hello", "Version": "$1", "Architecture": "amd64",
  "files": {"usr/share/hello/msg": "hello $1\n"}}
]}
JSON
	rm -rf "$T/www/r"
	python3 "$SRCDIR/tests/helpers/debrepo.py" build "$T/www/r" "$T/r.json" &&
		sign "$T/www/r" test@mirror.example
}
repo 2.10-3 || skip_all "could not build the repository"
M="http://127.0.0.1:$PORT/r"
SNAP="http://127.0.0.1:$PORT/snap"
DATE=20231114T221320Z # debrepo.py's Release Date: Tue, 14 Nov 2023 22:13:20 UTC
DATE2=20231115T221320Z # a day later

P="$T/proj"
mkdir -p "$P"
cp "$KEYRING" "$P/keyring.gpg"
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"debian": {"suite": "pwtest", "packages": ["hello"], "mirror": "$M",
                                          "keyring": "keyring.gpg"}}}},
 "platforms": ["manylinux_x86_64"]}
JSON
run_pw 0 "lock" --store "$T/sA" lock "$P"
snap_of() { # snap_of NAME: the artifact's snapshot object, compact
	python3 - "$P/pinwheel.lock" "$1" <<'PY'
import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    if a["name"] == sys.argv[2]:
        print(json.dumps(a.get("snapshot"), sort_keys=True))
PY
}
is "$(snap_of hello)" "{\"archive\": \"debian\", \"date\": \"$DATE\", \"path\": \"pool/main/hello_2.10-3_amd64.deb\"}" \
	"a .deb pins its snapshot archive, the Release file's Date and its pool path"
is "$(snap_of base-files)" "{\"archive\": \"debian\", \"date\": \"$DATE\", \"path\": \"pool/main/base-files_12.4_amd64.deb\"}" \
	"every .deb does"
cp "$P/pinwheel.lock" "$T/lock.orig"

run_pw 0 "fetch while the mirror has everything" --store "$T/sA" fetch "$P"
ROOT1=$(printf '%s\n' "$OUT" | awk '/ root /{print $3}')
like "$ROOT1" '^[0-9a-f]{64}$' "a root id"

# The snapshot service keeps today's pool under today's date; the mirror
# then moves on to a newer hello and its old .deb is gone.
mkdir -p "$T/www/snap/archive/debian/$DATE" "$T/www/late/archive/debian/$DATE2"
cp -R "$T/www/r/pool" "$T/www/snap/archive/debian/$DATE/"
# a service whose import of that state is named a little after the Date
cp -R "$T/www/r/pool" "$T/www/late/archive/debian/$DATE2/"
repo 2.10-4
HELLO_URL="$M/pool/main/hello_2.10-3_amd64.deb"

run_pw 1 "without a snapshot setting the moved-on mirror fails" --store "$T/sB" fetch "$P"
like "$ERR" "could not fetch 'hello': $HELLO_URL: The requested URL returned error: 404" \
	"the error names the url and the status"
like "$ERR" "fetch: 'hello': its mirror no longer serves it; the lock records where a snapshot archive keeps it: set one with --snapshot URL or PINWHEEL_SNAPSHOT \(docs/debian.md \"Snapshots\"\)" \
	"and says what to set"

run_pw 0 "with --snapshot the fetch falls back" --store "$T/sB" fetch "$P" --snapshot "$SNAP"
like "$ERR" "fetch: 'hello' came from the snapshot archive: $SNAP/archive/debian/$DATE/pool/main/hello_2.10-3_amd64.deb \(its mirror no longer serves it\)" \
	"the log says it came from the snapshot"
unlike "$ERR" "'base-files' came from the snapshot" "what the mirror still has comes from the mirror"
is "$(printf '%s\n' "$OUT" | awk '/ root /{print $3}')" "$ROOT1" "the same root as before the mirror moved on"
is "$(cat "$T"/sB/trees/*/usr/share/hello/msg 2>/dev/null | sort -u)" "hello 2.10-3" "the pinned hello, not the mirror's"

PINWHEEL_SNAPSHOT="$SNAP/" run_pw 0 "PINWHEEL_SNAPSHOT (with a trailing /) works too" --store "$T/sC" --json fetch "$P"
like "$OUT" "\"name\":\"hello\".*\"url\":\"$SNAP/archive/debian/$DATE/pool/main/hello_2.10-3_amd64.deb\"" \
	"the JSON event names the snapshot url"

run_pw 0 "an import named after the Date: the day after is tried" --store "$T/sF" fetch "$P" \
	--snapshot "http://127.0.0.1:$PORT/late"
like "$ERR" "fetch: 'hello' came from the snapshot archive: http://127.0.0.1:$PORT/late/archive/debian/$DATE2/pool/main/hello_2.10-3_amd64.deb" \
	"from the next day's import"
is "$(printf '%s\n' "$OUT" | awk '/ root /{print $3}')" "$ROOT1" "the same root again"

# the snapshot serves other bytes: verified as always, stored nowhere
cp -R "$T/www/snap" "$T/www/snapbad"
printf 'x' >>"$T/www/snapbad/archive/debian/$DATE/pool/main/hello_2.10-3_amd64.deb"
cp -R "$T/www/snapbad/archive/debian/$DATE" "$T/www/snapbad/archive/debian/$DATE2"
run_pw 1 "a snapshot with other bytes fails" --store "$T/sD" fetch "$P" --snapshot "http://127.0.0.1:$PORT/snapbad"
like "$ERR" "could not fetch 'hello' from any of its 3 urls; last: http://127.0.0.1:$PORT/snapbad/archive/debian/$DATE2/pool/main/hello_2.10-3_amd64.deb: more than the pinned [0-9]+ bytes" \
	"the pin is checked on both snapshot urls"
HSHA=$(python3 -c 'import json,sys
print([a["sha256"] for a in json.load(open(sys.argv[1]))["artifacts"] if a["name"]=="hello"][0])' "$P/pinwheel.lock")
is "$(ls "$T/sD/blobs/sha256" 2>/dev/null | grep -c "$HSHA")" 0 "nothing of it stored"

# an old lock (no snapshot fields) still reads and fetches what exists
python3 - "$P/pinwheel.lock" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for a in d["artifacts"]:
    a.pop("snapshot", None)
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
run_pw 0 "a lock without snapshot fields still works" --store "$T/sA" fetch "$P"
run_pw 1 "but cannot fall back" --store "$T/sE" fetch "$P" --snapshot "$SNAP"
unlike "$ERR" "came from the snapshot|PINWHEEL_SNAPSHOT" "no snapshot url, no hint"

cp "$T/lock.orig" "$P/pinwheel.lock"
sed -i 's/"date": "[0-9T]*Z"/"date": "2023-11-14"/' "$P/pinwheel.lock"
run_pw 2 "a malformed snapshot date is refused" --store "$T/sA" fetch "$P"
like "$ERR" "'snapshot.date' must be a timestamp like \"20261206T081432Z\"" "one line saying what is expected"
