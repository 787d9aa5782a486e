#!/usr/bin/env python3
"""Real HTTP/HTTPS servers on 127.0.0.1 for Ember's HTTPClient tests.

Usage: http_test_server.py CERT_DIR

Generates a throwaway CA, a server certificate (SAN localhost, ember.test,
127.0.0.1) and a client certificate in CERT_DIR with the openssl CLI, starts
the servers on free ports and prints one JSON line with the ports. It exits
when its standard input closes (the test process ended) or after
MAX_LIFETIME_SECONDS, whichever comes first, so it never outlives a test run.
"""

import base64
import gzip
import json
import os
import select
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_LIFETIME_SECONDS = 600
PLAIN_BODY = b"hello from the ember test server\n"
COMPRESSIBLE_BODY = b"ember compresses well. " * 400
BASIC_CREDENTIALS = "Basic " + base64.b64encode(b"prom:s3cret").decode()
BEARER_CREDENTIALS = "Bearer token-123"

slow_requests = {}
slow_requests_lock = threading.Lock()


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def generate_certificates(directory):
    """CA, server and client certificates on P-256 keys (fast to generate)."""
    def path(name):
        return os.path.join(directory, name)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "2",
            "-subj", "/CN=Ember Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    leaves = {
        "server": ("/CN=localhost",
                   "subjectAltName=DNS:localhost,DNS:ember.test,IP:127.0.0.1\n"
                   "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"),
        "client": ("/CN=ember-client", "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n"),
    }
    for name, (subject, extensions) in leaves.items():
        with open(path(name + ".ext"), "w") as handle:
            handle.write(extensions)
        openssl("req", *ec, "-keyout", path(name + ".key"), "-out", path(name + ".csr"), "-subj", subject)
        openssl("x509", "-req", "-in", path(name + ".csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                "-CAcreateserial", "-out", path(name + ".crt"), "-days", "2", "-extfile", path(name + ".ext"))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Failed handshakes and aborted transfers are expected in these tests.
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EmberTestServer/1.0"

    def log_message(self, format, *args):
        pass

    def setup(self):
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            try:
                self.request.do_handshake()
            except OSError:
                self.linger_after_failed_handshake()
                raise
            self.request.settimeout(None)

    def linger_after_failed_handshake(self):
        """Closing with the client's request still unread would send a TCP RST
        that can overtake our TLS alert; finish with FIN and drain instead, as a
        careful server does, so the client reliably reads why it was rejected."""
        try:
            self.request.shutdown(socket.SHUT_WR)
            self.request.settimeout(1)
            while self.request.recv(4096):
                pass
        except OSError:
            pass

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length else b""
        if self.path.startswith("http://"):
            # Absolute-form request target: we are being used as a forward proxy.
            return self.send(200, b"proxied " + self.path.encode(), [("Content-Type", "text/plain")])
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        route = ROUTES.get(parts.path)
        if route is None and parts.path.startswith("/status/"):
            return self.status(int(parts.path.rsplit("/", 1)[1]))
        if route is None:
            return self.send(404, b"no such path: " + parts.path.encode())
        route(self, query)

    def plain(self, query):
        self.send(200, PLAIN_BODY, [("Content-Type", "text/plain; charset=utf-8")])

    def gzip_body(self, query):
        if "gzip" in (self.headers.get("Accept-Encoding") or ""):
            self.send(200, gzip.compress(COMPRESSIBLE_BODY), [("Content-Encoding", "gzip")])
        else:
            self.send(200, COMPRESSIBLE_BODY, [("X-Compressed", "no")])

    def gzip_forced(self, query):
        self.send(200, gzip.compress(COMPRESSIBLE_BODY), [("Content-Encoding", "gzip")])

    def redirect(self, query):
        self.send(302, b"moved", [("Location", "/plain")])

    def redirect_to(self, query):
        self.send(302, b"elsewhere", [("Location", query.get("location", "/plain"))])

    def redirect_loop(self, query):
        self.send(302, b"again", [("Location", "/redirect-loop")])

    def slow(self, query):
        """Waits `seconds`, noticing when the client hangs up (recorded under `tag`)."""
        tag = query.get("tag", "")
        with slow_requests_lock:
            slow_requests[tag] = "running"
        deadline = time.monotonic() + float(query.get("seconds", "5"))
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable and not isinstance(self.connection, ssl.SSLSocket):
                if self.connection.recv(1, socket.MSG_PEEK) == b"":
                    with slow_requests_lock:
                        slow_requests[tag] = "aborted"
                    self.close_connection = True
                    return
        with slow_requests_lock:
            slow_requests[tag] = "finished"
        self.send(200, b"slow done")

    def slow_status(self, query):
        with slow_requests_lock:
            state = slow_requests.get(query.get("tag", ""), "unknown")
        self.send(200, state.encode())

    def basic(self, query):
        if self.headers.get("Authorization") == BASIC_CREDENTIALS:
            return self.send(200, b"welcome prom")
        self.send(401, b"unauthorized", [("WWW-Authenticate", 'Basic realm="ember"')])

    def bearer(self, query):
        if self.headers.get("Authorization") == BEARER_CREDENTIALS:
            return self.send(200, b"token accepted")
        self.send(401, b"unauthorized", [("WWW-Authenticate", "Bearer")])

    def echo(self, query):
        client_cn = None
        if isinstance(self.connection, ssl.SSLSocket):
            certificate = self.connection.getpeercert()
            if certificate:
                client_cn = dict(field[0] for field in certificate["subject"]).get("commonName")
        document = {
            "method": self.command,
            "path": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body": base64.b64encode(self.request_body).decode(),
            "client_port": self.client_address[1],
            "client_cn": client_cn,
        }
        self.send(200, json.dumps(document).encode(), [("Content-Type", "application/json")])

    def large(self, query):
        self.send(200, b"x" * int(query.get("bytes", "1000000")))

    def large_chunked(self, query):
        """Chunked body without Content-Length, so only the running count can enforce a limit."""
        remaining = int(query.get("bytes", "1000000"))
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            while remaining > 0:
                chunk = min(remaining, 16384)
                self.wfile.write(b"%x\r\n" % chunk + b"y" * chunk + b"\r\n")
                remaining -= chunk
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True

    def many_headers(self, query):
        self.send(200, b"headers", [("X-Multi", "first"), ("X-Multi", "second"), ("X-Mixed-CASE", "yes")])

    def status(self, code):
        self.send(code, b"database on fire: status %d" % code, [("Content-Type", "text/plain")])


ROUTES = {
    "/plain": Handler.plain,
    "/gzip": Handler.gzip_body,
    "/gzip-forced": Handler.gzip_forced,
    "/redirect": Handler.redirect,
    "/redirect-loop": Handler.redirect_loop,
    "/redirect-to": Handler.redirect_to,
    "/slow": Handler.slow,
    "/slow-status": Handler.slow_status,
    "/basic": Handler.basic,
    "/bearer": Handler.bearer,
    "/echo": Handler.echo,
    "/large": Handler.large,
    "/large-chunked": Handler.large_chunked,
    "/headers": Handler.many_headers,
}


def start(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def tls_server(directory, require_client_cert=False, max_version=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(directory, "server.crt"), os.path.join(directory, "server.key"))
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(os.path.join(directory, "ca.crt"))
    if max_version is not None:
        context.maximum_version = max_version
    server = Server(("127.0.0.1", 0), Handler)
    # The handshake runs in the handler thread (Handler.setup), not in accept.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return server


def blackhole():
    """A port whose accept queue is full, so new connections never complete."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    return port, [listener, *fillers]


def silent():
    """Accepts connections and never says a word (no TLS handshake, no response)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []

    def accept_forever():
        while True:
            connection, _ = listener.accept()
            held.append(connection)

    threading.Thread(target=accept_forever, daemon=True).start()
    return listener.getsockname()[1]


def closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def main():
    directory = sys.argv[1]
    generate_certificates(directory)
    threading.Timer(MAX_LIFETIME_SECONDS, lambda: os._exit(0)).start()
    blackhole_port, keep_open = blackhole()
    ports = {
        "http": start(Server(("127.0.0.1", 0), Handler)),
        "https": start(tls_server(directory)),
        "mtls": start(tls_server(directory, require_client_cert=True)),
        "tls12": start(tls_server(directory, max_version=ssl.TLSVersion.TLSv1_2)),
        "blackhole": blackhole_port,
        "silent": silent(),
        "closed": closed_port(),
    }
    print(json.dumps(ports), flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
