"""Builders for the company-account tests: the demo region's administrations, people, staff of
an administration, and organisations driven through the services to a state.

Every builder commits in its own session, as a request would, and returns ids only."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.accounts.service import create_account
from servicekonto.blobs.port import BlobStore
from servicekonto.blobs.sealed import PURPOSE, SealedBlobStore
from servicekonto.blobs.service import DatabaseBlobStore
from servicekonto.companies import review, service
from servicekonto.companies.schemas import OrganisationForm
from servicekonto.db.models import Administration, AuditEvent, Organisation
from servicekonto.security.sealing import Sealer
from servicekonto.sim.demo_seed import ADMINISTRATIONS
from servicekonto.staff.service import REGISTRATION_OFFICER, grant
from tests.support import FAST_HASHING

Sessions = Callable[[], Session]
ISSUER = "https://konto.example"
#: Enough of a PDF for the domain layer (the upload checks are not this package's job).
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

#: A winery in Cochem: VG Cochem is responsible (postal code 56812).
GMBH: dict[str, str] = {
    "name": "Moselweingut Beispiel GmbH",
    "kind": "company",
    "legal_form": "gmbh",
    "register_type": "HRB",
    "register_number": "HRB 1234 B",
    "register_court": "Amtsgericht Koblenz",
    "street": "Moselweinstraße",
    "house_number": "12a",
    "postal_code": "56812",
    "locality": "Cochem",
}


#: The server secret of the service tests' blob store (sealed as the app seals, DESIGN §8).
BLOB_SECRET = "companies-test-secret-0123456789abcdef"


def store(db: Session) -> BlobStore:
    """The sealed database blob store bound to `db`, as `blobs.stores.open_store` opens it."""
    return SealedBlobStore(DatabaseBlobStore(db), Sealer(BLOB_SECRET, PURPOSE))


def form(**overrides: str) -> OrganisationForm:
    return OrganisationForm(**{**GMBH, **overrides})


def seed_region(sessions: Sessions) -> dict[str, str]:
    """The demo's Kreis and Verbandsgemeinden with their postal codes: slug → id."""
    ids: dict[str, str] = {}
    with sessions() as db:
        for slug, name, kind, parent, postal_codes, address_lines in ADMINISTRATIONS:
            row = Administration(
                slug=slug, name=name, kind=kind, parent_id=ids.get(parent or ""),
                postal_codes=postal_codes, address_lines=address_lines,
            )
            db.add(row)
            db.flush()
            ids[slug] = row.id
        db.commit()
    return ids


def any_organisation(sessions: Sessions, now: datetime, applicant: str) -> str:
    """A draft organisation in Cochem, on a database with or without the region seeded (for
    tests of other packages that need an organisation to point at)."""
    with sessions() as db:
        if db.scalar(select(Administration.id).where(Administration.slug == "vg-cochem")) is None:
            db.add(Administration(slug="vg-cochem", name="Verbandsgemeinde Cochem",
                                  kind="verbandsgemeinde", postal_codes=["56812"],
                                  address_lines=[]))
            db.commit()
    return draft(sessions, now, applicant, documents=0)


def person(sessions: Sessions, now: datetime, *, email: str | None = None,
           verified: bool = True) -> str:
    """An account with a (by default verified) e-mail address; returns its id."""
    with sessions() as db:
        account = create_account(
            db, hashing=FAST_HASHING, now=now,
            email=email or f"person-{secrets.token_hex(4)}@example.org",
            password=None, attributes={}, email_verified=verified,
        )
        db.commit()
        return account.id


def staff(sessions: Sessions, now: datetime, slug: str, *roles: str) -> str:
    """A person holding `roles` (default: registration_officer) for administration `slug`."""
    account_id = person(sessions, now)
    with sessions() as db:
        for role in roles or (REGISTRATION_OFFICER,):
            grant(db, account_id=account_id, administration_slug=slug, role=role)
        db.commit()
    return account_id


def draft(sessions: Sessions, now: datetime, applicant: str, *, documents: int = 1,
          **overrides: str) -> str:
    with sessions() as db:
        created = service.create_draft(db, applicant_id=applicant, form=form(**overrides),
                                       now=now)
        for _ in range(documents):
            service.add_document(
                db, applicant_id=applicant, organisation_id=created.id,
                doc_type="handelsregisterauszug", data=PDF, content_type="application/pdf",
                original_filename="HR-Auszug.pdf", scan_status="clean", store=store(db), now=now,
            )
        db.commit()
        return created.id


def submitted(sessions: Sessions, now: datetime, applicant: str, **overrides: str) -> str:
    organisation_id = draft(sessions, now, applicant, **overrides)
    with sessions() as db:
        service.submit(db, applicant_id=applicant, organisation_id=organisation_id, now=now)
        db.commit()
    return organisation_id


def decided(sessions: Sessions, now: datetime, officer: str, organisation_id: str,
            decision: str, reason: str = "Geprüft anhand des Registers.") -> str:
    """Decide in its own transaction; returns the state afterwards."""
    with sessions() as db:
        outcome = review.decide(db, staff_id=officer, organisation_id=organisation_id,
                                decision=decision, reason=reason, now=now, issuer=ISSUER)
        db.commit()
    return outcome.state


def activated(sessions: Sessions, now: datetime, applicant: str, officer: str,
              **overrides: str) -> str:
    """An organisation approved by `officer` (four-eyes off) and activated by `applicant`,
    who is then its first admin."""
    organisation_id = submitted(sessions, now, applicant, **overrides)
    decided(sessions, now, officer, organisation_id, "approve")
    with sessions() as db:
        service.complete_activation(db, organisation_id=organisation_id, account_id=applicant,
                                    now=now)
        db.commit()
    return organisation_id


def state_of(sessions: Sessions, organisation_id: str) -> str:
    with sessions() as db:
        state = db.scalar(select(Organisation.state).where(Organisation.id == organisation_id))
    assert state is not None
    return state


def events_of(sessions: Sessions, organisation_id: str) -> list[str]:
    """The audit events about the organisation, in order."""
    with sessions() as db:
        return list(db.scalars(
            select(AuditEvent.event)
            .where(AuditEvent.subject == f"organisation:{organisation_id}")
            .order_by(AuditEvent.id)
        ))


def audit_rows(sessions: Sessions) -> list[dict[str, Any]]:
    with sessions() as db:
        return [
            {"event": row.event, "actor": row.actor, "subject": row.subject,
             "details": row.details}
            for row in db.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
