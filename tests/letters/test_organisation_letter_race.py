"""Races at an organisation's activation letter (issue 12 item 4; checklist L-03 as for the PIN
letter): parallel guesses cannot spend more than 3 attempts, the two codes used at once consume
the letter once, and parallel orders never leave two pending letters.

Each thread has its own Session (its own connection), released by one barrier, so the
conditional UPDATEs meet in the database: SQLite serialises them with BEGIN IMMEDIATE,
PostgreSQL re-checks the WHERE on the locked row and refuses the second pending letter at the
UNIQUE rule.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from servicekonto.db.models import Letter
from servicekonto.errors import Conflict, ServiceKontoError
from servicekonto.letters.organisation import (
    UsedOrganisationLetter,
    consume_organisation_letter,
    queue_organisation_activation_letter,
    use_organisation_code,
    verify_organisation_code,
)
from servicekonto.letters.service import LETTERS_PER_WINDOW, MAX_ATTEMPTS, LetterLimitReached
from servicekonto.oidc.provider import Provider
from tests.letters.conftest import load
from tests.letters.test_activation_race import wrong_codes
from tests.letters.test_dispatch_access import administration
from tests.letters.test_organisation_letters import (
    ADDRESS,
    ORG,
    ORGANISATION,
    SLUG,
    ensure_organisation,
    queue_org,
)
from tests.support import CountingHashing, account_id_of, make_account

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

GUESSES = 50


def test_parallel_guesses_spend_at_most_three_attempts_and_void_the_letter(
    provider: Provider, account_id: str, backend: str
) -> None:
    queued = queue_org(provider, account_id)
    assert queued.revocation_code is not None
    hashing = CountingHashing()
    barrier = threading.Barrier(GUESSES)
    now = provider.clock.now()
    wrong = [c for c in wrong_codes(queued.code, GUESSES + 1) if c != queued.revocation_code]

    def guess(code: str) -> UsedOrganisationLetter | None:
        with provider.sessions() as db:
            barrier.wait(timeout=60)
            used = use_organisation_code(db, hashing=hashing, code=code, now=now,
                                         organisation_id=ORG)
            db.commit()
            return used

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        results = list(pool.map(guess, wrong[:GUESSES]))

    assert results == [None] * GUESSES
    letter = load(provider, queued.letter_id)
    real = {letter.code_hash, letter.revocation_code_hash}
    # each counted attempt checks both codes, and only counted attempts check the letter's;
    # the others cost the same two verifications, against the dummy hash
    assert sum(h in real for h in hashing.checked) == 2 * MAX_ATTEMPTS, backend
    assert hashing.verified == 2 * GUESSES, backend
    assert (letter.attempts, letter.status, letter.pending_organisation_id) == (
        MAX_ATTEMPTS, "void", None)
    for late in (queued.code, queued.revocation_code):
        with provider.sessions() as db:
            assert use_organisation_code(db, hashing=hashing, code=late, now=now,
                                         organisation_id=ORG) is None
            db.commit()
    assert sum(h in real for h in hashing.checked) == 2 * MAX_ATTEMPTS


def test_activation_and_revocation_at_once_consume_the_letter_once(
    provider: Provider, account_id: str, backend: str
) -> None:
    """Both codes check out; both callers then consume at the same moment: exactly one wins."""
    queued = queue_org(provider, account_id)
    assert queued.revocation_code is not None
    barrier = threading.Barrier(2)
    now = provider.clock.now()

    def use(code: str) -> UsedOrganisationLetter | None:
        with provider.sessions() as db:
            verified = verify_organisation_code(db, hashing=provider.hashing, code=code,
                                                now=now, organisation_id=ORG)
            assert verified is not None
            barrier.wait(timeout=60)
            used = consume_organisation_letter(db, verified=verified, now=now)
            db.commit()
            return used

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(use, [queued.code, queued.revocation_code]))

    winners = [used for used in results if used is not None]
    assert len(winners) == 1, backend
    expected = {"activation": "activated", "revocation": "revoked"}[winners[0].purpose]
    assert load(provider, queued.letter_id).status == expected


def test_parallel_orders_never_leave_two_pending_letters(
    provider: Provider, backend: str
) -> None:
    """Different applicants (no shared account lock). PostgreSQL: the first letters meet at the
    UNIQUE pending rule (Conflict for the losers); SQLite: the orders queue one after another
    and the 90-day limit stops the fourth."""
    administration(provider, SLUG)
    ensure_organisation(provider, ORG, SLUG)
    orders = 6
    applicants = [account_id_of(provider, make_account(provider)) for _ in range(orders)]
    barrier = threading.Barrier(orders)
    now = provider.clock.now()

    def order(i: int) -> str:
        with provider.sessions() as db:
            barrier.wait(timeout=60)
            try:
                queue_organisation_activation_letter(
                    db, hashing=provider.hashing, organisation_id=ORG,
                    organisation_name=ORGANISATION, address_lines=ADDRESS,
                    applicant_account_id=applicants[i], administration_slug=SLUG,
                    issuer_url="http://testserver", now=now,
                )
                db.commit()
            except ServiceKontoError as exc:
                db.rollback()
                return type(exc).__name__
            return "queued"

    with ThreadPoolExecutor(max_workers=orders) as pool:
        outcomes = list(pool.map(order, range(orders)))

    assert set(outcomes) <= {"queued", Conflict.__name__, LetterLimitReached.__name__}, outcomes
    with provider.sessions() as db:
        letters = list(db.scalars(select(Letter).where(Letter.organisation_id == ORG)))
    assert len(letters) == outcomes.count("queued") <= LETTERS_PER_WINDOW, backend
    assert [letter.status for letter in letters].count("queued") == 1
    assert [letter.pending_organisation_id for letter in letters].count(ORG) == 1
