"""What ends a Befugnis (issue 12 item 7): suspension or closing of the organisation, a member
removed or leaving, a client permission withdrawn.

`revoke_acting` revokes the live authorizations acting for the organisation (all, or one
member's, or one member's except at clients still allowed) with one UPDATE: access tokens,
refresh tokens and codes of those grants fail at once (`oidc.access`, `oidc.grants`); each client
gets a back-channel logout through the outbox in the same transaction (DESIGN §7).
`tell_members` mails the members about a suspension or closing (outbox).

No import of `companies.members`: it calls in here.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekonto.db.models import Account, Authorization, OrganisationMember
from servicekonto.db.outbox import enqueue_backchannel_logout
from servicekonto.mail.service import queue_mail

__all__ = [
    "CLOSED",
    "MEMBERSHIP_ENDED",
    "PERMISSION_WITHDRAWN",
    "SUSPENDED",
    "acting_clients",
    "revoke_acting",
    "tell_members",
]

#: Outbox reasons of the revocations (operators read them; never a person's data).
SUSPENDED: Final = "organisation_suspended"
CLOSED: Final = "organisation_closed"
MEMBERSHIP_ENDED: Final = "organisation_membership_ended"
PERMISSION_WITHDRAWN: Final = "organisation_permission_withdrawn"


def revoke_acting(
    db: Session,
    *,
    organisation_id: str,
    now: datetime,
    reason: str,
    account_id: str | None = None,
    except_clients: Collection[str] | None = None,
) -> int:
    """Revoke the live authorizations acting for the organisation — all of them, or one
    member's, or one member's except at `except_clients` — and queue a back-channel logout per
    (client, account, session) for them. Returns how many were revoked."""
    live = [
        Authorization.acting_as == organisation_id,
        Authorization.revoked_at.is_(None),
    ]
    if account_id is not None:
        live.append(Authorization.account_id == account_id)
    if except_clients:
        live.append(Authorization.client_id.not_in(sorted(except_clients)))
    targets = db.execute(
        select(Authorization.client_id, Authorization.account_id, Authorization.session_sid)
        .where(*live)
        .distinct()
    ).all()
    if not targets:
        return 0
    revoked = db.execute(
        update(Authorization)
        .where(*live)
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    # One logout token per session the client knows (mod_auth_openidc acts on `sid` only;
    # consent.service.revoke_client_access says why), `sub` alone for offline grants.
    for client_id, member_id, sid in sorted(targets, key=lambda t: (t[0], t[1], t[2] or "")):
        enqueue_backchannel_logout(
            db, client_id=client_id, account_id=member_id, sid=sid, reason=reason, now=now
        )
    return int(revoked)


def acting_clients(db: Session, *, organisation_id: str, account_id: str) -> set[str]:
    """The clients at which the member holds a live grant acting for the organisation."""
    return set(
        db.scalars(
            select(Authorization.client_id)
            .where(
                Authorization.acting_as == organisation_id,
                Authorization.account_id == account_id,
                Authorization.revoked_at.is_(None),
            )
            .distinct()
        )
    )


_SUBJECTS: Final = {
    SUSPENDED: "Ihr Unternehmenskonto wurde gesperrt",
    CLOSED: "Ihr Unternehmenskonto wurde geschlossen",
}
_OPENINGS: Final = {
    SUSPENDED: (
        "die Registrierungsstelle hat das Unternehmenskonto „{name}“ vorläufig gesperrt. "
        "Bis zur Freigabe kann niemand bei Online-Diensten für die Organisation handeln; "
        "bestehende Anmeldungen für die Organisation wurden beendet."
    ),
    CLOSED: (
        "die Registrierungsstelle hat das Unternehmenskonto „{name}“ geschlossen. Niemand kann "
        "mehr bei Online-Diensten für die Organisation handeln; bestehende Anmeldungen für die "
        "Organisation wurden beendet."
    ),
}


def tell_members(
    db: Session, *, organisation_id: str, name: str, reason_code: str, reason: str, now: datetime
) -> int:
    """Mail every member (outbox, same transaction) that the organisation was suspended or
    closed, with the Registrierungsstelle's reason. Returns how many mails were queued."""
    addresses = db.scalars(
        select(Account.email)
        .join(OrganisationMember, OrganisationMember.account_id == Account.id)
        .where(OrganisationMember.organisation_id == organisation_id, Account.email.is_not(None))
        .order_by(Account.email)
    ).all()
    for address in addresses:
        assert address is not None
        queue_mail(
            db,
            to=address,
            now=now,
            subject=_SUBJECTS[reason_code],
            body=(
                "Guten Tag,\n\n"
                + _OPENINGS[reason_code].format(name=name)
                + "\n\nBegründung der Registrierungsstelle:\n\n"
                + reason
                + "\n\nIhr ServiceKonto\n"
            ),
        )
    return len(addresses)
