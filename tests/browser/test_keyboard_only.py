"""Login and consent at the demo portal with the keyboard alone (WCAG 2.1.1, 2.4.1, 2.4.3, 2.4.7).

No mouse: every step is a key press. At each tab stop the test checks that the element shows a
focus indicator (its computed outline or box-shadow while focused differs from the same element
once focus has moved on), that Tab follows the document order, and that the skip link both shows
itself when focused and skips the header.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]

ANNA = "anna.schmitz@demo.servicekonto.example"
ANNA_PASSWORD = "Moselblick-Cochem-2026"

#: The name a person hears for the focused element: its label, or its text.
_NAME = """
(el) => {
  const label = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
  return label.replace(/\\s+/g, " ").trim();
}
"""
#: What makes focus visible here: an outline or a box-shadow (WCAG 2.4.7). An outline of style
#: `none` or width 0 counts as none, whatever its colour.
_FOCUS_STYLE = """
(el) => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
    ? `outline ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` : "no outline";
  return `${outline}, box-shadow ${style.boxShadow}`;
}
"""
#: Every element of `main` that Tab should reach, in document order.
_FOCUSABLE_IN_MAIN = """
() => [...document.querySelectorAll(
    "main a[href], main button:not([disabled]), main select:not([disabled]), "
    + "main textarea:not([disabled]), main input:not([type=hidden]):not([disabled])")]
  .filter((el) => el.tabIndex >= 0 && el.getClientRects().length > 0)
  .map((el) => (el.labels && el.labels.length ? el.labels[0].textContent : el.textContent)
    .replace(/\\s+/g, " ").trim())
"""

_NO_POSITIVE_TABINDEX = (
    "() => [...document.querySelectorAll('[tabindex]')].every((el) => el.tabIndex <= 0)"
)


class Keyboard:
    """Tabs through a page and remembers each element it left, to compare its styles."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def active(self) -> Any:
        return self.page.evaluate_handle("() => document.activeElement")

    def name(self) -> str:
        name: str = self.active().evaluate(_NAME)
        return name

    def press(self, key: str) -> str:
        """Press `key`; return the name of the element that has focus afterwards, after checking
        that this element shows that it has focus."""
        self.page.keyboard.press(key)
        return self.check_focus_visible()

    def check_focus_visible(self) -> str:
        element = self.active()
        name = self.name()
        tag = element.evaluate("(el) => el.tagName")
        assert tag not in ("BODY", "HTML"), f"focus fell back to the page after {name!r}"
        focused = element.evaluate(_FOCUS_STYLE)
        # Move focus away without a pointer (blur keeps :focus-visible rules from matching), read
        # the resting style, and give the focus back: the same element, the same keyboard modality.
        resting = element.evaluate(f"(el) => {{ el.blur(); const s = ({_FOCUS_STYLE})(el); "
                                   "el.focus(); return s; }")
        assert focused != resting, f"no visible focus on {tag} {name!r}: {focused}"
        assert self.name() == name, "focus did not come back to the same element"
        return name

    def tab_until(self, name: str, limit: int = 40) -> list[str]:
        """Tab until the element named `name` has focus; return the names passed on the way."""
        passed = []
        for _ in range(limit):
            current = self.press("Tab")
            passed.append(current)
            if current == name:
                return passed
        raise AssertionError(f"{name!r} not reached by Tab; passed {passed}")


def _skip_to_main(keys: Keyboard) -> None:
    """From a freshly loaded page: the first Tab reaches the skip link, which is then on screen,
    and Enter moves focus past the header to the main content."""
    page = keys.page
    link = page.get_by_role("link", name="Zum Inhalt springen")
    assert link.bounding_box() is None or link.bounding_box()["y"] < 0, "skip link shown at rest"
    assert keys.press("Tab") == "Zum Inhalt springen"
    box = link.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0, "focused skip link off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_login_and_consent_at_the_demo_portal_by_keyboard_alone(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    keys = Keyboard(page)

    # the demo portal: skip link, then the first login link, followed with Enter
    page.goto(f"{base}/demo-portal")
    _skip_to_main(keys)
    assert keys.press("Tab") == "Anmelden – Vertrauensniveau niedrig"
    page.keyboard.press("Enter")

    # the login page: the header in order (walked backwards from the first field), then the form
    expect(page.get_by_role("heading", level=1)).to_contain_text("Anmeldung für")
    assert page.evaluate(_NO_POSITIVE_TABINDEX), "a positive tabindex breaks the document order"
    _skip_to_main(keys)
    assert keys.press("Tab") == "E-Mail-Adresse"
    backwards = [keys.press("Shift+Tab") for _ in range(4)]
    assert backwards == ["English", "Deutsch", "ServiceKonto", "Zum Inhalt springen"]
    forwards = [keys.press("Tab") for _ in range(4)]
    assert forwards == ["ServiceKonto", "Deutsch", "English", "E-Mail-Adresse"]
    page.keyboard.type(ANNA)
    assert keys.press("Tab") == "Passwort"
    page.keyboard.type(ANNA_PASSWORD)
    in_main = page.evaluate(_FOCUSABLE_IN_MAIN)
    assert in_main[:3] == ["E-Mail-Adresse", "Passwort", "Anmelden"], in_main
    assert keys.press("Tab") == "Anmelden"
    page.keyboard.press("Enter")

    # consent: Tab reaches every choice in document order; Space toggles, Space submits
    expect(page.get_by_role("heading", level=1)).to_have_text("Einwilligung zur Datenübermittlung")
    email_box = page.get_by_role("checkbox", name="E-Mail-Adresse")
    expect(email_box).to_be_checked()
    _skip_to_main(keys)
    expected = page.evaluate(_FOCUSABLE_IN_MAIN)
    assert expected[-2:] == ["Zustimmen", "Ablehnen"], expected
    walked = keys.tab_until("Zustimmen")
    assert walked == expected[:-1], f"Tab order {walked} is not the document order {expected}"
    # back to the e-mail checkbox with Shift+Tab, toggle it off with Space
    for _ in range(len(walked)):
        if keys.name() == "E-Mail-Adresse":
            break
        keys.press("Shift+Tab")
    assert keys.name() == "E-Mail-Adresse"
    page.keyboard.press("Space")
    expect(email_box).not_to_be_checked()
    keys.tab_until("Zustimmen")
    page.keyboard.press("Space")

    # the portal got everything but the e-mail address
    page.wait_for_url(f"{base}/demo-portal")
    body = page.locator("main").inner_text()
    assert "Anna Maria" in body and "Schmitz" in body
    assert ANNA not in body
    assert page.locator("dl.claims dt code", has_text="email").count() == 0
