"""Issue 10 #8: /api/docs renders in Chromium under our CSP, loading nothing from elsewhere."""

from __future__ import annotations

import pytest

from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]


def test_api_docs_render_the_operations_in_chromium_under_the_csp(
    server: ServerProcess, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    requested: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{server.base_url}/api/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert page.get_by_text("/api/v1/letters/dispatched").count() >= 1
    assert all(url.startswith(server.base_url + "/") for url in requested), requested
    assert not [m for m in console if "Content Security Policy" in m], console
