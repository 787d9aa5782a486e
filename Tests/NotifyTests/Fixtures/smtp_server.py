"""A real SMTP server (aiosmtpd) for Notify tests.

Usage: smtp_server.py PORT DIR [--auth USER PASSWORD] [--starttls CERT KEY]
Every accepted message is appended to DIR/mail.jsonl with its envelope.
With --auth, AUTH (PLAIN, LOGIN) is required (allowed without TLS unless
--starttls is given, which then makes STARTTLS mandatory).
"""
import json, os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, directory = int(sys.argv[1]), sys.argv[2]
args = sys.argv[3:]
credentials = None
tls_context = None
while args:
    if args[0] == "--auth":
        credentials, args = (args[1], args[2]), args[3:]
    elif args[0] == "--starttls":
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args[1], args[2])
        args = args[3:]
    else:
        sys.exit("unknown argument " + args[0])

class Handler:
    async def handle_DATA(self, server, session, envelope):
        record = {
            "from": envelope.mail_from, "to": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "helo": session.host_name,
            "auth": session.authenticated and credentials is not None,
            "tls": session.ssl is not None,
        }
        with open(os.path.join(directory, "mail.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = credentials is not None and (auth_data.login.decode(), auth_data.password.decode()) == credentials
    return AuthResult(success=ok)

kwargs = {}
if credentials:
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=tls_context is not None)
if tls_context:
    kwargs.update(tls_context=tls_context, require_starttls=True)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
with open(os.path.join(directory, "ready"), "w") as f:
    f.write(str(port))
try:
    while True:
        time.sleep(1)
finally:
    controller.stop()
