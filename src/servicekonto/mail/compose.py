"""One outbox mail as an Internet Message (RFC 5322; MIME RFC 2045/2047).

Everything that goes into the message is fixed when the outbox row is first claimed: the
Message-ID (RFC 5322 §3.6.4) is drawn once and kept in the row, and the Date is the row's creation
time. A second attempt therefore sends the same message, so a copy that reaches a person twice
(SMTP cannot rule that out, see the README) is recognisable as the same mail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr


@dataclass(frozen=True)
class OutgoingMail:
    outbox_id: int
    sender: str  # the From header, e.g. "ServiceKonto <no-reply@example.org>"
    envelope_from: str  # its bare address (MAIL FROM; bounces go there)
    to: str
    subject: str
    body: str
    message_id: str
    date: datetime

    @property
    def international(self) -> bool:
        """Needs SMTPUTF8 (RFC 6531): an address with characters outside ASCII."""
        return not (self.to.isascii() and self.envelope_from.isascii())


def address_of(sender: str) -> str:
    """The bare address of a From value ("Name <a@b>" → "a@b"): the envelope sender."""
    return parseaddr(sender)[1]


def new_message_id(outbox_id: int, sender_address: str) -> str:
    """Unique by 80 random bits, naming the outbox row for operators; short enough that the
    header is not folded (make_msgid's are 70 characters before the domain)."""
    domain = sender_address.rpartition("@")[2] or "servicekonto.invalid"
    return f"<{secrets.token_hex(10)}.outbox{outbox_id}@{domain}>"


def render(mail: OutgoingMail, *, seven_bit: bool) -> EmailMessage:
    """`seven_bit`: quoted-printable body, for relays that need not accept 8-bit data (SMTP
    without 8BITMIME); the `.eml` files keep the readable 8-bit text."""
    # utf8: addresses outside ASCII stay raw (RFC 6532) instead of becoming invalid encoded words.
    message = EmailMessage(policy=policy.default.clone(utf8=mail.international))
    message["From"] = mail.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject  # RFC 2047 encoded words for umlauts
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = mail.message_id
    # RFC 3834: no vacation auto-replies to a machine's address.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body, cte="quoted-printable" if seven_bit else None)
    return message
