"""The civil register's JSON API, served standalone by `servicekonto register-mock serve`.

A small, documented stand-in for a Melderegister query service (DESIGN §3): one question, "is
there exactly one resident with these data?", and the answer for that one resident only.

`POST /v1/match` with the person data as typed (`given_names`, `family_name`, `birth_date` as
YYYY-MM-DD, `street`, `house_number`, `postal_code`, `locality`; no other fields) answers

- `{"outcome": "match", "record_id": …, "address": {…}, "person": {…}}` — exactly one record
  fits; `address` is the register address a PIN letter must go to, `person` the register's own
  spelling of that person's data (given names, family name, birth name, birth date and place,
  nationality, sex);
- `{"outcome": "no_match"}` or `{"outcome": "ambiguous"}` — nothing about any resident.

`GET /healthz` answers `{"status": "ok"}`. Invalid input gets FastAPI's 422, a body over 8 KiB a
413. `servicekonto.register.http_adapter.HttpRegister` is the client of exactly this API. The app
is built over any `CivilRegister`, normally the in-memory mock over generated residents. Requests
are not logged with their bodies (personal data).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from servicekonto.api.body_limit import BodyLimit
from servicekonto.register.model import (
    MAX_HOUSE_NUMBER_LENGTH,
    MAX_NAME_LENGTH,
    MAX_POSTAL_CODE_LENGTH,
    PersonQuery,
)
from servicekonto.register.port import CivilRegister, RegisterUnavailable

BODY_LIMIT = 8 * 1024
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class MatchRequest(BaseModel):
    """Person data as typed at registration (DESIGN §9 fields; given names may be several)."""

    model_config = ConfigDict(extra="forbid")

    given_names: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["Anna"])
    family_name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["Schmitz"])
    birth_date: date = Field(description="YYYY-MM-DD", examples=["1984-03-12"])
    street: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["Moselpromenade"])
    house_number: str = Field(min_length=1, max_length=MAX_HOUSE_NUMBER_LENGTH, examples=["12"])
    postal_code: str = Field(min_length=1, max_length=MAX_POSTAL_CODE_LENGTH, examples=["56812"])
    locality: str = Field(
        max_length=MAX_NAME_LENGTH, description="Not compared.", examples=["Cochem"]
    )

    @field_validator("birth_date", mode="before")
    @classmethod
    def _iso_date_only(cls, value: object) -> object:
        """Only YYYY-MM-DD: pydantic's lax mode would also take Unix times and other forms."""
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise ValueError("birth_date must be YYYY-MM-DD")
        return value


class RegisterAddressOut(BaseModel):
    street: str
    house_number: str
    postal_code: str
    locality: str
    country: str


class RegisterPersonOut(BaseModel):
    given_names: str
    family_name: str
    birth_name: str | None = Field(description="null: the birth name is the family name.")
    birth_date: date
    place_of_birth: str
    nationality: str = Field(description="ISO 3166-1 alpha-2")
    sex: str = Field(description="female | male | diverse")


class MatchResponse(BaseModel):
    """`record_id`, `address` and `person` are present only when `outcome` is `match`."""

    outcome: Literal["match", "no_match", "ambiguous"]
    record_id: str | None = None
    address: RegisterAddressOut | None = None
    person: RegisterPersonOut | None = None


def create_register_mock_app(register: CivilRegister) -> FastAPI:
    """The register JSON API over `register` (module docstring)."""
    app = FastAPI(
        title="ServiceKonto civil register mock (Melderegister)",
        version="1",
        description=__doc__,
    )

    @app.post("/v1/match", response_model=MatchResponse, response_model_exclude_unset=True)
    def match(body: MatchRequest) -> MatchResponse:
        """Match typed person data against the register (normalised; see `register.normalise`)."""
        result = register.match(PersonQuery(**body.model_dump()))
        resident = result.resident
        if resident is None:
            return MatchResponse(outcome=result.outcome)
        address = resident.address
        return MatchResponse(
            outcome="match",
            record_id=resident.record_id,
            address=RegisterAddressOut(
                street=address.street,
                house_number=address.house_number,
                postal_code=address.postal_code,
                locality=address.locality,
                country=address.country,
            ),
            person=RegisterPersonOut(
                given_names=resident.given_names,
                family_name=resident.family_name,
                birth_name=resident.birth_name,
                birth_date=resident.birth_date,
                place_of_birth=resident.place_of_birth,
                nationality=resident.nationality,
                sex=resident.sex,
            ),
        )

    @app.exception_handler(RegisterUnavailable)
    def unavailable(_request: Request, exc: RegisterUnavailable) -> JSONResponse:
        """A register behind this API that cannot answer: 503, the adapter's fail-closed case."""
        return JSONResponse({"detail": exc.description}, status_code=exc.status)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Process liveness."""
        return {"status": "ok"}

    app.add_middleware(BodyLimit, limit=BODY_LIMIT)
    return app
