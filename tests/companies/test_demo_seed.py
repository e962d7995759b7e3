"""The demo's company accounts (issue 12 item 8): a Registrierungsstelle per administration with
bound authenticator apps, four-eyes at VG Zell, two submitted applications with sample documents
that each administration's officers alone see, and an activated company with two members that
the demo portal (scope `organization`) may be used for. Seeding again changes nothing.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts.means import TOTP_SEALING_PURPOSE
from servicekonto.audit.service import verify_chain
from servicekonto.blobs.stores import open_store
from servicekonto.companies import review
from servicekonto.companies.members import may_act_for, memberships_for
from servicekonto.companies.service import document_content, documents_of
from servicekonto.db.base import Base
from servicekonto.db.models import (
    Account,
    Administration,
    Client,
    LoginMeans,
    Organisation,
    StaffRole,
)
from servicekonto.security import totp
from servicekonto.security.sealing import Sealer
from servicekonto.settings import Settings
from servicekonto.sim.demo_documents import SAMPLE_MARK
from servicekonto.sim.demo_seed import DEMO_ACTOR, seed
from servicekonto.staff.service import roles_of
from tests.companies.factories import ISSUER
from tests.support import FAST_ARGON2, FAST_HASHING

pytestmark = pytest.mark.postgres

ANNA = "anna.schmitz@demo.servicekonto.example"
JONAS = "jonas.mueller@demo.servicekonto.example"
ZELL_OFFICER = "registrierung.zell@demo.servicekonto.example"
ZELL_LEAD = "leitung.zell@demo.servicekonto.example"
ULMEN_OFFICER = "registrierung.ulmen@demo.servicekonto.example"


@pytest.fixture
def demo_settings(database_url: str, tmp_path: Path) -> Settings:
    # The demo clients' addresses follow the issuer; a loopback one, as `make run` has.
    return Settings(dev_mode=True, issuer="http://127.0.0.1:8000", data_dir=tmp_path,
                    database_url=database_url, outbox_interval_seconds=0, **FAST_ARGON2)


@pytest.fixture
def seeded(
    sessions: sessionmaker[Session], demo_settings: Settings, now: datetime
) -> dict[str, Any]:
    return _seed(sessions, demo_settings, now)


def _seed(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> dict[str, Any]:
    with sessions() as db:
        result = seed(db, settings=settings, hashing=FAST_HASHING, now=now)
        db.commit()
    return result


def _id(db: Session, email: str) -> str:
    return db.scalars(select(Account.id).where(Account.email == email)).one()


def _organisation(seeded: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in seeded["organizations"] if o["name"] == name)


def _row_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as db:
        return {
            table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def test_seeding_again_changes_nothing(
    sessions: sessionmaker[Session], demo_settings: Settings, seeded: dict[str, Any],
    now: datetime,
) -> None:
    before = _row_counts(sessions)

    again = _seed(sessions, demo_settings, now)

    assert again == seeded
    assert _row_counts(sessions) == before
    assert before["organisations"] == 3 and before["audit_events"] > 0
    with sessions() as db:
        assert verify_chain(db).intact


def test_a_registration_office_per_administration_each_with_a_bound_app(
    sessions: sessionmaker[Session], demo_settings: Settings, seeded: dict[str, Any]
) -> None:
    staff = seeded["staff"]
    slugs = {"kv-cochem-zell", "vg-cochem", "vg-kaisersesch", "vg-ulmen", "vg-zell"}
    assert staff[0]["username"] == "druckerei@demo.servicekonto.example"  # kept first
    assert len(staff) == 1 + 2 * len(slugs)
    for entry in staff:  # DESIGN §9's row
        assert {"username", "password", "administration", "role", "totp_secret"} <= set(entry)
    officers = {s["administration"] for s in staff if s["role"] == "registration_officer"}
    leads = {s["administration"] for s in staff if s["role"] == "registration_supervisor"}
    assert officers == slugs and leads == slugs
    sealer = Sealer(demo_settings.secret_key, TOTP_SEALING_PURPOSE)
    with sessions() as db:
        for entry in staff:
            account_id = _id(db, entry["username"])
            held = roles_of(db, account_id=account_id)
            assert {role for _slug, role in held} == set(entry["roles"])
            assert {slug for slug, _role in held} == set(entry["administrations"])
            account = db.get(Account, account_id)
            assert account is not None and account.password_hash is not None
            assert FAST_HASHING.verify(account.password_hash, entry["password"])[0]
            app = db.scalars(select(LoginMeans).where(LoginMeans.account_id == account_id)).one()
            assert app.state == "active" and app.bound_at is not None
            assert app.secret_sealed is not None
            assert totp.to_base32(sealer.open(app.secret_sealed, aad=app.id)) == (
                entry["totp_secret"]
            )
        assert db.scalar(select(func.count()).select_from(StaffRole)) == 5 + 5 * 4
        four_eyes = set(db.scalars(select(Administration.slug)
                                   .where(Administration.four_eyes.is_(True))))
    assert four_eyes == {"vg-zell"} == set(seeded["four_eyes"])
    assert len({s["totp_secret"] for s in staff}) == len(staff), "shared authenticator secret"


def test_officers_see_their_administrations_pending_application_and_not_the_others(
    sessions: sessionmaker[Session], seeded: dict[str, Any], now: datetime
) -> None:
    baeckerei = _organisation(seeded, "Bäckerei Zeller e. K.")
    verein = _organisation(seeded, "Sportverein Ulmen e. V.")
    assert (baeckerei["state"], baeckerei["administration"]) == ("submitted", "vg-zell")
    assert (verein["state"], verein["administration"]) == ("submitted", "vg-ulmen")

    with sessions() as db:
        def queue(email: str) -> list[str]:
            return [e.name for e in review.review_queue(db, staff_id=_id(db, email), now=now)]

        assert queue(ZELL_OFFICER) == ["Bäckerei Zeller e. K."]
        assert queue(ZELL_LEAD) == ["Bäckerei Zeller e. K."]
        assert queue(ULMEN_OFFICER) == ["Sportverein Ulmen e. V."]
        assert queue("registrierung.cochem@demo.servicekonto.example") == []
        assert queue("registrierung.kreis@demo.servicekonto.example") == []
        with pytest.raises(Exception, match="no such organisation"):
            review.get_for_staff(db, staff_id=_id(db, ULMEN_OFFICER),
                                 organisation_id=baeckerei["id"])


def test_the_sample_documents_passed_the_upload_checks_and_say_they_are_samples(
    sessions: sessionmaker[Session], seeded: dict[str, Any], demo_settings: Settings
) -> None:
    expected = {
        "Bäckerei Zeller e. K.": ["handelsregisterauszug", "gewerbeanmeldung"],
        "Sportverein Ulmen e. V.": ["vereinsregisterauszug", "satzung"],
        "Weinhaus Cochem GmbH": ["handelsregisterauszug"],
    }
    with sessions() as db:
        for name, doc_types in expected.items():
            organisation_id = _organisation(seeded, name)["id"]
            documents = documents_of(db, organisation_id)
            assert sorted(d.doc_type for d in documents) == sorted(doc_types)
            for document in documents:
                assert document.content_type == "application/pdf"
                assert document.scan_status == "skipped"  # no clamd in the tests
                data = document_content(db, organisation_id=organisation_id,
                                        document_id=document.id,
                                        store=open_store(demo_settings, db)).data
                text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
                assert SAMPLE_MARK.split(" – ")[0] in text and name.split()[0] in text


def test_the_activated_company_has_two_members_and_may_be_used_at_the_demo_portal(
    sessions: sessionmaker[Session], seeded: dict[str, Any]
) -> None:
    weinhaus = _organisation(seeded, "Weinhaus Cochem GmbH")
    assert (weinhaus["state"], weinhaus["administration"]) == ("activated", "vg-cochem")
    assert weinhaus["members"] == [{"username": ANNA, "role": "admin"},
                                   {"username": JONAS, "role": "member"}]
    portal = next(c for c in seeded["clients"] if c["client_id"] == "demo-portal")
    assert "organization" in portal["scopes"]
    with sessions() as db:
        anna, jonas = _id(db, ANNA), _id(db, JONAS)
        assert [m.name for m in memberships_for(db, account_id=anna)] == ["Weinhaus Cochem GmbH"]
        assert [m.role for m in memberships_for(db, account_id=jonas)] == ["member"]
        for client_id, jonas_may in (("demo-portal", True), ("demo-fachverfahren", False)):
            assert may_act_for(db, account_id=jonas, organisation_id=weinhaus["id"],
                               client_id=client_id) is jonas_may
            assert may_act_for(db, account_id=anna, organisation_id=weinhaus["id"],
                               client_id=client_id)
        row = db.get(Client, "demo-portal")
        assert row is not None and "organization" in row.scopes
        names = set(db.scalars(select(Organisation.name)))
    assert "Moselweingut Beispiel GmbH" not in names  # the README's journey registers it


def test_four_eyes_at_vg_zell_needs_the_officer_and_the_lead(
    sessions: sessionmaker[Session], seeded: dict[str, Any], now: datetime
) -> None:
    baeckerei = _organisation(seeded, "Bäckerei Zeller e. K.")["id"]
    with sessions() as db:
        first = review.decide(db, staff_id=_id(db, ZELL_OFFICER), organisation_id=baeckerei,
                              decision="approve", reason="Register geprüft.", now=now,
                              issuer=ISSUER)
        second = review.decide(db, staff_id=_id(db, ZELL_LEAD), organisation_id=baeckerei,
                               decision="approve", reason="Zweite Prüfung.", now=now,
                               issuer=ISSUER)
        db.commit()
    assert (first.complete, first.state) == (False, "in_review")
    assert (second.complete, second.state) == (True, "approved")


def test_a_demo_database_seeded_before_gets_the_new_scope_and_keeps_the_rest(
    sessions: sessionmaker[Session], demo_settings: Settings, seeded: dict[str, Any],
    now: datetime,
) -> None:
    old = ["openid", "profile", "email", "address", "offline_access"]
    with sessions() as db:
        db.execute(update(Client).where(Client.client_id == "demo-portal").values(scopes=old))
        db.commit()

    _seed(sessions, demo_settings, now)

    with sessions() as db:
        row = db.get(Client, "demo-portal")
        assert row is not None and row.scopes[:5] == old, row.scopes
        assert sorted(row.scopes[5:]) == ["favorites", "organization"]


def test_the_seed_is_audited_as_the_demo(
    sessions: sessionmaker[Session], seeded: dict[str, Any]
) -> None:
    from servicekonto.db.models import AuditEvent

    with sessions() as db:
        events = db.execute(select(AuditEvent.event, AuditEvent.actor)).all()
    granted = [actor for event, actor in events if event == "staff.role_granted"]
    assert len(granted) == 5 + 5 * 4 and set(granted) == {DEMO_ACTOR}
    assert ("administration.four_eyes_changed", DEMO_ACTOR) in events
    assert sum(1 for event, _actor in events if event == "organisation.submitted") == 3
