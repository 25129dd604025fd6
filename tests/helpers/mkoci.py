#!/usr/bin/env python3
"""mkoci.py - assemble OCI image layers and configs for the layer tests.

  mkoci.py build OUTDIR SCENARIO   write OUTDIR/config.json and OUTDIR/layer1..N
                                   (tar, gzip'ed or zstd'ed per scenario)
  mkoci.py list DIR                print the tree under DIR, one line a path:
                                   "PATH TYPE MODE DETAIL" (sorted), DETAIL the
                                   file content, symlink target; then one
                                   "link A B ..." line per set of hard links
  mkoci.py tamper FILE             flip one byte in the middle of FILE

Scenarios: "root" (mkoci.py build OUTDIR root BUSYBOX: a small runnable
image, busybox and a manylinux-style /opt/python, an Env to replay),
"layers" (three layers: gzip, zstd, plain; whiteouts, an opaque
whiteout after its siblings, hard links in and across layers, replacements
of files by directories and back, a device node, a fifo, setuid bits) and
hostile ones, each the lower layer "base" (gzip) then one bad layer:
"traversal", "absolute", "wh-dotdot", "wh-dot", "wh-symlink",
"entry-symlink", "hardlink-out", "wh-as-dir", "dup".
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MTIME = 1700000000


def ent(tf, name, kind="f", data=b"", mode=None, target=None, devmajor=0):
    ti = tarfile.TarInfo(name)
    ti.mtime = MTIME
    ti.uid = ti.gid = 1000 + len(name)  # ownership the applier must ignore
    if kind == "f":
        ti.type = tarfile.REGTYPE
        ti.size = len(data)
        ti.mode = 0o644 if mode is None else mode
        tf.addfile(ti, io.BytesIO(data))
        return
    if kind == "d":
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755 if mode is None else mode
    elif kind == "l":
        ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, target, 0o777
    elif kind == "h":
        ti.type, ti.linkname, ti.mode = tarfile.LNKTYPE, target, 0o644
    elif kind == "c":
        ti.type, ti.devmajor, ti.devminor, ti.mode = tarfile.CHRTYPE, devmajor, 3, 0o666
    elif kind == "p":
        ti.type, ti.mode = tarfile.FIFOTYPE, 0o644
    tf.addfile(ti)


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for e in entries:
            ent(tf, *e[:2], **(e[2] if len(e) > 2 else {}))
    return buf.getvalue()


def compress(raw, how):
    if how == "gzip":
        return gzip.compress(raw, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=raw, check=True,
                              stdout=subprocess.PIPE).stdout
    return raw


BASE = [
    ("etc", "d"),
    ("etc/a", "f", {"data": b"a1\n"}),
    ("etc/b", "f", {"data": b"b1\n"}),
    ("etc/keep", "d"),
    ("etc/keep/x", "f", {"data": b"x1\n"}),
    ("opt/d/f1", "f", {"data": b"f1\n"}),  # parents implicit
    ("opt/d/sub/s1", "f", {"data": b"s1\n"}),
    ("usr/bin", "d"),
    ("usr/bin/python3", "f", {"data": b"#!py\n", "mode": 0o755}),
    ("usr/bin/py", "l", {"target": "python3"}),
    ("usr/bin/h1", "h", {"target": "etc/a"}),
    ("bin/su", "f", {"data": b"su\n", "mode": 0o4755}),
    ("dev/null", "c", {"devmajor": 1}),
    ("run/fifo", "p"),
    ("rep1", "d"),
    ("rep1/inner", "f", {"data": b"inner\n"}),
    ("rep2", "f", {"data": b"rep2 file\n"}),
    ("sym", "l", {"target": "/etc"}),
    ("ro", "d", {"mode": 0o555}),
    ("ro/file", "f", {"data": b"ro\n", "mode": 0o444}),
    ("deep", "d"),
    ("deep/a", "d", {"mode": 0o700}),
    ("deep/a/b", "d"),
    ("deep/a/b/f", "f", {"data": b"deep\n"}),
]

LAYER2 = [
    ("etc/.wh.b", "f"),
    ("etc/.wh.keep", "f"),
    ("opt/d/f3", "f", {"data": b"f3\n"}),  # before the opaque marker: kept
    ("opt/d/.wh..wh..opq", "f"),
    ("opt/d/sub/s2", "f", {"data": b"s2\n"}),  # after it: kept too
    ("lib/h2", "h", {"target": "etc/a"}),  # to a file of the layer below
    ("rep1", "f", {"data": b"now a file\n"}),
    ("rep2", "d", {"mode": 0o750}),
    ("rep2/child", "f", {"data": b"child\n"}),
    ("sym", "d"),
    ("sym/inside", "f", {"data": b"inside\n"}),
    ("dev/null", "c", {"devmajor": 1}),
    (".wh..wh.plnk", "d"),
    (".wh.deep", "f"),  # directories listed below it are gone too
]

LAYER3 = [
    ("etc/a", "f", {"data": b"a3\n"}),  # h1 and h2 keep the old file
    ("etc/.wh.nothing", "f"),
    ("c", "f", {"data": b"c3\n"}),
    (".wh.c", "f"),  # same layer: does not remove c
    ("usr/bin/py", "f", {"data": b"no longer a link\n"}),
    ("run/.wh.fifo", "f"),
    ("ro/new", "f", {"data": b"new\n"}),
]

HOSTILE = {
    "traversal": [("../escape", "f", {"data": b"x"})],
    "absolute": [("/abs", "f", {"data": b"x"})],
    "wh-dotdot": [("etc/.wh...", "f")],
    "wh-dot": [("etc/.wh..", "f")],
    "wh-symlink": [("sym/.wh.passwd", "f")],
    "entry-symlink": [("sym/passwd", "f", {"data": b"x"})],
    "hardlink-out": [("etc/l", "h", {"target": "../../etc/passwd"})],
    "wh-as-dir": [(".wh.x/y", "f", {"data": b"x"})],
    "dup": [("z", "f", {"data": b"1"}), ("z", "f", {"data": b"2"})],
}


def root_layers(busybox):
    with open(busybox, "rb") as f:
        bb = f.read()
    base = [(d, "d") for d in ("proc", "dev", "sys", "tmp", "etc", "usr/bin", "opt", "run")]
    base += [("usr/bin/busybox", "f", {"data": bb, "mode": 0o755}),
             ("bin", "l", {"target": "usr/bin"}),
             ("etc/gone", "f", {"data": b"removed by layer 2\n"}),
             ("opt/_internal/cpython-3.13/bin/python3.13", "f", {"data": bb, "mode": 0o755}),
             ("opt/python/cp313-cp313", "l", {"target": "../_internal/cpython-3.13"}),
             ("opt/_internal/cpython-3.13/bin/python", "l", {"target": "python3.13"})]
    top = [("etc/.wh.gone", "f"),
           ("etc/image-release", "f", {"data": b"pinwheel test image\n"})]
    return [(base, "gzip"), (top, "zstd")]


ROOT_ENV = ["PATH=/opt/tool/bin:/usr/local/bin:/usr/bin:/bin", "HOME=/root", "TZ=Europe/Paris",
            "LC_ALL=en_US.UTF-8", "LANG=en_US.UTF-8",
            "LD_LIBRARY_PATH=/opt/lib", "PKG_CONFIG_PATH=/opt/lib/pkgconfig",
            "AUDITWHEEL_PLAT=manylinux_2_28_x86_64", "SSL_CERT_FILE=/etc/ssl/cert.pem",
            "SOURCE_DATE_EPOCH=1"]


def build(out, scenario, arg=None):
    os.makedirs(out, exist_ok=True)
    env = ["PATH=/opt/bin:/usr/bin:/bin", "AUDITWHEEL_PLAT=manylinux_2_28_x86_64"]
    if scenario == "root":
        layers, env = root_layers(arg), ROOT_ENV
    elif scenario == "layers":
        layers = [(BASE, "gzip"), (LAYER2, "zstd"), (LAYER3, "plain")]
    elif scenario in HOSTILE:
        layers = [(BASE, "gzip"), (HOSTILE[scenario], "plain")]
    else:
        sys.exit("unknown scenario " + scenario)
    diff_ids, blobs = [], []
    for i, (entries, how) in enumerate(layers, 1):
        raw = tar_bytes(entries)
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        blob = compress(raw, how)
        blobs.append(("layer%d" % i, blob))
        with open(os.path.join(out, "layer%d" % i), "wb") as f:
            f.write(blob)
    cfg = {"architecture": "amd64", "os": "linux",
           "config": {"Env": env, "WorkingDir": "/work", "User": "1000"},
           "rootfs": {"type": "layers", "diff_ids": diff_ids},
           "history": [{"created_by": "mkoci.py"}]}
    data = json.dumps(cfg).encode()
    with open(os.path.join(out, "config.json"), "wb") as f:
        f.write(data)
    # "NAME SHA256 SIZE" of the config and each layer blob, in order
    with open(os.path.join(out, "digests"), "w") as f:
        for name, blob in [("config.json", data)] + blobs:
            f.write("%s %s %d\n" % (name, hashlib.sha256(blob).hexdigest(), len(blob)))


def list_tree(top):
    lines, inodes = [], {}
    for dirpath, dirs, files in os.walk(top):
        for name in sorted(dirs + files):
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, top)
            st = os.lstat(p)
            mode = "%o" % (st.st_mode & 0o7777)
            if os.path.islink(p):
                lines.append("%s l %s" % (rel, os.readlink(p)))
            elif os.path.isdir(p):
                lines.append("%s d %s" % (rel, mode))
            else:
                with open(p, "rb") as f:
                    data = f.read().decode().replace("\n", "\\n")
                lines.append("%s f %s %s" % (rel, mode, data))
                inodes.setdefault(st.st_ino, []).append(rel)
    for line in sorted(lines):
        print(line)
    for names in sorted(sorted(v) for v in inodes.values() if len(v) > 1):
        print("link " + " ".join(names))


def tamper(path):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        i = len(data) // 2
        data[i] ^= 0x55
        f.seek(0)
        f.write(data)


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif sys.argv[1] == "list":
        list_tree(sys.argv[2])
    elif sys.argv[1] == "tamper":
        tamper(sys.argv[2])
    else:
        sys.exit(__doc__)
