"""Issue 10 item 18: the consent page shows the values that will be sent (as BundID does) and
leaves out the attributes the person does not have; what is released stays as before."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.db.models import Consent
from servicekonto.oidc.provider import Provider
from tests.support import (
    Browser,
    Rp,
    callback_params,
    consent_through_page,
    decode_jwt,
    login_through_pages,
    make_account,
    make_client,
)

SCOPE = "openid profile email address"
#: `profile` claims make_account's person has no value for.
ABSENT = ("place_of_birth", "nationalities", "birth_family_name")


def consent_page(app_client: TestClient, browser: Browser, provider: Provider) -> Any:
    email = make_account(provider)
    rp = Rp(app_client, make_client(provider))
    page = browser.follow(login_through_pages(browser, browser.get(rp.authorize_url(SCOPE)), email))
    assert page.status_code == 200 and 'name="decision"' in page.text
    return rp, email, page


def test_consent_page_shows_the_values_that_will_be_sent(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    _rp, email, page = consent_page(app_client, browser, provider)
    values = re.findall(r'<span class="checkbox__value" id="[^"]+">([^<]*)</span>', page.text)
    assert values == [
        "Heidestraße 17, 51147 Köln",  # address
        "12.08.1964",  # birthdate
        email,
        "Mustermann",
        "Erika",
    ]


def test_consent_page_leaves_out_what_the_person_does_not_have(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    _rp, _email, page = consent_page(app_client, browser, provider)
    offered = set(re.findall(r'name="claims" value="([^"]+)"', page.text))
    assert offered == {"address", "birthdate", "email", "family_name", "given_name"}
    for name in ABSENT:
        assert f'value="{name}"' not in page.text


def test_released_claims_are_unchanged_when_consenting_with_the_defaults(
    app_client: TestClient, browser: Browser, provider: Provider, jwks: dict[str, Any]
) -> None:
    rp, email, page = consent_page(app_client, browser, provider)
    code = callback_params(consent_through_page(browser, page))["code"]
    body = rp.redeem(code).json()
    info = app_client.get(
        "/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert {k: v for k, v in info.items() if k != "sub"} == {
        "given_name": "Erika", "family_name": "Mustermann", "birthdate": "1964-08-12",
        "email": email, "email_verified": True,
        "address": {"street_address": "Heidestraße 17", "postal_code": "51147",
                    "locality": "Köln", "country": "DE"},
    }
    _header, id_claims = decode_jwt(body["id_token"], jwks)
    assert "place_of_birth" not in id_claims
    with provider.sessions() as db:
        consent = db.scalars(select(Consent)).one()
    # Unshown claims were not deselected: the consent reads as the default-checked page left it.
    assert set(consent.claims) >= {"given_name", "family_name", "birthdate", "email", "address",
                                   *ABSENT}


def test_a_deselected_shown_claim_is_still_withheld(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    rp, _email, page = consent_page(app_client, browser, provider)
    posted = consent_through_page(
        browser, page, claims=["given_name", "family_name", "email", "address"]
    )
    body = rp.redeem(callback_params(posted)["code"]).json()
    info = app_client.get(
        "/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert "birthdate" not in info and info["given_name"] == "Erika"
