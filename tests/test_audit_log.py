"""The audit log (DESIGN §7, checklist V-04): ids only, hash-chained, `audit verify` CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, update

from servicekonto.audit.service import ChainCheck, verify_chain
from servicekonto.db.migrate import alembic_config
from servicekonto.db.models import AuditEvent, AuditHead
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.conftest import clean_environment
from tests.support import (
    PASSWORD,
    Browser,
    Rp,
    account_id_of,
    full_login,
    make_account,
    make_client,
)

ROOT = Path(__file__).resolve().parents[1]
PERSONAL = ("Erika", "Mustermann", "1964-08-12", "Heidestraße", "51147", "Köln", PASSWORD)


def _rows(provider: Provider) -> list[dict[str, Any]]:
    with provider.sessions() as db:
        return [
            {
                "id": row.id,
                "at": row.at.isoformat(),
                "event": row.event,
                "actor": row.actor,
                "subject": row.subject,
                "details": json.dumps(row.details, ensure_ascii=False),
                "request_id": row.request_id,
                "prev_hash": row.prev_hash,
                "hash": row.hash,
            }
            for row in db.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def _verify(provider: Provider) -> ChainCheck:
    with provider.sessions() as db:
        return verify_chain(db)


def _delete_events(provider: Provider, ids: list[int]) -> None:
    with provider.sessions() as db:
        db.execute(AuditEvent.__table__.delete().where(AuditEvent.id.in_(ids)))
        db.commit()


def _login_and_consent(app_client: TestClient, provider: Provider, browser: Browser) -> str:
    email = make_account(provider)
    client = make_client(provider)
    params = full_login(browser, Rp(app_client, client), email)
    assert "code" in params
    return email


def test_v04_login_and_consent_are_audited_with_ids_only(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = _login_and_consent(app_client, provider, browser)
    account_id = account_id_of(provider, email)
    rows = _rows(provider)
    by_event = {row["event"]: row for row in rows}
    assert {"login.succeeded", "consent.granted"} <= set(by_event)
    for event in ("login.succeeded", "consent.granted"):
        row = by_event[event]
        assert row["actor"] == f"account:{account_id}"
        assert row["subject"].startswith("client:")
        assert row["request_id"], "each event carries the request id"
    assert [r["event"] for r in rows].count("login.succeeded") == 1
    assert [r["event"] for r in rows].count("consent.granted") == 1
    local_part = email.split("@")[0]
    for row in rows:
        for column, value in row.items():
            text = str(value)
            assert email not in text and local_part not in text, (column, text)
            for personal in PERSONAL:
                assert personal not in text, (column, personal, text)


def test_v04_chain_is_intact_and_an_edited_row_breaks_it_there(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    _login_and_consent(app_client, provider, browser)
    intact, count, broken, problem, head = _verify(provider)
    assert (intact, broken, problem) == (True, None, "")
    assert count == len(_rows(provider)) >= 2
    assert head == _rows(provider)[-1]["hash"]

    target = next(r for r in _rows(provider) if r["event"] == "consent.granted")["id"]
    with provider.sessions() as db:
        db.execute(
            update(AuditEvent)
            .where(AuditEvent.id == target)
            .values(details={"scopes": ["openid", "everything"], "claims": []})
        )
        db.commit()
    intact, count, broken, _problem, _head = _verify(provider)
    assert intact is False
    assert broken == target
    assert count == sum(1 for r in _rows(provider) if r["id"] < target)


def test_v04_deleting_a_row_breaks_the_chain(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    _login_and_consent(app_client, provider, browser)
    rows = _rows(provider)
    _delete_events(provider, [rows[0]["id"]])
    check = _verify(provider)
    assert check.intact is False
    assert check.broken == rows[1]["id"]


@pytest.mark.postgres
@pytest.mark.parametrize("removed", [1, 2])
def test_v04_deleting_the_newest_rows_breaks_the_head(
    app_client: TestClient, provider: Provider, browser: Browser, removed: int
) -> None:
    """What is left is a valid chain; only the recorded head shows that its end is missing."""
    _login_and_consent(app_client, provider, browser)
    app_client.cookies.clear()
    _login_and_consent(app_client, provider, browser)
    rows = _rows(provider)
    assert len(rows) == 4
    _delete_events(provider, [row["id"] for row in rows[-removed:]])
    check = _verify(provider)
    assert check.intact is False
    assert check.broken is None
    assert check.events == len(rows) - removed
    assert check.head == rows[-removed - 1]["hash"]
    assert f"the recorded head has {len(rows)} events" in check.problem
    assert "removed from its end" in check.problem


def test_v04_deleting_every_row_breaks_the_head(
    app_client: TestClient, provider: Provider, browser: Browser, settings: Settings
) -> None:
    _login_and_consent(app_client, provider, browser)
    count = len(_rows(provider))
    with provider.sessions() as db:
        db.execute(AuditEvent.__table__.delete())
        db.commit()
    check = _verify(provider)
    assert (check.intact, check.events, check.broken) == (False, 0, None)
    assert f"the recorded head has {count} events" in check.problem

    cli = _cli_verify(settings)
    assert cli.returncode == 1, (cli.stdout, cli.stderr)
    assert f"audit chain BROKEN: the recorded head has {count} events" in cli.stderr
    assert "Traceback" not in cli.stderr


def test_v04_a_removed_head_is_reported_and_logins_still_work(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    with provider.sessions() as db:
        db.execute(AuditHead.__table__.delete())
        db.commit()
    _login_and_consent(app_client, provider, browser)  # audited events, no head to move
    check = _verify(provider)
    assert check.intact is False
    assert check.events == len(_rows(provider)) >= 2
    assert check.problem == "the recorded head (audit_head) is missing"


@pytest.mark.postgres
def test_migration_anchors_the_chain_that_is_already_there(
    app_client: TestClient, provider: Provider, browser: Browser, settings: Settings
) -> None:
    """An existing log gets its head from the migration; a truncation right after it shows."""
    _login_and_consent(app_client, provider, browser)
    rows = _rows(provider)
    config = alembic_config(settings.sqlalchemy_url)
    command.downgrade(config, "0008-1")
    with provider.sessions() as db:
        assert "audit_head" not in inspect(db.get_bind()).get_table_names()
    command.upgrade(config, "head")
    assert _verify(provider) == (True, len(rows), None, "", rows[-1]["hash"])
    _delete_events(provider, [rows[-1]["id"]])
    assert _verify(provider).intact is False


def test_v04_crlf_in_a_username_does_not_reach_the_audit_log(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    evil = "mallory@example.org\r\n2026-01-01 login.succeeded actor=account:admin\n"
    page = browser.get("/login")
    response = browser.post_form("/login", {"username": evil, "password": "irrelevant-123"}, page)
    assert response.status_code == 200  # the login page again, with an error
    rows = _rows(provider)
    assert [r["event"] for r in rows] == ["login.failed"]
    for row in rows:
        for column, value in row.items():
            text = str(value)
            assert "\r" not in text and "\n" not in text, (column, text)
            assert "mallory" not in text, (column, text)
    assert _verify(provider)[0] is True


def test_v04_record_neutralises_control_characters_in_ids(provider: Provider) -> None:
    from servicekonto.audit.service import record

    with provider.sessions() as db:
        record(
            db,
            at=provider.clock.now(),
            event="test.event",
            actor="account:abc\r\nforged",
            subject="client:x\n\x1b[31m",
        )
        db.commit()
    row = _rows(provider)[-1]
    for column in ("actor", "subject"):
        assert not any(ch in row[column] for ch in "\r\n\x1b"), row[column]
    assert _verify(provider)[0] is True


def _cli_verify(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = clean_environment(
        SERVICEKONTO_DEV_MODE="1",
        SERVICEKONTO_DATA_DIR=str(settings.data_dir),
        SERVICEKONTO_DATABASE_URL=settings.database_url,
    )
    return subprocess.run(
        [sys.executable, "-m", "servicekonto.cli", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_audit_verify_exits_0_when_intact_and_1_when_tampered(
    app_client: TestClient, provider: Provider, browser: Browser, settings: Settings
) -> None:
    _login_and_consent(app_client, provider, browser)
    count = len(_rows(provider))

    ok = _cli_verify(settings)
    assert ok.returncode == 0, ok.stderr
    head = _rows(provider)[-1]["hash"]
    assert ok.stdout.strip() == f"audit chain intact: {count} events, head {head}"

    target = _rows(provider)[-1]["id"]
    with provider.sessions() as db:
        db.execute(update(AuditEvent).where(AuditEvent.id == target).values(actor="account:x"))
        db.commit()
    broken = _cli_verify(settings)
    assert broken.returncode == 1, (broken.stdout, broken.stderr)
    assert str(target) in broken.stderr
    assert "Traceback" not in broken.stderr
