"""Normalisation for the register match (DESIGN §5).

People type their data in many spellings that the register would call the same: "MÜLLER" and
"Mueller", "Weiß" and "Weiss", "Müller-Lüdenscheidt" and "Müller Lüdenscheidt", "Bahnhofstr." and
"Bahnhofstraße", "12 a" and "12A". These pure functions map each field to a comparison key so that
such variants compare equal, while anything that could denote another person (a different
letter, a different house number, a missing name particle) still differs.

Rules, in order:

1. Unicode NFC, then `casefold` (handles "ẞ" and "ß" → "ss" as well).
2. German transliteration: ä→ae, ö→oe, ü→ue, ß→ss, so "Müller" equals the ASCII "Mueller".
   A plain "Muller" stays different: the register cannot tell it from another family.
3. Other accented letters are folded to their base letter via Unicode decomposition
   ("Gérard"→"gerard", "Wiśniewski"→"wisniewski"); letters that do not decompose get a small
   table (ł→l, ı→i, ø→oe, æ→ae, œ→oe, đ/ð→d, þ→th).
4. Hyphens, apostrophes, dots, commas and slashes separate words like spaces; whitespace is
   collapsed. Names are then sequences of tokens.
5. Name particles (von, van, de, zu, zur, der …) are kept as ordinary tokens: "von der Heyden" is
   not "Heyden", because the particle is part of the registered family name.

Given names: the register stores all of a person's given names; people often type only the one
they use. A query's given names match when its set of given-name tokens is a **non-empty subset**
of the record's tokens. So "Anna" matches "Anna Maria", "Maria Anna" matches "Anna Maria", but
"Anna Lena" does not match "Anna Maria". The subset rule is deliberately one-sided: the typed data
may omit names, never add some. It can make a query fit two records (twins "Lea Sophie" and "Mia
Sophie" queried as "Sophie"); the register then answers `ambiguous` and no letter is sent.

Streets: after the rules above, every word ending in "strasse" or "str" gets the suffix "str", a
standalone "st" (as in "St.-Martin-Str.") becomes "sankt", and the words are joined without
separators, so "Bahnhofstraße", "Bahnhofstr.", "Bahnhof-Str" and "Bahnhof Strasse" share one key.

House numbers: case, whitespace and a separator before a trailing letter are ignored ("12 a",
"12a", "12A", "12-a"); separators between numbers are unified to "-" ("12 - 14", "12–14",
"12/14"). Postal codes keep their digits only ("D-56812").

Street lines: an OIDC `street_address` ("Kirchstraße 7 a") holds street and house number in one
string; `split_street_address` takes them apart again for a new register query. The house number
is the trailing run of words that starts with a digit and holds only numbers, single letters and
separators ("7 a", "12 - 14", "3/1"), so "Straße des 17. Juni 5" keeps its "17." in the street.
"""

from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_UNDECOMPOSABLE = str.maketrans(
    {"ł": "l", "ı": "i", "ø": "oe", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th"}
)
# Characters that separate words: hyphens and dashes of every kind, apostrophes and their look-
# alikes, dots, commas, slashes, brackets. Everything becomes a space, then whitespace collapses.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―'’‘`´ʼ.,/()]+")
_HOUSE_NUMBER_LETTER = re.compile(r"(?<=\d)[\s\-‐‑–—/]*(?=[a-z]$)")
_HOUSE_NUMBER_RANGE = re.compile(r"\s*[\-‐‑–—/]\s*")
_NON_DIGITS = re.compile(r"\D+")
_STREET_SUFFIXES = ("strasse", "str")
# A word of a house number: digits (with a letter or a range glued on), one letter, a separator.
_HOUSE_NUMBER_WORD = re.compile(r"\d[\w\-‐‑–—/]*|[^\W\d_]|[\-‐‑–—/]", re.UNICODE)


def fold(text: str) -> str:
    """Case-, umlaut-, accent- and separator-insensitive form of `text` (words joined by ' ')."""
    lowered = unicodedata.normalize("NFC", text).casefold().translate(_GERMAN)
    decomposed = unicodedata.normalize("NFKD", lowered.translate(_UNDECOMPOSABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_SEPARATORS.sub(" ", stripped).split())


def name_tokens(text: str) -> tuple[str, ...]:
    """The words of a name after `fold`, in order: "Müller-Lüdenscheidt" → mueller luedenscheidt."""
    return tuple(fold(text).split())


def normalise_name(text: str) -> str:
    """Comparison key of a family or birth name; particles stay ("von der Heyden")."""
    return fold(text)


def given_name_set(text: str) -> frozenset[str]:
    """The set of given-name tokens ("Marie-Luise Anna" → {marie, luise, anna})."""
    return frozenset(name_tokens(text))


def given_names_match(query: str, record: str) -> bool:
    """True when the typed given names are a non-empty subset of the register's (module doc)."""
    typed = given_name_set(query)
    return bool(typed) and typed <= given_name_set(record)


def normalise_street(text: str) -> str:
    """Comparison key of a street name: "Bahnhofstraße" == "Bahnhof Str." == "bahnhofstr"."""
    words: list[str] = []
    for word in fold(text).split():
        if word == "st":
            word = "sankt"
        for suffix in _STREET_SUFFIXES:
            if word.endswith(suffix):
                word = word[: -len(suffix)] + "str"
                break
        words.append(word)
    return "".join(words)


def normalise_house_number(text: str) -> str:
    """Comparison key of a house number: "12 a" == "12a" == "12A"; "12 - 14" == "12-14"."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    unified = _HOUSE_NUMBER_RANGE.sub("-", _HOUSE_NUMBER_LETTER.sub("", text))
    return "".join(unified.split())


def split_street_address(text: str) -> tuple[str, str]:
    """("Kirchstraße", "7 a") from "Kirchstraße 7 a": the inverse of f"{street} {number}".

    The house number is the longest run of trailing house-number words (module doc) that starts
    with a digit and leaves a street; without one, the whole text is the street.
    """
    words = text.split()
    start = len(words)
    for index in range(len(words) - 1, 0, -1):  # never take the first word: a street remains
        if not _HOUSE_NUMBER_WORD.fullmatch(words[index]):
            break
        if words[index][0].isdigit():
            start = index
    return " ".join(words[:start]), " ".join(words[start:])


def normalise_postal_code(text: str) -> str:
    """Comparison key of a postal code: its digits ("D-56812" == " 56812 ")."""
    return _NON_DIGITS.sub("", unicodedata.normalize("NFKC", text))


def address_key(street: str, house_number: str, postal_code: str) -> tuple[str, str, str]:
    """The compared part of an address: postal code, street, house number (not the locality)."""
    return (
        normalise_postal_code(postal_code),
        normalise_street(street),
        normalise_house_number(house_number),
    )
