"""Register data per legal form (issue 12 item 1; reference/companies-domain.md §1–§4): odd but
valid input is accepted and normalised, every wrong field is named with its stable code, and
every code has a German text for the pages."""

from __future__ import annotations

from datetime import date

import pytest

from servicekonto.companies.errors import ERRORS, InvalidOrganisation, Problem
from servicekonto.companies.legal_forms import (
    LEGAL_FORMS,
    REGISTER_COURTS,
    _key,
    find_legal_form,
    find_register_court,
)
from servicekonto.companies.validation import OrganisationData, validate
from servicekonto.web.company_texts import COMPANY_TEXTS, company_message
from tests.companies.factories import form

TODAY = date(2026, 11, 21)


def valid(**overrides: str) -> OrganisationData:
    return validate(form(**overrides), today=TODAY)


def problems(**overrides: str) -> set[tuple[str, str]]:
    with pytest.raises(InvalidOrganisation) as raised:
        validate(form(**overrides), today=TODAY)
    return {(p.field, p.code.value) for p in raised.value.problems}


def test_a_gmbh_with_a_suffixed_hrb_number_is_normalised() -> None:
    data = valid(register_number="HRB 1234 b", register_type="hrb", register_court="AG Koblenz")
    assert (data.register_type, data.register_number, data.register_court) == (
        "HRB", "1234 B", "koblenz"
    )
    assert data.register_key == "HRB|1234 B|koblenz"


@pytest.mark.parametrize("typed", ["HRB 1234 B", "HRB1234B", "1234 B", "1234B", " HRB  1234 B "])
def test_spellings_of_one_register_number_give_one_key(typed: str) -> None:
    assert valid(register_number=typed, register_type="").register_key == "HRB|1234 B|koblenz"


def test_names_keep_umlauts_ampersands_and_dots() -> None:
    data = valid(name="  Müller & Söhne Weinbau  GmbH & Co.\u00a0KG ", legal_form="GmbH & Co. KG",
                 register_type="HRA", register_number="HRA 20611", register_court="Koblenz")
    assert data.name == "Müller & Söhne Weinbau GmbH & Co. KG"
    assert data.legal_form == "gmbh_co_kg"


def test_a_number_with_a_space_inside_is_not_read_as_a_shorter_one() -> None:
    assert ("register_number", "register_number_malformed") in problems(
        register_number="HRB 20 611"
    )


def test_a_gmbh_and_co_kg_is_entered_in_the_hra() -> None:
    data = valid(name="Müller Weinbau GmbH & Co. KG", legal_form="GmbH & Co KG",
                 register_type="", register_number="HRA 20611", register_court="Koblenz")
    assert (data.legal_form, data.register_type, data.register_number) == (
        "gmbh_co_kg", "HRA", "20611"
    )
    assert ("register_type", "register_type_wrong") in problems(
        legal_form="GmbH & Co. KG", register_type="HRB", register_number="20611"
    )


@pytest.mark.parametrize(
    ("legal_form", "kind", "register_type"),
    [
        ("e. V.", "verein", "VR"),
        ("e.V.", "verein", "VR"),
        ("e. K.", "company", "HRA"),
        ("eK", "company", "HRA"),
        ("UG (haftungsbeschränkt)", "company", "HRB"),
        ("ug (haftungsbeschraenkt)", "company", "HRB"),
        ("AG", "company", "HRB"),
        ("KG", "company", "HRA"),
        ("OHG", "company", "HRA"),
        ("eG", "company", "GnR"),
        ("PartG mbB", "freiberufler", "PR"),
    ],
)
def test_each_registered_form_takes_its_own_register(
    legal_form: str, kind: str, register_type: str
) -> None:
    data = valid(legal_form=legal_form, kind=kind, register_type="", register_number="815")
    assert data.register_type == register_type
    wrong = "HRA" if register_type != "HRA" else "HRB"
    assert ("register_type", "register_type_wrong") in problems(
        legal_form=legal_form, kind=kind, register_type=wrong, register_number="815"
    )


def test_the_genossenschaftsregister_is_also_known_by_muks_spelling() -> None:
    assert valid(legal_form="eG", register_type="GR", register_number="12").register_type == "GnR"


@pytest.mark.parametrize(
    ("legal_form", "kind"),
    [
        ("Einzelunternehmen", "freiberufler"),
        ("Freiberufler", "freiberufler"),
        ("GbR", "company"),
        ("Stiftung", "stiftung"),
        ("KdöR", "public_body"),
        ("nicht eingetragener Verein", "verein"),
    ],
)
def test_forms_without_a_register_take_a_trade_registration_or_none(
    legal_form: str, kind: str
) -> None:
    bare = valid(legal_form=legal_form, kind=kind, register_type="", register_number="",
                 register_court="")
    assert (bare.register_type, bare.register_key, bare.trade_authority) == (None, None, None)
    traded = valid(legal_form=legal_form, kind=kind, register_type="", register_number="",
                   register_court="", trade_authority="Verbandsgemeindeverwaltung Zell (Mosel)",
                   trade_registered_on="03.05.2021")
    assert traded.trade_authority == "Verbandsgemeindeverwaltung Zell (Mosel)"
    assert traded.trade_registered_on == date(2021, 5, 3)
    assert ("register_number", "register_entry_unexpected") in problems(
        legal_form=legal_form, kind=kind
    )


def test_a_trade_registration_needs_authority_and_date_and_no_future() -> None:
    base = {"legal_form": "Einzelunternehmen", "register_type": "", "register_number": "",
            "register_court": ""}
    assert ("trade_registered_on", "trade_date_required") in problems(
        **base, trade_authority="VG Cochem")
    assert ("trade_authority", "trade_authority_required") in problems(
        **base, trade_registered_on="2021-05-03")
    assert ("trade_registered_on", "trade_date_in_future") in problems(
        **base, trade_authority="VG Cochem", trade_registered_on="2026-11-22")
    assert ("trade_registered_on", "trade_date_malformed") in problems(
        **base, trade_authority="VG Cochem", trade_registered_on="31.02.2021")
    assert valid(**base, trade_authority="VG Cochem",
                 trade_registered_on="2026-11-21").trade_registered_on == TODAY


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"register_number": "HRB 0123"}, ("register_number", "register_number_malformed")),
        ({"register_number": "HRB 1234567"}, ("register_number", "register_number_malformed")),
        ({"register_number": "HRB 12 ABCD"}, ("register_number", "register_number_malformed")),
        ({"register_number": "XYZ 1234"}, ("register_number", "register_number_malformed")),
        ({"register_number": "HRA 1234"}, ("register_number", "register_number_type_mismatch")),
        ({"register_number": ""}, ("register_number", "register_number_required")),
        ({"register_type": "HRC"}, ("register_type", "register_type_unknown")),
        ({"register_court": ""}, ("register_court", "register_court_required")),
        ({"register_court": "Amtsgericht Köln"}, ("register_court", "register_court_unknown")),
        ({"legal_form": "Ltd."}, ("legal_form", "legal_form_unknown")),
        ({"legal_form": "e. V."}, ("legal_form", "legal_form_kind_mismatch")),
        ({"kind": "firma"}, ("kind", "kind_unknown")),
        ({"name": "   "}, ("name", "name_required")),
        ({"name": "x" * 201}, ("name", "too_long")),
        ({"name": "Weingut\x00GmbH"}, ("name", "control_characters")),
        ({"street": ""}, ("street", "street_required")),
        ({"house_number": ""}, ("house_number", "house_number_required")),
        ({"postal_code": "5681"}, ("postal_code", "postal_code_malformed")),
        ({"postal_code": "D-56812"}, ("postal_code", "postal_code_malformed")),
        ({"locality": ""}, ("locality", "locality_required")),
        ({"tax_number": "12/345"}, ("tax_number", "tax_number_malformed")),
        ({"vat_id": "DE12345678"}, ("vat_id", "vat_id_malformed")),
        ({"vat_id": "DE123456789"}, ("vat_id", "vat_id_check_digit")),
    ],
)
def test_each_wrong_field_is_named_with_its_code(
    overrides: dict[str, str], expected: tuple[str, str]
) -> None:
    assert expected in problems(**overrides)


def test_every_problem_is_reported_at_once() -> None:
    found = problems(name="", postal_code="x", register_court="Berlin", vat_id="DE1")
    assert {field for field, _code in found} == {"name", "postal_code", "register_court", "vat_id"}


def test_tax_and_vat_numbers_lose_their_separators() -> None:
    data = valid(tax_number="22/650/1234 5", vat_id="de 136 695 976")
    assert (data.tax_number, data.vat_id) == ("2265012345", "DE136695976")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Koblenz", "koblenz"),
        ("Amtsgericht Koblenz", "koblenz"),
        ("AG Montabaur", "montabaur"),
        ("Zweibruecken", "zweibruecken"),
        ("Amtsgericht Zweibrücken", "zweibruecken"),
        ("Landau (Pfalz)", "landau"),
        ("Ludwigshafen a.Rhein", "ludwigshafen"),
        ("bad kreuznach", "bad_kreuznach"),
    ],
)
def test_register_courts_of_rhineland_palatinate_are_recognised(typed: str, code: str) -> None:
    court = find_register_court(typed)
    assert court is not None and court.code == code


def test_the_documented_lists_have_no_clashing_spellings() -> None:
    seen: dict[str, str] = {}
    for legal in LEGAL_FORMS:
        for spelling in (legal.code, legal.name, *legal.aliases):
            assert seen.setdefault(_key(spelling), legal.code) == legal.code, spelling
            assert find_legal_form(spelling) == legal
    assert len({court.code for court in REGISTER_COURTS}) == 9


def test_every_code_has_a_page_text() -> None:
    codes = {problem.value for problem in Problem} | {error.code for error in ERRORS}
    assert codes - set(COMPANY_TEXTS) == set()


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("de", "In Rheinland-Pfalz führen die Amtsgerichte Bad Kreuznach, "),
        ("en", "In Rhineland-Palatinate the local courts (Amtsgerichte) Bad Kreuznach, "),
    ],
)
def test_a_code_reads_in_the_page_language_with_the_register_courts_filled_in(
    locale: str, expected: str
) -> None:
    message = company_message(locale, "register_court_unknown")
    assert expected in message and "Koblenz" in message and "%(" not in message
    assert company_message(locale, "no_such_code") == (
        "Das hat leider nicht geklappt. Bitte prüfen Sie Ihre Angaben." if locale == "de"
        else "That did not work, unfortunately. Please check your entries."
    )
