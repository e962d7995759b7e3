"""Issue 13 in a real browser, keyboard only, with axe and reflow at 320 px on every page in its
real states (`tests.browser.test_accessibility.POSTFACH_PAGES`): Anna reads a notice, steps up
with her authenticator app to read a protected one, downloads its attachment, follows the
application's timeline, deletes the notice, and, as the admin of the demo's winery, reads its
Postfach and lets a member read it too.

The messages are deposited through the domain into the server's database (the deposit API is
another package's), on top of the demo's Gewerbeanmeldung (its status updates and Bescheid);
Anna gets an authenticator app with a known secret, bound as the operator would set it up, so
the journey can type its codes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from servicekonto.accounts.means import TOTP_SEALING_PURPOSE, set_up_bound_totp
from servicekonto.security import totp
from tests.browser.test_accessibility import POSTFACH_PAGES, Audit
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(240)]

ANNA = "anna.schmitz@demo.servicekonto.example"
ANNA_PASSWORD = "Moselblick-Cochem-2026"
SECRET = b"postfach-journey-20b"  # totp.SECRET_BYTES long
WINERY = "Weinhaus Cochem GmbH"  # the demo's activated company: Anna its admin, Jonas a member


def _seed(server: ServerProcess, demo: dict[str, Any]) -> dict[str, str]:
    """A Fachverfahren, Anna's consent to its `postfach` scope, her authenticator app, two
    messages: a `low` notice and a `substantial` Bescheid with a PDF, and a message to the
    demo's winery."""
    from sqlalchemy import select

    from servicekonto.app import build_provider
    from servicekonto.clock import SystemClock
    from servicekonto.db.models import Account
    from servicekonto.postfach.recipients import OrganisationSubjectIds, organisation_subject_for
    from servicekonto.security.sealing import Sealer
    from tests.postfach.conftest import PDF, Postfach, attachment, message

    settings = server.settings()
    provider = build_provider(settings, SystemClock())
    pf = Postfach(provider.sessions, SystemClock(), settings)  # type: ignore[arg-type]
    with provider.sessions() as db:
        anna = db.scalar(select(Account.id).where(Account.email == ANNA))
        assert anna is not None
        sealer = Sealer(settings.secret_key, TOTP_SEALING_PURPOSE)
        set_up_bound_totp(db, account_id=anna, sealer=sealer, now=pf.now, secret=SECRET)
        db.commit()
    client_id = pf.client("Fachverfahren Hundesteuer")
    sub = pf.subject(anna, client_id)
    pf.consent(anna, client_id)
    notice = pf.deposit(client_id, message(sub, title="Eingangsbestätigung Hundeanmeldung",
                                           content="Ihr Antrag ist eingegangen.",
                                           min_level="low"))
    bescheid = pf.deposit(client_id, message(sub, title="Bescheid Hundesteuer 2026",
                                             content="Festgesetzt werden 96 Euro.",
                                             attachments=[attachment(PDF)]))
    winery = next(entry["id"] for entry in demo["organizations"] if entry["name"] == WINERY)
    with provider.sessions() as db:
        # the winery's id at the Fachverfahren, as its release at a sign-in stores it
        organisation = organisation_subject_for(
            db, ids=OrganisationSubjectIds(settings.secret_key), organisation_id=winery,
            client_id=client_id, sector="hundesteuer.example",
        )
        db.commit()
        engine = db.get_bind()
    pf.deposit(client_id, message(organization=organisation, title="Gewerbesteuerbescheid 2026",
                                  content="Festgesetzt werden 1.200 Euro.", min_level="low"))
    engine.dispose()  # type: ignore[union-attr]
    return {"notice": notice.message_id, "bescheid": bescheid.message_id, "pdf": PDF.hex(),
            "winery": winery}


def _code() -> str:
    return totp.code_at(SECRET, totp.time_step(datetime.now(UTC)))


def _tab_to(page: Any, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's accessible text starts with `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate(
            "() => { const el = document.activeElement; if (!el) return '';"
            " const t = el.labels && el.labels.length ? el.labels[0].textContent"
            " : el.textContent; return (t || '').replace(/\\s+/g, ' ').trim(); }"
        )
        if text.startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r} on {page.url}")


def test_read_step_up_download_follow_the_timeline_delete_and_share_the_firms_postfach(
    server: ServerProcess, demo: dict[str, Any], page: Any
) -> None:
    from playwright.sync_api import expect

    seeded = _seed(server, demo)
    base = server.base_url
    audit = Audit(page)
    page.goto(f"{base}/login?next=/postfach")
    page.keyboard.press("Tab")  # the skip link, then into the form
    _tab_to(page, "E-Mail-Adresse")
    page.keyboard.type(ANNA)
    _tab_to(page, "Passwort")
    page.keyboard.type(ANNA_PASSWORD)
    page.keyboard.press("Enter")
    # the code prompt: Anna continues without it (a `low` session)
    expect(page.get_by_role("heading", level=1)).to_have_text("Zweiter Faktor")
    _tab_to(page, "Ohne zweiten Faktor fortfahren")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Postfach")
    # ours and the demo's Bescheid of the Gewerbeanmeldung
    expect(page.locator("#unread-count")).to_have_text("Sie haben 3 ungelesene Nachrichten.")
    audit("postfach/list.html", "three unread, an application")

    _tab_to(page, "Eingangsbestätigung Hundeanmeldung")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Ihr Antrag ist eingegangen.")
    audit("postfach/message.html", "a notice")

    _tab_to(page, "Zurück zum Postfach")
    page.keyboard.press("Enter")
    expect(page.locator("#unread-count")).to_have_text("Sie haben 2 ungelesene Nachrichten.")
    _tab_to(page, "Bescheid Hundesteuer 2026")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bescheid Hundesteuer 2026")
    expect(page.locator("main")).not_to_contain_text("96 Euro")
    expect(page.locator("main")).to_contain_text("Zum Lesen ist eine stärkere Anmeldung nötig")
    audit("postfach/locked.html", "substantial needed, the app offered")

    _tab_to(page, "Mit Authenticator-App bestätigen und lesen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zweiter Faktor")
    _tab_to(page, "Code")
    page.keyboard.type(_code())
    page.keyboard.press("Enter")

    page.wait_for_url(f"{base}/postfach/{seeded['bescheid']}")
    expect(page.locator("main")).to_contain_text("Festgesetzt werden 96 Euro.")
    audit("postfach/message.html", "opened after the step-up, an attachment")

    with page.expect_download() as download_info:
        _tab_to(page, "Bescheid.pdf")
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename == "Bescheid.pdf"
    path = download.path()
    assert path is not None
    with open(path, "rb") as handle:
        assert handle.read().hex() == seeded["pdf"]

    # the application of both messages: a timeline of messages only
    _tab_to(page, "Bearbeitungsstand ansehen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bearbeitungsstand Ihres Antrags")
    expect(page.locator("ol.timeline > li")).to_have_count(2)
    audit("postfach/timeline.html", "two messages, no status update")
    # the demo's Gewerbeanmeldung: four status updates and its Bescheid
    _tab_to(page, "Zurück zum Postfach")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/postfach")
    _tab_to(page, "Gewerbeanmeldung")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Abgeschlossen")
    audit("postfach/timeline.html", "status updates and a message")

    # Anna deletes the notice after confirming
    page.goto(f"{base}/postfach/{seeded['notice']}")
    _tab_to(page, "Nachricht löschen")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Eingangsbestätigung Hundeanmeldung")
    audit("postfach/delete.html", "confirm")
    _tab_to(page, "Endgültig löschen")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/postfach?notice=deleted")
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("link", name="Eingangsbestätigung Hundeanmeldung")).to_have_count(0)
    audit("postfach/list.html", "after deleting")

    # the winery's Postfach: Anna reads its message, then lets Jonas read too
    organisation = f"{base}/organizations/{seeded['winery']}/postfach"
    page.goto(organisation)
    expect(page.get_by_role("heading", level=1)).to_have_text("Postfach der Organisation")
    audit("postfach/list.html", "an organisation's, for its admin")
    _tab_to(page, "Gewerbesteuerbescheid 2026")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Festgesetzt werden 1.200 Euro.")
    audit("postfach/message.html", "an organisation's message")
    _tab_to(page, "Zurück zum Postfach")
    page.keyboard.press("Enter")
    page.wait_for_url(organisation)
    _tab_to(page, "Wer hat was gelesen?")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{organisation}/reads")
    expect(page.get_by_role("table")).to_contain_text("Gewerbesteuerbescheid 2026")
    audit("postfach/reads.html", "one read, a member who may not read")
    _tab_to(page, "Lesen erlauben")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{organisation}/reads?notice=readers")
    expect(page.locator("main")).to_contain_text("darf lesen")
    audit("postfach/reads.html", "after allowing a member")
    audit.finish(POSTFACH_PAGES)
