"""A real SMTP server on loopback for the delivery test (aiosmtpd, from PyPI).

Usage: python3 smtp_server.py OUT_DIR [CHAIN.pem KEY.pem [CLIENT_CA.pem]]
With a certificate chain and key, the server offers STARTTLS (Python's ssl,
i.e. OpenSSL) and refuses mail before it; with a CA file too, it demands a
client certificate that chains to it (mutual TLS). Prints the port it listens on, then writes each message it receives as
OUT_DIR/<n>.eml (the bytes received, dot-unstuffed) and OUT_DIR/<n>.json (the
envelope: MAIL FROM and RCPT TO as received on the wire, and as aiosmtpd read
them).

aiosmtpd does not implement DSN (RFC 3461): this server advertises it and keeps
the DSN parameters (RET, ENVID, NOTIFY, ORCPT) of each command as received, so
that the test can check them; it refuses recipients whose local part starts
with "inconnu" with 550 5.1.1, and senders whose local part starts with
"interdit" with 550 5.7.1.
"""

import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP

DSN_PARAMS = ("RET=", "ENVID=", "NOTIFY=", "ORCPT=")


def strip_dsn(arg):
    if arg is None:
        return arg
    words = arg.split(" ")
    return " ".join(w for w in words if not w.upper().startswith(DSN_PARAMS))


class DsnSMTP(SMTP):
    async def smtp_MAIL(self, arg):
        self.session.raw_mail = "MAIL " + (arg or "")
        self.session.raw_rcpts = []
        await super().smtp_MAIL(strip_dsn(arg))

    async def smtp_RCPT(self, arg):
        if not hasattr(self.session, "raw_rcpts"):
            self.session.raw_rcpts = []
        self.session.raw_rcpts.append("RCPT " + (arg or ""))
        await super().smtp_RCPT(strip_dsn(arg))


class Handler:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return responses[:-1] + ["250-DSN", responses[-1]]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.lower().startswith("interdit"):
            return "550 5.7.1 Sender refused"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("inconnu"):
            return "550 5.1.1 Unknown user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out, str(self.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "raw_mail": session.raw_mail,
            "raw_rcpts": session.raw_rcpts,
            "ehlo": session.host_name,
            "tls": None,
        }
        ssl_object = server.transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            peer = ssl_object.getpeercert()
            info["tls"] = {
                "version": ssl_object.version(),
                "peer_subject": [list(rdn[0]) for rdn in peer["subject"]] if peer else None,
            }
        with open(base + ".json.tmp", "w") as f:
            json.dump(info, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Message accepted for delivery"


def tls_context(args):
    if not args:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args[0], args[1])
    if len(args) > 2:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args[2])
    return ctx


async def main(out, tls_args):
    handler = Handler(out)
    ctx = tls_context(tls_args)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: DsnSMTP(handler, enable_SMTPUTF8=True, decode_data=False, hostname="mx.loopback.test",
                        data_size_limit=2_000_000, tls_context=ctx, require_starttls=ctx is not None),
        host="127.0.0.1",
        port=0,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
