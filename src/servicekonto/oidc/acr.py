"""Authentication context class references: three vocabularies for the same levels (DESIGN §4).

eIDAS LoA URIs are canonical; BundID speaks STORK-QAA levels, the BSI TR-03130 its own URIs.
A token answers in the vocabulary the client asked in.
"""

from __future__ import annotations

from servicekonto.accounts import means
from servicekonto.accounts.levels import TrustLevel

VOCABULARIES: dict[str, dict[TrustLevel, str]] = {
    "eidas": {
        TrustLevel.LOW: "http://eidas.europa.eu/LoA/low",
        TrustLevel.SUBSTANTIAL: "http://eidas.europa.eu/LoA/substantial",
        TrustLevel.HIGH: "http://eidas.europa.eu/LoA/high",
    },
    "stork": {
        TrustLevel.LOW: "STORK-QAA-Level-1",
        TrustLevel.SUBSTANTIAL: "STORK-QAA-Level-3",
        TrustLevel.HIGH: "STORK-QAA-Level-4",
    },
    "bsi": {
        TrustLevel.LOW: "http://bsi.bund.de/eID/LoA/normal",
        TrustLevel.SUBSTANTIAL: "http://bsi.bund.de/eID/LoA/substantiell",
        TrustLevel.HIGH: "http://bsi.bund.de/eID/LoA/hoch",
    },
}

_BY_VALUE = {
    value: (level, vocabulary)
    for vocabulary, levels in VOCABULARIES.items()
    for level, value in levels.items()
}

ALL_VALUES = tuple(_BY_VALUE)

#: RFC 8176 authentication method references we emit (defined where sessions record them).
AMR_PASSWORD = means.AMR_PASSWORD
AMR_OTP = means.AMR_OTP
AMR_HARDWARE_KEY = means.AMR_HARDWARE_KEY


def parse(value: str) -> tuple[TrustLevel, str] | None:
    """(level, vocabulary) of a known acr value, else None."""
    return _BY_VALUE.get(value)


def render(level: TrustLevel, vocabulary: str = "eidas") -> str:
    return VOCABULARIES.get(vocabulary, VOCABULARIES["eidas"])[max(level, TrustLevel.LOW)]
