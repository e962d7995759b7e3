"""The token a client presents to introspection (RFC 7662 §2.1) or revocation (RFC 7009 §2.1):
both endpoints take the same two parameters, `token` and the optional `token_type_hint`."""

from __future__ import annotations

from dataclasses import dataclass

MAX_TOKEN_LENGTH = 16 * 1024
"""Far longer than any access or refresh token this server issues."""


@dataclass(frozen=True)
class PresentedToken:
    token: str
    hint: str | None

    @classmethod
    def from_form(cls, form: dict[str, str]) -> PresentedToken:
        return cls(form.get("token", ""), form.get("token_type_hint"))

    @property
    def oversized(self) -> bool:
        """Longer than any token of ours: unknown without a database lookup."""
        return len(self.token) > MAX_TOKEN_LENGTH
