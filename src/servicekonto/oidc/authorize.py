"""The authorization endpoint's request validation (RFC 6749 §4.1.1, OIDC Core §3.1.2.1/§3.1.2.2).

An ordered list of small checks. The first two (client, redirect URI) fail with an error *page*;
nothing is redirected before the redirect URI is known to be registered (RFC 6749 §4.1.2.1).
Everything after that fails with a redirect carrying `error`, `state` and `iss`.
"""

from __future__ import annotations

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
from servicekonto.oidc.provider import Provider
from servicekonto.oidc.redirects import AuthorizationResponseError, is_registered
from servicekonto.oidc.tokens import subject_for

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


def validate(client: ClientInfo, p: dict[str, str]) -> AuthorizationRequest:
    """The checks after the redirect URI is trusted; failures redirect back with `error`."""
    redirect_uri, state = p["redirect_uri"], p.get("state")

    def fail(error: str, description: str) -> AuthorizationResponseError:
        return AuthorizationResponseError(
            error,
            description,
            redirect_uri=redirect_uri,
            state=state if state is not None and len(state) <= MAX_STATE else None,
        )

    if state is not None and len(state) > MAX_STATE:
        raise fail("invalid_request", "state too long")
    if "request" in p:
        raise fail("request_not_supported", "request objects are not supported")
    if "request_uri" in p:
        raise fail("request_uri_not_supported", "request_uri is not supported")
    if not p.get("response_type"):  # RFC 6749 §4.1.2.1: a missing parameter is invalid_request
        raise fail("invalid_request", "response_type is required")
    if p.get("response_type") != "code":
        raise fail("unsupported_response_type", "only response_type=code is supported")
    if p.get("response_mode", "query") != "query":
        raise fail("invalid_request", "only response_mode=query is supported")
    if "authorization_code" not in client.grant_types:
        raise fail("unauthorized_client", "client may not use the authorization code flow")
    scopes = p.get("scope", "").split()
    if not scopes:
        raise fail("invalid_scope", "scope is required")
    # Machine scopes never go into an end user's token, even for a client registered with
    # them before registration refused that.
    unknown = [s for s in scopes if s not in client.scopes or is_machine_scope(s)]
    if unknown:
        raise fail("invalid_scope", "scope not allowed for this client")
    try:
        challenge = pkce.check_challenge(p.get("code_challenge"), p.get("code_challenge_method"))
    except OAuthError as exc:
        raise fail(exc.error, exc.description) from exc
    prompt = p.get("prompt", "").split()
    if any(v not in PROMPTS for v in prompt):
        raise fail("invalid_request", "unknown prompt value")
    if "none" in prompt and len(prompt) > 1:
        raise fail("invalid_request", "prompt=none cannot be combined")
    max_age: int | None = None
    if "max_age" in p:
        if not p["max_age"].isdigit() or len(p["max_age"]) > 9:
            raise fail("invalid_request", "max_age must be a non-negative integer")
        max_age = int(p["max_age"])
    nonce = p.get("nonce")
    if nonce is not None and len(nonce) > MAX_NONCE:
        raise fail("invalid_request", "nonce too long")
    try:
        # Checklist K-03: the `claims` parameter reaches no claim outside the registered scopes.
        claims = parse_claims_parameter(p.get("claims")).within(claims_for_scopes(client.scopes))
    except OAuthError as exc:
        raise fail(exc.error, exc.description) from exc
    if "offline_access" in scopes and "refresh_token" not in client.grant_types:
        scopes.remove("offline_access")  # OIDC Core §11: ignore what cannot be granted
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        prompt=prompt,
        max_age=max_age,
        acr_values=p.get("acr_values", "").split()[:10],
        claims=claims.to_json(),
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
