"""The eID mock as a web app: the JSON eID-Interface and the AusweisApp simulator pages.

Mounted by the main app at `/mock/eid` (embedded mode) and served standalone on port 8002 by
`servicekonto eid-mock serve`. It is self-contained: own templates
(`templates/eid_simulator/`), own stylesheet (`GET /simulator.css`), no state of the main app.

**JSON eID-Interface** (BSI TR-03130 §3, SOAP element names as JSON keys;
`servicekonto.eid.http_adapter.HttpEidServer` is its client):

- `POST /eid/v1/useID` `{"UseOperations": {"GivenNames": "REQUIRED", "BirthName": "ALLOWED",
  …}, "LevelOfAssuranceRequest": "http://bsi.bund.de/eID/LoA/hoch", "RefreshAddress":
  "https://…"}` → `{"Session": {"ID": hex}, "PSK": {"ID": hex, "Key": hex},
  "eCardServerAddress": URL, "Result": {"ResultMajor": "…/resultmajor#ok"}}`.
  `eCardServerAddress` is where the browser goes: the simulator page (it stands for the TC
  token URL; the session id never appears in it).
- `POST /eid/v1/getResult` `{"Session": {"ID": hex}, "RequestCounter": n}` →
  `{"PersonalData": {…}, "OperationsAllowedByUser": {"GivenNames": "ALLOWED", …},
  "DocumentValidity": "valid", "LevelOfAssuranceResult": URI, "EIDTypeResponse":
  {"CardCertified": "USED"}, "Result": {"ResultMajor": "…#ok"}}`. `PersonalData` holds only
  released elements: `DocumentType`, `IssuingState`, `DateOfExpiry` (YYYY-MM-DD),
  `GivenNames`, `FamilyNames`, `ArtisticName`, `AcademicTitle`, `DateOfBirth`
  (`{"DateString": "YYYYMMDD", "DateValue": "YYYY-MM-DD"}`), `PlaceOfBirth`
  (`{"FreetextPlace": …}`), `Nationality`, `BirthName`, `PlaceOfResidence`
  (`{"StructuredPlace": {"Street", "City", "ZipCode", "Country"[, "State"]}}`),
  `RestrictedID` (`{"ID": hex}`).
- **Errors of the interface** are answered like SOAP faults-in-body: HTTP 200 with
  `{"Result": {"ResultMajor": "…/resultmajor#error", "ResultMinor": <TR-03130 §3.4.1 URI>,
  "ResultMessage": …}}` (`missingArgument`, `schemaViolation`, `tooManyOpenSessions`,
  `noResultYet`, `invalidSession`, `invalidCounter`, `deniedDocument`, `invalidDocument`,
  `cancellationByUser`). HTTP errors mean the request never reached the interface: 400 for a
  bad `X-Service-Provider` header, 413 for a body over 16 KiB, 422 for a body that is not the
  documented JSON (unknown keys, wrong types, unknown operation names), 503 when the mock's
  state file fails.
- **Who asks**: the `X-Service-Provider` header (the service provider's name, percent-encoded
  UTF-8) stands in for the terminal certificate of a real eID-Server: it keys the pseudonym
  (`RestrictedID`) and binds the session. Without it, the mock's configured service provider
  is used. There is no authentication: this is a test tool.
- `GET /healthz` → `{"status": "ok"}`.

**AusweisApp simulator** (German pages, no script, no inline style): `GET /simulator/{ticket}`
shows the service provider, the requested data (required ones marked "erforderlich", optional
ones as checkboxes `release`), a select `card` of the test cards with their PINs, an input
`pin` and the buttons `action=authenticate` ("Ausweisen") and `action=cancel` ("Abbrechen").
`POST /simulator/{ticket}` needs the form's `csrf_token` (an HMAC of the ticket), answers 303
to the eService's `RefreshAddress` once the session has its result (data released, document
refused, or cancelled), and otherwise the form again with the error (400), or a 404 page for an
unknown, expired or finished ticket. Simulator responses carry `Cache-Control: no-store`.

Nothing is logged here; request bodies carry session ids and the simulator PINs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import FastAPI, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.datastructures import FormData

from servicekonto.api.body_limit import BodyLimit
from servicekonto.eid.http_adapter import (
    RESULT_MAJOR_ERROR,
    RESULT_MAJOR_OK,
    SERVICE_PROVIDER_HEADER,
)
from servicekonto.eid.model import (
    LOA_HIGH,
    LOA_NORMAL,
    LOA_SUBSTANTIAL,
    EidError,
    EidResult,
    EidUnavailable,
    Operation,
    PersonalData,
    Requirement,
    UseIdRequest,
)
from servicekonto.security.secrets import derive_key, keyed_digest, same
from servicekonto.sim.eid_server import (
    MAX_PIN_TRIES,
    MAX_REFRESH_ADDRESS_LENGTH,
    MockEidServer,
    SimulatorOutcome,
    SimulatorView,
    valid_service_provider,
)

BODY_LIMIT = 16 * 1024
ServiceProviderHeader = Annotated[
    str | None,
    Header(alias=SERVICE_PROVIDER_HEADER, max_length=600, description="percent-encoded name"),
]
_TICKET = re.compile(r"[A-Za-z0-9_-]{32,128}")
_CSS = (Path(__file__).parent / "templates" / "eid_simulator" / "simulator.css").read_bytes()
_CSS_URL = "../simulator.css"  # relative: right both standalone and mounted under /mock/eid
SIMULATOR_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "same-origin",  # the ticket is in the URL; keep it off other sites
    "X-Content-Type-Options": "nosniff",
}

#: How the AusweisApp names the data groups (German).
OPERATION_LABELS: dict[Operation, str] = {
    Operation.DOCUMENT_TYPE: "Dokumentart",
    Operation.ISSUING_STATE: "Ausstellender Staat",
    Operation.DATE_OF_EXPIRY: "Ablaufdatum",
    Operation.GIVEN_NAMES: "Vorname(n)",
    Operation.FAMILY_NAMES: "Familienname",
    Operation.ARTISTIC_NAME: "Ordens- oder Künstlername",
    Operation.ACADEMIC_TITLE: "Doktorgrad",
    Operation.DATE_OF_BIRTH: "Geburtsdatum",
    Operation.PLACE_OF_BIRTH: "Geburtsort",
    Operation.NATIONALITY: "Staatsangehörigkeit",
    Operation.BIRTH_NAME: "Geburtsname",
    Operation.PLACE_OF_RESIDENCE: "Anschrift",
    Operation.RESTRICTED_ID: "Pseudonym (dienste- und kartenspezifisches Kennzeichen)",
}
LOA_LABELS = {LOA_NORMAL: "normal", LOA_SUBSTANTIAL: "substanziell", LOA_HIGH: "hoch"}


# -- JSON eID-Interface ------------------------------------------------------------------------


class UseIdBody(BaseModel):
    """`useID` request; missing `UseOperations`/`RefreshAddress` answer `missingArgument`."""

    model_config = ConfigDict(extra="forbid")

    use_operations: dict[Operation, Requirement] = Field(
        default_factory=dict, alias="UseOperations", max_length=len(Operation)
    )
    level_of_assurance: StrictStr = Field(
        default=LOA_HIGH, alias="LevelOfAssuranceRequest", max_length=200
    )
    refresh_address: StrictStr = Field(
        default="", alias="RefreshAddress", max_length=MAX_REFRESH_ADDRESS_LENGTH
    )


class SessionRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: StrictStr = Field(alias="ID", min_length=1, max_length=256)


class GetResultBody(BaseModel):
    """`getResult` request; a counter that is not previous + 1 answers `invalidCounter`."""

    model_config = ConfigDict(extra="forbid")

    session: SessionRef = Field(alias="Session")
    request_counter: StrictInt = Field(alias="RequestCounter", ge=-(2**31), le=2**31 - 1)


def _ok(body: dict[str, Any]) -> dict[str, Any]:
    return body | {"Result": {"ResultMajor": RESULT_MAJOR_OK}}


def _fault(error: EidError) -> JSONResponse:
    """An interface error: HTTP 200 with ResultMajor#error (faults-in-body, module docstring)."""
    return JSONResponse(
        {
            "Result": {
                "ResultMajor": RESULT_MAJOR_ERROR,
                "ResultMinor": error.minor,
                "ResultMessage": error.description,
            }
        }
    )


def personal_data_json(data: PersonalData) -> dict[str, Any]:
    """`PersonalData` with TR-03130 element names; absent elements are left out."""
    out: dict[str, Any] = {}
    texts = {
        Operation.DOCUMENT_TYPE: data.document_type,
        Operation.ISSUING_STATE: data.issuing_state,
        Operation.GIVEN_NAMES: data.given_names,
        Operation.FAMILY_NAMES: data.family_names,
        Operation.ARTISTIC_NAME: data.artistic_name,
        Operation.ACADEMIC_TITLE: data.academic_title,
        Operation.NATIONALITY: data.nationality,
        Operation.BIRTH_NAME: data.birth_name,
    }
    out.update({op.value: value for op, value in texts.items() if value is not None})
    if data.date_of_expiry is not None:
        out[Operation.DATE_OF_EXPIRY.value] = data.date_of_expiry.isoformat()
    if data.date_of_birth is not None:
        out[Operation.DATE_OF_BIRTH.value] = {
            "DateString": data.date_of_birth.strftime("%Y%m%d"),
            "DateValue": data.date_of_birth.isoformat(),
        }
    if data.place_of_birth is not None:
        out[Operation.PLACE_OF_BIRTH.value] = {"FreetextPlace": data.place_of_birth}
    place = data.place_of_residence
    if place is not None:
        structured = {
            "Street": place.street,
            "City": place.city,
            "ZipCode": place.zip_code,
            "Country": place.country,
        }
        if place.state is not None:
            structured["State"] = place.state
        out[Operation.PLACE_OF_RESIDENCE.value] = {"StructuredPlace": structured}
    if data.restricted_id is not None:
        out[Operation.RESTRICTED_ID.value] = {"ID": data.restricted_id}
    return out


def result_json(result: EidResult) -> dict[str, Any]:
    return _ok(
        {
            "PersonalData": personal_data_json(result.personal_data),
            "OperationsAllowedByUser": {
                op.value: permission.value
                for op, permission in result.operations_allowed_by_user.items()
            },
            "DocumentValidity": result.document_validity.value,
            "LevelOfAssuranceResult": result.level_of_assurance,
            "EIDTypeResponse": {result.eid_type: "USED"},
        }
    )


class _BadServiceProvider(Exception):
    pass


def _service_provider(header: str | None) -> str | None:
    """The caller's name from `X-Service-Provider` (percent-encoded UTF-8), or None."""
    if header is None:
        return None
    try:
        name = unquote(header, errors="strict")
    except UnicodeDecodeError:
        raise _BadServiceProvider from None
    if not valid_service_provider(name):
        raise _BadServiceProvider
    return name


# -- simulator pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    """An error shown next to `field` (card, pin, release) and linked by aria-describedby."""

    field: str
    text: str


class _Pages:
    """Renders the simulator pages; CSRF tokens are an HMAC of the ticket."""

    def __init__(self, secret_key: str) -> None:
        self._key = derive_key(secret_key, "eid-simulator-csrf")
        self._env = Environment(
            loader=PackageLoader("servicekonto.sim", "templates/eid_simulator"),
            autoescape=select_autoescape(["html"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def csrf_token(self, ticket: str) -> str:
        return keyed_digest(self._key, ticket)

    def csrf_valid(self, ticket: str, token: object) -> bool:
        return isinstance(token, str) and same(self.csrf_token(ticket), token)

    def _html(self, template: str, status: int, **context: Any) -> HTMLResponse:
        body = self._env.get_template(template).render(css_url=_CSS_URL, **context)
        return HTMLResponse(body, status_code=status, headers=SIMULATOR_HEADERS)

    def form(
        self,
        ticket: str,
        view: SimulatorView,
        *,
        status: int = 200,
        error: FieldError | None = None,
        selected_card: str = "",
        released: frozenset[Operation] | None = None,
    ) -> HTMLResponse:
        optional = {item.operation for item in view.requested if not item.required}
        return self._html(
            "simulator.html",
            status,
            title="Online-Ausweis: Daten freigeben",
            view=view,
            labels=OPERATION_LABELS,
            loa_label=LOA_LABELS.get(view.level_of_assurance, view.level_of_assurance),
            csrf_token=self.csrf_token(ticket),
            error=error,
            selected_card=selected_card,
            released=optional if released is None else released,
            max_tries=MAX_PIN_TRIES,
        )

    def message(
        self, status: int, title: str, *paragraphs: str, alert: bool = False
    ) -> HTMLResponse:
        return self._html("message.html", status, title=title, paragraphs=paragraphs, alert=alert)

    def not_found(self) -> HTMLResponse:
        return self.message(
            404,
            "Anfrage nicht gefunden",
            "Diese Ausweis-Anfrage ist unbekannt, abgelaufen oder bereits abgeschlossen.",
            "Bitte kehren Sie zum Dienst zurück und starten Sie die Anmeldung mit dem "
            "Online-Ausweis erneut.",
        )

    def csrf_failed(self) -> HTMLResponse:
        return self.message(
            403,
            "Anfrage abgelehnt",
            "Das Formular konnte nicht geprüft werden; es wurde nichts übermittelt.",
            "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
            alert=True,
        )

    def unavailable(self) -> HTMLResponse:
        return self.message(
            503,
            "Simulator nicht verfügbar",
            "Der Ausweis-Simulator ist gerade nicht erreichbar. Bitte versuchen Sie es gleich "
            "noch einmal.",
            alert=True,
        )


def _text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _released(form: FormData) -> frozenset[Operation] | None:
    """The ticked optional operations; None if a value is not an operation (tampering)."""
    released = set()
    for value in form.getlist("release"):
        if not isinstance(value, str):
            return None
        try:
            released.add(Operation(value))
        except ValueError:
            return None
    return frozenset(released)


def _outcome_error(outcome: SimulatorOutcome) -> FieldError:
    """The German message for a simulator outcome that keeps the holder on the form."""
    if outcome.kind == "wrong_pin":
        tries = outcome.tries_left or 0
        return FieldError("pin", f"PIN falsch – noch {tries} {_tries_word(tries)}.")
    if outcome.kind == "pin_blocked":
        return FieldError(
            "card",
            "Die PIN dieses Testausweises ist nach drei falschen Eingaben gesperrt. Wählen Sie "
            "einen anderen Testausweis oder setzen Sie die PINs zurück "
            "(servicekonto eid-mock reset-pins).",
        )
    if outcome.kind == "malformed_pin":
        return FieldError("pin", "Die PIN besteht aus genau 6 Ziffern.")
    return FieldError("card", "Bitte wählen Sie einen Testausweis aus.")


def _tries_word(tries: int) -> str:
    return "Versuch" if tries == 1 else "Versuche"


def _redirect(address: str) -> RedirectResponse:
    return RedirectResponse(address, status_code=303, headers=SIMULATOR_HEADERS)


# -- the app -----------------------------------------------------------------------------------


def create_eid_mock_app(server: MockEidServer, *, secret_key: str) -> FastAPI:
    """The eID mock's web app over `server` (module docstring); `secret_key` keys the CSRF
    tokens of the simulator form."""
    app = FastAPI(
        title="ServiceKonto eID-Server mock (BSI TR-03130) and AusweisApp simulator",
        version="1",
        description=__doc__,
    )
    pages = _Pages(secret_key)
    _add_interface_routes(app, server)
    _add_simulator_routes(app, server, pages)

    @app.exception_handler(EidUnavailable)
    def unavailable(request: Request, exc: EidUnavailable) -> Response:
        """The state file failed: 503, as JSON for the interface and as a page for people."""
        if "/eid/v1/" in request.url.path:
            return JSONResponse({"detail": exc.description}, status_code=exc.status)
        return pages.unavailable()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Process liveness."""
        return {"status": "ok"}

    app.add_middleware(BodyLimit, limit=BODY_LIMIT)
    return app


def _add_interface_routes(app: FastAPI, server: MockEidServer) -> None:
    @app.post("/eid/v1/useID")
    def use_id(body: UseIdBody, x_service_provider: ServiceProviderHeader = None) -> Response:
        """TR-03130 `useID`: open a session for the holder to answer in the simulator."""
        request = UseIdRequest(
            operations=body.use_operations,
            level_of_assurance=body.level_of_assurance,
            refresh_address=body.refresh_address,
        )
        try:
            opened = server.use_id(request, service_provider=_service_provider(x_service_provider))
        except EidError as error:
            return _fault(error)
        return JSONResponse(
            _ok(
                {
                    "Session": {"ID": opened.session},
                    "PSK": {"ID": opened.session, "Key": opened.psk},
                    "eCardServerAddress": opened.client_url,
                }
            )
        )

    @app.post("/eid/v1/getResult")
    def get_result(
        body: GetResultBody, x_service_provider: ServiceProviderHeader = None
    ) -> Response:
        """TR-03130 `getResult`: poll with RequestCounter 1, 2, 3, … until not noResultYet."""
        try:
            result = server.get_result(
                body.session.id,
                body.request_counter,
                service_provider=_service_provider(x_service_provider),
            )
        except EidError as error:
            return _fault(error)
        return JSONResponse(result_json(result))

    @app.exception_handler(_BadServiceProvider)
    def bad_service_provider(_request: Request, _exc: _BadServiceProvider) -> JSONResponse:
        return JSONResponse(
            {"detail": f"{SERVICE_PROVIDER_HEADER} must be 1-200 printable characters"},
            status_code=400,
        )


def _add_simulator_routes(app: FastAPI, server: MockEidServer, pages: _Pages) -> None:
    @app.get("/simulator.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(
            _CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
        )

    @app.get("/simulator/{ticket}", include_in_schema=False)
    def show(ticket: str) -> Response:
        """The AusweisApp simulator: requested data, test cards, PIN."""
        view = server.simulator_view(ticket) if _TICKET.fullmatch(ticket) else None
        if view is None:
            return pages.not_found()
        return pages.form(ticket, view)

    @app.post("/simulator/{ticket}", include_in_schema=False)
    async def submit(ticket: str, request: Request) -> Response:
        """Ausweisen or Abbrechen; a finished session sends the browser to the eService."""
        if not _TICKET.fullmatch(ticket):
            return pages.not_found()
        form = await request.form(max_files=0, max_fields=64)
        if not pages.csrf_valid(ticket, form.get("csrf_token")):
            return pages.csrf_failed()
        action = form.get("action")
        if action == "cancel":
            address = server.cancel(ticket)
            return pages.not_found() if address is None else _redirect(address)
        return _authenticate(server, pages, ticket, form, action)


def _authenticate(
    server: MockEidServer, pages: _Pages, ticket: str, form: FormData, action: object
) -> Response:
    view = server.simulator_view(ticket)
    if view is None:
        return pages.not_found()
    card_id = _text_field(form, "card")
    released = _released(form)
    if action != "authenticate" or released is None:
        error = FieldError("release", "Die Auswahl ist ungültig. Bitte versuchen Sie es erneut.")
        return pages.form(ticket, view, status=400, error=error, selected_card=card_id)
    outcome = server.authenticate(ticket, card_id, _text_field(form, "pin"), set(released))
    if outcome.finished and outcome.refresh_address is not None:
        return _redirect(outcome.refresh_address)
    if outcome.kind == "unknown_ticket":
        return pages.not_found()
    fresh = server.simulator_view(ticket) or view  # tries left have changed
    return pages.form(
        ticket,
        fresh,
        status=400,
        error=_outcome_error(outcome),
        selected_card=card_id,
        released=released,
    )
