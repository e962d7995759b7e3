"""Every linking path of an eID login (DESIGN §4, §5 "eID login"; signin/eid.py).

Known card → that account (refused when blocked or when another account is signed in); unknown
card with a signed-in password account → link when names and birth date match, else refuse and
change nothing; nobody signed in → re-link a new card of a known person (TR-03160-1 §4.5 minimum
data set, or the civil-register record an account is bound to), else a new `high` account.
The results are hand-built TR-03130 `EidResult`s; nothing here needs the eID-Server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts import means as login_means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import (
    attributes_of,
    create_account,
    get_account,
    identity_level,
    set_attribute,
)
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, IdentityEvidence, LoginMeans
from servicekonto.eid.model import DocumentValidity, EidResult, PersonalData, Place
from servicekonto.letters.service import Recipient, queue_pin_letter
from servicekonto.letters.store import LetterStore
from servicekonto.register.model import AMBIGUOUS, NO_MATCH, MatchResult, PersonQuery
from servicekonto.register.port import RegisterUnavailable
from servicekonto.registration.service import Collaborators, activate_identity
from servicekonto.signin.eid import (
    EidLinking,
    EidSignIn,
    EidSignInRefused,
    Outcome,
    sign_in_with_eid,
    sign_in_with_eid_once,
)
from servicekonto.sim.register_data import TEST_PERSONS
from servicekonto.sim.register_mock import InMemoryRegister
from tests.support import FAST_HASHING

KEY = b"k" * 32
#: `RestrictedID.ID` is hexBinary: 32 bytes of card- and provider-specific pseudonym.
RID_1 = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
RID_2 = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
RID_3 = "deadbeef" * 8
ANNA_RECORD = "07135-000000000001"  # TEST_PERSONS[0], Anna Maria Schmitz

TEST_REGISTER = InMemoryRegister(TEST_PERSONS)
CORE = ("given_name", "family_name", "birthdate")


# -- builders --------------------------------------------------------------------------------------


def chip(rid: str | None = RID_1, **overrides: Any) -> EidResult:
    """Anna Maria Schmitz's ID card as the register knows her (TEST_PERSONS[0])."""
    validity = overrides.pop("validity", DocumentValidity.VALID)
    data: dict[str, Any] = {
        "document_type": "ID",
        "issuing_state": "D",
        "date_of_expiry": date(2031, 5, 31),
        "given_names": "Anna Maria",
        "family_names": "Schmitz",
        "date_of_birth": date(1984, 3, 12),
        "place_of_birth": "Cochem",
        "nationality": "D",
        "birth_name": None,
        "place_of_residence": Place(street="Moselpromenade 12", city="Cochem", zip_code="56812"),
        "restricted_id": rid,
    }
    data.update(overrides)
    return EidResult(personal_data=PersonalData(**data), document_validity=validity)


@dataclass
class FakeRegister:
    """A civil register that gives a chosen answer (or fails) and counts the questions."""

    answer: MatchResult = NO_MATCH
    fail: bool = False
    queries: list[PersonQuery] = field(default_factory=list)

    def match(self, query: PersonQuery) -> MatchResult:
        self.queries.append(query)
        if self.fail:
            raise RegisterUnavailable("register down")
        return self.answer


def linking(register: Any = None) -> EidLinking:
    return EidLinking(
        lookup_key=KEY,
        register=register if register is not None else FakeRegister(),
        hashing=FAST_HASHING,
    )


def sign_in(
    db: Session,
    clock: FixedClock,
    result: EidResult,
    *,
    signed_in: str | None = None,
    register: Any = None,
) -> EidSignIn:
    outcome = sign_in_with_eid(
        db, linking(register), result=result, signed_in_account_id=signed_in, now=clock.now()
    )
    db.commit()
    return outcome


def password_account(
    db: Session,
    clock: FixedClock,
    *,
    given_name: str = "Anna",
    family_name: str = "Schmitz",
    birthdate: str = "1984-03-12",
    level: TrustLevel = TrustLevel.BASIC,
    register_record_id: str | None = None,
    **extra: Any,
) -> str:
    attributes: dict[str, Any] = {
        "given_name": given_name,
        "family_name": family_name,
        "birthdate": birthdate,
        "address": {
            "street_address": "Moselpromenade 12",
            "postal_code": "56812",
            "locality": "Cochem",
            "country": "DE",
        },
        **extra,
    }
    account = create_account(
        db,
        hashing=FAST_HASHING,
        now=clock.now(),
        email=f"anna-{len(given_name)}-{clock.now().timestamp()}@example.org",
        password="Korrekt-Pferd-Batterie-42",
        attributes={k: v for k, v in attributes.items() if v is not None},
        level=level,
        email_verified=True,
    )
    account.register_record_id = register_record_id
    db.commit()
    return account.id


def count(db: Session, model: Any, *where: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def eid_means(db: Session, account_id: str) -> list[login_means.MeansView]:
    return [m for m in login_means.list_means(db, account_id) if m.kind == "eid"]


def snapshot(db: Session, account_id: str) -> dict[str, Any]:
    account = get_account(db, account_id)
    assert account is not None
    return {
        "attributes": {n: (a.value, a.level, a.source) for n, a in attributes_of(account).items()},
        "means": [(m.kind, m.state) for m in login_means.list_means(db, account_id)],
        "evidence": count(db, IdentityEvidence, IdentityEvidence.account_id == account_id),
        "accounts": count(db, Account),
        "all_means": count(db, LoginMeans),
        "register_record_id": account.register_record_id,
    }


def assert_all_high_from_eid(db: Session, account_id: str) -> dict[str, Any]:
    account = get_account(db, account_id)
    assert account is not None
    db.refresh(account)
    attributes = attributes_of(account)
    assert set(CORE) <= set(attributes)
    for name, attribute in attributes.items():
        assert (name, attribute.level, attribute.source) == (name, TrustLevel.HIGH, "eid")
    assert identity_level(account) == TrustLevel.HIGH
    return {n: a.value for n, a in attributes.items()}


ANNA_ON_CHIP = {
    "given_name": "Anna Maria",
    "family_name": "Schmitz",
    "birthdate": "1984-03-12",
    "place_of_birth": "Cochem",
    "nationalities": ["DE"],
    "address": {
        "street_address": "Moselpromenade 12",
        "postal_code": "56812",
        "locality": "Cochem",
        "country": "DE",
    },
}


# -- 1. a known card ----------------------------------------------------------------------------


def test_known_card_signs_in_the_same_account_and_refreshes_the_attributes(
    db: Session, clock: FixedClock
) -> None:
    first = sign_in(db, clock, chip())
    assert first.outcome is Outcome.REGISTERED
    account = get_account(db, first.account_id)
    assert account is not None
    # whatever happened to a stored attribute meanwhile, the chip's reading replaces it
    set_attribute(
        db,
        account=account,
        name="given_name",
        value="Anni",
        level=TrustLevel.BASIC,
        source="user",
        now=clock.now(),
    )
    db.commit()
    clock.advance(days=40)
    moved = chip(place_of_residence=Place("Endertstraße 3", "Cochem", "56812"))
    again = sign_in(db, clock, moved)
    assert again == EidSignIn(first.account_id, Outcome.SIGNED_IN)
    values = assert_all_high_from_eid(db, first.account_id)
    assert values["given_name"] == "Anna Maria"
    assert values["address"] == {
        "street_address": "Endertstraße 3",
        "postal_code": "56812",
        "locality": "Cochem",
        "country": "DE",
    }
    assert count(db, Account) == 1
    [card] = eid_means(db, first.account_id)
    assert card.last_used_at == clock.now()


def test_known_card_restricted_id_is_compared_as_hex_without_case(
    db: Session, clock: FixedClock
) -> None:
    first = sign_in(db, clock, chip(RID_1))
    again = sign_in(db, clock, chip(RID_1.upper()))
    assert again == EidSignIn(first.account_id, Outcome.SIGNED_IN)


def test_known_card_blocked_by_the_holder_is_refused_and_opens_no_new_account(
    db: Session, clock: FixedClock
) -> None:
    first = sign_in(db, clock, chip())
    [card] = eid_means(db, first.account_id)
    assert login_means.block_means(
        db, account_id=first.account_id, means_id=card.id, now=clock.now()
    )
    db.commit()
    for signed_in in (None, first.account_id):
        with pytest.raises(EidSignInRefused) as refused:
            sign_in(db, clock, chip(), signed_in=signed_in)
        assert refused.value.reason == "card_blocked"
        db.rollback()
    assert count(db, Account) == 1
    assert [m.state for m in eid_means(db, first.account_id)] == ["blocked"]


def test_known_card_while_another_account_is_signed_in_is_refused(
    db: Session, clock: FixedClock
) -> None:
    owner = sign_in(db, clock, chip())
    other = password_account(db, clock)
    before = snapshot(db, other)
    with pytest.raises(EidSignInRefused) as refused:
        sign_in(db, clock, chip(), signed_in=other)
    assert refused.value.reason == "other_account"
    assert snapshot(db, other) == before
    assert len(eid_means(db, owner.account_id)) == 1


def test_known_card_while_its_own_account_is_signed_in_signs_in(
    db: Session, clock: FixedClock
) -> None:
    owner = sign_in(db, clock, chip())
    again = sign_in(db, clock, chip(), signed_in=owner.account_id)
    assert again == EidSignIn(owner.account_id, Outcome.SIGNED_IN)


# -- 2. an unknown card and a signed-in password account ------------------------------------------


@pytest.mark.parametrize(
    ("typed", "on_chip"),
    [
        pytest.param({}, {}, id="given-name-subset-anna-of-anna-maria"),
        pytest.param({"given_name": "Maria"}, {}, id="second-given-name-only"),
        pytest.param(
            {"given_name": "ANNA MARIA", "family_name": "schmitz"}, {}, id="case-insensitive"
        ),
        pytest.param(
            {"given_name": "Marie-Luise", "family_name": "Schneider", "birthdate": "1972-10-05"},
            {
                "given_names": "Marie-Luise",
                "family_names": "Schneider-Hoffmann",
                "birth_name": "Schneider",
                "date_of_birth": date(1972, 10, 5),
            },
            id="account-holds-the-birth-name",
        ),
        pytest.param(
            {"given_name": "Juergen", "family_name": "Weissmueller", "birthdate": "1958-07-23"},
            {
                "given_names": "Jürgen",
                "family_names": "Weißmüller",
                "date_of_birth": date(1958, 7, 23),
            },
            id="umlauts-transliterated",
        ),
    ],
)
def test_unknown_card_links_to_the_signed_in_account_when_names_and_birth_date_match(
    db: Session, clock: FixedClock, typed: dict[str, str], on_chip: dict[str, Any]
) -> None:
    account_id = password_account(db, clock, **typed)
    result = chip(**on_chip)
    linked = sign_in(db, clock, result, signed_in=account_id)
    assert linked == EidSignIn(account_id, Outcome.LINKED)
    values = assert_all_high_from_eid(db, account_id)
    assert values["given_name"] == result.personal_data.given_names  # the chip's spelling
    assert values["family_name"] == result.personal_data.family_names
    account = get_account(db, account_id)
    assert account is not None
    assert account.email is not None and account.password_hash is not None  # still usable
    [card] = eid_means(db, account_id)
    assert card.state == "active"
    assert count(db, Account) == 1


def test_linking_stores_only_a_keyed_digest_of_the_restricted_id(
    db: Session, clock: FixedClock
) -> None:
    account_id = password_account(db, clock)
    sign_in(db, clock, chip(), signed_in=account_id)
    rows = db.execute(text("SELECT * FROM login_means")).all()
    assert len(rows) == 1
    dumped = " ".join(str(value) for row in rows for value in row).lower()
    assert RID_1 not in dumped
    assert RID_1[:32] not in dumped  # not half of it either
    card = db.scalar(select(LoginMeans).where(LoginMeans.kind == "eid"))
    assert card is not None and card.lookup_digest
    assert card.lookup_digest != RID_1
    # and nowhere else in the database
    tables = [
        name
        for (name,) in db.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).all()
    ]
    for table in tables:
        content = " ".join(
            str(value)
            for row in db.execute(text(f'SELECT * FROM "{table}"')).all()
            for value in row
        ).lower()
        assert RID_1 not in content, table


@pytest.mark.parametrize(
    ("typed", "on_chip"),
    [
        pytest.param({}, {"date_of_birth": date(1984, 3, 13)}, id="other-birth-date"),
        pytest.param({"given_name": "Anna Lena"}, {}, id="given-name-not-on-chip"),
        pytest.param({"family_name": "Schmidt"}, {}, id="other-family-name"),
        pytest.param({"birthdate": None}, {}, id="account-without-birth-date"),
    ],
)
def test_unknown_card_with_mismatching_data_is_refused_and_nothing_changes(
    db: Session, clock: FixedClock, typed: dict[str, Any], on_chip: dict[str, Any]
) -> None:
    account_id = password_account(db, clock, **typed)
    before = snapshot(db, account_id)
    with pytest.raises(EidSignInRefused) as refused:
        sign_in_with_eid(
            db,
            linking(TEST_REGISTER),
            result=chip(**on_chip),
            signed_in_account_id=account_id,
            now=clock.now(),
        )
    assert refused.value.reason == "data_mismatch"
    # nothing pending in the transaction either: the caller could even commit it
    db.commit()
    db.expire_all()
    assert snapshot(db, account_id) == before
    assert eid_means(db, account_id) == []


# -- 3. nobody signed in: a new card of a known person --------------------------------------------


@pytest.mark.parametrize(
    "new_card",
    [
        pytest.param({}, id="same-spelling"),
        pytest.param(
            {
                "given_names": "ANNA MARIA",
                "family_names": "SCHMITZ",
                "place_of_birth": "COCHEM",
                "place_of_residence": Place("MOSELPROMENADE 12", "COCHEM", "56812"),
            },
            id="capitals",
        ),
    ],
)
def test_new_card_of_a_known_person_relinks_through_the_minimum_data_set(
    db: Session, clock: FixedClock, new_card: dict[str, Any]
) -> None:
    register = FakeRegister(NO_MATCH)
    first = sign_in(db, clock, chip(RID_1), register=register)
    assert first.outcome is Outcome.REGISTERED
    clock.advance(days=3650)
    relinked = sign_in(
        db, clock, chip(RID_2, date_of_expiry=date(2041, 5, 31), **new_card), register=register
    )
    assert relinked == EidSignIn(first.account_id, Outcome.RELINKED)
    assert count(db, Account) == 1
    cards = eid_means(db, first.account_id)
    assert len(cards) == 2
    assert {c.state for c in cards} == {"active"}
    # both cards now open the account
    assert sign_in(db, clock, chip(RID_1), register=register).account_id == first.account_id
    assert sign_in(db, clock, chip(RID_2), register=register).account_id == first.account_id


def test_new_card_with_another_address_is_not_relinked_by_the_minimum_data_set(
    db: Session, clock: FixedClock
) -> None:
    """TR-03160-1 §4.5: all of the minimum data set must match; a move needs the register."""
    first = sign_in(db, clock, chip(RID_1))
    moved = chip(RID_2, place_of_residence=Place("Endertstraße 3", "Cochem", "56812"))
    second = sign_in(db, clock, moved, register=FakeRegister(NO_MATCH))
    assert second.outcome is Outcome.REGISTERED
    assert second.account_id != first.account_id


def test_new_card_relinks_to_the_account_bound_to_the_register_record(
    db: Session, clock: FixedClock
) -> None:
    bound = password_account(
        db, clock, level=TrustLevel.SUBSTANTIAL, register_record_id=ANNA_RECORD
    )
    relinked = sign_in(db, clock, chip(), register=TEST_REGISTER)
    assert relinked == EidSignIn(bound, Outcome.RELINKED)
    assert count(db, Account) == 1
    assert len(eid_means(db, bound)) == 1
    values = assert_all_high_from_eid(db, bound)
    assert values["given_name"] == "Anna Maria"
    account = get_account(db, bound)
    assert account is not None and account.register_record_id == ANNA_RECORD


def test_new_card_relinks_through_a_register_answer_naming_a_bound_record(
    db: Session, clock: FixedClock
) -> None:
    anna = TEST_PERSONS[0]
    bound = password_account(
        db, clock, level=TrustLevel.SUBSTANTIAL, register_record_id="07135-0000000000ff"
    )
    register = FakeRegister(MatchResult("match", replace(anna, record_id="07135-0000000000ff")))
    relinked = sign_in(db, clock, chip(), register=register)
    assert relinked == EidSignIn(bound, Outcome.RELINKED)
    [query] = register.queries
    assert (query.given_names, query.family_name, query.birth_date) == (
        "Anna Maria",
        "Schmitz",
        date(1984, 3, 12),
    )
    assert (query.street, query.house_number, query.postal_code) == (
        "Moselpromenade",
        "12",
        "56812",
    )


# -- 4. nobody signed in, nobody known: a new account ---------------------------------------------


@pytest.mark.parametrize(
    "answer", [pytest.param(NO_MATCH, id="no-match"), pytest.param(AMBIGUOUS, id="ambiguous")]
)
def test_unknown_card_without_a_match_registers_a_new_high_account(
    db: Session, clock: FixedClock, answer: MatchResult
) -> None:
    registered = sign_in(db, clock, chip(), register=FakeRegister(answer))
    assert registered.outcome is Outcome.REGISTERED
    account = get_account(db, registered.account_id)
    assert account is not None
    assert account.email is None and account.password_hash is None
    assert account.register_record_id is None
    assert assert_all_high_from_eid(db, registered.account_id) == ANNA_ON_CHIP
    assert len(eid_means(db, registered.account_id)) == 1


def test_unknown_card_matched_in_the_register_registers_with_the_record_id(
    db: Session, clock: FixedClock
) -> None:
    registered = sign_in(db, clock, chip(), register=TEST_REGISTER)
    assert registered.outcome is Outcome.REGISTERED
    account = get_account(db, registered.account_id)
    assert account is not None and account.register_record_id == ANNA_RECORD
    [evidence] = db.scalars(
        select(IdentityEvidence).where(IdentityEvidence.account_id == registered.account_id)
    ).all()
    assert (evidence.kind, evidence.register_record_id) == ("eid", ANNA_RECORD)
    assert evidence.details == {
        "document_type": "ID",
        "issuing_state": "DE",
        "date_of_expiry": "2031-05-31",
    }


@pytest.mark.parametrize(
    "validity",
    [DocumentValidity.EXPIRED, DocumentValidity.REVOKED, DocumentValidity.NOT_AUTHENTIC],
    ids=lambda v: v.value,
)
def test_invalid_document_is_refused(
    db: Session, clock: FixedClock, validity: DocumentValidity
) -> None:
    with pytest.raises(EidSignInRefused) as refused:
        sign_in(db, clock, chip(validity=validity))
    assert refused.value.reason == "document_invalid"
    db.rollback()
    assert count(db, Account) == 0


def test_invalid_document_of_a_known_card_is_refused_too(db: Session, clock: FixedClock) -> None:
    sign_in(db, clock, chip())
    with pytest.raises(EidSignInRefused) as refused:
        sign_in(db, clock, chip(validity=DocumentValidity.REVOKED))
    assert refused.value.reason == "document_invalid"


@pytest.mark.parametrize(
    "missing",
    ["restricted_id", "given_names", "family_names", "date_of_birth"],
)
def test_result_without_required_data_is_refused(
    db: Session, clock: FixedClock, missing: str
) -> None:
    with pytest.raises(EidSignInRefused) as refused:
        sign_in(db, clock, chip(**{missing: None}))
    assert refused.value.reason == "data_missing"
    db.rollback()
    assert count(db, Account) == 0


def test_empty_restricted_id_is_data_missing(db: Session, clock: FixedClock) -> None:
    with pytest.raises(EidSignInRefused) as refused:
        sign_in(db, clock, chip(""))
    assert refused.value.reason == "data_missing"


# -- register outage ------------------------------------------------------------------------------


def test_register_outage_does_not_stop_an_eid_registration(db: Session, clock: FixedClock) -> None:
    down = FakeRegister(fail=True)
    registered = sign_in(db, clock, chip(), register=down)
    assert registered.outcome is Outcome.REGISTERED
    assert down.queries, "the register was asked (and failed)"
    account = get_account(db, registered.account_id)
    assert account is not None and account.register_record_id is None
    assert_all_high_from_eid(db, registered.account_id)


def test_register_outage_does_not_stop_a_relink_by_minimum_data_set(
    db: Session, clock: FixedClock
) -> None:
    first = sign_in(db, clock, chip(RID_1), register=FakeRegister(NO_MATCH))
    relinked = sign_in(db, clock, chip(RID_2), register=FakeRegister(fail=True))
    assert relinked == EidSignIn(first.account_id, Outcome.RELINKED)


# -- PIN letter and eID together ------------------------------------------------------------------


def _queue_letter(db: Session, clock: FixedClock, account_id: str) -> str:
    queued = queue_pin_letter(
        db,
        hashing=FAST_HASHING,
        account_id=account_id,
        register_record_id=ANNA_RECORD,
        recipient=Recipient("Anna Maria Schmitz", "Moselpromenade 12", "56812", "Cochem"),
        administration_slug=None,
        now=clock.now(),
    )
    db.commit()
    return queued.code


def _collaborators(tmp_path: Path) -> Collaborators:
    return Collaborators(
        hashing=FAST_HASHING,
        register=TEST_REGISTER,
        letters=LetterStore(tmp_path / "letters"),
        issuer="http://testserver",
    )


def test_pin_letter_activation_after_an_eid_link_never_lowers_high_attributes(
    db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    account_id = password_account(db, clock)
    code = _queue_letter(db, clock, account_id)
    clock.advance(days=2)
    assert sign_in(db, clock, chip(), signed_in=account_id).outcome is Outcome.LINKED
    high = assert_all_high_from_eid(db, account_id)
    clock.advance(days=1)
    assert activate_identity(
        db, _collaborators(tmp_path), account_id=account_id, code=code, now=clock.now()
    )
    db.commit()
    db.expire_all()
    assert assert_all_high_from_eid(db, account_id) == high
    account = get_account(db, account_id)
    assert account is not None and account.register_record_id == ANNA_RECORD


def test_eid_login_after_a_pin_letter_activation_raises_substantial_to_high(
    db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    account_id = password_account(db, clock)
    code = _queue_letter(db, clock, account_id)
    assert activate_identity(
        db, _collaborators(tmp_path), account_id=account_id, code=code, now=clock.now()
    )
    db.commit()
    account = get_account(db, account_id)
    assert account is not None and identity_level(account) == TrustLevel.SUBSTANTIAL
    # nobody signed in: the register record bound by the letter finds the account
    relinked = sign_in(db, clock, chip(), register=TEST_REGISTER)
    assert relinked == EidSignIn(account_id, Outcome.RELINKED)
    assert_all_high_from_eid(db, account_id)
    kinds = sorted(
        db.scalars(
            select(IdentityEvidence.kind).where(IdentityEvidence.account_id == account_id)
        ).all()
    )
    assert kinds == ["eid", "register_letter"]


# -- identity evidence ----------------------------------------------------------------------------


def test_identity_evidence_keeps_one_eid_row_per_account_after_two_logins(
    db: Session, clock: FixedClock
) -> None:
    first = sign_in(db, clock, chip())
    clock.advance(hours=5)
    sign_in(db, clock, chip(date_of_expiry=date(2032, 1, 1)))
    rows = db.scalars(
        select(IdentityEvidence).where(
            IdentityEvidence.account_id == first.account_id, IdentityEvidence.kind == "eid"
        )
    ).all()
    assert len(rows) == 1
    assert rows[0].verified_at == clock.now()
    assert rows[0].details is not None and rows[0].details["date_of_expiry"] == "2032-01-01"


# -- races ----------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_the_same_new_card_in_two_parallel_logins_creates_one_account(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    barrier = threading.Barrier(2)

    def login(_: int) -> EidSignIn:
        with sessions() as db:
            barrier.wait(timeout=30)
            outcome = sign_in_with_eid_once(
                db,
                linking(FakeRegister(NO_MATCH)),
                result=chip(),
                signed_in_account_id=None,
                now=clock.now(),
            )
            db.commit()
            return outcome

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(login, range(2)))

    assert outcomes[0].account_id == outcomes[1].account_id
    assert sorted(o.outcome.value for o in outcomes) == ["registered", "signed_in"]
    with sessions() as db:
        assert count(db, Account) == 1
        assert count(db, LoginMeans, LoginMeans.kind == "eid") == 1
        assert count(db, IdentityEvidence) == 1


def test_sign_in_once_retries_when_a_parallel_login_linked_the_card_first(
    sessions: sessionmaker[Session], clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The losing side of the race, made deterministic: the first look-up misses the card that
    another transaction has just committed, the unique digest refuses the second link, and the
    retry finds the card."""
    with sessions() as db:
        winner = sign_in(db, clock, chip(), register=FakeRegister(NO_MATCH))

    real_find: Callable[[Session, str], LoginMeans | None] = login_means.find_eid_means
    calls: list[str] = []

    def find_missing_first(db: Session, lookup_digest: str) -> LoginMeans | None:
        calls.append(lookup_digest)
        return None if len(calls) == 1 else real_find(db, lookup_digest)

    monkeypatch.setattr(login_means, "find_eid_means", find_missing_first)
    with sessions() as db:
        outcome = sign_in_with_eid_once(
            db,
            linking(FakeRegister(NO_MATCH)),
            result=chip(),
            signed_in_account_id=None,
            now=clock.now() + timedelta(minutes=1),
        )
        db.commit()
        assert outcome == EidSignIn(winner.account_id, Outcome.SIGNED_IN)
        assert len(calls) == 2
        assert count(db, Account) == 1
        assert count(db, LoginMeans, LoginMeans.kind == "eid") == 1
