"""The test cards of the eID mock: what the AusweisApp simulator offers instead of a real chip.

Why these cards: each one makes a path of the eID login reachable by hand and in tests —
the official sample identity of BSI TR-03130 §3.6.2 (Erika Mustermann), the two demo citizens
(so the demo runs end to end, including re-linking by a renewed card), residents of the generated
civil register (eID data meets register data), and the document states an eID-Server must refuse
(expired, revoked) or report (no address on the chip, EU eID card without birth name).

Names and addresses are spelled as the chip carries them: the Mustermann family in capitals like
the BSI samples, the demo citizens and register residents exactly as `demo_seed.CITIZENS` and
`register.generator.TEST_PERSONS` spell them (the tests compare them). Addresses are one
`StructuredPlace` with street and house number in `Street`; nationality and issuing state use
the ICAO codes of the chip ("D", not "DE").

PINs (6 digits, three tries; three wrong tries block a card's PIN for every session until
`MockEidServer.reset_pins()` or `servicekonto eid-mock reset-pins`):

=================================  ======  =================================================
card_id                            PIN     what it is for
=================================  ======  =================================================
erika-mustermann                   123456  TR-03130 §3.6.2 sample identity, Köln
anna-schmitz                       111111  demo citizen Anna Maria Schmitz (register person 1)
anna-schmitz-neu                   121212  Anna's renewed card: same data, new pseudonym
jonas-mueller                      222222  demo citizen Jonas Müller (not in the register)
juergen-weissmueller               333333  register person 2 (umlaut, ß)
marie-luise-schneider-hoffmann     444444  register person 3 (birth name Schneider)
friedrich-von-der-heyden           555555  register person 4 (name particle)
max-mustermann-abgelaufen          666666  expired card → invalidDocument
lena-mustermann-gesperrt           777777  revoked (reported lost) card → deniedDocument
hans-mustermann-ohne-anschrift     888888  no address on the chip → PlaceOfResidence NOTONCHIP
camille-dubois-ub                  999999  eID card for Union citizens (DocumentType "UB")
=================================  ======  =================================================

`servicekonto eid-mock cards` prints the same table with the data of each card.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, fields
from datetime import date

from servicekonto.eid.model import DocumentValidity, Operation, PersonalData, Place

_PIN = re.compile(r"[0-9]{6}")

#: Which `PersonalData` field carries which operation (RestrictedID is derived, not stored).
OPERATION_FIELDS: dict[Operation, str] = {
    Operation.DOCUMENT_TYPE: "document_type",
    Operation.ISSUING_STATE: "issuing_state",
    Operation.DATE_OF_EXPIRY: "date_of_expiry",
    Operation.GIVEN_NAMES: "given_names",
    Operation.FAMILY_NAMES: "family_names",
    Operation.ARTISTIC_NAME: "artistic_name",
    Operation.ACADEMIC_TITLE: "academic_title",
    Operation.DATE_OF_BIRTH: "date_of_birth",
    Operation.PLACE_OF_BIRTH: "place_of_birth",
    Operation.NATIONALITY: "nationality",
    Operation.BIRTH_NAME: "birth_name",
    Operation.PLACE_OF_RESIDENCE: "place_of_residence",
    Operation.RESTRICTED_ID: "restricted_id",
}


@dataclass(frozen=True)
class TestCard:
    """One simulated ID document.

    `personal_data` is the chip content without the pseudonym: `restricted_id()` derives that
    per service provider from `card_secret`, as the real card derives its DKK from a card key.
    A field that is None but not listed in `not_on_chip` is an empty data group (no academic
    title, say), which the holder still "releases"; `not_on_chip` lists data groups the document
    does not have at all, which the eID-Server reports as NOTONCHIP.
    """

    __test__ = False  # not a pytest test class, despite the name

    card_id: str
    label: str
    pin: str
    personal_data: PersonalData
    validity: DocumentValidity
    card_secret: str
    not_on_chip: frozenset[Operation] = frozenset()

    def __post_init__(self) -> None:
        if not _PIN.fullmatch(self.pin):
            raise ValueError(f"{self.card_id}: the PIN must be 6 digits")
        if self.personal_data.restricted_id is not None:
            raise ValueError(f"{self.card_id}: the pseudonym is derived, not stored")
        if Operation.RESTRICTED_ID in self.not_on_chip:
            raise ValueError(f"{self.card_id}: every eID document has a pseudonym")
        for operation in self.not_on_chip:
            if self.value(operation) is not None:
                raise ValueError(f"{self.card_id}: {operation} is not on the chip but has data")

    def value(self, operation: Operation) -> object:
        """The chip's value for `operation` (None for RestrictedID: see `restricted_id`)."""
        return getattr(self.personal_data, OPERATION_FIELDS[operation])


def restricted_id(card: TestCard, service_provider: str) -> str:
    """The card's pseudonym for `service_provider`: hex HMAC-SHA256(card_secret, provider).

    Like the real DKK (Dienste- und kartenspezifisches Kennzeichen) it is stable for one card and
    one service provider, differs between providers (no linking across services) and changes
    with a new card of the same person (the renewed card has another secret).
    """
    return hmac.new(
        card.card_secret.encode("utf-8"), service_provider.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def _german_id(
    *,
    given_names: str,
    family_names: str,
    birth_name: str | None,
    date_of_birth: date,
    place_of_birth: str,
    residence: Place | None,
    date_of_expiry: date,
) -> PersonalData:
    """Personal data of a German ID card (Personalausweis, DocumentType "ID")."""
    return PersonalData(
        document_type="ID",
        issuing_state="D",
        date_of_expiry=date_of_expiry,
        given_names=given_names,
        family_names=family_names,
        date_of_birth=date_of_birth,
        place_of_birth=place_of_birth,
        nationality="D",
        birth_name=birth_name,
        place_of_residence=residence,
    )


def _anna(date_of_expiry: date) -> PersonalData:
    """Anna Maria Schmitz as `demo_seed.CITIZENS` has her; she has an old and a renewed card."""
    return _german_id(
        given_names="Anna Maria",
        family_names="Schmitz",
        birth_name="Schmitz",
        date_of_birth=date(1984, 3, 12),
        place_of_birth="Cochem",
        residence=Place("Moselpromenade 12", "Cochem", "56812"),
        date_of_expiry=date_of_expiry,
    )


TEST_CARDS: tuple[TestCard, ...] = (
    TestCard(
        card_id="erika-mustermann",
        label="Erika Mustermann (Musterausweis der TR-03130)",
        pin="123456",
        personal_data=_german_id(
            given_names="ERIKA",
            family_names="MUSTERMANN",
            birth_name="GABLER",
            date_of_birth=date(1964, 8, 12),
            place_of_birth="BERLIN",
            residence=Place("HEIDESTRASSE 17", "KÖLN", "51147"),
            date_of_expiry=date(2031, 10, 31),
        ),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-erika-mustermann-2021",
    ),
    TestCard(
        card_id="anna-schmitz",
        label="Anna Maria Schmitz (Demo-Bürgerin, Cochem)",
        pin="111111",
        personal_data=_anna(date(2029, 3, 11)),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-anna-schmitz-2019",
    ),
    TestCard(
        card_id="anna-schmitz-neu",
        label="Anna Maria Schmitz – neuer Ausweis (anderes Pseudonym)",
        pin="121212",
        personal_data=_anna(date(2036, 3, 11)),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-anna-schmitz-2026",
    ),
    TestCard(
        card_id="jonas-mueller",
        label="Jonas Müller (Demo-Bürger, Kaisersesch)",
        pin="222222",
        personal_data=_german_id(
            given_names="Jonas",
            family_names="Müller",
            birth_name=None,
            date_of_birth=date(1991, 11, 2),
            place_of_birth="Koblenz",
            residence=Place("Bahnhofstraße 3", "Kaisersesch", "56759"),
            date_of_expiry=date(2032, 5, 19),
        ),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-jonas-mueller-2022",
    ),
    TestCard(
        card_id="juergen-weissmueller",
        label="Jürgen Weißmüller (Melderegister, Zell)",
        pin="333333",
        personal_data=_german_id(
            given_names="Jürgen",
            family_names="Weißmüller",
            birth_name=None,
            date_of_birth=date(1958, 7, 23),
            place_of_birth="Zell (Mosel)",
            residence=Place("Balduinstraße 5", "Zell (Mosel)", "56856"),
            date_of_expiry=date(2030, 7, 22),
        ),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-juergen-weissmueller-2020",
    ),
    TestCard(
        card_id="marie-luise-schneider-hoffmann",
        label="Marie-Luise Schneider-Hoffmann (Melderegister, Kaisersesch)",
        pin="444444",
        personal_data=_german_id(
            given_names="Marie-Luise",
            family_names="Schneider-Hoffmann",
            birth_name="Schneider",
            date_of_birth=date(1972, 10, 5),
            place_of_birth="Koblenz",
            residence=Place("Kirchstraße 7a", "Kaisersesch", "56759"),
            date_of_expiry=date(2033, 1, 14),
        ),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-marie-luise-schneider-hoffmann-2023",
    ),
    TestCard(
        card_id="friedrich-von-der-heyden",
        label="Friedrich von der Heyden (Melderegister, Ulmen)",
        pin="555555",
        personal_data=_german_id(
            given_names="Friedrich",
            family_names="von der Heyden",
            birth_name=None,
            date_of_birth=date(1949, 1, 30),
            place_of_birth="Trier",
            residence=Place("Auf der Höhe 3", "Ulmen", "56766"),
            date_of_expiry=date(2028, 9, 30),
        ),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-friedrich-von-der-heyden-2018",
    ),
    TestCard(
        card_id="max-mustermann-abgelaufen",
        label="Max Mustermann – abgelaufener Ausweis",
        pin="666666",
        personal_data=_german_id(
            given_names="MAX",
            family_names="MUSTERMANN",
            birth_name=None,
            date_of_birth=date(1970, 2, 1),
            place_of_birth="MAINZ",
            residence=Place("MARKTSTRASSE 4", "MAYEN", "56727"),
            date_of_expiry=date(2024, 6, 30),
        ),
        validity=DocumentValidity.EXPIRED,
        card_secret="servicekonto-test-card-max-mustermann-2014",
    ),
    TestCard(
        card_id="lena-mustermann-gesperrt",
        label="Lena Mustermann – gesperrter Ausweis (als verloren gemeldet)",
        pin="777777",
        personal_data=_german_id(
            given_names="LENA",
            family_names="MUSTERMANN",
            birth_name=None,
            date_of_birth=date(1995, 12, 24),
            place_of_birth="TRIER",
            residence=Place("SCHULSTRASSE 9", "ULMEN", "56766"),
            date_of_expiry=date(2030, 12, 23),
        ),
        validity=DocumentValidity.REVOKED,
        card_secret="servicekonto-test-card-lena-mustermann-2020",
    ),
    TestCard(
        card_id="hans-mustermann-ohne-anschrift",
        label="Hans Mustermann – ohne Anschrift auf dem Chip (Wohnsitz im Ausland)",
        pin="888888",
        personal_data=_german_id(
            given_names="HANS",
            family_names="MUSTERMANN",
            birth_name=None,
            date_of_birth=date(1980, 5, 17),
            place_of_birth="KOBLENZ",
            residence=None,
            date_of_expiry=date(2034, 4, 30),
        ),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-hans-mustermann-2024",
        not_on_chip=frozenset({Operation.PLACE_OF_RESIDENCE}),
    ),
    TestCard(
        card_id="camille-dubois-ub",
        label="Camille Dubois – eID-Karte für Unionsbürger (Frankreich)",
        pin="999999",
        personal_data=PersonalData(
            document_type="UB",
            issuing_state="D",
            date_of_expiry=date(2035, 8, 31),
            given_names="CAMILLE",
            family_names="DUBOIS",
            date_of_birth=date(1990, 4, 21),
            place_of_birth="LYON",
            nationality="FRA",
            place_of_residence=Place("ENDERTSTRASSE 8", "COCHEM", "56812"),
        ),
        validity=DocumentValidity.VALID,
        card_secret="servicekonto-test-card-camille-dubois-2025",
        # The eID card for Union citizens (eIDKG) has no birth-name and no artistic-name group.
        not_on_chip=frozenset({Operation.BIRTH_NAME, Operation.ARTISTIC_NAME}),
    ),
)

_BY_ID = {card.card_id: card for card in TEST_CARDS}
if len(_BY_ID) != len(TEST_CARDS) or len({c.pin for c in TEST_CARDS}) != len(TEST_CARDS):
    raise ValueError("test card ids and PINs must be distinct")
if {f.name for f in fields(PersonalData)} != set(OPERATION_FIELDS.values()):
    raise ValueError("OPERATION_FIELDS must name every PersonalData field")


def card_by_id(card_id: str) -> TestCard | None:
    """The test card with this id, or None."""
    return _BY_ID.get(card_id)
