"""Issue 10 #8: /api/docs works under our CSP — every asset it references is on our own origin
and answers 200 (no CDN; checklist W-02)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

REFERENCE = re.compile(r'(?:src|href)="([^"]+)"')


def test_w02_api_docs_reference_only_same_origin_assets_that_answer_200(
    app_client: TestClient,
) -> None:
    page = app_client.get("/api/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text  # an inline script would be blocked by the CSP
    references = REFERENCE.findall(page.text)
    assert any(r.endswith("swagger-ui-bundle.js") for r in references)
    assert any(r.endswith("swagger-ui.css") for r in references)
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        asset = app_client.get(reference)
        assert asset.status_code == 200, reference
        assert len(asset.content) > 0
    start = app_client.get("/static/api-docs.js").text
    assert 'url: "/api/openapi.json"' in start
    assert "validatorUrl: null" in start  # no call to the public validator
    assert app_client.get("/api/openapi.json").json()["openapi"].startswith("3.1")
