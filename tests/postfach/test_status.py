"""Application status updates with the FITKO fields (egov-domain §4.4; DESIGN §9
`POST /api/v1/postfach/status`) and the timeline per application, and the delivery date rule."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from servicekonto.db.models import ApplicationStatus, AuditEvent
from servicekonto.errors import NotFound
from servicekonto.postfach import status
from servicekonto.postfach.access import personal
from servicekonto.postfach.delivery import delivered_counts_at
from servicekonto.postfach.errors import NoConsent, UnknownRecipient
from servicekonto.postfach.schemas import StatusUpdateRequest
from servicekonto.postfach.views import StatusView
from tests.postfach.conftest import Postfach, message

APPLICATION = "5f0c3a9e-1d2b-4c5d-8e9f-0a1b2c3d4e5f"


def update(sub: str, state: str, **overrides: object) -> dict[str, object]:
    return {
        "recipient": {"sub": sub},
        "application_id": APPLICATION,
        "status": state,
        "public_service_name": "Hundeanmeldung",
        "sender_name": "Verbandsgemeinde Cochem",
        **overrides,
    }


def _add(pf: Postfach, client_id: str, body: dict[str, object]) -> StatusView:
    with pf.sessions() as db:
        view = status.add_status(db, client_id=client_id,
                                 request=StatusUpdateRequest.model_validate(body), now=pf.now)
        db.commit()
        return view


def test_the_timeline_shows_status_updates_and_messages_in_order(
    pf: Postfach, client_id: str
) -> None:
    account_id, sub = pf.recipient(client_id)
    _add(pf, client_id, update(sub, "SUBMITTED"))
    pf.clock.advance(hours=1)
    _add(pf, client_id, update(sub, "RECEIVED", status_details="Eingang bestätigt"))
    pf.clock.advance(days=2)
    _add(pf, client_id, update(sub, "ACTION_REQUIRED",
                               status_details="Nachweis fehlt",
                               additional_information="Bitte Impfpass hochladen",
                               reference="HS-2026-0042"))
    pf.deposit(client_id, message(sub, title="Bitte reichen Sie den Impfpass nach"))
    pf.clock.advance(days=1)
    _add(pf, client_id, update(sub, "COMPLETED"))
    pf.deposit(client_id, message(sub, title="Ihr Bescheid", application_id="anderer-antrag"))

    with pf.sessions() as db:
        line = status.timeline(db, box=personal(account_id), application_id=APPLICATION)
        apps = status.applications(db, box=personal(account_id))

    assert [(e.kind, e.status.status if e.status else e.message.title if e.message else "")
            for e in line.entries] == [
        ("status", "SUBMITTED"), ("status", "RECEIVED"), ("status", "ACTION_REQUIRED"),
        ("message", "Bitte reichen Sie den Impfpass nach"), ("status", "COMPLETED"),
    ]
    assert line.current is not None and line.current.status == "COMPLETED"
    action = line.entries[2].status
    assert action is not None
    assert (action.status_details, action.additional_information, action.reference) == (
        "Nachweis fehlt", "Bitte Impfpass hochladen", "HS-2026-0042")
    assert [(a.application_id, a.status) for a in apps] == [(APPLICATION, "COMPLETED")]
    assert apps[0].public_service_name == "Hundeanmeldung"


def test_status_updates_need_the_same_consent_as_messages(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id, consent=False)
    with pytest.raises(NoConsent):
        _add(pf, client_id, update(sub, "SUBMITTED"))
    with pytest.raises(UnknownRecipient):
        _add(pf, client_id, update("unbekannt", "SUBMITTED"))
    assert pf.count(ApplicationStatus) == 0


def test_another_persons_application_is_not_found(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    stranger, _ = pf.recipient(client_id)
    _add(pf, client_id, update(sub, "SUBMITTED"))
    with pf.sessions() as db:
        with pytest.raises(NotFound):
            status.timeline(db, box=personal(stranger), application_id=APPLICATION)
        assert status.applications(db, box=personal(stranger)) == []


def test_the_audit_event_names_ids_and_the_status_only(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    view = _add(pf, client_id, update(sub, "PROCESSING", status_details="in Bearbeitung"))
    with pf.sessions() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.event == "postfach.status"))
    assert event is not None
    assert (event.actor, event.subject) == (f"client:{client_id}", f"account:{account_id}")
    assert event.details == {"status_update": view.id, "status": "PROCESSING"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"status": "DONE"}, "INITIATED"),
        ({"status": "completed"}, "INITIATED"),
        ({"public_service_name": "x" * 101}, "at most 100"),
        ({"sender_name": ""}, "at least 1"),
        ({"status_details": "x" * 51}, "at most 50"),
        ({"reference": "x" * 51}, "at most 50"),
        ({"application_id": "a/b"}, "pattern"),
        ({"createdDate": "2026-11-21"}, "Extra inputs"),
    ],
)
def test_malformed_status_updates_are_refused(change: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        StatusUpdateRequest.model_validate(update("sub", "SUBMITTED", **change))


@pytest.mark.parametrize(
    ("provided", "counts"),
    [
        # 23:30 Berlin on Monday 23 Nov (22:30 UTC) → Friday 27 Nov.
        (datetime(2026, 11, 23, 22, 30, tzinfo=UTC), date(2026, 11, 27)),
        # 00:30 Berlin on Tuesday 24 Nov is still Monday in UTC → Saturday 28 Nov.
        (datetime(2026, 11, 23, 23, 30, tzinfo=UTC), date(2026, 11, 28)),
        # Summer time (UTC+2): 01:30 Berlin on 1 Jul is 23:30 UTC on 30 Jun → 5 Jul.
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 7, 5)),
        # Over the turn of the year.
        (datetime(2026, 12, 30, 12, 0, tzinfo=UTC), date(2027, 1, 3)),
    ],
)
def test_a_notice_counts_as_delivered_on_the_fourth_day_in_germany(
    provided: datetime, counts: date
) -> None:
    assert delivered_counts_at(provided) == counts


def test_the_delivery_rule_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone"):
        delivered_counts_at(datetime(2026, 11, 23, 12, 0))
