"""Processes and loopback servers for the Python tests: Ember, Prometheus, static targets.

Every wait is bounded, every process is killed when its test ends, and every
address is on 127.0.0.1.
"""
import http.server
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ember_binary():
    """The ember executable: $EMBER_BIN, else the debug build of this checkout."""
    path = os.environ.get("EMBER_BIN") or os.path.join(REPO, ".build", "debug", "ember")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} is missing: run `swift build` first (or set EMBER_BIN)")
    return path


def prometheus_binary():
    """Debian's prometheus (2.42), or $PROMETHEUS_BIN."""
    path = os.environ.get("PROMETHEUS_BIN") or shutil.which("prometheus") or "/usr/bin/prometheus"
    if not os.access(path, os.X_OK):
        raise RuntimeError("prometheus is missing: install the Debian package prometheus (make deps)")
    return path


def free_ports(count):
    """`count` distinct TCP ports on 127.0.0.1 that were free a moment ago (held together while chosen,
    so the kernel cannot hand out the same one twice)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return free_ports(1)[0]


def wait_until(predicate, timeout, interval=0.2, what="condition"):
    """Polls `predicate` until it returns a truthy value (returned) or `timeout` seconds pass (raises)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # the server may not be up yet
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


def http_get(url, timeout=5):
    """The body of a GET on a loopback URL."""
    assert url.startswith("http://127.0.0.1:"), url
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


class Process:
    """A child process whose output goes to a log file; stop() always ends it."""

    def __init__(self, name, argv, log_dir, cwd=None):
        self.name = name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=cwd, start_new_session=True)

    def log(self, tail=4000):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-tail:]

    def running(self):
        return self.proc.poll() is None

    def stop(self, grace=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def wait_ready(process, port, timeout=60, path="/-/ready"):
    """Waits until the server on `port` answers 200 on `path`; fails early if the process died."""
    def ready():
        if not process.running():
            raise RuntimeError(f"{process.name} exited with {process.proc.returncode}:\n{process.log()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).close()
            return True
        except OSError:
            return False
    try:
        wait_until(ready, timeout, what=f"{process.name} on port {port}")
    except TimeoutError as e:
        raise TimeoutError(f"{e}\n{process.log()}") from None


def start_ember(work_dir, config_path, port, extra_args=(), data_dir=None):
    """Starts `ember server` on 127.0.0.1:port and waits until it is ready."""
    data_dir = data_dir or os.path.join(work_dir, "ember-data")
    p = Process("ember", [ember_binary(), "server", "--config.file", config_path,
                          "--web.listen-address", f"127.0.0.1:{port}", "--storage.tsdb.path", data_dir,
                          *extra_args], work_dir)
    try:
        wait_ready(p, port)
    except BaseException:
        p.stop()
        raise
    return p


def start_prometheus(work_dir, config_path, port, extra_args=()):
    """Starts Prometheus on 127.0.0.1:port and waits until it is ready."""
    p = Process("prometheus", [prometheus_binary(), f"--config.file={config_path}",
                               f"--web.listen-address=127.0.0.1:{port}",
                               f"--storage.tsdb.path={os.path.join(work_dir, 'prometheus-data')}",
                               *extra_args], work_dir)
    try:
        wait_ready(p, port)
    except BaseException:
        p.stop()
        raise
    return p


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.server.render().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a server that stops mid-scrape hangs up

    def log_message(self, *args):
        pass


class StaticTarget:
    """A scrape target on 127.0.0.1 serving the text exposition `render()` returns at every path."""

    def __init__(self, render):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.render = render
        self.port = self.server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def temp_dir(prefix):
    return tempfile.mkdtemp(prefix=f"ember-{prefix}-")
