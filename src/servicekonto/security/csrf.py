"""CSRF protection for pages: a per-browser random cookie and a form token derived from it
(HMAC with a server key), plus an Origin check done by the web layer (OWASP CSRF Cheat Sheet,
"Signed Double-Submit Cookie").
"""

from __future__ import annotations

from servicekonto.security.secrets import derive_key, keyed_digest, random_token, same


class CsrfTokens:
    def __init__(self, secret_key: str) -> None:
        self._key = derive_key(secret_key, "csrf")

    @staticmethod
    def new_cookie_value() -> str:
        return random_token(24)

    def form_token(self, cookie_value: str) -> str:
        return keyed_digest(self._key, cookie_value)

    def valid(self, cookie_value: str | None, form_token: str | None) -> bool:
        if not cookie_value or not form_token:
            return False
        return same(self.form_token(cookie_value), form_token)
