"""The organisation's activation letter as a PDF (issue 12 item 4): DIN 5008 form B like the PIN
letter, to the Geschäftsleitung at the business address, with the activation code and the
Widerrufscode, the deadline and where each is entered. The PIN letter stays as it was."""

from __future__ import annotations

import io
from dataclasses import asdict
from datetime import datetime

import pytest
from pypdf import PdfReader

from servicekonto.letters.pdf import (
    ACTIVATION_CODE_LABEL,
    ADDRESS_FIELD_LEFT,
    ADDRESS_ZONE_TOP,
    ORGANISATION_SUBJECT,
    REVOCATION_CODE_LABEL,
    SUBJECT,
    OrganisationLetterContent,
    format_deadline,
    merge_pdfs,
    render_letter,
    render_organisation_letter,
    render_pin_letter,
)
from servicekonto.letters.store import load_pdf
from servicekonto.oidc.provider import Provider
from tests.letters.conftest import REGISTER_RECIPIENT, sample_content
from tests.letters.test_organisation_letters import ADDRESS, ORGANISATION, queue_org
from tests.letters.test_pdf import full_text, in_window, runs

ACTIVATION = "7KQ3-M9XT-2HWB"
REVOCATION = "9XTR-4KQ3-HWB2"
ISSUER = "https://konto.cochem-zell.de"


def org_content(name: str = ORGANISATION, **overrides: object) -> OrganisationLetterContent:
    fields = asdict(sample_content(recipient_lines=[name, "Geschäftsleitung", *ADDRESS],
                                   code=ACTIVATION))
    fields.update(overrides)
    return OrganisationLetterContent(**fields, organisation_name=name, revocation_code=REVOCATION)


def flat(pdf: bytes) -> str:
    """The text with line breaks undone (the text wraps where the name is long)."""
    return " ".join(full_text(pdf).split())


@pytest.fixture(scope="module")
def letter() -> bytes:
    return render_organisation_letter(org_content())


def test_is_one_a4_page_even_for_a_long_name() -> None:
    long_name = "Moselweingut Müller-Lüdenscheidt Weinbau und Sektkellerei GmbH & Co. KG"
    pdf = render_organisation_letter(org_content(
        long_name, sender_name="Verbandsgemeindeverwaltung Zell (Mosel)"))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert long_name in flat(pdf)


def test_it_goes_to_the_management_at_the_business_address(letter: bytes) -> None:
    address = [r for r in runs(letter) if in_window(r) and r.y >= ADDRESS_ZONE_TOP]
    assert [r.text for r in address] == [ORGANISATION, "Geschäftsleitung", *ADDRESS]
    assert all(r.x == pytest.approx(ADDRESS_FIELD_LEFT + 5, abs=0.5) for r in address)
    assert f"an die Geschäftsleitung der {ORGANISATION}." in flat(letter)


def test_both_codes_are_labelled_large_and_outside_the_window(letter: bytes) -> None:
    by_text = {r.text: r for r in runs(letter)}
    for label, code in ((ACTIVATION_CODE_LABEL, ACTIVATION), (REVOCATION_CODE_LABEL, REVOCATION)):
        assert by_text[code].size >= 20 and "Courier" in by_text[code].font
        assert by_text[label].y < by_text[code].y < by_text[label].y + 12  # label just above
        assert not in_window(by_text[code])
    assert by_text[ORGANISATION_SUBJECT].y < by_text[ACTIVATION].y < by_text[REVOCATION].y


def test_the_text_says_where_each_code_goes_and_until_when(letter: bytes) -> None:
    text = flat(letter)
    deadline = format_deadline(datetime.fromisoformat("2026-12-12T09:00:00+00:00"))
    for expected in (
        ORGANISATION_SUBJECT,
        "ServiceKonto – Unternehmenskonto",
        f"Gültig bis: {deadline}",
        f"Beide Codes gelten bis {deadline} und nur einmal",
        f"{ISSUER}/organizations/activate",
        f"{ISSUER}/organizations/revoke",
        "das Zeichen SK-2026-7F3A9C und den Widerrufscode",
        "Das Unternehmenskonto wird gesperrt",
        "erste Administratorin oder erster Administrator",
        "drei Versuche",
        "Mit freundlichen Grüßen",
    ):
        assert expected in text, expected


def test_umlauts_and_the_ampersand_of_gmbh_und_co_kg_survive(letter: bytes) -> None:
    text = full_text(letter)
    assert ORGANISATION in text  # "Müller-Lüdenscheidt GmbH & Co. KG", unescaped
    for word in ("Geschäftsleitung", "Weinstraße", "Ravenéstraße", "Grüßen", "gültig"):
        assert word in text
    assert "?" not in text.replace("beantragt?", "")


def test_the_pin_letter_stays_as_it_was() -> None:
    """Same sheet, same words: nothing of the organisation letter leaks into it."""
    content = sample_content()
    pin = render_pin_letter(content)
    text = flat(pin)
    assert pin == render_letter(content)
    assert SUBJECT in text and "ServiceKonto – Identitätsbestätigung" in text
    for foreign in (REVOCATION_CODE_LABEL, "Unternehmenskonto", "Geschäftsleitung",
                    "/organizations"):
        assert foreign not in text
    address = [r.text for r in runs(pin) if in_window(r) and r.y >= ADDRESS_ZONE_TOP]
    assert address == REGISTER_RECIPIENT.lines()


def test_a_batch_holds_pin_and_organisation_letters_page_by_page(letter: bytes) -> None:
    merged = merge_pdfs([render_pin_letter(sample_content(code="2222-3333-4444")), letter])
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 2
    assert REVOCATION not in reader.pages[0].extract_text()
    assert REVOCATION in reader.pages[1].extract_text()


def test_the_queued_letter_is_stored_with_both_of_its_codes(
    provider: Provider, account_id: str
) -> None:
    queued = queue_org(provider, account_id)
    with provider.sessions() as db:
        pdf = load_pdf(db, letter_id=queued.letter_id)
    text = flat(pdf)
    assert queued.revocation_code is not None
    assert queued.code in text and queued.revocation_code in text
    assert queued.reference in text and "http://testserver/organizations/activate" in text
    assert "Verbandsgemeinde vg-cochem" in text  # the administration sends it
