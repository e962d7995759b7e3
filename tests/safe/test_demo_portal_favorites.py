"""Issue 13 item 5 on `make run`: the demo portal is registered with scope `favorites`, asks
for it, and shows the favourites that came back in userinfo; discovery lists the scope. Over
HTTP against a real server, since the portal talks to the OP over HTTP as a portal would."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from servicekonto.catalogue.service import list_services, mark
from servicekonto.oidc.provider import Provider
from tests.conftest import ServerProcess
from tests.support import Browser, account_id_of

pytestmark = [pytest.mark.server]


def test_the_demo_portal_asks_for_favorites_and_shows_those_that_came_back(
    server: ServerProcess, demo: dict[str, Any], server_provider: Provider
) -> None:
    anna = demo["accounts"][0]
    account_id = account_id_of(server_provider, anna["username"])
    with server_provider.sessions() as db:
        (service,) = [s for s in list_services(db, administration="vg-cochem")
                      if s.name == "Gewerbeanmeldung"]
        mark(db, account_id=account_id, service_id=service.id, now=server_provider.clock.now())
        db.commit()
    assert "favorites" in next(c for c in demo["clients"]
                               if c["client_id"] == "demo-portal")["scopes"]

    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        scopes = http.get("/.well-known/openid-configuration").json()["scopes_supported"]
        assert {"favorites", "postfach", "organization"} <= set(scopes)
        assert "postfach:deliver" not in scopes  # machine scopes are not asked for

        browser = Browser(http, origin=server.base_url)  # type: ignore[arg-type]
        start = browser.get("/demo-portal/login?level=low")
        asked = parse_qs(urlsplit(start.headers["location"]).query)["scope"][0].split()
        assert "favorites" in asked
        login = browser.follow(start)
        assert 'name="password"' in login.text
        action = re.search(r'<form method="post" action="([^"]+)"', login.text)
        assert action
        consent = browser.follow(browser.post_form(
            action.group(1).replace("&amp;", "&"),
            {"username": anna["username"], "password": anna["password"]}, login))
        assert "Ihre Favoriten" in consent.text  # the scope named on the consent page
        action = re.search(r'<form method="post" action="([^"]+)"', consent.text)
        assert action
        claims = [("claims", c) for c in re.findall(r'name="claims" value="([^"]+)"',
                                                    consent.text)]
        portal = browser.follow(browser.post_form(
            action.group(1).replace("&amp;", "&"), [*claims, ("decision", "allow")], consent))

    assert portal.status_code == 200, portal.text[:500]
    assert "Ihre Favoriten (Scope „favorites“)" in portal.text
    assert f'<a href="{service.url}">Gewerbeanmeldung</a>' in portal.text
    assert "Verbandsgemeinde Cochem" in portal.text
