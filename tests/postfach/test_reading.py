"""The person's side (issue 13 item 2): the list with title always visible, unread count,
filters and paging; opening at the session's level (DESIGN §4: a `low` session sees the title
but not the body of a `substantial` message, a step-up opens it); read once, with one "read"
event even when opened in parallel; attachments; deleting."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from servicekonto.accounts.levels import TrustLevel
from servicekonto.db.models import AuditEvent, PostfachAttachment, PostfachMessage
from servicekonto.errors import InvalidInput, NotFound
from servicekonto.postfach import inbox
from servicekonto.postfach.access import personal
from servicekonto.postfach.errors import LevelTooLow
from servicekonto.postfach.views import MessageView
from servicekonto.postfach.webhooks import WEBHOOK, register_webhook
from servicekonto.security.sealing import Sealer
from tests.postfach.conftest import PDF, Postfach, attachment, message


def _hook(pf: Postfach, client_id: str) -> None:
    with pf.sessions() as db:
        register_webhook(db, client_id=client_id, url="http://127.0.0.1:9/hook",
                         sealer=Sealer(pf.settings.secret_key, "postfach-webhook-secret"),
                         allow_internal=True, now=pf.now)
        db.commit()


def _open(pf: Postfach, account_id: str, message_id: str,
          level: TrustLevel = TrustLevel.SUBSTANTIAL) -> MessageView:
    with pf.sessions() as db:
        view = inbox.open_message(db, box=personal(account_id), message_id=message_id,
                                  session_level=level, now=pf.now)
        db.commit()
        return view


def test_a_low_session_sees_the_title_but_not_the_body_and_a_step_up_opens_it(
    pf: Postfach, client_id: str
) -> None:
    account_id, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))

    with pf.sessions() as db:
        listed = inbox.list_messages(db, box=personal(account_id))
    (line,) = listed.items
    assert line.title == "Ihr Bescheid über die Hundesteuer" and line.min_level == "substantial"
    assert line.unread and line.attachment_count == 1
    assert not hasattr(line, "content")

    with pytest.raises(LevelTooLow) as refused:
        _open(pf, account_id, sent.message_id, TrustLevel.LOW)
    assert refused.value.needed is TrustLevel.SUBSTANTIAL
    assert refused.value.code == "level_too_low" and refused.value.status == 403
    assert "substantial" in refused.value.description
    with pf.sessions() as db:  # the refusal neither reads it nor hands out the attachment
        row = db.get(PostfachMessage, sent.message_id)
        assert row is not None and row.read_at is None
        with pytest.raises(LevelTooLow):
            inbox.attachment_content(db, box=personal(account_id), message_id=sent.message_id,
                                     attachment_id=sent.attachment_ids[0],
                                     session_level=TrustLevel.LOW, blobs=pf.store(db),
                                     now=pf.now)

    opened = _open(pf, account_id, sent.message_id, TrustLevel.SUBSTANTIAL)  # after step-up
    assert opened.content == "Guten Tag,\nanbei Ihr Bescheid."
    assert opened.read_at == pf.now
    assert [a.filename for a in opened.attachments] == ["Bescheid.pdf"]


def test_a_high_message_needs_a_high_session(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub, min_level="high"))
    with pytest.raises(LevelTooLow) as refused:
        _open(pf, account_id, sent.message_id, TrustLevel.SUBSTANTIAL)
    assert refused.value.needed is TrustLevel.HIGH
    assert _open(pf, account_id, sent.message_id, TrustLevel.HIGH).id == sent.message_id


def test_a_low_message_opens_in_a_low_session(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub, min_level="low"))
    assert _open(pf, account_id, sent.message_id, TrustLevel.LOW).id == sent.message_id


def test_another_persons_message_is_not_found(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    stranger, _ = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub))
    with pytest.raises(NotFound):
        _open(pf, stranger, sent.message_id, TrustLevel.HIGH)
    with pf.sessions() as db:
        assert inbox.list_messages(db, box=personal(stranger)).total == 0


def test_reading_marks_read_once_and_queues_one_read_event(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    _hook(pf, client_id)
    sent = pf.deposit(client_id, message(sub))
    first = _open(pf, account_id, sent.message_id)
    pf.clock.advance(minutes=10)
    second = _open(pf, account_id, sent.message_id)
    assert first.read_at == second.read_at  # the first opening's time stays
    events = [e["type"] for e in pf.outbox(WEBHOOK)]
    assert events == ["postfach.message.delivered", "postfach.message.read"]
    assert pf.count(AuditEvent, AuditEvent.event == "postfach.read") == 1


def test_downloading_an_attachment_counts_as_reading(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    with pf.sessions() as db:
        content = inbox.attachment_content(
            db, box=personal(account_id), message_id=sent.message_id,
            attachment_id=sent.attachment_ids[0], session_level=TrustLevel.SUBSTANTIAL,
            blobs=pf.store(db), now=pf.now)
        db.commit()
    assert content.data == PDF and content.attachment.filename == "Bescheid.pdf"
    with pf.sessions() as db:
        assert inbox.unread_count(db, box=personal(account_id)) == 0
        with pytest.raises(NotFound):  # an attachment of another message
            inbox.attachment_content(
                db, box=personal(account_id), message_id=sent.message_id,
                attachment_id="0" * 32, session_level=TrustLevel.HIGH, blobs=pf.store(db),
                now=pf.now)


def test_the_list_counts_unread_filters_and_pages(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    ids = []
    for i in range(25):
        pf.clock.advance(minutes=1)
        ids.append(pf.deposit(client_id, message(
            sub, title=f"Nachricht {i:02d}", application_id=f"antrag-{i % 2}",
            sender="Kreisverwaltung" if i % 5 == 0 else "Verbandsgemeinde Cochem",
        )).message_id)
    _open(pf, account_id, ids[0])
    _open(pf, account_id, ids[1])
    box = personal(account_id)
    with pf.sessions() as db:
        first = inbox.list_messages(db, box=box, page_size=10)
        assert (first.total, first.unread, first.pages) == (25, 23, 3)
        assert [m.title for m in first.items[:2]] == ["Nachricht 24", "Nachricht 23"]
        last = inbox.list_messages(db, box=box, page=3, page_size=10)
        assert [m.title for m in last.items] == [f"Nachricht {i:02d}" for i in range(4, -1, -1)]
        unread = inbox.list_messages(db, box=box, unread_only=True, page_size=100)
        assert unread.total == 23 and ids[0] not in {m.id for m in unread.items}
        assert inbox.list_messages(db, box=box, application_id="antrag-1").total == 12
        assert inbox.list_messages(db, box=box, sender="Kreisverwaltung").total == 5
        found = inbox.list_messages(db, box=box, search="nachricht 1")
        assert sorted(m.title for m in found.items) == [f"Nachricht {i}" for i in range(10, 20)]
        assert inbox.list_messages(db, box=box, search="100%").total == 0  # no LIKE wildcards
        with pytest.raises(InvalidInput):
            inbox.list_messages(db, box=box, page_size=101)
        with pytest.raises(InvalidInput):
            inbox.list_messages(db, box=box, page=0)


def test_the_person_deletes_a_message_with_its_attachments(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    kept = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    gone = pf.deposit(client_id, message(sub, attachments=[attachment(PDF, "Zweit.pdf")]))
    assert pf.blob_count() == 2
    with pf.sessions() as db:
        inbox.delete_message(db, box=personal(account_id), message_id=gone.message_id,
                             blobs=pf.store(db), now=pf.now)
        db.commit()
    assert pf.count(PostfachMessage) == 1 and pf.count(PostfachAttachment) == 1
    assert pf.blob_count() == 1
    with pf.sessions() as db:
        assert [m.id for m in inbox.list_messages(db, box=personal(account_id)).items] == [
            kept.message_id]
        with pytest.raises(NotFound):
            inbox.delete_message(db, box=personal(account_id), message_id=gone.message_id,
                                 blobs=pf.store(db), now=pf.now)


def test_a_stranger_cannot_delete_a_message(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    stranger, _ = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub))
    with pf.sessions() as db, pytest.raises(NotFound):
        inbox.delete_message(db, box=personal(stranger), message_id=sent.message_id,
                             blobs=pf.store(db), now=pf.now)
    assert pf.count(PostfachMessage) == 1


def test_the_export_lists_the_delivery_date(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    with pf.sessions() as db:
        (exported,) = inbox.export_messages(db, account_id=account_id)
    assert exported["delivered_counts_at"] == "2026-11-25"
    assert exported["provided_at"] == "2026-11-21T09:00:00+00:00"


@pytest.mark.postgres
def test_opening_in_parallel_queues_exactly_one_read_event(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    _hook(pf, client_id)
    sent = pf.deposit(client_id, message(sub))
    n = 20
    barrier = threading.Barrier(n)

    def read(_: int) -> MessageView:
        barrier.wait(timeout=30)
        return _open(pf, account_id, sent.message_id)

    with ThreadPoolExecutor(max_workers=n) as pool:
        views = list(pool.map(read, range(n)))

    assert {v.read_at for v in views} == {pf.now}
    events = [e["type"] for e in pf.outbox(WEBHOOK)]
    assert events.count("postfach.message.read") == 1
    assert pf.count(AuditEvent, AuditEvent.event == "postfach.read") == 1
