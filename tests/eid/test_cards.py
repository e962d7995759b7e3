"""The test cards: the TR-03130 §3.6.2 sample identity, the demo citizens and register residents
spelled exactly as elsewhere in the project, the document states, and the pseudonym (DKK)."""

from __future__ import annotations

from datetime import date

import pytest

from servicekonto.eid.model import DocumentValidity, Operation, PersonalData, Place
from servicekonto.register.model import Resident
from servicekonto.sim.demo_seed import CITIZENS
from servicekonto.sim.eid_cards import TEST_CARDS, TestCard, card_by_id, restricted_id
from servicekonto.sim.register_data import TEST_PERSONS

TODAY = date(2026, 11, 21)  # FixedClock's default


def _card(card_id: str) -> TestCard:
    card = card_by_id(card_id)
    assert card is not None, card_id
    return card


def test_tr03130_3_6_2_erika_mustermann_is_the_worked_example() -> None:
    data = _card("erika-mustermann").personal_data
    assert data == PersonalData(
        document_type="ID",
        issuing_state="D",
        date_of_expiry=data.date_of_expiry,
        given_names="ERIKA",
        family_names="MUSTERMANN",
        date_of_birth=date(1964, 8, 12),
        place_of_birth="BERLIN",
        nationality="D",
        birth_name="GABLER",
        place_of_residence=Place("HEIDESTRASSE 17", "KÖLN", "51147", "D"),
    )
    assert data.date_of_expiry is not None and data.date_of_expiry > TODAY


@pytest.mark.parametrize("card_id", ["anna-schmitz", "anna-schmitz-neu", "jonas-mueller"])
def test_demo_citizens_carry_the_demo_seed_data(card_id: str) -> None:
    data = _card(card_id).personal_data
    citizen = next(
        c["attributes"] for c in CITIZENS
        if c["attributes"]["family_name"] == data.family_names
    )
    assert data.given_names == citizen["given_name"]
    assert data.date_of_birth == date.fromisoformat(citizen["birthdate"])
    assert data.birth_name == citizen.get("birth_family_name")
    if "place_of_birth" in citizen:
        assert data.place_of_birth == citizen["place_of_birth"]
    address = citizen["address"]
    assert data.place_of_residence == Place(
        address["street_address"], address["locality"], address["postal_code"], "D"
    )
    assert data.nationality == "D"


def test_the_renewed_card_is_the_same_person_with_another_secret_and_later_expiry() -> None:
    old, new = _card("anna-schmitz"), _card("anna-schmitz-neu")
    assert old.personal_data.date_of_expiry is not None
    assert new.personal_data.date_of_expiry is not None
    assert new.personal_data.date_of_expiry > old.personal_data.date_of_expiry
    same_person = {
        "given_names", "family_names", "birth_name", "date_of_birth", "place_of_birth",
        "nationality", "place_of_residence",
    }
    for field in same_person:
        assert getattr(old.personal_data, field) == getattr(new.personal_data, field)
    assert old.card_secret != new.card_secret


def _register_street(resident: Resident) -> str:
    return f"{resident.address.street} {resident.address.house_number}"


@pytest.mark.parametrize(
    ("card_id", "person"),
    [
        ("anna-schmitz", TEST_PERSONS[0]),
        ("juergen-weissmueller", TEST_PERSONS[1]),
        ("marie-luise-schneider-hoffmann", TEST_PERSONS[2]),
        ("friedrich-von-der-heyden", TEST_PERSONS[3]),
    ],
)
def test_register_residents_carry_their_register_data(card_id: str, person: Resident) -> None:
    data = _card(card_id).personal_data
    assert data.given_names == person.given_names
    assert data.family_names == person.family_name
    if person.birth_name is not None:
        assert data.birth_name == person.birth_name
    assert data.date_of_birth == person.birth_date
    assert data.place_of_birth == person.place_of_birth
    assert data.place_of_residence == Place(
        _register_street(person), person.address.locality, person.address.postal_code, "D"
    )


def test_the_ambiguous_twins_have_no_card() -> None:
    twins = {(p.given_names, p.family_name) for p in TEST_PERSONS[7:9]}
    carried = {(c.personal_data.given_names, c.personal_data.family_names) for c in TEST_CARDS}
    assert not twins & carried


def test_document_states_are_covered() -> None:
    expired = _card("max-mustermann-abgelaufen")
    assert expired.validity is DocumentValidity.EXPIRED
    assert expired.personal_data.date_of_expiry is not None
    assert expired.personal_data.date_of_expiry < TODAY
    assert _card("lena-mustermann-gesperrt").validity is DocumentValidity.REVOKED
    homeless = _card("hans-mustermann-ohne-anschrift")
    assert Operation.PLACE_OF_RESIDENCE in homeless.not_on_chip
    assert homeless.personal_data.place_of_residence is None
    eu = _card("camille-dubois-ub")
    assert (eu.personal_data.document_type, eu.personal_data.issuing_state) == ("UB", "D")
    assert eu.personal_data.nationality == "FRA"
    assert Operation.BIRTH_NAME in eu.not_on_chip and eu.personal_data.birth_name is None


def test_every_card_is_well_formed() -> None:
    assert len({c.card_id for c in TEST_CARDS}) == len(TEST_CARDS)
    assert len({c.pin for c in TEST_CARDS}) == len(TEST_CARDS)
    for card in TEST_CARDS:
        assert card.pin.isdigit() and len(card.pin) == 6
        assert card.personal_data.restricted_id is None
        assert card.label and card.card_id == card.card_id.lower()
        expiry = card.personal_data.date_of_expiry
        assert expiry is not None
        if card.validity is DocumentValidity.VALID:
            assert expiry > TODAY, card.card_id
    assert card_by_id("no-such-card") is None


def test_the_module_docstring_documents_every_pin() -> None:
    from servicekonto.sim import eid_cards as cards

    assert cards.__doc__ is not None
    for card in TEST_CARDS:
        assert f"{card.card_id}" in cards.__doc__ and card.pin in cards.__doc__


def test_a_card_refuses_inconsistent_data() -> None:
    data = _card("erika-mustermann").personal_data
    with pytest.raises(ValueError, match="6 digits"):
        TestCard("x", "x", "12345", data, DocumentValidity.VALID, "s")
    with pytest.raises(ValueError, match="not on the chip"):
        TestCard("x", "x", "123456", data, DocumentValidity.VALID, "s",
                 frozenset({Operation.GIVEN_NAMES}))


def test_restricted_id_is_per_card_and_per_service_provider_and_stable() -> None:
    anna, renewed = _card("anna-schmitz"), _card("anna-schmitz-neu")
    first = restricted_id(anna, "https://a.example")
    assert first == restricted_id(anna, "https://a.example")
    assert first != restricted_id(anna, "https://b.example")
    assert first != restricted_id(renewed, "https://a.example")
    assert len(first) == 64 and int(first, 16) >= 0
    all_ids = {restricted_id(card, "https://a.example") for card in TEST_CARDS}
    assert len(all_ids) == len(TEST_CARDS)
