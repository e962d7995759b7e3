"""The interaction policy as prompts of named checks (`oidc.interaction`, DESIGN §5, issue 11).

Login → step-up → acting-as → consent; the first check that is not satisfied decides, and under
`prompt=none` gives its OAuth error (OIDC Core §3.1.2.6). These tests pin each check's name,
reason and error, the order of the prompts, and when the Befugnis (`acting_as`, issue 12 item 6)
is asked: only with organisations to choose from at this client.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import create_account
from servicekonto.accounts.sessions import ActiveSession, start_session
from servicekonto.consent.service import grant
from servicekonto.db.models import AuthorizationCode, Consent
from servicekonto.errors import OAuthError
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import parse_claims_parameter
from servicekonto.oidc.interaction import (
    ACTING_AS,
    POLICY,
    Advance,
    Context,
    Decision,
    Step,
    StepUpMeans,
    acting_for,
    advance,
    evaluate,
)
from servicekonto.oidc.provider import Provider
from tests.support import PASSWORD, make_client

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SCOPES = ["openid", "profile"]
LOW, SUBSTANTIAL, HIGH = TrustLevel.LOW, TrustLevel.SUBSTANTIAL, TrustLevel.HIGH


def acr_claim(value: str, *, essential: bool) -> dict[str, Any]:
    member: dict[str, Any] = {"values": [value], "essential": essential}
    return parse_claims_parameter(json.dumps({"id_token": {"acr": member}})).to_json()


def request(
    *,
    prompt: tuple[str, ...] = (),
    max_age: int | None = None,
    claims: dict[str, Any] | None = None,
    acr_values: tuple[str, ...] = (),
    scopes: tuple[str, ...] = tuple(SCOPES),
) -> AuthorizationRequest:
    return AuthorizationRequest(
        client_id="client-1",
        redirect_uri="https://rp.example/cb",
        scopes=list(scopes),
        state="state-1",
        nonce=None,
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        prompt=list(prompt),
        max_age=max_age,
        acr_values=list(acr_values),
        claims=claims or {},
    )


def session(level: TrustLevel = LOW, *, age: timedelta = timedelta(0)) -> ActiveSession:
    return ActiveSession("sid-1", "account-1", level, ("pwd",), NOW - age)


def consent(scopes: tuple[str, ...] = ("profile",), claims: tuple[str, ...] = ()) -> Consent:
    return Consent(
        account_id="account-1", client_id="client-1", scopes=list(scopes), claims=list(claims)
    )


ESSENTIAL_HIGH = acr_claim("http://eidas.europa.eu/LoA/high", essential=True)
ESSENTIAL_UNKNOWN = acr_claim("urn:example:unknown", essential=True)
VOLUNTARY_HIGH = acr_claim("http://eidas.europa.eu/LoA/high", essential=False)
ASKS_EMAIL_BY_NAME = parse_claims_parameter(json.dumps({"userinfo": {"email": None}})).to_json()


def context(
    auth: AuthorizationRequest,
    *,
    active: ActiveSession | None = None,
    given: Consent | None = None,
    means: StepUpMeans | None = None,
    logged_in: bool = False,
    declined: bool = False,
    choices: frozenset[str] = frozenset(),
) -> Context:
    return Context(
        request=auth,
        session=active,
        consent=given,
        now=NOW,
        logged_in_during_request=logged_in,
        means=means,
        step_up_declined=declined,
        acting_choices=choices,
    )


ORG = frozenset({"org-1"})
ORG_SCOPES = ("openid", "profile", "organization")


def acting(chosen: str | None) -> ActiveSession:
    return replace(session(), acting_as=chosen)


def org_consent(acting_as: str | None) -> Consent:
    given = consent(scopes=("profile", "organization"))
    given.acting_as = acting_as
    return given


#: Every check of the policy, in order: (prompt, name, OAuth error under prompt=none, reason).
EXPECTED_CHECKS = [
    (Step.LOGIN, "no_session", "login_required", "the end-user is not authenticated"),
    (Step.LOGIN, "login_prompt", "login_required", "the end-user is not authenticated"),
    (Step.LOGIN, "max_age", "login_required", "the end-user is not authenticated"),
    (
        Step.STEP_UP,
        "essential_acr_unknown",
        "login_required",
        "the requested authentication level needs a login",
    ),
    (
        Step.STEP_UP,
        "essential_acr_unreachable",
        "login_required",
        "the requested authentication level needs a login",
    ),
    (
        Step.STEP_UP,
        "essential_acr_missing",
        "interaction_required",
        "a higher authentication level is needed",
    ),
    (Step.STEP_UP, "voluntary_acr_missing", None, "a higher authentication level is offered"),
    (
        Step.ACTING_AS,
        "acting_as_unchosen",
        "interaction_required",
        "the end-user has not chosen for whom to act",
    ),
    (Step.CONSENT, "consent_prompt", "consent_required", "the end-user has not consented"),
    (Step.CONSENT, "scopes_missing", "consent_required", "the end-user has not consented"),
    (Step.CONSENT, "claims_missing", "consent_required", "the end-user has not consented"),
    (Step.CONSENT, "other_befugnis", "consent_required", "the end-user has not consented"),
]


def test_policy_prompts_are_login_step_up_acting_as_consent_in_this_order() -> None:
    assert [p.step for p in POLICY] == [Step.LOGIN, Step.STEP_UP, Step.ACTING_AS, Step.CONSENT]


def test_every_check_has_its_name_reason_and_prompt_none_error() -> None:
    actual = [
        (p.step, c.name, c.error.error if c.error else None, c.reason)
        for p in POLICY
        for c in p.checks
    ]
    assert actual == EXPECTED_CHECKS


def test_only_the_unreachable_level_checks_fail_with_unmet_authentication_requirements() -> None:
    """OpenID Connect EAP ACR values §4: no interaction can satisfy these two."""
    unmet = {c.name: c.unmet for p in POLICY for c in p.checks if c.unmet is not None}
    assert unmet == {
        "essential_acr_unknown": "none of the essential acr values is known",
        "essential_acr_unreachable": "the requested authentication level cannot be reached",
    }


#: For each check, a context in which it is the first check not satisfied. Built as functions of
#: the `prompt` parameter so one scenario serves both the interactive and the silent request.
SCENARIOS: dict[str, Any] = {
    "no_session": lambda p: context(request(prompt=p)),
    "login_prompt": lambda p: context(request(prompt=(*p, "login")), active=session()),
    "max_age": lambda p: context(
        request(prompt=p, max_age=60), active=session(age=timedelta(seconds=61)), given=consent()
    ),
    "essential_acr_unknown": lambda p: context(
        request(prompt=p, claims=ESSENTIAL_UNKNOWN), active=session(), given=consent()
    ),
    "essential_acr_unreachable": lambda p: context(
        request(prompt=p, claims=ESSENTIAL_HIGH),
        active=session(),
        given=consent(),
        means=StepUpMeans(totp=True, identity_substantial=True),
    ),
    "essential_acr_missing": lambda p: context(
        request(prompt=p, claims=ESSENTIAL_HIGH),
        active=session(),
        given=consent(),
        means=StepUpMeans(eid=True),
    ),
    "consent_prompt": lambda p: context(
        request(prompt=(*p, "consent")), active=session(), given=consent()
    ),
    "scopes_missing": lambda p: context(
        request(prompt=p, scopes=("openid", "profile", "email")),
        active=session(),
        given=consent(),
    ),
    "claims_missing": lambda p: context(
        request(prompt=p, claims=ASKS_EMAIL_BY_NAME), active=session(), given=consent()
    ),
    "acting_as_unchosen": lambda p: context(
        request(prompt=p, scopes=ORG_SCOPES), active=acting(None),
        given=org_consent(None), choices=ORG,
    ),
    "other_befugnis": lambda p: context(
        request(prompt=p, scopes=ORG_SCOPES), active=acting("org-1"),
        given=org_consent(None), choices=ORG,
    ),
}
CHECK_ERRORS = {name: (error, reason) for _step, name, error, reason in EXPECTED_CHECKS}
CHECK_STEPS = {name: step for step, name, _error, _reason in EXPECTED_CHECKS}


def first_needed(ctx: Context) -> str | None:
    return next(
        (check.name for prompt in POLICY for check in prompt.checks if check.applies(ctx)), None
    )


def test_every_check_that_can_fail_a_request_has_a_scenario() -> None:
    """All but the voluntary level (never an error)."""
    names = {name for _step, name, _error, _reason in EXPECTED_CHECKS}
    assert set(SCENARIOS) == names - {"voluntary_acr_missing"}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_check_is_the_first_one_needed_in_its_scenario(name: str) -> None:
    assert first_needed(SCENARIOS[name](())) == name


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_check_gives_its_error_and_reason_under_prompt_none(name: str) -> None:
    """OIDC Core §3.1.2.6: with prompt=none the needed prompt becomes its error, redirected
    to the client with the request's state."""
    # authorize.check_prompt refuses prompt=none with login or consent, but /authorize adds
    # `login` itself when an id_token_hint names someone else; the policy answers any mix.
    ctx = SCENARIOS[name](("none",))
    with pytest.raises(OAuthError) as raised:
        evaluate(ctx)
    assert (raised.value.error, raised.value.description) == CHECK_ERRORS[name]
    assert raised.value.state == "state-1"
    assert raised.value.redirect_uri == "https://rp.example/cb"


@pytest.mark.parametrize(
    "name",
    sorted(n for n in SCENARIOS if n not in ("essential_acr_unknown", "essential_acr_unreachable")),
)
def test_check_without_prompt_none_shows_its_prompt(name: str) -> None:
    decision = evaluate(SCENARIOS[name](()))
    assert decision.step is CHECK_STEPS[name]


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("essential_acr_unknown", "none of the essential acr values is known"),
        ("essential_acr_unreachable", "the requested authentication level cannot be reached"),
    ],
)
def test_unreachable_level_without_prompt_none_is_unmet_authentication_requirements(
    name: str, description: str
) -> None:
    with pytest.raises(OAuthError) as raised:
        evaluate(SCENARIOS[name](()))
    assert (raised.value.error, raised.value.description) == (
        "unmet_authentication_requirements",
        description,
    )


def test_step_up_decision_carries_the_level_and_the_essential_flag() -> None:
    assert evaluate(SCENARIOS["essential_acr_missing"](())) == Decision(Step.STEP_UP, HIGH, True)


def test_voluntary_level_is_offered_interactively_and_passed_over_under_prompt_none() -> None:
    """A voluntary level is no reason to fail a silent request: it is simply not reached."""
    ctx = context(
        request(claims=VOLUNTARY_HIGH),
        active=session(),
        given=consent(),
        means=StepUpMeans(eid=True),
    )
    assert first_needed(ctx) == "voluntary_acr_missing"
    assert evaluate(ctx) == Decision(Step.STEP_UP, HIGH, False)
    silent = context(
        request(prompt=("none",), claims=VOLUNTARY_HIGH),
        active=session(),
        given=consent(),
        means=StepUpMeans(eid=True),
    )
    assert first_needed(silent) is None
    assert evaluate(silent) == Decision(Step.COMPLETE)


def test_voluntary_level_declined_on_the_step_up_page_is_not_asked_again() -> None:
    ctx = context(
        request(claims=VOLUNTARY_HIGH),
        active=session(),
        given=consent(),
        means=StepUpMeans(eid=True),
        declined=True,
    )
    assert evaluate(ctx) == Decision(Step.COMPLETE)


def test_login_during_this_request_satisfies_prompt_login_and_max_age() -> None:
    ctx = context(
        request(prompt=("login",), max_age=0), active=session(), given=consent(), logged_in=True
    )
    assert evaluate(ctx) == Decision(Step.COMPLETE)


def test_max_age_zero_asks_for_a_fresh_login() -> None:
    """OIDC Core §3.1.2.1: max_age=0 is like prompt=login."""
    ctx = context(request(max_age=0), active=session(), given=consent())
    assert first_needed(ctx) == "max_age"


def test_nothing_needed_completes() -> None:
    assert evaluate(context(request(), active=session(), given=consent())) == Decision(
        Step.COMPLETE
    )


def test_earlier_prompt_wins_login_before_consent_under_prompt_none() -> None:
    """No session and no consent: the error is login_required, never consent_required."""
    with pytest.raises(OAuthError) as raised:
        evaluate(context(request(prompt=("none",))))
    assert raised.value.error == "login_required"


def test_earlier_prompt_wins_step_up_before_consent_under_prompt_none() -> None:
    ctx = context(
        request(prompt=("none",), claims=ESSENTIAL_HIGH),
        active=session(),
        means=StepUpMeans(eid=True),
    )
    with pytest.raises(OAuthError) as raised:
        evaluate(ctx)
    assert raised.value.error == "interaction_required"


def test_earlier_prompt_wins_step_up_shown_before_consent() -> None:
    ctx = context(request(claims=ESSENTIAL_HIGH), active=session(), means=StepUpMeans(eid=True))
    assert evaluate(ctx) == Decision(Step.STEP_UP, HIGH, True)


@pytest.mark.parametrize("name", sorted(set(SCENARIOS) - {"acting_as_unchosen"}))
@pytest.mark.parametrize("prompt", [(), ("none",)])
def test_acting_as_is_satisfied_without_a_choice_to_make(
    name: str, prompt: tuple[str, ...]
) -> None:
    """No organisations to choose at this client (or a choice made): the prompt is not asked."""
    ctx = SCENARIOS[name](prompt)
    assert ACTING_AS.first_needed(ctx) is None
    assert all(not check.needed(ctx) for check in ACTING_AS.checks)


@pytest.mark.parametrize("level", [LOW, SUBSTANTIAL, HIGH])
def test_acting_as_not_decided_without_memberships(level: TrustLevel) -> None:
    ctx = context(request(), active=session(level), given=consent())
    assert evaluate(ctx) == Decision(Step.COMPLETE)


def test_acting_as_is_asked_before_consent() -> None:
    """DESIGN §5: login → step-up → Befugnis → consent (here no consent exists yet)."""
    ctx = context(request(scopes=ORG_SCOPES), active=acting(None), choices=ORG)
    assert evaluate(ctx) == Decision(Step.ACTING_AS)


@pytest.mark.parametrize(
    ("chosen", "given_for", "expected"),
    [
        ("self", None, Step.COMPLETE),  # chose personal; the personal consent covers it
        ("org-1", "org-1", Step.COMPLETE),  # the remembered organisation, its consent
        ("org-2", None, Step.ACTING_AS),  # remembered, but no choice at this client
        ("org-1", None, Step.CONSENT),  # a personal consent does not cover the firm
        ("self", "org-1", Step.CONSENT),  # nor the firm's consent a personal login
    ],
)
def test_a_remembered_choice_counts_when_it_is_one_of_this_clients(
    chosen: str, given_for: str | None, expected: Step
) -> None:
    ctx = context(
        request(scopes=ORG_SCOPES), active=acting(chosen), given=org_consent(given_for),
        choices=ORG,
    )
    assert evaluate(ctx).step is expected


def test_acting_for_is_the_sessions_choice_only_among_this_clients() -> None:
    assert acting_for(acting("org-1"), ORG) == "org-1"
    assert acting_for(acting("self"), ORG) is None
    assert acting_for(acting("org-1"), frozenset()) is None  # no `organization` scope asked
    assert acting_for(None, ORG) is None


# -- advance(): the one path of /authorize and /interaction ----------------------------------


def _signed_in(provider: Provider, db: Session) -> ActiveSession:
    account = create_account(
        db,
        hashing=provider.hashing,
        now=provider.clock.now(),
        email="advance@example.org",
        password=PASSWORD,
        level=TrustLevel.BASIC,
        email_verified=True,
        attributes={},
    )
    db.flush()
    _cookie, active = start_session(
        db, account_id=account.id, level=LOW, amr=["pwd"], now=provider.clock.now()
    )
    return active


def _registered_request(provider: Provider, **extra: Any) -> AuthorizationRequest:
    client = make_client(provider)
    return replace(request(**extra), client_id=client.client_id, redirect_uri=client.redirect_uri)


@pytest.mark.postgres
def test_advance_issues_the_code_when_nothing_is_left_to_ask(provider: Provider) -> None:
    auth = _registered_request(provider)
    with provider.sessions() as db:
        active = _signed_in(provider, db)
        grant(
            db,
            account_id=active.account_id,
            client_id=auth.client_id,
            scopes={"profile"},
            claims=set(),
            now=provider.clock.now(),
        )
        step = advance(db, provider, request=auth, session=active, now=provider.clock.now())
        assert step.decision == Decision(Step.COMPLETE)
        assert step.target is not None and step.target.startswith(auth.redirect_uri + "?code=")
        assert db.scalar(select(func.count()).select_from(AuthorizationCode)) == 1


@pytest.mark.postgres
def test_advance_names_the_prompt_and_issues_nothing_while_one_is_needed(
    provider: Provider,
) -> None:
    auth = _registered_request(provider)
    with provider.sessions() as db:
        active = _signed_in(provider, db)
        assert advance(db, provider, request=auth, session=None, now=NOW) == Advance(
            Decision(Step.LOGIN)
        )
        step = advance(db, provider, request=auth, session=active, now=provider.clock.now())
        assert step == Advance(Decision(Step.CONSENT))
        assert db.scalar(select(func.count()).select_from(AuthorizationCode)) == 0


@pytest.mark.postgres
def test_advance_under_prompt_none_raises_the_checks_error(provider: Provider) -> None:
    auth = _registered_request(provider, prompt=("none",))
    with provider.sessions() as db, pytest.raises(OAuthError) as raised:
        advance(db, provider, request=auth, session=None, now=NOW)
    assert (raised.value.error, raised.value.state) == ("login_required", "state-1")
