"""The eID-Server mock: `useID`/`getResult` of BSI TR-03130 §3 plus the AusweisApp simulator.

One class plays both sides a real deployment keeps apart: the eID-Server that an eService
(ServiceKonto) asks through the eID-Interface, and the eID client (AusweisApp with a card on the
reader) that the browser is sent to. The simulator side (`simulator_view`, `authenticate`,
`cancel`) is what `web/eid_mock_app.py` renders as pages.

Why a SQLite state file and not memory: the web service runs several worker processes (the
browser's simulator POST and ServiceKonto's `getResult` may land in different ones) and the
standalone mock must survive restarts. Every operation opens its own short connection (WAL,
busy timeout), so the object is safe to share between threads and across `fork`.

TR semantics kept (and tested in `tests/eid/`):

- `useID` answers a `Session.ID` of 32 random bytes in hex and a PSK; the browser gets a
  separate random *ticket* in `client_url` — the session id, which authorises `getResult`,
  never appears in a URL. Session id and ticket are stored only as SHA-256 digests.
- `getResult` needs `RequestCounter` = previous + 1, starting at 1 (one conditional UPDATE, so
  two pollers cannot use the same counter); `noResultYet` until the holder finished; a
  delivered result or failure ends the session (`invalidSession` afterwards). A session is
  bound to the service provider that opened it and lives `session_ttl`.
- The result holds only data the eService asked for (REQUIRED/ALLOWED), the holder released
  (REQUIRED ones cannot be deselected) and the chip carries; `OperationsAllowedByUser` says
  ALLOWED, PROHIBITED or NOTONCHIP for every requested operation.
- The document status is learnt after PIN entry, as with a real eID-Server: a revoked card
  ends the session with `deniedDocument`, an expired one with `invalidDocument`.
- PIN: 6 digits, compared in constant time, three tries per card shared by all sessions (the
  retry counter lives on the card). Every attempt first takes a try in one conditional UPSERT,
  so parallel guesses can never get more than three; a correct PIN gives the tries back.
  (A real card suspends after the second wrong try until the CAN is entered; not simulated.)

The state file holds no personal data: a finished session stores the card id and the released
operations; the result is built from the card when it is fetched. Nothing here logs personal
data, PINs, session ids or tickets.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from servicekonto.eid.model import (
    LEVELS_OF_ASSURANCE,
    LOA_HIGH,
    DocumentValidity,
    EidError,
    EidResult,
    EidUnavailable,
    Operation,
    Permission,
    PersonalData,
    Requirement,
    ResultMinor,
    UseIdRequest,
    UseIdResponse,
)
from servicekonto.security.secrets import digest
from servicekonto.sim.eid_cards import (
    OPERATION_FIELDS,
    TEST_CARDS,
    TestCard,
    card_by_id,
    restricted_id,
)
from servicekonto.sim.state_files import immediate_transaction

log = logging.getLogger(__name__)

MAX_PIN_TRIES = 3
DEFAULT_MAX_OPEN_SESSIONS = 1000
MAX_REFRESH_ADDRESS_LENGTH = 2048
MAX_SERVICE_PROVIDER_LENGTH = 200
_PIN_FORMAT = re.compile(r"[0-9]{6}")
_COUNTER_LIMIT = 2**62  # SQLite integers are 64-bit; a counter this large is invalid anyway

#: Ranks of the level-of-assurance URIs (TR-03130 §3.3.12); every test card is "hoch".
_LOA_RANK = {loa: rank for rank, loa in enumerate(LEVELS_OF_ASSURANCE, start=1)}
CARD_LEVEL_OF_ASSURANCE = LOA_HIGH

_SCHEMA = """
CREATE TABLE IF NOT EXISTS eid_session (
    session_digest TEXT PRIMARY KEY,
    ticket_digest TEXT NOT NULL UNIQUE,
    service_provider TEXT NOT NULL,
    operations TEXT NOT NULL,
    level_of_assurance TEXT NOT NULL,
    refresh_address TEXT NOT NULL,
    expires_at REAL NOT NULL,
    request_counter INTEGER NOT NULL DEFAULT 0,
    finished INTEGER NOT NULL DEFAULT 0,
    card_id TEXT,
    released TEXT,
    result_minor TEXT
);
CREATE INDEX IF NOT EXISTS eid_session_expiry ON eid_session (expires_at);
CREATE TABLE IF NOT EXISTS eid_pin (
    card_id TEXT PRIMARY KEY,
    failures INTEGER NOT NULL
);
"""


# -- what the simulator pages get --------------------------------------------------------------


@dataclass(frozen=True)
class RequestedOperation:
    """One line of "this service wants to read": required ones cannot be deselected."""

    operation: Operation
    required: bool


@dataclass(frozen=True)
class SimulatorCard:
    card: TestCard
    tries_left: int


@dataclass(frozen=True)
class SimulatorView:
    """What the AusweisApp shows before PIN entry: who asks, for what, and the cards."""

    service_provider: str
    requested: tuple[RequestedOperation, ...]
    cards: tuple[SimulatorCard, ...]
    level_of_assurance: str


OutcomeKind = Literal[
    "ok",  # data released; the browser goes to `refresh_address`
    "rejected",  # PIN right, document refused (`minor`); the browser goes to `refresh_address`
    "wrong_pin",  # `tries_left` > 0
    "pin_blocked",  # three wrong tries on this card (now or before)
    "malformed_pin",  # not 6 digits: refused like the AusweisApp does, no try spent
    "unknown_card",
    "unknown_ticket",  # unknown, expired, cancelled or already finished
]


@dataclass(frozen=True)
class SimulatorOutcome:
    kind: OutcomeKind
    refresh_address: str | None = None
    tries_left: int | None = None
    minor: str | None = None

    @property
    def finished(self) -> bool:
        """The session has its result; the browser goes back to the eService."""
        return self.kind in ("ok", "rejected")


@dataclass(frozen=True)
class _OpenSession:
    service_provider: str
    operations: dict[Operation, Requirement]
    level_of_assurance: str
    refresh_address: str


# -- the server --------------------------------------------------------------------------------


class MockEidServer:
    """The in-process eID-Server (implements `eid.port.EidServer`) and the simulator backend.

    `simulator_base_url` is where `web/eid_mock_app.py` is reachable (e.g.
    `https://konto.example/mock/eid`); `service_provider` names the eService whose terminal
    certificate the in-process calls stand for — it keys the pseudonym. The HTTP app passes
    another one per call (`service_provider=`) for callers that identify themselves.
    """

    def __init__(
        self,
        state_path: Path,
        *,
        simulator_base_url: str,
        service_provider: str,
        clock: Callable[[], datetime],
        session_ttl: timedelta = timedelta(minutes=10),
        max_open_sessions: int = DEFAULT_MAX_OPEN_SESSIONS,
        refresh_prefixes: Sequence[str] | None = None,
    ) -> None:
        if not valid_service_provider(service_provider):
            raise ValueError("service_provider must be 1-200 printable characters")
        #: Where the simulator may send browsers back to: the configured service provider's
        #: own addresses only, else the mock is an open redirect (issue 15 item 10). By default
        #: the service provider's URL and everything below it.
        self.refresh_prefixes = tuple(
            refresh_prefixes if refresh_prefixes is not None
            else _default_prefixes(service_provider)
        )
        self._path = Path(state_path)
        self._simulator_base_url = simulator_base_url.rstrip("/")
        self.service_provider = service_provider
        self._clock = clock
        self._ttl = session_ttl
        self._max_open = max_open_sessions
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)

    # -- storage -------------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A short-lived autocommit connection; storage failures become `EidUnavailable`."""
        try:
            db = sqlite3.connect(self._path, timeout=5.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        try:
            db.execute("PRAGMA busy_timeout = 5000")
            yield db
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """`BEGIN IMMEDIATE`: one writer at a time, so check-then-write steps are atomic."""
        with self._connect() as db, immediate_transaction(db):
            yield db

    @staticmethod
    def _unavailable(exc: sqlite3.Error) -> EidUnavailable:
        log.error("eID mock state store failed: %s", type(exc).__name__)
        return EidUnavailable("the eID mock's state store failed")

    def _now(self) -> float:
        return self._clock().timestamp()

    # -- eID-Interface (TR-03130 §3) -----------------------------------------------------------

    def use_id(
        self, request: UseIdRequest, *, service_provider: str | None = None
    ) -> UseIdResponse:
        """Open a session (TR-03130 §3.2 `useID`) and hand out the simulator URL.

        Raises `EidError` with `missingArgument` (nothing requested, no refresh address),
        `schemaViolation` (unknown operation, requirement or LoA; refresh address not an
        absolute http(s) URL) or `tooManyOpenSessions`.
        """
        provider = self._provider(service_provider)
        operations = _validated_operations(request.operations)
        _validate_refresh_address(request.refresh_address)
        if not _belongs_to(request.refresh_address, self.refresh_prefixes):
            raise EidError(
                ResultMinor.SCHEMA_VIOLATION,
                "RefreshAddress is not an address of the configured service provider",
            )
        if request.level_of_assurance not in _LOA_RANK:
            raise EidError(ResultMinor.SCHEMA_VIOLATION, "unknown LevelOfAssuranceRequest")
        session = secrets.token_hex(32)
        ticket = secrets.token_urlsafe(32)
        now = self._now()
        with self._transaction() as db:
            db.execute("DELETE FROM eid_session WHERE expires_at <= ?", (now,))
            (open_sessions,) = db.execute("SELECT COUNT(*) FROM eid_session").fetchone()
            if open_sessions >= self._max_open:
                raise EidError(ResultMinor.TOO_MANY_OPEN_SESSIONS)
            db.execute(
                "INSERT INTO eid_session (session_digest, ticket_digest, service_provider,"
                " operations, level_of_assurance, refresh_address, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    digest(session),
                    digest(ticket),
                    provider,
                    json.dumps({op.value: req.value for op, req in operations.items()}),
                    request.level_of_assurance,
                    request.refresh_address,
                    now + self._ttl.total_seconds(),
                ),
            )
        return UseIdResponse(
            session=session,
            client_url=f"{self._simulator_base_url}/simulator/{ticket}",
            psk=secrets.token_hex(32),
        )

    def get_result(
        self, session: str, request_counter: int, *, service_provider: str | None = None
    ) -> EidResult:
        """Poll a session (TR-03130 §3.4 `getResult`); a delivered answer ends the session."""
        provider = self._provider(service_provider)
        key = digest(session)
        counter_ok = (
            isinstance(request_counter, int)
            and not isinstance(request_counter, bool)
            and 1 <= request_counter <= _COUNTER_LIMIT
        )
        with self._transaction() as db:  # committed also when the poll is refused
            refusal, finished = self._poll(
                db, key, provider, request_counter if counter_ok else None
            )
        if refusal is not None:
            raise EidError(refusal)
        assert finished is not None
        card_id, released, minor, operations = finished
        if minor is not None:
            raise EidError(minor)
        card = card_by_id(card_id) if card_id else None
        if card is None:  # a card removed from TEST_CARDS while a session waited
            raise EidError(ResultMinor.INTERNAL_ERROR)
        return build_result(
            card,
            _load_operations(operations),
            frozenset(Operation(op) for op in json.loads(released)),
            provider,
        )

    def _poll(
        self, db: sqlite3.Connection, key: str, provider: str, counter: int | None
    ) -> tuple[str | None, tuple[str | None, str, str | None, str] | None]:
        """Count one poll: (the refusing result minor, None) or (None, the finished row).

        The counter is taken by a conditional UPDATE (previous + 1 only), so of two pollers
        with the same counter exactly one is counted; a refused poll still keeps its count.
        """
        live = db.execute(
            "SELECT finished, card_id, released, result_minor, operations FROM eid_session"
            " WHERE session_digest = ? AND service_provider = ? AND expires_at > ?",
            (key, provider, self._now()),
        ).fetchone()
        if live is None:
            return ResultMinor.INVALID_SESSION, None
        counted = (
            counter is not None
            and db.execute(
                "UPDATE eid_session SET request_counter = ?"
                " WHERE session_digest = ? AND request_counter = ? - 1",
                (counter, key, counter),
            ).rowcount
        )
        if not counted:
            return ResultMinor.INVALID_COUNTER, None
        finished, card_id, released, minor, operations = live
        if not finished:
            return ResultMinor.NO_RESULT_YET, None
        db.execute("DELETE FROM eid_session WHERE session_digest = ?", (key,))
        return None, (card_id, released, minor, operations)

    def _provider(self, service_provider: str | None) -> str:
        if service_provider is None:
            return self.service_provider
        if not valid_service_provider(service_provider):
            raise EidError(ResultMinor.MISSING_TERMINAL_RIGHTS, "unusable service provider")
        return service_provider

    # -- the AusweisApp simulator --------------------------------------------------------------

    def simulator_view(self, ticket: str) -> SimulatorView | None:
        """What the simulator page shows; None for an unknown, expired or finished ticket."""
        with self._connect() as db:
            session = self._open_session(db, ticket)
            if session is None:
                return None
            failures = dict(db.execute("SELECT card_id, failures FROM eid_pin").fetchall())
        requested = tuple(
            RequestedOperation(op, required=req is Requirement.REQUIRED)
            for op, req in session.operations.items()
            if req is not Requirement.PROHIBITED
        )
        cards = tuple(
            SimulatorCard(card, max(0, MAX_PIN_TRIES - failures.get(card.card_id, 0)))
            for card in TEST_CARDS
        )
        return SimulatorView(session.service_provider, requested, cards, session.level_of_assurance)

    def authenticate(
        self, ticket: str, card_id: str, pin: str, released: set[Operation]
    ) -> SimulatorOutcome:
        """The holder puts `card_id` on the reader, releases `released` and types `pin`.

        `released` only matters for ALLOWED operations: REQUIRED ones are always released.
        """
        with self._connect() as db:
            session = self._open_session(db, ticket)
        if session is None:
            return SimulatorOutcome("unknown_ticket")
        card = card_by_id(card_id) if card_id else None
        if card is None:
            return SimulatorOutcome("unknown_card")
        if not isinstance(pin, str) or not _PIN_FORMAT.fullmatch(pin):
            return SimulatorOutcome("malformed_pin")
        refused = self._check_pin(card, pin)
        if refused is not None:
            return refused
        minor = _document_failure(card, session.level_of_assurance)
        effective = sorted(
            op.value
            for op, req in session.operations.items()
            if req is Requirement.REQUIRED or (req is Requirement.ALLOWED and op in released)
        )
        address = self._finish(ticket, card_id=card.card_id, released=effective, minor=minor)
        if address is None:  # finished or expired while the PIN was checked
            return SimulatorOutcome("unknown_ticket")
        log.info("eID simulator: session finished (%s)", "ok" if minor is None else "rejected")
        return SimulatorOutcome(
            "ok" if minor is None else "rejected", refresh_address=address, minor=minor
        )

    def cancel(self, ticket: str) -> str | None:
        """The holder cancels: the session ends with `cancellationByUser`. Returns the refresh
        address, or None for an unknown, expired or finished ticket."""
        address = self._finish(ticket, card_id=None, released=[], minor=_CANCELLED)
        if address is not None:
            log.info("eID simulator: session cancelled by the holder")
        return address

    def tries_left(self, card_id: str) -> int:
        """Remaining PIN tries of a card (3 for an unused card)."""
        with self._connect() as db:
            row = db.execute("SELECT failures FROM eid_pin WHERE card_id = ?", (card_id,))
            found = row.fetchone()
        return MAX_PIN_TRIES - (found[0] if found else 0)

    def reset_pins(self) -> None:
        """Give every card its three tries back (the PUK of the test world; tests and CLI)."""
        with self._connect() as db:
            db.execute("DELETE FROM eid_pin")

    def _open_session(self, db: sqlite3.Connection, ticket: str) -> _OpenSession | None:
        row = db.execute(
            "SELECT service_provider, operations, level_of_assurance, refresh_address"
            " FROM eid_session WHERE ticket_digest = ? AND finished = 0 AND expires_at > ?",
            (digest(ticket), self._now()),
        ).fetchone()
        if row is None:
            return None
        provider, operations, loa, address = row
        return _OpenSession(provider, _load_operations(operations), loa, address)

    def _check_pin(self, card: TestCard, pin: str) -> SimulatorOutcome | None:
        """Take a try (atomically, at most three), then compare; None means the PIN is right."""
        with self._connect() as db:
            taken = db.execute(
                "INSERT INTO eid_pin (card_id, failures) VALUES (?, 1)"
                " ON CONFLICT (card_id) DO UPDATE SET failures = failures + 1"
                " WHERE failures < ? RETURNING failures",
                (card.card_id, MAX_PIN_TRIES),
            ).fetchall()
            if not taken:
                return SimulatorOutcome("pin_blocked", tries_left=0)
            if hmac.compare_digest(pin.encode(), card.pin.encode()):
                db.execute("UPDATE eid_pin SET failures = 0 WHERE card_id = ?", (card.card_id,))
                return None
        tries_left = MAX_PIN_TRIES - int(taken[0][0])
        log.info("eID simulator: wrong PIN")
        if tries_left <= 0:
            return SimulatorOutcome("pin_blocked", tries_left=0)
        return SimulatorOutcome("wrong_pin", tries_left=tries_left)

    def _finish(
        self, ticket: str, *, card_id: str | None, released: list[str], minor: str | None
    ) -> str | None:
        """Mark the ticket's open session finished (once); its refresh address, or None."""
        with self._connect() as db:
            row = db.execute(
                "UPDATE eid_session SET finished = 1, card_id = ?, released = ?, result_minor = ?"
                " WHERE ticket_digest = ? AND finished = 0 AND expires_at > ?"
                " RETURNING refresh_address",
                (card_id, json.dumps(released), minor, digest(ticket), self._now()),
            ).fetchall()
        return str(row[0][0]) if row else None


_CANCELLED = ResultMinor.CANCELLATION_BY_USER


# -- pure helpers ------------------------------------------------------------------------------


def valid_service_provider(name: object) -> bool:
    """1-200 printable characters: what a terminal certificate's holder name could be."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= MAX_SERVICE_PROVIDER_LENGTH
        and name.isprintable()
        and name.strip() == name
    )


def _validated_operations(
    operations: Mapping[Operation, Requirement],
) -> dict[Operation, Requirement]:
    """Operations as enums; `missingArgument` when nothing is REQUIRED or ALLOWED."""
    try:
        checked = {Operation(op): Requirement(req) for op, req in operations.items()}
    except (ValueError, AttributeError):
        raise EidError(ResultMinor.SCHEMA_VIOLATION, "unknown operation or requirement") from None
    if not any(req is not Requirement.PROHIBITED for req in checked.values()):
        raise EidError(ResultMinor.MISSING_ARGUMENT, "UseOperations asks for nothing")
    return checked


def _default_prefixes(service_provider: str) -> tuple[str, ...]:
    """The service provider's URL as a prefix ending in "/", or nothing if it is no URL."""
    parts = urlsplit(service_provider)
    if parts.scheme in ("http", "https") and parts.netloc and not parts.query:
        return (service_provider.rstrip("/") + "/",)
    return ()


def _belongs_to(address: str, prefixes: Sequence[str]) -> bool:
    """`address` lies below one of `prefixes` (each ends in "/", so no other host matches)."""
    if "/../" in address or address.endswith("/..") or "\\" in address:
        return False
    return any(address.startswith(p if p.endswith("/") else p + "/") for p in prefixes)


def _validate_refresh_address(address: str) -> None:
    if not address:
        raise EidError(ResultMinor.MISSING_ARGUMENT, "RefreshAddress missing")
    parts = urlsplit(address) if isinstance(address, str) else None
    if (
        parts is None
        or len(address) > MAX_REFRESH_ADDRESS_LENGTH
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or not address.isprintable()
        or " " in address
    ):
        raise EidError(ResultMinor.SCHEMA_VIOLATION, "RefreshAddress is not an http(s) URL")


def _load_operations(stored: str) -> dict[Operation, Requirement]:
    return {Operation(op): Requirement(req) for op, req in json.loads(stored).items()}


def _document_failure(card: TestCard, requested_loa: str) -> str | None:
    """The result minor an eID-Server answers for this document, or None if it is accepted.

    The one place where the document is judged: status first (revoked → deniedDocument,
    anything else not valid → invalidDocument), then the level of assurance (TR-03130 §3.3.12:
    a document below the requested level is refused; cannot happen with our "hoch" cards).
    """
    if card.validity is DocumentValidity.REVOKED:
        return ResultMinor.DENIED_DOCUMENT
    if card.validity is not DocumentValidity.VALID:
        return ResultMinor.INVALID_DOCUMENT
    if _LOA_RANK[CARD_LEVEL_OF_ASSURANCE] < _LOA_RANK.get(requested_loa, len(_LOA_RANK) + 1):
        return ResultMinor.DENIED_DOCUMENT
    return None


def build_result(
    card: TestCard,
    operations: Mapping[Operation, Requirement],
    released: frozenset[Operation],
    service_provider: str,
) -> EidResult:
    """The `getResult` answer: per requested operation a permission, and data only where the
    permission is ALLOWED (requested, released by the holder, on the chip)."""
    permissions: dict[Operation, Permission] = {}
    data: dict[str, Any] = {}
    for operation, requirement in operations.items():
        if requirement is Requirement.PROHIBITED or operation not in released:
            permissions[operation] = Permission.PROHIBITED
        elif operation in card.not_on_chip:
            permissions[operation] = Permission.NOTONCHIP
        else:
            permissions[operation] = Permission.ALLOWED
            data[OPERATION_FIELDS[operation]] = (
                restricted_id(card, service_provider)
                if operation is Operation.RESTRICTED_ID
                else card.value(operation)
            )
    return EidResult(
        personal_data=PersonalData(**data),
        document_validity=card.validity,
        operations_allowed_by_user=permissions,
        level_of_assurance=CARD_LEVEL_OF_ASSURANCE,
    )
