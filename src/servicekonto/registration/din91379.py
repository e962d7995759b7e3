"""The characters German registers accept in names: DIN 91379:2022-08 ("String.Latin+ 1.3").

Source of the character classes below: DIN 91379:2022-08, Annex (normative character list),
as published by KoSIT (https://www.xoev.de/string-latin-4813) and in machine-readable form as
`latin_list_1.3.txt` of https://github.com/String-Latin/DIN-91379-Characters-and-Sequences
(groups `bll` letters and letter sequences, `bnlreq` non-letters N1, `bnl` non-letters N2).
Only code points are taken from there; the tables are written as ranges here.

Data types used (DIN 91379 §5):
- type A, names of natural persons (given and family names): letters + N1;
- type B, other names (street, house number, locality): letters + N1 + N2.

Input is compared in Unicode NFC, so a letter typed as base + combining mark ("A" U+0308)
counts as its precomposed form ("Ä"); the listed sequences are NFC-stable.
"""

from __future__ import annotations

import unicodedata
from enum import Enum
from typing import Final

#: Normative Latin letters (group `bll`, single code points), as inclusive ranges.
_LETTER_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x0041, 0x005A), (0x0061, 0x007A),
    (0x00C0, 0x00D6), (0x00D8, 0x00F6), (0x00F8, 0x017E),
    (0x0187, 0x0188), (0x018F, 0x018F), (0x0197, 0x0197), (0x01A0, 0x01A1),
    (0x01AF, 0x01B0), (0x01B7, 0x01B7), (0x01CD, 0x01DC), (0x01DE, 0x01DF),
    (0x01E2, 0x01F0), (0x01F4, 0x01F5), (0x01F8, 0x01FF), (0x0212, 0x0213),
    (0x0218, 0x021B), (0x021E, 0x021F), (0x0227, 0x0233),
    (0x0259, 0x0259), (0x0268, 0x0268), (0x0292, 0x0292),
    (0x1E02, 0x1E03), (0x1E06, 0x1E07), (0x1E0A, 0x1E11), (0x1E17, 0x1E17),
    (0x1E1C, 0x1E2B), (0x1E2F, 0x1E37), (0x1E3A, 0x1E3B), (0x1E40, 0x1E49),
    (0x1E52, 0x1E5B), (0x1E5E, 0x1E63), (0x1E6A, 0x1E6F), (0x1E80, 0x1E87),
    (0x1E8C, 0x1E97), (0x1E9E, 0x1E9E), (0x1EA0, 0x1EF9),
)

#: Normative Latin letters written as a sequence (group `bll`, kind `seq`): base + marks.
_LETTER_SEQUENCES: Final[tuple[str, ...]] = (
    # capital letters
    "0041 030B", "0043 0300", "0043 0304", "0043 0306", "0043 0308", "0043 0315", "0043 0323",
    "0043 0326", "0043 0328 0306", "0044 0302", "0046 0300", "0046 0304", "0047 0300",
    "0048 0304", "0048 0326", "0048 0331", "004A 0301", "004A 030C", "004B 0300", "004B 0302",
    "004B 0304", "004B 0307", "004B 0315", "004B 031B", "004B 0326", "004B 035F 0048",
    "004B 035F 0068", "004C 0302", "004C 0325", "004C 0325 0304", "004C 0326", "004D 0300",
    "004D 0302", "004D 0306", "004D 0310", "004E 0302", "004E 0304", "004E 0306", "004E 0326",
    "0050 0300", "0050 0304", "0050 0315", "0050 0323", "0052 0306", "0052 0325",
    "0052 0325 0304", "0053 0300", "0053 0304", "0053 031B 0304", "0053 0331", "0054 0300",
    "0054 0304", "0054 0308", "0054 0315", "0054 031B", "0055 0307", "005A 0300", "005A 0304",
    "005A 0306", "005A 0308", "005A 0327",
    # small letters
    "0061 030B", "0063 0300", "0063 0304", "0063 0306", "0063 0308", "0063 0315", "0063 0323",
    "0063 0326", "0063 0328 0306", "0064 0302", "0066 0300", "0066 0304", "0067 0300",
    "0068 0304", "0068 0326", "006A 0301", "006B 0300", "006B 0302", "006B 0304", "006B 0307",
    "006B 0315", "006B 031B", "006B 0326", "006B 035F 0068", "006C 0302", "006C 0325",
    "006C 0325 0304", "006C 0326", "006D 0300", "006D 0302", "006D 0306", "006D 0310",
    "006E 0302", "006E 0304", "006E 0306", "006E 0326", "0070 0300", "0070 0304", "0070 0315",
    "0070 0323", "0072 0306", "0072 0325", "0072 0325 0304", "0073 0300", "0073 0304",
    "0073 031B 0304", "0073 0331", "0074 0300", "0074 0304", "0074 0315", "0074 031B",
    "0075 0307", "007A 0300", "007A 0304", "007A 0306", "007A 0308", "007A 0327",
    # precomposed letters with a further mark
    "00C7 0306", "00DB 0304", "00E7 0306", "00FB 0304", "00FF 0301", "010C 0315", "010C 0323",
    "010D 0315", "010D 0323", "0113 030D", "012A 0301", "012B 0301", "014D 030D", "017D 0326",
    "017D 0327", "017E 0326", "017E 0327", "1E32 0304", "1E33 0304", "1E62 0304", "1E63 0304",
    "1E6C 0304", "1E6D 0304", "1EA0 0308", "1EA1 0308", "1ECC 0308", "1ECD 0308", "1EE4 0304",
    "1EE4 0308", "1EE5 0304", "1EE5 0308",
)

#: Non-letters N1 (group `bnlreq`): space, apostrophes, comma, hyphen, full stop and the
#: modifier letters names are written with.
_NON_LETTERS_N1: Final[tuple[int, ...]] = (
    0x0020, 0x0027, 0x002C, 0x002D, 0x002E, 0x0060, 0x007E, 0x00A8, 0x00B4, 0x00B7,
    0x02B9, 0x02BA, 0x02BE, 0x02BF, 0x02C8, 0x02CC, 0x2019, 0x2021,
)

#: Non-letters N2 (group `bnl`): digits, punctuation and common signs.
_NON_LETTERS_N2_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x0021, 0x0026), (0x0028, 0x002B), (0x002F, 0x0040), (0x005B, 0x005F),
    (0x007B, 0x007D), (0x00A1, 0x00A3), (0x00A5, 0x00A5), (0x00A7, 0x00A7),
    (0x00A9, 0x00AC), (0x00AE, 0x00B3), (0x00B5, 0x00B6), (0x00B9, 0x00BB),
    (0x00BF, 0x00BF), (0x00D7, 0x00D7), (0x00F7, 0x00F7), (0x20AC, 0x20AC),
)


class DataType(Enum):
    """The DIN 91379 data types a field is checked against."""

    PERSON_NAME = "A"  # names of natural persons
    OTHER_NAME = "B"  # street names, place names, house numbers


def _expand(ranges: tuple[tuple[int, int], ...]) -> frozenset[str]:
    return frozenset(chr(c) for low, high in ranges for c in range(low, high + 1))


_LETTERS: Final = _expand(_LETTER_RANGES)
_SEQUENCES: Final = frozenset(
    "".join(chr(int(part, 16)) for part in seq.split()) for seq in _LETTER_SEQUENCES
)
_LONGEST_SEQUENCE: Final = max(len(s) for s in _SEQUENCES)
_SINGLES: Final = {
    DataType.PERSON_NAME: _LETTERS | frozenset(map(chr, _NON_LETTERS_N1)),
    DataType.OTHER_NAME: _LETTERS
    | frozenset(map(chr, _NON_LETTERS_N1))
    | _expand(_NON_LETTERS_N2_RANGES),
}


def normalise(value: str) -> str:
    """The form names are compared and stored in (NFC)."""
    return unicodedata.normalize("NFC", value)


def first_refused(value: str, kind: DataType) -> str | None:
    """The first character of `value` (NFC) outside the data type, or None when all are allowed.

    A combining mark is allowed only as part of a listed letter sequence, so the refused
    character of "x" U+0301 is the mark itself.
    """
    text = normalise(value)
    singles = _SINGLES[kind]
    i = 0
    while i < len(text):
        for length in range(min(_LONGEST_SEQUENCE, len(text) - i), 1, -1):
            if text[i : i + length] in _SEQUENCES:
                i += length
                break
        else:
            if text[i] not in singles:
                return text[i]
            i += 1
    return None


def describe(character: str) -> str:
    """The code point as people and logs can read it, e.g. "U+1F600"."""
    return f"U+{ord(character):04X}"


def printable(character: str) -> bool:
    """Whether the character can be shown between quotes (not a control, format or mark)."""
    return unicodedata.category(character)[0] not in ("C", "M", "Z")
