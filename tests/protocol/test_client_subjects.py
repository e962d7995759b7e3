"""The subject each client knows, stored per (account, client) (issue 11 item 4, OIDC Core §8):
the `sub` a client received finds its person in one lookup, and only for that client."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from servicekonto.clients.subjects import account_of_subject
from servicekonto.db.models import ClientSubject
from servicekonto.oidc.provider import Provider
from tests.protocol.flows import token_body
from tests.support import Browser, Rp, decode_jwt, full_login, make_client
from tests.support import account_id_of as account_id


def _sub(browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]) -> str:
    params = full_login(browser, rp, email)
    _, claims = decode_jwt(token_body(rp, params["code"])["id_token"], jwks)
    sub: str = claims["sub"]
    return sub


def test_oidc_core_8_1_a_clients_sub_finds_its_person_and_no_other_clients_sub_does(
    app_client: TestClient, browser: Browser, provider: Provider, email: str, jwks: dict[str, Any]
) -> None:
    a = Rp(app_client, make_client(provider, sector="sector-a.example"))
    b = Rp(app_client, make_client(provider, sector="sector-b.example"))
    sub_a, sub_b = _sub(browser, a, email, jwks), _sub(browser, b, email, jwks)
    person = account_id(provider, email)

    with provider.sessions() as db:
        assert account_of_subject(db, client_id=a.client.client_id, subject=sub_a) == person
        assert account_of_subject(db, client_id=b.client.client_id, subject=sub_b) == person
        assert account_of_subject(db, client_id=b.client.client_id, subject=sub_a) is None
        assert account_of_subject(db, client_id=a.client.client_id, subject=person) is None


def test_a_grant_made_before_the_table_gets_its_row_at_the_next_login(
    app_client: TestClient, browser: Browser, provider: Provider, email: str, jwks: dict[str, Any]
) -> None:
    """The migration cannot derive pairwise subjects (no secret): the next login fills them."""
    rp = Rp(app_client, make_client(provider))
    sub = _sub(browser, rp, email, jwks)
    with provider.sessions() as db:
        db.execute(delete(ClientSubject))
        db.commit()

    assert _sub(browser, rp, email, jwks) == sub  # logged in and consented: no new consent

    person = account_id(provider, email)
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(ClientSubject)) == 1
        assert account_of_subject(db, client_id=rp.client.client_id, subject=sub) == person
