"""The letter life cycle: queue → dispatched → activated | void | expired (DESIGN §5, §8).

A letter goes to an `Addressee`: a register person (the PIN letter, `queue_pin_letter`) or an
organisation's business address (its activation letter, `letters.organisation`). Both are rows
of `letters`, queued by `queue_letter`, counted, printed and dispatched alike; an organisation
letter also carries a Widerrufscode and is pending under `pending_organisation_id`.

Rules and where they are enforced:

* one pending letter per account — the UNIQUE `letters.pending_account_id` (DESIGN §7); per
  organisation the UNIQUE `letters.pending_organisation_id`; queuing a new letter voids the
  pending one first (checklist L-05);
* at most 3 letters per account in 90 days — counted under a lock on the account row
  (PostgreSQL `SELECT … FOR UPDATE`; SQLite serialises writers with BEGIN IMMEDIATE) (L-06);
  per organisation likewise, under a lock on its letters (the UNIQUE rule above settles the
  race for its first letter);
* the address comes from the civil-register record the caller passes, never from user input (L-06);
* only the argon2id hash of the code is stored (L-01);
* 3 attempts per letter, claimed with one conditional UPDATE before the code is checked, so
  parallel guesses cannot outrun the counter (L-02, L-03, TR-03107-1 §3.3.1.2);
* wrong, expired, void and unknown codes get one answer: None (L-02, L-04);
* single use: success is one conditional UPDATE from a pending state (DESIGN §6 #6, L-05), made
  by the caller in the transaction that records what the letter proves, so a failure after the
  code was checked rolls the consume back with it (`verify_code`, then `consume_letter`).

Services take the caller's Session and never commit, except `verify_code`, which commits the claimed
attempt (see there). The conditional UPDATEs bypass the identity map (`synchronize_session=False`);
the reads below use `populate_existing`, so a Letter loaded earlier in the session is never stale.
Auditing the order and the activation is the caller's job (an orchestrating layer; this package
may not import `audit`). Nothing here logs codes or personal data.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Update, and_, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.db.models import Account, Administration, Letter
from servicekonto.db.models.letter import ORG_ACTIVATION, PENDING_STATUSES, PIN
from servicekonto.db.models.staff import LETTER_DISPATCH
from servicekonto.db.scoping import restrict
from servicekonto.errors import Conflict, InvalidInput, NotFound, ServiceKontoError
from servicekonto.letters.codes import ALPHABET, is_well_formed, new_activation_code, normalise_code
from servicekonto.letters.pdf import BERLIN, LetterContent, PdfError, merge_pdfs
from servicekonto.letters.store import (
    LetterStore,
    LetterUnreadable,
    delete_pdfs,
    has_pdf,
    load_pdf,
    save_pdf,
    stored_letter_ids,
)
from servicekonto.security.passwords import PasswordHashing

__all__ = [
    "EXPORT_LIMIT",
    "LETTERS_PER_WINDOW",
    "LETTER_WINDOW",
    "MAX_ATTEMPTS",
    "ORG_ACTIVATION",
    "PIN",
    "VALIDITY",
    "ActivatedLetter",
    "Addressee",
    "ClaimedAttempt",
    "LetterLimitReached",
    "LetterStatus",
    "LetterStore",
    "LetterSummary",
    "LetterUnreadable",
    "QueuedLetter",
    "Recipient",
    "VerifiedCode",
    "activate",
    "claim_attempt",
    "close_expired",
    "consume_letter",
    "export_batch",
    "latest_status",
    "letter_content",
    "letter_status",
    "letters_remaining",
    "list_queued",
    "mark_dispatched",
    "move_letters",
    "organisation_letters",
    "pending_register_record",
    "person_letters",
    "purge_pdfs",
    "queue_letter",
    "queue_pin_letter",
    "queued_pdf",
    "remaining",
    "verify_code",
    "void_if_used_up",
]

log = logging.getLogger(__name__)

#: TR-03107-1 §3.3.1.2 gives the PIN letter 3 tries, like the eID PIN (DESIGN §8).
MAX_ATTEMPTS = 3
#: DESIGN §8; NIST SP 800-63A-4 (2pd) §5.1.6 allows 21 days for domestic post.
VALIDITY = timedelta(days=21)
#: Checklist L-06: "1 pending letter and at most 3 per 90 days per person".
LETTER_WINDOW = timedelta(days=90)
LETTERS_PER_WINDOW = 3
#: Issue 15 item 5: one export hands out this many readable codes at most (audited per export).
EXPORT_LIMIT = 200

_PENDING = PENDING_STATUSES
_REFERENCE_CHARS = 6  # ≈ 29 bits from the code alphabet: a handle for phone calls, not a secret


class LetterLimitReached(ServiceKontoError):
    """A 4th letter within 90 days was ordered. `retry_at`: when the next one will be allowed."""

    status = 429
    code = "letter_limit"

    def __init__(self, description: str = "", retry_at: datetime | None = None) -> None:
        super().__init__(description or "too many letters ordered in 90 days")
        self.retry_at = retry_at


@dataclass(frozen=True)
class Addressee:
    """Whom a letter is for, which decides the rule that keeps it the only pending one and whose
    90-day count it joins: the register person `register_record_id` of the account, or the
    organisation `organisation_id` (then `account_id` is the applicant who ordered it)."""

    account_id: str
    register_record_id: str | None = None
    organisation_id: str | None = None

    def __post_init__(self) -> None:
        if (self.register_record_id is None) == (self.organisation_id is None):
            raise InvalidInput("a letter goes to a register person or to an organisation")

    @property
    def pending_column(self) -> Any:
        """The UNIQUE column that holds the addressee's id while its letter is pending."""
        if self.organisation_id is None:
            return Letter.pending_account_id
        return Letter.pending_organisation_id

    @property
    def pending_id(self) -> str:
        return self.organisation_id or self.account_id

    def letters(self) -> ColumnElement[bool]:
        """The letters that count towards this addressee's 90-day limit."""
        if self.organisation_id is None:
            return person_letters(self.account_id)
        return organisation_letters(self.organisation_id)


def person_letters(account_id: str) -> ColumnElement[bool]:
    """The account's own (PIN) letters, not those it ordered for an organisation."""
    return and_(Letter.account_id == account_id, Letter.organisation_id.is_(None))


def organisation_letters(organisation_id: str) -> ColumnElement[bool]:
    """The letters to the organisation's business address."""
    return Letter.organisation_id == organisation_id


@dataclass(frozen=True)
class Recipient:
    """The postal address of the civil-register record (never what the user typed)."""

    name: str
    street_line: str
    postal_code: str
    locality: str

    def lines(self) -> list[str]:
        return [self.name, self.street_line, f"{self.postal_code} {self.locality}"]


@dataclass(frozen=True)
class QueuedLetter:
    """The new letter; `code` (and an organisation letter's `revocation_code`) is in clear only
    here, once, so the caller can render the PDF."""

    letter_id: str
    code: str
    reference: str
    valid_until: datetime
    recipient_lines: list[str]
    administration_slug: str | None
    revocation_code: str | None = None


@dataclass(frozen=True)
class ActivatedLetter:
    """Evidence of the identity binding: which register record, which letter, when."""

    letter_id: str
    register_record_id: str | None
    activated_at: datetime


@dataclass(frozen=True)
class LetterSummary:
    """What the print shop sees of a queued letter: enough to print and post, no code."""

    letter_id: str
    reference: str
    created_at: datetime
    valid_until: datetime
    administration_slug: str | None
    recipient_lines: list[str]
    #: The administration's display name ("Verbandsgemeinde Zell (Mosel)"), None if unknown.
    administration_name: str | None = None
    #: `PIN` (a register person's PIN letter) or `ORG_ACTIVATION` (an organisation's).
    kind: str = PIN


@dataclass(frozen=True)
class LetterStatus:
    """The account page's view of the latest letter."""

    letter_id: str
    status: str
    reference: str
    created_at: datetime
    valid_until: datetime
    attempts_left: int
    dispatched_at: datetime | None
    activated_at: datetime | None

    @property
    def pending(self) -> bool:
        return self.status in _PENDING


# -- ordering --------------------------------------------------------------------------------------


def _lock_account(db: Session, account_id: str) -> None:
    """Serialise letter orders of one account, so the 90-day count cannot be raced."""
    found = db.scalar(select(Account.id).where(Account.id == account_id).with_for_update())
    if found is None:
        raise NotFound("account not found")


def _new_reference(db: Session, now: datetime) -> str:
    """``SK-<year>-<6 characters>``; the UNIQUE constraint guarantees it, the loop is courtesy."""
    year = now.astimezone(BERLIN).year
    while True:
        suffix = "".join(secrets.choice(ALPHABET) for _ in range(_REFERENCE_CHARS))
        reference = f"SK-{year}-{suffix}"
        if db.scalar(select(Letter.id).where(Letter.reference == reference)) is None:
            return reference


def letters_remaining(db: Session, *, account_id: str, now: datetime) -> int:
    """How many more PIN letters the account may order right now (for the account page)."""
    return remaining(db, person_letters(account_id), now=now)


def remaining(db: Session, which: ColumnElement[bool], *, now: datetime) -> int:
    """How many more of the letters `which` selects may be ordered right now."""
    count = db.scalar(
        select(func.count())
        .select_from(Letter)
        .where(which, Letter.created_at > now - LETTER_WINDOW)
    )
    return max(0, LETTERS_PER_WINDOW - int(count or 0))


def queue_pin_letter(
    db: Session,
    *,
    hashing: PasswordHashing,
    account_id: str,
    register_record_id: str,
    recipient: Recipient,
    administration_slug: str | None,
    now: datetime,
) -> QueuedLetter:
    """Queue a PIN letter to the register address; void the pending one; flush, never commit.

    Raises LetterLimitReached for a 4th letter within 90 days, NotFound for an unknown account.
    The clear code is returned once; render and save the PDF in the same transaction.
    """
    return queue_letter(
        db,
        hashing=hashing,
        kind=PIN,
        addressee=Addressee(account_id, register_record_id=register_record_id),
        recipient={
            "name": recipient.name,
            "street_line": recipient.street_line,
            "postal_code": recipient.postal_code,
            "locality": recipient.locality,
            "lines": recipient.lines(),
        },
        administration_slug=administration_slug,
        now=now,
    )


def queue_letter(
    db: Session,
    *,
    hashing: PasswordHashing,
    kind: str,
    addressee: Addressee,
    recipient: dict[str, Any],
    administration_slug: str | None,
    now: datetime,
) -> QueuedLetter:
    """Queue a letter of `kind` to `addressee`; void its pending one; flush, never commit.

    `recipient` is stored as it is; its "lines" are the address window's lines. A letter to an
    organisation gets a Widerrufscode besides its code. Raises LetterLimitReached for a 4th
    letter within 90 days, NotFound for an unknown account, Conflict when another transaction
    queued the organisation's letter at the same moment (PostgreSQL; the UNIQUE rule decides).
    """
    code = new_activation_code()
    revocation_code = None
    if addressee.organisation_id is not None:
        revocation_code = new_activation_code()
        while revocation_code == code:  # never one code for both purposes
            revocation_code = new_activation_code()
    # The slow hashes first, before this function takes any lock.
    code_hash = hashing.hash(normalise_code(code))
    revocation_hash = hashing.hash(normalise_code(revocation_code)) if revocation_code else None

    _lock_account(db, addressee.account_id)
    if addressee.organisation_id is not None:
        # Serialises orders of one organisation once it has a letter; before, two first
        # letters meet at the UNIQUE pending rule instead (the insert below).
        db.scalars(
            select(Letter.id)
            .where(Letter.organisation_id == addressee.organisation_id)
            .with_for_update()
        ).all()
    recent = db.scalars(
        select(Letter.created_at)
        .where(addressee.letters(), Letter.created_at > now - LETTER_WINDOW)
        .order_by(Letter.created_at)
    ).all()
    if len(recent) >= LETTERS_PER_WINDOW:
        retry_at = recent[len(recent) - LETTERS_PER_WINDOW] + LETTER_WINDOW
        raise LetterLimitReached(retry_at=retry_at)

    # "A new letter voids the old one" — before the insert, or the unique rule would refuse it.
    db.execute(
        update(Letter)
        .where(addressee.pending_column == addressee.pending_id)
        .values(status="void", pending_account_id=None, pending_organisation_id=None,
                closed_at=now)
    )
    letter = Letter(
        account_id=addressee.account_id,
        pending_account_id=None if addressee.organisation_id else addressee.account_id,
        pending_organisation_id=addressee.organisation_id,
        kind=kind,
        status="queued",
        code_hash=code_hash,
        revocation_code_hash=revocation_hash,
        attempts=0,
        register_record_id=addressee.register_record_id,
        organisation_id=addressee.organisation_id,
        administration_slug=administration_slug,
        recipient=recipient,
        reference=_new_reference(db, now),
        created_at=now,
        valid_until=now + VALIDITY,
    )
    if addressee.organisation_id is None:
        db.add(letter)
        db.flush()
    else:
        try:
            with db.begin_nested():
                db.add(letter)
        except IntegrityError as exc:
            raise Conflict("another letter to this organisation is being queued") from exc
    return QueuedLetter(
        letter_id=letter.id,
        code=code,
        reference=letter.reference,
        valid_until=letter.valid_until,
        recipient_lines=list(recipient.get("lines", [])),
        administration_slug=administration_slug,
        revocation_code=revocation_code,
    )


def letter_content(
    queued: QueuedLetter,
    *,
    sender_name: str,
    sender_address_lines: Sequence[str],
    issuer_url: str,
    now: datetime,
    contact_lines: Sequence[str] = (),
) -> LetterContent:
    """The printable content of a just-queued letter (dated today, German time)."""
    return LetterContent(
        sender_name=sender_name,
        sender_address_lines=list(sender_address_lines),
        recipient_lines=list(queued.recipient_lines),
        date=now.astimezone(BERLIN).date(),
        reference=queued.reference,
        code=queued.code,
        valid_until=queued.valid_until,
        issuer_url=issuer_url,
        contact_lines=list(contact_lines),
    )


# -- activation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedCode:
    """A correct code for the account's pending letter, not yet consumed (see `consume_letter`)."""

    letter_id: str
    register_record_id: str | None


def pending_register_record(db: Session, *, account_id: str, now: datetime) -> str | None:
    """The register record the account's usable letter was sent for, or None (no usable letter).

    Lets the caller check the register before it spends an attempt (`verify_code`)."""
    return db.scalar(
        select(Letter.register_record_id).where(
            Letter.pending_account_id == account_id,
            Letter.status.in_(_PENDING),
            Letter.attempts < MAX_ATTEMPTS,
            Letter.valid_until > now,
        )
    )


def verify_code(
    db: Session, *, hashing: PasswordHashing, account_id: str, code: str, now: datetime
) -> VerifiedCode | None:
    """Check the code of the account's pending letter; None for every failure. Never consumes.

    Wrong, expired, void, used-up, unknown: the same None (checklist L-02/L-04). A malformed code
    (wrong length or characters; see `codes.is_well_formed`) is refused without spending an
    attempt: it can never match, so counting it would only punish typos.

    The attempt is claimed first, with one conditional UPDATE, and **committed** before the
    argon2 check — the one documented exception to "services never commit", as in
    `accounts.authenticate_password`: the counted attempt must be durable before the slow hash
    runs (a crash or an error afterwards cannot hand the attempt back), and the hash must not run
    while this transaction holds the database's write lock (SQLite) or the row lock (PostgreSQL),
    which would serialise every guess behind it. The commit also commits anything the caller had
    pending in the session. The void after the third failure is committed for the same reason.
    """
    candidate = normalise_code(code)
    if not is_well_formed(candidate):
        return None
    claimed = claim_attempt(db, Letter.pending_account_id == account_id, now=now)
    if claimed is None:
        return None
    matches, _ = hashing.verify(claimed.code_hash, candidate)
    if not matches:
        void_if_used_up(db, letter_id=claimed.letter_id, now=now)
        return None
    return VerifiedCode(claimed.letter_id, claimed.register_record_id)


@dataclass(frozen=True)
class ClaimedAttempt:
    """One counted try at a pending letter: what checking the code needs."""

    letter_id: str
    code_hash: str
    revocation_code_hash: str | None
    register_record_id: str | None
    organisation_id: str | None
    account_id: str


def claim_attempt(
    db: Session, which: ColumnElement[bool], *, now: datetime
) -> ClaimedAttempt | None:
    """Count a try at the usable letter `which` selects, with one conditional UPDATE, and
    **commit** it (see `verify_code` for why); None when no usable letter is left.

    Parallel tries cannot outrun the counter: SQLite serialises the UPDATEs (BEGIN IMMEDIATE),
    PostgreSQL re-checks `attempts < 3` on the locked row."""
    claimed = db.execute(
        update(Letter)
        .where(
            which,
            Letter.status.in_(_PENDING),
            Letter.attempts < MAX_ATTEMPTS,
            Letter.valid_until > now,
        )
        .values(attempts=Letter.attempts + 1)
        .returning(
            Letter.id,
            Letter.code_hash,
            Letter.revocation_code_hash,
            Letter.register_record_id,
            Letter.organisation_id,
            Letter.account_id,
        )
        .execution_options(synchronize_session=False)
    ).first()
    db.commit()
    return None if claimed is None else ClaimedAttempt(*claimed)


def void_if_used_up(db: Session, *, letter_id: str, now: datetime) -> None:
    """After a wrong code: a letter whose last try is spent is void (committed at once)."""
    voided = db.execute(
        update(Letter)
        .where(
            Letter.id == letter_id,
            Letter.attempts >= MAX_ATTEMPTS,
            Letter.status.in_(_PENDING),
        )
        .values(status="void", pending_account_id=None, pending_organisation_id=None,
                closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(voided):
        db.commit()


def consume_letter(
    db: Session, *, verified: VerifiedCode, now: datetime
) -> ActivatedLetter | None:
    """Use the letter up (single use): one conditional UPDATE from a pending state, flushed, not
    committed, so the caller commits it together with what the letter proves — or rolls both
    back. None when a newer letter voided it or it expired since `verify_code`."""
    consumed = db.execute(
        update(Letter)
        .where(Letter.id == verified.letter_id, Letter.status.in_(_PENDING))
        .values(status="activated", pending_account_id=None, activated_at=now, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not _rowcount(consumed):
        return None
    return ActivatedLetter(verified.letter_id, verified.register_record_id, now)


def activate(
    db: Session, *, hashing: PasswordHashing, account_id: str, code: str, now: datetime
) -> ActivatedLetter | None:
    """`verify_code`, then `consume_letter`: for callers with nothing to check in between.

    On success the consume is flushed, not committed: the caller commits it with its own work.
    """
    verified = verify_code(db, hashing=hashing, account_id=account_id, code=code, now=now)
    if verified is None:
        return None
    return consume_letter(db, verified=verified, now=now)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


# -- account page ----------------------------------------------------------------------------------


def letter_status(
    db: Session, *, account_id: str, now: datetime | None = None
) -> LetterStatus | None:
    """The account's latest PIN letter, or None. With `now`, a pending letter past its validity
    already reads "expired" before maintenance has closed it. Letters the account ordered for
    an organisation are not its own (`letters.organisation.organisation_letter_status`)."""
    return latest_status(db, person_letters(account_id), now=now)


def latest_status(
    db: Session, which: ColumnElement[bool], *, now: datetime | None = None
) -> LetterStatus | None:
    """The status of the latest letter `which` selects, or None."""
    letter = db.scalars(
        select(Letter)
        .where(which)
        .order_by(Letter.created_at.desc(), Letter.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()
    if letter is None:
        return None
    status = letter.status
    if status in _PENDING and now is not None and letter.valid_until <= now:
        status = "expired"
    attempts_left = max(0, MAX_ATTEMPTS - letter.attempts) if status in _PENDING else 0
    return LetterStatus(
        letter_id=letter.id,
        status=status,
        reference=letter.reference,
        created_at=letter.created_at,
        valid_until=letter.valid_until,
        attempts_left=attempts_left,
        dispatched_at=letter.dispatched_at,
        activated_at=letter.activated_at,
    )


# -- print shop ------------------------------------------------------------------------------------


def list_queued(
    db: Session,
    *,
    administration_slug: str | None = None,
    now: datetime | None = None,
    staff: str | None = None,
) -> list[LetterSummary]:
    """Queued letters, oldest first; optionally of one administration, only those of the
    administrations where `staff` holds the dispatch role (the print shop's machine client
    passes none and sees all), and (with `now`) only those still valid — printing a letter that
    expired in the queue would only confuse."""
    query = (
        select(Letter, Administration.name)
        .outerjoin(Administration, Administration.slug == Letter.administration_slug)
        .where(Letter.status == "queued")
    )
    if staff is not None:
        query = restrict(query, staff=staff, role=LETTER_DISPATCH)
    if administration_slug is not None:
        query = query.where(Letter.administration_slug == administration_slug)
    if now is not None:
        query = query.where(Letter.valid_until > now)
    rows = db.execute(
        query.order_by(Letter.created_at, Letter.id).execution_options(populate_existing=True)
    ).all()
    return [
        LetterSummary(
            letter_id=letter.id,
            reference=letter.reference,
            created_at=letter.created_at,
            valid_until=letter.valid_until,
            administration_slug=letter.administration_slug,
            recipient_lines=list(letter.recipient.get("lines", [])),
            administration_name=name,
            kind=letter.kind,
        )
        for letter, name in rows
    ]


def queued_pdf(db: Session, *, letter_id: str) -> bytes:
    """The PDF of one queued letter: NotFound when the letter is not queued, LetterUnreadable
    when its PDF is missing or damaged."""
    status = db.scalar(select(Letter.status).where(Letter.id == letter_id))
    if status != "queued":
        raise NotFound("no queued letter with this id")
    return load_pdf(db, letter_id=letter_id)


def export_batch(
    db: Session,
    *,
    letter_ids: Iterable[str] | None = None,
    administration_slug: str | None = None,
    now: datetime | None = None,
    staff: str | None = None,
    duplex: bool = False,
    limit: int = EXPORT_LIMIT,
) -> tuple[list[str], bytes]:
    """One PDF of queued letters (the given ids, or the oldest `limit`), and the ids it contains.

    Never an empty document: NotFound when no selected letter is queued, InvalidInput for more
    than `limit` ids, LetterUnreadable (409) when the PDF of a selected letter is missing or
    damaged — the print shop must learn of it, not print a blank page and mark the letter sent.
    """
    wanted = None if letter_ids is None else set(letter_ids)
    if wanted is not None and len(wanted) > limit:
        raise InvalidInput(f"at most {limit} letters per export")
    chosen = [
        summary.letter_id
        for summary in list_queued(
            db, administration_slug=administration_slug, now=now, staff=staff
        )
        if wanted is None or summary.letter_id in wanted
    ][:limit]
    if not chosen:
        raise NotFound("no queued letter to export")
    documents = [load_pdf(db, letter_id=letter_id) for letter_id in chosen]
    try:
        return chosen, merge_pdfs(documents, duplex=duplex)
    except PdfError as exc:
        raise LetterUnreadable("a PDF of the selected letters is damaged") from exc


def mark_dispatched(
    db: Session, *, letter_ids: Iterable[str], now: datetime, staff: str | None = None
) -> int:
    """Queued → dispatched for the given letters, and their PDFs deleted, in one transaction;
    with `staff`, only letters of the administrations where they hold the dispatch role.

    Should the transaction roll back, the letters stay queued *with* their PDFs and can still be
    printed. Returns the number of letters moved.
    """
    # No letter id has a NUL, and PostgreSQL refuses one in a text parameter (a 500).
    ids = sorted({letter_id for letter_id in letter_ids if "\x00" not in letter_id})
    if not ids:
        return 0
    statement = update(Letter).where(Letter.id.in_(ids), Letter.status == "queued")
    if staff is not None:
        statement = restrict(statement, staff=staff, role=LETTER_DISPATCH)
    return len(move_letters(db, statement, status="dispatched", dispatched_at=now))


def move_letters(db: Session, statement: Update, **values: object) -> list[str]:
    """Set `values` on the letters `statement` selects and delete their PDFs (a letter that is
    no longer queued is never printed again); the ids of the letters moved. Flushed, not
    committed: a rollback keeps the letters as they were *with* their PDFs."""
    moved = (
        db.execute(
            statement.values(**values)
            .returning(Letter.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    delete_pdfs(db, moved)
    return list(moved)


# -- maintenance -----------------------------------------------------------------------------------


def close_expired(db: Session, *, now: datetime) -> int:
    """Pending letters past their validity → expired, their unprinted PDFs deleted; idempotent
    (`servicekonto maintenance run`)."""
    expired = update(Letter).where(Letter.status.in_(_PENDING), Letter.valid_until <= now)
    closed = move_letters(db, expired, status="expired", pending_account_id=None,
                          pending_organisation_id=None, closed_at=now)
    return len(closed)


def purge_pdfs(
    db: Session,
    *,
    store: LetterStore | None = None,
    now: datetime,
    grace: timedelta = timedelta(hours=1),
) -> int:
    """Delete stored PDFs that must not stay; returns how many. Idempotent; for maintenance runs.

    In the database: the PDF of a letter that is no longer queued (none should exist). In the
    legacy directory (`store`, see `letters.store`): a file of a queued letter is read into the
    database first and deleted once that commits; every other file is deleted, except one
    without a letter row younger than `grace` (an older version's transaction may still run).
    """
    stored = stored_letter_ids(db)
    queued = set(
        db.scalars(select(Letter.id).where(Letter.id.in_(stored), Letter.status == "queued"))
    )
    # A PDF whose letter is gone (deleted with its account) must not stay either.
    deleted = delete_pdfs(db, [letter_id for letter_id in stored if letter_id not in queued])
    for letter_id, modified in list(store.stored()) if store is not None else []:
        assert store is not None
        status = db.scalar(select(Letter.status).where(Letter.id == letter_id))
        if status == "queued":
            _import_legacy_pdf(db, store, letter_id, now)
            continue
        if status is None and modified > (now - grace).timestamp():
            continue
        if store.delete(letter_id):
            deleted += 1
    return deleted


def _import_legacy_pdf(db: Session, store: LetterStore, letter_id: str, now: datetime) -> None:
    if not has_pdf(db, letter_id=letter_id):
        try:
            save_pdf(db, letter_id=letter_id, pdf=store.load(letter_id), now=now)
        except (OSError, ValueError):
            log.warning("legacy letter pdf unreadable letter_id=%s", letter_id)
            return
    delete_pdfs_after_commit(db, store, [letter_id])


# -- deleting legacy files only after the transaction commits --------------------------------------

_PENDING_DELETES = "servicekonto.letters.pending_pdf_deletes"


def delete_pdfs_after_commit(
    db: Session, store: LetterStore, letter_ids: Sequence[str]
) -> None:
    """Delete stored PDFs once the transaction commits; a rollback keeps them."""
    if not letter_ids:
        return
    if _PENDING_DELETES not in db.info:
        db.info[_PENDING_DELETES] = []
        event.listen(db, "after_commit", _run_pending_deletes)
        event.listen(db, "after_rollback", _drop_pending_deletes)
    db.info[_PENDING_DELETES].extend((store, letter_id) for letter_id in letter_ids)


def _run_pending_deletes(db: Session) -> None:
    pending: list[tuple[LetterStore, str]] = db.info.get(_PENDING_DELETES, [])
    while pending:
        store, letter_id = pending.pop()
        try:
            store.delete(letter_id)
        except OSError:
            # `purge_pdfs` catches it on the next maintenance run.
            log.warning("could not delete letter pdf letter_id=%s", letter_id)


def _drop_pending_deletes(db: Session) -> None:
    db.info.get(_PENDING_DELETES, []).clear()
