"""Acting for an organisation: the Befugnis at login (issue 12 item 6) and what ends it (item 7).

* `choices`: the activated organisations a person may act for at one client (`members.
  may_act_for`: an admin everywhere, a member at the clients an admin allowed).
* `facts_for`: what a client acting-for login learns about the organisation — the data the
  Registrierungsstelle checked, the member's role, and who checked it when against which
  documents (for `verified_claims`). None once the person may no longer act for it.

What ends a Befugnis is in `companies.revocation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.companies.legal_forms import legal_form, register_court
from servicekonto.companies.members import Membership, may_act_for, memberships_for
from servicekonto.companies.states import State
from servicekonto.db.models import (
    Administration,
    Organisation,
    OrganisationDocument,
    OrganisationMember,
)

__all__ = ["OrganisationFacts", "choices", "facts_for"]


@dataclass(frozen=True)
class OrganisationFacts:
    id: str
    kind: str
    name: str
    legal_form: str
    legal_form_text: str
    #: 3-digit code of the FIM list "Rechtsformen gängig" (Mein Unternehmenskonto `Rechtsform`).
    legal_form_fim: str | None
    register_type: str | None
    register_number: str | None
    register_court: str | None
    trade_authority: str | None
    trade_registered_on: date | None
    street: str
    house_number: str
    postal_code: str
    locality: str
    #: The acting member's role: admin | member.
    role: str
    #: Who reviewed the registration, when, and which kinds of documents they had.
    reviewed_by: str
    reviewed_at: datetime | None
    document_types: tuple[str, ...]


def choices(db: Session, *, account_id: str, client_id: str) -> list[Membership]:
    """The organisations the person may act for at this client, by name."""
    return [
        m
        for m in memberships_for(db, account_id=account_id)
        if may_act_for(
            db, account_id=account_id, organisation_id=m.organisation_id, client_id=client_id
        )
    ]


def facts_for(
    db: Session, *, organisation_id: str, account_id: str, client_id: str
) -> OrganisationFacts | None:
    """The organisation as released to `client_id` for this member; None when the person may
    not (or no longer) act for it there."""
    if not may_act_for(
        db, account_id=account_id, organisation_id=organisation_id, client_id=client_id
    ):
        return None
    row = db.execute(
        select(Organisation, Administration.name, OrganisationMember.role)
        .join(Administration, Administration.id == Organisation.administration_id)
        .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
        .where(
            Organisation.id == organisation_id,
            OrganisationMember.account_id == account_id,
            Organisation.state == State.ACTIVATED.value,
        )
    ).first()
    if row is None:
        return None
    organisation, administration, role = row
    documents = db.scalars(
        select(OrganisationDocument.doc_type)
        .where(OrganisationDocument.organisation_id == organisation_id)
        .distinct()
    )
    form = legal_form(organisation.legal_form)
    court = organisation.register_court
    return OrganisationFacts(
        id=organisation.id,
        kind=organisation.kind,
        name=organisation.name,
        legal_form=form.code,
        legal_form_text=form.name,
        legal_form_fim=form.fim_code,
        register_type=organisation.register_type,
        register_number=organisation.register_number,
        register_court=register_court(court).display_name if court else None,
        trade_authority=organisation.trade_authority,
        trade_registered_on=organisation.trade_registered_on,
        street=organisation.street,
        house_number=organisation.house_number,
        postal_code=organisation.postal_code,
        locality=organisation.locality,
        role=role,
        reviewed_by=administration,
        reviewed_at=organisation.approved_at,
        document_types=tuple(sorted(documents)),
    )
