"""The authorization endpoint's request validation (RFC 6749 §4.1.1, OIDC Core §3.1.2.1/§3.1.2.2).

An ordered list of small checks. The first two (client, redirect URI) fail with an error *page*;
nothing is redirected before the redirect URI is known to be registered (RFC 6749 §4.1.2.1).
Everything after that fails with a redirect carrying `error`, `state` and `iss`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.clients.schemas import is_machine_scope
from servicekonto.clients.service import ClientInfo
from servicekonto.errors import InvalidRedirectTarget, OAuthError
from servicekonto.oidc import acr as acr_vocabulary
from servicekonto.oidc import jose, pkce
from servicekonto.oidc.claims import ClaimsParameter, claims_for_scopes, parse_claims_parameter
from servicekonto.oidc.minting import subject_for
from servicekonto.oidc.provider import Provider
from servicekonto.oidc.redirects import AuthorizationResponseError, is_registered

PROMPTS = frozenset({"none", "login", "consent", "select_account"})
MAX_STATE = 2048
MAX_NONCE = 512
SINGLE_VALUED = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "acr_values",
    "claims",
    "code_challenge",
    "code_challenge_method",
    "ui_locales",
    "login_hint",
    "response_mode",
    "display",
    "request",
    "request_uri",
)


@dataclass
class AuthorizationRequest:
    """A validated request, kept server-side while the user logs in and consents."""

    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str | None
    nonce: str | None
    code_challenge: str
    prompt: list[str] = field(default_factory=list)
    max_age: int | None = None
    acr_values: list[str] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)
    ui_locales: str | None = None
    login_hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuthorizationRequest:
        return cls(**data)

    @property
    def claims_parameter(self) -> ClaimsParameter:
        return ClaimsParameter.from_json(self.claims)

    def required_level(self) -> tuple[TrustLevel | None, bool, str]:
        """(lowest acceptable level, essential?, vocabulary) from `claims.id_token.acr` and
        `acr_values` (OIDC Core §5.5.1.1). The values are the claim's when it names any, else
        those of `acr_values`: a claim without values only asks for `acr` to be returned (it
        always is), so it never cancels a level asked through `acr_values`. Only the claim can
        make the level essential (`acr_values` alone are voluntary). A level of None with
        essential True: essential values that are all unknown here."""
        acr_claim = self.claims_parameter.id_token.get("acr")
        values = list(acr_claim.values) if acr_claim and acr_claim.values else self.acr_values
        essential = acr_claim.essential if acr_claim else False
        known = [p for p in (acr_vocabulary.parse(v) for v in values) if p is not None]
        if not known:
            # An essential acr made only of values we do not know can never be met
            # (OIDC Core §5.5.1.1); voluntary unknown values are simply ignored.
            return None, essential and bool(values), "eidas"
        return min(level for level, _ in known), essential, known[0][1]


def _single(params: list[tuple[str, str]]) -> dict[str, str]:
    """RFC 6749 §3.1: parameters must not appear more than once."""
    seen: dict[str, str] = {}
    for name, value in params:
        if name in seen and name in SINGLE_VALUED:
            raise OAuthError("invalid_request", f"parameter {name} repeated")
        seen[name] = value
    return seen


def resolve_client_and_redirect(
    db: Session, provider: Provider, params: list[tuple[str, str]]
) -> tuple[ClientInfo, dict[str, str]]:
    """Checks that must pass before anything may be redirected; failures render a page."""
    try:
        single = _single(params)
    except OAuthError as exc:
        raise InvalidRedirectTarget(exc.description) from exc
    client = provider.clients.get(db, single.get("client_id", ""))
    if client is None or client.disabled:
        raise InvalidRedirectTarget(
            "unknown client_id", reason=InvalidRedirectTarget.UNKNOWN_CLIENT
        )
    redirect_uri = single.get("redirect_uri", "")
    if not redirect_uri or not is_registered(redirect_uri, client.redirect_uris):
        raise InvalidRedirectTarget(
            "redirect_uri is not registered for this client",
            reason=InvalidRedirectTarget.REDIRECT_URI_NOT_REGISTERED,
        )
    return client, single


@dataclass
class _Draft:
    """A request while its checks run: the parameters, and the values checked so far."""

    client: ClientInfo
    params: dict[str, str]
    scopes: list[str] = field(default_factory=list)
    code_challenge: str = ""
    prompt: list[str] = field(default_factory=list)
    max_age: int | None = None
    claims: ClaimsParameter = field(default_factory=ClaimsParameter)

    def fail(self, error: str, description: str) -> AuthorizationResponseError:
        state = self.params.get("state")
        return AuthorizationResponseError(
            error,
            description,
            redirect_uri=self.params["redirect_uri"],
            # an overlong state is not echoed back (check_state refuses it)
            state=state if state is not None and len(state) <= MAX_STATE else None,
        )


def check_state(draft: _Draft) -> None:
    state = draft.params.get("state")
    if state is not None and len(state) > MAX_STATE:
        raise draft.fail("invalid_request", "state too long")


def check_request_object(draft: _Draft) -> None:
    """OIDC Core §6: request objects are optional and not offered (discovery says so)."""
    if "request" in draft.params:
        raise draft.fail("request_not_supported", "request objects are not supported")
    if "request_uri" in draft.params:
        raise draft.fail("request_uri_not_supported", "request_uri is not supported")


def check_response_type(draft: _Draft) -> None:
    response_type = draft.params.get("response_type")
    if not response_type:  # RFC 6749 §4.1.2.1: a missing parameter is invalid_request
        raise draft.fail("invalid_request", "response_type is required")
    if response_type != "code":
        raise draft.fail("unsupported_response_type", "only response_type=code is supported")


def check_response_mode(draft: _Draft) -> None:
    if draft.params.get("response_mode", "query") != "query":
        raise draft.fail("invalid_request", "only response_mode=query is supported")


def check_grant_type(draft: _Draft) -> None:
    if "authorization_code" not in draft.client.grant_types:
        raise draft.fail("unauthorized_client", "client may not use the authorization code flow")


def check_scope(draft: _Draft) -> None:
    scopes = draft.params.get("scope", "").split()
    if not scopes:
        raise draft.fail("invalid_scope", "scope is required")
    # Machine scopes never go into an end user's token, even for a client registered with
    # them before registration refused that.
    if any(s not in draft.client.scopes or is_machine_scope(s) for s in scopes):
        raise draft.fail("invalid_scope", "scope not allowed for this client")
    draft.scopes = scopes


def check_pkce(draft: _Draft) -> None:
    params = draft.params
    try:
        draft.code_challenge = pkce.check_challenge(
            params.get("code_challenge"), params.get("code_challenge_method")
        )
    except OAuthError as exc:
        raise draft.fail(exc.error, exc.description) from exc


def check_prompt(draft: _Draft) -> None:
    prompt = draft.params.get("prompt", "").split()
    if any(v not in PROMPTS for v in prompt):
        raise draft.fail("invalid_request", "unknown prompt value")
    if "none" in prompt and len(prompt) > 1:
        raise draft.fail("invalid_request", "prompt=none cannot be combined")
    draft.prompt = prompt


def check_max_age(draft: _Draft) -> None:
    max_age = draft.params.get("max_age")
    if max_age is None:
        return
    if not max_age.isdigit() or len(max_age) > 9:
        raise draft.fail("invalid_request", "max_age must be a non-negative integer")
    draft.max_age = int(max_age)


def check_nonce(draft: _Draft) -> None:
    nonce = draft.params.get("nonce")
    if nonce is not None and len(nonce) > MAX_NONCE:
        raise draft.fail("invalid_request", "nonce too long")


def check_claims(draft: _Draft) -> None:
    try:
        # Checklist K-03: the `claims` parameter reaches no claim outside the registered scopes.
        draft.claims = parse_claims_parameter(draft.params.get("claims")).within(
            claims_for_scopes(draft.client.scopes)
        )
    except OAuthError as exc:
        raise draft.fail(exc.error, exc.description) from exc


def check_offline_access(draft: _Draft) -> None:
    """OIDC Core §11: `offline_access` a client cannot be granted is ignored, not refused."""
    if "offline_access" in draft.scopes and "refresh_token" not in draft.client.grant_types:
        draft.scopes.remove("offline_access")


#: In this order: the first failing check gives the error (the protocol tests pin which).
CHECKS: tuple[Callable[[_Draft], None], ...] = (
    check_state,
    check_request_object,
    check_response_type,
    check_response_mode,
    check_grant_type,
    check_scope,
    check_pkce,
    check_prompt,
    check_max_age,
    check_nonce,
    check_claims,
    check_offline_access,
)


def validate(client: ClientInfo, p: dict[str, str]) -> AuthorizationRequest:
    """The checks after the redirect URI is trusted; failures redirect back with `error`."""
    draft = _Draft(client, p)
    for check in CHECKS:
        check(draft)
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=p["redirect_uri"],
        scopes=draft.scopes,
        state=p.get("state"),
        nonce=p.get("nonce"),
        code_challenge=draft.code_challenge,
        prompt=draft.prompt,
        max_age=draft.max_age,
        acr_values=p.get("acr_values", "").split()[:10],
        claims=draft.claims.to_json(),
        ui_locales=(p.get("ui_locales") or None),
        login_hint=(p.get("login_hint") or None),
    )


def hint_contradicts_session(
    provider: Provider, client: ClientInfo, hint: str | None, account_id: str
) -> bool:
    """OIDC Core §3.1.2.1 `id_token_hint`: the client expects this person. True when a hint was
    sent that is not an ID token we issued to this client for the signed-in account (forged,
    someone else's, another client's); then the signed-in session must not answer for it.
    An expired hint is fine: it names a person, it proves nothing."""
    if not hint:
        return False
    try:
        claims = jose.verify_own(provider.keys, hint)
    except jose.InvalidJwt:
        return True
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    return (
        claims.get("iss") != provider.issuer
        or client.client_id not in audiences
        or claims.get("sub") != subject_for(provider, client, account_id)
    )
