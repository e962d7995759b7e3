"""Retention and clean-up (issue 3 item 7, checklist V-05): `servicekonto maintenance run`.

One run, in the caller's transaction (the caller commits):

* sign-ups whose e-mail was never confirmed are deleted after 7 days — unless an identity is
  bound to them, a consent was given or they carry staff roles — as completely as a deletion by
  the user (`recovery.erase_account`), audited as `account.purged` with the id only;
* e-mail tokens expired or used more than a day ago are deleted;
* pending PIN letters past their validity are closed (`letters.service.close_expired`), and
  stored letter PDFs that must not stay are deleted (`letters.service.purge_pdfs`; files of an
  older version's data directory are read into the database first);
* expired pending authorization requests, `private_key_jwt` assertion ids, entries of the
  access-token revocation list, authorization codes (after a day, so a late replay is still
  recognised and revokes its tokens) and delivered outbox rows older than 30 days are deleted.

Every step selects by time and state only, so a second run finds nothing (all counts zero) and
concurrent runs from cron cannot do anything twice: each delete re-checks its condition in the
statement itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Delete, delete, or_, select
from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.db.models import (
    Account,
    AuthorizationCode,
    ClientAssertionJti,
    Consent,
    EmailToken,
    LoginMeans,
    OutboxMessage,
    PendingAuthorization,
    RevokedAccessToken,
    StaffRole,
)
from servicekonto.letters.service import close_expired, purge_pdfs
from servicekonto.letters.store import LetterStore
from servicekonto.selfservice.recovery import erase_account

#: Issue 3 item 7; the confirmation mail and the privacy notice promise the same.
UNCONFIRMED_RETENTION = timedelta(days=7)
USED_TOKEN_RETENTION = timedelta(days=1)
CODE_RETENTION = timedelta(days=1)
OUTBOX_RETENTION = timedelta(days=30)

SUMMARY_KEYS = (
    "accounts_purged",
    "email_tokens_deleted",
    "letters_closed",
    "letter_pdfs_deleted",
    "pending_authorizations_deleted",
    "client_assertion_jtis_deleted",
    "revoked_access_tokens_deleted",
    "authorization_codes_deleted",
    "outbox_messages_deleted",
)


def _abandoned(now: datetime) -> list[ColumnElement[bool]]:
    """SQL conditions of an abandoned sign-up; checked again in the DELETE itself."""
    return [
        Account.email.is_not(None),
        Account.email_verified.is_(False),
        Account.register_record_id.is_(None),
        Account.created_at <= now - UNCONFIRMED_RETENTION,
        ~select(Consent.id).where(Consent.account_id == Account.id).exists(),
        # an account opened with the eID is never abandoned, even with an unconfirmed e-mail
        ~select(LoginMeans.id).where(LoginMeans.account_id == Account.id).exists(),
        # staff accounts are managed by their administrators, not by this job
        ~select(StaffRole.id).where(StaffRole.account_id == Account.id).exists(),
    ]


def purge_unconfirmed(
    db: Session, *, now: datetime, letters_store: LetterStore | None, request_id: str = ""
) -> int:
    """Delete abandoned sign-ups; returns how many."""
    candidates = db.scalars(select(Account.id).where(*_abandoned(now))).all()
    purged = 0
    for account_id in candidates:
        if erase_account(db, account_id=account_id, now=now, letters=letters_store,
                         reason="account_purged", only_if=_abandoned(now)):
            record(db, at=now, event="account.purged", actor="system:maintenance",
                   subject=f"account:{account_id}", request_id=request_id)
            purged += 1
    return purged


def _deleted(db: Session, statement: Delete) -> int:
    result = db.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def run(
    db: Session, *, now: datetime, letters_store: LetterStore | None, request_id: str = ""
) -> dict[str, int]:
    """One maintenance run; returns how many things each step removed or closed."""
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    # PDFs first: legacy files are decided on committed state only. The PDFs of letters closed
    # or deleted below go with them (close_expired; the cascade of an account's deletion).
    summary["letter_pdfs_deleted"] = purge_pdfs(db, store=letters_store, now=now)
    summary["accounts_purged"] = purge_unconfirmed(
        db, now=now, letters_store=letters_store, request_id=request_id
    )
    summary["letters_closed"] = close_expired(db, now=now)
    summary["email_tokens_deleted"] = _deleted(
        db,
        delete(EmailToken).where(
            or_(
                EmailToken.expires_at <= now - USED_TOKEN_RETENTION,
                EmailToken.used_at <= now - USED_TOKEN_RETENTION,
            )
        ),
    )
    summary["pending_authorizations_deleted"] = _deleted(
        db, delete(PendingAuthorization).where(PendingAuthorization.expires_at <= now)
    )
    summary["client_assertion_jtis_deleted"] = _deleted(
        db, delete(ClientAssertionJti).where(ClientAssertionJti.expires_at <= now)
    )
    summary["revoked_access_tokens_deleted"] = _deleted(
        db, delete(RevokedAccessToken).where(RevokedAccessToken.expires_at <= now)
    )
    summary["authorization_codes_deleted"] = _deleted(
        db, delete(AuthorizationCode).where(AuthorizationCode.expires_at <= now - CODE_RETENTION)
    )
    summary["outbox_messages_deleted"] = _deleted(
        db,
        delete(OutboxMessage).where(
            OutboxMessage.delivered_at.is_not(None),
            OutboxMessage.delivered_at <= now - OUTBOX_RETENTION,
        ),
    )
    if any(summary.values()):
        record(db, at=now, event="maintenance.run", actor="system:maintenance",
               details=dict(summary), request_id=request_id)
    return summary
