#!/usr/bin/python3
"""A real SMTP relay for the smtp adapter's tests (aiosmtpd, Debian python3-aiosmtpd).

Listens on 127.0.0.1, port 0, and writes the port number to DIR/port once it accepts
connections. Every message it accepts becomes DIR/msg-<n>.eml (the DATA exactly as received)
and DIR/msg-<n>.json (mail_from, rcpt_tos, tls, client_cert, auth). Every MAIL, RCPT and DATA
command is appended to DIR/commands.log as "<COMMAND> tls=<0|1>", so a test can tell that
nothing was sent in clear.

DIR/rules, read on every RCPT (a test may rewrite it at any time), holds lines
"<address> <code> <text>": that recipient is answered with that reply instead of 250.

Modes (--mode): starttls (STARTTLS offered and required before MAIL), implicit (TLS from the
first byte, smtps), no-starttls (STARTTLS not offered), refuse-starttls (offered, answered
454). --client-ca CA requires a client certificate signed by CA. --auth USER:PASSWORD
requires AUTH (PLAIN/LOGIN) before MAIL.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import warnings

warnings.filterwarnings("ignore")  # aiosmtpd 1.4 deprecations on stderr

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--mode", default="starttls",
                   choices=["starttls", "implicit", "no-starttls", "refuse-starttls"])
    p.add_argument("--client-ca")
    p.add_argument("--auth")
    return p.parse_args()


ARGS = parse_args()
COUNT = [0]


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    if ARGS.client_ca:
        ctx.load_verify_locations(ARGS.client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def rules():
    out = {}
    try:
        with open(os.path.join(ARGS.dir, "rules")) as f:
            for line in f:
                parts = line.strip().split(" ", 1)
                if len(parts) == 2:
                    out[parts[0].lower()] = parts[1]
    except FileNotFoundError:
        pass
    return out


class Relay(SMTP):
    """Knows whether this connection is encrypted and who authenticated."""

    def __init__(self, handler, **kwargs):
        super().__init__(handler, **kwargs)
        self.implicit = ARGS.mode == "implicit"

    def encrypted(self):
        return self.implicit or self.session.ssl is not None

    def peer_cert(self):
        obj = self.transport.get_extra_info("ssl_object") if self.transport else None
        return obj is not None and obj.getpeercert(binary_form=True) is not None

    def log(self, command):
        with open(os.path.join(ARGS.dir, "commands.log"), "a") as f:
            f.write("%s tls=%d\n" % (command, 1 if self.encrypted() else 0))

    async def smtp_STARTTLS(self, arg):
        if ARGS.mode == "refuse-starttls":
            await self.push("454 4.7.0 TLS not available due to temporary reason")
            return
        await super().smtp_STARTTLS(arg)

    async def smtp_MAIL(self, arg):
        self.log("MAIL")
        if not self.encrypted():
            await self.push("530 5.7.0 Must issue a STARTTLS command first")
            return
        if ARGS.auth and not self.session.authenticated:
            await self.push("530 5.7.0 Authentication required")
            return
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        self.log("RCPT")
        await super().smtp_RCPT(arg)

    async def smtp_DATA(self, arg):
        self.log("DATA")
        await super().smtp_DATA(arg)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = rules().get(address.lower())
        if rule:
            return rule
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        COUNT[0] += 1
        base = os.path.join(ARGS.dir, "msg-%d" % COUNT[0])
        info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.encrypted(),
            "client_cert": server.peer_cert(),
            "auth": session.auth_data.login.decode() if session.auth_data else None,
        }
        write_atomic(base + ".eml", envelope.original_content)
        write_atomic(base + ".json", json.dumps(info).encode())
        return "250 2.0.0 Ok: queued as %d" % COUNT[0]


def authenticator(server, session, envelope, mechanism, auth_data):
    user, password = ARGS.auth.split(":", 1)
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
          and auth_data.password.decode() == password)
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


async def main():
    loop = asyncio.get_running_loop()
    ctx = tls_context()

    def factory():
        kwargs = {"hostname": "relay.test", "auth_require_tls": ARGS.mode != "implicit"}
        if ARGS.mode in ("starttls", "refuse-starttls"):
            kwargs["tls_context"] = ctx
        if ARGS.auth:
            kwargs["authenticator"] = authenticator
        return Relay(Handler(), **kwargs)

    server = await loop.create_server(
        factory, "127.0.0.1", 0, ssl=ctx if ARGS.mode == "implicit" else None)
    port = server.sockets[0].getsockname()[1]
    write_atomic(os.path.join(ARGS.dir, "port"), str(port).encode())
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
