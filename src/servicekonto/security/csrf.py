"""CSRF protection for pages: a per-browser random cookie and a form token derived from it
(HMAC with a server key), plus an Origin check done by the web layer (OWASP CSRF Cheat Sheet,
"Signed Double-Submit Cookie").
"""

from __future__ import annotations

from servicekonto.security.secrets import derive_key, keyed_digest, random_token, same

#: Length of the random part of a browser-bound id (18 random bytes, base64url).
_BOUND_NONCE = 24


class CsrfTokens:
    def __init__(self, secret_key: str) -> None:
        self._key = derive_key(secret_key, "csrf")
        self._binding_key = derive_key(secret_key, "browser-binding")

    @staticmethod
    def new_cookie_value() -> str:
        return random_token(24)

    def form_token(self, cookie_value: str) -> str:
        return keyed_digest(self._key, cookie_value)

    def valid(self, cookie_value: str | None, form_token: str | None) -> bool:
        if not cookie_value or not form_token:
            return False
        return same(self.form_token(cookie_value), form_token)

    def bound_id(self, cookie_value: str) -> str:
        """A new random id that only the browser holding `cookie_value` can use: the random
        part followed by an HMAC of it and the cookie (a pending authorization's id, so its
        link opened in another browser leads nowhere)."""
        nonce = random_token(18)
        return nonce + self._binding(nonce, cookie_value)

    def is_bound(self, value: str, cookie_value: str | None) -> bool:
        if not cookie_value or len(value) <= _BOUND_NONCE:
            return False
        nonce, tag = value[:_BOUND_NONCE], value[_BOUND_NONCE:]
        return same(self._binding(nonce, cookie_value), tag)

    def _binding(self, nonce: str, cookie_value: str) -> str:
        return keyed_digest(self._binding_key, f"{nonce}.{cookie_value}")[:32]
