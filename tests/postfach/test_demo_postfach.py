"""The demo Fachverfahren (issue 13 item 7): `servicekonto demo` leaves Anna a Bescheid with a
PDF attachment at level `substantial` and the status timeline of her Gewerbeanmeldung; seeding
again adds nothing; the demo client deposits over the API with its own token."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts.levels import TrustLevel
from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, ApplicationStatus, PostfachMessage
from servicekonto.postfach import inbox, status
from servicekonto.postfach.access import personal
from servicekonto.postfach.errors import LevelTooLow
from servicekonto.settings import Settings
from servicekonto.sim import demo_postfach
from servicekonto.sim.demo_portal import demo_client_secret
from servicekonto.sim.demo_seed import seed
from tests.postfach.conftest import message
from tests.support import FAST_ARGON2, FAST_HASHING

ANNA = "anna.schmitz@demo.servicekonto.example"


@pytest.fixture
def demo_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(dev_mode=True, issuer="http://127.0.0.1:8000", data_dir=tmp_path,
                    database_url=database_url, outbox_interval_seconds=0,
                    upload_scan_required=False, **FAST_ARGON2)


def _seed(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> dict[str, Any]:
    with sessions() as db:
        result = seed(db, settings=settings, hashing=FAST_HASHING, now=now)
        db.commit()
    return result


def _anna(db: Session) -> str:
    return db.scalars(select(Account.id).where(Account.email == ANNA)).one()


def test_anna_has_the_bescheid_and_its_timeline_and_seeding_again_adds_nothing(
    sessions: sessionmaker[Session], demo_settings: Settings, clock: FixedClock
) -> None:
    first = _seed(sessions, demo_settings, clock.now())
    clock.advance(hours=2)
    again = _seed(sessions, demo_settings, clock.now())
    assert again["postfach"] == first["postfach"]
    with sessions() as db:
        box = personal(_anna(db))
        listed = inbox.list_messages(db, box=box)
        assert listed.total == 1 and listed.unread == 1
        (bescheid,) = listed.items
        assert bescheid.id == first["postfach"]["message_id"]
        assert bescheid.min_level == "substantial" and bescheid.attachment_count == 1
        with pytest.raises(LevelTooLow):  # a password session steps up first
            inbox.open_message(db, box=box, message_id=bescheid.id,
                               session_level=TrustLevel.LOW, now=clock.now())
        opened = inbox.open_message(db, box=box, message_id=bescheid.id,
                                    session_level=TrustLevel.SUBSTANTIAL, now=clock.now())
        assert [a.content_type for a in opened.attachments] == ["application/pdf"]
        content = inbox.attachment_content(
            db, box=box, message_id=bescheid.id, attachment_id=opened.attachments[0].id,
            session_level=TrustLevel.SUBSTANTIAL, blobs=_store(demo_settings, db),
            now=clock.now())
        assert content.data.startswith(b"%PDF") and content.data == demo_postfach.bescheid_pdf()
        line = status.timeline(db, box=box, application_id=demo_postfach.APPLICATION_ID)
        assert [e.status.status if e.status else "message" for e in line.entries] == [
            "SUBMITTED", "RECEIVED", "PROCESSING", "message", "COMPLETED"]
        assert int(db.scalar(select(func.count()).select_from(ApplicationStatus)) or 0) == 4
        assert int(db.scalar(select(func.count()).select_from(PostfachMessage)) or 0) == 1


def test_the_demo_fachverfahren_deposits_for_anna_with_its_own_token(
    demo_settings: Settings, clock: FixedClock
) -> None:
    app = create_app(demo_settings, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        provider = app.state.provider
        seeded = _seed(provider.sessions, demo_settings, clock.now())
        secret = demo_client_secret(demo_settings.secret_key, demo_postfach.CLIENT_ID)
        token = http.post("/token", data={"grant_type": "client_credentials"},
                          auth=(demo_postfach.CLIENT_ID, secret))
        assert token.status_code == 200, token.text
        assert token.json()["scope"] == "postfach:deliver"
        response = http.post(
            "/api/v1/postfach/messages", json=message(seeded["postfach"]["sub"]),
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert response.status_code == 201, response.text


def _store(settings: Settings, db: Session) -> Any:
    from servicekonto.blobs.stores import open_store

    return open_store(settings, db)
