"""An organisation's activation letter (issue 12 item 4): the letter life cycle of
`letters.service` with the organisation's business address as addressee.

After Mein Unternehmenskonto's first-admin letter (reference/egov-domain.md §1.5) it carries two
codes: the activation code, with which the applicant activates the organisation (the caller then
makes them its first administrator), and a Widerrufscode, with which a recipient whose business
did not apply blocks the organisation. The rules are those of the PIN letter:

* both codes argon2id-hashed, 21 days valid; one pending letter per organisation (the UNIQUE
  `letters.pending_organisation_id`), a new letter voids the pending one; at most 3 letters per
  organisation in 90 days;
* 3 attempts per letter, whichever code is tried, claimed with one conditional UPDATE before
  the check (`service.claim_attempt`); wrong, expired, void, used and unknown: one answer, None;
* single use: one conditional UPDATE from a pending state consumes the *letter*, so using one
  code kills the other (status `activated` or `revoked`).

The letter always carries its administration's slug — the administration that sends it and whose
dispatch staff print it — and the administration must exist, so no organisation letter is ever
outside every staff member's scope. The companies package calls these functions with what they
need as arguments; this module knows nothing of organisations beyond their id. Services take
the caller's Session and never commit, except `verify_organisation_code` (as `verify_code`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal, NotRequired, TypedDict, Unpack

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.orm import Session

from servicekonto.db.models import Administration, Letter
from servicekonto.db.models.letter import ORG_ACTIVATION, PENDING_STATUSES
from servicekonto.errors import InvalidInput, NotFound
from servicekonto.letters.codes import is_well_formed, normalise_code
from servicekonto.letters.pdf import OrganisationLetterContent, render_organisation_letter
from servicekonto.letters.service import (
    Addressee,
    LetterStatus,
    QueuedLetter,
    claim_attempt,
    latest_status,
    letter_content,
    move_letters,
    organisation_letters,
    queue_letter,
    remaining,
    void_if_used_up,
)
from servicekonto.letters.store import delete_pdfs, save_pdf
from servicekonto.security.passwords import PasswordHashing

__all__ = [
    "ATTENTION",
    "CodeEntry",
    "CodePurpose",
    "UsedOrganisationLetter",
    "VerifiedOrganisationCode",
    "consume_organisation_letter",
    "delete_organisation_letters",
    "organisation_letter_status",
    "organisation_letters_remaining",
    "queue_organisation_activation_letter",
    "use_organisation_code",
    "verify_organisation_code",
    "void_organisation_letter",
]

#: The address window's second line: the letter is for the management, not whoever applied.
ATTENTION = "Geschäftsleitung"
#: Which of the letter's two codes was entered.
CodePurpose = Literal["activation", "revocation"]
#: The address window has six lines: the name, ATTENTION and at most four of the address.
_MAX_ADDRESS_LINES = 4
_MAX_LINE = 200
_MAX_REFERENCE = 32


@dataclass(frozen=True)
class VerifiedOrganisationCode:
    """A correct code of the organisation's pending letter, not yet consumed."""

    letter_id: str
    organisation_id: str
    #: The account that applied (and ordered the letter): the caller's first administrator.
    applicant_account_id: str
    purpose: CodePurpose


@dataclass(frozen=True)
class UsedOrganisationLetter:
    """Evidence of the consumed letter: which code, which letter, when."""

    letter_id: str
    organisation_id: str
    applicant_account_id: str
    purpose: CodePurpose
    used_at: datetime


def _clean(text: str, what: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > _MAX_LINE:
        raise InvalidInput(f"{what} must be 1 to {_MAX_LINE} characters")
    return cleaned


def queue_organisation_activation_letter(
    db: Session,
    *,
    hashing: PasswordHashing,
    organisation_id: str,
    organisation_name: str,
    address_lines: Sequence[str],
    applicant_account_id: str,
    administration_slug: str,
    issuer_url: str,
    now: datetime,
    contact_lines: Sequence[str] = (),
) -> QueuedLetter:
    """Queue the organisation's activation letter to its business address, render its PDF in
    the name of the administration `administration_slug` and store it; void the organisation's
    pending letter. Flushes, never commits: the caller commits it with the approval.

    `address_lines`: the business address below the name, e.g. ``["Weinstraße 3",
    "56812 Cochem"]`` (1–4 lines). The window shows the name, "Geschäftsleitung", then these.
    Raises NotFound for an unknown administration or applicant, InvalidInput for an empty name
    or address, LetterLimitReached for a 4th letter to the organisation within 90 days, and
    Conflict when another transaction queued its letter at the same moment. The returned
    `code` and `revocation_code` are in clear only here; callers other than tests ignore them.
    """
    name = _clean(organisation_name, "organisation_name")
    lines = [_clean(line, "address line") for line in address_lines]
    if not 1 <= len(lines) <= _MAX_ADDRESS_LINES:
        raise InvalidInput(f"1 to {_MAX_ADDRESS_LINES} address lines")
    administration = db.scalar(
        select(Administration).where(Administration.slug == administration_slug)
    )
    if administration is None:
        raise NotFound("administration not found")
    recipient_lines = [name, ATTENTION, *lines]
    queued = queue_letter(
        db,
        hashing=hashing,
        kind=ORG_ACTIVATION,
        addressee=Addressee(applicant_account_id, organisation_id=organisation_id),
        recipient={"name": name, "attention": ATTENTION, "address_lines": lines,
                   "lines": recipient_lines},
        administration_slug=administration.slug,
        now=now,
    )
    assert queued.revocation_code is not None  # an organisation letter always has one
    # What a PIN letter prints (the recipient lines are `recipient_lines`, as queued), plus the
    # organisation's name and the Widerrufscode.
    printed = letter_content(
        queued, sender_name=administration.name,
        sender_address_lines=[str(line) for line in administration.address_lines or []],
        issuer_url=issuer_url, now=now, contact_lines=contact_lines,
    )
    content = OrganisationLetterContent(
        **asdict(printed), organisation_name=name, revocation_code=queued.revocation_code
    )
    save_pdf(db, letter_id=queued.letter_id, pdf=render_organisation_letter(content), now=now)
    return queued


def organisation_letters_remaining(db: Session, *, organisation_id: str, now: datetime) -> int:
    """How many more letters the organisation may be sent right now."""
    return remaining(db, organisation_letters(organisation_id), now=now)


def _selector(organisation_id: str | None, reference: str | None) -> ColumnElement[bool]:
    """The organisation's pending letter, by organisation id (the logged-in applicant) or by
    the reference printed on it (a recipient who has only the letter)."""
    if (organisation_id is None) == (reference is None):
        raise InvalidInput("give the organisation id or the letter's reference")
    if organisation_id is not None:
        which = Letter.pending_organisation_id == organisation_id
    else:
        assert reference is not None
        which = Letter.reference == "".join(reference.split()).upper()[:_MAX_REFERENCE]
    # Never a PIN letter, whatever its reference.
    return and_(which, Letter.kind == ORG_ACTIVATION, Letter.organisation_id.is_not(None))


class CodeEntry(TypedDict):
    """A code as entered, and which letter it is for: by `organisation_id` (the logged-in
    applicant) or by the printed `reference` (someone who holds only the letter), exactly one."""

    hashing: PasswordHashing
    code: str
    now: datetime
    organisation_id: NotRequired[str | None]
    reference: NotRequired[str | None]


def verify_organisation_code(
    db: Session,
    *,
    hashing: PasswordHashing,
    code: str,
    now: datetime,
    organisation_id: str | None = None,
    reference: str | None = None,
) -> VerifiedOrganisationCode | None:
    """Which of the pending letter's codes `code` is, or None for every failure; never consumes.

    The letter is chosen by `organisation_id` or by its printed `reference` (exactly one).
    Wrong, expired, void, used, unknown: the same None. A malformed code costs no attempt.
    The attempt is claimed and **committed** before the check (see `service.verify_code`); both
    hashes are always checked, so the time taken does not say which code was close. Without a
    usable letter (an unknown reference, a used or expired one) two verifications against the
    fixed dummy argon2id hash (`PasswordHashing.burn`) cost the same, so the time does not say
    whether a reference exists: `/organizations/revoke` is open to anyone. The third wrong
    attempt voids the letter (committed).
    """
    which = _selector(organisation_id, reference)
    candidate = normalise_code(code)
    if not is_well_formed(candidate):
        return None
    claimed = claim_attempt(db, which, now=now)
    if claimed is None or claimed.organisation_id is None:
        hashing.burn(candidate)  # the activation code's hash
        hashing.burn(candidate)  # the Widerrufscode's
        return None
    activates, _ = hashing.verify(claimed.code_hash, candidate)
    revokes = False
    if claimed.revocation_code_hash is not None:
        revokes, _ = hashing.verify(claimed.revocation_code_hash, candidate)
    else:
        hashing.burn(candidate)  # always two verifications (docstring)
    if not (activates or revokes):
        void_if_used_up(db, letter_id=claimed.letter_id, now=now)
        return None
    purpose: CodePurpose = "activation" if activates else "revocation"
    return VerifiedOrganisationCode(
        claimed.letter_id, claimed.organisation_id, claimed.account_id, purpose
    )


def consume_organisation_letter(
    db: Session, *, verified: VerifiedOrganisationCode, now: datetime
) -> UsedOrganisationLetter | None:
    """Use the letter up — both codes at once — with one conditional UPDATE from a pending
    state: `activated` by the activation code, `revoked` by the Widerrufscode. Flushed, not
    committed: the caller commits it with the organisation's new state. None when it was used,
    voided or expired since `verify_organisation_code`."""
    activation = verified.purpose == "activation"
    consumed = db.execute(
        update(Letter)
        .where(Letter.id == verified.letter_id, Letter.status.in_(PENDING_STATUSES))
        .values(
            status="activated" if activation else "revoked",
            pending_organisation_id=None,
            activated_at=now if activation else None,
            closed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if not int(consumed.rowcount):  # type: ignore[attr-defined]
        return None
    return UsedOrganisationLetter(
        verified.letter_id,
        verified.organisation_id,
        verified.applicant_account_id,
        verified.purpose,
        now,
    )


def use_organisation_code(
    db: Session, *, purpose: CodePurpose | None = None, **entry: Unpack[CodeEntry]
) -> UsedOrganisationLetter | None:
    """`verify_organisation_code`, then `consume_organisation_letter`, for callers with
    nothing to check in between. The consume is flushed, not committed.

    With `purpose`, only that code uses the letter: the other one is answered None like a wrong
    code (it cost its attempt) and the letter stays, so a Widerruf form cannot activate."""
    verified = verify_organisation_code(db, **entry)
    if verified is None:
        return None
    if purpose is not None and verified.purpose != purpose:
        void_if_used_up(db, letter_id=verified.letter_id, now=entry["now"])
        return None
    return consume_organisation_letter(db, verified=verified, now=entry["now"])


def organisation_letter_status(
    db: Session, *, organisation_id: str, now: datetime | None = None
) -> LetterStatus | None:
    """The organisation's latest letter (status, deadline, attempts left), or None."""
    return latest_status(db, organisation_letters(organisation_id), now=now)


def void_organisation_letter(db: Session, *, organisation_id: str, now: datetime) -> bool:
    """Void the organisation's pending letter (the application was withdrawn, the organisation
    suspended or closed before activation) and delete its PDF so it is not printed; flushes,
    never commits. False when none was pending."""
    pending = update(Letter).where(Letter.pending_organisation_id == organisation_id)
    return bool(
        move_letters(db, pending, status="void", pending_organisation_id=None, closed_at=now)
    )


def delete_organisation_letters(db: Session, *, organisation_id: str) -> int:
    """Delete every letter to the organisation and its PDF (the organisation is deleted);
    returns how many. Flushes, never commits."""
    letter_ids = list(
        db.scalars(select(Letter.id).where(organisation_letters(organisation_id)))
    )
    if not letter_ids:
        return 0
    # The PDFs (codes in clear) are blobs, which no foreign key removes with the letters.
    delete_pdfs(db, letter_ids)
    db.execute(
        delete(Letter)
        .where(Letter.id.in_(letter_ids))
        .execution_options(synchronize_session=False)
    )
    return len(letter_ids)
