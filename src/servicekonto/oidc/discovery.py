"""Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2, served as pre-rendered
bytes. Also advertises RFC 9207 (`authorization_response_iss_parameter_supported`)."""

from __future__ import annotations

import functools
import json
from typing import Any

from servicekonto.catalogue.service import FAVORITES_SCOPE
from servicekonto.oidc import acr
from servicekonto.oidc.claims import STANDARD_SCOPES, SUPPORTED_CLAIMS
from servicekonto.oidc.organisation_claims import ORGANIZATION_CLAIMS, ORGANIZATION_SCOPE
from servicekonto.postfach.recipients import POSTFACH_SCOPE
from servicekonto.security.keys import SIGNING_ALGS

#: Scopes beyond OIDC Core a person consents to (DESIGN §9); the machine scopes
#: (`postfach:deliver` …) are granted to clients by registration, never asked for, so not listed.
SERVICE_SCOPES = (ORGANIZATION_SCOPE, POSTFACH_SCOPE, FAVORITES_SCOPE)

ENDPOINTS = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/token",
    "userinfo_endpoint": "/userinfo",
    "jwks_uri": "/jwks",
    "introspection_endpoint": "/introspect",
    "revocation_endpoint": "/revoke",
    "end_session_endpoint": "/logout",
}


def metadata(issuer: str) -> dict[str, Any]:
    auth_methods = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
    return {
        "issuer": issuer,
        **{name: issuer + path for name, path in ENDPOINTS.items()},
        "scopes_supported": [*STANDARD_SCOPES, *SERVICE_SCOPES],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["pairwise", "public"],
        "id_token_signing_alg_values_supported": list(SIGNING_ALGS),
        "userinfo_signing_alg_values_supported": [],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGS),
        "introspection_endpoint_auth_methods_supported": auth_methods[:3],
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": sorted(
            SUPPORTED_CLAIMS
            | set(ORGANIZATION_CLAIMS)
            | {"iss", "aud", "exp", "iat", "nonce", "sid", "azp", "verified_claims"}
        ),
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "acr_values_supported": list(acr.ALL_VALUES),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "ui_locales_supported": ["de", "en"],
        "claim_types_supported": ["normal"],
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
    }


@functools.lru_cache(maxsize=8)
def metadata_bytes(issuer: str) -> bytes:
    """Rendered once per issuer (a process serves one), not on every request."""
    return json.dumps(metadata(issuer), separators=(",", ":")).encode()
