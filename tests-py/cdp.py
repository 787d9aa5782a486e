"""A minimal Chrome DevTools Protocol client over --remote-debugging-pipe.

Chromium reads NUL-terminated JSON commands from file descriptor 3 and writes
NUL-terminated JSON replies and events to file descriptor 4, so no WebSocket
library is needed.
"""
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time


def chromium_path():
    """The Debian chromium binary (or $CHROMIUM), or None."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class CDPError(Exception):
    """A DevTools command failed or timed out."""


class Browser:
    """A headless Chromium driven over a pipe; use as a context manager so it is always killed."""

    def __init__(self, width=1280, height=900):
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="ember-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        binary = chromium_path()
        if not binary:
            raise CDPError("chromium not found: install the Debian package chromium")
        self.log_path = os.path.join(self.profile, "chromium.log")
        self._log = open(self.log_path, "wb")
        # Chromium must see the command pipe as fd 3 and the reply pipe as fd 4: the pipes go in
        # as stdin and stdout of a shell that moves them there and execs the browser.
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", 'exec 3<&0 4>&1 0</dev/null 1>/dev/null; exec "$0" "$@"', binary,
             "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
             "--mute-audio", f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=to_child_r, stdout=from_child_w, stderr=self._log, start_new_session=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next_id = 0
        self.events = []
        self.session = None

    def __enter__(self):
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
            self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
            self.call("Page.enable")
            self.call("Runtime.enable")
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        try:  # the browser's own helper processes, in the session it leads
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method, params=None, session=True, timeout=30):
        """Sends one command and returns its result; events that arrive meanwhile are kept in self.events."""
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self._to_child, data)
            data = data[n:]
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def _read(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("no reply from chromium in time")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    with open(self.log_path, "rb") as f:
                        log = f.read()[-2000:].decode(errors="replace")
                    raise CDPError(f"chromium closed the DevTools pipe:\n{log}")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\0", 1)
        return json.loads(line)

    def navigate(self, url):
        self.call("Page.navigate", {"url": url})

    def evaluate(self, expression, await_promise=False):
        """The JSON value of a JavaScript expression in the page."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": await_promise})
        if "exceptionDetails" in r:
            raise CDPError(f"{expression!r} threw: {r['exceptionDetails'].get('exception', {}).get('description', r['exceptionDetails'])}")
        return r["result"].get("value")

    def wait_for(self, expression, timeout=20):
        """Polls a JavaScript expression until it is truthy; returns its value or raises after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.evaluate(expression)
            except CDPError:
                last = None  # the page may be between documents
            if last:
                return last
            time.sleep(0.1)
        raise CDPError(f"timed out after {timeout}s waiting for {expression}")

    def screenshot(self, path, full_page=True):
        """Writes a PNG of the page to `path` and returns its bytes."""
        params = {"format": "png"}
        if full_page:
            h = self.evaluate("Math.ceil(document.documentElement.scrollHeight)") or self.height
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": max(h, 100), "scale": 1}
            params["captureBeyondViewport"] = True
        data = base64.b64decode(self.call("Page.captureScreenshot", params)["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data
