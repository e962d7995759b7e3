"""Page hardening: CSRF + Origin on every POST form, security headers, accessibility basics,
body-size caps, CORS and parameter-size hygiene (DESIGN §8; checklist W-01, W-02, W-04, P-17,
R-03, U-05)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, func, select

from servicekonto.db.models import AuditEvent, PendingAuthorization
from servicekonto.oidc.provider import Provider
from servicekonto.security.csrf import CsrfTokens
from tests.support import (
    CSRF,
    FORM_ACTION,
    PASSWORD,
    Browser,
    Rp,
    consent_through_page,
    full_login,
    login_through_pages,
    make_account,
    make_client,
    page_text,
)

ORIGIN = "http://testserver"
FORM = "application/x-www-form-urlencoded"
GERMAN_CSRF_TEXT = "Das Formular ist abgelaufen"

# -- the five POST forms ------------------------------------------------------------------------


@dataclass
class FormCase:
    """A rendered form: where it posts, what a legitimate user would send, its csrf_token."""

    action: str
    fields: list[tuple[str, str]]
    csrf_token: str


def _csrf_of(page: httpx.Response) -> str:
    assert page.status_code == 200, page.text[:300]
    match = CSRF.search(page.text)
    assert match, "page has no csrf_token"
    return match.group(1)


def _login_with_password(browser: Browser, email: str) -> None:
    page = browser.get("/login")
    response = browser.post_form("/login", {"username": email, "password": PASSWORD}, page)
    assert response.status_code == 303 and response.headers["location"] == "/account"


def _case_login(app_client: TestClient, provider: Provider, browser: Browser) -> FormCase:
    email = make_account(provider)
    page = browser.get("/login")
    return FormCase(
        "/login", [("username", email), ("password", PASSWORD)], _csrf_of(page)
    )


def _case_interaction_login(
    app_client: TestClient, provider: Provider, browser: Browser
) -> FormCase:
    email = make_account(provider)
    rp = Rp(app_client, make_client(provider))
    page = browser.follow(browser.get(rp.authorize_url()))
    action = FORM_ACTION.search(page.text)
    assert action and action.group(1).endswith("/login"), page.text[:300]
    return FormCase(
        action.group(1), [("username", email), ("password", PASSWORD)], _csrf_of(page)
    )


def _case_consent(app_client: TestClient, provider: Provider, browser: Browser) -> FormCase:
    email = make_account(provider)
    rp = Rp(app_client, make_client(provider))
    start = browser.get(rp.authorize_url())
    page = browser.follow(login_through_pages(browser, start, email))
    assert 'name="decision"' in page.text, page.text[:300]
    action = re.search(r'<form[^>]*action="(/interaction/[^"]+/consent)"', page.text)
    assert action
    claims = re.findall(r'name="claims"[^>]*value="([^"]+)"', page.text)
    return FormCase(
        action.group(1),
        [("decision", "allow"), *[("claims", c) for c in claims]],
        _csrf_of(page),
    )


def _case_revoke(app_client: TestClient, provider: Provider, browser: Browser) -> FormCase:
    email = make_account(provider)
    rp = Rp(app_client, make_client(provider))
    full_login(browser, rp, email)
    page = browser.get("/account")
    action = re.search(r'action="(/account/consents/[^"]+/revoke)"', page.text)
    assert action, page.text[:500]
    return FormCase(action.group(1), [], _csrf_of(page))


def _case_logout_confirm(
    app_client: TestClient, provider: Provider, browser: Browser
) -> FormCase:
    email = make_account(provider)
    _login_with_password(browser, email)
    page = browser.get("/logout")
    assert 'action="/logout/confirm"' in page.text, page.text[:500]
    return FormCase("/logout/confirm", [("decision", "logout")], _csrf_of(page))


CASES: dict[str, Callable[[TestClient, Provider, Browser], FormCase]] = {
    "login": _case_login,
    "interaction_login": _case_interaction_login,
    "consent": _case_consent,
    "consent_revoke": _case_revoke,
    "logout_confirm": _case_logout_confirm,
}


def _snapshot(provider: Provider) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table except the audit log (a refused POST may be audited)."""
    metadata = MetaData()
    with provider.sessions() as db:
        metadata.reflect(bind=db.get_bind())
        return {
            name: sorted((tuple(map(repr, row)) for row in db.execute(select(table))), key=str)
            for name, table in metadata.tables.items()
            if name not in ("audit_events", "audit_head", "alembic_version")
        }


def _audit_events(provider: Provider) -> list[str]:
    with provider.sessions() as db:
        return list(db.scalars(select(AuditEvent.event).order_by(AuditEvent.id)))


def _post(
    app_client: TestClient, action: str, fields: list[tuple[str, str]], headers: dict[str, str]
) -> httpx.Response:
    return app_client.post(
        action,
        content=urlencode(fields),
        headers={"Content-Type": FORM, **headers},
        follow_redirects=False,
    )


ATTACKS: dict[str, Callable[[FormCase, str], tuple[list[tuple[str, str]], dict[str, str]]]] = {
    "missing_token": lambda case, _other: (case.fields, {"Origin": ORIGIN}),
    "wrong_token": lambda case, other: (
        [*case.fields, ("csrf_token", other)],
        {"Origin": ORIGIN},
    ),
    "empty_token": lambda case, _other: ([*case.fields, ("csrf_token", "")], {"Origin": ORIGIN}),
    "foreign_origin": lambda case, _other: (
        [*case.fields, ("csrf_token", case.csrf_token)],
        {"Origin": "https://evil.example"},
    ),
    "null_origin": lambda case, _other: (
        [*case.fields, ("csrf_token", case.csrf_token)],
        {"Origin": "null"},
    ),
    "foreign_referer": lambda case, _other: (
        [*case.fields, ("csrf_token", case.csrf_token)],
        {"Referer": "https://evil.example/attack.html"},
    ),
    "no_origin_no_referer": lambda case, _other: (
        [*case.fields, ("csrf_token", case.csrf_token)],
        {},
    ),
}


@pytest.mark.parametrize("form", list(CASES))
def test_w01_post_forms_refuse_csrf_and_cross_origin(
    app_client: TestClient, provider: Provider, browser: Browser, form: str
) -> None:
    """Every attack against one rendered form (a refused POST changes nothing, so they share it)."""
    case = CASES[form](app_client, provider, browser)
    # A token that is valid — for another browser's CSRF cookie.
    other_token = app_client.app.state.csrf.form_token(  # type: ignore[attr-defined]
        CsrfTokens.new_cookie_value()
    )
    before, events_before = _snapshot(provider), _audit_events(provider)
    for attack, build in ATTACKS.items():
        fields, headers = build(case, other_token)

        response = _post(app_client, case.action, fields, headers)

        assert response.status_code == 403, (attack, response.status_code, response.text[:300])
        assert response.headers["content-type"].startswith("text/html"), attack
        assert '<html lang="de"' in response.text, attack
        assert GERMAN_CSRF_TEXT in response.text, attack
        assert "location" not in response.headers, attack
        assert not any(
            "sk_session" in value for value in response.headers.get_list("set-cookie")
        ), f"{attack}: a refused POST must not touch the session cookie"
        assert _snapshot(provider) == before, f"{attack}: a refused POST changed the database"
    new_events = _audit_events(provider)[len(events_before) :]
    assert not [e for e in new_events if e.endswith(("succeeded", "granted", "revoked"))]
    assert "logout" not in new_events


@pytest.mark.parametrize("form", list(CASES))
def test_w01_control_the_same_posts_succeed_with_token_and_origin(
    app_client: TestClient, provider: Provider, browser: Browser, form: str
) -> None:
    """Proves the refusals above are about CSRF, not a broken setup."""
    case = CASES[form](app_client, provider, browser)
    before = _snapshot(provider)
    response = _post(
        app_client, case.action, [*case.fields, ("csrf_token", case.csrf_token)], {"Origin": ORIGIN}
    )
    assert response.status_code == 303, response.text[:300]
    assert _snapshot(provider) != before


def test_w01_same_origin_referer_without_origin_is_accepted(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    case = _case_login(app_client, provider, browser)
    response = _post(
        app_client,
        case.action,
        [*case.fields, ("csrf_token", case.csrf_token)],
        {"Referer": f"{ORIGIN}/login"},
    )
    assert response.status_code == 303


def test_p17_credential_post_is_answered_with_303(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    case = _case_interaction_login(app_client, provider, browser)
    response = _post(
        app_client, case.action, [*case.fields, ("csrf_token", case.csrf_token)], {"Origin": ORIGIN}
    )
    assert response.status_code == 303


# -- headers and markup on every page -------------------------------------------------------------


@dataclass
class Page:
    name: str
    response: httpx.Response
    personal: bool


@pytest.fixture
def pages(app_client: TestClient, provider: Provider, browser: Browser) -> Iterator[list[Page]]:
    """Every server-rendered page a citizen sees, in the states that render it."""
    collected: list[Page] = [
        Page("index", browser.get("/"), False),
        Page("login", browser.get("/login"), True),
        Page("logged_out", browser.get("/logged-out"), False),
        Page("not_found", browser.get("/does-not-exist"), False),
    ]
    email = make_account(provider)
    rp = Rp(app_client, make_client(provider))
    login_page = browser.follow(browser.get(rp.authorize_url()))
    collected.append(Page("interaction_login", login_page, True))
    action = FORM_ACTION.search(login_page.text)
    assert action
    failed = browser.post_form(
        action.group(1), {"username": email, "password": "falsches-Passwort-123"}, login_page
    )
    collected.append(Page("login_failed", failed, True))
    consent = browser.follow(login_through_pages(browser, browser.get(rp.authorize_url()), email))
    collected.append(Page("consent", consent, True))
    consent_through_page(browser, consent)
    collected.append(Page("account", browser.get("/account"), True))
    collected.append(Page("logout_confirm", browser.get("/logout"), True))
    collected.append(
        Page("csrf_error", browser.http.post("/login", data={}, headers={"Origin": ORIGIN}), False)
    )
    collected.append(
        Page("expired_interaction", browser.get("/interaction/unknown-interaction-id"), False)
    )
    yield collected


def test_w02_w04_security_headers_on_every_page(pages: list[Page]) -> None:
    for page in pages:
        r = page.response
        assert r.headers["content-type"].startswith("text/html"), page.name
        csp = r.headers.get("content-security-policy", "")
        directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
        assert directives.get("frame-ancestors") == "frame-ancestors 'none'", (page.name, csp)
        assert "'self'" in directives.get("script-src", ""), (page.name, csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (page.name, csp)
        assert directives.get("object-src") == "object-src 'none'", (page.name, csp)
        assert directives.get("base-uri") == "base-uri 'none'", (page.name, csp)
        assert r.headers.get("x-frame-options") == "DENY", page.name
        assert r.headers.get("x-content-type-options") == "nosniff", page.name
        # same-origin: nothing leaks to other sites, and our own POSTs keep their Origin header
        assert r.headers.get("referrer-policy") == "same-origin", page.name


def test_w04_no_store_on_personal_pages(pages: list[Page]) -> None:
    personal = [p for p in pages if p.personal]
    assert {p.name for p in personal} >= {"login", "interaction_login", "consent", "account"}
    for page in personal:
        assert "no-store" in page.response.headers.get("cache-control", ""), page.name


def test_w03_no_inline_script_in_pages(pages: list[Page]) -> None:
    for page in pages:
        for tag in re.findall(r"<script\b[^>]*>", page.response.text, flags=re.IGNORECASE):
            assert "src=" in tag, (page.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", page.response.text, flags=re.IGNORECASE), (
            page.name,
            "inline event handler",
        )
        assert "javascript:" not in page.response.text.lower(), page.name


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.mains = 0
        self.label_for: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.label_depth = 0
        self.wrapped: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "main":
            self.mains += 1
        elif tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type") in ("hidden", "submit", "button", "image"):
                return
            self.fields.append(a)
            if self.label_depth:
                self.wrapped.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.label_depth:
            self.label_depth -= 1


def test_bitv_every_page_has_lang_main_and_labelled_inputs(pages: list[Page]) -> None:
    for page in pages:
        parsed = _Structure()
        parsed.feed(page.response.text)
        assert parsed.html_lang, page.name
        assert parsed.mains == 1, page.name
        for field in parsed.fields:
            labelled = (
                (field.get("id") and field["id"] in parsed.label_for)
                or field in parsed.wrapped
                or field.get("aria-label")
                or field.get("aria-labelledby")
            )
            assert labelled, (page.name, field)


def test_pages_default_to_german(pages: list[Page]) -> None:
    for page in pages:
        assert '<html lang="de"' in page.response.text, page.name


# -- bodies, sizes, CORS, unknown paths, request ids ----------------------------------------------


def test_r03_declared_body_over_cap_is_413(app_client: TestClient) -> None:
    body = b"grant_type=client_credentials&pad=" + b"a" * (2 * 1024 * 1024)
    response = app_client.post("/token", content=body, headers={"Content-Type": FORM})
    assert response.request.headers["content-length"] == str(len(body))
    assert response.status_code == 413, response.text[:200]


def test_u05_declared_length_over_cap_is_refused_before_reading(app_client: TestClient) -> None:
    """A lying Content-Length of 2 MiB with a tiny body: answered from the header alone."""
    response = app_client.post(
        "/token",
        content=b"grant_type=x",
        headers={"Content-Type": FORM, "Content-Length": str(2 * 1024 * 1024)},
    )
    assert response.status_code == 413


CHUNK = 64 * 1024
STREAMED_CHUNKS = 48  # 3 MiB, three times the default cap


async def _stream_into_app(app: Any, path: str, content_type: str) -> tuple[int, bytes, int]:
    """Drive the ASGI app with a chunked body (no Content-Length), as a server would: (status,
    body, bytes the app pulled). The test client reads a streamed body whole before the app runs,
    so only this shows whether the app stops reading at the cap."""
    pulled = 0
    sent_chunks = 0
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal pulled, sent_chunks
        if sent_chunks == STREAMED_CHUNKS:
            return {"type": "http.disconnect"}
        sent_chunks += 1
        pulled += CHUNK
        more = sent_chunks < STREAMED_CHUNKS
        return {"type": "http.request", "body": b"a" * CHUNK, "more_body": more}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", content_type.encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return int(answer["status"]), bytes(answer["body"]), pulled


@pytest.mark.parametrize("path", ["/token", "/login", "/api/v1/admin/clients"])
def test_u01_streamed_body_without_length_over_cap_is_413(
    app_client: TestClient, provider: Provider, path: str
) -> None:
    """413 with the JSON refusal, and the app stops pulling the body one chunk past the cap."""
    content_type = "application/json" if path.startswith("/api/") else FORM
    response = app_client.post(
        path,
        content=iter([b"a" * CHUNK] * STREAMED_CHUNKS),
        headers={"Content-Type": content_type},
    )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, (response.status_code, response.text[:200])

    assert app_client.portal is not None
    status, body, pulled = app_client.portal.call(
        _stream_into_app, app_client.app, path, content_type
    )
    assert status == 413
    if path.startswith("/api/"):  # problem details there (RFC 9457)
        assert json.loads(body) == {
            "type": "about:blank",
            "title": "payload_too_large",
            "status": 413,
            "detail": "request body too large",
        }
    else:
        assert json.loads(body) == {
            "error": "invalid_request",
            "error_description": "request body too large",
        }
    cap = provider.settings.body_limit_bytes
    assert cap < pulled <= cap + CHUNK, (cap, pulled)


def test_u05_negative_content_length_is_refused(app_client: TestClient) -> None:
    response = app_client.post(
        "/token", content=b"", headers={"Content-Type": FORM, "Content-Length": "-1"}
    )
    assert 400 <= response.status_code < 500


#: More fields than any of our forms has (the parsers stop at 100), none of them harmful alone.
MANY_FIELDS = [(f"f{i}", "v") for i in range(5000)]


def test_u05_many_form_fields_are_refused_without_500(app_client: TestClient) -> None:
    """The token endpoint refuses the form itself, before client authentication looks at it."""
    response = app_client.post(
        "/token", content=urlencode(MANY_FIELDS), headers={"Content-Type": FORM}
    )
    assert response.status_code == 400, response.text[:300]
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Too many fields. Maximum number of fields is 100.",
    }


def test_u05_many_form_fields_refuse_even_a_correct_login(
    provider: Provider, browser: Browser
) -> None:
    """Correct credentials and a valid CSRF token do not carry 5,000 extra fields through."""
    email = make_account(provider)
    page = browser.get("/login")
    fields = [("username", email), ("password", PASSWORD), *MANY_FIELDS]
    response = browser.post_form("/login", fields, page)
    assert response.status_code == 400, response.text[:300]
    assert "location" not in response.headers
    assert not response.headers.get_list("set-cookie")
    assert page_text("error.invalid_request") in html.unescape(response.text)


def test_p17_no_cors_on_authorize(app_client: TestClient, provider: Provider) -> None:
    rp = Rp(app_client, make_client(provider))
    headers = {"Origin": "https://evil.example"}
    for response in (
        app_client.get(rp.authorize_url(), headers=headers, follow_redirects=False),
        app_client.get("/authorize", headers=headers, follow_redirects=False),
        app_client.options(
            "/authorize",
            headers={**headers, "Access-Control-Request-Method": "GET"},
            follow_redirects=False,
        ),
    ):
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers


def test_r03_a_2kb_state_is_accepted(app_client: TestClient, provider: Provider) -> None:
    rp = Rp(app_client, make_client(provider))
    response = app_client.get(rp.authorize_url(state="s" * 2048), follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/interaction/")


def test_r03_a_30kb_state_is_refused_to_the_client_without_echoing_it(
    app_client: TestClient, provider: Provider
) -> None:
    rp = Rp(app_client, make_client(provider))
    response = app_client.get(rp.authorize_url(state="s" * 30_000), follow_redirects=False)
    # Refused with an error redirect to the registered URI; the 30 KB are not echoed back.
    assert response.status_code == 302, response.text[:300]
    location = response.headers["location"]
    assert location.startswith("https://rp.example/cb?"), location[:200]
    query = parse_qs(urlsplit(location).query)
    assert query == {
        "error": ["invalid_request"],
        "error_description": ["state too long"],
        "iss": ["http://testserver"],
    }
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(PendingAuthorization)) == 0


def test_unknown_path_is_a_german_404_page(app_client: TestClient) -> None:
    response = app_client.get("/gibt-es-nicht", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="de"' in response.text
    assert "Die angeforderte Seite wurde nicht gefunden." in response.text


def _h1(page: httpx.Response) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page.text, re.S)
    assert found, page.text[:300]
    return html.unescape(found.group(1)).strip()


def test_w01_a_failed_csrf_check_has_its_own_expired_form_page(app_client: TestClient) -> None:
    response = app_client.post(
        "/login", data={"username": "x@example.org", "password": "y"},
        headers={"Origin": ORIGIN, "Content-Type": FORM},
    )

    assert response.status_code == 403
    assert _h1(response) == "Formular abgelaufen"
    assert GERMAN_CSRF_TEXT in response.text
    assert "Kein Zugriff" not in response.text


@pytest.mark.parametrize("raised", ["forbidden", "http_exception"])
def test_a_403_that_is_not_a_csrf_failure_says_no_access_not_an_expired_form(
    app_client: TestClient, raised: str
) -> None:
    from fastapi import HTTPException

    from servicekonto.errors import Forbidden

    def refuse() -> None:
        if raised == "forbidden":
            raise Forbidden("not for this account")
        raise HTTPException(status_code=403)

    app_client.app.add_api_route("/probe/forbidden", refuse)  # type: ignore[attr-defined]

    response = app_client.get("/probe/forbidden", headers={"Accept": "text/html"})

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert _h1(response) == "Kein Zugriff"
    assert "Sie haben keine Berechtigung, diese Seite aufzurufen." in response.text
    assert "abgelaufen" not in response.text


def test_unknown_api_path_is_problem_json(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/gibt-es-nicht")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_wrong_method_on_a_page_is_not_500(app_client: TestClient) -> None:
    response = app_client.put("/login")
    assert response.status_code == 405


def test_request_id_on_every_response(app_client: TestClient) -> None:
    for response in (
        app_client.get("/"),
        app_client.get("/healthz"),
        app_client.get("/gibt-es-nicht"),
        app_client.post("/token", data={}),
    ):
        assert re.fullmatch(r"[A-Za-z0-9._-]{8,64}", response.headers.get("x-request-id", ""))


def test_request_id_supplied_safe_is_echoed_unsafe_is_replaced(app_client: TestClient) -> None:
    safe = "req-1234.abcd_EF"
    assert app_client.get("/", headers={"X-Request-ID": safe}).headers["x-request-id"] == safe
    for unsafe in ("short", "x" * 65, "has space in it", "<script>alert(1)</script>"):
        echoed = app_client.get("/", headers={"X-Request-ID": unsafe}).headers["x-request-id"]
        assert echoed != unsafe
        assert re.fullmatch(r"[A-Za-z0-9._-]{8,64}", echoed)
