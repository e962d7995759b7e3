"""Checklist L-03: 50 parallel wrong guesses at one PIN letter evaluate at most 3 and void it.

Each thread has its own Session (its own connection), all released by one barrier, so the
conditional UPDATEs that claim attempts meet in the database at the same time: SQLite serialises
them with BEGIN IMMEDIATE, PostgreSQL re-checks `attempts < 3` on the locked row. The argon2
checks are counted through the hashing object, so "evaluated" means exactly that.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from servicekonto.letters.codes import ALPHABET, format_code
from servicekonto.letters.service import MAX_ATTEMPTS, ActivatedLetter, activate
from servicekonto.oidc.provider import Provider
from tests.letters.conftest import load, queue
from tests.support import CountingHashing

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

GUESSES = 50


def wrong_codes(correct: str, n: int) -> list[str]:
    """n distinct well-formed codes, none of them the right one."""
    codes: list[str] = []
    i = 0
    while len(codes) < n:
        digits = f"{i:012d}".translate(str.maketrans("0123456789", ALPHABET[:10]))
        candidate = format_code(digits)
        if candidate != correct:
            codes.append(candidate)
        i += 1
    return codes


def test_parallel_guesses_evaluate_at_most_three_and_void_the_letter(
    provider: Provider, account_id: str, backend: str
) -> None:
    queued = queue(provider, account_id)
    hashing = CountingHashing()
    barrier = threading.Barrier(GUESSES)
    now = provider.clock.now()

    def guess(code: str) -> ActivatedLetter | None:
        with provider.sessions() as db:
            barrier.wait(timeout=60)
            result = activate(db, hashing=hashing, account_id=account_id, code=code, now=now)
            db.commit()
            return result

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        results = list(pool.map(guess, wrong_codes(queued.code, GUESSES)))

    assert results == [None] * GUESSES
    assert hashing.verified == MAX_ATTEMPTS, backend
    letter = load(provider, queued.letter_id)
    assert letter.attempts == MAX_ATTEMPTS
    assert letter.status == "void"
    assert letter.pending_account_id is None

    # the right code is too late now, and costs no further evaluation
    with provider.sessions() as db:
        late = activate(db, hashing=hashing, account_id=account_id, code=queued.code, now=now)
        db.commit()
    assert late is None
    assert hashing.verified == MAX_ATTEMPTS
    assert load(provider, queued.letter_id).status == "void"
