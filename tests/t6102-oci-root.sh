#!/bin/sh
# An OCI image as a target's root, from a lock written here (the registry
# side is the ocireg tests'): `fetch` applies the image into one store tree
# ("oci-image" layer: config, then the layer blobs), `run --target` runs in
# it with the image's Env replayed (PATH, LD_LIBRARY_PATH, PKG_CONFIG_PATH,
# AUDITWHEEL_PLAT, SSL_CERT_FILE) while HOME, TZ, LC_ALL, LANG and
# SOURCE_DATE_EPOCH stay pinwheel's and --env still wins; the manylinux
# interpreter path is found through symlinks inside the tree; a tampered
# layer blob is refused and no tree is stored.
. "$SRCDIR/tests/lib.sh"
A="$SRCDIR/$BUILD/tests/helpers/pw-oci-apply"
MK="$SRCDIR/tests/helpers/mkoci.py"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || skip_all "busybox-static is not installed ($BUSYBOX)"
[ -x "$A" ] || skip_all "pw-oci-apply helper not built"
command -v zstd >/dev/null || skip_all "zstd is not installed"
plan 23

python3 "$MK" build "$T/img" root "$BUSYBOX" || skip_all "could not assemble the test image"
TGT=cp313-manylinux_x86_64
writelock() { # writelock IMGDIR PROJDIR
	mkdir -p "$2"
	python3 - "$1" "$2/pinwheel.lock" "$TGT" <<'PY'
import json, os, sys
img, out, tgt = sys.argv[1:4]
rows = [l.split() for l in open(os.path.join(img, "digests"))]
arts = [{"name": "oci-test/" + name, "kind": "oci-config" if i == 0 else "oci-layer",
         "urls": ["file://" + os.path.abspath(os.path.join(img, name))],
         "sha256": sha, "size": int(size), "needed_by": [tgt]}
        for i, (name, sha, size) in enumerate(rows)]
lock = {"version": 1, "pinwheel": "0.1.0", "config_digest": "0" * 64, "artifacts": arts,
        "roots": {tgt: {"layers": [{"name": "oci-test", "how": "oci-image", "dest": "/",
                                     "artifacts": [r[1] for r in rows]}]}}}
json.dump(lock, open(out, "w"), indent=2)
PY
}
writelock "$T/img" "$T/p"

run_pw 2 "run before fetch" run --target $TGT "$T/p" -- busybox true
like "$ERR" "root not fetched \(layer 'oci-test' is missing\); run 'pinwheel fetch'" "says to fetch"
run_pw 0 "fetch applies the image" -q fetch "$T/p"
like "$OUT" "^$TGT  root [0-9a-f]{64}$" "a root id"
ROOT=$(printf '%s\n' "$OUT" | sed 's/.* root //')
run_pw 0 "fetch again: cached" -q fetch "$T/p"
is "$OUT" "$TGT  root $ROOT" "same root id"
TREE=$(ls "$PINWHEEL_STORE/trees" | grep -v json)
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["kind"], d["oci"]["whiteouts"], len(d["oci"]["layers"]))' "$PINWHEEL_STORE/trees/$TREE.json")" \
	"oci-image 1 2" "the tree record names the image and counts its whiteouts"

run_pw 0 "run in the image root" run --target $TGT "$T/p" -- busybox env
E=$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')
is "$E" "AUDITWHEEL_PLAT=manylinux_2_28_x86_64 HOME=/tmp/home LC_ALL=C.UTF-8 LD_LIBRARY_PATH=/opt/lib PATH=/opt/tool/bin:/usr/local/bin:/usr/bin:/bin PKG_CONFIG_PATH=/opt/lib/pkgconfig PYTHONHASHSEED=0 SSL_CERT_FILE=/etc/ssl/cert.pem TZ=UTC " \
	"the image's Env replayed; HOME, TZ, LC_ALL, LANG, SOURCE_DATE_EPOCH stay pinwheel's"
run_pw 0 "--env wins over the image" run --target $TGT --env PATH=/usr/bin:/bin --env AUDITWHEEL_PLAT=x "$T/p" -- busybox env
like "$(printf '%s\n' "$OUT" | grep -E '^(PATH|AUDITWHEEL_PLAT)=' | sort | tr '\n' ' ')" "^AUDITWHEEL_PLAT=x PATH=/usr/bin:/bin $" "the caller's values"
run_pw 0 "the whiteout of the upper layer" run --target $TGT "$T/p" -- busybox sh -c 'ls /etc/gone 2>/dev/null; cat /etc/image-release'
is "$OUT" "pinwheel test image" "lower file gone, upper file there"
run_cmd 0 "the manylinux interpreter, through symlinks in the tree" "$A" --python "$PINWHEEL_STORE/trees/$TREE" 3.13
is "$OUT" "/opt/python/cp313-cp313/bin/python" "cp313 -> /opt/python/cp313-cp313/bin/python"
run_cmd 1 "no free-threaded one" "$A" --python "$PINWHEEL_STORE/trees/$TREE" 3.13 t
run_pw 0 "and it is there in the sandbox" run --target $TGT "$T/p" -- busybox test -x /opt/python/cp313-cp313/bin/python

# A tampered layer blob (a digest the lock does not pin) is refused by fetch.
cp -r "$T/img" "$T/img2"
python3 "$MK" tamper "$T/img2/layer1"
writelock "$T/img" "$T/p2"
sed "s|$T/img/|$T/img2/|" "$T/p2/pinwheel.lock" >"$T/p2/l" && mv "$T/p2/l" "$T/p2/pinwheel.lock"
export PINWHEEL_STORE="$T/store2"
run_pw 1 "fetch of a tampered layer fails" -q fetch "$T/p2"
like "$ERR" "layer1" "the error names the blob"
is "$(ls "$T/store2/trees" 2>/dev/null | grep -c .)" "0" "no tree stored"

# A config whose diff_id does not match its layer: fetched fine (the blobs
# are what the lock pins), but the tree is refused and not stored.
cp -r "$T/img" "$T/img3"
python3 - "$T/img3" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
c = json.load(open(os.path.join(d, "config.json")))
c["rootfs"]["diff_ids"][1] = c["rootfs"]["diff_ids"][0]
data = json.dumps(c).encode()
open(os.path.join(d, "config.json"), "wb").write(data)
rows = [l.split() for l in open(os.path.join(d, "digests"))]
rows[0] = ["config.json", hashlib.sha256(data).hexdigest(), str(len(data))]
open(os.path.join(d, "digests"), "w").write("".join(" ".join(r) + "\n" for r in rows))
PY
writelock "$T/img3" "$T/p3"
export PINWHEEL_STORE="$T/store3"
run_pw 1 "fetch: the layer does not match the config's diff_id" -q fetch "$T/p3"
like "$ERR" "layer 'oci-test': layer 2 of 2 \('[0-9a-f]{64}'\): uncompressed layer has sha256:[0-9a-f]{64}, the config's diff_id is sha256:[0-9a-f]{64}" \
	"one line: target, layer, blob, expected vs found"
is "$(ls -A "$T/store3/trees" | grep -c .)|$(ls -A "$T/store3/tmp" | grep -c .)" "0|0" "no tree, no temp dir left"
