"""The eID-Interface of BSI TR-03130 §3 (`useID`, `getResult`) as plain data.

Names follow the TR so a reader can hold this module next to the specification. What the TR
transports as SOAP is carried here as Python objects (in-process adapter) or JSON with the same
element names (HTTP adapter, see `eid/http_adapter.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from servicekonto.errors import ServiceKontoError


class Operation(StrEnum):
    """The data an eService may ask for (TR-03130 §3.3, `UseOperations`)."""

    DOCUMENT_TYPE = "DocumentType"
    ISSUING_STATE = "IssuingState"
    DATE_OF_EXPIRY = "DateOfExpiry"
    GIVEN_NAMES = "GivenNames"
    FAMILY_NAMES = "FamilyNames"
    ARTISTIC_NAME = "ArtisticName"
    ACADEMIC_TITLE = "AcademicTitle"
    DATE_OF_BIRTH = "DateOfBirth"
    PLACE_OF_BIRTH = "PlaceOfBirth"
    NATIONALITY = "Nationality"
    BIRTH_NAME = "BirthName"
    PLACE_OF_RESIDENCE = "PlaceOfResidence"
    RESTRICTED_ID = "RestrictedID"


class Requirement(StrEnum):
    """Per operation in `useID`: the eService needs it, would like it, or must not get it."""

    REQUIRED = "REQUIRED"
    ALLOWED = "ALLOWED"
    PROHIBITED = "PROHIBITED"


class Permission(StrEnum):
    """Per operation in `OperationsAllowedByUser`: what the holder released."""

    ALLOWED = "ALLOWED"
    PROHIBITED = "PROHIBITED"
    NOTONCHIP = "NOTONCHIP"


class DocumentValidity(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_AUTHENTIC = "notAuthentic"


#: Level-of-assurance URIs of the eID-Server (TR-03130 §3.3.12).
LOA_NORMAL = "http://bsi.bund.de/eID/LoA/normal"
LOA_SUBSTANTIAL = "http://bsi.bund.de/eID/LoA/substantiell"
LOA_HIGH = "http://bsi.bund.de/eID/LoA/hoch"
#: The known levels, lowest first (a document of a higher level satisfies a lower request).
LEVELS_OF_ASSURANCE = (LOA_NORMAL, LOA_SUBSTANTIAL, LOA_HIGH)


class ResultMinor:
    """Error URIs of TR-03130 §3.4.1 (and TR-03112 for the holder's cancellation)."""

    _BASE = "http://www.bsi.bund.de/eid/server/2.0/resultminor/"
    INTERNAL_ERROR = _BASE + "common#internalError"
    SCHEMA_VIOLATION = _BASE + "common#schemaViolation"
    INVALID_PSK = _BASE + "useID#invalidPSK"
    TOO_MANY_OPEN_SESSIONS = _BASE + "useID#tooManyOpenSessions"
    MISSING_ARGUMENT = _BASE + "useID#missingArgument"
    MISSING_TERMINAL_RIGHTS = _BASE + "useID#missingTerminalRights"
    NO_RESULT_YET = _BASE + "getResult#noResultYet"
    INVALID_SESSION = _BASE + "getResult#invalidSession"
    INVALID_COUNTER = _BASE + "getResult#invalidCounter"
    #: We answer a revoked (gesperrt) document with this one,
    DENIED_DOCUMENT = _BASE + "getResult#deniedDocument"
    #: and an expired or otherwise invalid document with this one.
    INVALID_DOCUMENT = _BASE + "getResult#invalidDocument"
    #: The holder cancelled in the eID client (TR-03112-1 SAL result minor).
    CANCELLATION_BY_USER = "http://www.bsi.bund.de/ecard/api/1.1/resultminor/sal#cancellationByUser"


@dataclass(frozen=True)
class Place:
    """`StructuredPlace` (TR-03130 §3.3.5): street with number, city, zip code, country."""

    street: str
    city: str
    zip_code: str
    country: str = "D"
    state: str | None = None


@dataclass(frozen=True)
class PersonalData:
    """What the chip released. A field is None when the holder deselected it, the eService did
    not ask, or the document does not carry it (see `EidResult.operations_allowed_by_user`)."""

    document_type: str | None = None
    issuing_state: str | None = None
    date_of_expiry: date | None = None
    given_names: str | None = None
    family_names: str | None = None
    artistic_name: str | None = None
    academic_title: str | None = None
    date_of_birth: date | None = None
    place_of_birth: str | None = None
    nationality: str | None = None
    birth_name: str | None = None
    place_of_residence: Place | None = None
    #: `RestrictedID.ID` (hexBinary): the card- and service-provider-specific pseudonym (DKK).
    restricted_id: str | None = None


@dataclass(frozen=True)
class UseIdRequest:
    operations: Mapping[Operation, Requirement]
    level_of_assurance: str = LOA_HIGH
    #: Where the eID client sends the browser when it is done: the `RefreshAddress` that the
    #: eService puts in its TC token (TR-03124-1); carried in `useID` so the mock can redirect.
    refresh_address: str = ""


@dataclass(frozen=True)
class UseIdResponse:
    #: `Session.ID`: ≥ 32 hex characters, the handle for `getResult`.
    session: str
    #: Where the browser goes to run the eID client (the AusweisApp simulator page); stands for
    #: the TC token URL built from `eCardServerAddress` and `PSK`. Carries no personal data.
    client_url: str
    psk: str


@dataclass(frozen=True)
class EidResult:
    personal_data: PersonalData
    document_validity: DocumentValidity
    operations_allowed_by_user: Mapping[Operation, Permission] = field(default_factory=dict)
    level_of_assurance: str = LOA_HIGH
    eid_type: str = "CardCertified"


class EidError(ServiceKontoError):
    """A `Result` with `ResultMajor#error`; `minor` is one of `ResultMinor`."""

    status = 502
    code = "eid_error"

    def __init__(self, minor: str, message: str = "") -> None:
        super().__init__(message or minor.rsplit("#", 1)[-1])
        self.minor = minor


class EidUnavailable(ServiceKontoError):
    """The eID-Server did not answer in time or answered something unusable."""

    status = 503
    code = "eid_unavailable"
