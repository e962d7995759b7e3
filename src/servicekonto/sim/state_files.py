"""The small SQLite state files of the simulators and demos.

`serve --workers N` runs N processes, and the steps of one flow (a callback, the next page load,
a back-channel logout, an eID `getResult` poll) may each land on a different one, so the demos
and the eID mock keep their state in a file every worker shares, not in process memory. Each
read-then-write step runs in one `BEGIN IMMEDIATE` transaction: it takes the write lock at the
start, so a step cannot race a writer in another worker.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from fastapi import Request

from servicekonto.http.context import context_of


@contextmanager
def immediate_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One `BEGIN IMMEDIATE` transaction on an autocommit connection (`isolation_level=None`):
    committed when the block ends, rolled back when it raises (also on a cancelled request)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@contextmanager
def data_dir_transaction(
    request: Request, file_name: str, schema: str
) -> Iterator[sqlite3.Connection]:
    """One immediate transaction on `<data_dir>/<file_name>`; the file and the `schema`
    (a `CREATE … IF NOT EXISTS` statement) are created on first use."""
    data_dir = Path(context_of(request).settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / file_name
    with closing(sqlite3.connect(path, timeout=5.0, isolation_level=None)) as db:
        db.execute(schema)
        with immediate_transaction(db):
            yield db
