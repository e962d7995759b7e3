"""Input of the company registration at the edges (form and JSON API), extra fields forbidden.

Every field is a plain string, as a form posts it (DESIGN §9 names), so that one place
(`companies.validation`) turns each into a normalised value or a field problem with a stable
code; the length caps here only bound what is read at all.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: Far above every real value; the precise limits are `validation`'s (field problem too_long).
_CAP = 1000


class OrganisationForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(default="", max_length=_CAP)
    kind: str = Field(default="", max_length=_CAP)
    legal_form: str = Field(default="", max_length=_CAP)
    register_type: str = Field(default="", max_length=_CAP)
    register_number: str = Field(default="", max_length=_CAP)
    register_court: str = Field(default="", max_length=_CAP)
    #: Gewerbeanmeldung: the authority that issued the receipt, and its date (YYYY-MM-DD).
    trade_authority: str = Field(default="", max_length=_CAP)
    trade_registered_on: str = Field(default="", max_length=_CAP)
    tax_number: str = Field(default="", max_length=_CAP)
    vat_id: str = Field(default="", max_length=_CAP)
    street: str = Field(default="", max_length=_CAP)
    house_number: str = Field(default="", max_length=_CAP)
    postal_code: str = Field(default="", max_length=_CAP)
    locality: str = Field(default="", max_length=_CAP)
