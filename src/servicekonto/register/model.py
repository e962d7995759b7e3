"""Value objects of the civil register port.

Frozen (and slotted, because a million of them are held in memory by the benchmark) so that a
`Resident` handed to the registration service cannot be changed behind the register's back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

MAX_NAME_LENGTH = 200
"""Longest given names, family name, street or locality the register API accepts."""
MAX_HOUSE_NUMBER_LENGTH = 20
MAX_POSTAL_CODE_LENGTH = 10
"""Callers validate their input against these limits first: a register that refuses the request
as invalid (HTTP 422) is, to the HTTP adapter, a register that cannot answer."""

Outcome = Literal["match", "no_match", "ambiguous"]
"""`ambiguous`: more than one register record fits the query; treated like `no_match` by callers
(no letter can be addressed), but kept apart so operators can count data-quality cases."""


@dataclass(frozen=True, slots=True)
class RegisterAddress:
    """The address of a register record; PIN letters are addressed from this, never from input."""

    street: str
    house_number: str
    postal_code: str
    locality: str
    country: str = "DE"


@dataclass(frozen=True, slots=True)
class Resident:
    """One register record (Meldedatensatz), as the register spells it.

    `given_names` holds all given names separated by spaces, hyphenated compounds kept
    ("Marie-Luise Anna"). `birth_name` is None when the birth name equals the family name (it never
    changed), otherwise the name at birth (e.g. before marriage). `sex` is one of "female", "male",
    "diverse". `nationality` is an ISO 3166-1 alpha-2 code. `record_id` is opaque and stable for
    a given data set; it goes into the identity evidence, never into logs.
    """

    record_id: str
    given_names: str
    family_name: str
    birth_name: str | None
    birth_date: date
    place_of_birth: str
    nationality: str
    address: RegisterAddress
    sex: str


@dataclass(frozen=True, slots=True)
class PersonQuery:
    """What a person typed at registration (DESIGN §9 form fields), before normalisation.

    `given_names` may hold one or several given names; see `normalise.given_names_match` for the
    rule. `locality` is carried for the register's benefit but not compared: the postal code plus
    street and house number already fix the address, and locality spellings vary too much
    ("Zell (Mosel)", "Zell/Mosel", "Zell-Merl").
    """

    given_names: str
    family_name: str
    birth_date: date
    street: str
    house_number: str
    postal_code: str
    locality: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The answer of a register match: `resident` is set exactly when `outcome == "match"`."""

    outcome: Outcome
    resident: Resident | None = None

    def __post_init__(self) -> None:
        if (self.outcome == "match") != (self.resident is not None):
            raise ValueError("a resident is returned exactly on outcome 'match'")


NO_MATCH = MatchResult("no_match")
AMBIGUOUS = MatchResult("ambiguous")
