"""The legal pages the footer of every page links to (Impressum, Datenschutz, Barrierefreiheit):
they exist, are German by default, and mark the operator's part instead of inventing it."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from servicekonto.app import create_app
from servicekonto.settings import Settings

#: Path → (German title, English title); each page is a template per language
#: (legal/<page>.<language>.html).
LEGAL_PAGES = {
    "/impressum": ("Impressum", "Legal notice"),
    "/datenschutz": ("Datenschutzerklärung", "Privacy policy"),
    "/barrierefreiheit": ("Erklärung zur Barrierefreiheit", "Accessibility statement"),
}
OPERATOR_GAP = "Vom Betreiber auszufüllen"
#: A text code that reached the page untranslated (`text()` shows an unknown code as itself).
RAW_KEY = re.compile(r">[^<]*\b(?:legal|imprint|privacy|a11y)\.[a-z_.]+")


def _text(body: str) -> str:
    return html.unescape(body)


@pytest.mark.parametrize(("path", "titles"), LEGAL_PAGES.items())
def test_legal_page_renders_in_german(
    app_client: TestClient, path: str, titles: tuple[str, str]
) -> None:
    response = app_client.get(path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    body = _text(response.text)
    title = titles[0]
    assert '<html lang="de">' in body
    assert f"<title>{title} – ServiceKonto</title>" in body
    assert f"<h1>{title}</h1>" in body
    assert OPERATOR_GAP in body
    assert not RAW_KEY.search(body), RAW_KEY.search(body)


@pytest.mark.parametrize(("path", "titles"), LEGAL_PAGES.items())
def test_legal_page_in_english(app_client: TestClient, path: str, titles: tuple[str, str]) -> None:
    body = _text(app_client.get(path, params={"lang": "en"}).text)
    assert '<html lang="en">' in body
    assert f"<title>{titles[1]} – ServiceKonto</title>" in body
    assert "To be completed by the operator" in body
    assert not RAW_KEY.search(body), RAW_KEY.search(body)


@pytest.mark.parametrize("page", ["/", "/login", "/register"])
def test_footer_and_privacy_links_resolve(app_client: TestClient, page: str) -> None:
    body = app_client.get(page).text
    footer = body.split('<footer class="site-footer">', 1)[1]
    linked = set(re.findall(r'href="(/[a-z]+)"', footer))
    assert linked == set(LEGAL_PAGES)
    if page == "/register":
        assert 'href="/datenschutz"' in body.split("<footer", 1)[0]
    for path in linked:
        assert app_client.get(path).status_code == 200, path


def test_accessibility_statement_claims_only_what_is_tested(app_client: TestClient) -> None:
    body = _text(app_client.get("/barrierefreiheit").text)
    for fact in ("axe-core", "WCAG 2.1", "320 CSS-Pixeln", "Tastatur", "BITV-Test", "PDF",
                 "§ 16 BGG", "2016/2102"):
        assert fact in body, fact
    assert "weitgehend vereinbar" not in body
    # scope, manual audit, known limitations, date, feedback contact, conciliation body
    assert body.count(OPERATOR_GAP) == 6


def test_privacy_page_names_the_cookies_actually_set(app_client: TestClient) -> None:
    """The cookies this very page sets (CSRF, and the language when chosen) are among those it
    names; tests/browser/test_privacy_cookies.py compares the list with a whole journey."""
    body = _text(app_client.get("/datenschutz").text)
    named = set(re.findall(r"<li><code>([A-Za-z0-9_-]+)</code>: [^<]{20,}</li>", body))
    assert "__Host-" in body and "Tracking" in body
    assert {"sk_session", "sk_csrf", "sk_lang", "sk_eid"} <= named  # each with what it does
    app_client.cookies.clear()
    response = app_client.get("/datenschutz", params={"lang": "de"})
    assert set(response.cookies.keys()) == {"sk_csrf", "sk_lang"}
    assert set(response.cookies.keys()) <= named


def test_operator_settings_fill_the_imprint_and_privacy_pages(settings: Settings) -> None:
    """Issue 10 #21: the operator's details come from settings; what is left stays marked."""
    filled = settings.model_copy(
        update={
            "operator_name": "Kreisverwaltung Cochem-Zell",
            "operator_address": "Endertplatz 2, 56812 Cochem",
            "operator_contact": "servicekonto@cochem-zell.example, 02671 61-0",
            "dpo_contact": "Datenschutz der Kreisverwaltung, datenschutz@cochem-zell.example",
        }
    )
    with TestClient(create_app(filled)) as http:
        imprint = _text(http.get("/impressum").text)
        privacy = _text(http.get("/datenschutz").text)
    for body in (imprint, privacy):
        assert "<dd>Kreisverwaltung Cochem-Zell</dd>" in body
        assert "<dd>Endertplatz 2, 56812 Cochem</dd>" in body
        assert "<dd>servicekonto@cochem-zell.example, 02671 61-0</dd>" in body
        assert OPERATOR_GAP in body  # what no setting covers is still marked
        assert not RAW_KEY.search(body), RAW_KEY.search(body)
    assert "datenschutz@cochem-zell.example" in privacy
    assert "datenschutz@cochem-zell.example" not in imprint
    assert "Name und Anschrift der Behörde" not in imprint  # the full gap text is gone


def test_an_unset_operator_field_is_shown_as_a_gap(settings: Settings) -> None:
    partial = settings.model_copy(update={"operator_name": "Verbandsgemeinde Zell"})
    with TestClient(create_app(partial)) as http:
        privacy = _text(http.get("/datenschutz").text)
    assert "<dd>Verbandsgemeinde Zell</dd>" in privacy
    assert privacy.count(f"<dd>{OPERATOR_GAP}</dd>") == 3  # address, contact, officer
