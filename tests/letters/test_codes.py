"""Activation codes (DESIGN §8; checklist L-01): from `secrets`, ≥ 50 bits, readable, grouped."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from servicekonto.letters import codes
from servicekonto.letters.codes import (
    ALPHABET,
    format_code,
    is_well_formed,
    new_activation_code,
    normalise_code,
)

GROUPED = re.compile(
    r"[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}){2}"
)


def test_alphabet_is_readable_and_unique() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    for confusable in "0O1ILU":
        assert confusable not in ALPHABET
    assert ALPHABET.upper() == ALPHABET


def test_code_has_at_least_50_bits() -> None:
    assert codes.LENGTH * math.log2(len(ALPHABET)) >= 50
    assert pytest.approx(58.88, abs=0.01) == codes.BITS


def test_codes_are_grouped_in_three_blocks_of_four() -> None:
    for _ in range(200):
        code = new_activation_code()
        assert GROUPED.fullmatch(code), code
        assert len(normalise_code(code)) == 12


def test_codes_do_not_repeat() -> None:
    assert len({new_activation_code() for _ in range(2000)}) == 2000


def test_characters_are_uniform_chi_square() -> None:
    """Checklist L-01: a chi-square test over 10,000 codes (29 degrees of freedom)."""
    counts = Counter("".join(normalise_code(new_activation_code()) for _ in range(10_000)))
    assert set(counts) <= set(ALPHABET)
    expected = 10_000 * 12 / len(ALPHABET)
    chi2 = sum((counts.get(ch, 0) - expected) ** 2 / expected for ch in ALPHABET)
    # The 99.9999 % quantile of χ²(29) is about 79; a fair generator essentially never exceeds it.
    assert chi2 < 80, chi2


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("7KQ3-M9XT-2HWB", "7KQ3M9XT2HWB"),
        ("7kq3-m9xt-2hwb", "7KQ3M9XT2HWB"),
        (" 7KQ3 M9XT 2HWB ", "7KQ3M9XT2HWB"),
        ("7KQ3–M9XT—2HWB", "7KQ3M9XT2HWB"),  # en and em dash from word processors
        ("7KQ3\tM9XT\n2HWB", "7KQ3M9XT2HWB"),
        ("7kq3m9xt2hwb", "7KQ3M9XT2HWB"),
        ("7KQ3_M9XT.2HWB", "7KQ3M9XT2HWB"),
    ],
)
def test_normalise_removes_separators_and_folds_case(typed: str, normalised: str) -> None:
    assert normalise_code(typed) == normalised
    assert is_well_formed(normalised)


def test_normalise_does_not_map_look_alikes() -> None:
    """O is not silently turned into 0 (neither is in the alphabet): the code stays wrong."""
    assert normalise_code("OKQ3-M9XT-2HWB") == "OKQ3M9XT2HWB"
    assert not is_well_formed("OKQ3M9XT2HWB")


@pytest.mark.parametrize(
    "candidate", ["", "7KQ3M9XT2HW", "7KQ3M9XT2HWBX", "7KQ3M9XT2HW0", "7KQ3M9XT2HWÄ", "a" * 12]
)
def test_malformed_codes_are_recognised(candidate: str) -> None:
    assert not is_well_formed(candidate)


def test_normalise_caps_hostile_length() -> None:
    assert len(normalise_code("A" * 100_000)) == 64


def test_format_code_round_trips() -> None:
    code = new_activation_code()
    assert format_code(normalise_code(code)) == code
