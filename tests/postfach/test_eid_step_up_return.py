"""DESIGN §4 step-up with the eID that comes back where it started: a `high` Postfach message
offers the Online-Ausweis, and after the AusweisApp simulator the browser is on that message, not
on /account/security. The `next` rides through the eID transaction as the login's `next` does:
a local path only (an external one is ignored), and changed in the browser it opens nothing.

Erika (the sample card's holder) has a password session at `substantial`; her card is linked on
the way, as any first step-up with the eID does."""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi.testclient import TestClient

from servicekonto.accounts.levels import TrustLevel
from servicekonto.oidc.provider import Provider
from tests.eid_flow.test_step_up_pages import _eid_form, _simulator_fields
from tests.postfach.conftest import Postfach, message
from tests.support import Browser, account_id_of, make_account, start_browser_session

BODY = "Festgesetzt werden 96 Euro."
CARD, PIN = "erika-mustermann", "123456"


@pytest.fixture
def erika(app_client: TestClient, provider: Provider, pf: Postfach) -> str:
    """Erika's account id, signed in with password and code (`substantial`) in `app_client`."""
    account_id = account_id_of(provider, make_account(provider, level=TrustLevel.SUBSTANTIAL))
    cookie, _ = start_browser_session(pf.sessions, account_id=account_id,
                                      level=TrustLevel.SUBSTANTIAL, amr=["pwd", "otp"],
                                      now=pf.now)
    app_client.cookies.set("sk_session", cookie)
    return account_id


def _high_message(pf: Postfach, account_id: str) -> str:
    client_id = pf.client()
    sub = pf.subject(account_id, client_id)
    pf.consent(account_id, client_id)
    return pf.deposit(client_id, message(sub, min_level="high", content=BODY)).message_id


def _start(browser: Browser, fields: dict[str, str], page: httpx.Response) -> httpx.Response:
    started = browser.post_form("/eid/start", fields, page)
    assert started.status_code == 303, started.text[:300]
    return started


def _through_simulator(browser: Browser, started: httpx.Response) -> httpx.Response:
    """The card in the simulator, then our `/eid/return/…` answer (not followed)."""
    simulator_url = started.headers["location"].removeprefix("http://testserver")
    simulator = browser.get(simulator_url)
    assert simulator.status_code == 200
    done = browser.post_form(simulator_url, _simulator_fields(simulator, CARD, PIN,
                                                              "authenticate"), simulator)
    assert done.status_code == 303, done.text[:300]
    return browser.get(done.headers["location"].removeprefix("http://testserver"))


def test_design_4_eid_step_up_from_a_high_message_returns_to_the_message(
    browser: Browser, pf: Postfach, erika: str
) -> None:
    message_id = _high_message(pf, erika)
    locked = browser.get(f"/postfach/{message_id}")
    assert locked.status_code == 200 and BODY not in locked.text
    fields = _eid_form(locked)
    assert fields["purpose"] == "step_up" and fields["next"] == f"/postfach/{message_id}"
    fields.pop("csrf_token")

    back = _through_simulator(browser, _start(browser, fields, locked))

    assert back.status_code == 303
    assert back.headers["location"] == f"/postfach/{message_id}"
    opened = browser.get(back.headers["location"])
    assert opened.status_code == 200 and BODY in opened.text


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"],
)
def test_an_external_next_is_ignored_and_the_step_up_ends_on_the_security_page(
    browser: Browser, pf: Postfach, erika: str, target: str
) -> None:
    locked = browser.get(f"/postfach/{_high_message(pf, erika)}")
    fields = {"purpose": "step_up", "next": target}

    back = _through_simulator(browser, _start(browser, fields, locked))

    assert back.status_code == 303
    assert back.headers["location"] == "/account/security?notice=eid_linked"


def test_a_query_next_is_carried_as_a_posted_one(
    browser: Browser, pf: Postfach, erika: str
) -> None:
    message_id = _high_message(pf, erika)
    locked = browser.get(f"/postfach/{message_id}")
    started = _start(browser, {"purpose": "step_up"}, locked)
    assert started.status_code == 303
    query = browser.post_form(f"/eid/start?next=/postfach/{message_id}",
                              {"purpose": "step_up"}, locked)  # a new start voids the first

    back = _through_simulator(browser, query)

    assert back.headers["location"] == f"/postfach/{message_id}"


def test_a_next_changed_in_the_binding_cookie_opens_nothing(
    app_client: TestClient, browser: Browser, pf: Postfach, erika: str
) -> None:
    message_id = _high_message(pf, erika)
    locked = browser.get(f"/postfach/{message_id}")
    fields = _eid_form(locked)
    fields.pop("csrf_token")
    started = _start(browser, fields, locked)
    (binding,) = [c for c in app_client.cookies.jar if c.name == "sk_eid"]
    token, separator, _ = str(binding.value).partition(".")
    assert separator, "the binding carries no next"
    forged = base64.urlsafe_b64encode(b"/account/delete").rstrip(b"=").decode()
    app_client.cookies.set("sk_eid", f"{token}.{forged}", domain=binding.domain,
                           path=binding.path)
    assert [c.value for c in app_client.cookies.jar if c.name == "sk_eid"] == [
        f"{token}.{forged}"]

    back = _through_simulator(browser, started)

    assert back.status_code == 400
    assert "Der Anmeldevorgang ist abgelaufen" in back.text
    assert "sk_session" in app_client.cookies  # still the substantial session, not raised
    assert BODY not in browser.get(f"/postfach/{message_id}").text


def test_the_login_page_carries_its_next_to_the_online_ausweis(browser: Browser) -> None:
    page = browser.get("/login?next=/postfach")
    assert _eid_form(page)["next"] == "/postfach"
    external = browser.get("/login?next=https://evil.example/")
    assert "next" not in _eid_form(external)
