"""Legal forms, register types and the register courts we accept (reference/companies-domain.md).

Which register a form is entered in (§ 3 HRV; companies-domain.md §1.1, §2.1):

| form | register |
|---|---|
| GmbH, UG (haftungsbeschränkt), AG, SE, KGaA | HRB (Handelsregister Abteilung B) |
| e. K., OHG, KG, GmbH & Co. KG | HRA (Abteilung A) |
| PartG, PartG mbB | PR (Partnerschaftsregister) |
| eG | GnR (Genossenschaftsregister) |
| e. V. | VR (Vereinsregister) |
| eGbR (a GbR that registered, MoPeG, since 1 Jan 2024) | GsR (Gesellschaftsregister) |
| GbR, Einzelunternehmen, Freiberufler, nicht eingetragener Verein | none (Gewerbeanmeldung) |
| rechtsfähige Stiftung | none until the Stiftungsregister starts (1 Jan 2028) |
| KdöR, AöR (e.g. a Gemeinde) | none |

A Gewerbeanmeldung (issuing authority and date) may be given for any form: a GmbH that runs a
trade has one as well. Freiberufler and Urproduktion (a winery) have none, so it is never
required; the founding documents show what the register entry would.

`fim_code` is the 3-digit code of the FIM list "Rechtsformen gängig" (C60000025, 2021-06-18),
which Mein Unternehmenskonto's `Rechtsform` attribute appears to use; None where that list has
no entry of its own (companies-domain.md §2.2).

Register courts: in Rheinland-Pfalz nine Amtsgerichte keep the Handels-, Genossenschafts-,
Partnerschafts- and Vereinsregister (§ 3 ZivilZustV RP; companies-domain.md §1.2); for Landkreis
Cochem-Zell it is Koblenz. Only these nine are accepted: the business address must lie in the
region, and its court is one of them. `portal_code` is the Registerportal's court code where a
source gives it (Koblenz T2210V, Montabaur T2214V, Wittlich T2408V, as of 13 Aug 2021).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from servicekonto.register.normalise import fold

#: Organisation kinds (DESIGN §2 "Unternehmenskonto": company, club, freelancer …).
KINDS: Final = ("company", "verein", "freiberufler", "stiftung", "public_body")

#: Register types: Handelsregister A/B, Genossenschafts-, Partnerschafts-, Vereins- and
#: Gesellschaftsregister.
REGISTER_TYPES: Final = ("HRA", "HRB", "GnR", "PR", "VR", "GsR")


@dataclass(frozen=True)
class LegalForm:
    code: str
    #: As shown to people (the form's usual abbreviation).
    name: str
    #: The organisation kinds this form fits.
    kinds: tuple[str, ...]
    #: The register it is entered in; None for forms without a register entry.
    register_type: str | None
    fim_code: str | None
    #: Other spellings people type ("GmbH & Co KG", "e.V.", "eK").
    aliases: tuple[str, ...] = ()


LEGAL_FORMS: Final[tuple[LegalForm, ...]] = (
    LegalForm("gmbh", "GmbH", ("company",), "HRB", "350",
              ("Gesellschaft mit beschränkter Haftung",)),
    LegalForm("ug", "UG (haftungsbeschränkt)", ("company",), "HRB", "351",
              ("UG", "Unternehmergesellschaft (haftungsbeschränkt)", "Unternehmergesellschaft")),
    LegalForm("ag", "AG", ("company",), "HRB", "310", ("Aktiengesellschaft",)),
    LegalForm("se", "SE", ("company",), "HRB", "360", ("Societas Europaea",)),
    LegalForm("kgaa", "KGaA", ("company",), "HRB", None, ("Kommanditgesellschaft auf Aktien",)),
    LegalForm("ohg", "OHG", ("company",), "HRA", "210", ("offene Handelsgesellschaft",)),
    LegalForm("kg", "KG", ("company",), "HRA", "220", ("Kommanditgesellschaft",)),
    LegalForm("gmbh_co_kg", "GmbH & Co. KG", ("company",), "HRA", "230",
              ("GmbH und Co. KG", "GmbH & Co KG")),
    LegalForm("ek", "e. K.", ("company",), "HRA", "170",
              ("e.K.", "e. Kfm.", "e. Kfr.", "eingetragener Kaufmann", "eingetragene Kauffrau")),
    LegalForm("partg", "PartG", ("company", "freiberufler"), "PR", "293",
              ("Partnerschaftsgesellschaft",)),
    LegalForm("partg_mbb", "PartG mbB", ("company", "freiberufler"), "PR", None,
              ("Partnerschaftsgesellschaft mbB",)),
    LegalForm("gbr", "GbR", ("company", "freiberufler"), None, "270",
              ("Gesellschaft bürgerlichen Rechts",)),
    LegalForm("egbr", "eGbR", ("company", "freiberufler"), "GsR", None,
              ("eingetragene Gesellschaft bürgerlichen Rechts",)),
    LegalForm("einzelunternehmen", "Einzelunternehmen", ("company", "freiberufler"), None, "180",
              ("nicht eingetragenes Einzelunternehmen",)),
    LegalForm("freiberufler", "Freiberufler", ("freiberufler",), None, None,
              ("Freiberuflerin", "freier Beruf")),
    LegalForm("eg", "eG", ("company",), "GnR", "400", ("eingetragene Genossenschaft",)),
    LegalForm("ev", "e. V.", ("verein",), "VR", "590", ("e.V.", "eingetragener Verein")),
    LegalForm("verein", "nicht eingetragener Verein", ("verein",), None, None,
              ("Verein",)),
    LegalForm("stiftung", "Stiftung", ("stiftung",), None, "611",
              ("rechtsfähige Stiftung", "Stiftung bürgerlichen Rechts")),
    LegalForm("kdoer", "KdöR", ("public_body",), None, None,
              ("Körperschaft des öffentlichen Rechts",)),
    LegalForm("aoer", "AöR", ("public_body",), None, None,
              ("Anstalt des öffentlichen Rechts",)),
)


@dataclass(frozen=True)
class RegisterCourt:
    code: str
    #: The place name as the Registerportal writes it; shown as "Amtsgericht <name>".
    name: str
    portal_code: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return f"Amtsgericht {self.name}"


REGISTER_COURTS: Final[tuple[RegisterCourt, ...]] = (
    RegisterCourt("bad_kreuznach", "Bad Kreuznach"),
    RegisterCourt("kaiserslautern", "Kaiserslautern"),
    RegisterCourt("koblenz", "Koblenz", "T2210V"),
    RegisterCourt("landau", "Landau in der Pfalz", None,
                  ("Landau", "Landau/Pfalz", "Landau (Pfalz)")),
    RegisterCourt("ludwigshafen", "Ludwigshafen am Rhein", None,
                  ("Ludwigshafen", "Ludwigshafen a.Rhein", "Ludwigshafen a. Rhein")),
    RegisterCourt("mainz", "Mainz"),
    RegisterCourt("montabaur", "Montabaur", "T2214V"),
    RegisterCourt("wittlich", "Wittlich", "T2408V"),
    RegisterCourt("zweibruecken", "Zweibrücken"),
)

_BY_CODE: Final = {form.code: form for form in LEGAL_FORMS}
_COURT_BY_CODE: Final = {court.code: court for court in REGISTER_COURTS}
_NOT_ALNUM: Final = re.compile(r"[^0-9a-z]+")
#: Words before a court's place name that say nothing ("Amtsgericht Koblenz", "AG Koblenz").
_COURT_PREFIXES: Final = ("amtsgericht", "registergericht", "ag")


def _key(text: str) -> str:
    """Spelling-insensitive key: case, umlauts, dots, spaces and '&' do not matter, so
    "GmbH & Co. KG", "GmbH & Co KG" and "gmbh&co.kg" share one key."""
    return _NOT_ALNUM.sub("", fold(text))


_FORM_KEYS: Final = {
    _key(spelling): form
    for form in LEGAL_FORMS
    for spelling in (form.code, form.name, *form.aliases)
}
_COURT_KEYS: Final = {
    _key(spelling): court
    for court in REGISTER_COURTS
    for spelling in (court.code, court.name, *court.aliases)
}
_REGISTER_TYPE_KEYS: Final = {
    **{_key(kind): kind for kind in REGISTER_TYPES},
    # MUK's `Registerart` writes GR for the Genossenschaftsregister (companies-domain.md §1.1).
    "gr": "GnR",
    "genr": "GnR",
    "gesr": "GsR",
}


def legal_form(code: str) -> LegalForm:
    """The form with this code (KeyError for codes not in the list)."""
    return _BY_CODE[code]


def find_legal_form(text: str) -> LegalForm | None:
    """The form a person meant: its code, its name or a usual spelling of it."""
    return _FORM_KEYS.get(_key(text))


def register_court(code: str) -> RegisterCourt:
    return _COURT_BY_CODE[code]


def find_register_court(text: str) -> RegisterCourt | None:
    """The court a person meant: "Koblenz", "Amtsgericht Koblenz", "AG Zweibruecken"."""
    words = fold(text).split()
    while words and words[0] in _COURT_PREFIXES:
        words = words[1:]
    return _COURT_KEYS.get(_key(" ".join(words))) if words else None


def find_register_type(text: str) -> str | None:
    """The register type a person meant, canonically spelt ("hrb" → "HRB", "GR" → "GnR")."""
    return _REGISTER_TYPE_KEYS.get(_key(text))
