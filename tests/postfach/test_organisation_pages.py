"""The organisation's Postfach pages (issue 13 item 3): read by its admins and the members they
allow (on the page "Wer hat was gelesen?"), who read what shown to the admins, a member without
the right refused with a helpful page, a stranger 404, and a removed member locked out at once."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from servicekonto.accounts.levels import TrustLevel
from servicekonto.companies import members
from tests.postfach.conftest import PDF, Postfach, attachment, message
from tests.postfach.test_organisation import Firm
from tests.postfach.test_pages import sign_in
from tests.support import Browser

BODY = "Ihr Gewerbesteuerbescheid liegt bei."


@pytest.fixture
def firm(pf: Postfach, client_id: str) -> Firm:
    return Firm(pf, client_id)


def test_admins_read_members_need_the_right_strangers_get_404(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str, firm: Firm
) -> None:
    sent = pf.deposit(client_id, message(organization=firm.subject, content=BODY,
                                         attachments=[attachment(PDF)]))
    base = f"/organizations/{firm.id}/postfach"

    sign_in(app_client, pf, firm.outsider)
    for url in (base, f"{base}/{sent.message_id}", f"{base}/reads",
                f"{base}/{sent.message_id}/attachments/{sent.attachment_ids[0]}"):
        assert app_client.get(url).status_code == 404, url

    sign_in(app_client, pf, firm.member)
    refused = app_client.get(base)
    assert refused.status_code == 403
    assert "Sie dürfen das Postfach dieser Organisation nicht lesen." in refused.text
    assert app_client.get(f"{base}/{sent.message_id}").status_code == 403
    assert "Postfach von" not in app_client.get("/account").text

    sign_in(app_client, pf, firm.admin)
    listing = app_client.get(base)
    assert listing.status_code == 200
    assert "Postfach der Organisation" in listing.text and "Ihr Bescheid" in listing.text
    assert f'href="{base}/{sent.message_id}"' in listing.text
    assert f'href="{base}/reads"' in listing.text
    opened = app_client.get(f"{base}/{sent.message_id}")
    assert BODY in opened.text
    assert f'href="/organizations/{firm.id}/postfach"' in app_client.get("/account").text

    # the admin allows the member on the reads page (CSRF-protected form)
    reads_page = browser.get(f"{base}/reads")
    assert reads_page.status_code == 200
    assert "darf nicht lesen" in reads_page.text
    allowed = browser.post_form(f"{base}/readers", {"member": firm.member, "allowed": "yes"},
                                reads_page)
    assert allowed.status_code == 303
    assert "Die Leserechte wurden geändert." in browser.get(allowed.headers["location"]).text

    sign_in(app_client, pf, firm.member)
    assert BODY in app_client.get(f"{base}/{sent.message_id}").text
    download = app_client.get(f"{base}/{sent.message_id}/attachments/{sent.attachment_ids[0]}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert app_client.get(f"{base}/reads").status_code == 403  # only admins see who read what

    sign_in(app_client, pf, firm.admin)
    who = app_client.get(f"{base}/reads").text
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>\s*<td[^>]*>([^<]+)</td>", who)
    with pf.sessions() as db:
        from servicekonto.accounts.service import account_view

        emails = {a: (account_view(db, a).email or "") for a in (firm.admin, firm.member)}
    assert sorted(rows) == sorted([("Ihr Bescheid über die Hundesteuer", emails[firm.admin]),
                                   ("Ihr Bescheid über die Hundesteuer", emails[firm.member])])


def test_a_removed_member_loses_access_at_once(
    app_client: TestClient, pf: Postfach, client_id: str, firm: Firm
) -> None:
    sent = pf.deposit(client_id, message(organization=firm.subject, content=BODY))
    firm.set_reader(firm.member, True)
    base = f"/organizations/{firm.id}/postfach"
    sign_in(app_client, pf, firm.member, TrustLevel.SUBSTANTIAL)
    assert BODY in app_client.get(f"{base}/{sent.message_id}").text

    with pf.sessions() as db:  # the same browser session, still signed in
        members.remove_member(db, organisation_id=firm.id, admin_id=firm.admin,
                              member_account_id=firm.member, now=pf.now)
        db.commit()
    assert app_client.get(base).status_code == 404
    gone = app_client.get(f"{base}/{sent.message_id}")
    assert gone.status_code == 404 and BODY not in gone.text


def test_only_admins_change_who_may_read(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str, firm: Firm
) -> None:
    firm.set_reader(firm.member, True)
    sign_in(app_client, pf, firm.member)
    page = browser.get("/account")
    refused = browser.post_form(f"/organizations/{firm.id}/postfach/readers",
                                {"member": firm.member, "allowed": "no"}, page)
    assert refused.status_code == 403
    assert "Das können nur die Administratorinnen und Administratoren" in refused.text
    sign_in(app_client, pf, firm.member)
    assert app_client.get(f"/organizations/{firm.id}/postfach").status_code == 200
