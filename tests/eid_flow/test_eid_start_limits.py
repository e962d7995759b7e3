"""Issue 15 item 6: `/eid/start` holds one of the eID-Server's sessions per call. It is limited
per IP, a browser holds at most one open transaction, and the transaction is recorded and bound
to the browser before `useID` is called (checklist C-01: the eID stays open during a lockout)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.db.models import EidTransaction
from servicekonto.eid.model import EidResult, UseIdRequest, UseIdResponse
from servicekonto.eid.port import EidServer
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.support import Browser


class CountingEidServer:
    """The embedded mock, counting `useID` and noting whether its transaction was recorded."""

    def __init__(self, inner: EidServer, provider: Provider) -> None:
        self.inner = inner
        self.provider = provider
        self.opened = 0
        self.recorded_before: list[bool] = []

    def use_id(self, request: UseIdRequest) -> UseIdResponse:
        self.opened += 1
        transaction_id = request.refresh_address.rsplit("/", 1)[1]
        with self.provider.sessions() as db:
            row = db.get(EidTransaction, transaction_id)
            self.recorded_before.append(row is not None and len(row.binding_digest) == 64)
        return self.inner.use_id(request)

    def get_result(self, session: str, request_counter: int) -> EidResult:
        return self.inner.get_result(session, request_counter)


@pytest.fixture
def eid_client(settings: Settings, clock: FixedClock) -> Iterator[tuple[TestClient, Any]]:
    app = create_app(settings.model_copy(update={"eid_start_rate_per_minute": 3}), clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        counting = CountingEidServer(app.state.eid_server, app.state.provider)
        app.state.eid_server = counting
        yield client, counting


def _start(browser: Browser) -> Any:
    page = browser.get("/login")
    return browser.post_form("/eid/start", {"purpose": "login", "pending": ""}, page)


def test_c01_eid_start_is_limited_per_ip_before_any_eid_session_opens(
    eid_client: tuple[TestClient, CountingEidServer], clock: FixedClock
) -> None:
    client, server = eid_client
    browsers = [Browser(TestClient(client.app, base_url="http://testserver")) for _ in range(5)]
    answers = [_start(b) for b in browsers[:4]]
    assert [a.status_code for a in answers] == [303, 303, 303, 429]
    assert int(answers[3].headers["retry-after"]) <= 60
    assert "zu viele Anfragen in kurzer Zeit" in answers[3].text
    assert server.opened == 3  # the refused start opened no eID-Server session
    clock.advance(seconds=int(answers[3].headers["retry-after"]))
    assert _start(browsers[4]).status_code == 303
    assert server.opened == 4


def test_c01_eid_transaction_is_bound_to_the_browser_before_use_id(
    eid_client: tuple[TestClient, CountingEidServer],
) -> None:
    client, server = eid_client
    browser = Browser(client)
    assert _start(browser).status_code == 303
    assert server.recorded_before == [True]
    # no CSRF cookie and token of ours: refused before anything is opened
    stranger = TestClient(client.app, base_url="http://testserver")
    refused = stranger.post(
        "/eid/start",
        data={"purpose": "login"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert server.opened == 1


def test_c01_a_new_start_ends_the_browsers_open_transaction(
    eid_client: tuple[TestClient, CountingEidServer], provider: Provider
) -> None:
    client, _server = eid_client
    provider = client.app.state.provider  # type: ignore[attr-defined]
    browser = Browser(client)
    first = _start(browser)
    first_cookie = client.cookies.get("sk_eid")
    second = _start(browser)
    assert (first.status_code, second.status_code) == (303, 303)
    with provider.sessions() as db:
        rows = db.scalars(select(EidTransaction).order_by(EidTransaction.created_at)).all()
        open_rows = [r for r in rows if r.consumed_at is None]
    assert len(rows) == 2 and len(open_rows) == 1
    assert open_rows[0].eid_session  # the eID session was recorded once useID answered
    # the first transaction's return link opens nothing, even with its own cookie
    old = next(r for r in rows if r.consumed_at is not None)
    stale = TestClient(client.app, base_url="http://testserver")
    assert first_cookie
    stale.cookies.set("sk_eid", first_cookie)
    back = stale.get(f"/eid/return/{old.id}", follow_redirects=False)
    assert back.status_code == 400
