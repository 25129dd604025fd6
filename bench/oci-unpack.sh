#!/bin/sh
# bench/oci-unpack.sh - applying a multi-layer OCI image: pinwheel's
# pw_oci_apply (through tests/helpers/pw-oci-apply, the code the "oci-image"
# roots builder runs) against `umoci unpack --rootless` (Debian package
# umoci) on an OCI image layout of the same image, in the same run.
#
#   sh bench/oci-unpack.sh [RUNS] [ROOTDIR]     (default 3 runs of each)
#
# umoci 0.4.7 (Debian 12) cannot read zstd layers, so its layout carries
# layer 2 gzip'ed; pinwheel is timed on those same blobs (the ratio), and
# also on the image with the zstd layer 2 (printed for information).
# The image: ROOTDIR (default: the largest Debian root tree in the store,
# ${PINWHEEL_STORE:-~/.cache/pinwheel}/trees) split into four layers:
#   1 gzip  everything but /usr
#   2 zstd  /usr/lib
#   3 gzip  the rest of /usr
#   4 plain whiteouts (/usr/share/doc, an opaque /usr/share/man) and a few files
# The uncompressed image must be >= 500 MB or the script stops.  Inputs are
# kept in BENCH_DIR (default a temp dir, removed at the end).  Runs
# alternate umoci / pinwheel, each into a fresh directory, with `sync`
# (untimed) before each.  Prints each time, the medians and the ratio
# pinwheel/umoci of the medians, and checks that both trees list the same
# paths.  Not part of `make check`.
set -eu
RUNS=${1:-3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory build/tests/helpers/pw-oci-apply >/dev/null
A="$SRCDIR/build/tests/helpers/pw-oci-apply"
command -v umoci >/dev/null || { echo "umoci is not installed (apt-get install umoci)"; exit 1; }
STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
ROOT=${2:-}
if [ -z "$ROOT" ]; then
	ROOT=$(python3 - "$STORE/trees" <<'PY'
import json, os, sys
d = sys.argv[1]
best = max(((json.load(open(os.path.join(d, f))).get("size", 0), f[:-5])
            for f in os.listdir(d) if f.endswith(".json")
            and json.load(open(os.path.join(d, f))).get("kind") == "debian-root"),
           default=(0, ""))
print(os.path.join(d, best[1]) if best[1] else "")
PY
)
fi
[ -n "$ROOT" ] && [ -d "$ROOT/usr/lib" ] || { echo "no Debian root tree found (give ROOTDIR)"; exit 1; }
keep=1
if [ -z "${BENCH_DIR:-}" ]; then
	BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
	keep=0
fi
W="$BENCH_DIR"
cleanup() {
	chmod -R u+w "$W/out" 2>/dev/null || true
	rm -rf "$W/out"
	[ "$keep" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/out"

if [ ! -s "$W/config.json" ]; then
	echo "assembling the image from $ROOT in $W ..."
	TAR="tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C $ROOT"
	# shellcheck disable=SC2086
	$TAR --exclude=./usr -cf "$W/l1.tar" .
	$TAR -cf "$W/l2.tar" ./usr/lib
	$TAR --exclude=./usr/lib -cf "$W/l3.tar" ./usr
	mkdir -p "$W/l4/usr/share/man" "$W/l4/etc"
	: >"$W/l4/usr/share/.wh.doc"
	: >"$W/l4/usr/share/man/.wh..wh..opq"
	echo "bench image" >"$W/l4/usr/share/man/README"
	echo "bench" >"$W/l4/etc/image-release"
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$W/l4" -cf "$W/l4.tar" .
	rm -rf "$W/l4"
	total=$(cat "$W"/l1.tar "$W"/l2.tar "$W"/l3.tar "$W"/l4.tar | wc -c)
	[ "$total" -ge 500000000 ] || { echo "image is only $total bytes (< 500 MB)"; exit 1; }
	echo "$total" >"$W/size"
	gzip -n -1 -c "$W/l1.tar" >"$W/b1" && zstd -q -3 -c "$W/l2.tar" >"$W/b2"
	gzip -n -1 -c "$W/l2.tar" >"$W/b2g"
	gzip -n -1 -c "$W/l3.tar" >"$W/b3" && cp "$W/l4.tar" "$W/b4"
	python3 - "$W" <<'PY'
import hashlib, json, os, shutil, sys
w = sys.argv[1]
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()
# umoci 0.4.7 (Debian 12) cannot read zstd layers: its layout gets layer 2
# gzip'ed (same uncompressed layer, same diff_id)
types = ["tar+gzip", "tar+gzip", "tar+gzip", "tar"]
diff = ["sha256:" + sha(os.path.join(w, "l%d.tar" % i)) for i in range(1, 5)]
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"]},
                  "rootfs": {"type": "layers", "diff_ids": diff}}).encode()
open(os.path.join(w, "config.json"), "wb").write(cfg)
lay = os.path.join(w, "layout")
os.makedirs(os.path.join(lay, "blobs", "sha256"), exist_ok=True)
def put(data=None, path=None):
    if path:
        d = sha(path); shutil.copy(path, os.path.join(lay, "blobs", "sha256", d))
        return d, os.path.getsize(path)
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(lay, "blobs", "sha256", d), "wb").write(data)
    return d, len(data)
cd, cs = put(cfg)
layers = []
for i in range(1, 5):
    d, s = put(path=os.path.join(w, "b2g" if i == 2 else "b%d" % i))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1." + types[i - 1],
                   "digest": "sha256:" + d, "size": s})
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                             "digest": "sha256:" + cd, "size": cs},
                  "layers": layers}).encode()
md, ms = put(man)
json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(lay, "oci-layout"), "w"))
json.dump({"schemaVersion": 2, "manifests": [{
    "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + md,
    "size": ms, "annotations": {"org.opencontainers.image.ref.name": "bench"}}]},
    open(os.path.join(lay, "index.json"), "w"))
PY
	rm -f "$W"/l[1-4].tar
fi
echo "image: $(($(cat "$W/size") / 1048576)) MiB uncompressed in 4 layers," \
	"$(($(cat "$W"/b1 "$W"/b2 "$W"/b3 "$W"/b4 | wc -c) / 1048576)) MiB of blobs"

med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
: >"$W/t.umoci"
: >"$W/t.pw"
: >"$W/t.pwz"
i=0
while [ "$i" -lt "$RUNS" ]; do
	rm -rf "$W/out/u" "$W/out/p" "$W/out/z"
	sync
	t0=$(now)
	umoci unpack --rootless --image "$W/layout:bench" "$W/out/u" >/dev/null
	t1=$(now)
	sync
	t2=$(now)
	"$A" "$W/config.json" "$W/out/p" "$W/b1" "$W/b2g" "$W/b3" "$W/b4" >/dev/null
	t3=$(now)
	rm -rf "$W/out/z"
	sync
	t4=$(now)
	"$A" "$W/config.json" "$W/out/z" "$W/b1" "$W/b2" "$W/b3" "$W/b4" >/dev/null
	t5=$(now)
	echo "$t1 - $t0" | bc >>"$W/t.umoci"
	echo "$t3 - $t2" | bc >>"$W/t.pw"
	echo "$t5 - $t4" | bc >>"$W/t.pwz"
	echo "run $((i + 1)): umoci $(tail -1 "$W/t.umoci") s, pinwheel $(tail -1 "$W/t.pw") s," \
		"pinwheel with the zstd layer $(tail -1 "$W/t.pwz") s"
	chmod -R u+w "$W/out/u" 2>/dev/null || true
	i=$((i + 1))
done
(cd "$W/out/u/rootfs" && find . | sort) >"$W/list.u"
(cd "$W/out/p" && find . | sort) >"$W/list.p"
if cmp -s "$W/list.u" "$W/list.p"; then
	echo "same paths in both trees ($(wc -l <"$W/list.p") entries)"
else
	echo "the trees differ in their paths:"
	diff "$W/list.u" "$W/list.p" | head -10
fi
mu=$(med <"$W/t.umoci")
mp=$(med <"$W/t.pw")
mz=$(med <"$W/t.pwz")
echo "median: umoci unpack --rootless $mu s, pinwheel $mp s (with the zstd layer: $mz s)"
echo "ratio pinwheel/umoci: $(echo "scale=3; $mp / $mu" | bc)"
