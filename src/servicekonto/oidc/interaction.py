"""The interaction policy (DESIGN §6 convention 5): what an authorization request still needs.

In order: login (no session, `prompt=login`, `max_age` exceeded) → step-up (the client asks for a
higher level than the session has) → consent. `prompt=none` turns every needed step into the
matching OIDC Core §3.1.2.6 error. Step-up means are added by the eID/second-factor issue; until
then a level above the session's cannot be reached, which for an essential request is
`unmet_authentication_requirements` (OpenID Connect Core errata / EAP) and never a lower `acr`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.db.models import Consent
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import claims_for_scopes
from servicekonto.oidc.redirects import AuthorizationResponseError


class Step(Enum):
    LOGIN = "login"
    CONSENT = "consent"
    COMPLETE = "complete"


@dataclass(frozen=True)
class Decision:
    step: Step
    level: TrustLevel | None = None


#: Levels the login means built so far can reach; extended by the eID and TOTP issue.
REACHABLE_LEVELS = frozenset({TrustLevel.LOW})


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
    if required is not None and session.level < required:
        if any(required <= level for level in REACHABLE_LEVELS if level > session.level):
            if silent:
                raise fail("interaction_required", "a higher authentication level is needed")
            return Decision(Step.LOGIN, required)
        if essential:
            if silent:
                raise fail("login_required", "the requested authentication level needs a login")
            raise fail(
                "unmet_authentication_requirements",
                "the requested authentication level cannot be reached",
            )

    if "consent" in request.prompt or not consent_covers(consent, request):
        if silent:
            raise fail("consent_required", "the end-user has not consented")
        return Decision(Step.CONSENT)
    return Decision(Step.COMPLETE)
