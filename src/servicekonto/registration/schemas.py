"""Registration input at the edges (form and JSON API), validated with extra fields forbidden."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

_POSTAL_CODE = re.compile(r"^[0-9]{5}$")


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

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        if not _POSTAL_CODE.match(value):
            raise ValueError("postal_code must be five digits")
        return value

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if not 1900 <= value.year <= 2100:  # the future is refused by the service (Clock)
            raise ValueError("birth_date is not plausible")
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
