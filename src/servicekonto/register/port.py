"""The civil register port: the one question registration asks the Melderegister.

Every implementation must fail closed: when it cannot answer reliably it raises
`RegisterUnavailable`, and the caller tells the person to try again later instead of building an
account from unverified data (issue 3, item 1b).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from servicekonto.errors import ServiceKontoError
from servicekonto.register.model import MatchResult, PersonQuery


class RegisterUnavailable(ServiceKontoError):
    """The register did not answer in time or answered something unusable; retry later."""

    status = 503
    code = "register_unavailable"


@runtime_checkable
class CivilRegister(Protocol):
    """Matches typed person data against the register.

    Returns `match` with the register's record (its spelling and its address) when exactly one
    record fits, `no_match` when none does and `ambiguous` when several do. Implementations are
    safe to call from several threads and never log the query (it is personal data).
    """

    def match(self, query: PersonQuery) -> MatchResult:
        """Compare `query` with the register; raise `RegisterUnavailable` if that is impossible."""
        ...
