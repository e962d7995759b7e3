"""The interaction policy's step-up decision, as a full matrix (DESIGN §4 "Step-up").

Session level (none, low, substantial, high) × requested level (none, low, substantial, high) ×
how it is requested (essential `acr` claim, OIDC Core §5.5.1.1; voluntary `acr` claim; voluntary
`acr_values`, §3.1.2.1) × `prompt=none` or not × the means the account has to step up.

The expected outcome is derived here from DESIGN §4 and the module doc of
`servicekonto.oidc.interaction`, not from its code:

- no session → login (`login_required` with `prompt=none`, OIDC Core §3.1.2.6);
- session ≥ requested → no step-up; with a covering consent the request completes;
- session < requested and the account's means reach it → STEP_UP to that level, carrying the
  essential flag; with `prompt=none` an essential level is `interaction_required` and a voluntary
  one is simply not reached;
- unreachable and essential → `unmet_authentication_requirements` (OpenID Connect EAP ACR
  Values §4; `login_required` with `prompt=none`); unreachable and voluntary → go on lower;
- `step_up_declined` skips a voluntary step-up, never an essential one.

Reachability (DESIGN §4): password → low; + second factor → substantial only with an identity of
at least `substantial` and a TOTP bound to the person (TR-03160-1 §4.2/§4.3: enrolled in, or
confirmed by, a session at `substantial`; one enrolled on the way from the password session would
count as `low`, issue 15 item 2); eID → high.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import create_account, set_attribute
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.clock import FixedClock
from servicekonto.db.models import Consent, LoginMeans
from servicekonto.errors import OAuthError
from servicekonto.oidc import acr
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import parse_claims_parameter
from servicekonto.oidc.interaction import Decision, Step, StepUpMeans, decide, step_up_means
from tests.support import FAST_HASHING

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
REDIRECT_URI = "https://rp.example/cb"
STATE = "state-4711"
SCOPES = ["openid", "profile"]

BASIC, LOW = TrustLevel.BASIC, TrustLevel.LOW
SUBSTANTIAL, HIGH = TrustLevel.SUBSTANTIAL, TrustLevel.HIGH

SESSION_LEVELS: dict[str, TrustLevel | None] = {
    "none": None,
    "low": LOW,
    "substantial": SUBSTANTIAL,
    "high": HIGH,
}
REQUESTED_LEVELS: dict[str, TrustLevel | None] = dict(SESSION_LEVELS)
#: How the level is asked for: only the claims form can be essential (OIDC Core §5.5.1.1).
MODES = ("essential", "voluntary-claim", "voluntary-acr_values")
PROMPTS = {"interactive": [], "prompt=none": ["none"]}


@dataclass(frozen=True)
class MeansVariant:
    means: StepUpMeans
    #: The highest level these means lead to, from DESIGN §4 (not from StepUpMeans.reachable).
    reaches: TrustLevel


MEANS: dict[str, MeansVariant] = {
    "nothing": MeansVariant(StepUpMeans(), LOW),
    "totp+identity_substantial": MeansVariant(
        StepUpMeans(totp=True, identity_substantial=True), SUBSTANTIAL
    ),
    # issue 15 item 2: a TOTP enrolled on the way from a password session counts as `low`
    "identity_substantial-no-totp": MeansVariant(StepUpMeans(identity_substantial=True), LOW),
    # TR-03160-1 §4.3: an unbound TOTP (enrolled with the password alone) raises nothing
    "unbound-totp+identity_substantial": MeansVariant(
        StepUpMeans(identity_substantial=True, totp_unbound=True), LOW
    ),
    # TR-03107-1: a login is as good as the weaker of identification and means
    "totp-only-basic-identity": MeansVariant(StepUpMeans(totp=True), LOW),
    "eid": MeansVariant(StepUpMeans(eid=True), HIGH),
}


def acr_claims(values: list[str], *, essential: bool) -> dict[str, Any]:
    """The `claims` parameter as the authorization endpoint stores it (parsed, then to_json)."""
    member: dict[str, Any] = {"values": values}
    if essential:
        member["essential"] = True
    return parse_claims_parameter(json.dumps({"id_token": {"acr": member}})).to_json()


def make_request(
    *,
    requested: TrustLevel | None,
    mode: str,
    prompt: list[str],
    vocabulary: str = "eidas",
    acr_values: list[str] | None = None,
    claims: dict[str, Any] | None = None,
    max_age: int | None = None,
) -> AuthorizationRequest:
    if claims is None:
        claims = {}
        if requested is not None and mode != "voluntary-acr_values":
            claims = acr_claims([acr.render(requested, vocabulary)], essential=mode == "essential")
    if acr_values is None:
        acr_values = []
        if requested is not None and mode == "voluntary-acr_values":
            acr_values = [acr.render(requested, vocabulary)]
    request = AuthorizationRequest(
        client_id="client-1",
        redirect_uri=REDIRECT_URI,
        scopes=list(SCOPES),
        state=STATE,
        nonce="nonce-1",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        prompt=prompt,
        max_age=max_age,
        acr_values=acr_values,
        claims=claims,
    )
    # the request waits server-side as JSON while the user logs in (PendingAuthorization)
    return AuthorizationRequest.from_json(json.loads(json.dumps(request.to_json())))


def make_session(level: TrustLevel | None, *, auth_time: datetime = NOW) -> ActiveSession | None:
    if level is None:
        return None
    return ActiveSession("sid-1", "account-1", level, ("pwd",), auth_time)


def covering_consent() -> Consent:
    return Consent(account_id="account-1", client_id="client-1", scopes=list(SCOPES), claims=[])


def run(
    request: AuthorizationRequest,
    session: ActiveSession | None,
    means: StepUpMeans,
    *,
    declined: bool = False,
    consent: Consent | None = None,
    logged_in_during_request: bool = False,
) -> Decision:
    return decide(
        request=request,
        session=session,
        consent=consent if consent is not None else covering_consent(),
        logged_in_during_request=logged_in_during_request,
        now=NOW,
        means=means,
        step_up_declined=declined,
    )


def assert_error(excinfo: pytest.ExceptionInfo[OAuthError], error: str) -> None:
    assert excinfo.value.error == error
    # RFC 6749 §4.1.2.1: the error goes back to the validated redirect URI with the state
    assert excinfo.value.redirect_uri == REDIRECT_URI
    assert excinfo.value.state == STATE


# -- the matrix, split by what DESIGN §4 expects -------------------------------------------------


@dataclass(frozen=True)
class Case:
    session: str
    requested: str
    mode: str
    prompt: str
    means: str

    @property
    def session_level(self) -> TrustLevel | None:
        return SESSION_LEVELS[self.session]

    @property
    def requested_level(self) -> TrustLevel | None:
        return REQUESTED_LEVELS[self.requested]

    @property
    def essential(self) -> bool:
        return self.mode == "essential"

    @property
    def silent(self) -> bool:
        return self.prompt == "prompt=none"

    @property
    def reachable(self) -> bool:
        level = self.requested_level
        return level is not None and level <= MEANS[self.means].reaches

    def category(self) -> str:
        if self.session_level is None:
            return "no-session"
        if self.requested_level is None or self.session_level >= self.requested_level:
            return "reached"
        if self.essential:
            return "essential-reachable" if self.reachable else "essential-unreachable"
        return "voluntary-reachable" if self.reachable else "voluntary-unreachable"

    def id(self) -> str:
        return (
            f"session={self.session}-asked={self.requested}-{self.mode}-{self.prompt}"
            f"-means={self.means}"
        )

    def request(self) -> AuthorizationRequest:
        return make_request(
            requested=self.requested_level, mode=self.mode, prompt=PROMPTS[self.prompt]
        )


ALL_CASES = [
    Case(*combination)
    for combination in itertools.product(SESSION_LEVELS, REQUESTED_LEVELS, MODES, PROMPTS, MEANS)
]


def cases(category: str) -> list[Any]:
    return [pytest.param(c, id=c.id()) for c in ALL_CASES if c.category() == category]


@pytest.mark.parametrize("case", cases("no-session"))
def test_oidc_core_3_1_2_1_without_session_login_comes_first_whatever_acr_is_asked(
    case: Case,
) -> None:
    if case.silent:
        with pytest.raises(OAuthError) as excinfo:
            run(case.request(), None, MEANS[case.means].means)
        assert_error(excinfo, "login_required")  # OIDC Core §3.1.2.6
    else:
        assert run(case.request(), None, MEANS[case.means].means) == Decision(Step.LOGIN)


@pytest.mark.parametrize("case", cases("reached"))
def test_oidc_core_5_5_1_1_acr_already_reached_needs_no_step_up(case: Case) -> None:
    decision = run(case.request(), make_session(case.session_level), MEANS[case.means].means)
    assert decision == Decision(Step.COMPLETE)


@pytest.mark.parametrize("case", cases("essential-reachable"))
def test_oidc_core_5_5_1_1_essential_acr_above_session_steps_up_or_is_interaction_required(
    case: Case,
) -> None:
    request, session = case.request(), make_session(case.session_level)
    if case.silent:
        with pytest.raises(OAuthError) as excinfo:
            run(request, session, MEANS[case.means].means)
        assert_error(excinfo, "interaction_required")
    else:
        decision = run(request, session, MEANS[case.means].means)
        assert decision == Decision(Step.STEP_UP, case.requested_level, essential=True)


@pytest.mark.parametrize("case", cases("essential-unreachable"))
def test_oidc_core_5_5_1_1_essential_acr_out_of_reach_is_unmet_authentication_requirements(
    case: Case,
) -> None:
    with pytest.raises(OAuthError) as excinfo:
        run(case.request(), make_session(case.session_level), MEANS[case.means].means)
    assert_error(excinfo, "login_required" if case.silent else "unmet_authentication_requirements")


@pytest.mark.parametrize("case", cases("voluntary-reachable"))
def test_oidc_core_3_1_2_1_acr_values_voluntary_reachable_offers_step_up_unless_prompt_none(
    case: Case,
) -> None:
    decision = run(case.request(), make_session(case.session_level), MEANS[case.means].means)
    if case.silent:
        assert decision == Decision(Step.COMPLETE)  # not reached, and no error
    else:
        assert decision == Decision(Step.STEP_UP, case.requested_level, essential=False)


@pytest.mark.parametrize("case", cases("voluntary-unreachable"))
def test_oidc_core_3_1_2_1_acr_values_voluntary_unreachable_proceeds_at_the_lower_level(
    case: Case,
) -> None:
    decision = run(case.request(), make_session(case.session_level), MEANS[case.means].means)
    assert decision == Decision(Step.COMPLETE)


def test_the_matrix_exercises_every_outcome() -> None:
    """Guard against an empty parametrisation: each category holds cases of both prompts."""
    for category in (
        "no-session",
        "reached",
        "essential-reachable",
        "essential-unreachable",
        "voluntary-reachable",
        "voluntary-unreachable",
    ):
        prompts = {c.prompt for c in ALL_CASES if c.category() == category}
        assert prompts == set(PROMPTS), category
    assert len(ALL_CASES) == 4 * 4 * 3 * 2 * 6


# -- step_up_declined -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session", "requested", "means"),
    [
        pytest.param(LOW, SUBSTANTIAL, "totp+identity_substantial", id="low-to-substantial"),
        pytest.param(LOW, HIGH, "eid", id="low-to-high"),
        pytest.param(SUBSTANTIAL, HIGH, "eid", id="substantial-to-high"),
    ],
)
@pytest.mark.parametrize("mode", ["voluntary-claim", "voluntary-acr_values"])
def test_oidc_core_3_1_2_1_acr_values_voluntary_step_up_declined_proceeds_without_it(
    session: TrustLevel, requested: TrustLevel, means: str, mode: str
) -> None:
    request = make_request(requested=requested, mode=mode, prompt=[])
    offered = run(request, make_session(session), MEANS[means].means)
    assert offered == Decision(Step.STEP_UP, requested, essential=False)
    declined = run(request, make_session(session), MEANS[means].means, declined=True)
    assert declined == Decision(Step.COMPLETE)


@pytest.mark.parametrize(
    ("session", "requested", "means"),
    [
        pytest.param(LOW, SUBSTANTIAL, "totp+identity_substantial", id="low-to-substantial"),
        pytest.param(LOW, HIGH, "eid", id="low-to-high"),
        pytest.param(SUBSTANTIAL, HIGH, "eid", id="substantial-to-high"),
    ],
)
def test_oidc_core_5_5_1_1_essential_acr_step_up_cannot_be_declined(
    session: TrustLevel, requested: TrustLevel, means: str
) -> None:
    request = make_request(requested=requested, mode="essential", prompt=[])
    decision = run(request, make_session(session), MEANS[means].means, declined=True)
    assert decision == Decision(Step.STEP_UP, requested, essential=True)


def test_oidc_core_5_5_1_1_essential_acr_declined_and_unreachable_is_still_unmet() -> None:
    request = make_request(requested=HIGH, mode="essential", prompt=[])
    with pytest.raises(OAuthError) as excinfo:
        run(request, make_session(LOW), MEANS["totp+identity_substantial"].means, declined=True)
    assert_error(excinfo, "unmet_authentication_requirements")


# -- how the level is read from the request --------------------------------------------------------


def test_oidc_core_3_1_2_1_acr_values_the_lowest_listed_level_is_the_one_stepped_up_to() -> None:
    """acr_values lists acceptable values: the least of them is what must be reached."""
    request = make_request(
        requested=None,
        mode="voluntary-acr_values",
        prompt=[],
        acr_values=[acr.render(HIGH), acr.render(SUBSTANTIAL)],
    )
    decision = run(request, make_session(LOW), MEANS["eid"].means)
    assert decision == Decision(Step.STEP_UP, SUBSTANTIAL, essential=False)


def test_oidc_core_5_5_1_1_essential_acr_claim_wins_over_acr_values() -> None:
    request = make_request(
        requested=None,
        mode="essential",
        prompt=[],
        acr_values=[acr.render(HIGH)],
        claims=acr_claims([acr.render(SUBSTANTIAL)], essential=True),
    )
    decision = run(request, make_session(LOW), MEANS["eid"].means)
    assert decision == Decision(Step.STEP_UP, SUBSTANTIAL, essential=True)


@pytest.mark.parametrize("vocabulary", ["eidas", "stork", "bsi"])
def test_oidc_core_5_5_1_1_essential_acr_in_every_vocabulary_steps_up_alike(
    vocabulary: str,
) -> None:
    request = make_request(requested=HIGH, mode="essential", prompt=[], vocabulary=vocabulary)
    decision = run(request, make_session(SUBSTANTIAL), MEANS["eid"].means)
    assert decision == Decision(Step.STEP_UP, HIGH, essential=True)
    with pytest.raises(OAuthError) as excinfo:
        run(request, make_session(SUBSTANTIAL), MEANS["totp+identity_substantial"].means)
    assert_error(excinfo, "unmet_authentication_requirements")


def test_oidc_core_3_1_2_1_acr_values_unknown_only_are_ignored() -> None:
    request = make_request(
        requested=None, mode="voluntary-acr_values", prompt=[], acr_values=["urn:example:loa:9"]
    )
    assert run(request, make_session(LOW), MEANS["eid"].means) == Decision(Step.COMPLETE)


def test_oidc_core_5_5_1_1_essential_acr_with_only_unknown_values_cannot_be_met() -> None:
    request = make_request(
        requested=None,
        mode="essential",
        prompt=[],
        claims=acr_claims(["urn:example:loa:9"], essential=True),
    )
    with pytest.raises(OAuthError) as excinfo:
        run(request, make_session(HIGH), MEANS["eid"].means)
    assert_error(excinfo, "unmet_authentication_requirements")


# -- order: login → step-up → consent ------------------------------------------------------------


def test_oidc_core_3_1_2_1_prompt_login_comes_before_the_step_up() -> None:
    request = make_request(requested=HIGH, mode="essential", prompt=["login"])
    session = make_session(LOW)
    assert run(request, session, MEANS["eid"].means) == Decision(Step.LOGIN)
    after_login = run(request, session, MEANS["eid"].means, logged_in_during_request=True)
    assert after_login == Decision(Step.STEP_UP, HIGH, essential=True)


def test_oidc_core_3_1_2_1_max_age_exceeded_comes_before_the_step_up() -> None:
    request = make_request(requested=SUBSTANTIAL, mode="essential", prompt=[], max_age=60)
    old = make_session(LOW, auth_time=NOW - timedelta(seconds=61))
    assert run(request, old, MEANS["eid"].means) == Decision(Step.LOGIN)


def test_oidc_core_3_1_2_1_consent_follows_a_reached_or_skipped_level() -> None:
    voluntary = make_request(requested=HIGH, mode="voluntary-acr_values", prompt=[])
    no_consent = decide(
        request=voluntary,
        session=make_session(LOW),
        consent=None,
        logged_in_during_request=False,
        now=NOW,
        means=MEANS["nothing"].means,
    )
    assert no_consent == Decision(Step.CONSENT)
    silent = make_request(requested=HIGH, mode="voluntary-acr_values", prompt=["none"])
    with pytest.raises(OAuthError) as excinfo:
        decide(
            request=silent,
            session=make_session(LOW),
            consent=None,
            logged_in_during_request=False,
            now=NOW,
            means=MEANS["eid"].means,
        )
    assert_error(excinfo, "consent_required")


def test_oidc_core_5_5_1_1_an_unmet_essential_acr_is_reported_before_missing_consent() -> None:
    request = make_request(requested=HIGH, mode="essential", prompt=[])
    with pytest.raises(OAuthError) as excinfo:
        decide(
            request=request,
            session=make_session(LOW),
            consent=None,
            logged_in_during_request=False,
            now=NOW,
            means=MEANS["nothing"].means,
        )
    assert_error(excinfo, "unmet_authentication_requirements")


def test_decide_without_means_can_reach_nothing_above_the_session() -> None:
    request = make_request(requested=SUBSTANTIAL, mode="essential", prompt=[])
    with pytest.raises(OAuthError) as excinfo:
        decide(
            request=request,
            session=make_session(LOW),
            consent=covering_consent(),
            logged_in_during_request=False,
            now=NOW,
        )
    assert_error(excinfo, "unmet_authentication_requirements")


# -- the means of a real account -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "with_totp", "eid", "expected"),
    [
        pytest.param((BASIC, BASIC, BASIC), None, False, StepUpMeans(), id="typed-identity"),
        pytest.param(
            (SUBSTANTIAL, SUBSTANTIAL, SUBSTANTIAL),
            "bound",
            False,
            StepUpMeans(totp=True, identity_substantial=True),
            id="letter-identity-with-totp",
        ),
        pytest.param(
            (SUBSTANTIAL, SUBSTANTIAL, SUBSTANTIAL),
            "unbound",
            False,
            StepUpMeans(totp=False, identity_substantial=True, totp_unbound=True),
            id="tr03160_4_3-letter-identity-with-unbound-totp",
        ),
        pytest.param(
            (HIGH, SUBSTANTIAL, BASIC),
            "bound",
            True,
            StepUpMeans(totp=True, identity_substantial=False, eid=True),
            id="weakest-core-attribute-decides",
        ),
    ],
)
def test_step_up_means_reads_identity_level_and_active_bound_totp(
    db: Session,
    clock: FixedClock,
    levels: tuple[TrustLevel, TrustLevel, TrustLevel],
    with_totp: str | None,
    eid: bool,
    expected: StepUpMeans,
) -> None:
    account = create_account(
        db, hashing=FAST_HASHING, now=clock.now(), email=None, password=None, attributes={}
    )
    for name, value, level in zip(
        ("given_name", "family_name", "birthdate"),
        ("Anna", "Schmitz", "1984-03-12"),
        levels,
        strict=True,
    ):
        set_attribute(
            db,
            account=account,
            name=name,
            value=value,
            level=level,
            source="test",
            now=clock.now(),
        )
    # a pending TOTP is not a means yet (TR-03160-1 §4.2); only the active one counts
    db.add(
        LoginMeans(account_id=account.id, kind="totp", state="pending", label="App", created_at=NOW)
    )
    if with_totp:
        db.add(
            LoginMeans(
                account_id=account.id,
                kind="totp",
                state="active",
                label="App",
                created_at=NOW,
                bound_at=NOW if with_totp == "bound" else None,
            )
        )
    db.flush()
    asks_high = make_request(requested=TrustLevel.HIGH, mode="essential", prompt=[])
    session = ActiveSession("sid-1", account.id, TrustLevel.LOW, ("pwd",), NOW)
    assert step_up_means(db, request=asks_high, session=session, eid_available=eid) == expected


def test_step_up_means_are_not_looked_up_when_the_session_suffices(db: Session) -> None:
    """The hot path: an authorization request the session already satisfies costs no lookup."""
    session = ActiveSession("sid-1", "no-such-account", TrustLevel.HIGH, ("hwk",), NOW)
    for requested in (None, TrustLevel.LOW, TrustLevel.HIGH):
        request = make_request(requested=requested, mode="essential", prompt=[])
        assert step_up_means(db, request=request, session=session, eid_available=True) is None
    asks_high = make_request(requested=TrustLevel.HIGH, mode="essential", prompt=[])
    assert step_up_means(db, request=asks_high, session=None, eid_available=True) is None
