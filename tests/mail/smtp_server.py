"""A real SMTP server process for the mail tests (aiosmtpd), run as

    python tests/mail/smtp_server.py --port P --spool DIR [options]

Every mail it accepts becomes DIR/NNNN.json (envelope, raw message, TLS, login); every RCPT
answer is appended to DIR/rcpt.log. DIR/ready appears once it listens. Modes:

- accept: take every mail;
- refuse-temp: answer RCPT with 451 for the first --refusals recipients, then accept;
- refuse-perm: answer every RCPT with 550;
- refuse-sender: answer every MAIL FROM with 553 (a relay that does not accept our sender);
- silent: accept TCP connections and never say a word (a relay that hangs);
- drip: send an endless greeting, one line now and then (outlasts any per-read timeout);
- hang-after-data: store the mail, then leave the first --hangs of them without an answer.

The refusals quote the recipient address, as real relays do, so the tests can check that it
never reaches our logs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import ssl
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    def store(self, record: dict[str, Any]) -> None:
        self.count += 1
        target = self.directory / f"{self.count:04d}.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        tmp.replace(target)

    def note_rcpt(self, answer: str) -> None:
        with (self.directory / "rcpt.log").open("a") as handle:
            handle.write(answer[:3] + "\n")


class Handler:
    def __init__(self, spool: Spool, args: argparse.Namespace) -> None:
        self.spool = spool
        self.args = args
        self.refusals_left = args.refusals
        self.hangs_left = args.hangs

    async def handle_MAIL(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.args.mode == "refuse-sender":
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd calls its hooks by these names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.args.mode == "refuse-perm":
            answer = f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        elif self.args.mode == "refuse-temp" and self.refusals_left > 0:
            self.refusals_left -= 1
            answer = f"451 4.3.0 <{address}>: Temporary lookup failure, try again later"
        else:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
            answer = "250 OK"
        self.spool.note_rcpt(answer)
        return answer

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        login = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode()
        content = envelope.original_content or b""
        self.spool.store(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "mail_options": envelope.mail_options,
                "content": base64.b64encode(content).decode(),
                "tls": self.args.implicit_tls is not None or session.ssl is not None,
                "login": login,
            }
        )
        if self.args.mode == "hang-after-data" and self.hangs_left > 0:
            self.hangs_left -= 1
            await asyncio.sleep(3600)
        return "250 2.0.0 Ok: queued"


def authenticator(expected: str):  # type: ignore[no-untyped-def]
    user, _, password = expected.partition(":")

    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == user
            and data.password.decode() == password
        )
        # handled=False: aiosmtpd sends the 535 itself (handled=True would send nothing)
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    return check


def tls_context(cert_and_key: list[str]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_and_key[0], cert_and_key[1])
    return context


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    for _ in range(36000):
        writer.write(b"220-still greeting you\r\n")
        await writer.drain()
        await asyncio.sleep(0.3)


async def serve(args: argparse.Namespace) -> None:
    spool = Spool(Path(args.spool))
    loop = asyncio.get_running_loop()
    if args.mode in ("silent", "drip"):
        server = await asyncio.start_server(
            silent if args.mode == "silent" else drip, "127.0.0.1", args.port
        )
    else:
        handler = Handler(spool, args)
        smtp_options: dict[str, Any] = {
            "hostname": "relay.test",
            "enable_SMTPUTF8": True,
            "timeout": 30,
        }
        if args.starttls:
            smtp_options["tls_context"] = tls_context(args.starttls)
            smtp_options["require_starttls"] = True
        if args.auth:
            smtp_options["authenticator"] = authenticator(args.auth)
            smtp_options["auth_required"] = True
            excluded = {"LOGIN", "PLAIN"} - {args.auth_mechanism}
            smtp_options["auth_exclude_mechanism"] = sorted(excluded)
        implicit = tls_context(args.implicit_tls) if args.implicit_tls else None
        server = await loop.create_server(
            lambda: SMTP(handler, loop=loop, **smtp_options),
            "127.0.0.1",
            args.port,
            ssl=implicit,
        )
    (Path(args.spool) / "ready").write_text(str(os.getpid()))
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spool", required=True)
    parser.add_argument(
        "--mode",
        default="accept",
        choices=["accept", "refuse-temp", "refuse-perm", "refuse-sender", "silent", "drip",
                 "hang-after-data"],
    )
    parser.add_argument("--refusals", type=int, default=1)
    parser.add_argument("--hangs", type=int, default=1)
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--auth-mechanism", default="PLAIN", choices=["LOGIN", "PLAIN"])
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
