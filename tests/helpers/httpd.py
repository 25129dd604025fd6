#!/usr/bin/env python3
"""A loopback HTTP server with fault injection, for the fetch tests.

Usage: httpd.py --dir DIR --log FILE [--lifetime SECONDS] [--tls CERT KEY]

Listens on 127.0.0.1, port 0; prints the chosen port on stdout (one line,
then stdout is closed) so the test can `read` it from a pipe.  Serves the
files of DIR through these routes (NAME is a file in DIR):

  /ok/NAME               the file; honours "Range: bytes=N-" with 206 (416
                         when N is past the end)
  /redirect/NAME         302 to /ok/NAME
  /redirfile/NAME        302 to file:///etc/hostname (must be refused)
  /lat/MS/NAME           like /ok after MS milliseconds (a distant mirror)
  /fail500/K/NAME        HTTP 500 for the first K requests of this path, then /ok
  /truncate/N/NAME       200 with the full Content-Length, N bytes, then the
                         connection is cut (every time; Range ignored)
  /short/N/NAME          only the first N bytes, with a matching Content-Length
  /wrong/NAME            as many bytes as the file, but different ones
  /trickle/NAME          one byte every 0.2 s (for low-speed timeouts)
  /loop/N                302 to /loop/N+1, forever
  /cut/N/NAME            the first request of this path is cut after N
                         bytes; later ones are served like /ok (Range works)
  /cutnorange/N/NAME     like /cut, but later requests ignore Range (200)
  /hold/N/NAME           N bytes, then the connection stays open, idle, until
                         the server exits (for kill -9 tests)
  /slow/NAME             the file in 64 KiB pieces, 20 ms apart
  /gate/N/NAME           N bytes, then the file DIR/NAME.held is created and
                         the rest waits until the test creates DIR/NAME.go
                         (a download the test holds mid-way and releases)

Every request is appended to the log file as "GET PATH RANGE" (RANGE is "-"
when the request had none).  The server exits by itself when its parent
process goes away or after --lifetime seconds (default 120).
"""
import argparse
import http.server
import os
import socket
import sys
import threading
import time

ARGS = None
LOG_LOCK = threading.Lock()
COUNTS = {}
COUNTS_LOCK = threading.Lock()
STOP = threading.Event()


def count(path):
    with COUNTS_LOCK:
        COUNTS[path] = COUNTS.get(path, 0) + 1
        return COUNTS[path]


def parse_range(header, size):
    """Start offset of "bytes=N-" (or "bytes=N-M"), or None."""
    if not header or not header.startswith("bytes="):
        return None
    spec = header[6:].split(",")[0].strip()
    first = spec.split("-")[0]
    if not first.isdigit():
        return None
    start = int(first)
    return start if start < size else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def log_request_line(self):
        with LOG_LOCK, open(ARGS.log, "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path,
                                    self.headers.get("Range") or "-"))

    def data(self, name):
        path = os.path.join(ARGS.dir, os.path.basename(name))
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def send_body(self, code, body, length=None, extra=None, close=False):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        return self.write(body)

    def write(self, chunk):
        try:
            self.wfile.write(chunk)
            self.wfile.flush()
            return True
        except OSError:
            return False

    def cut(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def serve_ok(self, body, honour_range=True):
        rng = self.headers.get("Range") if honour_range else None
        start = parse_range(rng, len(body))
        if rng and start is None:
            return self.send_body(416, b"", extra={"Content-Range": "bytes */%d" % len(body)})
        if start is None:
            self.send_body(200, body)
        else:
            self.send_body(206, body[start:], extra={
                "Content-Range": "bytes %d-%d/%d" % (start, len(body) - 1, len(body))})

    def not_found(self):
        self.send_body(404, b"not found\n")

    def do_GET(self):
        self.log_request_line()
        parts = self.path.split("/")[1:]
        route = parts[0] if parts else ""
        try:
            self.route(route, parts[1:])
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def route(self, route, rest):
        if route == "loop":
            n = int(rest[0]) if rest and rest[0].isdigit() else 0
            self.send_response(302)
            self.send_header("Location", "/loop/%d" % (n + 1))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        num = int(rest[0]) if len(rest) == 2 and rest[0].isdigit() else None
        name = rest[-1] if rest else ""
        body = self.data(name)
        if body is None:
            return self.not_found()
        if route == "ok":
            return self.serve_ok(body)
        if route == "lat" and num is not None:
            STOP.wait(num / 1000.0)
            return self.serve_ok(body)
        if route == "redirfile":
            self.send_response(302)
            self.send_header("Location", "file:///etc/hostname")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if route == "redirect":
            self.send_response(302)
            self.send_header("Location", "/ok/" + name)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if route == "fail500" and num is not None:
            if count(self.path) <= num:
                return self.send_body(500, b"injected failure\n")
            return self.serve_ok(body)
        if route == "truncate" and num is not None:
            self.send_body(200, body[:num], length=len(body), close=True)
            return self.cut()
        if route == "short" and num is not None:
            return self.send_body(200, body[:num])
        if route == "wrong":
            return self.send_body(200, bytes(b ^ 0xFF for b in body))
        if route == "trickle":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(len(body)):
                if STOP.wait(0.2) or not self.write(body[i:i + 1]):
                    break
            return self.cut()
        if route in ("cut", "cutnorange") and num is not None:
            if count(self.path) == 1:
                self.send_body(200, body[:num], length=len(body), close=True)
                return self.cut()
            return self.serve_ok(body, honour_range=(route == "cut"))
        if route == "hold" and num is not None:
            self.send_body(200, body[:num], length=len(body))
            STOP.wait(ARGS.lifetime)
            return self.cut()
        if route == "gate" and num is not None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not self.write(body[:num]):
                return
            base = os.path.join(ARGS.dir, os.path.basename(name))
            open(base + ".held", "w").close()
            while not os.path.exists(base + ".go"):
                if STOP.wait(0.02):
                    return self.cut()
            self.write(body[num:])
            return
        if route == "slow":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for off in range(0, len(body), 65536):
                if not self.write(body[off:off + 65536]) or STOP.wait(0.02):
                    break
            return
        return self.not_found()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Clients that hang up (curl giving up, pinwheel killed) are part
        # of the tests, not errors of the server.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def watchdog(parent, lifetime):
    deadline = time.monotonic() + lifetime
    while time.monotonic() < deadline:
        if os.getppid() != parent:
            break
        time.sleep(0.2)
    STOP.set()
    os._exit(0)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--lifetime", type=float, default=120.0)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                   help="serve https with this certificate and key")
    ARGS = p.parse_args()
    open(ARGS.log, "a").close()
    srv = Server(("127.0.0.1", 0), Handler)
    if ARGS.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=watchdog, args=(os.getppid(), ARGS.lifetime), daemon=True).start()
    sys.stdout.write("%d\n" % srv.server_address[1])
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    srv.serve_forever()


if __name__ == "__main__":
    main()
