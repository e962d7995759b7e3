"""The citizen's Postfach pages (issue 13 item 2): the list with unread count, filters, paging and
the § 9 OZG delivery date; reading gated by the session's level with the step-up of DESIGN §4
that comes back to the message; read once; attachments as safe downloads; the status timeline;
deleting with confirmation and CSRF; another person's message is 404.

Messages are deposited through the domain (`tests.postfach.conftest.Postfach`), on the same
database, clock and settings as the app under test."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from servicekonto.accounts import means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.db.models import AuditEvent, PostfachAttachment, PostfachMessage
from servicekonto.oidc.provider import Provider
from servicekonto.postfach import status
from servicekonto.postfach.schemas import StatusUpdateRequest
from servicekonto.security import totp
from servicekonto.security.sealing import Sealer
from servicekonto.web.routes.signin import EID_AMR
from tests.postfach.conftest import PDF, Postfach, attachment, message
from tests.support import Browser, account_id_of, make_account, start_browser_session

APPLICATION = "5f0c3a9e-1d2b-4c5d-8e9f-0a1b2c3d4e5f"
BODY = "anbei Ihr Bescheid."


def sign_in(app_client: TestClient, pf: Postfach, account_id: str,
            level: TrustLevel = TrustLevel.SUBSTANTIAL) -> None:
    """A browser session of the account at `level` (password, plus code above `low`)."""
    amr = EID_AMR if level == TrustLevel.HIGH else ["pwd"] if level == TrustLevel.LOW else [
        "pwd", "otp"]
    cookie, _ = start_browser_session(pf.sessions, account_id=account_id, level=level, amr=amr,
                                      now=pf.now)
    app_client.cookies.set("sk_session", cookie)


def sealer(app_client: TestClient) -> Sealer:
    found: Sealer = app_client.app.state.totp_sealer  # type: ignore[attr-defined]
    return found


def reads(pf: Postfach, message_id: str) -> int:
    return pf.count(AuditEvent, AuditEvent.event == "postfach.read",
                    AuditEvent.details["message"].as_string() == message_id)


@pytest.fixture
def recipient(pf: Postfach, client_id: str) -> tuple[str, str]:
    return pf.recipient(client_id)


# -- the list ------------------------------------------------------------------------------------


def test_the_list_shows_titles_unread_count_and_the_delivery_date_in_german(
    app_client: TestClient, pf: Postfach, client_id: str, recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    pf.clock.set(pf.clock.now().replace(year=2026, month=3, day=2, hour=9))  # a Monday
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    sign_in(app_client, pf, account_id, TrustLevel.LOW)

    page = app_client.get("/postfach")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Sie haben 1 ungelesene Nachricht." in page.text
    assert f'href="/postfach/{sent.message_id}"' in page.text
    assert "Ihr Bescheid über die Hundesteuer" in page.text
    assert "Verbandsgemeinde Cochem" in page.text
    assert "06.03.2026" in page.text  # provided Monday 2 March, delivered on the 4th day after
    assert "§ 9 Abs. 1 Satz 4 OZG" in page.text
    assert BODY not in page.text  # the list never shows a body
    # the header's navigation and the account page link to it with the unread count
    assert re.search(r'<a href="/postfach"[^>]*>Postfach <span class="tag">1 ungelesen', page.text)
    account = app_client.get("/account")
    assert 'href="/postfach"' in account.text and "1 ungelesene Nachricht" in account.text


def test_paging_shows_twenty_per_page_newest_first_with_links(
    app_client: TestClient, pf: Postfach, client_id: str, recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    for n in range(25):
        pf.clock.advance(seconds=60)
        pf.deposit(client_id, message(sub, title=f"Nachricht Nummer {n:02d}"))
    sign_in(app_client, pf, account_id)

    first = app_client.get("/postfach")
    assert "Nachrichten 1 bis 20 von 25" in first.text
    assert "Nachricht Nummer 24" in first.text and "Nachricht Nummer 04" not in first.text
    assert "Seite 1 von 2" in first.text
    assert 'href="/postfach?page=2" rel="next"' in first.text
    second = app_client.get("/postfach?page=2")
    assert "Nachrichten 21 bis 25 von 25" in second.text
    assert [f"Nachricht Nummer {n:02d}" in second.text for n in (4, 0, 5)] == [True, True, False]
    assert 'href="/postfach?page=1" rel="prev"' in second.text
    # a page number that is not one falls back to the first page, never a 500
    assert "Nachrichten 1 bis 20" in app_client.get("/postfach?page=x").text
    assert "Nachrichten 21 bis 25 von 25" in app_client.get("/postfach?page=9").text


def test_filters_unread_service_and_application(
    app_client: TestClient, pf: Postfach, client_id: str, recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    dog = pf.deposit(client_id, message(sub, title="Hund", min_level="low"))
    pf.deposit(client_id, message(sub, title="Sperrmüll-Termin", service="Sperrmüll",
                                  application_id="SPM-2026-7", min_level="low"))
    sign_in(app_client, pf, account_id)
    assert app_client.get(f"/postfach/{dog.message_id}").status_code == 200  # read now

    def titles(query: str) -> set[str]:
        text = app_client.get(f"/postfach?{query}").text
        return {t for t in ("Hund", "Sperrmüll-Termin") if f">{t}<" in text}

    assert titles("") == {"Hund", "Sperrmüll-Termin"}
    assert titles("unread=1") == {"Sperrmüll-Termin"}
    assert titles("service=Hundeanmeldung") == {"Hund"}
    assert titles("application=SPM-2026-7") == {"Sperrmüll-Termin"}
    assert titles("service=Hundeanmeldung&unread=1") == set()
    page = app_client.get("/postfach?service=Sperrm%C3%BCll")
    assert '<option value="Sperrmüll" selected>' in page.text  # the form keeps the filter
    assert "Sie haben 1 ungelesene Nachricht." in page.text  # the count is the whole Postfach's


# -- reading, level gating, step-up --------------------------------------------------------------


def test_a_low_session_sees_the_subject_not_the_body_and_the_step_up_opens_it(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str
) -> None:
    provider: Provider = app_client.app.state.provider  # type: ignore[attr-defined]
    account_id = account_id_of(provider, make_account(provider, level=TrustLevel.SUBSTANTIAL))
    with pf.sessions() as db:
        secret = means.set_up_bound_totp(db, account_id=account_id, sealer=sealer(app_client),
                                         now=pf.now)
        db.commit()
    sub = pf.subject(account_id, client_id)
    pf.consent(account_id, client_id)
    sent = pf.deposit(client_id, message(sub, content=BODY, attachments=[attachment(PDF)]))
    sign_in(app_client, pf, account_id, TrustLevel.LOW)

    locked = app_client.get(f"/postfach/{sent.message_id}")
    assert locked.status_code == 200
    assert "Ihr Bescheid über die Hundesteuer" in locked.text  # the subject stays visible
    assert "Verbandsgemeinde Cochem" in locked.text
    assert BODY not in locked.text and "Bescheid.pdf" not in locked.text
    assert "nur mit dem Vertrauensniveau „substantiell“ lesbar" in locked.text
    assert reads(pf, sent.message_id) == 0
    step_up = re.search(r'<a class="button" href="(/login/otp\?next=[^"]+)"', locked.text)
    assert step_up, locked.text
    assert step_up.group(1) == f"/login/otp?next=%2Fpostfach%2F{sent.message_id}"

    prompt = browser.get(step_up.group(1).replace("&amp;", "&"))
    pf.clock.advance(seconds=30)
    code = totp.code_at(secret, totp.time_step(pf.now))
    done = browser.post_form(step_up.group(1), {"otp": code}, prompt)
    assert done.status_code == 303
    assert done.headers["location"] == f"/postfach/{sent.message_id}"  # back to the message
    opened = browser.get(done.headers["location"])
    assert opened.status_code == 200 and BODY in opened.text
    assert "Bescheid.pdf" in opened.text
    assert reads(pf, sent.message_id) == 1


def test_a_high_message_offers_the_online_ausweis_not_the_app(
    app_client: TestClient, pf: Postfach, client_id: str, recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(sub, min_level="high", content=BODY))
    sign_in(app_client, pf, account_id, TrustLevel.SUBSTANTIAL)
    locked = app_client.get(f"/postfach/{sent.message_id}")
    assert BODY not in locked.text and "„hoch“ lesbar" in locked.text
    assert "/login/otp" not in locked.text
    assert 'name="purpose" value="step_up"' in locked.text
    sign_in(app_client, pf, account_id, TrustLevel.HIGH)
    assert BODY in app_client.get(f"/postfach/{sent.message_id}").text


def test_opening_marks_the_message_read_exactly_once(
    app_client: TestClient, pf: Postfach, client_id: str, recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(sub, content=BODY))
    sign_in(app_client, pf, account_id)
    for _ in range(3):
        assert BODY in app_client.get(f"/postfach/{sent.message_id}").text
    assert reads(pf, sent.message_id) == 1
    with pf.sessions() as db:
        row = db.get(PostfachMessage, sent.message_id)
        assert row is not None and row.read_at is not None and row.read_by == account_id
    assert "Sie haben 0 ungelesene Nachrichten." in app_client.get("/postfach").text


# -- attachments ---------------------------------------------------------------------------------


def test_attachments_download_safely_and_only_at_the_level(
    app_client: TestClient, pf: Postfach, client_id: str, recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(
        sub, attachments=[attachment(PDF, filename="Bescheid Grünstraße.pdf")]))
    (attachment_id,) = sent.attachment_ids
    url = f"/postfach/{sent.message_id}/attachments/{attachment_id}"

    sign_in(app_client, pf, account_id, TrustLevel.LOW)
    refused = app_client.get(url, follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == f"/postfach/{sent.message_id}"  # offers the step-up
    assert reads(pf, sent.message_id) == 0

    sign_in(app_client, pf, account_id, TrustLevel.SUBSTANTIAL)
    page = app_client.get(f"/postfach/{sent.message_id}")
    assert f'href="{url}" download' in page.text
    download = app_client.get(url)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Bescheid Grunstrae.pdf\"; "
        "filename*=UTF-8''Bescheid%20Gr%C3%BCnstra%C3%9Fe.pdf"
    )
    assert download.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "no-store"
    assert reads(pf, sent.message_id) == 1
    assert app_client.get(f"/postfach/{sent.message_id}/attachments/nope").status_code == 404


# -- another person's message --------------------------------------------------------------------


def test_another_persons_message_is_404_everywhere(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    _owner, sub = recipient
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    stranger, _ = pf.recipient(client_id)
    sign_in(app_client, pf, stranger)
    base = f"/postfach/{sent.message_id}"
    for url in (base, f"{base}/attachments/{sent.attachment_ids[0]}", f"{base}/delete",
                f"/postfach/applications/{APPLICATION}"):
        response = app_client.get(url, follow_redirects=False)
        assert response.status_code == 404, url
        assert "Ihr Bescheid" not in response.text
    refused = browser.post_form(f"{base}/delete", {}, browser.get("/account"))
    assert refused.status_code == 404
    assert pf.count(PostfachMessage, PostfachMessage.id == sent.message_id) == 1
    assert reads(pf, sent.message_id) == 0


def test_without_a_session_the_pages_lead_to_the_login(app_client: TestClient) -> None:
    response = app_client.get("/postfach", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# -- deleting ------------------------------------------------------------------------------------


def test_deleting_asks_for_confirmation_needs_the_csrf_token_and_removes_the_attachments(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    blobs_before = pf.blob_count()
    sign_in(app_client, pf, account_id, TrustLevel.LOW)  # deleting needs no step-up
    confirm = browser.get(f"/postfach/{sent.message_id}/delete")
    assert confirm.status_code == 200
    assert "endgültig löschen?" in confirm.text
    assert "Ihr Bescheid über die Hundesteuer" in confirm.text
    # a `low` session cannot copy a `substantial` message's body: no offer to keep it
    assert 'name="keep_in_safe"' not in confirm.text
    assert "erst möglich, wenn Sie die Nachricht mit dem Vertrauensniveau „substantiell“" in (
        confirm.text)

    no_token = browser.post_form(f"/postfach/{sent.message_id}/delete", {})
    assert no_token.status_code == 403
    foreign = browser.http.post(f"/postfach/{sent.message_id}/delete",
                                data={"csrf_token": "x"}, headers={"Origin": "https://evil.example"},
                                follow_redirects=False)
    assert foreign.status_code == 403
    assert pf.count(PostfachMessage, PostfachMessage.id == sent.message_id) == 1

    done = browser.post_form(f"/postfach/{sent.message_id}/delete", {}, confirm)
    assert done.status_code == 303 and done.headers["location"] == "/postfach?notice=deleted"
    assert "Die Nachricht wurde gelöscht." in browser.get(done.headers["location"]).text
    assert pf.count(PostfachMessage, PostfachMessage.id == sent.message_id) == 0
    assert pf.count(PostfachAttachment) == 0
    assert pf.blob_count() < blobs_before
    assert browser.get(f"/postfach/{sent.message_id}").status_code == 404


# -- the status timeline -------------------------------------------------------------------------


def _status(pf: Postfach, client_id: str, sub: str, value: str, **extra: Any) -> None:
    with pf.sessions() as db:
        status.add_status(db, client_id=client_id, request=StatusUpdateRequest.model_validate({
            "recipient": {"sub": sub}, "application_id": APPLICATION, "status": value,
            "public_service_name": "Hundeanmeldung", "sender_name": "VG Cochem", **extra,
        }), now=pf.now)
        db.commit()


def test_the_timeline_shows_status_updates_and_messages_in_german(
    app_client: TestClient, pf: Postfach, client_id: str, recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    _status(pf, client_id, sub, "SUBMITTED")
    pf.clock.advance(seconds=3600)
    _status(pf, client_id, sub, "ACTION_REQUIRED", status_details="Nachweis fehlt")
    pf.clock.advance(seconds=3600)
    sent = pf.deposit(client_id, message(sub, application_id=APPLICATION))
    pf.clock.advance(seconds=3600)
    _status(pf, client_id, sub, "COMPLETED")
    sign_in(app_client, pf, account_id, TrustLevel.LOW)

    page = app_client.get(f"/postfach/applications/{APPLICATION}")
    assert page.status_code == 200
    text = page.text
    order = [text.index(s) for s in ("Antrag abgeschickt", "Ihre Mitwirkung ist erforderlich",
                                     f'href="/postfach/{sent.message_id}"', "Verlauf")]
    assert order[3] < order[0] < order[1] < order[2]
    assert "Nachweis fehlt" in text
    assert re.search(r"Aktueller Stand</dt><dd><strong>Abgeschlossen<", text)
    listing = app_client.get("/postfach")
    assert f'href="/postfach/applications/{APPLICATION}"' in listing.text
    assert app_client.get("/postfach/applications/unknown-1").status_code == 404


