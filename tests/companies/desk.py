"""Builders for the Registrierungsstelle's pages and API on the app: the demo region, staff of an
administration signed in with a bound second factor (a browser session or an access token of
their own), and applications in a state.

Staff sessions are started directly (`start_browser_session`) with `amr` ["pwd", "otp"] and an
authenticator app the operator set up bound, as `servicekonto staff add` does: the login pages
themselves are proven elsewhere (tests/letters/test_dispatch_access.py), and the browser journey
goes through them."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.means import set_up_bound_totp
from servicekonto.blobs.stores import open_store
from servicekonto.db.models import Letter, OutboxMessage
from servicekonto.oidc.provider import Provider
from servicekonto.staff.service import REGISTRATION_OFFICER
from tests.companies import factories
from tests.support import (
    Browser,
    Rp,
    account_id_of,
    consent_through_page,
    give_roles,
    make_account,
    make_client,
    start_browser_session,
)

CASES = "/staff/organizations"
API = "/api/v1/staff/organizations"
#: A Verbandsgemeinde's officer sees Cochem's applications; Zell's do not.
COCHEM, ZELL = "vg-cochem", "vg-zell"
BOUND = ("pwd", "otp")


@pytest.fixture
def app_blobs(monkeypatch: pytest.MonkeyPatch, provider: Provider) -> None:
    """The builders store documents in the app's own sealed store (its server secret), so the
    staff pages and API can open them."""
    monkeypatch.setattr(factories, "store", lambda db: open_store(provider.settings, db))


def region(provider: Provider) -> dict[str, str]:
    return factories.seed_region(provider.sessions)


def staff(
    app_client: TestClient, provider: Provider, slug: str = COCHEM, *roles: str,
    bound: bool = True,
) -> str:
    """A person with a password holding `roles` (default: officer) at `slug`, with an
    authenticator app set up bound unless `bound` is False; returns the account id."""
    account_id = account_id_of(provider, make_account(provider, attributes={}))
    give_roles(provider, account_id, list(roles or (REGISTRATION_OFFICER,)), slug)
    if bound:
        with provider.sessions() as db:
            set_up_bound_totp(
                db, account_id=account_id,
                sealer=app_client.app.state.totp_sealer,  # type: ignore[attr-defined]
                now=provider.clock.now(),
            )
            db.commit()
    return account_id


def sign_in(
    app_client: TestClient, provider: Provider, account_id: str, amr: tuple[str, ...] = BOUND,
    level: TrustLevel = TrustLevel.LOW,
) -> None:
    """The test client's browser is now signed in as `account_id` (staff accounts have a basic
    identity, so even a bound app's login stays at `low`)."""
    cookie, _ = start_browser_session(
        provider.sessions, account_id=account_id, level=level, amr=list(amr),
        now=provider.clock.now(),
    )
    app_client.cookies.set("sk_session", cookie)


def token(
    app_client: TestClient, provider: Provider, account_id: str, *,
    amr: tuple[str, ...] = BOUND, scope: str = "openid staff",
) -> str:
    """An access token of the staff person's own, through the code flow of a staff tool's
    client (registered with scope `staff`), from a session with `amr`."""
    client = make_client(provider, scopes=["openid", "staff"], grant_types=["authorization_code"])
    sign_in(app_client, provider, account_id, amr)
    browser, rp = Browser(app_client), Rp(app_client, client)
    page = browser.follow(browser.get(rp.authorize_url(scope=scope)))
    if 'name="decision"' in page.text:
        page = consent_through_page(browser, page)
    query = parse_qs(urlsplit(page.headers["location"]).query)
    redeemed = rp.redeem(query["code"][0])
    assert redeemed.status_code == 200, redeemed.text
    app_client.cookies.clear()
    return str(redeemed.json()["access_token"])


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def applicant(provider: Provider) -> str:
    return factories.person(provider.sessions, provider.clock.now())


def submitted(provider: Provider, **overrides: str) -> str:
    """A submitted application in Cochem (unless `postal_code` says otherwise) with one PDF."""
    return factories.submitted(
        provider.sessions, provider.clock.now(), applicant(provider), **overrides
    )


def other_register_number() -> str:
    return f"HRB {secrets.randbelow(89_999) + 10_000}"


def mails_to(provider: Provider, address: str) -> list[dict[str, str]]:
    with provider.sessions() as db:
        rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail"))
        return [dict(row.payload) for row in rows if row.payload.get("to") == address]


def activation_letters(provider: Provider, organisation_id: str) -> list[Letter]:
    with provider.sessions() as db:
        return list(db.scalars(select(Letter).where(Letter.organisation_id == organisation_id)))
