"""The interaction policy (DESIGN §5, §6 convention 5): what an authorization request still needs.

The policy is an ordered list of prompts — login → step-up → acting-as → consent — and each
prompt an ordered list of small named checks. The first check that is not satisfied decides: its
prompt is shown, or, under `prompt=none`, its OAuth error is returned (OIDC Core §3.1.2.6:
`login_required`, `interaction_required`, `consent_required`). `/authorize` and the interaction
pages both go through `advance()`, so the two can never disagree on the next step.

Step-up (DESIGN §4): a password session reaches `substantial` with the second factor when the
identity itself is at least `substantial` and the TOTP is *bound* (enrolled in, or confirmed by,
a session at `substantial` or above; `accounts.means` module doc, TR-03160-1 §4.2/§4.3), and
`high` only with the eID. A TOTP enrolled on the way from a password session would count only as
`low`, so enrolment is no way to a step-up and is not offered as one. An essential level that
none of the account's means can reach is
`unmet_authentication_requirements` (OpenID Connect EAP ACR values §4) — never a lower `acr`.
A voluntary level (`acr_values`, or a non-essential `acr` claim) is offered, and the user may go
on without it; with `prompt=none` it is simply not reached.

Acting-as (the Befugnis, DESIGN §5, issue 12 item 6): when the client asked for scope
`organization` and the person may act for at least one activated organisation at this client
(`companies.acting.choices`), they choose "persönlich oder für …" before consent. The choice is
kept on the browser session (a Befugnis switch gives the cookie a new value), so the next
request with `organization` does not ask again — unless the remembered organisation is not one
of this client's choices, or the client sends `prompt=select_account` (which asks for a new
login, and a new session has chosen nothing). Without memberships nothing is asked and the
person acts personally. Under `prompt=none` a needed choice is `interaction_required`
(OIDC Core §3.1.2.6). The consent is for one Befugnis: each has its own (consent.service), and
one given while acting for another (or personally) does not cover this one (`consent_required`
under `prompt=none`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.orm import Session

from servicekonto.accounts import means as login_means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import get_account, identity_level
from servicekonto.accounts.sessions import SELF, ActiveSession
from servicekonto.companies.acting import choices as acting_choices
from servicekonto.consent.service import find_consent
from servicekonto.db.models import Consent
from servicekonto.errors import (
    ConsentRequired,
    InteractionRequired,
    LoginRequired,
    OAuthError,
    UnmetAuthenticationRequirements,
)
from servicekonto.oidc import codes
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import claims_for_scopes
from servicekonto.oidc.provider import Provider


class Step(Enum):
    LOGIN = "login"
    STEP_UP = "step_up"
    ACTING_AS = "acting_as"
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


@dataclass(frozen=True)
class Context:
    """Everything the checks look at: the request and what the browser brings to it."""

    request: AuthorizationRequest
    session: ActiveSession | None
    consent: Consent | None
    now: datetime
    #: The login of this very request happened (a forced login is satisfied by it).
    logged_in_during_request: bool = False
    means: StepUpMeans | None = None
    #: The user chose to go on without a voluntary level (the step-up page's skip button).
    step_up_declined: bool = False
    #: The organisations the person may act for at this client, when the request asks for
    #: scope `organization` (else empty: nothing to choose).
    acting_choices: frozenset[str] = frozenset()

    @property
    def silent(self) -> bool:
        return "none" in self.request.prompt

    def fail(self, error: OAuthError) -> OAuthError:
        """The error, addressed to the request's (validated) redirect_uri."""
        return error.to_client(self.request.redirect_uri, self.request.state)


@dataclass(frozen=True)
class Check:
    """One reason a prompt is needed. `needed` answers "must the user be asked?"."""

    #: A short name for logs and tests.
    name: str
    #: Why the prompt is needed; the `error_description` under `prompt=none`.
    reason: str
    #: The OAuth error under `prompt=none`; None: a voluntary step, silently passed over.
    error: type[OAuthError] | None
    needed: Callable[[Context], bool]
    #: When set, no interaction can satisfy the check: without `prompt=none` the request fails
    #: with `unmet_authentication_requirements` and this description (EAP ACR values §4).
    unmet: str | None = None

    def applies(self, context: Context) -> bool:
        if context.silent and self.error is None:
            return False
        return self.needed(context)


@dataclass(frozen=True)
class Prompt:
    step: Step
    checks: tuple[Check, ...]

    def first_needed(self, context: Context) -> Check | None:
        return next((check for check in self.checks if check.applies(context)), None)


# -- login (OIDC Core §3.1.2.1 `prompt`, `max_age`) ------------------------------------------


def _no_session(context: Context) -> bool:
    return context.session is None


def _login_prompted(context: Context) -> bool:
    asked = bool({"login", "select_account"} & set(context.request.prompt))
    return asked and not context.logged_in_during_request


def _session_too_old(context: Context) -> bool:
    max_age, session = context.request.max_age, context.session
    if session is None or max_age is None or context.logged_in_during_request:
        return False
    # max_age=0 asks for a fresh login, like prompt=login (OIDC Core §3.1.2.1)
    return max_age == 0 or context.now - session.auth_time > timedelta(seconds=max_age)


NOT_AUTHENTICATED = "the end-user is not authenticated"
LOGIN = Prompt(
    Step.LOGIN,
    (
        Check("no_session", NOT_AUTHENTICATED, LoginRequired, _no_session),
        Check("login_prompt", NOT_AUTHENTICATED, LoginRequired, _login_prompted),
        Check("max_age", NOT_AUTHENTICATED, LoginRequired, _session_too_old),
    ),
)


# -- step-up (OIDC Core §5.5.1.1 `acr`, module doc) ------------------------------------------


def _short_of(context: Context) -> TrustLevel | None:
    """The level asked for, when the session is below it."""
    required, _essential, _vocabulary = context.request.required_level()
    session = context.session
    if required is None or session is None or session.level >= required:
        return None
    return required


def _essential(context: Context) -> bool:
    return context.request.required_level()[1]


def _reachable(context: Context, level: TrustLevel) -> bool:
    return level <= (context.means or StepUpMeans()).reachable()


def _acr_unknown(context: Context) -> bool:
    required, essential, _vocabulary = context.request.required_level()
    return required is None and essential


def _essential_acr_unreachable(context: Context) -> bool:
    level = _short_of(context)
    return level is not None and _essential(context) and not _reachable(context, level)


def _essential_acr_missing(context: Context) -> bool:
    level = _short_of(context)
    return level is not None and _essential(context) and _reachable(context, level)


def _voluntary_acr_missing(context: Context) -> bool:
    level = _short_of(context)
    return (
        level is not None
        and not _essential(context)
        and _reachable(context, level)
        and not context.step_up_declined
    )


LEVEL_NEEDS_LOGIN = "the requested authentication level needs a login"
STEP_UP = Prompt(
    Step.STEP_UP,
    (
        Check(
            "essential_acr_unknown",
            LEVEL_NEEDS_LOGIN,
            LoginRequired,
            _acr_unknown,
            unmet="none of the essential acr values is known",
        ),
        Check(
            "essential_acr_unreachable",
            LEVEL_NEEDS_LOGIN,
            LoginRequired,
            _essential_acr_unreachable,
            unmet="the requested authentication level cannot be reached",
        ),
        Check(
            "essential_acr_missing",
            "a higher authentication level is needed",
            InteractionRequired,
            _essential_acr_missing,
        ),
        Check(
            "voluntary_acr_missing",
            "a higher authentication level is offered",
            None,
            _voluntary_acr_missing,
        ),
    ),
)


# -- acting as (the Befugnis; module doc) ----------------------------------------------------

#: The scope a client asks for to learn for whom the person acts (DESIGN §9).
ORGANIZATION_SCOPE = "organization"


def acting_for(session: ActiveSession | None, choices: frozenset[str]) -> str | None:
    """The organisation the request acts for: the session's choice when it is one of this
    client's choices; None (personal) otherwise."""
    if session is None or session.acting_as not in choices:
        return None
    return session.acting_as


def _acting_as_unchosen(context: Context) -> bool:
    """Choices exist, and the session's choice is neither "self" nor one of them."""
    if not context.acting_choices or context.session is None:
        return False
    chosen = context.session.acting_as
    return chosen != SELF and chosen not in context.acting_choices


ACTING_AS = Prompt(
    Step.ACTING_AS,
    (
        Check(
            "acting_as_unchosen",
            "the end-user has not chosen for whom to act",
            InteractionRequired,
            _acting_as_unchosen,
        ),
    ),
)


# -- consent (OIDC Core §3.1.2.4) ------------------------------------------------------------


def _consent_prompted(context: Context) -> bool:
    return "consent" in context.request.prompt


def _scopes_missing(context: Context) -> bool:
    """A scope asked for that the consent does not hold."""
    consent = context.consent
    scopes = set(context.request.scopes) - {"openid"}
    return consent is None or not scopes <= set(consent.scopes)


def _other_befugnis(context: Context) -> bool:
    """The consent was given for another Befugnis than this request's (module doc)."""
    consent = context.consent
    if consent is None:
        return True
    return consent.acting_as != acting_for(context.session, context.acting_choices)


def _claims_missing(context: Context) -> bool:
    """A claim asked for by name that was not shown when the user consented."""
    consent = context.consent
    if consent is None:
        return True
    offered = set(consent.claims) | claims_for_scopes(set(consent.scopes))
    return not context.request.claims_parameter.requested_identity_claims() <= offered


NOT_CONSENTED = "the end-user has not consented"
CONSENT = Prompt(
    Step.CONSENT,
    (
        Check("consent_prompt", NOT_CONSENTED, ConsentRequired, _consent_prompted),
        Check("scopes_missing", NOT_CONSENTED, ConsentRequired, _scopes_missing),
        Check("claims_missing", NOT_CONSENTED, ConsentRequired, _claims_missing),
        Check("other_befugnis", NOT_CONSENTED, ConsentRequired, _other_befugnis),
    ),
)

#: The policy, in the order the prompts are asked (DESIGN §5).
POLICY: tuple[Prompt, ...] = (LOGIN, STEP_UP, ACTING_AS, CONSENT)


def _decision(prompt: Prompt, context: Context) -> Decision:
    if prompt.step is Step.STEP_UP:
        return Decision(Step.STEP_UP, _short_of(context), _essential(context))
    return Decision(prompt.step)


def evaluate(context: Context) -> Decision:
    """The first prompt with a needed check, or COMPLETE. Under `prompt=none` that check's
    error instead; a check no interaction can satisfy fails in any case."""
    for prompt in POLICY:
        check = prompt.first_needed(context)
        if check is None:
            continue
        if context.silent:
            assert check.error is not None  # Check.applies passes over voluntary checks
            raise context.fail(check.error(check.reason))
        if check.unmet is not None:
            raise context.fail(UnmetAuthenticationRequirements(check.unmet))
        return _decision(prompt, context)
    return Decision(Step.COMPLETE)


def decide(
    *,
    request: AuthorizationRequest,
    session: ActiveSession | None,
    consent: Consent | None,
    logged_in_during_request: bool,
    now: datetime,
    means: StepUpMeans | None = None,
    step_up_declined: bool = False,
    acting_choices: frozenset[str] = frozenset(),
) -> Decision:
    return evaluate(
        Context(
            request=request,
            session=session,
            consent=consent,
            now=now,
            logged_in_during_request=logged_in_during_request,
            means=means,
            step_up_declined=step_up_declined,
            acting_choices=acting_choices,
        )
    )


def choices_for(
    db: Session, *, request: AuthorizationRequest, session: ActiveSession | None
) -> frozenset[str]:
    """The organisations this request could act for; looked up only when the request asks for
    scope `organization` (most do not, and /authorize stays at its reads)."""
    if session is None or ORGANIZATION_SCOPE not in request.scopes:
        return frozenset()
    return frozenset(
        m.organisation_id
        for m in acting_choices(db, account_id=session.account_id, client_id=request.client_id)
    )


@dataclass(frozen=True)
class Advance:
    """Where an authorization request stands after `advance()`."""

    decision: Decision
    #: The session's means to raise itself (the step-up page lists them).
    means: StepUpMeans | None = None
    #: COMPLETE: the redirect back to the client, carrying the code.
    target: str | None = None


def advance(
    db: Session,
    provider: Provider,
    *,
    request: AuthorizationRequest,
    session: ActiveSession | None,
    now: datetime,
    logged_in_during_request: bool = False,
    step_up_declined: bool = False,
) -> Advance:
    """The next step of an authorization request, for `/authorize` and the interaction pages
    alike; when nothing is left to ask, the code is issued (RFC 6749 §4.1.2). Raises
    an OAuthError addressed to the client's redirect_uri as `evaluate` does. Never commits."""
    choices = choices_for(db, request=request, session=session)
    # The consent of the Befugnis this request acts for (one per Befugnis, consent.service).
    consent = (
        find_consent(
            db, account_id=session.account_id, client_id=request.client_id,
            acting_as=acting_for(session, choices),
        )
        if session
        else None
    )
    means = step_up_means(
        db, request=request, session=session, eid_available=provider.eid_available
    )
    decision = decide(
        request=request,
        session=session,
        consent=consent,
        logged_in_during_request=logged_in_during_request,
        now=now,
        means=means,
        step_up_declined=step_up_declined,
        acting_choices=choices,
    )
    if decision.step is not Step.COMPLETE:
        return Advance(decision, means)
    # COMPLETE needs a session (login prompt) and a consent covering the request (consent prompt)
    assert session is not None and consent is not None
    target = codes.complete(
        db, provider, request=request, session=session, consent=consent, now=now,
        acting_as=acting_for(session, choices),
    )
    return Advance(decision, means, target)
