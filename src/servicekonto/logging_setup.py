"""JSON log lines on stderr. Handlers log ids and routes only: never query strings, bodies,
tokens, names or e-mail addresses (DESIGN §6 #12)."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # which worker, with `serve --workers N`
            "msg": record.getMessage(),
        }
        http = getattr(record, "http", None)
        if http:
            entry["http"] = http
        stack = getattr(record, "stack", None)
        if stack:
            entry["stack"] = stack
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=True)


def stack_of(exc: BaseException) -> str:
    """Where an exception was raised, without its message: a database error's message carries
    the statement's parameters, i.e. personal data."""
    return "".join(traceback.format_tb(exc.__traceback__))


class FailureStreak:
    """For a job that repeats every second: the first failure is logged with its stack, later
    ones only as a count (every `every` rounds), and the recovery once — not a traceback per
    second for the length of a database outage."""

    def __init__(self, logger: logging.Logger, what: str, *, every: int = 60) -> None:
        self.logger = logger
        self.what = what
        self.every = every
        self.count = 0

    def failed(self, exc: BaseException) -> None:
        self.count += 1
        if self.count == 1:
            self.logger.error(
                "%s failed: %s", self.what, type(exc).__name__, extra={"stack": stack_of(exc)}
            )
        elif self.count % self.every == 0:
            self.logger.warning("%s still failing: %d rounds in a row", self.what, self.count)

    def succeeded(self) -> None:
        if self.count:
            self.logger.warning("%s recovered after %d failed rounds", self.what, self.count)
            self.count = 0


def dict_config(level: str = "INFO") -> dict[str, Any]:
    """`configure` as a `logging.config.dictConfig` document, for uvicorn's `log_config`: uvicorn
    applies it in every worker process it spawns (`serve --workers N`), where a `configure()`
    call in the parent would not reach, leaving workers with bare-text errors and no access log.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        # Our access log replaces uvicorn's (no query strings); `access_log=False` mutes it too.
        "loggers": {"uvicorn.access": {"handlers": [], "propagate": False}},
    }


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn.access",):
        logging.getLogger(name).disabled = True  # our access log replaces it (no query strings)
