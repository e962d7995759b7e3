"""The HTTP adapter of the `EidServer` port (production: `SERVICEKONTO_EID_URL`).

It speaks the JSON eID-Interface of `servicekonto.sim.eid_app` (TR-03130 §3 element names
as JSON keys): `POST {base_url}/eid/v1/useID` and `POST {base_url}/eid/v1/getResult`, with the
service provider in the `X-Service-Provider` header (standing in for the terminal certificate).

An error of the eID-Interface comes as HTTP 200 with `Result.ResultMajor` = `…#error` and a
`ResultMinor` of `model.ResultMinor`; it becomes `EidError(minor)`. Everything else that is not
the documented answer fails closed as `EidUnavailable`: a refused connection, a timeout (connect
2 s, read 3 s, and a total deadline between body chunks), any other HTTP status, an oversized or
malformed body, an unknown result minor, data for an operation the holder did not release.
A login never continues on an answer this adapter could not read completely.

Neither request nor answer is logged (names, addresses and pseudonyms are personal data; the
session id authorises `getResult`); failures are logged by kind only. No retries: `getResult`
is not idempotent (the request counter), and `useID` is cheap to repeat by the caller.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from servicekonto.eid.model import (
    LEVELS_OF_ASSURANCE,
    DocumentValidity,
    EidError,
    EidResult,
    EidUnavailable,
    Operation,
    Permission,
    PersonalData,
    Place,
    ResultMinor,
    UseIdRequest,
    UseIdResponse,
)
from servicekonto.security.outbound import CallTimeouts

log = logging.getLogger(__name__)
_T = TypeVar("_T")

MAX_RESPONSE_BYTES = 64 * 1024
"""A getResult answer is about a kilobyte; anything far larger is not an eID-Server."""
SERVICE_PROVIDER_HEADER = "X-Service-Provider"
RESULT_MAJOR_OK = "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#ok"
RESULT_MAJOR_ERROR = "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#error"
EID_TYPES = ("CardCertified", "SECertified", "SEEndorsed", "HWKeyStore")
KNOWN_MINORS = frozenset(
    value for name, value in vars(ResultMinor).items() if name.isupper() and name[0] != "_"
)
_HEX_SESSION = re.compile(r"[0-9a-fA-F]{32,256}")
_HEX = re.compile(r"[0-9a-fA-F]{2,512}")
_DATE_STRING = re.compile(r"[0-9]{8}")
_TEXT_FIELDS = {
    Operation.DOCUMENT_TYPE: "document_type",
    Operation.ISSUING_STATE: "issuing_state",
    Operation.GIVEN_NAMES: "given_names",
    Operation.FAMILY_NAMES: "family_names",
    Operation.ARTISTIC_NAME: "artistic_name",
    Operation.ACADEMIC_TITLE: "academic_title",
    Operation.NATIONALITY: "nationality",
    Operation.BIRTH_NAME: "birth_name",
}


#: Per-operation timeouts and the total deadline of one call (shared with the other adapters).
EidTimeouts = CallTimeouts


class _Malformed(Exception):
    """The eID-Server answered, but not in the documented shape."""


class HttpEidServer:
    """Calls an eID-Server's JSON eID-Interface; thread-safe, keeps connections alive.

    `service_provider` names this eService to the eID-Server (`X-Service-Provider`, standing in
    for the terminal certificate); it keys the pseudonym, so it must stay the same over time and
    equal the name the in-process mock is built with. `transport` is for tests.
    """

    def __init__(
        self,
        base_url: str,
        *,
        service_provider: str,
        timeouts: EidTimeouts | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.timeouts = timeouts or EidTimeouts()
        self._base = base_url.rstrip("/") + "/eid/v1/"
        self._client = httpx.Client(
            timeout=self.timeouts.per_operation(),
            transport=transport,
            follow_redirects=False,
            headers={
                "accept": "application/json",
                # percent-encoded UTF-8: header values are ASCII, provider names need not be
                SERVICE_PROVIDER_HEADER: quote(service_provider, safe=""),
            },
        )

    def use_id(self, request: UseIdRequest) -> UseIdResponse:
        """`useID`: open a session; `EidError` or `EidUnavailable` otherwise."""
        body = {
            "UseOperations": {op.value: req.value for op, req in request.operations.items()},
            "LevelOfAssuranceRequest": request.level_of_assurance,
            "RefreshAddress": request.refresh_address,
        }
        return self._call("useID", body, _parse_use_id)

    def get_result(self, session: str, request_counter: int) -> EidResult:
        """`getResult`: the holder's data once finished; `EidError(noResultYet)` before."""
        body = {"Session": {"ID": session}, "RequestCounter": request_counter}
        return self._call("getResult", body, _parse_get_result)

    def close(self) -> None:
        self._client.close()

    def _call(
        self, operation: str, body: dict[str, Any], parse: Callable[[dict[str, Any]], _T]
    ) -> _T:
        deadline = time.monotonic() + self.timeouts.total
        try:
            data = self._post(operation, body, deadline)
            _raise_for_result(data)
            return parse(data)
        except EidError:
            raise
        except httpx.HTTPError as exc:
            log.warning("eID-Server %s unreachable: %s", operation, type(exc).__name__)
            raise EidUnavailable("the eID-Server is unreachable") from None
        except _Malformed as exc:
            log.warning("eID-Server %s answer unusable: %s", operation, exc)
            raise EidUnavailable("the eID-Server answered something unusable") from None
        except Exception as exc:  # fail closed on anything unforeseen, too
            log.warning("eID-Server %s call failed: %s", operation, type(exc).__name__)
            raise EidUnavailable("the eID-Server could not be asked") from None

    def _post(self, operation: str, body: dict[str, Any], deadline: float) -> dict[str, Any]:
        with self._client.stream("POST", self._base + operation, json=body) as response:
            if response.status_code != 200:
                raise _Malformed(f"HTTP {response.status_code}")
            received = bytearray()
            for chunk in response.iter_bytes():
                received += chunk
                if len(received) > MAX_RESPONSE_BYTES:
                    raise _Malformed("response too large")
                if time.monotonic() >= deadline:
                    raise _Malformed("total deadline passed")
        try:
            data = json.loads(bytes(received))
        except (ValueError, UnicodeDecodeError):
            raise _Malformed("not JSON") from None
        if not isinstance(data, dict):
            raise _Malformed("not a JSON object")
        return data


def _raise_for_result(data: dict[str, Any]) -> None:
    """`Result` is ok (return), a known error (`EidError`) or unusable (`_Malformed`)."""
    result = _object(data, "Result")
    major = result.get("ResultMajor")
    if major == RESULT_MAJOR_OK:
        return
    if major != RESULT_MAJOR_ERROR:
        raise _Malformed("unknown ResultMajor")
    minor = result.get("ResultMinor")
    if minor not in KNOWN_MINORS:
        raise _Malformed("unknown ResultMinor")
    raise EidError(str(minor))


def _parse_use_id(data: dict[str, Any]) -> UseIdResponse:
    session = _text(_object(data, "Session"), "ID")
    if not _HEX_SESSION.fullmatch(session):
        raise _Malformed("Session.ID is not >= 32 hex characters")
    psk = _text(_object(data, "PSK"), "Key")
    if not _HEX.fullmatch(psk):
        raise _Malformed("PSK.Key is not hex")
    address = _text(data, "eCardServerAddress")
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Malformed("eCardServerAddress is not an http(s) URL")
    return UseIdResponse(session=session, client_url=address, psk=psk)


def _parse_get_result(data: dict[str, Any]) -> EidResult:
    permissions = _permissions(_object(data, "OperationsAllowedByUser"))
    personal = _personal_data(_object(data, "PersonalData"), permissions)
    try:
        validity = DocumentValidity(_text(data, "DocumentValidity"))
    except ValueError:
        raise _Malformed("unknown DocumentValidity") from None
    loa = _text(data, "LevelOfAssuranceResult")
    if loa not in LEVELS_OF_ASSURANCE:
        raise _Malformed("unknown LevelOfAssuranceResult")
    return EidResult(
        personal_data=personal,
        document_validity=validity,
        operations_allowed_by_user=permissions,
        level_of_assurance=loa,
        eid_type=_eid_type(_object(data, "EIDTypeResponse")),
    )


def _permissions(raw: dict[str, Any]) -> dict[Operation, Permission]:
    try:
        return {Operation(op): Permission(value) for op, value in raw.items()}
    except ValueError:
        raise _Malformed("unknown operation or permission") from None


def _personal_data(raw: dict[str, Any], permissions: dict[Operation, Permission]) -> PersonalData:
    """Each present element must belong to an ALLOWED operation (else the answer is unusable)."""
    for key in raw:
        try:
            operation = Operation(key)
        except ValueError:
            raise _Malformed("unknown PersonalData element") from None
        if permissions.get(operation) is not Permission.ALLOWED:
            raise _Malformed("PersonalData holds an element the holder did not release")
    values: dict[str, Any] = {
        field: _text(raw, op.value) for op, field in _TEXT_FIELDS.items() if op.value in raw
    }
    if Operation.DATE_OF_EXPIRY.value in raw:
        values["date_of_expiry"] = _iso_date(_text(raw, Operation.DATE_OF_EXPIRY.value))
    if Operation.DATE_OF_BIRTH.value in raw:
        values["date_of_birth"] = _general_date(_object(raw, Operation.DATE_OF_BIRTH.value))
    if Operation.PLACE_OF_BIRTH.value in raw:
        birth_place = _object(raw, Operation.PLACE_OF_BIRTH.value)
        values["place_of_birth"] = _text(birth_place, "FreetextPlace")
    if Operation.PLACE_OF_RESIDENCE.value in raw:
        values["place_of_residence"] = _place(_object(raw, Operation.PLACE_OF_RESIDENCE.value))
    if Operation.RESTRICTED_ID.value in raw:
        pseudonym = _text(_object(raw, Operation.RESTRICTED_ID.value), "ID")
        if not _HEX.fullmatch(pseudonym):
            raise _Malformed("RestrictedID.ID is not hex")
        values["restricted_id"] = pseudonym.lower()
    return PersonalData(**values)


def _place(raw: dict[str, Any]) -> Place:
    structured = _object(raw, "StructuredPlace")
    state = structured.get("State")
    if state is not None and not isinstance(state, str):
        raise _Malformed("StructuredPlace.State is not a string")
    return Place(
        street=_text(structured, "Street"),
        city=_text(structured, "City"),
        zip_code=_text(structured, "ZipCode"),
        country=_text(structured, "Country"),
        state=state,
    )


def _general_date(raw: dict[str, Any]) -> date:
    """`DateOfBirth` as TR-03130 `GeneralDateType`: `DateString` YYYYMMDD and `DateValue`."""
    date_string = _text(raw, "DateString")
    if not _DATE_STRING.fullmatch(date_string):
        raise _Malformed("DateString is not YYYYMMDD")
    value = _iso_date(_text(raw, "DateValue"))
    if value.strftime("%Y%m%d") != date_string:
        raise _Malformed("DateString and DateValue disagree")
    return value


def _iso_date(text: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise _Malformed("date is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Malformed("date is not a calendar date") from None


def _eid_type(raw: dict[str, Any]) -> str:
    used = [name for name, value in raw.items() if value == "USED"]
    if len(used) != 1 or used[0] not in EID_TYPES:
        raise _Malformed("EIDTypeResponse must name one used type")
    return used[0]


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise _Malformed(f"{key} missing or not an object")
    return value


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 2048:
        raise _Malformed(f"{key} missing or not a string")
    return value
