"""More letters chosen in the dispatch view than a page form holds (issue 15 item 5: at most 200
per export; checklist U-05). Page forms carry at most 100 fields, so 100+ ticked letters were
refused while the form was read, with the generic "Die Anfrage des Portals ist ungültig" page.
The dispatch forms have room for 200 letters; beyond that a German page says how many may be
chosen, and nothing is exported or marked sent.
"""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from servicekonto.clock import FixedClock
from servicekonto.oidc.provider import Provider
from tests.letters.test_dispatch_access import (
    VIEW,
    enrol_totp,
    enter_code,
    exports,
    letter_for_zell,
    log_in,
    make_staff,
)
from tests.support import Browser


def _signed_in_dispatcher(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> httpx.Response:
    email, staff_id = make_staff(provider)
    secret = enrol_totp(app_client, provider, clock, staff_id)
    log_in(browser, email)
    enter_code(browser, secret, clock)
    view = browser.get(VIEW)
    assert view.status_code == 200
    return view


def _ids(count: int) -> list[tuple[str, str]]:
    return [("letter_ids", f"{n:032x}") for n in range(count)]


def test_u05_150_chosen_letters_are_read_not_refused_as_too_many_form_fields(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    letter_id = letter_for_zell(provider)
    view = _signed_in_dispatcher(app_client, provider, browser, clock)

    export = browser.post_form(f"{VIEW}/export", [("letter_ids", letter_id), *_ids(149)], view)

    assert export.status_code == 200, export.text[:300]
    assert export.content.startswith(b"%PDF")
    [event] = exports(provider)
    assert event.details == {"letters": 1, "letter_ids": [letter_id]}


@pytest.mark.parametrize("count", [201, 500])
@pytest.mark.parametrize("action", ["export", "dispatch"])
def test_u05_more_than_200_chosen_letters_get_a_german_page_saying_so(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock,
    count: int, action: str,
) -> None:
    letter_id = letter_for_zell(provider)
    view = _signed_in_dispatcher(app_client, provider, browser, clock)

    response = browser.post_form(f"{VIEW}/{action}", [("letter_ids", letter_id),
                                                      *_ids(count - 1)], view)

    if action == "dispatch" and count <= 210:  # read; marking sent has no export limit
        assert response.status_code == 303
        return
    assert response.status_code == 422, re.findall(r"<(?:h1|p)[^>]*>(.*?)</", response.text)
    assert response.headers["content-type"].startswith("text/html")
    assert "Bitte wählen Sie höchstens 200 Briefe auf einmal aus." in response.text
    assert "Die Anfrage des Portals" not in response.text
    assert exports(provider) == []
    with provider.sessions() as db:
        from servicekonto.db.models import Letter

        assert db.get(Letter, letter_id).status == "queued"  # type: ignore[union-attr]
