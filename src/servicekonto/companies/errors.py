"""Typed errors of the company accounts, each with a stable `code`.

The surfaces render them once (DESIGN §6 #2): problem+json on the API with the ASCII English
`description`, and a page whose text `web.company_texts.company_message(language, code)`
gives. Field problems (`InvalidOrganisation`) carry one code per field, so a form can show each
message next to its input.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from servicekonto.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceKontoError
from servicekonto.uploads.errors import UploadRefused


class Problem(StrEnum):
    """Codes of field problems. Stable: pages and API clients key on them."""

    NAME_REQUIRED = "name_required"
    KIND_UNKNOWN = "kind_unknown"
    LEGAL_FORM_UNKNOWN = "legal_form_unknown"
    LEGAL_FORM_KIND_MISMATCH = "legal_form_kind_mismatch"
    REGISTER_TYPE_UNKNOWN = "register_type_unknown"
    REGISTER_TYPE_WRONG = "register_type_wrong"
    REGISTER_ENTRY_UNEXPECTED = "register_entry_unexpected"
    REGISTER_NUMBER_REQUIRED = "register_number_required"
    REGISTER_NUMBER_MALFORMED = "register_number_malformed"
    REGISTER_NUMBER_TYPE_MISMATCH = "register_number_type_mismatch"
    REGISTER_COURT_REQUIRED = "register_court_required"
    REGISTER_COURT_UNKNOWN = "register_court_unknown"
    TRADE_AUTHORITY_REQUIRED = "trade_authority_required"
    TRADE_DATE_REQUIRED = "trade_date_required"
    TRADE_DATE_MALFORMED = "trade_date_malformed"
    TRADE_DATE_IN_FUTURE = "trade_date_in_future"
    TAX_NUMBER_MALFORMED = "tax_number_malformed"
    VAT_ID_MALFORMED = "vat_id_malformed"
    VAT_ID_CHECK_DIGIT = "vat_id_check_digit"
    STREET_REQUIRED = "street_required"
    HOUSE_NUMBER_REQUIRED = "house_number_required"
    POSTAL_CODE_MALFORMED = "postal_code_malformed"
    LOCALITY_REQUIRED = "locality_required"
    TOO_LONG = "too_long"
    CONTROL_CHARACTERS = "control_characters"
    REASON_REQUIRED = "reason_required"
    DECISION_UNKNOWN = "decision_unknown"
    TEXT_REQUIRED = "text_required"
    ANSWER_REQUIRED = "answer_required"
    DOC_TYPE_UNKNOWN = "doc_type_unknown"
    CONTENT_TYPE_NOT_ALLOWED = "content_type_not_allowed"
    SCAN_STATUS_NOT_ACCEPTED = "scan_status_not_accepted"
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    EMAIL_MALFORMED = "email_malformed"
    ROLE_UNKNOWN = "role_unknown"
    CLIENT_UNKNOWN = "client_unknown"
    STATE_UNKNOWN = "state_unknown"
    DOCUMENTS_REQUIRED = "documents_required"


@dataclass(frozen=True)
class FieldProblem:
    #: The form field (DESIGN §9 names: `register_number`, `postal_code`, …).
    field: str
    code: Problem


class InvalidOrganisation(InvalidInput):
    """One or more fields are wrong; `problems` lists each (field, code)."""

    code = "invalid_organisation"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.code.value}" for p in self.problems))


class ApplicationRefused(InvalidInput):
    """An application (form and files together) with field problems, a refused upload, or
    both: everything a person must fix at once. `upload` is the first refused file, if any."""

    code = "invalid_application"

    def __init__(self, problems: list[FieldProblem], upload: UploadRefused | None) -> None:
        self.problems = tuple(problems)
        self.upload = upload
        parts = [f"{p.field}: {p.code.value}" for p in self.problems]
        if upload is not None:
            parts.append(f"documents: {upload.description}")
        super().__init__("; ".join(parts))


class OutsideRegion(InvalidInput):
    """The business address lies outside every administration of this ServiceKonto."""

    code = "outside_region"
    field = "postal_code"


class ResponsibilityUnclear(Conflict):
    """The postal code belongs to administrations without a common superior one."""

    code = "responsibility_unclear"
    field = "postal_code"


class IllegalTransition(Conflict):
    """The action is not possible in the organisation's state (e.g. approving a rejected one)."""

    code = "illegal_transition"

    def __init__(self, *, action: str, state: str) -> None:
        super().__init__(f"action {action} is not possible in state {state}")
        self.action = action
        self.state = state


class ConcurrentDecision(Conflict):
    """Someone else changed the organisation between reading and deciding: their decision won."""

    code = "decided_concurrently"


class FourEyesSameOfficer(Conflict):
    """The second approval must come from another officer than the first."""

    code = "four_eyes_same_officer"


class OwnApplication(Forbidden):
    """Staff may not decide an organisation they applied for or belong to."""

    code = "own_application"


class RegisterEntryTaken(Conflict):
    """Another live organisation holds this register entry (type, number, court)."""

    code = "register_entry_taken"
    field = "register_number"


class DocumentsMissing(InvalidInput):
    """An application is submitted without any founding document."""

    code = "documents_missing"


class TooManyDocuments(Conflict):
    code = "too_many_documents"


class DocumentRemoved(ServiceKontoError):
    """The document's file was deleted after the decision and the appeal period
    (`companies.retention`); its type, size, checksum and upload time stay in the case."""

    status = 410
    code = "document_removed"


class TooManyApplications(Conflict):
    """An applicant has too many open applications (drafts and those under review)."""

    code = "too_many_applications"


class NotOrganisationAdmin(Forbidden):
    """A member who is not an administrator of the organisation tried an admin's action."""

    code = "not_organisation_admin"


class OrganisationNotActive(Conflict):
    """Members are managed only while the organisation is activated (or suspended, to leave)."""

    code = "organisation_not_active"


class LastAdmin(Conflict):
    """The organisation would be left without an administrator."""

    code = "last_admin"


class AlreadyMember(Conflict):
    code = "already_member"


class TooManyInvitations(Conflict):
    code = "too_many_invitations"


class InvitationInvalid(NotFound):
    """Unknown, expired, withdrawn or already used: one answer for all (no oracle)."""

    code = "invitation_invalid"


class InvitationForOtherAddress(Forbidden):
    """The invitation was sent to another e-mail address than the account's verified one."""

    code = "invitation_other_email"


#: Every error class of this package with its own code (for the message catalogue's test).
ERRORS: tuple[type[ServiceKontoError], ...] = (
    InvalidOrganisation,
    ApplicationRefused,
    OutsideRegion,
    ResponsibilityUnclear,
    IllegalTransition,
    ConcurrentDecision,
    FourEyesSameOfficer,
    OwnApplication,
    RegisterEntryTaken,
    DocumentsMissing,
    TooManyDocuments,
    DocumentRemoved,
    TooManyApplications,
    NotOrganisationAdmin,
    OrganisationNotActive,
    LastAdmin,
    AlreadyMember,
    TooManyInvitations,
    InvitationInvalid,
    InvitationForOtherAddress,
)
