"""Favourites (issue 13 item 5): the person marks services on `/services` (filtered by
administration) and sees them on the account page; a portal reads them in userinfo as the
`favorites` claim only with the scope `favorites` consented (the consent page names it)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from servicekonto.catalogue import service as catalogue
from servicekonto.catalogue.schemas import ServiceCreate
from servicekonto.oidc.provider import Provider
from tests.companies.factories import seed_region
from tests.safe.conftest import sign_in
from tests.support import (
    Browser,
    Rp,
    callback_params,
    consent_through_page,
    login_through_pages,
    make_client,
)

DOG = "https://vg-cochem.services.example/hundeanmeldung"


def _services(provider: Provider) -> dict[str, str]:
    seed_region(provider.sessions)
    ids = {}
    with provider.sessions() as db:
        for slug, name, url in [
            ("vg-cochem", "Hundeanmeldung", DOG),
            ("vg-zell", "Hundeanmeldung", "https://vg-zell.services.example/hund"),
            ("kv-cochem-zell", "Sperrmüll und Elektrogroßgeräte",
             "https://kv.services.example/sperrmuell"),
        ]:
            view = catalogue.add_service(db, now=provider.clock.now(), spec=ServiceCreate(
                administration=slug, name=name, url=url, min_level="low"))
            ids[f"{slug}/{name}"] = view.id
        db.commit()
    return ids


def test_the_person_marks_a_favourite_and_sees_it_on_the_account_page(
    app_client: TestClient, provider: Provider
) -> None:
    ids = _services(provider)
    person = sign_in(app_client, provider)

    page = person.browser.get("/services?administration=vg-cochem")
    assert page.status_code == 200
    assert DOG in page.text and "vg-zell.services.example" not in page.text
    dog = ids["vg-cochem/Hundeanmeldung"]
    marked = person.browser.post_form(f"/services/{dog}/favourite",
                                      {"favourite": "add", "administration": "vg-cochem"}, page)
    assert marked.status_code == 303
    assert marked.headers["location"].startswith("/services?administration=vg-cochem&")

    again = person.browser.get("/services?administration=vg-cochem")
    assert "Aus Favoriten entfernen" in again.text
    account = person.browser.get("/account")
    assert f'<a href="{DOG}" rel="noopener">Hundeanmeldung</a>' in account.text

    person.browser.post_form(f"/services/{dog}/favourite", {"favourite": "remove"}, again)
    assert DOG not in person.browser.get("/account").text


def _userinfo(app_client: TestClient, provider: Provider, scope: str) -> dict[str, object]:
    ids = _services(provider)
    client = make_client(provider, scopes=["openid", "profile", "favorites"])
    person = sign_in(app_client, provider)
    with provider.sessions() as db:
        catalogue.mark(db, account_id=person.account_id, service_id=ids["vg-cochem/Hundeanmeldung"],
                       now=provider.clock.now())
        db.commit()
    browser = Browser(app_client)
    rp = Rp(app_client, client)
    page = browser.follow(browser.get(rp.authorize_url(scope=scope)))
    if 'name="password"' in page.text:
        page = browser.follow(login_through_pages(browser, page, person.email))
    assert 'name="decision"' in page.text
    shows_scope = "Ihre Favoriten" in page.text
    code = callback_params(consent_through_page(browser, page))["code"]
    token = rp.redeem(code).json()["access_token"]
    body: dict[str, object] = app_client.get(
        "/userinfo", headers={"Authorization": f"Bearer {token}"}).json()
    body["_consent_page_named_the_scope"] = shows_scope
    return body


def test_a_portal_reads_the_favourites_with_the_consented_scope(
    app_client: TestClient, provider: Provider
) -> None:
    body = _userinfo(app_client, provider, "openid favorites")
    assert body["_consent_page_named_the_scope"] is True
    assert body["favorites"] == [{"name": "Hundeanmeldung", "url": DOG, "leika": None,
                                  "administration": "Verbandsgemeinde Cochem"}]


def test_without_the_scope_there_is_no_favorites_claim(
    app_client: TestClient, provider: Provider
) -> None:
    body = _userinfo(app_client, provider, "openid profile")
    assert body["_consent_page_named_the_scope"] is False
    assert "favorites" not in body
    assert re.fullmatch(r"[A-Za-z0-9_-]+", str(body["sub"]))
