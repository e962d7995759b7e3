"""Password storage defaults (checklist C-05) and the password policy (DESIGN §8, NIST SP
800-63B §5.1.1.2) as pure rules; the login that uses them is tested on both backends in
tests/test_login_throttling.py."""

from __future__ import annotations

import pytest

from servicekonto.security.passwords import PasswordHashing, password_problems
from servicekonto.settings import Settings
from tests.support import PASSWORD
from tests.test_login_throttling import ARGON2_HASH, WRONG


def test_c05_default_argon2id_parameters_are_owasp() -> None:
    stored = PasswordHashing().hash(PASSWORD)
    match = ARGON2_HASH.match(stored)
    assert match, stored
    assert (match["m"], match["t"], match["p"]) == ("19456", "2", "1")
    assert len(match["salt"]) * 6 // 8 >= 16  # salt of at least 128 bits
    defaults = Settings(dev_mode=True)
    assert (defaults.argon2_memory_kib, defaults.argon2_time_cost) == (19456, 2)
    assert PasswordHashing().verify(stored, PASSWORD) == (True, False)
    assert PasswordHashing().verify(stored, WRONG) == (False, False)


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("Kurz-11Zeic", ["password_too_short"]),  # 11 characters
        ("Zwölf-Zeiche", []),  # 12 characters
        ("abcdefghijkl", ["password_too_common"]),
        ("ABCDEFGHIJKL", ["password_too_common"]),  # the list is case-insensitive
        ("password1234", ["password_too_common"]),
        ("fußball1234", ["password_too_short", "password_too_common"]),
        ("äöüßäöüßäöüß", []),  # 12 code points, 24 bytes
        ("äöüßäöüßäöü", ["password_too_short"]),  # 11 code points, 22 bytes: still too short
        ("😀" * 11, ["password_too_short"]),  # 44 bytes but 11 characters
        ("😀" * 12, []),
        ("ä" * 512, []),  # 1024 bytes
        ("ä" * 513, ["password_too_long"]),  # 1026 bytes, 513 characters
        ("x" * 1024, []),
        ("x" * 1025, ["password_too_long"]),
        ("Korrekt Pferd Batterie Heftklammer", []),  # spaces allowed, no composition rules
        ("korrektpferdbatterie", []),  # no composition rules
    ],
)
def test_password_policy(password: str, problems: list[str]) -> None:
    assert password_problems(password) == problems


def test_password_policy_refuses_the_email_as_password() -> None:
    email = "erika.mustermann@example.org"
    assert password_problems("Erika.Mustermann@Example.org", email=email) == ["password_too_common"]
    assert password_problems("erika.mustermann@example.org!", email=email) == []
