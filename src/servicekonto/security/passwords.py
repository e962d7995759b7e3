"""Password hashing with argon2id (DESIGN §8) and the password policy.

OWASP's Password Storage Cheat Sheet gives m=19456 KiB, t=2, p=1 for argon2id.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_BYTES = 1024


class PasswordHashing:
    """argon2id hashing with the configured cost; `verify` also says when to rehash."""

    def __init__(self, memory_kib: int = 19456, time_cost: int = 2, parallelism: int = 1) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._dummy_lock = threading.Lock()
        self._dummy: str | None = None
        # At most one argon2id computation per core at a time: more cannot finish sooner, and
        # each holds `memory_kib` (19 MiB), so 40 pool threads hashing at once would ask for
        # 760 MiB per worker.
        self._slots = threading.BoundedSemaphore(len(os.sched_getaffinity(0)) or 1)

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> tuple[bool, bool]:
        """(matches, needs_rehash). Never raises for a wrong password or a corrupt hash."""
        if len(password.encode("utf-8")) > MAX_BYTES:
            return False, False
        try:
            with self._slots:
                self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, False
        return True, self._hasher.check_needs_rehash(stored_hash)

    def burn(self, password: str) -> None:
        """Spend one verification's time for an unknown user, so timing does not enumerate."""
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = self._hasher.hash("dummy password for timing equality")
            dummy = self._dummy
        self.verify(dummy, password[:MAX_BYTES])


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("servicekonto.security").joinpath("data/common-passwords.txt")
    return frozenset(line.strip().lower() for line in text.read_text("utf-8").splitlines() if line)


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Reasons a new password is refused (machine codes); empty when it is acceptable.

    NIST SP 800-63B: length over composition rules, no truncation, a blocklist of common ones.
    One Unicode code point counts as one character.
    """
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append("password_too_short")
    if len(password.encode("utf-8")) > MAX_BYTES:
        problems.append("password_too_long")
    lowered = password.lower()
    if lowered in _common_passwords() or (email and lowered == email.lower()):
        problems.append("password_too_common")
    return problems
