#!/usr/bin/env python3
"""Assemble an OCI image layout for the tests.

Usage: ocilayout.py OUT --tag TAG [--platform P]... [--layer SPEC]...
                [--env K=V]... [--workdir DIR] [--single]

Each --layer SPEC is DIR[:gz|:zst|:tar] (a directory packed as a tar
layer: sorted, owner 0, mtime 0; files named .wh.* are packed as they are,
so whiteouts are made by creating them) or hostile:KIND (KIND traversal:
a member "../escape"; whiteout: a whiteout ".wh.." of the parent, inside
"a/").  Layers are gzip-compressed unless :zst (the zstd CLI) or :tar.
Each --platform (default linux/amd64) gets a manifest over the same layers
with a config naming that platform; the image index lists them and is
tagged TAG in OUT/index.json.  --single tags the first manifest itself
(no index).  Prints "INDEX MANIFEST1 CONFIG1 LAYER..." digests.
--docker-save TAR also writes a legacy `docker save` archive of the first
platform's image (uncompressed layers HEX/layer.tar, config HEX.json,
manifest.json with RepoTags [--repotag]).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"


def put(out, data):
    d = hashlib.sha256(data).hexdigest()
    p = os.path.join(out, "blobs", "sha256", d)
    with open(p, "wb") as f:
        f.write(data)
    return "sha256:" + d


def tar_dir(src):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
        entries = []
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for n in sorted(dirs) + sorted(files):
                entries.append(os.path.join(root, n))
        entries.sort()
        for p in entries:
            ti = t.gettarinfo(p, os.path.relpath(p, src))
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            ti.mtime = 0
            if ti.isreg():
                with open(p, "rb") as f:
                    t.addfile(ti, f)
            else:
                t.addfile(ti)
    return bio.getvalue()


def tar_hostile(kind):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, data=b"", typ=tarfile.REGTYPE):
            ti = tarfile.TarInfo(name)
            ti.type = typ
            ti.size = len(data)
            ti.mode = 0o755 if typ == tarfile.DIRTYPE else 0o644
            t.addfile(ti, io.BytesIO(data))
        if kind == "traversal":
            add("ok.txt", b"ok\n")
            add("../escape", b"escaped\n")
        elif kind == "whiteout":
            add("a", typ=tarfile.DIRTYPE)
            add("a/.wh..", b"")
        else:
            sys.exit("unknown hostile kind " + kind)
    return bio.getvalue()


def compress(raw, how):
    if how == "tar":
        return raw, "application/vnd.oci.image.layer.v1.tar"
    if how == "zst":
        z = subprocess.run(["zstd", "-q", "-c", "--no-check"], input=raw, stdout=subprocess.PIPE,
                           check=True).stdout
        return z, "application/vnd.oci.image.layer.v1.tar+zstd"
    return gzip.compress(raw, compresslevel=1, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tag", required=True)
    ap.add_argument("--platform", action="append", default=[])
    ap.add_argument("--layer", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--workdir")
    ap.add_argument("--single", action="store_true")
    ap.add_argument("--attestation", action="store_true",
                    help="add an unknown/unknown entry to the index, as buildkit does")
    ap.add_argument("--docker-save")
    ap.add_argument("--docker-types", action="store_true",
                    help="Docker v2 manifest list / manifest media types, gzip layers")
    ap.add_argument("--repotag", action="append", default=[])
    a = ap.parse_args()
    global MT_INDEX, MT_MANIFEST, MT_CONFIG
    if a.docker_types:
        MT_INDEX = "application/vnd.docker.distribution.manifest.list.v2+json"
        MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
        MT_CONFIG = "application/vnd.docker.container.image.v1+json"
    os.makedirs(os.path.join(a.out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(a.out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    layers, diff_ids, raws = [], [], []
    for spec in a.layer:
        if spec.startswith("hostile:"):
            raw, how = tar_hostile(spec[8:]), "gz"
        else:
            d, _, how = spec.partition(":")
            raw = tar_dir(d)
        blob, mt = compress(raw, how or "gz")
        if a.docker_types:
            mt = "application/vnd.docker.image.rootfs.diff.tar.gzip"
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        raws.append(raw)
        layers.append({"mediaType": mt, "digest": put(a.out, blob), "size": len(blob)})
    manifests = []
    first = None
    for plat in a.platform or ["linux/amd64"]:
        parts = plat.split("/")
        pl = {"architecture": parts[1], "os": parts[0]}
        if len(parts) > 2:
            pl["variant"] = parts[2]
        cfg = dict(pl)
        cfg["config"] = {"Env": a.env or ["PATH=/usr/local/bin:/usr/bin:/bin"]}
        if a.workdir:
            cfg["config"]["WorkingDir"] = a.workdir
        cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
        cb = json.dumps(cfg, sort_keys=True).encode()
        man = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
               "config": {"mediaType": MT_CONFIG, "digest": put(a.out, cb), "size": len(cb)},
               "layers": layers}
        mb = json.dumps(man, sort_keys=True).encode()
        md = put(a.out, mb)
        if first is None:
            first = (md, len(mb), man["config"]["digest"])
            first_cfg = cb
        manifests.append({"mediaType": MT_MANIFEST, "digest": md, "size": len(mb), "platform": pl})
    if a.attestation:
        att = json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST, "layers": []}).encode()
        manifests.insert(0, {"mediaType": MT_MANIFEST, "digest": put(a.out, att), "size": len(att),
                             "platform": {"architecture": "unknown", "os": "unknown"}})
    ib = json.dumps({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests},
                    sort_keys=True).encode()
    idx = put(a.out, ib)
    if a.single:
        top = {"mediaType": MT_MANIFEST, "digest": first[0], "size": first[1]}
    else:
        top = {"mediaType": MT_INDEX, "digest": idx, "size": len(ib)}
    top["annotations"] = {"org.opencontainers.image.ref.name": a.tag}
    with open(os.path.join(a.out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [top]}, f)
    if a.docker_save:
        bio = io.BytesIO()
        with tarfile.open(fileobj=bio, mode="w", format=tarfile.USTAR_FORMAT) as t:
            def add(name, data):
                ti = tarfile.TarInfo(name)
                ti.size, ti.mode = len(data), 0o644
                t.addfile(ti, io.BytesIO(data))
            cname = first[2][7:] + ".json"
            names = []
            for i, raw in enumerate(raws):
                d = hashlib.sha256(b"legacy-id %d" % i).hexdigest()
                ti = tarfile.TarInfo(d)
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
                add(d + "/layer.tar", raw)
                names.append(d + "/layer.tar")
            add(cname, first_cfg)
            add("manifest.json", json.dumps([{"Config": cname, "RepoTags": a.repotag,
                                              "Layers": names}]).encode())
        with open(a.docker_save, "wb") as f:
            f.write(bio.getvalue())
    print(" ".join([idx, first[0], first[2]] + [l["digest"] for l in layers]))


if __name__ == "__main__":
    main()
