"""Scopes, the `claims` request parameter (OpenID Connect Core 1.0 §5.4, §5.5) and the release of
identity claims (DESIGN §4: an attribute is released at min(attribute level, session level)).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from servicekonto.accounts.service import IDENTITY_ATTRIBUTES, AttributeValue
from servicekonto.errors import InvalidRequest

#: OIDC Core §5.4, plus German identity attributes of TR-03160-2 under `profile`.
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    # Every identity attribute but the address, which has its own scope.
    "profile": tuple(name for name in IDENTITY_ATTRIBUTES if name != "address"),
    "email": ("email", "email_verified"),
    "address": ("address",),
}
SUPPORTED_CLAIMS = frozenset(c for claims in SCOPE_CLAIMS.values() for c in claims) | {
    "sub",
    "acr",
    "amr",
    "auth_time",
}
STANDARD_SCOPES = ("openid", "profile", "email", "address", "offline_access")
#: Claims that are about the authentication, not the person; never subject to consent.
PROTOCOL_CLAIMS = frozenset({"sub", "acr", "amr", "auth_time"})
MAX_CLAIMS_PARAMETER = 8 * 1024
#: Claims that describe another claim; never a choice of their own on the consent page.
DEPENDENT_CLAIMS = {"email_verified": "email"}


@dataclass(frozen=True)
class ClaimRequest:
    essential: bool = False
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimsParameter:
    id_token: dict[str, ClaimRequest] = field(default_factory=dict)
    userinfo: dict[str, ClaimRequest] = field(default_factory=dict)
    #: Claims asked for inside `verified_claims` (OpenID Connect for Identity Assurance 1.0 §6)
    verified_id_token: tuple[str, ...] = ()
    verified_userinfo: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        def member(claims: dict[str, ClaimRequest]) -> dict[str, Any]:
            return {
                name: {"essential": r.essential, "values": list(r.values)}
                for name, r in claims.items()
            }

        return {
            "id_token": member(self.id_token),
            "userinfo": member(self.userinfo),
            "verified_id_token": list(self.verified_id_token),
            "verified_userinfo": list(self.verified_userinfo),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClaimsParameter:
        def member(raw: dict[str, Any]) -> dict[str, ClaimRequest]:
            return {
                name: ClaimRequest(bool(r.get("essential")), tuple(r.get("values", ())))
                for name, r in raw.items()
            }

        return cls(
            member(data.get("id_token", {})),
            member(data.get("userinfo", {})),
            tuple(data.get("verified_id_token", ())),
            tuple(data.get("verified_userinfo", ())),
        )

    def within(self, allowed: set[str]) -> ClaimsParameter:
        """Only the identity claims in `allowed` (the claims of the client's registered scopes,
        checklist K-03/V-01); the `claims` parameter never reaches beyond them. Claims about the
        authentication (`acr`, …) stay."""

        def keep(claims: dict[str, ClaimRequest]) -> dict[str, ClaimRequest]:
            return {n: r for n, r in claims.items() if n in allowed or n in PROTOCOL_CLAIMS}

        return ClaimsParameter(
            keep(self.id_token),
            keep(self.userinfo),
            tuple(n for n in self.verified_id_token if n in allowed),
            tuple(n for n in self.verified_userinfo if n in allowed),
        )

    def requested_identity_claims(self) -> set[str]:
        names = (
            set(self.id_token)
            | set(self.userinfo)
            | set(self.verified_id_token)
            | set(self.verified_userinfo)
        )
        return {n for n in names if n in SUPPORTED_CLAIMS and n not in PROTOCOL_CLAIMS}

    def essential_identity_claims(self) -> set[str]:
        return {
            n
            for part in (self.id_token, self.userinfo)
            for n, r in part.items()
            if r.essential and n in SUPPORTED_CLAIMS and n not in PROTOCOL_CLAIMS
        }


def _claim_request(name: str, raw: Any) -> ClaimRequest:
    if raw is None:
        return ClaimRequest()
    if not isinstance(raw, dict):
        raise InvalidRequest(f"claims: member {name} must be null or an object")
    values: list[str] = []
    if "value" in raw:
        values.append(str(raw["value"]))
    if "values" in raw:
        if not isinstance(raw["values"], list):
            raise InvalidRequest(f"claims: {name}.values must be an array")
        values.extend(str(v) for v in raw["values"])
    essential = raw.get("essential", False)
    if not isinstance(essential, bool):
        raise InvalidRequest(f"claims: {name}.essential must be a boolean")
    return ClaimRequest(essential, tuple(values))


def parse_claims_parameter(raw: str | None) -> ClaimsParameter:
    """Parse the `claims` parameter; unknown claims are ignored (§5.5), bad JSON is an error."""
    if not raw:
        return ClaimsParameter()
    if len(raw) > MAX_CLAIMS_PARAMETER:
        raise InvalidRequest("claims parameter too large")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidRequest("claims parameter is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("claims parameter must be a JSON object")
    parts: dict[str, dict[str, ClaimRequest]] = {"id_token": {}, "userinfo": {}}
    verified: dict[str, tuple[str, ...]] = {"id_token": (), "userinfo": ()}
    for target in ("id_token", "userinfo"):
        member = data.get(target, {})
        if not isinstance(member, dict):
            raise InvalidRequest(f"claims.{target} must be a JSON object")
        for name, request in member.items():
            if name == "verified_claims":
                verified[target] = _verified_claim_names(request)
            else:
                parts[target][str(name)[:64]] = _claim_request(name, request)
    return ClaimsParameter(
        parts["id_token"], parts["userinfo"], verified["id_token"], verified["userinfo"]
    )


def _verified_claim_names(request: Any) -> tuple[str, ...]:
    """OpenID Connect for Identity Assurance 1.0 §6: `verified_claims` with a `claims` object
    (one request object, or an array of them). Only the claim names matter to us."""
    requests = request if isinstance(request, list) else [request]
    names: list[str] = []
    for item in requests:
        if not isinstance(item, dict) or not isinstance(item.get("claims"), dict):
            raise InvalidRequest("verified_claims needs a claims object")
        if not isinstance(item.get("verification", {}), dict):
            raise InvalidRequest("verified_claims.verification must be an object")
        names.extend(str(n)[:64] for n in item["claims"] if n in SUPPORTED_CLAIMS)
    return tuple(dict.fromkeys(names))


def consent_choices(offered: set[str]) -> list[str]:
    """The claims a person chooses among (a dependent claim follows the claim it describes)."""
    return sorted(offered - set(DEPENDENT_CLAIMS))


def with_dependents(chosen: set[str], offered: set[str]) -> set[str]:
    return chosen | {d for d, main in DEPENDENT_CLAIMS.items() if main in chosen and d in offered}


def claims_for_scopes(scopes: Iterable[str]) -> set[str]:
    return {claim for scope in scopes for claim in SCOPE_CLAIMS.get(scope, ())}


def releasable(
    *,
    consented: Iterable[str],
    client_scopes: Iterable[str],
    grant_scopes: Iterable[str],
    token_scopes: Iterable[str],
) -> set[str]:
    """The consented claims a token may still carry or unlock.

    Only those within the client's registered scopes (checklist K-03), so a consent given
    before the client's scopes were narrowed, or one obtained around them, releases nothing
    beyond them. A token whose scope was narrowed at refresh (RFC 6749 §6) carries only the
    claims of its own scopes, including those the `claims` parameter named (checklist V-01)."""
    names = set(consented) & claims_for_scopes(client_scopes)
    dropped = set(grant_scopes) - set(token_scopes) - {"offline_access"}
    if dropped:
        names &= claims_for_scopes(token_scopes)
    return names


def release(
    *,
    names: set[str],
    attributes: dict[str, AttributeValue],
    email: str | None,
    email_verified: bool,
) -> dict[str, Any]:
    """Values of the consented claims the account has. Levels per claim travel in
    `verified_claims` (OpenID Connect for Identity Assurance), not in the plain claims.
    """
    out: dict[str, Any] = {}
    for name in sorted(names):
        if name == "email" and email:
            out["email"] = email
        elif name == "email_verified" and email and "email" in names:
            out["email_verified"] = email_verified
        elif name in attributes:
            out[name] = attributes[name].value
    return out
