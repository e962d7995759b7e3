"""What a page offers when what it shows needs a higher level than the session's (DESIGN §4
step-up outside an authorization request): a Postfach message, a document in the safe.

The offer reaches the level and comes back to `back` (a local path): the authenticator app's
code (`/login/otp?next=…`, which lifts the session to `substantial` when the TOTP is bound and
the identity confirmed, TR-03107-1: a login's level is the lower of identification and means)
or the Online-Ausweis (`high`, and `substantial` for whoever has no bound app). The template
part is `_step_up.html`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.means import has_active_totp
from servicekonto.accounts.service import account_view
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.http.database import DbSession
from servicekonto.web.routes.eid import eid_choice


def step_up_offers(
    request: Request, db: DbSession, session: ActiveSession, needed: TrustLevel, back: str
) -> dict[str, Any]:
    """Template context of `_step_up.html` to reach `needed` and return to `back`."""
    account = account_view(db, session.account_id)
    identity_ok = account is not None and account.identity_level >= TrustLevel.SUBSTANTIAL
    otp = (
        needed == TrustLevel.SUBSTANTIAL
        and identity_ok
        and has_active_totp(db, session.account_id)
    )
    return {
        "needed_label": f"level.{needed.label}",
        "otp_link": f"/login/otp?{urlencode({'next': back})}" if otp else None,
        "identity_missing": needed == TrustLevel.SUBSTANTIAL and not identity_ok,
        "eid_label": "eid.button.confirm",
        **eid_choice(request, pending_id=None, purpose="step_up", next_page=back),
    }
