"""From the registration form to normalised organisation data, or every field problem at once.

Rules (sources in `legal_forms` and reference/companies-domain.md):

* kind and legal form from the documented lists; the form must fit the kind (an e. V. is a
  Verein, a GmbH a company);
* a form with a register (GmbH → HRB, e. V. → VR, e. K. → HRA …) needs type, number and court,
  and the type must be the form's; a form without one (GbR, Einzelunternehmen, Freiberufler,
  Stiftung, public bodies) must not name a register entry;
* register number: 1–6 digits without a leading zero, optionally a letter suffix of up to three
  letters ("HRB 151080 B"); the type may be typed in front of it ("HRB 1234 B"), and if the
  type field is empty it is taken from there (python-stdnum's handelsregisternummer format);
* court: one of the nine register courts of Rheinland-Pfalz, as "Koblenz", "Amtsgericht
  Koblenz" or "AG Koblenz";
* Gewerbeanmeldung: optional for every form; if given, authority and date (YYYY-MM-DD as a date
  input sends it, or TT.MM.JJJJ as people type it; not in the future);
* Steuernummer: 10–13 digits once separators are gone; USt-IdNr: DE + 9 digits whose last is
  the ISO 7064 Mod 11,10 check digit (§ 27a UStG; companies-domain.md §4);
* address: street, house number, five-digit postal code, locality;
* no control characters anywhere, text normalised to NFC with single spaces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final

from servicekonto.companies.errors import FieldProblem, InvalidOrganisation, Problem
from servicekonto.companies.legal_forms import (
    KINDS,
    LegalForm,
    find_legal_form,
    find_register_court,
    find_register_type,
)
from servicekonto.companies.schemas import OrganisationForm

#: Longest accepted value per field (characters, after normalising).
MAX_LENGTH: Final = {
    "name": 200,
    "trade_authority": 200,
    "street": 200,
    "house_number": 20,
    "locality": 100,
}
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NUMBER: Final = re.compile(
    r"(?:(?P<type>[A-Za-z]{2,4})\s*)?(?P<digits>[1-9][0-9]{0,5})(?:\s*(?P<suffix>[A-Za-z]{1,3}))?"
)
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_GERMAN_DATE: Final = re.compile(r"(?P<d>[0-9]{1,2})\.\s?(?P<m>[0-9]{1,2})\.\s?(?P<y>[0-9]{4})")
_TAX_SEPARATORS: Final = re.compile(r"[\s/\-.]")
_TAX_NUMBER: Final = re.compile(r"[0-9]{10,13}")
_VAT_ID: Final = re.compile(r"DE[1-9][0-9]{8}")
_POSTAL_CODE: Final = re.compile(r"[0-9]{5}")


@dataclass(frozen=True)
class OrganisationData:
    """Validated and normalised; what the service stores."""

    name: str
    kind: str
    legal_form: str
    register_type: str | None
    register_number: str | None
    register_court: str | None
    trade_authority: str | None
    trade_registered_on: date | None
    tax_number: str | None
    vat_id: str | None
    street: str
    house_number: str
    postal_code: str
    locality: str

    @property
    def register_key(self) -> str | None:
        return register_key(self.register_type, self.register_number, self.register_court)


def register_key(
    register_type: str | None, register_number: str | None, register_court: str | None
) -> str | None:
    """What makes a register entry unique: type, number and court together (a number alone is
    unique only per court; companies-domain.md §1.3). None without a register entry."""
    if register_type is None or register_number is None or register_court is None:
        return None
    return f"{register_type}|{register_number}|{register_court}"


def validate(form: OrganisationForm, *, today: date) -> OrganisationData:
    """`form` as normalised data; InvalidOrganisation listing every problem otherwise."""
    problems: list[FieldProblem] = []

    def text(field: str, value: str, *, required: Problem | None = None) -> str | None:
        cleaned = _clean(value)
        if _CONTROL.search(cleaned):
            problems.append(FieldProblem(field, Problem.CONTROL_CHARACTERS))
            return None
        if not cleaned:
            if required is not None:
                problems.append(FieldProblem(field, required))
            return None
        if len(cleaned) > MAX_LENGTH.get(field, 64):
            problems.append(FieldProblem(field, Problem.TOO_LONG))
            return None
        return cleaned

    name = text("name", form.name, required=Problem.NAME_REQUIRED)
    kind = _clean(form.kind).lower()
    if kind not in KINDS:
        problems.append(FieldProblem("kind", Problem.KIND_UNKNOWN))
    legal = find_legal_form(_clean(form.legal_form)) if _clean(form.legal_form) else None
    if legal is None:
        problems.append(FieldProblem("legal_form", Problem.LEGAL_FORM_UNKNOWN))
    elif kind in KINDS and kind not in legal.kinds:
        problems.append(FieldProblem("legal_form", Problem.LEGAL_FORM_KIND_MISMATCH))

    register_type, register_number, register_court = _register_entry(form, legal, problems)

    trade_authority = text("trade_authority", form.trade_authority)
    trade_date = _trade_date(_clean(form.trade_registered_on), today, problems)
    if trade_authority and trade_date is None and not _clean(form.trade_registered_on):
        problems.append(FieldProblem("trade_registered_on", Problem.TRADE_DATE_REQUIRED))
    if trade_date is not None and not trade_authority and not _clean(form.trade_authority):
        problems.append(FieldProblem("trade_authority", Problem.TRADE_AUTHORITY_REQUIRED))

    tax_number = _tax_number(form.tax_number, problems)
    vat_id = _vat_id(form.vat_id, problems)

    street = text("street", form.street, required=Problem.STREET_REQUIRED)
    house_number = text("house_number", form.house_number, required=Problem.HOUSE_NUMBER_REQUIRED)
    postal_code = _clean(form.postal_code)
    if not _POSTAL_CODE.fullmatch(postal_code):
        problems.append(FieldProblem("postal_code", Problem.POSTAL_CODE_MALFORMED))
    locality = text("locality", form.locality, required=Problem.LOCALITY_REQUIRED)

    if problems:
        raise InvalidOrganisation(problems)
    assert name and legal and street and house_number and locality  # no problems: all set
    return OrganisationData(
        name=name,
        kind=kind,
        legal_form=legal.code,
        register_type=register_type,
        register_number=register_number,
        register_court=register_court,
        trade_authority=trade_authority,
        trade_registered_on=trade_date,
        tax_number=tax_number,
        vat_id=vat_id,
        street=street,
        house_number=house_number,
        postal_code=postal_code,
        locality=locality,
    )


def clean_text(value: str) -> str:
    """NFC, whitespace runs (including no-break spaces) as one space, trimmed."""
    return _clean(value)


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _clean(value: str) -> str:
    normalised = unicodedata.normalize("NFC", value)
    # split() also splits on \n, \t: for one-line fields these are whitespace, not control.
    return " ".join(normalised.split())


def _register_entry(
    form: OrganisationForm, legal: LegalForm | None, problems: list[FieldProblem]
) -> tuple[str | None, str | None, str | None]:
    """(type, number, court code); each form has one register, so an empty type field means
    the form's own and a type typed in front of the number counts as typed."""
    typed_type = _clean(form.register_type)
    typed_number = _clean(form.register_number)
    typed_court = _clean(form.register_court)
    if legal is None:
        return None, None, None  # the legal form's problem is reported already
    if legal.register_type is None:
        if typed_type or typed_number or typed_court:
            problems.append(FieldProblem("register_number", Problem.REGISTER_ENTRY_UNEXPECTED))
        return None, None, None

    register_type: str | None = None
    if typed_type:
        register_type = find_register_type(typed_type)
        if register_type is None:
            problems.append(FieldProblem("register_type", Problem.REGISTER_TYPE_UNKNOWN))

    number: str | None = None
    match = _NUMBER.fullmatch(typed_number) if typed_number else None
    if not typed_number:
        problems.append(FieldProblem("register_number", Problem.REGISTER_NUMBER_REQUIRED))
    elif match is None:
        problems.append(FieldProblem("register_number", Problem.REGISTER_NUMBER_MALFORMED))
    else:
        prefixed = find_register_type(match["type"]) if match["type"] else None
        if match["type"] and prefixed is None:
            problems.append(FieldProblem("register_number", Problem.REGISTER_NUMBER_MALFORMED))
        elif prefixed is not None and typed_type and prefixed != register_type:
            problems.append(
                FieldProblem("register_number", Problem.REGISTER_NUMBER_TYPE_MISMATCH)
            )
        else:
            register_type = register_type or prefixed
            suffix = f" {match['suffix'].upper()}" if match["suffix"] else ""
            number = f"{match['digits']}{suffix}"

    if register_type is None and not typed_type:
        register_type = legal.register_type
    if register_type is not None and register_type != legal.register_type:
        problems.append(FieldProblem("register_type", Problem.REGISTER_TYPE_WRONG))

    court_code: str | None = None
    if not typed_court:
        problems.append(FieldProblem("register_court", Problem.REGISTER_COURT_REQUIRED))
    else:
        court = find_register_court(typed_court)
        if court is None:
            problems.append(FieldProblem("register_court", Problem.REGISTER_COURT_UNKNOWN))
        else:
            court_code = court.code
    return register_type, number, court_code


def _trade_date(value: str, today: date, problems: list[FieldProblem]) -> date | None:
    if not value:
        return None
    german = _GERMAN_DATE.fullmatch(value)
    try:
        if german is not None:
            parsed = date(int(german["y"]), int(german["m"]), int(german["d"]))
        elif _ISO_DATE.fullmatch(value):
            parsed = date.fromisoformat(value)
        else:
            raise ValueError(value)
    except ValueError:
        problems.append(FieldProblem("trade_registered_on", Problem.TRADE_DATE_MALFORMED))
        return None
    if parsed > today:
        problems.append(FieldProblem("trade_registered_on", Problem.TRADE_DATE_IN_FUTURE))
        return None
    return parsed


def _tax_number(value: str, problems: list[FieldProblem]) -> str | None:
    compact = _TAX_SEPARATORS.sub("", _clean(value))
    if not compact:
        return None
    if not _TAX_NUMBER.fullmatch(compact):
        problems.append(FieldProblem("tax_number", Problem.TAX_NUMBER_MALFORMED))
        return None
    return compact


def _vat_id(value: str, problems: list[FieldProblem]) -> str | None:
    compact = _TAX_SEPARATORS.sub("", _clean(value)).upper()
    if not compact:
        return None
    if not _VAT_ID.fullmatch(compact):
        problems.append(FieldProblem("vat_id", Problem.VAT_ID_MALFORMED))
        return None
    if _mod_11_10(compact[2:]) != 1:
        problems.append(FieldProblem("vat_id", Problem.VAT_ID_CHECK_DIGIT))
        return None
    return compact


def _mod_11_10(digits: str) -> int:
    """ISO 7064 Mod 11,10 over the digits; a valid USt-IdNr's 9 digits give 1."""
    check = 5
    for digit in digits:
        check = (((check or 10) * 2) % 11 + int(digit)) % 10
    return check
