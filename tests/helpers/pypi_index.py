#!/usr/bin/env python3
"""A loopback PEP 503 "simple" index for the PyPI provider tests.

Usage:
  pypi_index.py build DIR SPEC.json   write DIR/files/*.whl (pure-python
                                      wheels made with zipfile) and
                                      DIR/simple/<name>/index.html
  pypi_index.py serve DIR LOG         serve DIR on 127.0.0.1 (port 0); print
                                      the port, log "GET PATH" per request

SPEC: [{"name": "foo", "version": "1.0", "requires": ["bar>=1"],
        "modules": {"foo/__init__.py": "..."}, "scripts": {"foo-cli": "foo:main"},
        "sdist_only": false, "yanked": "reason"}, ...]
("yanked": the link carries PEP 592's data-yanked with that reason.)
"backend": true makes the wheel a tiny PEP 517 backend (module tinyback,
TINY_BACKEND below) instead of "modules".  "sdist": {"requires": [...],
"modules": {...}, "broken": false} publishes a real sdist (and no wheel):
NAME-VERSION.tar.gz with PKG-INFO, the modules and a pyproject.toml whose
[build-system] is requires + backend "tinyback" ("requires": null leaves
pyproject.toml out); "broken": true makes its build_wheel fail.  A plain
"sdist_only": true publishes a file that is not a tarball.
The server exits when its parent goes away (the test script) or after 120 s
($PYPI_INDEX_SECS, for a test that runs pip under qemu).
"""
import base64
import hashlib
import html
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time
import zipfile


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def record_hash(data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + d.decode()


# A PEP 517 backend of a few lines for the fixture's sdists: metadata from
# PKG-INFO, the wheel is every top-level *.py of the sdist, plus NAME_build.py
# whose INET says what creating an inet socket gave during the build
# ("allowed" or the errno's name: a seccomp filter's answer).
TINY_BACKEND = r'''
import base64, hashlib, os, zipfile


def _nv():
    nv = {}
    for line in open("PKG-INFO"):
        k, _, v = line.partition(":")
        nv.setdefault(k.strip(), v.strip())
    return nv["Name"], nv["Version"]


def _meta():
    name, version = _nv()
    return "%s-%s.dist-info" % (name, version), "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    di, meta = _meta()
    os.makedirs(os.path.join(metadata_directory, di))
    with open(os.path.join(metadata_directory, di, "METADATA"), "w") as f:
        f.write(meta)
    return di


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if os.path.exists("BROKEN"):
        raise RuntimeError("tinyback: this sdist is broken on purpose")
    di, meta = _meta()
    files = {}
    for n in sorted(os.listdir(".")):
        if n.endswith(".py"):
            files[n] = open(n, "rb").read()
    # what the build's sandbox said to an inet socket, for the tests
    import errno, socket
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        inet = "allowed"
    except OSError as e:
        inet = errno.errorcode.get(e.errno, str(e.errno))
    files["%s_build.py" % _nv()[0]] = ("INET = %r\n" % inet).encode()
    files[di + "/METADATA"] = meta.encode()
    files[di + "/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tinyback\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    rec = ""
    for n, d in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        rec += "%s,sha256=%s,%d\n" % (n, h, len(d))
    files[di + "/RECORD"] = (rec + di + "/RECORD,,\n").encode()
    fn = "%s-py3-none-any.whl" % di[: -len(".dist-info")]
    with zipfile.ZipFile(os.path.join(wheel_directory, fn), "w") as z:
        for n, d in files.items():
            z.writestr(zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0)), d)
    return fn
'''


def make_sdist(path, p):
    import io
    import tarfile
    sd = p["sdist"]
    top = "%s-%s" % (p["name"], p["version"])
    files = {"PKG-INFO": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (p["name"], p["version"])}
    if sd.get("requires", []) is not None:
        files["pyproject.toml"] = ("[build-system]\nrequires = %s\nbuild-backend = \"tinyback\"\n"
                                   % json.dumps(sd.get("requires", [])))
    files.update(sd.get("modules", {}))
    if sd.get("broken"):
        files["BROKEN"] = ""
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as t:
        for n in sorted(files):
            data = files[n].encode()
            ti = tarfile.TarInfo("%s/%s" % (top, n))
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = 315532800
            t.addfile(ti, io.BytesIO(data))


def make_wheel(path, p):
    dist = p["name"].replace("-", "_")
    info = "%s-%s.dist-info" % (dist, p["version"])
    files = {}
    mods = {"tinyback.py": TINY_BACKEND} if p.get("backend") else p.get("modules", {})
    for name, text in sorted(mods.items()):
        files[name] = text.encode()
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (p["name"], p["version"])
    for r in p.get("requires", []):
        meta += "Requires-Dist: %s\n" % r
    files[info + "/METADATA"] = meta.encode()
    files[info + "/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: pinwheel-test\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    if p.get("scripts"):
        ep = "[console_scripts]\n" + "".join(
            "%s = %s\n" % kv for kv in sorted(p["scripts"].items()))
        files[info + "/entry_points.txt"] = ep.encode()
    record = "".join("%s,%s,%d\n" % (n, record_hash(d), len(d)) for n, d in files.items())
    record += info + "/RECORD,,\n"
    files[info + "/RECORD"] = record.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            zi = zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            z.writestr(zi, d)


def build(root, spec):
    os.makedirs(os.path.join(root, "files"), exist_ok=True)
    links = {}
    for p in spec:
        if p.get("sdist"):
            fn = "%s-%s.tar.gz" % (p["name"], p["version"])
            make_sdist(os.path.join(root, "files", fn), p)
        elif p.get("sdist_only"):
            fn = "%s-%s.tar.gz" % (p["name"], p["version"])
            with open(os.path.join(root, "files", fn), "wb") as f:
                f.write(b"not really a tarball")
        else:
            fn = "%s-%s-py3-none-any.whl" % (p["name"].replace("-", "_"), p["version"])
            make_wheel(os.path.join(root, "files", fn), p)
        with open(os.path.join(root, "files", fn), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        links.setdefault(norm(p["name"]), []).append((fn, digest, p.get("yanked")))
    top = []
    for name, files in sorted(links.items()):
        d = os.path.join(root, "simple", name)
        os.makedirs(d, exist_ok=True)
        body = "".join('<a href="../../files/%s#sha256=%s"%s>%s</a><br>\n'
                       % (html.escape(fn), dg,
                          "" if y is None else ' data-yanked="%s"' % html.escape(y),
                          html.escape(fn)) for fn, dg, y in files)
        with open(os.path.join(d, "index.html"), "w") as f:
            f.write("<!DOCTYPE html>\n<html><body>\n%s</body></html>\n" % body)
        top.append('<a href="%s/">%s</a><br>\n' % (name, name))
    with open(os.path.join(root, "simple", "index.html"), "w") as f:
        f.write("<!DOCTYPE html>\n<html><body>\n%s</body></html>\n" % "".join(top))


class Handler(http.server.SimpleHTTPRequestHandler):
    log_path = None
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        with Handler.lock, open(Handler.log_path, "a") as f:
            f.write("GET %s\n" % self.path)
        super().do_GET()

    def end_headers(self):
        # Files never change once published: say so, as package indexes do
        # (pip's HTTP cache keeps such responses from https or trusted hosts).
        if self.path.startswith("/files/"):
            self.send_header("Cache-Control", "max-age=365000000, immutable, public")
        super().end_headers()


def serve(root, log):
    os.chdir(root)
    Handler.log_path = os.path.abspath(log) if os.path.isabs(log) else log
    parent = os.getppid()
    socketserver.TCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as srv:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        sys.stdout.write("%d\n" % srv.server_address[1])
        sys.stdout.flush()
        sys.stdout.close()
        deadline = time.monotonic() + int(os.environ.get("PYPI_INDEX_SECS", "120"))
        while os.getppid() == parent and time.monotonic() < deadline:
            time.sleep(0.2)
        srv.shutdown()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "build":
        with open(sys.argv[3]) as f:
            build(sys.argv[2], json.load(f))
    elif len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
