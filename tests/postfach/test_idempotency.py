"""`Idempotency-Key` on deposits (issue 13 item 1; draft-ietf-httpapi-idempotency-key-header):
a retry never creates a second message, also when 20 retries race (real threads, SQLite and
PostgreSQL); the same key with another body is refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from servicekonto.db.models import AuditEvent, PostfachAttachment, PostfachMessage
from servicekonto.errors import ServiceKontoError
from servicekonto.mail.service import MAIL
from servicekonto.postfach.errors import IdempotencyKeyReused, InvalidIdempotencyKey
from servicekonto.postfach.views import DepositResult
from servicekonto.postfach.webhooks import WEBHOOK, register_webhook
from servicekonto.security.sealing import Sealer
from tests.postfach.conftest import PDF, PNG, Postfach, attachment, message

KEY = "7b2c1f0e-retry-of-bescheid-42"


def test_a_retry_with_the_same_key_and_body_returns_the_first_message(
    pf: Postfach, client_id: str
) -> None:
    _, sub = pf.recipient(client_id)
    body = message(sub, attachments=[attachment(PDF)])
    first = pf.deposit(client_id, body, key=KEY)
    pf.clock.advance(minutes=5)
    again = pf.deposit(client_id, body, key=KEY)

    assert again.replayed and not first.replayed
    assert (again.message_id, again.created_at, again.delivered_counts_at,
            again.attachment_ids) == (first.message_id, first.created_at,
                                       first.delivered_counts_at, first.attachment_ids)
    assert pf.count(PostfachMessage) == 1 and pf.count(PostfachAttachment) == 1
    assert pf.blob_count() == 1
    assert pf.count(AuditEvent, AuditEvent.event == "postfach.deposited") == 1


def test_the_same_key_with_another_body_is_refused(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub), key=KEY)
    with pytest.raises(IdempotencyKeyReused) as refused:
        pf.deposit(client_id, message(sub, title="Geänderter Betreff"), key=KEY)
    assert refused.value.code == "idempotency_key_reused" and refused.value.status == 422
    assert pf.count(PostfachMessage) == 1


def test_key_order_and_defaults_do_not_make_another_body(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    body = message(sub)
    first = pf.deposit(client_id, body, key=KEY)
    reordered = dict(reversed(list({**body, "min_level": "substantial"}.items())))
    assert pf.deposit(client_id, reordered, key=KEY).message_id == first.message_id


def test_keys_are_per_client(pf: Postfach) -> None:
    client_a, client_b = pf.client("A", sector="a.example"), pf.client("B", sector="b.example")
    account_id, sub_a = pf.recipient(client_a)
    sub_b = pf.subject(account_id, client_b)
    pf.consent(account_id, client_b)
    a = pf.deposit(client_a, message(sub_a), key=KEY)
    b = pf.deposit(client_b, message(sub_b), key=KEY)
    assert a.message_id != b.message_id and not b.replayed


def test_without_a_key_every_deposit_is_a_new_message(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    pf.deposit(client_id, message(sub))
    assert pf.count(PostfachMessage) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "schlüssel", "tab\tkey"])
def test_a_malformed_key_is_refused(pf: Postfach, client_id: str, key: str) -> None:
    _, sub = pf.recipient(client_id)
    with pytest.raises(InvalidIdempotencyKey) as refused:
        pf.deposit(client_id, message(sub), key=key)
    assert refused.value.status == 400
    assert pf.count(PostfachMessage) == 0


def test_a_refused_first_attempt_leaves_the_key_free(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id, consent=False)
    with pytest.raises(ServiceKontoError):
        pf.deposit(client_id, message(sub), key=KEY)
    pf.consent(account_id, client_id)
    assert not pf.deposit(client_id, message(sub), key=KEY).replayed


@pytest.mark.postgres
def test_twenty_parallel_retries_with_one_key_make_exactly_one_message(
    pf: Postfach, client_id: str
) -> None:
    _, sub = pf.recipient(client_id)
    with pf.sessions() as db:
        register_webhook(db, client_id=client_id, url="http://127.0.0.1:9/hook",
                         sealer=Sealer(pf.settings.secret_key, "postfach-webhook-secret"),
                         allow_internal=True, now=pf.now)
        db.commit()
    body = message(sub, attachments=[attachment(PDF), attachment(PNG, "Plan.png", "image/png")])
    n = 20
    barrier = threading.Barrier(n)

    def attempt(_: int) -> DepositResult:
        barrier.wait(timeout=30)
        return pf.deposit(client_id, body, key=KEY)

    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(attempt, range(n)))

    assert len({r.message_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert {tuple(r.attachment_ids) for r in results} == {tuple(results[0].attachment_ids)}
    assert pf.count(PostfachMessage) == 1
    assert pf.count(PostfachAttachment) == 2
    assert pf.blob_count() == 2  # no loser stored a blob
    assert len(pf.outbox(WEBHOOK)) == 1  # one "delivered" event
    assert len(pf.outbox(MAIL)) == 1
    assert pf.count(AuditEvent, AuditEvent.event == "postfach.deposited") == 1
