"""Who reaches the print shop's letters, and how (issue 15 item 5, issue 10 item 15).

The dispatch view hands out readable activation codes: staff need the role *and* a second factor
in the session; the print-shop API takes only a machine client's client-credentials token. A
person logging in from the view returns to it (`next`, a local path only); a citizen gets
"Kein Zugriff"; the administration shows by its name.
"""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select, update

from servicekonto.accounts import means as login_means
from servicekonto.audit.service import verify_chain
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, Administration, AuditEvent, Authorization
from servicekonto.oidc.provider import Provider
from servicekonto.security import totp
from servicekonto.staff.service import LETTER_DISPATCH, grant
from servicekonto.web.pages import local_path
from tests.letters.conftest import queue
from tests.support import (
    PASSWORD,
    Browser,
    Rp,
    account_id_of,
    make_account,
    make_client,
)

VIEW = "/staff/letters"


def administration(provider: Provider, slug: str = "vg-zell",
                   name: str = "Verbandsgemeinde Zell (Mosel)") -> None:
    """The administration, added unless it is there."""
    with provider.sessions() as db:
        if db.scalar(select(Administration.id).where(Administration.slug == slug)) is None:
            db.add(Administration(slug=slug, name=name, kind="verbandsgemeinde",
                                  postal_codes=[], address_lines=["Corray 1", "56856 Zell"]))
            db.commit()


def make_staff(provider: Provider, slug: str = "vg-zell") -> tuple[str, str]:
    """A dispatcher of the administration `slug`."""
    administration(provider, slug, name=slug)
    email = make_account(provider)
    with provider.sessions() as db:
        account = db.scalars(select(Account).where(Account.email == email)).one()
        grant(db, account_id=account.id, administration_slug=slug, role=LETTER_DISPATCH)
        db.commit()
        return email, account.id


def enrol_totp(app_client: TestClient, provider: Provider, clock: FixedClock,
               account_id: str, *, bind: bool = True) -> bytes:
    """An active authenticator app for the account, bound unless `bind` is False (staff apps
    are set up by the operator); the clock then moves past its step."""
    sealer = app_client.app.state.totp_sealer  # type: ignore[attr-defined]
    with provider.sessions() as db:
        enrolment = login_means.start_totp_enrolment(
            db, account_id=account_id, sealer=sealer, now=clock.now(), account_name="x",
            issuer="ServiceKonto",
        )
        text = enrolment.secret_base32
        secret = base64.b32decode(text + "=" * (-len(text) % 8))
        login_means.confirm_totp_enrolment(
            db, account_id=account_id, means_id=enrolment.means_id,
            code=totp.code_at(secret, totp.time_step(clock.now())), sealer=sealer,
            now=clock.now(), bind=bind,
        )
        db.commit()
    clock.advance(seconds=90)  # the confirming code is used up; the next login needs a new one
    return secret


def log_in(browser: Browser, email: str, url: str = "/login") -> httpx.Response:
    return browser.post_form(url, {"username": email, "password": PASSWORD}, browser.get(url))


def enter_code(browser: Browser, secret: bytes, clock: FixedClock,
               url: str = "/login/otp") -> httpx.Response:
    code = totp.code_at(secret, totp.time_step(clock.now()))
    return browser.post_form(url, {"otp": code}, browser.get(url))


def letter_for_zell(provider: Provider) -> str:
    administration(provider)
    with provider.sessions() as db:
        db.execute(update(Administration).where(Administration.slug == "vg-zell")
                   .values(name="Verbandsgemeinde Zell (Mosel)"))
        db.commit()
    citizen = account_id_of(provider, make_account(provider))
    queued = queue(provider, citizen)
    with provider.sessions() as db:
        from servicekonto.db.models import Letter
        from servicekonto.letters.store import save_pdf

        db.execute(update(Letter).values(administration_slug="vg-zell"))
        save_pdf(db, letter_id=queued.letter_id, pdf=_pdf(), now=provider.clock.now())
        db.commit()
    return queued.letter_id


def _pdf() -> bytes:
    from servicekonto.letters.pdf import render_pin_letter
    from tests.letters.conftest import sample_content

    return render_pin_letter(sample_content())


def exports(provider: Provider) -> list[AuditEvent]:
    with provider.sessions() as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.event == "letters.exported")))


# -- issue 15 item 5: a second factor for staff ------------------------------------------------


def test_a_password_only_staff_session_is_sent_to_enter_its_code(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email, staff_id = make_staff(provider)
    enrol_totp(app_client, provider, clock, staff_id)
    letter_id = letter_for_zell(provider)
    assert log_in(browser, email).headers["location"] == "/login/otp"
    # "Ohne zweiten Faktor fortfahren": the session stays password-only
    page = browser.get(VIEW)

    assert page.status_code == 403
    assert "Zweiter Faktor erforderlich" in page.text
    assert 'href="/login/otp?next=/staff/letters"' in page.text
    assert letter_id not in page.text and "Große Straße" not in page.text

    export = browser.post_form(f"{VIEW}/export", [("letter_ids", letter_id)],
                               browser.get("/login/otp"))  # any page for a CSRF token
    assert export.status_code == 403
    assert not export.content.startswith(b"%PDF")
    assert exports(provider) == []


def test_staff_without_an_app_is_sent_to_set_one_up(
    provider: Provider, browser: Browser
) -> None:
    email, _staff_id = make_staff(provider)
    log_in(browser, email)

    page = browser.get(VIEW)

    assert page.status_code == 403
    assert 'href="/account/security/totp"' in page.text
    assert "Authenticator-App einrichten" in page.text


def test_staff_logging_in_from_the_view_return_to_it_with_their_code(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email, staff_id = make_staff(provider)
    secret = enrol_totp(app_client, provider, clock, staff_id)
    letter_id = letter_for_zell(provider)

    start = browser.get(VIEW)
    assert start.status_code == 303
    assert start.headers["location"] == "/login?next=/staff/letters"
    login = log_in(browser, email, start.headers["location"])
    assert login.headers["location"] == "/login/otp?next=/staff/letters"
    stepped = enter_code(browser, secret, clock, login.headers["location"])
    assert stepped.status_code == 303
    assert stepped.headers["location"] == VIEW

    view = browser.get(VIEW)
    assert view.status_code == 200
    assert "Verbandsgemeinde Zell (Mosel)" in view.text
    assert "vg-zell" not in view.text

    export = browser.post_form(f"{VIEW}/export", [("letter_ids", letter_id)], view)
    assert export.status_code == 200
    assert export.content.startswith(b"%PDF")
    [event] = exports(provider)
    assert event.actor == f"account:{staff_id}"
    assert event.details == {"letters": 1, "letter_ids": [letter_id]}
    with provider.sessions() as db:
        assert verify_chain(db)[0]


def test_an_unreadable_letter_is_a_german_409_page(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email, staff_id = make_staff(provider)
    secret = enrol_totp(app_client, provider, clock, staff_id)
    letter_id = letter_for_zell(provider)
    with provider.sessions() as db:
        from sqlalchemy import delete

        from servicekonto.db.models import Blob

        db.execute(delete(Blob))
        db.commit()
    log_in(browser, email)
    enter_code(browser, secret, clock)
    view = browser.get(VIEW)

    export = browser.post_form(f"{VIEW}/export", [("letter_ids", letter_id)], view)

    assert export.status_code == 409
    assert export.headers["content-type"].startswith("text/html")
    assert "beschädigt oder fehlt" in export.text
    assert exports(provider) == []


def test_a_persons_token_is_refused_by_the_print_shop_api(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    """A grant that carries `letters:dispatch` for a person (registration refuses such a client
    since A-03, so the scope is written into the grant as an older release could have): its
    access token is valid, yet the print-shop API refuses it."""
    email, _staff_id = make_staff(provider)
    # A person-facing client cannot even be registered with the print shop's scope ...
    with pytest.raises(ValidationError, match="letters:dispatch"):
        make_client(provider, scopes=["openid", "letters:dispatch"])
    rp = Rp(app_client, make_client(provider))
    from tests.support import full_login

    params = full_login(browser, rp, email, scope="openid")
    with provider.sessions() as db:
        grant = db.scalars(
            select(Authorization).where(Authorization.client_id == rp.client.client_id)
        ).one()
        grant.scopes = [*grant.scopes, "letters:dispatch"]
        db.commit()
    body = rp.redeem(params["code"]).json()
    assert "letters:dispatch" in body["scope"].split()

    response = app_client.get(
        "/api/v1/letters", headers={"Authorization": f"Bearer {body['access_token']}"}
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_the_print_shops_machine_client_keeps_working(
    app_client: TestClient, provider: Provider
) -> None:
    letter_id = letter_for_zell(provider)
    shop = make_client(provider, grant_types=["client_credentials"],
                       scopes=["letters:dispatch"], redirect_uris=[])
    token = app_client.post("/token", data={"grant_type": "client_credentials"},
                            auth=(shop.client_id, shop.client_secret or "")).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    listed = app_client.get("/api/v1/letters", headers=headers)
    batch = app_client.post("/api/v1/letters/batch.pdf", json={"letter_ids": [letter_id]},
                            headers=headers)

    assert [item["letter_id"] for item in listed.json()] == [letter_id]
    assert batch.status_code == 200 and batch.content.startswith(b"%PDF")
    [event] = exports(provider)
    assert event.actor == f"client:{shop.client_id}"
    assert event.details["letter_ids"] == [letter_id]


def test_an_export_of_more_than_200_ids_is_refused(
    app_client: TestClient, provider: Provider
) -> None:
    shop = make_client(provider, grant_types=["client_credentials"],
                       scopes=["letters:dispatch"], redirect_uris=[])
    token = app_client.post("/token", data={"grant_type": "client_credentials"},
                            auth=(shop.client_id, shop.client_secret or "")).json()
    ids = [f"{n:032x}" for n in range(201)]

    response = app_client.post("/api/v1/letters/batch.pdf", json={"letter_ids": ids},
                               headers={"Authorization": f"Bearer {token['access_token']}"})

    assert response.status_code == 422
    assert exports(provider) == []


# -- issue 10 item 15: the way to the view -------------------------------------------------------


def test_a_citizen_at_the_dispatch_view_gets_no_access_not_an_expired_form(
    provider: Provider, browser: Browser
) -> None:
    log_in(browser, make_account(provider))

    page = browser.get(VIEW)

    assert page.status_code == 403
    assert "Kein Zugriff" in page.text
    assert "abgelaufen" not in page.text


def test_the_account_page_links_staff_to_the_dispatch_view(
    provider: Provider, app_client: TestClient
) -> None:
    staff, citizen = Browser(app_client), Browser(app_client)
    log_in(staff, make_staff(provider)[0])
    staff_page = staff.get("/account")
    assert f'href="{VIEW}"' in staff_page.text
    app_client.cookies.clear()
    log_in(citizen, make_account(provider))
    assert f'href="{VIEW}"' not in citizen.get("/account").text


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\\/evil.example",
     "javascript:alert(1)", "/account\r\nSet-Cookie: x=y", "evil.example", "/a//b"],
)
def test_next_is_a_local_path_only(provider: Provider, browser: Browser, target: str) -> None:
    assert local_path(target) is None
    email = make_account(provider)
    form = browser.get("/login", params={"next": target})
    assert 'action="/login"' in form.text

    response = browser.post_form(
        "/login?" + str(httpx.QueryParams({"next": target})),
        {"username": email, "password": PASSWORD}, form,
    )

    assert response.headers["location"] == "/account"


def test_next_keeps_a_local_path(provider: Provider, browser: Browser) -> None:
    assert local_path("/staff/letters") == "/staff/letters"
    response = log_in(browser, make_account(provider), "/login?next=/account/security")
    assert response.headers["location"] == "/account/security"
