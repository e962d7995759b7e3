"""Letters to an organisation's business address (issue 11 item 4): the register person stays
the default addressee; a letter to an organisation carries its id and address, never a register
record, so it can never bind a person to the register."""

from __future__ import annotations

import pytest

from servicekonto.errors import InvalidInput
from servicekonto.letters.service import (
    Recipient,
    list_queued,
    pending_register_record,
    queue_pin_letter,
)
from servicekonto.oidc.provider import Provider
from tests.companies.factories import any_organisation
from tests.letters.conftest import RECORD_ID, REGISTER_RECIPIENT, load

BUSINESS = Recipient(name="Moselwein GmbH", street_line="Weinstraße 3", postal_code="56812",
                     locality="Cochem")


def _queue(provider: Provider, account_id: str, **addressee: str | None) -> str:
    with provider.sessions() as db:
        queued = queue_pin_letter(
            db, hashing=provider.hashing, account_id=account_id, recipient=BUSINESS,
            administration_slug="vg-cochem", now=provider.clock.now(),
            **addressee,  # type: ignore[arg-type]
        )
        db.commit()
    return queued.letter_id


@pytest.mark.postgres
def test_a_letter_to_an_organisations_business_address_binds_no_register_person(
    provider: Provider, account_id: str
) -> None:
    organisation_id = any_organisation(provider.sessions, provider.clock.now(), account_id)
    letter_id = _queue(provider, account_id, register_record_id=None,
                       organisation_id=organisation_id)

    letter = load(provider, letter_id)
    assert (letter.organisation_id, letter.register_record_id) == (organisation_id, None)
    assert letter.recipient["lines"] == ["Moselwein GmbH", "Weinstraße 3", "56812 Cochem"]
    with provider.sessions() as db:
        assert pending_register_record(db, account_id=account_id,
                                       now=provider.clock.now()) is None
        [summary] = list_queued(db)
        assert summary.recipient_lines[0] == "Moselwein GmbH"


def test_the_register_person_stays_the_default_addressee(
    provider: Provider, account_id: str
) -> None:
    with provider.sessions() as db:
        queued = queue_pin_letter(
            db, hashing=provider.hashing, account_id=account_id, register_record_id=RECORD_ID,
            recipient=REGISTER_RECIPIENT, administration_slug=None, now=provider.clock.now(),
        )
        db.commit()
    letter = load(provider, queued.letter_id)
    assert (letter.register_record_id, letter.organisation_id) == (RECORD_ID, None)


@pytest.mark.parametrize(
    "addressee",
    [{"register_record_id": None}, {"register_record_id": RECORD_ID, "organisation_id": "org-1"}],
)
def test_a_letter_needs_exactly_one_addressee(
    provider: Provider, account_id: str, addressee: dict[str, str | None]
) -> None:
    with pytest.raises(InvalidInput):
        _queue(provider, account_id, **addressee)
    with provider.sessions() as db:
        assert list_queued(db) == []
