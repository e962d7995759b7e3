"""The malware scan through a real clamd (issue 12 item 2; checklist U-04) and clamd's INSTREAM
protocol (clamd(8), COMMANDS: `zINSTREAM`, chunks with a 4-byte network-order length, a zero
length at the end; replies `stream: OK`, `stream: <name> FOUND`, `... ERROR`).

The clamd is our own (tests/uploads/conftest.py), loaded with one local signature for the EICAR
test string; nothing is downloaded. Stand-in servers cover what a real clamd will not do on
request: hang, or answer an error."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from servicekonto.clock import FixedClock
from servicekonto.settings import Settings
from servicekonto.uploads import errors
from servicekonto.uploads.check import IncomingFile
from servicekonto.uploads.clamd import ClamdScanner
from servicekonto.uploads.intake import accept_files
from servicekonto.uploads.scan import (
    ScannerRefused,
    ScannerUnavailable,
    ScanStatus,
    scanner_from_settings,
)
from servicekonto.web.upload_messages import upload_error_message
from tests.uploads import corpus
from tests.uploads.conftest import SIGNATURE, STREAM_MAX_BYTES, Clamd, Stores

FOUND_NAME = f"{SIGNATURE}.UNOFFICIAL"  # clamd marks signatures outside its official databases


@pytest.fixture(params=["unix", "tcp"])
def clamd_url(request: pytest.FixtureRequest, clamd: Clamd) -> str:
    return clamd.unix_url if request.param == "unix" else clamd.tcp_url


def test_instream_eicar_is_found_by_the_real_clamd(clamd_url: str) -> None:
    verdict = ClamdScanner(clamd_url, timeout=10).scan(corpus.EICAR)
    assert verdict.infected and verdict.signature == FOUND_NAME


def test_instream_clean_bytes_are_ok_in_many_chunks(clamd_url: str) -> None:
    scanner = ClamdScanner(clamd_url, timeout=10, chunk_bytes=4096)
    verdict = scanner.scan(corpus.pdf() + b"\n" * 100_000)
    assert not verdict.infected and verdict.signature == ""
    assert scanner.ping()


def test_instream_eicar_split_across_chunks_is_still_found(clamd: Clamd) -> None:
    # clamd scans the stream, not each chunk: a signature across a chunk border is found.
    verdict = ClamdScanner(clamd.unix_url, timeout=10, chunk_bytes=30).scan(
        b"A" * 17 + corpus.EICAR + b"B" * 17
    )
    assert verdict.infected


def test_instream_size_limit_reply_refuses_the_file(clamd: Clamd) -> None:
    with pytest.raises(ScannerRefused) as refused:
        ClamdScanner(clamd.unix_url, timeout=10).scan(b"x" * (STREAM_MAX_BYTES + 200_000))
    assert refused.value.reason == "stream_size_limit"


@pytest.mark.parametrize("required", [True, False], ids=["required", "not-required"])
def test_a_pdf_carrying_eicar_is_refused_and_nothing_is_stored(
    stores: Stores, clamd: Clamd, required: bool
) -> None:
    files = [
        IncomingFile("Handelsregisterauszug.pdf", "application/pdf", corpus.pdf()),
        IncomingFile("Satzung.pdf", "application/pdf", corpus.pdf(corpus.EICAR)),
    ]
    with stores.sessions() as db, pytest.raises(errors.FileInfected) as refused:
        accept_files(
            files=files,
            store=stores.open(db),
            scanner=ClamdScanner(clamd.unix_url, timeout=10),
            scan_required=required,  # an infected file is refused whatever the setting
            now=FixedClock().now(),
        )
    assert stores.count() == 0
    assert (refused.value.index, refused.value.params) == (2, {"signature": FOUND_NAME})
    assert upload_error_message("de", refused.value) == (
        f"„Satzung.pdf“: Die Virenprüfung hat Schadsoftware gefunden ({FOUND_NAME}). Die Datei "
        "wurde nicht gespeichert. Bitte prüfen Sie Ihr Gerät mit einem aktuellen "
        "Virenschutzprogramm."
    )


def test_clean_files_through_the_real_clamd_are_recorded_as_scanned(
    stores: Stores, clamd: Clamd
) -> None:
    with stores.sessions() as db:
        accepted = accept_files(
            files=[
                IncomingFile("Satzung.pdf", "", corpus.pdf()),
                IncomingFile("Stempel.png", "", corpus.png()),
            ],
            store=stores.open(db),
            scanner=scanner_from_settings(
                stores.settings.model_copy(update={"clamd_url": clamd.tcp_url})
            ),
            scan_required=True,
            now=FixedClock().now(),
        )
        db.commit()
    assert [(a.scan.status, a.scan.scanner) for a in accepted] == [(ScanStatus.CLEAN, "clamd")] * 2
    assert stores.count() == 2


# -- clamd missing, down or misbehaving ------------------------------------------------------


def _accept_one(stores: Stores, scanner: ClamdScanner | None, *, required: bool) -> list[str]:
    with stores.sessions() as db:
        accepted = accept_files(
            files=[IncomingFile("Satzung.pdf", "application/pdf", corpus.pdf())],
            store=stores.open(db),
            scanner=scanner,
            scan_required=required,
            now=FixedClock().now(),
        )
        db.commit()
    return [f"{a.scan.status}/{a.scan.scanner}/{a.scan.skipped_because}" for a in accepted]


@pytest.mark.parametrize("configured", [True, False], ids=["clamd-down", "no-clamd-configured"])
def test_without_a_reachable_clamd_uploads_are_refused_when_the_scan_is_required(
    stores: Stores, tmp_path: Path, configured: bool
) -> None:
    scanner = ClamdScanner(f"unix://{tmp_path}/gone.sock", timeout=2) if configured else None
    with pytest.raises(errors.ScanUnavailable) as refused:
        _accept_one(stores, scanner, required=True)
    assert stores.count() == 0
    assert refused.value.status == 503
    assert "nicht verfügbar" in upload_error_message("de", refused.value)
    assert "es wurde nichts gespeichert" in upload_error_message("de", refused.value)


@pytest.mark.parametrize(
    ("configured", "reason"),
    [(True, "connect_failed"), (False, "not_configured")],
    ids=["clamd-down", "no-clamd-configured"],
)
def test_without_a_reachable_clamd_uploads_are_accepted_as_skipped_when_not_required(
    stores: Stores, tmp_path: Path, configured: bool, reason: str
) -> None:
    scanner = ClamdScanner(f"unix://{tmp_path}/gone.sock", timeout=2) if configured else None
    assert _accept_one(stores, scanner, required=False) == [f"skipped/none/{reason}"]
    assert stores.count() == 1


def test_the_settings_choose_the_scanner_and_the_policy() -> None:
    base = Settings(dev_mode=True)
    assert base.upload_scan_required is True and base.clamd_url == ""
    assert scanner_from_settings(base) is None
    scanner = scanner_from_settings(base.model_copy(update={"clamd_url": "tcp://127.0.0.1:3310"}))
    assert isinstance(scanner, ClamdScanner)


@contextlib.contextmanager
def _stand_in(reply: bytes | None) -> Iterator[tuple[str, list[bytes]]]:
    """A TCP server that reads one INSTREAM and answers `reply` (None: never answers)."""
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            data = b""
            with contextlib.suppress(OSError):
                while not data.endswith(b"\0\0\0\0"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            received.append(data)
            if reply is None:
                stop.wait(10)
            else:
                conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}", received
    finally:
        stop.set()
        thread.join(10)
        server.close()


def test_instream_framing_command_chunk_lengths_and_terminator() -> None:
    data = bytes(range(256)) * 10  # 2560 bytes: chunks of 1000, 1000, 560
    with _stand_in(b"stream: OK\0") as (url, received):
        assert not ClamdScanner(url, timeout=5, chunk_bytes=1000).scan(data).infected
    wire = received[0]
    assert wire.startswith(b"zINSTREAM\0")
    pos, chunks = len(b"zINSTREAM\0"), []
    while True:
        (length,) = struct.unpack(">I", wire[pos : pos + 4])
        pos += 4
        if length == 0:
            break
        chunks.append(wire[pos : pos + length])
        pos += length
    assert [len(c) for c in chunks] == [1000, 1000, 560]
    assert b"".join(chunks) == data and pos == len(wire)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (b"stream: Can't allocate memory ERROR\0", "clamd_error"),
        (b"UNKNOWN COMMAND\0", "unexpected_reply"),
        (b"", "no_reply"),
    ],
)
def test_an_error_or_odd_reply_is_no_verdict(reply: bytes, reason: str) -> None:
    with _stand_in(reply) as (url, _), pytest.raises(ScannerUnavailable) as unavailable:
        ClamdScanner(url, timeout=5).scan(b"data")
    assert unavailable.value.reason == reason


def test_a_clamd_that_never_answers_times_out() -> None:
    with _stand_in(None) as (url, _):
        started = time.monotonic()
        with pytest.raises(ScannerUnavailable) as unavailable:
            ClamdScanner(url, timeout=0.5).scan(b"data")
        assert time.monotonic() - started < 3
    assert unavailable.value.reason == "reply_timeout"
