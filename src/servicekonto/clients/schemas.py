"""Client metadata at the edges (admin API, CLI), validated per RFC 7591 §2 and our policy."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

AuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]
Alg = Literal["ES256", "RS256", "PS256"]

_AUTHORIZATION_CODE: GrantType = "authorization_code"
#: Registers a machine client as a resource server that may introspect any access token.
RESOURCE_SERVER_SCOPE = "tokens:introspect"
#: Administrative and machine scopes (DESIGN §9): only ever in client-credentials tokens of
#: machine clients, so that no end-user token can carry them (besides every `admin:` scope).
MACHINE_SCOPES = frozenset(
    {"letters:dispatch", "postfach:deliver", "payments:request", RESOURCE_SERVER_SCOPE}
)
#: Machine scopes a client may also hold beside the code flow, when it has the
#: client_credentials grant too: a Fachverfahren deposits (`postfach:deliver`) for the people who
#: consented `postfach` to the very same client_id (issue 13). The authorization endpoint never
#: grants a machine scope, so they still appear in client-credentials tokens only.
DUAL_USE_SCOPES = frozenset({"postfach:deliver"})
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def is_machine_scope(scope: str) -> bool:
    return scope.startswith("admin:") or scope in MACHINE_SCOPES


def misplaced_machine_scopes(grant_types: list[str], scopes: list[str]) -> list[str]:
    """The machine scopes of a client that is not a machine client (one whose only grant is
    client_credentials): its code-flow tokens would carry them for an end user. A dual-use
    scope is allowed beside the code flow when the client also has client_credentials."""
    grants = set(grant_types)
    if grants == {"client_credentials"}:
        return []
    dual = "client_credentials" in grants
    return sorted(
        s for s in scopes if is_machine_scope(s) and not (dual and s in DUAL_USE_SCOPES)
    )


def check_redirect_uri(uri: str) -> str:
    """Absolute https (http only for loopback, RFC 8252 §7.3), no fragment, no user info."""
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http"):
        raise ValueError("redirect URIs must use https")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError("http redirect URIs are allowed for loopback hosts only")
    if not parts.netloc or parts.fragment or "#" in uri:
        raise ValueError("redirect URIs must be absolute and carry no fragment")
    if "@" in parts.netloc:
        raise ValueError("redirect URIs must not carry user information")
    if any(ch.isspace() for ch in uri) or len(uri) > 2000:
        raise ValueError("redirect URI is malformed")
    return uri


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    redirect_uris: list[str] = Field(default_factory=list, max_length=20)
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=20)
    grant_types: list[GrantType] = Field(default_factory=lambda: [_AUTHORIZATION_CODE])
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile", "email"])
    token_endpoint_auth_method: AuthMethod = "client_secret_basic"
    jwks: dict[str, list[dict[str, str]]] | None = None
    sector: str | None = Field(default=None, max_length=255)
    subject_type: Literal["pairwise", "public"] = "pairwise"
    backchannel_logout_uri: str | None = None
    id_token_signed_response_alg: Alg = "ES256"

    @field_validator("redirect_uris", "post_logout_redirect_uris")
    @classmethod
    def _uris(cls, value: list[str]) -> list[str]:
        return [check_redirect_uri(u) for u in value]

    @field_validator("backchannel_logout_uri")
    @classmethod
    def _bcl(cls, value: str | None) -> str | None:
        return check_redirect_uri(value) if value else None

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        for scope in value:
            if not scope or any(ch.isspace() or ch in '"\\' for ch in scope):
                raise ValueError("invalid scope token")
        return sorted(set(value))

    @model_validator(mode="after")
    def _consistent(self) -> ClientCreate:
        if "authorization_code" in self.grant_types and not self.redirect_uris:
            raise ValueError("authorization_code clients need at least one redirect URI")
        if "refresh_token" in self.grant_types and "authorization_code" not in self.grant_types:
            raise ValueError("refresh_token needs authorization_code")
        if self.token_endpoint_auth_method == "private_key_jwt" and not self.jwks:
            raise ValueError("private_key_jwt needs jwks")
        if self.token_endpoint_auth_method == "none" and "client_credentials" in self.grant_types:
            raise ValueError("public clients cannot use client_credentials")
        misplaced = misplaced_machine_scopes(list(self.grant_types), self.scopes)
        if misplaced:
            raise ValueError(
                f"scopes {' '.join(misplaced)} are reserved to clients whose only grant type is"
                " client_credentials (postfach:deliver: or that also have client_credentials)"
            )
        return self


class ClientView(BaseModel):
    """A client as the admin API shows it (never the secret or its digest)."""

    client_id: str
    name: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    grant_types: list[str]
    scopes: list[str]
    token_endpoint_auth_method: str
    sector: str
    subject_type: str
    backchannel_logout_uri: str | None
    id_token_signed_response_alg: str
    disabled: bool


class ClientCreated(ClientView):
    client_secret: str | None = Field(
        default=None, description="Shown once; only its digest is stored."
    )
