"""The malware-scan port and the operator's policy for it (issue 12 item 2; checklist U-04).

A `MalwareScanner` answers one question about a file's bytes: infected (with the signature's
name) or not. It raises `ScannerUnavailable` when it cannot answer (not configured, not
reachable, timed out, an error reply) and `ScannerRefused` when it answered that it will not
scan this file (over its stream limit). The adapter is `clamd.py`; tests may bring their own.

`scan_file` applies the policy (`SERVICEKONTO_UPLOAD_SCAN_REQUIRED`): an infected file is always
refused, and so is one the scanner refused; without an answer, the upload is refused when the
scan is required (the default) and accepted with the scan recorded as `skipped` when it is not
(logged as a warning, ids and reasons only, so an operator sees it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from servicekonto.settings import Settings
from servicekonto.uploads import errors

_log = logging.getLogger(__name__)


class ScanStatus(StrEnum):
    """What an accepted file's record says about its scan."""

    CLEAN = "clean"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Verdict:
    infected: bool
    #: The scanner's name for what it found (ASCII, `clamd.py` cleans it); "" when clean.
    signature: str = ""


class ScannerUnavailable(Exception):
    """No answer from the scanner; `reason` is a fixed token for logs (never file content)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ScannerRefused(Exception):
    """The scanner answered that it does not scan this file (e.g. over its stream limit)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalwareScanner(Protocol):
    #: Recorded with every scan ("clamd").
    name: str

    def scan(self, data: bytes) -> Verdict:
        """The verdict on `data`; ScannerUnavailable / ScannerRefused as the module doc says."""
        ...


@dataclass(frozen=True)
class ScanRecord:
    """What to keep about the scan of an accepted file."""

    status: ScanStatus
    #: The scanner that answered, or "none" when the scan was skipped.
    scanner: str
    #: Why it was skipped (a fixed token such as "not_configured"), else "".
    skipped_because: str = ""


def scan_file(
    data: bytes,
    *,
    scanner: MalwareScanner | None,
    required: bool,
    index: int | None = None,
    display_name: str | None = None,
) -> ScanRecord:
    """Scan one file under the policy (module doc); raises the refusal, else the record."""
    try:
        if scanner is None:
            raise ScannerUnavailable("not_configured")
        verdict = scanner.scan(data)
    except ScannerRefused as exc:
        _log.warning("malware scan refused a file: %s", exc.reason)
        raise errors.ScanFailed(index=index, display_name=display_name) from exc
    except ScannerUnavailable as exc:
        if required:
            _log.error("malware scan unavailable, upload refused: %s", exc.reason)
            raise errors.ScanUnavailable(index=index, display_name=display_name) from exc
        _log.warning("malware scan unavailable, upload accepted unscanned: %s", exc.reason)
        return ScanRecord(ScanStatus.SKIPPED, "none", exc.reason)
    if verdict.infected:
        _log.warning("malware scan found %s; upload refused", verdict.signature)
        raise errors.FileInfected(
            index=index, display_name=display_name, signature=verdict.signature or "malware"
        )
    return ScanRecord(ScanStatus.CLEAN, scanner.name)


def scanner_from_settings(settings: Settings) -> MalwareScanner | None:
    """The configured scanner (`SERVICEKONTO_CLAMD_URL`), or None without one."""
    if not settings.clamd_url:
        return None
    from servicekonto.uploads.clamd import ClamdScanner

    return ClamdScanner(settings.clamd_url, timeout=settings.clamd_timeout_seconds)
