"""Citizen registration and identity binding (DESIGN §5, BSI TR-03160-1 via egov-domain.md §3).

1. `register_citizen`: one transaction creates the `basic` account, the e-mail confirmation
   token and mail, and — when the civil register finds exactly this person — the PIN letter to
   the *register* address. The register is asked before anything is written: when it is down,
   nothing is stored (fail closed). The answer is the same for every outcome.
2. `confirm_email`: the single-use link from the mail.
3. `activate_identity`: the letter's code raises the register-matched attributes to
   `substantial` and records the evidence. The code binds identity only; it is never a login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import (
    attributes_of,
    consume_link_token,
    create_account,
    normalise_email,
    set_attribute,
)
from servicekonto.audit.service import record
from servicekonto.db.models import (
    Account,
    Administration,
    AuditEvent,
    EmailToken,
    IdentityEvidence,
)
from servicekonto.errors import InputRefused, InvalidInput, NotFound
from servicekonto.faults import crash_point
from servicekonto.letters.pdf import render_pin_letter
from servicekonto.letters.service import (
    Recipient,
    consume_letter,
    letter_content,
    pending_register_record,
    queue_pin_letter,
    verify_code,
)
from servicekonto.letters.store import LetterStore, save_pdf
from servicekonto.mail.service import queue_mail
from servicekonto.register.model import MatchResult, PersonQuery, Resident
from servicekonto.register.normalise import split_street_address
from servicekonto.register.port import CivilRegister
from servicekonto.registration.schemas import RegistrationInput
from servicekonto.security.passwords import PasswordHashing, password_problems
from servicekonto.security.secrets import digest, random_token

#: DESIGN §5 / issue 3 item 7: unconfirmed sign-ups are purged after 7 days.
EMAIL_TOKEN_TTL = timedelta(days=7)
#: The "you already have an account" notice goes to one address at most this often.
NOTICE_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class Collaborators:
    """What registration needs from the composition root."""

    hashing: PasswordHashing
    register: CivilRegister
    #: The legacy PDF directory of versions before 0005 (`letters.store`); PDFs are in the database.
    letters: LetterStore
    issuer: str


def _query(data: RegistrationInput) -> PersonQuery:
    return PersonQuery(
        given_names=data.given_name, family_name=data.family_name, birth_date=data.birth_date,
        street=data.street, house_number=data.house_number, postal_code=data.postal_code,
        locality=data.locality,
    )


def _typed_attributes(data: RegistrationInput) -> dict[str, object]:
    return {
        "given_name": data.given_name, "family_name": data.family_name,
        "birthdate": data.birth_date.isoformat(),
        "address": {"street_address": f"{data.street} {data.house_number}",
                    "postal_code": data.postal_code, "locality": data.locality, "country": "DE"},
    }


def _responsible_administration(db: Session, postal_code: str) -> Administration | None:
    """The Verbandsgemeinde/Stadt serving the postal code, else the Kreis (DESIGN §1)."""
    administrations = list(db.scalars(select(Administration)))
    for administration in administrations:
        if postal_code in (administration.postal_codes or []):
            return administration
    return next((a for a in administrations if a.parent_id is None), None)


def _send_letter(db: Session, c: Collaborators, *, account_id: str, resident: Resident,
                 now: datetime) -> str:
    """Queue the PIN letter to the register address and store its print PDF in the same
    transaction (`letters.store`); returns its id."""
    address = resident.address
    administration = _responsible_administration(db, address.postal_code)
    queued = queue_pin_letter(
        db, hashing=c.hashing, account_id=account_id, register_record_id=resident.record_id,
        recipient=Recipient(
            name=f"{resident.given_names} {resident.family_name}",
            street_line=f"{address.street} {address.house_number}",
            postal_code=address.postal_code, locality=address.locality,
        ),
        administration_slug=administration.slug if administration else None, now=now,
    )
    content = letter_content(
        queued, sender_name=administration.name if administration else "ServiceKonto",
        sender_address_lines=list(administration.address_lines or []) if administration else [],
        issuer_url=c.issuer, now=now,
    )
    save_pdf(db, letter_id=queued.letter_id, pdf=render_pin_letter(content), now=now)
    return queued.letter_id


def _notify_already_registered(
    db: Session, c: Collaborators, *, email: str, account_id: str, now: datetime, request_id: str
) -> None:
    """The "someone tried to register with your address" mail, at most once per
    NOTICE_INTERVAL per account (issue 15 item 4: 70 sign-ups must not mean 70 mails)."""
    recent = db.scalars(
        select(AuditEvent.details).where(
            AuditEvent.event == "registration.repeated",
            AuditEvent.actor == f"account:{account_id}",
            AuditEvent.at > now - NOTICE_INTERVAL,
        )
    )
    notice = not any(details.get("notice") for details in recent)
    if notice:
        queue_mail(db, to=email, now=now, subject="Registrierung bei ServiceKonto",
                   body=_ALREADY_REGISTERED.format(issuer=c.issuer))
    record(db, at=now, event="registration.repeated", actor=f"account:{account_id}",
           details={"notice": notice}, request_id=request_id)


def register_citizen(
    db: Session, c: Collaborators, *, data: RegistrationInput, now: datetime, request_id: str = ""
) -> None:
    """Register a person. Raises InputRefused for a refused password and RegisterUnavailable
    (nothing written) when the civil register cannot answer; otherwise one generic outcome."""
    problems = password_problems(data.password, email=str(data.email))
    if data.birth_date > now.date():
        problems.append("birth_date_in_future")
    if problems:
        raise InputRefused(problems)
    email = normalise_email(str(data.email))
    existing = db.scalar(select(Account.id).where(Account.email == email))
    match: MatchResult = c.register.match(_query(data))  # before any write: fail closed
    if existing is not None:
        # Same answer and about the same work as a new sign-up (no enumeration): two hashes.
        c.hashing.burn(data.password)
        c.hashing.burn(data.password)
        _notify_already_registered(db, c, email=email, account_id=existing, now=now,
                                   request_id=request_id)
        return
    account = create_account(
        db, hashing=c.hashing, now=now, email=email, password=data.password,
        attributes=_typed_attributes(data), level=TrustLevel.BASIC, source="user",
    )
    crash_point("registration.after_account")
    token = random_token(32)
    db.add(EmailToken(digest=digest(token), account_id=account.id, purpose="verify_email",
                      created_at=now, expires_at=now + EMAIL_TOKEN_TTL))
    queue_mail(db, to=email, now=now, subject="Bitte bestätigen Sie Ihre E-Mail-Adresse",
               body=_CONFIRM.format(link=f"{c.issuer}/register/confirm/{token}"))
    letter_id = None
    if match.outcome == "match" and match.resident is not None:
        letter_id = _send_letter(db, c, account_id=account.id, resident=match.resident, now=now)
        crash_point("registration.after_letter")
    else:
        c.hashing.burn(data.password)  # the letter's code hash, for equal timing
    record(db, at=now, event="registration.created", actor=f"account:{account.id}",
           details={"letter": letter_id is not None}, request_id=request_id)


def add_email(
    db: Session, c: Collaborators, *, account_id: str, email: str, now: datetime,
    request_id: str = "",
) -> None:
    """Give an account opened with the eID an e-mail address, verified by link like a sign-up.

    An address that belongs to another account gets the "you already have an account" notice
    instead, and the caller shows the same answer either way (no enumeration).
    """
    account = db.get(Account, account_id)
    if account is None or account.email is not None:
        raise InvalidInput("the account already has an e-mail address")
    address = normalise_email(email)
    existing = db.scalar(select(Account.id).where(Account.email == address))
    if existing is not None:
        _notify_already_registered(db, c, email=address, account_id=existing, now=now,
                                   request_id=request_id)
        return
    account.email, account.email_verified, account.updated_at = address, False, now
    token = random_token(32)
    db.add(EmailToken(digest=digest(token), account_id=account.id, purpose="verify_email",
                      created_at=now, expires_at=now + EMAIL_TOKEN_TTL))
    queue_mail(db, to=address, now=now, subject="Bitte bestätigen Sie Ihre E-Mail-Adresse",
               body=_CONFIRM_ADDED.format(link=f"{c.issuer}/register/confirm/{token}"))
    record(db, at=now, event="email.added", actor=f"account:{account.id}", request_id=request_id)


def confirm_email(db: Session, *, token: str, now: datetime) -> bool:
    """Consume the link token (single use, one conditional UPDATE); mark the e-mail verified."""
    row = consume_link_token(db, token=token, purpose="verify_email", now=now)
    if row is None:
        return False
    db.execute(update(Account).where(Account.id == row.account_id)
               .values(email_verified=True, updated_at=now))
    record(db, at=now, event="email.verified", actor=f"account:{row.account_id}")
    return True


def _queries_for_account(account: Account) -> list[PersonQuery]:
    """Rebuild the register query from what the person typed at registration.

    The typed street and house number were stored as one `street_address`; the house-number
    reading of `split_street_address` comes first ("Kirchstraße 7 a" → "Kirchstraße", "7 a"),
    the split at the last space second, for a street whose name ends in a number.
    """
    typed = attributes_of(account)
    try:
        address = typed["address"].value
        line = str(address["street_address"])
        given_names = str(typed["given_name"].value)
        family_name = str(typed["family_name"].value)
        birth_date = date.fromisoformat(str(typed["birthdate"].value))
        postal_code, locality = str(address["postal_code"]), str(address["locality"])
    except (KeyError, TypeError, ValueError):
        return []
    street, _, number = line.rpartition(" ")
    splits = list(dict.fromkeys([split_street_address(line), (street, number)]))
    return [
        PersonQuery(given_names=given_names, family_name=family_name, birth_date=birth_date,
                    street=street, house_number=number, postal_code=postal_code,
                    locality=locality)
        for street, number in splits
        if street and number
    ]


def _register_resident(c: Collaborators, account: Account,
                       record_id: str | None = None) -> Resident | None:
    """The register's record for the account's typed data (the one with `record_id`, if given);
    raises RegisterUnavailable when the register cannot answer."""
    for query in _queries_for_account(account):
        resident = c.register.match(query).resident
        if resident is not None and record_id in (None, resident.record_id):
            return resident
    return None


class _LetterGone(Exception):
    """The verified letter was voided or expired before it could be consumed."""


def activate_identity(
    db: Session, c: Collaborators, *, account_id: str, code: str, now: datetime,
    request_id: str = "",
) -> bool:
    """Bind the account to its register record with the letter's code; False for any failure.

    Everything that can refuse without the code is checked before an attempt is spent: the
    register is asked again (its data is the source of the verified attributes, and an outage
    refuses here), and the person must not be bound to another account (D-03). The letter is
    consumed only in the savepoint that records the binding, so a failure after the code was
    checked leaves it pending (L-05): it is neither used up nor a sent letter more.
    """
    account = db.get(Account, account_id)
    if account is None:
        raise NotFound("no such account")
    record_id = pending_register_record(db, account_id=account_id, now=now)
    resident = _register_resident(c, account, record_id) if record_id else None
    refusal = _refusal(db, account_id, record_id, resident)
    if refusal is not None or resident is None:
        record(db, at=now, event=refusal or "identity.activation_failed",
               actor=f"account:{account_id}", request_id=request_id)
        return False
    verified = verify_code(db, hashing=c.hashing, account_id=account_id, code=code, now=now)
    if verified is None or verified.register_record_id != resident.record_id:
        # (a different record: a newer letter replaced the checked one meanwhile)
        record(db, at=now, event="identity.activation_failed", actor=f"account:{account_id}",
               request_id=request_id)
        return False
    try:
        with db.begin_nested():
            activated = consume_letter(db, verified=verified, now=now)
            if activated is None:
                raise _LetterGone
            _bind_to_register(db, account, resident, activated.letter_id, now)
    except (IntegrityError, _LetterGone) as exc:
        # IntegrityError: another account was bound to this person meanwhile (D-03).
        event = ("identity.already_bound" if isinstance(exc, IntegrityError)
                 else "identity.activation_failed")
        record(db, at=now, event=event, actor=f"account:{account_id}", request_id=request_id)
        return False
    if account.email:
        queue_mail(db, to=account.email, now=now, subject="Ihre Identität ist bestätigt",
                   body=_ACTIVATED.format(issuer=c.issuer))
    record(db, at=now, event="identity.activated", actor=f"account:{account_id}",
           details={"letter_id": activated.letter_id}, request_id=request_id)
    return True


def _refusal(db: Session, account_id: str, record_id: str | None,
             resident: Resident | None) -> str | None:
    """The audit event of a refusal that needs no code check, or None."""
    if record_id is not None and resident is None:
        return "identity.register_changed"  # the register no longer finds the letter's person
    if resident is not None and db.scalar(select(Account.id).where(
            Account.register_record_id == resident.record_id, Account.id != account_id)):
        return "identity.already_bound"
    return None


def _bind_to_register(db: Session, account: Account, resident: Resident, letter_id: str,
                      now: datetime) -> None:
    _raise_to_register_data(db, account, resident, now)
    account.register_record_id = resident.record_id
    db.add(IdentityEvidence(account_id=account.id, kind="register_letter",
                            register_record_id=resident.record_id,
                            letter_id=letter_id, verified_at=now))
    db.flush()


def order_new_letter(
    db: Session, c: Collaborators, *, account_id: str, now: datetime, request_id: str = ""
) -> bool:
    """A new PIN letter (voiding the old one) when the register still finds the person; at most
    3 per 90 days (LetterLimitReached). False when the register finds no unique match."""
    account = db.get(Account, account_id)
    if account is None:
        raise NotFound("no such account")
    if account.register_record_id:
        return False  # already bound
    resident = _register_resident(c, account)
    if resident is None:
        record(db, at=now, event="letter.order_refused", actor=f"account:{account_id}",
               request_id=request_id)
        return False
    letter_id = _send_letter(db, c, account_id=account_id, resident=resident, now=now)
    record(db, at=now, event="letter.ordered", actor=f"account:{account_id}",
           details={"letter_id": letter_id}, request_id=request_id)
    return True


def _raise_to_register_data(db: Session, account: Account, resident: Resident,
                            now: datetime) -> None:
    """The register's spelling replaces the typed one, at level `substantial`."""
    address = resident.address
    values: dict[str, object] = {
        "given_name": resident.given_names, "family_name": resident.family_name,
        "birthdate": resident.birth_date.isoformat(),
        "place_of_birth": resident.place_of_birth, "nationalities": [resident.nationality],
        "address": {"street_address": f"{address.street} {address.house_number}",
                    "postal_code": address.postal_code, "locality": address.locality,
                    "country": address.country},
    }
    if resident.birth_name:
        values["birth_family_name"] = resident.birth_name
    from_chip = {n for n, a in attributes_of(account).items() if a.level >= TrustLevel.HIGH}
    for name, value in values.items():
        if name in from_chip:
            continue  # never lower what the eID read (DESIGN §4: high stays high)
        set_attribute(db, account=account, name=name, value=value, level=TrustLevel.SUBSTANTIAL,
                      source="register", now=now)


def evidence_of(db: Session, *, account_id: str) -> list[IdentityEvidence]:
    return list(db.scalars(select(IdentityEvidence).where(
        IdentityEvidence.account_id == account_id).order_by(IdentityEvidence.verified_at)))


_CONFIRM = """Guten Tag,

bitte bestätigen Sie Ihre E-Mail-Adresse für Ihr ServiceKonto mit diesem Link:

{link}

Der Link ist 7 Tage gültig. Wenn Sie sich nicht registriert haben, ignorieren Sie diese
Nachricht; die Registrierung wird dann nach 7 Tagen gelöscht.

Ihr ServiceKonto
"""

_CONFIRM_ADDED = """Guten Tag,

bitte bestätigen Sie die E-Mail-Adresse für Ihr ServiceKonto mit diesem Link:

{link}

Der Link ist 7 Tage gültig. Wenn Sie diese Adresse nicht hinterlegt haben, ignorieren Sie diese
Nachricht.

Ihr ServiceKonto
"""

_ALREADY_REGISTERED = """Guten Tag,

mit Ihrer E-Mail-Adresse wurde versucht, ein neues ServiceKonto anzulegen. Sie haben bereits
ein Konto. Melden Sie sich unter {issuer}/login an. Wenn Sie das nicht waren, müssen Sie nichts
tun.

Ihr ServiceKonto
"""

_ACTIVATED = """Guten Tag,

Ihre Identität ist mit dem Aktivierungscode aus Ihrem Brief bestätigt. Ihre Angaben aus dem
Melderegister haben nun das Vertrauensniveau „substantiell“.

Wenn Sie das nicht waren, wenden Sie sich bitte sofort an Ihre Verwaltung: {issuer}

Ihr ServiceKonto
"""
