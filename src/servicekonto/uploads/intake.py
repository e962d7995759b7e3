"""Accept the files of one request: check all, scan all, and only then store all.

This is what a feature calls (company registration now; the Dokumentensafe and Postfach
attachments later): `accept_files(files=..., store=open_store(settings, db), scanner=
scanner_from_settings(settings), scan_required=settings.upload_scan_required, now=...)`. Every
refusal (`errors.UploadRefused`) happens before the first byte is stored, so a refused request
leaves nothing behind; a store failure halfway is undone with the caller's transaction (the
store is bound to it, `blobs/unit_of_work.py`). The caller keeps the returned records (blob id,
display name, type, size, digest, scan) in its own rows, in the same transaction.

Blob ids are random (`<prefix><32 hex>`, 128 bits), never derived from a name or the content.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from servicekonto.blobs.port import BlobStore
from servicekonto.uploads.check import (
    DEFAULT_LIMITS,
    CheckedFile,
    IncomingFile,
    UploadLimits,
    check_batch,
)
from servicekonto.uploads.scan import MalwareScanner, ScanRecord, scan_file

DEFAULT_PREFIX = "upload:"


@dataclass(frozen=True)
class AcceptedFile:
    """A stored upload, as its owner records it."""

    blob_id: str
    display_name: str
    content_type: str
    size: int
    sha256: str
    scan: ScanRecord
    #: Pages of a PDF, 0 for images.
    pages: int


def accept_files(
    *,
    files: Sequence[IncomingFile],
    store: BlobStore,
    scanner: MalwareScanner | None,
    scan_required: bool,
    now: datetime,
    limits: UploadLimits = DEFAULT_LIMITS,
    blob_prefix: str = DEFAULT_PREFIX,
) -> list[AcceptedFile]:
    """Check, scan and store `files` (module doc); raises the first refusal, storing nothing."""
    checked = check_batch(files, limits=limits)
    scans = [
        scan_file(
            file.original,
            scanner=scanner,
            required=scan_required,
            index=position,
            display_name=file.display_name,
        )
        for position, file in enumerate(checked, start=1)
    ]
    return [
        _store(file, scan, store=store, now=now, limits=limits, blob_prefix=blob_prefix)
        for file, scan in zip(checked, scans, strict=True)
    ]


def _store(
    file: CheckedFile,
    scan: ScanRecord,
    *,
    store: BlobStore,
    now: datetime,
    limits: UploadLimits,
    blob_prefix: str,
) -> AcceptedFile:
    blob_id = f"{blob_prefix}{secrets.token_hex(16)}"
    # A re-encoded image may come out a little larger than it went in; the cap is the upload's.
    store.put(
        blob_id=blob_id,
        data=file.data,
        content_type=file.content_type,
        now=now,
        max_bytes=max(limits.max_file_bytes, file.size),
    )
    return AcceptedFile(
        blob_id=blob_id,
        display_name=file.display_name,
        content_type=file.content_type,
        size=file.size,
        sha256=file.sha256,
        scan=scan,
        pages=file.pages,
    )
