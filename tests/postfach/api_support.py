"""A Fachverfahren as the deposit API sees it: one client registered with the code flow and
client credentials (scopes `postfach` and `postfach:deliver`), its client-credentials token, and
people it knows by their `sub` — consented to its `postfach` scope unless told not."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from servicekonto.clients.subjects import remember_subject
from servicekonto.consent.service import grant
from servicekonto.oidc.provider import Provider
from tests.support import account_id_of, make_account, make_client

MESSAGES = "/api/v1/postfach/messages"
STATUS = "/api/v1/postfach/status"
PROBLEM = "application/problem+json"


class Fachverfahren:
    def __init__(self, provider: Provider, http: TestClient | httpx.Client,
                 name: str = "Fachverfahren Hundesteuer") -> None:
        self.provider = provider
        self.http = http
        registered = make_client(
            provider,
            name=name,
            grant_types=["authorization_code", "client_credentials"],
            scopes=["openid", "profile", "postfach", "postfach:deliver"],
        )
        self.client_id = registered.client_id
        self.secret = registered.client_secret or ""
        self.sector = registered.sector
        self._token: tuple[str, datetime] | None = None

    def token(self, scope: str = "postfach:deliver") -> str:
        response = self.http.post(
            "/token", data={"grant_type": "client_credentials", "scope": scope},
            auth=(self.client_id, self.secret),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    @property
    def auth(self) -> dict[str, str]:
        """A token, fetched again when the (test) clock moved past most of its 5 minutes."""
        now = self.provider.clock.now()
        if self._token is None or now - self._token[1] > timedelta(minutes=4):
            self._token = (self.token(), now)
        return {"Authorization": f"Bearer {self._token[0]}"}

    def person(self, *, consent: bool = True, scopes: frozenset[str] | None = None,
               email: str | None = None) -> tuple[str, str]:
        """(account id, sub at this client) of a new person who signed in here."""
        email = make_account(self.provider, email)
        account_id = account_id_of(self.provider, email)
        return account_id, self.knows(account_id, consent=consent, scopes=scopes)

    def knows(self, account_id: str, *, consent: bool = True,
              scopes: frozenset[str] | None = None) -> str:
        sub = f"sub-{secrets.token_hex(8)}"
        with self.provider.sessions() as db:
            remember_subject(db, account_id=account_id, client_id=self.client_id, subject=sub)
            if consent:
                grant(db, account_id=account_id, client_id=self.client_id,
                      scopes=set(scopes or {"openid", "postfach"}), claims=set(),
                      now=self.provider.clock.now())
            db.commit()
        return sub

    def deposit(self, body: dict[str, Any], *, key: str | None = None,
                headers: dict[str, str] | None = None) -> httpx.Response:
        sent = {**self.auth, **({"Idempotency-Key": key} if key else {}), **(headers or {})}
        return self.http.post(MESSAGES, json=body, headers=sent)

    def status(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(STATUS, json=body, headers=self.auth)


def assert_problem(response: httpx.Response, status: int, title: str) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] == title, body
    return body
