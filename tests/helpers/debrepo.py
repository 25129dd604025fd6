#!/usr/bin/env python3
"""debrepo.py - a tiny Debian repository for the integration tests.

  debrepo.py build OUTDIR SPEC.json   write pool/ .debs, dists/SUITE/main/
                                      binary-ARCH/Packages{,.gz,.xz} and
                                      dists/SUITE/Release (unsigned)
  debrepo.py serve DIR                serve DIR on 127.0.0.1 (a free port),
                                      print the port on stdout, then serve

SPEC: {"suite": "s", "arch": "amd64" (or "arches": ["amd64", "arm64"]), "packages": [{"Package": ..., "Version":
..., "Architecture": ..., other control fields ..., "files": {"path": "text"},
"links": {"path": "target"}, "copy": {"path": "host file (binary, mode 0755)"},
"tar": "a host tarball whose files, links and directories the .deb carries
(files mode 0755)"}], "sources": [{"Package": ..., "Version": ..., "orig":
"NAME.orig.tar.xz", "served": true}]} -- "sources" writes main/source/Sources
(plain, .gz, .xz) with each stanza's orig tarball listed, the tarball itself
(a few bytes) in pool/main/ only when "served".
With DEBREPO_LOG set, `serve` appends "METHOD PATH" of each request to that
file.  Test-only: never part of the product.
"""
import gzip
import hashlib
import http.server
import io
import json
import lzma
import os
import socketserver
import sys
import tarfile


def tar_bytes(entries, compress):
    """entries: list of (path, kind, data) with kind 'dir', 'file', 'link'."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as t:
        for path, kind, data in entries:
            ti = tarfile.TarInfo("./" + path if path else ".")
            ti.mtime = 1700000000
            ti.uname = ti.gname = "root"
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            elif kind == "link":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data
                t.addfile(ti)
            else:
                b = data if isinstance(data, bytes) else data.encode()
                ti.size = len(b)
                ti.mode = 0o755 if "/bin/" in "/" + path or kind == "copy" else 0o644
                t.addfile(ti, io.BytesIO(b))
    data = raw.getvalue()
    return gzip.compress(data, mtime=0) if compress == "gz" else lzma.compress(data)


def ar_member(name, data):
    hdr = "%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name, 1700000000, 0, 0, "100644", len(data))
    out = hdr.encode() + data
    return out + (b"\n" if len(data) % 2 else b"")


def make_deb(pkg):
    files = dict(pkg.get("files", {}))
    links = pkg.get("links", {})
    copied = set()
    for p, src in pkg.get("copy", {}).items():
        with open(src, "rb") as f:
            files[p] = f.read()
        copied.add(p)
    if "tar" in pkg:
        links = dict(links)
        with tarfile.open(pkg["tar"]) as t:
            for m in t.getmembers():
                p = m.name.lstrip("./").lstrip("/")
                if m.issym():
                    links[p] = m.linkname
                elif m.isfile() or m.islnk():  # a hard link: its target's bytes
                    files[p] = t.extractfile(m).read()
                    copied.add(p)
    dirs = set()
    for p in list(files) + list(links):
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    entries = [("", "dir", None)] + [(d, "dir", None) for d in sorted(dirs)]
    entries += [(p, "copy" if p in copied else "file", files[p]) for p in sorted(files)]
    entries += [(p, "link", links[p]) for p in sorted(links)]
    control = "".join("%s: %s\n" % (k, v) for k, v in pkg.items()
                      if k not in ("files", "links", "copy", "tar"))
    if "Maintainer" not in pkg:
        control += "Maintainer: Test <test@mirror.example>\nDescription: test package\n"
    ctl = tar_bytes([("", "dir", None), ("control", "file", control)], "gz")
    dat = tar_bytes(entries, "xz")
    return (b"!<arch>\n" + ar_member("debian-binary", b"2.0\n")
            + ar_member("control.tar.gz", ctl) + ar_member("data.tar.xz", dat))


def build(outdir, spec):
    """With "arches": [...] (instead of "arch") one index per architecture,
    each with that architecture's and the "all" packages."""
    suite, arches = spec["suite"], spec.get("arches") or [spec.get("arch", "amd64")]
    stanzas = []
    for pkg in spec["packages"]:
        deb = make_deb(pkg)
        a = pkg["Architecture"]
        fn = "pool/main/%s_%s_%s.deb" % (pkg["Package"], pkg["Version"].split(":", 1)[-1], a)
        os.makedirs(os.path.join(outdir, "pool/main"), exist_ok=True)
        with open(os.path.join(outdir, fn), "wb") as f:
            f.write(deb)
        st = "".join("%s: %s\n" % (k, v) for k, v in pkg.items()
                     if k not in ("files", "links", "copy", "tar"))
        st += "Filename: %s\nSize: %d\nSHA256: %s\n" % (fn, len(deb), hashlib.sha256(deb).hexdigest())
        stanzas.append((a, st))
    d = os.path.join(outdir, "dists", suite)
    lines = []
    for arch in arches:
        mine = [st for a, st in stanzas if "arches" not in spec or a in (arch, "all")]
        text = "\n".join(mine).encode()
        rel = "main/binary-%s/" % arch
        os.makedirs(os.path.join(d, rel), exist_ok=True)
        variants = {"Packages": text, "Packages.gz": gzip.compress(text, mtime=0),
                    "Packages.xz": lzma.compress(text)}
        for name, data in sorted(variants.items()):
            with open(os.path.join(d, rel, name), "wb") as f:
                f.write(data)
            lines.append(" %s %d %s%s" % (hashlib.sha256(data).hexdigest(), len(data), rel, name))
    if spec.get("sources"):
        text = ""
        for src in spec["sources"]:
            pkg, orig = src["Package"], src["orig"]
            body = ("orig of %s %s\n" % (pkg, src["Version"])).encode()
            d_ = "pool/main/%s/%s" % (pkg[0], pkg)
            if src.get("served"):
                os.makedirs(os.path.join(outdir, d_), exist_ok=True)
                with open(os.path.join(outdir, d_, orig), "wb") as f:
                    f.write(body)
            text += ("Package: %s\nVersion: %s\nDirectory: %s\nChecksums-Sha256:\n %s %d %s\n\n"
                     % (pkg, src["Version"], d_, hashlib.sha256(body).hexdigest(), len(body), orig))
        text = text.encode()
        os.makedirs(os.path.join(d, "main/source"), exist_ok=True)
        variants = {"Sources": text, "Sources.gz": gzip.compress(text, mtime=0),
                    "Sources.xz": lzma.compress(text)}
        for name, data in sorted(variants.items()):
            with open(os.path.join(d, "main/source", name), "wb") as f:
                f.write(data)
            lines.append(" %s %d main/source/%s" % (hashlib.sha256(data).hexdigest(), len(data), name))
    release = ("Origin: Test\nSuite: %s\nCodename: %s\nArchitectures: %s\nComponents: main\n"
               "Date: Tue, 14 Nov 2023 22:13:20 UTC\nSHA256:\n%s\n"
               % (suite, suite, " ".join(arches), "\n".join(lines)))
    with open(os.path.join(d, "Release"), "w") as f:
        f.write(release)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        log = os.environ.get("DEBREPO_LOG")
        if log:
            with open(log, "a") as f:
                f.write("%s %s\n" % (self.command, self.path))


def serve(root):
    os.chdir(root)
    socketserver.TCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Quiet) as srv:
        sys.stdout.write("%d\n" % srv.server_address[1])
        sys.stdout.flush()
        srv.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "build":
        with open(sys.argv[3]) as f:
            build(sys.argv[2], json.load(f))
    elif len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit(__doc__)
