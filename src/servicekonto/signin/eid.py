"""Signing in, registering and linking with the Online-Ausweis (DESIGN §5 "eID login").

What an eID result leads to, in this order:

1. its `restricted_id` (the card- and provider-specific pseudonym) is linked → that account;
   refused if the holder blocked that card, or if another account is signed in in this browser;
2. a password account is signed in → link the card when the chip's names and birth date match
   the account's; a mismatch is refused and nothing changes;
3. nobody is signed in: a new card of a known person re-links through the minimum data set of
   TR-03160-1 §4.5 (given names, family name, birth name, date and place of birth, address —
   all must match what the old card gave), or through the civil register: a register record
   already bound to an account (PIN letter) is that person's account;
4. otherwise a new account whose identity is `high`, without e-mail or password.

In every case the chip's data replaces the stored attributes at level `high` (source `eid`), so
eID-read data stays read-only for the user, and an identity evidence row records the document.
The pseudonym is stored only as a keyed digest, so a copy of the database does not reveal it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Concatenate, ParamSpec

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from servicekonto.accounts import means as login_means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import attributes_of, create_account, get_account, set_attribute
from servicekonto.db.models import Account, IdentityEvidence, LoginMeans
from servicekonto.eid.model import DocumentValidity, EidResult, PersonalData
from servicekonto.errors import Conflict, ServiceKontoError
from servicekonto.register.model import PersonQuery
from servicekonto.register.normalise import (
    address_key,
    fold,
    given_names_match,
    normalise_name,
)
from servicekonto.register.port import CivilRegister, RegisterUnavailable
from servicekonto.security.passwords import PasswordHashing
from servicekonto.security.secrets import keyed_digest


class EidSignInRefused(ServiceKontoError):
    """The eID worked, but it cannot be used here; `reason` selects the German explanation."""

    status = 409
    code = "eid_refused"

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason


class Outcome(Enum):
    SIGNED_IN = "signed_in"
    LINKED = "linked"
    RELINKED = "relinked"
    REGISTERED = "registered"


@dataclass(frozen=True)
class EidSignIn:
    account_id: str
    outcome: Outcome


@dataclass(frozen=True)
class EidIdentity:
    """The chip's data in our attribute vocabulary (OIDC claim names, DESIGN §4)."""

    restricted_id: str
    given_name: str
    family_name: str
    birthdate: date
    birth_family_name: str | None
    place_of_birth: str | None
    nationality: str | None
    street: str | None
    house_number: str | None
    postal_code: str | None
    locality: str | None
    country: str | None
    document_type: str | None
    issuing_state: str | None
    date_of_expiry: date | None

    def attributes(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birthdate": self.birthdate.isoformat(),
        }
        if self.birth_family_name:
            values["birth_family_name"] = self.birth_family_name
        if self.place_of_birth:
            values["place_of_birth"] = self.place_of_birth
        if self.nationality:
            values["nationalities"] = [self.nationality]
        if self.street and self.postal_code:
            values["address"] = {
                "street_address": f"{self.street} {self.house_number or ''}".strip(),
                "postal_code": self.postal_code,
                "locality": self.locality or "",
                "country": self.country or "DE",
            }
        return values


#: ICAO 9303 nationality / issuing-state codes on German eID documents → ISO 3166-1 alpha-2,
#: the form our register and claims use. "D" is Germany's code in the MRZ and on the chip.
_COUNTRIES = {
    "D": "DE",
    "AUT": "AT",
    "BEL": "BE",
    "BGR": "BG",
    "HRV": "HR",
    "CYP": "CY",
    "CZE": "CZ",
    "DNK": "DK",
    "EST": "EE",
    "FIN": "FI",
    "FRA": "FR",
    "GRC": "GR",
    "HUN": "HU",
    "IRL": "IE",
    "ITA": "IT",
    "LVA": "LV",
    "LTU": "LT",
    "LUX": "LU",
    "MLT": "MT",
    "NLD": "NL",
    "POL": "PL",
    "PRT": "PT",
    "ROU": "RO",
    "SVK": "SK",
    "SVN": "SI",
    "ESP": "ES",
    "SWE": "SE",
}

#: "HEIDESTRASSE 17" → ("HEIDESTRASSE", "17"); "Am Markt 3 a" → ("Am Markt", "3 a").
_STREET_AND_NUMBER = re.compile(r"^(?P<street>.*?\D)\s*(?P<number>\d[\w\s\-/]*)$")


def _country(code: str | None) -> str | None:
    return _COUNTRIES.get(code, code) if code else None


def _split_street(line: str) -> tuple[str, str]:
    found = _STREET_AND_NUMBER.match(line.strip())
    if not found:
        return line.strip(), ""
    return found.group("street").strip(), found.group("number").strip()


def identity_of(result: EidResult) -> EidIdentity:
    """The usable identity of a result; refused unless the document is valid and the chip gave
    the pseudonym, names and birth date (which the OP asks as REQUIRED)."""
    if result.document_validity is not DocumentValidity.VALID:
        raise EidSignInRefused("document_invalid", "the document is not valid")
    data: PersonalData = result.personal_data
    if not (data.restricted_id and data.given_names and data.family_names and data.date_of_birth):
        raise EidSignInRefused("data_missing", "the eID result lacks required data")
    place = data.place_of_residence
    street, number = _split_street(place.street) if place else (None, None)
    return EidIdentity(
        restricted_id=data.restricted_id,
        given_name=data.given_names,
        family_name=data.family_names,
        birthdate=data.date_of_birth,
        birth_family_name=data.birth_name,
        place_of_birth=data.place_of_birth,
        nationality=_country(data.nationality or ("D" if data.document_type == "ID" else None)),
        street=street,
        house_number=number,
        postal_code=place.zip_code if place else None,
        locality=place.city if place else None,
        country=_country(place.country) if place else None,
        document_type=data.document_type,
        issuing_state=_country(data.issuing_state),
        date_of_expiry=data.date_of_expiry,
    )


@dataclass(frozen=True)
class EidLinking:
    """What linking needs from the composition root."""

    lookup_key: bytes
    register: CivilRegister
    hashing: PasswordHashing


def lookup_digest(key: bytes, restricted_id: str) -> str:
    return keyed_digest(key, "rid:" + restricted_id.lower())


def minimum_data_digest(key: bytes, identity: EidIdentity) -> str | None:
    """TR-03160-1 §4.5 minimum data set, normalised; None if the chip lacks part of it."""
    if not (identity.place_of_birth and identity.street and identity.postal_code):
        return None
    postal, street, number = address_key(
        identity.street, identity.house_number or "", identity.postal_code
    )
    parts = [
        " ".join(sorted(fold(identity.given_name).split())),
        normalise_name(identity.family_name),
        normalise_name(identity.birth_family_name or identity.family_name),
        identity.birthdate.isoformat(),
        fold(identity.place_of_birth),
        postal,
        street,
        number,
    ]
    return keyed_digest(key, "mds:" + "|".join(parts))


def matches_account(account: Account, identity: EidIdentity) -> bool:
    """Linking a signed-in account: its given names (subset rule), family name and birth date
    must be the chip's. Register-checked spellings and typed ones are compared alike."""
    attributes = attributes_of(account)
    needed = ("given_name", "family_name", "birthdate")
    if any(name not in attributes for name in needed):
        return False
    family = normalise_name(str(attributes["family_name"].value))
    family_on_chip = {normalise_name(identity.family_name)}
    if identity.birth_family_name:
        family_on_chip.add(normalise_name(identity.birth_family_name))
    return (
        given_names_match(str(attributes["given_name"].value), identity.given_name)
        and family in family_on_chip
        and str(attributes["birthdate"].value) == identity.birthdate.isoformat()
    )


def _register_record(register: CivilRegister, identity: EidIdentity) -> str | None:
    """The civil-register record of the holder, if the register answers with exactly one."""
    if not (identity.street and identity.postal_code):
        return None
    try:
        found = register.match(
            PersonQuery(
                given_names=identity.given_name,
                family_name=identity.family_name,
                birth_date=identity.birthdate,
                street=identity.street,
                house_number=identity.house_number or "",
                postal_code=identity.postal_code,
                locality=identity.locality or "",
            )
        )
    except RegisterUnavailable:
        # The register only helps to find an existing account; an outage must not stop a
        # login with the strongest means there is.
        return None
    return found.resident.record_id if found.resident else None


def _take_over_chip_data(
    db: Session, account: Account, identity: EidIdentity, now: datetime
) -> None:
    for name, value in identity.attributes().items():
        set_attribute(
            db,
            account=account,
            name=name,
            value=value,
            level=TrustLevel.HIGH,
            source="eid",
            now=now,
        )
    account.updated_at = now
    # one eID proof per account, the newest: a login reads the chip again each time
    db.execute(
        delete(IdentityEvidence).where(
            IdentityEvidence.account_id == account.id, IdentityEvidence.kind == "eid"
        )
    )
    db.add(
        IdentityEvidence(
            account_id=account.id,
            kind="eid",
            verified_at=now,
            register_record_id=account.register_record_id,
            details={
                "document_type": identity.document_type,
                "issuing_state": identity.issuing_state,
                "date_of_expiry": identity.date_of_expiry.isoformat()
                if identity.date_of_expiry
                else None,
            },
        )
    )


def _card_label(identity: EidIdentity) -> str:
    kinds = {"ID": "Personalausweis", "UB": "eID-Karte", "AR": "Aufenthaltstitel"}
    kind = kinds.get(identity.document_type or "", "Ausweis")
    until = identity.date_of_expiry.strftime("%d.%m.%Y") if identity.date_of_expiry else "—"
    return f"{kind} (gültig bis {until})"


def _link(
    db: Session, linking: EidLinking, account: Account, identity: EidIdentity, now: datetime
) -> None:
    means = login_means.add_eid_means(
        db,
        account_id=account.id,
        lookup_digest=lookup_digest(linking.lookup_key, identity.restricted_id),
        label=_card_label(identity),
        now=now,
    )
    means.identity_digest = minimum_data_digest(linking.lookup_key, identity)


def _refresh_known(
    db: Session, linking: EidLinking, means: LoginMeans, identity: EidIdentity, now: datetime
) -> Account:
    account = get_account(db, means.account_id)
    assert account is not None  # the means cascades away with its account
    _take_over_chip_data(db, account, identity, now)
    means.identity_digest = minimum_data_digest(linking.lookup_key, identity)
    login_means.touch_means(db, means.id, now)
    return account


def _relink_candidate(
    db: Session, linking: EidLinking, identity: EidIdentity
) -> tuple[Account | None, str | None]:
    """(account, register record id) of a person whose new card this is, if any."""
    identity_digest = minimum_data_digest(linking.lookup_key, identity)
    if identity_digest:
        owners = set(
            db.scalars(
                select(LoginMeans.account_id).where(
                    LoginMeans.kind == "eid", LoginMeans.identity_digest == identity_digest
                )
            )
        )
        if len(owners) == 1:
            return get_account(db, owners.pop()), None
    record_id = _register_record(linking.register, identity)
    if record_id is None:
        return None, None
    return db.scalar(select(Account).where(Account.register_record_id == record_id)), record_id


def sign_in_with_eid(
    db: Session,
    linking: EidLinking,
    *,
    result: EidResult,
    signed_in_account_id: str | None,
    now: datetime,
) -> EidSignIn:
    """Which account this eID result opens (module doc); flushes, the caller commits."""
    identity = identity_of(result)
    rid_digest = lookup_digest(linking.lookup_key, identity.restricted_id)
    known = login_means.find_eid_means(db, rid_digest)
    if known is not None:
        if known.state == "blocked":
            raise EidSignInRefused("card_blocked", "this card is blocked for login")
        if signed_in_account_id and known.account_id != signed_in_account_id:
            raise EidSignInRefused("other_account", "this card belongs to another account")
        known_account = _refresh_known(db, linking, known, identity, now)
        return EidSignIn(known_account.id, Outcome.SIGNED_IN)

    if signed_in_account_id:
        signed_in = get_account(db, signed_in_account_id)
        if signed_in is None:
            raise EidSignInRefused("data_mismatch", "the signed-in account is gone")
        if not matches_account(signed_in, identity):
            raise EidSignInRefused("data_mismatch", "the card's data do not match the account")
        _link(db, linking, signed_in, identity, now)
        _take_over_chip_data(db, signed_in, identity, now)
        return EidSignIn(signed_in.id, Outcome.LINKED)

    candidate, record_id = _relink_candidate(db, linking, identity)
    if candidate is not None:
        _link(db, linking, candidate, identity, now)
        _take_over_chip_data(db, candidate, identity, now)
        return EidSignIn(candidate.id, Outcome.RELINKED)

    account = create_account(
        db,
        hashing=linking.hashing,
        now=now,
        email=None,
        password=None,
        attributes={},
    )
    account.register_record_id = record_id
    _link(db, linking, account, identity, now)
    _take_over_chip_data(db, account, identity, now)
    return EidSignIn(account.id, Outcome.REGISTERED)


_P = ParamSpec("_P")


def _retried_once_on_conflict(
    sign_in: Callable[Concatenate[Session, _P], EidSignIn],
) -> Callable[Concatenate[Session, _P], EidSignIn]:
    """`sign_in`, retried once in a fresh transaction when a parallel login linked the same card
    first (the unique pseudonym digest decides; the retry then finds the card known)."""

    def retried(db: Session, /, *args: _P.args, **kwargs: _P.kwargs) -> EidSignIn:
        try:
            return sign_in(db, *args, **kwargs)
        except Conflict:
            db.rollback()
            return sign_in(db, *args, **kwargs)

    return retried


#: `sign_in_with_eid`, retried once when a parallel login linked the same card first.
sign_in_with_eid_once = _retried_once_on_conflict(sign_in_with_eid)
