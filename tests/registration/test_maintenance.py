"""Retention (issue 3 item 7, checklist V-05): `servicekonto maintenance run` purges abandoned
sign-ups after 7 days, closes expired PIN letters and deletes expired single-use leftovers;
idempotent (a second run reports zeros) and safe from cron."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekonto.accounts.service import create_account
from servicekonto.clock import FixedClock
from servicekonto.companies.retention import SUMMARY_KEY as DOCUMENTS_KEY
from servicekonto.db.models import (
    Account,
    Administration,
    AuditEvent,
    Authorization,
    AuthorizationCode,
    ClientAssertionJti,
    Consent,
    EmailToken,
    Letter,
    OutboxMessage,
    PendingAuthorization,
    RevokedAccessToken,
)
from servicekonto.db.outbox import enqueue
from servicekonto.letters.service import Recipient, queue_pin_letter
from servicekonto.letters.store import LetterStore, save_pdf
from servicekonto.letters.store import has_pdf as pdf_stored
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest, random_token
from servicekonto.selfservice.retention import SUMMARY_KEYS, run
from servicekonto.settings import Settings
from servicekonto.staff.service import LETTER_DISPATCH, grant
from tests.support import make_client

ROOT = Path(__file__).resolve().parents[2]


def sign_up(
    provider: Provider,
    email: str,
    *,
    now: datetime | None = None,
    verified: bool = False,
    with_token: bool = True,
) -> str:
    """An account as registration leaves it: unconfirmed, with its confirmation token."""
    moment = now or provider.clock.now()
    with provider.sessions() as db:
        account = create_account(
            db, hashing=provider.hashing, now=moment, email=email, password=None,
            attributes={"given_name": "Erika"}, email_verified=verified,
        )
        if with_token:
            db.add(EmailToken(digest=digest(random_token()), account_id=account.id,
                              purpose="verify_email", created_at=moment,
                              expires_at=moment + timedelta(days=7)))
        db.commit()
        return account.id


def queue_letter(provider: Provider, account_id: str, store: LetterStore) -> str:
    with provider.sessions() as db:
        queued = queue_pin_letter(
            db, hashing=provider.hashing, account_id=account_id,
            register_record_id=f"R-{account_id[:8]}",
            recipient=Recipient(name="Erika Mustermann", street_line="Moselweinstraße 3",
                                postal_code="56812", locality="Cochem"),
            administration_slug=None, now=provider.clock.now(),
        )
        save_pdf(db, letter_id=queued.letter_id, pdf=b"%PDF-1.4 test", now=provider.clock.now())
        db.commit()
    return queued.letter_id


def has_pdf(provider: Provider, letter_id: str) -> bool:
    with provider.sessions() as db:
        return pdf_stored(db, letter_id=letter_id)


def maintain(provider: Provider, store: LetterStore) -> dict[str, int]:
    with provider.sessions() as db:
        summary = run(db, now=provider.clock.now(), letters_store=store)
        db.commit()
    return summary


def exists(provider: Provider, account_id: str) -> bool:
    with provider.sessions() as db:
        return db.get(Account, account_id) is not None


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.postgres
def test_unconfirmed_sign_ups_are_purged_after_7_days(
    app_client: TestClient, provider: Provider, clock: FixedClock, tmp_path: Path
) -> None:
    store = LetterStore(tmp_path / "letters")
    old = sign_up(provider, "alt@example.org")
    old_letter = queue_letter(provider, old, store)  # matched in the register, never confirmed
    confirmed = sign_up(provider, "bestaetigt@example.org", verified=True)
    bound = sign_up(provider, "gebunden@example.org")
    with provider.sessions() as db:
        account = db.get(Account, bound)
        assert account is not None
        account.register_record_id = "R-BOUND"
        db.commit()
    consented = sign_up(provider, "zugestimmt@example.org")
    client = make_client(provider)
    with provider.sessions() as db:
        db.add(Consent(account_id=consented, client_id=client.client_id, scopes=["openid"],
                       claims=[], created_at=clock.now(), updated_at=clock.now()))
        db.commit()
    staff = sign_up(provider, "personal@example.org")
    with provider.sessions() as db:
        db.add(Administration(slug="vg-zell", name="Zell", kind="verbandsgemeinde"))
        db.flush()
        grant(db, account_id=staff, administration_slug="vg-zell", role=LETTER_DISPATCH)
        db.commit()
    clock.advance(days=3)
    young = sign_up(provider, "jung@example.org")

    clock.advance(days=4, seconds=-1)  # the old ones are 7 days minus a second old
    assert maintain(provider, store)["accounts_purged"] == 0
    assert exists(provider, old)

    clock.advance(seconds=2)
    summary = maintain(provider, store)
    assert summary["accounts_purged"] == 1
    assert not exists(provider, old)
    for kept in (confirmed, bound, consented, staff, young):
        assert exists(provider, kept), kept
    assert not has_pdf(provider, old_letter)
    with provider.sessions() as db:
        assert db.get(Letter, old_letter) is None
        assert db.scalar(select(func.count()).select_from(EmailToken).where(
            EmailToken.account_id == old)) == 0
        event = db.scalars(select(AuditEvent).where(AuditEvent.event == "account.purged")).one()
        assert event.subject == f"account:{old}"
        assert "alt@example.org" not in json.dumps(event.details)
        # nothing was issued to the purged account, so no client needs a logout
        assert count(db, OutboxMessage) == 0

    clock.advance(days=3)  # now the young one is over 7 days old too
    assert maintain(provider, store)["accounts_purged"] == 1
    assert not exists(provider, young)


def test_expired_letters_are_closed_and_their_pdfs_deleted(
    app_client: TestClient, provider: Provider, clock: FixedClock, tmp_path: Path
) -> None:
    store = LetterStore(tmp_path / "letters")
    account_id = sign_up(provider, "brief@example.org", verified=True)
    letter_id = queue_letter(provider, account_id, store)
    clock.advance(days=20)
    assert maintain(provider, store)["letters_closed"] == 0
    assert has_pdf(provider, letter_id)
    clock.advance(days=2)
    summary = maintain(provider, store)
    assert summary["letters_closed"] == 1
    with provider.sessions() as db:
        letter = db.get(Letter, letter_id)
        assert letter is not None
        assert (letter.status, letter.pending_account_id) == ("expired", None)
    assert not has_pdf(provider, letter_id)
    assert exists(provider, account_id)


@pytest.mark.postgres
def test_expired_single_use_leftovers_are_deleted(
    app_client: TestClient, provider: Provider, clock: FixedClock, tmp_path: Path
) -> None:
    store = LetterStore(tmp_path / "letters")
    now = clock.now()
    account_id = sign_up(provider, "rest@example.org", verified=True, with_token=False)
    client = make_client(provider)
    with provider.sessions() as db:
        authorization = Authorization(
            account_id=account_id, client_id=client.client_id, scopes=["openid"], claims=[],
            claims_request={}, acr="low", amr=["pwd"], auth_time=now, created_at=now,
            expires_at=now + timedelta(days=30),
        )
        db.add(authorization)
        db.flush()
        for minutes in (1, 3 * 24 * 60):  # expiring soon / in three days
            until = now + timedelta(minutes=minutes)
            db.add(PendingAuthorization(id=random_token(), client_id=client.client_id,
                                        request={}, created_at=now, expires_at=until))
            db.add(ClientAssertionJti(client_id=client.client_id, jti=random_token(),
                                      expires_at=until))
            db.add(RevokedAccessToken(jti=random_token(), expires_at=until))
            db.add(AuthorizationCode(digest=digest(random_token()),
                                     authorization_id=authorization.id,
                                     client_id=client.client_id, redirect_uri=client.redirect_uri,
                                     code_challenge="x", nonce=None, expires_at=until))
        # e-mail tokens: used an hour ago / expired two days ago / still valid
        db.add(EmailToken(digest=digest(random_token()), account_id=account_id,
                          purpose="reset_password", created_at=now, expires_at=now,
                          used_at=now))
        db.add(EmailToken(digest=digest(random_token()), account_id=account_id,
                          purpose="reset_password", created_at=now,
                          expires_at=now + timedelta(minutes=30)))
        db.add(EmailToken(digest=digest(random_token()), account_id=account_id,
                          purpose="verify_email", created_at=now,
                          expires_at=now + timedelta(days=7)))
        db.commit()
    with provider.sessions() as db:
        enqueue(db, kind="mail", payload={"delivered": True}, now=now)
        enqueue(db, kind="mail", payload={"to": "x@example.org", "subject": "s", "body": "b"},
                now=now)
        db.flush()
        delivered, undelivered = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        delivered.delivered_at = now
        db.commit()

    clock.advance(days=2)
    first = maintain(provider, store)
    assert first["pending_authorizations_deleted"] == 1
    assert first["client_assertion_jtis_deleted"] == 1
    assert first["revoked_access_tokens_deleted"] == 1
    assert first["authorization_codes_deleted"] == 1  # expired over a day ago
    assert first["email_tokens_deleted"] == 2  # the used one and the expired one
    assert first["outbox_messages_deleted"] == 0  # delivered, but not 30 days ago yet

    clock.advance(days=29)
    later = maintain(provider, store)
    assert later["outbox_messages_deleted"] == 1  # the undelivered mail stays
    assert later["email_tokens_deleted"] == 1
    with provider.sessions() as db:
        assert [m.id for m in db.scalars(select(OutboxMessage))] == [undelivered.id]
        assert count(db, PendingAuthorization) == 0
        assert count(db, ClientAssertionJti) == 0
        assert count(db, RevokedAccessToken) == 0
        assert count(db, AuthorizationCode) == 0
        assert count(db, Authorization) == 1  # grants are not this job's business
    assert exists(provider, account_id)


@pytest.mark.postgres
def test_a_second_run_reports_zeros(
    app_client: TestClient, provider: Provider, clock: FixedClock, tmp_path: Path
) -> None:
    store = LetterStore(tmp_path / "letters")
    old = sign_up(provider, "alt@example.org")
    queue_letter(provider, old, store)
    confirmed = sign_up(provider, "da@example.org", verified=True)
    queue_letter(provider, confirmed, store)
    store.save("0" * 32, b"orphan")  # an older version's file of a rolled-back order
    clock.advance(days=30)

    first = maintain(provider, store)
    assert set(first) == set(SUMMARY_KEYS)
    assert first["accounts_purged"] == 1
    assert first["letters_closed"] == 1
    assert first["letter_pdfs_deleted"] == 1
    assert first["email_tokens_deleted"] >= 1
    second = maintain(provider, store)
    assert second == dict.fromkeys(SUMMARY_KEYS, 0)
    assert list(store.stored()) == []
    with provider.sessions() as db:
        runs = db.scalars(select(AuditEvent).where(AuditEvent.event == "maintenance.run")).all()
    assert len(runs) == 1  # an idle run leaves no trace


@pytest.mark.postgres
def test_cli_maintenance_run_json(
    app_client: TestClient, provider: Provider, settings: Settings, tmp_path: Path
) -> None:
    # The command runs on the system clock: sign-ups dated relative to the real time.
    real_now = datetime.now(UTC)
    old = sign_up(provider, "cli-alt@example.org", now=real_now - timedelta(days=8))
    young = sign_up(provider, "cli-jung@example.org", now=real_now - timedelta(days=6))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEKONTO_")} | {
        "SERVICEKONTO_DEV_MODE": "1",
        "SERVICEKONTO_DATA_DIR": str(tmp_path),
        "SERVICEKONTO_DATABASE_URL": settings.database_url,
    }

    def run_cli() -> dict[str, int]:
        result = subprocess.run(
            [sys.executable, "-m", "servicekonto.cli", "maintenance", "run", "--json"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stderr
        summary: dict[str, int] = json.loads(result.stdout)
        return summary

    # The command adds the company documents' step, which runs in its own batches.
    keys = (*SUMMARY_KEYS, DOCUMENTS_KEY)
    first = run_cli()
    assert set(first) == set(keys)
    assert first["accounts_purged"] == 1
    assert not exists(provider, old) and exists(provider, young)
    assert run_cli() == dict.fromkeys(keys, 0)
