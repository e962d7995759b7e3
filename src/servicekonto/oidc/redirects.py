"""Exact redirect URI matching and authorization responses.

RFC 6749 §3.1.2 and RFC 9700 §4.1.3: redirect URIs are compared as exact strings. RFC 9207: every
authorization response, success or error (`oidc.errors.redirect_location`), carries `iss`.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit


def is_registered(uri: str, registered: tuple[str, ...]) -> bool:
    return uri in registered  # exact string comparison, nothing normalised


def with_query(uri: str, params: dict[str, str]) -> str:
    """Append parameters, keeping a query the client registered (§3.1.2: retained as is)."""
    parts = urlsplit(uri)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def success(redirect_uri: str, *, code: str, state: str | None, issuer: str) -> str:
    params = {"code": code}
    if state is not None:
        params["state"] = state
    params["iss"] = issuer
    return with_query(redirect_uri, params)
