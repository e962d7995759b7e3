"""DESIGN §5 register match: every normalisation, and the negatives, as one table each.

The register here is the documented `TEST_PERSONS` plus a few residents that exercise accents,
apostrophes, "St." streets and a plain "Müller". Each row is a query (a documented person with
some fields typed differently) and the outcome it must get.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest

from servicekonto.register.model import MatchResult, PersonQuery, RegisterAddress, Resident
from servicekonto.register.normalise import (
    fold,
    given_names_match,
    normalise_house_number,
    normalise_name,
    normalise_postal_code,
    normalise_street,
)
from servicekonto.register.port import CivilRegister
from servicekonto.sim.register_data import TEST_PERSONS
from servicekonto.sim.register_mock import InMemoryRegister, default_register

ANNA, JUERGEN, MARIE_LUISE, VON_DER_HEYDEN, BECKER_TK, BECKER_BULLAY, THELEN, LEA, MIA = (
    TEST_PERSONS
)


def _resident(record_id: str, given: str, family: str, born: date, street: str, number: str,
              postal_code: str, locality: str, birth_name: str | None = None) -> Resident:
    return Resident(
        record_id=record_id,
        given_names=given,
        family_name=family,
        birth_name=birth_name,
        birth_date=born,
        place_of_birth="Koblenz",
        nationality="DE",
        address=RegisterAddress(street, number, postal_code, locality),
        sex="male",
    )


RENE = _resident("x-rene", "René", "Wiśniewski", date(1990, 5, 5), "Ravenéstraße", "3", "56812",
                 "Cochem")
DANGELO = _resident("x-dangelo", "Giuseppe", "D'Angelo", date(1968, 8, 8), "Sankt-Martin-Straße",
                    "4", "56766", "Ulmen")
MUELLER = _resident("x-mueller", "Karl-Heinz", "Müller", date(1950, 2, 2), "Koblenzer Straße",
                    "12-14", "56759", "Kaisersesch")
YILMAZ = _resident("x-yilmaz", "İbrahim", "Yılmaz", date(1979, 1, 1), "Kaiser-Wilhelm-Straße",
                   "1", "56856", "Zell (Mosel)")

REGISTER = InMemoryRegister([*TEST_PERSONS, RENE, DANGELO, MUELLER, YILMAZ])


def query(person: Resident, **typed: Any) -> PersonQuery:
    """The person's register data as a query, with some fields typed differently."""
    fields: dict[str, Any] = {
        "given_names": person.given_names,
        "family_name": person.family_name,
        "birth_date": person.birth_date,
        "street": person.address.street,
        "house_number": person.address.house_number,
        "postal_code": person.address.postal_code,
        "locality": person.address.locality,
    }
    fields.update(typed)
    return PersonQuery(**fields)


MATCHES: list[tuple[str, PersonQuery, Resident]] = [
    ("exact", query(ANNA), ANNA),
    # case
    ("upper case", query(ANNA, given_names="ANNA MARIA", family_name="SCHMITZ",
                         street="MOSELPROMENADE"), ANNA),
    ("lower case", query(ANNA, given_names="anna maria", family_name="schmitz"), ANNA),
    # whitespace
    ("surrounding and repeated whitespace", query(
        ANNA, given_names="  Anna \t  Maria ", family_name=" Schmitz\n", street=" Moselpromenade ",
        house_number=" 12 ", postal_code=" 56812 "), ANNA),
    # several given names (subset rule)
    ("first given name only", query(ANNA, given_names="Anna"), ANNA),
    ("second given name only", query(ANNA, given_names="Maria"), ANNA),
    ("given names in another order", query(ANNA, given_names="Maria Anna"), ANNA),
    ("one of three given names", query(THELEN, given_names="Peter"), THELEN),
    ("two of three given names", query(THELEN, given_names="Johann Matthias"), THELEN),
    ("all three given names", query(THELEN, given_names="Johann Peter Matthias"), THELEN),
    # umlauts and ß
    ("ü as ue, ß as ss", query(JUERGEN, given_names="Juergen", family_name="Weissmueller"),
     JUERGEN),
    ("ß as ss only", query(JUERGEN, family_name="Weissmüller"), JUERGEN),
    ("capital ẞ", query(JUERGEN, given_names="JÜRGEN", family_name="WEIẞMÜLLER"), JUERGEN),
    ("decomposed umlaut", query(JUERGEN, given_names="Ju\u0308rgen"), JUERGEN),
    ("ö as oe in a street", query(VON_DER_HEYDEN, street="Auf der Hoehe"), VON_DER_HEYDEN),
    ("ü as ue in a family name", query(MUELLER, family_name="Mueller"), MUELLER),
    # other accents
    ("accents folded", query(RENE, given_names="Rene", family_name="Wisniewski",
                             street="Ravenestr."), RENE),
    ("dotless ı and dotted İ", query(YILMAZ, given_names="Ibrahim", family_name="YILMAZ"), YILMAZ),
    # hyphens and apostrophes
    ("hyphenated given name with a space", query(MARIE_LUISE, given_names="Marie Luise"),
     MARIE_LUISE),
    ("part of a hyphenated given name", query(MARIE_LUISE, given_names="Luise"), MARIE_LUISE),
    ("double name with a space", query(MARIE_LUISE, family_name="Schneider Hoffmann"),
     MARIE_LUISE),
    ("double name with an en dash", query(MARIE_LUISE, family_name="Schneider–Hoffmann"),
     MARIE_LUISE),
    ("birth name instead of family name", query(MARIE_LUISE, family_name="Schneider"),
     MARIE_LUISE),
    ("typographic apostrophe", query(DANGELO, family_name="D’Angelo"), DANGELO),
    ("apostrophe as space", query(DANGELO, family_name="D Angelo"), DANGELO),
    # Str. / Straße
    ("Str.", query(JUERGEN, street="Balduinstr."), JUERGEN),
    ("str without dot", query(JUERGEN, street="Balduinstr"), JUERGEN),
    ("Strasse", query(JUERGEN, street="Balduinstrasse"), JUERGEN),
    ("separate Straße", query(JUERGEN, street="Balduin Straße"), JUERGEN),
    ("hyphenated Str.", query(JUERGEN, street="Balduin-Str."), JUERGEN),
    ("St. for Sankt", query(DANGELO, street="St.-Martin-Str."), DANGELO),
    ("street name with spaces for hyphens", query(YILMAZ, street="Kaiser Wilhelm Str"), YILMAZ),
    ("separate Straße after an adjective", query(MUELLER, street="Koblenzer Str."), MUELLER),
    # house numbers
    ("house number letter with a space", query(MARIE_LUISE, house_number="7 a"), MARIE_LUISE),
    ("house number letter upper case", query(MARIE_LUISE, house_number="7A"), MARIE_LUISE),
    ("house number letter with a hyphen", query(MARIE_LUISE, house_number="7-a"), MARIE_LUISE),
    ("house number range with spaces", query(MUELLER, house_number="12 - 14"), MUELLER),
    # particles
    ("particle, exact", query(VON_DER_HEYDEN), VON_DER_HEYDEN),
    ("particle capitalised", query(VON_DER_HEYDEN, family_name="Von Der Heyden"),
     VON_DER_HEYDEN),
    ("particle hyphenated", query(VON_DER_HEYDEN, family_name="von-der-Heyden"), VON_DER_HEYDEN),
    # postal code and locality
    ("postal code with country prefix", query(ANNA, postal_code="D-56812"), ANNA),
    ("locality spelled differently (not compared)", query(ANNA, locality="Cochem/Mosel"), ANNA),
    ("locality empty (not compared)", query(JUERGEN, locality=""), JUERGEN),
    # same name and birth date at two addresses: the typed address decides
    ("namesake in Treis-Karden", query(BECKER_TK), BECKER_TK),
    ("namesake in Bullay", query(BECKER_BULLAY), BECKER_BULLAY),
    # twins: the full given names tell them apart
    ("twin by full given names", query(LEA), LEA),
    ("other twin by first given name", query(MIA, given_names="Mia"), MIA),
]


@pytest.mark.parametrize(("case", "typed", "expected"), MATCHES, ids=[m[0] for m in MATCHES])
def test_match(case: str, typed: PersonQuery, expected: Resident) -> None:
    result = REGISTER.match(typed)
    assert result == MatchResult("match", expected), case


_NO_MATCH: list[tuple[str, PersonQuery]] = [
    ("birth date one day later", query(ANNA, birth_date=ANNA.birth_date + timedelta(days=1))),
    ("birth date one day earlier", query(ANNA, birth_date=ANNA.birth_date - timedelta(days=1))),
    ("other house number", query(ANNA, house_number="13")),
    ("house number without its letter", query(MARIE_LUISE, house_number="7")),
    ("other house number letter", query(MARIE_LUISE, house_number="7b")),
    ("other postal code", query(ANNA, postal_code="56856")),
    ("other street", query(ANNA, street="Endertstraße")),
    ("other given name", query(ANNA, given_names="Anne")),
    ("a given name the register does not have", query(ANNA, given_names="Anna Maria Luise")),
    ("given names of another combination", query(THELEN, given_names="Johann Paul")),
    ("no given name", query(ANNA, given_names="")),
    ("only separators as given name", query(ANNA, given_names=" - ")),
    ("umlaut dropped, not transliterated", query(MUELLER, family_name="Muller")),
    ("family name missing its particle", query(VON_DER_HEYDEN, family_name="Heyden")),
    ("family name with a wrong particle", query(VON_DER_HEYDEN, family_name="von Heyden")),
    ("one half of a double name", query(MARIE_LUISE, family_name="Hoffmann")),
    ("namesake at a third address", query(BECKER_TK, street="Moselstraße", house_number="1",
                                          postal_code="56812", locality="Cochem")),
    ("name of one namesake, address mixed", query(BECKER_TK, house_number="8")),
    ("twins' given names mixed", query(LEA, given_names="Lea Mia")),
    ("unknown person", PersonQuery("Jonas", "Müller", date(1991, 11, 2), "Bahnhofstraße", "3",
                                   "56759", "Kaisersesch")),
]


@pytest.mark.parametrize(("case", "typed"), _NO_MATCH, ids=[m[0] for m in _NO_MATCH])
def test_no_match(case: str, typed: PersonQuery) -> None:
    assert REGISTER.match(typed) == MatchResult("no_match", None), case


_AMBIGUOUS: list[tuple[str, PersonQuery]] = [
    ("twins queried by their shared given name", query(LEA, given_names="Sophie")),
    ("twins queried in upper case", query(MIA, given_names="SOPHIE", family_name="WAGNER",
                                          street="Weinbergstr.")),
]


@pytest.mark.parametrize(("case", "typed"), _AMBIGUOUS, ids=[m[0] for m in _AMBIGUOUS])
def test_ambiguous(case: str, typed: PersonQuery) -> None:
    assert REGISTER.match(typed) == MatchResult("ambiguous", None), case


def test_duplicate_records_at_one_address_are_ambiguous() -> None:
    """A person recorded twice (a data-quality case of real registers) is never picked."""
    twice = InMemoryRegister([ANNA, dataclasses.replace(ANNA, record_id="x-duplicate")])
    assert twice.match(query(ANNA)).outcome == "ambiguous"


def test_a_match_returns_the_register_spelling_and_address() -> None:
    result = REGISTER.match(
        query(MARIE_LUISE, given_names="marie luise", family_name="SCHNEIDER",
              street="Kirchstr.", house_number="7 A", locality="Kaisersesch (Eifel)")
    )
    assert result.resident is MARIE_LUISE
    assert result.resident.address == RegisterAddress("Kirchstraße", "7a", "56759", "Kaisersesch")


def test_the_default_register_answers_for_the_documented_persons() -> None:
    register = default_register()
    assert register is default_register()
    assert isinstance(register, CivilRegister)
    assert len(register) == 62_000
    for person in (ANNA, JUERGEN, MARIE_LUISE, VON_DER_HEYDEN, BECKER_TK, BECKER_BULLAY, THELEN,
                   LEA, MIA):
        assert register.match(query(person)) == MatchResult("match", person)
    assert register.match(query(ANNA, given_names="Anna")).resident is ANNA
    assert register.match(query(LEA, given_names="Sophie")).outcome == "ambiguous"
    assert register.match(query(BECKER_TK, house_number="8")).outcome == "no_match"
    jonas = PersonQuery("Jonas", "Müller", date(1991, 11, 2), "Bahnhofstraße", "3", "56759",
                        "Kaisersesch")
    assert register.match(jonas).outcome == "no_match"


def test_match_result_carries_a_resident_exactly_on_match() -> None:
    with pytest.raises(ValueError, match="exactly"):
        MatchResult("match", None)
    with pytest.raises(ValueError, match="exactly"):
        MatchResult("no_match", ANNA)


# -- the normalisation functions one by one ----------------------------------------------------

_EQUAL: list[tuple[str, str, str]] = [
    ("fold", "MÜLLER", "mueller"),
    ("fold", "Weiß", "weiss"),
    ("fold", "WEIẞ", "weiss"),
    ("fold", "Ärger Öl Übel", "aerger oel uebel"),
    ("fold", "  a \t b\n", "a b"),
    ("fold", "Müller-Lüdenscheidt", "mueller luedenscheidt"),
    ("fold", "O'Neill", "o neill"),
    ("fold", "Gérard Łukasz Ørsted Æsop", "gerard lukasz oersted aesop"),
    ("name", "von der Heyden", "von der heyden"),
    ("name", "de Vries", "de vries"),
    ("name", "zu Eltz", "zu eltz"),
    ("name", "van der Linden", "van der linden"),
    ("street", "Bahnhofstraße", "bahnhofstr"),
    ("street", "Bahnhofstr.", "bahnhofstr"),
    ("street", "Bahnhof Strasse", "bahnhofstr"),
    ("street", "bahnhof-str", "bahnhofstr"),
    ("street", "St.-Martin-Str.", "sanktmartinstr"),
    ("street", "Sankt Martin Straße", "sanktmartinstr"),
    ("street", "Auf der Höhe", "aufderhoehe"),
    ("street", "Straße des 17. Juni", "strdes17juni"),
    ("house", "12 a", "12a"),
    ("house", "12A", "12a"),
    ("house", "12-a", "12a"),
    ("house", "12 – 14", "12-14"),
    ("house", "12/14", "12-14"),
    ("postal", "D-56812", "56812"),
    ("postal", " 56 812 ", "56812"),
]
_NORMALISERS = {
    "fold": fold,
    "name": normalise_name,
    "street": normalise_street,
    "house": normalise_house_number,
    "postal": normalise_postal_code,
}


@pytest.mark.parametrize(("kind", "typed", "key"), _EQUAL, ids=[f"{k}:{t}" for k, t, _ in _EQUAL])
def test_normalised_key(kind: str, typed: str, key: str) -> None:
    assert _NORMALISERS[kind](typed) == key


_DIFFERENT: list[tuple[str, str, str]] = [
    ("name", "Muller", "Müller"),
    ("name", "Heyden", "von der Heyden"),
    ("name", "Schmitz", "Schmidt"),
    ("street", "Bahnhofstraße", "Bahnhofweg"),
    ("street", "Straßenweg", "Strweg"),
    ("house", "12", "12a"),
    ("house", "12", "21"),
    ("house", "1214", "12-14"),
]


@pytest.mark.parametrize(("kind", "left", "right"), _DIFFERENT)
def test_normalised_keys_differ(kind: str, left: str, right: str) -> None:
    assert _NORMALISERS[kind](left) != _NORMALISERS[kind](right)


@pytest.mark.parametrize(
    ("typed", "registered", "expected"),
    [
        ("Anna", "Anna Maria", True),
        ("Maria Anna", "Anna Maria", True),
        ("anna-maria", "Anna Maria", True),
        ("Anna Lena", "Anna Maria", False),
        ("Anna Maria Luise", "Anna Maria", False),
        ("", "Anna Maria", False),
        ("Ann", "Anna", False),
    ],
)
def test_given_names_subset_rule(typed: str, registered: str, expected: bool) -> None:
    assert given_names_match(typed, registered) is expected
