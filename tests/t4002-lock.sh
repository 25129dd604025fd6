#!/bin/sh
# `pinwheel lock` with archive artifacts served over HTTP: pins what the
# config leaves open by downloading once through the store, records
# needed_by and roots, relocks to identical bytes without the network,
# `--check` says fresh (0) or stale (1, naming what changed), and download
# failures name the field and the url.
. "$SRCDIR/tests/lib.sh"
plan 47

# A loopback HTTP server over $T/www; its request log counts downloads.
mkdir -p "$T/www" "$T/p"
printf 'standalone python x86_64\n' >"$T/www/py-x86_64.tar.gz"
printf 'standalone python aarch64\n' >"$T/www/py-aarch64.tar.gz"
# A real archive (fetch unpacks it into the root's layer) of 5120 bytes.
mkdir "$T/extra" && printf 'x\n' >"$T/extra/x" && tar -C "$T/extra" -b 10 -cf "$T/www/extra.tar.gz" x
mkfifo "$T/ready"
bg sh -c 'exec python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$1" >"$2" 2>"$3"' \
	sh "$T/www" "$T/ready" "$T/httpd.log"
read -r line <"$T/ready"
PORT=$(printf '%s\n' "$line" | sed -n 's/.* port \([0-9]*\) .*/\1/p')
[ -n "$PORT" ] || { diag "no port in: $line"; exit 1; }
BASE="http://127.0.0.1:$PORT"
gets() { grep -c "\"GET /$1 " "$T/httpd.log"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
PYX=$(sha "$T/www/py-x86_64.tar.gz")
EXTRA=$(sha "$T/www/extra.tar.gz")

write_config() { # $1: extra's sha256 member ("" for none)
	cat >"$T/p/pinwheel.json" <<JSON
{
  "version": 1, "manylinux": "native",
  "python": {
    "3.13": {"base": {"archives": [
      {"name": "cpython", "url": "$BASE/py-x86_64.tar.gz", "strip": 1, "subdir": "python",
       "dest": "/opt/python", "platforms": ["manylinux_x86_64"]},
      {"name": "cpython", "url": "$BASE/py-aarch64.tar.gz", "strip": 1, "subdir": "python",
       "dest": "/opt/python", "platforms": ["manylinux_aarch64"]}]}},
    "3.12": {"base": {"archive": {"name": "cpython", "url": "$BASE/py-x86_64.tar.gz", "strip": 1,
                                   "subdir": "python", "dest": "/opt/python"}}}
  },
  "platforms": ["manylinux_x86_64", "manylinux_aarch64"],
  "exclude": ["cp312-manylinux_aarch64"],
  "archives": [{"urls": ["$BASE/missing/extra.tar.gz", "$BASE/extra.tar.gz"]$1}]
}
JSON
}
write_config ""

run_pw 0 "lock writes pinwheel.lock" lock "$T/p"
like "$ERR" "wrote '$T/p/pinwheel.lock' \\(3 targets, 3 artifacts\\)" "lock says what it wrote"
is "$(gets py-x86_64.tar.gz)" 1 "an archive needed by two targets is downloaded once"
is "$(gets missing/extra.tar.gz) $(gets extra.tar.gz)" "1 1" "mirrors are tried in order"
L="$T/p/pinwheel.lock"
like "$(cat "$L")" "\"sha256\": \"$PYX\"" "the archive's sha256 is recorded"
like "$(cat "$L")" "\"size\": 5120," "the archive's size is recorded"
python3 - "$L" >"$T/shape" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(sorted(d))
print([(a["kind"], a["name"], a["needed_by"]) for a in d["artifacts"]])
print(list(d["roots"]))
r = d["roots"]["cp313-manylinux_x86_64"]["layers"]
print([(l["name"], l["how"], l["dest"], l.get("unpack")) for l in r])
PY
is "$(sed -n 1p "$T/shape")" "['artifacts', 'config_digest', 'pinwheel', 'roots', 'version']" "top-level keys"
is "$(sed -n 2p "$T/shape")" "[('archive', 'cpython', ['cp313-manylinux_aarch64']), ('archive', 'cpython', ['cp312-manylinux_x86_64', 'cp313-manylinux_x86_64']), ('archive', 'extra.tar.gz', ['cp312-manylinux_x86_64', 'cp313-manylinux_aarch64', 'cp313-manylinux_x86_64'])]" \
	"artifacts sorted by kind, name, sha256, each with what needs it"
is "$(sed -n 3p "$T/shape")" "['cp312-manylinux_x86_64', 'cp313-manylinux_x86_64', 'cp313-manylinux_aarch64']" "roots in matrix order"
is "$(sed -n 4p "$T/shape")" "[('cpython', 'unpack', '/opt/python', {'strip': 1, 'subdir': 'python'}), ('extra.tar.gz', 'unpack', '/', None)]" \
	"a root is its ordered layers"
run_pw 0 "the downloaded archive is in the store" store ls
like "$OUT" "$EXTRA" "the store has the blob lock downloaded"

cp "$L" "$T/lock.1"
kill "$BG_PID"; wait "$BG_PID" 2>/dev/null
run_pw 0 "relock with nothing changed (server gone)" lock "$T/p"
run_pw 0 "lock -v says each target's blocks as it locks them" -v lock "$T/p"
like "$ERR" "^lock: \\[1/[0-9]\\] cp312-manylinux_x86_64: base\\.archive \\(archive\\)$" \
	"one line per block: target, key, provider"
like "$ERR" "is up to date" "relock says the lock is up to date"
run_cmd 0 "relock gives identical bytes" cmp "$T/lock.1" "$L"
run_pw 0 "--check: fresh without the network" lock --check "$T/p"
like "$ERR" "is fresh" "--check says fresh"
run_pw 0 "--check --json: a summary object" lock --check --json "$T/p"
like "$OUT" '"status": ?"fresh"' "the summary says fresh"
like "$OUT" '"artifacts": ?3' "the summary counts artifacts"
like "$OUT" "\"lock_sha256\": ?\"$(sha "$L")\"" "the summary gives the lock's sha256"

# Giving the pins in the config changes the config, not the pins.
write_config ", \"sha256\": \"$EXTRA\", \"size\": 5120"
run_pw 1 "--check: stale after the config changed" lock --check "$T/p"
like "$ERR" "pinwheel.json changed since pinwheel.lock was written" "--check names what changed"
run_pw 0 "relock offline from the config's own pins" lock "$T/p"
run_cmd 0 "only the config digest changed" sh -c "diff '$T/lock.1' '$L' | grep -c '^[<>]' | grep -qx 2"

# A new url nobody pinned: --check cannot recompute it without the network
# and says why; lock cannot download it with the server gone.
sed -i "s|py-x86_64.tar.gz\", \"strip\": 1,\$|py312.tar.gz\", \"strip\": 1,|" "$T/p/pinwheel.json"
run_cmd 0 "the 3.12 url changed" grep -q py312 "$T/p/pinwheel.json"
run_pw 1 "--check: stale when an archive changes" lock --check "$T/p"
like "$ERR" "python\\.3\\.12\\.base\\.archive: 'cpython' has no sha256 in the config nor in pinwheel.lock" \
	"--check names the field that needs the network"
run_pw 1 "lock fails when the server is gone" lock "$T/p"
like "$ERR" "python\\.3\\.12\\.base\\.archive: could not download '$BASE/py312.tar.gz': " \
	"a failed download names the field and the url"
run_cmd 0 "a failed lock leaves the old lock alone" test -s "$L"

rm "$L"
run_pw 1 "--check: a missing lock is stale" lock --check "$T/p"
like "$ERR" "does not exist" "--check says the lock is missing"
printf '{"version": 1, "artifacts": [], "extra": 1}\n' >"$L"
run_pw 1 "--check: an invalid lock is stale" lock --check "$T/p"
like "$ERR" "pinwheel.lock:1:33: unknown key 'extra'" "the invalid lock's error has a position"

# sha256 in the config that the download contradicts
mkdir -p "$T/q"
cat >"$T/q/pinwheel.json" <<JSON
{"version": 1, "python": {"3.13": {"base": {"archive": {"url": "file://$T/www/extra.tar.gz",
  "sha256": "$PYX"}}}}, "platforms": ["manylinux_x86_64"], "manylinux": "native"}
JSON
run_pw 1 "a sha256 mismatch fails the lock" --store "$T/store2" lock "$T/q"
like "$ERR" "python\\.3\\.13\\.base\\.archive: sha256 mismatch for 'extra.tar.gz': the config says $PYX, the download is $EXTRA" \
	"the mismatch names the field and both digests"
run_cmd 1 "nothing is written" test -e "$T/q/pinwheel.lock"

# `pinwheel fetch` reads what `pinwheel lock` wrote: the blob lock
# downloaded is already in the store.
mkdir -p "$T/r"
cat >"$T/r/pinwheel.json" <<JSON
{"version": 1, "python": {"3.13": {"base": {"archive": {"url": "file://$T/www/extra.tar.gz"}}}},
 "platforms": ["manylinux_x86_64"], "manylinux": "native"}
JSON
run_pw 0 "lock a file:// archive" lock "$T/r"
run_pw 0 "fetch --offline finds every locked artifact" fetch --offline "$T/r"
like "$ERR" "1 artifacts present \\(1 already in the store" "the lock's artifact came through the store"

# With unpack options the lock's artifact also becomes a tree at fetch.
mkdir -p "$T/src/top/python/bin" "$T/s"
printf '#!/bin/sh\n' >"$T/src/top/python/bin/python3"
tar -C "$T/src" -czf "$T/www/cpython.tar.gz" top
cat >"$T/s/pinwheel.json" <<JSON
{"version": 1, "python": {"3.13": {"base": {"archive": {"url": "file://$T/www/cpython.tar.gz",
  "strip": 1, "subdir": "python", "dest": "/opt/python"}}}}, "platforms": ["manylinux_x86_64"],
 "manylinux": "native"}
JSON
run_pw 0 "lock an archive with unpack options" lock "$T/s"
run_pw 0 "fetch makes its tree" fetch "$T/s"
run_pw 0 "store ls" store ls
like "$OUT" "tree .*strip=1;subdir=python" "the tree has the lock's unpack options"
