# bench/debian-mirror.sh - sourced by bench/roots-real.sh and
# bench/hybrid-roots.sh: examples/hybrid's cp311 Debian base locked against a
# file:// mirror made of the signed InRelease and Packages index apt itself
# fetched, with the locked .debs downloaded by `apt-get download` and put at
# their pool paths.  Needs BENCH (the caller's name, for messages).  Leaves:
# SRCDIR, PW, W (work dir, removed at exit), S (store), W/proj (the project,
# without build_requires and crates), now/el (timing helpers).
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW="$SRCDIR/build/pinwheel"
[ "$(id -u)" -eq 0 ] || { echo "$BENCH: run as root (apt-get download)" >&2; exit 2; }
[ -x "$PW" ] || { echo "$BENCH: run 'make' first" >&2; exit 2; }
command -v lz4 >/dev/null || apt-get install -y -q lz4 >/dev/null
LISTS=/var/lib/apt/lists
INREL=$(ls "$LISTS"/*_dists_bookworm_InRelease | head -1)
PKGIDX=$(ls "$LISTS"/*_dists_bookworm_main_binary-amd64_Packages* | head -1)
[ -f "$INREL" ] && [ -f "$PKGIDX" ] || { echo "$BENCH: run apt-get update (bookworm)" >&2; exit 2; }

W=$(mktemp -d /var/tmp/pw-bench.XXXXXX)
cleanup() { chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
M="$W/mirror"
mkdir -p "$M/dists/bookworm/main/binary-amd64" "$W/proj" "$W/dl" "$W/x"
cp "$INREL" "$M/dists/bookworm/InRelease"
case "$PKGIDX" in
*.lz4) lz4 -dc "$PKGIDX" >"$M/dists/bookworm/main/binary-amd64/Packages" ;;
*) cp "$PKGIDX" "$M/dists/bookworm/main/binary-amd64/Packages" ;;
esac
python3 - "$SRCDIR/examples/hybrid/pinwheel.json" "$W/proj/pinwheel.json" "file://$M" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.pop("$schema", None); c.pop("build_requires", None); c.pop("crates", None); c.pop("optional", None)
c["python"] = {"3.11": c["python"]["3.11"]}
c["python"]["3.11"]["base"]["debian"]["mirror"] = sys.argv[3]
c["platforms"] = ["manylinux_x86_64"]
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
now() { date +%s.%N; }
el() { echo "$2 - $1" | bc; }
S="$W/store"
t0=$(now); "$PW" -q --store "$S" lock "$W/proj"; t1=$(now)
echo "lock (InRelease + gpgv + 50 MB Packages + resolve):  $(el "$t0" "$t1") s"
python3 - "$W/proj/pinwheel.lock" >"$W/pkgs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (a["package"], a["version"]) for a in d["artifacts"] if a["kind"] == "deb"))
PY
(cd "$W/dl" && apt-get download -q $(cat "$W/pkgs") >/dev/null 2>&1)
python3 - "$W/proj/pinwheel.lock" "$W/dl" <<'PY'
import hashlib, json, os, shutil, sys
d = json.load(open(sys.argv[1]))
by = {hashlib.sha256(open(os.path.join(sys.argv[2], f), "rb").read()).hexdigest(): f
      for f in os.listdir(sys.argv[2])}
for a in d["artifacts"]:
    if a["kind"] != "deb":
        continue
    p = a["urls"][0][len("file://"):]
    os.makedirs(os.path.dirname(p), exist_ok=True)
    shutil.copy(os.path.join(sys.argv[2], by[a["sha256"]]), p)
PY
echo "$(wc -w <"$W/pkgs") packages, $(du -sh "$W/dl" | cut -f1)"
