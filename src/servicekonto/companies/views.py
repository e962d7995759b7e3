"""What the company services hand out: frozen views, never ORM rows (DESIGN §6 #9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from servicekonto.companies.legal_forms import legal_form, register_court
from servicekonto.db.models import (
    Organisation,
    OrganisationDecision,
    OrganisationDocument,
    OrganisationNote,
)


@dataclass(frozen=True)
class OrganisationView:
    id: str
    name: str
    kind: str
    legal_form: str
    legal_form_name: str
    register_type: str | None
    register_number: str | None
    register_court: str | None
    register_court_name: str | None
    trade_authority: str | None
    trade_registered_on: date | None
    tax_number: str | None
    vat_id: str | None
    street: str
    house_number: str
    postal_code: str
    locality: str
    administration_id: str
    state: str
    #: Send it back with a decision (`expected_version`): a changed case is not decided blind.
    version: int
    applicant_account_id: str | None
    first_approval_by: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    activated_at: datetime | None

    @property
    def register_entry(self) -> str | None:
        """As the register portal writes it: "Amtsgericht Koblenz, HRB 1234 B"."""
        if self.register_type is None:
            return None
        return f"{self.register_court_name}, {self.register_type} {self.register_number}"

    @classmethod
    def of(cls, row: Organisation) -> OrganisationView:
        court = register_court(row.register_court) if row.register_court else None
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            legal_form=row.legal_form,
            legal_form_name=legal_form(row.legal_form).name,
            register_type=row.register_type,
            register_number=row.register_number,
            register_court=row.register_court,
            register_court_name=court.display_name if court else None,
            trade_authority=row.trade_authority,
            trade_registered_on=row.trade_registered_on,
            tax_number=row.tax_number,
            vat_id=row.vat_id,
            street=row.street,
            house_number=row.house_number,
            postal_code=row.postal_code,
            locality=row.locality,
            administration_id=row.administration_id,
            state=row.state,
            version=row.version,
            applicant_account_id=row.applicant_account_id,
            first_approval_by=row.first_approval_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            submitted_at=row.submitted_at,
            approved_at=row.approved_at,
            activated_at=row.activated_at,
        )


@dataclass(frozen=True)
class DocumentView:
    id: str
    organisation_id: str
    doc_type: str
    #: For display only; a download names the file itself (never a path from this).
    original_filename: str
    content_type: str
    size: int
    sha256: str
    scan_status: str
    uploaded_at: datetime
    uploaded_by: str | None

    @classmethod
    def of(cls, row: OrganisationDocument) -> DocumentView:
        return cls(
            id=row.id,
            organisation_id=row.organisation_id,
            doc_type=row.doc_type,
            original_filename=row.original_filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            scan_status=row.scan_status,
            uploaded_at=row.uploaded_at,
            uploaded_by=row.uploaded_by,
        )


@dataclass(frozen=True)
class DocumentContent:
    document: DocumentView
    data: bytes


@dataclass(frozen=True)
class DecisionView:
    """One step of the history, with the reason the applicant reads."""

    id: int
    actor_account_id: str | None
    decision: str
    from_state: str
    to_state: str
    reason: str | None
    at: datetime

    @classmethod
    def of(cls, row: OrganisationDecision) -> DecisionView:
        return cls(
            id=row.id,
            actor_account_id=row.actor_account_id,
            decision=row.decision,
            from_state=row.from_state,
            to_state=row.to_state,
            reason=row.reason,
            at=row.at,
        )


@dataclass(frozen=True)
class NoteView:
    id: int
    author_account_id: str | None
    text: str
    created_at: datetime

    @classmethod
    def of(cls, row: OrganisationNote) -> NoteView:
        return cls(
            id=row.id, author_account_id=row.author_account_id, text=row.text,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class QueueEntry:
    """A row of the Registrierungsstelle's review queue."""

    id: str
    name: str
    legal_form_name: str
    register_entry: str | None
    state: str
    version: int
    administration_id: str
    submitted_at: datetime | None
    #: Whole days since the (last) submission; 0 for none.
    days_waiting: int
    #: Four-eyes: one officer approved, a second one is needed.
    awaiting_second_approval: bool


@dataclass(frozen=True)
class StaffCase:
    """Everything an officer sees of one application."""

    organisation: OrganisationView
    documents: tuple[DocumentView, ...]
    notes: tuple[NoteView, ...]
    history: tuple[DecisionView, ...]
    #: The administration's four-eyes setting.
    four_eyes: bool


@dataclass(frozen=True)
class DecisionOutcome:
    organisation_id: str
    #: The action taken: approve, first_approval, reject, request_info.
    action: str
    #: The organisation's state afterwards.
    state: str
    #: False for a first approval under four-eyes (a second officer must approve).
    complete: bool
