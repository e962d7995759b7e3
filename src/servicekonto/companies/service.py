"""Company registration, the applicant's side: draft, documents, submit, answer a request,
activate; and the system's: block with the Widerrufscode (issue 12 items 1, 2, 4).

Services are keyword-only, take the caller's Session and never commit (DESIGN §6 #10). Every
state change goes through `lifecycle.move` (one conditional UPDATE, history row, audit event
with ids only). The applicant sees only their own applications; any other id is NotFound.

What the callers add: checking uploads (type by magic bytes and parse, malware scan) happens
before `add_document`, which stores what it is given in the blobs port and records its
metadata; checking the activation letter's code happens before `complete_activation`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.blobs.port import BlobStore
from servicekonto.companies import lifecycle
from servicekonto.companies.errors import (
    ApplicationRefused,
    DocumentRemoved,
    DocumentsMissing,
    FieldProblem,
    IllegalTransition,
    InvalidOrganisation,
    Problem,
    TooManyApplications,
    TooManyDocuments,
)
from servicekonto.companies.members import ADMIN, add_member
from servicekonto.companies.responsibility import responsible_administration
from servicekonto.companies.schemas import OrganisationForm
from servicekonto.companies.states import EDITABLE, LIVE, OPEN, Action, State
from servicekonto.companies.validation import (
    OrganisationData,
    clean_text,
    has_control_characters,
    register_key,
    validate,
)
from servicekonto.companies.views import (
    DecisionView,
    DocumentContent,
    DocumentView,
    OrganisationView,
)
from servicekonto.db.base import new_id
from servicekonto.db.models import (
    Administration,
    Organisation,
    OrganisationDecision,
    OrganisationDocument,
)
from servicekonto.errors import NotFound
from servicekonto.letters.organisation import (
    consume_organisation_letter,
    use_organisation_code,
    verify_organisation_code,
)
from servicekonto.register.normalise import fold
from servicekonto.security.passwords import PasswordHashing
from servicekonto.uploads.check import CheckedFile, IncomingFile, check_batch
from servicekonto.uploads.errors import UploadRefused
from servicekonto.uploads.scan import MalwareScanner, scan_file

__all__ = [
    "ACCEPTED_SCAN_STATUSES",
    "ALLOWED_CONTENT_TYPES",
    "DOC_TYPES",
    "MAX_DOCUMENTS",
    "MAX_DOCUMENT_BYTES",
    "MAX_OPEN_APPLICATIONS",
    "MAX_TEXT",
    "Upload",
    "activate_with_letter",
    "add_document",
    "administration_names",
    "answer_request",
    "apply",
    "block",
    "clean_reason",
    "complete_activation",
    "create_draft",
    "discard_draft",
    "document_for_applicant",
    "documents_for_applicant",
    "get_for_applicant",
    "history_for_applicant",
    "list_for_applicant",
    "remove_document",
    "revoke_with_letter",
    "submit",
    "supplement",
    "update_draft",
]

log = logging.getLogger(__name__)

#: Founding documents (issue 12 item 2).
DOC_TYPES: Final = (
    "handelsregisterauszug",
    "gewerbeanmeldung",
    "vereinsregisterauszug",
    "satzung",
    "vollmacht",
    "other",
)
#: DESIGN §8: PDF, PNG and JPEG only, ≤ 10 MB each; checked here again (defence in depth).
ALLOWED_CONTENT_TYPES: Final = ("application/pdf", "image/png", "image/jpeg")
MAX_DOCUMENT_BYTES: Final = 10 * 1024 * 1024
#: clean: the scanner found nothing; skipped: no scanner configured and the operator accepts
#: uploads unscanned (DESIGN §3). An infected file never reaches this module.
ACCEPTED_SCAN_STATUSES: Final = ("clean", "skipped")
MAX_DOCUMENTS: Final = 20
#: Open applications (draft to info_requested) per applicant: enough for a person who acts
#: for several firms, too few to flood a Registrierungsstelle.
MAX_OPEN_APPLICATIONS: Final = 5
#: Reasons, answers and notes (characters).
MAX_TEXT: Final = 4000
#: "Today" for dates people give (the Gewerbeanmeldung's) is the date in Germany.
BERLIN: Final = ZoneInfo("Europe/Berlin")
_BLOB_PREFIX: Final = "organisation-document:"
_MULTILINE_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def create_draft(
    db: Session, *, applicant_id: str, form: OrganisationForm, now: datetime,
    request_id: str = "",
) -> OrganisationView:
    """A new application in state draft, for the administration of its business address.
    InvalidOrganisation (every field problem), OutsideRegion, TooManyApplications."""
    data = validate(form, today=_today(now))
    responsible = responsible_administration(db, postal_code=data.postal_code)
    open_count = db.scalar(
        select(func.count()).select_from(Organisation).where(
            Organisation.applicant_account_id == applicant_id,
            Organisation.state.in_([state.value for state in OPEN]),
        )
    )
    if (open_count or 0) >= MAX_OPEN_APPLICATIONS:
        raise TooManyApplications(f"at most {MAX_OPEN_APPLICATIONS} open applications")
    row = Organisation(
        id=new_id(),
        state=State.DRAFT.value,
        administration_id=responsible.administration_id,
        applicant_account_id=applicant_id,
        created_at=now,
        updated_at=now,
        version=1,
        **_columns(data),
    )
    db.add(row)
    db.flush()
    record(
        db, at=now, event="organisation.created", actor=f"account:{applicant_id}",
        subject=lifecycle.subject(row.id),
        details={"administration": responsible.administration_id}, request_id=request_id,
    )
    return OrganisationView.of(row)


def update_draft(
    db: Session, *, applicant_id: str, organisation_id: str, form: OrganisationForm,
    now: datetime, request_id: str = "",
) -> OrganisationView:
    """Change the data of a draft, or of an application the Registrierungsstelle asked about.
    The responsible administration follows the new address."""
    row = _own(db, applicant_id, organisation_id)
    if row.state not in EDITABLE:
        raise IllegalTransition(action="update", state=row.state)
    data = validate(form, today=_today(now))
    responsible = responsible_administration(db, postal_code=data.postal_code)
    key = data.register_key if row.state in LIVE else None
    lifecycle.register_key_free(db, key=key, organisation_id=row.id)
    values = {
        **_columns(data),
        "administration_id": responsible.administration_id,
        "register_key": key,
        "updated_at": now,
        "version": row.version + 1,
    }
    lifecycle.write_unchanged(db, row=row, values=values)
    record(
        db, at=now, event="organisation.updated", actor=f"account:{applicant_id}",
        subject=lifecycle.subject(row.id),
        details={"administration": responsible.administration_id}, request_id=request_id,
    )
    return _view(db, row.id)


def add_document(
    db: Session, *, applicant_id: str, organisation_id: str, doc_type: str, data: bytes,
    content_type: str, original_filename: str, scan_status: str, store: BlobStore,
    now: datetime, request_id: str = "",
) -> DocumentView:
    """Store a founding document that the upload checks have passed: the bytes go to the blobs
    port (`store`: the sealed store of `blobs.stores.open_store`, bound to `db`) under a name of
    ours, the metadata (with its SHA-256) into organisation_documents. The original file name
    is kept for display only."""
    row = _own(db, applicant_id, organisation_id)
    if row.state not in EDITABLE:
        raise IllegalTransition(action="add_document", state=row.state)
    problems = []
    if doc_type not in DOC_TYPES:
        problems.append(FieldProblem("doc_type", Problem.DOC_TYPE_UNKNOWN))
    if content_type not in ALLOWED_CONTENT_TYPES:
        problems.append(FieldProblem("documents", Problem.CONTENT_TYPE_NOT_ALLOWED))
    if scan_status not in ACCEPTED_SCAN_STATUSES:
        problems.append(FieldProblem("documents", Problem.SCAN_STATUS_NOT_ACCEPTED))
    if not data:
        problems.append(FieldProblem("documents", Problem.FILE_EMPTY))
    elif len(data) > MAX_DOCUMENT_BYTES:
        problems.append(FieldProblem("documents", Problem.FILE_TOO_LARGE))
    if has_control_characters(original_filename):
        problems.append(FieldProblem("documents", Problem.CONTROL_CHARACTERS))
    if problems:
        raise InvalidOrganisation(problems)
    count = db.scalar(
        select(func.count()).select_from(OrganisationDocument).where(
            OrganisationDocument.organisation_id == row.id
        )
    )
    if (count or 0) >= MAX_DOCUMENTS:
        raise TooManyDocuments(f"at most {MAX_DOCUMENTS} documents per application")
    document_id = new_id()
    blob_id = f"{_BLOB_PREFIX}{document_id}"
    store.put(blob_id=blob_id, data=data, content_type=content_type, now=now,
              max_bytes=MAX_DOCUMENT_BYTES)
    document = OrganisationDocument(
        id=document_id,
        organisation_id=row.id,
        doc_type=doc_type,
        blob_id=blob_id,
        original_filename=_display_name(original_filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        scan_status=scan_status,
        uploaded_at=now,
        uploaded_by=applicant_id,
    )
    db.add(document)
    db.flush()
    record(
        db, at=now, event="organisation.document_added", actor=f"account:{applicant_id}",
        subject=lifecycle.subject(row.id),
        details={"document": document_id, "doc_type": doc_type, "scan": scan_status},
        request_id=request_id,
    )
    return DocumentView.of(document)


def remove_document(
    db: Session, *, applicant_id: str, organisation_id: str, document_id: str, store: BlobStore,
    now: datetime, request_id: str = "",
) -> None:
    """Take a document out of a draft (once submitted, what the officers saw stays)."""
    row = _own(db, applicant_id, organisation_id)
    if row.state != State.DRAFT:
        raise IllegalTransition(action="remove_document", state=row.state)
    document = db.scalar(
        select(OrganisationDocument).where(
            OrganisationDocument.id == document_id, OrganisationDocument.organisation_id == row.id
        )
    )
    if document is None:
        raise NotFound("no such document")
    store.delete([document.blob_id])
    db.delete(document)
    db.flush()
    record(
        db, at=now, event="organisation.document_removed", actor=f"account:{applicant_id}",
        subject=lifecycle.subject(row.id), details={"document": document_id},
        request_id=request_id,
    )


def discard_draft(
    db: Session, *, applicant_id: str, organisation_id: str, store: BlobStore, now: datetime,
    request_id: str = "",
) -> None:
    """Delete a draft and its documents (a draft was never seen by anyone else). Submitted
    applications stay: they are the Registrierungsstelle's record."""
    row = _own(db, applicant_id, organisation_id)
    if row.state != State.DRAFT:
        raise IllegalTransition(action="discard", state=row.state)
    blob_ids = list(db.scalars(
        select(OrganisationDocument.blob_id).where(OrganisationDocument.organisation_id == row.id)
    ))
    store.delete(blob_ids)
    db.delete(row)  # documents and history rows go with it (ON DELETE CASCADE)
    db.flush()
    record(
        db, at=now, event="organisation.discarded", actor=f"account:{applicant_id}",
        subject=lifecycle.subject(organisation_id), request_id=request_id,
    )


def submit(
    db: Session, *, applicant_id: str, organisation_id: str, now: datetime, request_id: str = "",
) -> OrganisationView:
    """draft → submitted: needs at least one document; takes the register entry, which no other
    live organisation may hold (RegisterEntryTaken)."""
    row = _own(db, applicant_id, organisation_id)
    if row.state != State.DRAFT:
        raise IllegalTransition(action=Action.SUBMIT.value, state=row.state)
    if not _document_count(db, row.id):
        raise DocumentsMissing("add at least one founding document before submitting")
    key = register_key(row.register_type, row.register_number, row.register_court)
    lifecycle.register_key_free(db, key=key, organisation_id=row.id)
    lifecycle.move(
        db, row=row, action=Action.SUBMIT, actor=applicant_id, now=now,
        values={"register_key": key, "submitted_at": now}, request_id=request_id,
    )
    return _view(db, row.id)


def supplement(
    db: Session, *, applicant_id: str, organisation_id: str, answer: str, now: datetime,
    request_id: str = "",
) -> OrganisationView:
    """info_requested → submitted, with an answer to the request or a document added since
    (at least one of them; InvalidOrganisation answer_required otherwise)."""
    row = _own(db, applicant_id, organisation_id)
    if row.state != State.INFO_REQUESTED:
        raise IllegalTransition(action=Action.SUPPLEMENT.value, state=row.state)
    text = clean_reason(answer, field="answer", required=None)
    if text is None:
        asked_at = db.scalar(
            select(func.max(OrganisationDecision.at)).where(
                OrganisationDecision.organisation_id == row.id,
                OrganisationDecision.decision == Action.REQUEST_INFO.value,
            )
        )
        added = db.scalar(
            select(func.count()).select_from(OrganisationDocument).where(
                OrganisationDocument.organisation_id == row.id,
                OrganisationDocument.uploaded_at > asked_at,
            )
        ) if asked_at is not None else 0
        if not added:
            raise InvalidOrganisation([FieldProblem("answer", Problem.ANSWER_REQUIRED)])
    lifecycle.move(
        db, row=row, action=Action.SUPPLEMENT, actor=applicant_id, now=now, reason=text,
        values={"submitted_at": now}, request_id=request_id,
    )
    return _view(db, row.id)


def complete_activation(
    db: Session, *, organisation_id: str, account_id: str, now: datetime, request_id: str = "",
) -> OrganisationView:
    """approved → activated, and the applicant becomes the organisation's first administrator.
    The caller has checked the activation letter's code; only the applicant may activate."""
    row = _own(db, account_id, organisation_id)
    lifecycle.move(
        db, row=row, action=Action.ACTIVATE, actor=account_id, now=now,
        values={"activated_at": now}, request_id=request_id,
    )
    add_member(db, organisation_id=row.id, account_id=account_id, role=ADMIN, now=now,
               actor=account_id, request_id=request_id)
    return _view(db, row.id)


def block(
    db: Session, *, organisation_id: str, now: datetime, request_id: str = "",
) -> OrganisationView:
    """approved → closed by the activation letter's Widerrufscode: someone at the business
    address did not apply. The caller has used the code (`revoke_with_letter`, or
    `letters.organisation.use_organisation_code` with purpose "revocation"); the register
    entry is free again."""
    row = lifecycle.load(db, organisation_id)
    if row is None:
        raise NotFound("no such organisation")
    lifecycle.move(
        db, row=row, action=Action.BLOCK, actor=None, now=now, audit_actor="system:block_code",
        request_id=request_id,
    )
    return _view(db, row.id)


# -- the surfaces' steps: a whole application, documents with an answer, the letter's codes ------


@dataclass(frozen=True)
class Upload:
    """A file as a request brought it, with the document type the person chose for it."""

    doc_type: str
    file: IncomingFile


def apply(
    db: Session, *, applicant_id: str, form: OrganisationForm, uploads: Sequence[Upload],
    store: BlobStore, scanner: MalwareScanner | None, scan_required: bool, now: datetime,
    request_id: str = "",
) -> OrganisationView:
    """A whole application in one step, as the page and the API send it: the data, the founding
    documents (checked as DESIGN §8 says, scanned, stored sealed) and the submission.

    All or nothing: every problem of the form and the first refused file together raise
    `ApplicationRefused` before anything is written; OutsideRegion, ResponsibilityUnclear,
    TooManyApplications, RegisterEntryTaken and a scan refusal (`UploadRefused`) come later,
    and the caller rolls the transaction back (its blob store undoes what was put)."""
    problems: list[FieldProblem] = []
    try:
        validate(form, today=_today(now))
    except InvalidOrganisation as exc:
        problems.extend(exc.problems)
    checked = _check_uploads(uploads, problems, required=True)
    created = create_draft(db, applicant_id=applicant_id, form=form, now=now,
                           request_id=request_id)
    _store_uploads(db, applicant_id=applicant_id, organisation_id=created.id, uploads=uploads,
                   checked=checked, store=store, scanner=scanner, scan_required=scan_required,
                   now=now, request_id=request_id)
    return submit(db, applicant_id=applicant_id, organisation_id=created.id, now=now,
                  request_id=request_id)


def answer_request(
    db: Session, *, applicant_id: str, organisation_id: str, answer: str,
    uploads: Sequence[Upload], store: BlobStore, scanner: MalwareScanner | None,
    scan_required: bool, now: datetime, request_id: str = "",
) -> OrganisationView:
    """info_requested → submitted with an answer, further documents, or both (`supplement`);
    the documents are checked, scanned and stored as in `apply`, all or nothing."""
    row = _own(db, applicant_id, organisation_id)
    if row.state != State.INFO_REQUESTED:
        raise IllegalTransition(action=Action.SUPPLEMENT.value, state=row.state)
    problems: list[FieldProblem] = []
    try:
        text = clean_reason(answer, field="answer", required=None)
    except InvalidOrganisation as exc:
        problems.extend(exc.problems)
        text = None
    checked = _check_uploads(uploads, problems, required=False)
    if text is None and not checked and not problems:
        raise ApplicationRefused([FieldProblem("answer", Problem.ANSWER_REQUIRED)], None)
    _store_uploads(db, applicant_id=applicant_id, organisation_id=row.id, uploads=uploads,
                   checked=checked, store=store, scanner=scanner, scan_required=scan_required,
                   now=now, request_id=request_id)
    lifecycle.move(
        db, row=row, action=Action.SUPPLEMENT, actor=applicant_id, now=now, reason=text,
        values={"submitted_at": now}, request_id=request_id,
    )
    return _view(db, row.id)


def _check_uploads(
    uploads: Sequence[Upload], problems: list[FieldProblem], *, required: bool
) -> list[CheckedFile]:
    """The uploads' checks (DESIGN §8); raises ApplicationRefused with `problems` and the
    first refused file when anything is wrong."""
    refused: UploadRefused | None = None
    checked: list[CheckedFile] = []
    if any(upload.doc_type not in DOC_TYPES for upload in uploads):
        problems.append(FieldProblem("doc_type", Problem.DOC_TYPE_UNKNOWN))
    if not uploads and required:
        problems.append(FieldProblem("documents", Problem.DOCUMENTS_REQUIRED))
    elif uploads:
        try:
            checked = check_batch([upload.file for upload in uploads])
        except UploadRefused as exc:
            refused = exc
    if problems or refused is not None:
        raise ApplicationRefused(problems, refused)
    return checked


def _store_uploads(
    db: Session, *, applicant_id: str, organisation_id: str, uploads: Sequence[Upload],
    checked: Sequence[CheckedFile], store: BlobStore, scanner: MalwareScanner | None,
    scan_required: bool, now: datetime, request_id: str,
) -> None:
    """Scan every file before storing any (an infected second file leaves the first unstored
    even without the rollback), then store each with `add_document`."""
    scans = [
        scan_file(file.original, scanner=scanner, required=scan_required, index=position,
                  display_name=file.display_name)
        for position, file in enumerate(checked, start=1)
    ]
    for upload, file, scan in zip(uploads, checked, scans, strict=True):
        add_document(
            db, applicant_id=applicant_id, organisation_id=organisation_id,
            doc_type=upload.doc_type, data=file.data, content_type=file.content_type,
            original_filename=file.display_name, scan_status=scan.status.value, store=store,
            now=now, request_id=request_id,
        )


def activate_with_letter(
    db: Session, *, hashing: PasswordHashing, account_id: str, organisation_id: str, code: str,
    now: datetime, request_id: str = "",
) -> OrganisationView | None:
    """The activation letter's code, entered by the logged-in applicant: the organisation is
    activated and they become its first administrator. None for a wrong, expired, used or void
    code (and for the Widerrufscode: it never activates). Only the applicant: anyone else's
    attempt is NotFound before a code is checked, so it costs the letter no attempt; a state
    other than approved is IllegalTransition. The attempt is committed by the letters module
    (`verify_organisation_code`), the rest by the caller."""
    row = _own(db, account_id, organisation_id)
    if row.state != State.APPROVED:
        raise IllegalTransition(action=Action.ACTIVATE.value, state=row.state)
    verified = verify_organisation_code(db, hashing=hashing, code=code, now=now,
                                        organisation_id=row.id)
    if verified is None or verified.purpose != "activation":
        return None
    if verified.applicant_account_id != account_id:  # the letter names whom it is for
        return None
    if consume_organisation_letter(db, verified=verified, now=now) is None:
        return None
    return complete_activation(db, organisation_id=row.id, account_id=account_id, now=now,
                               request_id=request_id)


def revoke_with_letter(
    db: Session, *, hashing: PasswordHashing, reference: str, code: str, now: datetime,
    request_id: str = "",
) -> bool:
    """The activation letter's Widerrufscode with the reference printed on the letter, entered
    by someone at the business address who did not apply: the letter is used up and the
    organisation blocked (`block`). False for every failure alike — unknown reference, wrong,
    expired or used code, the activation code — so the answer tells nothing about either."""
    if not reference.strip():
        return False
    # The letter keeps the code and counts its attempts; the activation code is refused there
    # like a wrong one and never uses the letter up.
    used = use_organisation_code(db, hashing=hashing, code=code, now=now, reference=reference,
                                 purpose="revocation")
    if used is None:
        return False
    block(db, organisation_id=used.organisation_id, now=now, request_id=request_id)
    return True


def administration_names(db: Session, administration_ids: Collection[str]) -> dict[str, str]:
    """id → name of these administrations (the applicant's pages name who reviews)."""
    if not administration_ids:
        return {}
    rows = db.execute(
        select(Administration.id, Administration.name).where(
            Administration.id.in_(list(administration_ids))
        )
    )
    return {row.id: row.name for row in rows}


# -- reading ------------------------------------------------------------------------------------


def get_for_applicant(db: Session, *, applicant_id: str, organisation_id: str) -> OrganisationView:
    return OrganisationView.of(_own(db, applicant_id, organisation_id))


def list_for_applicant(db: Session, *, applicant_id: str) -> list[OrganisationView]:
    """The person's applications, newest first."""
    rows = db.scalars(
        select(Organisation)
        .where(Organisation.applicant_account_id == applicant_id)
        .order_by(Organisation.created_at.desc(), Organisation.id)
    )
    return [OrganisationView.of(row) for row in rows]


def history_for_applicant(
    db: Session, *, applicant_id: str, organisation_id: str
) -> list[DecisionView]:
    """The steps the applicant may read, oldest first, with the officers' reasons; a pending
    first approval under four-eyes is internal and left out."""
    row = _own(db, applicant_id, organisation_id)
    rows = db.scalars(
        select(OrganisationDecision)
        .where(
            OrganisationDecision.organisation_id == row.id,
            OrganisationDecision.decision != Action.FIRST_APPROVAL.value,
        )
        .order_by(OrganisationDecision.id)
    )
    return [DecisionView.of(decision) for decision in rows]


def documents_for_applicant(
    db: Session, *, applicant_id: str, organisation_id: str
) -> list[DocumentView]:
    row = _own(db, applicant_id, organisation_id)
    return documents_of(db, row.id)


def document_for_applicant(
    db: Session, *, applicant_id: str, organisation_id: str, document_id: str, store: BlobStore
) -> DocumentContent:
    row = _own(db, applicant_id, organisation_id)
    return document_content(db, organisation_id=row.id, document_id=document_id, store=store)


# -- helpers shared with the review side ---------------------------------------------------------


def documents_of(db: Session, organisation_id: str) -> list[DocumentView]:
    rows = db.scalars(
        select(OrganisationDocument)
        .where(OrganisationDocument.organisation_id == organisation_id)
        .order_by(OrganisationDocument.uploaded_at, OrganisationDocument.id)
    )
    return [DocumentView.of(row) for row in rows]


def document_content(
    db: Session, *, organisation_id: str, document_id: str, store: BlobStore
) -> DocumentContent:
    """The document's bytes, opened from `store` (the sealed store the documents were put in);
    NotFound unless it belongs to this organisation, DocumentRemoved once the retention job has
    deleted its file (`companies.retention`)."""
    row = db.scalar(
        select(OrganisationDocument).where(
            OrganisationDocument.id == document_id,
            OrganisationDocument.organisation_id == organisation_id,
        )
    )
    if row is None:
        raise NotFound("no such document")
    if row.file_removed_at is not None:
        raise DocumentRemoved("the file was deleted after the retention period; its metadata stay")
    stored = store.get(blob_id=row.blob_id)
    if stored is None:
        log.error("document %s has no stored content", row.id)
        raise NotFound("no such document")
    return DocumentContent(document=DocumentView.of(row), data=stored.data)


def clean_reason(value: str, *, field: str, required: Problem | None) -> str | None:
    """A reason, answer or note: several lines allowed, control characters and overlong text
    refused, surrounding whitespace trimmed; None when empty and not `required`."""
    if _MULTILINE_CONTROL.search(value):
        raise InvalidOrganisation([FieldProblem(field, Problem.CONTROL_CHARACTERS)])
    lines = [clean_text(line) for line in value.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip()
    if not text:
        if required is not None:
            raise InvalidOrganisation([FieldProblem(field, required)])
        return None
    if len(text) > MAX_TEXT:
        raise InvalidOrganisation([FieldProblem(field, Problem.TOO_LONG)])
    return text


def _own(db: Session, applicant_id: str, organisation_id: str) -> Organisation:
    """The applicant's own organisation, or NotFound (also for another person's id)."""
    row = lifecycle.load(db, organisation_id)
    if row is None or row.applicant_account_id != applicant_id:
        raise NotFound("no such organisation")
    return row


def _view(db: Session, organisation_id: str) -> OrganisationView:
    row = lifecycle.load(db, organisation_id)
    assert row is not None
    return OrganisationView.of(row)


def _document_count(db: Session, organisation_id: str) -> int:
    return int(
        db.scalar(
            select(func.count()).select_from(OrganisationDocument).where(
                OrganisationDocument.organisation_id == organisation_id
            )
        ) or 0
    )


def _columns(data: OrganisationData) -> dict[str, object]:
    # Every field is a column of the same name; name_key is the name folded for the duplicate check.
    return {**asdict(data), "name_key": fold(data.name)[:200]}


def _display_name(filename: str) -> str:
    """The last path component, trimmed to the column: shown to people, never used as a path."""
    name = re.split(r"[\\/]", clean_text(filename))[-1].strip()
    return (name or "Dokument")[:255]


def _today(now: datetime) -> date:
    return now.astimezone(BERLIN).date()
