"""Login means beyond the password: TOTP apps with their recovery codes, and linked eID cards.

BSI TR-03160-1 shapes the life cycle:

- §4.2 registering: a new means counts only after the holder used it once in the same session, so
  a TOTP enrolment stays `pending` until a code from the app confirms it; the holder can list all
  their means (`list_means`). That the caller re-authenticated at the intended level before
  starting is the web layer's job.
- §4.2/§4.3 binding: a means grants its level only once it is *bound* to the person by an
  authentication at that level (`bound_at`). A card is read at `high`, so it is bound when linked.
  A TOTP confirmed in a session at `substantial` or above is bound at once; one enrolled with the
  password alone stays unbound and counts as `low` (a second factor in `amr`, no `substantial`)
  until the holder confirms it in such a session (`bind_totp`), or enters the code of a PIN letter
  (sent to the register address) in a session that used the TOTP (`bind_active_totp`).
  Otherwise whoever learnt the password could enrol an authenticator of their own and reach
  `substantial` with it.
- §4.4 blocking: the holder can block a means *without* using it (`block_means` takes no code);
  a blocked TOTP no longer verifies and neither do its recovery codes. Removal and unblocking are
  separate and need the strongest means of the account (`reauth_level`, `confirm_holder`).

Single use is the database's job (DESIGN §7): a TOTP step and a recovery code are each accepted by
one conditional UPDATE whose row count is the verdict, so parallel submissions of one code cannot
both win, on SQLite (BEGIN IMMEDIATE serialises writers) or PostgreSQL (the second UPDATE waits for
the row lock and re-checks its WHERE clause against the committed row).

Second-factor attempts share the password's per-account throttle (DESIGN §8, `claim_attempt`):
holding the password must not buy a separate budget of a million guesses per lock period.

Like every service here, these functions flush but do not commit — except `verify_second_factor`,
which commits the claimed attempt before checking the code, for the reason given there.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import claim_attempt, reset_failures
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.db.base import new_id
from servicekonto.db.models import Account, LoginMeans, RecoveryCode
from servicekonto.errors import Conflict, InvalidInput, NotFound
from servicekonto.security import totp
from servicekonto.security.qr import qr_svg
from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import digest

KIND_TOTP = "totp"
KIND_EID = "eid"
#: RFC 8176 authentication method references a session records (`accounts.sessions`).
AMR_PASSWORD = "pwd"
AMR_OTP = "otp"
AMR_HARDWARE_KEY = "hwk"
PENDING, ACTIVE, BLOCKED = "pending", "active", "blocked"

#: The `Sealer` purpose for TOTP secrets: the app builds `Sealer(settings.secret_key,
#: TOTP_SEALING_PURPOSE)`; changing it makes every enrolled secret unreadable.
TOTP_SEALING_PURPOSE = "totp-secret"
#: The issuer shown in the app when the caller gives none.
DEFAULT_ISSUER = "ServiceKonto"
#: The label shown in the list of means when the caller gives none.
TOTP_LABEL = "Authenticator-App"
#: An enrolment not confirmed within this time is dead: the secret was on screen once, and
#: TR-03160-1 §4.2 wants the confirmation in the same session (30 min = the idle limit at
#: `substantial`, TR-03160-1 Tab. 2).
ENROLMENT_VALIDITY = timedelta(minutes=30)

RECOVERY_CODE_COUNT = 10
#: The readable alphabet of `letters.codes.ALPHABET` (digits 2–9, capitals without I, L, O, U).
#: Repeated here because the layer contract keeps `accounts` and `letters` independent;
#: tests/means asserts both stay equal.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 12 × log2(30) ≈ 58.9 bits (DESIGN §8 asks ≥ 50 for codes; 10 characters would give 49.1).
RECOVERY_LENGTH = 12
RECOVERY_GROUP = 4

#: What a person may type between the characters of a recovery code (as `letters.codes`).
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
_RECOVERY_FORM = re.compile(f"[{RECOVERY_ALPHABET}]{{{RECOVERY_LENGTH}}}")


@dataclass(frozen=True)
class MeansView:
    id: str
    kind: str
    state: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    blocked_at: datetime | None
    #: Unused recovery codes of a TOTP means; None for other kinds.
    recovery_codes_left: int | None
    #: Bound to the person at the level it grants (module doc); False: an unbound TOTP.
    bound: bool = True

    @property
    def level(self) -> TrustLevel:
        return means_level(self.kind, bound=self.bound)


@dataclass(frozen=True)
class TotpEnrolment:
    means_id: str
    #: For typing into the app by hand (no padding; `security.totp.grouped` for display).
    secret_base32: str
    provisioning_uri: str
    #: Inline `<svg role="img">` of the provisioning URI; no script, no style attribute.
    qr_svg: str

    @classmethod
    def of(
        cls, means_id: str, secret: bytes, *, account_name: str, issuer: str, qr_label: str
    ) -> TotpEnrolment:
        """What the person scans or types into the app for this secret."""
        uri = totp.provisioning_uri(secret, account_name=account_name, issuer=issuer)
        return cls(
            means_id=means_id,
            secret_base32=totp.to_base32(secret),
            provisioning_uri=uri,
            qr_svg=qr_svg(uri, aria_label=qr_label),
        )


@dataclass(frozen=True)
class SecondFactorResult:
    method: Literal["totp", "recovery"]
    means_id: str
    #: Unused recovery codes after this login (to warn the holder when they run low).
    recovery_codes_left: int
    #: The TOTP is bound (module doc): only then does the login reach `substantial`.
    bound: bool = False


def means_level(kind: str, *, bound: bool) -> TrustLevel:
    """The authentication level a means grants on its own terms (before the identity's cap)."""
    if kind == KIND_EID:
        return TrustLevel.HIGH
    return TrustLevel.SUBSTANTIAL if bound else TrustLevel.LOW


# -- enrolment -------------------------------------------------------------------------------------


def start_totp_enrolment(
    db: Session,
    *,
    account_id: str,
    sealer: Sealer,
    now: datetime,
    account_name: str,
    issuer: str,
    label: str = TOTP_LABEL,
    qr_label: str = "QR-Code",
) -> TotpEnrolment:
    """A new pending TOTP means with a fresh secret; replaces an unconfirmed earlier one.

    Refused with `Conflict` while the account has an active TOTP: one app per account keeps
    "which app is this code from" out of the login, and replacing an app means removing (after
    re-authentication) or blocking the old one first.
    """
    _refuse_second_totp(db, account_id)
    db.execute(
        delete(LoginMeans).where(
            LoginMeans.account_id == account_id,
            LoginMeans.kind == KIND_TOTP,
            LoginMeans.state == PENDING,
        )
    )
    secret = totp.new_secret()
    means_id = _add_totp(
        db, account_id=account_id, sealer=sealer, secret=secret, label=label, now=now,
        state=PENDING,
    )
    return TotpEnrolment.of(
        means_id, secret, account_name=account_name, issuer=issuer, qr_label=qr_label
    )


def set_up_bound_totp(
    db: Session,
    *,
    account_id: str,
    sealer: Sealer,
    now: datetime,
    secret: bytes | None = None,
    label: str = TOTP_LABEL,
) -> bytes:
    """An authenticator app the operator sets up for a staff account (`staff add`, the demo
    seed): active and bound at once, because the operator hands the secret to the person the
    account is for, which is a binding out of band (module doc); returns the secret, to be
    shown once. `secret`: a given one (the demo derives its published secrets), else a
    fresh one. `Conflict` while the account has an active TOTP, as for an enrolment."""
    _refuse_second_totp(db, account_id)
    key = secret if secret is not None else totp.new_secret()
    _add_totp(
        db, account_id=account_id, sealer=sealer, secret=key, label=label, now=now,
        state=ACTIVE, confirmed_at=now, bound_at=now,
    )
    return key


def _refuse_second_totp(db: Session, account_id: str) -> None:
    """Lock the account for the enrolment; `Conflict` while it has an active TOTP."""
    _lock_account(db, account_id)
    if has_active_totp(db, account_id):
        raise Conflict("an authenticator app is already active")


def _add_totp(
    db: Session, *, account_id: str, sealer: Sealer, secret: bytes, label: str, now: datetime,
    state: str, confirmed_at: datetime | None = None, bound_at: datetime | None = None,
) -> str:
    """A TOTP means holding `secret` sealed; its id. Flushed."""
    means_id = new_id()
    db.add(
        LoginMeans(
            id=means_id,
            account_id=account_id,
            kind=KIND_TOTP,
            state=state,
            label=label,
            # The means id as associated data: a sealed secret copied into another row won't open.
            secret_sealed=sealer.seal(secret, aad=means_id),
            last_used_step=0,
            created_at=now,
            confirmed_at=confirmed_at,
            bound_at=bound_at,
        )
    )
    db.flush()
    return means_id


def pending_totp(
    db: Session,
    *,
    account_id: str,
    means_id: str,
    sealer: Sealer,
    now: datetime | None = None,
    account_name: str | None = None,
    issuer: str = DEFAULT_ISSUER,
    qr_label: str = "QR-Code",
) -> TotpEnrolment | None:
    """The holder's pending enrolment again (to show it once more after a mistyped code); None if
    there is none (or, when `now` is given, it expired). `account_name` defaults to the account's
    e-mail address, as the enrolment page passes it to `start_totp_enrolment`."""
    means = _pending_totp(db, account_id, means_id)
    if means is None or means.secret_sealed is None:
        return None
    if now is not None and means.created_at + ENROLMENT_VALIDITY <= now:
        return None
    if account_name is None:
        account_name = db.scalar(select(Account.email).where(Account.id == account_id)) or issuer
    secret = sealer.open(means.secret_sealed, aad=means.id)
    return TotpEnrolment.of(
        means.id, secret, account_name=account_name, issuer=issuer, qr_label=qr_label
    )


def _pending_totp(db: Session, account_id: str, means_id: str) -> LoginMeans | None:
    return db.scalar(
        select(LoginMeans).where(
            LoginMeans.id == means_id,
            LoginMeans.account_id == account_id,
            LoginMeans.kind == KIND_TOTP,
            LoginMeans.state == PENDING,
        )
    )


def confirm_totp_enrolment(
    db: Session,
    *,
    account_id: str,
    means_id: str,
    code: str,
    sealer: Sealer,
    now: datetime,
    bind: bool = False,
) -> list[str]:
    """Activate a pending TOTP with a code from the app; returns the new recovery codes, once.

    `NotFound` if there is no such pending enrolment (or it expired), `InvalidInput` if the code
    does not match (nothing changes), `Conflict` if another TOTP became active meanwhile. The
    confirming step becomes `last_used_step`, so the same code cannot be replayed at a login.
    `bind`: the caller's session is at `substantial` or above, so the new TOTP is bound at once
    (module doc); without it the TOTP counts as `low` until `bind_totp`.
    """
    _lock_account(db, account_id)
    means = _pending_totp(db, account_id, means_id)
    if means is None or means.secret_sealed is None or means.created_at + ENROLMENT_VALIDITY <= now:
        raise NotFound("no pending authenticator app enrolment")
    if has_active_totp(db, account_id):
        raise Conflict("an authenticator app is already active")
    step = totp.matching_step(sealer.open(means.secret_sealed, aad=means.id), code, now)
    if step is None:
        raise InvalidInput("the code does not match")
    activated = db.execute(
        update(LoginMeans)
        .where(LoginMeans.id == means_id, LoginMeans.state == PENDING)
        .values(
            state=ACTIVE,
            confirmed_at=now,
            last_used_at=now,
            last_used_step=step,
            bound_at=now if bind else None,
        )
    )
    if not _rowcount(activated):
        raise NotFound("no pending authenticator app enrolment")
    return _issue_recovery_codes(db, account_id=account_id, means_id=means_id, now=now)


def regenerate_recovery_codes(db: Session, *, account_id: str, now: datetime) -> list[str]:
    """Void every recovery code of the account and issue a fresh set for the active TOTP."""
    _lock_account(db, account_id)
    means_id = _active_totp_id(db, account_id)
    if means_id is None:
        raise Conflict("recovery codes need an active authenticator app")
    db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
    return _issue_recovery_codes(db, account_id=account_id, means_id=means_id, now=now)


# -- login -----------------------------------------------------------------------------------------


def verify_second_factor(
    db: Session, *, account_id: str, code: str, sealer: Sealer, now: datetime
) -> SecondFactorResult | None:
    """Check a TOTP code or a recovery code; None for every failure, locked accounts included.

    Six digits are a TOTP code of the account's active TOTP; anything else is read as a recovery
    code. The attempt is claimed on the shared throttle first and **committed** before the code is
    checked, as in `authenticate_password`: the counted attempt must be durable whatever happens
    next (an error cannot hand it back), and a locked account gets the same None as a wrong code.
    That commit also commits whatever the caller had pending in the session.

    On success the failure counter is reset and the means marked used; that is flushed, not
    committed, so the caller commits it together with the session's new level.

    Wrong input never raises. A stored secret that does not open (`InvalidTag`: the server secret
    changed) does raise: that is a configuration fault, and hiding it as "wrong code" would lock
    every TOTP user out silently.
    """
    claimed = claim_attempt(db, account_id, now)
    db.commit()
    if not claimed:
        return None
    candidate = "".join(code.split())[:64]  # cap: hostile input must not inflate the work
    if len(candidate) == totp.DIGITS and candidate.isascii() and candidate.isdigit():
        method: Literal["totp", "recovery"] = "totp"
        means_id = _accept_totp(db, account_id=account_id, code=candidate, sealer=sealer, now=now)
    else:
        method = "recovery"
        means_id = _accept_recovery_code(db, account_id=account_id, code=candidate, now=now)
    if means_id is None:
        return None
    reset_failures(db, account_id, now)
    return SecondFactorResult(
        method=method,
        means_id=means_id,
        recovery_codes_left=_codes_left(db, means_id),
        bound=_is_bound(db, means_id),
    )


def confirm_holder(
    db: Session, *, account_id: str, code: str, sealer: Sealer, now: datetime
) -> bool:
    """Re-authentication with the second factor before removing or unblocking a means: a code
    of the account's active *bound* TOTP, or an unused recovery code of a bound TOTP — also of a
    blocked one, which is the holder's way back after blocking a lost phone (the codes were shown
    once, to the holder; the password alone does not give them). Same throttle and single use as
    a login (`verify_second_factor`); commits the claimed attempt the same way.
    """
    claimed = claim_attempt(db, account_id, now)
    db.commit()
    if not claimed:
        return False
    candidate = "".join(code.split())[:64]
    if len(candidate) == totp.DIGITS and candidate.isascii() and candidate.isdigit():
        means_id = _accept_totp(db, account_id=account_id, code=candidate, sealer=sealer, now=now)
        ok = means_id is not None and _is_bound(db, means_id)
    else:
        ok = (
            _accept_recovery_code(
                db,
                account_id=account_id,
                code=candidate,
                now=now,
                states=(ACTIVE, BLOCKED),
                bound=True,
            )
            is not None
        )
    if ok:
        reset_failures(db, account_id, now)
    return ok


def _accept_totp(
    db: Session, *, account_id: str, code: str, sealer: Sealer, now: datetime
) -> str | None:
    row = db.execute(
        select(LoginMeans.id, LoginMeans.secret_sealed).where(
            LoginMeans.account_id == account_id,
            LoginMeans.kind == KIND_TOTP,
            LoginMeans.state == ACTIVE,
        )
    ).first()
    if row is None or row.secret_sealed is None:
        return None
    step = totp.matching_step(sealer.open(row.secret_sealed, aad=row.id), code, now)
    if step is None:
        return None
    # The verdict: only a step later than every step accepted before advances the marker. That
    # refuses a replayed code (RFC 6238 §5.2) and an older code after a newer one, and of two
    # parallel submissions exactly one UPDATE matches. `state` is re-checked so a block that
    # committed after the SELECT above still wins.
    accepted = db.execute(
        update(LoginMeans)
        .where(
            LoginMeans.id == row.id,
            LoginMeans.last_used_step < step,
            LoginMeans.state == ACTIVE,
        )
        .values(last_used_step=step, last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return str(row.id) if _rowcount(accepted) == 1 else None


def _accept_recovery_code(
    db: Session,
    *,
    account_id: str,
    code: str,
    now: datetime,
    states: tuple[str, ...] = (ACTIVE,),
    bound: bool = False,
) -> str | None:
    normalised = normalise_recovery_code(code)
    if _RECOVERY_FORM.fullmatch(normalised) is None:
        return None
    # At login only codes of an *active* TOTP count: blocking the app blocks its fallback too
    # (§4.4). `confirm_holder` also takes those of a blocked, bound one (its doc).
    active_totp = select(LoginMeans.id).where(
        LoginMeans.account_id == account_id,
        LoginMeans.kind == KIND_TOTP,
        LoginMeans.state.in_(states),
    )
    if bound:
        active_totp = active_totp.where(LoginMeans.bound_at.is_not(None))
    used = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.digest == digest(normalised),
            RecoveryCode.account_id == account_id,
            RecoveryCode.used_at.is_(None),
            RecoveryCode.means_id.in_(active_totp),
        )
        .values(used_at=now)
        .returning(RecoveryCode.means_id)
        .execution_options(synchronize_session=False)
    ).first()
    if used is None:
        return None
    means_id = str(used[0])
    touch_means(db, means_id, now)
    return means_id


# -- listing, blocking, removal --------------------------------------------------------------------


def has_active_totp(db: Session, account_id: str) -> bool:
    return _active_totp_id(db, account_id) is not None


def has_bound_totp(db: Session, account_id: str) -> bool:
    """An active TOTP that counts for `substantial` (module doc)."""
    found = db.scalar(
        select(LoginMeans.id).where(
            LoginMeans.account_id == account_id,
            LoginMeans.kind == KIND_TOTP,
            LoginMeans.state == ACTIVE,
            LoginMeans.bound_at.is_not(None),
        )
    )
    return found is not None


SecondFactor = Literal["bound", "unbound", "missing"]


def second_factor_state(db: Session, session: ActiveSession) -> SecondFactor:
    """Whether this session used a second factor bound to the person (TR-03160-1 §4.2/§4.3).

    `bound`: the eID (`hwk`; a card is bound when linked), a level of `substantial` or above
    (only bound means reach it), or `otp` while the account's active TOTP is bound. The level
    alone cannot tell: a staff account's identity is usually `basic`, which caps even a bound
    TOTP's login at `low`. `unbound`: `otp` from an app that was enrolled with the password
    alone (module doc). `missing`: a password-only session.
    """
    return authentication_second_factor(
        db, account_id=session.account_id, amr=session.amr, level=session.level
    )


def authentication_second_factor(
    db: Session, *, account_id: str, amr: Collection[str], level: TrustLevel
) -> SecondFactor:
    """`second_factor_state` of any authentication by its `amr` and level: a session's, or the
    one behind an access token (the staff JSON API asks it of the token's grant)."""
    if AMR_HARDWARE_KEY in amr or level >= TrustLevel.SUBSTANTIAL:
        return "bound"
    if AMR_OTP not in amr:
        return "missing"
    # One active TOTP per account (`start_totp_enrolment`), so it is the one this session used
    # unless it was replaced since, which needs blocking or removing the old one first.
    return "bound" if has_bound_totp(db, account_id) else "unbound"


def totp_state(db: Session, account_id: str) -> SecondFactor:
    """The account's authenticator app: `bound`, active but `unbound`, or `missing`."""
    if has_bound_totp(db, account_id):
        return "bound"
    return "unbound" if has_active_totp(db, account_id) else "missing"


def reauth_level(db: Session, account_id: str) -> TrustLevel:
    """The level a re-authentication must reach before a means is removed or unblocked: that of
    the strongest means the account has, blocked ones included (TR-03160-1 §4.4). Counting the
    blocked ones is the point: otherwise the password could block the second factor and then,
    as the strongest means left, remove it."""
    strongest = TrustLevel.LOW
    for kind, bound_at in db.execute(
        select(LoginMeans.kind, LoginMeans.bound_at).where(
            LoginMeans.account_id == account_id, LoginMeans.state != PENDING
        )
    ).all():
        strongest = max(strongest, means_level(kind, bound=bound_at is not None))
    return strongest


def bind_active_totp(db: Session, *, account_id: str, now: datetime) -> bool:
    """Bind the account's active TOTP if it is unbound; False if there is none to bind. For a
    PIN letter's code entered in a session that used the TOTP (web.routes.security)."""
    return _bind(db, account_id, now)


def bind_totp(db: Session, *, account_id: str, means_id: str, now: datetime) -> bool:
    """Bind the holder's active, unbound TOTP; the caller checked that the session is at
    `substantial` or above (module doc). False if there is no such means."""
    return _bind(db, account_id, now, LoginMeans.id == means_id)


def _bind(db: Session, account_id: str, now: datetime, *which: ColumnElement[bool]) -> bool:
    """Bind the account's active, unbound TOTP (one conditional UPDATE); False if none was."""
    bound = db.execute(
        update(LoginMeans)
        .where(
            *which,
            LoginMeans.account_id == account_id,
            LoginMeans.kind == KIND_TOTP,
            LoginMeans.state == ACTIVE,
            LoginMeans.bound_at.is_(None),
        )
        .values(bound_at=now)
    )
    return bool(_rowcount(bound))


def list_means(db: Session, account_id: str) -> list[MeansView]:
    """All means of the account, newest first (TR-03160-1 §4.2: the holder can list them)."""
    means = db.scalars(
        select(LoginMeans)
        .where(LoginMeans.account_id == account_id)
        .order_by(LoginMeans.created_at.desc(), LoginMeans.id.desc())
    ).all()
    left: dict[str, int] = {
        str(means_id): int(count)
        for means_id, count in db.execute(
            select(RecoveryCode.means_id, func.count())
            .where(RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None))
            .group_by(RecoveryCode.means_id)
        ).all()
    }
    return [
        MeansView(
            id=m.id,
            kind=m.kind,
            state=m.state,
            label=m.label,
            created_at=m.created_at,
            last_used_at=m.last_used_at,
            blocked_at=m.blocked_at,
            recovery_codes_left=left.get(m.id, 0) if m.kind == KIND_TOTP else None,
            bound=m.bound_at is not None,
        )
        for m in means
    ]


def block_means(db: Session, *, account_id: str, means_id: str, now: datetime) -> bool:
    """Block one of the holder's means without using it (TR-03160-1 §4.4).

    True if the means is the account's and is now blocked (also if it already was: the first
    `blocked_at` stays); False if it is not theirs, which the caller shows like "not found".
    """
    blocked = db.execute(
        update(LoginMeans)
        .where(
            LoginMeans.id == means_id,
            LoginMeans.account_id == account_id,
            LoginMeans.state != BLOCKED,
        )
        .values(state=BLOCKED, blocked_at=now)
    )
    if _rowcount(blocked):
        return True
    return _owned(db, account_id=account_id, means_id=means_id)


def unblock_means(db: Session, *, account_id: str, means_id: str) -> bool:
    """Make a blocked means of the holder active again; False if there is no such means. The
    caller must have re-authenticated the holder at `reauth_level` (module doc)."""
    unblocked = db.execute(
        update(LoginMeans)
        .where(
            LoginMeans.id == means_id,
            LoginMeans.account_id == account_id,
            LoginMeans.state == BLOCKED,
        )
        .values(state=ACTIVE, blocked_at=None)
    )
    return bool(_rowcount(unblocked))


def remove_means(db: Session, *, account_id: str, means_id: str) -> bool:
    """Delete a means of the holder with its recovery codes; False if it is not theirs.

    The caller must have re-authenticated the holder: unlike blocking, removal lets a new means
    of the same kind be enrolled.
    """
    db.execute(
        delete(RecoveryCode).where(
            RecoveryCode.means_id == means_id, RecoveryCode.account_id == account_id
        )
    )
    removed = db.execute(
        delete(LoginMeans).where(LoginMeans.id == means_id, LoginMeans.account_id == account_id)
    )
    return bool(_rowcount(removed))


def touch_means(db: Session, means_id: str, now: datetime) -> None:
    db.execute(
        update(LoginMeans)
        .where(LoginMeans.id == means_id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


# -- eID cards -------------------------------------------------------------------------------------


def add_eid_means(
    db: Session, *, account_id: str, lookup_digest: str, label: str, now: datetime
) -> LoginMeans:
    """Link an eID card (by the keyed digest of its restricted ID) to the account, active at once.

    A card links at most one account; the unique constraint decides, also between parallel
    requests. The INSERT runs in a SAVEPOINT so a refusal (`Conflict`) leaves the caller's
    transaction usable.
    """
    means = LoginMeans(
        account_id=account_id,
        kind=KIND_EID,
        state=ACTIVE,
        label=label,
        lookup_digest=lookup_digest,
        last_used_step=0,
        created_at=now,
        confirmed_at=now,
        last_used_at=now,
        # read from the chip at `high` in this very authentication (module doc)
        bound_at=now,
    )
    try:
        with db.begin_nested():
            db.add(means)
            db.flush()
    except IntegrityError as exc:
        raise Conflict("this eID card is already linked to an account") from exc
    return means


def find_eid_means(db: Session, lookup_digest: str) -> LoginMeans | None:
    """The linked card with this digest, in any state: the caller must refuse a `blocked` one
    (and must not treat it as an unknown card, which could start a new registration)."""
    return db.scalar(
        select(LoginMeans).where(
            LoginMeans.lookup_digest == lookup_digest, LoginMeans.kind == KIND_EID
        )
    )


# -- recovery codes --------------------------------------------------------------------------------


def new_recovery_code() -> str:
    """`7KQ3-M9XT-2HWB`: 12 characters from `secrets`, grouped for writing down."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return "-".join(raw[i : i + RECOVERY_GROUP] for i in range(0, RECOVERY_LENGTH, RECOVERY_GROUP))


def normalise_recovery_code(text: str) -> str:
    """The form that is digested: separators dropped, upper case (people type `7kq3 m9xt 2hwb`).

    Look-alikes are not mapped (O→0): none is in the alphabet, so such a code is just wrong.
    """
    return _SEPARATORS.sub("", text[:128]).upper()


def _issue_recovery_codes(
    db: Session, *, account_id: str, means_id: str, now: datetime
) -> list[str]:
    # ~59 bits each: a plain SHA-256 digest suffices (no slow hash), see security/secrets.py.
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.add_all(
        RecoveryCode(
            digest=digest(normalise_recovery_code(code)),
            account_id=account_id,
            means_id=means_id,
            created_at=now,
        )
        for code in codes
    )
    db.flush()
    return codes


def _codes_left(db: Session, means_id: str) -> int:
    count = db.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.means_id == means_id, RecoveryCode.used_at.is_(None))
    )
    return int(count or 0)


# -- helpers ---------------------------------------------------------------------------------------


def _lock_account(db: Session, account_id: str) -> None:
    """Serialise enrolment changes per account: PostgreSQL locks the account row (SQLite has one
    writer anyway under BEGIN IMMEDIATE), so two parallel enrolments cannot both become active."""
    if db.scalar(select(Account.id).where(Account.id == account_id).with_for_update()) is None:
        raise NotFound("unknown account")


def _active_totp_id(db: Session, account_id: str) -> str | None:
    return db.scalar(
        select(LoginMeans.id).where(
            LoginMeans.account_id == account_id,
            LoginMeans.kind == KIND_TOTP,
            LoginMeans.state == ACTIVE,
        )
    )


def _is_bound(db: Session, means_id: str) -> bool:
    bound_at = db.scalar(select(LoginMeans.bound_at).where(LoginMeans.id == means_id))
    return bound_at is not None


def means_kind(db: Session, *, account_id: str, means_id: str) -> str | None:
    """`totp` or `eid` for one of the holder's means (for the notice mail); None if not theirs."""
    return db.scalar(
        select(LoginMeans.kind).where(
            LoginMeans.id == means_id, LoginMeans.account_id == account_id
        )
    )


def _owned(db: Session, *, account_id: str, means_id: str) -> bool:
    found = db.scalar(
        select(LoginMeans.id).where(LoginMeans.id == means_id, LoginMeans.account_id == account_id)
    )
    return found is not None


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
