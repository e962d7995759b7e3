"""Issue 10 #21: during a database outage the outbox worker logs the failure once with its
stack, then only a count, and says when it recovered — not a traceback every second. The stack
carries no exception message (it may hold a statement's parameters; checklist V-03)."""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import OperationalError

from servicekonto import app as app_module
from servicekonto.logging_setup import FailureStreak

CANARY = "canary-mail-7f3a@example.org"


def test_outbox_worker_logs_an_outage_once_then_its_recovery(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rounds = {"n": 0}
    healthy = threading.Event()

    def deliver(provider: object, http: object) -> None:
        rounds["n"] += 1
        if not healthy.is_set():
            raise OperationalError("SELECT", {"to": CANARY}, Exception("server closed"))

    monkeypatch.setattr(app_module, "deliver_outbox", deliver)
    provider = SimpleNamespace(settings=SimpleNamespace(outbox_interval_seconds=0.005))
    stop = threading.Event()
    worker = threading.Thread(target=app_module._outbox_worker, args=(provider, stop))
    with caplog.at_level(logging.INFO, logger="servicekonto"):
        worker.start()
        deadline = time.monotonic() + 10
        while rounds["n"] < 30 and time.monotonic() < deadline:
            time.sleep(0.01)
        failed_rounds = rounds["n"]
        healthy.set()
        while rounds["n"] < failed_rounds + 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        worker.join(5)
    records = [r for r in caplog.records if r.name == "servicekonto"]
    errors = [r for r in records if r.levelno >= logging.ERROR]
    assert failed_rounds >= 30
    assert len(errors) == 1
    assert errors[0].getMessage() == "outbox delivery round failed: OperationalError"
    assert "deliver" in errors[0].stack  # type: ignore[attr-defined]
    assert errors[0].exc_info is None
    recovered = [r.getMessage() for r in records if "recovered" in r.getMessage()]
    assert len(recovered) == 1
    assert recovered[0].startswith("outbox delivery round recovered after ")
    assert CANARY not in " ".join(r.getMessage() + str(getattr(r, "stack", "")) for r in records)


def test_a_long_streak_is_reported_as_a_count(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("servicekonto.test")
    streak = FailureStreak(logger, "job", every=3)
    with caplog.at_level(logging.INFO, logger="servicekonto.test"):
        for _ in range(7):
            streak.failed(RuntimeError("x"))
        streak.succeeded()
        streak.succeeded()
    assert [r.getMessage() for r in caplog.records] == [
        "job failed: RuntimeError",
        "job still failing: 3 rounds in a row",
        "job still failing: 6 rounds in a row",
        "job recovered after 7 failed rounds",
    ]
