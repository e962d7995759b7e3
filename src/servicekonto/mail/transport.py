"""What the outbox delivery needs from a way of sending mail (`.eml` files or an SMTP relay)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from servicekonto.mail.compose import OutgoingMail


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # temporary: a 4xx reply, refused connection, timeout, TLS or login problem
    REFUSED = "refused"  # permanent: a 5xx reply to this mail (RFC 5321 §4.2.1)


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    #: For logs and the outbox row: a reply code, an exception's kind. Never an address or
    #: anything of the mail or the relay's reply text (it often quotes the address).
    reason: str = ""
    #: The relay cannot take more mail now: the round stops, the other mails wait their turn.
    connection_lost: bool = False


class Batch(Protocol):
    def send(self, mail: OutgoingMail) -> Attempt: ...


class Transport(Protocol):
    @property
    def lease_seconds(self) -> float:
        """How long one `send` can take at most: the claim on an outbox row lasts longer, so no
        second worker takes the row while it is being sent."""
        ...

    def batch(self) -> AbstractContextManager[Batch]:
        """One delivery round; an SMTP connection is opened on the first send and reused."""
        ...
