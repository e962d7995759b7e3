"""Shared helpers for the PIN-letter tests: an account, a register address, queued letters."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from servicekonto.db.models import Letter
from servicekonto.letters.pdf import LetterContent
from servicekonto.letters.service import QueuedLetter, Recipient, queue_pin_letter
from servicekonto.oidc.provider import Provider
from tests.support import account_id_of, make_account

#: The civil-register address (the account's typed address in tests.support is a Köln one).
REGISTER_RECIPIENT = Recipient(
    name="Jürgen Müller-Lüdenscheidt",
    street_line="Große Straße 12 a",
    postal_code="56812",
    locality="Cochem",
)
RECORD_ID = "mr-0000042"


@pytest.fixture
def account_id(provider: Provider) -> str:
    return account_id_of(provider, make_account(provider))


def queue(
    provider: Provider,
    account_id: str,
    *,
    now: datetime | None = None,
    recipient: Recipient = REGISTER_RECIPIENT,
) -> QueuedLetter:
    """Queue one letter in its own committed transaction."""
    with provider.sessions() as db:
        queued = queue_pin_letter(
            db,
            hashing=provider.hashing,
            account_id=account_id,
            register_record_id=RECORD_ID,
            recipient=recipient,
            administration_slug="vg-cochem",
            now=now or provider.clock.now(),
        )
        db.commit()
    return queued


def load(provider: Provider, letter_id: str) -> Letter:
    with provider.sessions() as db:
        letter = db.get(Letter, letter_id)
        assert letter is not None
        db.expunge(letter)
    return letter


def sample_content(**overrides: object) -> LetterContent:
    fields: dict[str, object] = {
        "sender_name": "Verbandsgemeindeverwaltung Cochem",
        "sender_address_lines": ["Ravenéstraße 61", "56812 Cochem"],
        "recipient_lines": REGISTER_RECIPIENT.lines(),
        "date": date(2026, 11, 21),
        "reference": "SK-2026-7F3A9C",
        "code": "7KQ3-M9XT-2HWB",
        "valid_until": datetime.fromisoformat("2026-12-12T09:00:00+00:00"),
        "issuer_url": "https://konto.cochem-zell.de",
        "contact_lines": ["Telefon 02671 608-0", "servicekonto@cochem-zell.de"],
    }
    fields.update(overrides)
    return LetterContent(**fields)  # type: ignore[arg-type]
