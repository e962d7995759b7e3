"""The in-process register mock: a generated data set behind the `CivilRegister` port.

Embedded mode (DESIGN §3) answers register matches in-process from `generate()`; the same class
backs the standalone `servicekonto register-mock serve`. The index is keyed by (normalised family
name, birth date) and also by (normalised birth name, birth date), so a person who typed either
name is found; the few candidates under one key are then filtered by the given-name subset rule
and the normalised address (postal code, street, house number — not the locality). That keeps a
match at a dictionary lookup plus a handful of comparisons, well below the 2 ms median DESIGN §10
asks for at a million residents.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date

from servicekonto.register.model import AMBIGUOUS, NO_MATCH, MatchResult, PersonQuery, Resident
from servicekonto.register.normalise import (
    address_key,
    given_names_match,
    normalise_name,
)
from servicekonto.register.port import CivilRegister
from servicekonto.sim.register_data import gc_paused, generate

_Key = tuple[str, date]


class InMemoryRegister(CivilRegister):
    """A read-only register over a list of residents; safe to share between threads."""

    def __init__(self, residents: Iterable[Resident]) -> None:
        with gc_paused():
            self._build(residents)

    def _build(self, residents: Iterable[Resident]) -> None:
        index: dict[_Key, list[Resident]] = {}
        names: dict[str, str] = {}  # the data set repeats few names; normalise each once
        count = 0
        for resident in residents:
            count += 1
            family = names.get(resident.family_name)
            if family is None:
                family = names[resident.family_name] = normalise_name(resident.family_name)
            index.setdefault((family, resident.birth_date), []).append(resident)
            if resident.birth_name is not None:
                birth = names.get(resident.birth_name)
                if birth is None:
                    birth = names[resident.birth_name] = normalise_name(resident.birth_name)
                if birth != family:
                    index.setdefault((birth, resident.birth_date), []).append(resident)
        self._index: dict[_Key, tuple[Resident, ...]] = {
            key: tuple(candidates) for key, candidates in index.items()
        }
        self._size = count

    def __len__(self) -> int:
        return self._size

    def match(self, query: PersonQuery) -> MatchResult:
        """`match` when exactly one record fits name, given names, birth date and address."""
        candidates = self._index.get((normalise_name(query.family_name), query.birth_date))
        if not candidates:
            return NO_MATCH
        wanted = address_key(query.street, query.house_number, query.postal_code)
        hits = [
            resident
            for resident in candidates
            if given_names_match(query.given_names, resident.given_names)
            and address_key(
                resident.address.street,
                resident.address.house_number,
                resident.address.postal_code,
            )
            == wanted
        ]
        if len(hits) == 1:
            return MatchResult("match", hits[0])
        return NO_MATCH if not hits else AMBIGUOUS


_default: InMemoryRegister | None = None
_default_lock = threading.Lock()


def default_register() -> InMemoryRegister:
    """The embedded register (62,000 residents, default seed), built once per process.

    Built lazily under a lock: the first registration pays about half a second, concurrent
    first calls do not build it twice, and processes that never register pay nothing.
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = InMemoryRegister(generate())
    return _default
