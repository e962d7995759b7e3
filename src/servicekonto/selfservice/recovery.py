"""Password reset by e-mail link and account deletion by the user (issue 3 item 6).

Password reset (checklist C-07, ASVS 6.4.1, RFC 9700 §4.14.2):

* the link carries a 256-bit random token; only its SHA-256 digest is stored (DESIGN §6 #11);
  it is valid for 30 minutes and is *consumed* by one conditional UPDATE (DESIGN §6 #6);
* asking for a link gives the same answer and about the same work whether or not the address
  belongs to an account (checklist C-03); at most `MAX_RESET_MAILS` mails per account and hour;
* a completed reset ends every browser session of the account, revokes every access and refresh
  token and tells the clients through back-channel logout; the account is told by mail.

Account deletion (BSI TR-03160-1 §7, checklist V-05) removes everything of the account: the
clients concerned get a back-channel logout first (its outbox row carries only ids, so it does
not need the account row), the stored letter PDFs go after the commit, the attachments of the
Postfach messages and the documents of the Dokumentensafe go from the blob store, queued mails
to the address are dropped, and the account row goes with every dependent row (Postfach
messages, attachments, status updates, safe documents, usage and shares included) through ON
DELETE CASCADE. The audit log keeps the id only.

Services take the caller's Session and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, inspect, select, update
from sqlalchemy.orm import Session

from servicekonto.accounts.service import normalise_email
from servicekonto.accounts.sessions import end_all_sessions
from servicekonto.audit.service import record
from servicekonto.blobs import service as database_blobs
from servicekonto.blobs.port import BlobStore
from servicekonto.consent.service import revoke_client_access
from servicekonto.db.models import (
    Account,
    Authorization,
    BrowserSession,
    Consent,
    EmailToken,
    Letter,
    OutboxMessage,
    PostfachAttachment,
    PostfachMessage,
    SafeDocument,
    SessionClient,
)
from servicekonto.errors import InputRefused
from servicekonto.letters.service import delete_pdfs_after_commit
from servicekonto.letters.store import LetterStore, delete_pdfs
from servicekonto.mail.service import queue_mail
from servicekonto.security.passwords import PasswordHashing, password_problems
from servicekonto.security.secrets import digest, random_token

#: Issue 3 item 6: the reset link is valid for 30 minutes and works once.
RESET_TOKEN_TTL = timedelta(minutes=30)
RESET_PURPOSE = "reset_password"
#: Mail-bombing guard: further requests within the hour get the same answer but no mail.
MAX_RESET_MAILS = 3
RESET_MAIL_WINDOW = timedelta(hours=1)

__all__ = [
    "MAX_RESET_MAILS",
    "RESET_PURPOSE",
    "RESET_TOKEN_TTL",
    "delete_account",
    "erase_account",
    "request_password_reset",
    "reset_password",
    "reset_token_valid",
    "sign_out_everywhere",
]


# -- password reset --------------------------------------------------------------------------------


def request_password_reset(
    db: Session, *, email: str, issuer: str, now: datetime, request_id: str = ""
) -> None:
    """Queue a reset link for the account with this address, if there is one.

    Nothing tells the caller whether an account exists: no return value, no error, and the same
    few statements either way (a lookup, a count, an audit event; the known case adds two small
    inserts). Verified or not, the link goes only to the account's own address.
    """
    token = random_token(32)
    token_digest = digest(token)
    account = db.scalar(select(Account).where(Account.email == normalise_email(email)))
    # The count runs for unknown addresses too (matching nothing): the same statements either way.
    recent = int(
        db.scalar(
            select(func.count())
            .select_from(EmailToken)
            .where(
                EmailToken.account_id == (account.id if account is not None else ""),
                EmailToken.purpose == RESET_PURPOSE,
                EmailToken.created_at > now - RESET_MAIL_WINDOW,
            )
        )
        or 0
    )
    if account is None or account.email is None:
        record(db, at=now, event="password.reset_requested", actor="anonymous",
               request_id=request_id)
        return
    if recent >= MAX_RESET_MAILS:
        record(db, at=now, event="password.reset_throttled", actor=f"account:{account.id}",
               request_id=request_id)
        return
    db.add(EmailToken(digest=token_digest, account_id=account.id, purpose=RESET_PURPOSE,
                      created_at=now, expires_at=now + RESET_TOKEN_TTL))
    queue_mail(db, to=account.email, now=now, subject="Passwort zurücksetzen",
               body=_RESET.format(link=f"{issuer}/password/reset/{token}", issuer=issuer))
    record(db, at=now, event="password.reset_requested", actor=f"account:{account.id}",
           request_id=request_id)


def _live_token(db: Session, token: str, now: datetime) -> EmailToken | None:
    return db.scalar(
        select(EmailToken).where(
            EmailToken.digest == digest(token),
            EmailToken.purpose == RESET_PURPOSE,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > now,
        )
    )


def reset_token_valid(db: Session, *, token: str, now: datetime) -> bool:
    """True while the link can still be used (for showing the form; consumes nothing)."""
    return _live_token(db, token, now) is not None


def reset_password(
    db: Session,
    *,
    hashing: PasswordHashing,
    token: str,
    password: str,
    now: datetime,
    issuer: str,
    request_id: str = "",
) -> bool:
    """Set a new password with a reset link; False when the link is unknown, used or expired.

    Raises InputRefused (its `problems` machine codes) for a refused password; then nothing is
    written and the link stays usable. On success the link is consumed by one conditional UPDATE
    (a parallel second use finds nothing to update), every other reset link of the account dies
    with it, the account is signed out everywhere and its tokens are revoked.
    """
    row = _live_token(db, token, now)
    account = db.get(Account, row.account_id) if row is not None else None
    if row is None or account is None:
        return False
    problems = password_problems(password, email=account.email or "")
    if problems:
        raise InputRefused(problems)
    new_hash = hashing.hash(password)
    consumed = db.execute(
        update(EmailToken)
        .where(EmailToken.digest == row.digest, EmailToken.purpose == RESET_PURPOSE,
               EmailToken.used_at.is_(None), EmailToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not consumed.rowcount:  # type: ignore[attr-defined]
        return False
    account_id, email = account.id, account.email
    db.execute(
        update(EmailToken)
        .where(EmailToken.account_id == account_id, EmailToken.purpose == RESET_PURPOSE,
               EmailToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    # The link proves control of the address, as the confirmation link would.
    db.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(password_hash=new_hash, failed_logins=0, locked_until=None,
                email_verified=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.expire(account)  # changed behind the identity map
    clients = sign_out_everywhere(db, account_id=account_id, now=now, reason="password_reset")
    record(db, at=now, event="password.reset", actor=f"account:{account_id}",
           details={"clients": len(clients)}, request_id=request_id)
    if email:
        queue_mail(db, to=email, now=now, subject="Ihr Passwort wurde geändert",
                   body=_CHANGED.format(issuer=issuer))
    return True


def _clients_of(db: Session, account_id: str, *, with_consents: bool) -> list[str]:
    """Clients that hold something of the account: a live grant, a session, (a consent)."""
    clients = set(
        db.scalars(
            select(Authorization.client_id).where(
                Authorization.account_id == account_id, Authorization.revoked_at.is_(None)
            )
        )
    )
    clients.update(
        db.scalars(
            select(SessionClient.client_id)
            .join(BrowserSession, BrowserSession.sid == SessionClient.session_sid)
            .where(BrowserSession.account_id == account_id)
        )
    )
    if with_consents:
        clients.update(
            db.scalars(select(Consent.client_id).where(Consent.account_id == account_id))
        )
    return sorted(clients)


def sign_out_everywhere(db: Session, *, account_id: str, now: datetime, reason: str,
                        with_consents: bool = False) -> list[str]:
    """End every session, revoke every grant (access and refresh tokens) and queue one
    back-channel logout (without `sid`: all sessions of the subject) per client concerned.
    Returns the client ids."""
    clients = _clients_of(db, account_id, with_consents=with_consents)
    end_all_sessions(db, account_id=account_id)
    for client_id in clients:
        revoke_client_access(db, account_id=account_id, client_id=client_id, now=now,
                             reason=reason)
    return clients


# -- account deletion ------------------------------------------------------------------------------


def delete_account(
    db: Session,
    *,
    account_id: str,
    now: datetime,
    letters: LetterStore | None = None,
    blobs: BlobStore | None = None,
    request_id: str = "",
) -> bool:
    """Delete the account and everything of it (TR-03160-1 §7); False when it does not exist.

    The caller has re-authenticated the user. Clients holding a grant, a consent or a session of
    the account get a back-channel logout; the account is told by mail that it is gone.
    `blobs`: the configured blob store (`blobs.stores.open_store`); see `erase_account`.
    """
    email = db.scalar(select(Account.email).where(Account.id == account_id))
    if not erase_account(db, account_id=account_id, now=now, letters=letters, blobs=blobs,
                         reason="account_deleted"):
        return False
    record(db, at=now, event="account.deleted", actor=f"account:{account_id}",
           subject=f"account:{account_id}", request_id=request_id)
    if email:
        queue_mail(db, to=email, now=now, subject="Ihr ServiceKonto wurde gelöscht",
                   body=_DELETED)
    return True


def erase_account(
    db: Session,
    *,
    account_id: str,
    now: datetime,
    letters: LetterStore | None,
    reason: str,
    only_if: Sequence[ColumnElement[bool]] = (),
    blobs: BlobStore | None = None,
) -> bool:
    """Remove the account row and, through ON DELETE CASCADE, every row that depends on it.

    `only_if`: extra SQL conditions on the account row checked in the DELETE itself (the
    retention job passes "still unconfirmed"), so a concurrent change wins over a stale choice.
    `blobs`: the store the Postfach attachments and safe documents are in
    (`blobs.stores.open_store`; a store outside the database deletes once the transaction
    commits); None means the database adapter, the default store. Returns False when no row
    was deleted; then nothing else was changed either.
    """
    email = db.scalar(select(Account.email).where(Account.id == account_id))
    clients = _clients_of(db, account_id, with_consents=True)
    letter_ids = list(db.scalars(select(Letter.id).where(Letter.account_id == account_id)))
    # The person's own Postfach (an organisation's messages stay with the organisation).
    attachment_blobs = list(db.scalars(
        select(PostfachAttachment.blob_id)
        .join(PostfachMessage, PostfachMessage.id == PostfachAttachment.message_id)
        .where(PostfachMessage.account_id == account_id)
    ))
    # The Dokumentensafe's documents: own blobs (copies outlive their Postfach message).
    attachment_blobs += list(db.scalars(
        select(SafeDocument.blob_id).where(SafeDocument.account_id == account_id)
    ))
    deleted = db.execute(
        delete(Account)
        .where(Account.id == account_id, *only_if)
        .execution_options(synchronize_session=False)
    )
    if not deleted.rowcount:  # type: ignore[attr-defined]
        return False
    # The PDFs (codes in clear) and the attachments are blobs, which no foreign key removes.
    delete_pdfs(db, letter_ids)
    if blobs is None:
        database_blobs.delete(db, attachment_blobs)
    else:
        blobs.delete(attachment_blobs)
    for instance in [o for o in db.identity_map.values() if _belongs_to(o, account_id)]:
        if instance in db:  # expunging an account also expunges its attributes
            db.expunge(instance)
    # The grants went with the account; the clients still need to hear about it. The payload
    # holds ids only and the logout token is built from it alone (oidc.logout.logout_token).
    for client_id in clients:
        revoke_client_access(db, account_id=account_id, client_id=client_id, now=now,
                             reason=reason)
    if email:
        _drop_queued_mail(db, email)
    if letters is not None:
        delete_pdfs_after_commit(db, letters, list(letter_ids))
    return True


def _belongs_to(instance: object, account_id: str) -> bool:
    """Without loading anything: the rows are gone, an expired attribute could not be loaded."""
    state = inspect(instance)
    if isinstance(instance, Account):
        return bool(state.identity == (account_id,))
    return bool(state.dict.get("account_id") == account_id)


def _drop_queued_mail(db: Session, email: str) -> None:
    """Undelivered mails to the deleted address (delivered ones keep no address or body)."""
    queued = db.execute(
        select(OutboxMessage.id, OutboxMessage.payload).where(
            OutboxMessage.kind == "mail", OutboxMessage.delivered_at.is_(None)
        )
    ).all()
    ids = [i for i, payload in queued if isinstance(payload, dict) and payload.get("to") == email]
    if ids:
        db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))


# -- letter PDFs go only once the deletion is committed --------------------------------------------

_RESET = """Guten Tag,

für Ihr ServiceKonto wurde ein neues Passwort angefordert. Mit diesem Link legen Sie es fest:

{link}

Der Link ist 30 Minuten gültig und funktioniert nur einmal. Danach werden Sie auf allen Geräten
abgemeldet.

Wenn Sie kein neues Passwort angefordert haben, ignorieren Sie diese Nachricht. Ihr bisheriges
Passwort bleibt gültig.

Ihr ServiceKonto
{issuer}
"""

_CHANGED = """Guten Tag,

das Passwort Ihres ServiceKontos wurde soeben geändert. Sie wurden auf allen Geräten abgemeldet,
und die Online-Dienste, bei denen Sie angemeldet waren, wurden benachrichtigt.

Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort unter {issuer}/password/forgot zurück
und wenden Sie sich an Ihre Verwaltung.

Ihr ServiceKonto
"""

_DELETED = """Guten Tag,

Ihr ServiceKonto und alle Daten dazu wurden auf Ihren Wunsch gelöscht. Die Online-Dienste, die
Sie mit dem Konto genutzt haben, wurden benachrichtigt.

Wenn Sie das nicht waren, wenden Sie sich bitte an Ihre Verwaltung.

Ihr ServiceKonto
"""
