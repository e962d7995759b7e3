"""Issue 12 item 5 by page: `/organizations/{id}` for the members of an activated organisation
(details, roles, online services, removal, invitations, activity log, leaving, the last-admin
rule) and the invitation link `/organizations/invitations/{token}` (login and return, accept,
replay, expiry, another address, CSRF, no token in logs or Referer)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.clock import FixedClock
from servicekonto.companies import members
from servicekonto.db.models import AuditEvent, OrganisationMember, OutboxMessage
from servicekonto.oidc.provider import Provider
from tests.companies.factories import activated, seed_region, staff, submitted
from tests.support import (
    PASSWORD,
    Browser,
    account_id_of,
    make_account,
    make_client,
)
from tests.test_no_personal_data_in_logs import _record_text, captured_logs

__all__ = ["captured_logs"]  # the fixture, imported for the log test
pytestmark = pytest.mark.postgres

ADMIN_EMAIL = "chefin@weingut.example"
COLLEAGUE = "kollege@weingut.example"
LINK = re.compile(r"http://testserver(/organizations/invitations/[A-Za-z0-9_-]+)")


@dataclass
class Firm:
    organisation_id: str
    admin_id: str
    path: str


@pytest.fixture
def firm(provider: Provider, clock: FixedClock) -> Firm:
    """Moselweingut Beispiel GmbH, activated; Erika Mustermann (ADMIN_EMAIL) its first admin."""
    seed_region(provider.sessions)
    now = clock.now()
    admin = account_id_of(provider, make_account(provider, ADMIN_EMAIL))
    officer = staff(provider.sessions, now, "vg-cochem")
    organisation = activated(provider.sessions, now, admin, officer)
    return Firm(organisation, admin, f"/organizations/{organisation}")


@pytest.fixture
def other_browser(app_client: TestClient) -> Iterator[Browser]:
    """A second person's browser (own cookies) on the same app."""
    with TestClient(app_client.app, base_url="http://testserver") as http:
        yield Browser(http)


def log_in(browser: Browser, email: str, url: str = "/login") -> httpx.Response:
    response = browser.post_form(url, {"username": email, "password": PASSWORD}, browser.get(url))
    assert response.status_code == 303, response.text[:300]
    return response


def invite(browser: Browser, firm: Firm, email: str = COLLEAGUE,
           role: str = "member") -> httpx.Response:
    return browser.post_form(f"{firm.path}/invitations", {"email": email, "role": role},
                             browser.get(firm.path))


def invitation_path(provider: Provider) -> str:
    """The link in the newest invitation mail (the outbox), as a local path."""
    with provider.sessions() as db:
        bodies = [m.payload["body"] for m in db.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc())) if "to" in m.payload]
    found = LINK.search(bodies[0])
    assert found, bodies[0]
    return found.group(1)


def accept(browser: Browser, path: str, page: httpx.Response) -> httpx.Response:
    """The accept button as a browser posts it from a `no-referrer` page: `Origin: null`."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return browser.http.post(
        path, content=f"csrf_token={token.group(1)}", follow_redirects=False,
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )


def join(provider: Provider, browser: Browser, other: Browser, firm: Firm,
         email: str = COLLEAGUE, role: str = "member") -> str:
    """Invite `email` by page and accept it in `other`; returns the new member's id."""
    make_account(provider, email, attributes={})
    assert invite(browser, firm, email, role).status_code == 303
    path = invitation_path(provider)
    log_in(other, email)
    page = other.get(path)
    assert accept(other, path, page).status_code == 303
    return account_id_of(provider, email)


def membership(provider: Provider, organisation_id: str, account_id: str) -> str | None:
    with provider.sessions() as db:
        return db.scalar(select(OrganisationMember.role).where(
            OrganisationMember.organisation_id == organisation_id,
            OrganisationMember.account_id == account_id))


# -- the organisation's page ---------------------------------------------------------------------


def test_an_admin_sees_the_organisation_its_members_and_the_activity(
    browser: Browser, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    page = browser.get(firm.path)

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert "<h1>Moselweingut Beispiel GmbH</h1>" in text
    assert "Gesellschaft mit beschränkter Haftung" in text or "GmbH" in text
    assert "Amtsgericht Koblenz, HRB 1234 B" in text
    assert "Moselweinstraße 12a, 56812 Cochem" in text
    assert "<dt>Ihre Rolle</dt><dd>Administrator/in</dd>" in text
    assert "Erika Mustermann (Sie)" in text
    assert 'name="email"' in text and 'name="role"' in text  # DESIGN §9 invitation form
    assert "Mitglied aufgenommen" in text  # the activity log names the first admin's joining


def test_a_plain_member_sees_the_details_and_may_leave_but_manages_nothing(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    join(provider, browser, other_browser, firm)

    page = other_browser.get(firm.path)

    assert page.status_code == 200
    assert "<dt>Ihre Rolle</dt><dd>Mitglied</dd>" in page.text
    assert "Organisation verlassen" in page.text
    assert "Jemanden einladen" not in page.text and "Änderungen" not in page.text
    refused = other_browser.post_form(f"{firm.path}/invitations",
                                      {"email": "x@example.org", "role": "member"}, page)
    assert refused.status_code == 403


def test_non_members_unknown_ids_and_inactive_organisations_are_404(
    provider: Provider, browser: Browser, clock: FixedClock, firm: Firm
) -> None:
    assert browser.get(firm.path).headers["location"] == "/login"
    stranger = make_account(provider)
    log_in(browser, stranger)
    assert browser.get(firm.path).status_code == 404
    assert browser.get("/organizations/does-not-exist").status_code == 404
    page = browser.get("/account")
    assert browser.post_form(f"{firm.path}/leave", {}, page).status_code == 404
    assert browser.post_form(f"{firm.path}/invitations", {"email": COLLEAGUE, "role": "member"},
                             page).status_code == 404
    # the applicant of an organisation under review is no member of it (yet)
    draft = submitted(provider.sessions, clock.now(), account_id_of(provider, stranger),
                      name="Zweites Weingut GmbH", register_number="HRB 999")
    assert browser.get(f"/organizations/{draft}").status_code == 404


def test_the_last_admin_can_neither_leave_nor_step_down(browser: Browser, firm: Firm) -> None:
    log_in(browser, ADMIN_EMAIL)
    page = browser.get(firm.path)

    left = browser.post_form(f"{firm.path}/leave", {}, page)
    demoted = browser.post_form(f"{firm.path}/members/{firm.admin_id}/role", {"role": "member"},
                                page)
    removed = browser.post_form(f"{firm.path}/members/{firm.admin_id}/remove", {}, page)

    for answer in (left, demoted, removed):
        assert answer.status_code == 409
        assert "mindestens eine Administratorin oder einen Administrator" in answer.text
        assert "Bitte ernennen Sie zuerst" in answer.text
    assert browser.get(firm.path).status_code == 200  # still an admin


def test_an_admin_sets_roles_and_online_services_and_the_log_shows_who_did_it(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    portal = make_client(provider, name="Gewerbeportal",
                         scopes=["openid", "profile", "organization"])
    make_client(provider, name="Ohne Organisationen", scopes=["openid", "profile"])
    log_in(browser, ADMIN_EMAIL)
    colleague = join(provider, browser, other_browser, firm)
    page = browser.get(firm.path)
    assert "Gewerbeportal" in page.text and "Ohne Organisationen" not in page.text

    saved = browser.post_form(f"{firm.path}/members/{colleague}/services",
                              [("client_ids", portal.client_id)], page)
    assert saved.status_code == 303
    with provider.sessions() as db:
        assert members.may_act_for(db, account_id=colleague, organisation_id=firm.organisation_id,
                                   client_id=portal.client_id)
    unknown = browser.post_form(f"{firm.path}/members/{colleague}/services",
                                [("client_ids", "no-such-client")], page)
    assert unknown.status_code == 422
    assert "Einen dieser Online-Dienste gibt es nicht mehr." in unknown.text

    promoted = browser.post_form(f"{firm.path}/members/{colleague}/role", {"role": "admin"}, page)
    assert promoted.status_code == 303
    assert membership(provider, firm.organisation_id, colleague) == "admin"

    log = browser.get(firm.path).text
    activity = log[log.index('id="activity"'):]
    assert "Online-Dienste geändert: Gewerbeportal" in activity
    assert "Rolle geändert: Administrator/in" in activity
    assert "Erika Mustermann" in activity and COLLEAGUE in activity


def test_a_removed_member_loses_access_at_once(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    colleague = join(provider, browser, other_browser, firm)
    assert other_browser.get(firm.path).status_code == 200

    removed = browser.post_form(f"{firm.path}/members/{colleague}/remove", {},
                                browser.get(firm.path))

    assert removed.headers["location"] == f"{firm.path}?notice=removed#members"
    assert other_browser.get(firm.path).status_code == 404  # the same session, next request
    assert membership(provider, firm.organisation_id, colleague) is None
    with provider.sessions() as db:
        event = db.scalars(select(AuditEvent).where(
            AuditEvent.event == "organisation.member_removed")).one()
    assert event.actor == f"account:{firm.admin_id}"
    assert event.details == {"member": f"account:{colleague}"}


def test_a_member_leaves(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    colleague = join(provider, browser, other_browser, firm)

    left = other_browser.post_form(f"{firm.path}/leave", {}, other_browser.get(firm.path))

    assert left.headers["location"] == "/organizations/left"
    assert "Sie haben die Organisation verlassen" in other_browser.get("/organizations/left").text
    assert other_browser.get(firm.path).status_code == 404
    assert membership(provider, firm.organisation_id, colleague) is None
    assert "Hat die Organisation verlassen" in browser.get(firm.path).text  # the log


def test_member_forms_need_the_csrf_token(
    browser: Browser, app_client: TestClient, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    for action in ("invitations", "leave", f"members/{firm.admin_id}/role"):
        answer = app_client.post(
            f"{firm.path}/{action}", content="email=x%40example.org&role=member",
            headers={"Origin": "http://testserver",
                     "Content-Type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        assert answer.status_code == 403, action
    foreign = browser.post_form(f"{firm.path}/leave", {}, browser.get(firm.path))
    assert foreign.status_code == 409  # the token passes; the last-admin rule answers
    evil = Browser(browser.http, origin="https://evil.example")
    assert evil.post_form(f"{firm.path}/leave", {}, browser.get(firm.path)).status_code == 403


# -- invitations ---------------------------------------------------------------------------------


def test_an_invitation_is_mailed_and_accepted_after_a_login_that_returns_to_it(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    make_account(provider, COLLEAGUE, attributes={})
    log_in(browser, ADMIN_EMAIL)

    sent = invite(browser, firm)

    assert sent.headers["location"] == f"{firm.path}?notice=invited#invitations"
    overview = browser.get(sent.headers["location"]).text
    assert "Die Einladung ist unterwegs." in overview
    assert f"Einladung an {COLLEAGUE} zurückziehen" in overview
    path = invitation_path(provider)
    assert path not in overview  # the link is in the mail only

    shown = other_browser.get(path)
    assert shown.status_code == 200
    assert shown.headers["referrer-policy"] == "no-referrer"
    assert "Einladung zum Unternehmenskonto „Moselweingut Beispiel GmbH“" in shown.text
    assert "<dt>Eingeladen von</dt><dd>Erika Mustermann</dd>" in shown.text
    login_link = re.search(r'href="(/login\?next=[^"]+)"', shown.text)
    assert login_link and login_link.group(1) == f"/login?next={path}"

    back = log_in(other_browser, COLLEAGUE, login_link.group(1))
    assert back.headers["location"] == path
    page = other_browser.get(path)
    assert "Einladung annehmen" in page.text

    joined = accept(other_browser, path, page)

    assert joined.headers["location"] == f"{firm.path}?notice=joined"
    member_page = other_browser.get(joined.headers["location"])
    assert "Sie gehören jetzt zu dieser Organisation" in member_page.text
    assert membership(provider, firm.organisation_id, account_id_of(provider, COLLEAGUE)) \
        == "member"


def test_accepting_needs_a_login_which_returns_to_the_link(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    invite(browser, firm)
    path = invitation_path(provider)
    assert "Anmelden und Einladung annehmen" in other_browser.get(path).text

    answer = accept(other_browser, path, other_browser.get("/login"))

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={path}"


def test_a_used_withdrawn_or_expired_link_gets_a_helpful_page(
    provider: Provider, browser: Browser, other_browser: Browser, clock: FixedClock, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    join(provider, browser, other_browser, firm)
    used = invitation_path(provider)

    replay = other_browser.get(used)
    assert replay.status_code == 404
    assert replay.headers["referrer-policy"] == "no-referrer"
    assert "Einladung nicht gültig" in replay.text
    assert "Bitten Sie die Person, die Sie eingeladen hat, um eine neue Einladung." in replay.text
    assert accept(other_browser, used, other_browser.get("/account")).status_code == 404

    invite(browser, firm, "zweite@weingut.example")
    withdrawn = invitation_path(provider)
    page = browser.get(firm.path)
    [invitation_id] = re.findall(r'/invitations/([A-Za-z0-9]+)/withdraw', page.text)
    assert browser.post_form(f"{firm.path}/invitations/{invitation_id}/withdraw", {},
                             page).status_code == 303
    assert "Einladung nicht gültig" in other_browser.get(withdrawn).text

    invite(browser, firm, "dritte@weingut.example")
    late = invitation_path(provider)
    assert other_browser.get(late).status_code == 200
    clock.advance(seconds=int(members.INVITATION_TTL.total_seconds()) + 1)
    assert other_browser.get(late).status_code == 404


def test_accepting_with_another_address_is_refused_clearly(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    invite(browser, firm)
    path = invitation_path(provider)
    someone_else = make_account(provider, "jemand@anders.example", attributes={})
    log_in(other_browser, someone_else)

    page = other_browser.get(path)
    assert "Diese Einladung gilt für eine andere E-Mail-Adresse" in page.text
    refused = accept(other_browser, path, page)

    assert refused.status_code == 403
    assert "Diese Einladung gilt für eine andere E-Mail-Adresse" in refused.text
    assert membership(provider, firm.organisation_id,
                      account_id_of(provider, someone_else)) is None
    make_account(provider, COLLEAGUE, attributes={})  # the link still works for the invitee
    log_in(other_browser, COLLEAGUE)
    assert accept(other_browser, path, other_browser.get(path)).status_code == 303


def test_the_accept_form_refuses_cross_site_posts(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    make_account(provider, COLLEAGUE, attributes={})
    log_in(browser, ADMIN_EMAIL)
    invite(browser, firm)
    path = invitation_path(provider)
    log_in(other_browser, COLLEAGUE)
    page = other_browser.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token

    def post(headers: dict[str, str], body: str = f"csrf_token={token.group(1)}") -> int:
        return other_browser.http.post(
            path, content=body, follow_redirects=False,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        ).status_code

    assert post({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}) == 403
    assert post({"Origin": "null", "Sec-Fetch-Site": "cross-site"}) == 403
    assert post({"Origin": "null"}) == 403
    assert post({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, body="") == 403
    assert membership(provider, firm.organisation_id, account_id_of(provider, COLLEAGUE)) is None
    assert post({"Origin": "null", "Sec-Fetch-Site": "same-origin"}) == 303


def test_invitation_form_errors_are_shown_at_the_field(browser: Browser, firm: Firm) -> None:
    log_in(browser, ADMIN_EMAIL)

    malformed = invite(browser, firm, "keine-adresse")
    wrong_role = invite(browser, firm, COLLEAGUE, "owner")
    member_already = invite(browser, firm, ADMIN_EMAIL)

    assert malformed.status_code == 422
    assert 'id="email-error"' in malformed.text and "gültige E-Mail-Adresse" in malformed.text
    assert 'value="keine-adresse"' in malformed.text
    assert wrong_role.status_code == 422 and 'id="role-error"' in wrong_role.text
    assert member_already.status_code == 409
    assert "Diese Person gehört der Organisation bereits an." in member_already.text


def test_invitations_are_rate_limited_per_address(browser: Browser, firm: Firm) -> None:
    log_in(browser, ADMIN_EMAIL)
    answers = [invite(browser, firm).status_code for _ in range(6)]

    assert answers == [303] * 5 + [429]


def test_the_invitation_token_stays_out_of_the_logs(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm,
    captured_logs: tuple[object, object],
) -> None:
    collector, stream = captured_logs
    log_in(browser, ADMIN_EMAIL)
    join(provider, browser, other_browser, firm)
    token = invitation_path(provider).rsplit("/", 1)[1]
    other_browser.get(f"/organizations/invitations/{token}")  # the replay page as well

    records = collector.records  # type: ignore[attr-defined]
    assert records, "nothing was logged: the capture is broken"
    assert not [r for r in records if token in _record_text(r)]
    assert token not in stream.getvalue()  # type: ignore[attr-defined]
    with provider.sessions() as db:
        details = [str(e.details) for e in db.scalars(select(AuditEvent))]
    assert not [d for d in details if token in d]


def test_removing_a_member_of_another_organisation_is_404(
    provider: Provider, browser: Browser, other_browser: Browser, clock: FixedClock, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    colleague = join(provider, browser, other_browser, firm)
    other_admin = make_account(provider, "chef@anderes.example")
    officer = staff(provider.sessions, clock.now(), "vg-cochem")
    other_firm = activated(provider.sessions, clock.now(), account_id_of(provider, other_admin),
                           officer, name="Anderes Weingut GmbH", register_number="HRB 4321")
    log_in(other_browser, other_admin)

    answer = other_browser.post_form(f"/organizations/{other_firm}/members/{colleague}/remove",
                                     {}, other_browser.get(f"/organizations/{other_firm}"))

    assert answer.status_code == 404
    assert membership(provider, firm.organisation_id, colleague) == "member"




def test_the_account_page_lists_the_organisations(
    provider: Provider, browser: Browser, other_browser: Browser, firm: Firm
) -> None:
    log_in(browser, ADMIN_EMAIL)
    join(provider, browser, other_browser, firm)

    admin_view = browser.get("/account").text
    member_view = other_browser.get("/account").text

    assert f'<a href="{firm.path}">Moselweingut Beispiel GmbH</a> (Administrator/in)' in admin_view
    assert f'<a href="{firm.path}">Moselweingut Beispiel GmbH</a> (Mitglied)' in member_view
