"""A real SMTP sink for test_api_smtp: aiosmtpd on loopback.

Usage: smtp_sink.py PORT OUTDIR REFUSE [CERT KEY]
With CERT and KEY the sink offers STARTTLS and requires it before MAIL.
Each message accepted is written to OUTDIR/<n>.eml with its envelope recipients first;
the first REFUSE DATA commands are answered 451 (a temporary refusal), and every attempt
is counted in OUTDIR/attempts. OUTDIR/ready appears once the sink listens.
"""
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, outdir, refuse):
        self.outdir = outdir
        self.refuse = refuse
        self.attempts = 0
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        with open(os.path.join(self.outdir, "attempts"), "w") as f:
            f.write(str(self.attempts))
        if self.attempts <= self.refuse:
            return "451 4.3.0 Try again later"
        self.accepted += 1
        path = os.path.join(self.outdir, "%d.eml" % self.accepted)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Rcpt: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(("X-Mail-From: %s\r\n" % envelope.mail_from).encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 OK"


def main():
    port, outdir, refuse = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    os.makedirs(outdir, exist_ok=True)
    kwargs = {}
    if len(sys.argv) > 5:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        kwargs = {"tls_context": ctx, "require_starttls": True}
    sink = Sink(outdir, refuse)

    async def handle_EHLO(server, session, envelope, hostname, responses):
        session.host_name = hostname
        with open(os.path.join(outdir, "tls"), "a") as f:
            f.write("%s\n" % bool(session.ssl))
        return responses

    sink.handle_EHLO = handle_EHLO
    controller = Controller(sink, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    with open(os.path.join(outdir, "ready"), "w") as f:
        f.write("ready")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
