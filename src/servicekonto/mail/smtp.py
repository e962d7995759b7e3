"""Mail through an SMTP relay: RFC 5321, STARTTLS (RFC 3207), implicit TLS (RFC 8314 §3.3),
AUTH (RFC 4954), SMTPUTF8 (RFC 6531).

The relay's replies decide what happens to a mail (RFC 5321 §4.2.1): 2xx sent, 4xx try again
later, 5xx refused for good. A connection that cannot be opened, secured or logged into, or that
breaks or stalls, is a temporary failure of the mail being sent and ends the round.

What is logged or stored about a failure is built here from reply codes and exception kinds
only: a relay's reply text often quotes the recipient's address, and the relay URL may hold the
password (only `SmtpRelay.masked` is ever shown).
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from servicekonto.mail.compose import OutgoingMail, render
from servicekonto.mail.transport import Attempt, Outcome
from servicekonto.settings import SmtpRelay

#: Replies one mail may wait for at most: greeting, EHLO, STARTTLS, EHLO, AUTH (two for LOGIN),
#: MAIL, RCPT, DATA, end of data. With the connect timeout this bounds one `send`.
REPLIES_PER_MAIL = 10
#: Added to that bound for the claim on the outbox row (the database round trips around it).
LEASE_MARGIN_SECONDS = 30.0

_ENHANCED_STATUS = re.compile(rb"^([245]\.\d{1,3}\.\d{1,3})\b")


class _Smtp(smtplib.SMTP):
    """`connect()` forgets the host name that STARTTLS checks the certificate against, only the
    constructor keeps it (CPython gh-80275); we connect separately so the watchdog can cut a
    stalled greeting."""

    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        self._host = host
        return super().connect(host, port, source_address)


class _SmtpSsl(smtplib.SMTP_SSL):
    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        self._host = host
        return super().connect(host, port, source_address)


class _Unusable(Exception):
    """The relay cannot be used now; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SmtpTransport:
    def __init__(
        self,
        relay: SmtpRelay,
        *,
        local_hostname: str,
        ca_file: Path | None = None,
        connect_timeout: float = 10.0,
        timeout: float = 30.0,
    ) -> None:
        self.relay = relay
        self.local_hostname = local_hostname
        self.ca_file = ca_file
        self.connect_timeout = connect_timeout
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpTransport({self.relay.masked})"

    @property
    def deadline_seconds(self) -> float:
        """The longest one `send` may take; a watchdog cuts the connection then (a relay that
        drips a byte now and then would otherwise outlast every per-reply timeout)."""
        return self.connect_timeout + REPLIES_PER_MAIL * self.timeout

    @property
    def lease_seconds(self) -> float:
        return self.deadline_seconds + LEASE_MARGIN_SECONDS

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name checked; with a CA file, only its CAs are trusted."""
        context = ssl.create_default_context(
            cafile=str(self.ca_file) if self.ca_file is not None else None
        )
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    @contextmanager
    def batch(self) -> Iterator[SmtpBatch]:
        batch = SmtpBatch(self)
        try:
            yield batch
        finally:
            batch.close()


class SmtpBatch:
    """One connection, opened on the first mail and reused for the round's further mails."""

    def __init__(self, transport: SmtpTransport) -> None:
        self._transport = transport
        self._smtp: smtplib.SMTP | None = None
        self._expired = threading.Event()

    def send(self, mail: OutgoingMail) -> Attempt:
        with self._watchdog(self._transport.deadline_seconds):
            try:
                smtp = self._ready()
            except _Unusable as exc:
                self._drop()
                return Attempt(Outcome.RETRY, exc.reason, connection_lost=True)
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                self._drop()
                return Attempt(Outcome.RETRY, self._reason(exc), connection_lost=True)
            try:
                return self._transmit(smtp, mail)
            except OSError as exc:
                # A broken connection, or an answer smtplib raised for that _transmit does not
                # sort (smtplib's errors are OSErrors): the connection is in doubt, start anew.
                self._drop()
                return Attempt(Outcome.RETRY, self._reason(exc), connection_lost=True)

    def close(self) -> None:
        if self._smtp is None:
            return
        with self._watchdog(self._transport.timeout), suppress(smtplib.SMTPException, OSError):
            self._smtp.quit()
        self._drop()

    # -- connection ------------------------------------------------------------------------

    def _ready(self) -> smtplib.SMTP:
        if self._smtp is not None:
            try:
                code, _ = self._smtp.noop()
            except (smtplib.SMTPException, OSError):
                code = 0
            if code == 250:
                return self._smtp
            self._drop()  # closed by the relay meanwhile (idle timeout): open a new one
        return self._connect()

    def _connect(self) -> smtplib.SMTP:
        transport = self._transport
        relay = transport.relay
        context = transport.tls_context() if relay.tls != "off" else None
        smtp: smtplib.SMTP
        if relay.tls == "implicit":
            smtp = _SmtpSsl(
                local_hostname=transport.local_hostname,
                timeout=transport.connect_timeout,
                context=context,
            )
        else:
            smtp = _Smtp(
                local_hostname=transport.local_hostname, timeout=transport.connect_timeout
            )
        self._smtp = smtp  # from here on the watchdog can cut it
        code, _ = smtp.connect(relay.host, relay.port)
        if code != 220:
            raise _Unusable(f"SMTP {code} greeting")
        assert smtp.sock is not None
        smtp.sock.settimeout(transport.timeout)  # each further reply (inherited by STARTTLS)
        smtp.ehlo_or_helo_if_needed()
        if relay.tls == "starttls":
            # Never fall back to plain text: without STARTTLS no mail and no password go out.
            if not smtp.has_extn("starttls"):
                raise _Unusable("relay offers no STARTTLS")
            smtp.starttls(context=context)  # a refusal raises (SMTPResponseException)
            smtp.ehlo_or_helo_if_needed()
        if relay.username:
            if not smtp.has_extn("auth"):
                raise _Unusable("relay offers no AUTH")
            smtp.login(relay.username, relay.password)
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            with suppress(OSError):
                self._smtp.close()
        self._smtp = None

    @contextmanager
    def _watchdog(self, seconds: float) -> Iterator[None]:
        self._expired.clear()
        timer = threading.Timer(seconds, self._cut)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            timer.join()  # a cut that was already under way ends before the next mail

    def _cut(self) -> None:
        self._expired.set()
        sock = self._smtp.sock if self._smtp is not None else None
        if sock is not None:
            with suppress(OSError):
                # Wakes the blocked read at once. The plain socket's method: SSLSocket's own
                # would drop its TLS state under the reading thread's feet.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    # -- one mail --------------------------------------------------------------------------

    def _transmit(self, smtp: smtplib.SMTP, mail: OutgoingMail) -> Attempt:
        options: list[str] = []
        if mail.international:
            if not smtp.has_extn("smtputf8"):
                return Attempt(Outcome.REFUSED, "relay offers no SMTPUTF8")
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        try:
            message = render(mail, seven_bit=True)
            data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        except ValueError:  # e.g. a line break in an address: this mail can never be sent
            return Attempt(Outcome.REFUSED, "malformed mail")
        try:
            smtp.sendmail(mail.envelope_from, [mail.to], data, mail_options=options)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _answer(code, text)
        except smtplib.SMTPSenderRefused as exc:
            # Our MAIL_FROM (or the login) does not suit the relay: every mail would meet the
            # same answer, so this one waits, however final the code, until the operator fixes it.
            return Attempt(Outcome.RETRY, f"sender refused (SMTP {exc.smtp_code})",
                           connection_lost=True)
        except smtplib.SMTPDataError as exc:
            return _answer(exc.smtp_code, exc.smtp_error)
        return Attempt(Outcome.SENT)

    def _reason(self, exc: BaseException) -> str:
        if self._expired.is_set():
            return "deadline exceeded"
        return _describe(exc)


def _answer(code: int, text: bytes | str) -> Attempt:
    raw = text.encode("utf-8", "replace") if isinstance(text, str) else text
    enhanced = _ENHANCED_STATUS.match(raw)
    reason = f"SMTP {code}" + (f" {enhanced.group(1).decode()}" if enhanced else "")
    if 500 <= code < 600:
        return Attempt(Outcome.REFUSED, reason)
    # 421: the relay closes the connection (RFC 5321 §3.8); smtplib has closed it already.
    return Attempt(Outcome.RETRY, reason, connection_lost=code == 421)


def _describe(exc: BaseException) -> str:
    """A loggable reason: the kind of failure and a reply code, never a reply text."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused (SMTP {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib turns a failed read (a timeout above all) into this; the cause is kept.
        cause = exc.__cause__ or exc.__context__
        return _describe(cause) if isinstance(cause, OSError) else "connection closed"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "relay lacks a needed extension"
    if isinstance(exc, smtplib.SMTPException):
        return type(exc).__name__
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error ({exc.reason})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    return type(exc).__name__

