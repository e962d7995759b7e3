"""PIN letter life cycle (issue 3 items 3–4; checklist L-01, L-02, L-04, L-05, L-06).

Database-sensitive (conditional UPDATEs, the unique pending rule, RETURNING, UTC timestamps), so
these run on SQLite and, with SERVICEKONTO_TEST_DATABASE_URL, on PostgreSQL too.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, Blob, Letter
from servicekonto.errors import InvalidInput, NotFound
from servicekonto.letters.codes import normalise_code
from servicekonto.letters.pdf import render_pin_letter
from servicekonto.letters.service import (
    LETTERS_PER_WINDOW,
    MAX_ATTEMPTS,
    VALIDITY,
    ActivatedLetter,
    LetterLimitReached,
    LetterStore,
    LetterUnreadable,
    activate,
    close_expired,
    export_batch,
    letter_content,
    letter_status,
    letters_remaining,
    list_queued,
    mark_dispatched,
    purge_pdfs,
    queued_pdf,
)
from servicekonto.letters.store import load_pdf, save_pdf
from servicekonto.oidc.provider import Provider
from tests.letters.conftest import RECORD_ID, REGISTER_RECIPIENT, load, queue, sample_content

pytestmark = pytest.mark.postgres

WRONG = "2222-3333-4444"


@pytest.fixture(autouse=True)
def _backend(backend: str) -> str:
    """Pull in the backend parametrisation for every test of this module."""
    return backend


def try_code(provider: Provider, account_id: str, code: str) -> ActivatedLetter | None:
    with provider.sessions() as db:
        result = activate(
            db, hashing=provider.hashing, account_id=account_id, code=code, now=provider.clock.now()
        )
        db.commit()
    return result


def pending_letters(provider: Provider, account_id: str) -> list[Letter]:
    with provider.sessions() as db:
        letters = list(
            db.scalars(select(Letter).where(Letter.pending_account_id == account_id)).all()
        )
        db.expunge_all()
    return letters


@pytest.fixture
def store(tmp_path: Path) -> LetterStore:
    return LetterStore(tmp_path / "letters")


# -- queuing ---------------------------------------------------------------------------------------


def test_queue_stores_the_register_address_and_only_a_hash(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue(provider, account_id)
    letter = load(provider, queued.letter_id)
    assert letter.status == "queued"
    assert letter.pending_account_id == account_id
    assert letter.kind == "pin"
    assert letter.attempts == 0
    assert letter.register_record_id == RECORD_ID
    assert letter.administration_slug == "vg-cochem"
    assert letter.recipient["lines"] == REGISTER_RECIPIENT.lines()
    assert letter.created_at == clock.now()
    assert letter.valid_until == queued.valid_until == clock.now() + VALIDITY
    assert queued.reference == letter.reference
    assert letter.reference.startswith("SK-2026-") and len(letter.reference) == 14
    assert letter.code_hash.startswith("$argon2id$")
    # the clear code is in no column, in no spelling
    row = {c.name: str(getattr(letter, c.key)) for c in Letter.__table__.columns}
    for spelling in (queued.code, normalise_code(queued.code), queued.code.lower()):
        assert not any(spelling in value for value in row.values()), spelling
    ok, _ = provider.hashing.verify(letter.code_hash, normalise_code(queued.code))
    assert ok


def test_a_new_letter_voids_the_pending_one(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    first = queue(provider, account_id)
    clock.advance(days=1)
    second = queue(provider, account_id)
    old, new = load(provider, first.letter_id), load(provider, second.letter_id)
    assert (old.status, old.pending_account_id, old.closed_at) == ("void", None, clock.now())
    assert (new.status, new.pending_account_id) == ("queued", account_id)
    assert [letter.id for letter in pending_letters(provider, account_id)] == [second.letter_id]
    # the old code is dead, the new one works
    assert try_code(provider, account_id, first.code) is None
    assert try_code(provider, account_id, second.code) is not None


def test_database_refuses_a_second_pending_letter(provider: Provider, account_id: str) -> None:
    queued = queue(provider, account_id)
    original = load(provider, queued.letter_id)
    with provider.sessions() as db:
        db.add(
            Letter(
                account_id=account_id,
                pending_account_id=account_id,
                kind="pin",
                status="queued",
                code_hash=original.code_hash,
                attempts=0,
                register_record_id=RECORD_ID,
                administration_slug=None,
                recipient=original.recipient,
                reference="SK-2026-DUPLIC",
                created_at=original.created_at,
                valid_until=original.valid_until,
            )
        )
        with pytest.raises(IntegrityError):
            db.flush()
        db.rollback()


def test_fourth_letter_within_90_days_is_refused_then_allowed_again(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    first_at = clock.now()
    for _ in range(LETTERS_PER_WINDOW):
        queue(provider, account_id)
        clock.advance(days=10)
    with provider.sessions() as db:
        assert letters_remaining(db, account_id=account_id, now=clock.now()) == 0
    with pytest.raises(LetterLimitReached) as refused:
        queue(provider, account_id)
    assert refused.value.status == 429
    assert refused.value.code == "letter_limit"
    assert refused.value.retry_at == first_at + timedelta(days=90)
    # the refusal changed nothing: the third letter is still the pending one
    assert len(pending_letters(provider, account_id)) == 1

    clock.set(first_at + timedelta(days=90, seconds=1))
    with provider.sessions() as db:
        assert letters_remaining(db, account_id=account_id, now=clock.now()) == 1
    queue(provider, account_id)


def test_letters_of_other_accounts_do_not_count(provider: Provider, account_id: str) -> None:
    from tests.support import account_id_of, make_account

    other = account_id_of(provider, make_account(provider))
    for _ in range(LETTERS_PER_WINDOW):
        queue(provider, other)
    queue(provider, account_id)
    assert len(pending_letters(provider, other)) == len(pending_letters(provider, account_id)) == 1


def test_queue_for_an_unknown_account_is_refused(provider: Provider) -> None:
    from servicekonto.errors import NotFound

    with pytest.raises(NotFound):
        queue(provider, "f" * 32)


def test_deleting_the_account_deletes_its_letters(provider: Provider, account_id: str) -> None:
    queued = queue(provider, account_id)
    with provider.sessions() as db:
        db.execute(delete(Account).where(Account.id == account_id))
        db.commit()
        assert db.get(Letter, queued.letter_id) is None


# -- activation ------------------------------------------------------------------------------------


def test_activation_succeeds_once(provider: Provider, account_id: str, clock: FixedClock) -> None:
    queued = queue(provider, account_id)
    clock.advance(days=3)
    activated = try_code(provider, account_id, queued.code)
    assert activated == ActivatedLetter(queued.letter_id, RECORD_ID, clock.now())
    letter = load(provider, queued.letter_id)
    assert letter.status == "activated"
    assert letter.pending_account_id is None
    assert letter.activated_at == letter.closed_at == clock.now()
    assert letter.attempts == 1
    # single use
    assert try_code(provider, account_id, queued.code) is None
    assert load(provider, queued.letter_id).attempts == 1


def test_typed_code_is_normalised(provider: Provider, account_id: str) -> None:
    queued = queue(provider, account_id)
    typed = " " + queued.code.lower().replace("-", " ") + " "
    assert try_code(provider, account_id, typed) is not None


def test_activation_is_bound_to_its_account(provider: Provider, account_id: str) -> None:
    from tests.support import account_id_of, make_account

    queued = queue(provider, account_id)
    other = account_id_of(provider, make_account(provider))
    queue(provider, other)
    assert try_code(provider, other, queued.code) is None
    assert try_code(provider, account_id, queued.code) is not None


def test_wrong_expired_void_and_unknown_get_the_same_answer(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    # no letter at all
    assert try_code(provider, account_id, WRONG) is None
    # unknown account
    assert try_code(provider, "0" * 32, WRONG) is None
    # wrong code
    queued = queue(provider, account_id)
    assert try_code(provider, account_id, WRONG) is None
    # void (a newer letter): the old code is one more wrong guess at the pending letter
    clock.advance(days=1)
    newer = queue(provider, account_id)
    assert try_code(provider, account_id, queued.code) is None
    assert load(provider, newer.letter_id).attempts == 1
    # expired: exactly at valid_until it is over, and the attempt is not counted
    clock.set(newer.valid_until)
    assert try_code(provider, account_id, newer.code) is None
    assert load(provider, newer.letter_id).attempts == 1


def test_one_second_before_expiry_still_works(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue(provider, account_id)
    clock.set(queued.valid_until - timedelta(seconds=1))
    assert try_code(provider, account_id, queued.code) is not None


def test_malformed_code_spends_no_attempt(provider: Provider, account_id: str) -> None:
    queued = queue(provider, account_id)
    for malformed in ("", "123", "0000-0000-0000", queued.code + "2", "x" * 5000):
        assert try_code(provider, account_id, malformed) is None
    assert load(provider, queued.letter_id).attempts == 0


def test_three_wrong_attempts_void_the_letter(provider: Provider, account_id: str) -> None:
    queued = queue(provider, account_id)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with provider.sessions() as db:
            assert letter_status(db, account_id=account_id) is not None
        assert try_code(provider, account_id, WRONG) is None
        assert load(provider, queued.letter_id).attempts == attempt
    letter = load(provider, queued.letter_id)
    assert letter.status == "void"
    assert letter.pending_account_id is None
    assert letter.closed_at is not None
    assert try_code(provider, account_id, queued.code) is None
    assert load(provider, queued.letter_id).attempts == MAX_ATTEMPTS
    # the account may order a new letter (2 of 3 left in the window)
    assert try_code(provider, account_id, queue(provider, account_id).code) is not None


def test_the_third_attempt_is_still_evaluated(provider: Provider, account_id: str) -> None:
    queued = queue(provider, account_id)
    assert try_code(provider, account_id, WRONG) is None
    assert try_code(provider, account_id, WRONG) is None
    assert try_code(provider, account_id, queued.code) is not None


def test_attempt_survives_a_failed_request(provider: Provider, account_id: str) -> None:
    """The claimed attempt is committed before the check: a rollback afterwards keeps it."""
    queued = queue(provider, account_id)
    with provider.sessions() as db:
        result = activate(
            db,
            hashing=provider.hashing,
            account_id=account_id,
            code=WRONG,
            now=provider.clock.now(),
        )
        assert result is None
        db.rollback()  # the request failed later on
    assert load(provider, queued.letter_id).attempts == 1


def test_success_is_rolled_back_with_the_request(provider: Provider, account_id: str) -> None:
    """Consuming the letter is not committed by the service: it commits with the caller's work."""
    queued = queue(provider, account_id)
    with provider.sessions() as db:
        assert (
            activate(
                db,
                hashing=provider.hashing,
                account_id=account_id,
                code=queued.code,
                now=provider.clock.now(),
            )
            is not None
        )
        db.rollback()
    letter = load(provider, queued.letter_id)
    assert (letter.status, letter.attempts) == ("queued", 1)


def test_no_code_in_logs(
    provider: Provider, account_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    queued = queue(provider, account_id)
    try_code(provider, account_id, WRONG)
    try_code(provider, account_id, queued.code)
    for secret in (queued.code, normalise_code(queued.code), WRONG, REGISTER_RECIPIENT.name):
        assert secret not in caplog.text


# -- account page ----------------------------------------------------------------------------------


def test_letter_status_for_the_account_page(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    with provider.sessions() as db:
        assert letter_status(db, account_id=account_id) is None
        assert letters_remaining(db, account_id=account_id, now=clock.now()) == 3
    queued = queue(provider, account_id)
    try_code(provider, account_id, WRONG)
    with provider.sessions() as db:
        status = letter_status(db, account_id=account_id, now=clock.now())
        assert status is not None
        assert (status.letter_id, status.status, status.reference) == (
            queued.letter_id,
            "queued",
            queued.reference,
        )
        assert status.attempts_left == 2
        assert status.pending
        assert letters_remaining(db, account_id=account_id, now=clock.now()) == 2
        # past its validity it reads expired even before maintenance ran
        later = queued.valid_until + timedelta(seconds=1)
        expired = letter_status(db, account_id=account_id, now=later)
        assert expired is not None and expired.status == "expired" and expired.attempts_left == 0
    try_code(provider, account_id, queued.code)
    with provider.sessions() as db:
        done = letter_status(db, account_id=account_id, now=clock.now())
        assert done is not None and done.status == "activated" and not done.pending
        assert done.activated_at == clock.now()


# -- print shop ------------------------------------------------------------------------------------


def save_letter(provider: Provider, account_id: str) -> str:
    """What registration does: queue, render, store the PDF, commit together."""
    with provider.sessions() as db:
        from servicekonto.letters.service import queue_pin_letter

        queued = queue_pin_letter(
            db,
            hashing=provider.hashing,
            account_id=account_id,
            register_record_id=RECORD_ID,
            recipient=REGISTER_RECIPIENT,
            administration_slug="vg-cochem",
            now=provider.clock.now(),
        )
        content = letter_content(
            queued,
            sender_name="Verbandsgemeindeverwaltung Cochem",
            sender_address_lines=["Ravenéstraße 61", "56812 Cochem"],
            issuer_url="http://testserver",
            now=provider.clock.now(),
        )
        queued_at = provider.clock.now()
        save_pdf(db, letter_id=queued.letter_id, pdf=render_pin_letter(content), now=queued_at)
        db.commit()
    return queued.letter_id


def has_pdf(provider: Provider, letter_id: str) -> bool:
    with provider.sessions() as db:
        return db.get(Blob, f"letter:{letter_id}") is not None


def test_print_shop_lists_exports_and_marks_dispatched(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    from tests.support import account_id_of, make_account

    first = save_letter(provider, account_id)
    clock.advance(minutes=1)
    second = save_letter(provider, account_id_of(provider, make_account(provider)))
    with provider.sessions() as db:
        queued = list_queued(db)
        assert [s.letter_id for s in queued] == [first, second]
        assert queued[0].recipient_lines == REGISTER_RECIPIENT.lines()
        assert queued[0].administration_slug == "vg-cochem"
        assert not hasattr(queued[0], "code")
        assert list_queued(db, administration_slug="elsewhere") == []
        ids, batch = export_batch(db)
        assert ids == [first, second]
        assert batch.startswith(b"%PDF-")
        assert queued_pdf(db, letter_id=first) == load_pdf(db, letter_id=first)

        assert mark_dispatched(db, letter_ids=[first, first, "0" * 32], now=clock.now()) == 1
        db.commit()
    # the PDF carries the code: deleted with the dispatch
    assert not has_pdf(provider, first)
    assert has_pdf(provider, second)
    letter = load(provider, first)
    assert (letter.status, letter.dispatched_at, letter.pending_account_id) == (
        "dispatched",
        clock.now(),
        account_id,
    )
    with provider.sessions() as db:
        assert [s.letter_id for s in list_queued(db)] == [second]
        with pytest.raises(NotFound):
            queued_pdf(db, letter_id=first)
        assert mark_dispatched(db, letter_ids=[first], now=clock.now()) == 0
        db.commit()
    # a dispatched letter can still be activated
    status = try_code(provider, account_id, WRONG)
    assert status is None
    assert load(provider, first).attempts == 1


def test_dispatch_rolled_back_keeps_the_pdf(provider: Provider, account_id: str) -> None:
    letter_id = save_letter(provider, account_id)
    with provider.sessions() as db:
        assert mark_dispatched(db, letter_ids=[letter_id], now=provider.clock.now()) == 1
        db.rollback()
    assert has_pdf(provider, letter_id)
    assert load(provider, letter_id).status == "queued"


def test_a_queued_letter_without_its_pdf_is_an_error_not_a_blank_batch(
    provider: Provider, account_id: str
) -> None:
    letter_id = save_letter(provider, account_id)
    with provider.sessions() as db:
        db.execute(delete(Blob))
        db.commit()
    with provider.sessions() as db:
        with pytest.raises(LetterUnreadable):
            export_batch(db, letter_ids=[letter_id])
        with pytest.raises(LetterUnreadable):
            queued_pdf(db, letter_id=letter_id)
    assert load(provider, letter_id).status == "queued"


def test_a_damaged_pdf_is_an_error(provider: Provider, account_id: str) -> None:
    letter_id = save_letter(provider, account_id)
    with provider.sessions() as db:
        db.execute(update(Blob).values(data=b"%PDF-1.4 cut off"))
        db.commit()
    with provider.sessions() as db, pytest.raises(LetterUnreadable):
        export_batch(db, letter_ids=[letter_id])


def test_nothing_queued_to_export_is_not_found(provider: Provider, account_id: str) -> None:
    with provider.sessions() as db:
        with pytest.raises(NotFound):
            export_batch(db)
        with pytest.raises(NotFound):
            export_batch(db, letter_ids=["0" * 32])


def test_an_export_hands_out_at_most_the_limit(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    from tests.support import account_id_of, make_account

    ids = []
    for _ in range(3):
        ids.append(save_letter(provider, account_id_of(provider, make_account(provider))))
        clock.advance(minutes=1)
    with provider.sessions() as db:
        assert export_batch(db, limit=2)[0] == ids[:2]
        with pytest.raises(InvalidInput):
            export_batch(db, letter_ids=ids, limit=2)


# -- maintenance -----------------------------------------------------------------------------------


def test_close_expired_is_idempotent(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    letter_id = save_letter(provider, account_id)
    with provider.sessions() as db:
        assert close_expired(db, now=clock.now()) == 0
    clock.advance(days=21)
    with provider.sessions() as db:
        assert close_expired(db, now=clock.now()) == 1
        db.commit()
        assert close_expired(db, now=clock.now()) == 0
        db.commit()
    letter = load(provider, letter_id)
    assert (letter.status, letter.pending_account_id, letter.closed_at) == (
        "expired",
        None,
        clock.now(),
    )
    assert not has_pdf(provider, letter_id)
    with provider.sessions() as db:
        assert list_queued(db) == []


def test_close_expired_leaves_finished_letters_alone(
    provider: Provider, account_id: str, clock: FixedClock
) -> None:
    queued = queue(provider, account_id)
    try_code(provider, account_id, queued.code)
    clock.advance(days=30)
    with provider.sessions() as db:
        assert close_expired(db, now=clock.now()) == 0
    assert load(provider, queued.letter_id).status == "activated"


def test_purge_pdfs_removes_what_must_not_stay_and_imports_legacy_files(
    provider: Provider, account_id: str, clock: FixedClock, store: LetterStore
) -> None:
    from tests.support import account_id_of, make_account

    queued_id = save_letter(provider, account_id)
    voided_id = save_letter(provider, account_id_of(provider, make_account(provider)))
    legacy_id = save_letter(provider, account_id_of(provider, make_account(provider)))
    with provider.sessions() as db:
        db.execute(update(Letter).where(Letter.id == voided_id).values(status="void"))
        legacy_pdf = load_pdf(db, letter_id=legacy_id)
        db.execute(delete(Blob).where(Blob.id == f"letter:{legacy_id}"))
        db.commit()
    # files an older version left in its data directory
    store.save(legacy_id, legacy_pdf)
    fresh_orphan, old_orphan = "a" * 32, "b" * 32
    store.save(fresh_orphan, b"%PDF-1.4 in flight")
    store.save(old_orphan, b"%PDF-1.4 rolled back")
    now = clock.now()
    os.utime(store.path(fresh_orphan), (now.timestamp(), now.timestamp()))
    old = (now - timedelta(hours=2)).timestamp()
    os.utime(store.path(old_orphan), (old, old))
    with provider.sessions() as db:
        assert purge_pdfs(db, store=store, now=now) == 2  # the void letter's row, the old file
        db.commit()
        assert purge_pdfs(db, store=store, now=now) == 0
    assert has_pdf(provider, queued_id) and not has_pdf(provider, voided_id)
    assert has_pdf(provider, legacy_id) and not store.exists(legacy_id)
    assert store.exists(fresh_orphan) and not store.exists(old_orphan)
    with provider.sessions() as db:
        assert queued_pdf(db, letter_id=legacy_id) == legacy_pdf


def test_pdf_content_matches_the_register(provider: Provider, account_id: str) -> None:
    import io

    from pypdf import PdfReader

    letter_id = save_letter(provider, account_id)
    with provider.sessions() as db:
        pdf = queued_pdf(db, letter_id=letter_id)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for line in REGISTER_RECIPIENT.lines():
        assert line in text
    assert "Köln" not in text  # the typed address of tests.support.make_account
    assert load(provider, letter_id).reference in text
    assert sample_content().sender_name in text
