"""Registration input at the edges (form and JSON API), validated with extra fields forbidden."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator
from pydantic_core import PydanticCustomError

from servicekonto.registration.din91379 import DataType, describe, first_refused, normalise

_POSTAL_CODE = re.compile(r"^[0-9]{5}$")
#: Earliest birth date taken as plausible; the future is refused by the service (Clock).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def din91379(value: str, kind: DataType) -> str:
    """`value` in NFC when every character belongs to the DIN 91379 data type; otherwise a
    validation error of type `character_not_allowed` naming the first refused character."""
    refused = first_refused(value, kind)
    if refused is not None:
        raise PydanticCustomError(
            "character_not_allowed",
            "character {code_point} is not allowed here (DIN 91379 data type {data_type})",
            {"code_point": describe(refused), "character": refused, "data_type": kind.value},
        )
    return normalise(value)


class RegistrationInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=1, max_length=4096)
    given_name: str = Field(min_length=1, max_length=200)
    family_name: str = Field(min_length=1, max_length=200)
    birth_date: date
    street: str = Field(min_length=1, max_length=200)
    house_number: str = Field(min_length=1, max_length=20)
    postal_code: str
    locality: str = Field(min_length=1, max_length=100)
    privacy_consent: bool = Field(description="The person accepted the privacy notice.")

    @field_validator("given_name", "family_name")
    @classmethod
    def _person_name(cls, value: str) -> str:
        return din91379(value, DataType.PERSON_NAME)

    @field_validator("street", "house_number", "locality")
    @classmethod
    def _other_name(cls, value: str) -> str:
        return din91379(value, DataType.OTHER_NAME)

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        if not _POSTAL_CODE.match(value):
            raise ValueError("postal_code must be five digits")
        return value

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if value < EARLIEST_BIRTH_DATE:
            raise PydanticCustomError(
                "birth_date_implausible", "birth_date before 1900-01-01 is not plausible"
            )
        return value

    @field_validator("privacy_consent")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("the privacy notice must be accepted")
        return value


class RegistrationAccepted(BaseModel):
    """The same answer for every outcome (new, known e-mail, match or not): no enumeration."""

    status: str = "accepted"
    detail: str = (
        "Check your mailbox to confirm the e-mail address. If the data matches the civil "
        "register, a letter with an activation code is sent to the registered address."
    )
