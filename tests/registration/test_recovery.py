"""Password reset by e-mail link (checklist C-03, C-07) and account deletion by the user
(checklist V-05, BSI TR-03160-1 §7), through the pages."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.audit.service import verify_chain
from servicekonto.clock import FixedClock
from servicekonto.db.base import Base
from servicekonto.db.models import (
    Account,
    AuditEvent,
    Authorization,
    EmailToken,
    IdentityEvidence,
    OutboxMessage,
)
from servicekonto.letters.service import Recipient, queue_pin_letter
from servicekonto.letters.store import LetterStore, save_pdf
from servicekonto.oidc.logout import deliver_due
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest
from servicekonto.selfservice import recovery
from tests.support import (
    PASSWORD,
    Browser,
    RegisteredClient,
    Rp,
    account_id_of,
    decode_jwt,
    full_login,
    make_account,
    make_client,
)

NEW_PASSWORD = "Reichsburg-Cochem-Mosel-7"
OFFLINE = "openid profile email offline_access"
LINK = re.compile(r"http://testserver(/password/reset/[A-Za-z0-9_-]+)")


# -- helpers ---------------------------------------------------------------------------------------


def mails_to(provider: Provider, address: str) -> list[dict[str, Any]]:
    with provider.sessions() as db:
        rows = db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "mail").order_by(OutboxMessage.id)
        )
        return [r.payload for r in rows if r.payload.get("to") == address]


def request_reset(browser: Browser, email: str) -> httpx.Response:
    page = browser.get("/password/forgot")
    assert page.status_code == 200
    return browser.post_form("/password/forgot", {"email": email}, page)


def reset_link(browser: Browser, provider: Provider, email: str) -> str:
    response = request_reset(browser, email)
    assert response.status_code == 303, response.text[:300]
    mail = mails_to(provider, email)[-1]
    assert mail["subject"] == "Passwort zurücksetzen"
    found = LINK.search(mail["body"])
    assert found, mail["body"]
    return found.group(1)


def set_password(
    browser: Browser, link: str, password: str, repeat: str | None = None
) -> httpx.Response:
    page = browser.get(link)
    assert page.status_code == 200, page.text[:300]
    data = {"password": password, "password_repeat": password if repeat is None else repeat}
    return browser.post_form(link, data, page)


def login(browser: Browser, email: str, password: str) -> httpx.Response:
    page = browser.get("/login")
    return browser.post_form("/login", {"username": email, "password": password}, page)


def can_log_in(app_client: TestClient, email: str, password: str) -> bool:
    """A login in a fresh cookie jar, so the test's own browser keeps its session."""
    fresh = Browser(TestClient(app_client.app, base_url="http://testserver"))
    return login(fresh, email, password).status_code == 303


def bcl_payloads(provider: Provider) -> list[dict[str, Any]]:
    with provider.sessions() as db:
        rows = db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "backchannel_logout")
            .order_by(OutboxMessage.id)
        )
        return [r.payload for r in rows]


def offline_tokens(
    app_client: TestClient, browser: Browser, client: RegisteredClient, email: str
) -> tuple[Rp, dict[str, Any]]:
    rp = Rp(app_client, client)
    params = full_login(browser, rp, email, scope=OFFLINE)
    response = rp.redeem(params["code"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body.get("refresh_token")
    return rp, body


def userinfo_status(app_client: TestClient, access_token: str) -> int:
    return app_client.get(
        "/userinfo", headers={"Authorization": f"Bearer {access_token}"}
    ).status_code


# -- password reset --------------------------------------------------------------------------------


def test_c07_reset_by_mail_link_sets_the_new_password(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    login_page = browser.get("/login")
    assert 'href="/password/forgot"' in login_page.text
    assert "Passwort vergessen?" in login_page.text

    response = request_reset(browser, email)
    assert response.status_code == 303
    assert response.headers["location"] == "/password/forgot/sent"
    sent = browser.follow(response)
    assert sent.status_code == 200
    assert "Wenn ein Konto mit dieser Adresse besteht" in sent.text

    [mail] = mails_to(provider, email)
    link = LINK.search(mail["body"])
    assert link
    token = link.group(1).rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, URL-safe base64
    with provider.sessions() as db:
        stored = db.scalars(select(EmailToken).where(EmailToken.purpose == "reset_password")).one()
    assert stored.digest == digest(token)  # only the digest is stored
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)

    page = browser.get(link.group(1))
    assert page.status_code == 200
    assert 'name="password"' in page.text and 'name="password_repeat"' in page.text
    done = browser.post_form(
        link.group(1), {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}, page
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/login")

    assert can_log_in(app_client, email, NEW_PASSWORD)
    assert not can_log_in(app_client, email, PASSWORD)
    subjects = [m["subject"] for m in mails_to(provider, email)]
    assert subjects.count("Ihr Passwort wurde geändert") == 1
    with provider.sessions() as db:
        events = [e.event for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        reset_event = db.scalars(
            select(AuditEvent).where(AuditEvent.event == "password.reset")
        ).one()
    assert "password.reset_requested" in events
    assert reset_event.actor == f"account:{account_id_of(provider, email)}"
    assert email not in json.dumps(reset_event.details)


@pytest.mark.postgres
def test_c07_reset_link_works_once(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    link = reset_link(browser, provider, email)
    page = browser.get(link)
    assert set_password(browser, link, NEW_PASSWORD).status_code == 303

    again = browser.get(link)
    assert again.status_code == 400
    assert 'href="/password/forgot"' in again.text
    # the form fetched before the first use cannot be replayed either
    replay = browser.post_form(
        link, {"password": "Noch-ein-anderes-Passwort-9", "password_repeat":
               "Noch-ein-anderes-Passwort-9"}, page
    )
    assert replay.status_code == 400
    assert can_log_in(app_client, email, NEW_PASSWORD)


@pytest.mark.postgres
def test_c07_parallel_uses_of_one_link_set_one_password(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    """The link is consumed by one conditional UPDATE: of 8 simultaneous uses exactly one wins."""
    email = make_account(provider)
    token = reset_link(browser, provider, email).rsplit("/", 1)[1]
    barrier = threading.Barrier(8)

    def attempt(number: int) -> bool:
        barrier.wait()
        with provider.sessions() as db:
            done = recovery.reset_password(
                db, hashing=provider.hashing, token=token, password=f"{NEW_PASSWORD}-{number}",
                now=provider.clock.now(), issuer="http://testserver",
            )
            if done:
                db.commit()
            else:
                db.rollback()
            return done

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count(True) == 1
    winner = results.index(True)
    assert can_log_in(app_client, email, f"{NEW_PASSWORD}-{winner}")
    with provider.sessions() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.event == "password.reset")).all()
    assert len(events) == 1


def test_c07_reset_link_expires_after_30_minutes(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    link = reset_link(browser, provider, email)
    clock.advance(minutes=29)
    assert browser.get(link).status_code == 200
    clock.advance(minutes=2)
    assert browser.get(link).status_code == 400
    page = browser.get("/login")  # any page for a CSRF token
    late = browser.post_form(link, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
                             page)
    assert late.status_code == 400
    assert can_log_in(app_client, email, PASSWORD)
    assert not can_log_in(app_client, email, NEW_PASSWORD)


def test_c07_a_newer_link_and_a_completed_reset_void_older_links(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    first = reset_link(browser, provider, email)
    second = reset_link(browser, provider, email)
    assert first != second
    assert set_password(browser, second, NEW_PASSWORD).status_code == 303
    assert browser.get(first).status_code == 400


def test_c07_unknown_or_garbage_link_is_a_helpful_400(browser: Browser) -> None:
    for link in ("/password/reset/nonsense", "/password/reset/" + "A" * 500):
        page = browser.get(link)
        assert page.status_code == 400
        assert "<h1>" in page.text and 'href="/password/forgot"' in page.text


def test_c03_unknown_address_gets_the_same_answer(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    known = request_reset(browser, email)
    unknown = request_reset(browser, "niemand@example.org")
    assert (known.status_code, known.headers["location"]) == (
        unknown.status_code,
        unknown.headers["location"],
    )
    assert browser.follow(known).text == browser.follow(unknown).text
    assert mails_to(provider, "niemand@example.org") == []
    assert len(mails_to(provider, email)) == 1
    with provider.sessions() as db:
        tokens = db.scalars(select(EmailToken)).all()
    assert len(tokens) == 1


def test_c03_address_case_and_spaces_do_not_matter(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    assert request_reset(browser, f"  {email.upper()} ").status_code == 303
    assert len(mails_to(provider, email)) == 1


def test_reset_mails_per_account_are_limited(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    for _ in range(5):
        assert request_reset(browser, email).status_code == 303
    assert len(mails_to(provider, email)) == 3
    clock.advance(minutes=61)
    assert request_reset(browser, email).status_code == 303
    assert len(mails_to(provider, email)) == 4


def test_forgot_form_requires_an_address(browser: Browser) -> None:
    page = browser.get("/password/forgot")
    response = browser.post_form("/password/forgot", {"email": ""}, page)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and "error-summary" in response.text


def test_forgot_is_rate_limited_per_ip(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    limit = provider.settings.login_rate_per_minute
    page = browser.get("/password/forgot")
    # a new address each time: the per-address limit (5 an hour) is a separate one
    statuses = [
        browser.post_form("/password/forgot", {"email": f"x{i}@example.org"}, page).status_code
        for i in range(limit)
    ]
    assert statuses == [303] * limit
    last = browser.post_form("/password/forgot", {"email": "y@example.org"}, page)
    assert last.status_code == 429
    assert int(last.headers["retry-after"]) > 0


def test_forms_refuse_posts_without_csrf_token(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    assert browser.post_form("/password/forgot", {"email": email}).status_code == 403
    link = reset_link(browser, provider, email)
    response = browser.post_form(link, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert response.status_code == 403
    assert browser.get(link).status_code == 200  # still usable


@pytest.mark.parametrize(
    ("password", "repeat", "field", "text"),
    [
        ("kurz", None, "password", "mindestens 12 Zeichen"),
        ("passwort1234", None, "password", "sehr häufig verwendet"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "password_repeat", "stimmen nicht überein"),
        ("", None, "password", "Bitte geben Sie ein neues Passwort ein"),
    ],
)
def test_c04_reset_refuses_a_weak_or_mistyped_password(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    password: str,
    repeat: str | None,
    field: str,
    text: str,
) -> None:
    email = make_account(provider)
    link = reset_link(browser, provider, email)
    response = set_password(browser, link, password, repeat)
    assert response.status_code == 422
    assert text in response.text
    assert f'id="{field}"' in response.text and 'aria-invalid="true"' in response.text
    if password:
        assert f'value="{password}"' not in response.text  # nothing typed is sent back
    # nothing changed, and the link still works
    assert can_log_in(app_client, email, PASSWORD)
    assert set_password(browser, link, NEW_PASSWORD).status_code == 303


@pytest.mark.postgres
def test_c07_reset_ends_sessions_and_revokes_tokens(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    client = make_client(provider)
    rp, tokens = offline_tokens(app_client, browser, client, email)
    old_cookie = app_client.cookies.get("sk_session")
    assert old_cookie
    assert browser.get("/account").status_code == 200
    assert userinfo_status(app_client, tokens["access_token"]) == 200

    link = reset_link(browser, provider, email)
    done = set_password(browser, link, NEW_PASSWORD)
    assert done.status_code == 303

    # the old session cookie no longer opens the account pages
    app_client.cookies.set("sk_session", old_cookie)
    response = browser.get("/account")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    # refresh and access tokens are dead
    refreshed = rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert userinfo_status(app_client, tokens["access_token"]) == 401
    # and the client hears of it
    account_id = account_id_of(provider, email)
    logouts = [p for p in bcl_payloads(provider) if p.get("reason") == "password_reset"]
    with provider.sessions() as db:
        sids = set(
            db.scalars(
                select(Authorization.session_sid).where(
                    Authorization.client_id == client.client_id
                )
            )
        )
    assert len(sids) == 1 and None not in sids  # the tokens came from one browser session
    # named by its sid, because relying parties such as mod_auth_openidc act on `sid` only
    assert logouts == [
        {"client_id": client.client_id, "account_id": account_id, "sid": sids.pop(),
         "reason": "password_reset"}
    ]


def test_c07_reset_unlocks_a_locked_account(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    for _ in range(6):
        assert login(browser, email, "falsch-falsch-falsch").status_code == 200
    assert not can_log_in(app_client, email, PASSWORD)  # locked
    link = reset_link(browser, provider, email)
    assert set_password(browser, link, NEW_PASSWORD).status_code == 303
    assert can_log_in(app_client, email, NEW_PASSWORD)


# -- account deletion ------------------------------------------------------------------------------


def _add_identity_data(provider: Provider, account_id: str, data_dir: Path) -> str:
    """A PIN letter with its stored PDF, identity evidence and an e-mail token: the kinds of rows
    a registered person has besides sessions and grants. Returns the letter id."""
    now = provider.clock.now()
    with provider.sessions() as db:
        queued = queue_pin_letter(
            db, hashing=provider.hashing, account_id=account_id, register_record_id="R-TEST-1",
            recipient=Recipient(name="Erika Mustermann", street_line="Endertstraße 1",
                                postal_code="56812", locality="Cochem"),
            administration_slug=None, now=now,
        )
        db.add(IdentityEvidence(account_id=account_id, kind="register_letter",
                                register_record_id="R-TEST-0", letter_id=queued.letter_id,
                                verified_at=now))
        db.add(EmailToken(digest="d" * 64, account_id=account_id, purpose="verify_email",
                          created_at=now, expires_at=now))
        save_pdf(db, letter_id=queued.letter_id, pdf=b"%PDF-1.4 test", now=now)
        db.commit()
    # and a file an older version left in its data directory
    LetterStore(data_dir / "letters").save(queued.letter_id, b"%PDF-1.4 test")
    return queued.letter_id


def _rows(provider: Provider) -> list[tuple[str, dict[str, Any]]]:
    with provider.sessions() as db:
        return [
            (table.name, dict(row))
            for table in Base.metadata.sorted_tables
            for row in db.execute(select(table)).mappings()
        ]


def _mentions(row: dict[str, Any], *needles: str) -> bool:
    text = json.dumps(row, default=str, ensure_ascii=False)
    return any(needle in text for needle in needles)


def delete_via_pages(browser: Browser, password: str) -> httpx.Response:
    page = browser.get("/account/delete")
    assert page.status_code == 200, page.text[:300]
    return browser.post_form("/account/delete", {"password": password}, page)


def test_deletion_needs_the_current_password(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    assert login(browser, email, PASSWORD).status_code == 303
    account = browser.get("/account")
    assert 'href="/account/delete"' in account.text

    refused = delete_via_pages(browser, "nicht-mein-Passwort-1")
    assert refused.status_code == 422
    assert "error-summary" in refused.text and 'aria-invalid="true"' in refused.text
    assert browser.get("/account").status_code == 200  # still signed in, nothing deleted
    assert account_id_of(provider, email)
    # without a session the page sends the user to the login
    fresh = Browser(TestClient(app_client.app, base_url="http://testserver"))
    response = fresh.get("/account/delete")
    assert response.status_code == 303 and response.headers["location"] == "/login"


@pytest.mark.postgres
def test_v05_deletion_removes_everything_of_the_account(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    tmp_path: Path,
    jwks: dict[str, Any],
) -> None:
    email = make_account(provider)
    account_id = account_id_of(provider, email)
    letter_id = _add_identity_data(provider, account_id, tmp_path)
    client = make_client(provider, backchannel_logout_uri="https://rp.example/backchannel")
    other = make_client(provider, name="Anderes Portal")
    rp, tokens = offline_tokens(app_client, browser, client, email)
    _header, id_claims = decode_jwt(tokens["id_token"], jwks)
    full_login(browser, Rp(app_client, other), email)
    link = reset_link(browser, provider, email)  # a live reset token too
    old_cookie = app_client.cookies.get("sk_session")
    assert old_cookie
    before = {table for table, row in _rows(provider) if _mentions(row, account_id)}
    assert {"accounts", "account_attributes", "browser_sessions", "consents", "authorizations",
            "email_tokens", "identity_evidence", "letters"} <= before
    assert "blobs" in {table for table, _row in _rows(provider)}  # the letter's PDF
    # rows that hang off those by other keys (the only account of this test holds them all)
    chained = ("refresh_tokens", "authorization_codes", "session_clients")
    assert {table for table, _row in _rows(provider)} >= set(chained)

    response = delete_via_pages(browser, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/account/deleted"
    assert "sk_session" in response.headers.get("set-cookie", "")
    page = browser.follow(response)
    assert page.status_code == 200 and "Ihr Konto wurde gelöscht" in page.text

    # Every column that refers to accounts: only audit rows keep the bare id.
    rows = _rows(provider)
    for table, row in rows:
        for column, value in row.items():
            if column.endswith("account_id") or column in ("actor", "subject"):
                if table == "audit_events":
                    assert value in (f"account:{account_id}",) or account_id not in str(value)
                else:
                    assert account_id not in str(value), (table, column)
    # No row anywhere mentions the account or its address, except the audit log (the id only)
    # and the outbox: back-channel logouts still to be delivered (they need the id to compute
    # `sub`) and the mail telling the person their account is gone.
    for table, row in rows:
        if not _mentions(row, account_id, email):
            continue
        if table == "audit_events":
            assert not _mentions(row, email), row
            assert account_id not in json.dumps(row["details"]), row
        elif table == "outbox" and row["kind"] == "backchannel_logout":
            assert row["payload"]["account_id"] == account_id
            assert not _mentions(row, email)
        elif table == "outbox" and row["kind"] == "mail":
            assert row["payload"]["subject"] == "Ihr ServiceKonto wurde gelöscht", row
            assert not _mentions(row, account_id)
        else:
            raise AssertionError(f"{table} still holds {row}")
    assert not [table for table, _row in rows if table in (*chained, "blobs")]
    with provider.sessions() as db:
        audit = db.scalars(select(AuditEvent).where(AuditEvent.event == "account.deleted")).one()
        assert verify_chain(db)[0]  # the audit log is only appended to
    assert audit.actor == f"account:{account_id}"
    assert not (tmp_path / "letters" / f"{letter_id}.pdf").exists()

    # sessions, tokens and links are gone
    app_client.cookies.set("sk_session", old_cookie)
    assert browser.get("/account").headers["location"] == "/login"
    assert userinfo_status(app_client, tokens["access_token"]) == 401
    refreshed = rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.json()["error"] == "invalid_grant"
    assert browser.get(link).status_code == 400
    assert not can_log_in(app_client, email, PASSWORD)

    # both clients are told; the logout token needs no account row
    deleted = [p for p in bcl_payloads(provider) if p.get("reason") == "account_deleted"]
    assert sorted(p["client_id"] for p in deleted) == sorted([client.client_id, other.client_id])
    sent: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(receive)) as http:
        deliver_due(provider, http)
    [request] = [r for r in sent if r.url == "https://rp.example/backchannel"]
    logout_token = parse_qs(request.content.decode())["logout_token"][0]
    _h, claims = decode_jwt(logout_token, jwks)
    assert claims["sub"] == id_claims["sub"] and claims["aud"] == client.client_id
    assert "sid" not in claims


def test_deleted_address_can_register_again(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    assert login(browser, email, PASSWORD).status_code == 303
    assert delete_via_pages(browser, PASSWORD).status_code == 303
    with provider.sessions() as db:
        assert db.scalar(select(Account.id).where(Account.email == email)) is None
    make_account(provider, email)  # the unique address is free again
