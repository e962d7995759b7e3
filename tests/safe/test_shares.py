"""Shares of a safe document (issue 13 item 4, "Shares: single use, revocable, expire, only the
named client"): the person shares a document with a client they consented to for one
application; the client lists its open shares and fetches each once with its client-credentials
token (scope `safe:fetch`); a second fetch is 410, another client, a revoked or an expired
share 404; the person sees and revokes shares on the pages."""

from __future__ import annotations

import base64
import hashlib
import re
import threading

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.blobs.stores import open_store
from servicekonto.clock import FixedClock
from servicekonto.consent.service import grant
from servicekonto.db.models import SafeDocument, SafeShare
from servicekonto.oidc.provider import Provider
from servicekonto.safe import shares
from servicekonto.safe.errors import ShareAlreadyFetched, ShareNotFound
from tests.safe.conftest import PDF, Person, Safe, sign_in, upload_page
from tests.support import RegisteredClient, Rp, full_login, make_client


def _portal(provider: Provider, name: str = "Bauportal") -> RegisteredClient:
    return make_client(provider, name=name,
                       grant_types=["authorization_code", "client_credentials"],
                       scopes=["openid", "profile", "safe:fetch"])


def _token(http: TestClient, client: RegisteredClient, scope: str = "safe:fetch") -> str:
    response = http.post("/token", data={"grant_type": "client_credentials", "scope": scope},
                         auth=(client.client_id, client.client_secret or ""))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _consent(provider: Provider, person: Person, client: RegisteredClient) -> None:
    with provider.sessions() as db:
        grant(db, account_id=person.account_id, client_id=client.client_id,
              scopes={"openid", "profile"}, claims=set(), now=provider.clock.now())
        db.commit()


def _shared_document(http: TestClient, provider: Provider, client: RegisteredClient
                     ) -> tuple[Person, str, str]:
    """A person who uploaded a PDF and shared it with `client` on the document page:
    (person, document id, share id)."""
    person = sign_in(http, provider)
    _consent(provider, person, client)
    assert upload_page(person, [("Bauantrag.pdf", PDF, "application/pdf")]).status_code == 303
    with provider.sessions() as db:
        document_id = str(db.scalar(select(SafeDocument.id).where(
            SafeDocument.account_id == person.account_id)))
    page = person.browser.get(f"/safe/documents/{document_id}")
    assert f'<option value="{client.client_id}">' in page.text
    shared = person.browser.post_form(f"/safe/documents/{document_id}/share",
                                      {"client_id": client.client_id,
                                       "application_id": "BA-2026-0815"}, page)
    assert shared.status_code == 303, shared.text[:300]
    with provider.sessions() as db:
        share_id = str(db.scalar(select(SafeShare.id).where(
            SafeShare.document_id == document_id)))
    return person, document_id, share_id


def _fetch(http: TestClient, token: str, share_id: str) -> httpx.Response:
    return http.get(f"/api/v1/safe/shares/{share_id}",
                    headers={"Authorization": f"Bearer {token}"})


def test_the_named_client_fetches_a_share_once(safe_app: TestClient, app_provider: Provider
                                               ) -> None:
    portal = _portal(app_provider)
    _, _, share_id = _shared_document(safe_app, app_provider, portal)
    token = _token(safe_app, portal)

    listed = safe_app.get("/api/v1/safe/shares", headers={"Authorization": f"Bearer {token}"})
    assert [(s["share_id"], s["application_id"]) for s in listed.json()] == [
        (share_id, "BA-2026-0815")]

    first = _fetch(safe_app, token, share_id)
    assert first.status_code == 200, first.text
    body = first.json()
    assert base64.b64decode(body["content"]) == PDF
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (body["filename"], body["application_id"]) == ("Bauantrag.pdf", "BA-2026-0815")

    again = _fetch(safe_app, token, share_id)
    assert again.status_code == 410
    assert again.json()["title"] == "share_already_fetched"
    assert safe_app.get("/api/v1/safe/shares",
                        headers={"Authorization": f"Bearer {token}"}).json() == []


def test_another_client_gets_404_and_does_not_use_the_share_up(
    safe_app: TestClient, app_provider: Provider
) -> None:
    portal, other = _portal(app_provider), _portal(app_provider, "Anderes Portal")
    _, _, share_id = _shared_document(safe_app, app_provider, portal)

    refused = _fetch(safe_app, _token(safe_app, other), share_id)
    assert refused.status_code == 404
    assert refused.json()["title"] == "share_not_found"
    assert _fetch(safe_app, _token(safe_app, portal), share_id).status_code == 200


def test_a_revoked_share_is_not_found_and_the_page_shows_it_revoked(
    safe_app: TestClient, app_provider: Provider
) -> None:
    portal = _portal(app_provider)
    person, _document_id, share_id = _shared_document(safe_app, app_provider, portal)

    page = person.browser.get("/safe")
    assert f'action="/safe/shares/{share_id}/revoke"' in page.text
    revoked = person.browser.post_form(f"/safe/shares/{share_id}/revoke", {}, page)
    assert revoked.status_code == 303

    assert _fetch(safe_app, _token(safe_app, portal), share_id).status_code == 404
    listing = person.browser.get("/safe").text
    assert "widerrufen" in listing
    assert f'action="/safe/shares/{share_id}/revoke"' not in listing


def test_an_expired_share_is_not_found(safe_app: TestClient, app_provider: Provider) -> None:
    portal = _portal(app_provider)
    _, _, share_id = _shared_document(safe_app, app_provider, portal)
    clock = app_provider.clock
    assert isinstance(clock, FixedClock)
    clock.advance(days=app_provider.settings.safe_share_days, seconds=1)
    token = _token(safe_app, portal)

    assert _fetch(safe_app, token, share_id).status_code == 404


def test_a_persons_token_cannot_fetch_even_with_the_scope(
    safe_app: TestClient, app_provider: Provider
) -> None:
    """Only the client's own client-credentials token: a user token is refused (403)."""
    portal = _portal(app_provider)
    _, _, share_id = _shared_document(safe_app, app_provider, portal)
    from servicekonto.http.bearer import Principal

    validator = safe_app.app.state.bearer_validator  # type: ignore[attr-defined]
    safe_app.app.state.bearer_validator = (  # type: ignore[attr-defined]
        lambda db, token: Principal(portal.client_id, "sub", frozenset({"safe:fetch"}), "acc"))
    try:
        response = _fetch(safe_app, "a-person-token", share_id)
    finally:
        safe_app.app.state.bearer_validator = validator  # type: ignore[attr-defined]
    assert response.status_code == 403
    assert _fetch(safe_app, _token(safe_app, portal), share_id).status_code == 200


def test_a_share_needs_a_client_the_person_consented_to(
    safe_app: TestClient, app_provider: Provider
) -> None:
    stranger = _portal(app_provider, "Fremdes Portal")
    person = sign_in(safe_app, app_provider)
    upload_page(person, [("Bauantrag.pdf", PDF, "application/pdf")])
    with app_provider.sessions() as db:
        document_id = str(db.scalar(select(SafeDocument.id)))
    page = person.browser.get(f"/safe/documents/{document_id}")
    assert stranger.client_id not in page.text

    response = person.browser.post_form(f"/safe/documents/{document_id}/share",
                                        {"client_id": stranger.client_id,
                                         "application_id": "BA-1"}, page)
    assert response.status_code == 422
    assert "Einwilligung erteilt haben" in response.text
    with app_provider.sessions() as db:
        assert db.scalar(select(SafeShare.id)) is None


@pytest.mark.postgres
def test_parallel_fetches_hand_the_document_out_once(safe: Safe) -> None:
    account = safe.person()
    client_id = safe.client(consented_by=account)
    document = safe.upload(account)
    share_id = safe.share(account, document.id, client_id).id
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def fetch() -> None:
        with safe.sessions() as db:
            barrier.wait(timeout=10)
            try:
                shares.fetch(db, client_id=client_id, share_id=share_id,
                             store=open_store(safe.settings, db), now=safe.now)
                db.commit()
                result = "document"
            except ShareAlreadyFetched:
                result = "gone"
            except ShareNotFound:
                result = "not found"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["document", "gone", "gone", "gone"]


def test_revoking_after_the_fetch_is_refused(safe: Safe) -> None:
    account = safe.person()
    client_id = safe.client(consented_by=account)
    share_id = safe.share(account, safe.upload(account).id, client_id).id
    with safe.sessions() as db:
        shares.fetch(db, client_id=client_id, share_id=share_id, store=safe.store(db),
                     now=safe.now)
        db.commit()
    with safe.sessions() as db, pytest.raises(Exception, match="fetched, revoked") as closed:
        shares.revoke(db, account_id=account, share_id=share_id, now=safe.now)
    assert re.search("share_closed", getattr(closed.value, "code", ""))


def test_the_account_api_lists_documents_space_and_shares(
    safe_app: TestClient, app_provider: Provider
) -> None:
    portal = _portal(app_provider)
    person, document_id, share_id = _shared_document(safe_app, app_provider, portal)
    app = make_client(app_provider, name="Konto-App", scopes=["openid", "account"])
    rp = Rp(safe_app, app)
    code = full_login(person.browser, rp, person.email, scope="openid account")["code"]
    token = rp.redeem(code).json()["access_token"]

    body = safe_app.get("/api/v1/account/safe",
                        headers={"Authorization": f"Bearer {token}"}).json()
    assert body["used_bytes"] == len(PDF) and body["quota_bytes"] == 100 * 1024 * 1024
    assert [(d["id"], d["filename"]) for d in body["documents"]] == [
        (document_id, "Bauantrag.pdf")]
    # The API's document is the safe's view minus its origin (a Postfach message id).
    documented = safe_app.app.openapi()["components"]["schemas"]["SafeDocumentOut"]["properties"]
    assert set(body["documents"][0]) == set(documented) and "origin" not in body["documents"][0]
    assert [(s["id"], s["client_name"], s["state"]) for s in body["shares"]] == [
        (share_id, "Bauportal", "open")]
    assert safe_app.get("/api/v1/account/safe").status_code == 401
