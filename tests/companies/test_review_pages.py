"""Issue 12 item 3, the Registrierungsstelle's pages: the review queue of the officer's own
administration (filter, search, days waiting, paging), the case with its documents, notes and
history, decisions with a reason (four-eyes, a lost race), and the supervisors' measures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.clock import FixedClock
from servicekonto.companies import review, service
from servicekonto.db.models import Account, AuditEvent
from servicekonto.oidc.provider import Provider
from servicekonto.staff.service import (
    LETTER_DISPATCH,
    REGISTRATION_OFFICER,
    REGISTRATION_SUPERVISOR,
)
from servicekonto.web.routes import review as review_pages
from tests.companies import factories
from tests.companies.desk import (  # noqa: F401  (app_blobs: a fixture)
    CASES,
    COCHEM,
    ZELL,
    activation_letters,
    app_blobs,
    applicant,
    mails_to,
    region,
    sign_in,
    staff,
    submitted,
)
from tests.support import Browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

pytestmark = [pytest.mark.usefixtures("app_blobs")]


@pytest.fixture
def officer(app_client: TestClient, provider: Provider) -> str:
    region(provider)
    account_id = staff(app_client, provider, COCHEM)
    sign_in(app_client, provider, account_id)
    return account_id


def state_of(provider: Provider, organisation_id: str) -> str:
    return factories.state_of(provider.sessions, organisation_id)


def email_of(provider: Provider, account_id: str) -> str:
    with provider.sessions() as db:
        email = db.scalar(select(Account.email).where(Account.id == account_id))
    assert email
    return email


def case_page(browser: Browser, organisation_id: str) -> str:
    page = browser.get(f"{CASES}/{organisation_id}")
    assert page.status_code == 200, page.text[:300]
    return page.text


def post_on_case(browser: Browser, organisation_id: str, action: str,
                 data: dict[str, str]) -> object:
    page = browser.get(f"{CASES}/{organisation_id}")
    return browser.post_form(f"{CASES}/{organisation_id}/{action}", data, page)


def version_of(browser: Browser, organisation_id: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', case_page(browser, organisation_id))
    assert found
    return found.group(1)


# -- the queue -------------------------------------------------------------------------------


def test_the_queue_lists_the_own_administrations_applications_longest_waiting_first(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
    clock: FixedClock,
) -> None:
    older = submitted(provider, name="Alte Kelter GmbH", register_number="HRB 1111")
    clock.advance(seconds=3 * 86_400)
    newer = submitted(provider, name="Neue Kelter GmbH", register_number="HRB 2222")
    in_zell = submitted(provider, name="Zeller Schwarze Katz GmbH", postal_code="56856",
                        locality="Zell (Mosel)", register_number="HRB 3333")
    clock.advance(seconds=86_400)
    sign_in(app_client, provider, officer)  # a session idles out after an hour

    page = browser.get(CASES)

    assert page.status_code == 200, page.headers.get("location")
    assert page.headers["cache-control"] == "no-store"
    assert page.text.index("Alte Kelter GmbH") < page.text.index("Neue Kelter GmbH")
    assert "Zeller Schwarze Katz" not in page.text and in_zell not in page.text
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page.text, re.S)
    assert [re.search(r">(\d+)</td>\s*$", row.strip()).group(1) for row in rows] == ["4", "1"]
    assert "Verbandsgemeinde Cochem" in page.text
    assert f'href="/staff/organizations/{older}"' in page.text
    assert f'href="/staff/organizations/{newer}"' in page.text
    assert '<caption id="queue-caption"' in page.text


def test_the_queue_searches_by_name_and_register_number_and_filters_by_state(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    weingut = submitted(provider, name="Moselweingut Beispiel GmbH",
                        register_number="HRB 1234 B")
    submitted(provider, name="Brauhaus Müller GmbH", register_number="HRB 777")

    assert "Brauhaus" not in browser.get(f"{CASES}?q=moselwein").text
    assert "Moselweingut" in browser.get(f"{CASES}?q=moselwein").text
    by_number = browser.get(f"{CASES}?q=HRB+1234+b").text
    assert "Moselweingut" in by_number and "Brauhaus" not in by_number
    assert "Brauhaus Müller" in browser.get(f"{CASES}?q=brauhaus+m%C3%BCller").text

    with provider.sessions() as db:
        review.decide(db, staff_id=officer, organisation_id=weingut, decision="reject",
                      reason="Kein Weingut.", now=provider.clock.now(), issuer="http://x")
        db.commit()
    assert "Moselweingut" not in browser.get(CASES).text  # waiting: submitted, in review
    rejected = browser.get(f"{CASES}?state=rejected").text
    assert "Moselweingut" in rejected and "Brauhaus" not in rejected
    assert "Moselweingut" in browser.get(f"{CASES}?state=all").text
    assert '<option value="rejected" selected>' in rejected


def test_the_queue_pages_through_long_lists(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
    monkeypatch: pytest.MonkeyPatch, clock: FixedClock,
) -> None:
    monkeypatch.setattr(review_pages, "PAGE_SIZE", 2)
    for number in range(3):
        submitted(provider, name=f"Weingut Nummer {number} GmbH",
                  register_number=f"HRB {5550 + number}")
        clock.advance(seconds=60)

    first = browser.get(CASES).text
    assert "Nummer 0" in first and "Nummer 1" in first and "Nummer 2" not in first
    assert 'href="/staff/organizations?page=2"' in first and "Vorherige Seite" not in first
    second = browser.get(f"{CASES}?page=2").text
    assert "Nummer 2" in second and "Nummer 0" not in second
    assert "Nächste Seite" not in second and 'href="/staff/organizations"' in second


# -- the case --------------------------------------------------------------------------------


def test_the_case_shows_data_responsible_administration_documents_and_history(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = submitted(provider)
    text = case_page(browser, organisation_id)

    assert "<h1>Moselweingut Beispiel GmbH</h1>" in text
    assert "Amtsgericht Koblenz, HRB 1234 B" in text
    assert "Moselweinstraße 12a<br>56812 Cochem" in text
    assert "<dt>Zuständige Verwaltung</dt><dd>Verbandsgemeinde Cochem</dd>" in text
    assert "Handelsregisterauszug" in text and "HR-Auszug.pdf" in text
    assert "Antrag eingereicht" in text  # the history
    assert 'name="decision" value="approve"' in text
    assert 'name="decision" value="request_info"' in text
    assert 'name="decision" value="reject"' in text
    assert "Vier-Augen-Prinzip" not in text
    assert "Aufsicht" not in text  # an officer, not a supervisor


def test_a_document_downloads_as_an_attachment_with_a_sandboxing_csp(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = submitted(provider)
    link = re.search(r'href="(/staff/organizations/[^"]+/documents/[^"]+)" download',
                     case_page(browser, organisation_id))
    assert link

    response = browser.get(link.group(1))

    assert response.status_code == 200
    assert response.content == factories.PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert "HR-Auszug" not in response.headers["content-disposition"]  # never the upload's name
    assert "sandbox; default-src 'none'" in response.headers.get_list("content-security-policy")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert browser.get(link.group(1) + "/view").status_code == 404  # a PDF is never inline


def test_an_image_is_shown_inline_from_a_same_origin_url(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    person = applicant(provider)
    now = provider.clock.now()
    organisation_id = factories.draft(provider.sessions, now, person)
    with provider.sessions() as db:
        document = service.add_document(
            db, applicant_id=person, organisation_id=organisation_id, doc_type="gewerbeanmeldung",
            data=PNG, content_type="image/png", original_filename="Gewerbe.png",
            scan_status="clean", store=factories.store(db), now=now,
        )
        service.submit(db, applicant_id=person, organisation_id=organisation_id, now=now)
        db.commit()
    url = f"{CASES}/{organisation_id}/documents/{document.id}/view"

    assert f'<img src="{url}"' in case_page(browser, organisation_id)
    shown = browser.get(url)
    assert shown.status_code == 200 and shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"].startswith("inline")
    assert "sandbox; default-src 'none'" in shown.headers.get_list("content-security-policy")


def test_officers_leave_notes_for_each_other_never_empty(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = submitted(provider)

    empty = post_on_case(browser, organisation_id, "notes", {"text": "   "})
    assert empty.status_code == 422  # type: ignore[attr-defined]
    assert "Bitte schreiben Sie einen Text." in empty.text  # type: ignore[attr-defined]

    saved = post_on_case(browser, organisation_id, "notes",
                         {"text": "Register geprüft, Geschäftsführer stimmt."})
    assert saved.headers["location"] == f"{CASES}/{organisation_id}?notice=note"  # type: ignore[attr-defined]
    text = case_page(browser, organisation_id)
    assert "Register geprüft, Geschäftsführer stimmt." in text
    assert email_of(provider, officer) in text


def test_cross_site_posts_are_refused(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = submitted(provider)
    refused = browser.post_form(f"{CASES}/{organisation_id}/decision",
                                {"decision": "reject", "reason": "x"})
    assert refused.status_code == 403
    assert state_of(provider, organisation_id) == "submitted"


# -- decisions -------------------------------------------------------------------------------


def test_start_review_then_request_information_with_a_reason_the_applicant_reads(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = submitted(provider)
    started = post_on_case(browser, organisation_id, "review", {})
    assert started.headers["location"].endswith("?notice=review")  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "in_review"

    no_reason = post_on_case(browser, organisation_id, "decision", {
        "decision": "request_info", "reason": "", "version": version_of(browser, organisation_id),
    })
    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    assert "Bitte begründen Sie die Entscheidung." in no_reason.text  # type: ignore[attr-defined]
    assert 'value="request_info" required checked' in no_reason.text  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "in_review"

    asked = post_on_case(browser, organisation_id, "decision", {
        "decision": "request_info", "reason": "Bitte reichen Sie die Gewerbeanmeldung nach.",
        "version": version_of(browser, organisation_id),
    })
    assert asked.headers["location"].endswith("?notice=request_info")  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "info_requested"
    with provider.sessions() as db:
        row = db.get(factories.Organisation, organisation_id)
        assert row is not None and row.applicant_account_id
        applicant_id = row.applicant_account_id
    address = email_of(provider, applicant_id)
    [mail] = mails_to(provider, address)
    assert "Bitte reichen Sie die Gewerbeanmeldung nach." in mail["body"]
    assert "Ihre Rückfrage ist verschickt" in browser.get(asked.headers["location"]).text  # type: ignore[attr-defined]


def test_an_approval_queues_the_activation_letter_for_the_dispatch_view(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = submitted(provider)
    approved = post_on_case(browser, organisation_id, "decision", {
        "decision": "approve", "reason": "Handelsregisterauszug passt.",
        "version": version_of(browser, organisation_id),
    })
    assert approved.headers["location"].endswith("?notice=approve")  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "approved"
    [letter] = activation_letters(provider, organisation_id)
    assert letter.kind == "org_activation" and letter.administration_slug == COCHEM
    assert letter.recipient["lines"] == [
        "Moselweingut Beispiel GmbH", "Geschäftsleitung", "Moselweinstraße 12a", "56812 Cochem",
    ]

    dispatcher = staff(app_client, provider, COCHEM, LETTER_DISPATCH)
    sign_in(app_client, provider, dispatcher)
    letters = browser.get("/staff/letters").text
    assert letter.reference in letters and "Aktivierung Unternehmen" in letters


def test_four_eyes_needs_a_second_different_officer_and_says_so(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    with provider.sessions() as db:
        review.set_four_eyes_as_operator(db, administration_slug=COCHEM, enabled=True,
                                         now=provider.clock.now(), actor="system:test")
        db.commit()
    organisation_id = submitted(provider)
    assert "Vier-Augen-Prinzip" in case_page(browser, organisation_id)

    first = post_on_case(browser, organisation_id, "decision", {
        "decision": "approve", "reason": "Passt.", "version": version_of(browser, organisation_id),
    })
    assert first.headers["location"].endswith("?notice=first_approval")  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "in_review"
    assert activation_letters(provider, organisation_id) == []
    text = case_page(browser, organisation_id)
    assert "Sie haben die erste Genehmigung erteilt" in text

    again = post_on_case(browser, organisation_id, "decision", {
        "decision": "approve", "reason": "Passt.", "version": version_of(browser, organisation_id),
    })
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "Zweite Genehmigung durch eine andere Person" in again.text  # type: ignore[attr-defined]

    colleague = staff(app_client, provider, COCHEM)
    sign_in(app_client, provider, colleague)
    assert email_of(provider, officer) in case_page(browser, organisation_id)
    second = post_on_case(browser, organisation_id, "decision", {
        "decision": "approve", "reason": "Zweite Prüfung: passt.",
        "version": version_of(browser, organisation_id),
    })
    assert second.headers["location"].endswith("?notice=approve")  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "approved"
    assert len(activation_letters(provider, organisation_id)) == 1


def test_a_decision_on_a_case_someone_else_decided_meanwhile_gets_a_clear_page(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = submitted(provider)
    page = browser.get(f"{CASES}/{organisation_id}")
    shown_version = version_of(browser, organisation_id)
    colleague = staff(app_client, provider, COCHEM)
    factories.decided(provider.sessions, provider.clock.now(), colleague, organisation_id,
                      "reject", "Kein Handelsregistereintrag.")

    late = browser.post_form(f"{CASES}/{organisation_id}/decision", {
        "decision": "approve", "reason": "Passt.", "version": shown_version,
    }, page)

    assert late.status_code == 409
    assert "Bereits von jemand anderem entschieden" in late.text
    assert f'href="{CASES}/{organisation_id}"' in late.text
    assert state_of(provider, organisation_id) == "rejected"
    assert activation_letters(provider, organisation_id) == []


def test_staff_cannot_decide_their_own_application(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = factories.submitted(provider.sessions, provider.clock.now(), officer)
    own = post_on_case(browser, organisation_id, "decision", {
        "decision": "approve", "reason": "Passt.",
    })
    assert own.status_code == 403  # type: ignore[attr-defined]
    assert "Eigener Antrag" in own.text  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "submitted"


# -- supervision -----------------------------------------------------------------------------


def test_supervisors_suspend_reinstate_and_close_with_a_reason(
    app_client: TestClient, provider: Provider, browser: Browser,
) -> None:
    region(provider)
    officer = staff(app_client, provider, COCHEM)
    organisation_id = factories.activated(provider.sessions, provider.clock.now(),
                                          applicant(provider), officer)
    supervisor = staff(app_client, provider, COCHEM, REGISTRATION_SUPERVISOR)
    sign_in(app_client, provider, supervisor)
    text = case_page(browser, organisation_id)
    assert 'name="action" value="suspend"' in text and 'name="action" value="close"' in text
    assert 'name="decision"' not in text  # supervisors do not decide applications

    no_reason = post_on_case(browser, organisation_id, "supervision",
                             {"action": "suspend", "reason": ""})
    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    assert "Bitte begründen Sie" in no_reason.text  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "activated"

    for action, state in (("suspend", "suspended"), ("reinstate", "activated"),
                          ("close", "closed")):
        done = post_on_case(browser, organisation_id, "supervision",
                            {"action": action, "reason": f"Grund für {action}"})
        assert done.headers["location"].endswith(f"?notice={action}")  # type: ignore[attr-defined]
        assert state_of(provider, organisation_id) == state
    with provider.sessions() as db:
        events = list(db.scalars(select(AuditEvent.event).where(
            AuditEvent.subject == f"organisation:{organisation_id}")))
    assert events[-3:] == ["organisation.suspended", "organisation.reinstated",
                           "organisation.closed"]


def test_an_officer_without_the_supervisor_role_cannot_suspend(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
) -> None:
    organisation_id = factories.activated(provider.sessions, provider.clock.now(),
                                          applicant(provider), officer)
    colleague = staff(app_client, provider, COCHEM, REGISTRATION_OFFICER)
    sign_in(app_client, provider, colleague)
    assert 'name="action"' not in case_page(browser, organisation_id)
    refused = post_on_case(browser, organisation_id, "supervision",
                           {"action": "suspend", "reason": "Missbrauch"})
    assert refused.status_code == 404  # type: ignore[attr-defined]
    assert state_of(provider, organisation_id) == "activated"


def test_waiting_days_count_from_the_last_submission(
    app_client: TestClient, provider: Provider, officer: str, browser: Browser,
    clock: FixedClock,
) -> None:
    """An application that came back with the requested information waits from then."""
    person = applicant(provider)
    organisation_id = factories.submitted(provider.sessions, clock.now(), person)
    factories.decided(provider.sessions, clock.now(), officer, organisation_id, "request_info",
                      "Gewerbeanmeldung fehlt.")
    clock.advance(seconds=timedelta(days=10).total_seconds())
    with provider.sessions() as db:
        service.supplement(db, applicant_id=person, organisation_id=organisation_id,
                           answer="Anbei.", now=clock.now())
        db.commit()
    clock.advance(seconds=timedelta(days=2).total_seconds())
    sign_in(app_client, provider, officer)
    assert re.search(r">2</td>\s*</tr>", browser.get(CASES).text)
    assert ZELL  # the region has more than one administration (see the isolation matrix)
