"""The interaction policy (DESIGN §5, §6 convention 5): what an authorization request still needs.

In order: login (no session, `prompt=login`, `max_age` exceeded) → step-up (the client asks for a
higher level than the session has) → consent. `prompt=none` turns every needed step into the
matching OIDC Core §3.1.2.6 error.

Step-up (DESIGN §4): a password session reaches `substantial` with the second factor when the
identity itself is at least `substantial` and the TOTP is *bound* (enrolled in, or confirmed by,
a session at `substantial` or above; `accounts.means` module doc, TR-03160-1 §4.2/§4.3), and
`high` only with the eID. A TOTP enrolled on the way from a password session would count only as
`low`, so enrolment is no way to a step-up and is not offered as one. An essential level that
none of the account's means can reach is
`unmet_authentication_requirements` (OpenID Connect EAP ACR values §4) — never a lower `acr`.
A voluntary level (`acr_values`, or a non-essential `acr` claim) is offered, and the user may go
on without it; with `prompt=none` it is simply not reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.orm import Session

from servicekonto.accounts import means as login_means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import get_account, identity_level
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.db.models import Consent
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import claims_for_scopes
from servicekonto.oidc.redirects import AuthorizationResponseError


class Step(Enum):
    LOGIN = "login"
    STEP_UP = "step_up"
    CONSENT = "consent"
    COMPLETE = "complete"


@dataclass(frozen=True)
class StepUpMeans:
    """How the signed-in account could raise its session now."""

    #: An active, bound TOTP: password + code. Counts for `substantial` only with
    #: `identity_substantial`.
    totp: bool = False
    #: The core identity is at least `substantial` (register match + PIN letter, or eID).
    identity_substantial: bool = False
    #: An eID-Server is configured: the Online-Ausweis reaches `high`.
    eid: bool = False
    #: An active TOTP that is not bound yet: it cannot raise the session (only told to the user).
    totp_unbound: bool = False

    def reachable(self) -> TrustLevel:
        """The highest level these means lead to (module doc)."""
        if self.eid:
            return TrustLevel.HIGH
        if self.identity_substantial and self.totp:
            return TrustLevel.SUBSTANTIAL
        return TrustLevel.LOW


@dataclass(frozen=True)
class Decision:
    step: Step
    #: For STEP_UP: the level asked for, and whether the client made it essential.
    level: TrustLevel | None = None
    essential: bool = False


def step_up_means(
    db: Session,
    *,
    request: AuthorizationRequest,
    session: ActiveSession | None,
    eid_available: bool,
) -> StepUpMeans | None:
    """The session's means to raise itself, looked up only when the request asks for more than
    the session has (most authorization requests do not; this keeps /authorize to its reads)."""
    required, _essential, _vocabulary = request.required_level()
    if session is None or required is None or session.level >= required:
        return None
    account = get_account(db, session.account_id)
    bound = login_means.has_bound_totp(db, session.account_id)
    return StepUpMeans(
        totp=bound,
        totp_unbound=not bound and login_means.has_active_totp(db, session.account_id),
        identity_substantial=account is not None
        and identity_level(account) >= TrustLevel.SUBSTANTIAL,
        eid=eid_available,
    )


def consent_covers(consent: Consent | None, request: AuthorizationRequest) -> bool:
    """Asked before: every scope, and every claim asked by name, was shown to the user."""
    if consent is None:
        return False
    scopes = set(request.scopes) - {"openid"}
    offered = set(consent.claims) | claims_for_scopes(set(consent.scopes))
    named = request.claims_parameter.requested_identity_claims()
    return scopes <= set(consent.scopes) and named <= offered


def decide(
    *,
    request: AuthorizationRequest,
    session: ActiveSession | None,
    consent: Consent | None,
    logged_in_during_request: bool,
    now: datetime,
    means: StepUpMeans | None = None,
    step_up_declined: bool = False,
) -> Decision:
    def fail(error: str, description: str) -> AuthorizationResponseError:
        return AuthorizationResponseError(
            error, description, redirect_uri=request.redirect_uri, state=request.state
        )

    silent = "none" in request.prompt
    too_old = (
        session is not None
        and request.max_age is not None
        # max_age=0 asks for a fresh login, like prompt=login (OIDC Core §3.1.2.1)
        and (request.max_age == 0 or now - session.auth_time > timedelta(seconds=request.max_age))
    )
    forced = bool({"login", "select_account"} & set(request.prompt)) or too_old
    if session is None or (forced and not logged_in_during_request):
        if silent:
            raise fail("login_required", "the end-user is not authenticated")
        return Decision(Step.LOGIN)

    required, essential, _vocabulary = request.required_level()
    if required is None and essential:
        if silent:
            raise fail("login_required", "the requested authentication level needs a login")
        raise fail("unmet_authentication_requirements", "none of the essential acr values is known")
    if required is not None and session.level < required:
        reachable = required <= (means or StepUpMeans()).reachable()
        if essential and not reachable:
            if silent:
                raise fail("login_required", "the requested authentication level needs a login")
            raise fail(
                "unmet_authentication_requirements",
                "the requested authentication level cannot be reached",
            )
        if essential and silent:
            raise fail("interaction_required", "a higher authentication level is needed")
        if reachable and not silent and not (step_up_declined and not essential):
            return Decision(Step.STEP_UP, required, essential)

    if "consent" in request.prompt or not consent_covers(consent, request):
        if silent:
            raise fail("consent_required", "the end-user has not consented")
        return Decision(Step.CONSENT)
    return Decision(Step.COMPLETE)
