"""Activation codes for PIN letters (DESIGN §8, checklist L-01).

A code is 12 characters drawn with `secrets` from a 30-character alphabet: the digits 2–9 and the
capital letters without I, L, O and U. Nothing in it can be misread (0/O, 1/I/L) and no accidental
words appear (U, as in Crockford's Base32). 12 × log2(30) ≈ 58.9 bits: far above the ≥ 50 bits of
DESIGN §8 and the ≥ 30 bits the checklist asks for, so the 3-attempt limit is not the only defence.
It is printed in three groups of four, ``7KQ3-M9XT-2HWB``, which people copy without losing their
place.
"""

from __future__ import annotations

import math
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
GROUP = 4
#: Entropy of one code in bits (≈ 58.9).
BITS = LENGTH * math.log2(len(ALPHABET))

#: What a person may type between or around the characters: spaces and dashes of any kind.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
_WELL_FORMED = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_activation_code() -> str:
    """A fresh code, grouped for printing (``XXXX-XXXX-XXXX``)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    """Insert the group separators into a normalised code."""
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalise_code(text: str) -> str:
    """The canonical form that is hashed and compared: separators removed, upper case.

    Only spaces, hyphens/dashes, underscores and dots are dropped, and case is folded. Look-alike
    characters are deliberately *not* mapped (O→0, I→1 …): none of them is in the alphabet, so a
    code containing one is simply wrong, and silently rewriting input would hide that.
    The result is capped at 64 characters so hostile input cannot inflate the hash work.
    """
    return _SEPARATORS.sub("", text).upper()[:64]


def is_well_formed(normalised: str) -> bool:
    """True when a normalised code has the right length and alphabet (could be a real code).

    Lets forms tell a typo in the format apart before an attempt is spent; a malformed code can
    never match, so refusing it early gives an attacker nothing.
    """
    return _WELL_FORMED.fullmatch(normalised) is not None
