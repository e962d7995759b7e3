"""What the company services hand out: frozen views, never ORM rows (DESIGN §6 #9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servicekonto.companies.legal_forms import legal_form, register_court
from servicekonto.companies.validation import OrganisationData
from servicekonto.db.models import (
    Organisation,
    OrganisationDecision,
    OrganisationDocument,
    OrganisationNote,
)
from servicekonto.db.views import view_of


@dataclass(frozen=True)
class OrganisationView(OrganisationData):
    """The application's data as validated (`OrganisationData`) with its case around it."""

    id: str
    legal_form_name: str
    register_court_name: str | None
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
        return view_of(
            cls,
            row,
            legal_form_name=legal_form(row.legal_form).name,
            register_court_name=court.display_name if court else None,
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
    #: When the file was deleted after the decision and the appeal period
    #: (`companies.retention`); the rest of this view stays. None while the file is kept.
    file_removed_at: datetime | None

    @classmethod
    def of(cls, row: OrganisationDocument) -> DocumentView:
        return view_of(cls, row)


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
        return view_of(cls, row)


@dataclass(frozen=True)
class NoteView:
    id: int
    author_account_id: str | None
    text: str
    created_at: datetime

    @classmethod
    def of(cls, row: OrganisationNote) -> NoteView:
        return view_of(cls, row)


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
