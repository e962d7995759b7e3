"""Changing the password and the e-mail address while logged in (issue 10 item 20).

The caller has re-authenticated the person (current password through the login's throttle, or a
fresh eID session) and applies a per-IP rate limit; these services do the rest in the caller's
transaction and never commit:

* `change_password`: the policy of DESIGN §8, then every *other* session ends (this browser
  stays signed in; offline grants stay, as on a logout) and the address gets a notice;
* `request_email_change`: a single-use link (24 h) to the *new* address, a notice to the old
  one, at most `MAX_CHANGE_MAILS` per account and hour; an address that belongs to another
  account gets the "you already have an account" mail instead and the caller shows the same
  answer (no enumeration);
* `confirm_email_change`: the link's token is consumed by one conditional UPDATE (DESIGN §6 #6),
  the address changes, older change and reset links die, the old address is told.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.accounts.service import consume_link_token, normalise_email, set_password
from servicekonto.accounts.sessions import end_other_sessions
from servicekonto.audit.service import record
from servicekonto.db.models import Account, EmailToken
from servicekonto.errors import InvalidInput, NotFound, RateLimited
from servicekonto.mail.service import queue_mail
from servicekonto.security.passwords import PasswordHashing
from servicekonto.security.secrets import digest, random_token
from servicekonto.selfservice.recovery import RESET_PURPOSE

CHANGE_PURPOSE = "change_email"
CHANGE_TOKEN_TTL = timedelta(hours=24)
#: Mail-bombing guard for the new address: further requests within the hour are refused.
MAX_CHANGE_MAILS = 3
CHANGE_MAIL_WINDOW = timedelta(hours=1)
_WINDOW_SECONDS = int(CHANGE_MAIL_WINDOW.total_seconds())


def _account(db: Session, account_id: str) -> Account:
    account = db.get(Account, account_id)
    if account is None:
        raise NotFound("no such account")
    return account


def change_password(
    db: Session, *, hashing: PasswordHashing, account_id: str, password: str, keep_sid: str,
    issuer: str, now: datetime, request_id: str = "",
) -> int:
    """Set the new password (InvalidInput when the policy refuses it; nothing written) and end
    the account's other sessions; returns how many ended."""
    account = _account(db, account_id)
    set_password(db, hashing=hashing, account=account, password=password, now=now)
    ended = end_other_sessions(db, account_id=account_id, keep_sid=keep_sid, now=now)
    record(db, at=now, event="password.changed", actor=f"account:{account_id}",
           details={"sessions_ended": ended}, request_id=request_id)
    if account.email:
        queue_mail(db, to=account.email, now=now, subject="Ihr Passwort wurde geändert",
                   body=_PASSWORD_CHANGED.format(issuer=issuer))
    return ended


def request_email_change(
    db: Session, *, account_id: str, new_email: str, issuer: str, now: datetime,
    request_id: str = "",
) -> None:
    """Send the confirmation link to `new_email`. InvalidInput when it is the current address,
    RateLimited past `MAX_CHANGE_MAILS` per hour."""
    account = _account(db, account_id)
    address = normalise_email(new_email)
    if address == account.email:
        raise InvalidInput("same_address")
    recent = int(db.scalar(
        select(func.count()).select_from(EmailToken).where(
            EmailToken.account_id == account_id, EmailToken.purpose == CHANGE_PURPOSE,
            EmailToken.created_at > now - CHANGE_MAIL_WINDOW)) or 0)
    if recent >= MAX_CHANGE_MAILS:
        record(db, at=now, event="email.change_throttled", actor=f"account:{account_id}",
               request_id=request_id)
        raise RateLimited("too many e-mail changes", retry_after=_WINDOW_SECONDS)
    token = random_token(32)
    taken = _taken(db, address)
    # A taken address gets a dead row: it counts towards the limit like any request.
    db.add(EmailToken(digest=digest(token), account_id=account_id, purpose=CHANGE_PURPOSE,
                      created_at=now, expires_at=now + CHANGE_TOKEN_TTL,
                      new_email=address, used_at=now if taken else None))
    if taken:
        queue_mail(db, to=address, now=now, subject="Registrierung bei ServiceKonto",
                   body=_ADDRESS_TAKEN.format(issuer=issuer))
    else:
        queue_mail(db, to=address, now=now, subject="Bitte bestätigen Sie Ihre neue E-Mail-Adresse",
                   body=_CONFIRM_NEW.format(link=f"{issuer}/account/email/confirm/{token}"))
    if account.email:
        queue_mail(db, to=account.email, now=now, subject="Änderung Ihrer E-Mail-Adresse beantragt",
                   body=_CHANGE_REQUESTED.format(issuer=issuer))
    record(db, at=now, event="email.change_requested", actor=f"account:{account_id}",
           request_id=request_id)


def _taken(db: Session, address: str) -> bool:
    return db.scalar(select(Account.id).where(Account.email == address)) is not None


def confirm_email_change(
    db: Session, *, token: str, issuer: str, now: datetime, request_id: str = ""
) -> bool:
    """Use the link: the account gets the new (now verified) address; False when the link is
    unknown, used or expired, or the address was taken in the meantime."""
    row = consume_link_token(db, token=token, purpose=CHANGE_PURPOSE, now=now)
    account = db.get(Account, row.account_id) if row is not None else None
    if row is None or account is None or not row.new_email:
        return False
    old = account.email
    try:
        with db.begin_nested():
            account.email, account.email_verified, account.updated_at = row.new_email, True, now
    except IntegrityError:  # unique address: another account took it since the request
        db.refresh(account)
        return False
    # Links that went to the old address, and other pending changes, stop working.
    db.execute(
        update(EmailToken)
        .where(EmailToken.account_id == account.id, EmailToken.used_at.is_(None),
               EmailToken.purpose.in_((CHANGE_PURPOSE, RESET_PURPOSE)))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if old:
        queue_mail(db, to=old, now=now, subject="Ihre E-Mail-Adresse wurde geändert",
                   body=_CHANGED_OLD.format(issuer=issuer))
    record(db, at=now, event="email.changed", actor=f"account:{account.id}",
           request_id=request_id)
    return True


_PASSWORD_CHANGED = """Guten Tag,

das Passwort Ihres ServiceKontos wurde soeben in Ihrem Konto geändert. Auf allen anderen
Geräten wurden Sie abgemeldet.

Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort unter {issuer}/password/forgot zurück
und wenden Sie sich an Ihre Verwaltung.

Ihr ServiceKonto
"""

_CONFIRM_NEW = """Guten Tag,

für Ihr ServiceKonto wurde diese E-Mail-Adresse als neue Adresse angegeben. Bitte bestätigen
Sie sie mit diesem Link:

{link}

Der Link ist 24 Stunden gültig. Bis zur Bestätigung gilt Ihre bisherige Adresse. Wenn Sie das
nicht beantragt haben, ignorieren Sie diese Nachricht.

Ihr ServiceKonto
"""

_ADDRESS_TAKEN = """Guten Tag,

diese E-Mail-Adresse sollte als neue Adresse für ein ServiceKonto eingetragen werden. Sie
gehört bereits zu einem ServiceKonto und wurde daher nicht übernommen. Melden Sie sich unter
{issuer}/login an. Wenn Sie das nicht waren, müssen Sie nichts tun.

Ihr ServiceKonto
"""

_CHANGE_REQUESTED = """Guten Tag,

für Ihr ServiceKonto wurde beantragt, die E-Mail-Adresse zu ändern. Die neue Adresse gilt erst,
wenn sie über den Link bestätigt ist, den wir an sie gesendet haben.

Wenn Sie das nicht waren, ändern Sie bitte sofort Ihr Passwort ({issuer}/account/password) und
wenden Sie sich an Ihre Verwaltung.

Ihr ServiceKonto
"""

_CHANGED_OLD = """Guten Tag,

die E-Mail-Adresse Ihres ServiceKontos wurde geändert. Nachrichten gehen ab sofort an die neue
Adresse; diese Adresse erhält keine Nachrichten mehr.

Wenn Sie das nicht waren, wenden Sie sich bitte sofort an Ihre Verwaltung: {issuer}

Ihr ServiceKonto
"""
