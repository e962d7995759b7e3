"""Accounts and password authentication with atomic, temporary throttling (DESIGN §8).

Throttling claims an attempt *before* the password is checked: one conditional UPDATE increments
the failure counter only while the account is not locked, and locks it as the counter reaches the
threshold. Parallel guesses therefore cannot outrun the counter. A success resets it. A locked
account answers exactly like a wrong password (checklist C-01).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.db.models import Account, AccountAttribute, EmailToken
from servicekonto.errors import Conflict, InputRefused
from servicekonto.security.passwords import PasswordHashing, password_problems
from servicekonto.security.secrets import digest

LOCK_THRESHOLD = 5
#: Waits after the 5th, 6th, … consecutive failure; the last repeats. Never permanent.
LOCK_WAITS = (30, 60, 120, 300, 600, 900)

#: Identity attributes released as claims; address is a structured OIDC address object.
IDENTITY_ATTRIBUTES = (
    "given_name",
    "family_name",
    "birthdate",
    "birth_family_name",
    "place_of_birth",
    "nationalities",
    "address",
)


@dataclass(frozen=True)
class AttributeValue:
    value: Any
    level: TrustLevel
    source: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_account(
    db: Session,
    *,
    hashing: PasswordHashing,
    now: datetime,
    email: str | None,
    password: str | None,
    attributes: dict[str, Any],
    level: TrustLevel = TrustLevel.BASIC,
    source: str = "user",
    email_verified: bool = False,
) -> Account:
    """A new account; `email` may be None for an account opened with the eID alone."""
    email = normalise_email(email) if email is not None else None
    if email is not None and db.scalar(select(Account.id).where(Account.email == email)):
        raise Conflict("an account with this e-mail exists")
    account = Account(
        email=email,
        email_verified=email_verified,
        password_hash=hashing.hash(password) if password else None,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    db.add(account)
    db.flush()
    for name, value in attributes.items():
        set_attribute(
            db, account=account, name=name, value=value, level=level, source=source, now=now
        )
    return account


def set_attribute(
    db: Session,
    *,
    account: Account,
    name: str,
    value: Any,
    level: TrustLevel,
    source: str,
    now: datetime,
) -> None:
    if name not in IDENTITY_ATTRIBUTES:
        raise ValueError(f"unknown identity attribute {name}")
    for attribute in account.attributes:
        if attribute.name == name:
            attribute.value, attribute.level, attribute.source = value, level.label, source
            attribute.updated_at = now
            return
    account.attributes.append(
        AccountAttribute(name=name, value=value, level=level.label, source=source, updated_at=now)
    )


def attributes_of(account: Account) -> dict[str, AttributeValue]:
    return {
        a.name: AttributeValue(a.value, TrustLevel.parse(a.level), a.source)
        for a in account.attributes
    }


def identity_level(account: Account) -> TrustLevel:
    """The level of the core identity: the lowest of the name and birth attributes (DESIGN §4)."""
    attributes = attributes_of(account)
    core = [
        attributes[n].level for n in ("given_name", "family_name", "birthdate") if n in attributes
    ]
    return min(core) if len(core) == 3 else TrustLevel.BASIC


def get_account(db: Session, account_id: str) -> Account | None:
    return db.get(Account, account_id)


@dataclass(frozen=True)
class AccountView:
    """What pages show and check of an account; the row itself stays in the services."""

    id: str
    email: str | None
    email_verified: bool
    has_password: bool
    #: A PIN letter's code bound the identity to a civil register record.
    register_bound: bool
    identity_level: TrustLevel
    attributes: dict[str, AttributeValue]


def account_view(db: Session, account_id: str) -> AccountView | None:
    account = db.get(Account, account_id)
    if account is None:
        return None
    return AccountView(
        id=account.id,
        email=account.email,
        email_verified=account.email_verified,
        has_password=account.password_hash is not None,
        register_bound=account.register_record_id is not None,
        identity_level=identity_level(account),
        attributes=attributes_of(account),
    )


def _lock_deadline(now: datetime) -> Any:
    """SQL expression: the lock that the failure being counted brings (None below threshold)."""
    next_count = Account.failed_logins + 1
    whens = [
        (next_count == LOCK_THRESHOLD + i, now + timedelta(seconds=wait))
        for i, wait in enumerate(LOCK_WAITS)
    ]
    return case(
        (next_count < LOCK_THRESHOLD, None),
        *whens,
        else_=now + timedelta(seconds=LOCK_WAITS[-1]),
    )


def claim_attempt(db: Session, account_id: str, now: datetime) -> bool:
    """Count this attempt as a failure up front, unless the account is locked right now.

    Shared by every secret a person proves at login (password, second factor: DESIGN §8), so one
    counter and one lock cover them all; otherwise an attacker holding the password could guess
    second-factor codes on a budget of their own. The caller commits before checking the secret
    (see `authenticate_password`) and calls `reset_failures` on success.
    """
    result = db.execute(
        update(Account)
        .where(Account.id == account_id)
        .where(or_(Account.locked_until.is_(None), Account.locked_until <= now))
        .values(failed_logins=Account.failed_logins + 1, locked_until=_lock_deadline(now))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def reset_failures(db: Session, account_id: str, now: datetime) -> None:
    """A proven secret clears the failure counter and any lock (Keycloak/NIST: success resets)."""
    db.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(failed_logins=0, locked_until=None, updated_at=now)
    )


def authenticate_password(
    db: Session, *, hashing: PasswordHashing, now: datetime, email: str, password: str
) -> Account | None:
    """The account, or None for every failure (unknown, wrong, locked): one answer for all."""
    account = db.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None or account.password_hash is None:
        hashing.burn(password)
        return None
    claimed = claim_attempt(db, account.id, now)
    # The one place a service commits: the counted attempt must be durable before the slow hash
    # runs, and the hash must not run while this transaction holds the database's write lock.
    db.commit()
    if not claimed:
        hashing.burn(password)
        return None
    ok, needs_rehash = hashing.verify(account.password_hash, password)
    if not ok:
        return None
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "updated_at": now}
    if needs_rehash:
        values["password_hash"] = hashing.hash(password)
    db.execute(update(Account).where(Account.id == account.id).values(**values))
    db.refresh(account)
    return account


def count_accounts(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Account)) or 0)


def link_token_usable(db: Session, *, token: str, purpose: str, now: datetime) -> bool:
    """Whether an e-mail link's token can still be used; reads only.

    A link's GET shows a page and only its POST consumes the token, so a mail system's link
    scanner that opens the link cannot spend it (issue 10 item 17).
    """
    return (
        db.scalar(
            select(EmailToken.digest).where(
                EmailToken.digest == digest(token),
                EmailToken.purpose == purpose,
                EmailToken.used_at.is_(None),
                EmailToken.expires_at > now,
            )
        )
        is not None
    )


def set_password(
    db: Session, *, hashing: PasswordHashing, account: Account, password: str, now: datetime
) -> None:
    """Give the account a new password. Raises InputRefused (its `problems` machine codes)
    for a password the policy refuses (DESIGN §8); then nothing is written."""
    problems = password_problems(password, email=account.email or "")
    if problems:
        raise InputRefused(problems)
    account.password_hash = hashing.hash(password)
    account.failed_logins, account.locked_until, account.updated_at = 0, None, now


def consume_link_token(
    db: Session, *, token: str, purpose: str, now: datetime
) -> EmailToken | None:
    """Use an e-mail link's token once: one conditional UPDATE (DESIGN §6 #6), so of two parallel
    uses only one finds it; the token's row, or None when unknown, used or expired."""
    token_digest = digest(token)
    consumed = db.execute(
        update(EmailToken)
        .where(
            EmailToken.digest == token_digest,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not consumed.rowcount:  # type: ignore[attr-defined]
        return None
    return db.get(EmailToken, token_digest)
