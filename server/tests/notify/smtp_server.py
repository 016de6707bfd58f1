"""A local SMTP server for the notification tests (aiosmtpd).

    python3 smtp_server.py OUTDIR [--login USERNAME PASSWORD] [--starttls|--tls CERT KEY]

Listens on 127.0.0.1 at a free port and prints the port on its first line. Each message it
accepts is written to OUTDIR as NNN.eml (the data as received) and NNN.json (the envelope,
whether the client logged in and whether the connection was encrypted), the .json last: it
marks the message complete. With --login, AUTH (PLAIN, LOGIN) is required and only that pair
accepted. With --starttls, STARTTLS is offered and required; with --tls, TLS from the first
byte (SMTPS); CERT and KEY are PEM files. Recipients starting with `reject` are refused for
good (550), with `busy` for now (451).
"""

import argparse
import asyncio
import json
import logging
import os
import ssl
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, f"{self.count:03}")
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "authenticated": bool(session.authenticated),
            "encrypted": server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


def authenticator_for(username, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == username.encode() and auth_data.password == password.encode()
        # `handled=False`: aiosmtpd answers 535 itself (its default, True, answers nothing).
        return AuthResult(success=ok, handled=False)

    return authenticator


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--login", nargs=2, metavar=("USERNAME", "PASSWORD"))
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    tls.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    # AUTH without TLS is what some tests want (a local relay), and some tests refuse the
    # server's certificate: no warnings or tracebacks about either, the tests check the client.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    options = {}
    if args.login:
        options.update(
            authenticator=authenticator_for(*args.login),
            auth_required=True,
            auth_require_tls=bool(args.starttls),
        )
    context = None
    if args.starttls or args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*(args.starttls or args.tls))
    if args.starttls:
        options.update(tls_context=context, require_starttls=True)
    handler = Handler(args.outdir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **options),
        "127.0.0.1",
        0,
        ssl=context if args.tls else None,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
