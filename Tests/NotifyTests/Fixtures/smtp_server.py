"""A real SMTP server (aiosmtpd) for Notify tests.

Usage: smtp_server.py PORT DIR [USER PASSWORD]
Every accepted message is appended to DIR/mail.jsonl with its envelope.
With USER and PASSWORD, AUTH (PLAIN, LOGIN) is required and allowed without TLS.
"""
import json, os, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, directory = int(sys.argv[1]), sys.argv[2]
credentials = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else None

class Handler:
    async def handle_DATA(self, server, session, envelope):
        record = {
            "from": envelope.mail_from, "to": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "helo": session.host_name,
            "auth": session.authenticated and credentials is not None,
        }
        with open(os.path.join(directory, "mail.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = credentials is not None and (auth_data.login.decode(), auth_data.password.decode()) == credentials
    return AuthResult(success=ok)

kwargs = {}
if credentials:
    kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
with open(os.path.join(directory, "ready"), "w") as f:
    f.write(str(port))
try:
    while True:
        time.sleep(1)
finally:
    controller.stop()
