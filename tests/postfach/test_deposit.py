"""Deposit (issue 13 item 1; DESIGN §9 `POST /api/v1/postfach/messages`): who a client may write
to, what is stored, and what happens beside it (event, notice mail, audit)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from servicekonto.db.models import (
    AuditEvent,
    Blob,
    PostfachAttachment,
    PostfachMessage,
)
from servicekonto.mail.service import MAIL
from servicekonto.postfach.errors import NoConsent, UnknownRecipient
from servicekonto.postfach.schemas import DepositRequest
from tests.postfach.conftest import PDF, Postfach, attachment, message


def test_a_deposit_stores_the_message_with_its_attachment_for_the_consenting_person(
    pf: Postfach, client_id: str
) -> None:
    account_id, sub = pf.recipient(client_id)
    result = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))

    assert not result.replayed and len(result.attachment_ids) == 1
    with pf.sessions() as db:
        row = db.get(PostfachMessage, result.message_id)
        assert row is not None
        assert (row.account_id, row.organisation_id, row.client_id) == (account_id, None, client_id)
        assert row.title == "Ihr Bescheid über die Hundesteuer"
        assert row.content == "Guten Tag,\nanbei Ihr Bescheid."
        assert row.content_html is None
        assert row.min_level == "substantial"  # DESIGN §9 default
        assert row.created_at == pf.now and row.read_at is None
        stored = db.get(PostfachAttachment, result.attachment_ids[0])
        assert stored is not None
        assert (stored.filename, stored.content_type, stored.size) == (
            "Bescheid.pdf", "application/pdf", len(PDF))
        assert stored.sha512 == hashlib.sha512(PDF).hexdigest()
        assert stored.scan_status == "clean"
        # Sealed in the blobs port: the bytes are not there in clear.
        blob = db.get(Blob, stored.blob_id)
        assert blob is not None and PDF not in bytes(blob.data)
    assert pf.scanner.scanned == [PDF]


def test_the_delivery_date_is_the_fourth_day_after_provision(
    pf: Postfach, client_id: str
) -> None:
    """§ 9 Abs. 1 Satz 4 OZG: provided on Saturday 21 Nov 2026 (Berlin), delivered on 25 Nov."""
    _, sub = pf.recipient(client_id)
    result = pf.deposit(client_id, message(sub))
    assert pf.now == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert result.delivered_counts_at == date(2026, 11, 25)


def test_without_any_consent_the_client_may_not_write(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id, consent=False)
    with pytest.raises(NoConsent) as refused:
        pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    assert refused.value.code == "no_consent" and refused.value.status == 403
    assert pf.count(PostfachMessage) == 0 and pf.count(Blob) == 0


def test_a_consent_without_the_postfach_scope_is_not_enough(
    pf: Postfach, client_id: str
) -> None:
    account_id, sub = pf.recipient(client_id, consent=False)
    pf.consent(account_id, client_id, frozenset({"openid", "profile"}))
    with pytest.raises(NoConsent):
        pf.deposit(client_id, message(sub))
    assert pf.count(PostfachMessage) == 0


def test_an_unknown_subject_is_refused(pf: Postfach, client_id: str) -> None:
    pf.recipient(client_id)
    with pytest.raises(UnknownRecipient) as refused:
        pf.deposit(client_id, message("no-such-subject"))
    assert refused.value.code == "unknown_recipient" and refused.value.status == 422
    assert pf.count(PostfachMessage) == 0


def test_another_clients_subject_is_unknown_even_for_a_consenting_person(pf: Postfach) -> None:
    """Client A cannot write with the `sub` client B received, though the person consented to
    both: subjects are per client, and the answer does not say that it exists elsewhere."""
    client_a = pf.client("Fachverfahren A", sector="a.example")
    client_b = pf.client("Fachverfahren B", sector="b.example")
    account_id, sub_at_a = pf.recipient(client_a)
    sub_at_b = pf.subject(account_id, client_b)
    pf.consent(account_id, client_b)
    assert sub_at_a != sub_at_b  # pairwise per sector

    with pytest.raises(UnknownRecipient):
        pf.deposit(client_a, message(sub_at_b))
    with pytest.raises(UnknownRecipient):
        pf.deposit(client_b, message(sub_at_a))
    assert pf.count(PostfachMessage) == 0
    assert pf.deposit(client_b, message(sub_at_b)).message_id


def test_a_deposit_queues_a_notice_mail_without_content_once_per_hour_of_unread_messages(
    pf: Postfach, client_id: str
) -> None:
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    pf.deposit(client_id, message(sub, title="Zweite Nachricht"))
    mails = pf.outbox(MAIL)
    assert len(mails) == 1  # the second message of the hour causes no second mail
    assert "neue Nachricht in Ihrem ServiceKonto" in mails[0]["body"]
    assert "Hundesteuer" not in mails[0]["body"] and "Hundesteuer" not in mails[0]["subject"]
    assert "Bescheid" not in mails[0]["body"]
    pf.clock.advance(hours=2)
    pf.deposit(client_id, message(sub, title="Dritte Nachricht"))
    assert len(pf.outbox(MAIL)) == 2


def test_an_unverified_address_gets_no_notice(pf: Postfach, client_id: str) -> None:
    account_id = pf.person(verified=False)
    sub = pf.subject(account_id, client_id)
    pf.consent(account_id, client_id)
    pf.deposit(client_id, message(sub))
    assert pf.outbox(MAIL) == []


def test_the_audit_event_names_ids_only(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    result = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    with pf.sessions() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.event == "postfach.deposited"))
    assert event is not None
    assert event.actor == f"client:{client_id}" and event.subject == f"account:{account_id}"
    assert event.details == {"message": result.message_id, "attachments": 1}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"recipient": {}}, "exactly one"),
        ({"recipient": {"sub": "a", "organization": "b"}}, "exactly one"),
        ({"recipient": {"sub": "a", "email": "x@example.org"}}, "Extra inputs"),
        ({"colour": "red"}, "Extra inputs"),
        ({"title": " "}, "at least 1"),
        ({"title": "Bescheid\x1b[31m"}, "control characters"),
        ({"title": "x" * 1025}, "at most 1024"),
        ({"content": "Zeile\x00"}, "control characters"),
        ({"min_level": "basic"}, "low"),
        ({"application_id": "../../etc"}, "pattern"),
        ({"reply_to": "kein-mail"}, "e-mail"),
        ({"content_format": "markdown"}, "text"),
    ],
)
def test_a_malformed_body_is_refused_by_the_schema(change: dict[str, object], problem: str
                                                   ) -> None:
    with pytest.raises(ValidationError, match=problem):
        DepositRequest.model_validate(message("sub", **change))


def test_the_schema_accepts_the_design_fields_and_defaults() -> None:
    parsed = DepositRequest.model_validate(
        message("sub", min_level="high", reply_to="Post@Cochem.example",
                attachments=[attachment(PDF)])
    )
    assert parsed.min_level == "high" and parsed.content_format == "text"
    assert parsed.reply_to == "Post@cochem.example"  # the domain part is normalised
    assert DepositRequest.model_validate(message("sub")).min_level == "substantial"
