"""The synthetic Melderegister: deterministic per seed, plausible for Landkreis Cochem-Zell."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from servicekonto.register.model import Resident
from servicekonto.sim.register_data import (
    DEFAULT_RESIDENTS,
    MUNICIPALITIES,
    REFERENCE_DATE,
    TEST_PERSONS,
    generate,
)

ROOT = Path(__file__).resolve().parents[2]


def digest(residents: Sequence[Resident]) -> str:
    """A stable fingerprint: the dataclass reprs are fully determined by the field values."""
    h = hashlib.sha256()
    for resident in residents:
        h.update(repr(resident).encode())
        h.update(b"\n")
    return h.hexdigest()


@pytest.fixture(scope="module")
def residents() -> list[Resident]:
    return generate()


def test_same_seed_gives_the_same_residents(residents: list[Resident]) -> None:
    again = generate()
    assert digest(again[:1000]) == digest(residents[:1000])
    assert digest(again) == digest(residents)
    assert again == residents


def test_smaller_registers_are_prefixes(residents: list[Resident]) -> None:
    """`register-mock sample --n N` persons exist in every larger register of the same seed."""
    assert digest(generate(1000)) == digest(residents[:1000])
    assert generate(12) == residents[:12]


def test_the_data_does_not_depend_on_the_process() -> None:
    """No hash() or set order sneaks in: other hash seeds, other processes, same residents."""
    script = (
        "import hashlib; from servicekonto.sim.register_data import generate\n"
        "h = hashlib.sha256()\n"
        "for r in generate(3000): h.update(repr(r).encode() + b'\\n')\n"
        "print(h.hexdigest())"
    )
    outputs = set()
    for hash_seed in ("1", "4242"):
        env = os.environ | {"PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
            timeout=60, check=True,
        )
        outputs.add(done.stdout.strip())
    assert outputs == {digest(generate(3000))}


def test_another_seed_gives_other_residents(residents: list[Resident]) -> None:
    other = generate(2000, seed=1)
    assert other[: len(TEST_PERSONS)] == list(TEST_PERSONS)
    assert digest(other[len(TEST_PERSONS) :]) != digest(residents[len(TEST_PERSONS) : 2000])
    assert {r.record_id for r in other[len(TEST_PERSONS) :]}.isdisjoint(
        r.record_id for r in residents[:2000]
    )


@pytest.mark.parametrize("n", [0, 1, 5, len(TEST_PERSONS), len(TEST_PERSONS) + 1, 100, 2001])
def test_counts(n: int) -> None:
    assert len(generate(n)) == n


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        generate(-1)


def test_default_size_and_unique_record_ids(residents: list[Resident]) -> None:
    assert len(residents) == DEFAULT_RESIDENTS == 62_000
    ids = [r.record_id for r in residents]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("07135-") and len(i) == 18 for i in ids)


def test_documented_test_persons_come_first(residents: list[Resident]) -> None:
    assert residents[: len(TEST_PERSONS)] == list(TEST_PERSONS)
    anna = TEST_PERSONS[0]
    assert (anna.given_names, anna.family_name, anna.birth_date) == (
        "Anna Maria", "Schmitz", date(1984, 3, 12),
    )
    assert (anna.address.street, anna.address.house_number, anna.address.postal_code) == (
        "Moselpromenade", "12", "56812",
    )
    names = [f"{p.given_names} {p.family_name}" for p in TEST_PERSONS]
    assert "Jürgen Weißmüller" in names  # umlaut and ß
    assert "Marie-Luise Schneider-Hoffmann" in names  # hyphenated given and family name
    assert "Friedrich von der Heyden" in names  # particle
    assert names.count("Thomas Becker") == 2  # namesakes born the same day, two addresses
    assert "Johann Peter Matthias Thelen" in names  # three given names


def test_municipalities_and_postal_codes_are_those_of_the_kreis(
    residents: list[Resident],
) -> None:
    known = {(m.name, m.postal_code) for m in MUNICIPALITIES}
    assert {("Cochem", "56812"), ("Zell (Mosel)", "56856"), ("Kaisersesch", "56759"),
            ("Ulmen", "56766"), ("Treis-Karden", "56253")} <= known
    places = Counter((r.address.locality, r.address.postal_code) for r in residents)
    assert set(places) == known  # every municipality is inhabited, no other place is
    assert all(r.address.country == "DE" for r in residents)
    assert all(len(code) == 5 and code.startswith("56") for _, code in places)
    assert places.most_common(1)[0][0] == ("Cochem", "56812")


def test_plausible_people(residents: list[Resident]) -> None:
    n = len(residents)
    given_counts = Counter(len(r.given_names.split()) for r in residents)
    assert 0.15 < given_counts[2] / n < 0.35
    assert 0.01 < given_counts[3] / n < 0.08
    assert 0.08 < sum(r.birth_name is not None for r in residents) / n < 0.40
    assert all(r.birth_name != r.family_name for r in residents)
    assert sum("-" in r.family_name for r in residents) > 200  # double names
    assert sum(r.family_name.startswith(("von ", "van ", "de ", "zur ", "vom "))
               for r in residents) > 50
    assert sum(any(c in r.family_name for c in "äöüß") for r in residents) > 0.05 * n
    assert sum("-" in r.given_names for r in residents) > 200
    assert 0.85 < sum(r.nationality == "DE" for r in residents) / n < 0.96
    sexes = Counter(r.sex for r in residents)
    assert set(sexes) <= {"female", "male", "diverse"}
    assert 0.45 < sexes["female"] / n < 0.55
    oldest = date(REFERENCE_DATE.year - 102, 1, 1)
    assert all(oldest < r.birth_date < REFERENCE_DATE for r in residents)
    assert all(r.place_of_birth and r.given_names and r.family_name for r in residents)
    assert all(r.address.street and r.address.house_number[0].isdigit() for r in residents)
    assert sum(r.address.house_number[-1].isalpha() for r in residents) > 0.02 * n


def test_families_share_their_address(residents: list[Resident]) -> None:
    by_address = Counter((r.address, r.family_name) for r in residents)
    shared = sum(count for count in by_address.values() if count > 1)
    assert shared / len(residents) > 0.3
    # children live with parents: a minor always shares the address with an adult
    adults_at = {r.address for r in residents if (REFERENCE_DATE - r.birth_date).days > 18 * 366}
    minors = [r for r in residents if (REFERENCE_DATE - r.birth_date).days < 17 * 365]
    assert minors and all(m.address in adults_at for m in minors)
