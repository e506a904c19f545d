"""A real SMTP server on loopback for Custodia's tests: it accepts mail and keeps it.

Started and stopped by ``scripts/services.sh up|down smtp`` with the repo's
``.venv`` (it needs the PyPI package ``aiosmtpd``, which services.sh installs).

Every accepted message is written to the outbox directory as ``<id>.eml``:
the message exactly as it came over the wire (dot-unstuffed, CRLF line
endings), next to ``<id>.json`` with the envelope (sender, recipients, client,
authenticated login, time, which recipients were delivered to Dovecot). Both
files are written under ``.tmp/`` and renamed into place, the JSON first, so a
reader that sees an ``.eml`` never sees half a message nor misses its JSON.
Names sort in the order messages were accepted.

With ``--lmtp HOST:PORT`` and ``--local-domain DOMAIN``, recipients in a local
domain (say ``allen-p@custodia.test``) are also delivered over LMTP to the
private Dovecot started by services.sh, so a test can send by SMTP and read
the message back by IMAP. They are checked at RCPT time: an unknown user is
refused with Dovecot's own 550, an unreachable Dovecot gives a 451.
Recipients in other domains are only kept in the outbox.

AUTH PLAIN/LOGIN is offered (without TLS: loopback only) and optional; the
only accepted credentials are ``--auth-user``/``--auth-password``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import signal
import smtplib
import socket
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

log = logging.getLogger("custodia.smtp")
T = TypeVar("T")

LMTP_TIMEOUT = 30.0


class Outbox:
    """A directory of ``.eml`` + ``.json`` pairs, each put in place by rename."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path / ".tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        for leftover in self.tmp.iterdir():  # from a crash mid-write
            leftover.unlink()
        self._counter = itertools.count(1)
        self._host = socket.gethostname().replace("/", "_").replace(".", "_")

    def new_id(self) -> str:
        # Fixed-width time first, so names sort in arrival order.
        return f"{time.time_ns():020d}.P{os.getpid()}Q{next(self._counter)}.{self._host}"

    def _put(self, name: str, data: bytes) -> None:
        tmp = self.tmp / name
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, self.path / name)

    def store(self, message_id: str, content: bytes, envelope: dict[str, Any]) -> Path:
        self._put(f"{message_id}.json", json.dumps(envelope, indent=2).encode() + b"\n")
        self._put(f"{message_id}.eml", content)
        return self.path / f"{message_id}.eml"


class LocalDelivery:
    """Delivery of local-domain recipients to Dovecot over LMTP (blocking smtplib,
    run in a worker thread). One recipient per LMTP transaction: after DATA, an
    LMTP server answers once per recipient, and smtplib reads only one answer."""

    def __init__(self, host: str, port: int, domains: list[str]) -> None:
        self.host, self.port = host, port
        self.domains = {d.lower() for d in domains}

    def is_local(self, address: str) -> bool:
        _, at, domain = address.rpartition("@")
        return bool(at) and domain.lower() in self.domains

    def _connect(self) -> smtplib.LMTP:
        lmtp = smtplib.LMTP(timeout=LMTP_TIMEOUT)
        lmtp.connect(self.host, self.port)
        lmtp.ehlo_or_helo_if_needed()
        return lmtp

    def verify(self, mail_from: str, rcpt: str) -> tuple[int, str]:
        """Ask Dovecot whether it would take mail for ``rcpt`` (MAIL, RCPT, RSET)."""
        try:
            lmtp = self._connect()
        except OSError as error:
            return 451, f"4.4.1 Local delivery to Dovecot LMTP unavailable ({error})"
        try:
            code, reply = lmtp.mail(mail_from)
            if code == 250:
                code, reply = lmtp.rcpt(rcpt)
            lmtp.rset()
            return code, reply.decode("utf-8", "replace")
        except (OSError, smtplib.SMTPException) as error:
            return 451, f"4.4.1 Local delivery check failed ({error})"
        finally:
            _close(lmtp)

    def deliver(self, mail_from: str, rcpts: list[str], content: bytes, smtp_utf8: bool) -> dict[str, str]:
        """Deliver to each recipient; return an error text for each failed one."""
        failed: dict[str, str] = {}
        try:
            lmtp = self._connect()
        except OSError as error:
            return {rcpt: f"LMTP connection failed: {error}" for rcpt in rcpts}
        options = []
        if lmtp.has_extn("8bitmime") and not content.isascii():
            options.append("BODY=8BITMIME")
        if smtp_utf8 and lmtp.has_extn("smtputf8"):
            options.append("SMTPUTF8")
        try:
            for rcpt in rcpts:
                try:
                    refused = lmtp.sendmail(mail_from, [rcpt], content, mail_options=options)
                    if refused:
                        failed[rcpt] = str(refused[rcpt])
                except smtplib.SMTPException as error:
                    failed[rcpt] = str(error)
                    lmtp.rset()
        except (OSError, smtplib.SMTPException) as error:
            for rcpt in rcpts:
                failed.setdefault(rcpt, f"LMTP session failed: {error}")
        finally:
            _close(lmtp)
        return failed


def _close(lmtp: smtplib.LMTP) -> None:
    try:
        lmtp.quit()
    except (OSError, smtplib.SMTPException):
        lmtp.close()


class Handler:
    def __init__(self, outbox: Outbox, local: LocalDelivery | None) -> None:
        self.outbox = outbox
        self.local = local

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.local is not None and self.local.is_local(address):
            code, reply = await self._in_thread(self.local.verify, envelope.mail_from or "", address)
            if code not in (250, 251):
                log.info("refused RCPT %s: %d %s", address, code, reply)
                return f"{code} {reply}"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        mail_from = envelope.mail_from or ""
        local = [r for r in envelope.rcpt_tos if self.local is not None and self.local.is_local(r)]
        if local and self.local is not None:
            failed = await self._in_thread(self.local.deliver, mail_from, local, content, envelope.smtp_utf8)
            if failed:
                # Nothing is kept, so the client's retry does not make a second copy
                # in the outbox (recipients already delivered would get one, though).
                log.warning("local delivery failed: %s", failed)
                return "451 4.3.0 Local delivery failed: " + "; ".join(f"{r}: {e}" for r, e in failed.items())
        auth = session.auth_data if session.authenticated else None
        login = auth.login.decode("utf-8", "replace") if isinstance(auth, LoginPassword) else None
        message_id = self.outbox.new_id()
        path = await self._in_thread(
            self.outbox.store,
            message_id,
            content,
            {
                "id": message_id,
                "mail_from": mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "delivered_to_dovecot": local,
                "mail_options": list(envelope.mail_options),
                "smtp_utf8": envelope.smtp_utf8,
                "peer": list(session.peer) if isinstance(session.peer, tuple) else session.peer,
                "helo": session.host_name,
                "auth_login": login,
                "size": len(content),
                "received_at": datetime.now(UTC).isoformat(),
            },
        )
        log.info(
            "accepted %s from <%s> to %s (%d bytes)", path.name, mail_from, envelope.rcpt_tos, len(content)
        )
        return f"250 2.0.0 OK queued as {message_id}"


def make_authenticator(user: str, password: str) -> Callable[..., AuthResult]:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=10025)
    parser.add_argument("--outbox", type=Path, required=True)
    parser.add_argument("--hostname", default="custodia-smtp.test", help="name in the greeting and EHLO")
    parser.add_argument("--lmtp", metavar="HOST:PORT", help="deliver local-domain recipients here")
    parser.add_argument("--local-domain", action="append", default=[], help="repeatable")
    parser.add_argument("--auth-user", default="custodia")
    parser.add_argument("--auth-password", default="custodia")
    parser.add_argument("--max-size", type=int, default=50 * 1024 * 1024, help="bytes (SIZE)")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    local = None
    if args.lmtp and args.local_domain:
        host, _, port = args.lmtp.rpartition(":")
        local = LocalDelivery(host or "127.0.0.1", int(port), args.local_domain)
    handler = Handler(Outbox(args.outbox), local)
    loop = asyncio.get_running_loop()

    def factory() -> SMTP:
        return SMTP(
            handler,
            hostname=args.hostname,
            ident="Custodia test SMTP (aiosmtpd)",
            data_size_limit=args.max_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            auth_required=False,
            auth_require_tls=False,
            authenticator=make_authenticator(args.auth_user, args.auth_password),
            loop=loop,
        )

    server = await loop.create_server(factory, host=args.host, port=args.port, reuse_address=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info(
        "listening on %s:%d, outbox %s, local delivery %s",
        args.host,
        args.port,
        args.outbox,
        f"to LMTP {args.lmtp} for @{', @'.join(args.local_domain)}" if local else "off",
    )
    await stop.wait()
    server.close()
    with contextlib.suppress(TimeoutError):  # from Python 3.12 on, it also waits for clients
        await asyncio.wait_for(server.wait_closed(), 5)
    log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s: %(message)s"
    )
    # aiosmtpd logs every connection and command at INFO; keep the log readable.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    # ... and aiosmtpd itself sets the deprecated attribute it then warns about.
    logging.getLogger("mail.log").addFilter(
        lambda record: "login_data is deprecated" not in record.getMessage()
    )
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
