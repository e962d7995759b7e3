"""HTML content is sanitised to a small allow-list with nh3: scripts, event handlers, styles and
every link that is not https go; what a notice needs stays (issue 13 item 1, egov-domain §4.3:
"whitelisted HTML, https links only")."""

from __future__ import annotations

import pytest

from servicekonto.db.models import PostfachMessage
from servicekonto.postfach.errors import ContentEmpty
from servicekonto.postfach.sanitise import plain_text, sanitise_html
from tests.postfach.conftest import Postfach, message


def test_script_elements_go_with_their_content() -> None:
    cleaned = sanitise_html("<p>Hallo<script>fetch('/steal?c='+document.cookie)</script></p>")
    assert cleaned == "<p>Hallo</p>"


def test_event_handlers_and_styles_go() -> None:
    cleaned = sanitise_html(
        '<p onclick="alert(1)" style="position:fixed" id="x">Text</p>'
        '<strong onmouseover="alert(2)">fett</strong><img src="x" onerror="alert(3)">'
        "<svg onload=alert(4)></svg><style>p{display:none}</style>"
    )
    assert cleaned == "<p>Text</p><strong>fett</strong>"
    for needle in ("on", "style", "alert", "img", "svg"):
        assert needle not in cleaned.replace("<strong>", "").replace("</strong>", "")


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java&#x09;script:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "http://verwaltung.example/bescheid",
        "//evil.example/",
        "/relativ",
        "https://",
    ],
)
def test_links_that_are_not_absolute_https_lose_their_target(href: str) -> None:
    cleaned = sanitise_html(f'<a href="{href}" onclick="x()">Link</a>')
    assert "href" not in cleaned and "onclick" not in cleaned
    assert ">Link</a>" in cleaned


def test_https_links_stay_and_open_no_window_reference() -> None:
    cleaned = sanitise_html('<a href="https://cochem.example/termin" target="_blank">Termin</a>')
    assert cleaned == (
        '<a href="https://cochem.example/termin" rel="noopener noreferrer">Termin</a>'
    )


def test_the_allowed_structure_stays() -> None:
    markup = (
        "<h2>Bescheid</h2><h3>Gründe</h3><h4>Rechtsbehelf</h4><p>Erste<br>Zeile</p>"
        "<ul><li>eins</li></ul><ol><li>zwei</li></ol><p><em>kursiv</em> <strong>fett</strong></p>"
        "<table><thead><tr><th>Posten</th></tr></thead><tbody><tr><td>48,00 €</td></tr></tbody>"
        "</table>"
    )
    assert sanitise_html(markup) == markup


def test_other_tags_go_but_their_text_stays() -> None:
    cleaned = sanitise_html('<div class="x"><h1>Titel</h1><iframe src="https://x"></iframe>'
                            '<form action="https://x"><input name="pin">Text</form></div>')
    assert cleaned == "TitelText"


def test_plain_text_is_derived_line_by_line() -> None:
    text = plain_text(sanitise_html(
        "<h2>Ihr Bescheid</h2><p>Guten Tag,<br>anbei &amp; mit Gruß</p>"
        "<ul><li>eins</li><li>zwei</li></ul><table><tr><td>a</td><td>b</td></tr></table>"
    ))
    assert text == "Ihr Bescheid\nGuten Tag,\nanbei & mit Gruß\neins\nzwei\n\na\tb"


def test_a_deposit_with_html_stores_the_sanitised_markup_and_its_text(
    pf: Postfach, client_id: str
) -> None:
    _, sub = pf.recipient(client_id)
    result = pf.deposit(client_id, message(
        sub, content_format="html",
        content='<p onclick="steal()">Bitte <a href="javascript:steal()">hier</a> oder '
                '<a href="https://cochem.example/">dort</a> klicken.</p><script>steal()</script>',
    ))
    with pf.sessions() as db:
        row = db.get(PostfachMessage, result.message_id)
    assert row is not None
    assert row.content_html == (
        '<p>Bitte <a rel="noopener noreferrer">hier</a> oder '
        '<a href="https://cochem.example/" rel="noopener noreferrer">dort</a> klicken.</p>'
    )
    assert row.content == "Bitte hier oder dort klicken."


def test_html_that_is_empty_once_sanitised_is_refused(pf: Postfach, client_id: str) -> None:
    _, sub = pf.recipient(client_id)
    with pytest.raises(ContentEmpty) as refused:
        pf.deposit(client_id, message(sub, content_format="html",
                                      content="<script>alert(1)</script><img src=x>"))
    assert refused.value.code == "content_empty"
    assert pf.count(PostfachMessage) == 0


def test_plain_text_content_is_stored_as_it_came(pf: Postfach, client_id: str) -> None:
    """Text is never parsed as HTML: the page escapes it when it shows it."""
    _, sub = pf.recipient(client_id)
    text = "Bitte <b>nicht</b> als HTML lesen: <script>x</script>"
    result = pf.deposit(client_id, message(sub, content=text))
    with pf.sessions() as db:
        row = db.get(PostfachMessage, result.message_id)
    assert row is not None and row.content == text and row.content_html is None
