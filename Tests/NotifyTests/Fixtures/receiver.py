"""A loopback HTTP receiver for Notify tests.

Usage: receiver.py PORT DIR
Each POST is appended to DIR/all.jsonl; POSTs answered 200 also to
DIR/delivered.jsonl. DIR/mode (re-read per request) picks the behaviour:
"ok" (default) answers 200 "ok", "500" answers 500, "400" answers 400,
"notok" answers 200 "invalid_token" (a Slack error), "slow" sleeps 3 s first.
"""
import http.server, json, os, sys, time

port, directory = int(sys.argv[1]), sys.argv[2]

def mode():
    try:
        with open(os.path.join(directory, "mode")) as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"

def append(name, record):
    with open(os.path.join(directory, name), "a") as f:
        f.write(json.dumps(record) + "\n")

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        record = {"path": self.path, "headers": dict(self.headers), "body": body}
        m = mode()
        append("all.jsonl", record)
        if m == "slow":
            time.sleep(3)
        status = {"500": 500, "400": 400}.get(m, 200)
        reply = {500: b"internal error", 400: b"bad request"}.get(status, b"invalid_token" if m == "notok" else b"ok")
        # Recorded before answering so the client never sees a reply that is not yet logged.
        if status == 200 and m not in ("slow", "notok"):
            append("delivered.jsonl", record)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer.allow_reuse_address = True
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
with open(os.path.join(directory, "ready"), "w") as f:
    f.write(str(port))
server.serve_forever()
