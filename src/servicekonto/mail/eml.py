"""The default transport (DESIGN §3, `make run`): one RFC 5322 `.eml` file per mail under
`<data_dir>/mail/`. The file name is fixed per outbox row, so a second attempt overwrites the
first instead of leaving a duplicate."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servicekonto.mail.compose import OutgoingMail, render
from servicekonto.mail.transport import Attempt, Outcome


class EmlDirectory:
    lease_seconds = 30.0

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @contextmanager
    def batch(self) -> Iterator[EmlDirectory]:
        yield self

    def send(self, mail: OutgoingMail) -> Attempt:
        try:
            self.write(mail)
        except OSError as exc:
            return Attempt(Outcome.RETRY, type(exc).__name__)
        except ValueError:  # e.g. a line break in an address: this mail can never be written
            return Attempt(Outcome.REFUSED, "malformed mail")
        return Attempt(Outcome.SENT)

    def write(self, mail: OutgoingMail) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{mail.date.strftime('%Y%m%dT%H%M%S')}-{mail.outbox_id:08d}.eml"
        tmp = target.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(bytes(render(mail, seven_bit=False)))
        tmp.replace(target)
        return target
