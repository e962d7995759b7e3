"""An organisation's activation letter (issue 12 item 4): the letter life cycle with the business
address as addressee, an activation code and a Widerrufscode under one attempt counter, one
pending letter per organisation, 3 letters per organisation in 90 days, single use that kills
both codes. The register person stays the PIN letter's addressee; an organisation letter never
binds one.

Database-sensitive (conditional UPDATEs, the UNIQUE pending rule, savepoints), so these run on
SQLite and, with SERVICEKONTO_TEST_DATABASE_URL, on PostgreSQL too.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from servicekonto.clock import FixedClock
from servicekonto.db.models import Administration, Letter, Organisation
from servicekonto.errors import InvalidInput, NotFound
from servicekonto.letters.codes import normalise_code
from servicekonto.letters.organisation import (
    ATTENTION,
    UsedOrganisationLetter,
    VerifiedOrganisationCode,
    consume_organisation_letter,
    delete_organisation_letters,
    organisation_letter_status,
    organisation_letters_remaining,
    queue_organisation_activation_letter,
    use_organisation_code,
    verify_organisation_code,
    void_organisation_letter,
)
from servicekonto.letters.service import (
    LETTER_WINDOW,
    LETTERS_PER_WINDOW,
    MAX_ATTEMPTS,
    VALIDITY,
    Addressee,
    LetterLimitReached,
    QueuedLetter,
    close_expired,
    letter_status,
    letters_remaining,
    list_queued,
    mark_dispatched,
    pending_register_record,
)
from servicekonto.letters.store import has_pdf
from servicekonto.oidc.provider import Provider
from tests.letters.conftest import RECORD_ID, load, queue
from tests.letters.test_dispatch_access import administration

pytestmark = pytest.mark.postgres

ORGANISATION = "Moselweingut Müller-Lüdenscheidt GmbH & Co. KG"
ADDRESS = ["Weinstraße 3", "56812 Cochem"]
ORG = "org-moselweingut"
SLUG = "vg-cochem"
WRONG = "2222-3333-4444"


@pytest.fixture(autouse=True)
def _backend(backend: str) -> str:
    """Pull in the backend parametrisation for every test of this module."""
    return backend


def queue_org(
    provider: Provider,
    applicant_id: str,
    *,
    organisation_id: str = ORG,
    slug: str = SLUG,
    name: str = ORGANISATION,
) -> QueuedLetter:
    """Queue the organisation's activation letter (and its PDF) in its own transaction; the
    administration `slug` is added unless it exists."""
    administration(provider, slug, f"Verbandsgemeinde {slug}")
    ensure_organisation(provider, organisation_id, slug)
    with provider.sessions() as db:
        queued = queue_organisation_activation_letter(
            db, hashing=provider.hashing, organisation_id=organisation_id,
            organisation_name=name, address_lines=ADDRESS, applicant_account_id=applicant_id,
            administration_slug=slug, issuer_url="http://testserver", now=provider.clock.now(),
        )
        db.commit()
    return queued


def ensure_organisation(provider: Provider, organisation_id: str, slug: str) -> None:
    """The organisation row the letter's foreign key points at (its details do not matter here;
    the companies package owns them)."""
    with provider.sessions() as db:
        if db.get(Organisation, organisation_id) is None:
            now = provider.clock.now()
            administration_id = db.scalar(
                select(Administration.id).where(Administration.slug == slug)
            )
            assert administration_id is not None
            db.add(Organisation(
                id=organisation_id, name=ORGANISATION, name_key=ORGANISATION.casefold(),
                kind="company", legal_form="GmbH & Co. KG", street="Moselstraße",
                house_number="7 a", postal_code="56812", locality="Cochem",
                administration_id=administration_id, state="approved", created_at=now,
                updated_at=now,
            ))
            db.commit()


def try_org_code(
    provider: Provider, code: str, *, organisation_id: str | None = ORG,
    reference: str | None = None,
) -> UsedOrganisationLetter | None:
    with provider.sessions() as db:
        used = use_organisation_code(
            db, hashing=provider.hashing, code=code, now=provider.clock.now(),
            organisation_id=None if reference else organisation_id, reference=reference,
        )
        db.commit()
    return used


def letters_of(provider: Provider, organisation_id: str = ORG) -> list[Letter]:
    with provider.sessions() as db:
        letters = list(db.scalars(select(Letter).where(Letter.organisation_id == organisation_id)
                                  .order_by(Letter.created_at)))
        db.expunge_all()
    return letters


# -- queuing ---------------------------------------------------------------------------------------


def test_the_letter_goes_to_the_business_address_with_two_hashed_codes(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue_org(provider, account_id)

    letter = load(provider, queued.letter_id)
    assert (letter.kind, letter.status) == ("org_activation", "queued")
    assert (letter.organisation_id, letter.pending_organisation_id) == (ORG, ORG)
    assert (letter.register_record_id, letter.pending_account_id) == (None, None)
    assert letter.account_id == account_id
    assert letter.administration_slug == queued.administration_slug == SLUG
    assert letter.recipient["lines"] == [ORGANISATION, ATTENTION, *ADDRESS]
    assert letter.valid_until == clock.now() + VALIDITY
    assert queued.revocation_code is not None and queued.revocation_code != queued.code
    for stored, clear in ((letter.code_hash, queued.code),
                          (letter.revocation_code_hash, queued.revocation_code)):
        assert stored is not None and stored.startswith("$argon2id$")
        assert provider.hashing.verify(stored, normalise_code(clear))[0]
    row = " ".join(str(getattr(letter, c.key)) for c in Letter.__table__.columns)
    for clear in (queued.code, queued.revocation_code):
        assert clear not in row and normalise_code(clear) not in row
    with provider.sessions() as db:
        assert has_pdf(db, letter_id=queued.letter_id)
        # it binds no register person and is not the applicant's own PIN letter
        assert pending_register_record(db, account_id=account_id, now=clock.now()) is None
        assert letter_status(db, account_id=account_id) is None
        assert letters_remaining(db, account_id=account_id, now=clock.now()) == 3


def test_the_register_person_stays_the_pin_letters_addressee(
    provider: Provider, account_id: str
) -> None:
    """The applicant's own PIN letter and the organisation's letter are pending side by side:
    neither voids the other."""
    pin = queue(provider, account_id)
    org = queue_org(provider, account_id)

    assert (load(provider, pin.letter_id).register_record_id, load(provider, pin.letter_id)
            .organisation_id) == (RECORD_ID, None)
    assert load(provider, pin.letter_id).status == load(provider, org.letter_id).status == "queued"
    assert load(provider, pin.letter_id).pending_account_id == account_id


def test_an_addressee_is_a_register_person_or_an_organisation(account_id: str) -> None:
    with pytest.raises(InvalidInput):
        Addressee(account_id)
    with pytest.raises(InvalidInput):
        Addressee(account_id, register_record_id=RECORD_ID, organisation_id=ORG)


@pytest.mark.parametrize(
    ("name", "lines"),
    [("  ", ADDRESS), (ORGANISATION, []), (ORGANISATION, ["", "56812 Cochem"]),
     (ORGANISATION, ["a", "b", "c", "d", "e"]), ("x" * 201, ADDRESS)],
)
def test_a_letter_needs_a_name_and_an_address_that_fit_the_window(
    provider: Provider, account_id: str, name: str, lines: list[str]
) -> None:
    administration(provider, SLUG)
    with provider.sessions() as db, pytest.raises(InvalidInput):
        queue_organisation_activation_letter(
            db, hashing=provider.hashing, organisation_id=ORG, organisation_name=name,
            address_lines=lines, applicant_account_id=account_id, administration_slug=SLUG,
            issuer_url="http://testserver", now=provider.clock.now(),
        )
    assert letters_of(provider) == []


def test_a_letter_needs_an_administration_that_exists(
    provider: Provider, account_id: str
) -> None:
    """Without its administration no dispatcher would ever see it (`restrict`)."""
    with provider.sessions() as db, pytest.raises(NotFound):
        queue_organisation_activation_letter(
            db, hashing=provider.hashing, organisation_id=ORG, organisation_name=ORGANISATION,
            address_lines=ADDRESS, applicant_account_id=account_id,
            administration_slug="vg-nirgendwo", issuer_url="http://testserver",
            now=provider.clock.now(),
        )
    assert letters_of(provider) == []


def test_a_new_letter_voids_the_pending_one_and_its_codes(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    first = queue_org(provider, account_id)
    clock.advance(days=1)
    second = queue_org(provider, account_id)

    old = load(provider, first.letter_id)
    assert (old.status, old.pending_organisation_id, old.closed_at) == ("void", None, clock.now())
    assert load(provider, second.letter_id).pending_organisation_id == ORG
    assert first.revocation_code is not None
    assert try_org_code(provider, first.code) is None
    assert try_org_code(provider, first.revocation_code) is None
    used = try_org_code(provider, second.code)
    assert used is not None and used.letter_id == second.letter_id


def test_one_pending_letter_per_organisation_is_a_database_rule(
    provider: Provider, account_id: str
) -> None:
    queued = queue_org(provider, account_id)
    with provider.sessions() as db:
        twin = load(provider, queued.letter_id)
        db.add(Letter(
            account_id=account_id, pending_organisation_id=ORG, kind="org_activation",
            status="queued", code_hash=twin.code_hash, attempts=0, organisation_id=ORG,
            administration_slug=SLUG, recipient=twin.recipient, reference="SK-2026-TWIN22",
            created_at=twin.created_at, valid_until=twin.valid_until,
        ))
        with pytest.raises(IntegrityError):
            db.flush()


def test_at_most_three_letters_per_organisation_in_90_days(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    first = queue_org(provider, account_id)
    for _ in range(LETTERS_PER_WINDOW - 1):
        clock.advance(days=10)
        queue_org(provider, account_id)

    with pytest.raises(LetterLimitReached) as refused:
        queue_org(provider, account_id)
    assert refused.value.retry_at == first.valid_until - VALIDITY + LETTER_WINDOW
    assert len(letters_of(provider)) == LETTERS_PER_WINDOW
    with provider.sessions() as db:
        assert organisation_letters_remaining(db, organisation_id=ORG, now=clock.now()) == 0
        # another organisation, and the applicant's own PIN letters, have their own count
        assert organisation_letters_remaining(db, organisation_id="org-2", now=clock.now()) == 3
        assert letters_remaining(db, account_id=account_id, now=clock.now()) == 3
    queue_org(provider, account_id, organisation_id="org-2")
    queue(provider, account_id)

    clock.advance(days=71)  # the first letter leaves the window
    queue_org(provider, account_id)


# -- the codes -------------------------------------------------------------------------------------


def test_queue_dispatch_activate_with_the_activation_code(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue_org(provider, account_id)
    with provider.sessions() as db:
        assert mark_dispatched(db, letter_ids=[queued.letter_id], now=clock.now()) == 1
        db.commit()
    clock.advance(days=3)

    with provider.sessions() as db:
        verified = verify_organisation_code(
            db, hashing=provider.hashing, code=queued.code.lower().replace("-", " "),
            now=clock.now(), organisation_id=ORG,
        )
        assert verified == VerifiedOrganisationCode(queued.letter_id, ORG, account_id,
                                                    "activation")
        used = consume_organisation_letter(db, verified=verified, now=clock.now())
        db.commit()
    assert used == UsedOrganisationLetter(queued.letter_id, ORG, account_id, "activation",
                                          clock.now())
    letter = load(provider, queued.letter_id)
    assert (letter.status, letter.pending_organisation_id) == ("activated", None)
    assert letter.activated_at == letter.closed_at == clock.now()
    # single use, and the Widerrufscode died with it
    assert queued.revocation_code is not None
    assert try_org_code(provider, queued.code) is None
    assert try_org_code(provider, queued.revocation_code) is None
    assert load(provider, queued.letter_id).status == "activated"


def test_the_revocation_code_blocks_and_voids_the_activation_code(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue_org(provider, account_id)
    assert queued.revocation_code is not None

    used = try_org_code(provider, queued.revocation_code)

    assert used is not None and used.purpose == "revocation"
    assert used.applicant_account_id == account_id
    letter = load(provider, queued.letter_id)
    assert (letter.status, letter.pending_organisation_id) == ("revoked", None)
    assert (letter.activated_at, letter.closed_at) == (None, clock.now())
    assert try_org_code(provider, queued.code) is None
    assert try_org_code(provider, queued.revocation_code) is None
    with provider.sessions() as db:
        status = organisation_letter_status(db, organisation_id=ORG)
    assert status is not None and (status.status, status.attempts_left) == ("revoked", 0)


def test_a_recipient_with_only_the_letter_uses_its_printed_reference(
    provider: Provider, account_id: str
) -> None:
    queued = queue_org(provider, account_id)
    assert queued.revocation_code is not None
    typed = f"  {queued.reference.lower()} "

    used = try_org_code(provider, queued.revocation_code, reference=typed)

    assert used is not None and used.purpose == "revocation"


def test_a_pin_letters_reference_never_reaches_the_organisation_codes(
    provider: Provider, account_id: str
) -> None:
    pin = queue(provider, account_id)

    assert try_org_code(provider, pin.code, reference=pin.reference) is None
    assert load(provider, pin.letter_id).attempts == 0
    assert load(provider, pin.letter_id).status == "queued"


def test_the_letter_is_chosen_by_organisation_or_by_reference(
    provider: Provider, account_id: str
) -> None:
    queued = queue_org(provider, account_id)
    with provider.sessions() as db:
        for both_or_none in ({}, {"organisation_id": ORG, "reference": queued.reference}):
            with pytest.raises(InvalidInput):
                verify_organisation_code(db, hashing=provider.hashing, code=queued.code,
                                         now=provider.clock.now(), **both_or_none)
    assert load(provider, queued.letter_id).attempts == 0


def test_three_wrong_codes_void_the_letter_and_the_right_ones_are_then_dead(
    provider: Provider, account_id: str
) -> None:
    queued = queue_org(provider, account_id)
    assert queued.revocation_code is not None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert try_org_code(provider, WRONG) is None
        assert load(provider, queued.letter_id).attempts == attempt

    letter = load(provider, queued.letter_id)
    assert (letter.status, letter.pending_organisation_id) == ("void", None)
    assert try_org_code(provider, queued.code) is None
    assert try_org_code(provider, queued.revocation_code) is None
    assert load(provider, queued.letter_id).attempts == MAX_ATTEMPTS


def test_both_codes_share_one_attempt_counter(provider: Provider, account_id: str) -> None:
    queued = queue_org(provider, account_id)
    assert queued.revocation_code is not None
    assert try_org_code(provider, WRONG) is None
    assert try_org_code(provider, WRONG) is None
    with provider.sessions() as db:
        verified = verify_organisation_code(db, hashing=provider.hashing,
                                            code=queued.revocation_code,
                                            now=provider.clock.now(), organisation_id=ORG)
    assert verified is not None and verified.purpose == "revocation"
    assert load(provider, queued.letter_id).attempts == MAX_ATTEMPTS
    # verified but not consumed: the letter is still pending, with no attempt left
    assert try_org_code(provider, queued.code) is None
    assert load(provider, queued.letter_id).status == "queued"


@pytest.mark.parametrize("code", ["", "7KQ3", "0000-OOOO-IIII", "x" * 5000])
def test_a_malformed_code_costs_no_attempt(
    provider: Provider, account_id: str, code: str
) -> None:
    queued = queue_org(provider, account_id)
    assert try_org_code(provider, code) is None
    assert load(provider, queued.letter_id).attempts == 0


def test_wrong_expired_void_and_unknown_get_the_same_answer(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue_org(provider, account_id)
    other = queue_org(provider, account_id, organisation_id="org-void")
    with provider.sessions() as db:
        assert void_organisation_letter(db, organisation_id="org-void", now=clock.now())
        db.commit()
    answers = [
        try_org_code(provider, WRONG),
        try_org_code(provider, other.code, organisation_id="org-void"),
        try_org_code(provider, queued.code, organisation_id="org-unknown"),
        try_org_code(provider, queued.code, reference="SK-2026-UNKNWN"),
    ]
    clock.advance(days=VALIDITY.days)
    answers.append(try_org_code(provider, queued.code))

    assert answers == [None] * 5
    assert load(provider, queued.letter_id).attempts == 1  # only the wrong code counted


def test_expired_letters_are_closed_and_free_the_pending_rule(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue_org(provider, account_id)
    clock.advance(days=VALIDITY.days, seconds=1)
    with provider.sessions() as db:
        status = organisation_letter_status(db, organisation_id=ORG, now=clock.now())
        assert status is not None and status.status == "expired"
        assert close_expired(db, now=clock.now()) == 1
        db.commit()
    letter = load(provider, queued.letter_id)
    assert (letter.status, letter.pending_organisation_id) == ("expired", None)
    with provider.sessions() as db:
        assert not has_pdf(db, letter_id=queued.letter_id)
    assert try_org_code(provider, queued.code) is None


def test_a_letter_voided_between_check_and_use_is_not_consumed(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue_org(provider, account_id)
    with provider.sessions() as db:
        verified = verify_organisation_code(db, hashing=provider.hashing, code=queued.code,
                                            now=clock.now(), organisation_id=ORG)
        assert verified is not None
        with provider.sessions() as other:
            void_organisation_letter(other, organisation_id=ORG, now=clock.now())
            other.commit()
        assert consume_organisation_letter(db, verified=verified, now=clock.now()) is None
        db.commit()
    assert load(provider, queued.letter_id).status == "void"


def test_a_rolled_back_activation_leaves_the_letter_usable(
    provider: Provider, account_id: str
) -> None:
    """The consume is the caller's to commit, with the organisation's activation."""
    queued = queue_org(provider, account_id)
    with provider.sessions() as db:
        used = use_organisation_code(db, hashing=provider.hashing, code=queued.code,
                                     now=provider.clock.now(), organisation_id=ORG)
        assert used is not None
        db.rollback()
    assert load(provider, queued.letter_id).status == "queued"
    assert load(provider, queued.letter_id).attempts == 1  # the claimed attempt stays counted
    assert try_org_code(provider, queued.code) is not None


# -- voiding and deleting --------------------------------------------------------------------------


def test_voiding_the_pending_letter_deletes_its_unprinted_pdf(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue_org(provider, account_id)
    with provider.sessions() as db:
        assert void_organisation_letter(db, organisation_id=ORG, now=clock.now())
        assert not void_organisation_letter(db, organisation_id=ORG, now=clock.now())
        db.commit()
        assert not has_pdf(db, letter_id=queued.letter_id)
        assert list_queued(db) == []
    assert load(provider, queued.letter_id).status == "void"


def test_an_organisations_letters_are_deleted_by_its_id_and_no_other(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    first = queue_org(provider, account_id)
    clock.advance(days=1)
    second = queue_org(provider, account_id)
    kept = queue_org(provider, account_id, organisation_id="org-2")
    pin = queue(provider, account_id)

    with provider.sessions() as db:
        assert delete_organisation_letters(db, organisation_id=ORG) == 2
        db.commit()
        assert delete_organisation_letters(db, organisation_id=ORG) == 0
        for gone in (first, second):
            assert db.get(Letter, gone.letter_id) is None
            assert not has_pdf(db, letter_id=gone.letter_id)
        assert has_pdf(db, letter_id=kept.letter_id)
        remaining = db.scalar(select(func.count()).select_from(Letter))
        assert remaining == 2
        assert db.get(Letter, pin.letter_id) is not None


def test_the_organisation_page_reads_its_latest_letter(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue_org(provider, account_id)
    try_org_code(provider, WRONG)
    with provider.sessions() as db:
        db.execute(update(Letter).values(status="dispatched", dispatched_at=clock.now()))
        db.commit()
        status = organisation_letter_status(db, organisation_id=ORG, now=clock.now())
    assert status is not None
    assert (status.letter_id, status.status, status.attempts_left) == (
        queued.letter_id, "dispatched", MAX_ATTEMPTS - 1)
    assert status.pending and status.valid_until == queued.valid_until
