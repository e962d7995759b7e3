"""The HTTP adapter of the `CivilRegister` port (production: `SERVICEKONTO_REGISTER_URL`).

It speaks the JSON API of `servicekonto.sim.register_app` (`POST {base_url}/v1/match`) and
fails closed: a refused connection, a timeout, any status but 200, a body that is not the
documented JSON, an oversized body — all become `RegisterUnavailable`, so registration says "try
again later" and never builds a verified identity from an answer it could not read (issue 3, 1b).

Time bounds: connect 2 s and read 3 s per network operation (httpx), and a **total deadline of
5 s** per match. httpx only bounds single operations, so a register that trickles a byte every
second would never trip them; the request therefore runs on a small worker pool and the caller
stops waiting at the deadline. The worker itself checks the deadline between body chunks, so it
is released at most one read timeout later.

Nothing of the query is logged (it is personal data); failures are logged by exception class.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import date
from typing import Any

import httpx

from servicekonto.register.model import (
    AMBIGUOUS,
    NO_MATCH,
    MatchResult,
    PersonQuery,
    RegisterAddress,
    Resident,
)
from servicekonto.register.port import CivilRegister, RegisterUnavailable
from servicekonto.security.outbound import CallTimeouts

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 16 * 1024
"""A match answer is a few hundred bytes; anything far larger is not our register."""


#: Per-operation timeouts and the total deadline of one call (shared with the other adapters).
RegisterTimeouts = CallTimeouts


class _Malformed(Exception):
    """The register answered, but not in the documented shape."""


class HttpRegister(CivilRegister):
    """Calls a register service over HTTP; thread-safe, keeps connections alive.

    `transport` is for tests (e.g. `httpx.MockTransport`); `workers` bounds how many matches can
    be in flight at once (further calls queue, still within their own deadline).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeouts: RegisterTimeouts | None = None,
        transport: httpx.BaseTransport | None = None,
        workers: int = 8,
    ) -> None:
        self.timeouts = timeouts or RegisterTimeouts()
        self._url = base_url.rstrip("/") + "/v1/match"
        self._client = httpx.Client(
            timeout=self.timeouts.per_operation(),
            transport=transport,
            follow_redirects=False,
            headers={"accept": "application/json"},
        )
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:  # created lazily: no threads in processes that never ask
                self._executor = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="register-http"
                )
            return self._executor

    def match(self, query: PersonQuery) -> MatchResult:
        """Ask the register; raise `RegisterUnavailable` unless it answers in time and in shape."""
        deadline = time.monotonic() + self.timeouts.total
        future: Future[MatchResult] = self._pool().submit(self._call, query, deadline)
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            future.cancel()
            log.warning("civil register did not answer within %.1f s", self.timeouts.total)
            raise RegisterUnavailable("the civil register did not answer in time") from None
        except RegisterUnavailable:
            raise
        except Exception as exc:  # fail closed on anything unforeseen, too
            log.warning("civil register call failed: %s", type(exc).__name__)
            raise RegisterUnavailable("the civil register could not be asked") from None

    def _call(self, query: PersonQuery, deadline: float) -> MatchResult:
        if time.monotonic() >= deadline:  # waited in the queue past the deadline
            raise RegisterUnavailable("the civil register did not answer in time")
        try:
            with self._client.stream("POST", self._url, json=_query_json(query)) as response:
                if response.status_code != 200:
                    log.warning("civil register answered HTTP %d", response.status_code)
                    raise RegisterUnavailable("the civil register answered with an error")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise _Malformed("response too large")
                    if time.monotonic() >= deadline:
                        raise RegisterUnavailable("the civil register did not answer in time")
            return _parse(bytes(body))
        except httpx.HTTPError as exc:
            log.warning("civil register unreachable: %s", type(exc).__name__)
            raise RegisterUnavailable("the civil register is unreachable") from None
        except _Malformed as exc:
            log.warning("civil register answer unusable: %s", exc)
            raise RegisterUnavailable("the civil register answered something unusable") from None

    def close(self) -> None:
        """Release connections and worker threads (workers still busy finish on their own)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
        self._client.close()


def _query_json(query: PersonQuery) -> dict[str, str]:
    return {
        "given_names": query.given_names,
        "family_name": query.family_name,
        "birth_date": query.birth_date.isoformat(),
        "street": query.street,
        "house_number": query.house_number,
        "postal_code": query.postal_code,
        "locality": query.locality,
    }


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _Malformed(f"field {key} missing or not a string")
    return value


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key)


def _parse(body: bytes) -> MatchResult:
    """Read the documented answer; anything else is `_Malformed` (never a guess)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _Malformed("not JSON") from None
    if not isinstance(data, dict):
        raise _Malformed("not a JSON object")
    outcome = data.get("outcome")
    if outcome == "no_match":
        return NO_MATCH
    if outcome == "ambiguous":
        return AMBIGUOUS
    if outcome != "match":
        raise _Malformed("unknown outcome")
    address = data.get("address")
    person = data.get("person")
    if not isinstance(address, dict) or not isinstance(person, dict):
        raise _Malformed("match without address or person")
    try:
        birth_date = date.fromisoformat(_text(person, "birth_date"))
    except ValueError:
        raise _Malformed("birth_date is not YYYY-MM-DD") from None
    resident = Resident(
        record_id=_text(data, "record_id"),
        given_names=_text(person, "given_names"),
        family_name=_text(person, "family_name"),
        birth_name=_optional_text(person, "birth_name"),
        birth_date=birth_date,
        place_of_birth=_text(person, "place_of_birth"),
        nationality=_text(person, "nationality"),
        sex=_text(person, "sex"),
        address=RegisterAddress(
            street=_text(address, "street"),
            house_number=_text(address, "house_number"),
            postal_code=_text(address, "postal_code"),
            locality=_text(address, "locality"),
            country=_text(address, "country"),
        ),
    )
    return MatchResult("match", resident)
