"""Subject identifiers (OpenID Connect Core 1.0 §8): pairwise per sector by default (§8.1),
an HMAC of sector and account id under a server key, so subjects cannot be linked across
sectors nor reversed to the account id.
"""

from __future__ import annotations

from servicekonto.security.secrets import derive_key, keyed_digest


class SubjectIds:
    def __init__(self, secret_key: str) -> None:
        self._key = derive_key(secret_key, "pairwise-subject")

    def subject(self, *, account_id: str, sector: str, subject_type: str = "pairwise") -> str:
        if subject_type == "public":
            return account_id
        return keyed_digest(self._key, f"{sector}\x00{account_id}")
