"""The space per account (`SERVICEKONTO_SAFE_QUOTA_MB`, default 100 MiB).

The bytes in use live in one row per account (`safe_usage`), grown by one conditional UPDATE
(`used_bytes + n <= quota`) in the transaction that stores the document: of two parallel uploads
that each fit alone but not together, the second UPDATE sees the first one's bytes (PostgreSQL
re-checks the WHERE on the updated row; SQLite serialises writers) and matches no row, so it is
refused (DESIGN §7: enforced by the database, not by a check in Python).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.db.models import SafeUsage
from servicekonto.safe.errors import SafeFull

MIB = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    used_bytes: int
    quota_bytes: int

    @property
    def free_bytes(self) -> int:
        return max(self.quota_bytes - self.used_bytes, 0)

    @property
    def percent(self) -> int:
        """Rounded up, so a safe with anything in it never shows 0 %."""
        if self.quota_bytes <= 0:
            return 100
        return min(100, -(-self.used_bytes * 100 // self.quota_bytes))


def usage(db: Session, *, account_id: str, quota_bytes: int) -> Usage:
    used = db.scalar(select(SafeUsage.used_bytes).where(SafeUsage.account_id == account_id))
    return Usage(used_bytes=int(used or 0), quota_bytes=quota_bytes)


def check_fits(db: Session, *, account_id: str, size: int, quota_bytes: int) -> None:
    """A cheap early refusal before the work (scan, store); `reserve` is the one that holds."""
    current = usage(db, account_id=account_id, quota_bytes=quota_bytes)
    if current.used_bytes + size > quota_bytes:
        raise SafeFull(quota_bytes=quota_bytes, used_bytes=current.used_bytes)


def reserve(db: Session, *, account_id: str, size: int, quota_bytes: int) -> None:
    """Count `size` more bytes, or raise SafeFull and count nothing (module doc)."""
    _ensure_row(db, account_id)
    result = db.execute(
        update(SafeUsage)
        .where(
            SafeUsage.account_id == account_id,
            SafeUsage.used_bytes + size <= quota_bytes,
        )
        .values(used_bytes=SafeUsage.used_bytes + size)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        used = usage(db, account_id=account_id, quota_bytes=quota_bytes).used_bytes
        raise SafeFull(quota_bytes=quota_bytes, used_bytes=used)


def release(db: Session, *, account_id: str, size: int) -> None:
    """A document left the safe: its bytes are free again."""
    db.execute(
        update(SafeUsage)
        .where(SafeUsage.account_id == account_id)
        .values(used_bytes=SafeUsage.used_bytes - size)
        .execution_options(synchronize_session=False)
    )


def _ensure_row(db: Session, account_id: str) -> None:
    """The usage row, created at the first document; two first documents end in one row (the
    primary key; the loser's savepoint rolls back alone)."""
    if db.get(SafeUsage, account_id) is not None:
        return
    try:
        with db.begin_nested():
            db.add(SafeUsage(account_id=account_id, used_bytes=0))
    except IntegrityError:
        pass
