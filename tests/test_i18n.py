"""Page languages (issue 11 item 5): plurals, dates and numbers in the page's language, the choice
of language, a third language added as a catalog only, and legal pages an operator overrides
from the data directory."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po
from fastapi.testclient import TestClient

from servicekonto.app import create_app
from servicekonto.settings import Settings
from servicekonto.web.i18n import CATALOG_DIR, Catalogs, pick_locale, tag_of
from servicekonto.web.rendering import Renderer

OPERATOR = {"name": "", "address": "", "contact": "", "dpo": ""}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def _security_page(renderer: Renderer, lang: str, codes_left: int) -> str:
    totp = {
        "id": "m1",
        "kind": "totp",
        "state": "active",
        "label": "Telefon",
        "bound": True,
        "created_at": datetime(2025, 7, 23, 12, 5, tzinfo=UTC),
        "last_used_at": None,
        "recovery_codes_left": codes_left,
    }
    return renderer.render(
        "security/security.html",
        lang=lang,
        csrf_token="x",
        level_label="level.substantial",
        has_password=True,
        means=[totp],
        reauth="password",
        can_bind=True,
        can_enrol_totp=False,
        notice=None,
        error=None,
        back_to_service=None,
        eid_available=False,
    )


@pytest.mark.parametrize(
    ("lang", "count", "shown"),
    [
        ("de", 1, "1 Wiederherstellungscode übrig"),
        ("de", 0, "0 Wiederherstellungscodes übrig"),
        ("de", 7, "7 Wiederherstellungscodes übrig"),
        ("en", 1, "1 recovery code left"),
        ("en", 7, "7 recovery codes left"),
    ],
)
def test_recovery_codes_left_read_right_for_one_and_many(
    renderer: Renderer, lang: str, count: int, shown: str
) -> None:
    """The plural fix: "1 Wiederherstellungscodes übrig" was wrong; the catalog's plural forms
    (German and English: one form for 1, another for the rest) pick the right one."""
    page = _security_page(renderer, lang, count)
    assert shown in page
    if count == 1:
        assert "1 Wiederherstellungscodes" not in page and "1 recovery codes" not in page


def test_dates_times_and_numbers_follow_the_page_language() -> None:
    catalogs = Catalogs()
    german, english = catalogs.language("de"), catalogs.language("en")
    summer = datetime(2025, 7, 23, 12, 5, tzinfo=UTC)
    winter_midnight = datetime(2025, 1, 5, 23, 30, tzinfo=UTC)
    assert german.datetime(summer) == "23.07.2025, 14:05"  # German summer time, UTC+2
    assert german.datetime(winter_midnight) == "06.01.2025, 00:30"  # already the next day
    assert english.datetime(summer).startswith("Jul 23, 2025, 2:05")
    assert german.date(date(1958, 7, 23)) == german.date("1958-07-23") == "23.07.1958"
    assert english.date("1958-07-23") == "Jul 23, 1958"
    assert german.date("23.07.1958") == "23.07.1958"  # not an ISO date: shown as it is
    assert german.date(winter_midnight) == "06.01.2025"
    assert (german.number(1234567), english.number(1234567)) == ("1.234.567", "1,234,567")
    assert german.shown(date(1958, 7, 23)) == "23.07.1958"
    assert german.shown("Cochem") == "Cochem"


def test_the_letter_list_shows_its_dates_in_the_page_language(renderer: Renderer) -> None:
    letter = {
        "id": "l1",
        "reference": "SK-1",
        "created_at": datetime(2025, 7, 23, 12, 5, tzinfo=UTC),
        "valid_until": datetime(2025, 8, 13, 21, 59, tzinfo=UTC),
        "administration": "Cochem",
        "recipient_lines": ["Erika Mustermann"],
        "kind_key": "dispatch.kind.pin",
    }
    context: dict[str, Any] = {
        "csrf_token": "x",
        "export_action": "/e",
        "dispatch_action": "/d",
        "letters": [letter] * 1001,
    }
    german = renderer.render("staff/letters_dispatch.html", lang="de", **context)
    assert "23.07.2025, 14:05" in german and "13.08.2025" in german
    assert "Briefe, die auf den Versand warten: 1.001" in german
    english = renderer.render("staff/letters_dispatch.html", lang="en", **context)
    assert "Jul 23, 2025" in english and "Aug 13, 2025" in english


@pytest.mark.parametrize(
    ("ui_locales", "cookie", "accept", "chosen"),
    [
        ("fr en-US", None, None, "en"),  # the first supported ui_locales entry, by prefix
        (None, "en", "de", "en"),  # the cookie before the browser's list
        (None, None, "fr, en;q=0.8, de;q=0.9", "de"),  # by quality
        (None, None, "en-GB;q=0, de-AT", "de"),  # q=0 means "not this one"
        ("de-x-ls", None, None, "de"),  # a variant we lack falls back to its language
        (None, None, None, "de"),
    ],
)
def test_the_page_language_is_negotiated(
    ui_locales: str | None, cookie: str | None, accept: str | None, chosen: str
) -> None:
    assert pick_locale(ui_locales, cookie, accept, ("de", "en")) == chosen


def test_locale_identifiers_become_language_tags() -> None:
    assert [tag_of(i) for i in ("de", "en", "pt_BR", "de@ls")] == ["de", "en", "pt-BR", "de-x-ls"]


@pytest.fixture
def with_easy_german(tmp_path: Path) -> Path:
    """The package's catalogs plus a Leichte Sprache one (`de@ls`) that translates two texts:
    adding a language is adding a folder."""
    catalogs = tmp_path / "locale"
    shutil.copytree(CATALOG_DIR, catalogs)
    easy = Catalog(locale="de@ls")
    easy.add("Deutsch", "Leichte Sprache", context="name of this language, in it")
    easy.add("Willkommen bei ServiceKonto", "Hallo! Das ist Ihr ServiceKonto.")
    easy.add("Was möchten Sie tun?", "Was wollen Sie machen? <b>Wählen Sie.</b>")
    folder = catalogs / "de@ls" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as handle:
        write_po(handle, easy)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, easy)
    return catalogs


def test_a_third_language_needs_a_catalog_and_no_code(with_easy_german: Path) -> None:
    renderer = Renderer(catalog_dir=with_easy_german)
    assert renderer.catalogs.tags == ("de", "de-x-ls", "en")
    assert renderer.catalogs.pick("de-x-ls", None, None) == "de-x-ls"
    assert renderer.catalogs.pick(None, None, "de-DE-x-ls") == "de"  # no such variant
    page = renderer.render("index.html", lang="de-x-ls", demo_portal=False)
    assert '<html lang="de-x-ls">' in page
    assert "<h1>Hallo! Das ist Ihr ServiceKonto.</h1>" in page
    assert ">Anmelden<" in page  # untranslated: the German text, via the de catalog
    # a catalog text is text, never markup
    assert "Was wollen Sie machen? &lt;b&gt;Wählen Sie.&lt;/b&gt;" in page
    assert 'hreflang="de-x-ls" lang="de-x-ls" aria-current="true">Leichte Sprache</a>' in page
    assert renderer.catalogs.language("de-x-ls").date("1958-07-23") == "23.07.1958"
    # a legal page without a Leichte Sprache variant falls back to the German one
    imprint = renderer.render("legal/impressum.html", lang="de-x-ls", operator=OPERATOR)
    assert "<h1>Impressum</h1>" in imprint


def test_a_catalog_that_was_not_compiled_is_refused_at_start(with_easy_german: Path) -> None:
    (with_easy_german / "de@ls" / "LC_MESSAGES" / "messages.mo").unlink()
    with pytest.raises(RuntimeError, match="make catalogs"):
        Catalogs(with_easy_german)


def _override(data_dir: Path, name: str, body: str) -> None:
    path = data_dir / "templates" / "legal" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{% extends "base.html" %}{% block title %}' + body + "{% endblock %}"
        "{% block content %}<h1>" + body + "</h1>{% endblock %}"
    )


def test_an_operator_override_wins_and_a_missing_one_falls_back(tmp_path: Path) -> None:
    _override(tmp_path, "impressum.de.html", "Impressum der Kreisverwaltung")
    _override(tmp_path, "datenschutz.en.html", "Privacy at the district")
    renderer = Renderer(override_dir=tmp_path / "templates")

    def h1(template: str, lang: str) -> str:
        page = renderer.render(template, lang=lang, operator=OPERATOR)
        return page.split("<h1>", 1)[1].split("</h1>", 1)[0]

    assert h1("legal/impressum.html", "de") == "Impressum der Kreisverwaltung"
    # the operator's German page beats the package's unfilled English one
    assert h1("legal/impressum.html", "en") == "Impressum der Kreisverwaltung"
    assert h1("legal/datenschutz.html", "en") == "Privacy at the district"
    assert h1("legal/datenschutz.html", "de") == "Privacy at the district"
    # no override: the package's page in the page language
    assert h1("legal/barrierefreiheit.html", "de") == "Erklärung zur Barrierefreiheit"
    assert h1("legal/barrierefreiheit.html", "en") == "Accessibility statement"


def test_only_the_legal_pages_can_be_overridden(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text("operator's start page")
    renderer = Renderer(override_dir=tmp_path / "templates")
    page = renderer.render("index.html", lang="de", demo_portal=False)
    assert "operator's start page" not in page and "<h1>Willkommen bei ServiceKonto</h1>" in page


def test_the_app_reads_overrides_from_its_data_directory(settings: Settings) -> None:
    _override(settings.data_dir, "impressum.de.html", "Impressum der Verbandsgemeinde")
    with TestClient(create_app(settings)) as http:
        assert "<h1>Impressum der Verbandsgemeinde</h1>" in http.get("/impressum").text
        privacy = http.get("/datenschutz").text
    assert "<h1>Datenschutzerklärung</h1>" in privacy  # not overridden: the package's
