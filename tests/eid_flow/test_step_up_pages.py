"""Step-up through the pages (issue 4 "Done means"): a password session asked for `high` goes
through the AusweisApp simulator; asked for `substantial` it is offered TOTP enrolment or eID;
the ID token answers with the reached level in the vocabulary asked, never lower for an essential
request and never higher than reached."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from servicekonto.accounts.levels import TrustLevel
from servicekonto.db.models import Account, BrowserSession, EidTransaction, LoginMeans
from servicekonto.oidc.provider import Provider
from tests.support import (
    Browser,
    Rp,
    callback_params,
    confirm_by_page,
    consent_through_page,
    decode_jwt,
    login_through_pages,
    make_account,
    make_client,
)

ESSENTIAL_HIGH = json.dumps(
    {"id_token": {"acr": {"essential": True, "values": ["http://eidas.europa.eu/LoA/high"]}}}
)
ESSENTIAL_SUBSTANTIAL = json.dumps(
    {"id_token": {"acr": {"essential": True, "values": ["http://eidas.europa.eu/LoA/substantial"]}}}
)
FORM = re.compile(r'<form[^>]*action="([^"]*)"')


@pytest.fixture
def rp(app_client: TestClient, provider: Provider) -> Rp:
    return Rp(app_client, make_client(provider))


def _form_action(page: httpx.Response, contains: str) -> str:
    for action in FORM.findall(page.text):
        if contains in action:
            return str(action)
    raise AssertionError(f"no form with {contains} in {FORM.findall(page.text)}")


def _eid_form(page: httpx.Response) -> dict[str, str]:
    form = re.search(r'<form[^>]*action="/eid/start".*?</form>', page.text, re.S)
    assert form, "no Online-Ausweis button on the page"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))


def through_simulator(
    browser: Browser, page: httpx.Response, *, card: str, pin: str, action: str = "authenticate"
) -> httpx.Response:
    """Press the eID button on `page`, run the simulator, return our answer to the return."""
    fields = _eid_form(page)
    fields.pop("csrf_token")
    started = browser.post_form("/eid/start", fields, page)
    assert started.status_code == 303, started.text[:300]
    simulator_url = started.headers["location"].removeprefix("http://testserver")
    assert simulator_url.startswith("/mock/eid/simulator/")
    simulator = browser.get(simulator_url)
    assert simulator.status_code == 200
    done = browser.post_form(
        simulator_url, _simulator_fields(simulator, card, pin, action), simulator
    )
    assert done.status_code == 303, done.text[:300]
    return browser.get(done.headers["location"].removeprefix("http://testserver"))


def _simulator_fields(
    simulator: httpx.Response, card: str, pin: str, action: str
) -> list[tuple[str, str]]:
    """What a browser submits: the optional data stay ticked, as the form shows them."""
    released = re.findall(r'name="release" value="([^"]+)" checked', simulator.text)
    assert released, "the simulator offers no optional data"
    return [("card", card), ("pin", pin), ("action", action)] + [("release", r) for r in released]


def _id_token(rp: Rp, page: httpx.Response, jwks: dict[str, Any]) -> dict[str, Any]:
    params = callback_params(page)
    assert params["state"] == rp.state
    tokens = rp.redeem(params["code"])
    assert tokens.status_code == 200, tokens.text
    _header, claims = decode_jwt(tokens.json()["id_token"], jwks)
    return claims


def test_design_4_password_session_steps_up_to_high_with_the_eid(
    browser: Browser, rp: Rp, provider: Provider, jwks: dict[str, Any]
) -> None:
    email = make_account(provider)  # Erika Mustermann, as on the sample card
    start = browser.get(rp.authorize_url(claims=ESSENTIAL_HIGH))
    step_up = browser.follow(login_through_pages(browser, start, email))
    assert "Höheres Vertrauensniveau erforderlich" in step_up.text
    assert "skip-step-up" not in step_up.text  # essential: no way around it

    back = through_simulator(browser, step_up, card="erika-mustermann", pin="123456")
    consent = browser.follow(back)
    claims = _id_token(rp, browser.follow(consent_through_page(browser, consent)), jwks)

    assert claims["acr"] == "http://eidas.europa.eu/LoA/high"
    assert "hwk" in claims["amr"] and "pwd" in claims["amr"]
    with provider.sessions() as db:
        account = db.scalar(select(Account).where(Account.email == email))
        assert account is not None
        means = db.scalars(select(LoginMeans).where(LoginMeans.account_id == account.id)).all()
        assert [m.kind for m in means] == ["eid"]
        levels = {a.name: a.level for a in account.attributes}
        assert levels["family_name"] == "high" and levels["birthdate"] == "high"


def test_design_4_step_up_answers_in_the_vocabulary_asked(
    browser: Browser, rp: Rp, provider: Provider, jwks: dict[str, Any]
) -> None:
    email = make_account(provider)
    stork = json.dumps({"id_token": {"acr": {"essential": True, "values": ["STORK-QAA-Level-4"]}}})
    start = browser.get(rp.authorize_url(claims=stork))
    step_up = browser.follow(login_through_pages(browser, start, email))
    back = through_simulator(browser, step_up, card="erika-mustermann", pin="123456")
    consent = browser.follow(back)
    claims = _id_token(rp, browser.follow(consent_through_page(browser, consent)), jwks)
    assert claims["acr"] == "STORK-QAA-Level-4"


def test_oidc_core_3_1_2_1_voluntary_acr_can_be_declined(
    browser: Browser, rp: Rp, provider: Provider, jwks: dict[str, Any]
) -> None:
    email = make_account(provider)
    start = browser.get(rp.authorize_url(acr_values="http://eidas.europa.eu/LoA/high"))
    step_up = browser.follow(login_through_pages(browser, start, email))
    skip = _form_action(step_up, "skip-step-up")
    consent = browser.follow(browser.post_form(skip, {}, step_up))
    claims = _id_token(rp, browser.follow(consent_through_page(browser, consent)), jwks)
    assert claims["acr"] == "http://eidas.europa.eu/LoA/low"  # what was reached, no more


def test_oidc_core_5_5_1_1_acr_claim_without_values_does_not_cancel_acr_values_step_up(
    browser: Browser, rp: Rp, provider: Provider, jwks: dict[str, Any]
) -> None:
    """Issue 10 #9: `acr_values=…/high` with `claims={"id_token":{"acr":{"essential":false}}}`
    steps up exactly as `acr_values` alone does, and the eID then reaches `high`."""
    email = make_account(provider)
    start = browser.get(
        rp.authorize_url(
            acr_values="http://eidas.europa.eu/LoA/high",
            claims=json.dumps({"id_token": {"acr": {"essential": False}}}),
        )
    )
    step_up = browser.follow(login_through_pages(browser, start, email))
    assert "Höheres Vertrauensniveau erforderlich" in step_up.text
    assert "skip-step-up" in step_up.text  # still voluntary, as with acr_values alone
    back = through_simulator(browser, step_up, card="erika-mustermann", pin="123456")
    consent = browser.follow(back)
    claims = _id_token(rp, browser.follow(consent_through_page(browser, consent)), jwks)
    assert claims["acr"] == "http://eidas.europa.eu/LoA/high"


def test_eid_mismatch_is_refused_and_changes_nothing(
    browser: Browser, rp: Rp, provider: Provider
) -> None:
    email = make_account(provider)  # Erika
    start = browser.get(rp.authorize_url(claims=ESSENTIAL_HIGH))
    step_up = browser.follow(login_through_pages(browser, start, email))
    refused = through_simulator(browser, step_up, card="jonas-mueller", pin="222222")
    assert refused.status_code == 409
    assert "stimmen nicht mit den Angaben in Ihrem ServiceKonto überein" in refused.text
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(LoginMeans)) == 0
        account = db.scalar(select(Account).where(Account.email == email))
        assert account is not None
        assert {a.level for a in account.attributes} == {"basic"}


def test_eid_login_without_account_registers_a_high_account(
    browser: Browser, provider: Provider
) -> None:
    login = browser.get("/login")
    back = through_simulator(browser, login, card="juergen-weissmueller", pin="333333")
    assert back.status_code == 303 and back.headers["location"] == "/account?notice=eid_registered"
    account_page = browser.get(back.headers["location"])
    assert "mit Ihrem Online-Ausweis angelegt" in account_page.text
    with provider.sessions() as db:
        created = db.scalars(select(Account).where(Account.email.is_(None))).all()
        assert len(created) == 1
        assert created[0].password_hash is None
        assert {a.level for a in created[0].attributes} == {"high"}
        assert created[0].register_record_id  # the register knows Jürgen

    # the same card again: the same account, no second one
    browser.post_form("/account/logout", {}, account_page)
    again = through_simulator(
        browser, browser.get("/login"), card="juergen-weissmueller", pin="333333"
    )
    assert again.headers["location"] == "/account"
    with provider.sessions() as db:
        assert (
            db.scalar(select(func.count()).select_from(Account).where(Account.email.is_(None))) == 1
        )


def test_simulator_cancel_shows_a_clear_page(browser: Browser) -> None:
    back = through_simulator(
        browser, browser.get("/login"), card="erika-mustermann", pin="", action="cancel"
    )
    assert back.status_code == 400
    assert "abgebrochen" in back.text


@pytest.mark.parametrize(
    ("card", "pin", "text"),
    [
        ("max-mustermann-abgelaufen", "666666", "abgelaufen"),
        ("lena-mustermann-gesperrt", "777777", "gesperrt"),
    ],
)
def test_tr03130_invalid_documents_are_refused(
    browser: Browser, provider: Provider, card: str, pin: str, text: str
) -> None:
    back = through_simulator(browser, browser.get("/login"), card=card, pin=pin)
    assert back.status_code == 400
    assert text in back.text
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Account)) == 0


def test_eid_return_in_another_browser_or_twice_opens_nothing(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    login = browser.get("/login")
    fields = _eid_form(login)
    fields.pop("csrf_token")
    started = browser.post_form("/eid/start", fields, login)
    simulator_url = started.headers["location"].removeprefix("http://testserver")
    simulator = browser.get(simulator_url)
    done = browser.post_form(
        simulator_url,
        _simulator_fields(simulator, "erika-mustermann", "123456", "authenticate"),
        simulator,
    )
    return_path = done.headers["location"].removeprefix("http://testserver")

    stranger = TestClient(app_client.app, base_url="http://testserver")
    foreign = stranger.get(return_path, follow_redirects=False)
    assert foreign.status_code == 400 and "anderen Browser" in foreign.text
    assert "sk_session" not in foreign.headers.get("set-cookie", "")

    own = browser.get(return_path)
    assert own.status_code == 303  # the stranger's try did not consume it
    replay = browser.get(return_path)
    assert replay.status_code == 400
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(EidTransaction)) == 0


def test_design_4_substantial_offers_the_eid_and_no_enrolment(
    browser: Browser, rp: Rp, provider: Provider, jwks: dict[str, Any]
) -> None:
    """Issue 15 item 2 / issue 10 item 10: an authenticator enrolled now, from the password
    session, would count only as `low` (TR-03160-1 §4.3), so the step-up does not offer it; the
    Online-Ausweis reaches the level."""
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)
    start = browser.get(rp.authorize_url(claims=ESSENTIAL_SUBSTANTIAL))
    step_up = browser.follow(login_through_pages(browser, start, email))
    assert "/eid/start" in step_up.text
    assert "/account/security/totp" not in step_up.text
    assert 'name="otp"' not in step_up.text
    back = through_simulator(browser, step_up, card="erika-mustermann", pin="123456")
    consent = browser.follow(back)
    claims = _id_token(rp, browser.follow(consent_through_page(browser, consent)), jwks)
    assert claims["acr"] in (
        "http://eidas.europa.eu/LoA/substantial",
        "http://eidas.europa.eu/LoA/high",
    )
    assert "hwk" in claims["amr"]


def test_design_4_totp_with_a_basic_identity_stays_low(
    browser: Browser, rp: Rp, provider: Provider
) -> None:
    """TR-03107-1 §4.4: the login is the minimum of identification and means, so a basic
    identity with a second factor cannot satisfy an essential `substantial` by TOTP; the page
    offers only the eID."""
    email = make_account(provider)  # basic identity
    start = browser.get(rp.authorize_url(claims=ESSENTIAL_SUBSTANTIAL))
    step_up = browser.follow(login_through_pages(browser, start, email))
    assert "/account/security/totp" not in step_up.text
    assert "/eid/start" in step_up.text
    assert "noch nicht bestätigt" in step_up.text


def test_checklist_c01_a_locked_password_leaves_the_eid_login_open(
    browser: Browser, rp: Rp, provider: Provider, jwks: dict[str, Any]
) -> None:
    """Security checklist C-01: the password lock cannot become a denial of service, because
    the card's login does not go through the password throttle."""
    email = make_account(provider)
    start = browser.get(rp.authorize_url(claims=ESSENTIAL_HIGH))
    step_up = browser.follow(login_through_pages(browser, start, email))
    through_simulator(browser, step_up, card="erika-mustermann", pin="123456")
    browser.post_form("/account/logout", {}, browser.get("/account"))

    for _ in range(6):
        page = browser.get("/login")
        browser.post_form("/login", {"username": email, "password": "wrong-password-1"}, page)
    with provider.sessions() as db:
        account = db.scalar(select(Account).where(Account.email == email))
        assert account is not None and account.locked_until is not None
        account_id = account.id

    back = through_simulator(browser, browser.get("/login"), card="erika-mustermann", pin="123456")
    assert back.status_code == 303 and back.headers["location"] == "/account"
    with provider.sessions() as db:
        sessions = db.scalars(
            select(BrowserSession).where(BrowserSession.account_id == account_id)
        ).all()
        assert [s.level for s in sessions] == ["high"]


def test_checklist_s01_step_up_renews_the_session_cookie(
    browser: Browser, rp: Rp, provider: Provider
) -> None:
    """Security checklist S-01: a new session id at step-up; the old cookie is dead."""
    email = make_account(provider)
    start = browser.get(rp.authorize_url(claims=ESSENTIAL_HIGH))
    step_up = browser.follow(login_through_pages(browser, start, email))
    before = browser.http.cookies.get("sk_session")
    through_simulator(browser, step_up, card="erika-mustermann", pin="123456")
    after = browser.http.cookies.get("sk_session")
    assert before and after and before != after
    stale = TestClient(browser.http.app, base_url="http://testserver")
    stale.cookies.set("sk_session", before)
    assert stale.get("/account", follow_redirects=False).headers["location"] == "/login"


def test_eid_account_adds_an_email_verified_by_link_and_is_never_purged(
    browser: Browser, provider: Provider, clock: Any
) -> None:

    from servicekonto.db.models import OutboxMessage
    from servicekonto.selfservice.retention import purge_unconfirmed

    back = through_simulator(browser, browser.get("/login"), card="camille-dubois-ub", pin="999999")
    account_page = browser.get(back.headers["location"])
    assert 'action="/account/email"' in account_page.text
    added = browser.post_form("/account/email", {"email": "Camille@Example.org"}, account_page)
    assert added.headers["location"] == "/account?notice=email_sent"
    with provider.sessions() as db:
        account = db.scalars(select(Account)).one()
        assert (account.email, account.email_verified) == ("camille@example.org", False)
        [mail] = [m.payload for m in db.scalars(select(OutboxMessage)) if m.kind == "mail"]

    # a week later, unconfirmed: the maintenance job keeps an account opened with the eID
    clock.advance(days=8)
    with provider.sessions() as db:
        assert purge_unconfirmed(db, now=provider.clock.now(), letters_store=None) == 0
        db.commit()
        assert db.scalar(select(func.count()).select_from(Account)) == 1

    link = re.search(r"http://testserver(/register/confirm/\S+)", mail["body"])
    assert link
    clock.advance(days=-7)
    assert confirm_by_page(browser, link.group(1)).status_code == 200
    with provider.sessions() as db:
        assert db.scalars(select(Account)).one().email_verified is True
