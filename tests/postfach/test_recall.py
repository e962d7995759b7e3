"""Recall and correction (issue 13 item 1): the sender withdraws an unread message; once it is
read, it sends a correction linked to it. Recall and first opening cannot both win."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from servicekonto.accounts.levels import TrustLevel
from servicekonto.db.models import AuditEvent, PostfachAttachment, PostfachMessage
from servicekonto.errors import NotFound, ServiceKontoError
from servicekonto.postfach import deposit as deposit_service
from servicekonto.postfach import inbox
from servicekonto.postfach.access import personal
from servicekonto.postfach.errors import (
    AlreadyRead,
    CorrectionRecipientMismatch,
    MessageRecalled,
)
from servicekonto.postfach.schemas import DepositRequest
from servicekonto.postfach.views import DepositResult, RecallResult
from servicekonto.postfach.webhooks import WEBHOOK, register_webhook
from servicekonto.security.sealing import Sealer
from tests.postfach.conftest import ISSUER, PDF, Postfach, attachment, message


def _recall(pf: Postfach, client_id: str, message_id: str) -> RecallResult:
    with pf.sessions() as db:
        result = deposit_service.recall(db, client_id=client_id, message_id=message_id,
                                        blobs=pf.store(db), now=pf.now)
        db.commit()
        return result


def _correct(pf: Postfach, client_id: str, message_id: str, body: dict[str, object]
             ) -> DepositResult:
    with pf.sessions() as db:
        result = deposit_service.correct(
            db, client_id=client_id, message_id=message_id,
            request=DepositRequest.model_validate(body), idempotency_key=None,
            blobs=pf.store(db), scanner=pf.scanner, scan_required=True, issuer=ISSUER,
            now=pf.now)
        db.commit()
        return result


def _read(pf: Postfach, account_id: str, message_id: str) -> None:
    with pf.sessions() as db:
        inbox.open_message(db, box=personal(account_id), message_id=message_id,
                           session_level=TrustLevel.HIGH, now=pf.now)
        db.commit()


@pytest.fixture
def hooked(pf: Postfach, client_id: str) -> str:
    with pf.sessions() as db:
        register_webhook(db, client_id=client_id, url="http://127.0.0.1:9/hook",
                         sealer=Sealer(pf.settings.secret_key, "postfach-webhook-secret"),
                         allow_internal=True, now=pf.now)
        db.commit()
    return client_id


def test_an_unread_message_is_recalled_and_disappears_with_its_attachments(
    pf: Postfach, hooked: str
) -> None:
    account_id, sub = pf.recipient(hooked)
    sent = pf.deposit(hooked, message(sub, attachments=[attachment(PDF)]))
    pf.clock.advance(minutes=3)

    result = _recall(pf, hooked, sent.message_id)

    assert result.changed and result.recalled_at == pf.now
    with pf.sessions() as db:
        assert inbox.list_messages(db, box=personal(account_id)).total == 0
        assert inbox.unread_count(db, box=personal(account_id)) == 0
        row = db.get(PostfachMessage, sent.message_id)
        assert row is not None and row.content == "" and row.content_html is None
    with pytest.raises(NotFound):
        _read(pf, account_id, sent.message_id)
    assert pf.count(PostfachAttachment) == 0 and pf.blob_count() == 0
    assert [e["type"] for e in pf.outbox(WEBHOOK)] == [
        "postfach.message.delivered", "postfach.message.recalled"]
    assert pf.count(AuditEvent, AuditEvent.event == "postfach.recalled") == 1


def test_a_second_recall_changes_nothing(pf: Postfach, hooked: str) -> None:
    _, sub = pf.recipient(hooked)
    sent = pf.deposit(hooked, message(sub))
    first = _recall(pf, hooked, sent.message_id)
    pf.clock.advance(minutes=1)
    again = _recall(pf, hooked, sent.message_id)
    assert not again.changed and again.recalled_at == first.recalled_at
    assert len(pf.outbox(WEBHOOK)) == 2


def test_a_read_message_cannot_be_recalled(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub))
    _read(pf, account_id, sent.message_id)
    with pytest.raises(AlreadyRead) as refused:
        _recall(pf, client_id, sent.message_id)
    assert refused.value.code == "already_read" and refused.value.status == 409
    with pf.sessions() as db:
        assert inbox.list_messages(db, box=personal(account_id)).total == 1


def test_only_the_sender_recalls(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    other = pf.client("Anderes Fachverfahren")
    sent = pf.deposit(client_id, message(sub))
    with pytest.raises(NotFound):
        _recall(pf, other, sent.message_id)
    with pytest.raises(NotFound):
        _recall(pf, client_id, "0" * 32)


def test_after_reading_a_correction_is_linked_to_the_original(
    pf: Postfach, client_id: str
) -> None:
    account_id, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub))
    _read(pf, account_id, sent.message_id)
    pf.clock.advance(hours=1)

    fixed = _correct(pf, client_id, sent.message_id,
                     message(sub, title="Berichtigung: Ihr Bescheid über die Hundesteuer"))

    with pf.sessions() as db:
        original = inbox.open_message(db, box=personal(account_id), message_id=sent.message_id,
                                      session_level=TrustLevel.HIGH, now=pf.now)
        listed = inbox.list_messages(db, box=personal(account_id))
    assert original.corrected_by == [fixed.message_id]
    assert [(m.id, m.corrects_message_id) for m in listed.items] == [
        (fixed.message_id, sent.message_id), (sent.message_id, None)]
    assert listed.unread == 1


def test_a_correction_goes_to_the_same_recipient(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    _, other_sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub))
    with pytest.raises(CorrectionRecipientMismatch):
        _correct(pf, client_id, sent.message_id, message(other_sub))
    assert pf.count(PostfachMessage) == 1


def test_a_recalled_message_is_not_corrected(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub))
    _recall(pf, client_id, sent.message_id)
    with pytest.raises(MessageRecalled):
        _correct(pf, client_id, sent.message_id, message(sub))


def _race(pf: Postfach, client_id: str) -> tuple[set[str], str]:
    """Recall and first opening released together; (their outcomes, the message id)."""
    account_id, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub))
    barrier = threading.Barrier(2)

    def recall() -> str:
        barrier.wait(timeout=30)
        try:
            _recall(pf, client_id, sent.message_id)
        except ServiceKontoError as exc:
            return exc.code
        return "recalled"

    def open_it() -> str:
        barrier.wait(timeout=30)
        try:
            _read(pf, account_id, sent.message_id)
        except ServiceKontoError as exc:
            return exc.code
        return "read"

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(recall), pool.submit(open_it)]
        return {f.result(timeout=60) for f in futures}, sent.message_id


@pytest.mark.postgres
def test_recall_and_first_opening_at_once_never_both_win(pf: Postfach, client_id: str) -> None:
    for _ in range(5):
        outcomes, message_id = _race(pf, client_id)
        assert outcomes in ({"recalled", "not_found"}, {"already_read", "read"})
        with pf.sessions() as db:
            row = db.get(PostfachMessage, message_id)
            assert row is not None
            assert (row.read_at is None) != (row.recalled_at is None)
