"""The operator's management of staff (issue 12 item 3, DESIGN §9 `staff add`): who holds which
role at which administration, and the accounts of new staff.

Here rather than in `staff/` because it orchestrates three layer-5 packages (accounts, staff
roles, the audit log), which only a layer-4 package may do; the Registrierungsstelle is why
staff roles exist at all.

`add_staff` grants a role to the account with the e-mail address, creating the account when
there is none. Staff must log in with a bound second factor (README, security), so a new account
gets, besides a one-time password, an authenticator app set up bound (`accounts.means.
set_up_bound_totp`): the operator hands both to the person, and both are shown only once (only
an argon2id hash and the sealed secret are stored). An existing account keeps its password and
its means; `StaffGrant.bound_second_factor` says whether it can open the staff views yet.

Every change is audited with ids only (`staff.account_created`, `staff.role_granted`,
`staff.role_revoked`); repeating a change that is already in place changes nothing and is not
audited, so scripts and the demo seed can repeat it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.accounts.means import (
    ACTIVE,
    DEFAULT_ISSUER,
    KIND_EID,
    has_bound_totp,
    set_up_bound_totp,
)
from servicekonto.accounts.service import create_account, normalise_email
from servicekonto.audit.service import record
from servicekonto.db.models import Account, LoginMeans
from servicekonto.errors import InvalidInput, NotFound
from servicekonto.security import totp
from servicekonto.security.passwords import PasswordHashing
from servicekonto.security.sealing import Sealer
from servicekonto.staff.service import (
    STAFF_ROLES,
    StaffMember,
    administration_id_of,
    grant,
    revoke,
    staff_members,
)

__all__ = [
    "EmailMalformed",
    "StaffGrant",
    "StaffMember",
    "StaffRevocation",
    "UnknownAccount",
    "UnknownAdministration",
    "UnknownRole",
    "add_staff",
    "list_staff",
    "one_time_password",
    "remove_staff",
]

#: Letters and digits without look-alikes (0/O, 1/I/l): read off a screen, typed by hand.
_PASSWORD_ALPHABET: Final = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"
#: 4 groups of 5: 20 characters, about 114 bits, far above the password policy's 12.
_PASSWORD_GROUPS: Final = 4
_PASSWORD_GROUP: Final = 5


class UnknownRole(InvalidInput):
    code = "role_unknown"


class EmailMalformed(InvalidInput):
    code = "email_malformed"


class UnknownAdministration(NotFound):
    code = "administration_unknown"


class UnknownAccount(NotFound):
    code = "account_unknown"


@dataclass(frozen=True)
class StaffGrant:
    """What `add_staff` did; the password and TOTP secret only when it created the account."""

    account_id: str
    email: str
    administration: str
    role: str
    created_account: bool
    #: False: the account held the role already (nothing changed).
    granted: bool
    #: The account has a bound authenticator app (or an eID means), so the staff views open.
    bound_second_factor: bool
    password: str | None = None
    totp_secret: str | None = None
    totp_uri: str | None = None


@dataclass(frozen=True)
class StaffRevocation:
    account_id: str
    administration: str
    #: The roles taken away (empty: the account held none of them there).
    roles: tuple[str, ...]


def one_time_password() -> str:
    """`k7Qm2-xT9wB-…`: a random password for a new staff account, shown once."""
    groups = (
        "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_GROUP))
        for _ in range(_PASSWORD_GROUPS)
    )
    return "-".join(groups)


def add_staff(
    db: Session,
    *,
    email: str,
    administration_slug: str,
    role: str,
    hashing: PasswordHashing,
    sealer: Sealer,
    now: datetime,
    actor: str,
    password: str | None = None,
    totp_secret: bytes | None = None,
) -> StaffGrant:
    """Give the account with `email` the `role` at the administration, creating the account
    (verified address, `password` or a one-time one, a bound authenticator app with
    `totp_secret` or a fresh one) when there is none. InvalidInput for an unknown role or a
    malformed address (UnknownRole, EmailMalformed), UnknownAdministration; nothing is written
    then."""
    _check_role(role)
    address = _address(email)
    administration_id = _administration(db, administration_slug)  # before anything is made
    account = db.scalar(select(Account).where(Account.email == address))
    created = account is None
    secret: bytes | None = None
    if account is None:
        password = password or one_time_password()
        account = create_account(
            db, hashing=hashing, now=now, email=address, password=password, attributes={},
            email_verified=True,  # the operator vouches for the address of their staff
        )
        secret = set_up_bound_totp(
            db, account_id=account.id, sealer=sealer, now=now, secret=totp_secret
        )
        record(db, at=now, event="staff.account_created", actor=actor,
               subject=f"account:{account.id}")
    granted = grant(db, account_id=account.id, administration_slug=administration_slug, role=role)
    if granted:
        record(db, at=now, event="staff.role_granted", actor=actor,
               subject=f"account:{account.id}",
               details={"administration": administration_id, "role": role})
    return StaffGrant(
        account_id=account.id,
        email=address,
        administration=administration_slug,
        role=role,
        created_account=created,
        granted=granted,
        bound_second_factor=has_bound_totp(db, account.id) or _has_eid(db, account.id),
        password=password if created else None,
        totp_secret=totp.to_base32(secret) if secret is not None else None,
        # As the account page's enrolment names it, so the app shows the same entry.
        totp_uri=totp.provisioning_uri(secret, account_name=address, issuer=DEFAULT_ISSUER)
        if secret is not None else None,
    )


def remove_staff(
    db: Session, *, email: str, administration_slug: str, role: str | None, now: datetime,
    actor: str,
) -> StaffRevocation:
    """Take `role` (None: every role) at the administration from the account with `email`.
    The account itself stays. UnknownRole, EmailMalformed, UnknownAdministration,
    UnknownAccount."""
    if role is not None:
        _check_role(role)
    address = _address(email)
    administration_id = _administration(db, administration_slug)
    account_id = db.scalar(select(Account.id).where(Account.email == address))
    if account_id is None:
        raise UnknownAccount("no account with this e-mail address")
    removed = []
    for candidate in (role,) if role is not None else STAFF_ROLES:
        if revoke(db, account_id=account_id, administration_slug=administration_slug,
                  role=candidate):
            removed.append(candidate)
            record(db, at=now, event="staff.role_revoked", actor=actor,
                   subject=f"account:{account_id}",
                   details={"administration": administration_id, "role": candidate})
    return StaffRevocation(
        account_id=account_id, administration=administration_slug, roles=tuple(removed)
    )


def list_staff(db: Session, *, administration_slug: str | None = None) -> list[StaffMember]:
    """Every role held (or those at one administration; UnknownAdministration)."""
    if administration_slug is not None:
        _administration(db, administration_slug)
    return staff_members(db, administration_slug=administration_slug)


def _check_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise UnknownRole(f"unknown role; the roles are {', '.join(STAFF_ROLES)}")


def _administration(db: Session, slug: str) -> str:
    try:
        return administration_id_of(db, slug)
    except NotFound as exc:
        raise UnknownAdministration("no administration with this slug") from exc


def _address(email: str) -> str:
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise EmailMalformed("not an e-mail address") from exc
    return normalise_email(checked.normalized)


def _has_eid(db: Session, account_id: str) -> bool:
    """A linked Online-Ausweis: an eID login opens the staff views as well."""
    found = db.scalar(
        select(LoginMeans.id).where(
            LoginMeans.account_id == account_id,
            LoginMeans.kind == KIND_EID,
            LoginMeans.state == ACTIVE,
        )
    )
    return found is not None
