"""The eID-Server port: what ServiceKonto asks an eID-Server (BSI TR-03130 §3)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from servicekonto.eid.model import EidResult, UseIdRequest, UseIdResponse


@runtime_checkable
class EidServer(Protocol):
    """`useID` opens a session; `getResult` is polled with a request counter that starts at 1
    and grows by exactly one per call, until it stops answering `noResultYet`. A delivered
    result ends the session. Failures raise `EidError` (with the TR's result minor) or
    `EidUnavailable` (transport); implementations never log personal data.
    """

    def use_id(self, request: UseIdRequest) -> UseIdResponse: ...

    def get_result(self, session: str, request_counter: int) -> EidResult: ...
