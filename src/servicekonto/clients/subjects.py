"""The subject each client knows for an account, stored (table `client_subjects`): a client's
`sub` finds its person in one lookup instead of deriving it for every account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.db.models import ClientSubject


def remember_subject(db: Session, *, account_id: str, client_id: str, subject: str) -> None:
    """Store the client's subject for the account unless it is stored; concurrent logins end in
    one row (primary key), the loser's savepoint rolls back alone."""
    stored = db.get(ClientSubject, (account_id, client_id))
    if stored is not None:
        if stored.subject != subject:  # the client's subject type changed (public ↔ pairwise)
            stored.subject = subject
        return
    try:
        with db.begin_nested():
            db.add(ClientSubject(account_id=account_id, client_id=client_id, subject=subject))
    except IntegrityError:
        pass


def account_of_subject(db: Session, *, client_id: str, subject: str) -> str | None:
    """The account id behind a client's `sub`; None for a subject this client never received."""
    return db.scalar(
        select(ClientSubject.account_id).where(
            ClientSubject.client_id == client_id, ClientSubject.subject == subject
        )
    )
