"""Engine and session factory: SQLite with WAL and a busy timeout, PostgreSQL with pre-ping."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: Execution option marking an engine whose transactions only read (see `read_only_engine`).
READ_ONLY = "servicekonto_read_only"


def make_engine(url: str, *, pool_size: int = 10, busy_timeout_seconds: float = 30.0) -> Engine:
    if url.startswith("sqlite"):
        busy_ms = int(busy_timeout_seconds * 1000)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_seconds},
            pool_size=pool_size,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Autocommit at the driver level and explicit BEGIN IMMEDIATE below: writers queue on
            # the busy timeout instead of failing with "database is locked" on lock upgrade.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Read-only sessions (`read_only_engine`) take no write lock: under WAL a reader
            # never waits, where BEGIN IMMEDIATE would queue every read behind every writer.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=20)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def read_only_engine(engine: Engine) -> Engine:
    """The same engine and pool for transactions that never write (userinfo, introspection)."""
    return engine.execution_options(**{READ_ONLY: True})
