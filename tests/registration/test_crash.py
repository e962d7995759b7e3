"""A crash in the middle of a registration (checklist D-04): all or nothing.

For each `SK_CRASH_AT` checkpoint a real `servicekonto serve --workers 1` is started (one worker:
uvicorn then serves in-process, so `os._exit(137)` at the checkpoint ends the server process
itself, like kill -9). A registration that matches the civil register (test person 2, Jürgen
Weißmüller) is fired; the connection drops and the process exits with 137. A normal server is
then started on the same database and data directory, the invariants are checked in SQL — no
account without its PIN letter, no letter without its account, no orphaned e-mail token, outbox
row or audit event, no letter PDF without its queued letter (the PDF is written in the same
transaction since issue 10 item 3) — and the same registration, retried, succeeds exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from servicekonto.app import build_provider, dispose_provider
from servicekonto.clock import SystemClock
from servicekonto.db.models import (
    Account,
    AuditEvent,
    EmailToken,
    Letter,
    OutboxMessage,
)
from servicekonto.letters.service import purge_pdfs
from servicekonto.letters.store import stored_letter_ids
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.conftest import FAST_ARGON2, ServerProcess, clean_environment, free_port
from tests.support import CSRF

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.server,
    pytest.mark.timeout(120),
]

CRASH_POINTS = [
    "registration.after_account",  # account flushed, no token, mail or letter yet
    "registration.after_letter",  # letter flushed and its PDF written, audit event not yet
    "registration.before_commit",  # everything flushed, the commit never happens
]
EMAIL = "juergen.crash@example.org"
#: Register test person 2 as typed (README): a match, so a PIN letter belongs to the account.
TYPED = {
    "email": EMAIL,
    "password": "Moselschleife-Bremm-2026",
    "given_name": "Juergen",
    "family_name": "Weissmueller",
    "birth_date": "1958-07-23",
    "street": "Balduinstr.",
    "house_number": "5",
    "postal_code": "56856",
    "locality": "Zell",
    "privacy_consent": "yes",
}
TIMEOUT = httpx.Timeout(30.0)
EXIT_CRASHED = 137


def server_env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    """The `server` fixture's environment (cheap argon2), for a server we start ourselves."""
    env = clean_environment(
        SERVICEKONTO_DEV_MODE="1",
        SERVICEKONTO_ISSUER=f"http://127.0.0.1:{port}",
        SERVICEKONTO_DATA_DIR=str(data_dir),
        SERVICEKONTO_DATABASE_URL=database_url,
        SERVICEKONTO_ARGON2_MEMORY_KIB="1024",
        SERVICEKONTO_ARGON2_TIME_COST="1",
        SERVICEKONTO_LOG_LEVEL="WARNING",
        # no outbox delivery: queued mails keep their recipient for the checks below
        SERVICEKONTO_OUTBOX_INTERVAL_SECONDS="0",
    )
    env.pop("SK_CRASH_AT", None)
    return env


def post_registration(base_url: str) -> httpx.Response:
    """GET the form (CSRF cookie and token), then POST it as a browser on the issuer's origin."""
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as http:
        page = http.get("/register")
        assert page.status_code == 200, page.text[:300]
        token = CSRF.search(page.text)
        assert token, "the form has no csrf_token"
        return http.post(
            "/register",
            data={**TYPED, "csrf_token": token.group(1)},
            headers={"Origin": base_url},
        )


@pytest.fixture
def sql(database_url: str, tmp_path: Path) -> Iterator[Provider]:
    """A provider on the test's database, for the SQL checks (no server of its own)."""
    settings = Settings(
        dev_mode=True,
        database_url=database_url,
        data_dir=tmp_path,
        argon2_memory_kib=FAST_ARGON2["argon2_memory_kib"],
        argon2_time_cost=FAST_ARGON2["argon2_time_cost"],
    )
    found = build_provider(settings, SystemClock())
    yield found
    dispose_provider(found)  # before the test database is dropped


def assert_all_or_nothing(provider: Provider) -> None:
    """D-04 invariants over the whole database, then for the registration under test."""
    with provider.sessions() as db:
        account_ids = set(db.scalars(select(Account.id)))
        emails = set(db.scalars(select(Account.email)))
        # no letter without its account
        letter_owners = set(db.scalars(select(Letter.account_id)))
        assert letter_owners <= account_ids, letter_owners - account_ids
        # no e-mail token without its account
        token_owners = set(db.scalars(select(EmailToken.account_id)))
        assert token_owners <= account_ids, token_owners - account_ids
        # no mail queued for an address without an account (a delivered mail drops its payload)
        recipients = {
            m.payload.get("to")
            for m in db.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "mail", OutboxMessage.delivered_at.is_(None)
                )
            )
        }
        assert recipients <= emails, recipients - emails
        # no audit event about an account that does not exist
        actors = set(
            db.scalars(select(AuditEvent.actor).where(AuditEvent.event.like("registration.%")))
        )
        assert actors <= {f"account:{a}" for a in account_ids}, actors
        # for the matching registration: account and letter both, or neither
        account = db.scalar(select(Account).where(Account.email == EMAIL))
        letters = (
            0
            if account is None
            else db.scalar(
                select(func.count()).select_from(Letter).where(Letter.account_id == account.id)
            )
        )
        assert (account is None) == (letters == 0), (account, letters)


def counts(provider: Provider) -> dict[str, int]:
    with provider.sessions() as db:
        return {
            model.__tablename__: db.scalar(select(func.count()).select_from(model)) or 0
            for model in (Account, Letter, EmailToken, OutboxMessage)
        }


def stored_pdfs(provider: Provider) -> set[str]:
    with provider.sessions() as db:
        return set(stored_letter_ids(db))


def assert_every_pdf_belongs_to_a_queued_letter(provider: Provider) -> None:
    with provider.sessions() as db:
        queued = set(db.scalars(select(Letter.id).where(Letter.status == "queued")))
    stored = stored_pdfs(provider)
    assert stored <= queued, stored - queued


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_d04_crash_during_registration_is_all_or_nothing(
    point: str, database_url: str, tmp_path: Path, sql: Provider
) -> None:
    port = free_port()
    env = server_env(database_url, tmp_path, port)

    # 1. the registration kills the server at the checkpoint
    crashing = ServerProcess({**env, "SK_CRASH_AT": point}, port, workers=1)
    crashing.start()
    try:
        with pytest.raises(httpx.TransportError):
            post_registration(crashing.base_url)
        assert crashing.proc is not None
        assert crashing.proc.wait(timeout=15) == EXIT_CRASHED
    finally:
        crashing.stop()

    # 2. a normal server on the same database and data directory
    restarted = ServerProcess(env, port, workers=2)
    restarted.start()
    try:
        assert_all_or_nothing(sql)
        # the crash came before the commit: nothing of the registration is there
        assert counts(sql) == {"accounts": 0, "letters": 0, "email_tokens": 0, "outbox": 0}

        # the PDF went with the rolled-back transaction, nothing is left in the data directory
        assert stored_pdfs(sql) == set()
        assert not (tmp_path / "letters").exists() or not any((tmp_path / "letters").iterdir())

        # 3. the same registration again: it goes through, exactly once
        response = post_registration(restarted.base_url)
        assert response.status_code == 303, response.text[:300]
        assert response.headers["location"] == "/register/done"
    finally:
        restarted.stop()

    assert_all_or_nothing(sql)
    with sql.sessions() as db:
        account = db.scalars(select(Account).where(Account.email == EMAIL)).one()
        letter = db.scalars(select(Letter).where(Letter.account_id == account.id)).one()
        assert letter.status == "queued"
        assert letter.register_record_id == "07135-000000000002"
        assert db.scalars(select(EmailToken).where(EmailToken.account_id == account.id)).one()
        mails = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail")).all()
        assert [m.payload["to"] for m in mails] == [EMAIL]  # the confirmation link, once
    assert counts(sql)["accounts"] == 1
    assert stored_pdfs(sql) == {letter.id}

    # the purge keeps the PDF of a queued letter: every PDF belongs to a queued letter
    with sql.sessions() as db:
        assert purge_pdfs(db, now=datetime.now(UTC)) == 0
    assert stored_pdfs(sql) == {letter.id}
    assert_every_pdf_belongs_to_a_queued_letter(sql)
