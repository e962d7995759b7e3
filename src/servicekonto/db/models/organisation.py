"""Organisations (Unternehmenskonto): companies, Vereine, Freiberufler, Stiftungen and public
bodies, their founding documents, the Registrierungsstelle's review, and their members.

The rules live in `servicekonto.companies`; these tables only hold what it decides. Two rules are
the database's own (DESIGN §7):

* one register entry (type, number, court) belongs to at most one live organisation:
  `organisations.register_key` carries "TYPE|number|court" while the organisation is submitted,
  under review, approved, activated or suspended, and NULL otherwise (draft, rejected, closed).
  A plain UNIQUE constraint then works on SQLite and PostgreSQL alike (NULLs never collide),
  as `letters.pending_account_id` does for pending letters;
* one membership per (organisation, account), and an invitation is consumed once
  (`consumed_at`, set by a conditional UPDATE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    #: `name` folded (case, umlauts, accents) for the staff search on every backend.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    #: company | verein | freiberufler | stiftung | public_body
    kind: Mapped[str] = mapped_column(String(16))
    #: A code of `companies.legal_forms.LEGAL_FORMS` ("gmbh", "ev", …).
    legal_form: Mapped[str] = mapped_column(String(24))
    #: HRA | HRB | GnR | PR | VR | GsR, or NULL for forms without a register entry.
    register_type: Mapped[str | None] = mapped_column(String(8))
    #: Number with its letter suffix, normalised ("1234 B"); unique only with type and court.
    register_number: Mapped[str | None] = mapped_column(String(16))
    #: A court code of `companies.legal_forms.REGISTER_COURTS` ("koblenz").
    register_court: Mapped[str | None] = mapped_column(String(32))
    #: "TYPE|number|court" while the organisation is live, else NULL (see the module docstring).
    register_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Gewerbeanmeldung (§ 14 GewO) where there is no register entry: issuing authority, date.
    trade_authority: Mapped[str | None] = mapped_column(String(200))
    trade_registered_on: Mapped[date | None] = mapped_column(Date)
    tax_number: Mapped[str | None] = mapped_column(String(16))
    vat_id: Mapped[str | None] = mapped_column(String(16))
    street: Mapped[str] = mapped_column(String(200))
    house_number: Mapped[str] = mapped_column(String(20))
    postal_code: Mapped[str] = mapped_column(String(5))
    locality: Mapped[str] = mapped_column(String(100))
    #: The administration responsible for the business address (`companies.responsibility`).
    administration_id: Mapped[str] = mapped_column(
        ForeignKey("administrations.id"), index=True
    )
    #: draft | submitted | in_review | info_requested | approved | rejected | activated |
    #: suspended | closed (`companies.states`).
    state: Mapped[str] = mapped_column(String(16), index=True)
    #: Counts every change of state or data: a page sends back the version it showed, so a
    #: decision taken on what someone else has changed meanwhile is refused, not applied.
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: The person who applied; NULL once that account is erased (the organisation stays).
    applicant_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    #: Four-eyes: the first of two approving officers, until the second one decides.
    first_approval_by: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    first_approval_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was last submitted (the queue's "days waiting").
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Widerrufscode lives on the activation letter (`letters.revocation_code_hash`).


class OrganisationDocument(Base):
    """A founding document; the bytes are in the blobs port under `blob_id` until the retention
    job deletes them (`file_removed_at`)."""

    __tablename__ = "organisation_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: handelsregisterauszug | gewerbeanmeldung | vereinsregisterauszug | satzung | vollmacht |
    #: other
    doc_type: Mapped[str] = mapped_column(String(32))
    blob_id: Mapped[str] = mapped_column(String(80), unique=True)
    #: As the applicant named it, for display only; never used as a path.
    original_filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: clean | skipped (no scanner configured; DESIGN §3)
    scan_status: Mapped[str] = mapped_column(String(16))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    #: When the retention job deleted the file (`companies.retention`); the row, with its type,
    #: size and SHA-256, stays in the case file. NULL while the file is kept.
    file_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrganisationNote(Base):
    """A note between the officers of the Registrierungsstelle; the applicant never sees it."""

    __tablename__ = "organisation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    author_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrganisationDecision(Base):
    """One step of the organisation's history: who moved it from which state to which, with the
    reason the applicant reads (staff decisions) or the applicant's answer (supplements)."""

    __tablename__ = "organisation_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The acting account; NULL for the system (block code) or once the account is erased.
    actor_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    #: An action of `companies.states.Action` ("approve", "first_approval", "reject", …).
    decision: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrganisationMember(Base):
    __tablename__ = "organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    #: admin | member
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberClientPermission(Base):
    """A client (online service) a member may use for the organisation. Admins may use every
    client; a member exactly those listed here (Berechtigungssteuerung)."""

    __tablename__ = "member_client_permissions"
    __table_args__ = (PrimaryKeyConstraint("member_id", "client_id"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("organisation_members.id", ondelete="CASCADE")
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )


class OrganisationInvitation(Base):
    """An e-mail invitation to join; only the SHA-256 digest of its link token is stored."""

    __tablename__ = "organisation_invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set once, by the conditional UPDATE that accepts or withdraws it.
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who accepted it; NULL for an invitation withdrawn or replaced before use.
    accepted_by: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
