"""The person's Postfach in the account API (issue 13 item 2; DESIGN §9): `GET
/api/v1/account/postfach` and `GET /api/v1/account/postfach/{id}` with the person's own token
(scope `account` or `postfach`); the body is withheld with 403 `level_too_low` when the token's
`acr` is below the message's level; another person's message is 404."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from servicekonto.accounts.levels import TrustLevel
from servicekonto.db.models import AuditEvent
from servicekonto.oidc.provider import Provider
from tests.postfach.conftest import PDF, Postfach, attachment, message
from tests.postfach.test_pages import sign_in
from tests.support import Browser, Rp, full_login, make_client

BASE = "/api/v1/account/postfach"
PROBLEM = "application/problem+json"


def token_for(app_client: TestClient, browser: Browser, pf: Postfach, account_id: str,
              level: TrustLevel, scope: str = "openid postfach") -> dict[str, str]:
    """The person's access token from a sign-in at `level` through a self-service app."""
    provider: Provider = app_client.app.state.provider  # type: ignore[attr-defined]
    client = make_client(provider, scopes=["openid", "account", "postfach"])
    rp = Rp(app_client, client)
    sign_in(app_client, pf, account_id, level)
    params = full_login(browser, rp, "", scope=scope)
    tokens = rp.redeem(params["code"]).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def problem(response: httpx.Response, status: int, title: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["title"] == title
    return body


@pytest.fixture
def person(pf: Postfach, client_id: str) -> tuple[str, str]:
    return pf.recipient(client_id)


def test_the_list_shows_titles_and_unread_count_never_bodies(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    person: tuple[str, str]
) -> None:
    account_id, sub = person
    for n in range(3):
        pf.clock.advance(seconds=60)
        pf.deposit(client_id, message(sub, title=f"Bescheid {n}", content="geheim",
                                      service="Sperrmüll" if n == 2 else "Hundeanmeldung"))
    auth = token_for(app_client, browser, pf, account_id, TrustLevel.LOW)

    listed = app_client.get(BASE, headers=auth, params={"page_size": 2})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [i["title"] for i in body["items"]] == ["Bescheid 2", "Bescheid 1"]
    assert (body["total"], body["unread"], body["page"], body["page_size"]) == (3, 3, 1, 2)
    assert body["delivery_rule"] == "§ 9 Abs. 1 Satz 4 OZG"
    first = body["items"][0]
    assert first["read"] is False and first["min_level"] == "substantial"
    assert "content" not in first and "geheim" not in listed.text
    assert first["delivered_counts_at"]
    second = app_client.get(BASE, headers=auth, params={"page": 2, "page_size": 2}).json()
    assert [i["title"] for i in second["items"]] == ["Bescheid 0"]
    only = app_client.get(BASE, headers=auth, params={"service": "Sperrmüll"}).json()
    assert [i["title"] for i in only["items"]] == ["Bescheid 2"]
    problem(app_client.get(BASE, headers=auth, params={"page_size": 1000}), 422, "invalid_input")


def test_a_low_token_gets_level_too_low_and_a_substantial_one_reads_once(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    person: tuple[str, str]
) -> None:
    account_id, sub = person
    sent = pf.deposit(client_id, message(sub, content="Der Bescheid im Wortlaut.",
                                         attachments=[attachment(PDF)]))
    low = token_for(app_client, browser, pf, account_id, TrustLevel.LOW)
    refused = problem(app_client.get(f"{BASE}/{sent.message_id}", headers=low), 403,
                      "level_too_low")
    assert refused["detail"] == "reading this message needs the level substantial"
    assert "Wortlaut" not in str(refused)
    problem(app_client.get(f"{BASE}/{sent.message_id}/attachments/{sent.attachment_ids[0]}",
                           headers=low), 403, "level_too_low")
    assert pf.count(AuditEvent, AuditEvent.event == "postfach.read") == 0

    high = token_for(app_client, browser, pf, account_id, TrustLevel.SUBSTANTIAL)
    for _ in range(2):
        opened = app_client.get(f"{BASE}/{sent.message_id}", headers=high)
        assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["content"] == "Der Bescheid im Wortlaut." and body["read_at"]
    (item,) = body["attachments"]
    assert item["filename"] == "Bescheid.pdf" and item["size"] == len(PDF)
    # The API models are the domain views minus what stays inside (the sending client, the
    # attachment's position): the answer carries exactly the documented fields.
    schemas = app_client.app.openapi()["components"]["schemas"]
    assert set(body) == set(schemas["MessageOut"]["properties"]) and "client_id" not in body
    assert set(item) == set(schemas["AttachmentOut"]["properties"]) and "position" not in item
    download = app_client.get(f"{BASE}/{sent.message_id}/attachments/{item['id']}", headers=high)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["x-content-type-options"] == "nosniff"
    assert pf.count(AuditEvent, AuditEvent.event == "postfach.read") == 1
    assert app_client.get(BASE, headers=high).json()["unread"] == 0


def test_scope_account_also_works_and_other_tokens_are_refused(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    person: tuple[str, str]
) -> None:
    account_id, sub = person
    sent = pf.deposit(client_id, message(sub, min_level="low"))
    with_account = token_for(app_client, browser, pf, account_id, TrustLevel.LOW,
                             scope="openid account")
    assert app_client.get(f"{BASE}/{sent.message_id}", headers=with_account).status_code == 200
    plain = token_for(app_client, browser, pf, account_id, TrustLevel.LOW, scope="openid")
    refused = problem(app_client.get(BASE, headers=plain), 403, "forbidden")
    assert refused["detail"] == "the access token lacks scope account or postfach"
    problem(app_client.get(BASE), 401, "unauthorized")

    stranger, _ = pf.recipient(client_id)
    theirs = token_for(app_client, browser, pf, stranger, TrustLevel.HIGH)
    problem(app_client.get(f"{BASE}/{sent.message_id}", headers=theirs), 404, "not_found")
    assert app_client.get(BASE, headers=theirs).json()["total"] == 0
