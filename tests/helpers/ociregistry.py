#!/usr/bin/env python3
"""A loopback OCI registry for the tests: serves an OCI image layout over
the distribution API, with a bearer-token endpoint and fault switches.

Usage: ociregistry.py --layout DIR --ctl DIR --log FILE [--lifetime S]

Listens on two ports of 127.0.0.1 and prints "PORT BLOBPORT" on stdout (one
line, then stdout is closed).  PORT is the registry:

  GET /v2/                        401 + WWW-Authenticate: Bearer realm=...
  GET /token?service=&scope=      {"token": ...}  (see ctl files below)
  GET /v2/NAME/manifests/REF      a tag (the layout's index.json annotation
                                  org.opencontainers.image.ref.name) or a
                                  digest; Content-Type from its mediaType
  GET /v2/NAME/blobs/DIGEST       the blob; honours "Range: bytes=N-"

Every /v2/ request without "Authorization: Bearer TOKEN" gets 401 with the
challenge.  BLOBPORT serves GET /blob/DIGEST (the target of redirects).

Fault switches are files in the --ctl directory, read at every request:
  refuse-token     the token endpoint answers 401
  basic            its content (base64 user:password) is the only Basic
                   credential the token endpoint accepts
  tamper           digests (one per line) whose blob bytes are served with
                   the first byte flipped
  missing          digests answered 404
  redirect         blobs are answered 307 to BLOBPORT/blob/DIGEST
  expire-after     N: each token issued from now on serves N blob requests,
                   then is answered 401 (an expired token)
  wrong-dcd        manifests carry a Docker-Content-Digest that is not
                   theirs (it is advisory: the body's digest must win)

Every request is logged as "PORTNAME METHOD PATH AUTH" where PORTNAME is
"reg" or "blob" and AUTH "bearer", "basic" or "-".
"""
import argparse
import http.server
import json
import os
import socket
import sys
import threading
import time

TOKEN = "pinwheel-test-token"
TOKENS = {}  # token -> blob requests left (None: unlimited)
TOKENS_LOCK = threading.Lock()


def read_ctl(ctl, name):
    try:
        with open(os.path.join(ctl, name)) as f:
            return f.read()
    except OSError:
        return None


def make_handler(args, log_lock, ports):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def _log(self, who):
            a = self.headers.get("Authorization", "")
            kind = "bearer" if a.startswith("Bearer ") else "basic" if a.startswith("Basic ") else "-"
            with log_lock:
                with open(args.log, "a") as f:
                    f.write("%s %s %s %s\n" % (who, self.command, self.path, kind))

        def _send(self, code, body=b"", ctype="application/octet-stream", extra=()):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _blob_bytes(self, digest):
            if not digest.startswith("sha256:") or "/" in digest:
                return None
            p = os.path.join(args.layout, "blobs", "sha256", digest[7:])
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except OSError:
                return None
            if digest in (read_ctl(args.ctl, "tamper") or "").split():
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            return data

        def _serve_blob(self, digest):
            if digest in (read_ctl(args.ctl, "missing") or "").split():
                return self._send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}', "application/json")
            data = self._blob_bytes(digest)
            if data is None:
                return self._send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}', "application/json")
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
                if start >= len(data):
                    return self._send(416)
                return self._send(206, data[start:], extra=[
                    ("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
            return self._send(200, data)

        def _challenge(self):
            realm = "http://127.0.0.1:%d/token" % ports[0]
            chal = 'Bearer realm="%s",service="pinwheel-test"' % realm
            for sep in ("/manifests/", "/blobs/"):
                if sep in self.path:
                    chal += ',scope="repository:%s:pull"' % self.path[4:].rsplit(sep, 1)[0]
            self._send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', "application/json",
                       [("WWW-Authenticate", chal)])

        def do_GET(self):
            if ports[1] == self.server.server_address[1]:
                self._log("blob")
                if self.path.startswith("/blob/"):
                    data = self._blob_bytes(self.path[6:])
                    if data is not None:
                        return self._send(200, data)
                return self._send(404)
            self._log("reg")
            if self.path.startswith("/token"):
                if read_ctl(args.ctl, "refuse-token") is not None:
                    return self._send(401, b'{"details":"refused"}', "application/json")
                want = read_ctl(args.ctl, "basic")
                if want is not None and self.headers.get("Authorization", "") != "Basic " + want.strip():
                    return self._send(401, b'{"details":"bad credentials"}', "application/json")
                exp = read_ctl(args.ctl, "expire-after")
                with TOKENS_LOCK:
                    tok = "%s-%d" % (TOKEN, len(TOKENS) + 1)
                    TOKENS[tok] = int(exp) if exp else None
                return self._send(200, json.dumps({"token": tok}).encode(), "application/json")
            if not self.path.startswith("/v2/"):
                return self._send(404)
            auth = self.headers.get("Authorization", "")
            tok = auth[7:] if auth.startswith("Bearer ") else None
            with TOKENS_LOCK:
                left = TOKENS.get(tok, 0)
                ok = tok in TOKENS and (left is None or left > 0)
                if ok and left is not None and "/blobs/" in self.path:
                    TOKENS[tok] = left - 1
            if not ok:
                return self._challenge()
            if self.path == "/v2/":
                return self._send(200, b"{}", "application/json")
            rest = self.path[4:]
            if "/manifests/" in rest:
                _, ref = rest.rsplit("/manifests/", 1)
                if not ref.startswith("sha256:"):
                    with open(os.path.join(args.layout, "index.json")) as f:
                        idx = json.load(f)
                    ref = next((m["digest"] for m in idx["manifests"]
                                if m.get("annotations", {}).get(
                                    "org.opencontainers.image.ref.name") == ref), None)
                    if ref is None:
                        return self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}',
                                          "application/json")
                if ref in (read_ctl(args.ctl, "missing") or "").split():
                    return self._send(404)
                data = self._blob_bytes(ref)
                if data is None:
                    return self._send(404)
                try:
                    mt = json.loads(data).get("mediaType", "application/json")
                except ValueError:
                    mt = "application/json"
                dcd = ref
                if read_ctl(args.ctl, "wrong-dcd") is not None:
                    dcd = "sha256:" + "0" * 64
                return self._send(200, data, mt, [("Docker-Content-Digest", dcd)])
            if "/blobs/" in rest:
                _, digest = rest.rsplit("/blobs/", 1)
                if read_ctl(args.ctl, "redirect") is not None:
                    return self._send(307, extra=[
                        ("Location", "http://127.0.0.1:%d/blob/%s" % (ports[1], digest))])
                return self._serve_blob(digest)
            return self._send(404)

        do_HEAD = do_GET

    return H


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layout", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=int, default=300)
    args = ap.parse_args()
    ports = [0, 0]
    lock = threading.Lock()
    h = make_handler(args, lock, ports)
    reg = Server(("127.0.0.1", 0), h)
    blob = Server(("127.0.0.1", 0), h)
    ports[0] = reg.server_address[1]
    ports[1] = blob.server_address[1]
    for s in (reg, blob):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    sys.stdout.write("%d %d\n" % (ports[0], ports[1]))
    sys.stdout.flush()
    sys.stdout.close()
    parent = os.getppid()
    end = time.time() + args.lifetime
    while time.time() < end and os.getppid() == parent:
        time.sleep(0.2)


if __name__ == "__main__":
    main()
