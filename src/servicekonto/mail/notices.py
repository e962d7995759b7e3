"""Security notices about login means (TR-03160-1 §4.2/§4.4, issue 10 item 5, issue 15 item 2).

Every new, bound, blocked, unblocked or removed login means and every eID link tells the holder
by mail, so a means added or taken away by someone who learnt the password does not go unseen.
The text names the kind of means and the time, never a secret, code, card number or address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from servicekonto.mail.service import queue_mail

GERMAN_TIME = ZoneInfo("Europe/Berlin")

Event = Literal["added", "bound", "blocked", "unblocked", "removed", "eid_linked"]

_KINDS = {"totp": "Authenticator-App", "eid": "Online-Ausweis"}

_SUBJECTS: dict[Event, str] = {
    "added": "Neues Anmeldemittel in Ihrem ServiceKonto",
    "bound": "Anmeldemittel in Ihrem ServiceKonto bestätigt",
    "blocked": "Anmeldemittel in Ihrem ServiceKonto gesperrt",
    "unblocked": "Anmeldemittel in Ihrem ServiceKonto entsperrt",
    "removed": "Anmeldemittel aus Ihrem ServiceKonto entfernt",
    "eid_linked": "Online-Ausweis mit Ihrem ServiceKonto verbunden",
}

_WHAT: dict[Event, str] = {
    "added": "wurde ein neues Anmeldemittel eingerichtet",
    "bound": "wurde ein Anmeldemittel bestätigt; es zählt nun für das Vertrauensniveau "
    "„substantiell“",
    "blocked": "wurde ein Anmeldemittel gesperrt",
    "unblocked": "wurde ein gesperrtes Anmeldemittel wieder freigegeben",
    "removed": "wurde ein Anmeldemittel entfernt",
    "eid_linked": "wurde ein Online-Ausweis mit Ihrem Konto verbunden",
}

_BODY = """Guten Tag,

in Ihrem ServiceKonto {what}:

  {kind}, am {when} Uhr

Wenn Sie das waren, ist nichts weiter zu tun.

Wenn Sie das nicht waren, sperren Sie unbekannte Anmeldemittel sofort unter
{issuer}/account/security, setzen Sie Ihr Passwort unter {issuer}/password/forgot zurück
und wenden Sie sich an Ihre Verwaltung.

Ihr ServiceKonto
"""


def notice_body(*, event: Event, kind: str, now: datetime, issuer: str) -> str:
    return _BODY.format(
        what=_WHAT[event],
        kind=_KINDS.get(kind, "Anmeldemittel"),
        when=now.astimezone(GERMAN_TIME).strftime("%d.%m.%Y, %H:%M"),
        issuer=issuer,
    )


def queue_means_notice(
    db: Session, *, to: str | None, event: Event, kind: str, now: datetime, issuer: str
) -> bool:
    """Queue the notice in the caller's transaction (outbox); False when the account has no
    e-mail address (an account opened with the eID may have none)."""
    if not to:
        return False
    queue_mail(
        db,
        to=to,
        subject=_SUBJECTS[event],
        body=notice_body(event=event, kind=kind, now=now, issuer=issuer),
        now=now,
    )
    return True
