"""Login means through the pages: binding a new means at the level it grants (TR-03160-1 §4.2/§4.3,
issue 15 item 2), removing and unblocking only with the strongest means (§4.4, issue 10 item 5),
a notice mail for every change, a step-up that offers only what works and always a way back to
the service (issue 10 item 10), and deleting an account opened with the eID (issue 10 item 4)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from servicekonto.accounts import means as login_means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, LoginMeans, OutboxMessage
from servicekonto.oidc.provider import Provider
from servicekonto.security import totp
from tests.eid_flow.test_step_up_pages import ESSENTIAL_SUBSTANTIAL, through_simulator
from tests.support import (
    PASSWORD,
    Browser,
    Rp,
    callback_params,
    consent_through_page,
    decode_jwt,
    login_through_pages,
    make_account,
    make_client,
)

SUBSTANTIAL_ACR = "http://eidas.europa.eu/LoA/substantial"
LOW_ACR = "http://eidas.europa.eu/LoA/low"


@pytest.fixture
def rp(app_client: TestClient, provider: Provider) -> Rp:
    return Rp(app_client, make_client(provider))


def fresh_browser(app_client: TestClient) -> Browser:
    return Browser(TestClient(app_client.app, base_url="http://testserver"))


def log_in(browser: Browser, email: str, password: str = PASSWORD) -> httpx.Response:
    page = browser.get("/login")
    return browser.post_form("/login", {"username": email, "password": password}, page)


def mails_to(provider: Provider, email: str) -> list[dict[str, str]]:
    with provider.sessions() as db:
        rows = db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "mail").order_by(OutboxMessage.id)
        ).all()
        return [dict(m.payload) for m in rows if m.payload.get("to") == email]


def subjects(provider: Provider, email: str) -> list[str]:
    return [m["subject"] for m in mails_to(provider, email)]


def totp_rows(provider: Provider, email: str) -> list[LoginMeans]:
    with provider.sessions() as db:
        account_id = db.scalar(select(Account.id).where(Account.email == email))
        return list(
            db.scalars(
                select(LoginMeans).where(
                    LoginMeans.account_id == account_id, LoginMeans.kind == "totp"
                )
            )
        )


def secret_from(page: httpx.Response) -> bytes:
    found = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)
    assert found, page.text[:500]
    text = found.group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def enrol_totp(browser: Browser, provider: Provider) -> tuple[bytes, httpx.Response]:
    """Enrol an authenticator at /account/security/totp; (secret, the recovery codes page)."""
    page = browser.get("/account/security/totp")
    assert page.status_code == 200, page.text[:300]
    secret = secret_from(page)
    means_id = re.search(r'name="means_id" value="([^"]+)"', page.text)
    assert means_id
    code = totp.code_at(secret, totp.time_step(provider.clock.now()))
    done = browser.post_form(
        "/account/security/totp", {"otp": code, "means_id": means_id.group(1), "next": ""}, page
    )
    assert done.status_code == 200, done.text[:300]
    return secret, done


def next_code(secret: bytes, clock: FixedClock) -> str:
    clock.advance(seconds=totp.PERIOD)  # a step not used before (RFC 6238 §5.2)
    return totp.code_at(secret, totp.time_step(clock.now()))


def erika_with_her_card(app_client: TestClient, provider: Provider) -> tuple[str, Browser]:
    """A register-verified account (Erika, as on the sample card) whose card is linked from
    the security page; the browser's session is `high`."""
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)
    browser = fresh_browser(app_client)
    log_in(browser, email)
    back = through_simulator(
        browser, browser.get("/account/security"), card="erika-mustermann", pin="123456"
    )
    assert back.headers["location"] == "/account/security?notice=eid_linked"
    return email, browser


def id_token(rp: Rp, response: httpx.Response, jwks: dict[str, Any]) -> dict[str, Any]:
    params = callback_params(response)
    tokens = rp.redeem(params["code"])
    assert tokens.status_code == 200, tokens.text
    return decode_jwt(tokens.json()["id_token"], jwks)[1]


def session_level(provider: Provider, email: str) -> list[str]:
    from servicekonto.db.models import BrowserSession

    with provider.sessions() as db:
        account_id = db.scalar(select(Account.id).where(Account.email == email))
        return [
            s.level
            for s in db.scalars(
                select(BrowserSession).where(BrowserSession.account_id == account_id)
            )
        ]


# -- issue 15 item 2: binding ----------------------------------------------------------------------


def test_tr03160_4_3_a_totp_enrolled_with_the_password_alone_never_reaches_substantial(
    app_client: TestClient, rp: Rp, provider: Provider, clock: FixedClock, jwks: dict[str, Any]
) -> None:
    """Issue 15 item 2: whoever knows Anna's password enrols an authenticator of their own; it
    stays on the account as `low` only, Anna is told, and no portal gets `substantial`."""
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)  # register-verified, no TOTP
    attacker = fresh_browser(app_client)
    assert log_in(attacker, email).headers["location"] == "/account"
    enrol_page = attacker.get("/account/security/totp")
    assert "zählt deshalb zunächst nur für das Vertrauensniveau „niedrig“" in enrol_page.text
    secret, codes_page = enrol_totp(attacker, provider)
    assert "/account/security?notice=totp_unbound" in codes_page.text
    assert session_level(provider, email) == ["low"]
    [row] = totp_rows(provider, email)
    assert row.state == "active" and row.bound_at is None

    [notice] = mails_to(provider, email)
    assert notice["subject"] == "Neues Anmeldemittel in Ihrem ServiceKonto"
    assert "Authenticator-App" in notice["body"] and "/account/security" in notice["body"]
    assert base64.b32encode(secret).decode().rstrip("=") not in notice["body"]

    # a portal asks for `substantial` (voluntary): password + the attacker's code stay `low`
    start = attacker.get(rp.authorize_url(acr_values=SUBSTANTIAL_ACR, prompt="login"))
    to_otp = login_through_pages(attacker, start, email)
    assert to_otp.headers["location"].endswith("/otp")
    otp_page = attacker.get(to_otp.headers["location"])
    step_up = attacker.follow(
        attacker.post_form(to_otp.headers["location"], {"otp": next_code(secret, clock)}, otp_page)
    )
    assert "Höheres Vertrauensniveau erforderlich" in step_up.text
    assert "/otp" not in " ".join(re.findall(r'action="([^"]+)"', step_up.text))
    assert "noch nicht bestätigt und reicht daher nicht" in step_up.text
    skip = re.search(r'action="(/interaction/[^"]+/skip-step-up)"', step_up.text)
    assert skip
    consent = attacker.follow(attacker.post_form(skip.group(1), {}, step_up))
    claims = id_token(rp, attacker.follow(consent_through_page(attacker, consent)), jwks)
    assert claims["acr"] == LOW_ACR
    assert set(claims["amr"]) >= {"pwd", "otp"}

    # essential `substantial`: no TOTP form, no enrolment, and "Zurück zum Dienst" answers the
    # portal with an OAuth error at its redirect_uri
    start = attacker.get(rp.authorize_url(claims=ESSENTIAL_SUBSTANTIAL))
    step_up = attacker.follow(start)
    assert "Höheres Vertrauensniveau erforderlich" in step_up.text
    assert "/account/security/totp" not in step_up.text
    assert 'name="otp"' not in step_up.text
    assert "Zurück zum Dienst" in step_up.text
    cancel = re.search(r'action="(/interaction/[^"]+/cancel)"', step_up.text)
    assert cancel
    back = attacker.post_form(cancel.group(1), {}, step_up)
    assert back.headers["location"].startswith(rp.client.redirect_uri)
    params = callback_params(back)
    assert params["error"] == "access_denied" and params["state"] == rp.state


def test_tr03160_4_3_an_unbound_totp_is_bound_after_an_eid_login_and_then_reaches_substantial(
    app_client: TestClient, rp: Rp, provider: Provider, clock: FixedClock, jwks: dict[str, Any]
) -> None:
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)  # Erika, as on the sample card
    browser = fresh_browser(app_client)
    log_in(browser, email)
    secret, _codes = enrol_totp(browser, provider)
    security = browser.get("/account/security")
    assert "Noch nicht bestätigt" in security.text
    [row] = totp_rows(provider, email)
    assert "/bind" not in security.text  # a `low` session cannot bind
    refused = browser.post_form(f"/account/security/{row.id}/bind", {}, security)
    assert refused.status_code == 403
    assert "erst nach einer Anmeldung mit dem Online-Ausweis" in refused.text
    assert totp_rows(provider, email)[0].bound_at is None

    # the eID from the security page links the card (and tells the holder), session `high`
    back = through_simulator(browser, security, card="erika-mustermann", pin="123456")
    assert back.headers["location"] == "/account/security?notice=eid_linked"
    assert "Online-Ausweis mit Ihrem ServiceKonto verbunden" in subjects(provider, email)
    security = browser.get(back.headers["location"])
    bound = browser.post_form(f"/account/security/{row.id}/bind", {}, security)
    assert bound.headers["location"] == "/account/security?notice=totp_bound"
    assert totp_rows(provider, email)[0].bound_at is not None
    assert "Anmeldemittel in Ihrem ServiceKonto bestätigt" in subjects(provider, email)

    # from now on password + code is `substantial`
    portal = fresh_browser(app_client)
    start = portal.get(rp.authorize_url(claims=ESSENTIAL_SUBSTANTIAL))
    to_otp = login_through_pages(portal, start, email)
    otp_page = portal.get(to_otp.headers["location"])
    consent = portal.follow(
        portal.post_form(to_otp.headers["location"], {"otp": next_code(secret, clock)}, otp_page)
    )
    claims = id_token(rp, portal.follow(consent_through_page(portal, consent)), jwks)
    assert claims["acr"] == SUBSTANTIAL_ACR
    assert set(claims["amr"]) >= {"pwd", "otp"}


def test_tr03160_4_2_a_totp_enrolled_in_an_eid_session_is_bound_at_once(
    app_client: TestClient, provider: Provider
) -> None:
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)
    browser = fresh_browser(app_client)
    log_in(browser, email)
    back = through_simulator(
        browser, browser.get("/account/security"), card="erika-mustermann", pin="123456"
    )
    assert back.status_code == 303
    enrol_page = browser.get("/account/security/totp")
    assert "Sie sind nur mit Ihrem Passwort angemeldet" not in enrol_page.text
    _secret, codes_page = enrol_totp(browser, provider)
    assert "/account/security?notice=totp_enrolled" in codes_page.text
    [row] = totp_rows(provider, email)
    assert row.bound_at is not None


# -- issue 10 item 10: the step-up offers only what works, and a way back -------------------------


def test_issue10_10_step_up_with_a_linked_card_offers_the_eid_and_a_way_back(
    app_client: TestClient, rp: Rp, provider: Provider
) -> None:
    email, browser = erika_with_her_card(app_client, provider)
    browser.post_form("/account/logout", {}, browser.get("/account"))

    start = browser.get(rp.authorize_url(claims=ESSENTIAL_SUBSTANTIAL))
    step_up = browser.follow(login_through_pages(browser, start, email))
    assert "Höheres Vertrauensniveau erforderlich" in step_up.text
    assert "/eid/start" in step_up.text
    assert "Authenticator-App einrichten" not in step_up.text
    pending = re.search(r'action="/interaction/([^"/]+)/cancel"', step_up.text)
    assert pending

    # an old enrolment link with `next` is no dead end either: the way back to the service
    old_link = browser.get(f"/account/security/totp?next=/interaction/{pending.group(1)}")
    assert old_link.status_code == 403
    assert f'href="/interaction/{pending.group(1)}">Zurück zum Dienst' in old_link.text

    page = browser.get(f"/interaction/{pending.group(1)}")
    back = browser.post_form(f"/interaction/{pending.group(1)}/cancel", {}, page)
    params = callback_params(back)
    assert urlsplit(back.headers["location"]).path == urlsplit(rp.client.redirect_uri).path
    assert params["error"] == "access_denied" and params["state"] == rp.state


# -- issue 10 item 5: removing and unblocking need the strongest means --------------------------


def bound_totp(app_client: TestClient, provider: Provider, email: str) -> list[str]:
    """Give the account a bound TOTP as if enrolled after an eID login; its recovery codes."""
    sealer = app_client.app.state.totp_sealer  # type: ignore[attr-defined]
    with provider.sessions() as db:
        account_id = db.scalar(select(Account.id).where(Account.email == email))
        assert account_id
        started = login_means.start_totp_enrolment(
            db,
            account_id=account_id,
            sealer=sealer,
            now=provider.clock.now(),
            account_name=email,
            issuer="ServiceKonto",
        )
        text = started.secret_base32
        secret = base64.b32decode(text + "=" * (-len(text) % 8))
        codes = login_means.confirm_totp_enrolment(
            db,
            account_id=account_id,
            means_id=started.means_id,
            code=totp.code_at(secret, totp.time_step(provider.clock.now())),
            sealer=sealer,
            now=provider.clock.now(),
            bind=True,
        )
        db.commit()
    return codes


def test_tr03160_4_4_the_password_alone_blocks_but_cannot_remove_a_bound_second_factor(
    app_client: TestClient, provider: Provider
) -> None:
    """Issue 10 item 5: password, "Ohne zweiten Faktor fortfahren", block, remove."""
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)
    recovery_codes = bound_totp(app_client, provider, email)
    browser = fresh_browser(app_client)
    assert log_in(browser, email).headers["location"] == "/login/otp"
    security = browser.get("/account/security")  # going on without the second factor: `low`
    [row] = totp_rows(provider, email)

    blocked = browser.post_form(f"/account/security/{row.id}/block", {}, security)
    assert blocked.headers["location"] == "/account/security?notice=blocked"
    assert "Anmeldemittel in Ihrem ServiceKonto gesperrt" in subjects(provider, email)

    security = browser.get("/account/security")
    assert "Code aus der App oder Wiederherstellungscode" in security.text
    for action in ("remove", "unblock"):
        refused = browser.post_form(
            f"/account/security/{row.id}/{action}", {"password": PASSWORD}, security
        )
        assert refused.status_code == 400
        assert "Die Bestätigung hat nicht geklappt" in refused.text
    assert [r.state for r in totp_rows(provider, email)] == ["blocked"]
    assert "Anmeldemittel aus Ihrem ServiceKonto entfernt" not in subjects(provider, email)

    # the holder's recovery path: the password with one of the recovery codes of the app
    unblocked = browser.post_form(
        f"/account/security/{row.id}/unblock",
        {"password": PASSWORD, "otp": recovery_codes[0]},
        security,
    )
    assert unblocked.headers["location"] == "/account/security?notice=unblocked"
    assert [r.state for r in totp_rows(provider, email)] == ["active"]
    assert "Anmeldemittel in Ihrem ServiceKonto entsperrt" in subjects(provider, email)

    security = browser.get("/account/security")
    replayed = browser.post_form(
        f"/account/security/{row.id}/remove",
        {"password": PASSWORD, "otp": recovery_codes[0]},
        security,
    )
    assert replayed.status_code == 400  # a recovery code is good once
    removed = browser.post_form(
        f"/account/security/{row.id}/remove",
        {"password": PASSWORD, "otp": recovery_codes[1]},
        security,
    )
    assert removed.headers["location"] == "/account/security?notice=removed"
    assert totp_rows(provider, email) == []
    assert "Anmeldemittel aus Ihrem ServiceKonto entfernt" in subjects(provider, email)
    for mail in mails_to(provider, email):
        assert not any(code in mail["body"] for code in recovery_codes)


def test_tr03160_4_4_an_unbound_totp_is_removed_with_the_password(
    app_client: TestClient, provider: Provider
) -> None:
    """An authenticator enrolled with the password alone counts `low`: the password is the
    strongest means, and the holder removes a stranger's authenticator with it."""
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)
    browser = fresh_browser(app_client)
    log_in(browser, email)
    enrol_totp(browser, provider)
    [row] = totp_rows(provider, email)
    security = browser.get("/account/security")
    wrong = browser.post_form(
        f"/account/security/{row.id}/remove", {"password": "falsch-falsch-1"}, security
    )
    assert wrong.status_code == 400
    removed = browser.post_form(
        f"/account/security/{row.id}/remove", {"password": PASSWORD}, security
    )
    assert removed.headers["location"] == "/account/security?notice=removed"
    assert totp_rows(provider, email) == []


def test_tr03160_4_4_with_a_card_linked_removal_needs_a_fresh_eid_login(
    app_client: TestClient, provider: Provider, clock: FixedClock
) -> None:
    email, browser = erika_with_her_card(app_client, provider)
    with provider.sessions() as db:
        [card] = db.scalars(select(LoginMeans).where(LoginMeans.kind == "eid")).all()
    clock.advance(minutes=6)
    security = browser.get("/account/security")
    assert "melden Sie sich bitte zuerst mit Ihrem Online-Ausweis an" in security.text
    refused = browser.post_form(
        f"/account/security/{card.id}/remove", {"password": PASSWORD}, security
    )
    assert refused.status_code == 400
    back = through_simulator(browser, security, card="erika-mustermann", pin="123456")
    assert back.headers["location"] == "/account/security?notice=eid_confirmed"
    security = browser.get(back.headers["location"])
    removed = browser.post_form(f"/account/security/{card.id}/remove", {}, security)
    assert removed.headers["location"] == "/account/security?notice=removed"
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(LoginMeans)) == 0
    [notice] = [m for m in mails_to(provider, email) if "entfernt" in m["subject"]]
    assert "Online-Ausweis" in notice["body"]


# -- issue 10 item 4: deleting an account opened with the eID --------------------------------------


def _jurgen(browser: Browser) -> None:
    back = through_simulator(
        browser, browser.get("/login"), card="juergen-weissmueller", pin="333333"
    )
    assert back.headers["location"] == "/account?notice=eid_registered"


def test_v05_an_eid_account_is_deleted_right_after_its_eid_login(
    app_client: TestClient, provider: Provider
) -> None:
    browser = fresh_browser(app_client)
    _jurgen(browser)
    page = browser.get("/account/delete")
    assert page.status_code == 200
    assert 'name="password"' not in page.text
    assert "Sie haben sich gerade mit Ihrem Online-Ausweis angemeldet" in page.text
    done = browser.post_form("/account/delete", {}, page)
    assert done.headers["location"] == "/account/deleted"
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Account)) == 0


def test_v05_an_eid_account_confirms_a_late_deletion_with_the_eid_again(
    app_client: TestClient, provider: Provider, clock: FixedClock
) -> None:
    browser = fresh_browser(app_client)
    _jurgen(browser)
    clock.advance(minutes=6)
    page = browser.get("/account/delete")
    assert 'name="password"' not in page.text
    assert "Ihr Konto hat kein Passwort" in page.text
    refused = browser.post_form("/account/delete", {}, page)
    assert refused.status_code == 422
    assert "mehr als 5 Minuten zurück" in refused.text
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Account)) == 1

    back = through_simulator(browser, page, card="juergen-weissmueller", pin="333333")
    assert back.headers["location"] == "/account/delete"
    page = browser.get("/account/delete")
    done = browser.post_form("/account/delete", {}, page)
    assert done.headers["location"] == "/account/deleted"
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Account)) == 0


def test_v05_a_password_account_still_deletes_with_its_password_only(
    app_client: TestClient, provider: Provider
) -> None:
    email = make_account(provider)
    browser = fresh_browser(app_client)
    log_in(browser, email)
    page = browser.get("/account/delete")
    assert 'name="password"' in page.text and "/eid/start" not in page.text
    refused = browser.post_form("/account/delete", {}, page)
    assert refused.status_code == 422
    done = browser.post_form("/account/delete", {"password": PASSWORD}, page)
    assert done.headers["location"] == "/account/deleted"


# -- binding by a fresh PIN letter (TR-03160-1 §4.3) -----------------------------------------------


def _registered_with_an_unbound_totp(
    app_client: TestClient, provider: Provider, tmp_path: Path
) -> tuple[Browser, bytes, str]:
    """Jürgen registers (PIN letter on its way), confirms his e-mail address and sets up an
    authenticator with the password alone; (browser, TOTP secret, the letter's code)."""
    from tests.registration import test_flow as flow

    browser = fresh_browser(app_client)
    assert flow.register(browser, flow.TYPED).status_code == 303
    [mail] = flow.mails_to(provider, flow.TYPED["email"])
    link = re.search(r"http://testserver(/register/confirm/\S+)", mail["body"])
    assert link
    browser.get(link.group(1))
    _letter, text = flow.letter_pdf_text(provider, tmp_path)
    code = flow.CODE.search(text)
    assert code
    log_in(browser, flow.TYPED["email"], flow.PASSWORD)
    secret, _codes = enrol_totp(browser, provider)
    assert totp_rows(provider, flow.TYPED["email"])[0].bound_at is None
    return browser, secret, code.group(1)


def test_tr03160_4_3_a_pin_letter_entered_after_the_totp_binds_it(
    app_client: TestClient, provider: Provider, clock: FixedClock, tmp_path: Path
) -> None:
    from tests.registration import test_flow as flow

    email = flow.TYPED["email"]
    browser, secret, letter_code = _registered_with_an_unbound_totp(app_client, provider, tmp_path)
    browser.post_form("/account/logout", {}, browser.get("/account"))
    assert log_in(browser, email, flow.PASSWORD).headers["location"] == "/login/otp"
    otp_page = browser.get("/login/otp")
    browser.post_form("/login/otp", {"otp": next_code(secret, clock)}, otp_page)
    assert session_level(provider, email) == ["low"]  # basic identity, unbound TOTP

    identity = browser.get("/account/identity")
    done = browser.post_form("/account/identity", {"activation_code": letter_code}, identity)
    assert done.headers["location"] == "/account/identity?notice=activated"
    assert totp_rows(provider, email)[0].bound_at is not None
    assert "Anmeldemittel in Ihrem ServiceKonto bestätigt" in subjects(provider, email)

    browser.post_form("/account/logout", {}, browser.get("/account"))
    log_in(browser, email, flow.PASSWORD)
    browser.post_form("/login/otp", {"otp": next_code(secret, clock)}, browser.get("/login/otp"))
    assert session_level(provider, email) == ["substantial"]


def test_tr03160_4_3_a_pin_letter_entered_with_the_password_alone_binds_nothing(
    app_client: TestClient, provider: Provider, tmp_path: Path
) -> None:
    """The holder's own password session (no code from the app) must not bind an authenticator
    that someone else may have set up."""
    from tests.registration import test_flow as flow

    browser, _secret, letter_code = _registered_with_an_unbound_totp(app_client, provider, tmp_path)
    browser.post_form("/account/logout", {}, browser.get("/account"))
    # the holder logs in and goes on without the (stranger's?) app: `amr` is ["pwd"]
    assert log_in(browser, flow.TYPED["email"], flow.PASSWORD).headers["location"] == "/login/otp"
    identity = browser.get("/account/identity")
    done = browser.post_form("/account/identity", {"activation_code": letter_code}, identity)
    assert done.headers["location"] == "/account/identity?notice=activated"
    assert totp_rows(provider, flow.TYPED["email"])[0].bound_at is None
