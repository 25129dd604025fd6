#!/usr/bin/env python3
"""A loopback HTTP cache server with fault injection, for the remote cache
tests (bazel-remote's layout: /cas/<sha256>, /ac/<key>).

Usage: remote_faults.py --dir DIR --log FILE [--auth USER:PASS]
                        [--tls CERT KEY] [--lifetime SECONDS]

Listens on 127.0.0.1, port 0, and prints the port on stdout (one line, then
stdout is closed).  The first path segment picks the behaviour; the rest
is a path under DIR:

  /ok/REST      GET/HEAD serve DIR/REST (404 when missing), PUT writes it
  /e500/REST    HTTP 500 for every request
  /wrong/REST   like /ok, but a GET of a cas/ file returns its bytes with
                the first one flipped (same length); PUT is accepted and
                the body thrown away
  /ro/REST      like /ok, but PUT answers 405

With --auth every request must carry that basic auth (else 401).  Every
request is appended to the log as "METHOD PATH USER" (USER "-" without
auth).  The server exits when its parent goes away or after --lifetime.
"""
import argparse
import base64
import http.server
import os
import sys
import threading
import time

ARGS = None
LOG_LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def user(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None
        try:
            return base64.b64decode(h[6:]).decode()
        except ValueError:
            return None

    def reply(self, code, body=b"", length=None):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def route(self):
        cred = self.user()
        with LOG_LOCK, open(ARGS.log, "a") as f:
            f.write(f"{self.command} {self.path} {cred.split(':')[0] if cred else '-'}\n")
        body = b""
        if self.command == "PUT":
            n = int(self.headers.get("Content-Length", "0"))
            if self.headers.get("Expect", "").lower() == "100-continue":
                self.send_response_only(100)
                self.end_headers()
            body = self.rfile.read(n)
        if ARGS.auth and cred != ARGS.auth:
            return self.reply(401, b"who are you\n")
        parts = self.path.split("/", 2)
        if len(parts) < 3 or ".." in parts[2].split("/"):
            return self.reply(400, b"bad path\n")
        mode, rest = parts[1], parts[2]
        path = os.path.join(ARGS.dir, rest)
        if mode == "e500":
            return self.reply(500, b"broken\n")
        if mode not in ("ok", "wrong", "ro"):
            return self.reply(404)
        if self.command == "PUT":
            if mode == "ro":
                return self.reply(405, b"read only\n")
            if mode == "ok":
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path + ".tmp", "wb") as f:
                    f.write(body)
                os.rename(path + ".tmp", path)
            return self.reply(201)
        if not os.path.isfile(path):
            return self.reply(404, b"not found\n")
        with open(path, "rb") as f:
            data = f.read()
        if mode == "wrong" and rest.startswith("cas/") and data:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        return self.reply(200, data)

    do_GET = route
    do_HEAD = route
    do_PUT = route


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def watchdog(parent, lifetime):
    deadline = time.monotonic() + lifetime
    while time.monotonic() < deadline and os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--auth")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--lifetime", type=float, default=300.0)
    ARGS = p.parse_args()
    open(ARGS.log, "a").close()
    srv = Server(("127.0.0.1", 0), Handler)
    if ARGS.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=watchdog, args=(os.getppid(), ARGS.lifetime), daemon=True).start()
    print(srv.server_address[1], flush=True)
    sys.stdout.close()
    os.close(1)
    srv.serve_forever()


if __name__ == "__main__":
    main()
